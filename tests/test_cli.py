"""The `soleguard` command end to end on real recordings (happy paths).

Bad input is covered in test_bad_input.py.
"""
import json
import re

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
    assert "): 1 event\n" in r.output, r.output  # the newcomer's "1 events"


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
    assert len(list(tmp_path.glob("*.png"))) == 4  # each foot, both feet on one timeline, the fall
    assert len(list(tmp_path.glob("*_pair.png"))) == 1
    # the same events through the team and the console: the real fall's alarm card, acknowledged
    assert "real recording %s" % FALL in r.output and "console: ALARM card: Ana Lopez, fall" in r.output
    assert "CANCELLED" in r.output and "evacuation: every insole confirmed" in r.output


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


def test_score_plot_title_says_why_it_exists(tmp_path):
    import numpy as np

    from soleguard_sim.plot import error_title
    from soleguard_sim.score import score_trace
    from soleguard_sim.trace import Trace

    n = 2000
    imu = np.zeros((n, 6), dtype=np.int16)
    imu[:, 2] = 1000
    meta = {"dataset": "synthetic", "source_file": "-", "subject": "-", "activity": "standing", "kind": "fall",
            "placement": "insole", "foot": "right", "rate_hz": 100, "axes": "native", "zones": [], "name": "miss",
            "labels": {"falls": [{"impact_ms": 5000, "impact_derived": False, "start_ms": 3500, "end_ms": 15000}],
                       "segments": [], "sos": []}}
    tr = Trace(meta, np.arange(n, dtype=np.int64) * 10, imu)
    assert error_title(tr, score_trace(tr)) == "MISSED FALL: no fall pre-alarm in the label window 3.5-15.0 s (impact 5.0 s)"


def test_version_and_exit_codes_in_help():
    r = CliRunner().invoke(main, ["--version"])
    assert r.exit_code == 0 and r.output.startswith("soleguard ") and "protocol version" in r.output
    r = CliRunner().invoke(main, ["--help"], terminal_width=80)
    assert r.exit_code == 0
    commands = r.output.split("Commands:")[1].split("Exit status:")[0]
    assert "..." not in commands  # every one-line summary whole
    for code in ("0 ", "1 ", "2 ", "130 "):
        assert "\n    " + code in r.output


@pytest.mark.parametrize("cmd", ["import", "replay", "score", "taps", "plot", "bench", "demo", "frames", "fuzz",
                                 "scenario", "soak", "team", "gateway"])
def test_every_command_has_an_example(cmd):
    r = CliRunner().invoke(main, [cmd, "--help"], terminal_width=100)
    assert r.exit_code == 0 and ("Example:" in r.output or "Examples:" in r.output), r.output
    assert not re.search(r"^\s+--json\s*$", r.output, re.M)  # --json, where there is one, has a help text


def test_help_of_runtime_and_import_kinds():
    r = CliRunner().invoke(main, ["replay", "--help"], terminal_width=80)
    assert "MicroPython unix port" in r.output
    r = CliRunner().invoke(main, ["import", "--help"], terminal_width=80)
    for kind in ("umafall", "moticon", "gaitpdb", "ipol", "gaitmap", "sisfall", "recording"):
        assert re.search(r"^\s+%s\s{2,}\S" % kind, r.output, re.M), kind  # one kind a line, never split


def test_ctrl_c_exits_130(monkeypatch):
    import soleguard_sim.frames as frames_mod

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(frames_mod, "frames_report", interrupted)
    r = CliRunner(mix_stderr=False).invoke(main, ["frames"]) if _mix_ok() else CliRunner().invoke(main, ["frames"])
    assert r.exit_code == 130 and "interrupted" in (r.output + (r.stderr if _mix_ok() else ""))


def _mix_ok():
    import inspect

    return "mix_stderr" in inspect.signature(CliRunner).parameters


