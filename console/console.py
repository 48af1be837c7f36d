"""The console: gateway lines -> live picture -> listeners; actions -> signed
downlinks -> gateway.

Thread-safe (one re-entrant lock): the link thread, the ticker, the web
server and the MQTT client thread all call in. Every action is authenticated
(the downlink carries the team's MAC), written to the audit log with time and
operator *before* it is reported, and refused with a clear ActionError --
nothing sent -- for an unknown insole, no alarm to acknowledge, or a gateway
that is not connected.
"""
import collections
import json
import os
import threading
import time

from soleguard.core import protocol as P

from . import link as link_mod
from .orders import Audit, Signer
from .state import Picture
from soleguard.core.config import EVAC_BURST_PERIOD_MS, EVAC_BURST_REPEATS, EVAC_SLOW_REPEAT_MS
from soleguard.core.delivery import answer_slot_ms, call_schedule, order_schedule, slot_rank
from soleguard.edges.gateway import LONG_PREAMBLE, airtime_ms

REPEAT_S = 2.5  # all-clear and roll-call repeat period (docs/PROTOCOL.md 8.3, 10.4)
BURST_S = EVAC_BURST_PERIOD_MS / 1000  # the evacuation order first back to back (core/config.py) ...
FAST_REPEATS = EVAC_BURST_REPEATS - 1  # ... this many repeats after the first frame,
SLOW_REPEAT_S = EVAC_SLOW_REPEAT_MS / 1000  # then this often until every insole confirmed (as sim/team.py)
ROLL_CALL_REPEAT_S = 120.0  # a roll call runs this long for silent insoles: with answer slots its rounds (10 back to
#   back, 2 x 200 ms per missing wearer of a paired roster, then one every 15 s), else a repeat every REPEAT_S
ALL_CLEAR_SENDS = 3  # at REPEAT_S, then every SLOW_REPEAT_S until every insole confirmed it stopped,
ALL_CLEAR_UNTIL_S = 660.0  # for at most the heartbeat window (11 min: the silent ones are then "not heard from")
ACK_REPEAT_S = 20.0  # an unconfirmed supervisor ack is sent again this often (at REPEAT_S; scaled with repeat_s)
_ALARM_EVENTS = ("alarm", "recovered", "alarm_acknowledged", "all_clear", "ack_confirmed",  # saved at once
                 "evacuation_ordered", "roll_call_started")
_ANSWER_EVENTS = ("evac_ack", "evacuation_complete", "roll_call_answer", "roll_call_complete",  # saved by the
                  "all_clear_confirmed", "all_clear_complete")  # next tick (0.2 s): one write for a team's burst
MAX_QUEUED = 2  # downlinks waiting at the gateway before repeats pause (its queue holds 8)
SF, BW_HZ = 9, 125000  # the team's LoRa settings (boards' default): answer slot and order frame lengths
SLOT_MS = answer_slot_ms(SF, BW_HZ)
ORDER_MS = airtime_ms(P.frame_len(P.T_EVACUATE), SF, BW_HZ, LONG_PREAMBLE)
CALL_MS = airtime_ms(P.frame_len(P.T_ROLL_CALL), SF, BW_HZ, LONG_PREAMBLE)


class ActionError(RuntimeError):
    """An action refused: the message says why; nothing was sent."""


