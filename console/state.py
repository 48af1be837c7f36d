"""The live picture of one team: pure, time passed in, no I/O.

Fed decoded uplinks (``uplink``), the console's own orders (``acknowledged``,
``evacuation_started``, ...), and the passing of time (``tick``). Every method
returns the events it caused: dicts with at least ``event`` and ``t_ms``
(milliseconds, the caller's clock) -- the stream that the JSON mode prints and
the MQTT bridge publishes. ``snapshot`` gives the whole picture for screens.

Rules (docs/PROTOCOL.md 8.2, DESIGN.md):
- An alarm is keyed by (insole, cause). A resend (new counter) of an active
  alarm merges into it; ``counter`` keeps the latest, which the supervisor's
  acknowledgement names.
- An alarm leaves the screen only when acknowledged by a supervisor *and*
  ended (recovered); a recovered alarm nobody acknowledged stays. An all
  clear ends the evacuation only (the insoles keep a person's alarm too).
- An insole is "not heard from" when nothing came from it for
  ``heartbeat_window_ms`` (default 11 min: two 5-min heartbeats missed plus
  margin); the event fires once, and ``heard_again`` when it comes back.
- A supervisor's acknowledgement is "unconfirmed" until the insole shows it
  took it: a heartbeat without the ack-awaited bit, or a roll-call answer
  other than "alarm" (docs/PROTOCOL.md 8.2). Until then the console repeats
  it (``acks_to_repeat``; at once after a heartbeat that still awaits it,
  ``ack_nudged``), and the screens list it (``unconfirmed_acks``), also after
  the alarm itself left the screen.
- Technical alarms: cause 4 alarms, heartbeats with the self-test-failed bit,
  and insoles not heard from.
- Evacuation and roll call track every insole on the roster (plus any other
  insole heard): who confirmed and when. An evacuation is confirmed by the
  insole's ``evac_ack``, or by its state: a heartbeat with the evacuating bit
  or a roll-call answer "evacuating" (``by``: heartbeat / roll_call). An all-clear tracks who no longer
  says "evacuating" (a heartbeat without the bit, a roll-call answer other
  than "evacuating"); the console repeats it until all have.
"""
from soleguard.core import protocol as P

CAUSES = {1: "fall", 2: "man_down", 3: "sos", 4: "technical"}
CANCEL_BY = {1: "recovery", 2: "cancel_gesture"}
ROLL_STATES = {0: "ok", 1: "pre_alarm", 2: "alarm", 3: "evacuating"}
HEARTBEAT_WINDOW_MS = 11 * 60 * 1000


def sos_mode(status):
    """The SOS mode a heartbeat's status bits say: "pair" (HB_PAIR: both insoles of the wearer linked,
    the pair fusion decides the SOS, docs/PAIR.md) or "single" (this insole alone)."""
    return "pair" if status & P.HB_PAIR else "single"


def _hex(i):
    return "%08x" % i


class Alarm:
    def __init__(self, insole, cause, detail, counter, t_ms):
        self.insole = insole
        self.cause = cause
        self.detail = detail
        self.counter = counter
        self.since_ms = t_ms
        self.last_ms = t_ms
        self.ended = None  # None or "recovered"
        self.recovery_s = None
        self.ack = None  # {"operator", "t_ms", "counter", "sent_ms"}

    def as_dict(self):
        return {"insole": _hex(self.insole), "cause": CAUSES[self.cause], "detail": self.detail,
                "counter": self.counter, "since_ms": self.since_ms, "last_ms": self.last_ms,
                "ended": self.ended, "recovery_s": self.recovery_s,
                "ack": dict(self.ack) if self.ack else None}


