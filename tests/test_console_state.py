"""The console's live picture (console/state.py): pure, time passed in."""
from soleguard_console.state import Picture
from soleguard.core import protocol as P

A, B, C = 0x11111111, 0x22222222, 0x33333333


def names(evs):
    return [e["event"] for e in evs]


def test_alarm_resends_merge_and_the_ack_names_the_latest_counter():
    p = Picture([A, B])
    assert names(p.uplink(1000, A, 5, P.T_ALARM, 1, 4)) == ["alarm"]
    assert p.uplink(21000, A, 6, P.T_ALARM, 1, 4) == []  # resend, new counter: merged
    (al,) = p.active_alarms(A)
    assert al.counter == 6 and al.since_ms == 1000
    ev = p.acknowledged(22000, A, "alice", counter=40)
    assert ev[0]["event"] == "alarm_acknowledged" and ev[0]["operator"] == "alice" and ev[0]["acked"] == 6
    assert p.active_alarms(A) == []
    p.downlink_sent(23000, 40)
    assert al.ack["sent_ms"] == 23000
    snap = p.snapshot(30000, label=lambda i: "Ana")
    assert snap["alarms"][0]["name"] == "Ana" and snap["alarms"][0]["age_s"] == 29
    p.uplink(40000, A, 7, P.T_RECOVERED, 1, 39)  # acknowledged and ended: leaves the screen
    assert p.snapshot(41000)["alarms"] == []


def test_a_recovered_alarm_nobody_acknowledged_stays_on_screen():
    p = Picture([A])
    p.uplink(0, A, 1, P.T_ALARM, 2, 30)
    ev = p.uplink(5000, A, 2, P.T_RECOVERED, 2, 5)
    assert names(ev) == ["recovered"]
    (a,) = p.snapshot(6000)["alarms"]
    assert a["ended"] == "recovered" and a["ack"] is None and a["cause"] == "man_down"
    p.acknowledged(7000, A, "bob", 3)
    assert p.snapshot(8000)["alarms"] == []


def test_an_insole_not_on_the_roster_is_still_shown():
    p = Picture([A])
    ev = p.uplink(0, C, 1, P.T_ALARM, 3, 0)
    assert ev[0]["on_roster"] is False and ev[0]["cause"] == "sos"
    assert p.snapshot(1, label=lambda i: "unknown insole %08x" % i)["alarms"][0]["name"] == "unknown insole 33333333"


def test_not_heard_from_fires_once_per_silence_and_heard_again_when_back():
    p = Picture([A, B], heartbeat_window_ms=600_000)
    assert p.tick(0) == []
    p.uplink(100_000, A, 1, P.T_HEARTBEAT, 80, 0)
    ev = p.tick(600_000)
    assert [(e["event"], e["insole"]) for e in ev] == [("not_heard_from", "22222222")]
    assert p.tick(650_000) == []
    assert [e["insole"] for e in p.tick(700_000)] == ["11111111"]
    assert names(p.uplink(710_000, B, 1, P.T_HEARTBEAT, 50, 0))[:1] == ["heard_again"]
    assert [s["insole"] for s in p.snapshot(710_000)["not_heard_from"]] == ["11111111"]


def test_technical_alarms_and_self_test_failures_are_apart():
    p = Picture([A, B])
    p.uplink(0, A, 1, P.T_ALARM, 4, 3)
    ev = p.uplink(0, B, 1, P.T_HEARTBEAT, 20, P.HB_SELF_TEST_FAILED)
    assert names(ev) == ["heartbeat", "technical"]
    s = p.snapshot(1)
    assert s["alarms"] == [] and [t["cause"] for t in s["technical"]] == ["technical", "self_test_failed"]


def test_evacuation_tracks_who_confirmed_once_and_completes():
    p = Picture([A, B, C])
    p.evacuation_started(0, 9, 2, "alice")
    p.evacuation.extra["counters"].append(70)
    p.downlink_sent(100, 70)
    assert p.uplink(1000, A, 1, P.T_EVAC_ACK, 9)[0]["current"] is True
    assert p.uplink(1500, A, 2, P.T_EVAC_ACK, 9) == []  # counted once per order
    assert p.uplink(1600, B, 1, P.T_EVAC_ACK, 8)[0]["current"] is False  # an old order
    d = p.snapshot(2000, label=str)["evacuation"]
    assert (d["confirmed"], d["expected"], d["missing"], d["point"], d["sent"]) == (1, 3, ["22222222", "33333333"], 2, 1)
    p.uplink(2100, B, 2, P.T_EVAC_ACK, 9)
    ev = p.uplink(2200, C, 1, P.T_EVAC_ACK, 9)
    assert names(ev) == ["evac_ack", "evacuation_complete"] and ev[1]["after_ms"] == 2200
    p.uplink(2500, A, 2, P.T_ALARM, 1, 4)
    assert names(p.all_clear(3000, "alice")) == ["all_clear"] and p.evacuation.ended_ms == 3000
    assert p.active_alarms(A)  # an all clear ends the evacuation, not a person's alarm


