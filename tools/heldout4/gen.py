#!/usr/bin/env python3
"""heldout4 generator: blind silent-SOS test set on real both-feet recordings (see README.md)."""
import argparse, glob, hashlib, json, os, sys
import numpy as np

FS = 3328.0            # internal physics rate (= 208*16 = 104*32 = 52*64)
G = 9.81
SRC = '/work/main/out/traces'

# ---------------------------------------------------------------- trace io
def read_trace(p):
    with open(p) as f:
        assert f.readline().startswith('# soleguard-trace 1')
        mj = []; line = f.readline()
        while line.startswith('#'):
            mj.append(line[1:]); line = f.readline()
        header = line.strip().split(',')
        data = np.loadtxt(f, delimiter=',', dtype=np.int64, ndmin=2)
    return json.loads(''.join(mj)), header, data

def _jd(o):
    if isinstance(o, np.integer): return int(o)
    if isinstance(o, np.floating): return float(o)
    if isinstance(o, np.ndarray): return o.tolist()
    raise TypeError(type(o))

def write_trace(p, meta, header, data):
    txt = json.dumps(meta, indent=1, sort_keys=True, default=_jd).split('\n')
    tmp = p + '.tmp'
    with open(tmp, 'w') as f:
        f.write('# soleguard-trace 1\n')
        for l in txt: f.write('# ' + l + '\n')
        f.write(','.join(header) + '\n')
        for r in data: f.write(','.join(str(int(v)) for v in r) + '\n')
    os.replace(tmp, p)

def pairs():
    out = []
    for ds in ['ipol', 'moticon', 'gaitmap', 'hugadb']:
        for l in sorted(glob.glob(f'{SRC}/{ds}/*')):
            for a, b in (('_lf.', '_rf.'), ('_left.', '_right.')):
                if a in os.path.basename(l):
                    r = l.replace(a, b)
                    if os.path.exists(r): out.append((ds, l, r))
    return out

def load_pair(ds, lp, rp):
    ml, hl, dl = read_trace(lp); mr, hr, dr = read_trace(rp)
    # common time base (Moticon: source_t0_ms aligns the two insoles)
    ol, orr = ml.get('source_t0_ms', 0), mr.get('source_t0_ms', 0)
    t0 = max(ol, orr)
    il, ir = (t0 - ol) // 10, (t0 - orr) // 10
    n = min(len(dl) - il, len(dr) - ir)
    return dict(ds=ds, ml=ml, mr=mr, hl=hl, hr=hr, dl=dl[il:il + n], dr=dr[ir:ir + n], t0=t0, n=n,
                il=il, ir=ir)

def stillness(P):
    """per 10 ms sample: True when both feet are still (|gyro| < 25 dps and |a| within 80 mg of 1 g, 0.5 s)."""
    ok = np.ones(P['n'], bool)
    for d in (P['dl'], P['dr']):
        a = np.linalg.norm(d[:, 1:4], axis=1); g = np.linalg.norm(d[:, 4:7], axis=1)
        m = (g < 250) & (np.abs(a - 1000) < 80)
        k = np.convolve(~m, np.ones(50), 'same') == 0
        ok &= k
    return ok

def runs(mask, minlen):
    r = []; i = 0; n = len(mask)
    while i < n:
        if mask[i]:
            j = i
            while j < n and mask[j]: j += 1
            if j - i >= minlen: r.append((i, j))
            i = j
        else: i += 1
    return r

def crop_labels(lab, s_ms, e_ms):
    segs = []
    for s in lab.get('segments', []):
        a, b = max(s['start_ms'], s_ms), min(s['end_ms'], e_ms)
        if b > a: segs.append({'activity': s['activity'], 'start_ms': a - s_ms, 'end_ms': b - s_ms})
    out = {'falls': [], 'segments': segs, 'sos': []}
    if 'steps' in lab:
        out['steps'] = [[a - s_ms, b - s_ms] for a, b in lab['steps'] if a >= s_ms and b <= e_ms]
    return out

