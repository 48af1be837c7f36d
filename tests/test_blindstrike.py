"""Blind strike model (sim/blindstrike.py): physics and trace injection. CPython only."""
import math

import numpy as np
import pytest

from soleguard_sim import blindstrike as bs
from soleguard_sim import trace as tr


def _host(foot, seconds=20.0, zones=True, seed=0):
    """A standing host: gravity on z, sensor noise, 8 zones carrying half of 80 kg."""
    rng = np.random.default_rng(seed)
    n = int(seconds * 100)
    imu = np.zeros((n, 6), dtype=np.int64)
    imu[:, 2] = 1000
    imu += rng.integers(-8, 9, size=(n, 6))
    zl = [{"name": "z%d" % i, "x_mm": 25 * i, "y_mm": 0} for i in range(8)] if zones else []
    loads = np.full((n, 8), 49, dtype=np.int64) if zones else None
    meta = {"dataset": "synthetic", "source_file": "test", "subject": "T1", "activity": "standing",
            "kind": "adl", "placement": "insole", "foot": foot, "rate_hz": 100, "axes": "insole",
            "zones": zl, "labels": {}, "name": "host_" + foot}
    return tr.Trace(meta=meta, t_ms=np.arange(n, dtype=np.int64) * 10, imu=imu.astype(np.int16),
                    loads=None if loads is None else loads.astype(np.int16))


@pytest.mark.parametrize("loaded", [0, 1])
def test_contact_impulse_is_momentum_change(loaded):
    c = bs.contact(2.5, 2.0, 0.8, 40e3, 1.0, 0.5, k_ground=150e3 if loaded else 0.0)
    # striker: J = m1 * (v0 - v1_end)
    assert c["impulse_ns"] == pytest.approx(2.5 * (0.8 - c["v1_end"]), rel=0.02)
    if not loaded:  # free bodies: total momentum conserved, restitution as set
        assert 2.5 * c["v1_end"] + 2.0 * c["v2_end"] == pytest.approx(2.5 * 0.8, rel=0.01)
        assert (c["v2_end"] - c["v1_end"]) / 0.8 == pytest.approx(0.5, abs=0.08)


def test_contact_duration_and_peak_in_literature_range():
    rng = np.random.default_rng(3)
    for _ in range(50):
        p = bs.sample_params(rng)
        c = bs.contact(p.m_right_kg, p.m_left_kg, p.v_impact_m_s[0], p.k_contact_n_m, p.p_contact,
                       p.restitution, k_ground=p.k_ground_n_m if p.left_loaded else 0.0)
        assert 0.005 <= c["duration_s"] <= 0.12
        peak_g = np.abs(c["a1"]).max() / bs.G
        assert 0.3 <= peak_g <= 40.0  # shoe-mounted IMU heel strikes reach ~18 g (gaitmap raw walk)


def test_direction_within_cone_and_vertical_share():
    rng = np.random.default_rng(5)
    for _ in range(200):
        d = np.array(bs._direction(rng))
        assert abs(np.linalg.norm(d) - 1) < 1e-9
        ang = math.degrees(math.acos(-d[1]))
        assert ang <= 45.0 + 1e-6
        assert abs(d[2]) <= 0.5 + 1e-9


def test_left_impulse_coincident_opposite_and_smaller_when_loaded():
    rng = np.random.default_rng(7)
    p = bs.sample_params(rng, left_loaded=1, ring_gain=0.0, toe_out_right_deg=0.0, toe_out_left_deg=0.0)
    g = bs.synthesize(p)
    r, l = g.feet["right"]["acc"][:, 1], g.feet["left"]["acc"][:, 1]
    for onset in g.strikes_ms:
        i0 = int(onset / 1000 * bs.FS)
        w = slice(i0, i0 + int(0.06 * bs.FS))
        ir, il = i0 + np.argmax(np.abs(r[w])), i0 + np.argmax(np.abs(l[w]))
        assert abs(ir - il) / bs.FS * 1000 <= 15.0
        assert np.sign(r[ir]) == -np.sign(l[il])
        assert abs(l[il]) < abs(r[ir])


def test_antialiasing_lowers_sampled_peak_at_52hz():
    p = bs.BlindParams(odr_hz=52, ring_gain=0.0)
    g = bs.synthesize(p)
    grid = np.arange(0, 1000 * g.t_s[-1], 10.0)
    peaks = {}
    for odr in (52, 104, 208):
        peaks[odr] = np.abs(bs.imu_sample(g.t_s, g.feet["right"]["acc"], odr, 0.5, 0.0, grid)[:, 1]).max()
    raw = np.abs(g.feet["right"]["acc"][:, 1]).max()
    assert peaks[52] < peaks[208] <= raw * 1.05


def test_injected_traces_validate_and_round_trip(tmp_path):
    rng = np.random.default_rng(11)
    right, left = _host("right"), _host("left")
    p = bs.sample_params(rng)
    at = bs.standing_positions(right, p.duration_ms())[2]
    r2, l2 = bs.inject_pair(right, left, at, p, "t11")
    strikes = r2.labels["sos"][0]["strikes_ms"]
    assert len(strikes) == p.n_strikes and strikes == l2.labels["sos"][0]["strikes_ms"]
    i = strikes[0] // 10
    assert np.abs(r2.imu[i:i + 6, :3] - right.imu[0, :3]).max() > 300  # a strike is there
    assert r2.loads[i].sum() < 0.3 * right.loads[0].sum()  # the striking foot is lifted
    assert l2.loads[i].sum() > 1.5 * left.loads[0].sum()  # the stance foot carries it
    for t in (r2, l2):
        path = tr.write(t, tmp_path / (t.meta["name"] + ".trace.csv"))
        back = tr.read(path)
        assert np.array_equal(back.imu, t.imu) and np.array_equal(back.loads, t.loads)
        assert back.labels["sos"] == t.labels["sos"]
    one, none = bs.inject_pair(_host("right", zones=False), None, at, p, "solo")
    assert none is None and one.imu is not None


@pytest.mark.parametrize("kind", bs.LOOK_ALIKES)
def test_look_alikes_inject_as_negatives(kind):
    rng = np.random.default_rng(13)
    p = bs.look_alike(kind, rng)
    right, left = _host("right", 30), _host("left", 30)
    r2, l2 = bs.inject_pair(right, left, 4000, p, kind)
    assert r2.labels["sos"] == [] and l2.labels["sos"] == []
    assert np.abs(r2.imu[:, :3].astype(int) - right.imu[:len(r2.imu), :3]).max() > 200


def test_look_alike_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        bs.look_alike("dance", np.random.default_rng(0))
