"""Scoring rules (docs/SCORING.md) on hand-made events, and dev-set bounds on real data."""
import numpy as np
import pytest

from soleguard_sim.importers import import_batch
from soleguard_sim.replay import Event
from soleguard_sim.score import report, score_trace, summarise
from soleguard_sim.trace import Trace, find, read
from soleguard.core.events import CAUSE_FALL, CAUSE_MAN_DOWN, CAUSE_SOS, EV_ALARM, EV_PRE_ALARM


def _trace(seconds=60, falls=(), sos=(), kind="fall", activity="forwardFall"):
    n = seconds * 100
    imu = np.zeros((n, 6), dtype=np.int16)
    imu[:, 2] = 1000
    meta = {"dataset": "synthetic", "source_file": "-", "subject": "-", "activity": activity, "kind": kind,
            "placement": "insole", "foot": "right", "rate_hz": 100, "axes": "native", "zones": [],
            "labels": {"falls": list(falls), "segments": [], "sos": list(sos)}, "name": "t"}
    return Trace(meta, np.arange(n, dtype=np.int64) * 10, imu)


FALL = {"impact_ms": 10000, "impact_derived": True, "start_ms": 8500, "end_ms": 20000}


def test_fall_detected_inside_window_with_latency():
    s = score_trace(_trace(falls=[FALL]), [Event(11500, EV_PRE_ALARM, CAUSE_FALL, 3)])
    assert (s.falls, s.falls_detected, s.latencies_ms, s.false_alarms) == (1, 1, [1500], [])
    assert s.nonfall_ms == 60000 - 11500


def test_pre_alarm_outside_window_is_false_and_man_down_in_window_is_neither():
    ev = [Event(30000, EV_PRE_ALARM, CAUSE_FALL, 3), Event(12000, EV_PRE_ALARM, CAUSE_MAN_DOWN, 30)]
    s = score_trace(_trace(falls=[FALL]), ev)
    assert s.falls_detected == 0 and s.false_alarms == [30000]


def test_alarm_without_pre_alarm_is_not_a_detection():
    s = score_trace(_trace(falls=[FALL]), [Event(12000, EV_ALARM, CAUSE_FALL, 3)])
    assert s.falls_detected == 0 and s.false_alarms == []


def test_sos_window_and_false_sos():
    sos = [{"strikes_ms": [5000, 5400, 5800]}]
    ev = [Event(5800, EV_ALARM, CAUSE_SOS, 0), Event(40000, EV_ALARM, CAUSE_SOS, 0)]
    s = score_trace(_trace(sos=sos, kind="adl", activity="standing"), ev)
    assert (s.sos, s.sos_detected, s.sos_latencies_ms, s.false_sos) == (1, 1, [0], [40000])


def test_summary_per_hour_over_nonfall_time():
    a = score_trace(_trace(seconds=1800, kind="adl", activity="walking"), [Event(1000, EV_PRE_ALARM, CAUSE_MAN_DOWN, 30)])
    b = score_trace(_trace(falls=[FALL]), [Event(11000, EV_PRE_ALARM, CAUSE_FALL, 2)])
    r = summarise([a, b])
    assert r["traces"] == 2
    assert r["falls"]["sensitivity"] == 1.0 and r["falls"]["latency_ms"]["median"] == 1000
    assert r["false_alarms"]["count"] == 1
    nonfall_h = (1800000 + 60000 - 11500) / 3600000
    assert r["false_alarms"]["per_hour"] == round(1 / nonfall_h, 4)
    assert r["by_activity"]["walking"]["false_alarms"] == 1
    assert r["by_activity"]["forwardFall"]["detections"] == 1


def _real(tr):
    tr.meta["dataset"] = "UMAFall"
    tr.meta["subject"] = "UMA99"
    return tr


def test_real_and_synthetic_never_mixed():
    real = score_trace(_real(_trace(falls=[FALL])), [Event(11000, EV_PRE_ALARM, CAUSE_FALL, 2)])
    synth = score_trace(_trace(falls=[FALL]), [])
    with pytest.raises(ValueError, match="apart"):
        summarise([real, synth])
    rep = report([real, synth])
    assert rep["real"]["source"] == "real" and rep["real"]["falls"]["detected"] == 1
    assert rep["synthetic"]["source"] == "synthetic" and rep["synthetic"]["falls"]["detected"] == 0


def test_alarm_sent_counted_apart_from_pre_alarms():
    ev = [Event(11000, EV_PRE_ALARM, CAUSE_FALL, 2), Event(26000, EV_ALARM, CAUSE_FALL, 2),
          Event(40000, EV_PRE_ALARM, CAUSE_FALL, 2), Event(55000, EV_ALARM, CAUSE_FALL, 2)]
    s = score_trace(_trace(seconds=70, falls=[FALL]), ev)
    assert s.alarms_sent == 2 and s.false_alarms_sent == [55000] and s.false_alarms == [40000]
    assert summarise([s])["alarms_sent"] == {"count": 2, "false": 1, "false_traces": ["t"]}


def test_false_pre_alarms_per_segment_activity_and_wearer_hours():
    tr = _trace(seconds=100, kind="adl", activity="various")
    tr.meta["labels"]["segments"] = [{"start_ms": 0, "end_ms": 40000, "activity": "sitting"},
                                     {"start_ms": 40000, "end_ms": 100000, "activity": "walking"}]
    tr.meta["recording"] = "rec1"
    ev = [Event(50000, EV_PRE_ALARM, CAUSE_FALL, 2)]
    right, left = score_trace(tr, ev), score_trace(tr, [])
    r = summarise([right, left])
    seg = r["by_segment_activity"]
    assert seg["walking"]["false_alarms"] == 1 and seg["sitting"]["false_alarms"] == 0
    assert seg["walking"]["hours"] == round(2 * 60 / 3600, 4)            # both feet's hours
    assert r["false_alarms"]["wearer_hours"] == round(100 / 3600, 4)      # one wearer, one recording


