"""Look-alikes of the silent SOS, built from physics: a benchmark independent of the detector.

The silent SOS is the RIGHT foot's medial side struck against the LEFT foot three times,
250-800 ms apart. This module synthesises everyday and workplace motions that a foot IMU
(+ pressure zones) could mistake for it, for BOTH insoles of one wearer, and adds them to
real host recordings. It was written without reading the detector; the detector is scored
as a black box (``evaluate``). Physics, ranges and sources: docs/LOOKALIKES.md.

Pipeline per instance (``KINDS`` names the motions):
  1. ``synthesize(kind, rng)``: rigid-foot kinematics at FS_HZ in a gravity-aligned frame
     (x toes, y the wearer's left, z up): min-jerk swings, ballistic flight, body bounce
     from impulse balance, spring-damper contacts (Kelvin-Voigt, unilateral) between the
     feet, the ground or an object, with equal and opposite forces, the contact torque's
     rotation restrained by the ankle (2nd order), vertical load per foot in body weights.
  2. ``sense``: the insole's view: orientation (ZYX Euler), specific force R^T (a + g),
     body rate R^T dR/dt, the sensor mount's resonance (ringing), a 2nd-order anti-alias
     low-pass at 0.25-0.5 x ODR, sampled at ODR 52/104/208 Hz with a random phase, held
     onto the 100 Hz trace grid: deltas in mg and 0.1 dps.
  3. ``inject``: the deltas added to the host pair (right, left) in a standing (or
     walking) window, loads scaled from the host's zones, clipped to full scale, cropped.

Mirror (``mirror``): the same motion with the left foot as the mover: y, roll and yaw negate
(so gx, gz and ay negate) and the feet swap.

Not a detector: nothing here reads firmware/ or the tap models.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import numpy as np

from .trace import ACC_LIMIT_MG, DT_MS, GYRO_LIMIT_DDPS, LOAD_LIMIT_N, Trace, crop_labels

FS_HZ = 4000                      # synthesis rate (Hz); contacts last 2-20 ms = 8-80 samples
G = 9.80665                       # m/s^2 (ISO 80000-3 standard gravity)
MG = 1000.0 / G                   # m/s^2 -> mg
DDPS = 1800.0 / np.pi             # rad/s -> 0.1 dps
ODRS_HZ = (52, 104, 208)          # LSM6DSO output data rates near the 100 Hz grid (datasheet DS12140)
PRE_S, POST_S = 0.6, 1.2          # quiet synthesis margins around a motion (s)
RIGHT, LEFT = 0, 1
FOOT_NAMES = ("right", "left")
STAND = 0.5                       # a foot's load standing on both feet, in body weights
COP_SPREAD_MM = 60.0              # width of the zone weighting around a forced centre of pressure
# The gesture (the product's definition): right medial side against the left foot, 3 strikes,
# 250-800 ms apart; a strike needs at least the control's lowest approach speed.
GESTURE_GAP_S = (0.25, 0.80)
GESTURE_MIN_SPEED = 0.3           # m/s, the positive control's lower bound (assumption, see docs)
SOS_WINDOW_AFTER_MS = 3000        # an SOS up to 3 s after the motion ends is counted for it
DEFAULT_SEED = 2026
DEFAULT_N_EACH = 32


@dataclass(frozen=True)
class P:
    """A parameter's range: uniform in [lo, hi] (an int range when both are int), with its source."""
    lo: float
    hi: float
    src: str


@dataclass(frozen=True)
class C:
    """A categorical parameter: one of ``options`` (equal odds), with its source."""
    options: tuple
    src: str


# ---------------------------------------------------------------- sources (short keys, full in docs)
LIEB = "Lieberman et al. 2010 Nature 463:531 (effective mass at foot strike 1.7-6.8 % BW)"
AERTS = "Aerts et al. 1995 J Biomech 28:1299 (heel pad + shoe stiffness 50-300 kN/m)"
FARLEY = "Farley et al. 1991 J Appl Physiol 71:2127 (hopping 2.2-3.2 Hz, GRF 2.5-4 BW)"
CAV = "Cavanagh & Lafortune 1980 J Biomech 13:397; Heiderscheit et al. 2011 MSSE 43:296"
WINTER = "Winter 2009 Biomechanics and Motor Control, table 4.1 (segment masses, foot 1.45 % BW)"
LADDER = "EN 131-1:2015 (rung spacing 250-300 mm); OSHA 29 CFR 1910.23 (10-14 in)"
ISO2631 = "ISO 2631-1:1997 / EU 2002/44/EC (whole-body vibration 0.5-1.15 m/s^2 A(8), 1-80 Hz)"
LAFO = "assumption, guided by Lafortune et al. 1995 J Biomech 28:113 (skin/shoe mount resonances)"
LSM = "LSM6DSO datasheet DS12140 (ODR set; filter chain); ratio: assumption (brief)"
MOEL = "Moelants 2002 ICMPC7 (preferred music tempo ~120 bpm, 80-160 common)"
LEES = "Lees & Nolan 1998 J Sports Sci 16:211 (max kick 16-20 m/s); sub-maximal: assumption"
ASSUME = "assumption"

# Sensor/mount parameters drawn per insole and instance.
SENSOR_SPACE = {
    "odr_hz": C(ODRS_HZ, LSM),
    "aa_ratio": P(0.25, 0.5, LSM),
    "mount_hz": P(40.0, 120.0, LAFO),
    "mount_zeta": P(0.1, 0.35, LAFO),
    "sensor_below_com_m": P(0.02, 0.05, ASSUME + " (insole under the foot's centre of mass)"),
}
# Contact and segment parameters shared by the kinds.
CONTACT_SPACE = {
    "foot_mass_kg": P(1.5, 4.0, WINTER + " foot+boot+part of shank; assumption"),
    "foot_inertia": P(0.003, 0.01, ASSUME + " kg m^2, boot radius of gyration 4.5-8 cm"),
    "lifted_rot_hz": P(6.0, 15.0, ASSUME + " ankle restraint of a lifted foot"),
    "stand_rot_hz": P(15.0, 30.0, ASSUME + " ground restraint of a standing foot"),
    "rot_zeta": P(0.3, 0.7, ASSUME),
    "stand_mass_kg": P(10.0, 40.0, ASSUME + " a standing foot held by friction and the body"),
}


def _draw(space: dict, rng) -> dict:
    out = {}
    for name, spec in space.items():
        if isinstance(spec, C):
            out[name] = spec.options[int(rng.integers(len(spec.options)))]
        elif isinstance(spec.lo, int) and isinstance(spec.hi, int):
            out[name] = int(rng.integers(spec.lo, spec.hi + 1))
        else:
            out[name] = float(rng.uniform(spec.lo, spec.hi))
    return out


# ---------------------------------------------------------------- motion primitives
def _smooth(tau):
    """Min-jerk position profile s(tau), 0 -> 1 on tau in [0, 1] (Flash & Hogan 1985)."""
    tau = np.clip(tau, 0.0, 1.0)
    return tau ** 3 * (10 - 15 * tau + 6 * tau ** 2)


def _smooth_d(tau):
    inside = (tau >= 0) & (tau <= 1)
    return np.where(inside, 30 * tau ** 2 * (1 - tau) ** 2, 0.0)


def _smooth_dd(tau):
    inside = (tau >= 0) & (tau <= 1)
    return np.where(inside, 60 * tau * (1 - tau) * (1 - 2 * tau), 0.0)


