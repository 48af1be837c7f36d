"""Replay a trace through the unchanged firmware core, on CPython or MicroPython.

``replay(trace)`` feeds each sample to ``soleguard.core.pipeline.Core`` in this
process and returns the events and the state timeline.
``replay_micropython(trace)`` pipes the same samples through the text protocol
of ``soleguard_unix.replay`` into the MicroPython unix port running the same core
files, and returns its events. The two must be identical (tests check it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from soleguard.core.config import Config
from soleguard.core.pipeline import MODE_NAMES, REASON_NAMES, STATE_NAMES, Core
from soleguard.core.events import CAUSE_NAMES, TYPE_NAMES
from soleguard.core.frame import FRAME_LEN, Z0

from .mpbuild import run_micropython
from .trace import Trace

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"


@dataclass(frozen=True)
class Event:
    """One event from the core: time (ms), type, cause, detail (ints)."""

    t_ms: int
    type: int
    cause: int
    detail: int

    @property
    def type_name(self) -> str:
        return TYPE_NAMES[self.type]

    @property
    def cause_name(self) -> str:
        return CAUSE_NAMES[self.cause]

    @property
    def detail_text(self) -> str:
        """The detail field in words (see firmware/soleguard/core/events.py)."""
        from soleguard.core.events import (CANCEL_BY_GESTURE, CANCEL_BY_MOTION, CAUSE_FALL, CAUSE_MAN_DOWN, CAUSE_SOS,
                                      CAUSE_TECHNICAL, EV_CANCELLED, EV_HEARTBEAT, EV_RECOVERED, EV_SELFTEST)
        from soleguard.core.technical import TECH_NAMES

        if self.type == EV_CANCELLED:
            return {CANCEL_BY_GESTURE: "by gesture", CANCEL_BY_MOTION: "by moving"}.get(self.detail, "by getting up")
        if self.type == EV_RECOVERED:
            return "%d s after the alarm" % self.detail
        if self.type == EV_HEARTBEAT:
            return "battery %d %%" % self.detail
        if self.type == EV_SELFTEST:
            return "all paths passed" if self.detail == 0 else "failed paths 0x%02x" % self.detail
        if self.cause == CAUSE_TECHNICAL:
            code = self.detail >> 8
            name = TECH_NAMES[code] if code < len(TECH_NAMES) else "code %d" % code
            return "%s %d" % (name, self.detail & 0xFF)
        if self.cause == CAUSE_FALL:
            return "impact %d g" % self.detail
        if self.cause == CAUSE_MAN_DOWN:
            return "still %d s" % self.detail
        if self.cause == CAUSE_SOS and self.detail:
            return "escalating %s" % CAUSE_NAMES[self.detail]
        return ""

    def as_dict(self) -> dict:
        return {"t_ms": self.t_ms, "type": self.type_name, "cause": self.cause_name, "detail": self.detail}


@dataclass
class ReplayResult:
    events: list
    mode: str = ""                          # MODE_NAMES: imu+pressure, imu_only, pressure_only
    mode_reason: str = ""                   # REASON_NAMES: why a degraded mode
    states: np.ndarray | None = None        # (N,) int8 index into STATE_NAMES
    tilt: np.ndarray | None = None          # (N,) degrees
    activity: np.ndarray | None = None      # (N,) mg
    strikes: list = field(default_factory=list)  # t_ms of tap strikes


def frames(trace: Trace) -> np.ndarray:
    """The trace as core frames: int16 array (N, FRAME_LEN), zones beyond the trace's left 0."""
    n = len(trace.t_ms)
    out = np.zeros((n, FRAME_LEN), dtype=np.int16)
    if trace.imu is not None:
        out[:, 0:6] = trace.imu
    if trace.zones:
        out[:, Z0 : Z0 + len(trace.zones)] = trace.loads
    return out


def core_args(trace: Trace) -> tuple:
    """(zones, zone_x, zone_y, imu) for ``Core`` from a trace's metadata."""
    zones = trace.zones
    return len(zones), [int(z["x_mm"]) for z in zones], [int(z["y_mm"]) for z in zones], trace.imu is not None


def make_core(trace: Trace, cfg: Config | None = None) -> Core:
    zones, xs, ys, imu = core_args(trace)
    return Core(cfg or Config(), zones, xs, ys, imu)


