"""Event library: the SOS gesture and its look-alikes, as motion of BOTH feet.

Every builder takes a numpy Generator and returns (right Foot, left Foot, info).
Times are seconds from the start of the event span; info['marks'] holds the
event times worth labelling (strikes, impacts). Ranges and their sources: README.md.
"""
import numpy as np
from physics import Foot, G

D2R = np.pi / 180


def U(rng, a, b):
    return float(rng.uniform(a, b))


def rz(v, ang):
    c, s = np.cos(ang), np.sin(ang)
    return np.array([c * v[0] - s * v[1], s * v[0] + c * v[1], v[2]])


def mirror(f):
    """Mirror a foot's motion across the body's sagittal plane (y -> -y)."""
    f.aw[1] *= -1; f.imp_acc[1] *= -1
    f.ang[0] *= -1; f.ang[2] *= -1
    f.imp_w[0] *= -1; f.imp_w[2] *= -1
    f.ml_shift *= 1  # lateral stays lateral
    return f


def ring_params(rng, d):
    """Insole/PCB mount resonance in the boot: foam-mounted board, 60-250 Hz."""
    return (U(rng, 60, 250), U(rng, 0.05, 0.3), U(rng, 0.1, 0.6),
            0.6 * np.asarray(d) + np.array([0, 0, 0.4]))


CONTACTS = {
    # height above sole h (m), fore/aft x from the ankle axis (m), contact stiffness k (N/m)
    'ankle':    dict(h=(0.06, 0.09), x=(-0.01, 0.02), k=(20e3, 80e3)),
    'midfoot':  dict(h=(0.03, 0.05), x=(0.03, 0.07), k=(40e3, 150e3)),
    'forefoot': dict(h=(0.02, 0.05), x=(0.10, 0.15), k=(200e3, 800e3)),
    'heel':     dict(h=(0.03, 0.06), x=(-0.08, -0.05), k=(100e3, 300e3)),
}

HARD = ['slow_hesitant', 'fast_interval', 'slow_interval', 'irregular', 'oblique',
        'forefoot_steel', 'heel_counter', 'odr52', 'four_strikes', 'firm_saturating',
        'unloaded_left', 'soft_boot']


def imu_params(rng, cond=None, easy=False):
    if cond == 'odr52':
        odr = 52
    elif easy:
        odr = int(rng.choice([104, 208]))
    else:
        odr = int(rng.choice([52, 104, 208]))
    accbw = float(rng.choice([0.45, 0.25]))   # LSM6DSO LPF1 (ODR/2) or LPF2 ODR/4
    return dict(odr=odr, acc_bw_frac=accbw, gyro_bw_frac=U(rng, 0.25, 0.4))


