"""Seeded generator of synthetic insole traces (IMU + 8 pressure zones) from a scenario script.

What public data lacks (long lying, kneeling at work, ladders, falls from
height, a fall followed by getting up) is generated here from a kinematic
model of the foot, written down in docs/SCENARIOS.md with its sources and
its limits. Synthetic traces are labelled like real ones (dataset
``synthetic``) and scored separately: real recordings remain the measure of
detection quality.

Script format (plain text, one segment per line; ``#`` starts a comment)::

    # fall forward while walking, then lie still
    stand 5
    walk 20 speed=normal
    fall_forward 3
    lie 120 still=1

``activity seconds [key=value ...]``: the activity names and their keys are
in ``ACTIVITIES`` (and docs/SCENARIOS.md); unknown names or keys, bad numbers
and too-short durations raise ``ScenarioError`` naming the line.

    from soleguard_sim.scenario import generate, load_script
    trace = generate(load_script("sim/scenarios/fall_forward.txt"), seed=1, foot="right")

Model in one paragraph: every activity produces the foot's orientation
(Euler angles yaw-pitch-roll of the shoe sole relative to a level floor), the
world acceleration of the sensor (m/s^2, without gravity, plus short impact
pulses) and the total load with its centre of pressure. The insole is mounted
in the shoe with a toes-down pitch (about 11 deg on the Moticon recordings).
The accelerometer reads R^T (a + g z) (specific force), the gyroscope the
body rates from the Euler-angle derivatives, both with LSM6DSO noise, offsets
and full-scale clipping; loads are spread over the 8 Moticon zones by a
Gaussian kernel around the centre of pressure and pass a short foam lag.
Consecutive segments are blended over a transition time (minimum-jerk), so
poses and loads are continuous. Each seed also draws a subject (shoe tilt,
cadence, stance share, heel-strike strength, weight distribution, biases).
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .trace import ACC_LIMIT_MG, GYRO_LIMIT_DDPS, LOAD_LIMIT_N, RATE_HZ, Trace

G = 9.80665           # m/s^2
MG_PER_MS2 = 1000.0 / G
DT = 1.0 / RATE_HZ
VERSION = 1
SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"

# LSM6DSO datasheet (ST DS12140), high-performance mode, typical values:
# acceleration noise density 70 ug/sqrt(Hz), rate noise density 3.8 mdps/sqrt(Hz),
# zero-g offset +-20 mg, zero-rate level +-1 dps; sensitivity 0.488 mg/LSB at
# +-16 g and 70 mdps/LSB at +-2000 dps. Bandwidth about ODR/2 = 52 Hz.
ACC_NOISE_MG = 0.070 * math.sqrt(52.0)      # ~0.5 mg RMS
GYRO_NOISE_DDPS = 0.0038 * 10 * math.sqrt(52.0)  # ~0.27 x 0.1 dps RMS
ACC_OFFSET_MG = 20.0
GYRO_OFFSET_DDPS = 10.0
ACC_LSB_MG = 0.488
GYRO_LSB_DDPS = 0.7


class ScenarioError(ValueError):
    """A scenario script that cannot be generated: names the script and line."""


# ---------------------------------------------------------------------------
# Script parsing

@dataclass
class Step:
    activity: str
    seconds: float
    params: dict = field(default_factory=dict)
    line: int = 0


@dataclass
class Script:
    name: str
    steps: list
    source: str = "-"
    text: str = ""


def parse_script(text: str, name: str = "scenario", source: str = "-") -> Script:
    """Parse script text (see module docstring) into a Script; ScenarioError on a bad line."""
    steps = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        where = "%s:%d" % (source, lineno)
        act = parts[0]
        if act not in ACTIVITIES:
            raise ScenarioError("%s: unknown activity %r (one of %s)" % (where, act, ", ".join(sorted(ACTIVITIES))))
        if len(parts) < 2:
            raise ScenarioError("%s: %s needs a duration in seconds" % (where, act))
        try:
            secs = float(parts[1])
        except ValueError:
            raise ScenarioError("%s: duration %r is not a number of seconds" % (where, parts[1])) from None
        spec = ACTIVITIES[act]
        if not (secs >= spec.min_s) or secs > 24 * 3600:
            raise ScenarioError("%s: %s lasts %g s, needs %g s to 24 h" % (where, act, secs, spec.min_s))
        params = {}
        for kv in parts[2:]:
            key, eq, value = kv.partition("=")
            if not eq or not key:
                raise ScenarioError("%s: %r is not key=value" % (where, kv))
            if key not in spec.keys:
                raise ScenarioError("%s: %s has no key %r (keys: %s)" % (where, act, key, ", ".join(sorted(spec.keys)) or "none"))
            choices = spec.keys[key]
            if isinstance(choices, tuple):
                if value not in choices:
                    raise ScenarioError("%s: %s=%s, expected one of %s" % (where, key, value, ", ".join(choices)))
                params[key] = value
            else:
                try:
                    params[key] = float(value)
                except ValueError:
                    raise ScenarioError("%s: %s=%r is not a number" % (where, key, value)) from None
        steps.append(Step(act, secs, params, lineno))
    if not steps:
        raise ScenarioError("%s: no activity lines" % source)
    return Script(name, steps, source, text)


def load_script(name_or_path) -> Script:
    """A library scenario by name (sim/scenarios/NAME.txt) or a script file path."""
    p = Path(name_or_path)
    if not p.exists() and not p.suffix:
        p = SCENARIO_DIR / (str(name_or_path) + ".txt")
    if not p.exists():
        raise ScenarioError("%s: no such scenario (library: %s)" % (name_or_path, ", ".join(library())))
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError("%s: cannot read: %s" % (p, e)) from None
    try:
        src = str(p.resolve().relative_to(SCENARIO_DIR.parent.parent))
    except ValueError:
        src = p.name
    return parse_script(text, p.stem, src)


def library() -> list:
    """Names of the library scenarios in sim/scenarios/."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.txt"))


# ---------------------------------------------------------------------------
# Small numeric helpers (vectorised)

