"""Signal filters shared by the host-side signal models (no scipy on the host)."""
import math

import numpy as np


def butter2(x, fc, fs):
    """2nd-order Butterworth low-pass (bilinear transform), causal, along axis 0.

    x: (n, ...) array sampled at ``fs`` Hz; fc: cut-off (-3 dB), Hz, below fs / 2. Returns an array of
    x's shape. The blind model's anti-alias filter (sim/blindstrike.py) and the tap model's stand-in
    for the LSM6DSO's LPF2 (sim/tapmodel.py)."""
    wc = math.tan(math.pi * fc / fs)
    k1 = math.sqrt(2) * wc
    k2 = wc * wc
    a0 = k2 / (1 + k1 + k2)
    a1, a2 = 2 * a0, a0
    b1 = 2 * a0 * (1 / k2 - 1)
    b2 = 1 - (a0 + a1 + a2 + b1)
    y = np.zeros_like(x)
    x1 = x2 = y1 = y2 = np.zeros(x.shape[1:])
    for i in range(len(x)):
        yi = a0 * x[i] + a1 * x1 + a2 * x2 + b1 * y1 + b2 * y2
        y[i] = yi
        x2, x1 = x1, x[i]
        y2, y1 = y1, yi
    return y
