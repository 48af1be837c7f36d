"""An in-process gateway with N simulated insoles, speaking the line protocol.

Not a radio model (that is the team simulation, ``soleguard team``): frames are
real (protocol.Encoder/Decoder with the team key, counters, replay windows,
MACs), but the medium is perfect unless ``loss`` > 0 and there is no airtime
unless ``airtime_ms`` > 0. The gateway side behaves as docs/PROTOCOL.md section
10 says: ``U`` for each accepted uplink, ``A`` for its own receipt ack of a
confirmed uplink, ``R`` for rejections, ``D`` checked with a downlink decoder
(``E bad_frame <reason>``) then ``T <counter> sent <ms>`` and broadcast to the
insoles. Each insole answers an evacuation with ``evac_ack`` and a roll call
with ``roll_call_answer`` after a random delay in ``answer_ms``, records a
supervisor ``ack`` of its alarm and confirms it with a status heartbeat (as
the firmware; ``lose_acks`` loses the next ones), and stops evacuating on
``all_clear``.

``connect()`` is a transport factory for console.link.Link; ``unplug()`` and
``replug()`` make the port vanish and come back (bad-input tests); lines the
gateway produced meanwhile wait for the host, as in a gateway's buffer.
"""
import heapq
import itertools
import queue
import random
import threading
import time

from soleguard.core import protocol as P

CONFIRMED = (P.T_ALARM, P.T_CANCELLED, P.T_RECOVERED, P.T_EVAC_ACK, P.T_ROLL_CALL_ANSWER)


class FakeInsole:
    """One insole: its id, encoder, downlink decoder and what it received."""

    def __init__(self, keys, team, index):
        self.index = index
        self.id = keys.device_id(b"sim-insole-%d" % index)
        self.enc = P.Encoder(keys, team, self.id, P.TxCounter(P.MemoryStore()))
        self.dec = P.Decoder(keys, team, P.ReplayWindow(8), downlink=True)
        self.supervisor_acks = []  # (t monotonic, acked counter)
        self.evacuations = {}  # order -> t monotonic first heard
        self.roll_calls = {}
        self.all_clears = 0
        self.alarm_counters = []
        self.evacuating = False
        self.alarm = False
        self.hold = False  # True: hears orders but does not answer them
        self.answer_slot = 0  # the evac_ack's slot field: its enrolled ANSWER_SLOT (slot + 1), 0: none
        self.lose_acks = 0  # this many supervisor acks are lost on the way to this insole
        self.lose_all_clears = 0  # this many all-clears are lost on the way to this insole

    def frame(self, type_, a=0, b=0, c=0):
        n = self.enc.encode(type_, a, b, c)
        return bytes(self.enc.mv[:n])


