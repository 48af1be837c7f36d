"""A seeded model of the silent-SOS gesture and of its look-alikes, injected into real traces.

There is no public recording of deliberate foot-to-foot strikes, so positives
are synthetic strikes added to real standing and walking recordings, and
negatives are synthetic look-alikes (floor taps, stamping, double taps, slow
taps, kicks, ladder rungs, kneeling) added the same way. Model, parameter
space and limits: docs/TAPS.md.

Physics of one strike (striking foot = right foot, insole axes: x toes,
y wearer's left, z up). The right foot swings medially (+y) at impact speed
``v`` and is stopped by the left shoe over a stop distance ``d`` (shoe upper
and sole compliance). A half-sine deceleration of duration T and peak A stops
it: T = 2 d / v, A = pi v^2 / (4 d) (so the impulse A * 2T / pi = v). Around
it: a swing-in lobe (the medial acceleration that brought the foot to speed
v over ``swing_ms``: a half-sine of area v, opposite sign) and a bounce:
with restitution e = ``rebound`` the contact's impulse is (1 + e) v (the
peak scales by 1 + e), and the leg then catches the bounce over 80 ms (a
half-sine of area e v, opposite sign). The impact axis is insole -y
rotated by a roll (about x: the lifted foot is inverted or everted) and a
yaw (about z: the foot sweeps forward or back) angle.

Sampling: waveforms are built on a 0.5 ms grid, low-passed as the board's
accelerometer does it (LPF2 at ODR / 4, ``LPF2_FRACTION``; a 2nd-order
Butterworth stands in for the chip's digital filter), then box-averaged over
1 / ODR around each 10 ms sample, at the random sub-sample phase the strike
times give. A short pulse therefore reads lower than its true peak: the
model does not hand the detector the peak.

Unloading: the striking foot is lifted ``lead_ms`` before the first strike
(zone loads ramp down to ``residual`` x the host's load, a small lift motion
on z), stays lifted (or rests lightly between slow strikes when
``touchdown``), and is put down 150 ms after the last strike.

The left foot (loaded, standing) feels each strike as a push toward the
wearer's left: +y, ``left_gain`` x A over 1.5 T (``inject_left``).

Everything is a pure function of its parameters and a ``numpy`` Generator
seed: the same seed gives the same traces.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from .filters import butter2
from .trace import ACC_LIMIT_MG, DT_MS, GYRO_LIMIT_DDPS, LOAD_LIMIT_N, Trace

G_MS2 = 9.80665
SUB = 20  # grid points per 10 ms sample (0.5 ms grid)
FINE_MS = 0.5  # the waveform's grid, ms (2 kHz: the LPF2 stand-in runs on it)
PRE_MS = 2500   # host kept before a gesture (gravity estimate settles)
POST_MS = 3000  # host kept after it (recognition window + lockout)
CATCH_MS = 80.0  # the leg catching the bounce after a strike
# Accelerometer LPF2 bandwidth / ODR on the board: micropython-lib's lsm6dsox driver sets CTRL1_XL LPF2_XL_EN
# and CTRL8_XL 0x09 (HPCF_XL 000: ODR/4, LSM6DSO datasheet DS12140, CTRL8_XL); the firmware's FIFO reader
# keeps both registers (firmware/soleguard/edges/drivers/lsm6dso_fifo.py).
LPF2_FRACTION = 0.25

# The supported parameter space (docs/TAPS.md): recall >= 0.98 is claimed here.
# name: (low, high). Intervals in ms between consecutive strikes.
SPACE = {
    "speed_ms": (0.5, 1.2),       # impact speed, m/s: a deliberate tap, not a brush
    "stop_mm": (3.0, 8.0),        # stop distance of shoe against shoe, mm
    "gap_ms": (150.0, 800.0),     # inter-strike interval ([TAP])
    "roll_deg": (0.0, 12.0),      # foot inverted/everted while lifted
    "yaw_deg": (0.0, 15.0),       # strike direction swept forward/back
    "rebound": (0.1, 0.5),        # restitution of shoe on shoe
    "swing_ms": (80.0, 160.0),
    "residual": (0.0, 0.1),       # load left on the striking foot / host load
    "lead_ms": (100.0, 400.0),    # foot lifted this long before the first strike
    "left_gain": (0.1, 0.4),      # left foot's lateral response / strike peak
    "sway": (0.1, 0.4),           # host motion kept while the foot is lifted
}
# Reported, not claimed: lighter taps, more rolled feet (the limits in docs/TAPS.md).
OUTSIDE = {"speed_ms": (0.3, 0.5), "roll_deg": (12.0, 20.0), "sway": (0.4, 1.0)}

# Bands recall is reported per (name -> list of (label, low, high)).
BANDS = {
    "speed_ms": [("0.5-0.7 m/s", 0.5, 0.7), ("0.7-0.9 m/s", 0.7, 0.9), ("0.9-1.2 m/s", 0.9, 1.2)],
    "stop_mm": [("3-5 mm", 3.0, 5.0), ("5-8 mm", 5.0, 8.0)],
    "gap_ms": [("150-300 ms", 150, 300), ("300-500 ms", 300, 500), ("500-800 ms", 500, 800)],
    "roll_deg": [("0-6 deg", 0, 6), ("6-12 deg", 6, 12)],
    "n_strikes": [("3", 3, 3), ("4", 4, 4), ("5", 5, 5)],
}


@dataclass(frozen=True)
class TapParams:
    """One gesture's parameters (units in the names; see SPACE for ranges)."""

    n_strikes: int = 3
    speed_ms: float = 0.8
    stop_mm: float = 5.0
    gaps_ms: tuple = (350.0, 350.0)
    roll_deg: float = 0.0
    yaw_deg: float = 0.0
    rebound: float = 0.25
    swing_ms: float = 120.0
    residual: float = 0.05
    lead_ms: float = 250.0
    touchdown: bool = False
    left_gain: float = 0.25
    sway: float = 0.25
    sign: int = -1  # impact on insole -y: the right foot moving left is stopped
    odr_hz: int = 100  # IMU output data rate: its anti-aliasing averages over 1 / ODR (GRID: 52/104/208)
    left_loaded: bool = True  # the struck foot stands (loaded) or is lifted too (GRID)
    left_sway: float = 1.0  # host motion the struck foot keeps during the gesture (pair replays: planted, 0-0.15)

    @property
    def pulse_ms(self) -> float:
        """Contact duration T = 2 d / v, ms."""
        return 2.0 * self.stop_mm / self.speed_ms

    def swing_mg(self, swing_ms) -> float:
        """Swing-in half-sine peak reaching speed v over ``swing_ms``: pi v / (2 Ts), mg."""
        return math.pi * self.speed_ms / (2.0 * swing_ms / 1000.0) / G_MS2 * 1000.0

    @property
    def peak_mg(self) -> float:
        """True peak deceleration (1 + e) pi v^2 / (4 d), mg (before sampling)."""
        return (1 + self.rebound) * math.pi * self.speed_ms ** 2 / (4.0 * self.stop_mm / 1000.0) / G_MS2 * 1000.0

    def strike_offsets(self) -> list:
        """Impact onsets relative to the first one, ms."""
        out = [0.0]
        for g in self.gaps_ms:
            out.append(out[-1] + g)
        return out

    def as_dict(self) -> dict:
        d = asdict(self)
        d["pulse_ms"] = round(self.pulse_ms, 1)
        d["peak_mg"] = round(self.peak_mg)
        return d


