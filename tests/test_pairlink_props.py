"""The pair link's clock alignment over a model of a BLE connection (CPython, hypothesis).

Two real ``PairLink`` cores (frames, MACs, echoes, ClockSync) exchange frames
through ``BleChannel``: a connection event every ``interval`` (7.5-50 ms, the
BLE range), a frame handed to the stack after a send latency waits for the next
event (a lost packet for the one after), and is stamped by the receiver after
an asyncio wake-up latency. Each insole's ms clock runs at 1 + rho (rho within
+-40 ppm) from an arbitrary start (near the 2**24 wrap included).

Properties:
* soundness: the true offset error never exceeds the bound the link states,
  whatever the delays, asymmetries, loss and drift;
* reach: after 60 s with sends at jittered times, the bound is within 10 ms
  (pair mode) at 7.5-30 ms intervals, in 19 of 20 links at 50 ms, and the
  true error stays within 10 ms once 5 s of exchanges are in;
* the limit: a direction whose delay is never short (45 ms and more) never
  gives a bound within 10 ms, and the link says so (no pair mode) instead of
  claiming it;
* a drift beyond the declared bound breaks the guarantee; declaring it
  (drift_max_ppm) restores it.
"""
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from soleguard.core import clocksync as C
from soleguard.core import pairlink as L
from soleguard.core.config import Config

KEY = L.pair_key(b"hypothesis-team-key-0123", 0x1111, 0x2222)


class Insole:
    """One insole: its clock (true us -> its ms) and its PairLink core."""

    def __init__(self, side, rho_ppm, start_ms, cfg, seed):
        self.rho = rho_ppm
        self.start = start_ms
        self.link = L.PairLink(KEY, side, cfg, seed=seed)

    def ms(self, t_us):
        return self.start + (t_us * (1000000 + self.rho)) // 1000000000


class BleChannel:
    """Connection events every ``interval_us`` from ``phase_us``; per-frame latencies from ``rng``."""

    def __init__(self, interval_us, phase_us, rng, loss, tx_lat_us, rx_lat_us):
        self.i = interval_us
        self.phase = phase_us
        self.rng = rng
        self.loss = loss
        self.tx_lat = tx_lat_us  # (min, max) per direction index
        self.rx_lat = rx_lat_us
        self.last = [0, 0]

    def deliver(self, t_us, d):
        """True time a frame stamped at ``t_us`` by direction ``d`` (0: a->b, 1: b->a) is stamped by its receiver."""
        ready = t_us + self.rng.randint(*self.tx_lat[d])
        k = (ready - self.phase) // self.i + 1
        while self.rng.random() < self.loss:
            k += 1
        at = self.phase + k * self.i + self.rng.randint(*self.rx_lat[d])
        at = max(at, self.last[d] + 1)  # BLE delivers in order: a frame is never handled before the one sent earlier
        self.last[d] = at
        return at