def second_order(x, fs, f0, zeta):
    """x (n,) or (n, k) through H(s) = w0^2 / (s^2 + 2 zeta w0 s + w0^2), causal, unity DC gain.

    Done in the frequency domain (no scipy): the line between the first and last samples is
    taken out, the rest zero-padded (responses decay within the pad), filtered, put back.
    Used for the mount resonance, the anti-alias filter and the ankle's rotation restraint.
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    ramp = np.linspace(0.0, 1.0, n).reshape((n,) + (1,) * (x.ndim - 1))
    trend = x[:1] + (x[-1:] - x[:1]) * ramp
    pad = 1 << int(np.ceil(np.log2(n + int(fs * 0.5))))
    f = np.fft.rfftfreq(pad, 1.0 / fs)
    w, w0 = 2j * np.pi * f, 2 * np.pi * f0
    h = w0 ** 2 / (w ** 2 + 2 * zeta * w0 * w + w0 ** 2)
    y = np.fft.irfft(np.fft.rfft(x - trend, n=pad, axis=0) * (h if x.ndim == 1 else h[:, None]), n=pad, axis=0)
    return y[:n] + trend


def contact_force(v, m_a, m_b, k, zeta, fs=FS_HZ):
    """Unilateral Kelvin-Voigt contact force (N) over time, sampled at fs, and the restitution.

    v: approach speed (m/s, > 0); m_a, m_b: effective masses (kg; m_b None = fixed, infinite);
    k: contact stiffness (N/m); zeta: damping ratio. Contact ends when the force first falls to
    0 (Hunt & Crossley 1975 discuss why: a damper cannot pull). Returns (F (m,), e).
    """
    mu = m_a if m_b is None else m_a * m_b / (m_a + m_b)
    wn = np.sqrt(k / mu)
    wd = wn * np.sqrt(1 - zeta ** 2)
    t = np.arange(0.0, np.pi / wd * 1.05, 1.0 / fs)
    decay = np.exp(-zeta * wn * t)
    x = v / wd * decay * np.sin(wd * t)
    xd = v * decay * (np.cos(wd * t) - zeta * wn / wd * np.sin(wd * t))
    force = k * x + 2 * zeta * np.sqrt(k * mu) * xd
    end = int(np.argmax(force[1:] <= 0)) + 1 if (force[1:] <= 0).any() else len(force)
    force = force[:end]
    e = float(force.sum() / fs / (mu * v) - 1.0)
    return force, e


def _effective_mass(m, inertia, r, normal):
    """Effective mass (kg) at a contact point r (m, from the centre of mass) along a unit normal."""
    arm = np.cross(r, normal)
    return 1.0 / (1.0 / m + float(arm @ arm) / inertia)


@dataclass
class Motion:
    """Both feet's motion at FS_HZ; index 0 right, 1 left; time 0 is the motion's start.

    a: (2, n, 3) m/s^2, linear acceleration in the gravity-aligned frame (x toes, y the
       wearer's left, z up), free fall = (0, 0, -G).
    eul: (2, n, 3) rad, ZYX Euler angles (roll about x, pitch about y, yaw about z) of the
       foot relative to its host pose.
    torque: (2, 2, n, 3) N m, contact torques on each foot: [foot, 0 lifted / 1 standing].
    grf: (2, n) vertical load in body weights (STAND = 0.5 each standing; 0 lifted).
    cop: (2, n) forced centre of pressure along x (mm), NaN: the host's own pattern.
    contacts: dicts {t_s, mover, target ('foot'|'ground'|'object'), normal, speed, impulse,
       medial} one per contact.
    """
    duration_s: float
    a: np.ndarray
    eul: np.ndarray
    torque: np.ndarray
    grf: np.ndarray
    cop: np.ndarray
    contacts: list = field(default_factory=list)
    phys: dict = field(default_factory=dict)

    @property
    def t(self):
        return np.arange(self.a.shape[1]) / FS_HZ - PRE_S

    def _tau(self, t0, dur):
        return (self.t - t0) / dur

    def move(self, foot, t0, dur, d):
        """Min-jerk displacement d (m, 3-vector) of a foot over [t0, t0 + dur] (s)."""
        self.a[foot] += np.outer(_smooth_dd(self._tau(t0, dur)) / dur ** 2, d)

    def push(self, foot, t0, dur, dv):
        """Smooth velocity change dv (m/s, 3-vector) over [t0, t0 + dur]."""
        self.a[foot] += np.outer(_smooth_d(self._tau(t0, dur)) / dur, dv)

    def turn(self, foot, t0, dur, dang):
        """Min-jerk change of the Euler angles by dang (rad, roll/pitch/yaw) over [t0, t0 + dur]."""
        self.eul[foot] += np.outer(_smooth(self._tau(t0, dur)), dang)

    def load(self, foot, t0, t1, bw, ramp=0.05):
        """Set the foot's load to ``bw`` body weights over [t0, t1] with ramps of ``ramp`` s."""
        up = np.clip((self.t - t0) / ramp + 0.5, 0, 1) * np.clip((t1 - self.t) / ramp + 0.5, 0, 1)
        self.grf[foot] = self.grf[foot] * (1 - up) + bw * up

    def lift(self, foot, t0, t1, ramp=0.08):
        """The foot off the ground over [t0, t1]: its load to 0, the other foot's to 1 BW."""
        self.load(foot, t0, t1, 0.0, ramp)
        self.load(1 - foot, t0, t1, 2 * STAND, ramp)

    def contact(self, t0, mover, target, v, normal, k, zeta, r_a, mass_b=None, r_b=None, mass_a=None):
        """A contact at t0 (s) of ``mover`` moving at v (m/s) along unit ``normal`` into
        ``target``: the other foot (RIGHT/LEFT), 'ground' or 'object' (mass_b kg, None = fixed).

        The same force acts on both bodies with opposite signs (momentum is conserved between
        feet); each foot also gets the torque r x F. r_a, r_b: contact points from the feet's
        centres of mass (m). mass_a: the mover's mass (kg); default a standing foot's
        (``stand_mass_kg``) if it bears load, else a lifted foot's (``foot_mass_kg``); a foot
        meeting the ground is a lifted foot landing, restrained by the ground afterwards.
        Returns the contact record (also appended to ``contacts``).
        """
        ph = self.phys
        normal = np.asarray(normal, float) / np.linalg.norm(normal)
        ground = target == "ground"
        stand_a = ground or self.grf[mover][self._index(t0)] > 0.05
        m_a = mass_a or (ph["stand_mass_kg"] if stand_a and not ground else ph["foot_mass_kg"])
        me_a = _effective_mass(m_a, ph["foot_inertia"], np.asarray(r_a, float), normal)
        foot_b = target in (RIGHT, LEFT)
        if foot_b:
            stand_b = self.grf[target][self._index(t0)] > 0.05
            m_b = ph["stand_mass_kg"] if stand_b else ph["foot_mass_kg"]
            me_b = _effective_mass(m_b, ph["foot_inertia"], np.asarray(r_b, float), -normal)
        else:
            m_b, me_b = mass_b, mass_b
        force, e = contact_force(v, me_a, me_b, k, zeta)
        i0 = self._index(t0)
        m = min(len(force), self.a.shape[1] - i0)
        f_vec = np.outer(force[:m], normal)              # on the target; -f_vec on the mover
        self.a[mover, i0:i0 + m] -= f_vec / m_a
        self.torque[mover, int(stand_a), i0:i0 + m] += np.cross(r_a, -f_vec)
        if foot_b:
            self.a[target, i0:i0 + m] += f_vec / m_b
            self.torque[target, int(stand_b), i0:i0 + m] += np.cross(r_b, f_vec)
        impulse = float(force.sum() / FS_HZ)
        rec = {"t_s": round(float(t0), 4), "mover": FOOT_NAMES[mover],
               "target": FOOT_NAMES[target] if foot_b else target, "normal": [round(float(c), 3) for c in normal],
               "speed": round(float(v), 3), "impulse": round(impulse, 4), "restitution": round(e, 3),
               "dv_mover": impulse / m_a, "dv_target": impulse / m_b if m_b else 0.0,
               "medial": bool(normal[1] * (1 if mover == RIGHT else -1) > np.cos(np.radians(45)))}
        self.contacts.append(rec)
        return rec

    def strike(self, t0, mover, target, v, normal, k, zeta, r_a, approach_s, brake_s=0.06,
               back=True, mass_b=None, r_b=None, mass_a=None):
        """Swing ``mover`` into a contact at t0 (s): accelerate from rest to v along normal over
        approach_s, contact, brake the rebound to rest over brake_s, return to the start (min-jerk)
        over the same time as the approach when ``back``. A standing target is brought to rest
        by the ground over brake_s. Returns the contact record."""
        normal = np.asarray(normal, float) / np.linalg.norm(normal)
        self.push(mover, t0 - approach_s, approach_s, v * normal)
        rec = self.contact(t0, mover, target, v, normal, k, zeta, r_a, mass_b, r_b, mass_a)
        t1 = t0 + 0.004
        self.push(mover, t1, brake_s, -(v - rec["dv_mover"]) * normal)
        if target in (RIGHT, LEFT):
            self.push(target, t1, brake_s, -rec["dv_target"] * normal)
        if back:
            travel = v * approach_s / 2
            self.move(mover, t1 + brake_s, max(approach_s * 1.5, 0.08), -travel * normal)
        return rec

    def shake(self, foot, t0, dur, freq, amp, axis):
        """A Hann-windowed sinusoidal oscillation of a foot: axis 0-2 translation (amp m),
        3-5 rotation about x/y/z (amp rad), at freq Hz over [t0, t0 + dur]."""
        tau = np.clip((self.t - t0) / dur, 0, 1)
        env = np.sin(np.pi * tau) ** 2
        x = amp * env * np.sin(2 * np.pi * freq * (self.t - t0))
        if axis < 3:
            self.a[foot, :, axis] += np.gradient(np.gradient(x, 1.0 / FS_HZ), 1.0 / FS_HZ)
        else:
            self.eul[foot, :, axis - 3] += x

    def _index(self, t0):
        return int(np.clip(round((t0 + PRE_S) * FS_HZ), 0, self.a.shape[1] - 1))

    def bounce(self, stances, lift=None):
        """Whole-body bounces (hops, runs, a landing) from impulse balance.

        stances: list of dicts {feet: {foot: (t_on, t_off) s}, v_out: body take-off velocity
        (m/s, up)} in time order, separated by flight; the first may give 'v_in' (m/s, default 0:
        from standing) and 'pre_flight' (s: the body falls freely from then on, a drop). After
        the last stance the wearer stands. In stance the total vertical load is a half-sine
        whose impulse takes the body from v_in to v_out (an excess over body weight at a
        standing edge); in flight the body falls freely, and so does every foot in the air (it
        reads 0 g). A foot landing meets the ground at the body's speed (a contact, effective
        mass ``land_mass_kg``); a foot taking off is pushed to v_out over the last ``pushoff_s``
        of its stance. ``lift``: a foot held in the air throughout (hopping on the other).
        """
        ph, t = self.phys, self.t
        spans = [(min(a for a, _ in st["feet"].values()), max(b for _, b in st["feet"].values())) for st in stances]
        a_body = np.zeros(len(t))
        grf_tot = np.full(len(t), 2 * STAND)
        begin = stances[0].get("pre_flight", spans[0][0])
        if "pre_flight" in stances[0]:
            fall = (t >= begin) & (t < spans[0][0])
            a_body[fall], grf_tot[fall] = -G, 0.0
        v_in = stances[0].get("v_in", 0.0)
        for k, st in enumerate(stances):
            on, off = spans[k]
            tc, v_out = off - on, st["v_out"]
            inside = (t >= on) & (t < off)
            edge = (k == 0 and v_in == 0.0) or (k == len(stances) - 1 and v_out == 0.0)
            excess = (v_out - v_in) / G + (0.0 if edge else tc)           # impulse / (m g), s
            grf_tot[inside] = (1.0 if edge else 0.0) + np.pi * excess / (2 * tc) * np.sin(np.pi * (t[inside] - on) / tc)
            a_body[inside] = (grf_tot[inside] - 1.0) * G
            if k + 1 < len(stances):
                flight = (t >= off) & (t < spans[k + 1][0])
                a_body[flight], grf_tot[flight] = -G, 0.0
                v_in = v_out - G * (spans[k + 1][0] - off)
        v_body = np.cumsum(a_body) / FS_HZ
        span = (t >= begin) & (t < spans[-1][1])
        down = np.zeros((2, len(t)), bool)
        for st in stances:
            for foot, (on, off) in st["feet"].items():
                if foot != lift:
                    down[foot, (t >= on) & (t < off)] = True
        n_down = np.maximum(down.sum(axis=0), 1)
        for foot in (RIGHT, LEFT):
            air = span & ~down[foot]
            self.a[foot, air, 2] += a_body[air]
            self.grf[foot, span] = np.where(down[foot, span], grf_tot[span] / n_down[span], 0.0)
        for st in stances:
            for foot, (on, off) in st["feet"].items():
                vi = v_body[self._index(on)]
                if vi < -0.05:
                    rec = self.contact(on, foot, "ground", -vi, (0, 0, -1), ph["land_k"], ph["land_zeta"],
                                       (0.0, 0.0, -0.04), mass_a=ph["land_mass_kg"])
                    self.push(foot, on + 0.004, 0.03, (0, 0, -(rec["dv_mover"] + vi)))
                if st["v_out"] > 0:
                    self.push(foot, off - ph["pushoff_s"], ph["pushoff_s"], (0, 0, st["v_out"]))


def _new_motion(duration_s, rng) -> Motion:
    n = int(round((PRE_S + duration_s + POST_S) * FS_HZ))
    m = Motion(duration_s, np.zeros((2, n, 3)), np.zeros((2, n, 3)), np.zeros((2, 2, n, 3)),
               np.full((2, n), STAND), np.full((2, n), np.nan))
    m.phys = _draw(CONTACT_SPACE, rng)
    return m


def mirror(m: Motion) -> Motion:
    """The left-right mirror of a motion (sagittal plane): feet swapped, y, roll, yaw negated."""
    out = copy.deepcopy(m)
    swap = [LEFT, RIGHT]
    out.a = m.a[swap].copy()
    out.a[..., 1] *= -1
    out.eul = m.eul[swap].copy()
    out.eul[..., 0] *= -1
    out.eul[..., 2] *= -1
    out.torque = m.torque[swap].copy()  # a torque is a pseudo-vector: x and z flip, y stays
    out.torque[..., 0] *= -1
    out.torque[..., 2] *= -1
    out.grf = m.grf[swap].copy()
    out.cop = m.cop[swap].copy()
    for c in out.contacts:
        c["mover"] = FOOT_NAMES[1 - FOOT_NAMES.index(c["mover"])]
        if c["target"] in FOOT_NAMES:
            c["target"] = FOOT_NAMES[1 - FOOT_NAMES.index(c["target"])]
        c["normal"][1] = -c["normal"][1]
    return out


# ---------------------------------------------------------------- the kinds
@dataclass(frozen=True)
class Kind:
    """One motion: its parameter space, where it is placed, and how it is built."""
    name: str
    summary: str
    space: dict
    build: object
    where: str = "standing"                                  # 'standing' or 'walking'
    control: bool = False                                    # the real gesture (recall, not a look-alike)


def _p(rng, space):
    return _draw(space, rng)


HOP_CONTACT = {
    "land_mass_kg": P(2.0, 8.0, LIEB),
    "land_k": P(30e3, 150e3, AERTS),
    "land_zeta": P(0.3, 0.8, ASSUME + " (landings barely rebound)"),
    "pushoff_s": P(0.06, 0.12, ASSUME + " (push-off at the end of stance)"),
    "pushoff_pitch_deg": P(10.0, 30.0, ASSUME + " (heel rise at take-off)"),
}
FOOT_FOOT = {
    "k": P(20e3, 200e3, ASSUME + " boot upper / sole edge on boot, leather + rubber"),
    "zeta": P(0.1, 0.4, ASSUME),
    "contact_x": P(-0.05, 0.12, ASSUME + " contact point along the foot from its centre of mass (m)"),
    "contact_z": P(0.01, 0.05, ASSUME + " contact height above the centre of mass (m)"),
}


def _hop_params(rng, p):
    p.update(_draw(HOP_CONTACT, rng))


HOPPING_SPACE = {"n_hops": P(3, 8, FARLEY), "freq_hz": P(1.8, 3.2, FARLEY), "duty": P(0.35, 0.6, FARLEY),
         "lifted_pitch_deg": P(10.0, 80.0, ASSUME + " free foot held behind (knee flexed)"),
         "lag_s": P(0.0, 0.03, ASSUME + " feet not quite together")}


def _hopping(rng, both: bool):
    p = _p(rng, HOPPING_SPACE)
    period = 1.0 / p["freq_hz"]
    tc = p["duty"] * period
    dur = p["n_hops"] * period + 0.6
    m = _new_motion(dur, rng)
    _hop_params(rng, m.phys)
    feet = (RIGHT, LEFT) if both else (RIGHT,)
    stances = []
    t0 = 0.3
    for i in range(p["n_hops"] + 1):
        on = t0 + i * period
        st = {"feet": {f: (on + (p["lag_s"] if f == LEFT else 0.0), on + tc) for f in feet},
              "v_out": G * (period - tc) / 2 if i < p["n_hops"] else 0.0}
        stances.append(st)
    if not both:
        m.turn(LEFT, 0.05, 0.25, (0.0, np.radians(p["lifted_pitch_deg"]), 0.0))
        m.move(LEFT, 0.05, 0.25, (-0.1, 0.0, 0.15))
        end = stances[-1]["feet"][RIGHT][1]
        m.turn(LEFT, end, 0.3, (0.0, -np.radians(p["lifted_pitch_deg"]), 0.0))
        m.move(LEFT, end, 0.3, (0.1, 0.0, -0.15))
    if not both:
        m.lift(LEFT, 0.05, stances[-1]["feet"][RIGHT][1] + 0.3)
    m.bounce(stances, lift=None if both else LEFT)
    pitch = np.radians(m.phys["pushoff_pitch_deg"])
    for st in stances[:-1]:
        for f, (on, off) in st["feet"].items():
            m.turn(f, off - m.phys["pushoff_s"], m.phys["pushoff_s"], (0, pitch, 0))
            m.turn(f, off + 0.02, 0.12, (0, -pitch, 0))
    return m, p


def _hop_one(rng):
    return _hopping(rng, both=False)


def _hop_both(rng):
    return _hopping(rng, both=True)


JUMP_DOWN_SPACE = {"height_m": P(0.2, 1.0, ASSUME + " step, platform, truck bed (dock height ~1.2 m)"),
         "v0_mps": P(0.0, 1.0, ASSUME + " step off vs small jump off"),
         "lag_s": P(0.0, 0.04, ASSUME + " one foot first"),
         "absorb_s": P(0.15, 0.4, ASSUME + " knee flexion after landing"),
         "land_pitch_deg": P(-10.0, 20.0, ASSUME + " toes up (heel first) .. toes down (forefoot first)")}


def _jump_down(rng):
    p = _p(rng, JUMP_DOWN_SPACE)
    t_fl = (p["v0_mps"] + np.sqrt(p["v0_mps"] ** 2 + 2 * G * p["height_m"])) / G
    dur = 0.4 + t_fl + p["absorb_s"] + 0.3
    m = _new_motion(dur, rng)
    _hop_params(rng, m.phys)
    on = 0.4 + t_fl
    stances = [{"feet": {RIGHT: (on, on + p["absorb_s"]), LEFT: (on + p["lag_s"], on + p["absorb_s"])},
                "v_out": 0.0, "v_in": p["v0_mps"] - G * t_fl, "pre_flight": 0.4}]
    for f in (RIGHT, LEFT):                                  # feet leave the platform with the body
        m.push(f, 0.4 - 0.12, 0.12, (0, 0, p["v0_mps"]))
    m.bounce(stances)
    pitch = np.radians(p["land_pitch_deg"])
    for f in (RIGHT, LEFT):
        m.turn(f, 0.4, 0.2, (0, pitch, 0))
        m.turn(f, stances[0]["feet"][f][0], 0.05, (0, -pitch, 0))
    return m, p


RUN_SPACE = {"n_steps": P(6, 14, ASSUME + " a short run (to a vehicle, an alarm)"),
         "step_hz": P(2.5, 3.3, CAV), "contact_s": P(0.18, 0.30, CAV),
         "speed_mps": P(2.5, 5.0, CAV), "swing_lift_m": P(0.1, 0.3, ASSUME),
         "strike_pitch_deg": P(-20.0, 10.0, CAV + " (heel vs forefoot strike)")}


def _run(rng):
    p = _p(rng, RUN_SPACE)
    period = 1.0 / p["step_hz"]
    tc = min(p["contact_s"], period - 0.03)
    dur = 0.3 + p["n_steps"] * period + 0.4
    m = _new_motion(dur, rng)
    _hop_params(rng, m.phys)
    stances = []
    for i in range(p["n_steps"]):
        on = 0.3 + i * period
        stances.append({"feet": {i % 2: (on, on + tc)}, "v_out": G * (period - tc) / 2})
    last_on = 0.3 + p["n_steps"] * period
    stances.append({"feet": {RIGHT: (last_on, last_on + 0.3), LEFT: (last_on, last_on + 0.3)}, "v_out": 0.0})
    m.bounce(stances)
    stride = 2 * p["speed_mps"] * period
    strike = np.radians(p["strike_pitch_deg"])
    for i in range(p["n_steps"]):
        foot = i % 2
        off = 0.3 + i * period + tc
        land = off + (2 * period - tc if i + 2 < p["n_steps"] + 1 else period - tc)
        sw = land - off
        step = stride if i > 0 else stride / 2
        m.move(foot, off, sw, (step, 0, 0))
        m.move(foot, off, sw / 2, (0, 0, p["swing_lift_m"]))
        m.move(foot, off + sw / 2, sw / 2, (0, 0, -p["swing_lift_m"]))
        m.turn(foot, off - 0.08, 0.12, (0, np.radians(35), 0))
        m.turn(foot, off + 0.04, sw - 0.04, (0, strike - np.radians(35), 0))
        m.turn(foot, land, 0.06, (0, -strike, 0))
    return m, p


KICK_SPACE = {"n_kicks": P(1, 4, ASSUME + " a jammed door or pallet kicked again"),
         "interval_s": P(0.5, 1.5, ASSUME + " backswing and re-aim"),
         "speed_mps": P(1.5, 6.0, LEES), "object_kg": P(2.0, 60.0, ASSUME + " tool, door leaf, pallet"),
         "object_fixed": C((False, True), ASSUME + " wall/stuck pallet vs free object"),
         "k": P(50e3, 1000e3, ASSUME + " boot toe cap (steel) on wood/steel"),
         "zeta": P(0.05, 0.3, ASSUME), "side_deg": P(-20.0, 20.0, ASSUME + " aim off straight ahead")}


def _kick(rng):
    p = _p(rng, KICK_SPACE)
    dur = 0.5 + p["n_kicks"] * p["interval_s"] + 0.4
    m = _new_motion(dur, rng)
    m.lift(RIGHT, 0.2, dur - 0.1)
    side = np.radians(p["side_deg"])
    normal = (np.cos(side), np.sin(side), 0.0)
    for i in range(p["n_kicks"]):
        tk = 0.6 + i * p["interval_s"]
        back = min(0.3, p["interval_s"] * 0.4)
        m.move(RIGHT, tk - back - 0.25, 0.25, (-0.25, 0, 0.05))
        m.turn(RIGHT, tk - back - 0.25, 0.25, (0, np.radians(30), 0))
        m.turn(RIGHT, tk - back, back, (0, -np.radians(30), 0))
        m.strike(tk, RIGHT, "object", p["speed_mps"], normal, p["k"], p["zeta"], (0.14, 0.0, 0.02), back,
                 mass_b=None if p["object_fixed"] else p["object_kg"])
    return m, p


SIDE_PUSH_SPACE = {"n_pushes": P(1, 4, ASSUME + " nudging a box, cable drum, pallet along the floor"),
         "interval_s": P(0.4, 1.2, ASSUME), "speed_mps": P(0.5, 2.5, ASSUME + " inside-foot pass speeds"),
         "object_kg": P(2.0, 30.0, ASSUME), "k": P(20e3, 200e3, ASSUME),
         "zeta": P(0.1, 0.4, ASSUME), "angle_deg": P(40.0, 90.0, ASSUME + " push direction from +x to medial")}


def _side_push(rng):
    p = _p(rng, SIDE_PUSH_SPACE)
    dur = 0.5 + p["n_pushes"] * p["interval_s"] + 0.4
    m = _new_motion(dur, rng)
    m.lift(RIGHT, 0.2, dur - 0.1)
    ang = np.radians(p["angle_deg"])
    normal = (np.cos(ang), np.sin(ang), 0.0)
    for i in range(p["n_pushes"]):
        tk = 0.6 + i * p["interval_s"]
        m.turn(RIGHT, tk - 0.3, 0.2, (0, 0, -np.radians(40)))  # toes out: the medial side forward
        m.turn(RIGHT, tk + 0.1, 0.2, (0, 0, np.radians(40)))
        m.strike(tk, RIGHT, "object", p["speed_mps"], normal, p["k"], p["zeta"], (0.03, 0.04, 0.02),
                 min(0.2, p["interval_s"] * 0.35), mass_b=p["object_kg"])
    return m, p


STAMP_SPACE = {"n_stamps": P(1, 6, ASSUME + " snow/mud off, warming, an insect"),
         "interval_s": P(0.3, 0.9, ASSUME), "alternate": C((False, True), ASSUME),
         "lift_m": P(0.05, 0.25, ASSUME), "speed_mps": P(1.0, 3.0, ASSUME),
         "k": P(100e3, 500e3, AERTS + "; hard floor"), "zeta": P(0.2, 0.6, ASSUME),
         "drive_kg": P(4.0, 12.0, LIEB + "; driven by the leg"),
         "slap_deg": P(0.0, 15.0, ASSUME + " toes up before the stamp, slapped flat")}


def _stamp(rng):
    p = _p(rng, STAMP_SPACE)
    dur = 0.4 + p["n_stamps"] * p["interval_s"] + 0.3
    m = _new_motion(dur, rng)
    for i in range(p["n_stamps"]):
        foot = i % 2 if p["alternate"] else RIGHT
        tk = 0.5 + i * p["interval_s"]
        up = min(0.6 * p["interval_s"], 0.35)
        m.lift(foot, tk - up - 0.05, tk, ramp=0.04)
        m.move(foot, tk - up - 0.05, up * 0.6, (0, 0, p["lift_m"]))
        m.turn(foot, tk - up - 0.05, up * 0.6, (0, -np.radians(p["slap_deg"]), 0))
        m.turn(foot, tk, 0.03, (0, np.radians(p["slap_deg"]), 0))
        m.strike(tk, foot, "ground", p["speed_mps"], (0, 0, -1), p["k"], p["zeta"], (0, 0, -0.04),
                 max(p["lift_m"] / p["speed_mps"], 0.04), back=False, mass_a=p["drive_kg"])
    return m, p


LADDER_SPACE = {"n_rungs": P(3, 8, ASSUME), "rung_m": P(0.25, 0.36, LADDER),
         "step_s": P(0.7, 1.5, ASSUME + " climbing cadence"), "down": C((False, True), ASSUME),
         "place_mps": P(0.3, 1.0, ASSUME), "k": P(200e3, 800e3, ASSUME + " boot sole on a metal rung"),
         "zeta": P(0.1, 0.4, ASSUME), "bump_p": P(0.0, 0.5, ASSUME + " the foot's side meets a stile"),
         "bump_mps": P(0.2, 0.8, ASSUME)}


def _ladder(rng):
    p = _p(rng, LADDER_SPACE)
    dur = 0.4 + p["n_rungs"] * p["step_s"] + 0.4
    m = _new_motion(dur, rng)
    sign = -1 if p["down"] else 1
    for i in range(p["n_rungs"]):
        foot = i % 2
        t0 = 0.4 + i * p["step_s"]
        sw = 0.6 * p["step_s"]
        m.lift(foot, t0, t0 + sw, ramp=0.05)
        m.move(foot, t0, sw, (0.03, 0, sign * 2 * p["rung_m"] if i > 0 else sign * p["rung_m"]))
        m.turn(foot, t0, sw / 2, (0, np.radians(-15 * sign), 0))
        m.turn(foot, t0 + sw / 2, sw / 2, (0, np.radians(15 * sign), 0))
        m.contact(t0 + sw, foot, "ground", p["place_mps"], (0, 0, -1), p["k"], p["zeta"], (0.0, 0.0, -0.04))
        if rng.uniform() < p["bump_p"]:
            side = 1 if rng.uniform() < 0.5 else -1
            m.contact(t0 + sw * 0.6, foot, "object", p["bump_mps"], (0, side, 0), p["k"], p["zeta"],
                      (0.0, 0.045 * side, 0.02))
        m.cop[foot, (m.t > t0 + sw)] = 110.0                          # the rung under the arch
    m.cop[:, m.t > dur - 0.2] = np.nan
    return m, p


KNOCK_MUD_SPACE = {"style": C(("boot_to_boot", "toe_to_heel", "toe_to_wall"), ASSUME + " site practice"),
         "n_knocks": P(2, 6, ASSUME), "gap_s": P(0.15, 0.7, ASSUME),
         "speed_mps": P(0.4, 2.0, ASSUME)}


def _knock_mud(rng):
    p = _p(rng, KNOCK_MUD_SPACE)
    p.update(_draw(FOOT_FOOT, rng))
    dur = 0.5 + p["n_knocks"] * p["gap_s"] + 0.4
    m = _new_motion(dur, rng)
    m.lift(RIGHT, 0.2, dur - 0.1)
    for i in range(p["n_knocks"]):
        tk = 0.6 + i * p["gap_s"]
        appr = min(0.15, 0.4 * p["gap_s"])
        if p["style"] == "boot_to_boot":
            m.strike(tk, RIGHT, LEFT, p["speed_mps"], (0.0, 1.0, 0.0), p["k"], p["zeta"],
                     (p["contact_x"], 0.045, p["contact_z"]), appr, r_b=(p["contact_x"], -0.045, p["contact_z"]))
        elif p["style"] == "toe_to_heel":
            m.strike(tk, RIGHT, LEFT, p["speed_mps"], (0.8, 0.6, 0.0), p["k"], p["zeta"],
                     (0.14, 0.02, 0.0), appr, r_b=(-0.12, 0.0, 0.02))
        else:
            m.strike(tk, RIGHT, "object", p["speed_mps"], (1.0, 0.0, 0.0), p["k"], p["zeta"],
                     (0.14, 0.0, 0.02), appr)
    return m, p


SIDE_STEP_SPACE = {"n_steps": P(2, 6, ASSUME + " moving along a bench or conveyor"),
         "step_s": P(0.3, 0.6, ASSUME), "width_m": P(0.2, 0.45, ASSUME),
         "to_left": C((False, True), ASSUME), "close_m": P(0.05, 0.2, ASSUME + " stance width after closing"),
         "brush_p": P(0.0, 0.3, ASSUME), "brush_mps": P(0.1, 0.4, ASSUME)}


def _side_step(rng):
    p = _p(rng, SIDE_STEP_SPACE)
    p.update(_draw(FOOT_FOOT, rng))
    dur = 0.4 + p["n_steps"] * 2 * p["step_s"] + 0.3
    m = _new_motion(dur, rng)
    side = 1 if p["to_left"] else -1
    lead, trail = (LEFT, RIGHT) if p["to_left"] else (RIGHT, LEFT)
    for i in range(p["n_steps"]):
        t0 = 0.4 + i * 2 * p["step_s"]
        for foot, start, d in ((lead, t0, p["width_m"]), (trail, t0 + p["step_s"], p["width_m"])):
            m.lift(foot, start, start + p["step_s"] * 0.9, ramp=0.04)
            m.move(foot, start, p["step_s"] * 0.9, (0, side * d, 0))
            m.move(foot, start, p["step_s"] * 0.45, (0, 0, 0.04))
            m.move(foot, start + p["step_s"] * 0.45, p["step_s"] * 0.45, (0, 0, -0.04))
            m.contact(start + p["step_s"] * 0.9, foot, "ground", 0.3, (0, 0, -1), 150e3, 0.4, (0, 0, -0.04))
        if rng.uniform() < p["brush_p"]:
            tb = t0 + p["step_s"] * 1.8
            m.contact(tb, trail, lead, p["brush_mps"], (0, side, 0), p["k"], p["zeta"],
                      (p["contact_x"], 0.045 * side, p["contact_z"]), r_b=(p["contact_x"], -0.045 * side, p["contact_z"]))
    return m, p


PIVOT_SPACE = {"n_turns": P(1, 3, ASSUME), "angle_deg": P(45.0, 180.0, ASSUME + " turning at a workstation"),
         "turn_s": P(0.3, 0.8, ASSUME), "heel_rise_deg": P(5.0, 20.0, ASSUME)}


def _pivot(rng):
    p = _p(rng, PIVOT_SPACE)
    dur = 0.4 + p["n_turns"] * (p["turn_s"] + 0.5) + 0.3
    m = _new_motion(dur, rng)
    for i in range(p["n_turns"]):
        t0 = 0.4 + i * (p["turn_s"] + 0.5)
        sgn = 1 if rng.uniform() < 0.5 else -1
        yaw = sgn * np.radians(p["angle_deg"])
        piv, step = (RIGHT, LEFT) if sgn > 0 else (LEFT, RIGHT)
        rise = np.radians(p["heel_rise_deg"])
        m.turn(piv, t0 - 0.1, 0.1, (0, rise, 0))
        m.turn(piv, t0, p["turn_s"], (0, 0, yaw))
        m.turn(piv, t0 + p["turn_s"], 0.1, (0, -rise, 0))
        m.cop[piv, (m.t > t0 - 0.1) & (m.t < t0 + p["turn_s"] + 0.1)] = 190.0
        m.lift(step, t0, t0 + p["turn_s"])
        m.turn(step, t0, p["turn_s"], (0, 0, yaw))
        r = 0.15
        m.move(step, t0, p["turn_s"], (r * (1 - np.cos(yaw)), r * np.sin(yaw) * -sgn, 0))
        m.contact(t0 + p["turn_s"], step, "ground", 0.3, (0, 0, -1), 150e3, 0.4, (0, 0, -0.04))
    return m, p


CROSS_FEET_SPACE = {"across_m": P(0.15, 0.35, ASSUME + " stance width + the other foot's width"),
         "hold_s": P(0.8, 4.0, ASSUME), "toe_down_deg": P(10.0, 50.0, ASSUME + " crossed foot on its toes"),
         "brush_p": P(0.0, 0.5, ASSUME), "brush_mps": P(0.1, 0.5, ASSUME)}


def _cross_feet(rng):
    p = _p(rng, CROSS_FEET_SPACE)
    p.update(_draw(FOOT_FOOT, rng))
    dur = 0.4 + 0.5 + p["hold_s"] + 0.5 + 0.3
    m = _new_motion(dur, rng)
    t0, t1 = 0.4, 0.4 + 0.5 + p["hold_s"]
    toe = np.radians(p["toe_down_deg"])
    for start, sgn in ((t0, 1), (t1, -1)):
        m.lift(RIGHT, start, start + 0.45, ramp=0.05)
        m.move(RIGHT, start, 0.45, (sgn * 0.08, sgn * p["across_m"], 0))
        m.move(RIGHT, start, 0.22, (0, 0, 0.05))
        m.move(RIGHT, start + 0.22, 0.23, (0, 0, -0.05))
        m.turn(RIGHT, start, 0.45, (0, sgn * toe, 0))
        if rng.uniform() < p["brush_p"]:
            m.contact(start + 0.2, RIGHT, LEFT, p["brush_mps"], (0, sgn, 0), p["k"], p["zeta"],
                      (p["contact_x"], 0.045 * sgn, p["contact_z"]), r_b=(p["contact_x"], -0.045 * sgn, p["contact_z"]))
    m.cop[RIGHT, (m.t > t0 + 0.45) & (m.t < t1)] = 200.0
    m.load(RIGHT, t0 + 0.45, t1, 0.15)
    m.load(LEFT, t0 + 0.45, t1, 0.85)
    return m, p


SHAKE_FOOT_SPACE = {"freq_hz": P(3.0, 8.0, ASSUME + " voluntary rapid alternating leg movement"),
         "axis": C((0, 1, 2, 3), ASSUME + " along x, y, z or rolling"),
         "amp": P(0.01, 0.05, ASSUME + " m (rolling: x 4 rad/m, i.e. 2-11 deg)"),
         "shake_s": P(0.5, 2.5, ASSUME)}


def _shake_foot(rng):
    p = _p(rng, SHAKE_FOOT_SPACE)
    dur = 0.5 + p["shake_s"] + 0.5
    m = _new_motion(dur, rng)
    m.lift(RIGHT, 0.2, dur - 0.1)
    m.move(RIGHT, 0.2, 0.25, (0, 0, 0.1))
    m.move(RIGHT, dur - 0.4, 0.25, (0, 0, -0.1))
    amp = p["amp"] * (4.0 if p["axis"] == 3 else 1.0)
    m.shake(RIGHT, 0.5, p["shake_s"], p["freq_hz"], amp, p["axis"])
    return m, p


ANKLE_CATCH_SPACE = {"speed_mps": P(0.3, 1.5, ASSUME + " medial part of the swing foot's speed"),
         "k": P(5e3, 50e3, ASSUME + " boot on ankle, trousers"), "zeta": P(0.2, 0.5, ASSUME),
         "second_p": P(0.0, 0.5, ASSUME + " caught again one stride later"),
         "stride_s": P(0.9, 1.3, ASSUME + " walking stride time")}


def _ankle_catch(rng):
    p = _p(rng, ANKLE_CATCH_SPACE)
    dur = 0.3 + p["stride_s"] + 0.3
    m = _new_motion(dur, rng)
    m.grf[RIGHT], m.grf[LEFT] = 0.0, 2 * STAND            # right in swing, left in stance
    for i in range(1 + int(rng.uniform() < p["second_p"])):
        m.contact(0.3 + i * p["stride_s"], RIGHT, LEFT, p["speed_mps"], (0.3, 1.0, 0.0), p["k"], p["zeta"],
                  (0.05, 0.045, 0.03), r_b=(-0.08, -0.04, 0.08))
    m.grf[:] = np.nan                                     # the host's own gait carries the loads
    return m, p


TAP_MUSIC_SPACE = {"bpm": P(80.0, 160.0, MOEL), "n_taps": P(4, 16, ASSUME), "toe": C((True, False), ASSUME + " toe or heel"),
         "rise_deg": P(5.0, 15.0, ASSUME), "speed_mps": P(0.2, 0.6, ASSUME),
         "k": P(50e3, 200e3, AERTS), "zeta": P(0.2, 0.5, ASSUME), "segment_kg": P(0.5, 1.5, WINTER)}


def _tap_music(rng):
    p = _p(rng, TAP_MUSIC_SPACE)
    beat = 60.0 / p["bpm"]
    dur = 0.4 + p["n_taps"] * beat + 0.3
    m = _new_motion(dur, rng)
    sgn = -1 if p["toe"] else 1                                       # toes up = negative pitch
    rise = np.radians(p["rise_deg"])
    for i in range(p["n_taps"]):
        tk = 0.5 + i * beat
        up = 0.45 * beat
        m.turn(RIGHT, tk - up - 0.05, up * 0.6, (0, sgn * rise, 0))
        m.turn(RIGHT, tk - up * 0.4 - 0.05, up * 0.4, (0, -sgn * rise, 0))
        m.cop[RIGHT, (m.t > tk - up - 0.05) & (m.t < tk)] = 30.0 if p["toe"] else 200.0
        m.grf[RIGHT, (m.t > tk - up - 0.05) & (m.t < tk)] = 0.35
        m.contact(tk, RIGHT, "ground", p["speed_mps"], (0, 0, -1), p["k"], p["zeta"],
                  (0.12 * -sgn, 0, -0.04), mass_a=p["segment_kg"])
    return m, p


KNEEL_SPACE = {"knee": C((RIGHT, LEFT), ASSUME), "kneel_s": P(2.0, 8.0, ASSUME + " tying laces, a low bolt"),
         "toe_pitch_deg": P(50.0, 85.0, ASSUME + " kneeling foot on its toes, heel up"),
         "step_back_m": P(0.3, 0.5, ASSUME), "knee_mps": P(0.3, 1.2, ASSUME + " knee touchdown")}


def _kneel(rng):
    p = _p(rng, KNEEL_SPACE)
    dur = 0.4 + 0.8 + p["kneel_s"] + 0.8 + 0.3
    m = _new_motion(dur, rng)
    k, o = p["knee"], 1 - p["knee"]
    t0, t1 = 0.4, 1.2 + p["kneel_s"]
    pitch = np.radians(p["toe_pitch_deg"])
    m.lift(k, t0, t0 + 0.35)
    m.move(k, t0, 0.35, (-p["step_back_m"], 0, 0))
    m.turn(k, t0 + 0.3, 0.5, (0, pitch, 0))
    for f in (RIGHT, LEFT):                               # the knee's touchdown shakes the whole body
        m.push(f, t0 + 0.8, 0.04, (0, 0, p["knee_mps"] * 0.3))
        m.push(f, t0 + 0.84, 0.1, (0, 0, -p["knee_mps"] * 0.3))
    m.load(k, t0 + 0.8, t1, 0.15)
    m.load(o, t0 + 0.8, t1, 0.5)
    m.cop[k, (m.t > t0 + 0.8) & (m.t < t1)] = 220.0
    m.turn(k, t1, 0.5, (0, -pitch, 0))
    m.lift(k, t1 + 0.3, t1 + 0.7)
    m.move(k, t1 + 0.3, 0.4, (p["step_back_m"], 0, 0))
    return m, p


VEHICLE_SPACE = {"vib_hz": P(2.0, 20.0, ISO2631 + "; forklift/truck floor modes"),
         "rms_mps2": P(0.3, 1.5, ISO2631), "n_shocks": P(1, 5, ASSUME + " dock plates, joints, potholes"),
         "shock_gap_s": P(0.3, 1.6, ASSUME + " wheelbase 1.2-2.0 m at 1-4 m/s"),
         "shock_g": P(0.5, 3.0, ASSUME), "shock_s": P(0.02, 0.06, ASSUME), "ride_s": P(3.0, 6.0, ASSUME),
         "rock_deg": P(0.2, 1.5, ASSUME + " floor pitch/roll rocking")}


def _vehicle(rng):
    p = _p(rng, VEHICLE_SPACE)
    dur = p["ride_s"]
    m = _new_motion(dur, rng)
    t = m.t
    env = np.clip(t / 0.5, 0, 1) * np.clip((dur - t) / 0.5, 0, 1)
    for axis, gain in ((2, 1.0), (0, 0.5), (1, 0.5)):
        fr = p["vib_hz"] * rng.uniform(0.7, 1.4, 3)
        ph = rng.uniform(0, 2 * np.pi, 3)
        sig = sum(np.sin(2 * np.pi * f * t + q) for f, q in zip(fr, ph)) * np.sqrt(2 / 3)
        m.a[:, :, axis] += gain * p["rms_mps2"] * env * sig
        if axis < 2:                                      # the floor rocks about x and y as well
            m.eul[:, :, axis] += np.radians(p["rock_deg"]) * env * np.sin(2 * np.pi * fr[0] * 0.5 * t + ph[1])
    for i in range(p["n_shocks"]):
        ts = 0.8 + i * p["shock_gap_s"]
        if ts + 0.2 > dur:
            break
        for f in (RIGHT, LEFT):
            m.push(f, ts, p["shock_s"], (0, 0, p["shock_g"] * G * p["shock_s"] / 2))
            m.push(f, ts + p["shock_s"], p["shock_s"] * 2, (0, 0, -p["shock_g"] * G * p["shock_s"] / 2))
        m.grf[:, (t > ts) & (t < ts + p["shock_s"])] = STAND * (1 + p["shock_g"])
    return m, p


STUMBLE_SPACE = {"speed_mps": P(1.0, 3.0, ASSUME + " toe speed in mid-swing"),
         "k": P(50e3, 500e3, ASSUME + " toe cap on a kerb, pallet edge"), "zeta": P(0.1, 0.4, ASSUME),
         "recovery_s": P(0.15, 0.35, ASSUME + " quick recovery step"),
         "recovery_mps": P(0.8, 2.0, ASSUME + " recovery foot's landing speed")}


def _stumble(rng):
    p = _p(rng, STUMBLE_SPACE)
    dur = 1.2
    m = _new_motion(dur, rng)
    m.grf[RIGHT] = 0.0
    m.grf[LEFT] = 2 * STAND
    m.contact(0.3, RIGHT, "object", p["speed_mps"], (1.0, 0.0, -0.2), p["k"], p["zeta"], (0.14, 0.0, 0.0))
    tl = 0.3 + p["recovery_s"]
    m.move(LEFT, 0.3 + 0.03, p["recovery_s"] - 0.03, (0.5, 0, 0))
    m.contact(tl, LEFT, "ground", p["recovery_mps"], (0, 0, -1), 150e3, 0.4, (0, 0, -0.04))
    m.contact(tl + 0.3, RIGHT, "ground", p["recovery_mps"] * 0.8, (0, 0, -1), 150e3, 0.4, (0, 0, -0.04))
    m.grf[:] = np.nan
    return m, p


FOOT_RUB_SPACE = {"n_strokes": P(3, 10, ASSUME + " scratching a calf, wiping a boot's side"),
         "stroke_hz": P(1.5, 4.0, ASSUME), "press_mps": P(0.02, 0.3, ASSUME + " normal approach of a stroke"),
         "stroke_m": P(0.02, 0.06, ASSUME + " half the stroke length")}


def _foot_rub(rng):
    p = _p(rng, FOOT_RUB_SPACE)
    p.update(_draw(FOOT_FOOT, rng))
    period = 1.0 / p["stroke_hz"]
    dur = 0.5 + p["n_strokes"] * period + 0.4
    m = _new_motion(dur, rng)
    m.lift(RIGHT, 0.2, dur - 0.1)
    m.move(RIGHT, 0.2, 0.3, (0, 0, 0.1))
    m.move(RIGHT, dur - 0.4, 0.3, (0, 0, -0.1))
    m.shake(RIGHT, 0.5, p["n_strokes"] * period, p["stroke_hz"], p["stroke_m"], 2)
    for i in range(p["n_strokes"]):
        m.contact(0.5 + (i + 0.25) * period, RIGHT, LEFT, p["press_mps"], (0, 1, 0), p["k"] * 0.3, p["zeta"],
                  (0.0, 0.045, p["contact_z"]), r_b=(-0.05, -0.04, 0.1))
    return m, p


GESTURE_SPACE = {"n_strikes": P(3, 3, "the product's gesture"), "gap_s": P(0.25, 0.8, "the product's gesture"),
         "speed_mps": P(0.3, 1.2, ASSUME + " deliberate taps: 5-15 cm swings in ~0.15 s"),
         "approach_s": P(0.08, 0.18, ASSUME)}


def _gesture(rng):
    p = _p(rng, GESTURE_SPACE)
    p.update(_draw(FOOT_FOOT, rng))
    gaps = [p["gap_s"]] + list(rng.uniform(GESTURE_SPACE["gap_s"].lo, GESTURE_SPACE["gap_s"].hi, p["n_strikes"] - 2))
    p["gaps_s"] = [round(float(g), 3) for g in gaps]
    dur = 0.6 + sum(gaps) + 0.5
    m = _new_motion(dur, rng)
    m.lift(RIGHT, 0.15, dur - 0.1)
    m.move(RIGHT, 0.15, 0.3, (0, 0, 0.03))
    m.move(RIGHT, dur - 0.4, 0.3, (0, 0, -0.03))
    tk = 0.7
    for i in range(p["n_strikes"]):
        appr = min(p["approach_s"], 0.45 * min(gaps))
        m.strike(tk, RIGHT, LEFT, p["speed_mps"], (0.0, 1.0, 0.0), p["k"], p["zeta"],
                 (p["contact_x"], 0.045, p["contact_z"]), appr, r_b=(p["contact_x"], -0.045, p["contact_z"]))
        if i < len(gaps):
            tk += gaps[i]
    return m, p


KINDS = {k.name: k for k in (
    Kind("hop_one", "hopping on the right foot, the left held up: flight at 0 g, landings, push-offs", HOPPING_SPACE, _hop_one),
    Kind("hop_both", "hopping on both feet (jumping in place), feet a few ms apart", HOPPING_SPACE, _hop_both),
    Kind("jump_down", "jumping down 0.2-1.0 m: free fall, two-foot landing, absorption", JUMP_DOWN_SPACE, _jump_down),
    Kind("run", "a short run from standing: alternate stances, flight, swing, heel/forefoot strikes", RUN_SPACE, _run),
    Kind("kick", "kicking a tool, door or pallet with the toe, 1-4 times", KICK_SPACE, _kick),
    Kind("side_push", "nudging a box/pallet with the inside (medial side) of the right foot", SIDE_PUSH_SPACE, _side_push),
    Kind("stamp", "stamping 1-6 times (snow, mud, warming), one foot or alternating", STAMP_SPACE, _stamp),
    Kind("ladder", "climbing a ladder up/down: feet on metal rungs, bumps on the stiles", LADDER_SPACE, _ladder),
    Kind("knock_mud", "knocking mud off: boot against boot (medial), toe against heel, toe against a wall",
         KNOCK_MUD_SPACE, _knock_mud),
    Kind("side_step", "side-stepping along a bench: the trailing foot closes in, may brush the other", SIDE_STEP_SPACE,
         _side_step),
    Kind("pivot", "turning on the spot on the ball of one foot, the other stepping round", PIVOT_SPACE, _pivot),
    Kind("cross_feet", "crossing the right foot over the left and back, may brush it", CROSS_FEET_SPACE, _cross_feet),
    Kind("shake_foot", "shaking a lifted foot (water, a pebble): a sinusoid, no contact", SHAKE_FOOT_SPACE, _shake_foot),
    Kind("ankle_catch", "walking: the right swing foot catches the left ankle (once or twice)", ANKLE_CATCH_SPACE, _ankle_catch,
         where="walking"),
    Kind("tap_music", "tapping the toe or heel to music, 80-160 bpm", TAP_MUSIC_SPACE, _tap_music),
    Kind("kneel", "kneeling on one knee and standing up (the kneeling foot on its toes)", KNEEL_SPACE, _kneel),
    Kind("vehicle", "standing on a vehicle/machine floor: vibration and 1-5 shocks", VEHICLE_SPACE, _vehicle),
    Kind("stumble", "walking: the right toe trips on an obstacle, quick recovery steps", STUMBLE_SPACE, _stumble,
         where="walking"),
    Kind("foot_rub", "rubbing the left calf/ankle with the right foot: light repeated contacts", FOOT_RUB_SPACE, _foot_rub),
    Kind("gesture", "POSITIVE CONTROL: 3 deliberate medial strikes right against left, left standing", GESTURE_SPACE,
         _gesture, control=True),
)}


def synthesize(kind: str, rng) -> tuple:
    """(Motion, params) of one instance of ``kind`` drawn with ``rng`` (numpy Generator).

    Raises ValueError naming the known kinds for an unknown name.
    """
    if kind not in KINDS:
        raise ValueError("unknown look-alike kind %r; known: %s" % (kind, ", ".join(KINDS)))
    m, p = KINDS[kind].build(rng)
    p = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in p.items()}
    return m, p


