"""Pressure zones on ADC: sampling in step with IMU frames, calibration, sensor health.

    z = Zones(adcs, calib)      # adcs: objects with read_u16(); calib: per zone (offset, mul, shift)
    z.sample()                  # once per IMU sample period (a timer at the IMU ODR)
    z.fill(frames, n)           # zone loads of a batch's n frames from the oldest unread samples
    d = z.end_window(moving)    # once a second: sensor health

Why a ring: the IMU delivers frames in FIFO batches (every ~150 ms), but the
load must be read at each sample's time. ``sample()`` runs from a timer at the
IMU output data rate and stores raw readings in a ring of RING slots;
``fill`` consumes them in order, one per frame of the FIFO batch. The two clocks
(IMU ODR and MCU timer) drift by the IMU's ODR tolerance, so a slot may be a
sample early or late: 10 ms, negligible for load.

Calibration: load N = max(0, raw - offset) * mul >> shift, clipped to
ZONE_MAX_N. An FSR in a voltage divider gives an output roughly linear in its
conductance, and conductance is roughly linear in force above ~1 N
(Interlink FSR 400 series integration guide), so one linear segment per zone
is the model; offset/mul/shift come from a per-insole calibration.

Health (``end_window``, once per second from the app, not per sample), over the
readings ``fill`` took in the window (it keeps their extremes per zone; the health
is part of the ring's consumer, so a zones object that delivers loads cannot skip
it):
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
from ..core.frame import FRAME_LEN, Z0
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
    Raises ValueError naming the zone for a calibration with an offset outside 0..65535, mul < 0
    or shift outside 0..16 (the health window keeps the raw extremes only and takes its top load
    from the highest reading: that needs a non-decreasing calibration with load 0 at reading 0).
    """

    def __init__(self, adcs, calib, power=None):
        n = len(adcs)
        if len(calib) != n or n > 8:
            raise ValueError("zones: one calibration per ADC, at most 8 zones")
        for i in range(n):
            c = calib[i]
            if not 0 <= c[0] <= 65535 or c[1] < 0 or not 0 <= c[2] <= 16:
                raise ValueError("zones: zone %d calibration needs offset 0..65535, mul >= 0, shift 0..16" % i)
        self.n = n
        self._adcs = adcs
        self._power = power
        self._off = array("i", [c[0] for c in calib])
        self._mul = array("i", [c[1] for c in calib])
        self._shift = array("i", [c[2] for c in calib])
        m = max(n, 1)
        self._ring = array("H", bytes(2 * RING * m))  # zone i's slots at i * RING .. (zone-major)
        self.raw = array("H", bytes(2 * m))  # the latest slot's readings
        self.loads = array("h", bytes(2 * m))  # the latest slot's loads, N
        self._w = 0
        self._r = 0
        self.overruns = 0
        # the health window (see the module docstring): raw extremes of the slots taken
        self._lo = array("H", b"\xff\xff" * m)
        self._hi = array("H", bytes(2 * m))
        self._sat = array("H", bytes(2 * m))
        self._bad = array("H", bytes(2 * m))
        self._stuck = array("H", bytes(2 * m))
        self.fault = array("B", bytes(m))  # current TECH_* per zone, 0 healthy

    def sample(self):
        """Read every zone into the next ring slot (timer context: no allocation)."""
        n = self.n
        b = self._w % RING
        adcs = self._adcs
        ring = self._ring
        power = self._power
        if power is not None:
            power.value(1)  # an FSR divider settles in microseconds (R x C of the pad and the ADC input)
        for i in range(n):
            ring[b] = adcs[i].read_u16()
            b += RING
        if power is not None:
            power.value(0)
        self._w += 1
        if self._w - self._r > RING:
            self._r = self._w - RING
            self.overruns += 1

    def _load(self, i, v):
        """Zone ``i``'s calibrated load (N, 0..ZONE_MAX_N) for the raw reading ``v``."""
        v = ((v - self._off[i]) * self._mul[i]) >> self._shift[i]
        return 0 if v < 0 else (ZONE_MAX_N if v > ZONE_MAX_N else v)

    def fill(self, frames, n):
        """Write the zone loads (N) of frames 0 .. n-1 of a batch laid out for Core.step_batch
        (frame k's at ``frames[k * FRAME_LEN + Z0 ...]``); return the ring slots taken (0 .. n).

        Frame k takes the oldest unread slot, calibrated; once none is left the frames repeat the
        latest loads (light sleep: one slot per wake, ``sample()`` in App.on_wake). Every slot taken
        goes into the health window, and the latest readings do when frame 0 finds none (the
        window begun since the last slot sees them). No allocation; 0 zones: nothing written."""
        nz = self.n
        if not nz or n <= 0:
            return 0
        r = self._r
        m = self._w - r
        if m > n:
            m = n
        ring = self._ring
        lo = self._lo
        hi = self._hi
        loads = self.loads
        raw = self.raw
        # zone by zone (its calibration and window in locals), over its slots in at most two
        # runs (before and after the ring wraps)
        s0 = r % RING
        c0 = RING - s0 if m > RING - s0 else m
        fl = FRAME_LEN
        for i in range(nz):
            off = self._off[i]
            mul = self._mul[i]
            sh = self._shift[i]
            a = lo[i]
            z = hi[i]
            o = Z0 + i
            b = i * RING
            start = b + s0
            end = start + c0
            rest = m - c0
            while True:
                for j in range(start, end):
                    v = ring[j]
                    if v < a:
                        a = v
                    if v > z:
                        z = v
                    v = ((v - off) * mul) >> sh
                    if v < 0:
                        v = 0
                    elif v > ZONE_MAX_N:
                        v = ZONE_MAX_N
                    frames[o] = v
                    o += fl
                if not rest:
                    break
                start = b  # the ring wrapped
                end = b + rest
                rest = 0
            if m:  # the latest slot: its reading and load, for frames that find no slot
                raw[i] = ring[end - 1]
                loads[i] = frames[o - fl]
            else:  # no slot for frame 0: the latest reading goes into the window
                v = raw[i]
                if v < a:
                    a = v
                if v > z:
                    z = v
            lo[i] = a
            hi[i] = z
            v = loads[i]
            for _ in range(n - m):
                frames[o] = v
                o += fl
        self._r = r + m
        return m

    def end_window(self, moving):
        """End a health window (once a second from the app); return the detail of a newly
        started fault, or 0.

        ``moving``: the IMU saw the wearer walk during the window. At most one
        new fault is returned per call (the others follow in later windows).
        The window's top load is the calibrated highest reading (the calibration
        does not decrease); a window without a slot has none (0).
        """
        found = 0
        for i in range(self.n):
            lo = self._lo[i]
            h = self._hi[i]
            top = self._load(i, h) if h >= lo else 0
            self._sat[i] = self._sat[i] + 1 if lo >= SAT_RAW else 0
            self._bad[i] = self._bad[i] + 1 if top > ZONE_PLAUSIBLE_N and lo < SAT_RAW else 0
            if moving:
                self._stuck[i] = self._stuck[i] + 1 if h - lo <= STUCK_SPAN else 0
            code = 0
            if self._sat[i] >= SAT_WINDOWS:
                code = TECH_ZONE_SATURATED
            elif self._bad[i] >= SAT_WINDOWS:
                code = TECH_ZONE_IMPLAUSIBLE
            elif self._stuck[i] >= STUCK_WINDOWS:
                code = TECH_ZONE_STUCK
            elif h - lo > STUCK_SPAN and lo < SAT_RAW and top <= ZONE_PLAUSIBLE_N:
                self.fault[i] = 0  # healthy window: a fault may be reported again later
            if code and self.fault[i] != code and not found:
                self.fault[i] = code
                found = tech_detail(code, i)
            self._lo[i] = 0xFFFF
            self._hi[i] = 0
        return found
