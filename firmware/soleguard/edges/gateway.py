"""Gateway role: authenticated uplinks in, receipt acks out, a line protocol to the host.

    gw = Gateway(keys, team, my_id, tx_counter, window_store, write_line)
    gw.hello()                          # 'H ...' to the host
    gw.on_uplink(buf, n, now)           # a frame heard on the radio (end of reception)
    gw.on_line("D 0100..", now)         # a line from the host
    tx = gw.service(now)                # None, or (frame bytes, long preamble?, airtime ms)

Pure like delivery.py: time is passed in, the radio and the serial port are
the caller's (lora_radio.GatewayRadio on a board, stdin/stdout on the unix
port, sim/gatewaylink.SimGateway in the team simulator). docs/PROTOCOL.md
section 10 is the line protocol, 8.2/8.3 the timing:

- Every uplink goes through a protocol.Decoder with one ReplayWindow slot per
  rostered insole (``capacity``), saved on every rise (the gateway's window
  store). Accepted -> ``U <hex>``; rejected -> ``R <reason> <count>``. An
  insole whose counter went back (wiped journal) is heard again after
  RESYNC_FRAMES authentic frames climbing from below its window
  (ReplayWindow.restarted); that U line ends ``resync=1`` (the console
  restarts its own window and shows a technical alarm).
- Confirmed uplinks (alarm, cancelled, recovered, evac_ack, roll_call_answer)
  get a receipt ``ack`` (by 0) signed with the gateway's own id and counter,
  sent RX1_DELAY_MS after the uplink ended (the insole's receive window),
  within the downlink band's duty cycle; an ack that cannot go within
  ACK_SLACK_MS of its window is dropped (the insole resends; ``acks_missed``).
  An evac_ack or roll-call answer sent in an answer slot (its ``slot`` field > 0)
  gets none: the console's next evacuate or roll-call frame confirms it in its
  ``done`` bitmap, and a
  receipt 1 s later would take the half-duplex gateway off the air for the
  slots of other insoles (PROTOCOL.md 8.3).
- Host downlinks (``D <hex>``) are checked (team, direction, MAC; the host owns
  their counters) and queued (QUEUE frames), sent with the long preamble of
  8.3 when the duty cycle admits them: ``T <counter> sent <ms>`` or first
  ``T <counter> deferred <ms>``. Roll calls are PRIO_ROUTINE (only the
  routine share of the budget: the rest stays reserved for evacuations,
  all-clears and acks, which go before any queued roll call); a full queue
  gives its newest roll call's place to an order (``E queue_full`` names the
  roll call's counter: not sent). A host frame does not start when a receipt
  ack is due before it would end, unless it has waited HOLD_MS.
"""
from ..core.airtime import PRIO_ALARM, PRIO_ROUTINE, DutyCycle, sub_band, time_on_air_us
from ..core.compat import const
from ..core.delivery import DOWNLINK_KHZ
from ..core import protocol as P

RX1_DELAY_MS = const(1000)  # insole's receive window opens 1 s after its uplink ends (8.3)
ACK_SLACK_MS = const(20)  # the insole's window lasts a few symbols: 33 ms at SF9
LONG_PREAMBLE = const(245)  # symbols: ~1.0 s at SF9, longer than the insoles' listen period (8.3)
QUEUE = const(8)
RESYNC_FRAMES = const(3)  # an insole whose counter went back (wiped journal) is heard again after 3 frames
HOLD_MS = const(2000)
_CONFIRMED = (P.T_ALARM, P.T_CANCELLED, P.T_RECOVERED, P.T_EVAC_ACK, P.T_ROLL_CALL_ANSWER)


class _AnyCounter:
    """Replay window stand-in for host frames: the host owns their counters."""

    def check(self, sender, counter):
        return P.OK

    def accept(self, sender, counter):
        pass


def _hex(buf, n):
    return "".join("%02x" % buf[i] for i in range(n))


def airtime_ms(n, sf, bw_hz, preamble=8):
    return (time_on_air_us(n, sf, bw_hz, preamble=preamble) + 999) // 1000