class Broadcast:
    """An evacuation or roll call: id, who answered (insole -> (t_ms, extra))."""

    def __init__(self, kind, ident, t_ms, operator, expected, **extra):
        self.kind = kind
        self.id = ident
        self.t_ms = t_ms
        self.operator = operator
        self.expected = set(expected)
        self.answers = {}
        self.sent = 0
        self.first_sent_ms = None
        self.ended_ms = None
        self.extra = extra

    def missing(self):
        return sorted(self.expected - set(self.answers))

    def to_data(self):
        """Plain data for the console's state file (``from_data`` reads it back)."""
        return {"kind": self.kind, "id": self.id, "t_ms": self.t_ms, "operator": self.operator,
                "expected": [_hex(i) for i in sorted(self.expected)],
                "answers": {_hex(i): list(a) for i, a in self.answers.items()},
                "sent": self.sent, "first_sent_ms": self.first_sent_ms, "ended_ms": self.ended_ms,
                "extra": {k: v for k, v in self.extra.items() if k != "nudge"}}

    @classmethod
    def from_data(cls, d):
        bc = cls(d["kind"], d["id"], d["t_ms"], d["operator"], [int(i, 16) for i in d["expected"]], **d["extra"])
        bc.answers = {int(i, 16): tuple(a) for i, a in d["answers"].items()}
        bc.sent, bc.first_sent_ms, bc.ended_ms = d["sent"], d["first_sent_ms"], d["ended_ms"]
        return bc

    def as_dict(self, label=None):
        rows = []
        for i in sorted(self.expected | set(self.answers)):
            a = self.answers.get(i)
            row = {"insole": _hex(i), "confirmed_ms": a[0] if a else None}
            if self.kind == "roll_call":
                row["state"] = ROLL_STATES.get(a[1]) if a else None
            if label:
                row["name"] = label(i)
            rows.append(row)
        d = {"id": self.id, "t_ms": self.t_ms, "operator": self.operator, "sent": self.sent,
             "first_sent_ms": self.first_sent_ms, "ended_ms": self.ended_ms,
             "confirmed": len(self.answers), "expected": len(self.expected | set(self.answers)),
             "missing": [_hex(i) for i in self.missing()], "insoles": rows}
        d.update((k, v) for k, v in self.extra.items() if k != "counters")
        return d


