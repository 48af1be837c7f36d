"""Delivery: the insole's state machine between the outbox and a radio.

    d = Delivery(outbox, keys, team, device_id, window_store, Prng(seed), haptics)
    n = d.service(now)          # > 0: transmit d.frame[:n] now (uplink channel, d.airtime_ms)
    cmd = d.on_frame(buf, n, now)   # a received downlink -> radio.CMD_* or None
    d.notify()                  # the app appended a record: look again at once

Pure: no radio, no clock, no file I/O (time ``now`` is monotonic ms passed in,
the stores and the haptics player are injected). The radio adapters
(lora_radio.py, ble_radio.py) and the team simulator drive it the same way.
docs/PROTOCOL.md section 8 is the design; summary:

- Order: one confirmed record in flight, oldest first, except that a pending
  EV_ALARM pre-empts anything else (stop-and-wait, so a ``recovered`` never
  overtakes its ``alarm``), and among alarms an SOS goes before a fall or
  man-down, which go before a technical alarm (``alarm_priority``). Records that never leave the insole (pre-alarm,
  cleared) are acknowledged locally; heartbeats and self-test results go once,
  unconfirmed, as a ``heartbeat`` frame, and are then acknowledged locally.
- Schedule: first transmission at once (an evacuation ack after EVAC_HOLD_MS,
  the end of the gateway's burst of repeats, + a random 0..EVAC_SPREAD_MS, a
  roll-call answer after 0..EVAC_SPREAD_MS, so that a team does not answer in
  one burst), then again every RESEND_MS + uniform 0..JITTER_MS (20 s +
  0..10 s: <= 30 s, DESIGN; evacuation acks and roll-call answers after
  EVAC_RESEND_MS + 0..EVAC_JITTER_MS, 3-18 s) until a gateway ``ack`` names the
  counter of one of its transmissions. An alarm's first FAST_TRIES resends come sooner,
  after FAST_RESEND_MS + 0..FAST_JITTER_MS (3-8 s): one collision with a
  team's evacuation acks should not cost an alarm half a minute.
- Every transmission is a new frame with a new counter (protocol.Encoder over
  the outbox's persisted counter); the last RING transmissions map
  counter -> outbox seq, so an ack finds its record.
- Duty cycle: airtime.DutyCycle on the uplink sub-band; heartbeats as
  PRIO_ROUTINE (only their share of the budget), everything else PRIO_ALARM.
  A refused frame waits ``wait_ms``.
- Downlinks (protocol.Decoder with a per-sender ReplayWindow that persists a
  sender's counter only before the insole acts on one of its frames): ``ack``
  for this insole -> outbox.ack(seq) (by = 1 also returns CMD_ALARM_ACK when
  it names a frame of the current person alarm);
  ``evacuate`` -> evacuation vibration + an EV_EVAC_ACK record, once per
  (sender, order id), never for an order at or before the last all-clear of
  that sender (16-bit ids compared with serial-number arithmetic, RFC 1982:
  a console's ids may wrap; another console has its own sequence; the last
  all-clear id per sender is kept in the window store, so it survives a
  reset); ``all_clear`` -> stop (id 0: any evacuation);
  ``roll_call`` -> an EV_ROLL_CALL_ANSWER record, once per (sender, call id), replacing an
  answer still pending (sent, like heartbeats, in the routine share of the duty cycle); ``config``
  -> ``on_config(param, value)`` (the app validates and stores it).
  A forged frame fails the MAC, a replayed one the window: neither acts.
- Resets: the outbox journal keeps the records and the counter, the window
  store the replay windows; a new Delivery over them carries on.

Allocation: ``service`` allocates only when it rescans the outbox (its
``pending()`` list: after notify(), an ack, or a due time) and the frame's
SHA-256 (protocol.py); waiting costs nothing.
"""
from array import array

from .airtime import PRIO_ALARM, PRIO_ROUTINE, DutyCycle, sub_band, time_on_air_us
from .compat import const
from .events import (
    CANCEL_BY_GESTURE,
    CANCEL_BY_RECOVERY,
    CAUSE_SOS,
    CAUSE_TECHNICAL,
    EV_ALARM,
    EV_CANCELLED,
    EV_CLEARED,
    EV_EVAC_ACK,
    EV_HEARTBEAT,
    EV_PRE_ALARM,
    EV_RECOVERED,
    EV_ROLL_CALL_ANSWER,
    EV_SELFTEST,
)
from .patterns import EVACUATION
from . import protocol as P
from .config import (
    EVAC_ACK_BACKOFF_MAX, EVAC_ACK_HOLD_MS, EVAC_ACK_JITTER_MS, EVAC_ACK_RESEND_MS, EVAC_ACK_SPREAD_MS,
    EVAC_BURST_PERIOD_MS, EVAC_BURST_REPEATS, EVAC_FAST_ROUNDS, EVAC_SLOT_ANSWERS_MAX, EVAC_SLOT_GUARD_MS,
    EVAC_SLOT_WAIT_MS, EVAC_SLOW_REPEAT_MS, EVAC_START_GAP_MS, HEARTBEAT_SPREAD_MS, ROLL_CALL_ANSWERS_PER_HOUR,
)
from .radioport import CMD_ALARM_ACK, CMD_ALL_CLEAR, CMD_EVACUATE

