# runtimes: cpython micropython
# heapsize: 160K
"""Delivery layer (firmware/soleguard/core/delivery.py) on both runtimes: resend
timing and jitter bounds, counter -> seq ack mapping, alarm priority under a
tight duty cycle, recovery after a reset (journal + counter + replay windows),
evacuation once per order id, forged and replayed orders never vibrate.

A hand-made gateway/console (protocol.Encoder with the team key) builds the
downlinks; insole frames are checked with an uplink Decoder.
"""
from fakes.flash import FakeFlash

from soleguard.core import protocol as P
from soleguard.core.airtime import DutyCycle, PRIO_ALARM, sub_band
from soleguard.core.delivery import (
    EVAC_HOLD_MS, EVAC_JITTER_MS, HEARTBEAT_SPREAD_MS, EVAC_RESEND_MS, EVAC_SPREAD_MS, FAST_JITTER_MS, FAST_RESEND_MS, FAST_TRIES, JITTER_MS, RESEND_MS, UPLINK_KHZ, Delivery, Prng, frame_of,
)
from soleguard.core.events import (
    CAUSE_FALL, CAUSE_SOS, CAUSE_TECHNICAL, EV_ALARM, EV_EVAC_ACK, EV_HEARTBEAT, EV_PRE_ALARM, EV_RECOVERED,
)
from soleguard.edges.haptics import EVACUATION, NONE
from soleguard.core.radioport import CMD_ALARM_ACK, CMD_ALL_CLEAR, CMD_EVACUATE
from delivery_support import CONSOLE, GW, KEY, ME, TEAM, Node, _drain, _insole, _sent_at, _up


def test_prng_is_the_same_on_every_runtime():
    r = Prng(12345)
    assert [r.below(1000) for _ in range(5)] == [Prng(12345).below(1000)] + [r2 for r2 in _tail(12345)]


def _tail(seed):
    r = Prng(seed)
    r.below(1000)
    return [r.below(1000) for _ in range(4)]


def test_alarm_goes_at_once_and_resends_every_20_to_30_s_until_acked():
    d, box, h, _, _ = _insole()
    up = _up()
    seq = box.append(0, EV_ALARM, CAUSE_SOS, 0)
    d.notify()
    f = _drain(d, 100)
    assert len(f) == 1 and up.decode(f[0]) == P.OK and up.type == P.T_ALARM and up.a == CAUSE_SOS
    times = [100]
    now = 100
    counters = [up.counter]
    while len(times) < 30:
        now += 100
        got = _drain(d, now)
        if got:
            assert len(got) == 1 and up.decode(got[0]) == P.OK
            counters.append(up.counter)
            times.append(now)
    gaps = [times[i + 1] - times[i] for i in range(len(times) - 1)]
    fast, slow = gaps[:FAST_TRIES], gaps[FAST_TRIES:]
    # an alarm's first resends come after 3-8 s, then every 20-30 s
    assert min(fast) >= FAST_RESEND_MS and max(fast) <= FAST_RESEND_MS + FAST_JITTER_MS + 100, gaps
    assert min(slow) >= RESEND_MS and max(slow) <= RESEND_MS + JITTER_MS + 100, gaps
    assert max(slow) - min(slow) > 3000, gaps  # jittered, not a fixed period
    assert counters == sorted(counters) and len(set(counters)) == len(counters)  # new counter per frame
    # ack of an older transmission (3rd last) still maps back; older than RING ones do not
    gw = Node(GW)
    d.on_frame(gw.frame(P.T_ACK, ME, counters[2], 0), 26, now)
    assert len(box.pending()) == 1
    assert d.on_frame(gw.frame(P.T_ACK, ME, counters[-3], 0), 26, now) is None
    assert box.pending() == []
    assert _drain(d, now + 60000) == []
    assert seq >= 0


