"""Scenario generator (sim/scenario.py): determinism, physical sanity per activity,
the library round trip, and the synthetic score report of the current core.

Synthetic results are reported separately from the real-data scores
(docs/SCENARIOS.md); the assertions here are only what is physically required
and what the current core reliably does. The rest is printed (pytest -s).
"""
import numpy as np
import pytest

from soleguard_sim.replay import replay
from soleguard_sim.scenario import ACTIVITIES, ScenarioError, generate, library, load_script, parse_script
from soleguard_sim.score import score_trace, summarise
from soleguard_sim.trace import Trace, read, write
from soleguard.core.config import Config
from soleguard.core.events import CAUSE_FALL, CAUSE_MAN_DOWN, EV_ALARM, EV_CANCELLED, EV_PRE_ALARM

G = 9.80665
MASS = 75.0


def _gen(text, seed=1, foot="right", mass=MASS):
    return generate(parse_script(text, "t"), seed=seed, foot=foot, mass_kg=mass)


def _seg(tr, k):
    """Sample slice of segment k (labels.segments order)."""
    s = tr.labels["segments"][k]
    return slice(s["start_ms"] // 10, s["end_ms"] // 10)


def _angle(a, b):
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    return float(np.degrees(np.arccos(np.clip(a @ b / np.linalg.norm(a) / np.linalg.norm(b), -1, 1))))


# --- script format ---------------------------------------------------------

def test_script_parsing_and_errors():
    s = parse_script("# comment\n\nstand 5  # trailing\nwalk 10 speed=fast\n", "x", "x.txt")
    assert [(st.activity, st.seconds, st.params, st.line) for st in s.steps] == [
        ("stand", 5.0, {}, 3), ("walk", 10.0, {"speed": "fast"}, 4)]
    for text, msg in (("fly 3", "unknown activity"), ("walk", "needs a duration"), ("walk ten", "not a number"),
                      ("walk 10 pace=3", "no key 'pace'"), ("walk 10 speed=run", "expected one of"),
                      ("walk 10 speed", "not key=value"), ("lie 10 move=much", "not a number"),
                      ("fall_forward 0.5", "needs 2 s"), ("", "no activity lines")):
        with pytest.raises(ScenarioError, match=msg):
            parse_script(text, "x", "x.txt")
    with pytest.raises(ScenarioError, match="x.txt:2"):
        parse_script("stand 1\nfly 2", "x", "x.txt")
    with pytest.raises(ScenarioError, match="no such scenario"):
        load_script("no_such_scenario")
    with pytest.raises(ScenarioError, match="foot"):
        _gen("stand 2", foot="both")


def test_every_activity_has_a_summary_and_generates():
    for name, act in ACTIVITIES.items():
        assert act.summary
        tr = _gen("stand 3\n%s %g\nstand 2" % (name, max(act.min_s, 5.0)))
        assert tr.meta["labels"]["segments"][1]["activity"] == name


# --- determinism -----------------------------------------------------------

def test_same_seed_same_trace_other_seed_differs():
    text = "stand 3\nwalk 10\nfall_sideways 3\nlie 20"
    a, b, c = _gen(text, seed=7), _gen(text, seed=7), _gen(text, seed=8)
    assert np.array_equal(a.imu, b.imu) and np.array_equal(a.loads, b.loads) and a.meta == b.meta
    assert not np.array_equal(a.imu, c.imu)
    # both feet of one seed share the timing of the script (the fall impact)
    left = _gen(text, seed=7, foot="left")
    assert left.labels["falls"][0]["impact_ms"] == a.labels["falls"][0]["impact_ms"]
    assert not np.array_equal(left.imu, a.imu)


# --- physical sanity ---------------------------------------------------------

def test_standing_one_g_on_z_and_half_body_weight_per_foot():
    for seed in range(3):
        for foot in ("right", "left"):
            tr = _gen("stand 20", seed=seed, foot=foot)
            acc = tr.imu[:, :3].astype(float)
            g = np.linalg.norm(acc, axis=1)
            assert abs(g.mean() - 1000) < 40
            assert acc[:, 2].mean() > 950            # z up, insole tilted <= 14 deg toes-down in the shoe
            assert -260 < acc[:, 0].mean() < -100     # Moticon: about -190 mg (11 deg)
            load = tr.loads.sum(axis=1).mean()
            bw = MASS * G
            assert 0.38 * bw < load < 0.55 * bw       # half the body weight, insoles under-read up to 15 %
            heel = tr.loads[:, :2].sum(axis=1).mean()
            assert heel > 0.5 * load                  # standing loads the heel (Moticon: ~70 %)


def test_walking_cadence_stance_and_peaks():
    for speed, lo, hi in (("slow", 1.15, 1.6), ("normal", 0.95, 1.3), ("fast", 0.8, 1.1)):
        tr = _gen("stand 3\nwalk 40 speed=%s" % speed, seed=2)
        sl = _seg(tr, 1)
        load = tr.loads[sl].sum(axis=1)
        on = load > 60
        starts = np.where(np.diff(on.astype(int)) == 1)[0]
        cycle = np.median(np.diff(starts)) / 100.0
        assert lo < cycle < hi, (speed, cycle)
        stance = on[starts[0]:starts[-1]].mean()
        assert 0.55 < stance < 0.7
        amag = np.linalg.norm(tr.imu[sl, :3].astype(float), axis=1)
        peaks = [amag[a:b].max() for a, b in zip(starts[:-1], starts[1:])]
        assert 1800 < np.median(peaks) < 6000            # heel strike 2-6 g
        gy = tr.imu[sl, 4] / 10.0
        assert 150 < -np.percentile(gy, 1) < 500 and 150 < np.percentile(gy, 99) < 500   # swing +-300-400 dps
        assert 1.05 < load.max() / (MASS * G) < 1.4      # GRF peaks ~1.2 body weights


def test_lying_tilted_and_unloaded():
    for pose in ("back", "front", "side", "toes"):
        tr = _gen("stand 5\nlie 30 pose=%s" % pose, seed=3)
        up = tr.imu[100:400, :3].mean(axis=0)
        down = tr.imu[-1000:, :3].mean(axis=0)
        assert 60 < _angle(up, down) <= 180, pose
        assert tr.loads[-1000:].sum(axis=1).max() < 20
    tr = _gen("stand 5\nlie 30 pose=knees_up", seed=3)   # the insole cannot tell this from sitting
    assert _angle(tr.imu[100:400, :3].mean(axis=0), tr.imu[-1000:, :3].mean(axis=0)) < 30


def test_kneel_squat_sit_postures():
    tr = _gen("stand 5\nkneel 20 style=toes\nstand 3\nsquat 20 heels=up\nstand 3\nsit 20", seed=4)
    up = tr.imu[100:400, :3].mean(axis=0)

    def tilt(k):
        sl = _seg(tr, k)
        return _angle(up, tr.imu[sl, :3][300:].mean(axis=0)), tr.loads[sl][300:].mean(axis=0)

    t, ld = tilt(1)
    assert 55 < t < 100                              # kneeling on the toes: sole near vertical
    assert ld[4:].sum() > 5 * ld[:2].sum() > 0 or ld[:2].sum() == 0   # load on the toes/forefoot, not the heel
    assert 0.05 * MASS * G < ld.sum() < 0.3 * MASS * G
    t, ld = tilt(3)
    assert t < 40                                    # squatting: sole (nearly) flat
    assert ld[4:].sum() > ld[:4].sum()               # heels up: forefoot loaded
    assert 0.35 * MASS * G < ld.sum() < 0.6 * MASS * G
    t, ld = tilt(5)
    assert t < 30 and ld.sum() < 0.2 * MASS * G      # sitting: flat, light


def test_fall_impacts_at_the_labelled_time():
    for kind, lo in (("fall_forward", 1500), ("fall_backward", 1500), ("fall_sideways", 1500), ("fall_from_height", 6000)):
        for seed in range(3):
            tr = _gen("stand 5\nwalk 10\n%s 3\nlie 20" % kind, seed=seed)
            (f,) = tr.labels["falls"]
            assert f["impact_derived"] is False
            assert (f["start_ms"], f["end_ms"]) == (f["impact_ms"] - 1500, f["impact_ms"] + 10000)
            i = f["impact_ms"] // 10
            amag = np.linalg.norm(tr.imu[:, :3].astype(float), axis=1)
            assert amag[i - 3:i + 4].max() > lo, (kind, seed)
            assert tr.meta["kind"] == "fall"
            lying = tr.imu[-500:, :3].mean(axis=0)
            assert _angle(tr.imu[100:400, :3].mean(axis=0), lying) > 55
    tr = _gen("stand 5\nladder 6\nfall_from_height 3 height=2\nlie 10", seed=1)
    i = tr.labels["falls"][0]["impact_ms"] // 10
    amag = np.linalg.norm(tr.imu[:, :3].astype(float), axis=1)
    assert (amag[i - 55:i - 10] < 300).all()          # ~0.64 s of free fall before the landing


def test_jump_stamp_and_collapse_signals():
    tr = _gen("stand 5\njump_down 3 height=0.4\nstand 3", seed=5)
    amag = np.linalg.norm(tr.imu[:, :3].astype(float), axis=1)
    sl = _seg(tr, 1)
    seg = amag[sl]
    land = int(np.argmax(seg))
    assert 4000 < seg[land] < 9000
    assert (seg[land - 22:land - 3] < 350).all()      # free fall 200-300 ms
    tr = _gen("stand 5\nstamp 8\nstand 3", seed=5)
    seg = np.linalg.norm(tr.imu[_seg(tr, 1), :3].astype(float), axis=1)
    assert 3000 < seg.max() < 9000
    tr = _gen("stand 20\ncollapse 6 over=4\nlie 80", seed=5)
    assert tr.labels["falls"] == [] and tr.meta["kind"] == "fall"
    sl = _seg(tr, 1)
    assert np.linalg.norm(tr.imu[sl, :3].astype(float), axis=1).max() < 1800   # little impact
    (w,) = tr.labels["man_down"]
    assert w["end_ms"] == tr.duration_ms


def test_man_down_label_rules():
    tr = _gen("walk 10\nlie 90")
    (w,) = tr.labels["man_down"]
    assert 10000 < w["start_ms"] < 18000 and w["end_ms"] == 100000
    assert _gen("walk 10\nlie 50").labels["man_down"] == []   # stillness < 60 s: no window
    assert _gen("walk 10\nlie 90 move=1").labels["man_down"] == []
    assert _gen("walk 10\nfall_forward 3\nlie 90").labels["man_down"] == []   # the fall is the label
    assert len(_gen("walk 10\nfall_forward 3\nlie 90 man_down=1").labels["man_down"]) == 1


# --- the library -----------------------------------------------------------

EXPECTED = {
    "fall_forward", "fall_backward", "fall_sideways", "fall_from_height", "slow_collapse", "lying_still_5min",
    "kneel_work_10min", "squat_work", "sit_break", "ladder_climb", "stairs", "stamp_mud", "jump_down_step",
    "lie_under_vehicle_working", "walk_then_fall_then_get_up", "shift_mix_30min",
}


def test_library_generates_and_round_trips(tmp_path):
    assert EXPECTED <= set(library())
    for name in library():
        script = load_script(name)
        for foot in ("right", "left"):
            tr = generate(script, seed=3, foot=foot)
            assert tr.meta["dataset"] == "synthetic" and tr.meta["activity"] == name
            assert tr.meta["placement"] == "insole" and tr.meta["foot"] == foot
            assert len(tr.zones) == 8 and tr.imu.shape[1] == 6
            segs = tr.labels["segments"]
            assert len(segs) == len(script.steps) and segs[-1]["end_ms"] == tr.duration_ms
            assert [s["activity"] for s in segs] == [st.activity for st in script.steps]
            assert (tr.meta["kind"] == "fall") == (name.startswith("fall") or name in ("slow_collapse", "walk_then_fall_then_get_up"))
            if foot == "right" and tr.duration_ms <= 600000:   # the 30 min mix only generates (CSV time)
                back = read(write(tr, tmp_path / (tr.name + ".trace.csv")))
                assert np.array_equal(back.imu, tr.imu) and np.array_equal(back.loads, tr.loads)
                assert back.labels == tr.labels and back.meta["generator"] == tr.meta["generator"]


# --- the synthetic score report of the current core --------------------------

SEEDS = (0, 1)


def _library_scores():
    out = {}
    for name in library():
        script = load_script(name)
        out[name] = [score_trace(generate(script, seed=s, foot="right")) for s in SEEDS]
    return out


def test_synthetic_report_current_core():
    cfg = Config()
    scores = _library_scores()
    print("\nsynthetic scenarios, current core (reported separately from real data):")
    for name, rows in scores.items():
        for s in rows:
            ev = ", ".join("%s %s %.1fs" % (e.type_name, e.cause_name, e.t_ms / 1000) for e in s.events)
            print("  %-28s falls %d/%d lat %s  man-down %d/%d lat %s  false %d  [%s]" % (
                name, s.falls_detected, s.falls, s.latencies_ms, s.man_down_detected, s.man_down,
                s.man_down_latencies_ms, len(s.false_alarms), ev))
    report = summarise([s for rows in scores.values() for s in rows])
    print("  summary:", {k: report[k] for k in ("traces", "hours", "falls", "man_down", "false_alarms")})

    # Physically required and reliably done by the current core:
    for s in scores["lying_still_5min"] + scores["slow_collapse"]:
        assert s.man_down_detected == s.man_down == 1
        assert s.man_down_latencies_ms[0] <= 60000                   # man-down recognised <= 60 s
        pre = [e for e in s.events if e.type == EV_PRE_ALARM and e.cause == CAUSE_MAN_DOWN][0]
        alarm = [e for e in s.events if e.type == EV_ALARM and e.cause == CAUSE_MAN_DOWN][0]
        assert alarm.t_ms - pre.t_ms == cfg.PRE_ALARM_MS                 # alarm 15 s after the pre-alarm
    for name in ("fall_forward", "fall_backward", "fall_sideways", "fall_from_height"):
        for s in scores[name]:
            assert s.falls_detected == 1 and s.latencies_ms[0] <= 3000, name   # fall recognised <= 3 s
            assert any(e.type == EV_ALARM and e.cause == CAUSE_FALL for e in s.events)
    for s in scores["walk_then_fall_then_get_up"]:
        assert s.falls_detected == 1
        assert any(e.type == EV_CANCELLED for e in s.events)             # getting up cancels the pre-alarm
        assert not any(e.type == EV_ALARM for e in s.events)
    for name in ("stairs", "stamp_mud", "jump_down_step", "ladder_climb", "sit_break", "squat_work",
                 "lie_under_vehicle_working"):
        for s in scores[name]:
            assert s.false_alarms == [], name                             # ordinary work: no pre-alarm
    # Not asserted (known weakness, see docs/SCENARIOS.md): kneeling still on the toes
    # (kneel_work_10min, shift_mix_30min) reads as not upright and still.


def test_score_man_down_windows():
    from soleguard_sim.replay import Event

    tr = _gen("walk 10\nlie 90")
    (w,) = tr.labels["man_down"]
    s = score_trace(tr, [Event(w["start_ms"] + 31000, EV_PRE_ALARM, CAUSE_MAN_DOWN, 30)])
    assert (s.man_down, s.man_down_detected, s.man_down_latencies_ms, s.false_alarms) == (1, 1, [31000], [])
    s = score_trace(tr, [Event(w["start_ms"] - 1000, EV_PRE_ALARM, CAUSE_MAN_DOWN, 30)])
    assert s.man_down_detected == 0 and s.false_alarms == [w["start_ms"] - 1000]
    r = summarise([score_trace(tr)])
    assert r["man_down"]["total"] == 1 and r["man_down"]["detected"] == 1
    assert r["man_down"]["latency_ms"]["max"] <= 60000


def test_cli_scenario_writes_traces_and_scores(tmp_path):
    import json

    from click.testing import CliRunner

    from soleguard_sim.cli import main

    script = tmp_path / "mine.txt"
    script.write_text("stand 3\nwalk 10\nlie 70\n")
    r = CliRunner().invoke(main, ["scenario", "fall_forward", str(script), "-o", str(tmp_path / "out"),
                                  "--seed", "4", "--foot", "both"])
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in (tmp_path / "out").glob("*.trace.csv"))
    assert names == ["fall_forward_s4_left.trace.csv", "fall_forward_s4_right.trace.csv",
                     "mine_s4_left.trace.csv", "mine_s4_right.trace.csv"]
    tr = read(tmp_path / "out" / "mine_s4_right.trace.csv")
    assert tr.meta["source_file"] == "mine.txt" and tr.meta["generator"]["seed"] == 4
    r = CliRunner().invoke(main, ["score", str(tmp_path / "out"), "--json"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)["synthetic"]
    assert rep["falls"]["total"] == 2 and rep["man_down"]["total"] == 2
    r = CliRunner().invoke(main, ["scenario", "no_such", "-o", str(tmp_path / "x")])
    assert r.exit_code == 1 and "no such scenario" in r.output
    bad = tmp_path / "bad.txt"
    bad.write_text("stand 3\nfly 2\n")
    r = CliRunner().invoke(main, ["scenario", str(bad), "-o", str(tmp_path / "x")])
    assert r.exit_code == 1 and "bad.txt:2" in r.output and "unknown activity" in r.output


def test_cli_second_fall_while_first_alarm_awaits_the_ack(tmp_path):
    """A recovered alarm nobody acknowledged (the ack lost) must not end fall
    detection: the second fall raises its own pre-alarm and alarm (before the
    fix: one pre-alarm, one alarm, one recovered; score 1/2 falls)."""
    import json

    from click.testing import CliRunner

    from soleguard_sim.cli import main

    script = tmp_path / "two_falls.txt"
    script.write_text("stand 5\nwalk 20\nfall_forward 3\nlie 30\nget_up 4\nstand 10\nwalk 60\n"
                      "fall_backward 3\nlie 150\n")
    r = CliRunner().invoke(main, ["scenario", str(script), "-o", str(tmp_path / "out"), "--seed", "1"])
    assert r.exit_code == 0, r.output
    tr = read(tmp_path / "out" / "two_falls_s1_right.trace.csv")
    ev = replay(tr).events
    kinds = [(e.type, e.cause) for e in ev if e.type in (EV_PRE_ALARM, EV_ALARM)]
    assert kinds == [(EV_PRE_ALARM, CAUSE_FALL), (EV_ALARM, CAUSE_FALL)] * 2, ev
    r = CliRunner().invoke(main, ["score", str(tmp_path / "out"), "--json"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)["synthetic"]  # generated traces are scored in the synthetic section
    assert rep["falls"]["total"] == 2 and rep["falls"]["detected"] == 2, rep["falls"]
