"""The silent SOS on the tap model (sim/tapmodel.py) and on every real recording.

Positives: gestures drawn from the documented parameter space
(tapmodel.SPACE: impact speed 0.5-1.2 m/s, stop distance 3-8 mm, intervals
150-800 ms, foot roll 0-12 deg, yaw 0-15 deg, 3-5 strikes, foot lifted with
0.1-0.4 of the host's motion left) injected at random positions of real
standing/walking recordings (Moticon, IPOL, gaitmap, UMAFall), fixed seed.
Negatives: every real recording as it is, and seven kinds of synthetic
look-alikes. Rules and figures: docs/TAPS.md.
"""
import numpy as np
import pytest

from soleguard_sim import tapmodel as tm
from soleguard_sim.replay import replay
from soleguard_sim.taps import is_host, load, negatives, positives, real, summarise_positives
from soleguard.core.events import CAUSE_SOS, EV_ALARM

SEED = 4


@pytest.fixture(scope="module")
def traces(datasets):
    loaded, errors = load([datasets])
    assert len(loaded) >= 380, errors  # 385 when written; 3 UMAFall files rejected (gaps)
    return loaded


@pytest.fixture(scope="module")
def hosts(traces):
    return [t for t in traces if is_host(t)]


def _sos(tr):
    return [e.t_ms for e in replay(tr).events if e.type == EV_ALARM and e.cause == CAUSE_SOS]


def test_recall_over_the_parameter_space(hosts):
    rows = positives(hosts, np.random.default_rng(SEED), 300)
    r = summarise_positives(rows)
    assert r["recall"] >= 0.98, r["missed"]
    for name, bands in r["per_band"].items():
        for label, b in bands.items():
            assert b["recall"] >= 0.95, (name, label, b)
    assert r["per_context"]["standing"]["n"] >= 30 and r["per_context"]["moving"]["n"] >= 100
    assert r["latency_ms"]["max"] <= 1500  # after the third strike
    assert r["more_than_one_alarm"] == 0 and r["false_outside_window"] == 0


def test_lighter_taps_are_a_documented_limit(hosts):
    # outside the space: recall is reported, not claimed; it must stay measurable
    rows = positives(hosts, np.random.default_rng(SEED), 60, {"speed_ms": (0.3, 0.5)})
    assert 0.0 < summarise_positives(rows)["recall"] < 1.0


def test_zero_false_sos_on_every_real_recording(traces):
    r = real(traces)
    assert r["false_sos"] == 0, r["false_traces"]
    assert r["hours"] >= 1.7
    assert all(c["longest_run"] <= 2 for c in r["closest"])


@pytest.mark.parametrize("kind", tm.NEGATIVES)
def test_zero_false_sos_on_look_alikes(hosts, kind, monkeypatch):
    monkeypatch.setattr(tm, "NEGATIVES", (kind,))
    rows = negatives(hosts, np.random.default_rng(SEED), 30)
    assert len(rows) == 30
    assert sum(r["false_sos"] for r in rows) == 0, [r["trace"] for r in rows if r["false_sos"]]


def _standing_host(hosts):
    return next(h for h in hosts if h.meta["dataset"] == "IPOL" and h.meta["foot"] == "right")


@pytest.mark.parametrize("n,expected", [(2, 0), (3, 1), (4, 1), (5, 1)])
def test_strike_count(hosts, n, expected):
    host = _standing_host(hosts)
    p = tm.with_params(tm.TapParams(), n_strikes=n, gaps_ms=(300.0,))
    tr = tm.inject(host, tm.strike_gesture(p), 3000, "t", positive=True)  # IPOL: standing for the first ~6 s
    got = _sos(tr)
    assert len(got) == expected, got
    if expected:
        third = tr.labels["sos"][0]["strikes_ms"][2]
        assert 0 <= got[0] - third <= 1500


def test_model_is_seeded_and_labels_strike_times(hosts):
    a = positives(hosts, np.random.default_rng(7), 3)
    b = positives(hosts, np.random.default_rng(7), 3)
    assert [r["params"] for r in a] == [r["params"] for r in b]
    p = tm.TapParams(gaps_ms=(200.0, 500.0))
    g = tm.strike_gesture(p)
    assert np.diff(g.strikes).tolist() == [200, 500]
    assert p.pulse_ms == pytest.approx(12.5) and 12000 < p.peak_mg < 13500  # 1.25 pi v^2 / (4 d)


def test_mirroring_a_left_foot():
    from soleguard_sim.trace import Trace

    imu = np.array([[1, 2, 3, 4, 5, 6]] * 3, dtype=np.int16)
    tr = Trace(meta={"foot": "left", "name": "x", "zones": [{"name": "a", "x_mm": 1, "y_mm": 7}]},
               t_ms=np.arange(3) * 10, imu=imu, loads=np.zeros((3, 1), dtype=np.int16))
    m = tm.as_right_foot(tr)
    assert m.imu[0].tolist() == [1, -2, 3, -4, 5, -6] and m.zones[0]["y_mm"] == -7 and m.meta["foot"] == "right"
