"""Blind foot-to-foot strike model: an SOS check built without the project's own tap model.

A worker raises a silent SOS by striking the RIGHT foot's medial side against the LEFT
foot 3 (sometimes 4-5) times. This module models both insoles from impact mechanics and
ADDS the gesture's signals to real host recordings (standing or walking), so a detector
tuned to its authors' strike model can be checked against an independent one.

Physics (per strike), world frame, then rotated into each insole's axes
(x toes, y wearer's left, z up; mg / 0.1 dps / N as docs/TRACE_FORMAT.md):

* right foot (striker): lift-off (zones unload, foot rises h and tilts), swing-in along
  the impact axis (quintic position profile between strikes: rest -> v_impact, rebound ->
  v_impact), impact, rebound, return and set-down (a small vertical floor impact, zones
  reload);
* contact: nonlinear viscoelastic contact F = k d^p (1 + 8(1-e)/(5e) d'/v0)
  (Flores et al. 2011, Nonlinear Dyn 63:217-230, valid for 0 < e <= 1; Hunt & Crossley
  1975, J Appl Mech 42:440-445), integrated at 20 kHz between the striking foot (mass
  m_r, free during the ~10-40 ms contact) and the struck foot (mass m_l; when loaded it is
  held to the floor by a sole/floor shear spring k_g with damping and Coulomb friction
  mu*N). Newton's third law: the struck foot gets the opposite impulse at the same time;
  its acceleration is smaller when it is loaded (the floor takes part of the impulse);
* angular impulse: the off-centre contact (medial edge, forefoot/midfoot) gives
  dw = I^-1 (r x J), arrested by the leg with time constant tau_rot; the struck foot gets
  r_l x (-J) at its own medial edge, scaled by left_rot_gain and arrested faster
  (tau_rot_left) when it is loaded (floor friction and the body weight on the sole);
* soft-tissue / shoe ringing after the impact: damped oscillation 10-40 Hz
  (Wakeling & Nigg 2001, J Appl Physiol 90:412-420: soft-tissue vibration 10-50 Hz after
  heel strike);
* IMU: LSM6DSO (datasheet DS12140): accelerometer LPF1 bandwidth ODR/2 (LPF2 down to
  ODR/4 and below), gyroscope LPF1 of similar order; modelled as a 2nd-order Butterworth
  at aa_frac*ODR, sampled at ODR 52/104/208 Hz with a random phase, then put on the 100 Hz
  trace grid as the importers do (linear interpolation; 208 Hz first a pair mean,
  sim/importers/common.py boxcar), added to the host and clipped to the +-16 g / +-2000 dps
  full scales.

Look-alikes (negatives): kicks and knock_mud use the same contact physics; the floor kinds
(hop_one, hop_both, jump_down, run, stamp) use ballistic flight (world acceleration -g, so the
IMU reads ~0 g; flight time 2 v / g for landing speed v = sqrt(2 g h)), landings stopped within a
stop distance d (half-sine deceleration: duration 2 d / v, peak pi v^2 / (4 d), impulse m v), the
ground reaction on the zones (stance impulse = momentum change + weight x time) and the foot's
pitch through take-off, touchdown and foot-flat. Checked against UMAFall's real hopping and
jogging (docs/BLIND_STRIKES.md).

Walking hosts (version 2, ``walking_host``): a foot cannot go on walking and strike at the
same time, and the struck foot must stand. So on a walking window the host's gait is ended by a
planned stop (gait termination: the leading foot's stopping step, the trailing foot's closing
step beside it; Jaeger & Vanitchatchavan 1992, Sparrow & Tirosh 2005): each foot keeps its own
recorded gait up to its last foot-flat, then turns into that host's own standing state (its
foot-flat attitude and sensor noise, half its single-support load); the body comes to rest
within halt_ms of the last contact (Ohm & Hahn 2016), stands settle_ms, and only then does the
gesture start. Afterwards the host either stands on or walks on (gait re-initiation: a weight
shift of apa_ms, then the host's own gait resumes where it stopped). No variant without a
full stop: the gesture keeps the right foot off the floor >= 1.1 s, while a walker's single
support lasts < 0.5 s (the body, still moving forward, must be caught by the next step).

Parameter ranges and sources: ``SPACE`` and ``LOOK_SPACE`` (name -> (low, high, unit, source))
and docs/BLIND_STRIKES.md. What is not modelled: see that document.
"""
from __future__ import annotations

import copy
import hashlib
import math
from dataclasses import asdict, dataclass, field

import numpy as np

from .filters import butter2
from .trace import ACC_LIMIT_MG, DT_MS, GYRO_LIMIT_DDPS, LOAD_LIMIT_N, Trace, crop_labels

G = 9.80665
D_REF = 0.005  # m: k is the secant stiffness at 5 mm deflection, whatever the exponent p
FS = 2000.0  # Hz, gesture synthesis rate (contacts are integrated at 20 kHz inside)
VERSION = 2  # 2: walking hosts stop before the gesture (walking_host); standing hosts as version 1

_WINTER = "Winter, Biomechanics and Motor Control of Human Movement, 4th ed. 2009, Table 4.1"
_DELEVA = "de Leva 1996, J Biomech 29:1223-1230 (foot 1.37 % body mass, radii of gyration)"
_BOOT = "safety boots EN ISO 20345 S3, catalogue masses 0.5-1.0 kg per boot (assumption, no paper)"
_AERTS = ("Aerts & De Clercq 1993, J Sports Sci 11:449-461 (shod heel stiffness ~100-300 kN/m); "
          "shoe upper is softer (assumption: 10-80 kN/m)")
_SHORTEN = "Shorten 1993, J Biomech 26 S1:41-51 (midsole energy return 60-80 %); leather upper lower"
_BRIEF = "project brief (gesture specification, from observation of the gesture)"
_FLORES = "Flores et al. 2011, Nonlinear Dyn 63:217-230 (exponent 1 foam .. 1.5 Hertz)"
_WAKELING = "Wakeling & Nigg 2001, J Appl Physiol 90:412-420 (soft-tissue vibration 10-50 Hz)"
_DS = "ST LSM6DSO datasheet DS12140 (ODR 52/104/208 Hz; LPF1 ODR/2, LPF2 ODR/4 and below)"
_TURN = "Rosenbaum et al. 1994 / Chang et al. 2007: foot progression (toe-out) angle 5-20 deg"
_FRIC = "Chang et al. 2001, Ergonomics 44:1217 (shoe-floor static friction 0.3-0.9, dry)"
_JAEGER = ("Jaeger & Vanitchatchavan 1992, J Biomech 25:1233-1236 (planned gait termination: braking by "
           "the leading limb, reduced push-off of the trailing one, brought alongside); Sparrow & Tirosh "
           "2005, Gait Posture 22:362-371 (review)")
_OHM = ("Ohm & Hahn 2016, J Appl Biomech 32:343-349, doi 10.1123/jab.2015-0188 (stops in 1 or 2 steps; "
        "final heel strike to the centre of mass at rest 0.96 +- 0.33 s in 2-step, 1.41 +- 0.42 s in "
        "1-step stops; range = mean +- 1 SD); Bishop et al. 2004, Gait Posture 20:134-139 "
        "(faster walking needs an earlier decision to stop in one step)")
_YIOU = ("Yiou et al. 2017, World J Orthop 8:815-828 (review of gait initiation: anticipatory postural "
         "adjustments ~0.4-0.6 s before swing heel-off); Jian et al. 1993, Gait Posture 1:9-22")

# name -> (low, high, unit, source)
SPACE = {
    "body_mass_kg": (50.0, 120.0, "kg", "working population, ISO 7250 range"),
    "m_right_kg": (1.5, 4.0, "kg", "foot+boot+part of shank: " + _DELEVA + "; " + _BOOT),
    "m_left_kg": (1.5, 4.0, "kg", "as m_right_kg"),
    "k_contact_n_m": (10e3, 80e3, "N/m", _AERTS),
    "p_contact": (1.0, 1.5, "-", _FLORES),
    "restitution": (0.3, 0.8, "-", _SHORTEN),
    "v_impact_m_s": (0.3, 1.2, "m/s", _BRIEF),
    "interval_ms": (250.0, 650.0, "ms", _BRIEF + " (extremes 150-1000 ms)"),
    "n_strikes": (3, 5, "-", _BRIEF),
    "cone_deg": (0.0, 45.0, "deg", _BRIEF + ": impact axis within 45 deg of medio-lateral"),
    "vertical_share": (0.0, 0.5, "-", _BRIEF),
    "forward_share": (-0.3, 0.3, "-", _BRIEF),
    "toe_out_right_deg": (5.0, 20.0, "deg", _TURN),
    "toe_out_left_deg": (5.0, 20.0, "deg", _TURN),
    "left_loaded": (0, 1, "-", "standing on the left foot while tapping (loaded, 80 % of draws) or not: assumption"),
    "swing_in_ms": (200.0, 450.0, "ms", "swing toward the other foot before the first strike, assumption"),
    "k_ground_n_m": (50e3, 300e3, "N/m", "sole/floor shear stiffness, assumption"),
    "mu_floor": (0.3, 0.9, "-", _FRIC),
    "lift_ms": (150.0, 400.0, "ms", "weight shift and toe-off, assumption from gait initiation"),
    "lift_height_m": (0.02, 0.08, "m", "assumption (clearance of the other boot)"),
    "tilt_pitch_deg": (-20.0, 10.0, "deg", "foot attitude in the air, assumption"),
    "tilt_roll_deg": (-25.0, 10.0, "deg", _BRIEF + " (rolling)"),
    "setdown_v_m_s": (0.1, 0.4, "m/s", "assumption (a foot lowered, not stamped)"),
    "contact_x_m": (-0.02, 0.10, "m", "contact point ahead of the IMU/centre of mass (forefoot/midfoot)"),
    "inertia_kgm2": (0.015, 0.050, "kg m^2", _DELEVA + " plus boot and leg coupling (assumption)"),
    "tau_rot_ms": (30.0, 90.0, "ms", "ankle/leg arrest of the foot rotation, assumption"),
    "contact_x_left_m": (-0.02, 0.10, "m", "where the strike lands on the struck foot, ahead of its centre "
                         "(feet side by side: as contact_x_m)"),
    "inertia_left_kgm2": (0.015, 0.050, "kg m^2", "as inertia_kgm2"),
    "left_rot_gain": (0.2, 0.6, "-", "physics: a loaded sole pressed by ~0.5 body weight with friction mu 0.3-0.9 "
                      "(Chang et al. 2001) resists the moment; share left to the shoe/soft-tissue compliance, "
                      "assumption (1 when unloaded)"),
    "tau_rot_left_ms": (15.0, 40.0, "ms", "loaded foot: rotation arrested by the floor within a contact or two, "
                        "assumption (unloaded: tau_rot_ms)"),
    "ring_hz": (10.0, 40.0, "Hz", _WAKELING),
    "ring_zeta": (0.2, 0.5, "-", _WAKELING),
    "ring_gain": (0.0, 0.3, "-", _WAKELING + " (share of the impact peak)"),
    "odr_hz": (52, 208, "Hz", _DS + " (one of 52, 104, 208)"),
    "aa_frac": (0.25, 0.5, "x ODR", _DS),
    "pre_ms": (2000.0, 4000.0, "ms", "host before the gesture"),
    "post_ms": (2000.0, 4000.0, "ms", "host after the gesture"),
    # walking hosts only (version 2, walking_host): the stop before the gesture, the restart after it
    "closing_right": (0, 1, "-", "which foot makes the closing step of the stop, the other one being the "
                      "stopping (leading) foot: either, 50 % (assumption; " + _JAEGER + ")"),
    "halt_ms": (600.0, 1800.0, "ms", "last foot contact of the stop to the body at rest: " + _OHM),
    "settle_ms": (0.0, 1000.0, "ms", "quiet standing from rest to the gesture's lift-off: assumption "
                  "(a planned stop: the worker decided to raise the SOS before stopping)"),
    "resume": (0, 1, "-", "walks on after the gesture (50 %) or stands on: assumption"),
    "restart_ms": (600.0, 2500.0, "ms", "set-down to the first step of the restarted gait, the weight "
                   "shift (apa_ms) included: " + _YIOU + " for its lower end; the wait is an assumption"),
    "apa_ms": (350.0, 600.0, "ms", "gait initiation's anticipatory weight shift before the first "
               "toe-off: " + _YIOU),
}
ODRS = (52, 104, 208)


