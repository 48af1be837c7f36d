"""`soleguard frames` and `soleguard fuzz` end to end (click runner)."""
import json

from click.testing import CliRunner

from soleguard_sim.cli import main


def test_frames_json_lists_every_type_with_time_on_air():
    r = CliRunner().invoke(main, ["frames", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    by = {f["type"]: f for f in d["frames"]}
    assert len(by) == 11 and d["mac_bytes"] == 5
    assert by["alarm"]["bytes"] == 20
    assert by["alarm"]["time_on_air_ms"] == {"SF7": 56.576, "SF9": 185.344, "SF12": 1318.912}


def test_frames_table():
    r = CliRunner().invoke(main, ["frames"])
    assert r.exit_code == 0 and "evacuate" in r.output and "SF12 ms" in r.output


def test_fuzz_json_rejects_everything_hostile():
    r = CliRunner().invoke(main, ["fuzz", "--cases", "2000", "--seed", "5", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["ok"] and d["invalid_accepted"] == 0 and d["total"]["exceptions"] == 0
    assert d["categories"]["random"]["cases"] == 1000
    r = CliRunner().invoke(main, ["fuzz", "--cases", "100"])
    assert r.exit_code == 0 and "0 invalid accepted" in r.output
