# runtimes: cpython micropython
# heapsize: 128K
"""pair.py: the pair SOS fusion through two whole cores (striking and struck insole) and a link model.

Heap 128K: this module holds both insoles' cores in one heap (a device holds one core and one
fusion object); on the corpus's shared 96K heap, after the other modules, it ran out (MemoryError).
"""
import gc
from array import array

from soleguard.core import pair as P
from soleguard.core.config import PAIR_CONFIRM_STRIKES, PAIR_WAIT_MS, Config
from soleguard.core.events import CAUSE_SOS, EV_ALARM
from soleguard.core.frame import new_frame
from soleguard.core.pipeline import Core

from synth import DT_MS, fill, fill_pattern, STAND, WALK

try:
    import micropython

    _MP = hasattr(micropython, "heap_lock")
except ImportError:
    micropython = None
    _MP = False

LIGHT = -1500  # mg: a light strike, below the single rule's 2.5 g
SIDE = 1200  # mg of vertical part with it: 39 deg off lateral, refused 2.5:1 by the single rule
PUSH = 600  # mg: the struck foot's push (+y)
_Q = 16
_STRIKE_R = (0, LIGHT, 1000 + SIDE, 0)
_STRONG_R = (0, -4000, 1000, 0)  # the single rule's strike
_PUSH_L = (0, PUSH, 1000, 0)
_REST = (0, 0, 1000, 0)


