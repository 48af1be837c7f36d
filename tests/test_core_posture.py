# runtimes: cpython micropython
"""posture.py through the whole core: fall, man-down, pressure-only mode.

A detection shows as the EV_PRE_ALARM event, whose cause and detail are the
detector's (lifecycle.detect passes them through).
"""
from soleguard.core.config import Config
from soleguard.core.events import CANCEL_BY_MOTION, CAUSE_FALL, CAUSE_MAN_DOWN, EV_CANCELLED, EV_PRE_ALARM
from soleguard.core.posture import FALL_SUSPECTED, NOT_UPRIGHT, UPRIGHT

from synth import FALL, FIDGET, LYING, STAND, WALK, Rig

STILL_MS = Config().MAN_DOWN_STILL_MS  # 30000
LYING_AX = 1000  # on the back, toes up: gravity along +x


def _pre_alarms(rig, cause=-1):
    return rig.find(EV_PRE_ALARM, cause)


def test_impact_then_lying_is_a_fall_with_impact_class():
    rig = Rig()
    rig.hold(2000)
    t_impact = rig.t
    rig.hold(10, ax=3000, az=4000)  # |a| = 5.0 g
    rig.hold(3000, ax=LYING_AX, az=0)
    found = _pre_alarms(rig)
    assert len(found) == 1, rig.events
    t, _, cause, detail = found[0]
    assert cause == CAUSE_FALL and detail == 5
    assert t - t_impact <= 3000  # [PNA] target: fall recognised <= 3 s after impact


def test_fall_impact_class_rounds_down_and_saturates():
    for ax, az, g in ((2900, 2900, 4), (12000, 12000, 16)):
        rig = Rig()
        rig.hold(1000)
        rig.hold(10, ax=ax, az=az)
        rig.hold(2000, ax=LYING_AX, az=0)
        assert [e[3] for e in _pre_alarms(rig, CAUSE_FALL)] == [g]


def test_impact_while_upright_is_no_fall():
    rig = Rig()
    rig.hold(1000)
    rig.hold(10, ax=3000, az=4000)
    # an impact alone (a heel strike, a stamp) is not a suspected fall
    assert rig.core.posture.state == UPRIGHT
    rig.hold(10000)
    assert rig.events == []
    assert rig.core.posture.state == UPRIGHT


def test_lying_down_without_impact_is_no_fall():
    rig = Rig()
    rig.hold(1000)
    rig.hold(5000, ax=LYING_AX, az=0)
    assert rig.events == []
    assert rig.core.posture.state == NOT_UPRIGHT


def test_impact_long_before_lying_is_no_fall():
    rig = Rig()
    rig.hold(1000)
    rig.hold(10, ax=3000, az=4000)
    rig.hold(3000)  # the fall-suspected window (2.5 s) closes upright
    rig.hold(5000, ax=LYING_AX, az=0)
    assert _pre_alarms(rig, CAUSE_FALL) == []


def test_lying_still_is_man_down_after_still_ms():
    rig = Rig()
    rig.hold(1000)
    t_down = rig.t
    rig.hold(STILL_MS - 10, ax=LYING_AX, az=0)
    assert rig.events == []  # never before MAN_DOWN_STILL_MS
    rig.hold(5000, ax=LYING_AX, az=0)
    found = _pre_alarms(rig)
    assert len(found) == 1, rig.events
    t, _, cause, detail = found[0]
    assert cause == CAUSE_MAN_DOWN
    assert STILL_MS <= t - t_down <= STILL_MS + 4000  # activity EMA settling
    assert detail == STILL_MS // 1000


def test_fall_then_no_second_pre_alarm_for_man_down():
    rig = Rig()
    rig.hold(1000)
    rig.pattern(FALL, 10)
    rig.pattern(LYING, STILL_MS + 5000)
    assert [e[2] for e in _pre_alarms(rig)] == [CAUSE_FALL]


def test_moving_while_lying_is_no_man_down():
    rig = Rig()
    rig.hold(1000)
    rig.pattern(FIDGET, STILL_MS + 10000)
    assert rig.events == []
    assert rig.core.posture.state == NOT_UPRIGHT