RESEND_MS = const(20000)  # PROTOCOL.md 8.2: base period
JITTER_MS = const(10000)  # + uniform 0..10 s: cycle <= 30 s (DESIGN: resend <= 30 s)
FAST_TRIES = const(2)  # an alarm's first resends: 3 s + 0..5 s (team simulation: alarms colliding
FAST_RESEND_MS = const(3000)  # with 50 evacuation acks took 20-30 s per lost frame)
FAST_JITTER_MS = const(5000)
EVAC_HOLD_MS = EVAC_ACK_HOLD_MS  # first evac_ack after HOLD + 0..SPREAD ms (core/config.py) ...
EVAC_SPREAD_MS = EVAC_ACK_SPREAD_MS
EVAC_RESEND_MS = EVAC_ACK_RESEND_MS  # ... then again after RESEND + 0..JITTER until receipted
EVAC_JITTER_MS = EVAC_ACK_JITTER_MS
RING = const(8)  # counter -> seq pairs kept for acks
UPLINK_KHZ = 868100  # g1; one channel: a single-radio (SX1262) gateway listens on one
DOWNLINK_KHZ = 869525  # g3, 10 %: every downlink, receipt acks included
_SEEN = const(8)  # (sender, order / call id) pairs remembered
_CLEARED = const(8)  # senders whose last all-clear id is kept (oldest entry replaced)
_IDLE = const(0x3FFFFFFF)


class Prng:
    """xorshift32 (Marsaglia 2003): the same numbers on every runtime for a seed.

    ``below(n)`` -> 0..n-1 (n >= 1; modulo bias < n / 2**32, irrelevant for
    jitter). 32-bit state: a heap int on an MCU only above 2**30.
    """

    def __init__(self, seed):
        self.s = (seed & 0xFFFFFFFF) or 0x9E3779B9

    def below(self, n):
        s = self.s
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        self.s = s
        return s % n


class OutboxCounter:
    """The frame counter over the outbox's persisted counter (protocol.TxCounter's
    ``take`` interface): frame counters and record seqs share one monotonic,
    reset-proof sequence, so a counter is never reused (0 is skipped)."""

    def __init__(self, outbox):
        self._box = outbox

    def take(self):
        v = self._box.next_counter()
        while v == 0 or v > P.COUNTER_MAX:
            if v > P.COUNTER_MAX:
                raise OverflowError("delivery: frame counter exhausted, re-key the team")
            v = self._box.next_counter()
        return v


def answer_slot_ms(sf=9, bw_hz=125000):
    """Length of one answer slot in ms: the time on air at ``sf``/``bw_hz`` of the longest frame
    a slot carries (an evac_ack, an alarm or a roll-call answer: 20 bytes each) +
    EVAC_SLOT_GUARD_MS, rounded up to 10 ms (SF9, 125 kHz: 185.3 + 14 -> 200 ms, 14.7 ms of
    guard; SF12: 1318.9 + 14 -> 1340 ms)."""
    toa = 0
    for t in (P.T_EVAC_ACK, P.T_ALARM, P.T_ROLL_CALL_ANSWER):
        n = time_on_air_us(P.frame_len(t), sf, bw_hz)
        if n > toa:
            toa = n
    return (toa + EVAC_SLOT_GUARD_MS * 1000 + 9999) // 10000 * 10


def slot_rank(done, slot):
    """How many roster slots below ``slot`` (0..63) are not confirmed in ``done``
    (an evacuate frame's bitmap, bit i = slot i confirmed): the insole's place in
    this round. ``slot_rank(done, n)`` is the number of unconfirmed slots of a
    roster of n <= 64. ``done`` is up to 64 bits: a heap int on an MCU (per frame)."""
    r = 0
    for i in range(slot):
        if not (done >> i) & 1:
            r += 1
    return r