def sample_params(rng: np.random.Generator, space=None, n_strikes=None) -> TapParams:
    """Draw a gesture uniformly from ``space`` (default SPACE, overridable per name)."""
    sp = dict(SPACE, **(space or {}))

    def u(name):
        lo, hi = sp[name]
        return float(rng.uniform(lo, hi))

    n = int(n_strikes or rng.choice([3, 3, 3, 4, 5]))  # mostly the asked three
    gaps = tuple(u("gap_ms") for _ in range(n - 1))
    return TapParams(
        n_strikes=n, speed_ms=u("speed_ms"), stop_mm=u("stop_mm"), gaps_ms=gaps,
        roll_deg=u("roll_deg") * rng.choice([-1, 1]), yaw_deg=u("yaw_deg") * rng.choice([-1, 1]),
        rebound=u("rebound"), swing_ms=u("swing_ms"), residual=u("residual"),
        lead_ms=u("lead_ms"), touchdown=bool(rng.random() < 0.3), left_gain=u("left_gain"),
        sway=u("sway"),
    )


def impact_axis(roll_deg: float, yaw_deg: float, base=(0.0, -1.0, 0.0)) -> np.ndarray:
    """Unit vector ``base`` rotated by roll (about x) then yaw (about z), insole axes."""
    r, w = math.radians(roll_deg), math.radians(yaw_deg)
    x, y, z = base
    y, z = y * math.cos(r) - z * math.sin(r), y * math.sin(r) + z * math.cos(r)
    x, y = x * math.cos(w) - y * math.sin(w), x * math.sin(w) + y * math.cos(w)
    v = np.array([x, y, z])
    return v / np.linalg.norm(v)