class Console:
    """One team's console. ``team_key``: keyfile.TeamKey; ``roster``:
    roster.Roster; ``factory``: transport factory (link.py)."""

    def __init__(self, team_key, roster, state_dir, operator, factory, console_hw=b"console",
                 heartbeat_window_ms=None, clock=time.time, repeat_s=REPEAT_S):
        self.site = team_key.site
        self.team = team_key.team
        self.team_key = team_key.key
        self.roster = roster
        self.operator = operator
        self.clock = clock
        self.repeat_s = repeat_s
        self.signer = Signer(team_key.key, team_key.team, state_dir, console_hw)
        self.audit = Audit(state_dir.rstrip("/") + "/audit.jsonl", clock)
        kw = {"heartbeat_window_ms": heartbeat_window_ms} if heartbeat_window_ms else {}
        self.state = Picture(roster.ids(), **kw)
        self._slots = roster.slots()  # insole -> answer slot (its wearer's roster position)
        self._members = {}  # answer slot -> its insoles (two for a pair)
        for i, k in self._slots.items():
            self._members.setdefault(k, []).append(i)
        self._paired = roster.paired()  # paired slots: START_PAIRED, two answers per slot
        self._mismatched = set()  # insoles whose evac_ack named another answer slot than the roster's
        self._alarms_path = os.path.join(state_dir, "alarms.json")
        self._load_alarms()
        self._up = P.Decoder(self.signer.keys, self.team, P.ReplayWindow(len(roster) + 1024), downlink=False)
        self._lock = threading.RLock()
        self._listeners = []
        self.log = collections.deque(maxlen=40)  # recent audit rows and link errors, for screens
        self._queued = {}  # downlink counter -> what, until the gateway says sent
        self._recent = collections.OrderedDict()  # the last 64 downlinks: counter -> what
        self._repeat = {}  # "evacuation" | "roll_call" | "all_clear" -> [next_t, sends_left, until_t]
        self._ack_next = {}  # insole -> monotonic time of the next repeat of its unconfirmed ack
        self._stop = threading.Event()
        self._unsaved = False  # answers (evac_ack, roll call) not yet in the state file
        self._disk_error = None  # the last state-file write error shown (shown once until writes work again)
        self._resume()
        self.link = link_mod.Link(factory, self._on_line, self._on_link)
        self._ticker = threading.Thread(target=self._tick_loop, name="console-tick", daemon=True)

    def start(self):
        self.link.start()
        self._ticker.start()
        return self

    def stop(self):
        self._stop.set()
        self.link.stop()
        with self._lock:
            if self._unsaved:
                self._unsaved = False
                self._emit(self._save_alarms())

    def now_ms(self):
        return int(self.clock() * 1000)

    def add_listener(self, fn):
        """``fn(event dict)`` for every event (called under the console lock:
        must not block)."""
        self._listeners.append(fn)

    def _load_alarms(self):
        try:
            with open(self._alarms_path, encoding="utf-8") as f:
                self.state.load_alarms(json.load(f))
        except FileNotFoundError:
            pass
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError("%s: unreadable alarm state (%s); move it away to start afresh" % (self._alarms_path, e))

    def _resume(self):
        """After a restart: the repeats of a running evacuation or all-clear go on."""
        now = time.monotonic()
        ev = self.state.evacuation
        if ev is not None and ev.ended_ms is None and ev.missing():
            self._repeat["evacuation"] = [now, 0, None]
        bc = self.state.clearing
        if bc is not None and bc.missing():
            self._repeat["all_clear"] = [now, 1, bc.id, now + ALL_CLEAR_UNTIL_S * self.repeat_s / REPEAT_S,
                                         self.operator]  # once more, then its roll call

    def _save_alarms(self):
        """Open alarms, unconfirmed acks, evacuation, roll call and all-clear
        survive a console restart (the insole stopped resending once the
        gateway gave receipt): atomic replace, fsync. A write that fails (disk
        full, unwritable folder) is a console error; nothing else stops."""
        tmp = self._alarms_path + ".tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(self.state.save_alarms(), f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._alarms_path)
        except OSError as e:
            return self._disk_failed("%s: cannot save the console state (%s); alarms are shown but would not "
                                     "survive a restart" % (self._alarms_path, e.strerror or e))
        self._disk_error = None
        return []

    def _disk_failed(self, text):
        if text == self._disk_error:
            return []
        self._disk_error = text
        now = self.now_ms()
        self.log.appendleft({"t_ms": now, "action": "disk", "result": text})
        return [{"event": "console_error", "t_ms": now, "error": text}]

    def _emit(self, events):
        if any(e["event"] in _ALARM_EVENTS for e in events):
            self._unsaved = False
            events = list(events) + self._save_alarms()
        elif any(e["event"] in _ANSWER_EVENTS for e in events):
            self._unsaved = True
        for e in events:
            e.setdefault("site", self.site)
            e.setdefault("team", self.team)
            for fn in list(self._listeners):
                fn(e)

    # --- from the gateway --------------------------------------------------

    def _on_link(self, connected, error):
        with self._lock:
            if not connected:
                self._queued.clear()
            if error:
                self.log.appendleft({"t_ms": self.now_ms(), "action": "link", "result": error})
            self._emit(self.state.link_state(self.now_ms(), connected, error))

    def _on_line(self, line):
        with self._lock:
            now = self.now_ms()
            try:
                msg = link_mod.parse(line)
            except (ValueError, IndexError) as e:
                self._emit([{"event": "gateway_error", "t_ms": now, "what": "bad_line", "detail": str(e)}])
                return
            if msg is None:
                return
            kind = msg[0]
            if kind == "U":
                self._uplink(now, msg[1], msg[2])
            elif kind == "R":
                self._emit(self.state.rejected_count(now, msg[1], msg[2]))
            elif kind == "T":
                if msg[2] == "sent":
                    self._queued.pop(msg[1], None)
                    self._emit(self.state.downlink_sent(now, msg[1]))
            elif kind == "E":
                c = int(msg[2]) if msg[2].isdigit() else -1
                self._queued.pop(c, None)
                what = self._recent.pop(c, None)
                if what is not None:  # an order the audit said was sent: it was not
                    try:
                        row = self.audit.record("gateway", what, "not sent: gateway said %s" % msg[1],
                                                counter=int(msg[2]))
                        self.log.appendleft(dict(row, t_ms=now))
                    except OSError as e:
                        self._emit(self._disk_failed("%s: cannot write the audit log (%s)" % (
                            self.audit.path, e.strerror or e)))
                    self._emit([{"event": "downlink_not_sent", "t_ms": now, "what": what,
                                 "counter": int(msg[2]), "reason": msg[1]}])
                self._error(now, "gateway refused a line: %s %s" % (msg[1], msg[2]))
            elif kind == "H":
                self._hello(now, msg[2])

    def _hello(self, now, opts):
        team = opts.get("team")
        err = None
        if team is not None and team != str(self.team):
            err = "gateway is for team %s but the key file is for team %d: check --key-file" % (team, self.team)
        self._emit(self.state.link_state(now, True, err, hello=opts))
        if err:
            self._error(now, err)

    def _uplink(self, now, frame, opts):
        d = self._up
        r = d.decode(frame)
        resync = opts.get("resync") == "1"
        if r == P.REPLAY and resync:  # the gateway restarted this insole's window (its counter went back)
            d.window.restart(d.sender, d.counter)
            r = P.OK
        if r == P.REPLAY:
            return
        if r != P.OK:
            why = P.REASONS[r]
            hint = " -- wrong key? check --key-file" if r == P.BAD_MAC else ""
            self._error(now, "uplink from the gateway fails at the console (%s)%s" % (why, hint))
            return
        rssi = opts.get("rssi")
        if resync:
            self._emit(self.state.counter_reset(now, d.sender, d.counter))
        if d.type == P.T_EVAC_ACK and d.b and self._slots.get(d.sender, -1) != d.b - 1 \
                and d.sender not in self._mismatched:
            # enrolled with another ANSWER_SLOT than the roster gives it: its answers land in another
            # wearer's place and it takes another wearer's done bit for its own (re-enrol it)
            self._mismatched.add(d.sender)
            k = self._slots.get(d.sender)
            self._emit([{"event": "technical", "t_ms": now, "insole": "%08x" % d.sender, "what": "slot_mismatch",
                         "answer_slot": d.b - 1, "roster_slot": k}])
            self._error(now, "insole %08x answers in slot %d, the roster gives it %s: re-enrol it with ANSWER_SLOT %s"
                        % (d.sender, d.b - 1, "none" if k is None else k, "0" if k is None else k + 1))
        self._emit(self.state.uplink(now, d.sender, d.counter, d.type, d.a, d.b, d.c,
                                     via=opts.get("via"), rssi=int(rssi) if rssi and rssi.lstrip("-").isdigit() else None))

    def _error(self, now, text):
        self.log.appendleft({"t_ms": now, "action": "gateway", "result": text})
        self._emit([{"event": "console_error", "t_ms": now, "error": text}])

    # --- actions ---------------------------------------------------------------

    def resolve(self, text):
        """Insole id for a roster name or 8 hex digits (an insole heard but not
        on the roster is accepted by id). ActionError when unknown."""
        if isinstance(text, int):
            text = "%08x" % text
        try:
            return self.roster.resolve(text)
        except KeyError as e:
            try:
                v = int(text, 16)
            except ValueError:
                v = None
            if v is not None and v in self.state.heard:
                return v
            raise ActionError(str(e.args[0]))

    def _send(self, frame, counter, what):
        self.link.send("D " + frame.hex())  # LinkDown: nothing sent
        self._queued[counter] = what
        self._recent[counter] = what  # a later "E queue_full <counter>" names it
        while len(self._recent) > 64:
            self._recent.popitem(last=False)

    def _act(self, operator, action, args, fn):
        """Run ``fn`` (which sends); audit the result either way."""
        with self._lock:
            try:
                out = fn()
            except (ActionError, link_mod.LinkDown, ValueError) as e:
                try:
                    row = self.audit.record(operator, action, "refused: %s" % e, **args)
                    self.log.appendleft(dict(row, t_ms=self.now_ms()))
                except OSError as w:
                    self._emit(self._disk_failed("%s: cannot write the audit log (%s)" % (self.audit.path, w.strerror or w)))
                self._emit([{"event": "action_refused", "t_ms": self.now_ms(), "action": action,
                             "operator": operator, "error": str(e)}])
                raise ActionError(str(e)) from None
            try:
                row = self.audit.record(operator, action, "sent", **dict(args, **out.get("audit", {})))
                self.log.appendleft(dict(row, t_ms=self.now_ms()))
                err = []
            except OSError as e:  # sent already: say so, and that the audit log misses it
                err = self._disk_failed("%s: cannot write the audit log (%s); %s by %s was sent" % (
                    self.audit.path, e.strerror or e, action, operator))
            self._emit(out.get("events", []) + err)
            return {k: v for k, v in out.items() if k not in ("events", "audit")}

    def acknowledge(self, insole, operator=None, source="console"):
        """Acknowledge every open alarm of ``insole`` (name or hex id): one
        ``ack`` downlink (by = supervisor) per alarm."""
        operator = operator or self.operator

        def run():
            i = self.resolve(insole)
            alarms = self.state.active_alarms(i)
            if not alarms:
                raise ActionError("no unacknowledged alarm from %s" % self.roster.label(i))
            ev, counters = [], []
            for al in alarms:
                frame, counter = self.signer.ack(i, al.counter)
                self._send(frame, counter, "ack")
                counters.append(counter)
                al_ev = self.state.acknowledged(self.now_ms(), i, operator, counter, al.cause)
                for e in al_ev:
                    e["source"] = source
                ev += al_ev
            self._ack_next[i] = time.monotonic() + self._ack_period()
            return {"insole": "%08x" % i, "counters": counters, "events": ev,
                    "audit": {"insole": "%08x" % i, "counters": counters, "source": source}}

        return self._act(operator, "acknowledge", {"insole": str(insole)}, run)

    def evacuate(self, operator=None, point=0, scope="team", order=None, source="console"):
        """Order the team to evacuate (assembly ``point`` 0..255); repeated
        back to back at first (every BURST_S, FAST_REPEATS times), then every
        SLOW_REPEAT_S until every insole on the roster has confirmed."""
        operator = operator or self.operator

        def run():
            if scope not in ("team", "site"):
                raise ActionError("scope must be 'team' or 'site'")
            ev_id = order or self.signer.next_id()
            cur = self.state.evacuation
            same = cur is not None and cur.id == ev_id and cur.ended_ms is None
            done = self._done(cur) if same else 0
            start = order_schedule(0, slot_rank(done, len(self._members)), SLOT_MS, ORDER_MS, self._paired)[0]
            frame, counter = self.signer.evacuate(ev_id, point, start if self._slots else 0, done)
            self._send(frame, counter, "evacuate")
            cur = self.state.evacuation
            if cur is None or cur.id != ev_id or cur.ended_ms is not None:
                ev = self.state.evacuation_started(self.now_ms(), ev_id, point, operator, scope)
            else:
                ev = []
            self.state.evacuation.extra["counters"].append(counter)
            for e in ev:
                e["source"] = source
            self._repeat.pop("all_clear", None)
            self._repeat.pop("roll_call", None)  # its rounds would collide with the order's (it ends unanswered)
            self._repeat["evacuation"] = [time.monotonic() + self._burst_s(), 1, None]  # frame 1 next
            return {"order": ev_id, "counter": counter, "events": ev,
                    "audit": {"order": ev_id, "counter": counter, "source": source}}

        return self._act(operator, "evacuate", {"point": point, "scope": scope}, run)

    def all_clear(self, operator=None, source="console"):
        """End the evacuation: sent 3 times, then repeated until every insole
        the order went to no longer says "evacuating" (heartbeat or roll call).
        With a roster with answer slots the third send starts a roll call
        (``source`` "all_clear", audited as the operator's) whose answers confirm
        the stop within seconds instead of a heartbeat period; the repeats pause
        while its rounds run unless an insole says it still evacuates."""
        operator = operator or self.operator

        def run():
            ev_id = self.state.evacuation.id if self.state.evacuation else 0
            frame, counter = self.signer.all_clear(ev_id)
            self._send(frame, counter, "all_clear")
            ev = self.state.all_clear(self.now_ms(), operator)
            if self.state.clearing is not None:
                self.state.clearing.extra["counters"].append(counter)
            for e in ev:
                e["source"] = source
            self._repeat.pop("evacuation", None)
            now = time.monotonic()
            self._repeat["all_clear"] = [now + self.repeat_s, ALL_CLEAR_SENDS - 1, ev_id,
                                         now + ALL_CLEAR_UNTIL_S * self.repeat_s / REPEAT_S, operator]
            return {"order": ev_id, "counter": counter, "events": ev,
                    "audit": {"order": ev_id, "counter": counter, "source": source}}

        return self._act(operator, "all_clear", {}, run)

    def all_clear_sent(self):
        """True once the all-clear's first ALL_CLEAR_SENDS frames went to the gateway (or it ended)."""
        with self._lock:
            rep = self._repeat.get("all_clear")
            return rep is None or rep[1] <= 0

    def roll_call(self, operator=None, source="console"):
        """Ask every insole to answer, for ROLL_CALL_REPEAT_S to the silent ones: with a
        roster with answer slots in rounds, as an order's after its burst (each frame
        starts a round of the unanswered slots, ``done`` is the group receipt; docs/
        PROTOCOL.md 8.3), without slots repeated every REPEAT_S. One at a time
        (ActionError while one runs): roll calls must not use up the gateway's downlink
        duty cycle."""
        operator = operator or self.operator

        def run():
            rep = self._repeat.get("roll_call")
            if rep is not None and time.monotonic() < rep[2]:
                raise ActionError("a roll call is running (repeated for %d s to the silent insoles); wait %d s"
                                  % (ROLL_CALL_REPEAT_S, rep[2] - time.monotonic() + 1))
            ev = self.state.evacuation
            if ev is not None and ev.ended_ms is None and ev.missing():
                miss = ev.missing()
                raise ActionError("evacuation %d is being confirmed (%d of %d; not yet: %s): its rounds use the insoles' "
                                  "answer slots and a roll call would collide with them. Its panel is the roll call; "
                                  "a roll call is possible once every insole confirmed or after the all clear"
                                  % (ev.id, len(ev.expected) - len(miss), len(ev.expected),
                                     ", ".join(self.roster.label(i) for i in miss[:5]) + (" ..." if len(miss) > 5 else "")))
            call = self.signer.next_id()
            start, nxt = call_schedule(0, len(self._members), SLOT_MS, CALL_MS, self._paired)
            frame, counter = self.signer.roll_call(call, start if self._slots else 0)
            self._send(frame, counter, "roll_call")
            ev = self.state.roll_call_started(self.now_ms(), call, operator)
            self.state.roll_call.extra["counters"].append(counter)
            self.state.roll_call.extra["source"] = source
            for e in ev:
                e["source"] = source
            now = time.monotonic()
            wait = self._scaled(nxt) if self._slots else self.repeat_s
            self._repeat["roll_call"] = [now + wait, 1, now + ROLL_CALL_REPEAT_S]
            return {"call": call, "counter": counter, "events": ev,
                    "audit": {"call": call, "counter": counter, "source": source}}

        return self._act(operator, "roll_call", {}, run)

    # --- time ----------------------------------------------------------------

    def _tick_loop(self):
        while not self._stop.wait(0.2):
            self.tick()

    def tick(self):
        """Heartbeat-window checks and the repeats of broadcast orders."""
        with self._lock:
            ev = self.state.tick(self.now_ms())
            if self._unsaved:
                self._unsaved = False
                ev += self._save_alarms()
            self._emit(ev)
            if not self.link.connected:
                return
            now = time.monotonic()
            try:
                self._repeat_acks(now)
            except link_mod.LinkDown:
                return
            for kind, rep in list(self._repeat.items()):
                if now < rep[0] or len(self._queued) >= MAX_QUEUED:
                    continue
                rep[0] = now + self.repeat_s
                try:
                    self._repeat_once(kind, rep, now)
                except link_mod.LinkDown:
                    return

    def _scaled(self, ms):
        """``ms`` of a round schedule in the console's seconds (scaled like every repeat with ``repeat_s``),
        at least one burst period."""
        return max(self.repeat_s * BURST_S / REPEAT_S, ms / 1000 * self.repeat_s / REPEAT_S)

    def _burst_s(self):
        """The period of the evacuation's first burst (scaled like every repeat with ``repeat_s``)."""
        return BURST_S * self.repeat_s / REPEAT_S

    def _ack_period(self):
        return ACK_REPEAT_S * self.repeat_s / REPEAT_S

    def _repeat_acks(self, now):
        """Send again every supervisor ack the insole has not confirmed (a heartbeat
        without the ack-awaited bit, or a roll-call answer, confirms it)."""
        pend = self.state.acks_to_repeat()
        for i in list(self._ack_next):
            if i not in pend:
                del self._ack_next[i]
        for i, acked in sorted(pend.items()):
            nudged = self.state.ack_nudged(i)
            due = self._ack_next.setdefault(i, now + self._ack_period())
            if (now < due and not nudged) or len(self._queued) >= MAX_QUEUED:
                continue
            self._ack_next[i] = now + self._ack_period()
            for c in acked:
                frame, counter = self.signer.ack(i, c)
                self._send(frame, counter, "ack")

    def _done(self, ev):
        """The group receipt of evacuation or roll call ``ev``: bit k set = every insole in answer slot k
        answered; while an all-clear is being confirmed, an insole it went to counts for a roll call only
        once it said it stopped (an answer "evacuating" or "alarm" keeps its bit clear, so it answers again
        in the next round, after the all-clear it missed: red-team finding)."""
        bc = self.state.clearing
        clearing = ev.kind == "roll_call" and bc is not None and bc.missing()
        done = 0
        for k, ids in self._members.items():
            if all(i in ev.answers and (not clearing or i not in bc.expected or i in bc.answers) for i in ids):
                done |= 1 << k
        return done

    def _repeat_once(self, kind, rep, now):
        if kind == "evacuation":  # frame rep[1] of the order: the burst, then rounds of answer slots (8.3)
            ev = self.state.evacuation
            if ev is None or ev.ended_ms is not None or not ev.missing():
                del self._repeat[kind]
                if ev is not None and ev.ended_ms is None and self._slots:  # the group receipt once more: who
                    frame, counter = self.signer.evacuate(ev.id, ev.extra.get("point", 0),
                                                          1 | (P.START_PAIRED if self._paired else 0), self._done(ev))
                    self._send(frame, counter, "evacuate")  # answered in the last round stops
                return
            done = self._done(ev)
            start, nxt = order_schedule(rep[1], slot_rank(done, len(self._members)), SLOT_MS, ORDER_MS, self._paired)
            frame, counter = self.signer.evacuate(ev.id, ev.extra.get("point", 0), start if self._slots else 0, done)
            self._send(frame, counter, "evacuate")
            ev.extra["counters"].append(counter)
            if not self._slots and rep[1] >= FAST_REPEATS:
                nxt = EVAC_SLOW_REPEAT_MS
            rep[1] += 1
            rep[0] = now + self._scaled(nxt)
        elif kind == "roll_call":  # frame rep[1] of the roll call: with slots, a round each (as an order's)
            rc = self.state.roll_call
            if rc is None or not rc.missing() or now >= rep[2]:
                del self._repeat[kind]
                if rc is not None and self._slots:  # the group receipt once more: who answered in the last round stops
                    frame, counter = self.signer.roll_call(rc.id, 1 | (P.START_PAIRED if self._paired else 0),
                                                           self._done(rc))
                    self._send(frame, counter, "roll_call")
                return
            done = self._done(rc) if self._slots else 0
            start, nxt = call_schedule(rep[1], slot_rank(done, len(self._members)), SLOT_MS, CALL_MS, self._paired)
            frame, counter = self.signer.roll_call(rc.id, start if self._slots else 0, done)
            self._send(frame, counter, "roll_call")
            rc.extra["counters"].append(counter)
            rep[1] += 1
            if self._slots:
                rep[0] = now + self._scaled(nxt)
        elif kind == "all_clear":
            bc = self.state.clearing
            unconfirmed = bc is not None and bc.missing()
            if rep[1] <= 0 and (not unconfirmed or now >= rep[3]):
                del self._repeat[kind]  # every insole stopped (or the heartbeat window is over: not heard from)
                return
            nudged = bc is not None and bc.extra.pop("nudge", False)
            rc = self.state.roll_call
            own = "roll_call" in self._repeat and rc is not None and rc.extra.get("source") == "all_clear"
            if rep[1] <= 0 and own and not nudged:
                rep[0] = now + self.repeat_s  # its roll call's rounds run: the gateway would be deaf to them
                return
            frame, counter = self.signer.all_clear(rep[2])
            self._send(frame, counter, "all_clear")
            if bc is not None:
                bc.extra.setdefault("counters", []).append(counter)
            rep[1] -= 1
            if rep[1] <= 0:  # then every SLOW_REPEAT_S while an insole still says evacuating
                rep[0] = now + max(self.repeat_s, SLOW_REPEAT_S * self.repeat_s / REPEAT_S)
                if nudged:
                    rep[0] = now + self.repeat_s
            if rep[1] == 0 and self._slots and unconfirmed and "roll_call" not in self._repeat:
                try:  # and a roll call in answer slots: each answer other than "evacuating" confirms the stop
                    self.roll_call(rep[4], source="all_clear")  # (as sim/team.py's console; PROTOCOL.md 8.3)
                except ActionError:
                    pass  # refused and audited (the link went down): the slow repeats and heartbeats remain

    # --- screens ----------------------------------------------------------------

    def snapshot(self, names=True):
        """The picture for screens; names from the roster when ``names``."""
        with self._lock:
            snap = self.state.snapshot(self.now_ms(), self.roster.label if names else None)
            snap.update({"site": self.site, "team": self.team, "operator": self.operator,
                         "console_id": "%08x" % self.signer.id, "queued_downlinks": len(self._queued),
                         "log": list(self.log)[:20]})
            return snap
