"""Per-sample features of one insole: gravity, tilt, activity, impact, load.

``Features.update(frame)`` reads one frame (see frame.py) and refreshes the
attributes below in place; it allocates nothing. All values are ints.

Attributes after ``update``:
  grav_x/y/z   gravity estimate, mg: EMA of acceleration, time constant
               2^GRAVITY_SHIFT samples
  dyn_x/y/z    dynamic acceleration = sample - gravity estimate, mg
  amag2        |a|^2 of the sample, mg^2 (< 7.7e8: components clamped to the
               +-16 g full scale, so it stays below 2^30 on a 32-bit MCU)
  activity     EMA of |dyn_x|+|dyn_y|+|dyn_z|, mg (time constant 2^ACTIVITY_SHIFT)
  rotation     EMA of |gx|+|gy|+|gz|, 0.1 dps, same time constant
  rate         |gx|+|gy|+|gz| of this sample, 0.1 dps (0..98 301)
  tilt         angle between gravity and the upright reference, degrees
               0..180; recomputed every TILT_EVERY samples; held when
               |gravity| < 200 mg (free fall has no direction)
  ref_x/y/z    upright reference (length 1024): the sole's +z until the
               wearer has stood still for CAL_STILL_MS with |gravity| within
               CAL_G_TOLERANCE_MG of 1 g, within CAL_FIRST_MAX_DEG of +z and
               (with zones) loaded; then that gravity direction (per-wearer
               orientation calibration). Re-learned the same way whenever the
               wearer stands still within CAL_RECAL_DEG of it
  calibrated   True once the reference was learned
  load         total load over the zones, N (0 without zones)
  load_base    the wearer's standing load on this insole, N: learned whenever
               the orientation reference is (standing still 1 s), or, without
               an IMU, when the load is >= LOAD_ON_N and steady for
               CAL_STILL_MS; 0 until learned (per-wearer load baseline)
  loaded       load >= max(LOAD_ON_N, LOAD_ON_PERCENT % of load_base): weight
               on the foot as when standing, not sitting
  load_change  EMA of |load - previous load|, N per sample
  cop_x/cop_y  centre of pressure, mm in the zone coordinates; held while load < 20 N;
               refreshed by ``cop(frame)``, not by ``update`` (no detector reads it)
  still        True when the foot is not moving (IMU: activity < STILL_ACTIVITY_MG and rotation
               < STILL_ROTATION_DDPS; pressure only: load_change < STILL_LOAD_N)
"""
from .compat import const
from . import frame

# frame.py's layout as this module's constants (mpy-cross folds only a module's own const names)
_AY = const(1)
_AZ = const(2)
_GX = const(3)
_GY = const(4)
_GZ = const(5)
_Z0 = const(6)
if (frame.AX, frame.AY, frame.AZ, frame.GX, frame.GY, frame.GZ, frame.Z0) != (0, _AY, _AZ, _GX, _GY, _GZ, _Z0):
    raise ImportError("features: frame layout changed")

# round(cos(d)^2 * 1024) for d = 0..90 degrees; tilt = the smallest d whose
# entry is <= (g_z^2 / |g|^2) * 1024, mirrored past 90 deg when g_z < 0.
_COS2 = (
    1024, 1024, 1023, 1021, 1019, 1016, 1013, 1009, 1004, 999, 993, 987, 980,
    972, 964, 955, 946, 936, 926, 915, 904, 892, 880, 868, 855, 841, 827, 813,
    798, 783, 768, 752, 736, 720, 704, 687, 670, 653, 636, 618, 601, 583, 566,
    548, 530, 512, 494, 476, 458, 441, 423, 406, 388, 371, 354, 337, 320, 304,
    288, 272, 256, 241, 226, 211, 197, 183, 169, 156, 144, 132, 120, 109, 98,
    88, 78, 69, 60, 52, 44, 37, 31, 25, 20, 15, 11, 8, 5, 3, 1, 0, 0,
)
_MIN_G2_SHIFTED = const(39)  # (200 mg)^2 >> 10: below this gravity has no direction
_COP_MIN_LOAD_N = const(20)


