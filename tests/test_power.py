"""The battery budget (sim/power.py): the arithmetic of each line, and the command."""
import json

import pytest
from click.testing import CliRunner

from soleguard_sim.app import load_board
from soleguard_sim.cli import main
from soleguard_sim.power import IMU_MA, budget


def test_as_built_is_awake_all_the_time_and_sums_its_lines():
    b = budget("xiao_s3", "as_built", 40.0)
    board = load_board("xiao_s3")
    assert b.awake_pct == 100.0
    lines = dict((c, ma) for c, ma, _ in b.lines)
    assert lines["MCU awake"] == board["power"]["active_ma"] and lines["MCU light sleep"] == 0
    assert lines["IMU (acc + gyro)"] == IMU_MA
    assert b.average_ma == pytest.approx(sum(lines.values()))
    assert b.hours == pytest.approx(board["power"]["battery_mah"] / b.average_ma)
    assert 9 < b.hours < 11  # 400 mAh at ~40 mA: the figure docs/FIRMWARE.md gives for the XIAO today


def test_batch_sleep_awake_time_follows_the_measured_work():
    # 104 Hz x 35 (ESP32-S3 factor): 10 us/sample on the host = 3.64 % of the time computing
    fast, slow = budget("xiao_s3", "batch_sleep", 10.0), budget("xiao_s3", "batch_sleep", 80.0)
    wake_pct = 104 / 16 * 1000 / 1e6 * 100
    assert fast.awake_pct == pytest.approx(10 * 35 * 104 / 1e6 * 100 + wake_pct)
    assert slow.awake_pct > fast.awake_pct and slow.hours < fast.hours
    assert budget("t3s3", "batch_sleep", 10.0).hours > fast.hours  # 1000 mAh against 400 mAh
    with pytest.raises(ValueError, match="mode"):
        budget("xiao_s3", "deep", 10.0)


def test_power_command_json():
    r = CliRunner().invoke(main, ["power", "--board", "t3s3", "--us-per-sample", "20", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert [m["mode"] for m in out["modes"]] == ["as_built", "batch_sleep"]
    assert all(line["source"] for m in out["modes"] for line in m["lines"])