def make_crop(P, i0, n, name, extra):
    """LEFT/RIGHT crop metadata + arrays (copies)."""
    res = []
    for side, m, h, d, ioff in (('left', P['ml'], P['hl'], P['dl'], P['il']), ('right', P['mr'], P['hr'], P['dr'], P['ir'])):
        mm = json.loads(json.dumps(m))
        s_ms = (ioff + i0) * 10            # in this file's own original time base
        mm['labels'] = crop_labels(m['labels'], s_ms, s_ms + n * 10)
        mm['name'] = f'{name}_{side}'
        if 'source_t0_ms' in m: mm['source_t0_ms'] = 0
        if 'recording' not in mm: pass
        mm['heldout4'] = dict(extra, crop_start_ms_in_source_trace=s_ms, source_trace=m['name'])
        mm['notes'] = (m.get('notes', '') + ' | heldout4: crop of the real pair ' +
                       ('with a simulated gesture/look-alike added (tools/heldout4)' if extra.get('kind') != 'background' else 'unmodified'))
        dd = d[i0:i0 + n].copy(); dd[:, 0] = np.arange(n) * 10
        res.append((mm, h, dd))
    return res

# ---------------------------------------------------------------- physics
def rotz(a):
    c, s = np.cos(a), np.sin(a); return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
def rotx(a):
    c, s = np.cos(a), np.sin(a); return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
def roty(a):
    c, s = np.cos(a), np.sin(a); return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])

def minjerk_acc(N, t0, T, disp):
    """acceleration (N,) of a minimum-jerk move of 'disp' m starting at t0 s lasting T s."""
    t = np.arange(N) / FS; a = np.zeros(N)
    m = (t >= t0) & (t < t0 + T); tau = (t[m] - t0) / T
    a[m] = disp / T**2 * (60 * tau - 180 * tau**2 + 120 * tau**3)
    return a

def hc_impact(v, m1, m2, K, e, kg=0.0, cg=0.0, mu_N=np.inf, dur=0.35):
    """Hunt-Crossley contact F = K d^1.5 (1 + 1.5(1-e) d'/v) between striker m1 (speed v) and body m2 tied
    to ground by a spring kg / damper cg whose force is capped by friction mu_N (stick-slip).
    Returns acc1, acc2 (m/s^2, along the strike normal) and contact duration."""
    n = int(dur * FS); dt = 1 / FS
    x1 = 0.0; v1 = v; x2 = 0.0; v2 = 0.0; anchor = 0.0
    a1 = np.zeros(n); a2 = np.zeros(n); lam = 1.5 * (1 - e) / max(v, 1e-3); tc = 0; inc = True
    for i in range(n):
        d = x1 - x2; dd = v1 - v2
        F = K * d**1.5 * (1 + lam * dd) if (d > 0 and inc) else 0.0
        if F < 0: F = 0.0
        if inc and d <= 0 and i > 2: inc = False; tc = i * dt
        fg = kg * (x2 - anchor) + cg * v2
        if abs(kg * (x2 - anchor)) > mu_N:             # slip: move the anchor
            anchor = x2 - np.sign(x2 - anchor) * mu_N / kg; fg = np.sign(fg) * mu_N + cg * v2
        A1 = -F / m1; A2 = (F - fg) / m2
        v1 += A1 * dt; x1 += v1 * dt; v2 += A2 * dt; x2 += v2 * dt
        a1[i] = A1; a2[i] = A2
        if not inc: a1[i] = 0.0
    return a1, a2, (tc if tc else dur)

def lowpass(x, fc):
    """causal 2nd-order Butterworth (bilinear) along axis 0, as the IMU's digital LPF."""
    w = np.tan(np.pi * fc / FS); k1 = np.sqrt(2) * w; k2 = w * w
    b0 = k2 / (1 + k1 + k2); b1 = 2 * b0; b2 = b0
    a1 = 2 * (k2 - 1) / (1 + k1 + k2); a2 = (1 - k1 + k2) / (1 + k1 + k2)
    y = np.zeros_like(x); x1 = x2 = y1 = y2 = np.zeros(x.shape[1])
    for i in range(len(x)):
        xi = x[i]; yi = b0 * xi + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
        y[i] = yi; x2, x1, y2, y1 = x1, xi, y1, yi
    return y

def sensor(acc_w, rate_w, yaw, mount, odr, bw_frac, phase, n100):
    """world-frame linear acc (N,3, m/s^2, gravity excluded) + body angular rate (N,3 rad/s, foot axes)
    -> 100 Hz increments in mg / ddps in sensor axes. The foot is yawed by the turnout 'yaw' (the
    contact normal is world y, the insole's x is the foot axis), the IMU is mounted with a rotation."""
    Rf = rotz(yaw); Rs = Rf @ mount
    a_s = acc_w @ Rs                         # = (Rs^T a)^T
    w_s = rate_w @ mount
    x = np.hstack([a_s / G * 1000, np.degrees(w_s) * 10])
    x = lowpass(x, bw_frac * odr)
    tt = np.arange(len(x)) / FS
    to = phase / odr + np.arange(int((len(x) / FS) * odr) - 1) / odr
    xo = np.stack([np.interp(to, tt, x[:, j]) for j in range(6)], 1)      # sample at the ODR
    t100 = np.arange(n100) * 0.01
    return np.stack([np.interp(t100, to, xo[:, j]) for j in range(6)], 1)  # ODR stream -> 100 Hz grid

