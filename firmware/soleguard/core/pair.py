"""SOS fusion of the pair: strikes on the striking insole confirmed by the planted, struck insole.

In pair mode the striking (right) insole accepts much lighter and more oblique
strikes than the single-insole rule (tap.py), because each must be confirmed by
the struck (left) insole, and the struck foot must be planted for the whole
gesture. A coincident push alone does not separate strikes from gait (both
feet get coincident jolts at heel strike: two prototypes gave 70 and 491 false
SOS in HuGaDB); the struck foot standing still does (docs/PAIR.md, "SOS
fusion", measured with sim/pairtaps.py).

``StruckFoot`` (every insole of a pair; the left one is struck) turns its own
samples into reports for the link (pairlink frames, kind and time only):

* ``K_IMPULSE`` at t: sign * dyn_y rose to >= PAIR_IMPULSE_MG (the foot pushed
  toward the wearer's left for sign +1), refractory STRIKE_REFRACTORY_MS;
  ``rep_peak`` is dyn_y at that sample (mg).
* ``K_STILL`` at t: the foot has been still since t (|gx|+|gy|+|gz| <
  PAIR_STILL_DDPS on every sample since), sent once it has held
  PAIR_STILL_REPORT_MS;
* ``K_MOVED`` at t: the first sample at or above PAIR_STILL_DDPS after a
  K_STILL. Until its first K_STILL the foot counts as moving.

``next()`` returns the next report's kind (0: none) with ``rep_t`` (ms) and
``rep_peak``; ``done`` is the last sample time processed (for
pairlink.processed). ``resync()`` queues the current still/moving state again
(call it when a link session starts: reports of an old session are lost).

``PairFusion`` (the striking insole; set as ``Core.pair``) in ``MODE_PAIR``:

1. a candidate is a peak of -sign * dyn_y >= PAIR_STRIKE_MG (the striking foot
   stopped moving toward the other foot) with PAIR_CONE_TAN2 * dyn_y^2 >=
   dyn_x^2 + dyn_z^2 at the peak sample (within 60 deg of the lateral axis), on
   a foot bearing <= STRIKE_MAX_LOAD_N when it has zones, STRIKE_REFRACTORY_MS
   after the last one;
2. it is a strike when a peer K_IMPULSE lies within PAIR_WINDOW_MS + the
   link's proven clock error of it; refused when ``peer_done`` passed that
   window with none, or PAIR_WAIT_MS passed (a late or lost link);
3. strikes form a gesture with tap.py's timing rule (3 strikes, gaps
   STRIKE_GAP_MIN_MS..STRIKE_GAP_MAX_MS, within GESTURE_MAX_MS); a gesture
   refused in 4. keeps its last two strikes, so the next strike completes
   strikes 2-4 (a confirmed jolt before the gesture, e.g. the last step, does
   not cost the wearer's third strike);
4. the gesture raises the SOS when the peer was still (one K_STILL interval,
   no K_MOVED inside) from PAIR_STILL_BEFORE_MS before the first strike to
   PAIR_STILL_AFTER_MS after the third; it waits for ``peer_done`` to pass that
   end, at most PAIR_WAIT_MS after the third strike, then drops the gesture.

5. the single-insole rules (tap.py's TapDetector and LiftedTaps) still see
   their gestures in pair mode, but the core hands each to ``hold`` instead of
   raising it: it raises the SOS once at least PAIR_CONFIRM_STRIKES of its three
   strikes have a peer K_IMPULSE within PAIR_WINDOW_MS + the clock error, or
   when the fusion's own gesture (1-4) completes meanwhile; it is refused
   (``tap.unlock``: the lockout goes) once ``peer_done`` passed the third strike
   by PAIR_WINDOW_MS + max(clock error, PAIR_GOOD_MS) with fewer, but only if
   the fusion kept every peer impulse since before the first strike (pair mode
   began, and no impulse was pushed out of its ring, before it). A peer that
   reports nothing for PAIR_WAIT_MS after the third strike, or a record with a
   gap, refuses nothing: the gesture is raised as the single insole would (a
   link lost or regained mid-gesture never costs the SOS). So in pair mode
   a single-insole gesture must be foot-to-foot: a kick, a side step or a foot
   shaken in the air moves one foot only (docs/PAIR.md, "SOS fusion"). While a
   gesture is held (``tap.hold``), strikes under its lockout still form the single
   rules' sequences, so a refused look-alike costs the wearer's next gesture no
   strike; raising it (``tap.confirm``) makes the lockout a plain one.

The tap detector's gesture lockout is shared (``tap.lock``/``tap.locked``): a
gesture raises one SOS whichever rule sees it first. In ``MODE_SINGLE`` (no
peer, a flat or silent one: the app follows pairlink.pair_mode) ``update``
does nothing and returns False and ``hold`` returns False, so the single-insole
rules run exactly as without a pair. ``set_mode`` switches and forgets all pair
state; a gesture held when the mode leaves pair is raised at the next
``update``.

``update(t, feat, frame, o=0)``: t in ms (not decreasing), feat a features.Features,
frame the sample (frame.py) at offset ``o`` of ``frame`` (Core.step_batch passes the batch buffer). Returns True on the sample that raises the SOS.
Nothing is allocated per call (preallocated rings); integers only.
"""
from array import array