def test_loso_chooses_on_the_other_subjects(monkeypatch):
    from soleguard_sim import score as sc

    traces = []
    for subj in ("A", "B", "C"):
        t = _real(_trace(falls=[FALL]))
        t.meta["subject"] = subj
        t.meta["name"] = subj
        traces.append(t)

    def fake_replay(tr, cfg):  # subject C's fall is detected only with IMPACT_MG 1600
        hit = tr.meta["subject"] != "C" or cfg.IMPACT_MG == 1600
        return type("R", (), {"events": [Event(11000, EV_PRE_ALARM, CAUSE_FALL, 2)] if hit else []})()

    monkeypatch.setattr("soleguard_sim.replay.replay", fake_replay)
    lo = sc.loso(traces, grid=(("IMPACT_MG", (1800, 1600)),))
    chosen = {f["subject"]: f["chosen"]["IMPACT_MG"] for f in lo["folds"]}
    assert chosen == {"UMAFall:A": 1600, "UMAFall:B": 1600, "UMAFall:C": 1800}
    assert lo["held_out"]["falls"]["detected"] == 2 and lo["in_sample"]["falls"]["detected"] == 3
    assert lo["spread"] == {"IMPACT_MG": {"1800": 1, "1600": 2}}
    assert lo["held_out_by_subject"]["UMAFall:C"]["detected"] == 0


def test_objective_is_the_targets_first_then_falls():
    from soleguard_sim import score as sc

    fall = score_trace(_real(_trace(falls=[FALL])), [Event(11000, EV_PRE_ALARM, CAUSE_FALL, 2)])
    missed = score_trace(_real(_trace(falls=[FALL])), [])
    day = _real(_trace(seconds=3600, kind="adl", activity="various"))
    day.meta["labels"]["segments"] = [{"start_ms": 0, "end_ms": 3600000, "activity": "walking"}]
    quiet_day = score_trace(day, [])
    bad_day = score_trace(day, [Event(50000, EV_PRE_ALARM, CAUSE_FALL, 2)])  # 1 per daily-life hour > 0.1
    lying = score_trace(_real(_trace(kind="adl", activity="LyingDown_OnABed")),
                        [Event(5000, EV_PRE_ALARM, CAUSE_FALL, 2)])
    # more falls never buys a daily-life false pre-alarm rate over the target
    assert sc.objective([fall, fall, bad_day]) < sc.objective([fall, missed, quiet_day])
    # within the targets, a fall outweighs any number of cancelled lying-down pre-alarms
    assert sc.objective([fall, fall, lying, lying, lying, quiet_day]) > sc.objective([fall, missed, quiet_day])
    # equal falls: fewer false pre-alarms wins
    assert sc.objective([fall, quiet_day]) > sc.objective([fall, lying, quiet_day])


@pytest.fixture(scope="module")
def dev_traces(datasets, tmp_path_factory):
    out = tmp_path_factory.mktemp("dev")
    for kind, folder in (("umafall", "umafall_ankle"), ("moticon", "moticon_insole"), ("gaitpdb", "gaitpdb_vgrf"),
                         ("ipol", "ipol_foot"), ("gaitmap", "gaitmap_foot"), ("sisfall", "sisfall_waist")):
        import_batch(kind, [datasets / folder], out / kind)
    return [read(p) for p in find([out])]


def test_dev_set_scores_within_bounds(dev_traces):
    """Regression bounds for the current detector on every real recording.

    Measured (fall impact = peak |a| of the descent): UMAFall falls
    91/94 detected (0.968); SisFall falls 15/15; latency median 870 ms, p95
    1530 ms, max 2120 ms; 15 false pre-alarms, all in UMAFall
    LyingDown_OnABed; 0 elsewhere; 0 false SOS. With SUPINE_MAX_DEG 40 (the
    leave-one-subject-out choice): the same falls, 12 false pre-alarms. (Issue #2: 82/94, 27.) The
    bounds are the issue's targets where met (sensitivity >= 0.95, latency
    <= 3 s, median <= 2 s, zero false alarms outside lying down on a bed) and
    just outside the measured figure where not (lying down on a bed).
    """
    r = summarise([score_trace(tr) for tr in dev_traces])
    assert r["traces"] >= 380  # 385 when written: 3 UMAFall files are rejected for long gaps
    uma = r["by_dataset"]["UMAFall"]
    assert uma["falls"] >= 90 and uma["detections"] / uma["falls"] >= 0.95
    assert r["by_dataset"]["SisFall"]["detections"] == r["by_dataset"]["SisFall"]["falls"] >= 14
    assert r["falls"]["latency_ms"]["max"] <= 3000 and r["falls"]["latency_ms"]["median"] <= 2000
    lying = r["by_activity"]["LyingDown_OnABed"]["false_alarms"]
    assert lying <= 13   # 12 of 35 with SUPINE_MAX_DEG 40 (15 with 30)
    assert r["false_alarms"]["count"] == lying  # zero outside lying down on a bed
    for quiet in ("Walking", "Jogging", "Hopping", "GoUpstairs", "GoDownstairs", "Sitting_GettingUpOnAChair"):
        assert r["by_activity"][quiet]["false_alarms"] == 0, quiet
    assert r["sos"]["false"] == 0
