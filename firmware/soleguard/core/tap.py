"""Triple foot-to-foot strike detector: the silent SOS gesture.

The right foot striking the left foot three times is a short lateral (y-axis)
impulse on the striking insole while that foot is unloaded or lightly
loaded. Model, parameter space and figures: docs/TAPS.md.

A strike, decided STRIKE_LOOKAHEAD samples after its peak sample p:
* |dyn_y(p)| >= STRIKE_MG;
* lateral dominance over a window, not one sample: 10 * |dyn_y(p)| >=
  STRIKE_LATERAL_TENTHS * max(|dyn_x|, |dyn_z|) over the samples from
  STRIKE_LOOKBACK before p to STRIKE_LOOKAHEAD after it. A heel strike,
  landing, stamp or ladder rung is vertical/anterior just before or after
  its lateral part; a foot-to-foot strike is lateral all through;
* the insole load <= STRIKE_MAX_LOAD_N when it has zones;
* at least STRIKE_REFRACTORY_MS after the previous strike (one strike rings
  for a few samples).

The gesture: three strikes, each STRIKE_GAP_MIN_MS..STRIKE_GAP_MAX_MS after
the one before, the three within GESTURE_MAX_MS. A strike sooner than
STRIKE_GAP_MIN_MS (but past the refractory time, so not the same strike
ringing) or later than STRIKE_GAP_MAX_MS starts a new sequence: a fast drum
roll of strikes never adds up to a gesture. The third strike returns True
STRIKE_LOOKAHEAD samples after it (30 ms); then strikes are ignored for
GESTURE_LOCKOUT_MS, so four or five strikes trigger once. Two strikes never
trigger.

``decide`` returns True on the sample that completes a gesture (the core's
strike screening keeps the window and calls it); it allocates nothing. After a
gesture ``g1``, ``g2``, ``g3`` are its three strike times (ms), for the pair's
confirmation (pair.PairFusion.hold). ``strikes`` counts strikes seen and
``run`` is the length of the current valid sequence (0..2), for scoring and
plots.
"""
from array import array

from .compat import const
from .config import LIFT_BEFORE_MS, LIFT_CONE_TAN2, LIFT_LATERAL_TENTHS, LIFT_STRIKE_MG

_NEVER = const(-1)


AXIS_LATERAL = const(0)  # y: a foot-to-foot strike (the SOS gesture)
AXIS_NORMAL = const(1)  # z, the sole's normal: a stamp (the cancel gesture)


