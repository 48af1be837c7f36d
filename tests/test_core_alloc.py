# runtimes: cpython micropython
"""Zero heap allocation per sample in steady state (DESIGN: "prove it in a test").

A scripted shift of about 100 s at 100 Hz (walking, stamping, a silent SOS and
its acknowledgement, a fall through pre-alarm, alarm, recovery and
acknowledgement, a man-down pre-alarm cancelled by getting up) is played
through ``Core.step``, frames generated in place by ``synth.fill_pattern``:

1. once to warm up (first-use allocations are allowed there);
2. with the collector disabled, measuring ``gc.mem_alloc()`` before and after:
   the delta must be 0 bytes;
3. under ``micropython.heap_lock()``, where any allocation raises MemoryError.

Events are pushed, counted and cleared inside the measured loops, so
``EventQueue.push`` and every lifecycle transition are covered too.
On CPython there is neither ``heap_lock`` nor ``gc.mem_alloc``: the same steps
run (so the script and its event counts are checked) and the allocation
checks are skipped.
"""
import gc
from array import array

from soleguard.core.config import Config
from soleguard.core.pipeline import Core
from soleguard.core.events import (
    CAUSE_FALL,
    CAUSE_MAN_DOWN,
    CAUSE_SOS,
    EV_ALARM,
    EV_CANCELLED,
    EV_CLEARED,
    EV_PRE_ALARM,
    EV_RECOVERED,
    EventQueue,
)
from soleguard.core.frame import FRAME_LEN, new_frame

from synth import DT_MS, FALL, LYING, STAMP, STAND, STRIKES, WALK, ZONE_X, ZONE_Y, fill_pattern

try:
    import micropython

    _MP = hasattr(micropython, "heap_lock")
except ImportError:  # CPython: no heap lock, no gc.mem_alloc
    micropython = None
    _MP = False

ACK = -1  # script pseudo-pattern: the supervisor acknowledges the alarm

SCRIPT = (
    (STAND, 2000),  # standing still: learns the upright reference
    (WALK, 10000),
    (STAMP, 3000),  # vertical impulses, loaded: no event
    (STAND, 1000),
    (STRIKES, 1500),  # silent SOS: ALARM/SOS
    (ACK, 0),  # SOS cleared by the acknowledgement alone
    (WALK, 3000),
    (FALL, 10),  # impact then lying
    (LYING, 20000),  # PRE_ALARM/FALL, ALARM/FALL after 15 s
    (ACK, 0),
    (STAND, 5000),  # RECOVERED, then CLEARED (acked)
    (LYING, 36000),  # PRE_ALARM/MAN_DOWN after ~33 s
    (STAND, 5000),  # CANCELLED by recovery
    (WALK, 5000),
)

_SLOTS = 6 * 4  # counts[type * 4 + cause]


def _count(ev, counts):
    for k in range(ev.count):
        counts[ev.type[k] * 4 + ev.cause[k]] += 1
    ev.clear()