def tap_series(rng, cond, easy, striker='right', **over):
    """Medial foot-to-foot strikes: striker swings in, strikes the other boot, rebounds.
    Built for a right striker; a left striker is the mirror image (roles swapped)."""
    p = {}
    boot = U(rng, 1.0, 1.9)
    p['boot_kg'] = boot
    p['m_striker_kg'] = m_s = boot + U(rng, 2.0, 3.5)
    loaded = cond != 'unloaded_left'
    p['struck_loaded'] = loaded
    p['m_struck_kg'] = m_t = U(rng, 10, 40) if loaded else boot + U(rng, 1.5, 3.0)
    if cond == 'forefoot_steel':
        contact = 'forefoot'
    elif cond == 'heel_counter':
        contact = 'heel'
    elif easy:
        contact = str(rng.choice(['ankle', 'midfoot']))
    else:
        contact = str(rng.choice(list(CONTACTS), p=[0.35, 0.35, 0.15, 0.15]))
    contact = over.get('contact', contact)
    c = CONTACTS[contact]
    p['contact'] = contact
    h = U(rng, *c['h']); xc = U(rng, *c['x']); k = U(rng, *c['k'])
    if cond == 'soft_boot':
        k *= U(rng, 0.3, 0.5)
    p.update(h_m=h, x_m=xc, k_Npm=k)
    e = U(rng, 0.1, 0.45); p['restitution'] = e
    if cond == 'slow_hesitant':
        v = U(rng, 0.12, 0.3)
    elif cond == 'firm_saturating':
        v = U(rng, 1.2, 2.0)
    elif easy:
        v = U(rng, 0.45, 1.0)
    else:
        v = U(rng, 0.3, 1.2)
    v = over.get('v', v)
    p['v_mps'] = v
    if cond == 'fast_interval':
        base, cv = U(rng, 0.22, 0.33), U(rng, 0.03, 0.1)
    elif cond == 'slow_interval':
        base, cv = U(rng, 0.75, 1.1), U(rng, 0.05, 0.12)
    elif cond == 'irregular':
        base, cv = U(rng, 0.35, 0.8), U(rng, 0.2, 0.35)
    elif easy:
        base, cv = U(rng, 0.38, 0.65), U(rng, 0.03, 0.1)
    else:
        base, cv = U(rng, 0.33, 0.8), U(rng, 0.05, 0.15)
    base = over.get('interval', base)
    n = 4 if cond == 'four_strikes' else 3
    n = over.get('n', n)
    iv = [max(0.16, base * (1 + cv * rng.standard_normal())) for _ in range(n - 1)]
    p.update(interval_base_s=base, interval_cv=cv, n_strikes=n, intervals_s=iv)
    if cond == 'oblique':
        psi = float(rng.choice([-1, 1])) * U(rng, 20, 45); eps = U(rng, -25, 25)
    elif easy:
        psi = float(np.clip(rng.normal(0, 6), -12, 12)); eps = U(rng, -10, 10)
    else:
        psi = float(np.clip(rng.normal(0, 10), -20, 20)); eps = U(rng, -15, 15)
    toe_s, toe_t = U(rng, 3, 18), U(rng, 3, 18)
    p.update(dir_dev_deg=psi, dir_elev_deg=eps, toe_out_striker_deg=toe_s, toe_out_struck_deg=toe_t)
    lift = U(rng, 0.01, 0.04); gap = U(rng, 0.04, 0.15)
    p.update(lift_m=lift, stance_gap_m=gap)

    pre = 0.6
    ws = U(rng, 0.4, 0.9)
    t_lift = pre + 0.7 * ws; d_lift = U(rng, 0.2, 0.35)
    t_go = t_lift + d_lift + U(rng, 0.05, 0.4)
    T_sw1 = U(rng, 0.18, 0.35)
    strikes = [t_go + T_sw1]
    for x in iv:
        strikes.append(strikes[-1] + x)
    t_end_last = strikes[-1] + U(rng, 0.25, 0.5)
    t_down = t_end_last + U(rng, 0.05, 0.3)
    dur = t_down + 0.3 + 1.2
    S, T = Foot(dur), Foot(dur)   # striker, struck

    # force on the striker, its local frame: along -y (toward its own lateral side)
    ps, es = psi * D2R, eps * D2R
    d_s = np.array([np.sin(ps) * np.cos(es), -np.cos(ps) * np.cos(es), np.sin(es)])
    u = -np.array([d_s[0], d_s[1], 0.0]); u /= np.linalg.norm(u)   # swing direction
    d_t = rz(-d_s, -(toe_s + toe_t) * D2R)                              # on the struck foot
    I_s = np.array([U(rng, 0.015, 0.04), U(rng, 0.03, 0.06), U(rng, 0.015, 0.04)])
    I_t = (np.array([U(rng, 0.1, 0.4), U(rng, 0.2, 0.5), U(rng, 0.1, 0.4)]) if loaded
           else np.array([U(rng, 0.015, 0.04), U(rng, 0.03, 0.06), U(rng, 0.015, 0.04)]))
    r_s = np.array([xc, 0.045, h]); r_t = np.array([xc * U(rng, 0.5, 1.2), -0.045, h])
    # rigid-body effective mass at the contact point along the normal (translation + rotation)
    mp_s = 1.0 / (1.0 / m_s + (np.cross(r_s, d_s) ** 2 / I_s).sum())
    mp_t = 1.0 / (1.0 / m_t + (np.cross(r_t, d_t) ** 2 / I_t).sum())
    m_red = mp_s * mp_t / (mp_s + mp_t)
    p.update(m_point_striker_kg=mp_s, m_point_struck_kg=mp_t)
    Tc = float(np.clip(np.pi * np.sqrt(m_red / k), 0.004, 0.05))
    p['contact_ms'] = Tc * 1000
    fn_s, z_s = U(rng, 6, 14), U(rng, 0.3, 0.6)
    fn_t, z_t = (U(rng, 15, 30), U(rng, 0.5, 0.8)) if loaded else (U(rng, 6, 14), U(rng, 0.3, 0.6))
    roll_sw = U(rng, 0, 6) * D2R

    # weight shift onto the struck foot; struck foot rolls a little, striker unloads and lifts
    T.rot(0, pre, pre + ws, U(rng, -2.5, 2.5) * D2R)
    T.load_scale[:] = 1.0
    S.move(2, t_lift, t_lift + d_lift, 0, 0, lift, 0)
    pitch = U(rng, 3, 12) * D2R; roll0 = U(rng, -5, 5) * D2R
    S.rot(1, t_lift, t_lift + d_lift, pitch)
    S.rot(0, t_lift, t_lift + d_lift, roll0)
    a, b = S.i(t_lift), S.i(t_down + 0.3)
    S.load_scale[a:b] = 0.05
    T.load_scale[a:b] = 1.9
    vs = []
    pos_prev, t_prev = -gap, t_go
    for i, ts in enumerate(strikes):
        vi = float(np.clip(v * np.exp(rng.normal(0, 0.18)), 0.08, 2.5)); vs.append(vi)
        # swing in from the previous rest point, arriving with vi
        for ax in (0, 1):
            S.move(ax, t_prev, ts, pos_prev * u[ax], 0, 0, vi * u[ax])
        S.rot(0, t_prev, ts, roll_sw)
        J = m_red * (1 + e) * vi
        dv_s, dv_t = J / m_s, J / m_t
        S.impact(ts, d_s, dv_s, Tc, dw=J * np.cross(r_s, d_s) / I_s, w_fn=fn_s, w_zeta=z_s,
                 ring=ring_params(rng, d_s), tag='strike')
        T.impact(ts, d_t, dv_t, Tc, dw=J * np.cross(r_t, d_t) / I_t, w_fn=fn_t, w_zeta=z_t,
                 ring=ring_params(rng, d_t), tag='struck')
        if not loaded:
            pass
        v_post = vi - dv_s        # negative = rebound
        # rebound / swing out and stop
        if i < n - 1:
            t_out = ts + Tc + U(rng, 0.35, 0.55) * iv[i]
            back = U(rng, 0.05, 0.15)
            for ax in (0, 1):
                S.move(ax, ts + Tc, t_out, 0, v_post * u[ax], -back * u[ax], 0)
            S.rot(0, ts + Tc, t_out, -roll_sw)
            pos_prev, t_prev = -back, t_out + 0.0
            # the next swing-in starts at t_prev (any hold is folded into the swing)
        else:
            for ax in (0, 1):
                S.move(ax, ts + Tc, t_end_last, 0, v_post * u[ax], -gap * u[ax], 0)
            S.rot(0, ts + Tc, t_end_last, -roll_sw)
    # set the foot down
    v_dn = U(rng, 0.1, 0.3)
    S.move(2, t_down - 0.3, t_down, lift, 0, 0, -v_dn)
    S.rot(1, t_down - 0.3, t_down, -pitch); S.rot(0, t_down - 0.3, t_down, -roll0)
    S.impact(t_down, [0, 0, 1], v_dn, U(rng, 0.015, 0.03), dw=[0, v_dn * 2, 0],
             ring=ring_params(rng, [0, 0, 1]), tag='set_down')
    T.rot(0, t_down, t_down + 0.4, -T.ang[0, T.i(t_down) - 1])
    p['v_strikes_mps'] = vs
    info = dict(params=p, marks=strikes, strikes=strikes, t_third=strikes[2],
                active=(pre, t_down + 0.3))
    if striker == 'left':
        mirror(S); mirror(T)
        return T, S, info      # right = struck, left = striker
    return S, T, info


