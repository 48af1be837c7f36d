"""Instructions per sample (valgrind callgrind, load-independent) of the core and the app on the unix port.

    .venv/bin/python tools/callgrind_figures.py [--what core|app|both|pair]

Core: ``Core.step_batch`` over the synthetic walk (sim.bench.synthetic_walk, 8 zones)
in batches of 16, run for 1 and for 3 rounds in two processes; the difference of
the two totals over the extra samples is the figure (start-up, import and the
trace read cancel out; the core keeps its state across rounds). App without the core:
``simapp`` over the same walk for 30 simulated seconds with ``Core.step_batch``
stubbed out, minus the same run with only the FIFO driver's read per batch (the
sim board's IMU and I2C model, the zone timer and the harness cancel out): zones
and their health, freeze check, sample clock, outbox. FIFO decode: that read minus
the same with ``FifoIMU.decode`` stubbed out (the I2C transfers alone). The app
figure adds the core's and the decode's. Pair
(``--what pair``, not in ``both``): ``pair_figure``. Prints one JSON object. Needs valgrind on PATH; takes a few minutes under load.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click

sys.path.insert(0, os.getcwd())

# Runs on MicroPython: Core.step_batch only, ROUNDS times over the frames read from stdin.
_CORE_DRIVER = """
import sys
from array import array
from soleguard.core.config import Config
from soleguard.core.pipeline import Core
from soleguard.core.frame import FRAME_LEN
rounds = int(sys.argv[1])
buf = array("h", bytes(2 * FRAME_LEN * 2000))
times = array("i", bytes(4 * 2000))
n = 0
header = None
while True:
    line = sys.stdin.readline()
    if not line:
        break
    p = line.strip().split(",")
    if p[0] == "H":
        header = [int(x) for x in p[1:]]
    elif p[0] == "S" and n < 2000:
        times[n] = int(p[1])
        for i in range(FRAME_LEN):
            buf[n * FRAME_LEN + i] = int(p[2 + i])
        n += 1
z = header[1]
core = Core(Config(), z, header[2:2 + 2 * z:2], header[3:3 + 2 * z:2], header[0] == 1)
ev = core.events
sb = core.step_batch
span = times[n - 1] - times[0] + 10
for r in range(rounds):
    if r:
        for k in range(n):
            times[k] += span
    k = 0
    while k < n:
        m = n - k if n - k < 16 else 16
        j = 0
        while j < m:
            j += sb(times, buf, m - j, k + j)
            ev.clear()
        k += m
