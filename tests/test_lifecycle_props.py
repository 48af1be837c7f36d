"""Property tests of the alarm lifecycle and the core (CPython only: hypothesis).

Random sequences of operations, each at a non-decreasing time:
  detect fall / man-down, SOS, cancel gesture, supervisor ack, all-clear,
  and lifecycle steps with a random upright_ms.
Properties checked after every operation:
  - a pre-alarm starts only from idle or from an alarm the wearer has
    recovered from (a lost acknowledgement never ends detection);
  - the state always equals the state the emitted events imply (no silent
    transition: an alarm is never lost between its pre-alarm and its end);
  - an alarm ends only with CLEARED, after an ack (with recovery, or for an
    SOS alone) or an all-clear; a pre-alarm ends only with ALARM, CANCELLED
    or CLEARED;
  - every SOS produces exactly one ALARM event with cause SOS, at once;
  - no CANCELLED ever follows an alarm before that alarm is CLEARED;
  - the event queue never overflows (each operation emits at most 2 events).
And the whole core on random frames never raises and never queues more than a
few events per step.
"""
from hypothesis import given, settings
from hypothesis import strategies as st

from soleguard.core.config import Config
from soleguard.core.pipeline import Core
from soleguard.core.events import (
    CAUSE_FALL,
    CAUSE_MAN_DOWN,
    CAUSE_SOS,
    EV_ALARM,
    EV_CANCELLED,
    EV_CLEARED,
    EV_PRE_ALARM,
    EV_RECOVERED,
    EventQueue,
)
from soleguard.core.frame import FRAME_LEN, new_frame
from soleguard.core.lifecycle import ALARM, IDLE, PRE_ALARM, AlarmLifecycle

from synth import ZONE_X, ZONE_Y

CFG = Config()

dt = st.integers(min_value=0, max_value=20000)
op = st.one_of(
    st.tuples(st.just("detect"), dt, st.sampled_from((CAUSE_FALL, CAUSE_MAN_DOWN)), st.integers(1, 60)),
    st.tuples(st.just("sos"), dt),
    st.tuples(st.just("cancel"), dt),
    st.tuples(st.just("ack"), dt),
    st.tuples(st.just("clear"), dt),
    st.tuples(st.just("step"), dt, st.sampled_from((0, 1000, CFG.RECOVERY_MS - 1, CFG.RECOVERY_MS, 60000))),
)


def _apply(life, t, o):
    k = o[0]
    if k == "detect":
        life.detect(t, o[2], o[3])
    elif k == "sos":
        life.sos(t)
    elif k == "cancel":
        life.cancel_gesture(t)
    elif k == "ack":
        life.ack(t)
    elif k == "clear":
        life.all_clear(t)
    else:
        life.step(t, o[2])


@settings(max_examples=400, deadline=None)
@given(st.lists(op, max_size=60))
def test_lifecycle_never_loses_an_alarm(ops):
    q = EventQueue()
    life = AlarmLifecycle(CFG, q)
    t = 0
    implied = IDLE
    acked = False  # an ack arrived during the current alarm
    sos_alarm = False
    recovered = False  # the wearer is up again during the current alarm
    cause = 0
    for o in ops:
        t += o[1]
        before = life.state
        _apply(life, t, o)
        evs = [(q.t[i], q.type[i], q.cause[i], q.detail[i]) for i in range(q.count)]
        assert q.count <= 2, evs
        q.clear()
        if o[0] == "sos":
            assert [e for e in evs if e[1] == EV_ALARM] == [(t, EV_ALARM, CAUSE_SOS, evs[0][3])]
            assert len(evs) == 1
        for e in evs:
            assert e[0] == t
            ty = e[1]
            if ty == EV_PRE_ALARM:
                # from idle, or from an alarm the wearer recovered from (ack awaited)
                assert o[0] == "detect" and (implied == IDLE or (implied == ALARM and recovered))
                implied = PRE_ALARM
                acked = False
            elif ty == EV_ALARM:
                if e[2] != CAUSE_SOS:
                    recovered = False
                elif implied == IDLE:
                    recovered = True
                elif cause != CAUSE_SOS:
                    recovered = implied == ALARM and recovered
                implied = ALARM
                cause = e[2]
                acked = False
                # an SOS from idle needs no recovery; an escalating one does
                sos_alarm = e[2] == CAUSE_SOS and e[3] == 0
            elif ty == EV_CANCELLED:
                assert implied == PRE_ALARM, "cancel after an alarm"
                assert o[0] in ("cancel", "step")
                implied = IDLE
            elif ty == EV_RECOVERED:
                assert implied == ALARM and not sos_alarm and not recovered
                recovered = True
            elif ty == EV_CLEARED:
                assert implied in (PRE_ALARM, ALARM)
                if implied == ALARM and o[0] != "clear":
                    # left only after the supervisor's receipt confirmation
                    assert acked or o[0] == "ack"
                implied = IDLE
            if implied != ALARM:
                recovered = False
                cause = 0
        if o[0] == "ack" and life.state == ALARM:
            acked = True
        assert life.state == implied, (o, before, life.state, implied, evs)


frames = st.lists(
    st.tuples(
        st.integers(0, 50),  # dt, ms
        st.lists(st.integers(-32768, 32767), min_size=FRAME_LEN, max_size=FRAME_LEN),
    ),
    max_size=300,
)


@settings(max_examples=60, deadline=None)
@given(frames, st.sampled_from(((8, True), (0, True), (4, False))))
def test_core_survives_any_frames(samples, layout):
    zones, imu = layout
    core = Core(CFG, zones, ZONE_X, ZONE_Y, imu)
    f = new_frame()
    t = 0
    for d, vals in samples:
        t += d
        for i in range(FRAME_LEN):
            f[i] = vals[i]
        n = core.step(t, f)
        assert 0 <= n <= 3
        core.events.clear()
        assert 0 <= core.state <= 5
