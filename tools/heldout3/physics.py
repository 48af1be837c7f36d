"""Rigid-body / contact primitives for both feet, rendered through an IMU model.

Frames: each foot's insole frame at rest (x toes, y wearer's left, z up) is also
the "world" frame of that foot's motion; gross motion is given as the sensor's
world linear acceleration `aw` (m/s^2) and Euler angles (roll x, pitch y, yaw z;
ZYX) relative to rest; impacts are added in the local (sensor) frame.
The accelerometer reads specific force R^T (a + g_b) where g_b is the
background's own resting gravity reading, so the delta we add is
R^T (a + g_b) - g_b.
"""
import numpy as np


def butter(order, wn, btype='low'):
    """2nd-order Butterworth low-pass (RBJ biquad, Q=1/sqrt 2); wn = fc/(fs/2). Returns its
    impulse response (FIR of 400 samples), used causally like the sensor's digital filter."""
    w0 = np.pi * wn
    al = np.sin(w0) / (2 / np.sqrt(2))
    c = np.cos(w0)
    b = np.array([(1 - c) / 2, 1 - c, (1 - c) / 2]) / (1 + al)
    a = np.array([1.0, -2 * c / (1 + al), (1 - al) / (1 + al)])
    h = np.zeros(400); x1 = x2 = y1 = y2 = 0.0
    for i in range(400):
        x0 = 1.0 if i == 0 else 0.0
        y0 = b[0] * x0 + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2
        h[i] = y0; x2, x1, y2, y1 = x1, x0, y1, y0
    return h


def lfilter(h, x):
    """Causal FIR filtering along the last axis."""
    x = np.atleast_2d(x)
    return np.vstack([np.convolve(r, h)[:x.shape[1]] for r in x])


def bandnoise(rng, n, lo, hi):
    X = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / FS)
    X[(f < lo) | (f > hi)] = 0
    return np.fft.irfft(X, n)

FS = 1000          # internal physics rate, Hz
G = 9.80665


def qh(p0, v0, p1, v1, T, n):
    """Quintic Hermite (accel 0 at both ends): returns position, accel over n samples."""
    s = np.arange(n) / max(n, 1)
    h00 = 1 - 10 * s**3 + 15 * s**4 - 6 * s**5
    h01 = 10 * s**3 - 15 * s**4 + 6 * s**5
    h10 = s - 6 * s**3 + 8 * s**4 - 3 * s**5
    h11 = -4 * s**3 + 7 * s**4 - 3 * s**5
    pos = h00 * p0 + h01 * p1 + T * (h10 * v0 + h11 * v1)
    a00 = -60 * s + 180 * s**2 - 120 * s**3
    a10 = -36 * s + 96 * s**2 - 60 * s**3
    a11 = -24 * s + 84 * s**2 - 60 * s**3
    acc = (a00 * (p0 - p1) + T * (a10 * v0 + a11 * v1)) / T**2
    # a00 for p1 is -a00
    return pos, acc


class Foot:
    def __init__(self, dur_s):
        self.n = int(round(dur_s * FS))
        self.aw = np.zeros((3, self.n))
        self.ang = np.zeros((3, self.n))
        self.imp_acc = np.zeros((3, self.n))
        self.imp_w = np.zeros((3, self.n))
        self.load_scale = np.ones(self.n)
        self.ml_shift = np.zeros(self.n)     # + moves load toward the lateral zones
        self.fz_add = np.zeros((2, self.n))  # extra vertical load N: [rearfoot, forefoot]
        self.impacts = []

    def i(self, t):
        return int(np.clip(round(t * FS), 0, self.n))

    # --- gross motion -------------------------------------------------------
    def move(self, axis, t0, t1, p0, v0, p1, v1):
        """Sensor moves along world `axis` from (p0,v0) to (p1,v1) between t0 and t1."""
        a, b = self.i(t0), self.i(t1)
        if b - a < 2:
            return
        _, acc = qh(p0, v0, p1, v1, (b - a) / FS, b - a)
        self.aw[axis, a:b] += acc

    def rot(self, axis, t0, t1, d_ang):
        """Add a min-jerk change of angle d_ang (rad) about `axis` between t0 and t1; held after."""
        a, b = self.i(t0), self.i(t1)
        if b - a < 2:
            self.ang[axis, a:] += d_ang
            return
        pos, _ = qh(0.0, 0.0, d_ang, 0.0, (b - a) / FS, b - a)
        self.ang[axis, a:b] += pos
        self.ang[axis, b:] += d_ang

    def accel_pulse(self, axis, t0, T, dv):
        """Smooth world acceleration pulse of area dv (m/s) (push-off, braking)."""
        a, b = self.i(t0), self.i(t0 + T)
        if b - a < 2:
            return
        s = np.arange(b - a) / (b - a)
        w = np.sin(np.pi * s) ** 2
        self.aw[axis, a:b] += dv * w / (w.sum() / FS)

    def freefall(self, t0, t1):
        a, b = self.i(t0), self.i(t1)
        self.aw[2, a:b] += -G

    # --- contact ------------------------------------------------------------
    def impact(self, t, d, dv, T, dw=(0, 0, 0), w_fn=12.0, w_zeta=0.35,
               ring=None, tag=''):
        """Contact pulse: half-sine force of duration T (s) along unit vector d (local),
        velocity change dv (m/s); angular-rate impulse dw (rad/s) that the joint
        (natural freq w_fn Hz, damping w_zeta) then returns; optional mount ringing
        (f_hz, zeta, ratio, dir)."""
        d = np.asarray(d, float); d = d / (np.linalg.norm(d) + 1e-12)
        a = self.i(t); m = max(int(round(T * FS)), 2); b = min(a + m, self.n)
        s = (np.arange(b - a) + 0.5) / m
        pulse = np.sin(np.pi * s)
        peak = dv * np.pi / (2 * T)
        self.imp_acc[:, a:b] += np.outer(d, peak * pulse)
        # angular response: rise over T, then a damped return (joint spring)
        L = min(self.n - a, int(0.6 * FS))
        tt = np.arange(L) / FS
        wn = 2 * np.pi * w_fn
        wd = wn * np.sqrt(max(1 - w_zeta**2, 0.05))
        rise = np.clip(tt / T, 0, 1)
        resp = rise * np.exp(-w_zeta * wn * tt) * np.cos(wd * tt)
        self.imp_w[:, a:a + L] += np.outer(np.asarray(dw, float), resp)
        if ring is not None:
            f, z, ratio, rdir = ring
            rdir = np.asarray(rdir, float); rdir = rdir / (np.linalg.norm(rdir) + 1e-12)
            L2 = min(self.n - a, int(0.3 * FS))
            t2 = np.arange(L2) / FS
            wr = 2 * np.pi * f
            r = ratio * peak * np.exp(-z * wr * t2) * np.sin(wr * np.sqrt(1 - z * z) * t2) * np.clip(t2 / T, 0, 1)
            self.imp_acc[:, a:a + L2] += np.outer(rdir, r)
        self.impacts.append(dict(t=round(t, 4), peak_g=round(peak / G, 2), T_ms=round(T * 1000, 1), tag=tag))
        return peak

    def vib(self, rng, t0, t1, rms, band=(2, 25), axes_w=(0.3, 0.3, 1.0)):
        a, b = self.i(t0), self.i(t1)
        n = b - a
        if n < 10:
            return
        for k in range(3):
            x = bandnoise(rng, n, band[0], band[1])
            x = x / (x.std() + 1e-12) * rms * axes_w[k] * G
            self.aw[k, a:b] += x


