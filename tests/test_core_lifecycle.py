# runtimes: cpython micropython
"""lifecycle.py, table-driven: every transition of AlarmLifecycle.

Each case is (name, actions, final state, events). An action is a tuple:
  ("detect", t, cause, detail)  ("sos", t)  ("cancel", t)  ("ack", t)
  ("clear", t)                  ("step", t, upright_ms[, moving_ms])
Events are (t, type, cause, detail) in order.
"""
from soleguard.core.config import Config
from soleguard.core.events import (
    CANCEL_BY_GESTURE,
    CANCEL_BY_MOTION,
    CANCEL_BY_RECOVERY,
    CAUSE_FALL,
    CAUSE_MAN_DOWN,
    CAUSE_NONE,
    CAUSE_SOS,
    EV_ALARM,
    EV_CANCELLED,
    EV_CLEARED,
    EV_PRE_ALARM,
    EV_RECOVERED,
    EventQueue,
)
from soleguard.core.lifecycle import ALARM, IDLE, PRE_ALARM, AlarmLifecycle

PRE = Config().PRE_ALARM_MS  # 15000
REC = Config().RECOVERY_MS  # 3000
T0 = 1000
T_AL = T0 + PRE  # the fall pre-alarm escalates here

# Prefixes reaching each state.
FALL_PRE = (("detect", T0, CAUSE_FALL, 5),)
MD_PRE = (("detect", T0, CAUSE_MAN_DOWN, 30),)
FALL_ALARM = FALL_PRE + (("step", T_AL, 0),)
SOS_ALARM = (("sos", T0),)
E_FALL_PRE = ((T0, EV_PRE_ALARM, CAUSE_FALL, 5),)
E_FALL_ALARM = E_FALL_PRE + ((T_AL, EV_ALARM, CAUSE_FALL, 5),)
E_SOS_ALARM = ((T0, EV_ALARM, CAUSE_SOS, CAUSE_NONE),)