def gesture(rng, cond):
    easy = cond == 'easy'
    R, L, info = tap_series(rng, cond, easy)
    info['imu'] = imu_params(rng, cond, easy)
    return R, L, info


# --------------------------------------------------------------------------- helpers
def land(f, t, v, T, where, rng, tag='land'):
    """Vertical ground impact of a foot (v m/s downward stopped in T s)."""
    x = {'heel': -0.08, 'fore': 0.12, 'flat': 0.0}[where]
    dw = np.cross([x, 0, 0], [0, 0, 1]) * v * U(rng, 8, 20)
    f.impact(t, [U(rng, -0.15, 0.15), U(rng, -0.15, 0.15), 1], v, T, dw=dw,
             w_fn=U(rng, 8, 20), w_zeta=0.5, ring=ring_params(rng, [0, 0, 1]), tag=tag)
    a, b = f.i(t), f.i(t + 0.15)
    k = 0 if where == 'heel' else 1
    f.fz_add[k, a:b] += 700 * v * np.hanning(b - a) if b > a else 0


def step(f, rng, t0, dur, dx, dy, hz, v_land, where='flat', dpsi=0.0, T=None):
    f.move(2, t0, t0 + dur / 2, 0, 0, hz, 0)
    f.move(2, t0 + dur / 2, t0 + dur, hz, 0, 0, -v_land)
    if dx:
        f.move(0, t0, t0 + dur, 0, 0, dx, 0)
    if dy:
        f.move(1, t0, t0 + dur, 0, 0, dy, 0)
    if dpsi:
        f.rot(2, t0, t0 + dur, dpsi)
    pt = U(rng, 3, 15) * D2R
    f.rot(1, t0, t0 + dur * 0.4, pt); f.rot(1, t0 + dur * 0.4, t0 + dur, -pt)
    a, b = f.i(t0), f.i(t0 + dur)
    f.load_scale[a:b] = 0.03
    land(f, t0 + dur, v_land, T or U(rng, 0.015, 0.04), where, rng)


def body_jolt(f, rng, t, dv, T, d=(0, 0, 1)):
    f.impact(t, d, dv, T, tag='body')


def rhythm(rng, n, lo=0.3, hi=0.8, cv=(0.03, 0.15)):
    base = U(rng, lo, hi); c = U(rng, *cv)
    return [max(0.15, base * (1 + c * rng.standard_normal())) for _ in range(n - 1)], base


def times_from(t0, iv):
    ts = [t0]
    for x in iv:
        ts.append(ts[-1] + x)
    return ts