def rotm(ang):
    """R = Rz(yaw) Ry(pitch) Rx(roll), shape (n,3,3)."""
    r, p, y = ang
    cr, sr, cp, sp, cy, sy = np.cos(r), np.sin(r), np.cos(p), np.sin(p), np.cos(y), np.sin(y)
    R = np.empty((len(r), 3, 3))
    R[:, 0, 0] = cy * cp; R[:, 0, 1] = cy * sp * sr - sy * cr; R[:, 0, 2] = cy * sp * cr + sy * sr
    R[:, 1, 0] = sy * cp; R[:, 1, 1] = sy * sp * sr + cy * cr; R[:, 1, 2] = sy * sp * cr - cy * sr
    R[:, 2, 0] = -sp;     R[:, 2, 1] = cp * sr;                R[:, 2, 2] = cp * cr
    return R


def body_rates(ang):
    r, p, y = ang
    dr, dp, dy = (np.gradient(x) * FS for x in ang)
    wx = dr - dy * np.sin(p)
    wy = dp * np.cos(r) + dy * np.cos(p) * np.sin(r)
    wz = -dp * np.sin(r) + dy * np.cos(p) * np.cos(r)
    return np.vstack([wx, wy, wz])


class IMU:
    """LSM6DSO-like: digital low-pass at the output data rate, samples at ODR with
    its own clock phase; the MCU reads the latest sample at each 100 Hz trace tick."""
    def __init__(self, odr, acc_bw_frac, gyro_bw_frac, phase_s, fs_g=16.0, fs_dps=2000.0):
        self.odr, self.phase = odr, phase_s
        self.ba = butter(2, min(acc_bw_frac * odr, 0.45 * FS) / (FS / 2))
        self.bg = butter(2, min(gyro_bw_frac * odr, 0.45 * FS) / (FS / 2))
        self.fs_g, self.fs_dps = fs_g, fs_dps

    def sample(self, x, h, n_out):
        y = lfilter(h, x)
        n = x.shape[1]
        ts = self.phase + np.arange(int(n / FS * self.odr) + 2) / self.odr
        si = np.clip(np.round(ts * FS).astype(int), 0, n - 1)
        ys = y[:, si]
        tj = np.arange(n_out) * 0.010
        k = np.searchsorted(ts, tj, side='right') - 1    # latest ODR sample at or before tick
        out = np.where(k[None, :] >= 0, ys[:, np.clip(k, 0, len(ts) - 1)], 0.0)
        return out


def render(foot, g_b_mg, imu, n_out):
    """Deltas (mg, 0.1 dps) on the trace ticks covered by the foot's span."""
    gb = np.asarray(g_b_mg, float) / 1000.0 * G
    R = rotm(foot.ang)
    a = foot.aw + gb[:, None]
    f = np.einsum('nji,jn->in', R, a) - gb[:, None] + foot.imp_acc
    w = body_rates(foot.ang) + foot.imp_w
    fa = imu.sample(f, imu.ba, n_out) / G * 1000.0
    fw = imu.sample(w, imu.bg, n_out) * 180 / np.pi * 10.0
    return fa, fw


def loads_on_ticks(foot, n_out):
    idx = np.clip((np.arange(n_out) * 10), 0, foot.n - 1)
    return foot.load_scale[idx], foot.ml_shift[idx], foot.fz_add[:, idx]
