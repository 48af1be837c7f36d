"""soleguard replay --pair: both insoles' cores together, identical on CPython and the unix port;
pairs made by the scenario generator; traces that are not a pair refused, naming file and field."""
import json
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from soleguard.core.events import CAUSE_MAN_DOWN, CAUSE_SOS, EV_ALARM, EV_PRE_ALARM
from soleguard_sim import pairreplay, pairsos, pairtaps
from soleguard_sim import trace as trace_mod
from soleguard_sim.cli import main

SCRIPT = "stand 5\nwalk 10\nlie 50 pose=back\n"  # lying still: man-down on each insole ~30 s after going still


@pytest.fixture(scope="module")
def synth_pair(tmp_path_factory):
    out = tmp_path_factory.mktemp("pair")
    script = out / "lie_short.txt"
    script.write_text(SCRIPT)
    r = CliRunner().invoke(main, ["scenario", str(script), "-o", str(out), "--seed", "2", "--foot", "both"])
    assert r.exit_code == 0, r.output
    return out / "lie_short_s2_left.trace.csv", out / "lie_short_s2_right.trace.csv"


def _json(args):
    r = CliRunner().invoke(main, ["replay", "--pair", "--json"] + [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_scenario_both_feet_replays_as_a_pair_on_both_runtimes(synth_pair):
    cp = _json(synth_pair)
    mp = _json(["--runtime", "micropython"] + list(synth_pair))
    assert cp["events"] == mp["events"] and cp["fusion"] == mp["fusion"] and cp["samples"] == 6500
    for side in ("left", "right"):
        pre = [e for e in cp["events"][side] if e["type"] == "pre_alarm"]
        assert [e["cause"] for e in pre] == ["man_down"]
        assert 30000 + 15000 <= pre[0]["t_ms"] <= 15000 + 60000  # after 30 s still, within the 60 s target
    assert cp["sos_mode"] == "pair" and cp["cut"] == {"right": 0, "left": 0, "left_offset_ms": 0}


def test_text_output_lists_each_insole(synth_pair):
    r = CliRunner().invoke(main, ["replay", "--pair"] + [str(p) for p in synth_pair])
    assert r.exit_code == 0, r.output
    assert "left insole (struck" in r.output and "right insole (striking" in r.output
    left, right = r.output.split("right insole (striking")
    assert left.count("pre_alarm  man_down") == 1 and right.count("pre_alarm  man_down") == 1


@pytest.fixture(scope="module")
def gestures(datasets):
    traces, _ = pairtaps.load([datasets / "ipol_foot", datasets / "gaitmap_foot"])
    pairs = pairtaps.host_pairs(pairtaps.real_pairs(traces))
    rng = np.random.default_rng(8)
    out = []
    while len(out) < 2:
        rt, lt, _ = pairtaps.inject_grid(pairs[len(out) % len(pairs)], pairtaps.grid_params(rng), rng, "g%d" % len(out))
        if rt is not None:
            out.append((lt, rt))
    return out


def test_pair_replay_is_the_pair_sos_model_and_identical_on_the_unix_port(gestures):
    sos = 0
    for lt, rt in gestures:
        link = (90, -4)
        cp = pairreplay.replay_pair(lt, rt, link)
        mp = pairreplay.replay_pair_with(lt, rt, "micropython", link)
        assert cp == mp
        sim = pairsos.replay_pair(rt, lt, None, link=link)
        assert [e.t_ms for e in cp["right"] if e.type == EV_ALARM and e.cause == CAUSE_SOS] == sim["sos"]
        assert cp["counters"] == (sim["candidates"], sim["confirmed"], sim["gestures"], sim["refused_moving"])
        sos += len(sim["sos"])
        # the struck insole never raises the pair's SOS; its own core runs (single rule) beside it
        assert not [e for e in cp["left"] if e.type == EV_PRE_ALARM and e.cause == CAUSE_MAN_DOWN]
    assert sos >= 1


def _pair(n=300, **meta):
    base = {"dataset": "synthetic", "subject": "s1", "rate_hz": 100, "activity": "x", "name": "rec_left", "foot": "left"}
    rng = np.random.default_rng(0)
    left = trace_mod.Trace(meta=dict(base, **meta.get("left", {})), t_ms=np.arange(n) * 10,
                           imu=rng.integers(-50, 50, (n, 6)).astype(np.int16))
    right = trace_mod.Trace(meta=dict(base, **dict({"name": "rec_right", "foot": "right"}, **meta.get("right", {}))),
                            t_ms=np.arange(n) * 10, imu=rng.integers(-50, 50, (n, 6)).astype(np.int16))
    return left, right


@pytest.mark.parametrize("side, change, field", [
    ("right", {"subject": "s2"}, "subject"),
    ("right", {"rate_hz": 50}, "rate_hz"),
    ("right", {"dataset": "IPOL"}, "dataset"),
    ("right", {"generator": {"seed": 1, "mass_kg": 90.0}}, "generator"),
    ("right", {"name": "other_right"}, "recording"),
    ("left", {"foot": "right"}, "foot"),
])
def test_not_a_pair_names_the_field(side, change, field):
    left, right = _pair(**{side: change})
    with pytest.raises(ValueError, match="field %s" % field):
        pairreplay.check_pair(left, right)


def test_lengths_differ_unless_trimmed_and_the_offset_aligns():
    left, right = _pair(400)
    right = replace(right, t_ms=right.t_ms[:350], imu=right.imu[:350])
    with pytest.raises(ValueError, match="field length"):
        pairreplay.check_pair(left, right)
    # Moticon-style offset: the left insole's row 0 is 500 ms after the right one's
    left2 = replace(left, meta=dict(left.meta, source_t0_ms=500), t_ms=left.t_ms[:300], imu=left.imu[:300])
    right2 = replace(right, meta=dict(right.meta, source_t0_ms=0))
    a, b, cut = pairreplay.check_pair(left2, right2, trim=True)
    assert cut == {"right": 50, "left": 0, "left_offset_ms": -500}
    assert len(a.t_ms) == len(b.t_ms) == 300
    assert np.array_equal(b.imu, right.imu[50:350]) and np.array_equal(a.imu, left2.imu)


def test_cli_refuses_a_non_pair_naming_the_file(synth_pair, tmp_path):
    other = tmp_path / "o"
    r = CliRunner().invoke(main, ["scenario", "stairs", "-o", str(other), "--seed", "2"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["replay", "--pair", str(synth_pair[0]), str(other / "stairs_s2_right.trace.csv")])
    assert r.exit_code == 1
    assert "lie_short_s2_left.trace.csv" in r.output and "field" in r.output
    r = CliRunner().invoke(main, ["replay", "--pair", str(synth_pair[0])])
    assert r.exit_code == 2 and "LEFT RIGHT" in r.output
    r = CliRunner().invoke(main, ["replay", "--pair", str(synth_pair[0]), str(other)])
    assert r.exit_code == 2 and "%s is a folder" % other in r.output, r.output
    r = CliRunner().invoke(main, ["replay", "--trim", str(synth_pair[0])])
    assert r.exit_code == 2 and "need --pair" in r.output


def test_pairposture_counts_each_foot_and_both():
    """The data step behind docs/PAIR.md's fused-posture decision: a lying pair meets man-down on
    each foot and both together; one foot lying beside one standing meets it on that foot only."""
    from soleguard_sim import pairposture as pp
    from soleguard_sim.scenario import generate, parse_script

    lie = parse_script("stand 5\nwalk 10\nlie 60 pose=back", "lie")
    stand = parse_script("stand 75", "stand")
    fl, fr = (pp.foot_flags(generate(lie, seed=1, foot=f)) for f in ("left", "right"))
    m = pp.measure(fl, fr)
    assert len(m["left_man_down"]) == len(m["right_man_down"]) == len(m["both_md"]) == 1
    assert abs(m["both_md"][0] - m["right_man_down"][0]) <= 1000
    assert m["md"]["both"] >= 3000 and m["md_longest"]["both"] >= 3000
    one = pp.measure(fl, pp.foot_flags(generate(stand, seed=1, foot="right")))
    assert len(one["left_man_down"]) == 1 and one["left_man_down_other_nu"] == [] and one["both_md"] == []
    assert one["md"]["both"] == 0 and one["md"]["left_only"] >= 3000


def test_real_moticon_pair_with_zones_identical_on_both_runtimes(datasets):
    """A real pair with pressure zones, the left insole starting 500-600 ms later (source_t0_ms):
    aligned and trimmed, then the same events and counters on CPython and the unix port."""
    traces, errors = pairtaps.load([datasets / "moticon_insole"])
    assert not errors
    by = {t.name: t for t in traces}
    name = sorted(n for n in by if n.endswith("_left"))[0]
    left, right = by[name], by[name[:-5] + "_right"]
    with pytest.raises(ValueError, match="field length"):
        pairreplay.check_pair(left, right)
    ar, al = pairtaps.real_pairs([left, right])[0]  # the taps evaluation's alignment
    left, right, cut = pairreplay.check_pair(left, right, trim=True)
    assert cut["left_offset_ms"] < 0 and left.zones and right.zones
    assert np.array_equal(left.imu, al.imu) and np.array_equal(right.loads, ar.loads)
    cp = pairreplay.replay_pair(left, right)
    assert cp == pairreplay.replay_pair_with(left, right, "micropython") and cp["n"] == len(right.t_ms)