def is_gesture(m: Motion) -> bool:
    """True if the motion physically IS the gesture: 3 consecutive contacts of the right foot's
    medial side on the left foot at >= GESTURE_MIN_SPEED, 250-800 ms apart (indistinguishable by
    definition; counted apart from the look-alikes)."""
    times = [c["t_s"] for c in m.contacts if c["mover"] == "right" and c["target"] == "left" and c["medial"]
             and c["speed"] >= GESTURE_MIN_SPEED]
    run = 1
    for a, b in zip(times, times[1:]):
        run = run + 1 if GESTURE_GAP_S[0] <= b - a <= GESTURE_GAP_S[1] else 1
        if run >= 3:
            return True
    return False


# ---------------------------------------------------------------- the insole's view
def _euler(eul):
    """(n, 3, 3) rotation matrices (body -> world) R = Rz(yaw) Ry(pitch) Rx(roll)."""
    r, p, y = eul[:, 0], eul[:, 1], eul[:, 2]
    cr, sr, cp, sp, cy, sy = np.cos(r), np.sin(r), np.cos(p), np.sin(p), np.cos(y), np.sin(y)
    return np.stack([
        np.stack([cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr], -1),
        np.stack([sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr], -1),
        np.stack([-sp, cp * sr, cp * cr], -1)], -2)