@dataclass
class BlindParams:
    """One gesture (or look-alike). Vectors: unit impact directions on the striker, in the
    striker's insole axes. ``target``: 'foot' (other foot), 'floor', 'wall'.
    ``striker``: 'right', 'left' or 'both' (floor impacts of both feet)."""

    kind: str = "sos"
    striker: str = "right"
    target: str = "foot"
    body_mass_kg: float = 80.0
    m_right_kg: float = 2.5
    m_left_kg: float = 2.5
    k_contact_n_m: float = 40e3
    p_contact: float = 1.0
    restitution: float = 0.5
    intervals_ms: list = field(default_factory=lambda: [400.0, 400.0])
    v_impact_m_s: list = field(default_factory=lambda: [0.8, 0.8, 0.8])
    directions: list = field(default_factory=lambda: [[0.0, -1.0, 0.0]] * 3)
    toe_out_right_deg: float = 10.0
    toe_out_left_deg: float = 10.0
    left_loaded: int = 1
    k_ground_n_m: float = 150e3
    mu_floor: float = 0.6
    lift_ms: float = 250.0
    lift_height_m: float = 0.04
    tilt_pitch_deg: float = -5.0
    tilt_roll_deg: float = -10.0
    setdown_v_m_s: float = 0.2
    contact_x_m: float = 0.05
    inertia_kgm2: float = 0.03
    tau_rot_ms: float = 50.0
    contact_x_left_m: float = 0.05
    inertia_left_kgm2: float = 0.03
    left_rot_gain: float = 0.4
    tau_rot_left_ms: float = 25.0
    ring_hz: float = 20.0
    ring_zeta: float = 0.3
    ring_gain: float = 0.15
    odr_hz: int = 104
    aa_frac: float = 0.5
    odr_phase: float = 0.0
    pre_ms: float = 3000.0
    post_ms: float = 3000.0
    swing_in_ms: float = 300.0
    # walking hosts (version 2): the stop before the gesture and the restart after it (SPACE)
    closing_right: int = 1
    halt_ms: float = 1000.0
    settle_ms: float = 500.0
    resume: int = 1
    restart_ms: float = 1200.0
    apa_ms: float = 450.0
    # floor look-alikes (LOOK_SPACE): landing stop distance, attitudes, hop/run/jump figures
    stop_mm: float = 40.0
    land_pitch_deg: float = 15.0
    push_ms: float = 80.0
    flat_ms: float = 80.0
    hold_pitch_deg: float = 40.0
    foot_lag_ms: float = 0.0
    drop_height_m: float = 0.3
    takeoff_v_m_s: float = 0.2
    cadence_hz: float = 2.8
    run_speed_m_s: float = 3.0
    contact_ms: float = 250.0
    strike_fwd_m_s: float = 0.6
    m_leg_kg: float = 8.0

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def n_strikes(self) -> int:
        return len(self.v_impact_m_s)

    def onsets_ms(self) -> list:
        """Impact onsets relative to the gesture start (lift-off onset), ms."""
        t = self.lift_ms + self.swing_in_ms
        out = [t]
        for d in self.intervals_ms:
            t += d
            out.append(t)
        return out

    def duration_ms(self) -> float:
        return self.onsets_ms()[-1] + 350.0 + self.lift_ms


def _u(rng, name):
    lo, hi = SPACE[name][:2]
    return float(rng.uniform(lo, hi))


def _direction(rng, cone_deg=None, vertical=None, forward=None):
    """Unit impact direction on the right foot (insole axes): mostly -y (away from the left
    foot), within ``cone_deg`` of -y, with vertical share |z| <= 0.5 and some x."""
    cone = math.radians(_u(rng, "cone_deg") if cone_deg is None else cone_deg)
    vert = _u(rng, "vertical_share") if vertical is None else vertical
    vert = min(vert, math.sin(cone))
    lat = math.sqrt(max(0.0, math.sin(cone) ** 2 - vert ** 2))
    fwd = lat * (1 if (forward if forward is not None else rng.uniform(-1, 1)) >= 0 else -1)
    # the right foot strikes from above (down onto the left foot) or rolls under: sign of z
    z = vert * (1 if rng.random() < 0.7 else -1)
    v = np.array([fwd, -math.cos(cone), z])
    return (v / np.linalg.norm(v)).tolist()


def sample_params(rng: np.random.Generator, **fixed) -> BlindParams:
    """Draw one SOS gesture from SPACE; keyword arguments fix fields (e.g. odr_hz=52)."""
    n = int(rng.choice([3, 3, 3, 3, 4, 5]))
    base = float(rng.uniform(*SPACE["interval_ms"][:2]))
    if rng.random() < 0.1:  # the extremes of the brief
        base = float(rng.uniform(150, 250) if rng.random() < 0.5 else rng.uniform(650, 1000))
    intervals = [float(np.clip(base * rng.uniform(0.85, 1.15), 150, 1000)) for _ in range(n - 1)]
    v0 = _u(rng, "v_impact_m_s")
    speeds = [float(np.clip(v0 * rng.uniform(0.8, 1.2), 0.3, 1.2)) for _ in range(n)]
    cone = _u(rng, "cone_deg")
    vert = _u(rng, "vertical_share")
    fwd = rng.uniform(-1, 1)
    dirs = [_direction(rng, float(np.clip(cone + rng.normal(0, 5), 0, 45)),
                       float(np.clip(vert + rng.normal(0, 0.05), 0, 0.5)), fwd) for _ in range(n)]
    kw = dict(
        intervals_ms=intervals, v_impact_m_s=speeds, directions=dirs,
        left_loaded=int(rng.random() < 0.8), odr_hz=int(rng.choice(ODRS)),
        odr_phase=float(rng.random()), swing_in_ms=_u(rng, "swing_in_ms"),
    )
    for name in ("body_mass_kg", "m_right_kg", "m_left_kg", "k_contact_n_m", "p_contact",
                 "restitution", "toe_out_right_deg", "toe_out_left_deg", "k_ground_n_m",
                 "mu_floor", "lift_ms", "lift_height_m", "tilt_pitch_deg", "tilt_roll_deg",
                 "setdown_v_m_s", "contact_x_m", "inertia_kgm2", "tau_rot_ms", "contact_x_left_m",
                 "inertia_left_kgm2", "left_rot_gain", "tau_rot_left_ms", "ring_hz",
                 "ring_zeta", "ring_gain", "aa_frac", "pre_ms", "post_ms"):
        kw[name] = _u(rng, name)
    kw.update(_walk_draws(kw))
    kw.update(fixed)
    return BlindParams(**kw)


WALK_FIELDS = ("closing_right", "halt_ms", "settle_ms", "resume", "restart_ms", "apa_ms")


def _walk_draws(kw) -> dict:
    """The walking-host fields, drawn from a generator seeded by the other draws (a hash of
    them), so ``rng`` is not advanced: every version-1 draw after this one is unchanged."""
    seed = int.from_bytes(hashlib.sha256(repr(sorted(kw.items())).encode()).digest()[:8], "little")
    r = np.random.default_rng(seed)
    out = {"closing_right": int(r.random() < 0.5), "resume": int(r.random() < 0.5)}
    for name in ("halt_ms", "settle_ms", "restart_ms", "apa_ms"):
        out[name] = _u(r, name)
    return out


# ---------------------------------------------------------------- contact mechanics

def contact(m1, m2, v0, k, p, e, k_ground=0.0, zeta_ground=0.5, friction_n=None, fs=20000.0):
    """Integrate one two-body impact along its normal.

    m1 striker mass (kg) moving at v0 (m/s) toward m2 (kg, at rest; tied to the floor by
    k_ground N/m with damping ratio zeta_ground when loaded; its ground reaction is limited
    to friction_n N, Coulomb). Contact force F = k D_REF^(1-p) d^p (1 + 8(1-e)/(5e) d'/v0), d >= 0
    (Flores et al. 2011). Returns dict: t_s (n,), force_n (n,) on m2 (+ = toward m2's side,
    i.e. the striker feels -force), a1, a2 (m/s^2 along the normal, striker's sign: a1 < 0
    decelerates), ground_n (n,), v1_end, v2_end, impulse_ns, duration_s.
    Raises ValueError for non-positive masses, speed or stiffness, or e outside (0, 1].
    """
    if m1 <= 0 or m2 <= 0 or v0 <= 0 or k <= 0 or not 0 < e <= 1:
        raise ValueError("contact: masses, v0 and k must be > 0 and 0 < e <= 1")
    dt = 1.0 / fs
    hd = 8.0 * (1.0 - e) / (5.0 * e) / v0
    c_g = 2.0 * zeta_ground * math.sqrt(k_ground * m2) if k_ground > 0 else 0.0
    x1 = x2 = 0.0
    v1, v2 = v0, 0.0
    out_f, out_g, out_a1, out_a2 = [], [], [], []
    started = False
    for i in range(int(0.2 * fs)):
        d = x1 - x2
        dd = v1 - v2
        f = k * D_REF ** (1.0 - p) * d ** p * (1.0 + hd * dd) if d > 0 else 0.0
        f = max(f, 0.0)
        g = -(k_ground * x2 + c_g * v2) if k_ground > 0 else 0.0
        if friction_n is not None:
            g = max(-friction_n, min(friction_n, g))
        a1 = -f / m1
        a2 = (f + g) / m2
        v1 += a1 * dt
        v2 += a2 * dt
        x1 += v1 * dt
        x2 += v2 * dt
        out_f.append(f)
        out_g.append(g)
        out_a1.append(a1)
        out_a2.append(a2)
        if f > 0:
            started = True
        elif started and d <= 0:
            break
    f = np.array(out_f)
    n_c = int(np.count_nonzero(f > 0))
    return {
        "t_s": np.arange(len(f)) * dt, "force_n": f, "ground_n": np.array(out_g),
        "a1": np.array(out_a1), "a2": np.array(out_a2), "v1_end": v1, "v2_end": v2,
        "impulse_ns": float(f.sum() * dt), "duration_s": n_c * dt,
    }


