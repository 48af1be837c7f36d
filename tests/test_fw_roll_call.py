# runtimes: cpython micropython
# heapsize: 160K
"""Roll calls with answer slots (firmware/soleguard/core/delivery.py, docs/PROTOCOL.md 8.3) on both
runtimes: the answer in the insole's slot of each round with its state at that moment, the group
receipt, the random schedule without slots, a person alarm in the slot, the slot flag on the wire.
"""
from delivery_support import CONSOLE, GW, KEY, TEAM, Node, _drain, _insole, _sent_at, _up

from soleguard.core import protocol as P
from soleguard.core.delivery import EVAC_SPREAD_MS
from soleguard.core.events import CAUSE_SOS, EV_ALARM, EV_ROLL_CALL_ANSWER
from soleguard.core.radioport import CMD_ALL_CLEAR


def test_roll_call_answer_goes_in_its_slot_with_the_state_now_and_ends_at_the_group_receipt():
    """A roll call with answer slots (start, done as an order's): slot 3, slots 0 and 2 answered ->
    rank 1, the answer at 1000 + 10 x 100 + 1 x 200 ms, flagged in its slot (STATE_IN_SLOT: no
    receipt) and saying "evacuating"; the gateway gives no receipt for it. The next round without
    bit 3 (the answer was lost) gets another answer with the state *then* (the all-clear came
    meanwhile: OK); bit 3 set ends the record, and nothing more goes."""
    from soleguard.edges.gateway import Gateway

    d, box, h, _, _ = _insole(slot=3)
    console = Node(CONSOLE)
    up = _up()
    f = console.frame(P.T_EVACUATE, 5, 0, 0, 0)
    d.on_frame(f, len(f), 0)
    f = console.frame(P.T_ROLL_CALL, 8, 10, 0b101)
    assert d.on_frame(f, len(f), 1000) is None
    got = [(t, fr, up.a, up.b, up.c) for t, fr in _sent_at(d, 1000, 3000)
           if up.decode(fr) == P.OK and up.type == P.T_ROLL_CALL_ANSWER]
    assert [(t, a, b, c) for t, _, a, b, c in got] == [(2200, 8, P.STATE_EVACUATING, 1)]
    assert got[0][1][P.HEADER_LEN + 2] == P.STATE_EVACUATING | P.STATE_IN_SLOT and len(got[0][1]) == 20
    gw = Gateway(P.Keys(KEY), TEAM, GW, P.TxCounter(P.MemoryStore()), P.MemoryStore(), lambda line: None)
    gw.on_uplink(got[0][1], len(got[0][1]), 2400)
    assert gw.acks == []  # slotted: the next frame's done is its receipt
    f = console.frame(P.T_ALL_CLEAR, 5)
    assert d.on_frame(f, len(f), 5000) == CMD_ALL_CLEAR
    f = console.frame(P.T_ROLL_CALL, 8, 1, 0b001)  # the next round: slots 1, 2, 3 missing
    assert d.on_frame(f, len(f), 30000) is None
    got = [(t, up.a, up.b, up.c) for t, fr in _sent_at(d, 30000, 40000)
           if up.decode(fr) == P.OK and up.type == P.T_ROLL_CALL_ANSWER]
    assert got == [(30000 + 100 + 2 * 200, 8, P.STATE_OK, 1)]
    f = console.frame(P.T_ROLL_CALL, 8, 1, 0b1001)
    assert d.on_frame(f, len(f), 41000) is None
    assert [r for r in box.pending() if r[2] == EV_ROLL_CALL_ANSWER] == []
    assert [fr for _, fr in _sent_at(d, 41000, 120000, 500)
            if up.decode(fr) == P.OK and up.type == P.T_ROLL_CALL_ANSWER] == []


def test_roll_call_without_slots_is_answered_at_random_and_receipted_by_the_gateway():
    """start 0 (a host's roll call without slots) or an insole without a slot: the answer goes
    0..EVAC_SPREAD_MS later, not flagged, and the gateway receipts it."""
    from soleguard.edges.gateway import Gateway

    for slot, start in ((-1, 10), (2, 0)):
        d, box, h, _, _ = _insole(slot=slot)
        f = Node(CONSOLE).frame(P.T_ROLL_CALL, 3, start, 0)
        d.on_frame(f, len(f), 1000)
        got = _sent_at(d, 1000, 1000 + EVAC_SPREAD_MS + 100, 50)
        up = _up()
        assert got and got[0][0] <= 1000 + EVAC_SPREAD_MS and up.decode(got[0][1]) == P.OK  # then resends
        assert (up.type, up.a, up.c) == (P.T_ROLL_CALL_ANSWER, 3, 0)
        gw = Gateway(P.Keys(KEY), TEAM, GW, P.TxCounter(P.MemoryStore()), P.MemoryStore(), lambda line: None)
        gw.on_uplink(got[0][1], len(got[0][1]), got[0][0])
        assert len(gw.acks) == 1


