"""Clock offset between the two insoles of a pair, with the error bound it can prove.

NTP's four-timestamp exchange (RFC 5905, section 8), integer and allocation-free.
One sample: this insole sends at local time t1, the peer receives at its time
t2 and sends a reply at t3, this insole receives the reply at t4. With theta =
peer clock - local clock and one-way delays d1, d2 >= 0:

    t2 = t1 + d1 + theta,   t4 = t3 + d2 - theta
    =>  t3 - t4 - 1  <  theta  <  t2 - t1 + 1

(the +-1: every stamp is a whole ms, truncated). That interval is a fact, not
an estimate: it holds whatever the delays, asymmetric or not. Its width is
the round-trip delay (t4 - t1) - (t3 - t2) plus 2 ms, so the classic
minimum-RTT filter is the special case of keeping the narrowest one. Here the
intervals are *intersected* (Marzullo-style), each side on its own: the lower
end comes from the sample with the shortest reply delay d2, the upper end
from the one with the shortest request delay d1, so two lucky half-exchanges
do what one lucky round trip would.

Drift: an interval taken at time t is aged to a later time by the relative
drift rho (ppm, dtheta / dt_local), which is only known to lie in
[rho_lo, rho_hi]: initially +-``drift_max_ppm`` (two +-40 ppm crystals: 80),
then narrowed soundly from an anchor interval at least DRIFT_BASE_MS older
(rho lies between (lo - anchor_hi) / dt and (hi - anchor_lo) / dt). The
centre of the interval follows the drift; its half-width is the bound.

What the bound does NOT cover (so no number here can promise it):
* a relative drift outside [-drift_max_ppm, +drift_max_ppm]: the intervals
  would be aged too little. Both clocks must be the MCUs' crystal clocks
  (ticks_ms, +-40 ppm); the app's sample clock runs on the IMU's own
  oscillator (LSM6DSO ODR, percent-level tolerance) and needs a matching
  drift_max_ppm (see docs/PAIR.md);
* stamps that do not bracket the transit: t1/t3 must be read *before* the
  frame is handed to the radio and t2/t4 *after* it was received;
* clock steps (a reset of either clock): an empty intersection restarts the
  estimator (``restarts``), a step small enough to stay inside the interval
  goes unnoticed;
* reaching +-10 ms at all: if every reply waits a full BLE connection
  interval (a peer answering at once after each connection event), no
  interval is ever narrower than that and ``quality`` stays COARSE. The
  pair link therefore sends at jittered times, independent of receptions
  (NTP's symmetric mode), so each direction sees some short delays.

Time: local times are the caller's ms ints (monotonic, full width); peer
stamps arrive as 24-bit values (the wire format, mod 2**24 = 4.66 h), so
theta is kept mod 2**24 and every intermediate stays far below 2**30.
"""
from .compat import const

WRAP_BITS = const(24)
WRAP = const(0x1000000)  # peer stamps are mod 2**24 ms on the wire (4.66 h)
MASK = const(0xFFFFFF)
_HALF = const(0x800000)
SUB = const(16)  # the interval is kept in 1/16 ms: whole-ms ageing would widen it by 1 ms at every sample
_MASK16 = const(0xFFFFFFF)  # theta mod 2**24 ms in 1/16 ms
_HALF16 = const(0x8000000)
AGE_MAX_MS = const(0x100000)  # 17.5 min: an interval older than this is not aged (restart); keeps rho * age < 2**30
DRIFT_BASE_MS = const(10000)  # shortest anchor baseline that narrows the drift interval
DRIFT_CAP_PPM = const(50000)  # largest drift_max_ppm accepted (5 %: an uncalibrated RC or IMU oscillator)

Q_NONE = const(0)  # no sample yet
Q_COARSE = const(1)  # an offset, but its bound is above good_ms
Q_GOOD = const(2)  # the bound is within good_ms


def wrap(d):
    """``d`` mod 2**24 as a signed value in -2**23 .. 2**23 - 1."""
    d &= MASK
    return d - WRAP if d >= _HALF else d


def _wrap16(d):
    d &= _MASK16
    return d - 0x10000000 if d >= _HALF16 else d