def test_movement_rearms_man_down():
    rig = Rig()
    rig.hold(1000)
    rig.pattern(LYING, STILL_MS - 5000)
    rig.pattern(FIDGET, 2000)  # moves: the still timer restarts
    rig.pattern(LYING, STILL_MS - 5000)
    assert rig.events == []


def test_walking_and_standing_no_detection():
    rig = Rig(zones=8)
    rig.pattern(WALK, 60000)
    rig.pattern(STAND, STILL_MS + 5000)  # standing still is not man-down
    assert rig.events == []
    assert rig.core.posture.state == UPRIGHT


def test_upright_ms_counts_loaded_upright_time():
    rig = Rig(zones=4)
    rig.hold(1000, load=600)
    assert rig.core.posture.upright_ms == 990
    rig.hold(100, load=20)  # unloaded foot: not on the feet
    assert rig.core.posture.upright_ms == 0


def test_pressure_only_unloaded_still_is_man_down():
    rig = Rig(zones=4, imu=False)
    rig.hold(2000, load=700)
    t_off = rig.t
    rig.hold(STILL_MS + 3000, load=0)
    found = _pre_alarms(rig)
    assert [e[2] for e in found] == [CAUSE_MAN_DOWN], rig.events
    assert STILL_MS <= found[0][0] - t_off <= STILL_MS + 3000


def test_pressure_only_loaded_is_upright():
    rig = Rig(zones=4, imu=False)
    rig.hold(STILL_MS + 5000, load=700)
    assert rig.events == []
    assert rig.core.posture.state == UPRIGHT


def test_pressure_only_walking_no_detection_and_no_fall():
    rig = Rig(zones=4, imu=False)
    rig.pattern(WALK, STILL_MS + 5000)
    rig.hold(10, ax=5000, az=5000)  # IMU channels are ignored without an IMU
    rig.hold(3000, load=0)
    assert rig.events == []


def test_pressure_only_getting_up_cancels_pre_alarm():
    rig = Rig(zones=4, imu=False)
    rig.hold(1000, load=700)
    rig.hold(STILL_MS + 1000, load=0)
    assert len(_pre_alarms(rig)) == 1
    rig.hold(Config().RECOVERY_MS + 100, load=700)
    assert rig.core.lifecycle.state == 0  # IDLE: cancelled by recovery


def test_impact_then_lying_is_fall_suspected_until_confirmed():
    rig = Rig()
    rig.hold(1000)
    rig.hold(10, ax=2900, az=2900)
    rig.hold(500, ax=LYING_AX, az=0)  # not upright, hold time not reached yet
    assert rig.core.posture.state == FALL_SUSPECTED
    assert _pre_alarms(rig, CAUSE_FALL) == []
    rig.hold(1000, ax=LYING_AX, az=0)
    assert len(_pre_alarms(rig, CAUSE_FALL)) == 1


def test_soft_jolt_then_supine_is_lying_down_not_a_fall():
    # lying back onto a bed: a 2.5 g jolt, then on the back with the toes up
    rig = Rig()
    rig.hold(2000)
    rig.hold(10, ax=1500, az=2000)  # |a| = 2.5 g < SUPINE_IMPACT_MG
    rig.hold(3000, ax=LYING_AX, az=0)
    assert _pre_alarms(rig, CAUSE_FALL) == []


def test_soft_jolt_then_prone_or_side_is_a_fall():
    for ax, ay in ((-1000, 0), (0, 1000), (0, -1000)):  # face down, either side
        rig = Rig()
        rig.hold(2000)
        rig.hold(10, ax=1500, az=2000)
        rig.hold(3000, ax=ax, ay=ay, az=0)
        assert len(_pre_alarms(rig, CAUSE_FALL)) == 1, (ax, ay, rig.events)


def test_hard_impact_then_supine_is_a_fall():
    rig = Rig()
    rig.hold(2000)
    rig.hold(10, ax=2400, az=3200)  # |a| = 4.0 g: a backward fall lands hard
    rig.hold(3000, ax=LYING_AX, az=0)
    assert [e[3] for e in _pre_alarms(rig, CAUSE_FALL)] == [4]


