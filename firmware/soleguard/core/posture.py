"""Posture of the wearer and the two involuntary detections: fall and man-down.

``PostureDetector.update(t, feat)`` takes the time in ms and a refreshed
``Features`` and returns a detection: 0, ``CAUSE_FALL`` or ``CAUSE_MAN_DOWN``
(events.py), with ``detail`` set (impact class in g, or seconds still).

Posture states (``state``):
  UPRIGHT         tilt < TILT_UPRIGHT_DEG (with an IMU), or loaded (pressure
                  only; features.loaded: as when standing, per-wearer baseline)
  NOT_UPRIGHT     tilt > TILT_NOT_UPRIGHT_DEG, or load < LOAD_OFF_N (pressure
                  only: a foot off the ground; sitting with the feet on the
                  floor still loads them); hysteresis in between
  FALL_SUSPECTED  not upright, and an impact |a| > IMPACT_MG from upright
                  happened less than FALL_CONFIRM_MS ago (a fall awaiting
                  confirmation)

Fall: an impact (|a| rising above IMPACT_MG) while the wearer was upright
(tilt below TILT_UPRIGHT_DEG) less than FALL_UPRIGHT_BEFORE_MS earlier, then
not upright for FALL_TILT_HOLD_MS within FALL_CONFIRM_MS of the latest impact
(further impacts, e.g. a stumble then the landing, extend the window; |a|
staying above the threshold is one impact), decided only while the foot's
rotation (features.rotation) is at most FALL_MAX_ROTATION_DDPS and only if it
was at most that at the latest impact: a foot that keeps turning fast, as on
a pedal, is not lying after a fall, and a jolt that comes while the foot is
turning fast is a pedal stroke, not a landing (a fall's landing ends the
descent: the foot turns slowly when it lands), even when the rider then coasts
with the foot still on a tilted pedal. Needs an IMU.
Lying down on one's back is not a fall: when the wearer ends supine (gravity
within SUPINE_MAX_DEG of the sole's +x, toes up) the impact must exceed
SUPINE_IMPACT_MG; a backward fall lands hard, deliberately lying back does not
(UMAFall ankle: lying down on a bed peaks at 1.8-2.8 g, backward falls at
3.1 g and more).
Man-down: not upright and still for MAN_DOWN_STILL_MS, and, when the insole
has zones, the foot carrying less than a lying foot can (MAN_DOWN_MAX_LOAD_
PERCENT of the learned standing load; kneeling on tucked toes loads it more). Re-armed when the wearer is
upright or moves. With an IMU "still" is low activity and rotation;
pressure-only it is an unloaded foot whose load does not change.
``moving_ms``: how long the wearer has been moving without a pause.

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
        self._load_off = cfg.LOAD_OFF_N
        self._impact2 = cfg.IMPACT_MG * cfg.IMPACT_MG
        self._confirm_ms = cfg.FALL_CONFIRM_MS
        self._hold_ms = cfg.FALL_TILT_HOLD_MS
        self._man_down_ms = cfg.MAN_DOWN_STILL_MS
        self._md_max_load = cfg.MAN_DOWN_MAX_LOAD_N
        self._md_load_pct = cfg.MAN_DOWN_MAX_LOAD_PERCENT
        self._before_ms = cfg.FALL_UPRIGHT_BEFORE_MS
        self._supine_impact2 = cfg.SUPINE_IMPACT_MG * cfg.SUPINE_IMPACT_MG
        self._supine_cos2 = _COS2_PERMILLE[cfg.SUPINE_MAX_DEG // 5]
        self._fall_max_rot = cfg.FALL_MAX_ROTATION_DDPS
        self.reset()

    def reset(self):
        """Forget all state (as after power-up). Allocates: the tracking generator is made anew."""
        self.state = UPRIGHT
        self.not_upright = False
        self.upright_ms = 0
        self.still_ms = 0
        self.moving_ms = 0
        self.detail = 0
        self._t_still = _NEVER
        self._man_down_reported = False
        self._feat = None  # the features update() reads
        self.step = self._track().send  # bound once: step(t) resumes it, allocating nothing
        self.step(None)  # run to the first yield

    def update(self, t, feat):
        """Advance to time ``t`` (ms) with features ``feat``; return a detection (0, CAUSE_FALL, CAUSE_MAN_DOWN).

        ``bind(feat)`` then ``step(t)`` is the same without the call frame (Core's path)."""
        self._feat = feat
        return self.step(t)

    def bind(self, feat):
        """Make ``step(t)`` read ``feat`` (the one Features object of an insole's core)."""
        self._feat = feat

    # @micropython.native: added by the build for the target arch (sim/mpbuild.py native_source)
    def _track(self):
        """The per-sample path as a generator: ``send(t)`` returns the detection at ``t``.

        Posture, uprightness, motion timers and the fall's impact window live in its locals (no
        attribute loads for them, no call frame per sample); the public attributes are stored
        when they change. The fall check runs here too: walking opens an impact window at every
        step (heel strikes pass IMPACT_MG), so it runs on most samples while walking. Man-down
        (``_update_man_down``, only while not upright) stays a method; ``_t_still`` is read back
        after each call.
        """
        tilt_down = self._tilt_down
        tilt_up = self._tilt_up
        load_off = self._load_off
        impact2 = self._impact2
        before_ms = self._before_ms
        confirm_ms = self._confirm_ms
        hold_ms = self._hold_ms
        max_rot = self._fall_max_rot
        supine_impact2 = self._supine_impact2
        supine_cos2 = self._supine_cos2
        peak2 = 0
        rot_impact = 0
        fall_reported = False
        state = UPRIGHT
        not_upright = False
        t_upright = _NEVER
        t_down = _NEVER
        t_moving = _NEVER
        t_was_upright = _NEVER
        t_impact = _NEVER
        t_still = _NEVER
        above = False
        found = 0
        while True:
            t = yield found
            feat = self._feat
            found = 0
            nu = not_upright
            imu = feat.imu
            if imu:
                tilt = feat.tilt
                if tilt > tilt_down:
                    nu = True
                elif 0 <= tilt < tilt_up:
                    nu = False
                    t_was_upright = t
                on_feet = not nu and (feat.zones == 0 or feat.loaded)
            else:  # pressure only: a foot carrying nothing is off the ground
                on_feet = feat.loaded
                if feat.load < load_off:
                    nu = True
                elif on_feet:
                    nu = False
            if nu != not_upright:
                not_upright = nu
                self.not_upright = nu
            if on_feet:
                if t_upright == _NEVER:
                    t_upright = t
                self.upright_ms = t - t_upright
            elif t_upright != _NEVER:
                t_upright = _NEVER
                self.upright_ms = 0
            if nu:
                if t_down == _NEVER:
                    t_down = t
            elif t_down != _NEVER:
                t_down = _NEVER
            if feat.still:  # motion
                if t_moving != _NEVER:
                    t_moving = _NEVER
                    self.moving_ms = 0
            else:
                if t_moving == _NEVER:
                    t_moving = t
                self.moving_ms = t - t_moving
            # the fall (module doc); no impact window open, none starting, |a| not held above the
            # threshold: nothing to do
            if imu and (t_impact != _NEVER or above or feat.amag2 > impact2):
                a2 = feat.amag2
                ab = a2 > impact2
                onset = ab and not above  # an impact is a jolt: |a| rising through IMPACT_MG
                above = ab
                if ab and t_impact != _NEVER and a2 > peak2:
                    peak2 = a2
                # an onset opens a window only from upright (upright within FALL_UPRIGHT_BEFORE_MS)
                if onset and (t_impact != _NEVER or (t_was_upright != _NEVER and t - t_was_upright <= before_ms)):
                    if t_impact == _NEVER:
                        peak2 = a2
                        fall_reported = False
                    # The window runs from the latest impact: a stumble, then the landing a second
                    # later, is one fall. |a| held above the threshold (a stuck or railed
                    # accelerometer) is one impact, not a window that never closes.
                    t_impact = t
                    rot_impact = feat.rotation
                if t_impact != _NEVER:
                    if t - t_impact > confirm_ms:
                        t_impact = _NEVER
                    elif (not fall_reported and t_down != _NEVER and t - t_down >= hold_ms
                          and rot_impact <= max_rot and feat.rotation <= max_rot):
                        # a foot turning fast at the latest impact (a jolt mid pedal stroke) or
                        # still turning fast (pedalling) is not a landing: decide later in the window
                        fall_reported = True  # one decision per impact window
                        if peak2 >= supine_impact2 or not _supine(feat, supine_cos2):
                            # (on the back, toes up, after a soft jolt: lying down, not a fall)
                            self.detail = _impact_class_g(peak2)
                            found = CAUSE_FALL
            if not found:
                if nu:
                    found = self._update_man_down(t, feat)
                    t_still = self._t_still
                elif t_still != _NEVER:  # upright: re-armed (as _update_man_down does, inline on the common path)
                    t_still = _NEVER
                    self._t_still = _NEVER
                    self.still_ms = 0
                    self._man_down_reported = False
            if not nu:
                s = UPRIGHT
            elif t_impact != _NEVER:
                s = FALL_SUSPECTED
            else:
                s = NOT_UPRIGHT
            if s != state:
                state = s
                self.state = s

    def _lying_load(self, feat):
        """Most a lying wearer's foot bears, N: MAN_DOWN_MAX_LOAD_PERCENT of the
        learned standing load, or MAN_DOWN_MAX_LOAD_N before it is learned."""
        base = feat.load_base
        if base:
            return base * self._md_load_pct // 100
        return self._md_max_load

    def _update_man_down(self, t, feat):
        # A loaded foot while not upright is kneeling or crouching on the toes,
        # not lying: lying, a foot carries at most its shank's weight.
        if self.not_upright and feat.still and (feat.zones == 0 or feat.load < self._lying_load(feat)):
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


# round(cos(d)^2 * 1000) for d = 0, 5, ..., 90 degrees
_COS2_PERMILLE = (1000, 992, 970, 933, 883, 821, 750, 671, 587, 500, 413, 329, 250, 179, 117, 67, 30, 8, 0)


def _supine(feat, cos2_permille):
    """True when gravity lies within the configured angle of the sole's +x (toes up).

    Integer: grav_x > 0 and grav_x^2 * 1000 >= cos^2 * |g|^2, scaled by >> 10
    so every product stays below 2^30 (components are within +-16000 mg).
    """
    gx = feat.grav_x
    if gx <= 0:
        return False
    g2 = (gx * gx + feat.grav_y * feat.grav_y + feat.grav_z * feat.grav_z) >> 10
    return ((gx * gx) >> 10) * 1000 >= cos2_permille * g2


def _impact_class_g(a2):
    """Peak |a| in whole g (1..16) from |a|^2 in mg^2; integer, runs only on a detection."""
    g = 1
    while g < 16 and (g + 1) * (g + 1) * 1000000 <= a2:
        g += 1
    return g