# --- waveforms on the fine grid --------------------------------------------

def _half_sine(grid_ms, start_ms, dur_ms, amp):
    """amp * sin(pi (t - start) / dur) on [start, start + dur], 0 elsewhere."""
    ph = (grid_ms - start_ms) / dur_ms
    inside = (ph >= 0) & (ph <= 1)
    return np.where(inside, amp * np.sin(np.pi * np.clip(ph, 0, 1)), 0.0)


@dataclass
class Pulse:
    """One impulse: onset ``t_ms`` (gesture time), true peak mg, duration ms, unit axis."""

    t_ms: float
    peak_mg: float
    dur_ms: float
    axis: np.ndarray
    rebound: float = 0.0
    swing: float = 0.0
    swing_ms: float = 100.0
    rebound_ms: float = 0.0  # 0: 1.5 x dur_ms

    def add_to(self, acc, grid_ms):
        """Add the pulse (swing-in, impact, rebound) to ``acc`` (3, G) mg."""
        w = _half_sine(grid_ms, self.t_ms, self.dur_ms, self.peak_mg)
        if self.rebound:
            rb = self.rebound_ms or 1.5 * self.dur_ms
            w -= _half_sine(grid_ms, self.t_ms + self.dur_ms, rb, self.rebound * self.peak_mg)
        if self.swing:
            w -= _half_sine(grid_ms, self.t_ms - self.swing_ms, self.swing_ms, self.swing * self.peak_mg)
        acc += self.axis.reshape(3, 1) * w


@dataclass
class Gesture:
    """What is added to a host: pulses, a load envelope, slow motion, a rotation.

    load_env: breakpoints [(t_ms, factor)] multiplying the host's zone loads
      (linear in between; 1 outside). load_add: breakpoints [(t_ms, N)] added
      to the total load (spread over the zones like the host's load).
    tilt: breakpoints [(t_ms, pitch_deg)] rotating the host's IMU about y
      (kneeling). sway: breakpoints [(t_ms, factor)] scaling the host's
      motion (IMU minus its 320 ms moving average, and the rates): a lifted
      foot does not walk, it sways. plant: breakpoints [(t_ms, factor)] scaling the host's
      deviation from its standing posture (the median acceleration over the trace) and its
      rates: a planted foot stands still whatever the host did (the struck foot in a pair). lift: [(t_ms, dur_ms, mg)] full-sine bumps on z (foot lifted
      or set down). strikes: the labelled strike times (positives only).
    """

    duration_ms: float
    pulses: list = field(default_factory=list)
    load_env: list = field(default_factory=list)
    load_add: list = field(default_factory=list)
    tilt: list = field(default_factory=list)
    sway: list = field(default_factory=list)
    plant: list = field(default_factory=list)
    lift: list = field(default_factory=list)
    strikes: list = field(default_factory=list)
    odr_hz: int = 100  # anti-aliasing window 1 / ODR around each 10 ms sample (GRID)