def tilt_degrees(gx, gy, gz, rx=0, ry=0, rz=1024):
    """Angle in degrees (0..180) between vector (gx, gy, gz) mg and reference r.

    r = (rx, ry, rz) must have length 1024 (+-1); the default is the sole's +z.
    Integer only; components must be within +-16000 so every square and
    product stays < 2^30. Returns -1 when |g| < 200 mg (no usable direction).
    """
    d = (gx * gx + gy * gy + gz * gz) >> 10
    if d < _MIN_G2_SHIFTED:
        return -1
    c = (gx * rx + gy * ry + gz * rz) >> 10  # |g| cos(tilt), mg
    r = (c * c) // d
    lo = 0
    hi = 90
    while lo < hi:  # smallest index with _COS2[index] <= r (table descends)
        mid = (lo + hi) >> 1
        if _COS2[mid] <= r:
            hi = mid
        else:
            lo = mid + 1
    if c < 0:
        return 180 - lo
    return lo


def isqrt(n):
    """Integer square root (floor) of n >= 0 by Newton's method; for rare use."""
    if n < 2:
        return n
    x = n
    y = (x + 1) >> 1
    while y < x:
        x = y
        y = (x + n // x) >> 1
    return x


class Features:
    """Feature extractor for one insole.

    cfg: config.Config. zones: number of pressure zones in use (0..8).
    zone_x, zone_y: sequences of zone centres in mm (insole axes), len >= zones.
    imu: False when the insole has no working IMU (pressure-only mode).
    """

    def __init__(self, cfg, zones=0, zone_x=(), zone_y=(), imu=True):
        from array import array

        self.imu = imu
        self.zones = zones
        self.zone_x = array("h", zone_x[:zones]) if zones else array("h")
        self.zone_y = array("h", zone_y[:zones]) if zones else array("h")
        self._acc_fs = cfg.ACC_FULL_SCALE_MG
        self._gk = cfg.GRAVITY_SHIFT
        self._ak = cfg.ACTIVITY_SHIFT
        self._tilt_every = cfg.TILT_EVERY
        self._still_act = cfg.STILL_ACTIVITY_MG
        self._still_rot = cfg.STILL_ROTATION_DDPS
        self._still_load = cfg.STILL_LOAD_N
        self._cal_samples = cfg.CAL_STILL_MS * cfg.RATE_HZ // 1000
        self._cal_tol = cfg.CAL_G_TOLERANCE_MG
        self._recal_deg = cfg.CAL_RECAL_DEG
        self._first_deg = cfg.CAL_FIRST_MAX_DEG
        self._load_on = cfg.LOAD_ON_N
        self._load_pct = cfg.LOAD_ON_PERCENT
        self.reset()

    def reset(self):
        """Forget all filter state (as after power-up). Allocates: the filter generator is made anew."""
        self.load_base = 0
        self.loaded = False
        self._loaded_min = self._load_on
        self.grav_x = 0
        self.grav_y = 0
        self.grav_z = 0
        self.dyn_x = 0
        self.dyn_y = 0
        self.dyn_z = 0
        self.amag2 = 0
        self.activity = 0
        self.rotation = 0
        self.rate = 0
        self.tilt = -1
        self.load = 0
        self.load_change = 0
        self.cop_x = 0
        self.cop_y = 0
        self.still = False
        self.ref_x = 0
        self.ref_y = 0
        self.ref_z = 1024
        self.calibrated = False
        self._cal_count = 0
        self.frames = None  # the frames step(o) reads
        self.step = self._filters().send  # bound once: step(o) resumes it, allocating nothing
        self.step(None)  # run to the first yield

    def update(self, f, o=0):
        """Refresh every feature from the frame at ``f[o : o + FRAME_LEN]`` (array('h'), see frame.py;
        ``o`` > 0: one frame of a batch laid end to end, as ``Core.step_batch`` passes it).

        Resumes the filter generator (``_filters``) for one frame: its state
        lives in the generator's locals, so a sample costs no attribute loads
        for it and no call frame (MicroPython puts the frame of a function
        with many locals on the heap at every call; a generator's frame is
        allocated once, at ``reset``). ``frames = f`` once, then ``step(o)`` per frame, is the
        same without this method's own call frame (``Core.step_batch`` binds a batch's frames so).
        """
        self.frames = f
        self.step(o)

    # @micropython.native: added by the build for the target arch (sim/mpbuild.py native_source)
    def _filters(self):
        """The per-sample path as a generator: ``send(o)`` processes the frame at ``self.frames[o ...]``.

        No method calls except the tilt every TILT_EVERY samples and the rare
        calibration steps while still. Filter state (EMAs, counters) lives in
        locals; outputs are stored as the attributes listed in the module doc.
        """
        fs = self._acc_fs
        nfs = -fs
        gk = self._gk
        k = self._ak
        every = self._tilt_every
        still_act = self._still_act
        still_rot = self._still_rot
        still_load = self._still_load
        sx = 0  # gravity EMA state (gravity << GRAVITY_SHIFT), mg
        sy = 0
        sz = 0
        sa = 0  # activity, rotation, load change EMA state (<< ACTIVITY_SHIFT)
        sr = 0
        sl = 0
        sla = 0  # load EMA state (<< ACTIVITY_SHIFT), N: the standing load when learned
        started = False  # gravity started at the first IMU sample
        tilt_left = 0  # samples until the next tilt: tilt from the first sample on
        prev = -1  # previous load, N; -1: no load sample yet
        activity = 0
        rotation = 0
        while True:
            o = yield
            f = self.frames
            imu = self.imu
            zones = self.zones
            if imu:
                ax = f[o]  # _AX .. _GZ, _Z0: frame.py's layout (checked at import)
                ay = f[o + _AY]
                az = f[o + _AZ]
                if ax > fs:
                    ax = fs
                elif ax < nfs:
                    ax = nfs
                if ay > fs:
                    ay = fs
                elif ay < nfs:
                    ay = nfs
                if az > fs:
                    az = fs
                elif az < nfs:
                    az = nfs
                self.amag2 = ax * ax + ay * ay + az * az
                if not started:  # start the gravity estimate at the first sample
                    sx = ax << gk
                    sy = ay << gk
                    sz = az << gk
                    started = True
                sx += ax - (sx >> gk)
                sy += ay - (sy >> gk)
                sz += az - (sz >> gk)
                gx = sx >> gk
                gy = sy >> gk
                gz = sz >> gk
                self.grav_x = gx
                self.grav_y = gy
                self.grav_z = gz
                dx = ax - gx
                dy = ay - gy
                dz = az - gz
                self.dyn_x = dx
                self.dyn_y = dy
                self.dyn_z = dz
                if dx < 0:
                    dx = -dx
                if dy < 0:
                    dy = -dy
                if dz < 0:
                    dz = -dz
                sa += dx + dy + dz - (sa >> k)
                activity = sa >> k
                self.activity = activity
                rx = f[o + _GX]
                ry = f[o + _GY]
                rz = f[o + _GZ]
                if rx < 0:
                    rx = -rx
                if ry < 0:
                    ry = -ry
                if rz < 0:
                    rz = -rz
                rx += ry + rz
                self.rate = rx
                sr += rx - (sr >> k)
                rotation = sr >> k
                self.rotation = rotation
                if tilt_left:
                    tilt_left -= 1
                else:
                    tilt_left = every - 1
                    t = tilt_degrees(gx, gy, gz, self.ref_x, self.ref_y, self.ref_z)
                    if t >= 0:
                        self.tilt = t
            if zones:
                o += _Z0  # loads are 0..5000 N (frame.py; the edges and trace.py clamp and check them)
                if zones == 8:  # every board and most recordings: unrolled, half the loop's bytecodes
                    total = f[o] + f[o + 1] + f[o + 2] + f[o + 3] + f[o + 4] + f[o + 5] + f[o + 6] + f[o + 7]
                else:
                    total = 0
                    for i in range(o, o + zones):
                        total += f[i]
                if prev < 0:  # first sample: start the averages here
                    prev = total
                    sla = total << k
                d = total - prev
                if d < 0:
                    d = -d
                sl += d - (sl >> k)
                self.load_change = sl >> k
                prev = total
                sla += total - (sla >> k)
                self.load = total
                self.loaded = total >= self._loaded_min
            # still: the foot is not moving (IMU: low activity and rotation; pressure only: a steady load)
            if imu:
                still = activity < still_act and rotation < still_rot
            elif zones:
                still = (sl >> k) < still_load
            else:
                still = False
            self.still = still
            if not still:  # the common case while moving: no calibration arithmetic
                self._cal_count = 0
            elif imu:
                self._calibrate(sla >> k)
            elif zones:
                self._learn_load_base(sla >> k)

    def cop(self, f, o=0):
        """Refresh ``cop_x``/``cop_y`` (centre of pressure, mm) from the frame at ``f[o ...]``.

        Not part of ``update``: no detector reads the centre of pressure, so it
        is computed only where it is read (call it with the same frame after
        ``update``). Held while the frame's load is < 20 N; allocation-free.
        """
        total = 0
        mx = 0
        my = 0
        zx = self.zone_x
        zy = self.zone_y
        o += _Z0
        for i in range(self.zones):
            v = f[o + i]
            if v > 0:
                total += v
                mx += v * zx[i]
                my += v * zy[i]
        if total >= _COP_MIN_LOAD_N:
            self.cop_x = mx // total
            self.cop_y = my // total

    def _learn_load_base(self, base):
        """Pressure only: a steady load >= LOAD_ON_N for CAL_STILL_MS is standing (base: the load EMA, N)."""
        if not self.still or self.load < self._load_on:
            self._cal_count = 0
            return
        self._cal_count += 1
        if self._cal_count >= self._cal_samples:
            self._cal_count = 0
            self._set_load_base(base)

    def _set_load_base(self, base):
        self.load_base = base
        m = base * self._load_pct // 100
        self._loaded_min = m if m > self._load_on else self._load_on

    def _calibrate(self, base):
        """IMU: learn the upright reference (and, with zones, the standing load ``base``, N) while still."""
        if not self.still:  # the common case while moving: no arithmetic
            self._cal_count = 0
            return
        gx = self.grav_x
        gy = self.grav_y
        gz = self.grav_z
        dev = ((gx * gx + gy * gy + gz * gz) >> 10) - 977  # |g|^2 >> 10 vs (1000 mg)^2 >> 10
        tol = (2000 * self._cal_tol) >> 10  # d(|g|^2)/d|g| at 1 g, same scale
        if dev > tol or dev < -tol:
            self._cal_count = 0
            return
        # First learning: only near the board's mounting (+z), and on a loaded
        # foot when there are zones, so lying still is never learned as upright.
        limit = self._recal_deg if self.calibrated else self._first_deg
        if not (0 <= self.tilt <= limit) or (self.zones and self.load < self._load_on):
            self._cal_count = 0
            return
        self._cal_count += 1
        if self._cal_count < self._cal_samples:
            return
        self._cal_count = 0
        n = isqrt(gx * gx + gy * gy + gz * gz)
        self.ref_x = (gx << 10) // n
        self.ref_y = (gy << 10) // n
        self.ref_z = (gz << 10) // n
        self.calibrated = True
        if self.zones:
            self._set_load_base(base)