def rand_mount(rng, maxdeg):
    ax = rng.normal(size=3); ax /= np.linalg.norm(ax); ang = np.radians(rng.uniform(0, maxdeg))
    Kx = np.array([[0, -ax[2], ax[1]], [ax[2], 0, -ax[0]], [-ax[1], ax[0], 0]])
    return np.eye(3) + np.sin(ang) * Kx + (1 - np.cos(ang)) * Kx @ Kx

class Feet:
    """accumulates world acc (m/s^2) and foot-frame rate (rad/s) for both feet over a window."""
    def __init__(self, T):
        self.N = int(T * FS); self.acc = {s: np.zeros((self.N, 3)) for s in 'LR'}
        self.rate = {s: np.zeros((self.N, 3)) for s in 'LR'}; self.load = {s: np.zeros(self.N) for s in 'LR'}
    def move(self, s, t0, T, disp):   # disp: 3-vector world displacement, min-jerk
        for j in range(3):
            if disp[j]: self.acc[s][:, j] += minjerk_acc(self.N, t0, T, disp[j])
    def turn(self, s, t0, T, ang, ax):  # min-jerk rotation about foot axis ax (0 roll,1 pitch,2 yaw)
        a = minjerk_acc(self.N, t0, T, ang); self.rate[s][:, ax] += np.cumsum(a) / FS
    def add(self, s, t0, sig, col, rate=False):
        i = int(t0 * FS); m = min(len(sig), self.N - i)
        if m > 0: (self.rate if rate else self.acc)[s][i:i + m, col] += sig[:m]
    def unload(self, s, t0, T, frac):   # fraction of this foot's load moved to the other foot
        t = np.arange(self.N) / FS; w = np.clip(np.minimum((t - t0) / 0.15, (t0 + T - t) / 0.15), 0, 1)
        self.load[s] = np.maximum(self.load[s], w * frac)

def impact(F, s, t0, v, direction, m1, K, e, target=None, m2=1e9, kg=0., cg=0., muN=np.inf, h=0.04, I=0.02,
           kr=200., roll_sign=1):
    """strike of foot s at t0 with speed v along unit world vector 'direction'; the target (other foot or
    None = rigid/heavy object) gets the reaction and a roll moment from the contact height h."""
    a1, a2, tc = hc_impact(v, m1, m2, K, e, kg, cg, muN)
    d = np.asarray(direction, float)
    for j in range(3):
        if d[j]: F.add(s, t0, a1 * d[j], j)
    # striker: roll impulse from the contact height (foot free in the air, small inertia)
    Fc = -a1 * m1
    wr = np.cumsum(Fc * h / 0.012) / FS; wr *= np.exp(-np.arange(len(wr)) / FS / 0.06)
    F.add(s, t0, roll_sign * wr, 0, rate=True)
    # shoe structural ringing (40-110 Hz) proportional to the peak force
    fr = F.rng.uniform(40, 110); tt = np.arange(int(0.08 * FS)) / FS
    ring = Fc.max() / m1 * 0.15 * np.exp(-tt / F.rng.uniform(0.008, 0.02)) * np.sin(2 * np.pi * fr * tt)
    F.add(s, t0 + tc, ring * d[2] if abs(d[2]) > 0.5 else ring * d[1], 2 if abs(d[2]) > 0.5 else 1)
    if target is not None:
        for j in range(3):
            if d[j]: F.add(target, t0, a2 * d[j], j)
        # torsional response of the struck foot about its long axis (support moment kr, inertia I)
        th = 0.; om = 0.; w = np.zeros(len(Fc)); dt = 1 / FS; c = 2 * 0.3 * np.sqrt(kr * I)
        for i in range(len(Fc)):
            om += (Fc[i] * h - kr * th - c * om) / I * dt; th += om * dt; w[i] = om
        F.add(target, t0, roll_sign * w, 0, rate=True)
    return tc, Fc.max()