def _quintic(t, t0, t1, x0, v0, x1, v1):
    """Acceleration of the quintic x(t) with x, x', x'' = (x0, v0, 0) at t0 and (x1, v1, 0) at t1."""
    T = t1 - t0
    if T <= 0:
        return np.zeros_like(t)
    s = np.clip((t - t0) / T, 0.0, 1.0)
    # Hermite quintic basis second derivatives (per s^2), scaled by 1/T^2
    h0 = -60 * s + 180 * s ** 2 - 120 * s ** 3          # p0
    h1 = (-36 * s + 96 * s ** 2 - 60 * s ** 3) * T      # v0
    h4 = (-24 * s + 84 * s ** 2 - 60 * s ** 3) * T      # v1
    h5 = 60 * s - 180 * s ** 2 + 120 * s ** 3           # p1
    a = (x0 * h0 + v0 * h1 + v1 * h4 + x1 * h5) / T ** 2
    a[(t < t0) | (t > t1)] = 0.0
    return a


def _bump_acc(t, t0, dur, height):
    """Acceleration of a minimum-jerk rise by ``height`` m over [t0, t0+dur]."""
    s = np.clip((t - t0) / dur, 0.0, 1.0)
    a = height * (60 * s - 180 * s ** 2 + 120 * s ** 3) / dur ** 2
    a[(t < t0) | (t > t0 + dur)] = 0.0
    return a


def _bump_pos(t, t0, dur):
    s = np.clip((t - t0) / dur, 0.0, 1.0)
    return 10 * s ** 3 - 15 * s ** 4 + 6 * s ** 5


def _rotz(deg):
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


# ---------------------------------------------------------------- gesture synthesis

@dataclass
class Gesture:
    """Synthesised signals at FS on t_s (n,): per foot 'acc' (n,3) specific-force change in
    m/s^2 and 'gyro' (n,3) rad/s, both in that insole's axes; 'unload' (n,) 0..1 share of
    the foot's own load lifted; 'extra_n' (n,) vertical force added on the foot (N);
    ``strikes_ms`` impact onsets (gesture time); ``events`` per impact dict."""

    t_s: np.ndarray
    feet: dict
    strikes_ms: list
    events: list


def _foot_frames(p):
    """Rotation insole->world for each foot (toe-out: right foot yaw -, left foot yaw +)."""
    return {"right": _rotz(-p.toe_out_right_deg), "left": _rotz(p.toe_out_left_deg)}


def synthesize(p: BlindParams) -> Gesture:
    """Build both feet's signals for ``p`` (no host, no IMU filter). Gesture time 0 = lift-off onset."""
    if p.kind in FLOOR_KINDS:
        return _synth_floor(p)
    dur = p.duration_ms() / 1000.0
    t = np.arange(int(dur * FS) + 1) / FS
    n = len(t)
    R = _foot_frames(p)
    feet = {f: {"acc_w": np.zeros((n, 3)), "rot": np.zeros((n, 3)), "rate": np.zeros((n, 3)),
                "unload": np.zeros(n), "extra_n": np.zeros(n)} for f in ("right", "left")}
    onsets = [o / 1000.0 for o in p.onsets_ms()]
    lift = p.lift_ms / 1000.0
    strikers = ["right", "left"] if p.striker == "both" else [p.striker]
    other = {"right": "left", "left": "right"}
    airborne = set(strikers)
    t_end_last = onsets[-1] + 0.35
    for f in airborne:
        ft = feet[f]
        up = _bump_pos(t, 0.0, lift)
        down = 1.0 - _bump_pos(t, t_end_last, lift)
        ft["unload"] = np.minimum(up, down)
        if p.target != "floor":
            h = p.lift_height_m
            ft["acc_w"][:, 2] += _bump_acc(t, 0.0, lift, h) - _bump_acc(t, t_end_last, lift, h)
            # attitude in the air (roll/pitch), min-jerk in and out; rates are its derivative
            shape = ft["unload"]
            ft["rot"][:, 0] = math.radians(p.tilt_roll_deg) * shape
            ft["rot"][:, 1] = math.radians(p.tilt_pitch_deg) * shape
    # the stance foot carries the body weight the lifted foot gave up
    for f in ("right", "left"):
        if f not in airborne:
            for s in airborne:
                feet[f]["extra_n"] += 0.5 * p.body_mass_kg * G * feet[s]["unload"]
    events = []
    for s in strikers:
        ft = feet[s]
        R_s = R[s]
        prev_t, prev_v = 0.0 + lift * 0.5, None
        for i, t0 in enumerate(onsets):
            d_body = np.array(p.directions[i], float)
            d_body /= np.linalg.norm(d_body)
            if s == "left":  # mirror the y axis for a left striker
                d_body = d_body * np.array([1.0, -1.0, 1.0])
            n_w = R_s @ d_body  # direction of the force ON the striker, world
            v = p.v_impact_m_s[i]
            if p.target == "foot":
                m2 = p.m_left_kg if s == "right" else p.m_right_kg
                loaded = bool(p.left_loaded) if s == "right" else True
                fric = p.mu_floor * 0.5 * p.body_mass_kg * G if loaded else None
                c = contact(p.m_right_kg, m2, v, p.k_contact_n_m, p.p_contact, p.restitution,
                            k_ground=p.k_ground_n_m if loaded else 0.0, friction_n=fric)
            else:  # floor or wall: a rigid, immovable target
                c = contact(p.m_right_kg, 1e6, v, p.k_contact_n_m, p.p_contact, p.restitution)
            # swing-in (world, along -n_w: toward the target) from rest or from the rebound
            v_in = -n_w * v
            if prev_v is None:
                t_start = max(t0 - p.swing_in_ms / 1000.0, lift * 0.5)
                for ax in range(3):
                    ft["acc_w"][:, ax] += _quintic(t, t_start, t0, 0.0, 0.0, 0.0, v_in[ax])
            else:
                for ax in range(3):
                    ft["acc_w"][:, ax] += _quintic(t, prev_t, t0, 0.0, prev_v[ax], 0.0, v_in[ax])
            i0 = int(round(t0 * FS))
            a1 = c["a1"].reshape(-1)
            # average the 20 kHz contact onto FS (impulse preserved)
            k = int(20000.0 / FS)
            m = len(a1) // k * k
            a1s = a1[:m].reshape(-1, k).mean(axis=1) if m else a1[:1]
            a2s = c["a2"][:m].reshape(-1, k).mean(axis=1) if m else c["a2"][:1]
            j1 = min(n, i0 + len(a1s))
            # a1 < 0 decelerates the striker; its world vector is along +n_w (force on striker)
            ft["acc_w"][i0:j1] += np.outer(-a1s[: j1 - i0], n_w)
            t_c = t0 + c["duration_s"]
            v_out = n_w * (-c["v1_end"])  # rebound velocity (world), away from the target
            if s == "right" and p.target == "foot":
                feet["left"]["acc_w"][i0:j1] += np.outer(-a2s[: j1 - i0], n_w)
                # the struck foot's angular impulse (Newton's third law on the moment too):
                # -J at its medial edge (y -0.045 m from its centre), r x (-J) / I; when loaded,
                # floor friction and the body weight on the sole take most of it (left_rot_gain)
                J_left = R["left"].T @ (-n_w) * c["impulse_ns"]
                r_left = np.array([p.contact_x_left_m, -0.045, 0.03])
                gain = p.left_rot_gain if p.left_loaded else 1.0
                tau_l = (p.tau_rot_left_ms if p.left_loaded else p.tau_rot_ms) / 1000.0
                dw_l = gain * np.cross(r_left, J_left) / p.inertia_left_kgm2
                u_l = (t - t_c) / tau_l
                feet["left"]["rate"] += np.outer(np.where(t >= t_c, (1.0 - u_l) * np.exp(-u_l), 0.0), dw_l)
            # angular impulse about the striker's COM (insole axes), arrested by the leg
            J_body = R_s.T @ n_w * c["impulse_ns"]
            r = np.array([p.contact_x_m, 0.045 * (1 if s == "right" else -1), 0.03])
            if p.target != "foot":
                r = np.array([0.12 if d_body[0] < -0.3 else p.contact_x_m, 0.0, -0.03])
            dw = np.cross(r, J_body) / p.inertia_kgm2
            tau = p.tau_rot_ms / 1000.0
            after = t >= t_c
            # critically damped return: the rate's integral is zero, the attitude comes back
            u = (t - t_c) / tau
            decay = np.where(after, (1.0 - u) * np.exp(-u), 0.0)
            ft["rate"] += np.outer(decay, dw)
            # ringing of shoe/soft tissue after the impact
            peak = float(np.max(np.abs(a1s))) if len(a1s) else 0.0
            wd = 2 * math.pi * p.ring_hz
            ring = np.where(after, np.exp(-p.ring_zeta * wd * (t - t_c)) * np.sin(wd * (t - t_c)), 0.0)
            ft["acc_w"] += np.outer(ring * p.ring_gain * peak, n_w)
            if s == "right" and p.target == "foot":
                peak2 = float(np.max(np.abs(a2s))) if len(a2s) else 0.0
                feet["left"]["acc_w"] += np.outer(-ring * p.ring_gain * peak2, n_w)
                # the vertical part of the force loads (or unloads) the struck foot's zones
                fz = np.zeros(n)
                fz[i0:j1] = c["force_n"][:m].reshape(-1, k).mean(axis=1)[: j1 - i0] if m else 0.0
                feet["left"]["extra_n"] += -fz * n_w[2]
            if p.target == "floor":
                fz = np.zeros(n)
                fz[i0:j1] = -a1s[: j1 - i0] * p.m_right_kg
                ft["extra_n"] += fz * max(n_w[2], 0.0)
            events.append({"foot": s, "t_ms": 1000.0 * t0, "impulse_ns": c["impulse_ns"],
                           "duration_ms": 1000.0 * c["duration_s"], "dv_m_s": v - c["v1_end"],
                           "v_rebound_m_s": float(-c["v1_end"]), "direction_w": n_w.tolist(),
                           "left_dv_m_s": c["v2_end"]})
            prev_t, prev_v = t_c, v_out
        # after the last strike: back to rest, then set-down
        t_rest = min(onsets[-1] + 0.3, t_end_last)
        for ax in range(3):
            ft["acc_w"][:, ax] += _quintic(t, prev_t, t_rest, 0.0, prev_v[ax], 0.0, 0.0)
    # set-down: a small vertical floor impact when the foot lands
    for f in airborne:
        td = t_end_last + lift
        c = contact(feet_mass(p, f), 1e6, p.setdown_v_m_s, p.k_contact_n_m * 3, p.p_contact, 0.3)
        k = int(20000.0 / FS)
        m = len(c["a1"]) // k * k
        if m:
            a = c["a1"][:m].reshape(-1, k).mean(axis=1)
            i0 = int(round(td * FS))
            j1 = min(n, i0 + len(a))
            if i0 < n:
                feet[f]["acc_w"][i0:j1, 2] += -a[: j1 - i0]
    out = {}
    for f in ("right", "left"):
        ft = feet[f]
        Rf = R[f]
        rot = ft["rot"]
        rate = np.gradient(rot, 1.0 / FS, axis=0) + ft["rate"]
        # integrate the impact rotations into the attitude (small angles)
        rot = rot + np.cumsum(ft["rate"], axis=0) / FS
        g_w = np.array([0.0, 0.0, G])
        # specific force in the insole: R_att^T R_f^T (a_w + g) - g_body0 (host holds gravity)
        a_b = (Rf.T @ (ft["acc_w"] + g_w).T).T
        acc = _rotate_small(a_b, rot) - g_w
        out[f] = {"acc": acc, "gyro": rate, "unload": ft["unload"], "extra_n": ft["extra_n"]}
    return Gesture(t_s=t, feet=out, strikes_ms=[1000.0 * o for o in onsets], events=events)