from .compat import const
from .config import (
    PAIR_CONE_TAN2,
    PAIR_CONFIRM_STRIKES,
    PAIR_IMPULSE_MG,
    PAIR_STILL_AFTER_MS,
    PAIR_STILL_BEFORE_MS,
    PAIR_STILL_DDPS,
    PAIR_STILL_REPORT_MS,
    PAIR_STRIKE_MG,
    PAIR_WAIT_MS,
    PAIR_WINDOW_MS,
)
from .frame import GX, GY, GZ

MODE_SINGLE = const(0)
MODE_PAIR = const(1)
MODE_NAMES = ("single", "pair")

# report kinds: pairlink's impulse-frame kinds (equal values; pair.py does not import the link)
K_IMPULSE = const(2)  # pairlink.K_IMPULSE
K_MOVED = const(4)  # pairlink.K_MOVED
K_STILL = const(5)  # pairlink.K_STILL

_REPORTS = const(8)  # StruckFoot's queue: the app drains it every FIFO batch
_CAND = const(8)  # candidates awaiting the peer (3-5 strikes in 2.5 s, plus noise)
_IMP = const(8)  # peer impulses kept: candidates decided after them, a held gesture's 3 strikes (<= 2.5 s)
_CAP = const(16000)  # |dyn| cap: squares and 3 x squares stay below 2^30
_UNSET = const(-0x40000000)  # PairFusion._since / _lost: none yet


