"""Pressure zones on ADC: sampling in step with IMU frames, calibration, sensor health.

    z = Zones(adcs, calib)      # adcs: objects with read_u16(); calib: per zone (offset, mul, shift)
    z.sample()                  # once per IMU sample period (a timer at the IMU ODR)
    z.take(frame)               # fills frame[Z0..] from the oldest unread sample

Why a ring: the IMU delivers frames in FIFO batches (every ~150 ms), but the
load must be read at each sample's time. ``sample()`` runs from a timer at the
IMU output data rate and stores raw readings in a ring of RING slots;
``take`` consumes them in order as the FIFO frames are decoded. The two clocks
(IMU ODR and MCU timer) drift by the IMU's ODR tolerance, so a slot may be a
sample early or late: 10 ms, negligible for load.

Calibration: load N = max(0, raw - offset) * mul >> shift, clipped to
ZONE_MAX_N. An FSR in a voltage divider gives an output roughly linear in its
conductance, and conductance is roughly linear in force above ~1 N
(Interlink FSR 400 series integration guide), so one linear segment per zone
is the model; offset/mul/shift come from a per-insole calibration.

Health (``Health.update``, once per second from the app, not per sample):
  saturated   every reading of the window at or above SAT_RAW (ADC rail:
              shorted FSR or broken pull-down) for SAT_WINDOWS windows
  implausible calibrated load above ZONE_PLAUSIBLE_N (more than a body on one
              zone) for the same duration
  stuck       the reading spans <= STUCK_SPAN raw counts while the IMU says
              the wearer is moving, for STUCK_WINDOWS windows (a live FSR
              changes at every step)
A fault is reported once when it starts (returned as a technical alarm detail)
and again only after the zone was healthy for a window.
"""
from array import array

from ..core.compat import const
from ..core.frame import Z0
from ..core.technical import TECH_ZONE_IMPLAUSIBLE, TECH_ZONE_SATURATED, TECH_ZONE_STUCK, tech_detail

RING = const(64)  # > the largest FIFO batch (32 frames): one batch never laps it
ZONE_MAX_N = const(5000)  # frame.py range
ZONE_PLAUSIBLE_N = const(2000)  # a 200 kg load on one zone
SAT_RAW = const(65000)
STUCK_SPAN = const(16)
SAT_WINDOWS = const(10)  # 10 s
STUCK_WINDOWS = const(120)  # 2 min of walking


class Zones:
    """``adcs``: list of ADC-like objects (``read_u16()``), ``calib``: list of (offset, mul, shift).

    ``power``: a Pin-like object (``value(v)``) that powers the dividers, switched on only for the
    reads of ``sample()`` (an FSR divider draws up to 0.33 mA loaded), or None (always powered).
    """

    def __init__(self, adcs, calib, power=None):
        n = len(adcs)
        if len(calib) != n or n > 8:
            raise ValueError("zones: one calibration per ADC, at most 8 zones")
        self.n = n
        self._adcs = adcs
        self._power = power
        self._off = array("i", [c[0] for c in calib])
        self._mul = array("i", [c[1] for c in calib])
        self._shift = array("i", [c[2] for c in calib])
        self._ring = array("H", bytes(2 * RING * max(n, 1)))
        self.raw = array("H", bytes(2 * max(n, 1)))  # latest readings taken
        self._w = 0
        self._r = 0
        self.overruns = 0

    def sample(self):
        """Read every zone into the next ring slot (timer context: no allocation)."""
        n = self.n
        base = (self._w % RING) * n
        adcs = self._adcs
        ring = self._ring
        power = self._power
        if power is not None:
            power.value(1)  # an FSR divider settles in microseconds (R x C of the pad and the ADC input)
        for i in range(n):
            ring[base + i] = adcs[i].read_u16()
        if power is not None:
            power.value(0)
        self._w += 1
        if self._w - self._r > RING:
            self._r = self._w - RING
            self.overruns += 1

    def take(self, frame, o=0):
        """Write the oldest unread slot's loads (N) into ``frame[o + Z0 ...]``; False if none.

        ``o``: the frame's offset in a batch laid out for Core.step_batch (0: a single frame)."""
        if self._r == self._w:
            return False
        n = self.n
        base = (self._r % RING) * n
        self._r += 1
        ring = self._ring
        raw = self.raw
        off = self._off
        mul = self._mul
        shift = self._shift
        o += Z0
        for i in range(n):
            v = ring[base + i]
            raw[i] = v
            v = ((v - off[i]) * mul[i]) >> shift[i]
            if v < 0:
                v = 0
            elif v > ZONE_MAX_N:
                v = ZONE_MAX_N
            frame[o + i] = v
        return True


class Health:
    """Per-window health of ``zones`` (see the module docstring)."""

    def __init__(self, zones):
        n = max(zones.n, 1)
        self._z = zones
        self._lo = array("H", b"\xff\xff" * n)
        self._hi = array("H", bytes(2 * n))
        self._maxload = array("H", bytes(2 * n))
        self._sat = array("H", bytes(2 * n))
        self._bad = array("H", bytes(2 * n))
        self._stuck = array("H", bytes(2 * n))
        self.fault = array("B", bytes(n))  # current TECH_* per zone, 0 healthy

    def observe(self, frame, o=0):
        """Fold the zones' latest raw readings and the loads at ``frame[o + Z0 ...]`` into the
        window (per sample; ``o`` as for Zones.take)."""
        z = self._z
        raw = z.raw
        lo = self._lo
        hi = self._hi
        top = self._maxload
        o += Z0
        for i in range(z.n):
            v = raw[i]
            if v < lo[i]:
                lo[i] = v
            if v > hi[i]:
                hi[i] = v
            v = frame[o + i]
            if v > top[i]:
                top[i] = v

    def update(self, moving):
        """End a window; return the detail of a newly started fault, or 0.

        ``moving``: the IMU saw the wearer walk during the window. At most one
        new fault is returned per call (the others follow in later windows).
        """
        found = 0
        for i in range(self._z.n):
            lo = self._lo[i]
            self._sat[i] = self._sat[i] + 1 if lo >= SAT_RAW else 0
            self._bad[i] = self._bad[i] + 1 if self._maxload[i] > ZONE_PLAUSIBLE_N and lo < SAT_RAW else 0
            if moving:
                self._stuck[i] = self._stuck[i] + 1 if self._hi[i] - lo <= STUCK_SPAN else 0
            code = 0
            if self._sat[i] >= SAT_WINDOWS:
                code = TECH_ZONE_SATURATED
            elif self._bad[i] >= SAT_WINDOWS:
                code = TECH_ZONE_IMPLAUSIBLE
            elif self._stuck[i] >= STUCK_WINDOWS:
                code = TECH_ZONE_STUCK
            elif self._hi[i] - lo > STUCK_SPAN and lo < SAT_RAW and self._maxload[i] <= ZONE_PLAUSIBLE_N:
                self.fault[i] = 0  # healthy window: a fault may be reported again later
            if code and self.fault[i] != code and not found:
                self.fault[i] = code
                found = tech_detail(code, i)
            self._lo[i] = 0xFFFF
            self._hi[i] = 0
            self._maxload[i] = 0
        return found