def test_a_person_alarm_awaiting_its_receipt_takes_the_roll_call_slot():
    """As in an order's rounds: an SOS waiting for its receipt goes in the insole's slot of the
    roll call's round (the all-clear's roll call fills the channel), the answer a round later."""
    d, box, h, _, _ = _insole(slot=0)
    box.append(0, EV_ALARM, CAUSE_SOS, 0)
    d.notify()
    up = _up()
    console = Node(CONSOLE)
    assert len(_drain(d, 0)) == 1
    f = console.frame(P.T_ROLL_CALL, 4, 20, 0)
    d.on_frame(f, len(f), 500)
    got = [(t, up.type) for t, fr in _sent_at(d, 500, 2600) if up.decode(fr) == P.OK]
    assert (2500, P.T_ALARM) in got and d.slot_alarms == 1
    assert not any(ty == P.T_ROLL_CALL_ANSWER for _, ty in got)


def test_a_new_roll_call_replaces_the_slotted_answer_of_the_last_one():
    d, box, h, _, _ = _insole(slot=1)
    console = Node(CONSOLE)
    up = _up()
    f = console.frame(P.T_ROLL_CALL, 4, 50, 0)
    d.on_frame(f, len(f), 1000)
    f = console.frame(P.T_ROLL_CALL, 5, 10, 0)  # before call 4's slot (6200): only call 5 is answered
    d.on_frame(f, len(f), 2000)
    got = [(t, up.a) for t, fr in _sent_at(d, 2000, 30000, 50) if up.decode(fr) == P.OK]
    assert got == [(2000 + 1000 + 200, 5)]  # (no round after it for EVAC_SLOT_WAIT_MS: then the random schedule)
    assert [r[4] for r in box.pending() if r[2] == EV_ROLL_CALL_ANSWER] == [5]


def test_roll_call_answers_are_capped_per_hour_and_leave_the_heartbeats_their_share():
    """Red-team finding: an insole whose partner is flat (its paired slot never done) answered every
    round of back-to-back roll calls and its heartbeats stopped after 26 min. At most
    ROLL_CALL_ANSWERS_PER_HOUR answers go in any hour; a heartbeat after them still goes at once."""
    from soleguard.core.config import ROLL_CALL_ANSWERS_PER_HOUR
    from soleguard.core.events import EV_HEARTBEAT

    d, box, h, _, _ = _insole(slot=2, side=0)
    console = Node(CONSOLE)
    up = _up()
    answers = []
    for k in range(60):  # a roll call a minute, each with rounds every 10 s: nobody ever sets bit 2
        t0 = 1000 + k * 60000
        f = console.frame(P.T_ROLL_CALL, k + 1, 1 | P.START_PAIRED, 0)
        d.on_frame(f, len(f), t0)
        for r in range(1, 6):
            f = console.frame(P.T_ROLL_CALL, k + 1, 1 | P.START_PAIRED, 0)
            d.on_frame(f, len(f), t0 + r * 10000)
        for t, fr in _sent_at(d, t0, t0 + 60000, 50):
            if up.decode(fr) == P.OK and up.type == P.T_ROLL_CALL_ANSWER:
                answers.append(t)
    assert len(answers) == ROLL_CALL_ANSWERS_PER_HOUR  # (without the cap: every round of every call)
    # a roll call without slots now: its answer is dropped, not held (held, it kept every record behind it
    # waiting for up to an hour: second red-team run), and a heartbeat and an evac_ack go at once
    t = 3601000
    f = console.frame(P.T_ROLL_CALL, 99, 0, 0)
    d.on_frame(f, len(f), t)
    box.append(t, EV_HEARTBEAT, 0, 80)
    d.notify()
    got = [up.type for _, fr in _sent_at(d, t, t + 40000, 50) if up.decode(fr) == P.OK]
    assert P.T_HEARTBEAT in got and P.T_ROLL_CALL_ANSWER not in got
    assert [r for r in box.pending() if r[2] == EV_ROLL_CALL_ANSWER] == []


def test_an_unslotted_resend_says_the_state_now_and_an_order_drops_a_pending_answer():
    """Second red-team run: a roll-call answer resent without a slot said the state of when the call came
    (still "evacuating" after the all-clear); and after an order, a roll-call answer still to go went
    unslotted into the order's rounds."""
    d, box, h, _, _ = _insole()  # no slot: the random schedule, resent until the gateway's receipt
    now_state = [P.STATE_EVACUATING]
    d.state = lambda: now_state[0]
    console = Node(CONSOLE)
    up = _up()
    f = console.frame(P.T_ROLL_CALL, 8, 0, 0)
    d.on_frame(f, len(f), 1000)
    states = [up.b for t, fr in _sent_at(d, 1000, 40000, 50)
              if up.decode(fr) == P.OK and up.type == P.T_ROLL_CALL_ANSWER]
    assert states and states[0] == P.STATE_EVACUATING
    now_state[0] = P.STATE_OK  # it heard the all-clear meanwhile
    later = [up.b for t, fr in _sent_at(d, 40000, 120000, 50)
             if up.decode(fr) == P.OK and up.type == P.T_ROLL_CALL_ANSWER]
    assert later and set(later) == {P.STATE_OK}
    f = console.frame(P.T_ROLL_CALL, 9, 0, 0)
    d.on_frame(f, len(f), 130000)
    assert [r[4] for r in box.pending() if r[2] == EV_ROLL_CALL_ANSWER] == [9]
    f = console.frame(P.T_EVACUATE, 6, 0, 0, 0)  # a new order before that answer went
    d.on_frame(f, len(f), 130001)
    assert [r for r in box.pending() if r[2] == EV_ROLL_CALL_ANSWER] == []
