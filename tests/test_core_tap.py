# runtimes: cpython micropython
"""tap.py through the whole core: the triple foot-to-foot strike (silent SOS)."""
from soleguard.core.events import CAUSE_SOS, EV_ALARM

from synth import Rig

STRIKE_AY = 4000  # mg, lateral (y) strike impulse on the lifted foot


def _strikes(gaps, zones=0, load=0, ax=0, ay=STRIKE_AY, az=1000, samples=1):
    """Foot still, then one strike, then one after each gap (ms); return the rig."""
    rig = Rig(zones=zones)
    rig.hold(1000, load=load)
    for gap in (0,) + tuple(gaps):
        if gap:
            rig.hold(gap - 10 * samples, load=load)
        rig.hold(10 * samples, ax=ax, ay=ay, az=az, load=load)
    rig.hold(3000, load=load)
    return rig


def _sos(rig):
    return rig.find(EV_ALARM, CAUSE_SOS)


def test_three_strikes_one_sos():
    rig = _strikes((300, 300))
    assert len(_sos(rig)) == 1
    assert rig.core.tap.strikes == 3


def test_sos_30_ms_after_the_third_strike():
    rig = _strikes((250, 400))
    third = 1000 + 250 + 400
    assert _sos(rig)[0][0] == third + 30  # STRIKE_LOOKAHEAD samples: the dominance window closes


def test_strike_either_direction():
    assert len(_sos(_strikes((300, 300), ay=-STRIKE_AY))) == 1


def test_two_strikes_none():
    rig = _strikes((300,))
    assert _sos(rig) == []
    assert rig.core.tap.strikes == 2


def test_four_and_five_strikes_one_sos():
    assert len(_sos(_strikes((300, 300, 300)))) == 1
    assert len(_sos(_strikes((300, 300, 300, 300)))) == 1


def test_gap_boundaries_valid():
    assert len(_sos(_strikes((150, 800)))) == 1
    assert len(_sos(_strikes((800, 150)))) == 1


def test_gaps_too_short_none():
    # past the 100 ms ring-down but faster than 150 ms: bounces, ignored
    assert _sos(_strikes((120, 120))) == []
    assert _sos(_strikes((140, 140))) == []
    assert _sos(_strikes((60, 60, 60, 60))) == []  # one ringing strike


def test_fast_drum_roll_never_triggers():
    # strikes 120 ms apart (past the 100 ms ringing, under the 150 ms minimum)
    # restart the sequence: knocking mud off a boot is not an SOS
    assert _sos(_strikes((120, 120, 120, 120))) == []
    assert _sos(_strikes((120,) * 9)) == []


def test_too_fast_strike_restarts_then_gesture_counts():
    # a too-fast strike starts a new sequence from itself: 120 then 300, 300 -> SOS
    assert len(_sos(_strikes((120, 300, 300)))) == 1


def test_gaps_too_long_none():
    assert _sos(_strikes((900, 900))) == []
    assert _sos(_strikes((300, 900))) == []


def test_long_gap_restarts_sequence():
    # the 900 ms gap starts a new sequence: strikes 2, 3, 4 form the gesture
    rig = _strikes((900, 300, 300))
    assert len(_sos(rig)) == 1


def test_ringing_counts_once():
    # a strike ringing over 5 samples (50 ms) is one strike
    rig = _strikes((300, 300), samples=5)
    assert rig.core.tap.strikes == 3
    assert len(_sos(rig)) == 1


def test_vertical_impulses_ignored():
    assert _sos(_strikes((300, 300), ay=0, az=4500)) == []
    assert _sos(_strikes((300, 300), ax=3500, ay=0)) == []


def test_oblique_impulse_ignored():
    # the lateral part must dominate max(|dyn_x|, |dyn_z|) 1:1 (LIFT_LATERAL_TENTHS) over the window
    assert _sos(_strikes((300, 300), ay=2000, az=3500)) == []
    assert _sos(_strikes((300, 300), ax=2500, ay=2000)) == []