print("N", n * rounds)
"""


def _callgrind(argv, env, cwd, stdin=None):
    """(instructions, stdout) of ``argv`` under callgrind."""
    out = Path(cwd) / "cg.out"
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=%s" % out] + argv
    p = subprocess.run(cmd, cwd=str(cwd), env=env, input=stdin, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("valgrind run failed: %s" % (p.stderr[-800:]))
    for line in out.read_text().splitlines():
        if line.startswith("summary:") or line.startswith("totals:"):
            return int(line.split()[1]), p.stdout
    raise RuntimeError("no callgrind totals in %s" % out)


def core_figure() -> dict:
    from sim.bench import synthetic_walk
    from sim.mpbuild import micropython_command
    from sim.replay import protocol_lines

    tr = synthetic_walk()
    text = "".join(protocol_lines(tr))
    n = len(tr.t_ms)
    tot = {}
    with tempfile.TemporaryDirectory(prefix="sg-cg-") as tmp:
        (Path(tmp) / "cgcore.py").write_text(_CORE_DRIVER)
        for rounds in (1, 3):
            argv, env = micropython_command(["cgcore.py", str(rounds)], "256K", Path(tmp))
            tot[rounds] = _callgrind(argv, env, tmp, text)[0]
    return {"core.instructions_per_sample": round((tot[3] - tot[1]) / (2 * n)), "core.samples": 2 * n}


def _harness_variant(folder: Path, variant: str) -> Path:
    """A copy of sim/harness whose simapp runs the app with ``Core.step_batch`` stubbed out
    (``variant`` "app"), only the FIFO driver's read per batch ("fifo"), or that read with the
    decode stubbed out ("bus": the I2C transfers alone)."""
    from sim.app import HARNESS

    out = folder / ("h_" + variant)
    shutil.copytree(HARNESS, out)
    src = (out / "simapp.py").read_text()
    edits = {"app": (("    app.start()\n", "    app.start()\n    app.core.step_batch = lambda times, buf, n, k: n\n"),),
             "fifo": (("done = app.on_batch()", "done = app.fifo.read()\n                app.samples += done"),),
             "bus": (("done = app.on_batch()", "done = app.fifo.read()\n                app.samples += done"),
                     ("    app.start()\n", "    app.start()\n    app.fifo.decode = lambda buf, words: words // 2\n"))}
    for old, new in edits[variant]:
        if old not in src:
            raise RuntimeError("harness changed: %r not in simapp.py" % old)
        src = src.replace(old, new, 1)
    (out / "simapp.py").write_text(src)
    return out


def app_figure(seconds: int = 30) -> dict:
    import sim.app as A
    from sim.bench import synthetic_walk
    from sim.mpbuild import micropython_command

    tr = synthetic_walk()
    tot = {}
    with tempfile.TemporaryDirectory(prefix="sg-cg-") as tmp:
        A.write_feed(tr, Path(tmp) / "feed.bin")
        cmds = {}
        for variant in ("app", "fifo", "bus"):  # every device tree built before any run (the checkout may change)
            h = _harness_variant(Path(tmp), variant)
            ex = tuple((h if Path(src) == Path(A.HARNESS) else src, d, c) for src, d, c in A.app_extras())
            wd = Path(tmp) / ("w_" + variant)
            wd.mkdir()
            shutil.copyfile(Path(tmp) / "feed.bin", wd / "feed.bin")
            cmds[variant] = (wd,) + tuple(micropython_command(["-m", "simapp", "feed.bin", str(seconds)], A.HEAP, wd, ex))
        for variant, (wd, argv, env) in cmds.items():
            tot[variant] = _callgrind(argv, env, wd)[0]
    n = seconds * 104  # the sim board's IMU ODR, 104 Hz
    return {"app_without_core.instructions_per_sample": round((tot["app"] - tot["fifo"]) / n),
            "fifo_decode.instructions_per_sample": round((tot["fifo"] - tot["bus"]) / n), "app.samples": n}


def pair_figure() -> dict:
    """The pair in the app (soleguard_unix.bench_pair_app over the synthetic walk's IMU, IMU-only app):
    the single app's on_batch; what the pair adds to on_batch on the right and on the left insole (each
    mode minus its ``-off`` reference: the same run, peer and link, without the measured app's pair);
    the link's own frames (both ends, the ``-off`` run minus two single apps and the peer's pair)."""
    from sim.bench import synthetic_walk
    from sim.mpbuild import micropython_command
    from sim.replay import protocol_lines

    tr = synthetic_walk()
    text = "".join(protocol_lines(tr))
    n = len(tr.t_ms)
    d = {}
    with tempfile.TemporaryDirectory(prefix="sg-cg-") as tmp:
        for mode in ("single", "right", "right-off", "left", "left-off"):
            tot = {}
            for rounds in (1, 3):
                argv, env = micropython_command(["-m", "soleguard_unix.bench_pair_app", mode, str(rounds)], "2M",
                                                Path(tmp))
                tot[rounds] = _callgrind(argv, env, tmp, text)[0]
            d[mode] = (tot[3] - tot[1]) / (2 * n)
    single = d["single"]
    right = d["right"] - d["right-off"]
    left = d["left"] - d["left-off"]
    return {"pair.single_app_instructions_per_sample": round(single),
            "pair.right_adds_instructions_per_sample": round(right),
            "pair.left_adds_instructions_per_sample": round(left),
            "pair.link_frames_instructions_per_sample": round(d["right-off"] - 2 * single - left),
            "pair.samples": 2 * n}


@click.command()
@click.option("--what", type=click.Choice(["core", "app", "both", "pair"]), default="both")
def main(what):
    res = {}
    if what == "pair":
        res.update(pair_figure())
    if what in ("core", "both"):
        res.update(core_figure())
    if what in ("app", "both"):
        res.update(app_figure())
    if what == "both":
        res["app.instructions_per_sample"] = (res["core.instructions_per_sample"] + res["app_without_core.instructions_per_sample"]
                                              + res["fifo_decode.instructions_per_sample"])
    click.echo(json.dumps(res))


if __name__ == "__main__":
    main()
