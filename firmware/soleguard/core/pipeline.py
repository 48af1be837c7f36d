"""The per-sample core: features -> posture + gestures -> alarm lifecycle -> events.

Gestures: ``tap`` (three lateral strikes: SOS) and ``cancel`` (two stamps:
cancels a pre-alarm, nothing else).

    core = Core(Config(), zones=8, zone_x=xs, zone_y=ys, imu=True)
    frame = new_frame()
    ...fill frame...
    if core.step(t_ms, frame):          # number of queued events
        read core.events.t/type/cause/detail[:core.events.count]
        core.events.clear()

A FIFO batch in one call (frames laid end to end, FRAME_LEN values each;
``times[k]`` the ms of frame k): ``step_batch`` returns after the first frame
that queued events, so the caller drains them at that frame, as with ``step``:

    k = 0
    while k < n:
        k += core.step_batch(times, frames, n - k, k)
        if core.events.count:
            ...read and clear core.events...

``step`` and ``step_batch`` allocate nothing and read no clock: ``t_ms`` is
trace-relative milliseconds and must not decrease. ``step(t, f)`` is
``step_batch`` over one frame: mixing the two on one core is the same as
stepping every frame.

Strike screening: the tap (SOS) and cancel detectors decide only around a
sample whose |dynamic acceleration| on their axis reaches STRIKE_MG. The core
keeps the detectors' dominance window itself (|dyn_x|, |dyn_y|, |dyn_z| of the
last STRIKE_LOOKBACK + STRIKE_LOOKAHEAD + 1 samples, three small rings, and
the sign of dyn_y) and calls ``TapDetector.decide`` only for such a peak,
STRIKE_LOOKAHEAD samples after it: the same decisions as ``TapDetector.update``
on every sample. A lateral peak of LIFT_STRIKE_MG that TapDetector does not
take goes to ``LiftedTaps.decide`` (the lifted-foot rule, tap.py); for it the
core notes, on every sample, the last time the foot's |gx|+|gy|+|gz| had been at
or above LIFT_STILL_DDPS for LIFT_RING_MS (a strike's own brief spin is not a
step), its |a| was below LIFT_FLIGHT_MG (a flight phase: hopping, running) or its
load exceeded LIFT_LOAD_N. ``state`` combines posture and alarm
lifecycle into the timeline states STATE_NAMES.
"""
from array import array