# --------------------------------------------------------------------------- look-alikes
def mud_knock(rng):
    var = str(rng.choice(['left_strikes_right', 'toe_kick_kerb', 'heel_knock_ground', 'right_heel_on_left_toe']))
    n = int(rng.choice([2, 3, 3, 3, 4, 5]))
    if var == 'left_strikes_right':
        R, L, info = tap_series(rng, None, False, striker='left', n=n,
                                v=U(rng, 0.5, 1.5), contact=str(rng.choice(['heel', 'midfoot'])))
        info['params']['variant'] = var
        return R, L, info
    iv, base = rhythm(rng, n, 0.3, 0.8)
    t0 = 1.2; ts = times_from(t0, iv); dur = ts[-1] + 2.0
    R, L = Foot(dur), Foot(dur)
    R.move(2, 0.6, t0 - 0.1, 0, 0, U(rng, 0.03, 0.1), 0)
    marks = []
    for t in ts:
        v = U(rng, 0.5, 1.5)
        if var == 'toe_kick_kerb':
            R.move(0, t - 0.25, t, -0.1, 0, 0, v)
            R.impact(t, [-1, 0, U(rng, -0.2, 0.3)], v * U(rng, 1.1, 1.4), U(rng, 0.006, 0.02),
                     dw=[0, -v * U(rng, 3, 8), U(rng, -1, 1)], ring=ring_params(rng, [-1, 0, 0]), tag='kerb')
            R.move(0, t + 0.02, t + 0.3, 0, -0.3 * v, -0.1, 0)
        elif var == 'heel_knock_ground':
            R.move(2, t - 0.25, t, 0.08, 0, 0.0, -v)
            R.impact(t, [0, 0, 1], v, U(rng, 0.008, 0.02), dw=[0, v * U(rng, 5, 12), 0],
                     ring=ring_params(rng, [0, 0, 1]), tag='heel')
            R.move(2, t + 0.02, t + 0.3, 0, 0.2 * v, 0.08, 0)
        else:  # right heel knocked down/back onto the left toe cap
            R.move(2, t - 0.25, t, 0.06, 0, 0.0, -v)
            R.impact(t, [U(rng, 0.1, 0.4), U(rng, -0.3, 0.3), 1], v, U(rng, 0.004, 0.012),
                     dw=[0, v * U(rng, 5, 12), 0], ring=ring_params(rng, [0, 0, 1]), tag='heel_on_toecap')
            J = 3.0 * 1.3 * v
            L.impact(t, [0, 0, -1], J / U(rng, 20, 60), U(rng, 0.004, 0.012), dw=[0, J * 0.12 / 0.3, 0],
                     ring=ring_params(rng, [0, 0, -1]), tag='toecap_struck')
            R.move(2, t + 0.02, t + 0.3, 0, 0.2 * v, 0.06, 0)
        marks.append(t)
    R.move(2, ts[-1] + 0.4, ts[-1] + 0.8, U(rng, 0.0, 0.0), 0, 0, 0)
    return R, L, dict(params=dict(variant=var, n=n, interval_s=base), marks=marks, active=(0.6, ts[-1] + 0.8))


def stamp_cold(rng):
    var = str(rng.choice(['alternate', 'right_x3', 'both_alt_fast']))
    if var == 'right_x3':
        iv, base = rhythm(rng, 3, 0.35, 0.7); feet = ['R'] * 3
    elif var == 'alternate':
        n = int(rng.integers(4, 13)); iv, base = rhythm(rng, n, 0.3, 0.6); feet = ['R', 'L'] * n
    else:
        n = int(rng.integers(6, 16)); iv, base = rhythm(rng, n, 0.2, 0.3); feet = ['R', 'L'] * n
    ts = times_from(1.2, iv); dur = ts[-1] + 2.0
    R, L = Foot(dur), Foot(dur)
    for t, ft in zip(ts, feet):
        f, o = (R, L) if ft == 'R' else (L, R)
        hz = U(rng, 0.05, 0.15); v = U(rng, 0.6, 1.8)
        dt = min(0.28, 0.9 * (iv[0] if iv else 0.3))
        f.move(2, t - dt, t - dt / 2, 0, 0, hz, 0)
        f.move(2, t - dt / 2, t, hz, 0, 0, -v)
        land(f, t, v, U(rng, 0.008, 0.025), str(rng.choice(['flat', 'heel'])), rng, tag='stamp')
        body_jolt(o, rng, t + 0.01, U(rng, 0.02, 0.06), U(rng, 0.03, 0.06))
    return R, L, dict(params=dict(variant=var, n=len(ts), interval_s=base), marks=ts, active=(0.8, ts[-1] + 0.5))


def _jump(R, L, rng, t_push, flight, dt_lr, push_T=0.25, land_T=(0.015, 0.05), feet='both'):
    vz = G * flight / 2
    fl = [R, L] if feet == 'both' else [R] if feet == 'R' else [L]
    for f in (R, L):
        f.accel_pulse(2, t_push, push_T, vz)         # push-off (the body, so both feet)
        f.freefall(t_push + push_T, t_push + push_T + flight)
    tl = t_push + push_T + flight
    out = []
    for j, f in enumerate((R, L)):
        tt = tl + (dt_lr if j == 1 else 0.0)
        if f in fl:
            land(f, tt, vz, U(rng, *land_T), str(rng.choice(['fore', 'flat', 'heel'])), rng, tag='jump_land')
        else:  # a lifted foot is carried down by the body's landing
            f.accel_pulse(2, tt, U(rng, 0.08, 0.15), vz)
        out.append(tt)
    return out


def jump_down(rng):
    H = U(rng, 0.2, 1.2); vz = np.sqrt(2 * G * H); fl = np.sqrt(2 * H / G)
    dur = 5.0
    R, L = Foot(dur), Foot(dur)
    t0 = 1.0; lead = str(rng.choice(['R', 'L']))
    # step off: the leading foot swings forward, the body drops
    for f in (R, L):
        f.freefall(t0 + 0.3, t0 + 0.3 + fl)
    (R if lead == 'R' else L).move(0, t0, t0 + 0.3, 0, 0, 0.3, 0)
    tl = t0 + 0.3 + fl
    dt = U(rng, 0, 0.06)
    for j, f in enumerate((R, L)):
        tt = tl + (dt if (j == 1) == (lead == 'R') else 0)
        ang = U(rng, 5, 25) * D2R
        f.rot(1, t0 + 0.3, tl - 0.05, ang); f.rot(1, tt, tt + 0.08, -ang)
        land(f, tt, vz, U(rng, 0.015, 0.05), 'fore', rng, tag='land')
        f.load_scale[f.i(t0 + 0.3):f.i(tt)] = 0.0
    step(R if lead == 'L' else L, rng, tl + U(rng, 0.5, 1.0), 0.5, 0.3, 0, 0.06, 0.3, 'heel')
    return R, L, dict(params=dict(height_m=H, v_land=vz, lead=lead, dt_lr_s=dt), marks=[tl], active=(1.0, tl + 1.6))