# ---------------------------------------------------------------- gesture conditions
COND = {  # name: (count, v m/s, interval ms, contact ms, strikes, left load frac, odr, extra)
    'easy': (6, (0.6, 0.9), (300, 450), (15, 28), 3, (0.9, 1.0), 104, {}),
    'light': (6, (0.22, 0.4), (300, 450), (18, 32), 3, (0.9, 1.0), 104, {}),
    'oblique': (6, (0.5, 0.9), (300, 450), (15, 28), 3, (0.9, 1.0), 104, {'oblique': (30, 55)}),
    'fast': (5, (0.6, 1.1), (170, 240), (12, 22), 3, (0.9, 1.0), 104, {}),
    'slow': (5, (0.5, 0.8), (550, 800), (15, 28), 3, (0.9, 1.0), 104, {}),
    'unloaded': (5, (0.5, 0.8), (300, 450), (15, 28), 3, (0.05, 0.25), 104, {}),
    'heavy_boots': (5, (0.5, 0.8), (320, 480), (8, 14), 3, (0.9, 1.0), 104, {'boot_kg': (1.0, 1.6)}),
    'soft_shoes': (3, (0.5, 0.8), (300, 450), (32, 50), 3, (0.9, 1.0), 104, {}),
    'odr52': (4, (0.5, 0.9), (300, 450), (15, 28), 3, (0.9, 1.0), 52, {}),
    'odr208': (4, (0.5, 0.9), (300, 450), (15, 28), 3, (0.9, 1.0), 208, {}),
    'fs4g': (3, (0.8, 1.1), (300, 450), (10, 18), 3, (0.9, 1.0), 104, {'fs_mg': 4000}),
    'four_strikes': (4, (0.5, 0.9), (280, 420), (15, 28), 4, (0.9, 1.0), 104, {}),
    'after_walk': (5, (0.5, 0.9), (300, 450), (15, 28), 3, (0.9, 1.0), 104, {'after_walk': True}),
}

def K_from_contact(Tc, mstar, v):
    # Hertz contact time T = 2.87 (m*^2/(K^2 v))^(1/5)  ->  K
    return np.sqrt((2.87 / Tc)**5 * mstar**2 / v)

def common(rng):
    return dict(turn_L=np.radians(rng.uniform(5, 25)), turn_R=-np.radians(rng.uniform(5, 25)),
                mount_L=rand_mount(rng, 6), mount_R=rand_mount(rng, 6), bw=float(rng.choice([0.25, 0.45])),
                mass=rng.uniform(55, 110), mu=rng.uniform(0.4, 0.8))

def gesture(rng, cond):
    cnt, vr, ir, cr, ns, lr, odr, ex = COND[cond]
    p = common(rng); F = Feet(1.2 + ns * 0.9 + 1.5); F.rng = rng
    m1 = rng.uniform(1.6, 3.0) + (rng.uniform(*ex['boot_kg']) if 'boot_kg' in ex else 0)   # foot+shoe+part of shank
    m2 = rng.uniform(2.5, 5.0); load = rng.uniform(*lr); N = load * p['mass'] * G
    kg = rng.uniform(2e4, 8e4) * (0.3 + load); e = rng.uniform(0.25, 0.55)
    ob = np.radians(rng.uniform(*ex['oblique'])) if 'oblique' in ex else np.radians(rng.uniform(0, 12))
    h = rng.uniform(0.02, 0.06); roll_style = rng.uniform(5, 20)
    lift = rng.uniform(0.01, 0.05); gap = rng.uniform(0.03, 0.10); hover = rng.uniform(0.02, 0.05)
    t = 1.0; strikes = []
    F.unload('R', t - 0.2, ns * 0.6 + 1.2, rng.uniform(0.6, 1.0))
    # lift and bring the foot near the other one (min-jerk), roll it to present the medial side
    F.move('R', t - 0.35, 0.3, [0, gap - hover, lift]); F.turn('R', t - 0.35, 0.3, np.radians(roll_style), 0)
    F.turn('R', t - 0.35, 0.3, np.radians(rng.uniform(-10, 10)), 1)
    for k in range(ns):
        v = rng.uniform(*vr) * rng.uniform(0.85, 1.15)
        Tc = rng.uniform(*cr) / 1000; mstar = m1 * m2 / (m1 + m2); K = K_from_contact(Tc, mstar, v)
        T_app = min(0.14, max(0.06, 1.9 * hover / v))
        # approach: accelerate toward the target, arrive with speed v (impact replaces the stop)
        F.add('R', t - T_app, np.full(int(T_app * FS), v / T_app) * np.sin(np.linspace(0, np.pi, int(T_app * FS))) * np.pi / 2, 1)
        if ob: F.add('R', t - T_app, np.full(int(T_app * FS), v * np.tan(ob) / T_app) * np.sin(np.linspace(0, np.pi, int(T_app * FS))) * np.pi / 2, 0)
        d = np.array([np.sin(ob) * 0.3, np.cos(ob), -0.05]); d /= np.linalg.norm(d)
        tc, Fm = impact(F, 'R', t, v, d, m1, K, e, target='L', m2=m2, kg=kg, cg=2 * 0.4 * np.sqrt(kg * m2),
                        muN=p['mu'] * N, h=h, I=rng.uniform(0.01, 0.03), kr=rng.uniform(50, 400) * (0.1 + load))
        # friction stops the tangential (forward) component during contact
        if ob: F.add('R', t, np.full(max(1, int(tc * FS)), -v * np.tan(ob) * 0.7 / max(tc, 1e-3)), 0)
        strikes.append(int(round(t * 1000)))
        # rebound and retract to the hover position (remaining momentum removed by the leg)
        iv = rng.uniform(*ir) / 1000 if k < ns - 1 else 0.4
        F.move('R', t + tc + 0.01, min(0.2, iv * 0.5), [0, -hover, 0])
        if ob: F.move('R', t + tc + 0.01, min(0.2, iv * 0.5), [-(v * np.tan(ob) * 0.3) * 0.1, 0, 0])
        t += iv
    # put the foot back down
    t_end = t - 0.4 + 0.15
    F.move('R', t_end, 0.35, [0, -(gap - hover), -lift]); F.turn('R', t_end, 0.35, -np.radians(roll_style), 0)
    tl, Fl = impact(F, 'R', t_end + 0.35, rng.uniform(0.1, 0.3), [0, 0, -1], m1, K_from_contact(0.04, m1, 0.2), 0.3)
    return F, strikes, p, odr, ex.get('fs_mg', 16000), dict(v_range=vr, m_striker=m1, m_struck=m2, left_load=load,
             contact_e=e, oblique_deg=float(np.degrees(ob)), contact_h_m=h, lift_m=lift, gap_m=gap)

