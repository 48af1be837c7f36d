"""Console actions against a gateway speaking the line protocol (in-process
fake gateway with simulated insoles): authenticated downlinks reach the
insoles, every action is audited, and bad input sends nothing and loses nothing."""
import json
import time

import pytest

from soleguard_console.console import ActionError, Console
from soleguard_console.fakegw import FakeGateway
from soleguard_console.keyfile import TeamKey
from soleguard_console.roster import Person, Roster

KEY = bytes(range(32))


def wait(cond, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


@pytest.fixture
def team(tmp_path):
    gw = FakeGateway(KEY, 7, n=4, answer_ms=(10, 60))
    roster = Roster([Person(s.id, "Worker %d" % s.index) for s in gw.insoles])
    con = Console(TeamKey("plant", 7, KEY), roster, str(tmp_path / "state"), "alice", gw.connect, repeat_s=0.3)
    events = []
    con.add_listener(events.append)
    con.start()
    assert wait(lambda: con.link.connected)
    yield gw, con, events, tmp_path
    con.stop()
    gw.close()


def audit(tmp_path):
    return [json.loads(x) for x in (tmp_path / "state" / "audit.jsonl").read_text().splitlines()]


def test_alarm_acknowledged_on_the_console_reaches_the_insole(team):
    gw, con, events, tmp = team
    counter = gw.alarm(1, cause=1, detail=4)
    assert wait(lambda: con.state.active_alarms(gw.insoles[1].id))
    con.acknowledge("Worker 1")
    assert wait(lambda: gw.insoles[1].supervisor_acks)
    assert gw.insoles[1].supervisor_acks[0][1] == counter  # acked = the alarm's counter, by = supervisor
    assert wait(lambda: con.snapshot()["alarms"][0]["ack"]["sent_ms"])  # the gateway said 'T ... sent'
    (row,) = audit(tmp)
    assert row["operator"] == "alice" and row["action"] == "acknowledge" and row["result"] == "sent" and row["t"].endswith("Z")


def test_a_lost_supervisor_ack_is_repeated_until_the_insole_confirms_it(team):
    gw, con, events, tmp = team
    s = gw.insoles[2]
    counter = gw.alarm(2, cause=1, detail=4)
    assert wait(lambda: con.state.active_alarms(s.id))
    s.lose_acks = 2  # the first two supervisor acks never reach the insole
    con.acknowledge("Worker 2")
    assert wait(lambda: con.snapshot()["alarms"][0]["ack"]["sent_ms"])
    assert [u["insole"] for u in con.snapshot()["unconfirmed_acks"]] == ["%08x" % s.id]
    assert con.snapshot()["alarms"][0]["ack"]["confirmed_ms"] is None
    assert wait(lambda: any(e["event"] == "ack_confirmed" for e in events), timeout=15)
    assert [c for _, c in s.supervisor_acks] == [counter]  # the third reached it, naming the alarm
    assert con.snapshot()["unconfirmed_acks"] == [] and con.snapshot()["alarms"][0]["ack"]["confirmed_ms"]
    n = len(gw.downlinks)
    time.sleep(1.0)
    assert len(gw.downlinks) == n  # confirmed: no more repeats


def test_evacuation_repeats_until_every_insole_confirms(team):
    gw, con, events, _ = team
    gw.insoles[3].hold = True
    con.evacuate(point=2)
    assert wait(lambda: len(con.state.evacuation.answers) == 3)
    assert con.state.evacuation.missing() == [gw.insoles[3].id]
    n = len(gw.downlinks)
    assert wait(lambda: len(gw.downlinks) > n)  # still repeating for the silent one
    gw.insoles[3].hold = False
    assert wait(lambda: any(e["event"] == "evacuation_complete" for e in events))
    orders = {gw.insoles[i].evacuations.get(con.state.evacuation.id) is not None for i in range(4)}
    assert orders == {True}
    time.sleep(0.7)
    n = len(gw.downlinks)
    time.sleep(0.7)
    assert len(gw.downlinks) == n  # complete: repeats stop
    con.all_clear()
    assert wait(lambda: all(s.all_clears >= 1 and not s.evacuating for s in gw.insoles))


def test_the_all_clear_starts_a_roll_call_whose_answers_confirm_the_stop(team):
    """No heartbeats in this team: after the all-clear's three sends the console's own roll call
    (audited as the operator's, source "all_clear") is what confirms every insole stopped; while
    its rounds run, the all-clear is not repeated."""
    gw, con, events, tmp = team
    con.evacuate(point=1)
    assert wait(lambda: any(e["event"] == "evacuation_complete" for e in events))
    con.all_clear()
    assert wait(lambda: any(e["event"] == "all_clear_complete" for e in events), timeout=10)
    started = [e for e in events if e["event"] == "roll_call_started"]
    assert len(started) == 1 and started[0]["source"] == "all_clear"
    assert [r["operator"] for r in audit(tmp) if r["action"] == "roll_call"] == ["alice"]
    assert all(s.all_clears == 3 for s in gw.insoles)  # three sends, none during the roll call's rounds
    assert all(not s.evacuating for s in gw.insoles)


def test_an_insole_still_evacuating_keeps_its_roll_call_bit_clear_and_gets_the_all_clear_again(team):
    """Red-team finding: the all-clear's roll call set the bit of an insole that answered "evacuating",
    so it never answered again and the all-clear stayed paused for the roll call's 120 s. Now its bit
    stays clear until it says it stopped, and the all-clear goes again at once (not after 120 s)."""
    from soleguard.core import protocol as P

    gw, con, events, tmp = team
    gw.insoles[3].hold = True  # a silent worker: the roll call runs for its whole time
    con.evacuate(point=1)
    assert wait(lambda: len(con.state.evacuation.answers) == 3)
    s = gw.insoles[1]
    s.lose_all_clears = 3  # misses the all-clear's three sends: still vibrating "evacuate"
    con.all_clear()
    assert wait(lambda: s.__dict__.get("_answered") and any(k[0] == P.T_ROLL_CALL_ANSWER for k in s._answered))
    n = s.all_clears
    assert wait(lambda: s.all_clears > n, timeout=5)  # the all-clear again, within seconds
    assert not s.evacuating
    dec = P.Decoder(P.Keys(KEY), 7, P.ReplayWindow(8), True)
    slot = con._slots[s.id]
    dones = [dec.c for _, f in gw.downlinks if dec.decode(f, len(f)) == P.OK and dec.type == P.T_ROLL_CALL]
    assert dones and not any(d >> slot & 1 for d in dones)  # it answered "evacuating": not done
    gw.heartbeat(1)  # (the fake answers a call once) its heartbeat says it stopped
    assert wait(lambda: s.id in con.state.clearing.answers)


def test_a_roll_call_waits_while_an_evacuation_is_confirmed_and_an_evacuation_ends_a_roll_call(team):
    gw, con, events, tmp = team
    gw.insoles[2].hold = True
    con.evacuate(point=1)
    assert wait(lambda: len(con.state.evacuation.answers) == 3)
    with pytest.raises(ActionError, match="being confirmed"):
        con.roll_call()  # its rounds would collide with the order's (red-team finding)
    gw.insoles[2].hold = False
    assert wait(lambda: not con.state.evacuation.missing())
    con.all_clear()
    assert wait(lambda: "roll_call" in con._repeat)
    gw.insoles[0].hold = True
    con.evacuate(point=2)  # a new order: the roll call's rounds stop at once
    assert "roll_call" not in con._repeat


def test_a_paired_roster_gives_paired_slots_and_a_slot_is_done_when_both_insoles_confirmed(tmp_path):
    from soleguard.core import protocol as P

    gw = FakeGateway(KEY, 7, n=4, answer_ms=(10, 60))
    s = gw.insoles  # insoles 0, 1: Ana's left and right; 2, 3: Ben's
    roster = Roster([Person(s[0].id, "Ana", foot="L"), Person(s[1].id, "Ana", foot="R"),
                     Person(s[2].id, "Ben", foot="L"), Person(s[3].id, "Ben", foot="R")])
    assert roster.slots() == {s[0].id: 0, s[1].id: 0, s[2].id: 1, s[3].id: 1} and roster.paired()
    con = Console(TeamKey("plant", 7, KEY), roster, str(tmp_path / "state"), "alice", gw.connect, repeat_s=0.3)
    con.start()
    try:
        assert wait(lambda: con.link.connected)
        s[1].hold = True  # Ana's right insole does not answer yet
        con.evacuate(point=2)
        assert wait(lambda: len(con.state.evacuation.answers) == 3)
        dec = P.Decoder(P.Keys(KEY), 7, P.ReplayWindow(8), True)
        n = len(gw.downlinks)
        assert wait(lambda: len(gw.downlinks) > n + 1)
        frames = [dec.c for _, f in gw.downlinks[n:] if dec.decode(f, len(f)) == P.OK and dec.type == P.T_EVACUATE]
        assert frames and all(c & P.START_PAIRED for c in frames)
        assert dec.d == 0b10  # Ben's slot done; Ana's not while one of her insoles is silent
        s[1].hold = False
        assert wait(lambda: not con.state.evacuation.missing())
    finally:
        con.stop()
        gw.close()


def test_a_roll_call_runs_in_rounds_of_answer_slots_and_ends_with_the_group_receipt(tmp_path):
    """A roster with slots: every roll-call frame carries a round's start (paired: START_PAIRED) and
    the group receipt of who answered; while one insole is silent the rounds go on with its slot's bit
    clear; once all answered one last frame with every bit set, then nothing."""
    from soleguard.core import protocol as P

    gw = FakeGateway(KEY, 7, n=4, answer_ms=(10, 60))
    s = gw.insoles
    roster = Roster([Person(s[0].id, "Ana", foot="L"), Person(s[1].id, "Ana", foot="R"),
                     Person(s[2].id, "Ben", foot="L"), Person(s[3].id, "Ben", foot="R")])
    con = Console(TeamKey("plant", 7, KEY), roster, str(tmp_path / "state"), "alice", gw.connect, repeat_s=0.3)
    con.start()
    try:
        assert wait(lambda: con.link.connected)
        s[3].hold = True  # Ben's right insole does not answer yet
        con.roll_call()
        assert wait(lambda: len(con.state.roll_call.answers) == 3)
        dec = P.Decoder(P.Keys(KEY), 7, P.ReplayWindow(8), True)
        n = len(gw.downlinks)
        assert wait(lambda: len(gw.downlinks) > n + 1, timeout=10)
        rounds = [(dec.b, dec.c) for _, f in gw.downlinks if dec.decode(f, len(f)) == P.OK and dec.type == P.T_ROLL_CALL]
        assert len(rounds) >= 3 and all(b & P.START_PAIRED and b & 0x7F for b, _ in rounds)
        assert rounds[0][1] == 0 and rounds[-1][1] == 0b01  # Ana's slot done; Ben's not while one insole is silent
        s[3].hold = False
        assert wait(lambda: not con.state.roll_call.missing(), timeout=10)
        assert wait(lambda: "roll_call" not in con._repeat, timeout=10)
        time.sleep(0.5)
        last = [(dec.b, dec.c) for _, f in gw.downlinks if dec.decode(f, len(f)) == P.OK and dec.type == P.T_ROLL_CALL]
        assert last[-1][1] == 0b11  # the group receipt once more: who answered in the last round stops
        m = len(gw.downlinks)
        time.sleep(1.0)
        assert len(gw.downlinks) == m
    finally:
        con.stop()
        gw.close()


def test_an_insole_enrolled_with_another_slot_than_the_roster_is_a_technical_event(team):
    gw, con, events, _ = team
    gw.insoles[1].answer_slot = 2  # roster slot 1 -> ANSWER_SLOT 2: right
    gw.insoles[2].answer_slot = 6  # roster slot 2, but enrolled as slot 5
    con.evacuate(point=1)
    assert wait(lambda: not con.state.evacuation.missing())
    bad = [e for e in events if e.get("what") == "slot_mismatch"]
    assert [(e["insole"], e["answer_slot"], e["roster_slot"]) for e in bad] == [("%08x" % gw.insoles[2].id, 5, 2)]
    assert any("re-enrol it with ANSWER_SLOT 3" in x["result"] for x in con.log)


def test_all_clear_is_repeated_until_every_insole_stops_evacuating(tmp_path):
    """Three sends were not enough at high loss: the all-clear is confirmed per
    insole (a heartbeat or roll-call answer that no longer says evacuating)
    and repeated while any insole is unconfirmed."""
    gw = FakeGateway(KEY, 7, n=3, answer_ms=(10, 60), heartbeat_s=0.4)
    roster = Roster([Person(s.id, "Worker %d" % s.index) for s in gw.insoles])
    con = Console(TeamKey("plant", 7, KEY), roster, str(tmp_path / "state"), "alice", gw.connect, repeat_s=0.3)
    events = []
    con.add_listener(events.append)
    con.start()
    try:
        assert wait(lambda: con.link.connected)
        con.evacuate()
        assert wait(lambda: any(e["event"] == "evacuation_complete" for e in events))
        gw.insoles[2].lose_all_clears = 5  # more than the first three sends
        con.all_clear()
        assert wait(lambda: con.snapshot()["all_clear"]["confirmed"] == 2)
        assert con.snapshot()["all_clear"]["missing"] == ["%08x" % gw.insoles[2].id]
        assert wait(lambda: any(e["event"] == "all_clear_complete" for e in events), timeout=15)
        assert not any(s.evacuating for s in gw.insoles) and gw.insoles[2].all_clears >= 1
    finally:
        con.stop()
        gw.close()


def test_queue_full_is_audited_as_not_sent_and_roll_calls_are_rate_limited(team):
    gw, con, events, tmp = team
    out = con.roll_call()
    with pytest.raises(ActionError, match="roll call"):
        con.roll_call()  # one at a time: a flood cannot eat the gateway's downlink budget
    con._on_line("E queue_full %d" % out["counter"])  # the gateway refused it
    rows = audit(tmp)
    assert rows[-1]["action"] == "roll_call" and rows[-1]["result"].startswith("not sent")
    assert rows[-1]["args"]["counter"] == out["counter"]
    assert any(e["event"] == "downlink_not_sent" and e["what"] == "roll_call" for e in events)


def test_a_gateway_resync_of_a_wiped_insole_is_shown_and_its_alarm_gets_through(team):
    from soleguard.core import protocol as P

    gw, con, events, tmp = team
    s = gw.insoles[0]
    for _ in range(300):
        s.frame(P.T_HEARTBEAT, 80, 0)
    con._on_line("U %s via=lora" % s.frame(P.T_HEARTBEAT, 80, 0).hex())
    wiped = P.Encoder(P.Keys(KEY), 7, s.id, P.TxCounter(P.MemoryStore()))  # journal wiped: counter from 1
    n = wiped.encode(P.T_ALARM, 3, 0)
    con._on_line("U %s via=lora resync=1" % bytes(wiped.mv[:n]).hex())  # the gateway restarted its window
    assert any(e["event"] == "alarm" and e["insole"] == "%08x" % s.id for e in events)
    assert any(e["event"] == "technical" and e.get("what") == "counter_reset" for e in events)
    assert "counter_reset" in [t["cause"] for t in con.snapshot()["technical"]]


def test_roll_call_lists_who_answered_and_who_did_not(team):
    gw, con, events, _ = team
    gw.insoles[0].hold = True
    con.roll_call()
    assert wait(lambda: len(con.state.roll_call.answers) == 3)
    rc = con.snapshot()["roll_call"]
    assert rc["missing"] == ["%08x" % gw.insoles[0].id]
    assert {r["name"]: r["state"] for r in rc["insoles"]}["Worker 1"] == "ok"


def test_unknown_insole_or_no_alarm_is_refused_and_nothing_is_sent(team):
    gw, con, events, tmp = team
    with pytest.raises(ActionError, match="unknown insole 'Zoe'"):
        con.acknowledge("Zoe")
    with pytest.raises(ActionError, match="no unacknowledged alarm from Worker 2"):
        con.acknowledge("Worker 2")
    time.sleep(0.1)
    assert gw.downlinks == []
    assert [r["result"][:8] for r in audit(tmp)] == ["refused:", "refused:"]
    assert [e["event"] for e in events if e["event"] == "action_refused"] == ["action_refused"] * 2


def test_serial_port_gone_refuses_orders_keeps_alarms_and_reconnects(team):
    gw, con, events, _ = team
    gw.unplug()
    assert wait(lambda: not con.link.connected)
    with pytest.raises(ActionError, match="nothing sent"):
        con.evacuate()
    assert con.state.evacuation is None
    gw.alarm(2, cause=3)  # heard by the gateway while the host is away: waits in its buffer
    gw.replug()
    assert wait(lambda: con.link.connected, 10)  # reconnects by itself
    assert wait(lambda: con.state.active_alarms(gw.insoles[2].id))
    links = [e["event"] for e in events if e["event"].startswith("link_")]
    assert links[0] == "link_up" and "link_down" in links and links[-1] == "link_up"
    assert any("unplugged" in (e.get("error") or "") for e in events)  # the reason is shown
    assert gw.downlinks == []


def test_wrong_key_is_reported_clearly_and_the_gateway_refuses_the_orders(tmp_path):
    gw = FakeGateway(KEY, 7, n=2)
    con = Console(TeamKey("plant", 7, bytes(32)), Roster([Person(s.id, "W%d" % s.index) for s in gw.insoles]),
                  str(tmp_path), "alice", gw.connect)
    events = []
    con.add_listener(events.append)
    con.start()
    try:
        assert wait(lambda: con.link.connected)
        gw.alarm(0)
        con.evacuate()
        assert wait(lambda: sum(e["event"] == "console_error" for e in events) >= 2)
        errors = " | ".join(e["error"] for e in events if e["event"] == "console_error")
        assert "bad_mac" in errors and "wrong key? check --key-file" in errors
        assert "bad_frame bad_mac" in errors
        assert gw.downlinks == [] and not any(s.evacuations for s in gw.insoles)
    finally:
        con.stop()
        gw.close()


def test_the_console_counter_survives_a_restart(tmp_path):
    gw = FakeGateway(KEY, 7, n=1, answer_ms=(1, 5))
    roster = Roster([Person(gw.insoles[0].id, "Ana")])
    ids = []
    for _ in range(2):  # two console runs with one state folder: the insole accepts both orders
        con = Console(TeamKey("plant", 7, KEY), roster, str(tmp_path), "alice", gw.connect).start()
        try:
            assert wait(lambda: con.link.connected)
            ids.append(con.evacuate()["order"])
            assert wait(lambda: not con.state.evacuation.missing())
        finally:
            con.stop()
    assert ids[1] > ids[0] and sorted(gw.insoles[0].evacuations) == ids
    gw.close()


def test_malformed_gateway_lines_and_forged_uplinks_are_reported_not_fatal(team):
    gw, con, events, _ = team
    gw._line("U nothex")
    gw._line("Z future kind")  # unknown kinds are ignored (10.1)
    gw.inject(bytes(20))  # garbage heard on air: the gateway counts it
    assert wait(lambda: any(e["event"] == "gateway_error" for e in events))
    assert wait(lambda: con.state.rejected)
    gw.alarm(0)
    assert wait(lambda: con.state.active_alarms(gw.insoles[0].id))


def test_open_alarms_survive_a_console_restart(tmp_path):
    gw = FakeGateway(KEY, 7, n=2)
    roster = Roster([Person(s.id, "W%d" % s.index) for s in gw.insoles])
    con = Console(TeamKey("plant", 7, KEY), roster, str(tmp_path), "alice", gw.connect).start()
    try:
        assert wait(lambda: con.link.connected)
        counter = gw.alarm(1, cause=2, detail=50)  # the gateway gives receipt: the insole stops resending
        assert wait(lambda: con.state.active_alarms(gw.insoles[1].id))
    finally:
        con.stop()
    con = Console(TeamKey("plant", 7, KEY), roster, str(tmp_path), "bob", gw.connect).start()
    try:
        (al,) = con.snapshot()["alarms"]
        assert (al["name"], al["cause"], al["detail"], al["ack"]) == ("W1", "man_down", 50, None)
        assert wait(lambda: con.link.connected)
        con.acknowledge("W1")
        assert wait(lambda: gw.insoles[1].supervisor_acks) and gw.insoles[1].supervisor_acks[0][1] == counter
    finally:
        con.stop()
        gw.close()
    (tmp_path / "alarms.json").write_text("[{")
    with pytest.raises(ValueError, match="alarms.json: unreadable alarm state"):
        Console(TeamKey("plant", 7, KEY), roster, str(tmp_path), "bob", gw.connect)


def test_a_running_evacuation_survives_a_console_restart(tmp_path):
    """Repeats resume after a restart: the worker who had not confirmed is
    still ordered out, and the roll call's answers are kept."""
    gw = FakeGateway(KEY, 7, n=3, answer_ms=(10, 60))
    roster = Roster([Person(s.id, "W%d" % s.index) for s in gw.insoles])
    con = Console(TeamKey("plant", 7, KEY), roster, str(tmp_path), "alice", gw.connect, repeat_s=0.3).start()
    try:
        assert wait(lambda: con.link.connected)
        con.roll_call()
        assert wait(lambda: len(con.state.roll_call.answers) == 3)
        gw.insoles[2].hold = True
        order = con.evacuate(point=4)["order"]
        assert wait(lambda: len(con.state.evacuation.answers) == 2)
    finally:
        con.stop()
    con = Console(TeamKey("plant", 7, KEY), roster, str(tmp_path), "bob", gw.connect, repeat_s=0.3)
    events = []
    con.add_listener(events.append)
    con.start()
    try:
        ev = con.snapshot()["evacuation"]
        assert (ev["id"], ev["point"], ev["confirmed"], ev["missing"]) == (order, 4, 2, ["%08x" % gw.insoles[2].id])
        assert con.snapshot()["roll_call"]["confirmed"] == 3
        assert wait(lambda: con.link.connected)
        n = len(gw.downlinks)
        assert wait(lambda: len(gw.downlinks) > n)  # the repeats go on
        gw.insoles[2].hold = False
        assert wait(lambda: any(e["event"] == "evacuation_complete" for e in events))
    finally:
        con.stop()
        gw.close()


def test_a_full_disk_is_a_console_error_and_events_keep_flowing(tmp_path):
    gw = FakeGateway(KEY, 7, n=2)
    roster = Roster([Person(s.id, "W%d" % s.index) for s in gw.insoles])
    con = Console(TeamKey("plant", 7, KEY), roster, str(tmp_path), "alice", gw.connect)
    events = []
    con.add_listener(events.append)
    con.start()
    try:
        assert wait(lambda: con.link.connected)
        gone = tmp_path / "gone"
        con._alarms_path = str(gone / "alarms.json")  # as a full disk: every write fails
        con.audit.path = str(gone / "audit.jsonl")
        gw.alarm(1, cause=3)
        assert wait(lambda: any(e["event"] == "alarm" and e["cause"] == "sos" for e in events))
        errs = [e for e in events if e["event"] == "console_error"]
        assert errs and "alarms.json" in errs[0]["error"]
        assert con.link.connected and con.snapshot()["alarms"][0]["cause"] == "sos"
        con.acknowledge("W1")  # sent even though the audit log cannot be written; shown as an error
        assert wait(lambda: gw.insoles[1].supervisor_acks)
        assert any("audit" in e["error"] for e in events if e["event"] == "console_error")
        gw.heartbeat(0)
        assert wait(lambda: any(e["event"] == "heartbeat" for e in events))
    finally:
        con.stop()
        gw.close()


def test_a_console_whose_state_folder_was_lost_is_still_obeyed(tmp_path):
    """The insoles refuse a sender's counter that goes backwards: a console
    that lost its state folder starts as a new sender (a fresh sender epoch in
    the state), so its evacuation vibrates; a state folder with the sender
    file but no counter refuses to start, saying why."""
    import shutil

    from fakes.flash import FakeFlash
    from soleguard.core import protocol as P
    from soleguard.core.delivery import Delivery, Prng
    from soleguard.core.radioport import CMD_EVACUATE
    from soleguard.edges.outbox import Outbox
    from soleguard_console.orders import Signer

    d = Delivery(Outbox(FakeFlash(blocks=4, block_size=256)), P.Keys(KEY), 7, 0x11223344, P.MemoryStore(),
                 Prng(1), None)

    def obeyed(signer, order):
        f, _ = signer.evacuate(order)
        return d.on_frame(f, len(f), 0) == CMD_EVACUATE

    state = tmp_path / "state"
    s1 = Signer(KEY, 7, str(state), b"host")
    for _ in range(5):
        s1.roll_call(s1.next_id())
    order = s1.next_id()
    assert obeyed(s1, order)
    f, _ = s1.all_clear(order)
    d.on_frame(f, len(f), 1)
    assert Signer(KEY, 7, str(state), b"host").id == s1.id  # a restart keeps the sender
    shutil.rmtree(state)
    s2 = Signer(KEY, 7, str(state), b"host")
    assert obeyed(s2, s2.next_id())
    (state / "counter").unlink()
    with pytest.raises(ValueError, match="counter"):
        Signer(KEY, 7, str(state), b"host")
