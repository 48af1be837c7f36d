"""The look-alike generator's physics (sim/lookalikes.py); no detector outcome is asserted here."""
import numpy as np
import pytest

from soleguard_sim import lookalikes as la
from soleguard_sim.trace import ACC_LIMIT_MG, GYRO_LIMIT_DDPS, LOAD_LIMIT_N, Trace

FLAT = (0.0, 0.0, 1000.0)


def _sensor(**kw):
    s = la.draw_sensor(np.random.default_rng(0))
    s.update(kw)
    return s


def _grid(m):
    return np.arange(-la.PRE_S, m.duration_s + la.POST_S, 0.01)


def _host(foot, n=3000, zones=True, seed=0):
    rng = np.random.default_rng(seed)
    imu = np.zeros((n, 6), np.int16)
    imu[:, :3] = np.array([-150, 40, 1000]) + rng.normal(0, 5, (n, 3))
    imu[:, 3:] = rng.normal(0, 3, (n, 3))
    zs = [{"name": "heel", "x_mm": 20, "y_mm": 0}, {"name": "mid", "x_mm": 110, "y_mm": 0},
          {"name": "fore", "x_mm": 190, "y_mm": 0}]
    meta = {"dataset": "synthetic", "source_file": "x", "subject": "s", "activity": "standing", "kind": "adl",
            "placement": "insole", "foot": foot, "rate_hz": 100, "axes": "insole", "zones": zs if zones else [],
            "labels": {}, "name": "host_" + foot}
    loads = np.full((n, 3), 120, np.int16) if zones else None
    return Trace(meta, np.arange(n, dtype=np.int64) * 10, imu, loads)


def _first(kind, cond, tries=200):
    """The first seed whose parameters satisfy cond."""
    for s in range(tries):
        m, p = la.synthesize(kind, np.random.default_rng(s))
        if cond(p):
            return m, p
    raise AssertionError("no seed with the wanted parameters")


def test_flight_reads_zero_g():
    m, p = la.synthesize("hop_both", np.random.default_rng(3))
    t = _grid(m)
    a, _ = la.sense(m, la.RIGHT, FLAT, _sensor(odr_hz=208, aa_ratio=0.45, mount_zeta=0.35), t)
    idx = np.clip(np.round((t + la.PRE_S) * la.FS_HZ).astype(int), 0, m.a.shape[1] - 1)
    air = m.grf[la.RIGHT][idx] == 0
    mid = air & np.roll(air, 6) & np.roll(air, -6)           # 60 ms from a take-off's ringing or a landing
    assert mid.sum() > 20
    total = np.abs(a[mid] + FLAT)
    assert total.max() < 80 and total.mean() < 20            # mg: free fall is 0 g


def test_hop_one_lifts_the_left_foot_and_the_right_carries_the_body():
    m, _ = la.synthesize("hop_one", np.random.default_rng(1))
    inside = (m.t > 0.5) & (m.t < m.duration_s - 0.8)
    assert m.grf[la.LEFT, inside].max() == 0
    t = m.t
    standing = inside & (m.grf[la.RIGHT] > 0)
    assert m.grf[la.RIGHT, standing].max() > 2.0              # landings: 2.5-4 BW (Farley 1991)
    # impulse balance: over the hops the right foot's mean load is the body weight
    span = (t > 0.3) & (t < m.duration_s - 0.3)
    assert abs(m.grf[la.RIGHT, span].mean() - 1.0) < 0.15


@pytest.mark.parametrize("kind", ["gesture", "side_push", "pivot", "run"])
def test_the_mirrored_motion_is_the_mirror(kind):
    m, _ = la.synthesize(kind, np.random.default_rng(5))
    mm = la.mirror(m)
    s = _sensor()
    t = _grid(m)
    a, g = la.sense(m, la.RIGHT, FLAT, s, t)
    am, gm = la.sense(mm, la.LEFT, FLAT, s, t)
    flip = np.array([1, -1, 1])
    assert np.allclose(am, a * flip, atol=1e-6)
    assert np.allclose(gm, g * -flip, atol=1e-6)             # gx, gz negate, gy stays
    assert np.array_equal(mm.grf[la.LEFT], m.grf[la.RIGHT])
    assert [c["mover"] for c in mm.contacts] == ["left" if c["mover"] == "right" else "right" for c in m.contacts]


def test_a_shake_without_contact_has_no_impulse_above_its_sinusoid():
    m, p = _first("shake_foot", lambda p: p["axis"] == 1)
    assert m.contacts == []
    peak = p["amp"] * (2 * np.pi * p["freq_hz"]) ** 2         # m/s^2 of the sinusoid
    assert np.abs(m.a[la.RIGHT, :, 1]).max() <= 1.25 * peak   # the Hann window adds at most a little
    a, _ = la.sense(m, la.RIGHT, FLAT, _sensor(mount_zeta=0.35), _grid(m))
    assert np.abs(a[:, 1]).max() <= 1.6 * peak * la.MG        # mount resonance peaking at most


def test_contact_impulses_conserve_momentum_between_feet():
    m = la._new_motion(1.0, np.random.default_rng(2))
    m.grf[:] = 0.0                                            # both feet in the air
    rec = m.contact(0.5, la.RIGHT, la.LEFT, 0.8, (0, 1, 0), 80e3, 0.2, (0.05, 0.045, 0.03),
                    r_b=(0.05, -0.045, 0.03))
    mass = m.phys["foot_mass_kg"]
    dv = m.a.sum(axis=1) / la.FS_HZ                           # (2, 3) velocity change
    assert np.allclose(mass * dv[la.RIGHT] + mass * dv[la.LEFT], 0, atol=1e-12)
    assert dv[la.RIGHT, 1] < 0 < dv[la.LEFT, 1]               # the right is pushed back, the left away
    assert 0 <= rec["restitution"] < 1 and rec["medial"]
    # about contact points mirrored in y, the torques are equal and opposite
    tq = m.torque.sum(axis=(1, 2))
    assert np.allclose(tq[la.RIGHT], -tq[la.LEFT]) and abs(tq[la.RIGHT, 0]) > 0