def test_an_insole_that_says_it_is_evacuating_confirms_the_evacuation():
    """An evac_ack the gateway receipted while the console was down never comes again:
    a heartbeat with the evacuating bit, or a roll-call answer "evacuating", confirms;
    a heartbeat without the bit, or one after the all-clear, does not."""
    p = Picture([A, B, C])
    p.evacuation_started(0, 9, 0, "alice")
    assert names(p.uplink(500, A, 1, P.T_HEARTBEAT, 80, 0)) == ["heartbeat"]  # not evacuating: no confirmation
    ev = p.uplink(1000, A, 3, P.T_HEARTBEAT, 80, P.HB_EVACUATING)
    assert [(e["event"], e.get("by")) for e in ev if e["event"] == "evac_ack"] == [("evac_ack", "heartbeat")]
    p.roll_call_started(1100, 5, "alice")
    ev = p.uplink(1200, B, 1, P.T_ROLL_CALL_ANSWER, 5, P.STATE_EVACUATING)
    assert [(e["event"], e.get("by")) for e in ev if e["event"] == "evac_ack"] == [("evac_ack", "roll_call")]
    assert p.uplink(1300, A, 4, P.T_HEARTBEAT, 80, P.HB_EVACUATING) == [dict(event="heartbeat", t_ms=1300,
        insole="%08x" % A, counter=4, battery_pct=80, status=P.HB_EVACUATING, sos_mode="single")]  # counted once
    assert p.evacuation.missing() == [C]
    p.all_clear(2000, "alice")
    assert "evac_ack" not in names(p.uplink(2100, C, 1, P.T_HEARTBEAT, 80, P.HB_EVACUATING))
    assert p.evacuation.missing() == [C]


def test_roll_call_records_states_and_who_did_not_answer():
    p = Picture([A, B])
    p.roll_call_started(0, 4, "bob")
    p.uplink(500, A, 1, P.T_ROLL_CALL_ANSWER, 4, P.STATE_EVACUATING)
    rc = p.snapshot(600, label=str)["roll_call"]
    assert rc["missing"] == ["22222222"]
    assert [r["state"] for r in rc["insoles"]] == ["evacuating", None]


def test_a_roll_call_answer_alarm_does_not_confirm_that_the_insole_stopped_evacuating():
    """Red-team finding: an insole in alarm answers "alarm" whatever its evacuation state, so only "OK"
    confirms the all-clear (and "evacuating" asks for it again); its heartbeat tells the rest."""
    p = Picture([A, B])
    p.evacuation_started(0, 9, 0, "bob")
    p.all_clear(1000, "bob")
    p.roll_call_started(1500, 4, "bob")
    assert "all_clear_confirmed" not in names(p.uplink(2000, A, 1, P.T_ROLL_CALL_ANSWER, 4, P.STATE_ALARM))
    assert "all_clear_confirmed" not in names(p.uplink(2100, A, 2, P.T_ROLL_CALL_ANSWER, 4, P.STATE_PRE_ALARM))
    assert p.clearing.missing() == [A, B]
    p.uplink(2200, B, 1, P.T_ROLL_CALL_ANSWER, 4, P.STATE_EVACUATING)
    assert p.clearing.extra.get("nudge") and p.clearing.missing() == [A, B]
    assert "all_clear_confirmed" in names(p.uplink(2300, A, 3, P.T_HEARTBEAT, 80, P.HB_ALARM_ACTIVE))
    assert "all_clear_confirmed" not in names(p.uplink(2400, B, 2, P.T_ROLL_CALL_ANSWER, 3, P.STATE_OK))  # an
    #   answer to an earlier call says nothing of the insole now (a resend could be minutes old)
    assert "all_clear_confirmed" in names(p.uplink(2500, B, 3, P.T_ROLL_CALL_ANSWER, 4, P.STATE_OK))
    assert p.clearing.missing() == []


def test_the_all_clear_of_the_same_order_again_keeps_who_confirmed_it():
    """Second red-team run: a retried all-clear (a one-shot that exited 1, run again) reset who had
    confirmed, and the retry said there was nothing to wait for."""
    p = Picture([A, B])
    p.evacuation_started(0, 9, 0, "bob")
    p.all_clear(1000, "bob")
    p.uplink(1500, A, 1, P.T_HEARTBEAT, 80, 0)
    assert p.clearing.missing() == [B]
    p.all_clear(5000, "bob")
    assert p.clearing.missing() == [B] and A in p.clearing.answers