def _play_stepped(core, batcher, frame, zones, counts, t):
    """Play SCRIPT once from ``t`` ms; add events to ``counts``; return the end time."""
    ev = core.events
    life = core.lifecycle
    for seg in SCRIPT:
        kind = seg[0]
        if kind == ACK:
            life.ack(t)
            _count(ev, counts)
            continue
        for i in range(seg[1] // DT_MS):
            fill_pattern(frame, kind, i, zones)
            if core.step(t, frame):
                _count(ev, counts)
            t += DT_MS
    return t


_BATCH = 16  # frames per Core.step_batch call (a FIFO watermark)


class _Batcher:
    """Plays SCRIPT through ``Core.step_batch``: frames collected _BATCH at a time, as the app does."""

    def __init__(self, core):
        self.core = core
        self.buf = array("h", bytes(2 * FRAME_LEN * _BATCH))
        self.times = [0] * _BATCH
        self.n = 0
        self.counts = None

    def step(self, t, frame):
        n = self.n
        o = n * FRAME_LEN
        buf = self.buf
        for i in range(FRAME_LEN):
            buf[o + i] = frame[i]
        self.times[n] = t
        self.n = n + 1
        if self.n == _BATCH:
            self.flush()
        return 0

    def flush(self):
        core = self.core
        k = 0
        while k < self.n:
            k += core.step_batch(self.times, self.buf, self.n - k, k)
            if core.events.count:
                _count(core.events, self.counts)
        self.n = 0


def _play_batched(core, batcher, frame, zones, counts, t):
    """SCRIPT through step_batch (the acknowledgements at the same frames as in _play)."""
    ev = core.events
    life = core.lifecycle
    batcher.counts = counts
    for seg in SCRIPT:
        kind = seg[0]
        if kind == ACK:
            batcher.flush()
            life.ack(t)
            _count(ev, counts)
            continue
        for i in range(seg[1] // DT_MS):
            fill_pattern(frame, kind, i, zones)
            batcher.step(t, frame)
            t += DT_MS
    batcher.flush()
    return t


def _check(zones, imu, batch=False):
    core = Core(Config(), zones, ZONE_X, ZONE_Y, imu)
    frame = new_frame()
    batcher = _Batcher(core)  # a closure here would allocate per call on MicroPython (6 cells + args)
    play = _play_batched if batch else _play_stepped
    warm = array("i", bytes(4 * _SLOTS))
    measured = array("i", bytes(4 * _SLOTS))
    locked = array("i", bytes(4 * _SLOTS))
    t = play(core, batcher, frame, zones, warm, 0)
    steps = (t // DT_MS) * 2
    if not _MP:  # CPython: run the same steps, nothing to measure
        t = play(core, batcher, frame, zones, measured, t)
        play(core, batcher, frame, zones, locked, t)
        return warm, measured, locked, 0
    gc.collect()
    gc.disable()
    try:
        a0 = gc.mem_alloc()
        t = play(core, batcher, frame, zones, measured, t)
        allocated = gc.mem_alloc() - a0
    finally:
        gc.enable()
    gc.collect()
    micropython.heap_lock()
    try:
        play(core, batcher, frame, zones, locked, t)
    finally:
        micropython.heap_unlock()
    print("alloc zones=%d imu=%d: %d steps, %d bytes allocated in steady state" % (zones, imu, steps, allocated))
    return warm, measured, locked, allocated


def _n(counts, type_, cause):
    return counts[type_ * 4 + cause]


def test_core_step_allocates_nothing_imu_and_zones():
    warm, measured, locked, allocated = _check(8, True)
    assert allocated == 0, allocated
    # the script exercised what it says (pushes happened inside the loops)
    for c in (warm, measured, locked):
        assert _n(c, EV_ALARM, CAUSE_SOS) == 1
        assert _n(c, EV_PRE_ALARM, CAUSE_FALL) == 1
        assert _n(c, EV_ALARM, CAUSE_FALL) == 1
        assert _n(c, EV_RECOVERED, CAUSE_FALL) == 1
        assert _n(c, EV_CLEARED, CAUSE_SOS) == 1 and _n(c, EV_CLEARED, CAUSE_FALL) == 1
        assert _n(c, EV_PRE_ALARM, CAUSE_MAN_DOWN) == 1
        assert _n(c, EV_CANCELLED, CAUSE_MAN_DOWN) == 1
    assert list(measured) == list(locked)


def test_core_step_allocates_nothing_imu_only():
    warm, measured, locked, allocated = _check(0, True)
    assert allocated == 0, allocated
    assert _n(locked, EV_ALARM, CAUSE_SOS) == 1 and _n(locked, EV_ALARM, CAUSE_FALL) == 1
    assert list(measured) == list(locked)


def test_core_step_allocates_nothing_pressure_only():
    warm, measured, locked, allocated = _check(4, False)
    assert allocated == 0, allocated
    assert _n(locked, EV_PRE_ALARM, CAUSE_MAN_DOWN) >= 1
    assert list(measured) == list(locked)


def test_core_step_batch_allocates_nothing_and_matches_step():
    for zones, imu in ((8, True), (0, True), (4, False)):
        stepped = _check(zones, imu)
        batched = _check(zones, imu, batch=True)
        assert batched[3] == 0, batched[3]
        for a, b in zip(stepped[:3], batched[:3]):
            assert list(a) == list(b), (zones, imu)
    assert _n(batched[2], EV_PRE_ALARM, CAUSE_MAN_DOWN) >= 1


def test_event_queue_push_allocates_nothing():
    q = EventQueue()
    big = 1 << 29  # the largest values the wire format carries stay small ints
    if _MP:
        micropython.heap_lock()
    try:
        for r in range(100):
            for i in range(8):
                q.push(big - i, EV_ALARM, CAUSE_SOS, r)
            q.clear()
    finally:
        if _MP:
            micropython.heap_unlock()
    assert q.count == 0 and q.t[7] == big - 7 and q.detail[0] == 99


def test_heap_lock_catches_an_allocation():
    # guards the proof above: on this build heap_lock really refuses allocation
    if not _MP:
        return  # CPython: nothing to check
    micropython.heap_lock()
    try:
        try:
            x = [0] * 4
        except MemoryError:
            x = None
    finally:
        micropython.heap_unlock()
    assert x is None