def test_contact_force_impulse_and_restitution():
    f, e = la.contact_force(1.0, 2.0, None, 100e3, 0.2)
    assert f.min() >= 0 and 0 < e < 1
    assert abs(f.sum() / la.FS_HZ - 2.0 * (1 + e)) < 1e-9
    assert 0.002 < len(f) / la.FS_HZ < 0.02                  # a few ms of contact
    f2, _ = la.contact_force(1.0, 2.0, 2.0, 100e3, 0.2)       # two free feet: reduced mass 1 kg
    assert len(f2) < len(f)


@pytest.mark.parametrize("kind", list(la.KINDS))
def test_kinds_are_deterministic_per_seed_and_have_sourced_ranges(kind):
    m1, p1 = la.synthesize(kind, np.random.default_rng(11))
    m2, p2 = la.synthesize(kind, np.random.default_rng(11))
    assert p1 == p2 and np.array_equal(m1.a, m2.a) and np.array_equal(m1.eul, m2.eul)
    m3, p3 = la.synthesize(kind, np.random.default_rng(12))
    assert p3 != p1
    assert np.isfinite(m1.a).all() and np.isfinite(m1.eul).all()


def test_every_parameter_has_a_range_and_a_source():
    spaces = [la.SENSOR_SPACE, la.CONTACT_SPACE, la.HOP_CONTACT, la.FOOT_FOOT] + [k.space for k in la.KINDS.values()]
    for space in spaces:
        assert space
        for name, spec in space.items():
            assert isinstance(spec.src, str) and len(spec.src) > 8, name
            if isinstance(spec, la.P):
                assert spec.lo <= spec.hi, name
    assert len([k for k in la.KINDS.values() if not k.control]) >= 12
    assert [k.name for k in la.KINDS.values() if k.control] == ["gesture"]


def test_injected_traces_stay_in_full_scale_and_clip():
    right, left = _host("right"), _host("left")
    m, p = _first("jump_down", lambda p: p["height_m"] > 0.8)
    sensors = (_sensor(odr_hz=208, aa_ratio=0.5), _sensor(odr_hz=208, aa_ratio=0.5))
    r, l = la.inject(right, left, m, 12000, 0, sensors, {"kind": "jump_down"})
    for tr in (r, l):
        tr.validate()
        assert np.abs(tr.imu[:, :3]).max() <= ACC_LIMIT_MG and np.abs(tr.imu[:, 3:]).max() <= GYRO_LIMIT_DDPS
        assert tr.loads.min() >= 0 and tr.loads.max() <= LOAD_LIMIT_N
        assert len(tr.t_ms) == len(r.t_ms) and tr.meta["labels"]["lookalike"]["kind"] == "jump_down"
    assert (np.abs(r.imu[:, 2]) == ACC_LIMIT_MG).any()       # a 1 m drop's landing clips at 16 g
    # away from the motion the host is unchanged
    assert np.array_equal(r.imu[:100], right.imu[200:300].astype(np.int16))


def test_a_lifted_foot_unloads_in_the_trace_and_the_other_carries_the_body():
    right, left = _host("right"), _host("left")
    m, _ = la.synthesize("shake_foot", np.random.default_rng(4))
    r, l = la.inject(right, left, m, 12000, 0, (_sensor(), _sensor()), {"kind": "shake_foot"})
    lab = r.meta["labels"]["lookalike"]
    mid = slice(lab["start_ms"] // 10 + 60, lab["end_ms"] // 10 - 60)
    assert r.loads[mid].sum(axis=1).max() <= 5
    assert abs(np.median(l.loads[mid].sum(axis=1)) - 2 * 360) < 30


def test_the_control_is_the_gesture_and_a_shake_is_not():
    m, _ = la.synthesize("gesture", np.random.default_rng(0))
    assert la.is_gesture(m)
    strikes = [c for c in m.contacts if c["target"] == "left"]
    assert len(strikes) == 3 and all(c["medial"] and c["mover"] == "right" for c in strikes)
    gaps = np.diff([c["t_s"] for c in strikes])
    assert ((gaps >= 0.25) & (gaps <= 0.8)).all()
    assert not la.is_gesture(la.mirror(m))                    # the left foot striking is not it
    assert not la.is_gesture(la.synthesize("shake_foot", np.random.default_rng(0))[0])
    right, left = _host("right"), _host("left")
    r, _ = la.inject(right, left, m, 12000, 0, (_sensor(), _sensor()), {"kind": "gesture", "control": True})
    assert len(r.meta["labels"]["sos"][0]["strikes_ms"]) == 3


def test_an_unknown_kind_raises_a_clear_error():
    with pytest.raises(ValueError, match="unknown look-alike kind 'moonwalk'; known: hop_one"):
        la.synthesize("moonwalk", np.random.default_rng(0))
    with pytest.raises(ValueError, match="unknown look-alike kind"):
        la.evaluate([], kinds=["moonwalk"])


def test_evaluate_needs_both_feet_hosts():
    with pytest.raises(ValueError, match="both-feet"):
        la.evaluate([_host("right", zones=False)], n_each=1)