class TapDetector:
    """Strike-sequence detector on one insole. cfg: config.Config.

    Defaults: the SOS gesture (three lateral strikes on an unloaded foot).
    ``TapDetector(cfg, AXIS_NORMAL, 2, 0)`` is the cancel gesture: two stamps
    (strikes along the sole's normal, dominating x and y the same way), on a
    loaded foot or not (max_load 0: no load condition), with the same timing
    rules. The two gestures cannot be mistaken for each other: each strike
    must dominate the other axes 2.5:1.
    """

    def __init__(self, cfg, axis=AXIS_LATERAL, count=3, max_load=-1):
        self._axis = axis
        self._count = count
        self._strike_mg = cfg.STRIKE_MG
        self._tenths = cfg.STRIKE_LATERAL_TENTHS
        self._max_load = cfg.STRIKE_MAX_LOAD_N if max_load < 0 else max_load
        self._refractory = cfg.STRIKE_REFRACTORY_MS
        self._gap_min = cfg.STRIKE_GAP_MIN_MS
        self._gap_max = cfg.STRIKE_GAP_MAX_MS
        self._gesture_max = cfg.GESTURE_MAX_MS
        self._lockout = cfg.GESTURE_LOCKOUT_MS
        self._delay_ms = cfg.STRIKE_LOOKAHEAD * 1000 // cfg.RATE_HZ
        self.reset()

    def reset(self):
        """Forget all state (as after power-up)."""
        self.strikes = 0
        self.run = 0
        self.g1 = self.g2 = self.g3 = _NEVER
        self._t_first = _NEVER
        self._t_second = _NEVER
        self._t_last = _NEVER
        self._t_ring = _NEVER
        self._t_gesture = _NEVER
        self._t_before = _NEVER
        self.held = False
        self.used = _NEVER

    def lock(self, t):
        """A gesture at ``t`` ms raised elsewhere (pair.PairFusion, LiftedTaps): strikes are ignored
        for GESTURE_LOCKOUT_MS after it, as after one of this detector's own. Its strikes (up to
        ``used`` = t, kept by ``unlock``) join no later sequence of this detector or LiftedTaps."""
        self._t_before = self._t_gesture
        self._t_gesture = t
        self.held = False
        self.used = t

    def hold(self):
        """The last gesture awaits the pair (pair.PairFusion.hold): until ``confirm`` or ``unlock``,
        strikes under its lockout still form sequences (this detector's and LiftedTaps'), though
        none completes a gesture, so a refused look-alike costs the wearer's next gesture no strike."""
        self.held = True

    def confirm(self):
        """The held gesture raised the SOS: its lockout ignores strikes from now on."""
        self.held = False

    def unlock(self):
        """Undo the last gesture's lockout (the pair refused it: pair.PairFusion.hold)."""
        self._t_gesture = self._t_before
        self.held = False

    def gesture_ms(self):
        """Time (ms) of the strike that completed the last gesture (this detector's or a ``lock``); -1: none."""
        return self._t_gesture

    def locked(self, t):
        """True while ``t`` ms is within GESTURE_LOCKOUT_MS of the last gesture."""
        return self._t_gesture != _NEVER and t - self._t_gesture < self._lockout

    def decide(self, t, peak, worst, feat):
        """The strike and gesture decision for one candidate peak; True when a gesture completes.

        ``t``: the decision time in ms (STRIKE_LOOKAHEAD samples after the peak);
        ``peak``: |dyn| along the strike axis at the peak sample, mg, capped at
        32767, >= STRIKE_MG; ``worst``: max |dyn| of the two other axes over the
        window (STRIKE_LOOKBACK before to STRIKE_LOOKAHEAD after the peak), mg,
        capped the same way. ``Core.step_batch`` keeps that window and calls it
        (strike screening).
        """
        t -= self._delay_ms
        if 10 * peak < self._tenths * worst:
            return False
        if self._max_load and feat.zones and feat.load > self._max_load:
            return False
        if self._t_ring != _NEVER and t - self._t_ring < self._refractory:
            return False
        self._t_ring = t
        self.strikes += 1
        if not self.held and self._t_gesture != _NEVER and t - self._t_gesture < self._lockout:
            return False
        return self._sequence(t)

    def _sequence(self, t):
        u = self.used  # strikes up to the last gesture's third (of any rule) are its own
        if self.run == 2 and self._t_first <= u < self._t_last:
            self.run = 1
            self._t_first = self._t_last
        elif self.run and self._t_last <= u:
            self.run = 0
        if self.run == 0:
            self._start(t)
            return False
        gap = t - self._t_last
        if gap < self._gap_min or gap > self._gap_max or t - self._t_first > self._gesture_max:
            self._start(t)
            return False
        self.run += 1
        if self.run == 2:
            self._t_second = t
        self._t_last = t
        if self.run < self._count:
            return False
        if self.held:  # a gesture awaits the pair: keep strikes 2, 3 for when it is refused
            self.run = 2
            self._t_first = self._t_second
            self._t_second = t
            return False
        self.run = 0
        self.g1 = self._t_first
        self.g2 = self._t_second
        self.g3 = t
        self.lock(t)
        return True

    def _start(self, t):
        self.run = 1
        self._t_first = t
        self._t_last = t