def strike_gesture(p: TapParams) -> Gesture:
    """The triple (or n-) strike gesture of ``p``; strikes start at ``p.lead_ms``."""
    axis = impact_axis(p.roll_deg, p.yaw_deg, (0.0, float(p.sign), 0.0))
    peak = min(p.peak_mg, 2.0 * ACC_LIMIT_MG)  # the sensor clips at 16 g anyway
    t0 = p.lead_ms
    onsets = [t0 + o for o in p.strike_offsets()]
    pulses = []
    for i, t in enumerate(onsets):
        sw = min(p.swing_ms, p.lead_ms if i == 0 else 0.6 * p.gaps_ms[i - 1])
        catch = p.rebound * p.swing_mg(CATCH_MS) / peak  # area e v over CATCH_MS
        pulses.append(Pulse(t, peak, p.pulse_ms, axis, catch, p.swing_mg(sw) / peak, sw, CATCH_MS))
    last = onsets[-1]
    env = [(0.0, 1.0), (min(100.0, p.lead_ms), p.residual)]
    if p.touchdown:  # rests lightly between strikes when there is time
        for a, b in zip(onsets, onsets[1:]):
            if b - a >= 400:
                env += [(a + 120, p.residual), (a + 180, 0.3), (b - 180, 0.3), (b - 120, p.residual)]
    env += [(last + 150, p.residual), (last + 300, 1.0)]
    sway = [(0.0, 1.0), (min(100.0, p.lead_ms), p.sway), (last + 150, p.sway), (last + 300, 1.0)]
    return Gesture(
        duration_ms=last + 400, pulses=pulses, load_env=env, sway=sway,
        lift=[(0.0, p.lead_ms, 150.0), (last + 100, 200.0, -150.0)],
        strikes=[int(round(t)) for t in onsets], odr_hz=p.odr_hz,
    )


def left_gesture(p: TapParams) -> Gesture:
    """What the struck (left) foot feels: a push along the strike's direction per strike.

    Loaded (standing): ``left_gain`` x the strike peak over 1.5 T, the foot
    held by the floor. Lifted (``left_loaded`` False): the same momentum into
    a free foot, so a larger and shorter push (gain x 1.5 over 1.2 T), and
    the foot's loads drop to 10 % while the gesture lasts.
    """
    axis = -impact_axis(p.roll_deg, p.yaw_deg, (0.0, float(p.sign), 0.0))
    onsets = [p.lead_ms + o for o in p.strike_offsets()]
    gain, dur = (p.left_gain, 1.5) if p.left_loaded else (1.5 * p.left_gain, 1.2)
    pulses = [Pulse(t, gain * p.peak_mg, dur * p.pulse_ms, axis, 0.3) for t in onsets]
    env = [] if p.left_loaded else [(0.0, 1.0), (100.0, 0.1), (onsets[-1] + 150, 0.1), (onsets[-1] + 300, 1.0)]
    # planted: the weight goes onto the struck foot before the other one lifts (from 300 ms before the
    # lift-off), and it keeps ``left_sway`` of its host's motion until the other foot is down again
    plant = [] if p.left_sway >= 1.0 else [(-300.0, 1.0), (-100.0, p.left_sway), (onsets[-1] + 150, p.left_sway),
                                           (onsets[-1] + 350, 1.0)]
    return Gesture(duration_ms=onsets[-1] + 400, pulses=pulses, load_env=env, plant=plant,
                   strikes=[int(round(t)) for t in onsets], odr_hz=p.odr_hz)


# --- adversarial negatives ---------------------------------------------------

NEGATIVES = ("floor_taps", "stamping", "double_taps", "slow_taps", "kicks", "ladder", "kneeling")