def _tilt(g_hat):
    """Q (3, 3), sensor -> foot frame, the smallest rotation with Q @ g_hat = z (Rodrigues)."""
    z = np.array([0.0, 0.0, 1.0])
    v = np.cross(g_hat, z)
    s, c = np.linalg.norm(v), float(g_hat @ z)
    if s < 1e-9:
        return np.eye(3)
    k = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]]) / s
    return np.eye(3) + s * k + (1 - c) * (k @ k)


def rotation(m: Motion, foot: int) -> np.ndarray:
    """(n, 3) rad: the foot's Euler angles, its motion plus the contact torques' rotation
    (each through the ankle or ground restraint: I theta'' + c theta' + k theta = torque)."""
    ph = m.phys
    theta = np.zeros_like(m.eul[foot])
    for state, hz in ((0, ph["lifted_rot_hz"]), (1, ph["stand_rot_hz"])):
        tq = m.torque[foot, state]
        if np.any(tq):
            k_rot = ph["foot_inertia"] * (2 * np.pi * hz) ** 2
            theta += second_order(tq / k_rot, FS_HZ, hz, ph["rot_zeta"])
    return m.eul[foot] + theta, theta


def draw_sensor(rng) -> dict:
    """One insole's sensor parameters (SENSOR_SPACE) plus its sampling phase in [0, 1) of a period."""
    s = _draw(SENSOR_SPACE, rng)
    s["phase"] = float(rng.uniform())
    return s