def replay(trace: Trace, cfg: Config | None = None, timeline: bool = False) -> ReplayResult:
    """Run ``trace`` through the core in this process.

    timeline: also record per-sample state, tilt and activity (for plots).
    """
    core = make_core(trace, cfg)
    ev = core.events
    times = trace.t_ms.tolist()
    events = []
    n = len(times)
    if not timeline:
        # The whole trace as one batch (Core.step_batch, the app's FIFO path): a flat list of
        # ints equal to what an array('h') batch holds; step_batch stops at each frame that
        # queued events, which are read there.
        flat = frames(trace).ravel().tolist()
        k = 0
        while k < n:
            k += core.step_batch(times, flat, n - k, k)
            for i in range(ev.count):
                events.append(Event(ev.t[i], ev.type[i], ev.cause[i], ev.detail[i]))
            ev.clear()
        return ReplayResult(events, MODE_NAMES[core.mode], REASON_NAMES[core.mode_reason])
    # Each row is a list of ints equal to what an array('h') frame holds; the
    # core only indexes it, so this feeds it the same values without copying.
    rows = frames(trace).tolist()
    if timeline:
        states = np.zeros(n, dtype=np.int8)
        tilt = np.zeros(n, dtype=np.int16)
        act = np.zeros(n, dtype=np.int32)
        feat = core.features
        tap = core.tap
        strikes = []
        last = 0
    step = core.step
    for i in range(n):
        t = times[i]
        if step(t, rows[i]):
            for k in range(ev.count):
                events.append(Event(ev.t[k], ev.type[k], ev.cause[k], ev.detail[k]))
            ev.clear()
        if timeline:
            states[i] = core.state
            tilt[i] = feat.tilt
            act[i] = feat.activity
            if tap.strikes != last:
                last = tap.strikes
                strikes.append(t)
    mode, reason = MODE_NAMES[core.mode], REASON_NAMES[core.mode_reason]
    if timeline:
        return ReplayResult(events, mode, reason, states, tilt, act, strikes)
    return ReplayResult(events, mode, reason)


def protocol_lines(trace: Trace, overrides: dict | None = None):
    """The text records soleguard_unix.replay reads for ``trace`` (a generator of str)."""
    zones, xs, ys, imu = core_args(trace)
    head = ["H", str(int(imu)), str(zones)]
    for x, y in zip(xs, ys):
        head += [str(x), str(y)]
    yield ",".join(head) + "\n"
    for name, value in sorted((overrides or {}).items()):
        yield "C,%s,%d\n" % (name, value)
    data = np.hstack([trace.t_ms.reshape(-1, 1), frames(trace).astype(np.int64)])
    for row in data.tolist():
        yield "S," + ",".join(map(str, row)) + "\n"


REPLAY_HEAP = "96K"  # core + replay driver peak < 68K on the 64-bit unix port (measured): >= 25 % free


def replay_micropython(trace: Trace, overrides: dict | None = None, heapsize: str = REPLAY_HEAP) -> ReplayResult:
    """Run ``trace`` through the same core under the MicroPython unix port.

    The core runs as a device runs it, from .mpy in a device-like tree (sim/mpbuild.py), on a
    ``heapsize`` heap (REPLAY_HEAP: the core and the unix-port driver at their
    peak fit in 68K on the 64-bit port; 96K keeps over 25 % free).

    Raises RuntimeError with MicroPython's message if the run fails.
    """
    proc = run_micropython(["-m", "soleguard_unix.replay"], heapsize,
                           input="".join(protocol_lines(trace, overrides)), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("micropython replay of %s failed: %s" % (trace.name, proc.stderr.strip() or proc.stdout[-500:]))
    events = []
    done = None
    for line in proc.stdout.splitlines():
        parts = line.split(",")
        if parts[0] == "E":
            t, ty, ca, de = (int(p) for p in parts[1:])
            events.append(Event(t, ty, ca, de))
        elif parts[0] == "D":
            done = int(parts[1])
    if done != len(trace.t_ms):
        raise RuntimeError("micropython replay of %s stopped after %s of %d samples" % (trace.name, done, len(trace.t_ms)))
    core = make_core(trace)  # the sensing mode follows from the trace's channels
    return ReplayResult(events, MODE_NAMES[core.mode], REASON_NAMES[core.mode_reason])


def replay_with(trace: Trace, runtime: str = "cpython", timeline: bool = False) -> ReplayResult:
    """Dispatch on runtime name 'cpython' or 'micropython'."""
    if runtime == "cpython":
        return replay(trace, timeline=timeline)
    if runtime == "micropython":
        return replay_micropython(trace)
    raise ValueError("unknown runtime %r" % runtime)


__all__ = ["Event", "ReplayResult", "replay", "replay_micropython", "replay_with", "STATE_NAMES"]
