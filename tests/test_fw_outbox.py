# runtimes: cpython micropython
# heapsize: 128K
"""Outbox journal: append/ack/pending, rotation, eviction order, counter, and
power cut at every byte offset of a scripted shift on a fake NOR flash.

The power-cut test: the script is run once without a cut to count the bytes it
writes or erases (W). Then for every k in 0..W it is run again on a fresh
flash that dies after k bytes; the flash is powered back on and reopened. Every
alarm whose ``append`` returned before the cut and that was not acknowledged
must be pending again with the same fields; nothing pending is invented; the
counter is above every value handed out; the journal keeps working.
"""
from fakes.flash import FakeFlash, PowerCut

from soleguard.core.events import CAUSE_FALL, CAUSE_SOS, EV_ALARM, EV_CANCELLED, EV_PRE_ALARM
from soleguard.edges.outbox import Outbox, OutboxFull
from soleguard.core.technical import CAUSE_TECHNICAL, EV_HEARTBEAT


def test_append_pending_ack_roundtrip():
    f = FakeFlash()
    box = Outbox(f)
    a = box.append(1000, EV_ALARM, CAUSE_SOS, 0)
    b = box.append(2000, EV_HEARTBEAT, 0, 87)
    assert box.pending() == [(a, 1000, EV_ALARM, CAUSE_SOS, 0), (b, 2000, EV_HEARTBEAT, 0, 87)]
    assert box.ack(a) and not box.ack(a)
    again = Outbox(f.power_on())
    assert again.pending() == [(b, 2000, EV_HEARTBEAT, 0, 87)]
    assert again.next_counter() > b


def test_rotation_keeps_pending_across_many_sectors():
    f = FakeFlash(blocks=3, block_size=128)  # 8 slots a sector
    box = Outbox(f)
    keep = box.append(5, EV_ALARM, CAUSE_FALL, 3)
    for i in range(100):  # many rotations: the alarm is copied forward each time
        s = box.append(10 + i, EV_HEARTBEAT, 0, i)
        box.ack(s)
    assert box.pending() == [(keep, 5, EV_ALARM, CAUSE_FALL, 3)]
    assert Outbox(f.power_on()).pending() == box.pending()
    assert f.erases > 20


def test_full_evicts_heartbeats_then_info_never_alarms():
    box = Outbox(FakeFlash(blocks=3, block_size=128))  # capacity 6
    assert box.capacity == 6
    alarms = [box.append(i, EV_ALARM, CAUSE_SOS, 0) for i in range(2)]
    info = box.append(3, EV_CANCELLED, CAUSE_FALL, 1)
    for i in range(3):
        box.append(10 + i, EV_HEARTBEAT, 0, i)
    box.append(20, EV_ALARM, CAUSE_TECHNICAL, 0x601)  # evicts the oldest heartbeat
    kinds = [p[2] for p in box.pending()]
    assert kinds.count(EV_HEARTBEAT) == 2 and box.dropped == 1
    for i in range(3):
        box.append(30 + i, EV_PRE_ALARM, CAUSE_FALL, 2)  # evicts 2 heartbeats, then the info event
    seqs = [p[0] for p in box.pending()]
    assert info not in seqs and alarms[0] in seqs and alarms[1] in seqs
    assert EV_HEARTBEAT not in [p[2] for p in box.pending()]
    try:
        box.append(40, EV_HEARTBEAT, 0, 1)
        assert False, "a heartbeat must not evict an alarm"
    except OutboxFull:
        pass