class PairRig:
    """A right (striking) core with PairFusion, a left (struck) core with StruckFoot, and a link that
    delivers each report and ``done`` ``lat_ms`` after its sample. ``pair`` False: no fusion at all."""

    def __init__(self, pair=True, lat_ms=60, mode=P.MODE_PAIR):
        cfg = Config()
        self.right = Core(cfg, 0, (), (), True)
        self.left = Core(cfg, 0, (), (), True)
        self.foot = P.StruckFoot(cfg)
        self.fusion = None
        if pair:
            self.fusion = P.PairFusion(cfg, self.right.tap)
            self.fusion.set_mode(mode)
            self.right.pair = self.fusion
        self.lat = lat_ms
        self.rf = new_frame()
        self.lf = new_frame()
        self.t = 0
        self.sos = []
        self.count_only = False  # True: count SOS in n_sos only (nothing allocated)
        self.n_sos = 0
        self._qa = array("i", bytes(4 * _Q))  # arrival time
        self._qk = bytearray(_Q)
        self._qt = array("i", bytes(4 * _Q))
        self._qh = 0
        self._qn = 0

    def step(self):
        t = self.t
        self.left.features.update(self.lf)
        self.foot.update(t, self.left.features, self.lf)
        while True:
            k = self.foot.next()
            if not k:
                break
            i = (self._qh + self._qn) % _Q
            self._qa[i] = t + self.lat
            self._qk[i] = k
            self._qt[i] = self.foot.rep_t
            self._qn += 1
        fu = self.fusion
        if fu is not None:
            while self._qn and self._qa[self._qh] <= t:
                fu.peer(self._qk[self._qh], self._qt[self._qh], 10)
                self._qh = (self._qh + 1) % _Q
                self._qn -= 1
            if t >= self.lat:
                fu.peer_done(t - self.lat)
        ev = self.right.events
        if self.right.step(t, self.rf):
            for i in range(ev.count):
                if ev.type[i] == EV_ALARM and ev.cause[i] == CAUSE_SOS:
                    self.n_sos += 1
                    if not self.count_only:
                        self.sos.append(ev.t[i])
            ev.clear()
        self.t += DT_MS

    def hold(self, ms, r=(0, 0, 1000, 0), l=(0, 0, 1000, 0)):
        """Both feet: (ax, ay, az, gx) held for ``ms``."""
        fill(self.rf, r[0], r[1], r[2], r[3])
        fill(self.lf, l[0], l[1], l[2], l[3])
        for _ in range(max(1, ms // DT_MS)):
            self.step()


def _gesture(rig, gaps=(300, 300), ay=LIGHT, az=1000 + SIDE, push=PUSH, push_lag=0, left_gx=0, still_ms=2000,
             moving_between=False):
    """Struck foot still ``still_ms``, then strikes (one sample each) with the struck foot's push (mg; a tuple:
    per strike)."""
    rig.hold(still_ms)
    for n, gap in enumerate((0,) + tuple(gaps)):
        if gap:
            rest = gap - 10
            if moving_between and n == 2:
                rig.hold(50)
                rig.hold(50, l=(0, 0, 1000, 4000))
                rest -= 100
            rig.hold(rest, l=(0, 0, 1000, left_gx))
        p = push[n] if isinstance(push, tuple) else push
        if push_lag:
            rig.hold(10, r=(0, ay, az, 0))
            rig.hold(push_lag - 10)
            rig.hold(10, l=(0, p, 1000, 0))
        else:
            rig.hold(10, r=(0, ay, az, 0), l=(0, p, 1000, 0))
    rig.hold(3000)
    return rig


def test_light_oblique_strikes_confirmed_by_the_planted_foot_raise_one_sos():
    rig = _gesture(PairRig())
    assert len(rig.sos) == 1
    assert rig.fusion.confirmed == 3 and rig.fusion.gestures == 1
    assert rig.right.tap.strikes == 0  # the single rule saw none of them


def test_the_same_strikes_without_a_peer_or_in_single_mode_raise_nothing():
    assert _gesture(PairRig(pair=False)).sos == []
    rig = _gesture(PairRig(mode=P.MODE_SINGLE))
    assert rig.sos == [] and rig.fusion.candidates == 0


def test_sos_waits_for_the_peer_and_comes_within_the_wait():
    rig = _gesture(PairRig(lat_ms=150))
    t3 = 2000 + 600
    assert len(rig.sos) == 1
    assert 150 <= rig.sos[0] - t3 <= PAIR_WAIT_MS


def test_a_late_link_is_refused():
    assert _gesture(PairRig(lat_ms=PAIR_WAIT_MS + 60)).sos == []


def test_no_push_or_a_common_mode_jolt_on_the_struck_foot_is_refused():
    assert _gesture(PairRig(), push=0).sos == []
    assert _gesture(PairRig(), push=-PUSH).sos == []  # the struck foot jolted the same way: not pushed


def test_a_push_outside_the_window_is_refused():
    assert len(_gesture(PairRig(), push_lag=30).sos) == 1
    assert _gesture(PairRig(), push_lag=90).sos == []


def test_a_moving_struck_foot_is_refused():
    assert _gesture(PairRig(), left_gx=4000).sos == []  # turning at 400 dps throughout
    rig = _gesture(PairRig(), moving_between=True)  # one 50 ms turn between strikes 2 and 3
    assert rig.sos == [] and rig.fusion.refused_moving == 1
    assert len(_gesture(PairRig(), left_gx=2500).sos) == 1  # below PAIR_STILL_DDPS: still


def test_the_struck_foot_must_stand_still_before_the_first_strike():
    rig = PairRig()
    rig.hold(2000, l=(0, 0, 1000, 5000))  # walking, then strikes at once
    assert _gesture(rig, still_ms=150).sos == []
    rig = PairRig()
    rig.hold(2000, l=(0, 0, 1000, 5000))
    assert len(_gesture(rig, still_ms=300).sos) == 1


def test_a_gesture_refused_at_its_first_strike_is_completed_by_the_next_one():
    # the struck foot came to rest 150 ms before strike 1 (< PAIR_STILL_BEFORE_MS): strikes 1-3 are refused,
    # strikes 2-4 raise the SOS at strike 4 (before: strike 4 began a new run, and only a 6th completed it)
    rig = PairRig()
    rig.hold(2000, l=(0, 0, 1000, 5000))
    _gesture(rig, gaps=(300, 300, 300), still_ms=150)
    t4 = 2000 + 150 + 900
    assert len(rig.sos) == 1 and rig.fusion.refused_moving == 1, (rig.sos, rig.fusion.refused_moving)
    assert 0 <= rig.sos[0] - t4 <= PAIR_WAIT_MS
    rig = PairRig()
    rig.hold(2000, l=(0, 0, 1000, 5000))
    assert _gesture(rig, gaps=(300, 300), still_ms=150).sos == []  # three strikes: nothing completes them


def test_a_cone_beyond_60_deg_is_refused():
    assert _gesture(PairRig(), az=1000 + 2800).sos == []  # 62 deg off lateral


def test_strong_strikes_raise_one_sos_whichever_rule_sees_them_first():
    for n in (3, 4, 5):
        rig = _gesture(PairRig(), gaps=(300,) * (n - 1), ay=-4000, az=1000)
        assert len(rig.sos) == 1, (n, rig.sos)
        assert rig.right.tap.strikes == n


STRONG = dict(ay=-4000, az=1000)  # the single rule's strikes (2.5 g, lateral): it sees the gesture itself


def test_pair_mode_holds_a_single_rule_gesture_for_the_struck_foot():
    rig = _gesture(PairRig(), push=0, **STRONG)  # one foot struck something, the other felt nothing
    assert rig.sos == [] and rig.right.tap.strikes == 3
    assert rig.fusion.held == 1 and rig.fusion.refused_single == 1
    for push in ((PUSH, 0, 0), (0, PUSH, 0), (0, 0, PUSH), (PUSH, PUSH, 0), (0, PUSH, PUSH), (PUSH, 0, PUSH)):
        want = 1 if sum(1 for p in push if p) >= PAIR_CONFIRM_STRIKES else 0  # of the 3 strikes, coincident
        assert len(_gesture(PairRig(), push=push, **STRONG).sos) == want, push
    assert len(_gesture(PairRig(mode=P.MODE_SINGLE), push=0, **STRONG).sos) == 1  # single mode: raised at once
    assert len(_gesture(PairRig(pair=False), push=0, **STRONG).sos) == 1


def test_a_refused_gesture_leaves_no_lockout():
    rig = _gesture(PairRig(), push=0, **STRONG)
    assert rig.sos == []
    t = rig.t
    _gesture(rig, still_ms=500, **STRONG)  # at once (within GESTURE_LOCKOUT_MS), the struck foot pushed
    assert len(rig.sos) == 1 and rig.sos[0] - t < 2000, (rig.sos, t)


def _look_alike_then_gesture(lat_ms, first_ms, gestures=3):
    """Three strong strikes the struck foot did not feel (2000, 2300, 2600 ms: a kick against something),
    then the wearer's gesture from ``first_ms``, 300 ms apart, each felt, the struck foot moving between
    them (so the fusion's own rule refuses it and only the held single rule can raise it)."""
    rig = PairRig(lat_ms=lat_ms)
    plan = {2000: 0, 2300: 0, 2600: 0}
    plan.update({first_ms + 300 * n: PUSH for n in range(gestures)})
    while rig.t < first_ms + 3000:
        if rig.t in plan:
            rig.hold(10, r=(0, STRONG["ay"], STRONG["az"], 0), l=(0, plan[rig.t], 1000, 0))
        elif rig.t > first_ms:
            rig.hold(10, l=(0, 0, 1000, 4000))
        else:
            rig.hold(10)
    return rig


def test_a_strike_during_a_refused_hold_still_counts_for_the_next_gesture():
    # the look-alike is held until the peer reports past its third strike (lat_ms later); the wearer's
    # first strike lands before that refusal, under the held lockout: it still starts their gesture (before:
    # swallowed, no SOS). And the look-alike's strikes start nothing: with the 60 ms link the lifted-foot
    # rule kept its first two and raised the SOS at the wearer's first strike (2960 ms)
    for lat, first in ((200, 2750), (300, 2800), (120, 2750), (60, 2900)):
        rig = _look_alike_then_gesture(lat, first)
        third = first + 600
        f = rig.fusion
        assert len(rig.sos) == 1 and third < rig.sos[0] <= third + 40 + lat, (lat, first, rig.sos)
        assert (f.held, f.refused_single, f.gestures) == (2, 1, 1), vars(f)  # the look-alike refused, then ours
    rig = _look_alike_then_gesture(200, 2750, gestures=5)  # five strikes after the look-alike: one SOS
    assert len(rig.sos) == 1 and rig.right.tap.strikes == 8, rig.sos
    assert len(_look_alike_then_gesture(200, 2750, gestures=2).sos) == 0  # two strikes never


def test_a_reset_while_a_gesture_is_held_raises_it_and_leaves_no_held_lockout():
    # red team: a reset 10 ms after a one-footed gesture was held left tap.held set for good, so no
    # single-rule gesture ever completed again (the wearer's real one at 6000-6600 ms raised nothing)
    rig = PairRig(lat_ms=40)
    plan = {2000: 0, 2300: 0, 2600: 0, 6000: PUSH, 6300: PUSH, 6600: PUSH}
    while rig.t < 9600:
        if rig.t == 2640:
            assert rig.right.tap.held
            rig.fusion.reset()  # the peer's record is gone: nothing can refuse the held gesture
        if rig.t in plan:
            rig.hold(10, r=(0, STRONG["ay"], STRONG["az"], 0), l=(0, plan[rig.t], 1000, 0))
        else:
            rig.hold(10)
    assert rig.sos[0] == 2640 and len(rig.sos) == 2 and 6600 < rig.sos[1] <= 6700, rig.sos  # raised at once
    assert not rig.right.tap.held


def test_a_link_lost_mid_gesture_never_costs_the_single_rules_sos():
    rig = _gesture(PairRig(lat_ms=5000), push=0, **STRONG)  # the peer silent from before the first strike
    t3 = 2000 + 600
    assert len(rig.sos) == 1 and PAIR_WAIT_MS < rig.sos[0] - t3 <= PAIR_WAIT_MS + 40, rig.sos
    rig = PairRig()
    rig.hold(2000)
    for n in range(3):  # the gesture; the link falls back to single mode 60 ms after the third strike
        rig.hold(10, r=(0, STRONG["ay"], STRONG["az"], 0))
        rig.hold(290 if n < 2 else 60)
    f = rig.fusion
    assert rig.sos == [] and (f.held, f.gestures, f.refused_single) == (1, 0, 0)  # still held
    f.set_mode(P.MODE_SINGLE)
    rig.hold(20)
    assert len(rig.sos) == 1 and rig.sos[0] - 2600 <= 90, rig.sos
    rig = PairRig()
    rig.hold(2000)
    for n in range(3):  # the same, but the link is back before the core's next sample
        rig.hold(10, r=(0, STRONG["ay"], STRONG["az"], 0))
        rig.hold(290 if n < 2 else 60)
    rig.fusion.set_mode(P.MODE_SINGLE)
    rig.fusion.set_mode(P.MODE_PAIR)
    rig.hold(3000)
    assert len(rig.sos) == 1 and rig.sos[0] - 2600 <= 90, rig.sos


def _strong_strikes(rig, pushes, at=None):
    """Struck foot still 2 s, then 3 strong strikes 300 ms apart (2000, 2300, 2600 ms), each with the
    struck foot's push when ``pushes[n]``; ``at``: {ms: callable(rig)} run before that sample."""
    at = at or {}
    plan = {2000 + 300 * n: pushes[n] for n in range(3)}
    while rig.t < 5000:
        if rig.t in at:
            at[rig.t](rig)
        if rig.t in plan:
            rig.hold(10, r=(0, STRONG["ay"], STRONG["az"], 0), l=(0, PUSH if plan[rig.t] else 0, 1000, 0))
        else:
            rig.hold(10)
    return rig


def test_a_gesture_the_fusion_did_not_hear_all_through_is_not_refused():
    # pair mode begins 20 ms after the third strike (its push went in single mode, unheard): it stands
    rig = _strong_strikes(PairRig(lat_ms=5, mode=P.MODE_SINGLE), (1, 1, 1),
                          {2620: lambda r: r.fusion.set_mode(P.MODE_PAIR)})
    assert len(rig.sos) == 1 and rig.fusion.refused_single == 0, rig.sos
    # a 50 ms drop out of pair mode between strikes 2 and 3 wipes the pushes of 1 and 2; 3 had none
    flap = {2400: lambda r: r.fusion.set_mode(P.MODE_SINGLE), 2450: lambda r: r.fusion.set_mode(P.MODE_PAIR)}
    rig = _strong_strikes(PairRig(), (1, 1, 0), flap)
    assert len(rig.sos) == 1 and rig.fusion.refused_single == 0, rig.sos
    assert len(_strong_strikes(PairRig(), (0, 0, 0), flap).sos) == 1  # not heard all through: it stands
    early = {1400: flap[2400], 1450: flap[2450]}  # the same drop before the gesture: heard all through
    assert _strong_strikes(PairRig(), (0, 0, 0), early).sos == []
    assert len(_strong_strikes(PairRig(), (1, 1, 0), early).sos) == 1


def test_impulses_pushed_out_of_the_ring_do_not_refuse_a_gesture():
    def flood(rig):  # 8 peer impulses between strikes 2 and 3, none within the window of a strike
        for k in range(8):
            rig.fusion.peer(P.K_IMPULSE, 2360 + 25 * k, 10)
    rig = _strong_strikes(PairRig(), (1, 1, 0), {2580: flood})
    assert len(rig.sos) == 1 and rig.fusion.refused_single == 0, rig.sos
    assert _strong_strikes(PairRig(), (0, 0, 0), {2580: flood}).sos == []  # nothing pushed out: refused


def test_two_strikes_never_and_the_timing_rule_holds():
    assert _gesture(PairRig(), gaps=(300,)).sos == []
    assert _gesture(PairRig(), gaps=(100, 100, 100, 100)).sos == []  # drum roll
    assert _gesture(PairRig(), gaps=(900, 900)).sos == []


def test_struck_foot_reports_stillness_after_it_held_and_motion_at_once():
    cfg = Config()
    core = Core(cfg, 0, (), (), True)
    foot = P.StruckFoot(cfg)
    f = new_frame()
    got = []
    for i in range(60):
        fill(f, 0, 0, 1000, 5000 if i < 20 or 40 <= i < 42 else 0)
        core.features.update(f)
        foot.update(i * DT_MS, core.features, f)
        while True:
            k = foot.next()
            if not k:
                break
            got.append((k, foot.rep_t))
    assert got == [(P.K_STILL, 200), (P.K_MOVED, 400), (P.K_STILL, 420)]


def test_single_mode_leaves_the_core_exactly_as_without_a_pair():
    cfg = Config()
    plain = Core(cfg, 0, (), (), True)
    hooked = Core(cfg, 0, (), (), True)
    hooked.pair = P.PairFusion(cfg, hooked.tap)  # MODE_SINGLE
    f = new_frame()
    out = ([], [])
    i = 0
    for kind, ms in ((STAND, 2000), (WALK, 4000), (STAND, 1000), (3, 1500), (STAND, 3000)):
        for j in range(ms // DT_MS):
            fill_pattern(f, kind, j)
            for core, o in ((plain, out[0]), (hooked, out[1])):
                if core.step(i * DT_MS, f):
                    for k in range(core.events.count):
                        o.append((core.events.t[k], core.events.type[k], core.events.cause[k]))
                    core.events.clear()
            i += 1
    assert out[0] == out[1] and len(out[0]) >= 1  # the STRIKES pattern's SOS


def test_pair_fusion_and_struck_foot_allocate_nothing():
    rig = _gesture(PairRig())  # warm up: first-use allocations allowed
    assert len(rig.sos) == 1
    if not _MP:
        return
    rig.count_only = True
    pushes = (_PUSH_L, _REST)  # built before the heap is locked
    gc.collect()
    gc.disable()
    try:
        before = gc.mem_alloc()
        for _ in range(300):
            rig.hold(10, _REST, _REST)
        assert gc.mem_alloc() - before == 0
        micropython.heap_lock()
        try:
            for _ in range(3):  # a whole pair gesture: candidates, confirmations, the decision, the SOS
                rig.hold(300, _REST, _REST)
                rig.hold(10, _STRIKE_R, _PUSH_L)
            for _ in range(100):
                rig.hold(10, _REST, _REST)
            for push in pushes:  # a single-rule gesture held, then confirmed; then one refused
                rig.hold(3000, _REST, _REST)  # past the lockout
                for _ in range(3):
                    rig.hold(300, _REST, _REST)
                    rig.hold(10, _STRONG_R, push)
                for _ in range(100):
                    rig.hold(10, _REST, _REST)
        finally:
            micropython.heap_unlock()
    finally:
        gc.enable()
    assert rig.n_sos == 3 and rig.fusion.held == 2 and rig.fusion.refused_single == 1