class StruckFoot:
    """The struck insole's reports (module docstring). cfg: config.Config; sign +1 on the left insole."""

    def __init__(self, cfg, sign=1):
        self._sign = sign
        self._refractory = cfg.STRIKE_REFRACTORY_MS
        self._kind = bytearray(_REPORTS)
        self._t = array("i", bytes(4 * _REPORTS))
        self._peak = array("i", bytes(4 * _REPORTS))
        self.reset()

    def reset(self):
        """Forget all state and queued reports (as after power-up)."""
        self._head = 0
        self._n = 0
        self.dropped = 0
        self._above = False
        self._imp = False
        self._t_imp = 0
        self._still = False
        self._still_from = 0
        self.moving = True  # as reported to the peer
        self.done = -1
        self.rep_t = 0
        self.rep_peak = 0

    def _push(self, kind, t, peak):
        if self._n == _REPORTS:  # the app did not drain: the oldest goes
            self._head = (self._head + 1) % _REPORTS
            self._n -= 1
            self.dropped += 1
        i = (self._head + self._n) % _REPORTS
        self._kind[i] = kind
        self._t[i] = t
        self._peak[i] = peak
        self._n += 1

    def next(self):
        """The oldest queued report's kind (0: none); sets ``rep_t`` (ms) and ``rep_peak`` (mg)."""
        if not self._n:
            return 0
        i = self._head
        self._head = (i + 1) % _REPORTS
        self._n -= 1
        self.rep_t = self._t[i]
        self.rep_peak = self._peak[i]
        return self._kind[i]

    def resync(self):
        """Queue the current state again (a new link session)."""
        if self.moving:
            self._push(K_MOVED, self.done, 0)
        else:
            self._push(K_STILL, self._still_from, 0)

    def hold(self, det):
        """The core's hook for a single-insole gesture (PairFusion.hold): never held here (False)."""
        return False

    def update(self, t, feat, frame, o=0):
        """Advance to ``t`` ms; always False (reports are queued, not alarms)."""
        self.done = t
        if not feat.imu:
            if not self.moving:  # no rates: stillness cannot be vouched for
                self.moving = True
                self._push(K_MOVED, t, 0)
            self._still = False
            return False
        y = self._sign * feat.dyn_y
        if y >= PAIR_IMPULSE_MG:
            if not self._above:
                self._above = True
                if not self._imp or t - self._t_imp >= self._refractory:
                    self._imp = True
                    self._t_imp = t
                    self._push(K_IMPULSE, t, y)
        else:
            self._above = False
        if abs(frame[o + GX]) + abs(frame[o + GY]) + abs(frame[o + GZ]) < PAIR_STILL_DDPS:
            if not self._still:
                self._still = True
                self._still_from = t
            if self.moving and t - self._still_from >= PAIR_STILL_REPORT_MS:
                self.moving = False
                self._push(K_STILL, self._still_from, 0)
        else:
            self._still = False
            if not self.moving:
                self.moving = True
                self._push(K_MOVED, t, 0)
        return False