def test_ack_for_another_insole_or_unknown_counter_changes_nothing():
    d, box, _, _, _ = _insole()
    box.append(0, EV_ALARM, CAUSE_FALL, 4)
    d.notify()
    up = _up()
    up.decode(_drain(d, 0)[0])
    gw = Node(GW)
    d.on_frame(gw.frame(P.T_ACK, ME + 1, up.counter, 0), 26, 10)
    d.on_frame(gw.frame(P.T_ACK, ME, up.counter + 1000, 0), 26, 10)
    assert len(box.pending()) == 1
    assert d.on_frame(gw.frame(P.T_ACK, ME, up.counter, 1), 26, 20) == CMD_ALARM_ACK
    assert box.pending() == []


def test_a_late_supervisor_ack_of_an_earlier_alarm_does_not_ack_the_current_one():
    """The console repeats its ack until the insole confirms: a repeat naming a
    frame of an earlier alarm (or of a technical alarm) must not acknowledge
    the alarm now in progress."""
    d, box, _, _, _ = _insole()
    up, gw, console = _up(), Node(GW), Node(CONSOLE)
    box.append(0, EV_ALARM, CAUSE_FALL, 4)
    d.notify()
    up.decode(_drain(d, 0)[0])
    old = up.counter
    d.on_frame(gw.frame(P.T_ACK, ME, old, 0), 26, 10)  # gateway receipt
    box.append(100, EV_ALARM, CAUSE_TECHNICAL, 3)
    d.notify()
    up.decode(_drain(d, 100)[0])
    tech = up.counter
    d.on_frame(gw.frame(P.T_ACK, ME, tech, 0), 26, 110)
    box.append(90000, EV_ALARM, CAUSE_FALL, 6)  # the wearer fell again
    d.notify()
    up.decode(_drain(d, 90000)[0])
    new = up.counter
    assert d.on_frame(console.frame(P.T_ACK, ME, old, 1), 26, 90010) is None
    assert d.on_frame(console.frame(P.T_ACK, ME, tech, 1), 26, 90020) is None
    assert [r[4] for r in box.pending()] == [6]  # still in flight
    assert d.on_frame(console.frame(P.T_ACK, ME, new, 1), 26, 90030) == CMD_ALARM_ACK
    assert box.pending() == []


def test_sos_queued_behind_an_unacknowledged_technical_alarm_still_goes():
    """Downlink lost (no receipt ever): an hour of air time must carry the SOS,
    and the fall alarm before the technical one (SOS > fall/man-down > technical)."""
    d, box, _, _, _ = _insole()
    up = _up()
    box.append(0, EV_ALARM, CAUSE_TECHNICAL, 0x601)
    box.append(10, EV_ALARM, CAUSE_FALL, 4)
    box.append(20, EV_ALARM, CAUSE_SOS, 0)
    d.notify()
    causes = []
    now = 0
    while now < 3600000:
        for f in _drain(d, now):
            assert up.decode(f) == P.OK and up.type == P.T_ALARM
            causes.append(up.a)
        now += 500
    assert causes and set(causes) == {CAUSE_SOS}, causes[:5]
    gw = Node(GW)
    d.on_frame(gw.frame(P.T_ACK, ME, up.counter, 0), 26, now)  # the SOS is through: the fall alarm next
    up.decode(_drain(d, now)[0])
    assert up.a == CAUSE_FALL


def test_alarm_preempts_and_records_go_in_order():
    d, box, _, _, _ = _insole()
    up = _up()
    gw = Node(GW)
    r1 = box.append(0, EV_RECOVERED, CAUSE_FALL, 30)
    box.append(0, EV_PRE_ALARM, CAUSE_FALL, 4)  # stays on the insole
    d.notify()
    up.decode(_drain(d, 0)[0])
    assert up.type == P.T_RECOVERED
    box.append(5, EV_ALARM, CAUSE_SOS, 0)
    d.notify()
    f = _drain(d, 10)
    up.decode(f[0])
    assert up.type == P.T_ALARM  # the alarm pre-empts the record in flight
    d.on_frame(gw.frame(P.T_ACK, ME, up.counter, 0), 26, 20)
    up.decode(_drain(d, 30)[0])
    assert up.type == P.T_RECOVERED  # then the older record again, at once
    d.on_frame(gw.frame(P.T_ACK, ME, up.counter, 0), 26, 40)
    assert box.pending() == [] and r1 >= 0