# ---------------------------------------------------------------- look-alikes
LOOK = ['bench_sidestep', 'box_nudge', 'shake_lifted_foot', 'side_kick', 'mud_knock', 'shuffle', 'pivot_turn',
        'ladder_step', 'toe_tap_floor']

def floor_hit(F, s, t, v, m=2.0, Tc=None):
    Tc = Tc or F.rng.uniform(0.02, 0.05)
    return impact(F, s, t, v, [0, 0, -1], m, K_from_contact(Tc, m, v), F.rng.uniform(0.2, 0.4), h=0.0)

def lookalike(rng, kind):
    p = common(rng); F = Feet(6.0); F.rng = rng; info = {}; t = 1.0; contacts = []
    R, L = 'R', 'L'
    if kind == 'bench_sidestep':
        n = rng.integers(1, 4); dire = rng.choice([-1, 1]); lead, trail = (R, L) if dire < 0 else (L, R)
        for k in range(n):
            w = rng.uniform(0.25, 0.5); F.unload(lead, t, 0.5, 1.0)
            F.move(lead, t, 0.45, [0, dire * w, 0]); F.move(lead, t, 0.22, [0, 0, 0.05]); F.move(lead, t + 0.22, 0.22, [0, 0, -0.05])
            floor_hit(F, lead, t + 0.45, rng.uniform(0.2, 0.5))
            t2 = t + 0.55; F.unload(trail, t2, 0.5, 1.0); F.move(trail, t2, 0.45, [0, dire * (w - rng.uniform(0.02, 0.05)), 0])
            F.move(trail, t2, 0.22, [0, 0, 0.04]); F.move(trail, t2 + 0.22, 0.22, [0, 0, -0.04])
            if rng.random() < 0.6:   # trailing foot closes in and clicks the other's medial side once
                v = rng.uniform(0.15, 0.45); impact(F, trail, t2 + 0.44, v, [0, dire, 0], 2.0, K_from_contact(0.025, 1.2, v), 0.4,
                                                   target=lead, m2=3.5, kg=4e4, cg=300, muN=400, kr=150, roll_sign=dire)
                contacts.append(int((t2 + 0.44) * 1000))
            floor_hit(F, trail, t2 + 0.46, rng.uniform(0.2, 0.4)); t += rng.uniform(1.1, 1.6)
        info['steps'] = int(n)
    elif kind == 'box_nudge':
        n = int(rng.integers(1, 3)); Mb = rng.uniform(3, 20); F.unload(R, t - 0.3, n * 0.9 + 0.6, 0.9)
        F.turn(R, t - 0.3, 0.3, np.radians(rng.uniform(30, 70)) * -1, 2)     # foot turned out to present the inside
        for k in range(n):
            v = rng.uniform(0.3, 1.0); F.move(R, t - 0.25, 0.25, [0.1, 0.05, 0.02])
            impact(F, R, t, v, [0.5, 0.86, 0], 2.2, K_from_contact(rng.uniform(0.02, 0.05), 2.0, v), 0.3, h=0.05)
            contacts.append(int(t * 1000)); F.move(R, t + 0.05, 0.35, [-0.1, -0.05, -0.02]); t += rng.uniform(0.7, 1.1)
        F.turn(R, t, 0.3, np.radians(50), 2); info['box_kg'] = Mb; info['nudges'] = n
    elif kind == 'shake_lifted_foot':
        F.unload(R, t - 0.3, 3.5, 1.0); F.move(R, t - 0.3, 0.3, [0, 0, 0.08]); f = rng.uniform(3, 7); T = rng.uniform(1.5, 3)
        tt = np.arange(int(T * FS)) / FS; A = rng.uniform(0.01, 0.04); env = np.sin(np.pi * tt / T)**2
        F.add(R, t, -A * (2 * np.pi * f)**2 * np.sin(2 * np.pi * f * tt) * env, int(rng.choice([1, 0])))
        F.add(R, t, np.radians(rng.uniform(100, 400)) * np.cos(2 * np.pi * f * tt) * env, int(rng.choice([0, 1, 2])), rate=True)
        F.move(R, t + T, 0.3, [0, 0, -0.08]); floor_hit(F, R, t + T + 0.3, 0.2); info['freq_hz'] = f
    elif kind == 'side_kick':
        n = int(rng.integers(1, 3)); F.unload(R, t - 0.2, n * 1.0 + 0.6, 1.0)
        for k in range(n):
            w = rng.uniform(0.3, 0.6); T = rng.uniform(0.18, 0.35)
            F.move(R, t, T, [0, -w, w * 0.6]); F.turn(R, t, T, -np.radians(rng.uniform(15, 40)), 0)
            F.move(R, t + T + 0.05, T * 1.4, [0, w, -w * 0.6]); F.turn(R, t + T + 0.05, T * 1.4, np.radians(25), 0)
            floor_hit(F, R, t + T * 2.4 + 0.05, rng.uniform(0.2, 0.5)); t += rng.uniform(0.9, 1.3)
        info['kicks'] = n
    elif kind == 'mud_knock':
        n = int(rng.integers(1, 3)); who = rng.choice(['R', 'L']); oth = 'L' if who == 'R' else 'R'; sgn = 1 if who == 'R' else -1
        F.unload(who, t - 0.3, n * 0.5 + 0.8, 1.0); F.move(who, t - 0.3, 0.25, [0, sgn * 0.04, 0.04])
        for k in range(n):
            v = rng.uniform(0.4, 1.0); impact(F, who, t, v, [0, sgn, 0], 2.2, K_from_contact(rng.uniform(0.01, 0.025), 1.5, v), 0.3,
                                             target=oth, m2=3.5, kg=5e4, cg=400, muN=400, kr=150, roll_sign=sgn)
            contacts.append(int(t * 1000)); t += rng.uniform(0.18, 0.45)
        F.move(who, t, 0.3, [0, -sgn * 0.04, -0.04]); floor_hit(F, who, t + 0.3, 0.2); info['knocks'] = n; info['striker'] = who
    elif kind == 'shuffle':
        n = int(rng.integers(4, 10))
        for k in range(n):
            s = 'R' if k % 2 == 0 else 'L'; d = rng.uniform(-0.1, 0.1, 3); d[2] = rng.uniform(0.0, 0.02)
            F.unload(s, t, 0.3, 0.7); F.move(s, t, 0.25, [d[0], d[1], 0])
            F.add(s, t, rng.normal(0, 8, int(0.25 * FS)), 1)     # sole scraping the floor
            floor_hit(F, s, t + 0.25, rng.uniform(0.05, 0.2)); t += rng.uniform(0.3, 0.6)
        info['shuffles'] = n
    elif kind == 'pivot_turn':
        ang = np.radians(rng.uniform(90, 180)) * rng.choice([-1, 1]); T = rng.uniform(0.5, 1.0); piv = rng.choice(['R', 'L'])
        oth = 'L' if piv == 'R' else 'R'
        F.turn(piv, t, T, ang, 2); F.turn(piv, t, 0.2, -np.radians(10), 1); F.turn(piv, t + T - 0.2, 0.2, np.radians(10), 1)
        F.unload(oth, t, T, 1.0); F.turn(oth, t, T, ang, 2); F.move(oth, t, T, [0.1, np.sign(ang) * 0.25, 0])
        F.move(oth, t, T / 2, [0, 0, 0.06]); F.move(oth, t + T / 2, T / 2, [0, 0, -0.06]); floor_hit(F, oth, t + T, 0.35)
        info['turn_deg'] = float(np.degrees(ang))
    elif kind == 'ladder_step':
        n = int(rng.integers(1, 3)); first = rng.choice(['R', 'L'])
        for k in range(2 * n):
            s = first if k % 2 == 0 else ('L' if first == 'R' else 'R'); up = k < n
            hgt = rng.uniform(0.25, 0.3); F.unload(s, t, 0.6, 1.0)
            F.move(s, t, 0.6, [0.15 if up else -0.15, 0, hgt if up else -hgt]); F.turn(s, t, 0.3, np.radians(20), 1); F.turn(s, t + 0.3, 0.3, -np.radians(20), 1)
            floor_hit(F, s, t + 0.6, rng.uniform(0.3, 0.8), Tc=rng.uniform(0.012, 0.03)); t += rng.uniform(0.8, 1.2)
        info['rungs'] = n
    elif kind == 'toe_tap_floor':
        n = int(rng.integers(3, 6)); F.unload('R', t - 0.2, n * 0.4 + 0.5, 0.5)
        for k in range(n):
            F.turn('R', t - 0.15, 0.12, -np.radians(rng.uniform(8, 18)), 1); F.turn('R', t, 0.1, np.radians(13), 1)
            floor_hit(F, 'R', t, rng.uniform(0.2, 0.5), m=0.8); contacts.append(int(t * 1000)); t += rng.uniform(0.25, 0.45)
        info['taps'] = n
    odr = int(rng.choice([52, 104, 104, 208]))
    return F, contacts, p, odr, 16000, info, t