class PairFusion:
    """Pair-confirmed SOS on the striking insole (module docstring). cfg: config.Config; tap: the
    core's TapDetector (lockout shared); sign +1 on the right insole striking the left."""

    def __init__(self, cfg, tap, sign=1):
        self._tap = tap
        self._sign = sign
        self._max_load = cfg.STRIKE_MAX_LOAD_N
        self._refractory = cfg.STRIKE_REFRACTORY_MS
        self._gap_min = cfg.STRIKE_GAP_MIN_MS
        self._gap_max = cfg.STRIKE_GAP_MAX_MS
        self._gesture_max = cfg.GESTURE_MAX_MS
        self._good = cfg.PAIR_GOOD_MS
        self._ct = array("i", bytes(4 * _CAND))
        self._ok = bytearray(_CAND)
        self._it = array("i", bytes(4 * _IMP))
        self.mode = MODE_SINGLE
        self.gestures = 0
        self.refused_moving = 0
        self._held = False
        self._release = False
        self.reset()

    def reset(self):
        """Forget candidates, strikes and the peer's state (the mode is kept). A gesture held for the
        peer is not forgotten: with the peer's record gone nothing can refuse it, so the next
        ``update`` raises it as the single insole would (and ``tap.held`` ends there)."""
        release = self._held or self._release
        self._head = 0
        self._n = 0
        self._in = 0  # peer impulses kept (newest at (_ih - 1))
        self._ih = 0
        self._err = 0
        self._above = False
        self._pk = 0
        self._pk_t = 0
        self._pk_ok = False
        self._have_cand = False
        self._t_cand = 0
        self._run = 0
        self._t1 = 0
        self._t2 = 0
        self._tl = 0
        self._pending = False
        self._g1 = 0
        self._g2 = 0
        self._g3 = 0
        self._done = False
        self._done_t = 0
        self._p_still = False  # the peer's current K_STILL interval, open
        self._p_from = 0
        self._p_prev = False  # its last closed interval [from, to)
        self._p_prev_from = 0
        self._p_prev_to = 0
        self._held = False  # a single-insole rule's gesture awaiting the peer (hold)
        self._h1 = 0
        self._h2 = 0
        self._h3 = 0
        self._release = release  # a gesture was held (mode change, reset): raise it as single mode would
        self._since = _UNSET  # ms of the first pair-mode sample: reports before it were not kept
        self._lost = _UNSET  # ms of the newest impulse pushed out of the ring
        self.candidates = 0
        self.confirmed = 0
        self.refused = 0
        self.held = 0
        self.refused_single = 0

    def set_mode(self, mode):
        """MODE_PAIR (the link is in pair mode) or MODE_SINGLE; a change forgets all pair state."""
        if mode != self.mode:
            self.mode = mode
            self.reset()  # a held gesture is kept across flips until an update raises it

    # --- the peer ----------------------------------------------------------------------

    def peer(self, kind, t, err):
        """A peer report (pairlink.next_impulse: kind, local time ``t`` ms, proven error ``err`` ms)."""
        if err > self._err:
            self._err = err
        if kind == K_IMPULSE:
            w = PAIR_WINDOW_MS + self._err
            for k in range(self._n):
                i = (self._head + k) % _CAND
                d = self._ct[i] - t
                if -w <= d <= w:
                    self._ok[i] = 1
            if self._in == _IMP and self._it[self._ih] > self._lost:  # the oldest goes
                self._lost = self._it[self._ih]
            self._it[self._ih] = t
            self._ih = (self._ih + 1) % _IMP
            if self._in < _IMP:
                self._in += 1
        elif kind == K_STILL:
            self._p_still = True
            self._p_from = t
        elif kind == K_MOVED:
            if self._p_still:
                self._p_prev = True
                self._p_prev_from = self._p_from
                self._p_prev_to = t
            self._p_still = False

    def peer_done(self, t):
        """The peer has reported everything up to local ``t`` ms (pairlink.peer_done, >= 0)."""
        self._done = True
        self._done_t = t

    # --- per sample ---------------------------------------------------------------------

    def hold(self, det):
        """A single-insole rule's gesture (``det``: the TapDetector or LiftedTaps whose ``decide`` just
        returned True; its ``g1``..``g3`` are the strike times, ms). MODE_PAIR: held for the peer's
        confirmation (``update`` raises it or ``tap.unlock``s it), True; MODE_SINGLE: False (raise it now)."""
        if self.mode != MODE_PAIR:
            return False
        self._held = True
        self._h1 = det.g1
        self._h2 = det.g2
        self._h3 = det.g3
        self.held += 1
        self._tap.hold()
        return True

    def update(self, t, feat, frame, o=0):
        """Advance to ``t`` ms; True when a pair-confirmed gesture raises the SOS."""
        if self._release:  # the mode left pair while a gesture was held: the single rule's decision stands
            self._release = False
            return self._raise_held()
        if self.mode != MODE_PAIR:
            return False
        if self._since == _UNSET:  # reports before this were not kept (a reset, single mode, a new session)
            self._since = t
        if feat.imu:
            y = -self._sign * feat.dyn_y
            if y >= PAIR_STRIKE_MG:
                if not self._above or y > self._pk:
                    self._pk = y
                    self._pk_t = t
                    self._pk_ok = self._cone(y, feat)
                self._above = True
            elif self._above:
                self._above = False
                if self._pk_ok:
                    self._candidate(self._pk_t)
        hit = False
        if self._n and self._resolve(t):
            hit = True
        if self._pending and self._decide(t):
            hit = True
        if self._held and self._confirm(t):
            hit = True
        return hit

    def _impulse_near(self, c, w):
        for k in range(self._in):
            d = c - self._it[(self._ih - 1 - k) % _IMP]
            if -w <= d <= w:
                return 1
        return 0

    def _confirm(self, t):
        w = PAIR_WINDOW_MS + self._err
        h1 = self._h1
        h3 = self._h3
        # the refusal waits out the largest clock error pair mode allows, not only the one heard so far
        late = PAIR_WINDOW_MS + (self._err if self._err > self._good else self._good)
        if self._impulse_near(h1, w) + self._impulse_near(self._h2, w) + self._impulse_near(h3, w) \
                >= PAIR_CONFIRM_STRIKES or t - h3 > PAIR_WAIT_MS:  # confirmed, or the peer silent: it stands
            return self._raise_held()
        if self._done and self._done_t - h3 > late:  # the peer reported past the last strike with none
            start = h1 - late
            if self._since == _UNSET or start < self._since or start <= self._lost:
                return self._raise_held()  # the record of the peer's impulses has a gap over the gesture
            self._held = False
            self.refused_single += 1
            self._tap.unlock()
        return False

    def _raise_held(self):
        self._held = False
        self._tap.confirm()
        self.gestures += 1
        return True

    def _cone(self, y, feat):
        if feat.zones and feat.load > self._max_load:
            return False
        x = abs(feat.dyn_x)
        z = abs(feat.dyn_z)
        if y > _CAP:
            y = _CAP
        if x > _CAP:
            x = _CAP
        if z > _CAP:
            z = _CAP
        return PAIR_CONE_TAN2 * y * y >= x * x + z * z

    def _candidate(self, c):
        if self._have_cand and c - self._t_cand < self._refractory:
            return
        self._have_cand = True
        self._t_cand = c
        self.candidates += 1
        if self._n == _CAND:  # the oldest is stale: refused
            self._head = (self._head + 1) % _CAND
            self._n -= 1
            self.refused += 1
        i = (self._head + self._n) % _CAND
        self._ct[i] = c
        self._ok[i] = self._impulse_near(c, PAIR_WINDOW_MS + self._err)  # an impulse that came first (fast link)
        self._n += 1

    def _resolve(self, t):
        hit = False
        late = PAIR_WINDOW_MS + self._err
        while self._n:
            i = self._head
            c = self._ct[i]
            if self._ok[i]:
                self.confirmed += 1
                if self._strike(c, t):
                    hit = True
            elif t - c <= PAIR_WAIT_MS and not (self._done and self._done_t - c > late):
                break  # the peer's impulse may still come
            else:
                self.refused += 1
            self._head = (i + 1) % _CAND
            self._n -= 1
        return hit

    def _strike(self, c, t):
        if self._tap.locked(c) and not self._held:  # (a held gesture's lockout is not yet an SOS)
            self._run = 0
            return False
        if self._run:
            gap = c - self._tl
            if gap < self._gap_min or gap > self._gap_max or c - self._t1 > self._gesture_max:
                self._run = 0
        if not self._run:
            self._run = 1
            self._t1 = c
            self._tl = c
            return False
        self._run += 1
        if self._run == 2:
            self._t2 = c
        self._tl = c
        if self._run < 3:
            return False
        self._run = 0
        self._pending = True
        self._g1 = self._t1
        self._g2 = self._t2
        self._g3 = c
        return self._decide(t)

    def _slide(self):
        # a refused gesture keeps its last two strikes as a run: strikes 2-4 of a gesture whose first
        # "strike" was a jolt before it (gait) can still raise the SOS at strike 4, not strike 6
        g2 = self._g2
        g3 = self._g3
        if not self._run:
            self._run = 2
            self._t1 = g2
            self._t2 = g3
            self._tl = g3
        elif self._run == 1:  # one strike came while the peer was awaited
            c = self._t1
            gap = c - g3
            if self._gap_min <= gap <= self._gap_max and c - g2 <= self._gesture_max:
                self._run = 0
                self._pending = True
                self._g1 = g2
                self._g2 = g3
                self._g3 = c

    def _decide(self, t):
        start = self._g1 - PAIR_STILL_BEFORE_MS
        end = self._g3 + PAIR_STILL_AFTER_MS
        ok = (self._p_still and self._p_from <= start and self._done and self._done_t >= end) or (
            self._p_prev and self._p_prev_from <= start and self._p_prev_to > end)
        if not ok:
            if (self._done and self._done_t >= end and not self._p_still) or t - self._g3 > PAIR_WAIT_MS or (
                    self._p_still and self._p_from > start):
                self._pending = False  # the peer moved, or never said it stood still in time
                self.refused_moving += 1
                self._slide()
            return False
        self._pending = False
        if self._held:  # a held gesture of the single rule, confirmed by the fusion's own: one SOS
            return self._raise_held()
        if self._tap.locked(self._g3):
            return False  # the single-insole rule raised this gesture already
        self._tap.lock(self._g3)
        self.gestures += 1
        return True