def _mj(u):
    """Minimum-jerk ramp 0..1 for u in [0, 1] (clipped)."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * u * (10.0 - 15.0 * u + 6.0 * u * u)


def _keyframes(n, frames):
    """Interpolate keyframes [(t_s, value_array), ...] over n samples with minimum-jerk ramps.

    Values before the first / after the last keyframe are held. Returns (n, k).
    """
    t = np.arange(n) * DT
    times = np.array([f[0] for f in frames], dtype=float)
    vals = np.array([np.atleast_1d(np.asarray(f[1], dtype=float)) for f in frames])
    out = np.empty((n, vals.shape[1]))
    idx = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 1)
    nxt = np.minimum(idx + 1, len(times) - 1)
    span = np.maximum(times[nxt] - times[idx], 1e-9)
    u = np.where(nxt > idx, (t - times[idx]) / span, 0.0)
    s = _mj(u)[:, None]
    out[:] = vals[idx] + (vals[nxt] - vals[idx]) * s
    return out


def _periodic_cos(phase, points):
    """Cosine interpolation through periodic keypoints [(phase, value)] (phase in [0,1))."""
    pts = sorted(points)
    ph = np.array([p for p, _ in pts] + [pts[0][0] + 1.0])
    vv = np.array([v for _, v in pts] + [pts[0][1]])
    x = np.mod(phase - ph[0], 1.0) + ph[0]
    i = np.clip(np.searchsorted(ph, x, side="right") - 1, 0, len(ph) - 2)
    u = (x - ph[i]) / (ph[i + 1] - ph[i])
    s = 0.5 - 0.5 * np.cos(np.pi * u)
    return vv[i] + (vv[i + 1] - vv[i]) * s


def _kick(col, i0, width, amp):
    """Add in place to ``col`` a half-sine pulse of ``width`` samples from fractional sample i0, peak amp."""
    a = max(0, int(math.ceil(i0)))
    b = min(len(col), int(math.floor(i0 + width)) + 1)
    if b > a:
        k = np.arange(a, b) - i0
        col[a:b] += amp * np.sin(np.pi * k / width)


def _soft(mask, width=25):
    """A 0/1 mask with its edges smoothed over ``width`` samples (no steps in poses)."""
    k = np.hanning(width + 2)[1:-1]
    k /= k.sum()
    pad = np.concatenate([np.full(width, float(mask[0])), mask.astype(float), np.full(width, float(mask[-1]))])
    return np.convolve(pad, k, mode="same")[width:-width]


def _smooth_noise(rng, n, sigma, tau_s):
    """Low-pass Gaussian noise (moving average of white noise over tau_s), RMS about sigma."""
    w = max(1, int(tau_s * RATE_HZ))
    c = np.concatenate([[0.0], np.cumsum(rng.standard_normal(n + w))])
    return (c[w:w + n] - c[:n]) / math.sqrt(w) * sigma


# ---------------------------------------------------------------------------
# Subject, zones and loads

# The 8-zone Moticon-like layout (zone names and centres of sim/importers/moticon.py).
def zones_for(foot: str) -> list:
    from .importers.moticon import zone_table

    return [{"name": z["name"], "x_mm": z["x_mm"], "y_mm": z["y_mm"]} for z in zone_table(foot)]


_RIGHT_ZONES = None
# How much of a pressure kernel a zone picks up: the arch (midfoot medial) rarely
# touches the insole flat (Moticon: cell 7 carries ~0.2 N/cm^2).
_CONTACT = np.array([1.0, 1.0, 0.35, 1.0, 1.0, 1.0, 1.0, 0.8])
_SIGMA_X_MM = 35.0
_SIGMA_Y_MM = 30.0


def _zone_xy():
    global _RIGHT_ZONES
    if _RIGHT_ZONES is None:
        z = zones_for("right")
        _RIGHT_ZONES = (np.array([q["x_mm"] for q in z], float), np.array([q["y_mm"] for q in z], float))
    return _RIGHT_ZONES


def distribute(total, cop_x, cop_y):
    """Total load (n,) N at centre of pressure (n,) mm (right-foot zone frame) -> zone loads (n, 8)."""
    zx, zy = _zone_xy()
    w = np.exp(-0.5 * (((cop_x[:, None] - zx) / _SIGMA_X_MM) ** 2 + ((cop_y[:, None] - zy) / _SIGMA_Y_MM) ** 2))
    w = w * _CONTACT
    w = w / np.maximum(w.sum(axis=1, keepdims=True), 1e-12)
    return w * np.maximum(total, 0.0)[:, None]


def draw_subject(rng, mass_kg):
    """Per-seed wearer, shoe and sensor parameters (see docs/SCENARIOS.md)."""
    return {
        "mass_kg": float(mass_kg),
        "shoe_tilt_deg": float(rng.uniform(7.0, 14.0)),      # Moticon: ~11 deg toes-down
        "cycle_s": float(rng.normal(1.1, 0.06)),               # gait cycle at normal speed
        "stance": float(rng.uniform(0.585, 0.625)),            # stance share of the cycle
        "heel_strike": float(rng.uniform(0.8, 1.25)),          # heel-strike pulse gain
        "insole_gain": float(rng.uniform(0.85, 1.0)),          # insoles under-read body weight
        "stand_cop_mm": float(rng.uniform(40.0, 60.0)),        # standing CoP from the heel
        "swing_load_n": float(rng.uniform(3.0, 30.0)),         # lacing pressure in swing
        "sway_deg": float(rng.uniform(0.3, 0.8)),
        "acc_offset_mg": [float(v) for v in rng.uniform(-ACC_OFFSET_MG, ACC_OFFSET_MG, 3)],
        "gyro_offset_ddps": [float(v) for v in rng.uniform(-GYRO_OFFSET_DDPS, GYRO_OFFSET_DDPS, 3)],
    }


# ---------------------------------------------------------------------------
# Activities. Each returns a Seg over n samples for the right foot.

@dataclass
class Seg:
    ang: np.ndarray            # (n, 3) yaw, pitch, roll in degrees (foot sole vs level floor)
    acc: np.ndarray            # (n, 3) world linear acceleration of the sensor, mg (no gravity)
    load: np.ndarray           # (n,) total load N
    cop: np.ndarray            # (n, 2) centre of pressure mm (right-foot zone frame)
    lying: bool = False        # ends lying (not upright)
    trans_s: float = 0.8       # blend from the previous segment's end over this long
    impacts: list = field(default_factory=list)    # sample indices of labelled fall impacts
    still_from: int | None = None   # sample where the wearer goes still while not upright
    man_down: bool = False          # a man-down pre-alarm is expected from still_from


@dataclass
class Ctx:
    rng: np.random.Generator
    subj: dict
    foot: str
    prev_ang: np.ndarray       # (3,) end pose of the previous segment
    prev_load: float
    prev_cop: np.ndarray
    prev_lying: bool
    prev_fall: bool            # the previous segment was a fall (or a lie after one)
    prev_still: bool = False   # the previous segment ended lying still
    frng: np.random.Generator | None = None   # per-foot draws (impact strengths); rng is shared by both feet

    @property
    def bw(self):
        """Body weight as the insole reads it, N."""
        return self.subj["mass_kg"] * G * self.subj["insole_gain"]

    @property
    def side_sign(self):
        """+1 on the right foot, -1 on the left (activities are modelled for the right foot, then mirrored)."""
        return 1.0 if self.foot == "right" else -1.0


def _still_pose(ctx, n, ang, load, cop, sway=0.0):
    """Hold a pose with slow sway (deg RMS) and load wobble."""
    a = np.tile(np.asarray(ang, float), (n, 1))
    if sway:
        a[:, 1] += _smooth_noise(ctx.rng, n, sway, 1.5)
        a[:, 2] += _smooth_noise(ctx.rng, n, sway * 0.7, 1.5)
    ld = np.full(n, float(load))
    if load > 0:
        ld *= 1.0 + _smooth_noise(ctx.rng, n, 0.04, 2.0)
    c = np.tile(np.asarray(cop, float), (n, 1))
    c[:, 0] += _smooth_noise(ctx.rng, n, 4.0, 2.0)
    return a, np.zeros((n, 3)), ld, c


def _stand(ctx, n, p):
    share = float(p.get("share", 0.5))
    a, acc, ld, cop = _still_pose(ctx, n, (0, 0, 0), share * ctx.bw, (ctx.subj["stand_cop_mm"], -5), ctx.subj["sway_deg"])
    # weight shifts between the feet every 5-20 s
    t = np.arange(n) * DT
    ld *= 1.0 + 0.15 * np.sin(2 * np.pi * t / ctx.rng.uniform(5, 20) + ctx.rng.uniform(0, 6.3))
    return Seg(a, acc, ld, cop, trans_s=float(p.get("trans", 0.8)))


_SPEED_MS = {"slow": 0.9, "normal": 1.3, "fast": 1.75}   # walking speed, m/s: stride = speed x cycle
_SPEEDS = {"slow": (1.25, 0.8, 0.6), "normal": (1.0, 1.0, 1.0), "fast": (0.88, 1.15, 1.8)}


def _gait_clock(ctx, n, cycle_s, jitter=0.03, offset=0.25):
    """Continuous gait progress (cycles) per sample, stopped at mid-stance at both ends.

    Returns (phase in [0,1), moving mask). The left foot starts half a cycle later.
    """
    rng = ctx.rng
    total_s = n * DT
    k = int(total_s / cycle_s) + 3
    durs = cycle_s * (1.0 + jitter * rng.standard_normal(k))
    starts = np.concatenate([[0.0], np.cumsum(durs)])
    t = np.arange(n) * DT
    lag = 0.0 if ctx.foot == "right" else 0.5 * cycle_s
    tt = t - lag
    i = np.clip(np.searchsorted(starts, tt, side="right") - 1, 0, k - 1)
    c = i + (tt - starts[i]) / durs[i] + offset
    c = np.where(tt < 0, offset, c)
    c_end = c[-1]
    c_stop = math.floor(c_end - offset) + offset
    if c_stop <= offset:
        c_stop = offset
    moving = (c > offset) & (c < c_stop)
    c = np.clip(c, offset, c_stop)
    return np.mod(c, 1.0), moving


def _walk(ctx, n, p):
    s = ctx.subj
    speed = p.get("speed", "normal")
    cyc_k, amp_k, imp_k = _SPEEDS[speed]
    T = s["cycle_s"] * cyc_k
    st = s["stance"] + (0.02 if speed == "slow" else -0.015 if speed == "fast" else 0.0)
    phase, moving = _gait_clock(ctx, n, T)
    return _gait(ctx, n, phase, moving, T, st, amp_k, imp_k * s["heel_strike"], p,
                 stride_m=_SPEED_MS[speed] * T,
                 lift_m=0.10, climb_m=0.0, hs_pitch=-18 * amp_k, to_pitch=55 * amp_k,
                 cop_path=((0.0, 25), (0.15, 55), (0.45, 110), (0.75, 175), (1.0, 225)))


def _gait(ctx, n, phase, moving, T, st, amp_k, hs_gain, p, stride_m, lift_m, climb_m, hs_pitch, to_pitch, cop_path,
          grf_peaks=(1.2, 1.17), impact_g=1.9):
    """Shared walking/stairs kinematics: pitch keypoints, swing trajectory, heel-strike pulse, GRF."""
    rng = ctx.rng
    pitch = _periodic_cos(phase, [(0.96, hs_pitch), (0.10, 0.0), (st * 0.66, 0.0), (st + 0.04, to_pitch)])
    roll = _periodic_cos(phase, [(0.0, 6.0), (0.15, -8.0), (st * 0.7, 0.0), (st, 10.0), (0.8, -3.0)]) * amp_k
    yaw = _periodic_cos(phase, [(0.0, 0.0), (0.4, 2.0), (0.8, -3.0)])
    ang = np.stack([yaw, pitch, roll], axis=1) * _soft(moving)[:, None]
    # swing: from heel-off (0.42) to heel strike (1.0): min-jerk forward, sin^2 lift
    a0 = st * 0.75
    tm = (1.0 - a0) * T
    u = np.where(phase >= a0, (phase - a0) / (1.0 - a0), -1.0)
    in_sw = (u >= 0) & moving
    uu = np.clip(u, 0, 1)
    ax = stride_m / tm ** 2 * (60 * uu - 180 * uu ** 2 + 120 * uu ** 3)
    az = lift_m / tm ** 2 * 2 * np.pi ** 2 * np.cos(2 * np.pi * uu) + climb_m / tm ** 2 * (60 * uu - 180 * uu ** 2 + 120 * uu ** 3)
    acc = np.zeros((n, 3))
    acc[:, 0] = np.where(in_sw, ax, 0.0) * MG_PER_MS2
    acc[:, 2] = np.where(in_sw, az, 0.0) * MG_PER_MS2
    # heel strike: phase wraps 1 -> 0 while moving
    hs = np.where(moving[1:] & moving[:-1] & (phase[1:] < phase[:-1]))[0] + 1
    for i in hs:
        a = 1000.0 * impact_g * hs_gain * ctx.frng.lognormal(0.0, 0.3)
        off = i - rng.uniform(0, 1)
        _kick(acc[:, 2], off, 3, a)
        _kick(acc[:, 0], off, 3, -0.5 * a)
        _kick(acc[:, 1], off, 3, 0.15 * a * rng.standard_normal())
        _kick(acc[:, 2], off + 9, 4, 0.25 * a)  # forefoot slap at foot flat
    # ground reaction force over stance u2 in [0,1]
    u2 = phase / st
    stance = (u2 <= 1.0)
    env = _mj(u2 / 0.12) * _mj((1.0 - u2) / 0.12)
    grf = env * (0.72 + (grf_peaks[0] - 0.72) * np.exp(-((u2 - 0.22) / 0.13) ** 2)
                 + (grf_peaks[1] - 0.72) * np.exp(-((u2 - 0.77) / 0.13) ** 2))
    load = np.where(stance, grf * ctx.bw, 0.0) + ctx.subj["swing_load_n"]
    cx = np.interp(np.clip(u2, 0, 1), [c[0] for c in cop_path], [c[1] for c in cop_path])
    cy = np.interp(np.clip(u2, 0, 1), [0.0, 0.3, 0.7, 1.0], [-5.0, -20.0, 0.0, 15.0])
    cop = np.stack([cx, cy], axis=1)
    # standing still before the first / after the last step: both feet share the weight
    idle = ~moving
    load[idle] = 0.5 * ctx.bw
    cop[idle] = (ctx.subj["stand_cop_mm"], -5.0)
    return Seg(ang, acc, load, cop, trans_s=float(p.get("trans", 0.5)))


def _stairs(ctx, n, p):
    s = ctx.subj
    up = p.get("dir", "up") == "up"
    T = s["cycle_s"] * rng_k(ctx, 1.15, 0.05)
    st = 0.64 if up else 0.60
    phase, moving = _gait_clock(ctx, n, T)
    if up:  # forefoot/midfoot contact, push-off, toes raised to clear the nosing
        return _gait(ctx, n, phase, moving, T, st, 0.7, 0.6 * s["heel_strike"], p, stride_m=0.56, lift_m=0.12,
                     climb_m=0.34, hs_pitch=-12, to_pitch=30,
                     cop_path=((0.0, 120), (0.3, 110), (0.7, 160), (1.0, 215)), grf_peaks=(1.1, 1.15), impact_g=1.3)
    seg = _gait(ctx, n, phase, moving, T, st, 0.7, s["heel_strike"], p, stride_m=0.56, lift_m=0.06, climb_m=-0.34,
                hs_pitch=20, to_pitch=25, cop_path=((0.0, 190), (0.25, 120), (0.7, 90), (1.0, 200)),
                grf_peaks=(1.4, 0.95), impact_g=2.0)
    return seg


def rng_k(ctx, mean, sd):
    return float(mean * (1.0 + sd * ctx.rng.standard_normal()))


def _ladder(ctx, n, p):
    """Ladder rungs: the rung under the midfoot (arch), each foot moves two rungs per cycle."""
    rng = ctx.rng
    up = p.get("dir", "up") == "up"
    T = rng_k(ctx, 1.7, 0.08)
    phase, moving = _gait_clock(ctx, n, T, jitter=0.08, offset=0.3)
    st = 0.62
    sw0 = st
    u = np.clip((phase - sw0) / (1 - sw0), 0, 1)
    in_sw = (phase >= sw0) & moving
    tm = (1 - sw0) * T
    rise = 0.6 if up else -0.6
    mjacc = (60 * u - 180 * u ** 2 + 120 * u ** 3) / tm ** 2
    acc = np.zeros((n, 3))
    acc[:, 2] = np.where(in_sw, rise * mjacc, 0.0) * MG_PER_MS2
    acc[:, 0] = np.where(in_sw, 0.12 * np.sin(2 * np.pi * u) * (2 * np.pi / tm) ** 2 / 4, 0.0) * MG_PER_MS2
    pitch = np.where(in_sw, (22 if up else 12) * np.sin(np.pi * u), 0.0) + 3.0 * np.sin(2 * np.pi * phase)
    ang = np.stack([np.zeros(n), pitch, 2.0 * np.sin(2 * np.pi * phase)], axis=1) * _soft(moving)[:, None]
    # foot placed on the rung: a small impact at the start of stance
    land = np.where(moving[1:] & (phase[1:] < phase[:-1]))[0] + 1
    for i in land:
        a = 1000.0 * rng.uniform(0.4, 1.0)
        _kick(acc[:, 2], i - rng.uniform(0, 1), 3, a)
    ust = np.clip(phase / st, 0, 1)
    env = _mj(ust / 0.1) * _mj((1 - ust) / 0.1)
    load = np.where(phase < st, env * ctx.bw * (0.55 + 0.35 * np.sin(np.pi * ust)), 0.0)  # hands carry some
    load = load * rng.uniform(0.8, 1.0) + ctx.subj["swing_load_n"]
    cop = np.tile([rng.uniform(100, 130), 0.0], (n, 1))
    idle = ~moving
    load[idle] = 0.5 * ctx.bw
    cop[idle] = (110.0, 0.0)
    return Seg(ang, acc, load, cop, trans_s=float(p.get("trans", 0.8)))


def _fidgets(ctx, n, every_s, pitch_deg, load_k, slide_mg=0.0):
    """Occasional small movements: returns (dpitch, droll, dacc, load_factor) over n samples."""
    rng = ctx.rng
    dp = np.zeros(n)
    dr = np.zeros(n)
    acc = np.zeros((n, 3))
    lf = np.ones(n)
    if every_s <= 0:
        return dp, dr, acc, lf
    t = rng.uniform(0.3, 1.0) * every_s
    total = n * DT
    while t < total - 1.0:
        dur = rng.uniform(0.6, 1.6)
        i0 = int(t * RATE_HZ)
        m = int(dur * RATE_HZ)
        k = np.arange(m)
        bump = np.sin(np.pi * k / m) ** 2
        j = slice(i0, min(n, i0 + m))
        L = j.stop - j.start
        dp[j] += rng.uniform(-1, 1) * pitch_deg * bump[:L]
        dr[j] += rng.uniform(-1, 1) * pitch_deg * 0.7 * bump[:L]
        lf[j] *= 1.0 + rng.uniform(-load_k, load_k) * bump[:L]
        if slide_mg:
            acc[j, 0] += rng.uniform(-1, 1) * slide_mg * np.sin(2 * np.pi * k / m)[:L]
            acc[j, 1] += rng.uniform(-1, 1) * slide_mg * np.sin(2 * np.pi * k / m)[:L]
        t += rng.uniform(0.5, 1.5) * every_s
    return dp, dr, acc, lf


def _posture(ctx, n, p, ang, load, cop, trans, lying=False, every=20.0, pitch=6.0, load_k=0.3, slide=0.0, sway=0.3):
    a, acc, ld, c = _still_pose(ctx, n, ang, load, cop, sway)
    every = float(p.get("fidget", every))
    dp, dr, dacc, lf = _fidgets(ctx, n, every, pitch, load_k, slide)
    a[:, 1] += dp
    a[:, 2] += dr
    return Seg(a, acc + dacc, ld * lf, c, lying=lying, trans_s=float(p.get("trans", trans)))


def _kneel(ctx, n, p):
    rng = ctx.rng
    style = p.get("style", "toes")
    if style == "toes":   # toes tucked on the floor, sole near vertical, load on the toes
        return _posture(ctx, n, p, (0, rng.uniform(65, 85), rng.uniform(-5, 5)), rng.uniform(0.08, 0.2) * ctx.bw,
                        (rng.uniform(205, 225), 0.0), 2.0, every=25.0, pitch=5.0)
    if style == "flat":   # instep on the floor, sole facing up, unloaded
        return _posture(ctx, n, p, (0, rng.uniform(155, 172), rng.uniform(-8, 8)), 0.0, (120, 0), 2.0, every=25.0)
    # half kneel, this foot in front: flat, loaded
    return _posture(ctx, n, p, (0, rng.uniform(-5, 8), 0), rng.uniform(0.2, 0.35) * ctx.bw, (rng.uniform(70, 120), 0), 2.0,
                    every=20.0)


def _squat(ctx, n, p):
    rng = ctx.rng
    heels_up = p.get("heels", "up" if rng.random() < 0.5 else "down") == "up"
    pitch = rng.uniform(15, 35) if heels_up else rng.uniform(-3, 5)
    cop = rng.uniform(170, 200) if heels_up else rng.uniform(110, 150)
    return _posture(ctx, n, p, (0, pitch, 0), 0.5 * ctx.bw, (cop, 0), 1.5, every=10.0, pitch=3.0, load_k=0.25, sway=0.6)


def _sit(ctx, n, p):
    rng = ctx.rng
    return _posture(ctx, n, p, (0, rng.uniform(-10, 4), rng.uniform(-4, 4)), rng.uniform(0.06, 0.15) * ctx.bw,
                    (rng.uniform(30, 90), 0), 1.5, every=15.0, pitch=10.0, load_k=0.6, slide=150.0)


def _lie_pose(ctx, pose):
    rng = ctx.rng
    if pose == "back":     # supine: toes up (feet fall outwards: a roll about the now vertical x axis)
        return np.array([0.0, -rng.uniform(75, 100), rng.uniform(-40, 40)])
    if pose == "front":    # prone, instep on the floor, sole facing up
        return np.array([0.0, rng.uniform(140, 170), rng.uniform(-15, 15)])
    if pose == "toes":     # prone with the toes tucked: sole vertical, toes down
        return np.array([0.0, rng.uniform(75, 95), rng.uniform(-10, 10)])
    if pose == "side":
        return np.array([0.0, rng.uniform(-20, 20), ctx.side_sign * rng.choice([-1, 1]) * rng.uniform(70, 100)])
    return np.array([0.0, rng.uniform(-5, 10), 0.0])   # knees_up: supine, knees bent, feet flat on the floor


def _lie(ctx, n, p):
    rng = ctx.rng
    pose = p.get("pose")
    move = float(p.get("move", 0.0))
    still = p.get("still", 1.0) and move <= 0
    keep = ctx.prev_lying and pose is None
    settle_s = float(p.get("settle", 0.0 if keep and ctx.prev_still else 1.0 if ctx.prev_lying else 2.0))
    if ctx.prev_lying and pose is None:
        ang = ctx.prev_ang.copy()
        down_s = 0.0
        loadv, cop = 0.0, (120.0, 0.0)
    else:
        pose = pose or "back"
        ang = _lie_pose(ctx, pose)
        down_s = 0.0 if ctx.prev_lying else float(p.get("down", 4.0))
        loadv = rng.uniform(0.05, 0.15) * ctx.bw if pose == "knees_up" else 0.0
        cop = (rng.uniform(40, 90), 0.0)
    a, acc, ld, c = _still_pose(ctx, n, ang, loadv, cop, sway=0.05)
    ld += rng.uniform(0, 4)   # shoe pressure on an unloaded insole
    if down_s > 0 and n > down_s * RATE_HZ:  # sit down first (feet flat, light), then lie back
        sit = np.array([0.0, rng.uniform(-10, 0), 0.0])
        kf = _keyframes(n, [(0, np.r_[ctx.prev_ang, ctx.prev_load]), (0.45 * down_s, np.r_[sit, 0.12 * ctx.bw]),
                            (down_s, np.r_[ang, ld[0]])])
        m = int(down_s * RATE_HZ)
        a[:m] = kf[:m, :3]
        ld[:m] = kf[:m, 3]
    settle = int((down_s + settle_s) * RATE_HZ)
    if move > 0:  # lying but working (e.g. under a vehicle): the feet shift every few seconds
        dp, dr, dacc, lf = _fidgets(ctx, n, 4.0 / move, 20.0, 0.5, 300.0)
        dp[:settle] = dr[:settle] = 0
        dacc[:settle] = 0
        a[:, 1] += dp
        a[:, 2] += dr
        acc += dacc
        ld *= lf
    else:  # settling movements, then only micro-motion
        m0 = int(down_s * RATE_HZ)
        dp, dr, dacc, lf = _fidgets(ctx, settle - m0 + 200, 0.8, 6.0, 0.0, 100.0)
        L = max(0, min(settle, n) - m0)
        a[m0:m0 + L, 1] += dp[:L]
        a[m0:m0 + L, 2] += dr[:L]
        acc[m0:m0 + L] += dacc[:L]
        if not p.get("still", 1.0):
            dp, dr, dacc, lf = _fidgets(ctx, n, 8.0, 10.0, 0.0, 150.0)
            a[settle:, 1] += dp[settle:]
            a[settle:, 2] += dr[settle:]
            acc[settle:] += dacc[settle:]
    seg = Seg(a, acc, ld, c, lying=(pose != "knees_up"), trans_s=0.3 if down_s else 1.0)
    if still and pose != "knees_up":
        seg.still_from = min(settle, n - 1)
        default_md = not ctx.prev_fall
        seg.man_down = bool(p.get("man_down", default_md))
    return seg


def _get_up(ctx, n, p):
    rng = ctx.rng
    D = n * DT
    ang0 = ctx.prev_ang
    # roll to sitting with the knees up (feet flat, light), to a squat, to standing
    kf = _keyframes(n, [(0, np.r_[ang0, ctx.prev_load, 120]),
                        (0.35 * D, np.r_[0, rng.uniform(-8, 2), 0, 0.1 * ctx.bw, 80]),
                        (0.7 * D, np.r_[0, rng.uniform(10, 25), 0, 0.45 * ctx.bw, 170]),
                        (D, np.r_[0, 0, 0, 0.5 * ctx.bw, ctx.subj["stand_cop_mm"]])])
    acc = np.zeros((n, 3))
    t = np.arange(n) * DT
    u = np.clip((t - 0.7 * D) / (0.3 * D), 0, 1)
    acc[:, 2] = np.where(u > 0, 400 * np.sin(2 * np.pi * u), 0.0)  # body rising over the feet
    cop = np.stack([kf[:, 4], np.zeros(n)], axis=1)
    return Seg(kf[:, :3], acc, kf[:, 3], cop, trans_s=0.0)


def _stamp(ctx, n, p):
    """Stamping mud off: lift the foot ~10 cm and strike the floor, 3-8 g, alternating feet."""
    rng = ctx.rng
    period = float(p.get("period", rng.uniform(0.6, 0.9)))
    a, acc, ld, cop = _still_pose(ctx, n, (0, 0, 0), 0.5 * ctx.bw, (ctx.subj["stand_cop_mm"], -5), 0.3)
    first = 0.5 if ctx.foot == "right" else 0.5 + period
    t = first
    while t + period < n * DT:
        i = int(t * RATE_HZ)
        m = int(0.55 * period * RATE_HZ)     # lift, then drive down
        k = np.arange(m)
        j = slice(i, min(n, i + m))
        L = j.stop - j.start
        lift = np.sin(np.pi * k / m)[:L]
        a[j, 1] += rng.uniform(5, 15) * lift
        acc[j, 2] += (0.10 * (2 * np.pi / (m * DT)) ** 2 / 2 * np.cos(2 * np.pi * k / m)[:L]) * MG_PER_MS2
        ld[j] = ctx.subj["swing_load_n"]
        hit = i + m - rng.uniform(0, 1)
        g = rng.uniform(3.0, 7.0)
        _kick(acc[:, 2], hit, 2, 1000 * g)
        _kick(acc[:, 0], hit, 2, 150 * g * rng.standard_normal())
        h = int(hit)
        r = slice(h, min(n, h + 30))
        ld[r] = ctx.bw * (0.5 + 0.8 * np.exp(-np.arange(r.stop - r.start) / 8.0))
        o = slice(min(n, i + int(period * RATE_HZ)), min(n, i + int(period * RATE_HZ) + m))
        ld[o] = ctx.bw        # the other foot stamps: this one carries the weight
        t += 2 * period
    return Seg(a, acc, ld, cop, trans_s=float(p.get("trans", 0.5)))


def _jump_down(ctx, n, p):
    """Jump down a step of height h: push-off, free fall sqrt(2h/g), land on the forefoot at 4-8 g."""
    rng = ctx.rng
    h = float(p.get("height", 0.4))
    a, acc, ld, cop = _still_pose(ctx, n, (0, 0, 0), 0.5 * ctx.bw, (ctx.subj["stand_cop_mm"], -5), 0.3)
    t0 = min(1.0, 0.3 * n * DT)
    i0 = int(t0 * RATE_HZ)
    crouch = int(0.35 * RATE_HZ)
    ld[i0 - crouch:i0] = ctx.bw * (0.5 + 0.4 * np.sin(np.pi * np.arange(crouch) / crouch))
    cop[i0 - crouch:i0, 0] = 170
    t_ff = math.sqrt(2 * h / G) + 0.08
    m = int(t_ff * RATE_HZ)
    fl = slice(i0, i0 + m)
    acc[fl, 2] = -1000.0                      # free fall: the accelerometer reads about 0 g
    ld[fl] = ctx.subj["swing_load_n"] * 0.5
    k = np.arange(m)
    a[fl, 1] += rng.uniform(10, 25) * np.sin(np.pi * k / m)   # toes pointed down for landing
    land = i0 + m
    g = rng.uniform(4.0, 8.0)
    _kick(acc[:, 2], land - rng.uniform(0, 1), 3, 1000 * g)
    _kick(acc[:, 0], land, 3, -250 * g)
    r = slice(land, min(n, land + 60))
    kk = np.arange(r.stop - r.start)
    ld[r] = ctx.bw * (0.5 + 0.9 * np.exp(-kk / 12.0))
    cop[r, 0] = np.interp(kk, [0, 15, 60], [190, 120, ctx.subj["stand_cop_mm"]])
    return Seg(a, acc, ld, cop, trans_s=float(p.get("trans", 0.5)))


def _fall(ctx, n, p, kind):
    """Loss of balance, rotation of the foot/leg, impact of the body (1.5-4 g at the foot), then lying."""
    rng = ctx.rng
    t_lob = rng.uniform(0.2, 0.4)                       # loss of balance
    t_rot = float(p.get("rotation", rng.uniform(0.6, 1.0)))
    i_lob = int(t_lob * RATE_HZ)
    i_imp = int((t_lob + t_rot) * RATE_HZ)
    if i_imp + 50 > n:
        raise ScenarioError("%s needs at least %.1f s" % (kind, (i_imp + 50) * DT))
    start = np.array([0.0, 0.0, 0.0])
    if kind == "fall_forward":
        end = np.array([rng.uniform(-15, 15), rng.uniform(120, 170) if rng.random() < 0.7 else rng.uniform(80, 95),
                        rng.uniform(-15, 15)])
    elif kind == "fall_backward":
        end = np.array([rng.uniform(-20, 20), -rng.uniform(70, 100), rng.uniform(-30, 30)])
    else:
        side = p.get("side", "left")
        sgn = (-1.0 if side == "left" else 1.0) * ctx.side_sign   # falling left rolls +z toward +y
        end = np.array([rng.uniform(-20, 20), rng.uniform(-20, 20), sgn * rng.uniform(70, 100)])
    t = np.arange(n) * DT
    u = np.clip((t - t_lob) / t_rot, 0, 1)
    s = 1.0 - np.cos(0.5 * np.pi * u)                  # accelerating, like a toppling body
    ang = start + (end - start) * s[:, None]
    acc = np.zeros((n, 3))
    # stumble: the foot is stopped or slips
    if kind == "fall_backward":
        k = np.arange(n) - i_lob
        acc[:, 0] += np.where((k >= 0) & (k < 20), 1200 * np.sin(np.pi * np.clip(k, 0, 20) / 20), 0.0)
    else:
        _kick(acc[:, 0], i_lob - rng.uniform(0, 1), 3, -rng.uniform(600, 1200))
    g = float(p.get("impact", rng.uniform(1.5, 4.0)))
    _kick(acc[:, 2], i_imp - rng.uniform(0, 1), 3, 1000 * g)
    _kick(acc[:, 0], i_imp, 3, 300 * g * rng.standard_normal())
    _kick(acc[:, 1], i_imp, 3, 300 * g * rng.standard_normal())
    _kick(acc[:, 2], i_imp + 15, 4, 250 * g)       # rebound
    # settling after the impact: the leg bounces a few degrees
    k = np.clip(np.arange(n) - i_imp, 0, None)
    ring = np.where(np.arange(n) > i_imp, np.exp(-k / 25.0) * np.sin(2 * np.pi * k / 40.0), 0.0)
    ang[:, 1] += 6.0 * ring
    ang[:, 2] += 4.0 * ring
    load = 0.5 * ctx.bw * (1.0 - _mj(u / 0.6)) + rng.uniform(0, 4)
    if kind == "fall_forward":
        cop = np.stack([np.interp(u, [0, 0.5], [ctx.subj["stand_cop_mm"], 210]), np.zeros(n)], axis=1)
    else:
        cop = np.stack([np.interp(u, [0, 0.5], [ctx.subj["stand_cop_mm"], 20]), np.zeros(n)], axis=1)
    return Seg(ang, acc, load, cop, lying=True, trans_s=0.3, impacts=[i_imp])


def _fall_from_height(ctx, n, p):
    """Loss of footing at height h: free fall sqrt(2h/g) with tumbling, landing 6-16 g, then lying."""
    rng = ctx.rng
    h = float(p.get("height", 2.0))
    t_ff = math.sqrt(2 * h / G)
    i0 = int(rng.uniform(0.2, 0.4) * RATE_HZ)
    m = int(t_ff * RATE_HZ)
    i_imp = i0 + m
    if i_imp + 80 > n:
        raise ScenarioError("fall_from_height needs at least %.1f s" % ((i_imp + 80) * DT))
    t = np.arange(n) * DT
    end = _lie_pose(ctx, rng.choice(["back", "side"]))
    u = np.clip((np.arange(n) - i0) / m, 0, 1)
    tumble = np.array([rng.uniform(-30, 30), rng.uniform(-60, 60), rng.uniform(-40, 40)])
    ang = tumble * np.sin(0.5 * np.pi * u)[:, None]
    v = np.clip((np.arange(n) - i_imp) / 40.0, 0, 1)   # collapse after landing feet first
    ang = ang * (1 - _mj(v))[:, None] + end * _mj(v)[:, None]
    acc = np.zeros((n, 3))
    acc[i0:i_imp, 2] = -1000.0
    g = float(p.get("impact", rng.uniform(8.0, 16.0)))
    _kick(acc[:, 2], i_imp - rng.uniform(0, 1), 3, 1000 * g)
    _kick(acc[:, 0], i_imp, 3, 250 * g * rng.standard_normal())
    _kick(acc[:, 2], i_imp + 40, 4, 1000 * rng.uniform(1.0, 2.5))  # body hits the ground
    load = np.where(np.arange(n) < i0, 0.5 * ctx.bw, 0.0) + rng.uniform(0, 4)
    k = np.arange(n) - i_imp
    load += np.where((k >= 0) & (k < 40), ctx.bw * 1.5 * np.exp(-np.clip(k, 0, 40) / 8.0), 0.0)
    cop = np.tile([110.0, 0.0], (n, 1))
    return Seg(ang, acc, load, cop, lying=True, trans_s=0.3, impacts=[i_imp])


def _collapse(ctx, n, p):
    """Slow collapse (faint): sink to the knees and onto the side over 2-5 s, little impact."""
    rng = ctx.rng
    over = float(p.get("over", rng.uniform(2.0, 5.0)))
    settle = float(p.get("settle", 2.0))
    end = _lie_pose(ctx, rng.choice(["side", "front", "back"]))
    mid = np.array([0.0, rng.uniform(30, 50), 0.0])   # knees buckle, heels rise
    kf = _keyframes(n, [(0, np.r_[ctx.prev_ang, 0.5 * ctx.bw]), (0.5 * over, np.r_[mid, 0.4 * ctx.bw]),
                        (over, np.r_[end, 0.0])])
    acc = np.zeros((n, 3))
    _kick(acc[:, 2], over * RATE_HZ, 4, rng.uniform(200, 500))
    load = kf[:, 3] + rng.uniform(0, 4)
    cop = np.tile([150.0, 0.0], (n, 1))
    seg = Seg(kf[:, :3], acc, load, cop, lying=True, trans_s=0.0)
    seg.still_from = min(n - 1, int((over + settle) * RATE_HZ))
    seg.man_down = True
    return seg


@dataclass
class Activity:
    func: object
    keys: dict
    min_s: float
    summary: str
    fall: bool = False


ACTIVITIES = {
    "stand": Activity(_stand, {"share": None, "trans": None}, 0.5, "standing, weight on both feet, postural sway"),
    "walk": Activity(_walk, {"speed": ("slow", "normal", "fast"), "trans": None}, 1.0, "level walking"),
    "stairs": Activity(_stairs, {"dir": ("up", "down"), "trans": None}, 1.0, "stairs, two risers per stride"),
    "ladder": Activity(_ladder, {"dir": ("up", "down"), "trans": None}, 2.0, "ladder, rung under the arch"),
    "kneel": Activity(_kneel, {"style": ("toes", "flat", "half"), "fidget": None, "trans": None}, 2.0, "kneeling"),
    "squat": Activity(_squat, {"heels": ("up", "down"), "fidget": None, "trans": None}, 1.5, "squatting"),
    "sit": Activity(_sit, {"fidget": None, "trans": None}, 1.5, "sitting, feet on the floor"),
    "lie": Activity(_lie, {"pose": ("back", "front", "side", "toes", "knees_up"), "still": None, "move": None,
                           "settle": None, "down": None, "man_down": None}, 1.0, "lying"),
    "get_up": Activity(_get_up, {}, 2.0, "getting up from the floor"),
    "stamp": Activity(_stamp, {"period": None, "trans": None}, 2.0, "stamping mud off the boots"),
    "jump_down": Activity(_jump_down, {"height": None, "trans": None}, 2.0, "jumping down a step"),
    "fall_forward": Activity(lambda c, n, p: _fall(c, n, p, "fall_forward"), {"impact": None, "rotation": None}, 2.0,
                             "trip, fall forward, prone", fall=True),
    "fall_backward": Activity(lambda c, n, p: _fall(c, n, p, "fall_backward"), {"impact": None, "rotation": None}, 2.0,
                              "slip, fall backward, supine", fall=True),
    "fall_sideways": Activity(lambda c, n, p: _fall(c, n, p, "fall_sideways"),
                              {"side": ("left", "right"), "impact": None, "rotation": None}, 2.0, "fall to the side", fall=True),
    "fall_from_height": Activity(_fall_from_height, {"height": None, "impact": None}, 2.0,
                                 "fall from a ladder or platform", fall=True),
    "collapse": Activity(_collapse, {"over": None, "settle": None}, 3.0, "slow collapse (faint), little impact"),
}


# ---------------------------------------------------------------------------
# Sensor model

def _rot(ang_deg):
    """Rotation matrices (n, 3, 3), R = Rz(yaw) Ry(pitch) Rx(roll), body -> world."""
    ps, th, ph = (np.radians(ang_deg[:, i]) for i in range(3))
    cps, sps, cth, sth, cph, sph = np.cos(ps), np.sin(ps), np.cos(th), np.sin(th), np.cos(ph), np.sin(ph)
    R = np.empty((len(ps), 3, 3))
    R[:, 0, 0] = cps * cth
    R[:, 0, 1] = cps * sth * sph - sps * cph
    R[:, 0, 2] = cps * sth * cph + sps * sph
    R[:, 1, 0] = sps * cth
    R[:, 1, 1] = sps * sth * sph + cps * cph
    R[:, 1, 2] = sps * sth * cph - cps * sph
    R[:, 2, 0] = -sth
    R[:, 2, 1] = cth * sph
    R[:, 2, 2] = cth * cph
    return R


def _body_rates(ang_deg):
    """Body angular rate (n, 3) deg/s from ZYX Euler angles (deg) sampled at RATE_HZ."""
    d = np.gradient(ang_deg, DT, axis=0)
    dps, dth, dph = d[:, 0], d[:, 1], d[:, 2]
    th, ph = np.radians(ang_deg[:, 1]), np.radians(ang_deg[:, 2])
    p = dph - dps * np.sin(th)
    q = dth * np.cos(ph) + dps * np.cos(th) * np.sin(ph)
    r = -dth * np.sin(ph) + dps * np.cos(th) * np.cos(ph)
    return np.stack([p, q, r], axis=1)


def _foam_lag(loads, tau_samples=3.0):
    """First-order lag of the insole foam / FSRs (exponential FIR, unity gain)."""
    k = np.exp(-np.arange(int(5 * tau_samples) + 1) / tau_samples)
    k /= k.sum()
    out = np.empty_like(loads)
    for j in range(loads.shape[1]):
        pad = np.concatenate([np.full(len(k) - 1, loads[0, j]), loads[:, j]])
        out[:, j] = np.convolve(pad, k, mode="valid")
    return out


def _sensors(rng, subj, ang, acc_w, loads, foot):
    """Foot pose + world acceleration (mg) + zone loads -> int16 imu (n, 6), loads (n, 8)."""
    n = len(ang)
    R = _rot(ang)
    mount = _rot(np.array([[0.0, subj["shoe_tilt_deg"], 0.0]]))[0]   # insole toes-down in the shoe
    Rs = R @ mount
    f_w = acc_w + np.array([0.0, 0.0, 1000.0])
    f_b = (Rs * f_w[:, :, None]).sum(axis=1)     # R^T f per sample
    w_b = _body_rates(ang) @ mount        # foot rates expressed in the insole frame (mount^T w)
    gyro = w_b * 10.0
    f_b += np.array(subj["acc_offset_mg"]) + ACC_NOISE_MG * rng.standard_normal((n, 3))
    gyro += np.array(subj["gyro_offset_ddps"]) + GYRO_NOISE_DDPS * rng.standard_normal((n, 3))
    if foot == "left":  # mirror the sagittal plane: ay flips; the axial rates gx, gz flip
        f_b[:, 1] *= -1
        gyro[:, 0] *= -1
        gyro[:, 2] *= -1
    f_b = np.rint(f_b / ACC_LSB_MG) * ACC_LSB_MG
    gyro = np.rint(gyro / GYRO_LSB_DDPS) * GYRO_LSB_DDPS
    imu = np.hstack([np.clip(np.rint(f_b), -ACC_LIMIT_MG, ACC_LIMIT_MG),
                     np.clip(np.rint(gyro), -GYRO_LIMIT_DDPS, GYRO_LIMIT_DDPS)]).astype(np.int16)
    ld = _foam_lag(loads)
    ld = ld * (1.0 + 0.01 * rng.standard_normal(ld.shape)) + 0.5 * rng.standard_normal(ld.shape)
    ld = np.clip(np.rint(ld), 0, LOAD_LIMIT_N).astype(np.int16)
    return imu, ld


# ---------------------------------------------------------------------------
# Generation

FALL_PRE_MS = 1500
# A man-down window is labelled only when the stillness lasts this long: the
# target recognition time (DESIGN.md: man-down recognised <= 60 s).
MAN_DOWN_MIN_MS = 60000
FALL_POST_MS = 10000


def generate(script: Script, seed: int = 0, foot: str = "right", mass_kg: float = 75.0) -> Trace:
    """Generate the trace of one insole for ``script``; deterministic for (script, seed, foot, mass).

    Both feet of one seed share the subject, the timing and the poses (the
    walk of the left foot lags half a cycle). Raises ScenarioError.
    """
    if foot not in ("left", "right"):
        raise ScenarioError("foot must be left or right, not %r" % (foot,))
    if not (20.0 <= mass_kg <= 250.0):
        raise ScenarioError("body mass %g kg outside 20..250 kg" % mass_kg)
    ss = np.random.SeedSequence([int(seed), 0x5013])
    subj = draw_subject(np.random.default_rng(ss.spawn(1)[0]), mass_kg)
    seg_rngs = ss.spawn(len(script.steps) + 2)[1:]
    ctx = Ctx(rng=None, subj=subj, foot=foot, prev_ang=np.zeros(3), prev_load=0.5 * mass_kg * G * subj["insole_gain"],
              prev_cop=np.array([subj["stand_cop_mm"], -5.0]), prev_lying=False, prev_fall=False)
    angs, accs, loads, cops = [], [], [], []
    segments, falls, man_down = [], [], []
    t0 = 0
    has_fall = False
    for k, step in enumerate(script.steps):
        n = int(round(step.seconds * RATE_HZ))
        ctx.rng = np.random.default_rng(seg_rngs[k])
        ctx.frng = np.random.default_rng([int(seed), k, 1 if foot == "right" else 2])
        try:
            seg = ACTIVITIES[step.activity].func(ctx, n, step.params)
        except ScenarioError as e:
            raise ScenarioError("%s:%d: %s" % (script.source, step.line, e)) from None
        ang, ld, cop = seg.ang.copy(), seg.load.copy(), seg.cop.copy()
        m = min(n, int(seg.trans_s * RATE_HZ))
        if k > 0 and m > 0:  # blend from the previous end state
            w = (1.0 - _mj(np.arange(m) / m))[:, None]
            ang[:m] += (ctx.prev_ang - ang[0]) * w
            ld[:m] += (ctx.prev_load - ld[0]) * w[:, 0]
            cop[:m] += (ctx.prev_cop - cop[0]) * w
        angs.append(ang)
        accs.append(seg.acc)
        loads.append(ld)
        cops.append(cop)
        segments.append({"start_ms": t0 * 10, "end_ms": (t0 + n) * 10, "activity": step.activity})
        for i in seg.impacts:
            imp = (t0 + i) * 10
            falls.append({"impact_ms": imp, "impact_derived": False, "start_ms": max(0, imp - FALL_PRE_MS),
                          "end_ms": imp + FALL_POST_MS})
        if ACTIVITIES[step.activity].fall:
            has_fall = True
        if step.activity == "collapse":
            has_fall = True
        if seg.man_down and seg.still_from is not None:
            start = (t0 + seg.still_from) * 10
            if man_down and man_down[-1]["end_ms"] == start:   # stillness going on from the last segment
                man_down[-1]["end_ms"] = (t0 + n) * 10
            else:
                man_down.append({"start_ms": start, "end_ms": (t0 + n) * 10})
        ctx.prev_ang = ang[-1].copy()
        ctx.prev_load = float(ld[-1])
        ctx.prev_cop = cop[-1].copy()
        ctx.prev_fall = ACTIVITIES[step.activity].fall or (ctx.prev_fall and step.activity == "lie" and seg.lying)
        ctx.prev_lying = seg.lying
        ctx.prev_still = seg.still_from is not None
        t0 += n
    man_down = [w for w in man_down if w["end_ms"] - w["start_ms"] >= MAN_DOWN_MIN_MS]
    for f in falls:  # as the importers: a fall's window ends with the samples (trace.read refuses labels past them)
        f["end_ms"] = min(f["end_ms"], t0 * 10)
    ang = np.vstack(angs)
    acc = np.vstack(accs)
    load = np.concatenate(loads)
    cop = np.vstack(cops)
    zl = distribute(load, cop[:, 0], cop[:, 1])
    imu, zl = _sensors(np.random.default_rng([int(seed), 0x5E45, 1 if foot == "right" else 2]), subj, ang, acc, zl, foot)
    n_total = len(ang)
    meta = {
        "name": "%s_s%d_%s" % (script.name, seed, foot),
        "dataset": "synthetic",
        "source_file": script.source,
        "source_sha256": hashlib.sha256(script.text.encode("utf-8")).hexdigest(),
        "citation": "soleguard scenario generator v%d (sim/scenario.py, model in docs/SCENARIOS.md)" % VERSION,
        "subject": "synthetic-s%d" % seed,
        "activity": script.name,
        "kind": "fall" if has_fall else "adl",
        "placement": "insole",
        "foot": foot,
        "rate_hz": RATE_HZ,
        "axes": "native insole axes (generated): x toes, y left, z up; insole pitched %.1f deg toes-down in the shoe"
                % subj["shoe_tilt_deg"],
        "zones": zones_for(foot),
        "labels": {"falls": falls, "segments": segments, "sos": [], "man_down": man_down},
        "repairs": [],
        "notes": "synthetic: scored separately from real recordings (docs/SCENARIOS.md)",
        "generator": {"version": VERSION, "seed": int(seed), "mass_kg": float(mass_kg), "subject": subj},
    }
    tr = Trace(meta, np.arange(n_total, dtype=np.int64) * 10, imu, zl)
    tr.validate(script.source)
    return tr
