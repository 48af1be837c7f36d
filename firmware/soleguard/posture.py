"""Posture of the wearer and the two involuntary detections: fall and man-down.

``PostureDetector.update(t, feat)`` takes the time in ms and a refreshed
``Features`` and returns a detection: 0, ``CAUSE_FALL`` or ``CAUSE_MAN_DOWN``
(events.py), with ``detail`` set (impact class in g, or seconds still).

Posture states (``state``):
  UPRIGHT         tilt < TILT_UPRIGHT_DEG (with an IMU), or loaded (pressure only)
  NOT_UPRIGHT     tilt > TILT_NOT_UPRIGHT_DEG, or unloaded (pressure only);
                  hysteresis between the two angles
  FALL_SUSPECTED  not upright, and an impact |a| > IMPACT_MG from upright
                  happened less than FALL_CONFIRM_MS ago (a fall awaiting
                  confirmation)

Fall: an impact |a| > IMPACT_MG while the wearer was upright (tilt below
TILT_UPRIGHT_DEG) less than FALL_UPRIGHT_BEFORE_MS earlier, then not upright
for FALL_TILT_HOLD_MS within FALL_CONFIRM_MS of the impact. Needs an IMU.
Man-down: not upright and still for MAN_DOWN_STILL_MS. Re-armed when the
wearer is upright or moves. With an IMU "still" is low activity and rotation;
pressure-only it is an unloaded foot whose load does not change.

``upright_ms``: how long the wearer has been upright (and loaded, when the
insole has zones) without a break; the alarm lifecycle uses it for recovery.
"""
from .compat import const
from .events import CAUSE_FALL, CAUSE_MAN_DOWN

UPRIGHT = const(0)
NOT_UPRIGHT = const(1)
FALL_SUSPECTED = const(2)

_NEVER = const(-1)


class PostureDetector:
    """Upright / not upright / fall suspected, with fall and man-down detection.

    cfg: config.Config. The time passed to ``update`` must not decrease.
    """

    def __init__(self, cfg):
        self._tilt_down = cfg.TILT_NOT_UPRIGHT_DEG
        self._tilt_up = cfg.TILT_UPRIGHT_DEG
        self._load_on = cfg.LOAD_ON_N
        self._impact2 = cfg.IMPACT_MG * cfg.IMPACT_MG
        self._confirm_ms = cfg.FALL_CONFIRM_MS
        self._hold_ms = cfg.FALL_TILT_HOLD_MS
        self._man_down_ms = cfg.MAN_DOWN_STILL_MS
        self._before_ms = cfg.FALL_UPRIGHT_BEFORE_MS
        self.reset()

    def reset(self):
        self.state = UPRIGHT
        self.not_upright = False
        self.upright_ms = 0
        self.still_ms = 0
        self.detail = 0
        self._t_upright = _NEVER
        self._t_down = _NEVER
        self._t_still = _NEVER
        self._t_impact = _NEVER
        self._t_was_upright = _NEVER
        self._peak2 = 0
        self._fall_reported = False
        self._man_down_reported = False

    def update(self, t, feat):
        """Advance to time ``t`` (ms) with features ``feat``; return a detection."""
        self._update_posture(t, feat)
        found = 0
        if feat.imu:
            found = self._update_fall(t, feat)
        if not found:
            found = self._update_man_down(t, feat)
        if self.not_upright and self._t_impact != _NEVER:
            self.state = FALL_SUSPECTED
        elif self.not_upright:
            self.state = NOT_UPRIGHT
        else:
            self.state = UPRIGHT
        return found

    def _update_posture(self, t, feat):
        if feat.imu:
            tilt = feat.tilt
            if tilt > self._tilt_down:
                self.not_upright = True
            elif 0 <= tilt < self._tilt_up:
                self.not_upright = False
                self._t_was_upright = t
            on_feet = not self.not_upright and (feat.zones == 0 or feat.load >= self._load_on)
        else:
            on_feet = feat.load >= self._load_on
            self.not_upright = not on_feet
        if on_feet:
            if self._t_upright == _NEVER:
                self._t_upright = t
            self.upright_ms = t - self._t_upright
        else:
            self._t_upright = _NEVER
            self.upright_ms = 0
        if self.not_upright:
            if self._t_down == _NEVER:
                self._t_down = t
        else:
            self._t_down = _NEVER

    def _update_fall(self, t, feat):
        a2 = feat.amag2
        if a2 > self._impact2:
            if self._t_impact == _NEVER:
                if self._t_was_upright == _NEVER or t - self._t_was_upright > self._before_ms:
                    return 0
                self._t_impact = t
                self._peak2 = a2
                self._fall_reported = False
            elif a2 > self._peak2:
                self._peak2 = a2
        if self._t_impact == _NEVER:
            return 0
        if t - self._t_impact > self._confirm_ms:
            self._t_impact = _NEVER
            return 0
        if self._fall_reported or self._t_down == _NEVER:
            return 0
        if t - self._t_down >= self._hold_ms:
            self._fall_reported = True
            self.detail = _impact_class_g(self._peak2)
            return CAUSE_FALL
        return 0

    def _update_man_down(self, t, feat):
        if self.not_upright and feat.still:
            if self._t_still == _NEVER:
                self._t_still = t
            self.still_ms = t - self._t_still
        else:
            self._t_still = _NEVER
            self.still_ms = 0
            self._man_down_reported = False
            return 0
        if not self._man_down_reported and self.still_ms >= self._man_down_ms:
            self._man_down_reported = True
            self.detail = self.still_ms // 1000
            return CAUSE_MAN_DOWN
        return 0


def _impact_class_g(a2):
    """Peak |a| in whole g (1..16) from |a|^2 in mg^2; integer, runs only on a detection."""
    g = 1
    while g < 16 and (g + 1) * (g + 1) * 1000000 <= a2:
        g += 1
    return g