# ---------------------------------------------------------------- render onto a crop
def render(F, p, odr, fs_mg, crop, w0, rng):
    """add the simulated signals (starting at crop sample w0) to LEFT/RIGHT crop arrays."""
    out = []
    for (mm, h, dd), s in zip(crop, 'LR'):
        n100 = min(int(F.N / FS * 100), len(dd) - w0)
        yaw = p['turn_L'] if s == 'L' else p['turn_R']; mount = p['mount_L'] if s == 'L' else p['mount_R']
        # tilt of the foot (roll/pitch from the rate) rotates gravity in the sensor: small-angle term
        ang = np.cumsum(F.rate[s], 0) / FS
        gterm = np.stack([-ang[:, 1] * G, ang[:, 0] * G, np.zeros(F.N)], 1)   # foot frame, gravity change
        acc_w = F.acc[s] + gterm @ rotz(yaw).T
        x = sensor(acc_w, F.rate[s], yaw, mount, odr, p['bw'], rng.uniform(), n100)
        dd = dd.copy(); dd[w0:w0 + n100, 1:7] += np.round(x).astype(np.int64)
        dd[:, 1:4] = np.clip(dd[:, 1:4], -fs_mg, fs_mg); dd[:, 4:7] = np.clip(dd[:, 4:7], -20000, 20000)
        if len(h) > 7:    # pressure zones: lifted foot loses its load, the other one takes it
            other = 'R' if s == 'L' else 'L'
            u = np.interp(np.arange(n100) * 0.01, np.arange(F.N) / FS, F.load[s])
            g = np.interp(np.arange(n100) * 0.01, np.arange(F.N) / FS, F.load[other])
            zl = dd[w0:w0 + n100, 7:].astype(float); tot = zl.sum(1, keepdims=True) + 1e-9
            zl = zl * (1 - u)[:, None] + zl / tot * (g * tot[:, 0])[:, None]
            dd[w0:w0 + n100, 7:] = np.clip(np.round(zl), 0, 5000).astype(np.int64)
        out.append((mm, h, dd))
    return out

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--seed', type=int, required=True); ap.add_argument('--out', required=True)
    a = ap.parse_args(); rng = np.random.default_rng(a.seed); os.makedirs(a.out, exist_ok=True)
    P = [load_pair(*x) for x in pairs()]
    print(f'{len(P)} pairs', file=sys.stderr)
    still = []; afterwalk = []
    for pi, Q in enumerate(P):
        for i, j in runs(stillness(Q), 450):
            still.append((pi, i, j))
            if i > 500 and (~stillness(Q)[i - 300:i]).mean() > 0.6: afterwalk.append((pi, i, j))
    by_ds = {}
    for s in still: by_ds.setdefault(P[s[0]]['ds'], []).append(s)
    print({k: len(v) for k, v in by_ds.items()}, 'after-walk', len(afterwalk), file=sys.stderr)
    labels = {'seed': a.seed, 'version': 1, 'instances': []}; k = 0

    def pick_still(need, aw=False):
        pool = afterwalk if aw and afterwalk else None
        if pool is None:
            ds = rng.choice(list(by_ds), p=None) if rng.random() < 0.5 else 'hugadb'
            pool = by_ds.get(ds) or by_ds['hugadb']
        cand = [s for s in pool if s[2] - s[1] >= need]
        if not cand: cand = [s for s in still if s[2] - s[1] >= need]
        return cand[rng.integers(len(cand))]

    def emit(kind, cond, Q, i0, n, add, strikes_ms, info, contacts=None):
        nonlocal k
        name = f'h4_{k:03d}_{kind}'; k += 1
        extra = {'kind': kind, 'condition': cond, 'seed': a.seed}
        crop = make_crop(Q, i0, n, name, extra)
        if add is not None: crop = add(crop)
        files = {}
        for (mm, h, dd), side in zip(crop, ('left', 'right')):
            if strikes_ms: mm['labels']['sos'] = [{'strikes_ms': strikes_ms}]
            if kind not in ('gesture', 'background'): mm['labels']['lookalike'] = {'kind': kind, 'contacts_ms': contacts or []}
            fn = f'{name}_{side}.trace.csv'; write_trace(os.path.join(a.out, fn), mm, h, dd); files[side] = fn
        labels['instances'].append({'id': name, 'kind': kind, 'condition': cond, 'strikes_ms': strikes_ms,
                                    'contacts_ms': contacts or [], 'files': files, 'dataset': Q['ds'],
                                    'source': Q['ml']['name'] + '+' + Q['mr']['name'], 'crop_start_sample': int(i0),
                                    'length_ms': int(n * 10), 'params': info})

    # gestures
    for cond, spec in COND.items():
        for r in range(spec[0]):
            F, strikes, p, odr, fs_mg, info = gesture(rng, cond)
            dur = int(F.N / FS * 100); pi, i, j = pick_still(dur + 60, spec[7].get('after_walk', False))
            Q = P[pi]; w0g = i + (rng.integers(10, 120) if spec[7].get('after_walk') else rng.integers(20, max(21, j - i - dur - 20)))
            pre = int(rng.integers(400, 800)); i0 = max(0, w0g - pre); n = min(Q['n'] - i0, (w0g - i0) + dur + int(rng.integers(300, 500)))
            w0 = w0g - i0; st = [s // 10 * 10 + w0 * 10 for s in strikes]
            info.update(odr_hz=odr, fs_mg=fs_mg, lpf_frac=p['bw'], turnout_deg=[float(np.degrees(p['turn_L'])), float(np.degrees(p['turn_R']))])
            emit('gesture', cond, Q, i0, n, lambda c: render(F, p, odr, fs_mg, c, w0, rng), st, info)
    # look-alikes
    for kind in LOOK:
        for r in range(15):
            F, contacts, p, odr, fs_mg, info, tend = lookalike(rng, kind)
            dur = int(F.N / FS * 100); pi, i, j = pick_still(min(dur, int(tend * 100) + 100))
            Q = P[pi]; w0g = i + int(rng.integers(0, max(1, j - i - dur)))
            pre = int(rng.integers(400, 800)); i0 = max(0, w0g - pre); n = min(Q['n'] - i0, (w0g - i0) + dur + int(rng.integers(300, 500)))
            w0 = w0g - i0; info.update(odr_hz=odr)
            emit(kind, kind, Q, i0, n, lambda c: render(F, p, odr, fs_mg, c, w0, rng), [], info,
                 [c // 10 * 10 + w0 * 10 for c in contacts])
    # backgrounds
    for r in range(40):
        Q = P[int(rng.integers(len(P)))] if rng.random() < 0.5 else (lambda nh: nh[int(rng.integers(len(nh)))])([q for q in P if q['ds'] != 'hugadb'])
        n = int(min(Q['n'], rng.integers(1500, 3000))); i0 = int(rng.integers(0, Q['n'] - n + 1))
        emit('background', Q['ml'].get('activity', '?'), Q, i0, n, None, [], {})
    lp = os.path.join(a.out, 'labels.json')
    with open(lp, 'w') as f: json.dump(labels, f, indent=1, sort_keys=True, default=_jd)
    print('sha256(labels.json) =', hashlib.sha256(open(lp, 'rb').read()).hexdigest())

if __name__ == '__main__':
    main()
