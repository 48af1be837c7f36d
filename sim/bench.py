"""Benchmarks: core us/sample on CPython and the MicroPython unix port,
bytes allocated per sample on MicroPython, replay speed on CPython.

Figures, not assertions: `soleguard bench --json` prints them; budgets are in
DESIGN.md (a few us/sample on the unix port, 0 bytes/sample, replay thousands
of times real time).
"""
from __future__ import annotations

import platform
import time

import numpy as np

from .mpbuild import run_micropython
from .replay import core_args, frames, make_core, protocol_lines, replay
from .trace import Trace

# Host-to-MCU slowdown factors for MicroPython (MICROPYTHON.md: pystone and
# published board benchmarks): an MCU runs the same bytecode this much slower.
MCU_FACTORS = {"esp32s3": 35, "rp2350": 40, "rp2040": 75, "nrf52840": 130}
RATE_HZ = 100


def synthetic_walk(seconds: int = 20) -> Trace:
    """A deterministic walk-like trace with IMU and 8 zones (for timing only)."""
    n = seconds * RATE_HZ
    t = np.arange(n) * 10
    ph = 2 * np.pi * t / 1000.0
    imu = np.zeros((n, 6))
    imu[:, 0] = 300 * np.sin(ph)
    imu[:, 1] = 100 * np.sin(2 * ph)
    imu[:, 2] = 1000 + 600 * np.maximum(0, np.sin(ph)) ** 4 * 3
    imu[:, 3:] = 1500 * np.sin(ph + 1)[:, None]
    stance = (np.sin(ph) > 0).astype(float)
    loads = np.outer(stance, np.full(8, 60.0)) + 5
    zones = [{"name": "z%d" % i, "x_mm": 30 * i, "y_mm": 10 * (i % 3)} for i in range(8)]
    meta = {"dataset": "synthetic", "source_file": "-", "subject": "-", "activity": "walking", "kind": "adl",
            "placement": "insole", "foot": "right", "rate_hz": 100, "axes": "native", "zones": zones,
            "labels": {"falls": [], "segments": [], "sos": []}, "name": "synthetic_walk"}
    return Trace(meta, t.astype(np.int64), np.rint(imu).astype(np.int16), np.rint(loads).astype(np.int16))


def cpython_us_per_sample(trace: Trace, repeat: int = 3) -> float:
    """Best-of-``repeat`` mean us per Core.step over the trace, on this CPython."""
    rows = frames(trace).tolist()
    times = trace.t_ms.tolist()
    best = float("inf")
    for _ in range(repeat):
        core = make_core(trace)
        step, ev = core.step, core.events
        t0 = time.perf_counter()
        for t, row in zip(times, rows):
            if step(t, row):
                ev.clear()
        best = min(best, time.perf_counter() - t0)
    return best / len(rows) * 1e6


