"""The per-sample core: features -> posture + gestures -> alarm lifecycle -> events.

Gestures: ``tap`` (three lateral strikes: SOS) and ``cancel`` (two stamps:
cancels a pre-alarm, nothing else).

    core = Core(Config(), zones=8, zone_x=xs, zone_y=ys, imu=True)
    frame = new_frame()
    ...fill frame...
    if core.step(t_ms, frame):          # number of queued events
        read core.events.t/type/cause/detail[:core.events.count]
        core.events.clear()

``step`` allocates nothing and reads no clock: ``t_ms`` is trace-relative
milliseconds and must not decrease. ``state`` combines posture and alarm
lifecycle into the timeline states STATE_NAMES.
"""
from .compat import const
from .events import EventQueue
from .features import Features
from .lifecycle import ALARM, PRE_ALARM, AlarmLifecycle
from .posture import PostureDetector
from .tap import AXIS_NORMAL, TapDetector

STATE_PRE_ALARM = const(3)
STATE_ALARM = const(4)
STATE_RECOVERED = const(5)
STATE_NAMES = ("upright", "not_upright", "fall_suspected", "pre_alarm", "alarm", "recovered")

# Sensing mode and why (``Core.mode``, ``Core.mode_reason``). Degraded modes
# keep detecting with what is left: IMU only -> tilt, impact and stillness
# from the IMU, no load for recovery; pressure only -> upright = loaded,
# man-down = unloaded and load unchanging, no fall or tap detection.
MODE_FULL = const(0)
MODE_IMU_ONLY = const(1)
MODE_PRESSURE_ONLY = const(2)
MODE_NAMES = ("imu+pressure", "imu_only", "pressure_only")
REASON_NONE = const(0)
REASON_NO_ZONES = const(1)     # the board or recording has no pressure zones
REASON_NO_IMU = const(2)       # the board or recording has no IMU
REASON_ZONES_FAULT = const(3)  # zones reported faulty (stuck, saturated, implausible)
REASON_IMU_FAULT = const(4)    # IMU reported faulty (no answer, stuck, saturated)
REASON_NAMES = ("", "no pressure zones", "no IMU", "pressure zones faulty", "IMU faulty")


class Core:
    """One insole's detection core.

    cfg: config.Config. zones: pressure zones in use (0..8) with centres
    zone_x/zone_y in mm; imu: whether the IMU channels are valid.
    Raises ValueError when there is neither an IMU nor a zone.
    """

    def __init__(self, cfg, zones=0, zone_x=(), zone_y=(), imu=True):
        if not imu and not zones:
            raise ValueError("core: needs an IMU or at least one pressure zone")
        if zones < 0 or zones > 8 or len(zone_x) < zones or len(zone_y) < zones:
            raise ValueError("core: zones must be 0..8 with a position for each")
        self.events = EventQueue()
        self.features = Features(cfg, zones, zone_x, zone_y, imu)
        self.posture = PostureDetector(cfg)
        self.tap = TapDetector(cfg)
        self.cancel = TapDetector(cfg, AXIS_NORMAL, cfg.CANCEL_STAMPS, 0)
        self.lifecycle = AlarmLifecycle(cfg, self.events)
        self.pair = None  # pair.PairFusion (striking insole) or pair.StruckFoot (struck insole): set by the app
        self._zones = zones
        self._imu = imu
        self.sensor_fault(False, False)

    def sensor_fault(self, imu_fault, zones_fault):
        """Set which sensors the edges found faulty; switches the sensing mode.

        A faulty sensor is ignored from the next sample on; clearing the fault
        brings it back. Raises ValueError if no working sensor would remain
        (the edges then raise a technical alarm instead). Sets ``mode`` and
        ``mode_reason`` (MODE_*, REASON_*).
        """
        imu = self._imu and not imu_fault
        zones = 0 if zones_fault else self._zones
        if not imu and not zones:
            raise ValueError("core: no working sensor left")
        feat = self.features
        feat.imu = imu
        feat.zones = zones
        if not zones:
            feat.load = 0
        if imu and zones:
            self.mode, self.mode_reason = MODE_FULL, REASON_NONE
        elif imu:
            self.mode = MODE_IMU_ONLY
            self.mode_reason = REASON_ZONES_FAULT if self._zones else REASON_NO_ZONES
        else:
            self.mode = MODE_PRESSURE_ONLY
            self.mode_reason = REASON_IMU_FAULT if self._imu else REASON_NO_IMU

    def step(self, t, frame):
        """Process one frame at ``t`` ms; return the number of queued events."""
        feat = self.features
        feat.update(frame)
        posture = self.posture
        found = posture.update(t, feat)
        life = self.lifecycle
        if found:
            life.detect(t, found, posture.detail)
        if self.tap.update(t, feat):
            life.sos(t)
        pair = self.pair
        if pair is not None and pair.update(t, feat, frame):
            life.sos(t)
        if self.cancel.update(t, feat):
            life.cancel_gesture(t)
        life.step(t, posture.upright_ms, posture.moving_ms)
        return self.events.count

    @property
    def state(self):
        """Timeline state: index into STATE_NAMES."""
        s = self.lifecycle.state
        if s == PRE_ALARM:
            return STATE_PRE_ALARM
        if s == ALARM:
            return STATE_RECOVERED if self.lifecycle.recovered else STATE_ALARM
        return self.posture.state