def run(seconds, interval_us, rho_a, rho_b, start_a, start_b, seed, loss=0.1, tx=((200, 3000), (200, 3000)),
        rx=((300, 8000), (300, 8000)), cfg=None, drift_max=None, checks=None):
    """Simulate; return (a, b, worst |error| - bound over the checks (<= 0: sound), final bounds)."""
    cfg = cfg or Config()
    if drift_max is not None:
        cfg = Config.from_dict({"PAIR_DRIFT_PPM": drift_max})
    rng = random.Random(seed)
    a = Insole(L.SIDE_LEFT, rho_a, start_a, cfg, seed=seed + 1)
    b = Insole(L.SIDE_RIGHT, rho_b, start_b, cfg, seed=seed + 2)
    ch = BleChannel(interval_us, rng.randrange(interval_us), rng, loss, tx, rx)
    inflight = []  # (arrival true us, receiver, frame)
    a.link.start(a.ms(0), bytes(range(8)))
    b.link.start(b.ms(0), bytes(range(8, 16)))
    worst = -10**9
    end = seconds * 1000000

    def send(src, dst, d, t):
        while True:
            n = src.link.poll(src.ms(t))
            if not n:
                return
            inflight.append((ch.deliver(t, d), dst, bytes(src.link.mv[:n])))

    def true_us(ins, ms):
        return -((-(ms - ins.start) * 1000000000) // (1000000 + ins.rho))  # first true us reading >= ms

    t = 0
    check = 100000
    while t < end:
        send(a, b, 0, t)
        send(b, a, 1, t)
        nxt = min(true_us(a, a.ms(t) + max(1, a.link.wait_ms(a.ms(t)))),
                  true_us(b, b.ms(t) + max(1, b.link.wait_ms(b.ms(t)))), check)
        inflight.sort(key=lambda x: x[0])
        if inflight and inflight[0][0] < nxt:
            at, dst, fr = inflight.pop(0)
            r = dst.link.receive(fr, len(fr), dst.ms(at))
            assert r == L.OK, L.REASONS[r]
            t = at
            continue
        t = max(nxt, t + 1)
        if t >= check:
            check += 100000
            for me, other in ((a, b), (b, a)):
                c = me.link.clock
                now = me.ms(t)
                bound = c.bound(now)
                if bound >= 0:
                    true = (other.ms(t) - now) & C.MASK
                    err = abs(C.wrap(c.offset(now) - true))
                    worst = max(worst, err - bound - 1)  # integer readings: the true offset is within 1 ms of their difference
                    if checks is not None:
                        checks.append((err, bound))
    return a, b, worst


DRIFT = st.integers(-40, 40)
STARTS = st.sampled_from([0, 12345, C.WRAP - 3000, C.WRAP + 77, 5 * C.WRAP - 500])


@settings(max_examples=25, deadline=None, derandomize=True)
@given(interval=st.integers(7500, 50000), rho_a=DRIFT, rho_b=DRIFT, start_a=STARTS, start_b=STARTS,
       seed=st.integers(0, 10**6), loss=st.sampled_from([0.0, 0.1, 0.3]),
       extra=st.integers(0, 20000), lopsided=st.booleans())
def test_error_never_exceeds_the_stated_bound_and_reaches_10_ms(interval, rho_a, rho_b, start_a, start_b, seed,
                                                                 loss, extra, lopsided):
    # one insole's Python slower to stamp (up to 20 ms more): an asymmetry the bound must absorb
    rx = ((300, 8000), (300 + extra, 8000 + extra)) if lopsided else ((300, 8000), (300, 8000))
    checks = []
    a, b, worst = run(60, interval, rho_a, rho_b, start_a, start_b, seed, loss=loss, rx=rx, checks=checks)
    assert worst <= 0, worst
    # the true error itself (what fusion suffers) once 5 s of exchanges are in
    assert max(e for e, _ in checks[100:]) <= 10, max(e for e, _ in checks[100:])


def test_over_the_ble_interval_range_the_bound_settles_within_10_ms():
    # the measured figures (docs/PAIR.md, config PAIR_SYNC_MS): 20 seeds per interval, the final bound
    for interval in (7500, 15000, 30000, 50000):
        good = 0
        for seed in range(20):
            a, b, worst = run(60, interval, 40, -40, 1000, 99999, seed)
            assert worst <= 0
            now = a.ms(60000000)
            good += a.link.clock.bound(now) <= 10 and a.link.pair_mode(now)
        assert good >= (20 if interval <= 30000 else 19), (interval, good)


def test_a_delay_that_is_never_short_stays_coarse_and_says_so():
    # what cannot be guaranteed: one direction never faster than 45 ms (e.g. a peer that answers
    # only after a whole 50 ms connection event, or a busy loop on one side): no interval narrows
    checks = []
    a, b, worst = run(30, 50000, 10, -10, 0, 5000, 3, loss=0.0, rx=((300, 800), (45000, 48000)), checks=checks)
    assert worst <= 0  # still sound
    for ins in (a, b):
        now = ins.ms(30000000)
        assert ins.link.clock.bound(now) > 20 and not ins.link.pair_mode(now)
        assert ins.link.status(now) == L.LINK_UP  # the link is up, only its clock is not good enough


def test_undeclared_drift_breaks_the_bound_and_declaring_it_restores_it():
    # an IMU sample clock 1.5 % off (LSM6DSO ODR tolerance class), 4 s between syncs
    cfg = Config.from_dict({"PAIR_SYNC_MS": 4000})
    _, _, worst = run(60, 30000, 15000, 0, 0, 0, 5, cfg=cfg)
    assert worst > 0
    cfg = Config.from_dict({"PAIR_SYNC_MS": 4000, "PAIR_DRIFT_PPM": 16000})
    _, _, worst = run(60, 30000, 15000, 0, 0, 0, 5, cfg=cfg)
    assert worst <= 0


@settings(max_examples=200, deadline=None)
@given(theta=st.integers(0, C.MASK), rho=st.integers(-80, 80), t0=st.integers(0, 10**9),
       gaps=st.lists(st.tuples(st.integers(0, 30000), st.integers(0, 60), st.integers(0, 60), st.integers(0, 2000),
                               st.integers(0, 999)), min_size=1, max_size=25))
def test_clocksync_interval_always_holds_the_true_offset(theta, rho, t0, gaps):
    # direct exchanges with arbitrary one-way delays (ms), hold times and sub-ms phases
    c = C.ClockSync(80, 10)
    t = t0 * 1000  # true time in us; local = t/1000, peer = local*(1+rho) + theta

    def local(u):
        return u // 1000

    def peer(u):
        return (u * (1000000 + rho) // 1000000000 + theta) & C.MASK

    for gap, d1, d2, hold, sub in gaps:
        t += gap * 1000 + sub
        t1 = local(t)
        r2 = t + d1 * 1000
        s3 = r2 + hold * 1000
        r4 = s3 + d2 * 1000
        own = c.sample(t1, peer(r2), peer(s3), local(r4))
        assert own >= 0
        t = r4
        now = local(t) + 5
        true = (peer(t + 5000) - now) & C.MASK
        # the truth at 'now' (5 ms after the last receipt)
        assert abs(C.wrap(c.offset(now) - true)) <= c.bound(now) + 1  # readings are whole ms