def sense(m: Motion, foot: int, g_s_mg, sensor: dict, t_grid_s) -> tuple:
    """The insole's view of a foot's motion on a time grid.

    g_s_mg: (3,) the host's still reading (mg; its direction is the insole's tilt, its norm the
    host sensor's 1 g). sensor: draw_sensor(). t_grid_s: (k,) motion times of the trace grid (s).
    Returns (d_acc (k, 3) mg, d_gyro (k, 3) 0.1 dps): what the motion ADDS to the host's reading
    (0 outside the motion), after the mount resonance, the anti-alias low-pass
    (2nd-order Butterworth at aa_ratio x ODR), ODR sampling at the phase and a hold onto the grid.
    """
    g_s = np.asarray(g_s_mg, float)
    g_norm = float(np.linalg.norm(g_s))
    q = _tilt(g_s / g_norm)
    eul, theta = rotation(m, foot)
    rot = _euler(eul)
    spec = m.a[foot] + np.array([0.0, 0.0, G])                       # specific force, world
    alpha = np.gradient(np.gradient(theta, 1.0 / FS_HZ, axis=0), 1.0 / FS_HZ, axis=0)
    lever = np.cross(alpha, np.array([0.0, 0.0, -sensor["sensor_below_com_m"]]))
    f_foot = np.einsum("nji,nj->ni", rot, spec) + lever               # R^T (a + g) + alpha x r
    d_acc = f_foot @ q * (g_norm / G) - g_s                            # rows: Q^T f, host's 1 g
    d_rot = np.gradient(rot, 1.0 / FS_HZ, axis=0)
    w = np.einsum("nji,njk->nik", rot, d_rot)                         # R^T dR/dt = [omega]x
    gyro = np.stack([w[:, 2, 1], w[:, 0, 2], w[:, 1, 0]], -1) @ q * DDPS
    d_acc = second_order(d_acc, FS_HZ, sensor["mount_hz"], sensor["mount_zeta"])
    fc = sensor["aa_ratio"] * sensor["odr_hz"]
    d_acc = second_order(d_acc, FS_HZ, fc, np.sqrt(0.5))
    gyro = second_order(gyro, FS_HZ, fc, np.sqrt(0.5))
    t = m.t
    odr_t = t[0] + (sensor["phase"] + np.arange(int((t[-1] - t[0]) * sensor["odr_hz"]))) / sensor["odr_hz"]
    idx = np.clip(np.round((odr_t - t[0]) * FS_HZ).astype(int), 0, len(t) - 1)
    t_grid_s = np.asarray(t_grid_s, float)
    j = np.searchsorted(odr_t, t_grid_s, side="right") - 1
    valid = (j >= 0) & (t_grid_s <= t[-1])
    out_a, out_g = np.zeros((len(t_grid_s), 3)), np.zeros((len(t_grid_s), 3))
    out_a[valid] = d_acc[idx[j[valid]]]
    out_g[valid] = gyro[idx[j[valid]]]
    return out_a, out_g


