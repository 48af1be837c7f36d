"""Triple foot-to-foot strike detector: the silent SOS gesture.

The right foot striking the left foot three times is a lateral (y-axis)
impulse on the striking insole while that foot is unloaded or lightly loaded.

A strike: |dyn_y| >= STRIKE_MG, |dyn_y| >= STRIKE_LATERAL_RATIO * |dyn_x| and
* |dyn_z| (heel strikes and landings are vertical/anterior), the insole load
<= STRIKE_MAX_LOAD_N when it has zones, and at least STRIKE_REFRACTORY_MS after
the previous strike (one strike rings for a few samples).

The gesture: three strikes, each STRIKE_GAP_MIN_MS..STRIKE_GAP_MAX_MS after
the one before, the three within GESTURE_MAX_MS. A strike sooner than
STRIKE_GAP_MIN_MS (but past the refractory time, so not the same strike
ringing) or later than STRIKE_GAP_MAX_MS starts a new sequence: a fast drum
roll of strikes never adds up to a gesture. The third strike returns True at once (latency is one
sample); then strikes are ignored for GESTURE_LOCKOUT_MS, so four or five
strikes trigger once. Two strikes never trigger.

``update(t, feat)`` returns True on the sample that completes a gesture.
``strikes`` counts strikes seen (for scoring and plots).
"""
from .compat import const

_NEVER = const(-1)


class TapDetector:
    """Triple-strike (SOS) detector on one insole. cfg: config.Config."""

    def __init__(self, cfg):
        self._strike_mg = cfg.STRIKE_MG
        self._ratio = cfg.STRIKE_LATERAL_RATIO
        self._max_load = cfg.STRIKE_MAX_LOAD_N
        self._refractory = cfg.STRIKE_REFRACTORY_MS
        self._gap_min = cfg.STRIKE_GAP_MIN_MS
        self._gap_max = cfg.STRIKE_GAP_MAX_MS
        self._gesture_max = cfg.GESTURE_MAX_MS
        self._lockout = cfg.GESTURE_LOCKOUT_MS
        self.reset()

    def reset(self):
        self.strikes = 0
        self._n = 0
        self._t_first = _NEVER
        self._t_last = _NEVER
        self._t_ring = _NEVER
        self._t_gesture = _NEVER

    def update(self, t, feat):
        """Advance to ``t`` ms with features ``feat``; True when a gesture completes."""
        if not feat.imu:
            return False
        dy = abs(feat.dyn_y)
        if dy < self._strike_mg:
            return False
        r = self._ratio
        if dy < r * abs(feat.dyn_x) or dy < r * abs(feat.dyn_z):
            return False
        if feat.zones and feat.load > self._max_load:
            return False
        if self._t_ring != _NEVER and t - self._t_ring < self._refractory:
            return False
        self._t_ring = t
        self.strikes += 1
        if self._t_gesture != _NEVER and t - self._t_gesture < self._lockout:
            return False
        return self._sequence(t)

    def _sequence(self, t):
        if self._n == 0:
            self._start(t)
            return False
        gap = t - self._t_last
        if gap < self._gap_min or gap > self._gap_max or t - self._t_first > self._gesture_max:
            self._start(t)
            return False
        self._n += 1
        self._t_last = t
        if self._n < 3:
            return False
        self._n = 0
        self._t_gesture = t
        return True

    def _start(self, t):
        self._n = 1
        self._t_first = t
        self._t_last = t