CASES = (
    # --- IDLE ---
    ("idle stays idle", (("step", 50000, 0), ("step", 60000, 9000)), IDLE, ()),
    ("detect fall -> pre-alarm", FALL_PRE, PRE_ALARM, E_FALL_PRE),
    ("detect man-down -> pre-alarm", MD_PRE, PRE_ALARM, ((T0, EV_PRE_ALARM, CAUSE_MAN_DOWN, 30),)),
    ("cancel in idle: nothing", (("cancel", T0),), IDLE, ()),
    ("ack in idle: nothing", (("ack", T0),), IDLE, ()),
    ("all-clear in idle: nothing", (("clear", T0),), IDLE, ()),
    ("sos from idle -> alarm", SOS_ALARM, ALARM, E_SOS_ALARM),
    # --- PRE_ALARM ---
    ("pre-alarm holds until PRE_ALARM_MS", FALL_PRE + (("step", T_AL - 1, 0),), PRE_ALARM, E_FALL_PRE),
    ("pre-alarm -> alarm at PRE_ALARM_MS", FALL_ALARM, ALARM, E_FALL_ALARM),
    (
        "man-down pre-alarm -> alarm keeps detail",
        MD_PRE + (("step", T_AL, 0),),
        ALARM,
        ((T0, EV_PRE_ALARM, CAUSE_MAN_DOWN, 30), (T_AL, EV_ALARM, CAUSE_MAN_DOWN, 30)),
    ),
    (
        "recovery shorter than RECOVERY_MS does not cancel",
        FALL_PRE + (("step", T0 + 5000, REC - 1),),
        PRE_ALARM,
        E_FALL_PRE,
    ),
    (
        "recovery cancels pre-alarm",
        FALL_PRE + (("step", T0 + 5000, REC),),
        IDLE,
        E_FALL_PRE + ((T0 + 5000, EV_CANCELLED, CAUSE_FALL, CANCEL_BY_RECOVERY),),
    ),
    (
        "recovery wins over escalation on the same step",
        FALL_PRE + (("step", T_AL, REC),),
        IDLE,
        E_FALL_PRE + ((T_AL, EV_CANCELLED, CAUSE_FALL, CANCEL_BY_RECOVERY),),
    ),
    (
        "cancel gesture cancels pre-alarm",
        MD_PRE + (("cancel", T0 + 10),),
        IDLE,
        ((T0, EV_PRE_ALARM, CAUSE_MAN_DOWN, 30), (T0 + 10, EV_CANCELLED, CAUSE_MAN_DOWN, CANCEL_BY_GESTURE)),
    ),
    ("ack in pre-alarm: nothing", FALL_PRE + (("ack", T0 + 10),), PRE_ALARM, E_FALL_PRE),
    (
        "detection during pre-alarm ignored",
        FALL_PRE + (("detect", T0 + 500, CAUSE_MAN_DOWN, 40), ("step", T_AL - 1, 0)),
        PRE_ALARM,
        E_FALL_PRE,
    ),
    (
        "sos during fall pre-alarm escalates, detail = fall",
        FALL_PRE + (("sos", T0 + 700),),
        ALARM,
        E_FALL_PRE + ((T0 + 700, EV_ALARM, CAUSE_SOS, CAUSE_FALL),),
    ),
    (
        "sos during man-down pre-alarm escalates, detail = man-down",
        MD_PRE + (("sos", T0 + 700),),
        ALARM,
        ((T0, EV_PRE_ALARM, CAUSE_MAN_DOWN, 30), (T0 + 700, EV_ALARM, CAUSE_SOS, CAUSE_MAN_DOWN)),
    ),
    (
        "all-clear ends pre-alarm",
        FALL_PRE + (("clear", T0 + 20),),
        IDLE,
        E_FALL_PRE + ((T0 + 20, EV_CLEARED, CAUSE_FALL, 0),),
    ),
    # --- ALARM (involuntary) ---
    ("cancel gesture cannot end an alarm", FALL_ALARM + (("cancel", T_AL + 10),), ALARM, E_FALL_ALARM),
    ("ack alone does not leave alarm", FALL_ALARM + (("ack", T_AL + 10), ("step", T_AL + 20, 0)), ALARM, E_FALL_ALARM),
    (
        "recovery alone does not leave alarm",
        FALL_ALARM + (("step", T_AL + 9000, REC), ("step", T_AL + 9010, REC + 10)),
        ALARM,
        E_FALL_ALARM + ((T_AL + 9000, EV_RECOVERED, CAUSE_FALL, 9),),
    ),
    (
        "ack then recovery leaves alarm",
        FALL_ALARM + (("ack", T_AL + 10), ("step", T_AL + 4000, REC)),
        IDLE,
        E_FALL_ALARM + ((T_AL + 4000, EV_RECOVERED, CAUSE_FALL, 4), (T_AL + 4000, EV_CLEARED, CAUSE_FALL, 0)),
    ),
    (
        "recovery then ack leaves alarm",
        FALL_ALARM + (("step", T_AL + 4000, REC), ("ack", T_AL + 6000)),
        IDLE,
        E_FALL_ALARM + ((T_AL + 4000, EV_RECOVERED, CAUSE_FALL, 4), (T_AL + 6000, EV_CLEARED, CAUSE_FALL, 0)),
    ),
    ("short recovery in alarm: nothing", FALL_ALARM + (("step", T_AL + 100, REC - 1),), ALARM, E_FALL_ALARM),
    (
        "detection during alarm ignored while the wearer is down",
        FALL_ALARM + (("detect", T_AL + 100, CAUSE_MAN_DOWN, 30), ("step", T_AL + PRE + 100, 0)),
        ALARM,
        E_FALL_ALARM,
    ),
    (
        # a lost supervisor ack must not end fall / man-down detection
        "new fall after recovery, ack still awaited -> new pre-alarm, escalates",
        FALL_ALARM + (("step", T_AL + 4000, REC), ("detect", T_AL + 90000, CAUSE_FALL, 6),
                      ("step", T_AL + 90000 + PRE, 0)),
        ALARM,
        E_FALL_ALARM + ((T_AL + 4000, EV_RECOVERED, CAUSE_FALL, 4), (T_AL + 90000, EV_PRE_ALARM, CAUSE_FALL, 6),
                        (T_AL + 90000 + PRE, EV_ALARM, CAUSE_FALL, 6)),
    ),
    (
        "man-down after recovery, ack still awaited -> new pre-alarm; its cancel leaves idle",
        FALL_ALARM + (("step", T_AL + 4000, REC), ("detect", T_AL + 90000, CAUSE_MAN_DOWN, 30),
                      ("step", T_AL + 95000, REC)),
        IDLE,
        E_FALL_ALARM + ((T_AL + 4000, EV_RECOVERED, CAUSE_FALL, 4), (T_AL + 90000, EV_PRE_ALARM, CAUSE_MAN_DOWN, 30),
                        (T_AL + 95000, EV_CANCELLED, CAUSE_MAN_DOWN, CANCEL_BY_RECOVERY)),
    ),
    (
        "all-clear ends alarm without ack or recovery",
        FALL_ALARM + (("clear", T_AL + 50),),
        IDLE,
        E_FALL_ALARM + ((T_AL + 50, EV_CLEARED, CAUSE_FALL, 0),),
    ),
    (
        "sos during alarm raises an sos alarm, detail = fall",
        FALL_ALARM + (("sos", T_AL + 50),),
        ALARM,
        E_FALL_ALARM + ((T_AL + 50, EV_ALARM, CAUSE_SOS, CAUSE_FALL),),
    ),
    (
        "sos during fall alarm: ack alone does not leave it while the wearer is down",
        FALL_ALARM + (("sos", T_AL + 50), ("ack", T_AL + 60)),
        ALARM,
        E_FALL_ALARM + ((T_AL + 50, EV_ALARM, CAUSE_SOS, CAUSE_FALL),),
    ),
    (
        "sos during fall alarm: ack then recovery leaves it",
        FALL_ALARM + (("sos", T_AL + 50), ("ack", T_AL + 60), ("step", T_AL + 5000, REC)),
        IDLE,
        E_FALL_ALARM + ((T_AL + 50, EV_ALARM, CAUSE_SOS, CAUSE_FALL),
                        (T_AL + 5000, EV_RECOVERED, CAUSE_SOS, 4), (T_AL + 5000, EV_CLEARED, CAUSE_SOS, 0)),
    ),
    # --- ALARM (SOS) ---
    ("sos alarm: ack alone leaves it", SOS_ALARM + (("ack", T0 + 10),), IDLE, E_SOS_ALARM + ((T0 + 10, EV_CLEARED, CAUSE_SOS, 0),)),
    ("cancel gesture cannot end an sos alarm", SOS_ALARM + (("cancel", T0 + 10),), ALARM, E_SOS_ALARM),
    ("sos alarm: no recovered event", SOS_ALARM + (("step", T0 + 9000, REC),), ALARM, E_SOS_ALARM),
    ("fall during an unacknowledged sos alarm -> pre-alarm", SOS_ALARM + (("detect", T0 + 10, CAUSE_FALL, 3),),
     PRE_ALARM, E_SOS_ALARM + ((T0 + 10, EV_PRE_ALARM, CAUSE_FALL, 3),)),
    ("sos again re-raises", SOS_ALARM + (("sos", T0 + 3000),), ALARM, E_SOS_ALARM + ((T0 + 3000, EV_ALARM, CAUSE_SOS, CAUSE_NONE),)),
    ("all-clear ends sos alarm", SOS_ALARM + (("clear", T0 + 10),), IDLE, E_SOS_ALARM + ((T0 + 10, EV_CLEARED, CAUSE_SOS, 0),)),
    (
        "escalated sos: ack alone does not leave it while the wearer is down",
        FALL_PRE + (("sos", T0 + 700), ("ack", T0 + 800)),
        ALARM,
        E_FALL_PRE + ((T0 + 700, EV_ALARM, CAUSE_SOS, CAUSE_FALL),),
    ),
    # --- back to IDLE: a new cycle starts cleanly ---
    (
        "after cancel a new detection starts a new pre-alarm",
        FALL_PRE + (("cancel", T0 + 10), ("detect", T0 + 20, CAUSE_MAN_DOWN, 31)),
        PRE_ALARM,
        E_FALL_PRE + ((T0 + 10, EV_CANCELLED, CAUSE_FALL, CANCEL_BY_GESTURE), (T0 + 20, EV_PRE_ALARM, CAUSE_MAN_DOWN, 31)),
    ),
    (
        "man-down pre-alarm cancelled by moving",
        MD_PRE + (("step", T0 + 4000, 0, Config().MOTION_CANCEL_MS),),
        IDLE,
        ((T0, EV_PRE_ALARM, CAUSE_MAN_DOWN, 30), (T0 + 4000, EV_CANCELLED, CAUSE_MAN_DOWN, CANCEL_BY_MOTION)),
    ),
    (
        "man-down pre-alarm: a short movement does not cancel",
        MD_PRE + (("step", T0 + 4000, 0, Config().MOTION_CANCEL_MS - 10),),
        PRE_ALARM,
        ((T0, EV_PRE_ALARM, CAUSE_MAN_DOWN, 30),),
    ),
    (
        "fall pre-alarm is not cancelled by moving (a fall victim may move in pain)",
        FALL_PRE + (("step", T0 + 4000, 0, 60000),),
        PRE_ALARM,
        E_FALL_PRE,
    ),
    (
        "man-down alarm is not ended by moving",
        MD_PRE + (("step", T_AL, 0), ("step", T_AL + 5000, 0, 60000)),
        ALARM,
        ((T0, EV_PRE_ALARM, CAUSE_MAN_DOWN, 30), (T_AL, EV_ALARM, CAUSE_MAN_DOWN, 30)),
    ),
    (
        "new pre-alarm times from its own start",
        SOS_ALARM + (("ack", T0 + 10), ("detect", T0 + 20, CAUSE_FALL, 2), ("step", T0 + 20 + PRE - 1, 0)),
        PRE_ALARM,
        E_SOS_ALARM + ((T0 + 10, EV_CLEARED, CAUSE_SOS, 0), (T0 + 20, EV_PRE_ALARM, CAUSE_FALL, 2)),
    ),
)