def hop(rng):
    foot = str(rng.choice(['R', 'L'])); n = int(rng.choice([3, 3, 4, 5, 6, 8]))
    per = U(rng, 0.45, 0.7); flight = U(rng, 0.12, 0.25)
    dur = 1.5 + n * per + 1.5
    R, L = Foot(dur), Foot(dur)
    H = L if foot == 'R' else R
    H.move(2, 0.6, 1.0, 0, 0, U(rng, 0.1, 0.25), 0)    # lifted foot held up
    H.rot(1, 0.6, 1.0, U(rng, 10, 30) * D2R)
    marks = []
    for k in range(n):
        t = 1.2 + k * per * (1 + 0.05 * rng.standard_normal())
        out = _jump(R, L, rng, t, flight, 0.0, push_T=min(0.2, per - flight - 0.1),
                    land_T=(0.02, 0.06), feet=foot)
        marks.append(out[0] if foot == 'R' else out[1])
    tend = marks[-1] + 0.5
    H.move(2, tend, tend + 0.4, 0, 0, 0, -0.2)
    H.rot(1, tend, tend + 0.4, -H.ang[1, H.i(tend) - 1])
    land(H, tend + 0.4, 0.2, 0.03, 'flat', rng)
    return R, L, dict(params=dict(foot=foot, n=n, period_s=per, flight_s=flight), marks=marks, active=(0.6, tend + 0.6))


def jump_both(rng):
    n = int(rng.choice([1, 3, 3, 2, 4, 5])); flight = U(rng, 0.2, 0.45); ground = U(rng, 0.25, 0.5)
    dur = 1.5 + n * (flight + ground + 0.25) + 1.5
    R, L = Foot(dur), Foot(dur)
    marks = []
    t = 1.2
    for k in range(n):
        out = _jump(R, L, rng, t, flight * (1 + 0.08 * rng.standard_normal()), U(rng, 0, 0.03))
        marks.append(out[0]); t = out[0] + ground
    return R, L, dict(params=dict(n=n, flight_s=flight, ground_s=ground), marks=marks, active=(1.0, marks[-1] + 0.6))


def side_step(rng):
    direction = str(rng.choice(['left', 'right'])); n = int(rng.choice([2, 3, 3, 4, 6]))
    per = U(rng, 0.45, 0.9); width = U(rng, 0.25, 0.5); click = rng.random() < 0.5
    dur = 1.5 + n * per + 2.0
    R, L = Foot(dur), Foot(dur)
    s = 1 if direction == 'left' else -1
    lead, trail = (L, R) if direction == 'left' else (R, L)
    marks = []
    t = 1.2
    for k in range(n):
        d1 = per * U(rng, 0.35, 0.45)
        step(lead, rng, t, d1, 0, s * width, U(rng, 0.03, 0.08), U(rng, 0.1, 0.4))
        t2 = t + d1 + U(rng, 0.02, 0.08); d2 = per - (t2 - t) - 0.02
        if click:   # trailing foot closes and clicks against the leading boot, medial to medial
            v = U(rng, 0.1, 0.5)
            trail.move(2, t2, t2 + d2 / 2, 0, 0, 0.03, 0)
            trail.move(1, t2, t2 + d2 * 0.8, 0, 0, s * width, s * v)
            m_red = 3.5 * 20 / 23.5; J = m_red * 1.3 * v; T = np.pi * np.sqrt(m_red / U(rng, 20e3, 150e3))
            tc = t2 + d2 * 0.8
            trail.impact(tc, [0, -s, U(rng, -0.2, 0.2)], J / 3.5, T, dw=[-s * J * 0.05 / 0.03, 0, 0], tag='click')
            lead.impact(tc, [0, s, U(rng, -0.2, 0.2)], J / 20, T, tag='clicked')
            trail.move(1, tc + T, t2 + d2, 0, s * v * -0.3, 0, 0)
            trail.move(2, t2 + d2 / 2, t2 + d2, 0.03, 0, 0, -0.15)
            land(trail, t2 + d2, 0.15, 0.03, 'flat', rng); marks.append(tc)
        else:
            step(trail, rng, t2, d2, 0, s * width, U(rng, 0.03, 0.08), U(rng, 0.1, 0.4)); marks.append(t2 + d2)
        t += per
    return R, L, dict(params=dict(variant=('closing_click' if click else 'no_contact'), direction=direction, n=n,
                                  period_s=per, width_m=width, click=bool(click)),
                      marks=marks, active=(1.2, t + 0.3))


def pivot(rng):
    ang = float(rng.choice([-1, 1])) * U(rng, 90, 360) * D2R; T = U(rng, 1.0, 3.0)
    nst = int(rng.integers(2, 6))
    dur = 1.2 + T + 2.0
    R, L = Foot(dur), Foot(dur)
    t0 = 1.2
    for k in range(nst):
        f = R if k % 2 == 0 else L
        ts = t0 + k * T / nst
        step(f, rng, ts, T / nst * 0.9, U(rng, -0.05, 0.05), U(rng, -0.05, 0.05), U(rng, 0.02, 0.05),
             U(rng, 0.1, 0.3), dpsi=ang / nst * 2 if k < nst - 1 else 0.0)
    # the stance foot pivots on its ball: the rest of the turn
    for f in (R, L):
        rem = ang - f.ang[2, -1]
        f.rot(2, t0, t0 + T, rem)
    return R, L, dict(params=dict(angle_deg=ang / D2R, dur_s=T, steps=nst), marks=[t0 + T], active=(t0, t0 + T + 0.5))