class LiftedTaps:
    """The SOS gesture by a lifted, swaying foot: lighter and more oblique strikes than
    TapDetector's, on one insole (docs/TAPS.md, "Lifted-foot rule"). cfg: config.Config;
    tap: the core's TapDetector (the gesture lockout is shared: one SOS per gesture
    whichever rule sees it first).

    A strike, decided STRIKE_LOOKAHEAD samples after its peak sample p (the core's
    strike screening calls ``decide``):
    * |dyn_y(p)| >= LIFT_STRIKE_MG, within 60 deg of the lateral axis at p
      (LIFT_CONE_TAN2 * dyn_y^2 >= dyn_x^2 + dyn_z^2) and dominating max(|dyn_x|,
      |dyn_z|) over TapDetector's window LIFT_LATERAL_TENTHS / 10 : 1;
    * the insole load <= STRIKE_MAX_LOAD_N when it has zones;
    * per sign of dyn_y: STRIKE_REFRACTORY_MS after the last strike of that sign (a
      strike's swing-in and bounce have the other sign and never join its sequence).

    The gesture: three strikes of one sign with tap.py's timing (gaps STRIKE_GAP_MIN_MS..
    STRIKE_GAP_MAX_MS, within GESTURE_MAX_MS), and the foot lifted all through: from
    LIFT_BEFORE_MS before the first strike (the swing-in barely rotates the foot, a
    step's swing does) to the decision (30 ms after the third) no run of samples with its
    |gx|+|gy|+|gz| at or above LIFT_STILL_DDPS lasting LIFT_RING_MS (a strike's own
    angular impulse spins the foot for a few samples; a step swings it for hundreds of
    ms), its |a| at or above LIFT_FLIGHT_MG on every sample (the wearer stands on the
    struck foot: no flight phase as in hopping or running) and (zones) its load at most
    LIFT_LOAD_N on every sample. The core records the last sample breaking each
    (``t_moved``, ``t_flight``, ``t_loaded``, ms; ``t_run``: start of the current run at
    or above the rate limit, -1 none) before it calls ``decide``. A gesture refused for
    that keeps its last two strikes.

    ``decide`` returns True when a gesture completes (``g1``, ``g2``, ``g3``: its strike times,
    ms, as TapDetector's); integers only, allocates nothing. ``strikes`` counts strikes seen,
    ``run`` is the longest current sequence (0..2).
    """

    def __init__(self, cfg, tap):
        self._tap = tap
        self._mg = LIFT_STRIKE_MG
        self._cone = LIFT_CONE_TAN2
        self._tenths = LIFT_LATERAL_TENTHS
        self._before = LIFT_BEFORE_MS
        self._max_load = cfg.STRIKE_MAX_LOAD_N
        self._refractory = cfg.STRIKE_REFRACTORY_MS
        self._gap_min = cfg.STRIKE_GAP_MIN_MS
        self._gap_max = cfg.STRIKE_GAP_MAX_MS
        self._gesture_max = cfg.GESTURE_MAX_MS
        self._delay_ms = cfg.STRIKE_LOOKAHEAD * 1000 // cfg.RATE_HZ
        self._run = array("i", bytes(8))  # per sign (0: +y, 1: -y)
        self._t1 = array("i", bytes(8))
        self._t2 = array("i", bytes(8))
        self._ring = array("i", bytes(8))
        self.reset()

    def reset(self):
        """Forget all state (as after power-up)."""
        self.strikes = 0
        self.run = 0
        self.g1 = self.g2 = self.g3 = _NEVER
        self.t_moved = _NEVER
        self.t_run = _NEVER
        self.t_flight = _NEVER
        self.t_loaded = _NEVER
        for s in range(2):
            self._run[s] = 0
            self._t1[s] = 0
            self._t2[s] = 0
            self._ring[s] = _NEVER

    def decide(self, t, peak, neg, x, z, worst, feat):
        """One candidate peak; True when a gesture completes.

        ``t``: decision time, ms (STRIKE_LOOKAHEAD samples after the peak); ``peak``:
        |dyn_y| at the peak, mg (capped at 32767, >= LIFT_STRIKE_MG is the caller's
        screen); ``neg``: 1 when dyn_y < 0 there; ``x``, ``z``: |dyn_x|, |dyn_z| at the
        peak, mg; ``worst``: max(|dyn_x|, |dyn_z|) over the window, mg.
        """
        if 10 * peak < self._tenths * worst:
            return False
        y = peak if peak < 16000 else 16000  # squares below 2^30 (x, z <= 16000 too)
        if x > 16000:
            x = 16000
        if z > 16000:
            z = 16000
        if self._cone * y * y < x * x + z * z:
            return False
        if self._max_load and feat.zones and feat.load > self._max_load:
            return False
        tp = t - self._delay_ms
        s = 1 if neg else 0
        r = self._ring[s]
        if r != _NEVER and tp - r < self._refractory:
            return False
        self._ring[s] = tp
        self.strikes += 1
        n = self._run[s]
        u = self._tap.used  # strikes up to the last gesture's third are its own: they start nothing
        if n == 2 and self._t1[s] <= u < self._t2[s]:
            n = 1
            self._t1[s] = self._t2[s]
        elif n and (self._t2[s] if n == 2 else self._t1[s]) <= u:
            n = 0
        if self._tap.locked(tp) and not self._tap.held:
            self._run[s] = 0
            return self._runs()
        if n:
            last = self._t2[s] if n == 2 else self._t1[s]
            gap = tp - last
            if gap < self._gap_min or gap > self._gap_max or tp - self._t1[s] > self._gesture_max:
                n = 0
        if n == 0:
            self._run[s] = 1
            self._t1[s] = tp
            return self._runs()
        if n == 1:
            self._run[s] = 2
            self._t2[s] = tp
            return self._runs()
        t1 = self._t1[s]
        if self.t_moved >= t1 - self._before or self.t_flight >= t1 or self.t_loaded >= t1 or self._tap.held:
            # keep strikes 2, 3 (for a held gesture: until the pair refuses it)
            self._t1[s] = self._t2[s]
            self._t2[s] = tp
            return self._runs()
        self._run[s] = 0
        self._runs()
        self.g1 = t1
        self.g2 = self._t2[s]
        self.g3 = tp
        self._tap.lock(tp)
        return True

    def _runs(self):
        a = self._run[0]
        b = self._run[1]
        self.run = a if a > b else b
        return False