# ---------------------------------------------------------------- floor look-alikes

FLOOR_KINDS = ("hop_one", "hop_both", "jump_down", "run", "stamp")


def landing_pulse(v, stop_m, fs=FS):
    """Deceleration (m/s^2, >= 0, samples at ``fs``) that stops a foot moving at ``v`` m/s
    within ``stop_m`` m: a half-sine a(t) = A sin(pi t / T), so the speed change is v
    (impulse m v), the distance travelled v T / 2 = stop_m, hence T = 2 stop_m / v and
    A = pi v^2 / (4 stop_m). Returns (a, T_s). ValueError for v <= 0 or stop_m <= 0."""
    if v <= 0 or stop_m <= 0:
        raise ValueError("landing_pulse: v and stop_m must be > 0")
    T = 2.0 * stop_m / v
    m = max(2, int(round(T * fs)))
    a = np.sin(math.pi * (np.arange(m) + 0.5) / m)
    return a * (v / (a.sum() / fs)), T  # exact speed change on the discrete grid


def flight_time_s(height_m, v_up=None):
    """Ballistic flight time (s) of a hop of apex ``height_m`` above take-off: 2 sqrt(2 h / g);
    with ``v_up`` (m/s, take-off speed) and a drop of ``height_m`` below take-off instead
    (a jump down): (v_up + sqrt(v_up^2 + 2 g h)) / g."""
    if v_up is None:
        return 2.0 * math.sqrt(2.0 * height_m / G)
    return (v_up + math.sqrt(v_up * v_up + 2.0 * G * height_m)) / G


def _put(arr, i0, x):
    """arr[i0:i0+len(x)] += x, clipped to the array."""
    n = len(arr)
    i0 = int(round(i0))
    if i0 >= n or i0 + len(x) <= 0:
        return
    a, b = max(0, i0), min(n, i0 + len(x))
    arr[a:b] += x[a - i0:b - i0]


def _halfsine(t, t0, T, area):
    """Half-sine on [t0, t0+T] with integral ``area``."""
    if T <= 0:
        return np.zeros_like(t)
    s = (t - t0) / T
    y = np.where((s >= 0) & (s <= 1), np.sin(math.pi * np.clip(s, 0, 1)), 0.0)
    return y * area * math.pi / (2.0 * T)


def _keyframes(t, keys):
    """Angle (rad) through keyframes [(t_s, deg), ...] with minimum-jerk moves between them."""
    out = np.full_like(t, math.radians(keys[0][1]))
    for (ta, a), (tb, b) in zip(keys, keys[1:]):
        if tb > ta:
            out += math.radians(b - a) * _bump_pos(t, ta, tb - ta)
    return out


def _synth_floor(p: BlindParams) -> Gesture:
    """Floor look-alikes (hops, a jump down, running, stamps): ballistic flight (specific force 0),
    landings stopped within a stop distance (landing_pulse), ground reaction on the zones, and the
    foot's pitch (plantarflexion +, about insole y) through take-off, landing and foot-flat."""
    dur = p.duration_ms() / 1000.0
    t = np.arange(int(dur * FS) + 1) / FS
    n = len(t)
    feet = {f: {"acc_w": np.zeros((n, 3)), "rot": np.zeros((n, 3)), "rate": np.zeros((n, 3)),
                "unload": np.zeros(n), "extra_n": np.zeros(n)} for f in ("right", "left")}
    W = p.body_mass_kg * G
    lift = p.lift_ms / 1000.0
    onsets = [o / 1000.0 for o in p.onsets_ms()]
    end = dur
    edge = 0.05  # s, ramp of the load takeover at the gesture's ends
    window = np.minimum(_bump_pos(t, 0.0, edge), 1.0 - _bump_pos(t, end - edge - 0.01, edge))
    events = []
    push = p.push_ms / 1000.0
    flat = p.flat_ms / 1000.0
    stop = p.stop_mm / 1000.0

    def land(f, tl, v_vec, pitch_before):
        """Landing of foot f at tl with velocity v_vec (world, m/s): stopped within ``stop``."""
        v = float(np.linalg.norm(v_vec))
        a, T = landing_pulse(v, stop)
        u = -np.asarray(v_vec, float) / v
        for ax in range(3):
            _put(feet[f]["acc_w"][:, ax], tl * FS, a * u[ax])
        events.append({"foot": f, "t_ms": 1000.0 * tl, "impulse_ns": feet_mass(p, f) * v,
                       "duration_ms": 1000.0 * T, "dv_m_s": v, "peak_mg": float(a.max() / G * 1000.0),
                       "direction_w": u.tolist(), "pitch_deg": pitch_before})
        return T

    if p.kind in ("hop_one", "hop_both", "jump_down"):
        both = p.kind != "hop_one"
        hoppers = ("right", "left") if both else ("right",)
        share = 0.5 if both else 1.0
        v_land = list(p.v_impact_m_s)
        if p.kind == "jump_down":
            v_off = [p.takeoff_v_m_s]
            t_fl = [flight_time_s(p.drop_height_m, p.takeoff_v_m_s)]
            v_land = [math.sqrt(p.takeoff_v_m_s ** 2 + 2 * G * p.drop_height_m)]
        else:  # hopping in place: the foot leaves and lands at the same speed, v = g T_f / 2
            v_off = v_land
            t_fl = [2.0 * v / G for v in v_land]
        t_on = onsets
        t_off = [tl - tf for tl, tf in zip(t_on, t_fl)]
        for f in hoppers:
            lag = p.foot_lag_ms / 1000.0 if f == "left" else 0.0
            ft = feet[f]
            keys = [(0.0, 0.0)]
            for k, (to, tl) in enumerate(zip(t_off, t_on)):
                to, tl = to + lag, tl + lag
                # take-off: the foot gains v_off (half-sine) during the last ``push`` of the stance,
                # heel rising (plantarflexion), then flies ballistically: world a = -g
                _put(ft["acc_w"][:, 2], (to - push) * FS, _halfsine(t, 0.0, push, v_off[k])[: int(push * FS) + 1])
                fl = (t >= to) & (t < tl)
                ft["acc_w"][fl, 2] -= G
                keys += [(max(to - push, keys[-1][0]), 0.0), (to, p.land_pitch_deg)]
                land(f, tl, [0.0, 0.0, -v_land[k]], p.land_pitch_deg)
                keys += [(tl, p.land_pitch_deg), (tl + flat, 0.0)]
            ft["rot"][:, 1] = _keyframes(t, keys)
            # ground reaction: impulse over each stance = momentum change + weight (share per foot)
            grf = np.zeros(n)
            stances = [(0.0, t_off[0] + lag)] + [(t_on[k] + lag, t_off[k + 1] + lag) for k in range(len(t_on) - 1)]
            stances.append((t_on[-1] + lag, end))
            for k, (a, b) in enumerate(stances):
                dv = (v_land[k - 1] if k else 0.0) + (v_off[k] if k < len(v_off) else 0.0)
                if k in (0, len(stances) - 1):  # quiet stance before the first and after the last flight
                    grf += share * W * ((t >= a) & (t < b))
                    grf += _halfsine(t, a, b - a, share * p.body_mass_kg * dv)  # the push / the landing
                else:  # between two flights: the ground stops the fall, relaunches and bears the weight
                    grf += _halfsine(t, a, b - a, share * p.body_mass_kg * (dv + G * (b - a)))
            ft["unload"] = window.copy()
            ft["extra_n"] = grf * window
        if not both:  # the left foot held up, knee bent: no load, pitched, moving with the body
            lf = feet["left"]
            lf["unload"] = np.minimum(_bump_pos(t, 0.0, lift), 1.0 - _bump_pos(t, end - lift, lift * 0.99))
            lf["rot"][:, 1] = math.radians(p.hold_pitch_deg) * lf["unload"]
            lf["acc_w"][:, 2] += _bump_acc(t, 0.0, lift, p.lift_height_m) - _bump_acc(t, end - lift, lift * 0.99, p.lift_height_m)
            com = np.zeros(n)  # the body's (centre of mass) vertical acceleration: -g in flight
            for k, (to, tl) in enumerate(zip(t_off, t_on)):
                com[(t >= to) & (t < tl)] -= G
            for k in range(len(t_on) + 1):
                a = 0.0 if k == 0 else t_on[k - 1]
                b = t_off[k] if k < len(t_off) else min(end, t_on[-1] + 0.3)
                dv = (v_land[k - 1] if k else 0.0) + (v_off[k] if k < len(v_off) else 0.0)
                ta = max(a, b - 0.3) if k == 0 else a
                com += _halfsine(t, ta, b - ta, dv)
            lf["acc_w"][:, 2] += com
    elif p.kind == "stamp":
        ft = feet["right"]
        h = p.lift_height_m
        keys = [(0.0, 0.0)]
        prev = 0.0
        for k, tl in enumerate(onsets):
            v = p.v_impact_m_s[k]
            rise = 0.55 * (tl - prev)
            t_up = prev + rise
            ft["acc_w"][:, 2] += _quintic(t, prev, t_up, 0.0, 0.0, h, 0.0) + _quintic(t, t_up, tl, h, 0.0, 0.0, -v)
            keys += [(prev + 0.01, 0.0), (t_up, p.land_pitch_deg), (tl, p.land_pitch_deg), (tl + flat, 0.0)]
            T = land("right", tl, [0.0, 0.0, -v], p.land_pitch_deg)
            prev = tl + T + flat
        ft["rot"][:, 1] = _keyframes(t, keys)
        air = np.zeros(n)
        prev = 0.0
        for k, tl in enumerate(onsets):
            air = np.maximum(air, np.minimum(_bump_pos(t, prev, 0.08), 1.0 - _bump_pos(t, tl - 0.03, 0.03)))
            prev = tl + 0.05
        ft["unload"] = air
        # the stamp's ground reaction: the leg's effective mass (m_leg_kg) stopped within the pulse
        for e in events:
            a, T = landing_pulse(e["dv_m_s"], stop)
            _put(ft["extra_n"], e["t_ms"] / 1000.0 * FS, a * p.m_leg_kg)
        feet["left"]["extra_n"] += W * 0.5 * air
    elif p.kind == "run":
        stride = 2.0 / p.cadence_hz
        tc = p.contact_ms / 1000.0
        L = p.run_speed_m_s * stride
        for f in ("right", "left"):
            ft = feet[f]
            lag = 0.0 if f == "right" else stride / 2.0
            strikes = [o + lag for o in onsets if o + lag < end - tc - 0.05]
            keys = [(0.0, 0.0)]
            prev_off = max(0.0, strikes[0] - (stride - tc))
            grf = np.zeros(n)
            for k, ts in enumerate(strikes):
                vz, vx = p.v_impact_m_s[min(k, len(p.v_impact_m_s) - 1)], p.strike_fwd_m_s
                mid = prev_off + 0.45 * (ts - prev_off)
                dx = L if k else L / 2.0
                ft["acc_w"][:, 0] += _quintic(t, prev_off, ts, 0.0, 0.0, dx, vx)
                ft["acc_w"][:, 2] += (_quintic(t, prev_off, mid, 0.0, 0.0, p.lift_height_m, 0.0)
                                      + _quintic(t, mid, ts, p.lift_height_m, 0.0, 0.0, -vz))
                keys += [(prev_off, p.hold_pitch_deg if k else 0.0), (ts, -p.land_pitch_deg)]
                land(f, ts, [vx, 0.0, -vz], -p.land_pitch_deg)
                keys += [(ts + flat, 0.0), (ts + tc - push, 0.0), (ts + tc, p.hold_pitch_deg)]
                grf += _halfsine(t, ts, tc, p.body_mass_kg * G * stride / 2.0)
                prev_off = ts + tc
            keys.append((min(end, prev_off + 0.3), 0.0))
            ft["rot"][:, 1] = _keyframes(t, keys)
            ft["unload"] = window.copy()
            ft["extra_n"] = grf * window
    out = {}
    g_w = np.array([0.0, 0.0, G])
    R = _foot_frames(p)
    for f in ("right", "left"):
        ft = feet[f]
        rot = ft["rot"]
        rate = np.gradient(rot, 1.0 / FS, axis=0)
        a_b = (R[f].T @ (ft["acc_w"] + g_w).T).T
        acc = _rotate_small(a_b, rot) - g_w
        out[f] = {"acc": acc, "gyro": rate, "unload": ft["unload"], "extra_n": ft["extra_n"]}
    return Gesture(t_s=t, feet=out, strikes_ms=[1000.0 * o for o in onsets], events=events)


