"""The `soleguard` command end to end on real recordings (happy paths).

Bad input is covered in test_bad_input.py.
"""
import json

import pytest
from click.testing import CliRunner

from soleguard_sim.cli import main

FALL = "UMAFall_Subject_02_Fall_forwardFall_1_2016-06-13_20-43-52_ankle"


@pytest.fixture(scope="module")
def imported(datasets, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli")
    r = CliRunner().invoke(main, ["import", "umafall", str(datasets / "umafall_ankle" / (FALL + ".csv")),
                                  "-o", str(out / "uma"), "--quiet"])
    assert r.exit_code == 0, r.output
    assert "1 traces written" in r.output
    r = CliRunner().invoke(main, ["import", "moticon", str(datasets / "moticon_insole"), "-o", str(out / "mot"), "--quiet"])
    assert r.exit_code == 0 and "6 traces written" in r.output, r.output
    return out


def _replay_json(path, runtime):
    r = CliRunner().invoke(main, ["replay", str(path), "--runtime", runtime, "--json"])
    assert r.exit_code == 0, r.output
    return [json.loads(line) for line in r.output.splitlines()]


def test_replay_both_runtimes_same_events(imported):
    path = imported / "uma" / (FALL + ".trace.csv")
    cp = _replay_json(path, "cpython")
    mp = _replay_json(path, "micropython")
    assert [o["events"] for o in cp] == [o["events"] for o in mp]
    first = cp[0]["events"][0]
    assert first["type"] == "pre_alarm" and first["cause"] == "fall" and 3000 <= first["t_ms"] <= 5000


def test_replay_text_lists_events(imported):
    r = CliRunner().invoke(main, ["replay", str(imported / "uma" / (FALL + ".trace.csv"))])
    assert r.exit_code == 0
    assert "pre_alarm" in r.output and "fall" in r.output and FALL in r.output


def test_score_json_keys(imported):
    r = CliRunner().invoke(main, ["score", str(imported), "--json"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output[r.output.index("{"):])
    assert rep["synthetic"] is None and rep["real"]["source"] == "real"
    rep = rep["real"]
    assert rep["traces"] == 7 and rep["hours"] > 0
    assert rep["falls"]["total"] == 1 and rep["falls"]["detected"] == 1 and rep["falls"]["sensitivity"] == 1.0
    assert rep["falls"]["latency_ms"]["median"] is not None and rep["falls"]["latency_ms"]["p95"] is not None
    for key in ("count", "per_hour", "hours"):
        assert key in rep["false_alarms"]
    for key in ("total", "detected", "false", "false_per_hour"):
        assert key in rep["sos"]
    assert rep["by_activity"]["forwardFall"]["detections"] == 1
    assert rep["by_activity"]["walking_normal"]["traces"] == 2


def test_score_table(imported):
    r = CliRunner().invoke(main, ["score", str(imported)])
    assert r.exit_code == 0
    assert "falls: 1/1 detected" in r.output and "walking_normal" in r.output
    assert "== real recordings ==" in r.output and "synthetic" not in r.output


def test_score_by_subject_and_loso(imported):
    r = CliRunner().invoke(main, ["score", str(imported), "--by-subject", "--loso", "--json"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output[r.output.index("{"):])
    subjects = rep["real"]["by_subject"]
    assert sum(row["falls"] for row in subjects.values()) == 1
    lo = rep["loso"]
    assert [f["subject"] for f in lo["folds"]] == sorted(subjects)
    assert sorted(lo["held_out_by_subject"]) == sorted(subjects) == sorted(lo["in_sample_by_subject"])
    for name, counts in lo["spread"].items():
        assert sum(counts.values()) == len(subjects)
    assert lo["held_out"]["traces"] == lo["in_sample"]["traces"] == 7


def test_plot_writes_png(imported, tmp_path):
    out = tmp_path / "sub" / "fall.png"
    r = CliRunner().invoke(main, ["plot", str(imported / "uma" / (FALL + ".trace.csv")), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20000


def test_bench_json():
    r = CliRunner().invoke(main, ["bench", "--json"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    assert rep["micropython.bytes_per_sample"] == 0
    assert rep["cpython.us_per_sample"] > 0 and rep["micropython.us_per_sample"] > 0
    assert rep["replay.realtime_multiple"] > 1
    assert set(rep["mcu_estimate.cpu_percent_at_100hz"]) == {"esp32s3", "rp2350", "rp2040", "nrf52840"}


def test_demo_runs(datasets, tmp_path):
    r = CliRunner().invoke(main, ["demo", "-o", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "230927_102114_left" in r.output and "pre_alarm  cause=fall" in r.output
    assert len(list(tmp_path.glob("*.png"))) == 3


def test_score_plots_every_missed_fall(tmp_path):
    import numpy as np

    from soleguard_sim.trace import Trace, write

    n = 2000  # 20 s standing still, labelled as a fall: a miss to look at
    imu = np.zeros((n, 6), dtype=np.int16)
    imu[:, 2] = 1000
    meta = {"dataset": "synthetic", "source_file": "-", "subject": "-", "activity": "standing", "kind": "fall",
            "placement": "insole", "foot": "right", "rate_hz": 100, "axes": "native", "zones": [], "name": "miss",
            "labels": {"falls": [{"impact_ms": 5000, "impact_derived": False, "start_ms": 3500, "end_ms": 15000}],
                       "segments": [], "sos": []}}
    write(Trace(meta, np.arange(n, dtype=np.int64) * 10, imu), tmp_path / "t" / "miss.trace.csv")
    r = CliRunner().invoke(main, ["score", str(tmp_path / "t"), "--plots", str(tmp_path / "p"), "--json"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output[r.output.index("{"):])
    assert rep["real"] is None and rep["synthetic"]["source"] == "synthetic"
    assert rep["synthetic"]["falls"]["missed"] == ["miss"] and rep["plots"] == [str(tmp_path / "p" / "miss.png")]
    assert (tmp_path / "p" / "miss.png").read_bytes()[:4] == b"\x89PNG"