class Gateway:
    """See the module docstring. ``write(line)`` takes one line without its newline."""

    def __init__(self, keys, team, gateway_id, tx_counter, window_store, write, capacity=64,
                 sf=9, bw_hz=125000, duty=None):
        self.id = gateway_id
        self.team = team
        self.up = P.Decoder(keys, team, P.ReplayWindow(capacity, window_store, persist=True, resync=RESYNC_FRAMES),
                            False)
        self._check = P.Decoder(keys, team, _AnyCounter(), True)
        self.enc = P.Encoder(keys, team, gateway_id, tx_counter)
        self.write = write
        self.sf = sf
        self.bw_hz = bw_hz
        self.duty = duty if duty is not None else DutyCycle()
        self.band = sub_band(DOWNLINK_KHZ)
        self.acks = []  # [due ms, target, acked counter], due order
        self.queue = []  # [counter, frame bytes, queued at ms, deferred reported, duty-cycle priority]
        self.acks_sent = 0
        self.acks_missed = 0
        self.uplinks = 0

    def hello(self):
        self.write("H soleguard-gateway %d team=%d id=%08x band=%s" % (
            P.VERSION, self.team, self.id, "g3"))

    # --- radio side ---

    def on_uplink(self, buf, n, now, via=None):
        """A frame received on the radio, ``now`` = end of reception (ms)."""
        d = self.up
        r = d.decode(buf, n)
        if r != P.OK:
            self.write("R %s %d" % (P.REASONS[r], d.counts[r]))
            return r
        self.uplinks += 1
        self.write("U " + _hex(buf, n) + (" via=" + via if via else "") + (" resync=1" if d.resynced else ""))
        slotted = d.b if d.type == P.T_EVAC_ACK else d.c if d.type == P.T_ROLL_CALL_ANSWER else 0
        if d.type in _CONFIRMED and not slotted:
            self.acks.append([now + RX1_DELAY_MS, d.sender, d.counter])
        return r

    def due_in_ms(self, now):
        """ms until the next receipt ack is due (<= 0: now), or None when none is queued."""
        return self.acks[0][0] - now if self.acks else None

    def service(self, now):
        """The next frame to transmit now: (bytes, long_preamble, airtime_ms) or None."""
        acks = self.acks
        while acks and acks[0][0] + ACK_SLACK_MS < now:
            acks.pop(0)
            self.acks_missed += 1
        if acks and acks[0][0] <= now:
            due, target, counter = acks.pop(0)
            n = P.frame_len(P.T_ACK)
            ms = airtime_ms(n, self.sf, self.bw_hz)
            if not self.duty.admit(self.band, ms, now, PRIO_ALARM):
                self.acks_missed += 1
                return None
            n = self.enc.encode(P.T_ACK, target, counter, P.ACK_BY_GATEWAY)
            frame = bytes(self.enc.mv[:n])
            self.duty.record(self.band, ms, now)
            self.acks_sent += 1
            self.write("A " + _hex(frame, n))
            return frame, False, ms
        if not self.queue:
            return None
        k = 0  # an evacuation, all-clear or ack goes before any queued roll call
        for i in range(len(self.queue)):
            if self.queue[i][4] == PRIO_ALARM:
                k = i
                break
        q = self.queue[k]
        ms = airtime_ms(len(q[1]), self.sf, self.bw_hz, LONG_PREAMBLE)
        if acks and acks[0][0] < now + ms and now - q[2] < HOLD_MS:
            return None  # let the receipt ack meet its window first
        if not self.duty.admit(self.band, ms, now, q[4]):
            if not q[3]:
                q[3] = True
                self.write("T %d deferred %d" % (q[0], self.duty.wait_ms(self.band, ms, now, q[4])))
            return None
        self.queue.pop(k)
        self.duty.record(self.band, ms, now)
        self.write("T %d sent %d" % (q[0], ms))
        return q[1], True, ms

    def next_due(self, now):
        """ms until service() may have something (0: now; 1000 when idle)."""
        if self.queue:
            return 0
        if self.acks:
            return max(0, self.acks[0][0] - now)
        return 1000

    # --- host side ---

    def on_line(self, line, now):
        """One line from the host (without its newline)."""
        line = line.strip()
        if not line:
            return
        kind = line[0]
        if kind == "V":
            self.hello()
            c = self.up.counts
            for i in range(1, len(c)):
                if c[i]:
                    self.write("R %s %d" % (P.REASONS[i], c[i]))
            return
        if kind != "D":
            self.write("E unknown " + line.split(" ")[0][:16])
            return
        parts = line.split(" ")
        try:
            frame = bytes.fromhex(parts[1])
        except (IndexError, ValueError):
            self.write("E bad_line")
            return
        r = self._check.decode(frame)
        if r != P.OK:
            self.write("E bad_frame " + P.REASONS[r])
            return
        c = self._check.counter
        prio = PRIO_ROUTINE if self._check.type == P.T_ROLL_CALL else PRIO_ALARM
        if len(self.queue) >= QUEUE:
            give = -1  # an order pre-empts the newest queued roll call
            if prio == PRIO_ALARM:
                for i in range(len(self.queue) - 1, -1, -1):
                    if self.queue[i][4] == PRIO_ROUTINE:
                        give = i
                        break
            if give < 0:
                self.write("E queue_full %d" % c)
                return
            self.write("E queue_full %d" % self.queue.pop(give)[0])
        if airtime_ms(len(frame), self.sf, self.bw_hz, LONG_PREAMBLE) > self.duty.budget_ms(self.band):
            self.write("E never %d" % c)
            return
        self.queue.append([c, frame, now, False, prio])
