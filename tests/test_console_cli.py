"""``soleguard gateway``: key generation, bad input (exit 2, nothing sent),
one-shot orders against the team simulation, the JSON event stream."""
import json

from click.testing import CliRunner

from soleguard_sim.cli import main


def run(*args):
    return CliRunner().invoke(main, ["gateway", *args], catch_exceptions=False)


def test_generate_key_then_refuse_to_overwrite(tmp_path):
    k = str(tmp_path / "team7.key")
    r = run("--generate-key", k, "--team", "7", "--site", "plant-a")
    assert r.exit_code == 0 and "team 7" in r.output
    r = run("--generate-key", k, "--team", "7")
    assert r.exit_code == 1 and "refusing to overwrite" in r.output


def test_bad_roster_or_key_file_names_file_and_line(tmp_path):
    k = tmp_path / "k.json"
    k.write_text(json.dumps({"team": 7, "key": "ab" * 16}))
    ros = tmp_path / "r.csv"
    ros.write_text("id,name\n1a2b3c4d,Ana\nnot-an-id,Ben\n")
    r = run("--serial", "/dev/null-gateway", "--key-file", str(k), "--roster", str(ros), "--evacuate")
    assert r.exit_code == 2 and "r.csv: line 3: id 'not-an-id' is not 8 hex digits" in r.output
    k.write_text("{")
    r = run("--serial", "/dev/null-gateway", "--key-file", str(k), "--roster", str(ros))
    assert r.exit_code == 2 and "k.json: line 1: not JSON" in r.output
    assert run("--evacuate").exit_code == 2  # neither --serial nor --sim


def test_serial_port_missing_is_a_clear_error_and_nothing_is_sent(tmp_path):
    k = tmp_path / "k.json"
    k.write_text(json.dumps({"team": 7, "key": "ab" * 16}))
    ros = tmp_path / "r.csv"
    ros.write_text("id,name\n1a2b3c4d,Ana\n")
    r = run("--serial", str(tmp_path / "ttyACM9"), "--key-file", str(k), "--roster", str(ros), "--evacuate",
            "--wait", "1", "--state-dir", str(tmp_path / "st"))
    assert r.exit_code == 2 and "gateway not connected" in r.output and "nothing sent" in r.output
    assert "ttyACM9" in r.output
    assert not (tmp_path / "st" / "audit.jsonl").exists()


def test_one_shot_evacuation_over_the_simulated_team_confirms_every_insole(tmp_path):
    r = run("--sim", "--insoles", "4", "--speed", "10", "--evacuate", "--point", "1", "--json", "--wait", "20",
            "--state-dir", str(tmp_path))
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in r.output.splitlines()]
    (summary,) = [x for x in lines if "result" in x]
    assert summary["result"] == "evacuate" and summary["confirmed"] == 4 and summary["missing"] == []
    assert sum(e.get("event") == "evac_ack" for e in lines) == 4
    assert all("name" not in e for e in lines)  # ids only unless --names
    row = json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[0])
    assert row["action"] == "evacuate" and row["result"] == "sent"


def test_one_shot_all_clear_waits_until_every_insole_stopped(tmp_path):
    # newcomer finding: the one-shot all-clear sent one frame and exited 0 at once, dropping its repeats and the
    # roll call that confirms the stop; now it waits like the evacuation (exit 1 if someone did not confirm)
    r = run("--sim", "--insoles", "4", "--speed", "10", "--evacuate", "--json", "--wait", "20", "--state-dir", str(tmp_path))
    assert r.exit_code == 0, r.output
    r = run("--sim", "--insoles", "4", "--speed", "10", "--all-clear", "--json", "--wait", "30", "--state-dir", str(tmp_path))
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in r.output.splitlines()]
    (summary,) = [x for x in lines if "result" in x]
    assert summary["result"] == "all_clear" and summary["confirmed"] == 4 and summary["missing"] == []
    assert sum(e.get("event") == "all_clear_confirmed" for e in lines) == 4
    assert [e.get("source") for e in lines if e.get("event") == "roll_call_started"] == ["all_clear"]
    r = run("--sim", "--insoles", "4", "--speed", "10", "--all-clear", "--wait", "30", "--state-dir", str(tmp_path))
    assert r.exit_code == 0 and "no running evacuation is known" in r.output, r.output


def test_simulated_team_enrolled_from_a_paired_roster_and_a_foreign_roster_is_flagged(tmp_path):
    from soleguard.core.protocol import Keys
    from soleguard_sim.team import TEAM_KEY

    ids = ["%08x" % Keys(TEAM_KEY).device_id(b"insole-%d" % i) for i in range(4)]
    ros = tmp_path / "pairs.csv"
    ros.write_text("id,name,foot\n%s,Ana,L\n%s,Ana,R\n%s,Ben,L\n%s,Ben,R\n" % tuple(ids))
    r = run("--sim", "--insoles", "4", "--speed", "10", "--roster", str(ros), "--evacuate", "--json", "--wait", "30",
            "--state-dir", str(tmp_path / "a"))
    assert r.exit_code == 0, r.output
    (summary,) = [json.loads(x) for x in r.output.splitlines() if x.startswith("{") and '"result"' in x]
    assert summary["confirmed"] == 4 and summary["not_on_roster"] == 0 and "warning" not in r.output
    # a roster naming one simulated insole and one that is not: a warning, and the summary counts the
    # roster's insoles only (the other three simulated insoles' answers are reported apart)
    ros.write_text("id,name,foot\n%s,Ana,L\n1a2b3c4d,Ana,R\n" % ids[0])
    r = run("--sim", "--insoles", "4", "--speed", "10", "--roster", str(ros), "--evacuate", "--wait", "15",
            "--state-dir", str(tmp_path / "b"))
    assert "warning: roster" in r.output and "1 of its 2 insoles are simulated; 3 simulated insoles" in r.output
    assert "1 of 2 confirmed; not yet: Ana (R)" in r.output and "3 answers from insoles not on the roster" in r.output
    assert r.exit_code == 1


def test_acknowledging_an_unknown_insole_sends_nothing(tmp_path):
    r = run("--sim", "--ack", "Zoe", "--state-dir", str(tmp_path))
    assert r.exit_code == 2 and "unknown insole 'Zoe'" in r.output and "nothing sent" in r.output


def test_json_stream_with_names(tmp_path):
    r = run("--sim", "--insoles", "2", "--speed", "100", "--json", "--names", "--duration", "3.5",
            "--state-dir", str(tmp_path))
    assert r.exit_code == 0
    events = [json.loads(x) for x in r.output.splitlines()]
    assert events[0]["event"] == "link_up"
    hb = [e for e in events if e["event"] == "heartbeat"]
    assert hb and hb[0]["name"] in ("Ana Lopez", "Ben Okafor")