class Picture:
    """Live state of one team. ``roster_ids``: the insoles expected."""

    def __init__(self, roster_ids=(), heartbeat_window_ms=HEARTBEAT_WINDOW_MS):
        self.roster = set(roster_ids)
        self.window_ms = heartbeat_window_ms
        self.started_ms = None
        self.heard = {}  # insole -> {"last_ms", "battery", "status", "via", "rssi"}
        self.silent = set()  # insoles reported not heard from
        self.alarms = {}  # (insole, cause) -> Alarm (current)
        self.evacuation = None
        self.roll_call = None
        self.clearing = None  # the last all-clear: Broadcast of who no longer says evacuating
        self.rejected = {}
        self.resets = {}  # insole -> t_ms of the gateway's last restart of its counter window
        self.acks = {}  # insole -> unconfirmed ack {"operator", "t_ms", "acked": [alarm counters], "nudge"}
        self.link = {"connected": False, "hello": None, "error": None}

    # --- uplinks -------------------------------------------------------------

    def uplink(self, t_ms, sender, counter, type_, a=0, b=0, c=0, via=None, rssi=None):
        """One authenticated uplink (decoded fields of protocol.Decoder)."""
        ev = []
        h = self.heard.setdefault(sender, {"last_ms": None, "battery": None, "status": None,
                                           "via": None, "rssi": None})
        h["last_ms"], h["via"], h["rssi"] = t_ms, via, rssi
        base = {"t_ms": t_ms, "insole": _hex(sender), "counter": counter}
        if sender in self.silent:
            self.silent.discard(sender)
            ev.append(dict(base, event="heard_again"))
        if sender not in self.roster:
            base["on_roster"] = False
        if type_ == P.T_ALARM:
            ev += self._alarm(base, sender, counter, a, b, t_ms)
        elif type_ == P.T_CANCELLED:
            ev.append(dict(base, event="cancelled", cause=CAUSES[a], cancel_by=CANCEL_BY[b]))
        elif type_ == P.T_RECOVERED:
            al = self.alarms.get((sender, a))
            if al is not None and al.ended is None:
                al.ended, al.recovery_s, al.last_ms = "recovered", b, t_ms
                if al.ack:
                    del self.alarms[(sender, a)]
            ev.append(dict(base, event="recovered", cause=CAUSES[a], recovery_s=b))
        elif type_ == P.T_HEARTBEAT:
            failed_before = (h["status"] or 0) & P.HB_SELF_TEST_FAILED
            h["battery"], h["status"] = a, b
            ev.append(dict(base, event="heartbeat", battery_pct=a, status=b, sos_mode=sos_mode(b)))
            if b & P.HB_SELF_TEST_FAILED and not failed_before:
                ev.append(dict(base, event="technical", what="self_test_failed"))
            ev += self._ack_state(base, sender, t_ms, not b & P.HB_ACK_AWAITED)
            ev += self._clear_state(base, sender, t_ms, not b & P.HB_EVACUATING)
            if b & P.HB_EVACUATING:
                ev += self._evacuating(base, sender, t_ms, "heartbeat")
        elif type_ == P.T_EVAC_ACK:
            ev += self._answer(self.evacuation, base, sender, a, t_ms, None, "evac_ack")
        elif type_ == P.T_ROLL_CALL_ANSWER:
            ans = self._answer(self.roll_call, base, sender, a, t_ms, b, "roll_call_answer")
            ev += ans
            if self.roll_call is None or self.roll_call.id != a:  # an answer to an earlier (or another
                return ev  # console's) call says nothing of the insole's state now (red-team finding)
            ev += self._ack_state(base, sender, t_ms, b != P.STATE_ALARM)
            if b == P.STATE_OK or b == P.STATE_EVACUATING:  # an insole in (pre-)alarm answers that state, not
                ev += self._clear_state(base, sender, t_ms, b == P.STATE_OK)  # whether it stopped: its heartbeat will
            if b == P.STATE_EVACUATING:
                ev += self._evacuating(base, sender, t_ms, "roll_call")
        return ev

    def _evacuating(self, base, sender, t_ms, how):
        """The insole's state says it is evacuating: that confirms the running
        evacuation too (an evac_ack the gateway receipted while the console was
        down never comes again)."""
        bc = self.evacuation
        if bc is None or bc.ended_ms is not None or sender in bc.answers or self.clearing is not None:
            return []
        ev = self._answer(bc, base, sender, bc.id, t_ms, None, "evac_ack")
        for e in ev:
            if e["event"] == "evac_ack":
                e["by"] = how
        return ev

    def _clear_state(self, base, sender, t_ms, stopped):
        """After an all-clear: does the insole still say it is evacuating?"""
        bc = self.clearing
        if bc is None or sender not in bc.expected or sender in bc.answers:
            return []
        if not stopped:
            bc.extra["nudge"] = True  # still vibrating "evacuate": send the all-clear again
            return []
        bc.answers[sender] = (t_ms, None)
        ev = [dict(base, event="all_clear_confirmed", id=bc.id)]
        if not bc.missing():
            ev.append({"event": "all_clear_complete", "t_ms": t_ms, "id": bc.id,
                       "confirmed": len(bc.answers), "after_ms": t_ms - bc.t_ms})
        return ev

    def counter_reset(self, t_ms, sender, counter):
        """The gateway restarted ``sender``'s replay window: its counter went back
        (a wiped journal, a reflash) -- or three captured frames were replayed.
        Either way a technical alarm for the supervisor."""
        self.resets[sender] = t_ms
        return [{"event": "technical", "t_ms": t_ms, "insole": _hex(sender), "what": "counter_reset",
                 "counter": counter}]

    def _ack_state(self, base, sender, t_ms, confirmed):
        """The insole's state says whether it still awaits the supervisor's ack."""
        pend = self.acks.get(sender)
        if pend is None:
            return []
        if not confirmed:
            pend["nudge"] = True
            return []
        del self.acks[sender]
        for al in self.alarms.values():
            if al.insole == sender and al.ack and al.ack.get("confirmed_ms") is None:
                al.ack["confirmed_ms"] = t_ms
        return [dict(base, event="ack_confirmed", operator=pend["operator"], acked=pend["acked"],
                     after_ms=t_ms - pend["t_ms"])]

    def acks_to_repeat(self):
        """Unconfirmed acks: insole -> the alarm counters to acknowledge again."""
        return {i: list(p["acked"]) for i, p in self.acks.items()}

    def ack_nudged(self, insole):
        """True (once) if a heartbeat said the insole still awaits the ack: repeat now."""
        p = self.acks.get(insole)
        if p is None or not p.get("nudge"):
            return False
        p["nudge"] = False
        return True

    def _alarm(self, base, sender, counter, cause, detail, t_ms):
        key = (sender, cause)
        al = self.alarms.get(key)
        if al is not None and al.ended is None:
            al.counter, al.last_ms, al.detail = counter, t_ms, detail
            return []  # a resend of the same alarm: merged, nothing new
        self.alarms[key] = Alarm(sender, cause, detail, counter, t_ms)
        return [dict(base, event="alarm", cause=CAUSES[cause], detail=detail)]

    def _answer(self, bc, base, sender, ident, t_ms, state, name):
        d = dict(base, event=name, id=ident)
        if state is not None:
            d["state"] = ROLL_STATES[state]
        if bc is None or bc.id != ident or bc.ended_ms is not None:
            d["current"] = False
            return [d]
        if sender in bc.answers:
            return []  # counted once per order (8.2)
        bc.answers[sender] = (t_ms, state)
        d["current"] = True
        ev = [d]
        if sender in bc.expected and not bc.missing():  # once: the last expected answer (not a later stranger's)
            ev.append({"event": bc.kind + "_complete", "t_ms": t_ms, "id": bc.id,
                       "confirmed": len(bc.answers), "after_ms": t_ms - bc.t_ms})
        return ev

    # --- the console's own orders -------------------------------------------

    def save_alarms(self):
        """The current alarms, unconfirmed acks, and the last evacuation, roll
        call and all-clear as plain data (the console keeps them on disk, so a
        restart resumes their repeats)."""
        return {"alarms": [al.as_dict() for al in self.alarms.values()],
                "acks": [dict(p, insole=_hex(i), nudge=False) for i, p in self.acks.items()],
                "evacuation": self.evacuation.to_data() if self.evacuation else None,
                "roll_call": self.roll_call.to_data() if self.roll_call else None,
                "all_clear": self.clearing.to_data() if self.clearing else None}

    def load_alarms(self, doc):
        """Restore what ``save_alarms`` gave (a console restart); a plain list
        is the older format (alarms only)."""
        causes = {v: k for k, v in CAUSES.items()}
        rows = doc if isinstance(doc, list) else doc["alarms"]
        if not isinstance(doc, list):
            b = doc.get("evacuation"), doc.get("roll_call"), doc.get("all_clear")
            self.evacuation, self.roll_call, self.clearing = (Broadcast.from_data(x) if x else None for x in b)
        for r in ([] if isinstance(doc, list) else doc["acks"]):
            self.acks[int(r["insole"], 16)] = {"operator": r["operator"], "t_ms": r["t_ms"],
                                               "acked": [int(c) for c in r["acked"]], "nudge": False}
        for r in rows:
            al = Alarm(int(r["insole"], 16), causes[r["cause"]], r["detail"], r["counter"], r["since_ms"])
            al.last_ms, al.ended, al.recovery_s, al.ack = r["last_ms"], r["ended"], r["recovery_s"], r["ack"]
            self.alarms[(al.insole, al.cause)] = al

    def active_alarms(self, insole):
        """Alarms of ``insole`` not yet acknowledged by a supervisor."""
        return [al for (i, _), al in self.alarms.items() if i == insole and al.ack is None]

    def acknowledged(self, t_ms, insole, operator, counter, cause=None):
        """A supervisor acknowledged the unacknowledged alarms of ``insole``
        (of ``cause`` only, if given); ``counter`` is the downlink's counter
        (its 'sent' comes later)."""
        ev = []
        for al in self.active_alarms(insole):
            if cause is not None and al.cause != cause:
                continue
            al.ack = {"operator": operator, "t_ms": t_ms, "counter": counter, "sent_ms": None, "confirmed_ms": None}
            pend = self.acks.setdefault(insole, {"operator": operator, "t_ms": t_ms, "acked": [], "nudge": False})
            if al.counter not in pend["acked"]:
                pend["acked"].append(al.counter)
            ev.append({"event": "alarm_acknowledged", "t_ms": t_ms, "insole": _hex(insole),
                       "cause": CAUSES[al.cause], "operator": operator, "acked": al.counter})
            if al.ended:
                del self.alarms[(al.insole, al.cause)]
        return ev

    def downlink_sent(self, t_ms, counter):
        """The gateway reported ``T counter sent``: stamp what it carried."""
        for al in self.alarms.values():
            if al.ack and al.ack["counter"] == counter and al.ack["sent_ms"] is None:
                al.ack["sent_ms"] = t_ms
        for bc in (self.evacuation, self.roll_call, self.clearing):
            if bc is not None and counter in bc.extra.get("counters", ()):
                bc.sent += 1
                if bc.first_sent_ms is None:
                    bc.first_sent_ms = t_ms
        return []

    def evacuation_started(self, t_ms, order, point, operator, scope="team"):
        self.evacuation = Broadcast("evacuation", order, t_ms, operator, self.roster | set(self.heard),
                                    point=point, scope=scope, counters=[])
        self.clearing = None
        return [{"event": "evacuation_ordered", "t_ms": t_ms, "id": order, "point": point,
                 "scope": scope, "operator": operator, "expected": len(self.evacuation.expected)}]

    def roll_call_started(self, t_ms, call, operator):
        self.roll_call = Broadcast("roll_call", call, t_ms, operator, self.roster | set(self.heard), counters=[])
        return [{"event": "roll_call_started", "t_ms": t_ms, "id": call, "operator": operator,
                 "expected": len(self.roll_call.expected)}]

    def all_clear(self, t_ms, operator):
        ev = [{"event": "all_clear", "t_ms": t_ms, "operator": operator,
               "id": self.evacuation.id if self.evacuation else 0}]
        if self.evacuation and self.evacuation.ended_ms is None:
            self.evacuation.ended_ms = t_ms
        same = self.clearing is not None and self.evacuation is not None and self.clearing.id == self.evacuation.id
        if self.evacuation is not None and not same:  # every insole the order went to must confirm it stopped
            self.clearing = Broadcast("all_clear", self.evacuation.id, t_ms, operator,
                                      self.evacuation.expected | set(self.evacuation.answers), counters=[])
        # (the all-clear of that order again: who already confirmed it stays confirmed)
        return ev  # alarms stay: an all clear ends the evacuation, not a person's alarm (firmware, #6)

    def link_state(self, t_ms, connected, error=None, hello=None):
        changed = connected != self.link["connected"] or error != self.link["error"]
        self.link["connected"], self.link["error"] = connected, error
        if hello is not None:
            self.link["hello"] = hello
        if not changed:
            return []
        return [{"event": "link_up" if connected else "link_down", "t_ms": t_ms, "error": error}]

    def rejected_count(self, t_ms, reason, count):
        prev = self.rejected.get(reason, 0)
        self.rejected[reason] = count
        if count <= prev:
            return []
        return [{"event": "rejected", "t_ms": t_ms, "reason": reason, "count": count}]

    # --- time ----------------------------------------------------------------

    def tick(self, t_ms):
        """Insoles newly not heard from within the heartbeat window."""
        if self.started_ms is None:
            self.started_ms = t_ms
        ev = []
        for i in sorted(self.roster | set(self.heard)):
            last = self.heard.get(i, {}).get("last_ms") or self.started_ms
            if i not in self.silent and t_ms - last >= self.window_ms:
                self.silent.add(i)
                ev.append({"event": "not_heard_from", "t_ms": t_ms, "insole": _hex(i),
                           "last_ms": self.heard.get(i, {}).get("last_ms")})
        return ev

    # --- screens -----------------------------------------------------------

    def snapshot(self, t_ms, label=None):
        """The whole picture as plain data; ``label(id)`` adds names (console
        screens only). Alarms newest first; technical alarms apart."""
        def named(d, i):
            if label:
                d["name"] = label(i)
            return d

        alarms, technical = [], []
        for al in sorted(self.alarms.values(), key=lambda a: -a.since_ms):
            d = named(al.as_dict(), al.insole)
            d["age_s"] = (t_ms - al.since_ms) // 1000
            (technical if al.cause == 4 else alarms).append(d)
        for i in sorted(self.heard):
            st = self.heard[i]["status"]
            if st is not None and st & P.HB_SELF_TEST_FAILED:
                technical.append(named({"insole": _hex(i), "cause": "self_test_failed"}, i))
        for i in sorted(self.resets):
            technical.append(named({"insole": _hex(i), "cause": "counter_reset", "since_ms": self.resets[i]}, i))
        silent = [named({"insole": _hex(i), "last_ms": self.heard.get(i, {}).get("last_ms")}, i)
                  for i in sorted(self.silent)]
        insoles = []
        for i in sorted(self.roster | set(self.heard)):
            h = self.heard.get(i, {})
            st = h.get("status")
            insoles.append(named({"insole": _hex(i), "on_roster": i in self.roster, "last_ms": h.get("last_ms"),
                                  "battery_pct": h.get("battery"), "silent": i in self.silent,
                                  "sos_mode": None if st is None else sos_mode(st)}, i))
        unconfirmed = [named({"insole": _hex(i), "operator": p["operator"], "t_ms": p["t_ms"],
                              "acked": list(p["acked"]), "age_s": (t_ms - p["t_ms"]) // 1000}, i)
                       for i, p in sorted(self.acks.items())]
        return {"t_ms": t_ms, "alarms": alarms, "technical": technical, "not_heard_from": silent,
                "unconfirmed_acks": unconfirmed,
                "insoles": insoles,
                "evacuation": self.evacuation.as_dict(label) if self.evacuation else None,
                "all_clear": self.clearing.as_dict(label) if self.clearing else None,
                "roll_call": self.roll_call.as_dict(label) if self.roll_call else None,
                "rejected": dict(self.rejected), "link": dict(self.link)}
