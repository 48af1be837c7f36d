"""The tap model's sensing (sim/tapmodel.py): the board's accelerometer low-pass, then the 1 / ODR box.

The micropython-lib lsm6dsox driver sets LPF2 at ODR / 4 (tapmodel.LPF2_FRACTION), so a short strike
reads lower, later and longer at a lower ODR, and its area (the foot's velocity change) is kept.
"""
import numpy as np
import pytest

from soleguard_sim import tapmodel as tm
from soleguard_sim import trace as tr


def _still_host(seconds=12.0):
    n = int(seconds * 100)
    imu = np.zeros((n, 6), dtype=np.int16)
    imu[:, 2] = 1000
    meta = {"dataset": "synthetic", "source_file": "test", "subject": "T1", "activity": "standing",
            "kind": "adl", "placement": "insole", "foot": "right", "rate_hz": 100, "axes": "insole",
            "zones": [], "labels": {}, "name": "still"}
    return tr.Trace(meta=meta, t_ms=np.arange(n, dtype=np.int64) * 10, imu=imu)


def _sensed_y(odr_hz, peak_mg=6000.0, dur_ms=10.0):
    """dyn_y (mg, 100 Hz) of one lateral half-sine pulse on a still foot, sensed at ``odr_hz``."""
    g = tm.Gesture(duration_ms=400, odr_hz=odr_hz,
                   pulses=[tm.Pulse(200.0, peak_mg, dur_ms, np.array([0.0, 1.0, 0.0]))])
    t = tm.inject(_still_host(), g, 3000, "t", positive=False)
    return t.imu[:, 1].astype(float)


def test_the_board_low_pass_lowers_and_spreads_a_short_strike():
    y = {odr: _sensed_y(odr) for odr in (52, 104, 208)}
    peaks = {odr: v.max() for odr, v in y.items()}
    assert peaks[52] < peaks[104] < peaks[208] < 6000, peaks  # 13 / 26 / 52 Hz
    # the area of the pulse (its velocity change) survives the filter: 2 / pi x peak x duration (the box
    # alone, 4.8 ms at 208 Hz, would miss half of it between samples)
    area = 2 / np.pi * 6000 * 10 / 10  # mg x samples
    for odr, v in y.items():
        assert v.sum() == pytest.approx(area, rel=0.1), odr


def test_without_the_low_pass_the_peak_comes_back(monkeypatch):
    filtered = _sensed_y(52).max()
    monkeypatch.setattr(tm, "LPF2_FRACTION", 4.0)  # far above the 1 / ODR box: the box alone
    assert _sensed_y(52).max() > 1.4 * filtered  # 1984 against 1265 mg when written