def _apply(life, a):
    k = a[0]
    if k == "detect":
        life.detect(a[1], a[2], a[3])
    elif k == "sos":
        life.sos(a[1])
    elif k == "cancel":
        life.cancel_gesture(a[1])
    elif k == "ack":
        life.ack(a[1])
    elif k == "clear":
        life.all_clear(a[1])
    elif k == "step":
        life.step(a[1], a[2], a[3] if len(a) > 3 else 0)
    else:
        raise ValueError(k)


def _run(actions):
    q = EventQueue()
    life = AlarmLifecycle(Config(), q)
    got = []
    for a in actions:
        _apply(life, a)
        for i in range(q.count):
            got.append((q.t[i], q.type[i], q.cause[i], q.detail[i]))
        q.clear()
    return life, got


def test_transition_table():
    bad = []
    for name, actions, state, events in CASES:
        life, got = _run(actions)
        if life.state != state or got != list(events):
            bad.append((name, life.state, got))
    assert not bad, bad


def test_sos_from_every_state_is_one_immediate_alarm():
    for prefix in ((), FALL_PRE, MD_PRE, FALL_ALARM, SOS_ALARM):
        life, got = _run(prefix + (("sos", 40000),))
        assert life.state == ALARM and life.cause == CAUSE_SOS
        assert got[-1][:3] == (40000, EV_ALARM, CAUSE_SOS)
        assert len(got) == len(_run(prefix)[1]) + 1  # exactly one event