def order_schedule(k, missing, slot_ms, frame_ms, paired=False):
    """Host side (console, team simulation): frame ``k`` (0-based) of an evacuation
    order -> (its ``start`` field: START_UNIT_MS units, | START_PAIRED when ``paired``;
    ms until the next frame). ``paired``: every roster slot holds two answers (the two
    insoles of one wearer), so a round of ``missing`` slots lasts 2 x missing x slot_ms.
    Frames 0..EVAC_BURST_REPEATS-1 are the burst, one every EVAC_BURST_PERIOD_MS,
    each pointing at the same slot 0, EVAC_START_GAP_MS after the burst's last
    frame ends; every later frame starts a round of ``missing`` slots of
    ``slot_ms`` right after itself (``frame_ms`` on air) and the next frame
    follows the round's last slot (+ 50 ms for its answer to reach the host):
    EVAC_FAST_ROUNDS such rounds back to back, then at most one every
    EVAC_SLOW_REPEAT_MS. The half-duplex gateway sends nothing during a round."""
    last = EVAC_BURST_REPEATS - 1
    flag = P.START_PAIRED if paired else 0
    if k < last:
        return ((last - k) * EVAC_BURST_PERIOD_MS + EVAC_START_GAP_MS) // P.START_UNIT_MS | flag, EVAC_BURST_PERIOD_MS
    start = (EVAC_START_GAP_MS + P.START_UNIT_MS - 1) // P.START_UNIT_MS
    end = frame_ms + start * P.START_UNIT_MS + missing * (2 if paired else 1) * slot_ms + 50
    if k < last + EVAC_FAST_ROUNDS:
        return start | flag, end
    return start | flag, end if end > EVAC_SLOW_REPEAT_MS else EVAC_SLOW_REPEAT_MS


def call_schedule(r, missing, slot_ms, frame_ms, paired=False):
    """Host side: frame ``r`` (0-based) of a roll call with answer slots -> (its ``start``,
    ms until the next frame). A roll call has no burst: every frame starts a round, as an
    order's frames after its burst do (``order_schedule``), EVAC_FAST_ROUNDS back to back,
    then at most one every EVAC_SLOW_REPEAT_MS; ``frame_ms``: the roll call's time on air."""
    return order_schedule(EVAC_BURST_REPEATS - 1 + r, missing, slot_ms, frame_ms, paired)


def alarm_priority(cause):
    """Send order of pending alarms: 3 SOS, 2 fall / man-down, 1 technical."""
    if cause == CAUSE_SOS:
        return 3
    return 1 if cause == CAUSE_TECHNICAL else 2


def frame_of(type_, cause, detail, status=0):
    """(frame type, a, b) for an outbox record, or (0, 0, 0) if it stays on the insole.

    Raises nothing: out-of-range values are clamped into the frame's range
    (detail is u16; cancel_by 3 = cancelled by motion is sent as recovery).
    """
    detail &= 0xFFFF
    if type_ == EV_ALARM and 1 <= cause <= 4:
        return P.T_ALARM, cause, detail
    if type_ == EV_CANCELLED and 1 <= cause <= 2:
        return P.T_CANCELLED, cause, CANCEL_BY_GESTURE if detail == CANCEL_BY_GESTURE else CANCEL_BY_RECOVERY
    if type_ == EV_RECOVERED and 1 <= cause <= 4:
        return P.T_RECOVERED, cause, detail
    if type_ == EV_HEARTBEAT:
        return P.T_HEARTBEAT, min(detail, 100), status
    if type_ == EV_SELFTEST:
        return P.T_HEARTBEAT, 100, status | (P.HB_SELF_TEST_FAILED if detail else 0)
    if type_ == EV_EVAC_ACK and detail:
        return P.T_EVAC_ACK, detail, 0  # slot 0: delivery sets the insole's slot + 1 when it answers in it
    if type_ == EV_ROLL_CALL_ANSWER and detail and 0 <= cause <= 3:
        return P.T_ROLL_CALL_ANSWER, detail, cause
    return 0, 0, 0