def test_oblique_strikes_of_a_still_lifted_foot_count():
    # 45 deg off lateral (dyn_z 1.5 g beside dyn_y 2 g): the lifted-foot rule, not TapDetector's 2.5:1
    rig = _strikes((300, 300), ay=2000, az=2500)
    assert len(_sos(rig)) == 1
    assert rig.core.tap.strikes == 0 and rig.core.lift.strikes == 3


def test_weak_strike_ignored():
    assert _sos(_strikes((300, 300), ay=1400)) == []


def test_light_strikes_of_a_still_foot_count():
    assert len(_sos(_strikes((300, 300), ay=1600))) == 1


def _lifted(gaps, ay=2000, gz=0, load=0, between=None, signs=None):
    """Light strikes (below STRIKE_MG) on a foot still for 1 s; ``gz`` (0.1 dps) and ``load`` (N) while
    the strikes go on, ``between`` (load, N) for 50 ms in the middle of each gap."""
    rig = Rig(zones=4)
    rig.hold(1000)
    for k, gap in enumerate((0,) + tuple(gaps)):
        if gap:
            if between is None:
                rig.hold(gap - 10, gz=gz, load=load)
            else:
                h = (gap - 60) // 2
                rig.hold(h, gz=gz, load=load)
                rig.hold(50, gz=gz, load=between)
                rig.hold(gap - 60 - h, gz=gz, load=load)
        sign = signs[k] if signs else 1
        rig.hold(10, ay=sign * ay, gz=gz, load=load)
    rig.hold(3000)
    return rig


def test_lifted_rule_needs_the_foot_swaying_not_swinging():
    assert len(_sos(_lifted((300, 300), gz=2400))) == 1  # 240 dps: below LIFT_STILL_DDPS
    assert _sos(_lifted((300, 300), gz=2600)) == []  # a step's swing


def _spun(spin_ms, gz=6000):
    """Three light strikes 300 ms apart on a still lifted foot, each spinning it at ``gz`` (0.1 dps) for
    ``spin_ms`` from the strike's sample on (a strike's own angular impulse)."""
    rig = Rig(zones=4)
    rig.hold(1000)
    for k in range(3):
        rig.hold(10, ay=2000, gz=gz)
        if spin_ms > 10:  # (hold feeds at least one sample)
            rig.hold(spin_ms - 10, gz=gz)
        rig.hold(300 - spin_ms)
    rig.hold(3000)
    return rig


def test_lifted_rule_excuses_a_strike_spinning_the_foot_for_less_than_the_ring_time():
    # LIFT_RING_MS 10: at 100 Hz one sample at 600 dps is a strike's spin, a second one is movement
    assert len(_sos(_spun(10))) == 1
    assert _sos(_spun(20)) == []
    assert len(_sos(_spun(200, gz=2400))) == 1  # below LIFT_STILL_DDPS the run's length does not matter


def _flown(az):
    """Three light strikes 300 ms apart on a still lifted foot; 150 ms after the second, one sample
    of |a| = ``az`` mg (below LIFT_FLIGHT_MG: a flight phase, as between two hops)."""
    rig = Rig(zones=4)
    rig.hold(1000)
    for k in range(3):
        rig.hold(10, ay=2000)
        if k == 1:
            rig.hold(150)
            rig.hold(10, az=az)
            rig.hold(130)
        else:
            rig.hold(290)
    rig.hold(3000)
    return rig


def test_lifted_rule_refuses_a_foot_in_flight():
    assert len(_sos(_flown(310))) == 1
    assert _sos(_flown(290)) == []


def test_lifted_rule_refuses_a_foot_loaded_between_the_strikes():
    assert len(_sos(_lifted((300, 300), between=380))) == 1  # resting lightly (<= LIFT_LOAD_N)
    assert _sos(_lifted((300, 300), between=450)) == []  # a step or a landing between strikes
    assert _sos(_lifted((300, 300), load=200)) == []  # each strike needs STRIKE_MAX_LOAD_N


def test_lifted_rule_counts_each_sign_on_its_own():
    assert _sos(_lifted((300, 300), signs=(1, -1, 1))) == []
    assert len(_sos(_lifted((300, 300), signs=(-1, -1, -1)))) == 1