def cross_feet(rng):
    mover = str(rng.choice(['R', 'R', 'L'])); front = rng.random() < 0.7
    dur = 8.0
    R, L = Foot(dur), Foot(dur)
    M, S = (R, L) if mover == 'R' else (L, R)
    s = 1 if mover == 'R' else -1     # the right foot crosses toward +y
    t0 = 1.2; d = U(rng, 0.5, 0.9); hold = U(rng, 1.0, 4.0)
    dy = s * U(rng, 0.2, 0.3); dx = (1 if front else -1) * U(rng, 0.1, 0.2)
    M.rot(2, t0, t0 + d, s * U(rng, 10, 30) * D2R)
    step(M, rng, t0, d, dx, dy, U(rng, 0.03, 0.08), U(rng, 0.1, 0.3))
    marks = [t0 + d]
    if rng.random() < 0.5:   # brushing the other boot on the way
        v = U(rng, 0.05, 0.25); tb = t0 + d * 0.5
        M.impact(tb, [0, -s, 0], v * 0.5, U(rng, 0.02, 0.05), tag='brush')
        S.impact(tb, [0, s, 0], v * 0.05, U(rng, 0.02, 0.05), tag='brushed'); marks.append(tb)
    S.rot(0, t0 + d, t0 + d + 0.5, -s * U(rng, 1, 4) * D2R)
    t1 = t0 + d + hold
    step(M, rng, t1, d, -dx, -dy, U(rng, 0.03, 0.08), U(rng, 0.1, 0.3))
    M.rot(2, t1, t1 + d, -M.ang[2, M.i(t1) - 1])
    S.rot(0, t1, t1 + 0.5, -S.ang[0, S.i(t1) - 1])
    return R, L, dict(params=dict(mover=mover, front=bool(front), hold_s=hold), marks=marks, active=(t0, t1 + d + 0.3))


def kick_side(rng):
    var = str(rng.choice(['medial_pass', 'lateral_side', 'toe']))
    n = int(rng.choice([1, 1, 3, 3, 2]))
    iv, base = rhythm(rng, n, 0.6, 1.2)
    ts = times_from(1.6, iv); dur = ts[-1] + 2.0
    R, L = Foot(dur), Foot(dur)
    mbox = U(rng, 2, 40)
    marks = []
    for t in ts:
        v = U(rng, 1.0, 4.0)
        d = {'medial_pass': [-0.5, -0.85, 0.05], 'lateral_side': [-0.3, 0.95, 0.05], 'toe': [-1, 0, 0.2]}[var]
        d = np.array(d) / np.linalg.norm(d)
        R.move(2, t - 0.5, t - 0.3, 0, 0, 0.1, 0)
        for ax in (0, 1):
            R.move(ax, t - 0.5, t - 0.3, 0, 0, 0.2 * d[ax], 0)      # back-swing
            R.move(ax, t - 0.3, t, 0.2 * d[ax], 0, 0, -v * d[ax])   # forward swing into the object
        mR = U(rng, 3, 5); e = U(rng, 0.1, 0.4)
        rk = np.array([0.08, -0.045 * np.sign(d[1] + 1e-9), 0.04])
        mpt = 1.0 / (1.0 / mR + (np.cross(rk, d) ** 2).sum() / 0.04)
        m_red = mpt * mbox / (mpt + mbox)
        J = m_red * (1 + e) * v
        Tc = float(np.clip(np.pi * np.sqrt(m_red / U(rng, 30e3, 300e3)), 0.005, 0.05))
        R.impact(t, d, J / mR, Tc, dw=J * np.cross(rk, d) / 0.04,
                 ring=ring_params(rng, d), tag='kick')
        vpost = -v + J / mR
        for ax in (0, 1):
            R.move(ax, t + Tc, t + 0.4, 0, -vpost * d[ax] * -1, 0, 0)
        R.move(2, t + 0.1, t + 0.45, 0.1, 0, 0, -0.2)
        land(R, t + 0.45, 0.2, 0.03, 'flat', rng)
        body_jolt(L, rng, t + 0.005, J / U(rng, 60, 100), U(rng, 0.03, 0.06), d=list(d))
        marks.append(t)
    return R, L, dict(params=dict(variant=var, n=n, interval_s=base, m_object_kg=mbox), marks=marks,
                      active=(1.0, ts[-1] + 0.6))