def feet_mass(p, f):
    return p.m_right_kg if f == "right" else p.m_left_kg


def _rotate_small(v, rot):
    """World-ish vectors v (n,3) into a frame rolled/pitched/yawed by rot (n,3) rad: R(rot)^T v."""
    r, pch, y = rot[:, 0], rot[:, 1], rot[:, 2]
    cr, sr, cp, sp, cy, sy = np.cos(r), np.sin(r), np.cos(pch), np.sin(pch), np.cos(y), np.sin(y)
    # R = Rz(y) Ry(p) Rx(r); R^T v
    R = np.empty((len(r), 3, 3))
    R[:, 0, 0] = cy * cp
    R[:, 0, 1] = cy * sp * sr - sy * cr
    R[:, 0, 2] = cy * sp * cr + sy * sr
    R[:, 1, 0] = sy * cp
    R[:, 1, 1] = sy * sp * sr + cy * cr
    R[:, 1, 2] = sy * sp * cr - cy * sr
    R[:, 2, 0] = -sp
    R[:, 2, 1] = cp * sr
    R[:, 2, 2] = cp * cr
    return np.einsum("nji,nj->ni", R, v)


# ---------------------------------------------------------------- IMU model

def imu_sample(t_s, x, odr_hz, aa_frac, phase, grid_ms):
    """LSM6DSO-like chain: 2nd-order Butterworth low-pass at aa_frac*odr_hz on x (n, k)
    sampled at FS, decimated to odr_hz with sample phase ``phase`` (0..1 of a period),
    then onto ``grid_ms`` (the 100 Hz trace grid, ms) by linear interpolation
    (208 Hz: pair mean first, as sim/importers/common.py boxcar). Returns (len(grid), k)."""
    fc = aa_frac * odr_hz
    x = butter2(x, fc, FS)
    t_odr = np.arange(phase / odr_hz, t_s[-1], 1.0 / odr_hz)
    xs = np.stack([np.interp(t_odr, t_s, x[:, j]) for j in range(x.shape[1])], axis=1)
    if odr_hz > 150 and len(t_odr) > 2:
        m = len(t_odr) // 2 * 2
        xs = xs[:m].reshape(-1, 2, x.shape[1]).mean(axis=1)
        t_odr = t_odr[:m].reshape(-1, 2).mean(axis=1)
    g = np.asarray(grid_ms, float) / 1000.0
    return np.stack([np.interp(g, t_odr, xs[:, j], left=0.0, right=0.0) for j in range(x.shape[1])], axis=1)


# ---------------------------------------------------------------- host injection