def test_lifted_rule_refused_gesture_keeps_its_last_two_strikes():
    # the foot still swinging at the first strike, still from LIFT_BEFORE_MS before the second: strikes 2-4
    for swing_ms, sos in ((240, 1), (260, 0)):  # still for 60 / 40 ms before strike 2
        rig = Rig(zones=4)
        rig.hold(1000)
        rig.hold(10, ay=2000, gz=3000)
        rig.hold(swing_ms, gz=3000)
        rig.hold(290 - swing_ms)
        for _ in range(3):
            rig.hold(10, ay=2000)
            rig.hold(290)
        rig.hold(3000)
        assert len(_sos(rig)) == sos, swing_ms


def test_lifted_and_firm_rule_share_one_lockout():
    # light, firm, light, firm, light: one SOS whichever rule completes a run first
    rig = Rig(zones=4)
    rig.hold(1000)
    for ay in (2000, 4000, 2000, 4000, 2000):
        rig.hold(10, ay=ay)
        rig.hold(290)
    rig.hold(3000)
    assert len(_sos(rig)) == 1


def test_loaded_foot_ignored():
    assert _sos(_strikes((300, 300), zones=4, load=600)) == []


def test_unloaded_foot_with_zones_counts():
    assert len(_sos(_strikes((300, 300), zones=4, load=50))) == 1


def test_second_gesture_after_lockout():
    rig = _strikes((300, 300))
    for gap in (0, 300, 300):
        if gap:
            rig.hold(gap - 10)
        rig.hold(10, ay=STRIKE_AY)
    rig.hold(100)  # the third strike is decided STRIKE_LOOKAHEAD samples later
    assert len(_sos(rig)) == 2


def test_pressure_only_never_taps():
    rig = Rig(zones=4, imu=False)
    rig.hold(1000)
    for _ in range(3):
        rig.hold(10, ay=STRIKE_AY)
        rig.hold(290)
    assert _sos(rig) == []


def _stamps(rig, n, gap=300, az=4000, load=0):
    """n stamps (sole-normal strikes of az mg), ``gap`` ms apart."""
    for k in range(n):
        if k:
            rig.hold(gap - 10, ax=-1000, az=0, load=load)
        rig.hold(10, ax=-1000, az=az, load=load)
    rig.hold(500, ax=-1000, az=0, load=load)


def _fall_pre_alarm():
    rig = Rig()
    rig.hold(2000)
    rig.hold(10, ax=-2400, az=3200)  # 4 g, then face down
    rig.hold(2000, ax=-1000, az=0)
    assert rig.core.lifecycle.state == 1  # PRE_ALARM
    return rig


def test_two_stamps_cancel_a_pre_alarm():
    from soleguard.core.events import CANCEL_BY_GESTURE, EV_CANCELLED

    rig = _fall_pre_alarm()
    _stamps(rig, 2)
    assert rig.events[-1][1:] == (EV_CANCELLED, 1, CANCEL_BY_GESTURE), rig.events
    assert rig.core.lifecycle.state == 0


def test_one_stamp_or_slow_stamps_do_not_cancel():
    rig = _fall_pre_alarm()
    _stamps(rig, 1)
    rig.hold(1000, ax=-1000, az=0)
    _stamps(rig, 2, gap=1200)  # 1.5 s after the single one, then 1.2 s apart
    assert rig.core.lifecycle.state == 1


def test_the_sos_gesture_never_cancels_it_escalates():
    rig = _fall_pre_alarm()
    for _ in range(3):
        rig.hold(290, ax=-1000, az=0)
        rig.hold(10, ax=-1000, ay=STRIKE_AY, az=0)
    rig.hold(500, ax=-1000, az=0)
    assert rig.core.lifecycle.state == 2 and rig.core.lifecycle.cause == CAUSE_SOS


def test_stamps_cannot_end_an_alarm_and_do_nothing_when_idle():
    rig = Rig()
    rig.hold(1000)
    _stamps(rig, 2, az=5000)
    assert rig.events == []
    rig = _fall_pre_alarm()
    rig.hold(20000, ax=-1000, az=0)  # escalated
    _stamps(rig, 2)
    assert rig.core.lifecycle.state == 2
