"""The firmware app on the MicroPython unix port with the ``sim`` board (host side).

``run_app(trace)`` writes the trace as a feed (one text header, then int16
frames), runs ``sim/harness/simapp.py`` under ``micropython -X heapsize=...``
and returns the events and figures it printed. The app reads the recording
through the chip and port models of ``sim/models`` (LSM6DSO registers and
FIFO, the ESP32-S3 ``machine`` and ``esp32`` partition) under the real
micropython-lib ``lsm6dsox`` driver, so the driver code runs too. The driver
is read from ``../shared/vendor/micropython-lib/lib`` (or ``SOLEGUARD_MPLIB``):
``vendor_lib()``. ``seconds`` > 0 loops the recording for that much
simulated time (the 8-hour soak: ``soleguard soak``).

Heap: the sim board's test heap (boards/sim.py ``heap``). The boards' own
heaps are in boards/t3s3.py and boards/xiao_s3.py (PSRAM-backed, megabytes);
the unix port is 64-bit, so every object here is about twice its size on a
32-bit MCU: the test heap is a conservative stand-in, sized so the app keeps
at least 25 % of it free at its peak.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .mpbuild import ROOT, micropython_command
from .replay import Event, core_args, frames
from .trace import Trace

BOARDS = ROOT / "boards"
MODELS = Path(__file__).resolve().parent / "models"  # chip and port models (README there: their authors)
HARNESS = Path(__file__).resolve().parent / "harness"  # the unix-port scripts that drive the app over them


def vendor_lib() -> Path:
    """The real micropython-lib packages: ``SOLEGUARD_MPLIB`` or ../shared/vendor/micropython-lib/lib.

    Raises RuntimeError naming the folder when the ``lsm6dsox`` driver is not there.
    """
    lib = Path(os.environ.get("SOLEGUARD_MPLIB", ROOT.parent / "shared" / "vendor" / "micropython-lib" / "lib"))
    if not (lib / "lsm6dsox.py").is_file():
        raise RuntimeError("micropython-lib packages not found at %s (set SOLEGUARD_MPLIB)" % lib)
    return lib.resolve()


def load_board(name: str) -> dict:
    """The ``BOARD`` dict of ``boards/<name>.py`` (read as data: the file is the device's board.py)."""
    ns: dict = {}
    exec((BOARDS / (name + ".py")).read_text(), ns)
    return ns["BOARD"]


# Test heaps of the unix-port harnesses (boards/sim.py "heap"): the app must keep >= 25 % of them free at
# its peak (tests/test_fw_app_parity.py, tests/test_app_link_mp.py; ``soleguard bench`` reports it).
HEAP = "%dK" % load_board("sim")["heap"]["test_kb"]
LINK_HEAP = "%dK" % load_board("sim")["heap"]["link_test_kb"]
MIN_FREE_AT_PEAK = 0.25


def heap_headroom(peak_live_bytes: int, heapsize: str) -> float:
    """Fraction of ``heapsize`` ('192K') still free at the measured peak of live heap."""
    return 1 - peak_live_bytes / (int(heapsize.rstrip("K")) * 1024)
CORE_TYPES = (1, 2, 3, 4, 5)


@dataclass
class AppResult:
    events: list                        # every Event the app emitted (core, technical, heartbeat, self-test)
    figures: dict = field(default_factory=dict)
    samples: int = 0

    @property
    def core_events(self) -> list:
        """The detection events, as ``soleguard_sim.replay.replay`` reports them."""
        return [e for e in self.events if e.type in CORE_TYPES and e.cause != 4]


def write_feed(trace: Trace, path: Path) -> None:
    zones, xs, ys, imu = core_args(trace)
    if not imu:
        raise ValueError("%s: the app needs an IMU recording (every board has one)" % trace.name)
    t = trace.t_ms
    if len(t) > 1 and not np.all(np.diff(t) == 10) or (len(t) and t[0] != 10 * 0 and t[0] != 0):
        raise ValueError("%s: the app's sample clock needs a 100 Hz trace starting at 0 ms" % trace.name)
    head = ["H", "1", str(zones)] + [str(v) for xy in zip(xs, ys) for v in xy]
    with open(path, "wb") as f:
        f.write((",".join(head) + "\n").encode())
        f.write(frames(trace).astype("<i2").tobytes())


def app_extras() -> tuple:
    """What the app harness adds to the firmware's device tree (mpbuild extras): the sim board as
    deployed (board.py), the models laid flat in lib/ (their ``machine``, ``esp32``, ``time`` shadow
    the port's), the harness scripts and the real ``lsm6dsox`` driver, all precompiled."""
    return ((BOARDS / "sim.py", "board.py", True), (MODELS, "", True), (HARNESS, "", True),
            (vendor_lib() / "lsm6dsox.py", "lsm6dsox.py", True))


def run_app(trace: Trace, seconds: int = 0, heapsize: str = HEAP, timeout: int = 900, progress=None) -> AppResult:
    """Run the app over ``trace`` on the unix port; raise RuntimeError with its message on failure.

    ``progress``: None, or ``fn(samples_done)`` called every 10 simulated minutes
    (the harness prints ``P,<samples>`` lines outside its allocation window).
    """
    with tempfile.TemporaryDirectory(prefix="sg-app-") as tmp:
        write_feed(trace, Path(tmp) / "feed.bin")
        returncode, stdout, stderr = _stream(["-m", "simapp", "feed.bin", str(seconds)], heapsize, Path(tmp),
                                             timeout, progress or (lambda samples: None))
    if returncode != 0:
        raise RuntimeError("app on micropython failed for %s: %s" % (trace.name, (stderr or stdout)[-800:]))
    res = AppResult([])
    for line in stdout.splitlines():
        parts = line.split(",")
        if parts[0] == "E":
            res.events.append(Event(*(int(x) for x in parts[1:5])))
        elif parts[0] == "D":
            res.samples = int(parts[1])
        elif parts[0] == "S":
            for kv in parts[1:]:
                k, v = kv.split("=")
                res.figures[k] = int(v)
    return res


def _stream(args, heapsize, workdir, timeout, progress):
    """run_micropython, reading stdout as it comes (killed after ``timeout`` s): (returncode, stdout, stderr)."""
    import subprocess
    import threading

    argv, env = micropython_command(args, heapsize, workdir, app_extras())
    p = subprocess.Popen(argv, cwd=str(workdir), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    err = []
    reader = threading.Thread(target=lambda: err.append(p.stderr.read()), daemon=True)
    reader.start()
    out = []
    try:
        for line in p.stdout:
            out.append(line)
            if line.startswith("P,"):
                progress(int(line[2:]))
        p.wait()
    finally:
        timer.cancel()
        if p.poll() is None:
            p.kill()
            p.wait()
    reader.join(5)
    return p.returncode, "".join(out), "".join(err)