def test_full_of_person_alarms_a_new_alarm_is_still_stored():
    """A person alarm is never refused: it evicts a pre-alarm (never on air),
    then an older alarm of the same cause (the new one stands for it), then an
    older one of lower priority (an SOS over a fall); a pre-alarm evicts only
    pre-alarms, a fall never an SOS."""
    box = Outbox(FakeFlash(blocks=3, block_size=128))  # capacity 6
    falls = [box.append(i, EV_ALARM, CAUSE_FALL, 3) for i in range(4)]
    pre = [box.append(10 + i, EV_PRE_ALARM, CAUSE_FALL, 2) for i in range(2)]
    sos = box.append(20, EV_ALARM, CAUSE_SOS, 0)  # evicts the oldest pre-alarm
    seqs = [p[0] for p in box.pending()]
    assert sos in seqs and pre[0] not in seqs and pre[1] in seqs
    box.append(21, EV_ALARM, CAUSE_SOS, 0)  # evicts the other pre-alarm
    s3 = box.append(22, EV_ALARM, CAUSE_SOS, 0)  # evicts the oldest SOS (merged into the newer)
    seqs = [p[0] for p in box.pending()]
    assert sos not in seqs and s3 in seqs and seqs[:4] == falls
    f5 = box.append(23, EV_ALARM, CAUSE_FALL, 5)  # evicts the oldest fall, never an SOS
    kinds = [(p[2], p[3]) for p in box.pending()]
    assert kinds.count((EV_ALARM, CAUSE_SOS)) == 2 and falls[0] not in [p[0] for p in box.pending()]
    assert box.pending()[-1] == (f5, 23, EV_ALARM, CAUSE_FALL, 5)
    try:
        box.append(40, EV_PRE_ALARM, CAUSE_FALL, 2)
        assert False, "a pre-alarm must not evict an alarm"
    except OutboxFull:
        pass
    assert Outbox(box._flash.power_on()).pending() == box.pending()
    only_falls = Outbox(FakeFlash(blocks=3, block_size=128))
    fs = [only_falls.append(i, EV_ALARM, CAUSE_FALL, 3) for i in range(6)]
    s = only_falls.append(9, EV_ALARM, CAUSE_SOS, 0)  # an SOS over the oldest fall
    assert [p[0] for p in only_falls.pending()] == fs[1:] + [s]


def test_counter_never_repeats_across_reboots():
    f = FakeFlash()
    seen = []
    for boot in range(5):
        box = Outbox(f)
        for i in range(10):
            seen.append(box.next_counter())
        f = f.power_on()
    assert seen == sorted(seen) and len(set(seen)) == len(seen)


def test_corrupted_record_is_skipped_not_fatal():
    f = FakeFlash()
    box = Outbox(f)
    a = box.append(1, EV_ALARM, CAUSE_SOS, 0)
    b = box.append(2, EV_ALARM, CAUSE_FALL, 4)
    g = f.power_on()
    # flip a bit in b's record (find it: last event record written)
    pos = bytes(g.mem).find(bytes([0xE1, EV_ALARM, CAUSE_FALL]))
    g.mem[pos + 9] ^= 0x10
    assert [p[0] for p in Outbox(g).pending()] == [a]
    assert b > a


def _script(box, log):
    """A shift in miniature on a 3 x 8-slot journal: alarms, heartbeats, acks,
    rotations, evictions. ``log``: stored seq -> fields, acked seqs."""
    stored, acked = log
    hb = []
    for i in range(14):
        if i % 5 == 2:
            s = box.append(i * 100, EV_ALARM, CAUSE_SOS, i)
            stored[s] = (s, i * 100, EV_ALARM, CAUSE_SOS, i)
        else:
            s = box.append(i * 100, EV_HEARTBEAT, 0, i)
            hb.append(s)
        if i % 3 == 1 and hb:
            h = hb.pop(0)
            box.ack(h)
        if i == 9:
            for s in sorted(stored):
                if box.ack(s):
                    acked.add(s)
                break


def test_power_cut_at_every_byte_keeps_every_stored_alarm():
    f = FakeFlash(blocks=3, block_size=128)
    _script(Outbox(f), ({}, set()))
    total = f.written
    assert total > 700  # the script rotates sectors several times
    checked = 0
    for k in range(total + 1):
        f = FakeFlash(blocks=3, block_size=128, cut_after=k)
        stored = {}
        acked = set()
        box = None
        try:
            box = Outbox(f)
            _script(box, (stored, acked))
        except PowerCut:
            pass
        high = max(stored) if stored else -1
        back = Outbox(f.power_on())
        got = {}
        for p in back.pending():
            got[p[0]] = p
        for s in stored:
            if s not in acked:
                assert got.get(s) == stored[s], (k, s, got)
        for s in got:  # nothing invented: every pending record is a real one
            assert got[s][2] in (EV_ALARM, EV_HEARTBEAT), (k, got[s])
        assert back.next_counter() > high, k
        s = back.append(9999, EV_ALARM, CAUSE_FALL, 1)  # still works
        assert Outbox(back._flash).pending()[-1] == (s, 9999, EV_ALARM, CAUSE_FALL, 1)
        checked += 1
    assert checked == total + 1
    print("power-cut points checked:", checked)