def test_recovered_detail_capped():
    life, got = _run(FALL_ALARM + (("step", T_AL + 70000 * 1000, REC),))
    assert got[-1] == (T_AL + 70000 * 1000, EV_RECOVERED, CAUSE_FALL, 65535)


def test_state_and_flags_reset_after_clear():
    life, _ = _run(FALL_ALARM + (("ack", T_AL + 1), ("step", T_AL + 5000, REC)))
    assert life.state == IDLE and life.cause == CAUSE_NONE and life.detail == 0
    assert not life.acked and not life.recovered


def test_reset():
    life, _ = _run(FALL_ALARM)
    life.reset()
    assert life.state == IDLE and life.cause == CAUSE_NONE


def test_sos_muted_drops_the_sos_but_never_a_fall_or_man_down():
    # the left insole of a pair in pair mode (edges/pairing.py): the right one decides the SOS, but
    # a fall or man-down only the left foot detects must still raise its pre-alarm and alarm
    for prefix in (FALL_PRE, MD_PRE, FALL_ALARM):
        q = EventQueue()
        life = AlarmLifecycle(Config(), q)
        life.sos_muted = True
        got = []
        for a in prefix:
            _apply(life, a)
            for i in range(q.count):
                got.append((q.t[i], q.type[i], q.cause[i], q.detail[i]))
            q.clear()
        assert got == _run(prefix)[1] and got  # the same events as unmuted
    q = EventQueue()
    life = AlarmLifecycle(Config(), q)
    life.sos_muted = True
    life.sos(40000)
    assert life.state == IDLE and q.count == 0
