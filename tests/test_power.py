"""The battery budget (sim/power.py): the arithmetic of each line, and the command."""
import json

import pytest
from click.testing import CliRunner

from soleguard_sim.app import load_board
from soleguard_sim.cli import main
from soleguard_sim.power import ALARM_IN_FLIGHT_S, IMU_MA, RX1_S, SleepRun, budget, low_battery_hours


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
    wake_pct = 104 / load_board("xiao_s3")["imu"]["watermark"] * 1000 / 1e6 * 100  # one wake per FIFO batch
    lines = dict((c, ma) for c, ma, _ in fast.lines)
    rule_pct = lines["MCU awake: by rule"] / 38 * 100  # patterns, BLE alarm advert, uplinks + RX1: the rules of edges/sleep.py
    assert rule_pct > (15 + 300 + ALARM_IN_FLIGHT_S + 288 * RX1_S) / 864  # at least the pre-alarm, evacuation, heartbeats
    assert fast.awake_pct == pytest.approx(10 * 35 * 104 / 1e6 * 100 + wake_pct + rule_pct)
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


def test_measured_sleep_leaves_the_fake_chip_out_and_adds_the_real_bus_time():
    # 100 simulated s at 100 Hz: 625 wakes, 500 ms of host work of which 100 ms in the fake I2C chip
    run = SleepRun(1, [], samples=10000, wakes=625, work_us=500000, bus_us=100000, bus_bytes=150000,
                   bus_transfers=1250)
    b = budget("xiao_s3", "batch_sleep", None, run)
    lines = dict((c, ma) for c, ma, _ in b.lines)
    assert lines["MCU awake: work"] == pytest.approx(38 * 400000 / 100 * 1.04 * 35 / 1e6)
    assert lines["MCU awake: IMU bus"] == pytest.approx(38 * 9 * (150000 + 3 * 1250) / 100 * 1.04 / 400000)
    assert lines["pressure zones"] == pytest.approx(3 * 0.33 * 0.6)  # the XIAO file has no zone_power gate
    more = SleepRun(1, [], samples=10000, wakes=625, work_us=900000, bus_us=100000, bus_bytes=150000,
                    bus_transfers=1250)
    assert budget("xiao_s3", "batch_sleep", None, more).hours < b.hours
    # the battery alarm (edges/battery.py LOW_MV: 10 % left on its curve) comes before empty by the same model
    assert low_battery_hours(b) == pytest.approx(0.1 * b.hours)
