"""Light sleep between FIFO batches changes nothing that matters: the app on the unix port
(sim/harness/sleepapp.py, simulated time) emits the same detection events with and without sleep,
each decision within one batch period, and the latency targets hold counting the batch's delay.
Wake sources come from the board files' pins (edges/sleep.py)."""
import numpy as np
import pytest

from soleguard.edges.sleep import batch_ms, can_wake, wake_sources
from soleguard_sim.app import load_board
from soleguard_sim.importers import module
from soleguard_sim.power import run_sleep_app
from soleguard_sim.tapmodel import as_right_foot, inject, sample_params, strike_gesture

FALL = "umafall_ankle/UMAFall_Subject_02_Fall_forwardFall_1_2016-06-13_20-43-52_ankle.csv"
WALK = "moticon_insole/230927_102114.txt"  # IMU + pressure zones: the zones are read once per wake with sleep


DEVICE_WM = load_board("xiao_s3")["imu"]["watermark"]  # both device boards batch the same (checked below)
SIM_WM = load_board("sim")["imu"]["watermark"]


def _both(tr, wm=0):
    """Awake vs light sleep with ``wm`` frames a batch (0: the sim board's)."""
    awake, slept = run_sleep_app(tr, 0, 0, watermark=wm), run_sleep_app(tr, 0, 1, watermark=wm)
    assert awake.samples == slept.samples == len(tr.t_ms)
    a, s = awake.core_events, slept.core_events
    assert [(e.type, e.cause, e.detail) for e in a] == [(e.type, e.cause, e.detail) for e in s], (tr.name, a, s)
    assert all(abs(x.t_ms - y.t_ms) <= slept.batch_ms for x, y in zip(a, s)), (tr.name, a, s)
    assert slept.wakes == len(tr.t_ms) // (wm or SIM_WM)  # one wake per watermark batch, none per sample
    assert slept.batch_ms == 1000 * (wm or SIM_WM) // 100  # the sim board samples at 100 Hz
    return awake, slept


@pytest.mark.parametrize("wm", [0, DEVICE_WM], ids=["sim_board", "device_watermark"])
def test_fall_same_events_and_pre_alarm_within_3_s_of_the_impact(datasets, wm):
    tr = module("umafall").import_file(datasets / FALL)[0]
    _, slept = _both(tr, wm)
    pre = [e for e in slept.core_events if e.type == 1 and e.cause == 1]
    assert pre, "vacuous: no fall pre-alarm"
    impact = tr.labels["falls"][0]["impact_ms"]
    # the decision is made at its sample's batch wake: at most one batch period after its sample time
    assert pre[0].t_ms + slept.batch_ms - impact <= 3000
    # the pre-alarm pattern keeps the MCU awake while it plays (motor PWM and its 20 ms ticks)
    assert slept.motor_ms > 0 and slept.awake_ms >= slept.motor_ms // 2


@pytest.mark.parametrize("wm", [0, DEVICE_WM], ids=["sim_board", "device_watermark"])
def test_sos_same_events_and_alarm_within_1_5_s_of_the_third_strike(datasets, wm):
    host = as_right_foot(module("moticon").import_file(datasets / WALK)[0])
    tr = inject(host, strike_gesture(sample_params(np.random.default_rng(3))), 6000, "sos", positive=True)
    _, slept = _both(tr, wm)
    third = tr.labels["sos"][0]["strikes_ms"][2]
    sos = [e for e in slept.core_events if e.type == 2 and e.cause == 3]
    assert sos, "vacuous: no SOS alarm"
    assert sos[0].t_ms + slept.batch_ms - third <= 1500


def test_walking_with_zones_same_events(datasets):
    tr = module("moticon").import_file(datasets / "moticon_insole/230927_102137.txt")[0]
    awake, slept = _both(tr)
    assert slept.work_us > 0 and slept.awake_ms == 0  # walking, no pattern: asleep between every batch


def test_wake_sources_follow_the_board_pins():
    assert can_wake({"mcu": "esp32s3"}, 21) and can_wake({"mcu": "esp32s3"}, 0)
    assert not can_wake({"mcu": "esp32s3"}, 22) and not can_wake({"mcu": "esp32s3"}, 43)
    for name in ("xiao_s3", "t3s3"):
        b = load_board(name)
        w = wake_sources(b)
        assert w["timer"] and w["int1"] == (b["imu"]["int1"] <= 21) and w["dio1"] == (b["radios"]["lora"]["dio1"] <= 21)
        assert b["imu"]["watermark"] == DEVICE_WM
        assert batch_ms(b) == 1000 * DEVICE_WM // 104


def test_device_batch_period_keeps_the_latency_targets_in_the_worst_case():
    # A decision waits at most one batch period for its wake. The latest a fall is decided is the end
    # of its confirmation window after the impact; an SOS STRIKE_LOOKAHEAD samples after the third strike.
    from soleguard.core.config import Config

    cfg = Config()
    for name in ("xiao_s3", "t3s3"):
        b = load_board(name)
        assert cfg.FALL_CONFIRM_MS + batch_ms(b) <= 3000, name
        assert cfg.STRIKE_LOOKAHEAD * 1000 // b["imu"]["odr_hz"] + batch_ms(b) <= 1500, name


@pytest.mark.parametrize("mode", [0, 1])
def test_sleep_harness_loops_the_recording(datasets, mode):
    tr = module("umafall").import_file(datasets / FALL)[0]
    r = run_sleep_app(tr, 30, mode)
    assert r.samples == 30 * 100