def _mul_floor(rho, age):
    """floor(rho ppm * age ms) in 1/16 ms = floor(rho * age / 62500), no intermediate above 2**30
    (age < AGE_MAX_MS, |rho| <= DRIFT_CAP_PPM)."""
    q = age // 250
    r = age - 250 * q
    return (rho * q + (rho * r) // 250) // 250


def _mul_ceil(rho, age):
    return -_mul_floor(-rho, age)


def _div_ppm(num, dt, up):
    """num (1/16 ms) / dt (ms) in ppm = num * 125 / (2 * dt s), rounded down (``up`` False) or up,
    soundly; dt >= DRIFT_BASE_MS, |num| < 2**22."""
    lo_s = 2 * (dt // 1000)
    hi_s = 2 * ((dt + 999) // 1000)
    if up:
        s = lo_s if num >= 0 else hi_s
        return -((-num * 125) // s)
    s = hi_s if num >= 0 else lo_s
    return (num * 125) // s


class ClockSync:
    """Offset of the peer's clock from the local one, as a proven interval.

    ``drift_max_ppm``: the largest relative drift of the two clocks (1..50000
    ppm; 80 for two +-40 ppm crystals). ``good_ms``: the bound at or below
    which ``quality`` is Q_GOOD (10 ms: the pair's alignment target).

    ``sample(t1, t2, t3, t4)`` adds one exchange (t1, t4 local ms; t2, t3 the
    peer's 24-bit stamps) and returns its own bound in ms, or -1 when it is
    impossible (t4 < t1, or the peer held it longer than the round trip).
    ``bound(now)`` (ms, -1 before any sample), ``offset(now)`` (theta mod
    2**24), ``to_local(t_peer, now)`` and ``quality(now)`` read the estimate
    at local time ``now`` >= the last sample. Allocates nothing.
    """

    def __init__(self, drift_max_ppm=80, good_ms=10):
        if type(drift_max_ppm) is not int or drift_max_ppm < 1 or drift_max_ppm > DRIFT_CAP_PPM:
            raise ValueError("clocksync: drift_max_ppm must be 1..%d" % DRIFT_CAP_PPM)
        self.drift_max = drift_max_ppm
        self.good_ms = good_ms
        self.restarts = 0  # samples that contradicted the interval (a clock step): estimator restarted
        self.reset()

    def reset(self):
        """Forget everything (a new peer, or a peer that rebooted)."""
        self.n = 0  # samples used since the last (re)start
        self.lo = 0  # theta lies in [lo, hi] (1/16 ms) at local time t
        self.hi = 0
        self.t = 0
        self.rho_lo = -self.drift_max  # relative drift lies in [rho_lo, rho_hi] ppm
        self.rho_hi = self.drift_max
        self._a_lo = 0  # anchor interval for the drift
        self._a_hi = 0
        self._a_t = 0
        self._anchored = False
        self._alo = 0  # scratch: the interval aged to a given time (_age)
        self._ahi = 0

    def _rho_abs(self):
        a = -self.rho_lo
        return a if a > self.rho_hi else self.rho_hi

    def sample(self, t1, t2, t3, t4):
        rtt = t4 - t1
        hold = (t3 - t2) & MASK
        if rtt < 0 or rtt >= AGE_MAX_MS or hold > rtt + 2 + (_mul_ceil(self._rho_abs(), rtt + 1) + SUB - 1) // SUB:
            return -1
        lo = (wrap(t3 - t4) - 1) * SUB
        hi = lo + (rtt - hold + 2) * SUB
        spread = _mul_ceil(self._rho_abs(), rtt + 1)  # theta moved during the exchange
        lo -= spread
        hi += spread
        own = (hi - lo + 2 * SUB - 1) // (2 * SUB)
        if self.n and (t4 - self.t) < AGE_MAX_MS:
            self._age(t4)
            alo = self._alo
            ahi = self._ahi
            shift = _wrap16(lo - alo) - (lo - alo)  # the same theta mod 2**24, next to the old interval
            lo += shift
            hi += shift
            if lo < alo:
                lo = alo
            if hi > ahi:
                hi = ahi
            if lo > hi:  # contradiction: a clock stepped (or drift beyond drift_max): start again
                self.restarts += 1
                self.reset()
                return self.sample(t1, t2, t3, t4)
        elif self.n:
            self.reset()
        self.lo = lo
        self.hi = hi
        self.t = t4
        self.n += 1
        self._track_drift()
        return own

    def _track_drift(self):
        if not self._anchored:
            self._anchor()
            return
        dt = self.t - self._a_t
        if dt < DRIFT_BASE_MS:
            return
        lo = self.lo - self._a_hi
        hi = self.hi - self._a_lo
        if dt >= AGE_MAX_MS or lo <= -0x400000 or hi >= 0x400000:
            self._anchor()  # baseline too long for small ints: move the anchor (rho bounds kept)
            return
        r_lo = _div_ppm(lo, dt, False)
        r_hi = _div_ppm(hi, dt, True)
        if r_lo > self.rho_lo:
            self.rho_lo = r_lo
        if r_hi < self.rho_hi:
            self.rho_hi = r_hi
        if self.rho_lo > self.rho_hi:  # drift beyond what was declared: back to the declared range
            self.rho_lo = -self.drift_max
            self.rho_hi = self.drift_max
        if self.hi - self.lo < self._a_hi - self._a_lo:
            self._anchor()  # a narrower anchor at least as old as DRIFT_BASE_MS from now on

    def _anchor(self):
        self._a_lo = self.lo
        self._a_hi = self.hi
        self._a_t = self.t
        self._anchored = True

    def _age(self, now):
        """The interval aged to ``now`` into _alo, _ahi (1/16 ms; no tuple: nothing allocated)."""
        age = now - self.t
        if age <= 0:
            self._alo = self.lo
            self._ahi = self.hi
            return
        if age >= AGE_MAX_MS:
            age = AGE_MAX_MS - 1
        self._alo = self.lo + _mul_floor(self.rho_lo, age)
        self._ahi = self.hi + _mul_ceil(self.rho_hi, age)

    def bound(self, now):
        """Half-width of the interval at ``now`` in ms (the proven error of ``offset``), -1 before any sample."""
        if not self.n:
            return -1
        self._age(now)
        c = self._centre()
        a = self._ahi - c
        b = c - self._alo
        return ((a if a > b else b) + SUB - 1) // SUB

    def _centre(self):
        """Centre of the aged interval rounded to whole ms, in 1/16 ms."""
        return (((self._alo + self._ahi) >> 1) + SUB // 2) // SUB * SUB

    def offset(self, now):
        """theta = peer clock - local clock at ``now``, mod 2**24 (0 before any sample)."""
        if not self.n:
            return 0
        self._age(now)
        return (self._centre() // SUB) & MASK

    def to_local(self, t_peer, now):
        """Local ms (full int, near ``now``: within 2**23 ms) of the peer's 24-bit stamp ``t_peer``."""
        local24 = (t_peer - self.offset(now)) & MASK
        return now + wrap(local24 - now)

    def quality(self, now):
        """Q_NONE, Q_COARSE or Q_GOOD at ``now``."""
        b = self.bound(now)
        if b < 0:
            return Q_NONE
        return Q_GOOD if b <= self.good_ms else Q_COARSE