def tool_drop(rng):
    foot = str(rng.choice(['R', 'L'])); m = U(rng, 0.3, 5.0); h = U(rng, 0.3, 1.5)
    where = str(rng.choice(['toe_cap', 'side']))
    n_items = 3 if rng.random() < 0.15 else 1
    dur = 6.0
    R, L = Foot(dur), Foot(dur)
    F = R if foot == 'R' else L
    marks = []
    t = 1.5
    for it in range(n_items):
        v = np.sqrt(2 * G * h); e = U(rng, 0.2, 0.5); hits = 1 + int(rng.integers(0, 3))
        tt = t
        for b in range(hits):
            J = m * (1 + e) * v
            if where == 'toe_cap' or b > 0:
                meff = U(rng, 15, 60); d = [U(rng, -0.3, 0.3), U(rng, -0.3, 0.3), -1]
                dw = J * np.cross([0.13, 0, 0.05], d) / 0.15
            else:
                meff = U(rng, 8, 30); sgn = float(rng.choice([-1, 1])); d = [U(rng, -0.3, 0.3), sgn, U(rng, -0.3, 0.3)]
                dw = J * np.cross([0.0, -sgn * 0.045, 0.06], d) / 0.2
            F.impact(tt, d, J / meff, U(rng, 0.001, 0.005), dw=dw, w_fn=20, w_zeta=0.6,
                     ring=ring_params(rng, d), tag='object')
            marks.append(tt)
            if rng.random() > 0.3:
                break
            tt += 2 * e * v / G; v *= e
        t += U(rng, 0.4, 1.2)
    return R, L, dict(params=dict(foot=foot, mass_kg=m, height_m=h, where=where, items=n_items),
                      marks=marks, active=(1.3, marks[-1] + 0.8))


def ladder(rng):
    n = int(rng.integers(4, 11)); per = U(rng, 0.7, 1.3); up = rng.random() < 0.7
    rise = U(rng, 0.25, 0.30)
    dur = 1.5 + n * per + 2.0
    R, L = Foot(dur), Foot(dur)
    marks = []
    for k in range(n):
        f = R if k % 2 == 0 else L
        t = 1.2 + k * per
        d = per * U(rng, 0.55, 0.75)
        dz = rise * 2 if up else -rise * 2
        f.move(2, t, t + d, 0, 0, dz, 0 if up else -U(rng, 0.2, 0.5))
        f.move(2, t + d, t + d + 0.01, 0, 0, 0, 0)
        f.move(0, t, t + d * 0.5, 0, 0, -0.1, 0); f.move(0, t + d * 0.5, t + d, -0.1, 0, 0, 0)
        pt = U(rng, 10, 30) * D2R
        f.rot(1, t, t + d * 0.4, pt); f.rot(1, t + d * 0.4, t + d, -pt)
        v = U(rng, 0.2, 0.6)
        f.impact(t + d, [0, 0, 1], v, U(rng, 0.01, 0.03), dw=[0, U(rng, -3, 3), 0],
                 ring=ring_params(rng, [0, 0, 1]), tag='rung')
        if rng.random() < 0.4:
            vx = U(rng, 0.2, 0.5)
            f.impact(t + d * 0.8, [-1, 0, 0.2], vx, U(rng, 0.005, 0.015), dw=[0, -vx * 5, 0], tag='toe_on_rung')
        # the body's vertical travel is carried by the other (stance) foot too
        o = L if f is R else R
        o.move(2, t + d * 0.2, t + d, 0, 0, 0, 0)
        marks.append(t + d)
        # the feet's net height: rungs are a staircase; gravity reading is unaffected by height
    return R, L, dict(params=dict(n=n, period_s=per, up=bool(up)), marks=marks, active=(1.2, marks[-1] + 0.4))


def gravel(rng):
    dur = U(rng, 6, 12)
    R, L = Foot(dur + 1.0), Foot(dur + 1.0)
    marks = []
    for f in (R, L):
        rate = U(rng, 1.5, 3.0); t = 0.3 + rng.exponential(1 / rate)
        while t < dur:
            d = rng.normal(0, 1, 3); d[2] = abs(d[2]) * 2
            v = U(rng, 0.05, 0.4)
            f.impact(t, d, v, U(rng, 0.005, 0.02), dw=[rng.normal(0, 1) * v * 8, rng.normal(0, 1) * v * 4, 0],
                     w_fn=U(rng, 5, 12), w_zeta=0.4, ring=ring_params(rng, d), tag='stone')
            a, b = f.i(t), f.i(t + 0.2)
            if b > a:
                f.ml_shift[a:b] += rng.normal(0, 0.3) * np.hanning(b - a)
            marks.append(t)
            t += rng.exponential(1 / rate)
    return R, L, dict(params=dict(dur_s=dur), marks=sorted(marks), active=(0.3, dur), walking=True)


def tap_music(rng):
    foot = str(rng.choice(['R', 'R', 'L'])); mode = str(rng.choice(['toe', 'toe', 'heel']))
    bpm = U(rng, 80, 140); per = 60 / bpm * float(rng.choice([1, 1, 2])); n = int(rng.choice([3, 4, 8, 12, 16, 24]))
    dur = 1.5 + n * per + 1.5
    R, L = Foot(dur), Foot(dur)
    F = R if foot == 'R' else L
    marks = []
    th = U(rng, 8, 20) * D2R
    for k in range(n):
        t = 1.2 + k * per + rng.normal(0, 0.015)
        up = min(0.45 * per, 0.25)
        v = U(rng, 0.2, 0.6)
        if mode == 'toe':   # heel stays down, forefoot lifts (dorsiflexion = -pitch) and slaps down
            F.rot(1, t - 2 * up, t - up, -th); F.rot(1, t - up, t, th)
            F.impact(t, [0, 0, 1], v * 0.4, U(rng, 0.01, 0.025), dw=[0, -v * U(rng, 3, 8), 0],
                     ring=ring_params(rng, [0, 0, 1]), tag='toe_tap')
        else:
            F.rot(1, t - 2 * up, t - up, th); F.rot(1, t - up, t, -th)
            F.move(2, t - 2 * up, t - up, 0, 0, 0.04, 0); F.move(2, t - up, t, 0.04, 0, 0, -v)
            F.impact(t, [0, 0, 1], v, U(rng, 0.01, 0.025), dw=[0, v * U(rng, 3, 8), 0],
                     ring=ring_params(rng, [0, 0, 1]), tag='heel_tap')
        marks.append(t)
    return R, L, dict(params=dict(foot=foot, mode=mode, period_s=per, n=n), marks=marks, active=(0.8, marks[-1] + 0.4))