def test_heartbeat_goes_once_and_alarm_keeps_priority_when_budget_is_tight():
    duty = DutyCycle()
    band = sub_band(UPLINK_KHZ)
    d, box, _, _, _ = _insole(duty=duty)
    up = _up()
    # fill the band to just under half its budget (the heartbeat share is 50 %)
    duty.record(band, duty.budget_ms(band) // 2 - 100, 0)
    box.append(0, EV_HEARTBEAT, 0, 80)
    d.notify()
    assert _drain(d, 0) == []  # a heartbeat goes 0..HEARTBEAT_SPREAD_MS after it is due ...
    late = 1000 + HEARTBEAT_SPREAD_MS
    assert _drain(d, late) == []  # ... and may not take the rest
    assert d.deferred == 1
    box.append(late, EV_ALARM, CAUSE_SOS, 0)
    d.notify()
    f = _drain(d, late + 100)
    assert len(f) == 1 and up.decode(f[0]) == P.OK and up.type == P.T_ALARM
    # unconfirmed heartbeat: once admitted it is sent once and leaves the journal
    d2, box2, _, _, _ = _insole()
    box2.append(0, EV_HEARTBEAT, 0, 80)
    d2.notify()
    sent = [(t, f) for t in range(0, HEARTBEAT_SPREAD_MS + 100, 50) for f in _drain(d2, t)]
    assert len(sent) == 1 and sent[0][0] <= HEARTBEAT_SPREAD_MS  # spread: in-phase insoles do not collide for ever
    f = [sent[0][1]]
    assert len(f) == 1 and up.decode(f[0]) == P.OK and up.type == P.T_HEARTBEAT and up.a == 80
    assert box2.pending() == [] and _drain(d2, 100000) == []
    assert duty.admit(band, 200, 2000, PRIO_ALARM)


def test_reset_mid_alarm_resumes_from_the_journal_with_fresh_counters():
    d, box, _, flash, store = _insole()
    up = _up()
    box.append(0, EV_ALARM, CAUSE_FALL, 6)
    d.notify()
    up.decode(_drain(d, 0)[0])
    first = up.counter
    # power cut; a new insole object over the same flash and stores
    d2, box2, _, _, _ = _insole(flash=flash.power_on(), store=store, seed=2)
    assert [r[2] for r in box2.pending()] == [EV_ALARM]
    f = _drain(d2, 5)
    assert len(f) == 1 and up.decode(f[0]) == P.OK and up.counter > first  # never a reused counter
    d2.on_frame(Node(GW).frame(P.T_ACK, ME, up.counter, 0), 26, 10)
    assert box2.pending() == []


def test_evacuation_vibrates_once_per_order_and_acks_it():
    d, box, h, _, _ = _insole()
    console = Node(CONSOLE)
    up = _up()
    f = console.frame(P.T_EVACUATE, 3, 1)
    assert d.on_frame(f, len(f), 1000) == CMD_EVACUATE
    assert h.playing == EVACUATION and d.evacuating == 3
    assert [r[2] for r in box.pending()] == [EV_EVAC_ACK]
    # repeats of the same order (new counters) do nothing more
    for k in range(3):
        f = console.frame(P.T_EVACUATE, 3, 1)
        assert d.on_frame(f, len(f), 2000 + k) is None
    assert len(box.pending()) == 1
    # the ack waits for the end of the gateway's burst of repeats (it hears nothing while it sends),
    # goes within the spread window after it, then again after 3-18 s until receipted
    times = []
    for now in range(1000, 1000 + EVAC_HOLD_MS + EVAC_SPREAD_MS + EVAC_RESEND_MS + EVAC_JITTER_MS + 200, 50):
        for f in _drain(d, now):
            times.append(now)
            last = f
    assert 1000 + EVAC_HOLD_MS <= times[0] <= 1000 + EVAC_HOLD_MS + EVAC_SPREAD_MS + 50
    assert len(times) >= 2 and EVAC_RESEND_MS <= times[1] - times[0] <= EVAC_RESEND_MS + EVAC_JITTER_MS + 50
    assert up.decode(last) == P.OK and up.type == P.T_EVAC_ACK and up.a == 3
    f = console.frame(P.T_ALL_CLEAR, 3)
    assert d.on_frame(f, len(f), 30000) == CMD_ALL_CLEAR
    assert h.playing == NONE and d.evacuating == 0
    # an old order id after its all-clear never vibrates again
    f = console.frame(P.T_EVACUATE, 2, 1)
    assert d.on_frame(f, len(f), 31000) is None and h.playing == NONE


def test_evacuation_ack_goes_in_its_slot_by_rank_among_the_unconfirmed():
    """Slot 3; the order's frame ends at 1000 and says slots start 10 x 100 ms later,
    slots 0 and 2 already confirmed: rank 1 -> the answer at 1000 + 1000 + 1 x 200 ms,
    carrying slot 3 + 1, and nothing else until the next frame. That frame's group
    receipt without bit 3 gives the next round's slot (rank 2 of slots 0,1,2 unconfirmed
    except 0); with bit 3 set the record is done and nothing more goes."""
    d, box, h, _, _ = _insole(slot=3)
    console = Node(CONSOLE)
    up = _up()
    assert d.slot_ms == 200  # 185.3 ms evac_ack at SF9 + 15 ms guard
    f = console.frame(P.T_EVACUATE, 5, 0, 10, 0b101)
    assert d.on_frame(f, len(f), 1000) == CMD_EVACUATE and h.playing == EVACUATION
    got = _sent_at(d, 1000, 20000)
    assert [t for t, _ in got] == [2200]
    assert up.decode(got[0][1]) == P.OK and (up.type, up.a, up.b) == (P.T_EVAC_ACK, 5, 4)
    f = console.frame(P.T_EVACUATE, 5, 0, 1, 0b001)  # the round's answer was lost: slots 1, 2 missing too
    assert d.on_frame(f, len(f), 30000) is None
    got = _sent_at(d, 30000, 40000)
    assert [t for t, _ in got] == [30000 + 100 + 2 * 200]
    f = console.frame(P.T_EVACUATE, 5, 0, 1, 0b1001)  # confirmed: the group receipt
    assert d.on_frame(f, len(f), 41000) is None
    assert [r for r in box.pending() if r[2] == EV_EVAC_ACK] == []
    assert _sent_at(d, 41000, 120000, 500) == []


def test_paired_slots_give_each_insole_of_a_wearer_its_own_answer_in_the_shared_slot():
    """START_PAIRED: roster slot 3 holds the left (side 0) and the right (side 1) insole of one
    wearer; slots 0 and 2 confirmed, so slot 3 has rank 1 and its answers are places 2 and 3:
    1000 + 10 x 100 + 2 x 200 (left) and + 3 x 200 (right), each carrying slot 3 + 1. Without
    the flag the right insole answers at rank 1 as a single insole would. Bit 3 (set by the
    console once both confirmed) ends both records."""
    console = Node(CONSOLE)
    for side, flag, at in ((0, P.START_PAIRED, 2400), (1, P.START_PAIRED, 2600), (1, 0, 2200)):
        up = _up()
        d, box, h, _, _ = _insole(slot=3, side=side)
        f = console.frame(P.T_EVACUATE, 5, 0, 10 | flag, 0b101)
        assert d.on_frame(f, len(f), 1000) == CMD_EVACUATE and h.playing == EVACUATION
        got = _sent_at(d, 1000, 20000)
        assert [t for t, _ in got] == [at], (side, flag)
        assert up.decode(got[0][1]) == P.OK and (up.type, up.a, up.b) == (P.T_EVAC_ACK, 5, 4)
        f = console.frame(P.T_EVACUATE, 5, 0, 1 | flag, 0b001)  # a later round: slots 1, 2, 3 missing
        assert d.on_frame(f, len(f), 30000) is None
        got = _sent_at(d, 30000, 40000)
        place = 2 * 2 + side if flag else 2
        assert [t for t, _ in got] == [30000 + 100 + place * 200]
        f = console.frame(P.T_EVACUATE, 5, 0, 1 | flag, 0b1001)
        assert d.on_frame(f, len(f), 41000) is None
        assert [r for r in box.pending() if r[2] == EV_EVAC_ACK] == []


def test_a_person_alarm_awaiting_its_receipt_takes_the_answer_slot_then_the_evac_ack_goes():
    """A fall alarm waiting for its receipt: the insole's answer slot carries the alarm (the rounds
    fill the channel, a slot is the airtime nobody else uses), again in the next round while no
    receipt came, and the evac_ack, still not in ``done``, goes in the first round after the
    alarm's receipt. The alarm keeps its own resends meanwhile."""
    d, box, h, _, _ = _insole(slot=0)
    box.append(0, EV_ALARM, CAUSE_FALL, 4)
    d.notify()
    up = _up()
    console, gw = Node(CONSOLE), Node(GW)
    assert len(_drain(d, 0)) == 1  # the alarm's first frame, on its own schedule
    f = console.frame(P.T_EVACUATE, 9, 0, 20, 0)
    d.on_frame(f, len(f), 500)
    got = [(t, up.type, up.counter) for t, fr in _sent_at(d, 500, 2600) if up.decode(fr) == P.OK]
    assert (2500, P.T_ALARM) in [(t, ty) for t, ty, _ in got] and d.slot_alarms == 1
    assert not any(ty == P.T_EVAC_ACK for _, ty, _ in got)
    f = console.frame(P.T_EVACUATE, 9, 0, 1, 0)  # the next round: still no receipt -> the alarm again
    d.on_frame(f, len(f), 3000)
    got = [(t, up.type, up.counter) for t, fr in _sent_at(d, 3000, 3200) if up.decode(fr) == P.OK]
    assert [(t, ty) for t, ty, _ in got] == [(3100, P.T_ALARM)] and d.slot_alarms == 2
    f = gw.frame(P.T_ACK, ME, got[0][2], 0)  # the gateway's receipt of that slotted alarm frame
    d.on_frame(f, len(f), 3400)
    assert not any(r[2] == EV_ALARM for r in box.pending())
    f = console.frame(P.T_EVACUATE, 9, 0, 1, 0)
    d.on_frame(f, len(f), 4000)
    got = [(t, up.type, up.b) for t, fr in _sent_at(d, 4000, 4200) if up.decode(fr) == P.OK]
    assert got == [(4100, P.T_EVAC_ACK, 1)]


def test_a_paired_insole_whose_partner_never_answers_stops_answering_in_slots():
    """Bit k of ``done`` needs both insoles of slot k: with the partner flat it never comes. The insole
    answers in EVAC_SLOT_ANSWERS_MAX rounds, then on the random schedule, whose gateway receipt ends
    it; later frames (every 15 s for an hour) make it answer no more, and its duty cycle is left
    for an SOS (red-team finding: 44.6 s/h of answers had used up the 36 s/h budget)."""
    from soleguard.core.config import EVAC_SLOT_ANSWERS_MAX

    d, box, h, _, _ = _insole(slot=2, side=0)
    console, gw = Node(CONSOLE), Node(GW)
    up = _up()
    sent = []
    for k in range(240):  # an hour of slow repeats, the slot never done
        now = 1000 + k * 15000
        f = console.frame(P.T_EVACUATE, 7, 0, 1 | P.START_PAIRED, 0)
        d.on_frame(f, len(f), now)
        for t, fr in _sent_at(d, now, now + 15000, 50):
            assert up.decode(fr) == P.OK and up.type == P.T_EVAC_ACK
            sent.append((t, up.b, up.counter))
            if up.b == 0:  # unslotted: the gateway receipts it
                a = gw.frame(P.T_ACK, ME, up.counter, 0)
                d.on_frame(a, len(a), t + 1200)
    slotted = [x for x in sent if x[1] == 3]
    assert len(slotted) == EVAC_SLOT_ANSWERS_MAX
    assert 1 <= len(sent) - len(slotted) <= 3 and sent[-1][0] < 1000 + 20 * 15000
    assert [r for r in box.pending() if r[2] == EV_EVAC_ACK] == []
    box.append(0, EV_ALARM, CAUSE_SOS, 0)  # an SOS at the end of the hour goes at once
    d.notify()
    out = _drain(d, 1000 + 240 * 15000)
    assert len(out) == 1 and up.decode(out[0]) == P.OK and up.type == P.T_ALARM


def test_a_reboot_mid_order_leaves_no_second_evac_ack_after_the_group_receipt():
    """After a reboot the order is new to the insole and a second EV_EVAC_ACK record is added; the
    group receipt must end both (red-team finding: the older one kept resending unslotted)."""
    flash, store = FakeFlash(blocks=4, block_size=256), P.MemoryStore()
    d, box, h, _, _ = _insole(flash=flash, store=store, slot=1)
    console = Node(CONSOLE)
    f = console.frame(P.T_EVACUATE, 4, 0, 1, 0)
    d.on_frame(f, len(f), 1000)
    d2, box2, _, _, _ = _insole(flash=flash, store=store, slot=1)  # rebooted on the same journal
    f = console.frame(P.T_EVACUATE, 4, 0, 1, 0)
    d2.on_frame(f, len(f), 5000)
    assert len([r for r in box2.pending() if r[2] == EV_EVAC_ACK]) == 2
    f = console.frame(P.T_EVACUATE, 4, 0, 1, 0b10)
    d2.on_frame(f, len(f), 9000)
    assert [r for r in box2.pending() if r[2] == EV_EVAC_ACK] == []
    assert _sent_at(d2, 9000, 200000, 500) == []


def test_a_technical_alarm_does_not_take_the_answer_slot():
    d, box, h, _, _ = _insole(slot=0)
    box.append(0, EV_ALARM, CAUSE_TECHNICAL, 3)
    d.notify()
    up = _up()
    assert len(_drain(d, 0)) == 1
    f = Node(CONSOLE).frame(P.T_EVACUATE, 9, 0, 20, 0)
    d.on_frame(f, len(f), 500)
    got = [(t, up.type) for t, fr in _sent_at(d, 500, 2600) if up.decode(fr) == P.OK]
    assert (2500, P.T_EVAC_ACK) in got and d.slot_alarms == 0


def test_order_without_slots_or_insole_without_slot_uses_the_random_schedule():
    for slot, start in ((-1, 10), (2, 0)):
        d, box, h, _, _ = _insole(slot=slot)
        f = Node(CONSOLE).frame(P.T_EVACUATE, 4, 0, start, 0)
        d.on_frame(f, len(f), 1000)
        got = _sent_at(d, 1000, 1000 + EVAC_HOLD_MS + EVAC_SPREAD_MS + 100, 50)
        up = _up()
        assert got and 1000 + EVAC_HOLD_MS <= got[0][0] and up.decode(got[0][1]) == P.OK and up.b == 0


def test_gateway_gives_no_receipt_to_a_slotted_evac_ack():
    from soleguard.edges.gateway import Gateway

    keys = P.Keys(KEY)
    gw = Gateway(keys, TEAM, GW, P.TxCounter(P.MemoryStore()), P.MemoryStore(), lambda line: None)
    ins = P.Encoder(keys, TEAM, ME, P.TxCounter(P.MemoryStore()))
    for slot, receipts in ((4, 0), (0, 1)):
        n = ins.encode(P.T_EVAC_ACK, 5, slot)
        gw.on_uplink(bytes(ins.mv[:n]), n, 0)
        assert len(gw.acks) == receipts
        gw.acks = []


def test_order_schedule_burst_points_at_one_slot_zero_then_rounds():
    from soleguard.core.config import EVAC_BURST_PERIOD_MS, EVAC_BURST_REPEATS, EVAC_FAST_ROUNDS, EVAC_SLOW_REPEAT_MS
    from soleguard.core.delivery import order_schedule, slot_rank

    last = EVAC_BURST_REPEATS - 1
    ends = []
    for k in range(EVAC_BURST_REPEATS):
        start, nxt = order_schedule(k, 50, 200, 1197)
        ends.append(k * EVAC_BURST_PERIOD_MS + 1197 + start * 100)  # slot 0 as each frame's listener sees it
        if k < last:
            assert nxt == EVAC_BURST_PERIOD_MS
    assert len(set(ends)) == 1
    start, nxt = order_schedule(last, 50, 200, 1197)
    assert nxt == 1197 + start * 100 + 50 * 200 + 50  # the next frame after the round's last slot
    assert order_schedule(last + EVAC_FAST_ROUNDS, 1, 200, 1197)[1] == EVAC_SLOW_REPEAT_MS
    assert slot_rank(0b1011, 5) == 2 and slot_rank(0, 64) == 64 and slot_rank(P.DONE_MAX, 64) == 0
    # paired slots: the flag on every frame, the same slot 0, rounds twice as long
    for k in range(EVAC_BURST_REPEATS + 2):
        s1, n1 = order_schedule(k, 50, 200, 1197)
        s2, n2 = order_schedule(k, 50, 200, 1197, True)
        assert s2 == s1 | P.START_PAIRED and s1 < P.START_PAIRED
        assert n2 == (n1 if k < last else n1 + 50 * 200)


def _evac(d, node, order, now):
    f = node.frame(P.T_EVACUATE, order, 0)
    return d.on_frame(f, len(f), now)


def _clear(d, node, order, now):
    f = node.frame(P.T_ALL_CLEAR, order)
    return d.on_frame(f, len(f), now)


def test_order_ids_compared_per_sender_with_serial_arithmetic_and_kept_across_reset():
    """All-clear 65535, then the console's id wraps to 1; a second console
    starting at 1; a reset in between: every new evacuation still vibrates,
    an old order of the same console never does."""
    d, box, h, flash, store = _insole()
    c1, c2 = Node(CONSOLE), Node(CONSOLE + 1)
    assert _evac(d, c1, 65535, 0) == CMD_EVACUATE
    assert _clear(d, c1, 65535, 10) == CMD_ALL_CLEAR and h.playing == NONE
    assert _evac(d, c1, 1, 20) == CMD_EVACUATE and d.evacuating == 1  # wrapped: 1 follows 65535
    assert _clear(d, c1, 1, 30) == CMD_ALL_CLEAR
    assert _evac(d, c2, 1, 40) == CMD_EVACUATE  # another console's order 1: its own sequence
    assert _clear(d, c2, 0, 50) == CMD_ALL_CLEAR and h.playing == NONE
    d2, _, h2, _, _ = _insole(flash=flash.power_on(), store=store)  # the cleared ids survive a reset
    assert _evac(d2, c1, 65535, 60) is None and _evac(d2, c1, 1, 70) is None and h2.playing == NONE
    assert _evac(d2, c2, 1, 80) is None and h2.playing == NONE
    assert _evac(d2, c1, 2, 90) == CMD_EVACUATE and h2.playing == EVACUATION


def test_a_fifth_sender_is_heard_and_an_evicted_one_keeps_its_replay_protection():
    """The replay window holds 4 senders: the least recently heard gives way
    to a new gateway or console (authenticated frames only), and its stored
    counter comes back if it is heard again, so its old frames stay refused."""
    d, box, h, _, store = _insole()
    nodes = [Node(CONSOLE + k) for k in range(6)]
    first = nodes[0].frame(P.T_EVACUATE, 7, 0)
    assert d.on_frame(first, len(first), 0) == CMD_EVACUATE
    assert _clear(d, nodes[0], 7, 5) == CMD_ALL_CLEAR
    for k in range(1, 6):  # five more senders: each is heard
        assert _evac(d, nodes[k], 100 + k, 10 * k) == CMD_EVACUATE, k
        assert _clear(d, nodes[k], 100 + k, 10 * k + 1) == CMD_ALL_CLEAR
    assert d.window.evicted == 2
    assert d.on_frame(first, len(first), 100) is None and h.playing == NONE  # evicted, still no replay
    assert _evac(d, nodes[0], 8, 110) == CMD_EVACUATE  # and heard again


def test_forged_and_replayed_orders_never_vibrate_even_after_reset():
    d, box, h, flash, store = _insole()
    console = Node(CONSOLE)
    real = console.frame(P.T_EVACUATE, 9, 0)
    forged = Node(CONSOLE, P.Keys(b"attacker-key-16-bytes!")).frame(P.T_EVACUATE, 10, 0)
    assert d.on_frame(forged, len(forged), 0) is None and h.playing == NONE
    flipped = bytearray(real)
    flipped[13] ^= 1  # order id changed, MAC kept
    assert d.on_frame(flipped, len(flipped), 0) is None and h.playing == NONE
    assert d.on_frame(real, len(real), 10) == CMD_EVACUATE
    clear = console.frame(P.T_ALL_CLEAR, 0)
    assert d.on_frame(clear, len(clear), 20) == CMD_ALL_CLEAR and h.playing == NONE
    assert d.on_frame(real, len(real), 30) is None and h.playing == NONE  # replay
    assert d.dec.counts[P.BAD_MAC] == 2 and d.dec.counts[P.REPLAY] == 1
    # after a reset the window comes back from the store: the replay is still refused
    d2, _, h2, _, _ = _insole(flash=flash.power_on(), store=store)
    assert d2.on_frame(real, len(real), 40) is None and h2.playing == NONE
    assert d2.dec.counts[P.REPLAY] == 1


def test_roll_call_answer_and_config():
    got = []
    d, box, _, _, _ = _insole()
    d.on_config = lambda p, v: got.append((p, v))
    console = Node(CONSOLE)
    f = console.frame(P.T_ROLL_CALL, 5)
    d.on_frame(f, len(f), 0)
    f = console.frame(P.T_ROLL_CALL, 5)
    d.on_frame(f, len(f), 1)  # repeated call: one answer
    up = _up()
    assert _drain(d, 2) == []  # answers are spread over 0..EVAC_SPREAD_MS, like evacuation acks
    sent = _drain(d, 2 + EVAC_SPREAD_MS)
    assert len(sent) == 1 and up.decode(sent[0]) == P.OK and up.type == P.T_ROLL_CALL_ANSWER and up.a == 5
    f = console.frame(P.T_CONFIG, ME, P.PARAM_HEARTBEAT_S, 120)
    d.on_frame(f, len(f), 3)
    f = console.frame(P.T_CONFIG, ME + 1, P.PARAM_HEARTBEAT_S, 60)  # someone else's
    d.on_frame(f, len(f), 4)
    assert got == [(P.PARAM_HEARTBEAT_S, 120)]


def test_frame_mapping_clamps_into_the_wire_ranges():
    assert frame_of(EV_ALARM, CAUSE_FALL, 70000)[2] == 70000 & 0xFFFF
    assert frame_of(EV_PRE_ALARM, CAUSE_FALL, 3) == (0, 0, 0)
    assert frame_of(3, 1, 3) == (P.T_CANCELLED, 1, 1)  # cancelled by motion -> recovery
    assert frame_of(EV_HEARTBEAT, 0, 250, 1) == (P.T_HEARTBEAT, 100, 1)