def test_stumble_then_landing_is_one_fall():
    # the first impact opens the window, the landing 2 s later extends it
    rig = Rig()
    rig.hold(2000)
    rig.hold(10, ax=-1500, az=2000)  # stumble, still upright
    rig.hold(2000, ax=-300, az=950)
    rig.hold(10, ax=-2500, az=1500)  # landing, face down
    rig.hold(3000, ax=-1000, az=0)
    assert len(_pre_alarms(rig, CAUSE_FALL)) == 1, rig.events


def test_pressure_only_sitting_with_feet_on_the_floor_is_not_man_down():
    # each foot carries 10-15 % of body weight when seated: above LOAD_OFF_N
    rig = Rig(zones=4, imu=False)
    rig.hold(2000, load=700)
    rig.hold(STILL_MS + 20000, load=80)
    assert rig.events == []


def test_modes_and_reasons():
    from soleguard.core.pipeline import (MODE_FULL, MODE_IMU_ONLY, MODE_PRESSURE_ONLY, REASON_IMU_FAULT, REASON_NO_IMU,
                                REASON_NO_ZONES, REASON_NONE, REASON_ZONES_FAULT)

    assert (Rig(zones=4).core.mode, Rig(zones=4).core.mode_reason) == (MODE_FULL, REASON_NONE)
    core = Rig().core
    assert (core.mode, core.mode_reason) == (MODE_IMU_ONLY, REASON_NO_ZONES)
    core = Rig(zones=4, imu=False).core
    assert (core.mode, core.mode_reason) == (MODE_PRESSURE_ONLY, REASON_NO_IMU)
    core = Rig(zones=4).core
    core.sensor_fault(False, True)
    assert (core.mode, core.mode_reason) == (MODE_IMU_ONLY, REASON_ZONES_FAULT)
    core.sensor_fault(True, False)
    assert (core.mode, core.mode_reason) == (MODE_PRESSURE_ONLY, REASON_IMU_FAULT)
    core.sensor_fault(False, False)
    assert core.mode == MODE_FULL
    try:
        Rig().core.sensor_fault(True, False)
        raise AssertionError("no sensor left must raise")
    except ValueError:
        pass


def test_faulty_zones_fall_back_to_imu_only_detection():
    # stuck zones reading full load must not block the fall path or recovery
    rig = Rig(zones=4)
    rig.hold(2000, load=700)
    rig.core.sensor_fault(False, True)
    rig.hold(10, ax=3000, az=4000, load=700)
    rig.hold(3000, ax=-1000, az=0, load=700)
    assert len(_pre_alarms(rig, CAUSE_FALL)) == 1
    rig.hold(Config().RECOVERY_MS + 500, load=700)  # upright again; zones ignored
    assert rig.core.lifecycle.state == 0


def test_faulty_imu_falls_back_to_pressure_only_man_down():
    rig = Rig(zones=4)
    rig.hold(2000, load=700)
    rig.core.sensor_fault(True, False)
    t_off = rig.t
    rig.hold(STILL_MS + 3000, ax=0, az=1000, load=0)  # IMU reads "standing", but it is faulty
    found = _pre_alarms(rig, CAUSE_MAN_DOWN)
    assert len(found) == 1 and found[0][0] - t_off >= STILL_MS


def test_sitting_up_after_a_fall_does_not_cancel_the_pre_alarm():
    # upright sole (sitting on the floor, feet flat) but only sitting-level load
    rig = Rig(zones=4)
    rig.hold(3000, load=700)  # learns a standing load of about 700 N
    rig.hold(10, ax=-3000, az=4000, load=700)
    rig.hold(3000, ax=-1000, az=0, load=0)
    assert len(_pre_alarms(rig, CAUSE_FALL)) == 1
    rig.hold(Config().RECOVERY_MS + 2000, load=150)  # sole flat, 150 N: sitting
    assert rig.core.lifecycle.state == 1  # still PRE_ALARM
    rig.hold(Config().RECOVERY_MS + 100, load=650)  # standing again
    assert rig.core.lifecycle.state == 0


def test_kneeling_on_tucked_toes_still_is_not_man_down():
    # sole vertical, toes down (gravity along -x), the toes bear body weight
    rig = Rig(zones=4)
    rig.hold(2000, load=700)
    rig.hold(STILL_MS * 2, ax=-1000, az=0, load=150)
    assert rig.events == []