class Delivery:
    """One insole's delivery layer; see the module docstring.

    outbox: outbox.Outbox (journal; its counter numbers frames too).
    keys: protocol.Keys; team: team id; device_id: this insole's id.
    window_store: protocol window-store interface (load_windows/save_window).
    rng: Prng (or anything with ``below(n)``). haptics: haptics.Haptics or None.
    duty: airtime.DutyCycle (one is made if None). sf / bw_hz: LoRa settings
    for time on air. on_config(param, value): configuration sink or None.
    state(): the insole's protocol STATE_* for roll calls (default OK/evacuating).
    status(): the lifecycle's heartbeat bits (HB_ALARM_ACTIVE, HB_PRE_ALARM,
    HB_ACK_AWAITED); None: HB_ALARM_ACTIVE while an alarm record is pending
    (an insole without a lifecycle, e.g. the team simulation's event-level ones).
    evac_spread_ms: the evacuation ack's random first delay after ``evac_hold_ms`` (None:
    EVAC_HOLD_MS, or 0 when evac_spread_ms is 0: tests that want the answer at once);
    evac_resend_ms / evac_jitter_ms: its resends (core/config.py EVAC_ACK_*).
    slot: the insole's answer slot 0..63 (its roster position, enrolment config ANSWER_SLOT - 1);
    -1 (or out of range): none, the evacuation ack goes on the random schedule above.
    side: its answer within a paired slot (evacuate.start has START_PAIRED): 0 first (a single
    insole, or the left of a pair), 1 second (the right; enrolment config PAIR_SIDE 2).
    """

    def __init__(self, outbox, keys, team, device_id, window_store, rng, haptics=None,
                 duty=None, sf=9, bw_hz=125000, on_config=None, state=None, status=None, senders=4,
                 evac_spread_ms=EVAC_SPREAD_MS, evac_hold_ms=None, evac_resend_ms=EVAC_RESEND_MS,
                 evac_jitter_ms=EVAC_JITTER_MS, slot=-1, side=0):
        self.outbox = outbox
        self.id = device_id
        self.enc = P.Encoder(keys, team, device_id, OutboxCounter(outbox))
        self.window = P.ReplayWindow(senders, window_store, persist=False)
        self.dec = P.Decoder(keys, team, self.window, True)
        self.rng = rng
        self.haptics = haptics
        self.duty = duty if duty is not None else DutyCycle()
        self.band = sub_band(UPLINK_KHZ)
        self.sf = sf
        self.bw_hz = bw_hz
        self.on_config = on_config
        self.state = state
        self.status = status
        self.evac_spread_ms = evac_spread_ms
        self.evac_hold_ms = (EVAC_HOLD_MS if evac_spread_ms else 0) if evac_hold_ms is None else evac_hold_ms
        self.evac_resend_ms = evac_resend_ms
        self.heartbeat_spread_ms = HEARTBEAT_SPREAD_MS if evac_spread_ms else 0
        self.evac_jitter_ms = evac_jitter_ms
        self.slot = slot if 0 <= slot < P.ANSWER_SLOTS else -1
        self.side = 1 if side else 0
        self.slot_ms = answer_slot_ms(sf, bw_hz)
        self._slot_seq = -1  # the record answered in slots (an evac_ack or a roll-call answer), outside the
        self._slot_kind = 0  # stop-and-wait order (-1: none), and its record type (EV_EVAC_ACK, EV_ROLL_CALL_ANSWER)
        self._slot_at = -1  # when its slot of the current round starts (ms), -1: none (wait for the next round)
        self._slot_until = 0  # no order frame until then: the record goes back to the random schedule
        self.tx_seq = -1  # the record the last frame handed out carried, and its type
        self.tx_type = 0
        self.frame = self.enc.mv  # the frame to transmit is frame[:n] after service() returned n
        self.airtime_ms = 0
        self.last_n = 0  # length of the last frame handed out (still in ``frame`` until the next)
        self.counter = 0  # counter of the last frame handed out
        self.seq = -1  # the record in flight (-1: none)
        self.seq_type = 0
        self._tries = 0
        self._due = 0
        self._dirty = True
        self._pending = []
        self._rec = None
        self._ring_c = array("I", bytes(4 * RING))
        self._ring_s = array("I", bytes(4 * RING))
        self._ring_i = 0
        self._ring_p = bytearray(RING)  # 1: that transmission carried a person alarm (fall, man-down, SOS)
        self._floor = 0  # seq of the newest person alarm record seen: its frames have counters above it
        self._orders = array("H", bytes(2 * _SEEN))  # order ids heard, newest first ...
        self._orders_s = array("I", bytes(4 * _SEEN))  # ... and their senders
        self._calls = array("H", bytes(2 * _SEEN))
        self._calls_s = array("I", bytes(4 * _SEEN))
        self._clr_s = array("I", bytes(4 * _CLEARED))  # sender -> the last order id its all-clear ended
        self._clr = array("H", bytes(2 * _CLEARED))
        self._clr_i = 0
        self._store = window_store
        load = getattr(window_store, "load_cleared", None)
        if load is not None:
            for sender, o in load():
                self._set_cleared(sender, o)
        self.evac_sender = 0  # sender of the order being rendered
        self.evacuating = 0  # order id being rendered, 0: none
        self.selftest_failed = False
        self.sent = 0  # frames handed out
        self.deferred = 0  # times the duty cycle made a frame wait
        self.slot_alarms = 0  # person alarm frames sent in the insole's answer slot (_send_slot)
        self._slot_n = 0  # evac_acks sent in slots for the order being rendered (EVAC_SLOT_ANSWERS_MAX) ...
        self._call_n = 0  # ... roll-call answers for the current call (the same cap)
        self._rc_s = array("i", b"\xff" * (4 * ROLL_CALL_ANSWERS_PER_HOUR))  # s of the last roll-call answers, ring
        self._rc_i = 0  # (-1: none); its next cell holds the oldest
        self.call = 0  # the roll call being answered (id, sender), 0: none
        self.call_sender = 0

    # --- uplink ---

    def notify(self):
        """A record was appended (or anything changed): rescan at the next service()."""
        self._dirty = True

    def next_due(self, now):
        """ms until service() has work (0: now); _IDLE when nothing is pending."""
        if self._dirty:
            return 0
        due = self._due if self.seq >= 0 else now + _IDLE
        if self._slot_seq >= 0:
            at = self._slot_at if self._slot_at >= 0 else self._slot_until
            if at < due:
                due = at
        return max(0, due - now)

    def service(self, now):
        """Return n > 0 when ``frame[:n]`` must be transmitted now, else 0."""
        if self._slot_seq >= 0:
            if self._slot_at >= 0 and now >= self._slot_at:
                at = self._slot_at
                self._slot_at = -1
                if now <= at + EVAC_SLOT_GUARD_MS:  # late (the loop was busy): it would hit the next slot
                    n = self._send_slot(now)
                    if n:
                        return n
            elif self._slot_at < 0 and now >= self._slot_until:  # no round heard: the random schedule
                self._slot_seq = -1
                self._dirty = True
        if not self._dirty and (self.seq < 0 or now < self._due):
            return 0
        if self._dirty:
            self._dirty = False
            self._pick(now)
        if self.seq < 0 or now < self._due:
            return 0
        rec = self._rec
        t, a, b = frame_of(rec[2], rec[3], rec[4], self._status())
        n = P.frame_len(t)
        toa = (time_on_air_us(n, self.sf, self.bw_hz) + 999) // 1000
        routine = t == P.T_HEARTBEAT
        # roll-call answers, like heartbeats, only in the routine share: a roll-call flood never
        # uses up the budget that alarms and evacuation acks need
        prio = PRIO_ROUTINE if routine or t == P.T_ROLL_CALL_ANSWER else PRIO_ALARM
        if t == P.T_ROLL_CALL_ANSWER:
            if not self._rc_ok(now):  # ROLL_CALL_ANSWERS_PER_HOUR sent: this call goes unanswered (held, it
                self.deferred += 1  # would hold every record behind it for up to an hour: red-team finding)
                self._done(now)
                return 0
            b = self._state()  # the state now, not when the call came (it may have heard the all-clear since)
        if not self.duty.admit(self.band, toa, now, prio):
            w = self.duty.wait_ms(self.band, toa, now, prio)
            self.deferred += 1
            if w < 0:  # can never go (a heartbeat larger than its share): drop it
                self._done(now)
                return 0
            self._due = now + w
            return 0
        n = self._transmit(now, t, a, b, toa, self.seq, self.seq_type,
                           1 if t == P.T_ALARM and a != CAUSE_TECHNICAL else 0)
        if routine:  # unconfirmed: the next heartbeat replaces it
            self._done(now)
        elif self.seq_type == EV_ALARM and self._tries < FAST_TRIES:
            self._tries += 1
            self._due = now + FAST_RESEND_MS + self.rng.below(FAST_JITTER_MS + 1)
        elif self.seq_type == EV_EVAC_ACK or self.seq_type == EV_ROLL_CALL_ANSWER:
            k = self._tries if self._tries < EVAC_ACK_BACKOFF_MAX else EVAC_ACK_BACKOFF_MAX
            self._tries += 1
            self._due = now + self.evac_resend_ms + self.rng.below((self.evac_jitter_ms << k) + 1)
        else:
            self._due = now + RESEND_MS + self.rng.below(JITTER_MS + 1)
        return n

    def slot_in_ms(self, now):
        """ms until this insole's scheduled answer slot (0: now), or -1 when none is scheduled."""
        if not self.slot_pending():
            return -1
        return self._slot_at - now if self._slot_at > now else 0

    def slot_pending(self):
        """True while an answer in this insole's slot of a round is scheduled (the radio must be
        awake to send it within EVAC_SLOT_GUARD_MS of the slot: no light sleep meanwhile)."""
        return self._slot_seq >= 0 and self._slot_at >= 0

    def alarm_in_flight(self):
        """True while an alarm record is being resent (BLE advertises it meanwhile)."""
        return self.seq >= 0 and self.seq_type == EV_ALARM and self.last_n > 0

    def _status(self):
        s = P.HB_EVACUATING if self.evacuating else 0
        if self.selftest_failed:
            s |= P.HB_SELF_TEST_FAILED
        if self.status is not None:
            return s | self.status()
        for r in self._pending:
            if r[2] == EV_ALARM:
                s |= P.HB_ALARM_ACTIVE
                break
        return s

    def _done(self, now):
        """The record in flight needs no more transmissions: acknowledge it locally."""
        self.outbox.ack(self.seq)
        self.seq = -1
        self._dirty = True
        self._due = now

    def _pick(self, now):
        """Choose the record to send: the alarm of highest priority (SOS, then fall
        and man-down, then technical; the oldest among equals), else the oldest
        record. A technical alarm the gateway never acknowledges (downlink lost)
        therefore never holds back a person alarm."""
        pend = self.outbox.pending()
        keep = []
        for r in pend:  # records that never go on air leave the journal now
            if r[2] == EV_PRE_ALARM or r[2] == EV_CLEARED or frame_of(r[2], r[3], r[4])[0] == 0:
                self.outbox.ack(r[0])
            else:
                if r[2] == EV_SELFTEST and r[4]:
                    self.selftest_failed = True
                elif r[2] == EV_ALARM and r[3] != CAUSE_TECHNICAL and r[0] > self._floor:
                    self._floor = r[0]
                keep.append(r)
        self._pending = keep
        best = None
        top = 0
        for r in keep:
            if r[2] == EV_ALARM:
                p = alarm_priority(r[3])
                if p > top:
                    best = r
                    top = p
        if best is None:
            for r in keep:  # the oldest, but not the evac_ack that goes in its answer slot
                if r[0] != self._slot_seq:
                    best = r
                    break
        if best is None:
            self.seq = -1
            return
        if best[0] != self.seq:  # a new record in flight: it goes at once
            self.seq = best[0]
            self.seq_type = best[2]
            self._tries = 0
            if best[2] == EV_HEARTBEAT:  # a random 0..HEARTBEAT_SPREAD_MS: insoles whose periods are
                self._due = now + self.rng.below(self.heartbeat_spread_ms + 1)  # in phase do not collide for ever
            elif best[2] == EV_EVAC_ACK:  # after the gateway's burst of repeats, then spread
                self._due = now + self.evac_hold_ms + self.rng.below(self.evac_spread_ms + 1)
            elif best[2] == EV_ROLL_CALL_ANSWER:
                self._due = now + self.rng.below(self.evac_spread_ms + 1)
            else:
                self._due = now
        self._rec = best

    # --- downlink ---

    def on_frame(self, buf, n, now):
        """Handle one received downlink; return a radio.CMD_* for the app, or None."""
        d = self.dec
        if d.decode(buf, n) != P.OK or not d.is_for(self.id):
            return None
        t = d.type
        if t == P.T_ACK:
            return self._on_ack(d, now)
        if t == P.T_EVACUATE:
            o = d.a
            c = self._cleared(d.sender)
            if _seen(self._orders, self._orders_s, d.sender, o):
                if o == self.evacuating and d.sender == self.evac_sender:
                    self._round(EV_EVAC_ACK, o, d.c, d.d, now)  # a repeat: the group receipt, or this insole's
                    #   slot in the next round
                return None
            if c and not serial_after(o, c):
                return None
            self.window.persist(d.sender)
            _remember(self._orders, self._orders_s, d.sender, o)
            self.evacuating = o
            self.evac_sender = d.sender
            self._slot_n = 0
            self._end(EV_ROLL_CALL_ANSWER)  # one still to go would collide with the order's rounds, and the
            #   evac_ack says more (red-team finding)
            if self.haptics is not None:
                self.haptics.play(EVACUATION, now)
            self._append(now, EV_EVAC_ACK, 0, o)
            self._round(EV_EVAC_ACK, o, d.c, d.d, now)
            return CMD_EVACUATE
        if t == P.T_ALL_CLEAR:
            self.window.persist(d.sender)
            o = d.a
            if o == 0:  # every order of this sender: the newest heard from it
                o = _newest(self._orders, self._orders_s, d.sender)
            c = self._cleared(d.sender)
            if o and (not c or serial_after(o, c)):
                self._set_cleared(d.sender, o)
                save = getattr(self._store, "save_cleared", None)
                if save is not None:
                    save(d.sender, o)
            if self.evacuating and (d.a == 0 or (self.evac_sender == d.sender and not serial_after(self.evacuating, o))):
                self._end(EV_EVAC_ACK, self.evacuating)  # its answer no longer matters
                self.evacuating = 0
                if self.haptics is not None:
                    self.haptics.stop(EVACUATION)
            return CMD_ALL_CLEAR
        if t == P.T_ROLL_CALL:
            if _seen(self._calls, self._calls_s, d.sender, d.a):
                if d.a == self.call and d.sender == self.call_sender:
                    self._round(EV_ROLL_CALL_ANSWER, d.a, d.b, d.c, now)  # a repeat: as an order's (8.3)
                return None
            self.window.persist(d.sender)
            _remember(self._calls, self._calls_s, d.sender, d.a)
            self._end(EV_ROLL_CALL_ANSWER)  # only the newest answer matters: it replaces an unsent one
            self.call = d.a
            self.call_sender = d.sender
            self._call_n = 0
            self._append(now, EV_ROLL_CALL_ANSWER, self._state(), d.a)
            self._round(EV_ROLL_CALL_ANSWER, d.a, d.b, d.c, now)
            return None
        if t == P.T_CONFIG:
            self.window.persist(d.sender)
            if self.on_config is not None:
                self.on_config(d.b, d.c)
            return None
        return None

    def _end(self, kind, key=-1):
        """Every pending record of type ``kind`` (and detail ``key`` when >= 0) needs no more
        transmissions: acknowledged locally, no longer in flight nor in an answer slot."""
        for r in self.outbox.pending():
            if r[2] == kind and (key < 0 or r[4] == key):
                self.outbox.ack(r[0])
                if r[0] == self.seq:
                    self.seq = -1
                if r[0] == self._slot_seq:
                    self._slot_seq = -1
                    self._slot_at = -1
                self._dirty = True

    def _send_slot(self, now):
        """This insole's answer slot: the answer of ``_slot_seq`` (an evac_ack, or a roll-call
        answer with the insole's state now), beside the record in flight (stop-and-wait is
        for the alarm path; this answer gets no receipt), or, while a person alarm awaits
        its receipt, that alarm: a slot is the only airtime of a round no other insole uses
        (the rounds fill the channel back to back, so an alarm on its own resend schedule
        collides with a slotted answer), every frame a slot carries fits it
        (``answer_slot_ms``), and the answer, not in ``done``, gets this insole's slot in
        the next round. A roll-call answer is charged to the routine share of the duty
        cycle, like its unslotted sends."""
        o = 0
        for r in self.outbox.pending():
            if r[0] == self._slot_seq:
                o = r[4]
        if not o:
            self._slot_seq = -1
            return 0
        if self._dirty:
            self._dirty = False
            self._pick(now)
        rec = self._rec
        alarm = self.seq >= 0 and rec is not None and rec[2] == EV_ALARM and rec[3] != CAUSE_TECHNICAL
        call = self._slot_kind == EV_ROLL_CALL_ANSWER
        t = P.T_ALARM if alarm else P.T_ROLL_CALL_ANSWER if call else P.T_EVAC_ACK
        toa = (time_on_air_us(P.frame_len(t), self.sf, self.bw_hz) + 999) // 1000
        if not self.duty.admit(self.band, toa, now, PRIO_ROUTINE if call and not alarm else PRIO_ALARM) or (
                call and not alarm and not self._rc_ok(now)):
            self.deferred += 1
            return 0  # the next round gives another slot
        if alarm:
            self.slot_alarms += 1
            t, a, b = frame_of(rec[2], rec[3], rec[4])
            return self._transmit(now, t, a, b, toa, self.seq, self.seq_type, 1)
        if call:
            self._call_n += 1
            return self._transmit(now, t, o & 0xFFFF, self._state(), toa, self._slot_seq, EV_ROLL_CALL_ANSWER, 0, 1)
        self._slot_n += 1
        return self._transmit(now, t, o & 0xFFFF, self.slot + 1, toa, self._slot_seq, EV_EVAC_ACK, 0)

    def _rc_ok(self, now):
        """True while fewer than ROLL_CALL_ANSWERS_PER_HOUR roll-call answers went in the last hour."""
        s = self._rc_s[self._rc_i]
        return s < 0 or now // 1000 - s >= 3600

    def _transmit(self, now, t, a, b, toa, seq, seq_type, person, c=0):
        """Encode frame ``t`` (a, b, c) of record ``seq`` into ``frame``, charge ``toa`` ms to the duty
        cycle and remember its counter (the ring that maps receipts back to records; ``person``
        1 for a person alarm). Returns the frame length."""
        if t == P.T_ROLL_CALL_ANSWER:
            i = self._rc_i
            self._rc_s[i] = now // 1000
            self._rc_i = (i + 1) % ROLL_CALL_ANSWERS_PER_HOUR
        n = self.enc.encode(t, a, b, c)
        self.duty.record(self.band, toa, now)
        self.airtime_ms = toa
        self.last_n = n
        self.counter = self.enc.counter
        self.sent += 1
        self.tx_seq = seq
        self.tx_type = seq_type
        i = self._ring_i
        self._ring_c[i] = self.counter
        self._ring_s[i] = seq
        self._ring_p[i] = person
        self._ring_i = (i + 1) % RING
        return n

    def _round(self, kind, key, start, done, now):
        """A frame of the order being rendered (``kind`` EV_EVAC_ACK, ``key`` its order id) or
        of the roll call being answered (EV_ROLL_CALL_ANSWER, its call id), with its
        ``start`` and ``done`` fields: with answer slots (start's units > 0) and a slot of
        its own, the insole's bit in ``done`` is the console's group receipt of its answer
        (paired slots: of both insoles of the slot); otherwise its answer in this round
        starts (start & 0x7F) x 100 ms after the frame's end (``now``) + its place x
        slot_ms, its place = the unconfirmed slots below its own (paired slots: 2 x that +
        ``side``). An insole whose answer was receipted without a slot but is not in
        ``done`` answers again. The newest round of either kind has the slot."""
        units = start & ~P.START_PAIRED
        if self.slot < 0 or not units:
            return
        mine = -1
        confirmed = (done >> self.slot) & 1
        for r in self.outbox.pending():
            if r[2] == kind and r[4] == key:
                if not confirmed:
                    mine = r[0]
                    break
                self.outbox.ack(r[0])  # every record of this order (a reboot mid-order adds one)
                if r[0] == self.seq:
                    self.seq = -1
        if confirmed:  # the answer needs no more transmissions
            if self._slot_kind == kind:
                self._slot_seq = -1
                self._slot_at = -1
            self._dirty = True
            return
        if (self._call_n if kind == EV_ROLL_CALL_ANSWER else self._slot_n) >= EVAC_SLOT_ANSWERS_MAX:
            # enough slotted answers: the random schedule finishes it
            if self._slot_seq >= 0 and self._slot_kind == kind:
                self._slot_seq = -1
                self._slot_at = -1
                self._dirty = True
            return
        if mine < 0:
            mine = self._append(now, kind, self._state() if kind == EV_ROLL_CALL_ANSWER else 0, key)
            if mine < 0:
                return
        if mine == self.seq:  # it was on the random schedule: slots from now on
            self.seq = -1
        self._slot_seq = mine
        self._slot_kind = kind
        place = slot_rank(done, self.slot)
        if start & P.START_PAIRED:
            place = 2 * place + self.side
        self._slot_at = now + units * P.START_UNIT_MS + place * self.slot_ms
        self._slot_until = self._slot_at + EVAC_SLOT_WAIT_MS
        self._dirty = True

    def _state(self):
        """The insole's protocol STATE_* for a roll-call answer."""
        if self.state is not None:
            return self.state()
        return P.STATE_EVACUATING if self.evacuating else P.STATE_OK

    def _on_ack(self, d, now):
        """A receipt (by 0) or a supervisor's ack (by 1). The supervisor's ack
        reaches the lifecycle (CMD_ALARM_ACK) only if it names a frame of the
        current person alarm: the console repeats it until the insole confirms,
        so a late repeat for an earlier alarm, or the ack of a technical alarm,
        must not acknowledge the alarm now in progress."""
        counter = d.b
        seq = -1
        person = counter > self._floor  # a counter no longer in the ring: sent after the newest alarm began?
        for i in range(RING):
            if self._ring_c[i] == counter and counter:
                seq = self._ring_s[i]
                person = self._ring_p[i] == 1 and seq >= self._floor
                break
        if seq < 0 and d.c != P.ACK_BY_SUPERVISOR:
            return None  # an ack of a frame this insole no longer remembers: nothing to do
        self.window.persist(d.sender)
        if seq >= 0 and self.outbox.ack(seq):
            if seq == self.seq:
                self.seq = -1
            self._dirty = True
        return CMD_ALARM_ACK if d.c == P.ACK_BY_SUPERVISOR and person else None

    def _cleared(self, sender):
        """The last order id ``sender``'s all-clear ended, 0 if none kept."""
        for i in range(_CLEARED):
            if self._clr_s[i] == sender and self._clr[i]:
                return self._clr[i]
        return 0

    def _set_cleared(self, sender, o):
        for i in range(_CLEARED):
            if self._clr_s[i] == sender:
                self._clr[i] = o
                return
        i = self._clr_i
        self._clr_s[i] = sender
        self._clr[i] = o
        self._clr_i = (i + 1) % _CLEARED

    def _append(self, now, type_, cause, detail):
        try:
            seq = self.outbox.append(now, type_, cause, detail)
        except Exception:  # OutboxFull (alarms fill it) or flash error: the gateway repeats its frame
            return -1
        self._dirty = True
        return seq


def serial_after(a, b):
    """True if 16-bit id ``a`` comes after ``b`` in serial-number arithmetic
    (RFC 1982, SERIAL_BITS 16): 1 follows 65535; ids half the space apart
    (32768) are not comparable and count as not after."""
    d = (a - b) & 0xFFFF
    return 0 < d < 0x8000


def _seen(ids, senders, sender, v):
    for i in range(len(ids)):
        if ids[i] == v and senders[i] == sender:
            return True
    return False


def _remember(ids, senders, sender, v):
    for i in range(len(ids) - 1, 0, -1):
        ids[i] = ids[i - 1]
        senders[i] = senders[i - 1]
    ids[0] = v
    senders[0] = sender


def _newest(ids, senders, sender):
    for i in range(len(ids)):
        if senders[i] == sender and ids[i]:
            return ids[i]
    return 0