def micropython_figures(trace: Trace, heapsize: str = "256K") -> dict:
    """us/step and bytes/step of the core under the MicroPython unix port."""
    proc = run_micropython(["-m", "soleguard_unix.bench"], heapsize, input="".join(protocol_lines(trace)),
                           capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("micropython bench failed: " + proc.stderr.strip())
    lines = proc.stdout.splitlines()
    line = [x for x in lines if x.startswith("B,")][-1]
    steps, us_k, bytes_k, free = (int(v) for v in line.split(",")[1:])
    line = [x for x in lines if x.startswith("BB,")][-1]
    _, bus_k, bbytes_k, batch = (int(v) for v in line.split(",")[1:])
    return {"steps": steps, "us_per_sample": us_k / 1000, "bytes_per_sample": bytes_k / 1000, "heap_free_bytes": free,
            "batch_us_per_sample": bus_k / 1000, "batch_bytes_per_sample": bbytes_k / 1000, "batch": batch}


def pair_link_figures(heapsize: str = "192K") -> dict:
    """The pair link core on the MicroPython unix port: us and bytes per message (soleguard_unix.bench_pair)."""
    proc = run_micropython(["-m", "soleguard_unix.bench_pair"], heapsize, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("micropython pair bench failed: " + proc.stderr.strip())
    out = {}
    for line in proc.stdout.splitlines():
        if line.startswith("P,"):
            what, count, us_k, bytes_k = line.split(",")[1:]
            out[what] = {"count": int(count), "us_per_call": int(us_k) / 1000, "bytes_per_call": int(bytes_k) / 1000}
    out["heap"] = heapsize
    return out


def pair_app_figures(trace: Trace | None = None, heapsize: str = "2M", rounds: int = 3) -> dict:
    """The app's on_batch with the pair up (right: PairFusion, left: StruckFoot) vs without a pair, on the
    unix port (soleguard_unix.bench_pair_app, IMU-only app on the trace's IMU): us and bytes per sample,
    the link's own frames per sample, the heap the pair adds."""
    tr = trace if trace is not None else synthetic_walk()
    text = "".join(protocol_lines(tr))
    out = {"trace": tr.name, "heap": heapsize}
    for mode in ("single", "right", "left"):
        proc = run_micropython(["-m", "soleguard_unix.bench_pair_app", mode, str(rounds)], heapsize, input=text,
                               capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError("micropython pair app bench failed: " + proc.stderr.strip()[-800:])
        row = {}
        for line in proc.stdout.splitlines():
            f = line.split(",")
            if f[0] == "A":
                row.update(samples=int(f[2]), us_per_sample=int(f[3]) / 1000, bytes_per_sample=int(f[4]) / 1000,
                           pair_mode=int(f[5]))
            elif f[0] == "L":
                row.update(link_us_per_sample=int(f[3]) / 1000, link_frames=int(f[4]))
            elif f[0] == "H":
                row["pair_heap_bytes"] = int(f[2])
        out[mode] = row
    return out


def replay_speed(trace: Trace) -> float:
    """Real-time multiple of a full CPython replay (trace read excluded)."""
    t0 = time.perf_counter()
    replay(trace)
    wall = time.perf_counter() - t0
    return trace.duration_ms / 1000.0 / wall


def run_bench(trace: Trace | None = None) -> dict:
    tr = trace if trace is not None else synthetic_walk()
    zones, _, _, imu = core_args(tr)
    cpy = cpython_us_per_sample(tr)
    mp = micropython_figures(tr)
    us = mp["us_per_sample"]
    return {
        "trace": tr.name,
        "samples": int(len(tr.t_ms)),
        "imu": imu,
        "zones": zones,
        "host": platform.machine(),
        "cpython.us_per_sample": round(cpy, 2),
        "micropython.us_per_sample": round(us, 2),
        "micropython.bytes_per_sample": mp["bytes_per_sample"],
        "micropython.steps_timed": mp["steps"],
        # Core.step_batch, FIFO batches of mp["batch"] frames: the app's path
        "micropython.batch_us_per_sample": mp["batch_us_per_sample"],
        "micropython.batch_bytes_per_sample": mp["batch_bytes_per_sample"],
        "micropython.batch_frames": mp["batch"],
        "replay.realtime_multiple": round(replay_speed(tr)),
        "mcu_estimate.cpu_percent_at_100hz": {
            board: round(us * f / 10000.0 * 100, 1) for board, f in MCU_FACTORS.items()
        },
        **app_figures(tr),
    }


# Boards the app targets and their MCU (for the CPU estimate); ODR 104 Hz on both.
APP_BOARDS = {"t3s3": "esp32s3", "xiao_s3": "esp32s3"}
APP_ODR_HZ = 104


def app_figures(trace: Trace | None = None, seconds: int = 180) -> dict:
    """The whole app (FIFO driver, zones, core, outbox, radio) on the unix port with the sim board.

    ``seconds`` of simulated time (the recording looped) so the steady-state
    allocation window (FIFO batches 400..700) is reached.
    """
    from .app import HEAP, heap_headroom, load_board, run_app

    tr = trace if trace is not None else synthetic_walk()
    res = run_app(tr, seconds=seconds)
    f = res.figures
    us = f["app_ns_per_sample"] / 1000
    period_us = 1e6 / APP_ODR_HZ
    return {
        "app.us_per_sample": round(us, 2),
        "app.bytes_per_sample": f["bytes_per_sample_x1000"] / 1000 if f["bytes_per_sample_x1000"] >= 0 else None,
        "app.peak_live_heap_bytes": f["peak_live_heap"],
        "app.heapsize": HEAP,
        "app.heap_free_at_peak": round(heap_headroom(f["peak_live_heap"], HEAP), 3),
        "boards.heap_kb": {b: load_board(b)["heap"] for b in APP_BOARDS},
        "app.samples": res.samples,
        "app.mcu_estimate.cpu_percent_at_104hz": {
            b: round(us * MCU_FACTORS[m] / period_us * 100, 1) for b, m in APP_BOARDS.items()
        },
    }


def grow_source(kind: str, src, factor: int, folder) -> "Path":
    """Write ``src`` with its data rows repeated ``factor`` times into ``folder`` (same name).

    HuGaDB and SisFall rows repeat as they are (no timestamps); the others repeat
    with their time shifted by the recording's span (plus one step) each time, so
    time still increases: UMAFall t_ms, gaitmap the index (sample number or
    seconds), gaitpdb and Moticon time [s], IPOL the PacketCounter. Moticon keeps
    the rows where both insoles have data (the left insole starts late: its empty
    leading rows would be a hole mid-file); IPOL's JSON is copied beside. For
    memory figures only: the file lives in a temp folder.
    """
    from pathlib import Path

    src = Path(src)
    text = src.read_text(encoding="utf-8").splitlines(keepends=True)
    sep = "\t" if kind in ("gaitpdb", "moticon", "ipol") else ","
    if kind == "hugadb":
        head = [ln for ln in text if ln.startswith("#") or ln.startswith("acc_rf_x")]
        rows = [ln for ln in text if ln not in head and ln.strip()]
        shift = None
    elif kind == "sisfall":
        head, rows, shift = [], [ln for ln in text if ln.strip()], None
    elif kind == "umafall":
        k = next(i for i, ln in enumerate(text) if ln.startswith("t_ms"))
        head, rows = text[:k + 1], [ln for ln in text[k + 1:] if ln.strip()]
        times = [float(ln.split(",", 1)[0]) for ln in rows]
        shift = max(times) - min(times) + 50.0
    elif kind in ("gaitmap", "gaitpdb"):
        k = 2 if kind == "gaitmap" else 0  # gaitmap: sensor / axis header rows; gaitpdb: none
        head, rows = text[:k], [ln for ln in text[k:] if ln.strip()]
        times = [float(ln.split(sep, 1)[0]) for ln in rows[:2]] + [float(rows[-1].split(sep, 1)[0])]
        shift = times[2] - times[0] + times[1] - times[0]  # one more step after the last row
    elif kind == "moticon":  # rows with both insoles' data (the left one starts late), time [s] shifted
        head = [ln for ln in text if ln.startswith("#")]
        cells = [ln.split("\t") for ln in text if not ln.startswith("#") and ln.strip()]
        rows = ["\t".join(c) for c in cells if any(c[1:24]) and any(c[26:49])]
        times = [float(ln.split("\t", 1)[0]) for ln in rows]
        shift = max(times) - min(times) + 0.01
    elif kind == "ipol":  # PacketCounter shifted; the JSON (labels of the first copy) copied beside
        head, rows = text[:2], [ln for ln in text[2:] if ln.strip()]
        pcs = [float(ln.split("\t", 1)[0]) for ln in rows]
        shift = max(pcs) - min(pcs) + 1
        json_name = src.stem[:-3] + ".json"
        (Path(folder) / json_name).write_bytes((src.parent / json_name).read_bytes())
    else:
        raise ValueError("grow_source: hugadb, sisfall, umafall, gaitmap, gaitpdb, moticon or ipol, not %r" % kind)
    dst = Path(folder) / src.name
    with open(dst, "w", encoding="utf-8", newline="") as f:
        f.writelines(head)
        for i in range(factor):
            if shift is None:
                f.writelines(rows)
            else:
                for ln in rows:
                    t, rest = ln.split(sep, 1)
                    f.write("%s%s%s" % (_shifted(t, i * shift, kind), sep, rest))
    return dst


def _shifted(t: str, shift: float, kind: str) -> str:
    """Time/index cell ``t`` plus ``shift``: gaitmap sample numbers stay integers, gaitpdb keeps 4 decimals,
    Moticon 2, IPOL 1."""
    fmt = {"gaitpdb": "%.4f", "moticon": "%.2f", "ipol": "%.1f"}.get(kind)
    if fmt:
        return fmt % (float(t) + shift)
    if kind == "gaitmap" and "." not in t:
        return "%d" % (int(t) + round(shift))
    return repr(float(t) + shift)


def import_memory(kind: str, src, factors=(1, 4, 16)) -> list:
    """Peak traced memory of ``import_batch`` for ``src`` grown 1x, 4x, 16x.

    Returns [{factor, source_bytes, peak_bytes, peak_per_source_byte}]:
    tracemalloc's peak (Python objects and numpy buffers) while importing one
    grown copy into a temp folder; the grown copies are deleted afterwards.
    """
    import tempfile
    import tracemalloc
    from pathlib import Path

    from .importers import import_batch

    out = []
    for factor in factors:
        with tempfile.TemporaryDirectory() as tmp:
            src_dir = Path(tmp) / "src"
            src_dir.mkdir()
            path = grow_source(kind, src, factor, src_dir)
            size = path.stat().st_size
            tracemalloc.start()
            res = import_batch(kind, [path], Path(tmp) / "out")
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            if res.failed:
                raise ValueError("import failed: %s" % res.failed[0][1])
            out.append({"factor": factor, "source_bytes": size, "peak_bytes": peak,
                        "peak_per_source_byte": round(peak / size, 3)})
    return out