def test_lying_with_an_unloaded_foot_is_man_down_with_zones():
    rig = Rig(zones=4)
    rig.hold(2000, load=700)
    rig.hold(STILL_MS + 5000, ax=-1000, az=0, load=30)  # prone, toes touching: the shank's weight
    assert [e[2] for e in _pre_alarms(rig)] == [CAUSE_MAN_DOWN]


def test_moving_again_cancels_a_man_down_pre_alarm_but_not_a_fall_one():
    rig = Rig()
    rig.hold(2000)
    rig.hold(STILL_MS + 5000, ax=LYING_AX, az=0)
    assert [e[2] for e in _pre_alarms(rig)] == [CAUSE_MAN_DOWN]
    rig.pattern(FIDGET, Config().MOTION_CANCEL_MS + 1000)
    assert rig.events[-1][1:] == (EV_CANCELLED, CAUSE_MAN_DOWN, CANCEL_BY_MOTION)
    rig = Rig()
    rig.hold(2000)
    rig.hold(10, ax=2400, az=3200)
    rig.hold(2000, ax=LYING_AX, az=0)
    assert [e[2] for e in _pre_alarms(rig)] == [CAUSE_FALL]
    rig.pattern(FIDGET, Config().PRE_ALARM_MS)
    assert rig.core.lifecycle.state == 2  # ALARM: moving in pain does not cancel a fall


def test_accelerometer_railed_above_the_impact_threshold_while_pedalling_is_no_fall():
    # HuGaDB bicycling: the accelerometer sticks at its rail (|a| 3.4 g, gravity
    # at 87 deg) while the gyro shows the foot pedalling at 1200 dps, then slowing.
    rig = Rig()
    rig.hold(2000)
    rig.hold(15000, ax=-2500, ay=-2300, az=170, gx=6000, gy=6000)
    rig.hold(5000, ax=-2500, ay=-2300, az=170)
    assert _pre_alarms(rig, CAUSE_FALL) == []


def test_fall_is_decided_once_the_foot_stops_turning_fast():
    # impact, prone, the leg still swinging at 1500 dps for 1.2 s: the decision
    # waits for the rotation to fall below FALL_MAX_ROTATION_DDPS, inside the window.
    rig = Rig()
    rig.hold(2000)
    t_impact = rig.t
    rig.hold(10, ax=3000, az=4000)
    rig.hold(1200, ax=-1000, az=0, gx=15000)
    assert _pre_alarms(rig) == []
    rig.hold(3000, ax=-1000, az=0)
    found = _pre_alarms(rig, CAUSE_FALL)
    assert len(found) == 1 and 1200 < found[0][0] - t_impact <= Config().FALL_CONFIRM_MS


def test_foot_turning_fast_through_the_whole_window_is_no_fall():
    rig = Rig()
    rig.hold(2000)
    rig.hold(10, ax=3000, az=4000)
    rig.hold(4000, ax=-1000, az=0, gx=15000)
    rig.hold(3000, ax=-1000, az=0)
    assert _pre_alarms(rig, CAUSE_FALL) == []


def test_jolt_while_the_foot_turns_fast_then_coasting_is_no_fall():
    # HuGaDB 01 bicycling take 02: a jolt mid pedal stroke (the foot turning at
    # 1000 dps), then the rider coasts with the foot still on a tilted pedal while
    # the rotation decays through FALL_MAX_ROTATION_DDPS: not a landing.
    rig = Rig()
    rig.hold(2000)
    rig.hold(4000, gx=10000)
    rig.hold(10, ax=3000, az=4000, gx=10000)
    rig.hold(4000, ax=-1000, az=0)
    assert _pre_alarms(rig, CAUSE_FALL) == []
    # the same landing from a foot turning slowly at the impact is a fall
    rig = Rig()
    rig.hold(2000)
    rig.hold(4000, gx=2000)
    rig.hold(10, ax=3000, az=4000, gx=2000)
    rig.hold(4000, ax=-1000, az=0)
    assert len(_pre_alarms(rig, CAUSE_FALL)) == 1