from .compat import const
from .events import EventQueue
from .features import Features
from .lifecycle import ALARM, IDLE, PRE_ALARM, AlarmLifecycle
from .posture import PostureDetector
from .config import LIFT_FLIGHT_MG, LIFT_LOAD_N, LIFT_RING_MS, LIFT_STILL_DDPS, LIFT_STRIKE_MG
from .frame import FRAME_LEN
from .tap import AXIS_NORMAL, LiftedTaps, TapDetector

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
        self.lift = LiftedTaps(cfg, self.tap)
        self.cancel = TapDetector(cfg, AXIS_NORMAL, cfg.CANCEL_STAMPS, 0)
        self.lifecycle = AlarmLifecycle(cfg, self.events)
        self.pair = None  # pair.PairFusion (striking insole) or pair.StruckFoot (struck insole): set by the app
        self._zones = zones
        self._imu = imu
        # bound methods looked up once here: a lookup per batch would allocate
        self._feat_step = self.features.step  # the filter generator's send: no update() frame per sample
        self.posture.bind(self.features)
        self._posture_step = self.posture.step
        self._life_step = self.lifecycle.step
        # strike screening: |dyn_x|, |dyn_y|, |dyn_z| of the detectors' window, rings of 'h'
        # (|dyn| <= 2 * ACC_FULL_SCALE_MG <= 32000 mg: features clamp samples and gravity to the scale)
        n = cfg.STRIKE_LOOKBACK + cfg.STRIKE_LOOKAHEAD + 1
        self._win = n
        self._ahead = cfg.STRIKE_LOOKAHEAD
        self._strike_mg = cfg.STRIKE_MG
        self._screen_mg = cfg.STRIKE_MG if cfg.STRIKE_MG < LIFT_STRIKE_MG else LIFT_STRIKE_MG
        self._dx = array("h", bytes(2 * n))
        self._dy = array("h", bytes(2 * n))
        self._dz = array("h", bytes(2 * n))
        self._ny = bytearray(n)  # 1 where dyn_y < 0 (the lifted-foot rule's strike sign)
        self._w = 0  # next ring cell
        self._t1 = [0]  # step(): the one-frame batch's times
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
        self._t1[0] = t
        self.step_batch(self._t1, frame, 1)
        return self.events.count

    # @micropython.native: added by the build for the target arch (sim/mpbuild.py native_source)
    def step_batch(self, times, frames, n, start=0):
        """Process frames ``start`` .. ``start + n - 1`` of a batch; return how many were processed.

        frames: sequence of ints (array('h') on a device), frame k at
        ``frames[k * FRAME_LEN : (k + 1) * FRAME_LEN]`` (frame.py layout);
        times: sequence of ints, ``times[k]`` the ms of frame k (not decreasing,
        as for ``step``). Returns after the first frame that leaves events
        queued (1 .. n; read and clear ``events``, then continue from there),
        else n. n <= 0 processes nothing and returns 0. Allocates nothing.
        """
        feat = self.features
        fs = self._feat_step
        feat.frames = frames  # what fs(o) reads: bound once per batch
        ps = self._posture_step
        ls = self._life_step
        posture = self.posture
        life = self.lifecycle
        ev = self.events
        rx = self._dx
        ry = self._dy
        rz = self._dz
        win = self._win
        ahead = self._ahead
        smg = self._strike_mg
        scr = self._screen_mg
        lift = self.lift
        ny = self._ny
        lmg = LIFT_STRIKE_MG
        lstill = LIFT_STILL_DDPS
        lload = LIFT_LOAD_N
        lring = LIFT_RING_MS
        lflight2 = LIFT_FLIGHT_MG * LIFT_FLIGHT_MG
        tmv = lift.t_moved
        trun = lift.t_run
        tfl = lift.t_flight
        tld = lift.t_loaded
        pair = self.pair
        imu = feat.imu  # sensor_fault() runs between batches, never inside one
        w = self._w
        k = start
        end = start + n
        o = start * FRAME_LEN
        while k < end:
            t = times[k]
            fs(o)
            o += FRAME_LEN
            k += 1
            found = ps(t)
            if found:
                life.detect(t, found, posture.detail)
            if imu:
                d = feat.dyn_x
                rx[w] = d if d >= 0 else -d
                d = feat.dyn_y
                if d >= 0:
                    ry[w] = d
                    ny[w] = 0
                else:
                    ry[w] = -d
                    ny[w] = 1
                d = feat.dyn_z
                rz[w] = d if d >= 0 else -d
                p = w - ahead  # the candidate peak: STRIKE_LOOKAHEAD samples ago
                if p < 0:
                    p += win
                w += 1
                if w >= win:
                    w = 0
                if feat.rate >= lstill:  # the lifted-foot rule: the last sample that moved or loaded the foot
                    if trun < 0:
                        trun = t
                    if t - trun >= lring:
                        tmv = t
                else:
                    trun = -1
                if feat.amag2 < lflight2:
                    tfl = t
                if feat.load > lload:
                    tld = t
                d = ry[p]
                if d >= scr:
                    g = _worst(rx, rz, win)
                    det = None
                    if d >= smg and self.tap.decide(t, d, g, feat):
                        det = self.tap
                    elif d >= lmg:
                        lift.t_moved = tmv
                        lift.t_flight = tfl
                        lift.t_loaded = tld
                        if lift.decide(t, d, ny[p], rx[p], rz[p], g, feat):
                            det = lift
                    if det is not None and (pair is None or not pair.hold(det)):
                        life.sos(t)  # in pair mode the fusion holds it for the struck foot's impulses
            if pair is not None and pair.update(t, feat, frames, o - FRAME_LEN):
                life.sos(t)
            if imu and rz[p] >= smg and self.cancel.decide(t, rz[p], _worst(rx, ry, win), feat):
                life.cancel_gesture(t)
            if life.state != IDLE:  # an idle lifecycle's step does nothing
                ls(t, posture.upright_ms, posture.moving_ms)
            if ev.count:
                break
        self._w = w
        lift.t_moved = tmv
        lift.t_run = trun
        lift.t_flight = tfl
        lift.t_loaded = tld
        return k - start

    @property
    def state(self):
        """Timeline state: index into STATE_NAMES."""
        s = self.lifecycle.state
        if s == PRE_ALARM:
            return STATE_PRE_ALARM
        if s == ALARM:
            return STATE_RECOVERED if self.lifecycle.recovered else STATE_ALARM
        return self.posture.state


def _worst(a, b, n):
    """max(a[0:n] + b[0:n]): the other two axes over the strike window (only at a candidate peak)."""
    m = 0
    for k in range(n):
        if a[k] > m:
            m = a[k]
        if b[k] > m:
            m = b[k]
    return m
