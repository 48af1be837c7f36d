# runtimes: cpython micropython
"""Synthetic frames for the core's tests, on CPython and MicroPython alike.

Not a test module (the runners only collect ``test_*.py``). Provides:
  tilted(deg)            gravity (ax, az) in mg for a sole tilted ``deg`` about y
  fill(f, ...)           write one sample into a frame (see soleguard/frame.py)
  Rig                    a whole ``Core`` stepped at 100 Hz, events kept as tuples
  fill_pattern(f, k, i)  allocation-free generator of sample ``i`` of pattern ``k``
                         (WALK, STAND, STAMP, STRIKES, FALL, LYING, FIDGET)

Units as in frame.py: mg, 0.1 dps, N, ms. A standing foot reads (0, 0, 1000) mg;
lying on the back with the toes up reads (1000, 0, 0) mg (tilt 90 deg).
"""
import math

from soleguard.core.config import Config
from soleguard.core.pipeline import Core
from soleguard.core.frame import AX, AY, AZ, GX, GY, GZ, MAX_ZONES, Z0, new_frame

DT_MS = 10  # 100 Hz, Config.RATE_HZ

# An 8-zone layout, zone centres in mm (x toward the toes, y toward the left):
# heel, heel, midfoot, midfoot, metatarsal heads x3, hallux.
ZONE_X = (25, 25, 110, 110, 180, 185, 180, 235)
ZONE_Y = (-12, 12, -25, 15, -30, 0, 30, 10)


def tilted(deg, g=1000):
    """Return (ax, az) mg: gravity of magnitude ``g`` tilted ``deg`` about y."""
    r = deg * math.pi / 180
    return int(round(g * math.sin(r))), int(round(g * math.cos(r)))


def fill(f, ax=0, ay=0, az=1000, gx=0, gy=0, gz=0, load=0, zones=0):
    """Write one sample into frame ``f``; ``load`` N is spread over ``zones``."""
    f[AX] = ax
    f[AY] = ay
    f[AZ] = az
    f[GX] = gx
    f[GY] = gy
    f[GZ] = gz
    for i in range(MAX_ZONES):
        f[Z0 + i] = 0
    if zones:
        each = load // zones
        for i in range(zones):
            f[Z0 + i] = each
        f[Z0] += load - each * zones


class Rig:
    """One ``Core`` fed at 100 Hz from ``t = 0``; keeps events as tuples.

    zones, imu: as for ``Core``. Keyword overrides go to ``Config.from_dict``.
    ``events`` is a list of (t_ms, type, cause, detail).
    """

    def __init__(self, zones=0, imu=True, **overrides):
        self.cfg = Config.from_dict(overrides)
        self.core = Core(self.cfg, zones, ZONE_X, ZONE_Y, imu)
        self.zones = zones
        self.frame = new_frame()
        self.t = 0
        self.events = []

    def hold(self, ms, ax=0, ay=0, az=1000, gx=0, gy=0, gz=0, load=0):
        """Feed the same sample for ``ms`` (at least one sample)."""
        fill(self.frame, ax, ay, az, gx, gy, gz, load, self.zones)
        n = ms // DT_MS
        for _ in range(n if n > 0 else 1):
            self.step()

    def pattern(self, kind, ms):
        """Feed ``ms`` of ``fill_pattern`` pattern ``kind``."""
        for i in range(ms // DT_MS):
            fill_pattern(self.frame, kind, i, self.zones)
            self.step()

    def step(self):
        """Step the core once with the current frame, then advance time."""
        ev = self.core.events
        if self.core.step(self.t, self.frame):
            for i in range(ev.count):
                self.events.append((ev.t[i], ev.type[i], ev.cause[i], ev.detail[i]))
            ev.clear()
        self.t += DT_MS

    def find(self, type_, cause=-1):
        """Events of ``type_`` (and ``cause`` unless -1), in order."""
        return [e for e in self.events if e[1] == type_ and (cause < 0 or e[2] == cause)]


# Patterns for fill_pattern: sample i of each is a pure integer function of i.
WALK = 0  # 1 s gait cycle: 60 % stance (heel strike ~2.2 g, loaded), 40 % swing
STAND = 1  # standing, loaded, sensor noise of a few mg
STAMP = 2  # stamping mud off: vertical impulses of 3.5 g every 400 ms, loaded
STRIKES = 3  # foot lifted, three lateral strikes 300 ms apart (silent SOS)
FALL = 4  # one impact sample of ~5.7 g, then lying still
LYING = 5  # lying on the back, toes up, still, unloaded
FIDGET = 6  # lying, but the foot keeps moving (not still)

# Swing phase forward acceleration and pitch rate, 40 samples (mg, 0.1 dps).
_SWING_AX = (
    0, 150, 300, 420, 520, 590, 630, 640, 620, 570, 500, 410, 300, 180, 60, -60,
    -180, -300, -400, -480, -540, -570, -580, -560, -520, -460, -380, -300, -220,
    -150, -90, -40, 0, 20, 30, 30, 20, 10, 0, 0,
)
_NOISE = (0, 3, -2, 5, -4, 1, -3, 2, 4, -1, -5, 2)
_LOAD_STAND_N = 700
_LOAD_STANCE_N = 800


def fill_pattern(f, kind, i, zones=0):
    """Write sample ``i`` (0-based, 10 ms apart) of pattern ``kind`` into ``f``.

    Allocation-free (ints, tuple lookups), so it can run under heap_lock.
    """
    n = _NOISE[i % 12]
    ax = n
    ay = -n
    az = 1000 + n
    gx = 0
    gy = 0
    load = _LOAD_STAND_N
    if kind == WALK:
        p = i % 100
        if p < 60:
            load = _LOAD_STANCE_N
            if p < 3:
                az = 2200 - 300 * p
                ax = -300
        else:
            load = 0
            ax = _SWING_AX[p - 60]
            gy = 3 * ax
            az = 950
    elif kind == STAMP:
        if i % 40 == 0:
            az = 3500
    elif kind == STRIKES:
        load = 0
        if i < 90 and i % 30 == 0:
            ay = 4000
    elif kind == FALL or kind == LYING or kind == FIDGET:
        load = 0
        ax = 1000 + n
        az = n
        if kind == FALL and i == 0:
            ax = 4000
            az = 4000
        elif kind == FIDGET:
            ay = 300 if i % 20 < 10 else -300
            gx = 800
    f[AX] = ax
    f[AY] = ay
    f[AZ] = az
    f[GX] = gx
    f[GY] = gy
    f[GZ] = 0
    for z in range(MAX_ZONES):
        f[Z0 + z] = 0
    if zones:
        each = load // zones
        for z in range(zones):
            f[Z0 + z] = each