def load_factor(m: Motion, foot: int, t_grid_s) -> np.ndarray:
    """(k,) the foot's load on the grid as a multiple of its standing load (1 outside the motion,
    NaN where the host's own loads stand); the mean over each 10 ms sample."""
    t = m.t
    bins = np.floor((t - t[0]) * 1000 / DT_MS).astype(int)
    mean = np.bincount(bins, m.grf[foot]) / np.bincount(bins)
    cop = np.bincount(bins, np.nan_to_num(m.cop[foot], nan=-1e9)) / np.bincount(bins)
    k = np.floor((np.asarray(t_grid_s) - t[0]) * 1000 / DT_MS + 1e-6).astype(int)
    inside = (k >= 0) & (k < len(mean))
    fac, c = np.ones(len(k)), np.full(len(k), np.nan)
    fac[inside] = mean[k[inside]] / STAND
    c[inside] = np.where(cop[k[inside]] > -1e6, cop[k[inside]], np.nan)
    return fac, c


# ---------------------------------------------------------------- placement on hosts
def _crop(tr: Trace, start_ms, n) -> Trace:
    i0 = int((start_ms - tr.t_ms[0]) // DT_MS)
    meta = copy.deepcopy(tr.meta)
    meta["labels"] = crop_labels(tr.labels, int(tr.t_ms[i0]), int(tr.t_ms[i0]) + n * DT_MS)
    return Trace(meta, np.arange(n, dtype=np.int64) * DT_MS,
                 None if tr.imu is None else tr.imu[i0:i0 + n].astype(np.int32),
                 None if tr.loads is None else tr.loads[i0:i0 + n].astype(np.float64))


def _apply(tr: Trace, m: Motion, foot, event_ms, sensor, zones_bw):
    """Add the motion's view to a cropped host trace in place; event_ms: crop time of motion time 0."""
    t_s = (tr.t_ms - event_ms) / 1000.0
    near = (t_s >= -PRE_S) & (t_s <= m.duration_s + POST_S)
    g_s = tr.imu[near, :3].mean(axis=0)
    d_acc, d_gyro = sense(m, foot, g_s, sensor, t_s)
    imu = tr.imu.astype(float)
    imu[:, :3] += d_acc
    imu[:, 3:] += d_gyro
    imu[:, :3] = np.clip(imu[:, :3], -ACC_LIMIT_MG, ACC_LIMIT_MG)
    imu[:, 3:] = np.clip(imu[:, 3:], -GYRO_LIMIT_DDPS, GYRO_LIMIT_DDPS)
    tr.imu = np.round(imu).astype(np.int16)
    if tr.loads is not None:
        fac, cop = load_factor(m, foot, t_s)
        loads = tr.loads.astype(float)
        use = ~np.isnan(fac)
        if zones_bw is not None:
            total = loads.sum(axis=1)
            xs = np.array([z["x_mm"] for z in tr.zones], float)
            forced = use & ~np.isnan(cop)
            for i in np.flatnonzero(forced):                     # the load moved under a forced centre
                w = np.exp(-((xs - cop[i]) / COP_SPREAD_MM) ** 2) * (loads[i] + zones_bw / len(xs) * 0.05)
                loads[i] = total[i] * w / w.sum()
        loads[use] *= fac[use, None]
        tr.loads = np.clip(np.round(loads), 0, LOAD_LIMIT_N).astype(np.int16)


def inject(right: Trace, left: Trace, m: Motion, event_ms, offset_ms, sensors, label, before_ms=10000,
           after_ms=12000) -> tuple:
    """(right, left) crops of a host pair with the motion added.

    event_ms: right-trace time (ms) of the motion's time 0; offset_ms: left time = right time +
    offset (sim.blindstrike._offset); sensors: (right, left) draw_sensor() dicts; label: dict put
    under meta labels.lookalike (kind, params, ...). Both crops start at the same instant and have
    the same length (<= before_ms + motion + after_ms); their source_t0_ms are set equal.
    """
    dur_ms = int(m.duration_s * 1000)
    start = max(int(right.t_ms[0]), int(left.t_ms[0] - offset_ms), event_ms - before_ms)
    start -= (start - int(right.t_ms[0])) % DT_MS
    end = min(int(right.t_ms[-1]) + DT_MS, int(left.t_ms[-1] + DT_MS - offset_ms), event_ms + dur_ms + after_ms)
    n = (end - start) // DT_MS
    out = []
    bw = None
    if right.loads is not None and left.loads is not None:
        i0 = int((start - right.t_ms[0]) // DT_MS)
        j0 = int((start + offset_ms - left.t_ms[0]) // DT_MS)
        bw = float(np.median(right.loads[i0:i0 + n].sum(1)[:n] + left.loads[j0:j0 + n].sum(1)[:n]))
    for foot, host, off in ((RIGHT, right, 0), (LEFT, left, offset_ms)):
        tr = _crop(host, start + off, n)
        _apply(tr, m, foot, event_ms - start, sensors[foot], bw)
        tr.meta["name"] = "%s+%s" % (host.name, label["kind"])
        tr.meta["source_t0_ms"] = 0
        labels = copy.deepcopy(tr.meta.get("labels") or {})
        labels["lookalike"] = dict(label, start_ms=int(event_ms - start), end_ms=int(event_ms - start + dur_ms))
        if label.get("control") and foot == RIGHT:
            labels["sos"] = [{"strikes_ms": [int(event_ms - start + c["t_s"] * 1000) for c in m.contacts
                                             if c["target"] in FOOT_NAMES]}]
        labels.pop("falls", None)
        tr.meta["labels"] = labels
        tr.meta["notes"] = (tr.meta.get("notes", "") + " Look-alike %s added by sim/lookalikes.py." % label["kind"]).strip()
        out.append(tr)
    return tuple(out)


# ---------------------------------------------------------------- the benchmark
def _sos_times(events):
    from soleguard.core.events import CAUSE_SOS, EV_ALARM

    return [e.t_ms for e in events if e.type == EV_ALARM and e.cause == CAUSE_SOS]


def _hosts(traces):
    """Both-feet host pairs (right, left, offset_ms), from sim.taps.blind_hosts."""
    from .blindstrike import _offset
    from .taps import blind_hosts

    return [(r, l, int(round(_offset(r, l) / DT_MS)) * DT_MS) for r, l in blind_hosts(traces) if l is not None]


class _Windows:
    """Cached standing / walking window starts per host and duration (sim.blindstrike)."""

    def __init__(self):
        self._cache = {}

    def get(self, host, dur_ms, walking):
        from .blindstrike import standing_positions

        key = (id(host[0]), dur_ms, walking)
        if key not in self._cache:
            right, left, off = host
            pos = standing_positions(right, dur_ms, walking=walking, step_ms=100)
            if not walking and pos:                      # prefer instants where the left stands too
                both = set(standing_positions(left, dur_ms, walking=False, step_ms=100))
                shared = [t for t in pos if any(abs(t + off - u) <= 100 for u in both)]
                pos = shared or pos
            self._cache[key] = pos
        return self._cache[key]


def _place(kind, host, windows, m, rng):
    """Right-trace time (ms) of the motion's time 0, or None when the host has no window."""
    dur = int(m.duration_s * 1000)
    want = 3000 if kind.where == "walking" else min(4000, max(2000, int(np.ceil(dur / 1000.0)) * 1000))
    pos = windows.get(host, want, kind.where == "walking") or windows.get(host, 2000, kind.where == "walking")
    if not pos:
        return None
    start = int(pos[int(rng.integers(len(pos)))])
    if kind.where == "walking":                           # the contact (motion t = 0.3 s) in the right's swing
        r = host[0]
        i0 = int((start - r.t_ms[0]) // DT_MS)
        gy = np.abs(r.imu[i0 + 30:i0 + 280, 4].astype(float))
        return start + (int(np.argmax(gy)) + 30) * DT_MS - 300
    return start + int(PRE_S * 1000) + int(rng.integers(0, 20)) * DT_MS


def run_instance(kind_name, host, windows, seed, index):
    """One instance: build, mirror, inject into the host pair, score; returns a result dict."""
    from .pairsos import replay_pair
    from .replay import replay

    kind = KINDS[kind_name]
    rng = np.random.default_rng([seed, list(KINDS).index(kind_name), index])
    m, params = synthesize(kind_name, rng)
    event = _place(kind, host, windows, m, rng)
    if event is None:
        return None
    sensors = (draw_sensor(rng), draw_sensor(rng))
    gesture = kind.control or is_gesture(m)
    label = {"kind": kind_name, "seed": seed, "index": index, "params": params, "control": kind.control,
             "gesture_itself": bool(gesture), "contacts": [dict((k, v) for k, v in c.items() if not k.startswith("dv"))
                                                           for c in m.contacts]}
    right, left = inject(host[0], host[1], m, event, host[2], sensors, label)
    mr, ml = inject(host[0], host[1], mirror(m), event, host[2], sensors[::-1], dict(label, mirrored=True))
    lo = right.meta["labels"]["lookalike"]["start_ms"] - int(PRE_S * 1000)
    hi = right.meta["labels"]["lookalike"]["end_ms"] + SOS_WINDOW_AFTER_MS

    def hit(times):
        return int(any(lo <= t <= hi for t in times))

    link_rng = np.random.default_rng([seed, 7, index])
    return {"kind": kind_name, "host": host[0].name, "zones": bool(host[0].zones and host[1].zones),
            "gesture_itself": bool(gesture), "speed": params.get("speed_mps"),
            "right": hit(_sos_times(replay(right).events)),
            "left": hit(_sos_times(replay(ml).events)),
            "pair": hit(replay_pair(right, left, link_rng, pair=True)["sos"]),
            "pair_mirrored": hit(replay_pair(mr, ml, link_rng, pair=True)["sos"]),
            "struck_left": hit(_sos_times(replay(left).events)),
            "struck_right": hit(_sos_times(replay(mr).events))}


SCORE_KEYS = ("right", "left", "pair", "pair_mirrored", "struck_left", "struck_right")


def _counts(rows):
    """Per SCORE_KEYS column, how many of ``rows`` (run_instance results) raised an SOS."""
    return {k: sum(r[k] for r in rows) for k in SCORE_KEYS}


def _recall(rows):
    """Recall of the control's ``rows`` (run_instance results), single insole and pair, 3 decimals (0 for none)."""
    return {k: round(sum(r[k] for r in rows) / max(len(rows), 1), 3) for k in ("right", "pair")}


def evaluate(traces, n_each=DEFAULT_N_EACH, seed=DEFAULT_SEED, kinds=None, log=None) -> dict:
    """The benchmark over host traces: per kind, n_each instances on both-feet hosts.

    Per kind: n, gesture_itself (instances that physically are the gesture), and for the rest
    the false SOS counts: right (the right foot moves, right insole alone), left (mirrored: the
    left foot moves, left insole alone), pair (right insole, pair fusion), pair_mirrored,
    struck_left / struck_right (the insole of the foot that did not lead). The control kind
    ('gesture') reports recall instead. Deterministic for a seed. Raises ValueError without
    both-feet IMU hosts or for an unknown kind.
    """
    t_start = time.time()
    names = list(kinds or KINDS)
    for k in names:
        if k not in KINDS:
            raise ValueError("unknown look-alike kind %r; known: %s" % (k, ", ".join(KINDS)))
    hosts = [h for h in _hosts(traces) if h[0].imu is not None and h[1].imu is not None]
    if not hosts:
        raise ValueError("no both-feet IMU host recordings (right + left of one wearer) among the traces")
    windows = _Windows()
    by_kind = {}
    for name in names:
        rows = []
        for i in range(n_each):
            host = hosts[int(np.random.default_rng([seed, 99, list(KINDS).index(name), i]).integers(len(hosts)))]
            r = run_instance(name, host, windows, seed, i)
            if r is None:
                for h in hosts:                                   # this host has no window: the next that has
                    r = run_instance(name, h, windows, seed, i)
                    if r is not None:
                        break
            if r is not None:
                rows.append(r)
        look = [r for r in rows if not r["gesture_itself"]]
        same = [r for r in rows if r["gesture_itself"]]
        entry = {"n": len(rows), "gesture_itself": len(same), "control": KINDS[name].control,
                 "summary": KINDS[name].summary}
        if KINDS[name].control:
            entry["recall"] = _recall(rows)
            entry["detected"] = _counts(rows)
            entry["with_zones"] = dict(_counts([r for r in rows if r["zones"]]), n=sum(r["zones"] for r in rows))
            for band, sel in (("speed_below_0.6", lambda v: v < 0.6), ("speed_0.6_up", lambda v: v >= 0.6)):
                part = [r for r in rows if sel(r["speed"])]
                entry["recall_" + band] = {"n": len(part), **_recall(part)}
        else:
            entry["false_sos"] = _counts(look)
            # hosts with pressure zones: the insole's full sensing mode
            entry["with_zones"] = dict(_counts([r for r in look if r["zones"]]), n=sum(r["zones"] for r in look))
            entry["gesture_itself_sos"] = _counts(same)
        by_kind[name] = entry
        if log:
            log("lookalikes: %s done (%d)" % (name, len(rows)))
    looks = [v for v in by_kind.values() if not v["control"]]
    return {"seed": seed, "n_each": n_each, "hosts": len(hosts),
            "host_datasets": sorted({h[0].meta["dataset"] for h in hosts}),
            "by_kind": by_kind,
            "total": {"n": sum(v["n"] - v["gesture_itself"] for v in looks),
                      "gesture_itself": sum(v["gesture_itself"] for v in looks),
                      "false_sos": {k: sum(v["false_sos"][k] for v in looks) for k in SCORE_KEYS},
                      "with_zones": {k: sum(v["with_zones"][k] for v in looks) for k in ("n",) + SCORE_KEYS}},
            "seconds": round(time.time() - t_start, 1)}