def negative_gesture(kind: str, rng: np.random.Generator) -> Gesture:
    """A look-alike of ``kind`` (one of NEGATIVES) that must not raise an SOS.

    floor_taps   toe/heel tapping a rhythm on the floor: 6-16 vertical (z)
                 impacts of 1.5-6 g, 250-700 ms apart, foot rolled up to 20 deg
                 (lateral leakage), loaded at each contact
    stamping     stamping mud off: 3-8 vertical impacts of 4-12 g, 300-800 ms
                 apart, rolled up to 20 deg, full load at each stamp
    double_taps  valid lateral strikes in pairs (150-800 ms apart), pairs
                 2.6-4 s apart (past the gesture window)
    slow_taps    three or more valid lateral strikes 850-1500 ms apart
    kicks        1-3 big impulses (5-16 g) forward (x) or lateral, 0.9-3 s apart
    ladder       climbing rungs: toe/arch impacts on x/z (2-6 g) every 600-1000
                 ms, rolled/yawed up to 15 deg, load rising after each
    kneeling     knee to the floor: the foot pitches 60-170 deg toes-down
                 over 0.6-1.2 s with a 1.5-4 g bump, stays 2-4 s, gets up
    """
    if kind not in NEGATIVES:
        raise ValueError("unknown negative kind %r (one of %s)" % (kind, ", ".join(NEGATIVES)))
    u = rng.uniform
    pulses, env, add = [], [], []
    t = 300.0
    if kind in ("floor_taps", "stamping"):
        n, amp, gap, load = ((int(rng.integers(6, 17)), (1500, 6000), (250, 700), 250.0) if kind == "floor_taps"
                             else (int(rng.integers(3, 9)), (4000, 12000), (300, 800), 700.0))
        for _ in range(n):
            ax = impact_axis(u(-20, 20), u(-20, 20), (0.0, 0.0, 1.0))
            pulses.append(Pulse(t, u(*amp), u(8, 25), ax, u(0.1, 0.4), u(0.05, 0.2), u(80, 150)))
            add += [(t - 1, 0.0), (t + 10, load), (t + 120, 0.0)]
            t += u(*gap)
    elif kind in ("double_taps", "slow_taps"):
        if kind == "double_taps":
            times = []
            for _ in range(int(rng.integers(2, 4))):
                times += [t, t + u(150, 800)]
                t = times[-1] + u(2600, 4000)
        else:
            times = [t]
            for _ in range(int(rng.integers(2, 5))):
                times.append(times[-1] + u(850, 1500))
        for s in times:
            p = sample_params(rng)
            ax = impact_axis(p.roll_deg, p.yaw_deg, (0.0, -1.0, 0.0))
            pulses.append(Pulse(s, p.peak_mg, p.pulse_ms, ax, p.rebound * p.swing_mg(CATCH_MS) / p.peak_mg,
                                p.swing_mg(p.swing_ms) / p.peak_mg, p.swing_ms, CATCH_MS))
        env = [(0.0, 1.0), (200.0, 0.05), (times[-1] + 150, 0.05), (times[-1] + 300, 1.0)]
        sway = u(*SPACE["sway"])  # lifted like the positives
        t = times[-1] + 200
        return Gesture(duration_ms=t + 500, pulses=pulses, load_env=env,
                       sway=[(0.0, 1.0), (200.0, sway), (times[-1] + 150, sway), (times[-1] + 300, 1.0)])
    elif kind == "kicks":
        for _ in range(int(rng.integers(1, 4))):
            base = (1.0, 0.0, 0.0) if rng.random() < 0.5 else (0.0, -1.0, 0.0)
            ax = impact_axis(u(-15, 15), u(-15, 15), base)
            pulses.append(Pulse(t, u(5000, 16000), u(6, 20), ax, u(0.2, 0.5), u(0.1, 0.3), u(100, 200)))
            env += [(t - 200, 1.0), (t - 100, 0.05), (t + 150, 0.05), (t + 300, 1.0)]
            t += u(900, 3000)
    elif kind == "ladder":
        for _ in range(int(rng.integers(4, 9))):
            base = (1.0, 0.0, 0.0) if rng.random() < 0.5 else (0.0, 0.0, 1.0)
            ax = impact_axis(u(-15, 15), u(-15, 15), base)
            pulses.append(Pulse(t, u(2000, 6000), u(8, 25), ax, u(0.1, 0.4), u(0.05, 0.2), u(100, 200)))
            env += [(t - 300, 0.0), (t + 20, 0.0), (t + 200, 1.0)]
            t += u(600, 1000)
    elif kind == "kneeling":
        down = u(600, 1200)
        pitch = u(60, 170)
        hold = u(2000, 4000)
        ax = impact_axis(0.0, u(-20, 20), (0.0, 0.0, 1.0))
        pulses.append(Pulse(t + down, u(1500, 4000), u(15, 40), ax, 0.3, 0.1, 100))
        tilt = [(t, 0.0), (t + down, pitch), (t + down + hold, pitch), (t + 2 * down + hold, 0.0)]
        env = [(t, 1.0), (t + down, 0.2), (t + down + hold, 0.2), (t + 2 * down + hold, 1.0)]
        return Gesture(duration_ms=t + 2 * down + hold + 500, pulses=pulses, load_env=env, tilt=tilt)
    return Gesture(duration_ms=t + 500, pulses=pulses, load_env=env, load_add=add)