def kneel(rng):
    var = str(rng.choice(['right_knee', 'left_knee', 'both']))
    dur_hold = U(rng, 2, 8); d = U(rng, 0.8, 1.6)
    dur = 1.2 + d + dur_hold + d + 2.0
    R, L = Foot(dur), Foot(dur)
    t0 = 1.2
    kneelers = {'right_knee': [R], 'left_knee': [L], 'both': [R, L]}[var]
    front = [f for f in (R, L) if f not in kneelers]
    t1 = t0 + d + dur_hold
    marks = []
    for f in kneelers:
        a = U(rng, 50, 80) * D2R
        f.rot(1, t0 + 0.1, t0 + d, a); f.rot(1, t1, t1 + d * 0.8, -a)
        f.move(2, t0 + 0.2, t0 + d, 0, 0, 0.0, 0)
        f.impact(t0 + d, [0, 0, 1], U(rng, 0.1, 0.3), U(rng, 0.03, 0.08), tag='knee_down')
        f.load_scale[f.i(t0 + 0.3):f.i(t1 + d * 0.8)] = 0.15
        marks.append(t0 + d)
    for f in front:
        step(f, rng, t0, d * 0.5, U(rng, 0.3, 0.5), 0, 0.06, 0.3, 'heel')
        f.rot(1, t0 + d * 0.5, t0 + d, -U(rng, 5, 15) * D2R)
        step(f, rng, t1 + d * 0.3, d * 0.5, -0.4, 0, 0.06, 0.3, 'flat')
        f.rot(1, t1, t1 + d, -f.ang[1, f.i(t1) - 1])
    return R, L, dict(params=dict(variant=var, hold_s=dur_hold), marks=marks, active=(t0, t1 + d + 0.5))


def vehicle(rng):
    dur = U(rng, 6, 15); rms = U(rng, 0.03, 0.3)
    R, L = Foot(dur + 2), Foot(dur + 2)
    seed = int(rng.integers(1 << 30))
    for f in (R, L):    # the same floor under both feet (coherent), plus a little of each foot's own
        f.vib(np.random.default_rng(seed), 0.5, dur, rms, band=(1.0, 25.0))
        f.vib(rng, 0.5, dur, rms * 0.2, band=(5.0, 40.0))
    nb = int(rng.choice([1, 2, 3, 3, 4]))
    iv, base = rhythm(rng, nb, 0.3, 0.8)
    ts = times_from(U(rng, 1.5, max(1.6, dur - 3.0)), iv)
    for t in ts:
        dv = U(rng, 0.2, 0.6); T = U(rng, 0.03, 0.08); lat = rng.normal(0, 0.3, 2)
        for f in (R, L):
            f.impact(t + U(rng, 0, 0.01), [lat[0], lat[1], 1], dv, T, dw=[rng.normal(0, 0.5), rng.normal(0, 0.5), 0],
                     ring=ring_params(rng, [0, 0, 1]), tag='bump')
    return R, L, dict(params=dict(rms_g=rms, bumps=nb, bump_interval_s=base), marks=ts, active=(0.5, dur))


def stumble(rng):
    foot = str(rng.choice(['R', 'L']))
    dur = 4.0
    R, L = Foot(dur), Foot(dur)
    F, O = (R, L) if foot == 'R' else (L, R)
    t = 1.0; v = U(rng, 0.5, 2.0)
    F.impact(t, [-1, U(rng, -0.3, 0.3), U(rng, 0.0, 0.4)], v, U(rng, 0.01, 0.03), dw=[U(rng, -3, 3), -v * U(rng, 3, 6), U(rng, -2, 2)],
             ring=ring_params(rng, [-1, 0, 0]), tag='toe_catch')
    F.rot(1, t, t + 0.2, -U(rng, 10, 30) * D2R); F.rot(1, t + 0.2, t + 0.5, F.ang[1, F.i(t) - 1] - F.ang[1, F.i(t + 0.2)])
    tr = t + U(rng, 0.25, 0.45)
    vl = U(rng, 0.6, 1.2)
    O.move(2, tr - 0.25, tr, 0, 0, 0, -vl)
    land(O, tr, vl, U(rng, 0.015, 0.04), 'heel', rng, tag='recovery_step')
    land(F, tr + U(rng, 0.3, 0.5), U(rng, 0.4, 0.9), U(rng, 0.015, 0.04), 'flat', rng, tag='second_step')
    return R, L, dict(params=dict(foot=foot, v_catch=v), marks=[t, tr], active=(0.8, tr + 1.0), walking=True)


LOOKALIKES = dict(mud_knock=mud_knock, stamp_cold=stamp_cold, jump_down=jump_down, hop=hop,
                  jump_both=jump_both, side_step=side_step, pivot=pivot, cross_feet=cross_feet,
                  kick_side=kick_side, tool_drop=tool_drop, ladder=ladder, gravel=gravel,
                  tap_music=tap_music, kneel=kneel, vehicle=vehicle, stumble=stumble)