class FakeGateway:
    """Gateway role + ``n`` insoles of ``team`` in one process (threads)."""

    def __init__(self, team_key, team, n=5, seed=1, answer_ms=(50, 400), loss=0.0, airtime_ms=0,
                 heartbeat_s=None):
        self.keys = P.Keys(team_key)
        self.team = team
        self.id = self.keys.device_id(b"sim-gateway")
        self.rng = random.Random(seed)
        self.answer_ms = answer_ms
        self.loss = loss
        self.airtime_ms = airtime_ms
        self.heartbeat_s = heartbeat_s
        self.insoles = [FakeInsole(self.keys, team, i) for i in range(n)]
        self.by_id = {s.id: s for s in self.insoles}
        self._up = P.Decoder(self.keys, team, P.ReplayWindow(n + 8), downlink=False)
        self._acker = P.Encoder(self.keys, team, self.id, P.TxCounter(P.MemoryStore()))
        self._out = queue.Queue()
        self._lock = threading.RLock()
        self._timers = []
        self._seq = itertools.count()
        self._wake = threading.Event()
        self._stop = False
        self._port = None
        self.unplugged = False
        self.downlinks = []  # (t monotonic, frame bytes) accepted from the host
        self.uplink_times = {}  # (insole id, counter) -> t monotonic when sent
        self._thread = threading.Thread(target=self._run, name="fake-gateway", daemon=True)
        self._thread.start()
        if heartbeat_s:
            for s in self.insoles:
                self.at(self.rng.uniform(0, heartbeat_s), self._heartbeat, s)

    # --- transport for console.link.Link -----------------------------------

    def connect(self):
        """Transport factory: raises OSError while unplugged."""
        if self.unplugged:
            raise OSError("gateway port gone (unplugged)")
        port = _Port(self)
        with self._lock:
            self._port = port
        self._line("H soleguard-gateway 1 team=%d id=%08x band=g3" % (self.team, self.id))
        return port

    def unplug(self):
        with self._lock:
            self.unplugged = True
            if self._port:
                self._port.dead = True
                self._port = None

    def replug(self):
        self.unplugged = False

    def close(self):
        self._stop = True
        self._wake.set()

    # --- the insoles' side ----------------------------------------------------

    def alarm(self, index, cause=3, detail=0):
        """Insole ``index`` raises an alarm now; returns its frame counter."""
        s = self.insoles[index]
        s.alarm = True
        return self._uplink(s, P.T_ALARM, cause, detail)

    def recovered(self, index, cause=3, seconds=30):
        s = self.insoles[index]
        s.alarm = False
        return self._uplink(s, P.T_RECOVERED, cause, seconds)

    def heartbeat(self, index, battery=80, status=0):
        return self._uplink(self.insoles[index], P.T_HEARTBEAT, battery, status)

    def inject(self, frame):
        """A raw frame heard on air (forged, replayed, another team's)."""
        with self._lock:
            self._receive(frame)

    def _heartbeat(self, s):
        status = (P.HB_ALARM_ACTIVE if s.alarm else 0) | (P.HB_EVACUATING if s.evacuating else 0)
        self._uplink(s, P.T_HEARTBEAT, 80, status)
        self.at(self.heartbeat_s, self._heartbeat, s)

    def _uplink(self, s, type_, a=0, b=0, c=0):
        with self._lock:
            frame = s.frame(type_, a, b, c)
            counter = s.enc.counter
            if type_ == P.T_ALARM:
                s.alarm_counters.append(counter)
            self.uplink_times[(s.id, counter)] = time.monotonic()
            if self.rng.random() >= self.loss:
                self._receive(frame)
            elif type_ in CONFIRMED:
                self.at(0.5, self._uplink, s, type_, a, b, c)  # resend, new counter (8.2)
            return counter

    def _receive(self, frame):
        r = self._up.decode(frame)
        if r != P.OK:
            if r != P.REPLAY:
                self._line("R %s %d" % (P.REASONS[r], self._up.counts[r]))
            return
        self._line("U %s via=lora rssi=%d" % (frame.hex(), -60 - self.rng.randrange(50)))
        if self._up.type in CONFIRMED:
            n = self._acker.encode(P.T_ACK, self._up.sender, self._up.counter, P.ACK_BY_GATEWAY)
            self._line("A " + bytes(self._acker.mv[:n]).hex())

    # --- the gateway's side: host downlinks --------------------------------

    def _host_line(self, line):
        toks = line.strip().split(" ")
        if toks[0] == "V":
            self._line("H soleguard-gateway 1 team=%d id=%08x band=g3" % (self.team, self.id))
            for i, c in enumerate(self._up.counts):
                if i and c:
                    self._line("R %s %d" % (P.REASONS[i], c))
            return
        if toks[0] != "D":
            self._line("E unknown %s" % toks[0][:8])
            return
        try:
            frame = bytes.fromhex(toks[1])
        except (IndexError, ValueError):
            self._line("E bad_line")
            return
        check = P.Decoder(self.keys, self.team, P.ReplayWindow(1), downlink=True)
        r = check.decode(frame)
        if r != P.OK:
            self._line("E bad_frame %s" % P.REASONS[r])
            return
        self.downlinks.append((time.monotonic(), frame))
        self.at(self.airtime_ms / 1000.0, self._transmit, frame, check.counter)

    def _transmit(self, frame, counter):
        self._line("T %d sent %d" % (counter, self.airtime_ms or 1156))
        now = time.monotonic()
        for s in self.insoles:
            if self.rng.random() < self.loss:
                continue
            if s.dec.decode(frame) != P.OK or not s.dec.is_for(s.id):
                continue
            t, a, b = s.dec.type, s.dec.a, s.dec.b
            if t == P.T_ACK and s.dec.c == P.ACK_BY_SUPERVISOR:
                if s.lose_acks > 0:
                    s.lose_acks -= 1
                    continue
                s.supervisor_acks.append((now, b))
                # as the firmware: a status heartbeat confirms the ack (ack-awaited bit clear)
                self.at(self._delay(), self._uplink, s, P.T_HEARTBEAT, 80,
                        (P.HB_ALARM_ACTIVE if s.alarm else 0) | (P.HB_EVACUATING if s.evacuating else 0))
            elif t == P.T_EVACUATE:
                s.evacuating = True
                s.evacuations.setdefault(a, now)
                if not s.hold:
                    self.at(self._delay(), self._answer, s, P.T_EVAC_ACK, a, s.answer_slot)
            elif t == P.T_ROLL_CALL:
                s.roll_calls.setdefault(a, now)
                state = P.STATE_EVACUATING if s.evacuating else (P.STATE_ALARM if s.alarm else P.STATE_OK)
                if not s.hold:
                    self.at(self._delay(), self._answer, s, P.T_ROLL_CALL_ANSWER, a, state)
            elif t == P.T_ALL_CLEAR:
                if s.lose_all_clears > 0:
                    s.lose_all_clears -= 1
                    continue
                s.all_clears += 1
                s.evacuating = False
                s.alarm = False

    def _answer(self, s, type_, ident, state=0):
        answered = s.__dict__.setdefault("_answered", set())
        if (type_, ident) in answered or s.hold:
            return
        answered.add((type_, ident))
        self._uplink(s, type_, ident, state)

    def _delay(self):
        return self.rng.uniform(*self.answer_ms) / 1000.0

    # --- plumbing --------------------------------------------------------------

    def _line(self, s):
        self._out.put(s)

    def at(self, delay_s, fn, *args):
        with self._lock:
            heapq.heappush(self._timers, (time.monotonic() + delay_s, next(self._seq), fn, args))
        self._wake.set()

    def _run(self):
        while not self._stop:
            with self._lock:
                now = time.monotonic()
                due = []
                while self._timers and self._timers[0][0] <= now:
                    due.append(heapq.heappop(self._timers))
                wait = self._timers[0][0] - now if self._timers else 0.5
            for _, _, fn, args in due:
                with self._lock:
                    fn(*args)
            self._wake.wait(min(max(wait, 0), 0.5))
            self._wake.clear()


class _Port:
    def __init__(self, gw):
        self.gw = gw
        self.dead = False

    def readline(self, timeout_s):
        if self.dead:
            raise OSError("gateway port gone")
        try:
            return self.gw._out.get(timeout=timeout_s)
        except queue.Empty:
            return None

    def write_line(self, s):
        if self.dead:
            raise OSError("gateway port gone")
        with self.gw._lock:
            self.gw._host_line(s)

    def close(self):
        self.dead = True