def _crop(tr: Trace, t0_ms, t1_ms) -> Trace:
    i0 = int(max(0, (t0_ms - tr.t_ms[0]) // DT_MS))
    i1 = int(min(len(tr.t_ms), (t1_ms - tr.t_ms[0]) // DT_MS + 1))
    out = Trace(meta=copy.deepcopy(tr.meta), t_ms=(tr.t_ms[i0:i1] - tr.t_ms[i0]).astype(np.int64),
                imu=None if tr.imu is None else tr.imu[i0:i1].astype(np.int64),
                loads=None if tr.loads is None else tr.loads[i0:i1].astype(np.int64))
    out.meta["crop_from_ms"] = int(tr.t_ms[i0])
    out.meta["labels"] = crop_labels(tr.labels, int(tr.t_ms[i0]), int(tr.t_ms[i1 - 1]) + DT_MS)
    return out


def _offset(right: Trace, left: Trace) -> float:
    """left time = right time + offset (Moticon insoles start apart: source_t0_ms)."""
    return float(right.meta.get("source_t0_ms", 0)) - float(left.meta.get("source_t0_ms", 0))


def inject_pair(right: Trace, left: Trace | None, at_ms: float, p: BlindParams, name: str,
                walking: bool | None = None):
    """Add gesture ``p`` starting at host time ``at_ms`` (right trace's time, lift-off onset).

    Standing hosts (as version 1): returns (right', left') cropped to [at_ms - pre_ms, at_ms +
    duration + post_ms] (within the host). Walking hosts (``walking`` None: the window
    [at_ms, at_ms + duration] passes walking_positions' test on the right trace): the host's gait
    is stopped first (``walking_host``: pre_ms of its gait, the stop, standing, the gesture as
    near to at_ms as the host's steps allow, then standing or walking on for post_ms), and an
    SOS's struck foot is loaded (left_loaded 1: a walker who stopped stands on it).
    Both: new Trace objects with IMU (mg, 0.1 dps, clipped to full scale) and zone loads (N,
    clipped 0..5000) changed, ``labels.sos = [{"strikes_ms": [...]}]`` for an SOS (empty for a
    look-alike: ``labels.sos = []``) and ``injected`` metadata (params as used, model version,
    placement, for walking hosts the stop's timeline). ``left`` None: one insole only. Raises
    ValueError if the gesture does not fit in the host (either foot's: the left insole must
    record all of it too).
    """
    dur = p.duration_ms()
    if at_ms < right.t_ms[0] or at_ms + dur > right.t_ms[-1]:
        raise ValueError("inject_pair: gesture [%d, %d] ms outside host %s" % (at_ms, at_ms + dur, right.name))
    if left is not None:  # the struck insole records the whole gesture too (Moticon's insoles start apart)
        off = _offset(right, left)
        if at_ms + off < left.t_ms[0] or at_ms + dur + off > left.t_ms[-1]:
            raise ValueError("inject_pair: gesture [%d, %d] ms outside left host %s (offset %d ms)"
                             % (at_ms, at_ms + dur, left.name, off))
    if walking is None:
        walking = is_walking_window(right, at_ms, dur)
    plan = None
    if walking:
        if p.kind == "sos" and not p.left_loaded:
            p = copy.deepcopy(p)
            p.left_loaded = 1
        plan = walking_host(right, left, at_ms, p)
    g = synthesize(p)
    if plan is None:
        t0 = max(float(right.t_ms[0]), at_ms - p.pre_ms)
        t1 = min(float(right.t_ms[-1]), at_ms + dur + p.post_ms)
    outs = []
    for foot, tr, off in (("right", right, 0.0), ("left", left, None)):
        if tr is None:
            outs.append(None)
            continue
        if off is None:
            off = _offset(right, tr)
        if plan is None:
            c = _crop(tr, t0 + off, t1 + off)
            start = at_ms + off - (c.meta["crop_from_ms"])  # gesture start in cropped time
        else:
            c = plan[foot]
            start = plan["lift_ms"]
        _add(c, g, foot, p, start)
        strikes = [int(round(start + s)) for s in g.strikes_ms] if p.kind == "sos" else []
        labels = c.meta.setdefault("labels", {})
        labels["sos"] = [{"strikes_ms": strikes}] if strikes else []
        c.meta["name"] = "%s_%s" % (name, foot)
        c.meta["activity"] = "%s (blindstrike %s)" % (tr.meta.get("activity", "?"), p.kind)
        c.meta["kind"] = "adl"
        c.meta["injected"] = {"model": "blindstrike", "version": VERSION, "host": tr.name,
                              "at_ms": int(round(start)), "params": p.as_dict(),
                              "placement": "standing" if not walking else
                              ("walking" if plan is not None else "walking, added (no gait events found)")}
        if plan is not None:
            c.meta["injected"]["walking"] = dict(plan["timeline"])
        c.imu = None if c.imu is None else c.imu.astype(np.int16)
        c.loads = None if c.loads is None else c.loads.astype(np.int16)
        c.validate(c.meta["name"])
        outs.append(c)
    return outs[0], outs[1]


def _add(c: Trace, g: Gesture, foot: str, p: BlindParams, start_ms: float):
    sig = g.feet[foot]
    grid = c.t_ms.astype(float) - start_ms
    if c.imu is not None:
        acc = imu_sample(g.t_s, sig["acc"], p.odr_hz, p.aa_frac, p.odr_phase, grid)
        gyr = imu_sample(g.t_s, sig["gyro"], p.odr_hz, p.aa_frac, p.odr_phase, grid)
        imu = c.imu.astype(float)
        imu[:, :3] += acc / G * 1000.0
        imu[:, 3:] += np.degrees(gyr) * 10.0
        imu[:, :3] = np.clip(imu[:, :3], -ACC_LIMIT_MG, ACC_LIMIT_MG)
        imu[:, 3:] = np.clip(imu[:, 3:], -GYRO_LIMIT_DDPS, GYRO_LIMIT_DDPS)
        c.imu = np.rint(imu).astype(np.int64)
    if c.zones and c.loads is not None:
        un = np.interp(grid, 1000.0 * g.t_s, sig["unload"], left=0.0, right=0.0)
        ex = np.interp(grid, 1000.0 * g.t_s, sig["extra_n"], left=0.0, right=0.0)
        loads = c.loads.astype(float)
        tot = loads.sum(axis=1, keepdims=True)
        share = np.where(tot > 1, loads / np.maximum(tot, 1), 1.0 / loads.shape[1])
        loads = loads * (1.0 - un[:, None]) + share * ex[:, None]
        c.loads = np.clip(np.rint(loads), 0, LOAD_LIMIT_N).astype(np.int64)


def standing_positions(trace: Trace, dur_ms, walking=False, step_ms=1000) -> list:
    """Start times (ms, trace time) of windows of ``dur_ms`` where the host stands still
    (every 0.5 s: gyro magnitude < 20 dps, |a| within 100 mg of its median; or, IMU-less,
    total load changing by < 10 % of body weight), every ``step_ms``. ``walking=True``:
    windows where the host is moving (gyro peaks > 100 dps), the walking variant."""
    n = int(math.ceil(dur_ms / DT_MS))  # samples the window spans: start + dur_ms <= the last sample
    if len(trace.t_ms) < n + 1:
        return []
    still, moving = _still_moving(trace)
    cs = np.concatenate([[0], np.cumsum(still)])
    cm = np.concatenate([[0], np.cumsum(moving)])
    out = []
    for i in range(0, len(trace.t_ms) - n, max(1, step_ms // DT_MS)):
        if walking:
            if cm[i + n] - cm[i] > 0.1 * n and cs[i + n] - cs[i] < 0.5 * n:
                out.append(int(trace.t_ms[i]))
        elif cs[i + n] - cs[i] == n:
            out.append(int(trace.t_ms[i]))
    return out


def walking_positions(trace: Trace, dur_ms, step_ms=1000) -> list:
    """standing_positions' walking variant."""
    return standing_positions(trace, dur_ms, walking=True, step_ms=step_ms)


def _still_moving(trace: Trace):
    """Per-sample masks (still, moving) of standing_positions."""
    if trace.imu is not None:
        gy = np.linalg.norm(trace.imu[:, 3:].astype(float), axis=1) / 10.0
        acc = np.linalg.norm(trace.imu[:, :3].astype(float), axis=1)
        still = (gy < 20.0) & (np.abs(acc - np.median(acc)) < 100.0)
        moving = gy > 100.0
    else:
        tot = trace.loads.sum(axis=1).astype(float)
        ref = max(np.median(tot), 1.0)
        d = np.abs(np.diff(tot, prepend=tot[0]))
        still = d < 0.02 * ref
        moving = ~still
    return still, moving


def is_walking_window(trace: Trace, at_ms, dur_ms) -> bool:
    """True if [at_ms, at_ms + dur_ms] is a window walking_positions would give (moving > 10 %
    of its samples, still < 50 %)."""
    n = int(math.ceil(dur_ms / DT_MS))
    i = int(round((at_ms - trace.t_ms[0]) / DT_MS))
    if i < 0 or i + n >= len(trace.t_ms):
        return False
    still, moving = _still_moving(trace)
    return bool(moving[i:i + n].sum() > 0.1 * n and still[i:i + n].sum() < 0.5 * n)


# ---------------------------------------------------------------- walking hosts (version 2)

XFADE_MS = 80.0  # IMU hand-over host -> standing at the last foot-flat (the foot is already flat and still)
FLAT_MS = 60.0  # heel strike to foot-flat, ~ loading response (Perry 1992: 0-10 % of the cycle)


def _runs_of(mask):
    """(start, end) index pairs of the runs of True in mask (end exclusive)."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def _mj(x):
    """Minimum-jerk ramp 0 -> 1 of x (clipped to 0..1)."""
    x = np.clip(x, 0.0, 1.0)
    return 10 * x ** 3 - 15 * x ** 4 + 6 * x ** 5


def gait_contacts(tr: Trace) -> dict:
    """The host's own steps: {"contacts": [{"contact_ms", "flat_ms"}], "flat": mask of foot-flat
    samples, "stance": mask of loaded samples or None}, times in the trace's own time.

    IMU: a foot-flat is a run >= 100 ms of |gyro| (3-sample mean) below max(30 dps, 0.15 x its
    95th percentile) right after a swing (|gyro| > 0.5 x that percentile within 500 ms before);
    the heel strike is FLAT_MS before it. Loads only: a stance is a run >= 150 ms of total load
    above 0.25 x its 95th percentile after >= 100 ms below it; foot-flat FLAT_MS after its onset.
    No steps (95th percentile of |gyro| < 100 dps): no contacts."""
    n = len(tr.t_ms)
    out = {"contacts": [], "flat": np.zeros(n, bool), "stance": None}
    if tr.loads is not None and tr.loads.shape[1]:
        tot = tr.loads.sum(axis=1).astype(float)
        p95 = float(np.percentile(tot, 95))
        if p95 > 50.0:
            out["stance"] = tot > 0.25 * p95
    if tr.imu is not None:
        gy = np.linalg.norm(tr.imu[:, 3:].astype(float), axis=1) / 10.0
        gy = np.convolve(gy, np.ones(3) / 3.0, mode="same")
        p95 = float(np.percentile(gy, 95))
        if p95 < 100.0:
            return out
        low = gy < max(30.0, 0.15 * p95)
        st = out["stance"]
        for a, b in _runs_of(low):
            if b - a < 10 or a < 1:
                continue
            if gy[max(0, a - 50):a].max() > 0.5 * p95:
                if st is not None:  # with zones: the foot is flat once it is loaded (FLAT_MS after the onset)
                    on = np.flatnonzero(st[max(0, a - 10):b])
                    if not len(on):
                        continue
                    a2 = max(a, max(0, a - 10) + int(on[0]) + int(FLAT_MS // DT_MS))
                    if b - a2 < 5:
                        continue
                    a = a2
                out["flat"][a + 2:b - 2] = True  # the run's ends are the foot's still moving edges
                out["contacts"].append({"contact_ms": float(tr.t_ms[a]) - FLAT_MS, "flat_ms": float(tr.t_ms[a])})
    elif out["stance"] is not None:
        st = out["stance"]
        for a, b in _runs_of(st):
            if b - a < 15 or a < 10 or st[a - 10:a].any():
                continue
            out["contacts"].append({"contact_ms": float(tr.t_ms[a]), "flat_ms": float(tr.t_ms[a]) + FLAT_MS})
            out["flat"][min(n, a + int(FLAT_MS // DT_MS)):b] = True
    return out


def standing_state(tr: Trace, steps: dict) -> dict:
    """That host foot standing still, from its own walking: the IMU's median over its foot-flat
    samples (the foot's attitude flat on the floor, the gyro's bias) plus its own noise (the
    sample-to-sample differences within foot-flat / sqrt 2, in recorded order); the zones' mean
    over single-support samples with a total within 15 % of the stance median (``single``, ~1 body
    weight), of which a foot standing on both feet carries half."""
    out = {"imu": None, "noise": None, "single": None}
    flat = steps["flat"]
    if tr.imu is not None and flat.sum() >= 5:
        x = tr.imu.astype(float)
        out["imu"] = np.median(x[flat], axis=0)
        both = flat[1:] & flat[:-1]
        d = (x[1:] - x[:-1])[both] / math.sqrt(2.0)
        if len(d):  # noise, not the foot's residual motion: rows within 3.5 robust SD on every axis
            sd = 1.4826 * np.median(np.abs(d - np.median(d, axis=0)), axis=0) + 1.0
            d = d[(np.abs(d) <= 3.5 * sd).all(axis=1)]
        out["noise"] = d if len(d) >= 20 else np.zeros((1, 6))
    if tr.loads is not None and tr.loads.shape[1] and steps["stance"] is not None and steps["stance"].any():
        tot = tr.loads.sum(axis=1).astype(float)
        st = steps["stance"] if not flat.any() else (steps["stance"] & flat)
        if not st.any():
            st = steps["stance"]
        ref = float(np.median(tot[st]))
        sel = st & (np.abs(tot - ref) < 0.15 * ref)
        if not sel.any():
            sel = st
        single = tr.loads[sel].astype(float).mean(axis=0)
        out["single"] = single * ref / max(single.sum(), 1e-9)
    return out


def _step_pairs(cr, cl, closing_right, step_ms):
    """(stopping foot's contact A, closing foot's contact B) candidates in right time: B lands
    150-1000 ms after A (one step). cl None (no left trace): the left's contact is virtual, one
    step (step_ms) after a right A or, right closing, not needed."""
    pairs = []
    for c in cr:
        if closing_right:
            prev = [l for l in (cl or []) if c["contact_ms"] - 1000.0 < l["contact_ms"] < c["contact_ms"] - 150.0]
            if cl is not None and not prev:
                continue
            pairs.append(({"right": None, "left": prev[-1] if prev else None}, c))
        else:
            if cl is None:
                nxt = [{"contact_ms": c["contact_ms"] + step_ms, "flat_ms": c["flat_ms"] + step_ms}]
            else:
                nxt = [l for l in cl if c["contact_ms"] + 150.0 < l["contact_ms"] < c["contact_ms"] + 1000.0]
            if not nxt:
                continue
            pairs.append(({"right": c, "left": None}, nxt[0]))
    return pairs


def walking_host(right: Trace, left: Trace | None, at_ms: float, p: BlindParams):
    """Stop the walking host's gait before the gesture (version 2). Returns None when the host
    shows no steps, else {"right": Trace, "left": Trace or None, "lift_ms": the gesture's
    lift-off in their time, "timeline": {...}} (the hosts before the gesture is added).

    Timeline (ms, output time; ``timeline`` holds it): pre_ms of the host's own gait; the
    stopping foot's last contact, then the closing foot's (``stop_contact_ms``: the last contact
    of the stop, one step later; closing_right says which foot closes); each foot keeps its host
    signals up to its own last foot-flat (``flat_ms``), then its IMU hands over (XFADE_MS) to
    that host's standing state (standing_state) and its load is held and goes to the standing
    share: the stopping foot carries the whole weight until the closing contact, then both go
    to half of it within halt_ms (the body at rest, ``rest_ms``); settle_ms later the gesture
    lifts off (``lift_ms``). After the set-down (``end_ms``): standing; with resume, restart_ms
    later (``resume_ms``) the host's own gait goes on from the closing foot's foot-flat, the
    loads having shifted to it over apa_ms; then post_ms of gait. The stop is the host step whose
    lift-off falls nearest to at_ms and leaves the most host data (pre_ms before, post_ms after)."""
    off = _offset(right, left) if left is not None else 0.0
    sr = gait_contacts(right)
    sl = gait_contacts(left) if left is not None else None
    cr = sr["contacts"]
    if not cr:
        return None
    cl = None
    if sl is not None:  # the left's contacts in right time
        cl = [{k: v - off for k, v in c.items()} for c in sl["contacts"]]
    step = float(np.median(np.diff([c["contact_ms"] for c in cr]))) / 2.0 if len(cr) > 1 else 550.0
    step = float(np.clip(step, 300.0, 800.0))
    pairs = _step_pairs(cr, cl, p.closing_right, step)
    if not pairs:
        return None
    dur = p.duration_ms()
    lo = float(right.t_ms[0]) if left is None else max(float(right.t_ms[0]), float(left.t_ms[0]) - off)
    hi = float(right.t_ms[-1]) if left is None else min(float(right.t_ms[-1]), float(left.t_ms[-1]) - off)

    def cost(pr):  # lift-off far from at_ms, host data missing before the stop (and after it, resuming)
        B = pr[1]
        short = max(0.0, lo - (B["contact_ms"] - p.pre_ms))
        if p.resume:
            short += max(0.0, B["flat_ms"] + p.post_ms - hi)
        return (abs(B["contact_ms"] + p.halt_ms + p.settle_ms - at_ms) + 10.0 * short, B["contact_ms"])

    A, B = min(pairs, key=cost)
    closing = "right" if p.closing_right else "left"
    stopping = "left" if p.closing_right else "right"
    last = {closing: B, stopping: A[stopping]}
    t_host0 = max(lo, B["contact_ms"] - p.pre_ms)
    t_host0 = lo + math.ceil((t_host0 - lo) / DT_MS) * DT_MS
    q = lambda t: float(DT_MS * round((t - t_host0) / DT_MS))  # host (right) time -> output time
    tB = q(B["contact_ms"])
    lift = tB + p.halt_ms + p.settle_ms
    end = lift + dur
    resume_at = end + p.restart_ms if p.resume else None
    post_avail = hi - B["flat_ms"]
    if resume_at is not None and post_avail < 500.0:
        resume_at = None  # the host has no gait left after its stop: it stands on
    t_end = (resume_at + min(p.post_ms, post_avail)) if resume_at is not None else end + p.post_ms
    n = int(t_end // DT_MS) + 1
    t_out = np.arange(n, dtype=np.int64) * DT_MS
    res_host = q(B["flat_ms"]) + t_host0  # host (right) time at which the gait resumes
    timeline = {"closing": closing, "stop_contact_ms": tB, "rest_ms": tB + p.halt_ms, "lift_ms": lift,
                "end_ms": end, "resume_ms": resume_at, "host_stop_ms": B["contact_ms"], "flat_ms": {}}
    out = {"lift_ms": lift, "timeline": timeline, "right": None, "left": None}
    for foot, tr, steps, f_off in (("right", right, sr, 0.0), ("left", left, sl, off)):
        if tr is None:
            continue
        st = standing_state(tr, steps)
        c_last = last[foot]
        if c_last is None:  # the left's stopping contact is virtual only when there is no left trace
            continue
        f_out = q(c_last["flat_ms"])
        timeline["flat_ms"][foot] = f_out
        host_t = t_host0 + t_out.astype(float)  # host (right) time of each output sample before the stop
        if resume_at is not None:
            after = t_out >= resume_at
            host_t[after] = res_host + (t_out[after] - resume_at)
        idx = np.clip(np.rint((host_t + f_off - float(tr.t_ms[0])) / DT_MS).astype(np.int64), 0, len(tr.t_ms) - 1)
        tf = t_out.astype(float)
        # 1 = the host's own signal, 0 = the standing foot
        w_imu = 1.0 - _mj((tf - f_out) / XFADE_MS)
        if resume_at is not None:
            w_imu = np.maximum(w_imu, _mj((tf - resume_at) / XFADE_MS))
        imu = loads = None
        if tr.imu is not None:
            host = tr.imu[idx].astype(float)
            if st["imu"] is None:  # no foot-flat found on this foot: its still samples hold the last one
                stand = np.repeat(host[[int(np.searchsorted(t_out, f_out))]], n, axis=0)
            else:
                stand = st["imu"] + st["noise"][np.arange(n) % len(st["noise"])]
            imu = w_imu[:, None] * host + (1.0 - w_imu[:, None]) * stand
        if tr.loads is not None:
            host = tr.loads[idx].astype(float)
            k_f = min(n - 1, int(round(f_out / DT_MS)))
            held = host[k_f]
            single = st["single"] if st["single"] is not None else held
            u = _mj((tf - f_out) / (XFADE_MS if foot == stopping else p.halt_ms))
            if foot == stopping:  # whole weight during the closing step, then half within halt_ms
                share = 1.0 - 0.5 * _mj((tf - tB) / p.halt_ms)
            else:
                share = np.full(n, 0.5)
            stand = (1.0 - u)[:, None] * held + (u * share)[:, None] * single
            w = (tf < f_out).astype(float)
            if resume_at is not None:  # the weight shift of gait initiation, onto the host's state
                k_r = min(n - 1, int(round(resume_at / DT_MS)))
                v = _mj((tf - (resume_at - p.apa_ms)) / p.apa_ms)
                stand = (1.0 - v)[:, None] * stand + v[:, None] * host[k_r]
                w = np.maximum(w, (tf >= resume_at).astype(float))
            loads = w[:, None] * host + (1.0 - w[:, None]) * stand
        c = Trace(meta=copy.deepcopy(tr.meta), t_ms=t_out.copy(),
                  imu=None if imu is None else np.clip(np.rint(imu), -ACC_LIMIT_MG, ACC_LIMIT_MG).astype(np.int64),
                  loads=None if loads is None else np.clip(np.rint(loads), 0, LOAD_LIMIT_N).astype(np.int64))
        if c.imu is not None:
            c.imu[:, 3:] = np.clip(c.imu[:, 3:], -GYRO_LIMIT_DDPS, GYRO_LIMIT_DDPS)
        c.meta["crop_from_ms"] = int(round(t_host0 + f_off))
        c.meta["labels"] = crop_labels(tr.labels, c.meta["crop_from_ms"], c.meta["crop_from_ms"] + n * DT_MS)
        out[foot] = c
    if left is not None and out["left"] is None:
        return None
    return out


# ---------------------------------------------------------------- look-alikes

_FARLEY = "Farley et al. 1991, J Appl Physiol 71:2127-2132 (hopping in place, preferred ~2.2 Hz, 1.2-4 Hz studied)"
_HOP_PEAK = "brief: hop landings ~2-4 g vertical at the foot; stop distance chosen so pi v^2/(4 d) gives that"
_ZHANG = "Zhang, Bates & Dufek 2000, Med Sci Sports Exerc 32:812-819 (drop landings 0.32-1.03 m)"
_CAVANAGH = ("Cavanagh & Kram 1989, Med Sci Sports Exerc 21:467-479 (stride rate 1.3-1.6 Hz); "
             "Cavanagh & Lafortune 1980, J Biomech 13:397-406 (contact ~0.2-0.3 s, GRF 2-3 BW)")
_HEEL = "heel pad + midsole compression on a hard floor ~10-25 mm: " + _AERTS

# look-alike kind -> {name: (low, high, unit, source)}; the per-impact speed is v_impact_m_s
LOOK_SPACE = {
    "hop_one": {
        "n_impacts": (2, 8, "-", "assumption (a few hops)"),
        "hop_height_m": (0.04, 0.12, "m", _FARLEY + ": flight 0.18-0.31 s at 2-3 Hz"),
        "contact_ms": (180.0, 350.0, "ms", _FARLEY + " (stance share of the period)"),
        "stop_mm": (35.0, 70.0, "mm", _HOP_PEAK),
        "land_pitch_deg": (5.0, 25.0, "deg", "forefoot landing, foot plantarflexed at touchdown, assumption"),
        "push_ms": (60.0, 120.0, "ms", "heel rise to toe-off, assumption"),
        "flat_ms": (60.0, 120.0, "ms", "touchdown to foot-flat, assumption"),
        "hold_pitch_deg": (20.0, 70.0, "deg", "the other foot held up behind, knee bent, assumption"),
        "lift_ms": (250.0, 450.0, "ms", "weight shift onto the hopping foot, assumption"),
    },
    "hop_both": {
        "n_impacts": (2, 8, "-", "assumption"),
        "hop_height_m": (0.04, 0.12, "m", _FARLEY),
        "contact_ms": (180.0, 350.0, "ms", _FARLEY),
        "stop_mm": (35.0, 70.0, "mm", _HOP_PEAK),
        "land_pitch_deg": (5.0, 25.0, "deg", "as hop_one"),
        "push_ms": (60.0, 120.0, "ms", "as hop_one"),
        "flat_ms": (60.0, 120.0, "ms", "as hop_one"),
        "foot_lag_ms": (0.0, 20.0, "ms", "the two feet do not leave/land in the same ms, assumption"),
        "lift_ms": (200.0, 400.0, "ms", "countermovement, assumption"),
    },
    "jump_down": {
        "drop_height_m": (0.2, 0.5, "m", "a step, a vehicle step, a ladder's last rungs; " + _ZHANG),
        "takeoff_v_m_s": (0.0, 0.5, "m/s", "stepping or hopping off, assumption"),
        "stop_mm": (40.0, 100.0, "mm", "forefoot first, ankle dorsiflexing: assumption (foot peaks 5-15 g)"),
        "land_pitch_deg": (10.0, 30.0, "deg", "plantarflexed at touchdown in drop landings, " + _ZHANG),
        "push_ms": (100.0, 200.0, "ms", "stepping off: a slow heel rise, assumption"),
        "flat_ms": (80.0, 150.0, "ms", "the ankle dorsiflexes under control (energy absorbed, " + _ZHANG
                    + "): foot-flat rate 1.875 x pitch / flat_ms < 710 dps"),
        "foot_lag_ms": (0.0, 50.0, "ms", "one foot lands first, assumption"),
        "lift_ms": (200.0, 400.0, "ms", "assumption"),
    },
    "run": {
        "n_impacts": (4, 10, "-", "a short run (strides of the right foot)"),
        "cadence_hz": (2.5, 3.2, "steps/s", _CAVANAGH),
        "run_speed_m_s": (2.0, 4.0, "m/s", "jogging to running, " + _CAVANAGH),
        "contact_ms": (200.0, 300.0, "ms", _CAVANAGH),
        "v_impact_m_s": (0.5, 1.5, "m/s", "foot's vertical speed at touchdown, assumption"),
        "strike_fwd_m_s": (0.3, 1.2, "m/s", "foot's forward speed at touchdown, assumption"),
        "stop_mm": (10.0, 25.0, "mm", _HEEL),
        "land_pitch_deg": (5.0, 20.0, "deg", "heel first: toes up at touchdown, assumption"),
        "hold_pitch_deg": (30.0, 70.0, "deg", "plantarflexion at toe-off, assumption"),
        "lift_height_m": (0.08, 0.20, "m", "swing clearance, assumption"),
        "push_ms": (60.0, 100.0, "ms", "assumption"),
        "flat_ms": (30.0, 60.0, "ms", "heel strike to foot-flat, assumption"),
    },
    "stamp": {
        "n_impacts": (1, 4, "-", "assumption"),
        "interval_ms": (400.0, 900.0, "ms", "raise and stamp again, assumption"),
        "v_impact_m_s": (0.8, 2.0, "m/s", "assumption (a deliberate stamp)"),
        "lift_height_m": (0.05, 0.20, "m", "assumption"),
        "stop_mm": (8.0, 25.0, "mm", _HEEL),
        "land_pitch_deg": (-15.0, 0.0, "deg", "heel first (toes up) or flat, assumption"),
        "flat_ms": (30.0, 60.0, "ms", "assumption"),
        "m_leg_kg": (5.0, 12.0, "kg", "foot + shank + part of the thigh stopped by the floor: " + _DELEVA),
    },
    "kick_wall": {
        "n_impacts": (1, 4, "-", "toes knocked against a wall to shed snow/mud or settle the foot, assumption"),
        "interval_ms": (300.0, 700.0, "ms", "assumption"),
        "v_impact_m_s": (0.5, 1.5, "m/s", "assumption (a knock, not a football kick)"),
        "k_contact_n_m": (60e3, 250e3, "N/m", "toe cap (EN ISO 20345: rigid) on a wall; the sole's rubber: " + _AERTS),
    },
    "kick_rung": {
        "n_impacts": (1, 3, "-", "one bump per climbing step, assumption"),
        "interval_ms": (700.0, 1300.0, "ms", "ladder climbing, a step every ~1 s, assumption"),
        "v_impact_m_s": (0.3, 1.0, "m/s", "assumption"),
        "k_contact_n_m": (60e3, 250e3, "N/m", "toe cap on a steel/aluminium rung: as kick_wall"),
    },
    "knock_mud": {
        "n_impacts": (1, 6, "-", "brief: usually 1-2 knocks (55 %), or rapid irregular ones (3-6)"),
        "interval_ms": (120.0, 350.0, "ms", "rapid irregular knocks (coefficient of variation 0.3), assumption"),
        "v_impact_m_s": (0.5, 1.5, "m/s", "assumption (firm knocks)"),
        "k_contact_n_m": (60e3, 250e3, "N/m", "heel/sole edge on the other boot's toe cap or heel counter: " + _AERTS),
        "lateral_share": (0.0, 0.35, "-", "brief: sole/heel edge, not the medial side"),
    },
}
LOOK_ALIKES = tuple(LOOK_SPACE)


def _lu(rng, kind, name):
    lo, hi = LOOK_SPACE[kind][name][:2]
    return float(rng.uniform(lo, hi))


def look_alike(kind: str, rng: np.random.Generator) -> BlindParams:
    """Params of a negative in the same physics (inject with inject_pair; labels.sos = []).

    kinds (LOOK_SPACE gives every range and its source):
      hop_one    hopping on the right foot, the left held up (no load, pitched, moving with the body);
      hop_both   hopping on both feet, both airborne in each flight;
      jump_down  both feet, from 0.2-0.5 m;
      run        a short run: alternating feet, heel strikes, swings, flight phases;
      stamp      the right foot raised and stamped on the floor 1-4 times;
      kick_wall, kick_rung   the right toe forward into a rigid target;
      knock_mud  the right boot's heel/sole edge against the left boot (a true foot-to-foot
                 contact): 1-2 knocks, or 3-6 rapid irregular ones; medio-lateral share < 0.35.
    Body, masses, toe-out, IMU and host margins are drawn as for an SOS (sample_params).
    ValueError for another kind.
    """
    if kind not in LOOK_SPACE:
        raise ValueError("look_alike: kind %r not one of %s" % (kind, ", ".join(LOOK_ALIKES)))
    base = sample_params(rng)
    sp = LOOK_SPACE[kind]

    def unit(v):
        v = np.asarray(v, float)
        return (v / np.linalg.norm(v)).tolist()

    def draw(name):
        return _lu(rng, kind, name)

    kw = dict(kind=kind, ring_gain=base.ring_gain)
    if "n_impacts" in sp:
        lo, hi = sp["n_impacts"][:2]
        n = int(rng.integers(lo, hi + 1))
    else:
        n = 1
    if kind in ("hop_one", "hop_both"):
        h = draw("hop_height_m")
        v = [math.sqrt(2 * G * h * float(np.clip(rng.normal(1.0, 0.1), 0.7, 1.3))) for _ in range(n)]
        tc = [draw("contact_ms") for _ in range(n - 1)]
        for name in ("stop_mm", "land_pitch_deg", "push_ms", "flat_ms", "lift_ms"):
            kw[name] = draw(name)
        if kind == "hop_one":
            kw["hold_pitch_deg"] = draw("hold_pitch_deg")
        else:
            kw["foot_lag_ms"] = draw("foot_lag_ms")
        kw["push_ms"] = min(kw["push_ms"], 0.5 * min(tc, default=400.0))
        # landing k to landing k+1: the stance, then the next flight 2 v / g
        kw.update(striker="both" if kind == "hop_both" else "right", target="floor", v_impact_m_s=v,
                  swing_in_ms=1000.0 * 2 * v[0] / G,
                  intervals_ms=[tc[k] + 1000.0 * 2 * v[k + 1] / G for k in range(n - 1)])
    elif kind == "jump_down":
        for name in ("drop_height_m", "takeoff_v_m_s", "stop_mm", "land_pitch_deg", "push_ms", "flat_ms",
                     "foot_lag_ms", "lift_ms"):
            kw[name] = draw(name)
        v = math.sqrt(kw["takeoff_v_m_s"] ** 2 + 2 * G * kw["drop_height_m"])
        kw.update(striker="both", target="floor", v_impact_m_s=[v], intervals_ms=[],
                  swing_in_ms=1000.0 * flight_time_s(kw["drop_height_m"], kw["takeoff_v_m_s"]))
    elif kind == "run":
        for name in ("cadence_hz", "run_speed_m_s", "contact_ms", "strike_fwd_m_s", "stop_mm", "land_pitch_deg",
                     "hold_pitch_deg", "lift_height_m", "push_ms", "flat_ms"):
            kw[name] = draw(name)
        kw["push_ms"] = min(kw["push_ms"], kw["contact_ms"] - kw["flat_ms"] - 20.0)
        stride = 2000.0 / kw["cadence_hz"]
        kw.update(striker="right", target="floor", v_impact_m_s=[draw("v_impact_m_s") for _ in range(n)],
                  intervals_ms=[stride] * (n - 1), lift_ms=0.0, swing_in_ms=stride - kw["contact_ms"])
    elif kind == "stamp":
        for name in ("lift_height_m", "stop_mm", "land_pitch_deg", "flat_ms", "m_leg_kg"):
            kw[name] = draw(name)
        kw.update(striker="right", target="floor", v_impact_m_s=[draw("v_impact_m_s") for _ in range(n)],
                  intervals_ms=[draw("interval_ms") for _ in range(n - 1)], lift_ms=0.0,
                  swing_in_ms=float(rng.uniform(400, 700)))
    elif kind in ("kick_wall", "kick_rung"):
        kw.update(target="wall", v_impact_m_s=[draw("v_impact_m_s") for _ in range(n)],
                  intervals_ms=[draw("interval_ms") for _ in range(n - 1)],
                  directions=[unit([-1.0, rng.normal(0, 0.2), rng.uniform(-0.3, 0.3)]) for _ in range(n)],
                  k_contact_n_m=draw("k_contact_n_m"))
    else:  # knock_mud
        if rng.random() < 0.55:
            n = int(rng.integers(1, 3))
            iv = [float(rng.uniform(300, 700)) for _ in range(n - 1)]
        else:
            n = int(rng.integers(3, 7))
            base_iv = draw("interval_ms")
            iv = [float(np.clip(base_iv * rng.normal(1.0, 0.3), 100, 500)) for _ in range(n - 1)]
        dirs = []
        for _ in range(n):
            lat = draw("lateral_share")
            r = rng.random()
            if r < 0.4:  # heel kicked back against the other toe cap: the force on it is forward (+x)
                d = [1.0, -lat, rng.uniform(-0.3, 0.3)]
            elif r < 0.7:  # sole edge scraped down on the other toe cap: force up (+z)
                d = [rng.uniform(-0.3, 0.3), -lat, 1.0]
            else:  # toe into the other heel counter: force backward (-x)
                d = [-1.0, -lat, rng.uniform(-0.3, 0.3)]
            dirs.append(unit(d))
        kw.update(target="foot", v_impact_m_s=[draw("v_impact_m_s") for _ in range(n)], intervals_ms=iv,
                  directions=dirs, k_contact_n_m=draw("k_contact_n_m"), left_loaded=1)
    for k, val in kw.items():
        setattr(base, k, val)
    return base


def peaks(p: BlindParams) -> dict:
    """Figures of one gesture on the 100 Hz grid with no host: per foot the peak |a - g| (mg)
    and peak |gyro| (dps) within 60 ms of each strike, plus the physical impulse (N s),
    contact duration (ms) and raw (unfiltered, 2 kHz) peak of the striker (mg)."""
    g = synthesize(p)
    grid = np.arange(0.0, 1000.0 * g.t_s[-1], DT_MS)
    out = {"impulse_ns": [], "contact_ms": [], "raw_right_mg": []}
    sampled = {}
    for foot in ("right", "left"):
        acc = imu_sample(g.t_s, g.feet[foot]["acc"], p.odr_hz, p.aa_frac, p.odr_phase, grid)
        gyr = imu_sample(g.t_s, g.feet[foot]["gyro"], p.odr_hz, p.aa_frac, p.odr_phase, grid)
        sampled[foot] = (np.linalg.norm(acc, axis=1) / G * 1000.0, np.degrees(np.linalg.norm(gyr, axis=1)))
        out[foot + "_mg"] = []
        out[foot + "_dps"] = []
    raw = np.linalg.norm(g.feet["right"]["acc"], axis=1) / G * 1000.0
    for e, s in zip([e for e in g.events if e["foot"] == ("right" if p.striker == "both" else p.striker)],
                    g.strikes_ms):
        w = (grid >= s - 10) & (grid <= s + 60)
        wr = (g.t_s * 1000.0 >= s) & (g.t_s * 1000.0 <= s + 60)
        out["impulse_ns"].append(round(e["impulse_ns"], 2))
        out["contact_ms"].append(round(e["duration_ms"], 1))
        out["raw_right_mg"].append(int(raw[wr].max()))
        for foot in ("right", "left"):
            out[foot + "_mg"].append(int(sampled[foot][0][w].max()))
            out[foot + "_dps"].append(int(sampled[foot][1][w].max()))
    return out