# --- injection -----------------------------------------------------------------

def as_right_foot(trace: Trace) -> Trace:
    """A left-foot trace mirrored across the sagittal plane (y -> -y), else ``trace``.

    Mirroring negates ay and the rates about x and z (pseudovector), and the
    zone centres' y. Right and unknown feet are returned as they are.
    """
    if trace.meta.get("foot") != "left" or trace.imu is None:
        return trace
    imu = trace.imu.astype(np.int32).copy()
    imu[:, 1] *= -1
    imu[:, 3] *= -1
    imu[:, 5] *= -1
    meta = dict(trace.meta, foot="right", name=trace.name + "_mirrored",
                zones=[dict(z, y_mm=-z["y_mm"]) for z in trace.zones])
    return Trace(meta=meta, t_ms=trace.t_ms, imu=np.clip(imu, -32768, 32767).astype(np.int16), loads=trace.loads)


def _interp(bps, t, default):
    if not bps:
        return np.full(t.shape, default, dtype=float)
    xs = [b[0] for b in bps]
    ys = [b[1] for b in bps]
    return np.interp(t, xs, ys, left=ys[0] if xs[0] <= 0 else default, right=ys[-1])


def inject(host: Trace, g: Gesture, at_ms: float, name: str, positive: bool) -> Trace:
    """A new Trace: ``host`` cropped around ``g`` placed at ``at_ms`` (host time).

    The crop keeps PRE_MS before and POST_MS after the gesture. Labels:
    ``sos`` = the gesture's strikes (crop time) when ``positive``, else none;
    falls and segments of the host are dropped. Raises ValueError when the
    host is too short or has no IMU.
    """
    if host.imu is None:
        raise ValueError("%s: no IMU: the tap detector needs one" % host.name)
    n = len(host.t_ms)
    i0 = int((at_ms - PRE_MS) // DT_MS)
    i1 = int(math.ceil((at_ms + g.duration_ms + POST_MS) / DT_MS))
    if i0 < 0 or i1 > n:
        raise ValueError("%s: gesture at %d ms does not fit" % (host.name, at_ms))
    m = i1 - i0
    t_crop = np.arange(m) * DT_MS
    gt = (i0 * DT_MS + t_crop) - at_ms  # gesture time of each sample
    imu = host.imu[i0:i1].astype(float)
    if g.tilt:  # rotate the host's acceleration and rate about y by the pitch
        th = np.radians(_interp(g.tilt, gt, 0.0))
        c, s = np.cos(th), np.sin(th)
        for k in (0, 3):
            x, z = imu[:, k].copy(), imu[:, k + 2].copy()
            imu[:, k] = c * x + s * z
            imu[:, k + 2] = -s * x + c * z
    if g.sway:
        w = _interp(g.sway, gt, 1.0).reshape(-1, 1)
        k = np.ones(32) / 32.0
        for c in range(3):
            lp = np.convolve(np.pad(imu[:, c], (16, 15), mode="edge"), k, mode="valid")
            imu[:, c] = lp + (imu[:, c] - lp) * w[:, 0]
        imu[:, 3:] *= w
    if g.plant:
        w = _interp(g.plant, gt, 1.0).reshape(-1, 1)
        a = host.imu[:, :3].astype(float)
        stand = np.median(a, axis=0)
        stand *= np.median(np.sqrt((a * a).sum(axis=1))) / max(1.0, float(np.sqrt((stand * stand).sum())))
        imu[:, :3] = stand + (imu[:, :3] - stand) * w
        imu[:, 3:] *= w
    # the waveform on a contiguous 0.5 ms grid, through the accelerometer's LPF2; then SUB points per
    # sample over the IMU's anti-aliasing window (1 / ODR, box average)
    box_ms = 1000.0 / g.odr_hz
    fine = (gt.reshape(-1, 1) + (np.arange(SUB) + 0.5 - SUB / 2) * (box_ms / SUB)).ravel()
    uf = np.arange(fine[0] - 100.0, fine[-1] + FINE_MS, FINE_MS)
    ua = np.zeros((3, uf.size))
    for p in g.pulses:
        p.add_to(ua, uf)
    for start, dur, amp in g.lift:
        ph = (uf - start) / dur
        ua[2] += np.where((ph >= 0) & (ph <= 1), amp * np.sin(2 * np.pi * np.clip(ph, 0, 1)), 0.0)
    nz = np.flatnonzero(ua.any(axis=0))  # causal, at rest before the first pulse: filter from there on
    if nz.size:
        k0 = int(nz[0])
        ua[:, k0:] = butter2(ua[:, k0:].T, LPF2_FRACTION * g.odr_hz, 1000.0 / FINE_MS).T
    acc = np.stack([np.interp(fine, uf, ua[c]) for c in range(3)])
    imu[:, 0:3] += acc.reshape(3, m, SUB).mean(axis=2).T
    imu[:, :3] = np.clip(imu[:, :3], -ACC_LIMIT_MG, ACC_LIMIT_MG)
    imu[:, 3:] = np.clip(imu[:, 3:], -GYRO_LIMIT_DDPS, GYRO_LIMIT_DDPS)
    loads = None
    if host.zones:
        loads = host.loads[i0:i1].astype(float)
        loads *= _interp(g.load_env, gt, 1.0).reshape(-1, 1)
        if g.load_add:
            extra = _interp(g.load_add, gt, 0.0)
            loads += extra.reshape(-1, 1) / len(host.zones)
        loads = np.clip(np.rint(loads), 0, LOAD_LIMIT_N).astype(np.int16)
    strikes = [int(round(at_ms + s)) - i0 * DT_MS for s in g.strikes] if positive else []
    labels = {"falls": [], "segments": [], "sos": [{"strikes_ms": strikes}] if strikes else []}
    meta = dict(host.meta, name=name, labels=labels, kind="adl",
                notes="synthetic %s injected at %d ms of %s (sim/tapmodel.py)"
                % ("strikes" if positive else "look-alike", at_ms, host.name))
    tr = Trace(meta=meta, t_ms=t_crop.astype(np.int64), imu=np.rint(imu).astype(np.int16), loads=loads)
    tr.validate(name)
    return tr


def host_motion_mg(trace: Trace, at_ms: float, dur_ms: float) -> float:
    """Standard deviation of |a| (mg) of ``trace`` over [at, at + dur]: low means standing still."""
    i0, i1 = int(at_ms // DT_MS), int((at_ms + dur_ms) // DT_MS)
    a = trace.imu[i0:i1, :3].astype(float)
    return float(np.std(np.sqrt((a * a).sum(axis=1))))


def with_params(p: TapParams, **kw) -> TapParams:
    """``p`` with some fields replaced (gaps are re-sized with n_strikes)."""
    q = replace(p, **kw)
    if len(q.gaps_ms) != q.n_strikes - 1:
        g = list(q.gaps_ms) or [350.0]
        q = replace(q, gaps_ms=tuple((g * q.n_strikes)[: q.n_strikes - 1]))
    return q


STILL_MG = 60.0  # host |a| std below this over the gesture: a standing context


def positions(host, dur_ms: float, rng) -> tuple:
    """(at_ms, context) for a gesture of ``dur_ms`` in ``host``: standing or moving, 50/50 when both exist."""
    lo = PRE_MS
    hi = host.duration_ms - dur_ms - POST_MS - 2 * 10
    if hi <= lo:
        return None, None
    cands = np.arange(lo, hi, 100.0)
    motion = np.array([host_motion_mg(host, a, dur_ms) for a in cands])
    still = cands[motion < STILL_MG]
    moving = cands[motion >= STILL_MG]
    want = "standing" if rng.random() < 0.5 else "moving"
    pool = still if want == "standing" else moving
    if not len(pool):
        want, pool = ("moving", moving) if want == "standing" else ("standing", still)
    return float(rng.choice(pool)) + float(rng.uniform(0, 10)), want