def test_link_and_rejection_counts():
    p = Picture([A])
    assert names(p.link_state(0, True)) == ["link_up"]
    assert p.link_state(1, True) == []
    assert names(p.rejected_count(2, "bad_mac", 1)) == ["rejected"]
    assert p.rejected_count(3, "bad_mac", 1) == []


def test_an_ack_stays_unconfirmed_until_the_insole_no_longer_awaits_it():
    """The supervisor's ack can be lost: it is shown unconfirmed (and the
    console repeats it) until a heartbeat without the ack-awaited bit, or a
    roll-call answer other than 'alarm', shows the insole took it."""
    p = Picture([A, B])
    p.uplink(0, A, 1, P.T_ALARM, 1, 4)
    p.uplink(5000, A, 2, P.T_RECOVERED, 1, 5)
    p.acknowledged(6000, A, "bob", 40)
    s = p.snapshot(7000)
    assert s["alarms"] == []  # acknowledged and ended: off the alarm list ...
    (u,) = s["unconfirmed_acks"]  # ... but the ack is not confirmed yet
    assert u["insole"] == "11111111" and u["acked"] == [1] and u["operator"] == "bob"
    assert p.acks_to_repeat() == {A: [1]}
    ev = p.uplink(30000, A, 3, P.T_HEARTBEAT, 80, P.HB_ALARM_ACTIVE | P.HB_ACK_AWAITED)
    assert names(ev) == ["heartbeat"] and p.ack_nudged(A)  # still awaited: repeat at once
    ev = p.uplink(31000, A, 4, P.T_HEARTBEAT, 80, 0)
    assert names(ev) == ["heartbeat", "ack_confirmed"] and ev[1]["insole"] == "11111111"
    assert p.snapshot(32000)["unconfirmed_acks"] == [] and p.acks_to_repeat() == {}
    # an alarm still open shows its ack unconfirmed, then confirmed by a roll-call answer
    p.uplink(40000, B, 1, P.T_ALARM, 2, 30)
    p.acknowledged(41000, B, "bob", 41)
    assert p.snapshot(42000)["alarms"][0]["ack"]["confirmed_ms"] is None
    p.roll_call_started(43000, 5, "bob")
    assert names(p.uplink(44000, B, 2, P.T_ROLL_CALL_ANSWER, 5, P.STATE_ALARM)) == ["roll_call_answer"]
    assert p.acks_to_repeat() == {B: [1]}  # 'alarm': may still await it
    p.roll_call_started(45000, 6, "bob")
    assert "ack_confirmed" in names(p.uplink(46000, B, 3, P.T_ROLL_CALL_ANSWER, 6, P.STATE_OK))
    assert p.snapshot(47000)["alarms"][0]["ack"]["confirmed_ms"] == 46000
    # survives a console restart
    p.uplink(47500, A, 5, P.T_ALARM, 3, 0)
    p.acknowledged(48000, A, "eve", 42)
    q = Picture([A, B])
    q.load_alarms(p.save_alarms())
    assert q.acks_to_repeat() == {A: [5]}
    q.load_alarms([a.as_dict() for a in p.alarms.values()])  # the older file format: a list of alarms


def test_the_team_shows_each_insoles_sos_mode_from_its_heartbeat():
    # HB_PAIR: the insole is linked to the other insole of its pair (docs/PAIR.md); the mode follows
    # the latest heartbeat, and an insole not heard yet has none
    p = Picture([A, B, C])
    (hb,) = p.uplink(1000, A, 1, P.T_HEARTBEAT, 80, P.HB_PAIR)
    assert hb["sos_mode"] == "pair" and hb["status"] == P.HB_PAIR
    p.uplink(1000, B, 1, P.T_HEARTBEAT, 70, 0)
    modes = {i["insole"]: i["sos_mode"] for i in p.snapshot(2000)["insoles"]}
    assert modes == {"%08x" % A: "pair", "%08x" % B: "single", "%08x" % C: None}
    p.uplink(3000, A, 2, P.T_HEARTBEAT, 80, P.HB_PAIR | P.HB_ALARM_ACTIVE)
    p.uplink(4000, A, 3, P.T_HEARTBEAT, 80, 0)  # the link dropped: single-insole mode again
    assert [i["sos_mode"] for i in p.snapshot(5000)["insoles"] if i["insole"] == "%08x" % A] == ["single"]