def test_ctrl_c_stops_the_console_with_130(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    p = subprocess.Popen([sys.executable, "-m", "soleguard_sim.cli", "gateway", "--sim", "--no-web",
                          "--state-dir", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = p.stdout.readline()  # the console is up: it logs the gateway link coming up
    assert "link_up" in first, first
    time.sleep(0.2)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=20)
    assert p.returncode == 130, err


def test_files_are_written_with_the_users_umask(tmp_path):
    import os

    import numpy as np

    from soleguard_sim.plot import plot_trace
    from soleguard_sim.replay import replay
    from soleguard_sim.trace import Trace, write

    imu = np.zeros((300, 6), dtype=np.int16)
    imu[:, 2] = 1000
    meta = {"dataset": "synthetic", "source_file": "-", "subject": "-", "activity": "standing", "kind": "adl",
            "placement": "insole", "foot": "right", "rate_hz": 100, "axes": "native", "zones": [], "name": "m",
            "labels": {"falls": [], "segments": [], "sos": []}}
    tr = Trace(meta, np.arange(300, dtype=np.int64) * 10, imu)
    old = os.umask(0o027)
    try:
        path = write(tr, tmp_path / "m.trace.csv")
        png = plot_trace(tr, replay(tr, timeline=True), tmp_path / "m.png")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o640 and png.stat().st_mode & 0o777 == 0o640


def _trace_text(tmp_path, drop_cols=(), drop_meta=()):
    import numpy as np

    from soleguard_sim.trace import Trace, write

    imu = np.zeros((50, 6), dtype=np.int16)
    meta = {"dataset": "synthetic", "source_file": "-", "subject": "-", "activity": "standing", "kind": "adl",
            "placement": "insole", "foot": "right", "rate_hz": 100, "axes": "native", "zones": [], "name": "m",
            "labels": {"falls": [], "segments": [], "sos": []}}
    path = write(Trace(meta, np.arange(50, dtype=np.int64) * 10, imu), tmp_path / "m.trace.csv")
    lines = path.read_text().splitlines()
    out = []
    for ln in lines:
        if ln.startswith("#"):
            if any('"%s"' % k in ln for k in drop_meta):
                continue
        elif not ln.startswith("soleguard") and drop_cols:
            cells = ln.split(",")
            keep = [i for i in range(len(cells)) if i not in drop_cols]
            ln = ",".join(cells[i] for i in keep)
        out.append(ln)
    path.write_text("\n".join(out) + "\n")
    return path


def test_errors_say_what_to_do_next(tmp_path):
    raw = tmp_path / "UMAFall_x.csv"
    raw.write_text("% UMAFall raw file\n1,2,3\n")
    r = CliRunner().invoke(main, ["replay", str(raw)])
    assert r.exit_code == 1 and "soleguard import KIND %s -o OUTDIR" % raw in r.output
    r = CliRunner().invoke(main, ["replay", str(_trace_text(tmp_path, drop_cols=(4, 5, 6)))])
    assert r.exit_code == 1 and "gx_ddps, gy_ddps, gz_ddps missing" in r.output, r.output
    r = CliRunner().invoke(main, ["replay", str(_trace_text(tmp_path, drop_meta=("subject", "placement", "foot")))])
    assert r.exit_code == 1 and "metadata lacks 'subject', 'placement', 'foot'" in r.output, r.output


def test_ack_with_no_open_alarm_says_it_is_waiting(tmp_path):
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "soleguard_sim.cli", "gateway", "--sim", "--ack", "Ana Lopez",
                        "--wait", "1.5", "--state-dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert "no open alarm from Ana Lopez yet: waiting up to" in p.stderr, p.stderr
    assert p.returncode == 2 and "nothing" not in p.stdout  # refused after the wait: nothing acknowledged


def test_import_help_lists_every_kind_the_importers_accept():
    from soleguard_sim.importers import KINDS

    out = CliRunner().invoke(main, ["import", "--help"]).output
    listed = re.findall(r"^\s{4}(\w+)\s{2,}\S", out, re.M)
    assert listed == list(KINDS)
