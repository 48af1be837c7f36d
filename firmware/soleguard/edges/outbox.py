"""Outbox: an append-only journal of events in raw flash, with a CRC per record.

    box = Outbox(flash)             # flash: block device (extended protocol)
    seq = box.append(t, type, cause, detail)   # returns once the record is in flash
    for rec in box.pending(): ...   # (seq, t, type, cause, detail), oldest first
    box.ack(seq)                    # the gateway acknowledged it
    n = box.next_counter()          # monotonic frame counter for the radio

Device: ``flash`` follows MicroPython's extended block protocol
(``readblocks(n, buf, off)``, ``writeblocks(n, buf, off)`` without erase,
``ioctl(4)`` block count, ``ioctl(5)`` block size, ``ioctl(6, n)`` erase):
``esp32.Partition`` and ``rp2.Flash`` do this. Flash is NOR: erase sets 0xFF,
a write only clears bits.

Record (16 bytes, little-endian), ``RECORD`` bytes per slot:
  0 kind  (K_EVENT, K_ACK, K_DROP, K_HEADER, K_COUNTER; 0xFF = empty slot)
  1 type  2 cause  3 zero
  4..7   seq (u32): the event's counter value; for a header, the counter at
         rotation; for a counter reservation, the reserved upper bound
  8..11  t (u32 ms); for a header, the sector's epoch
  12..13 detail (u16)
  14..15 CRC-16/CCITT of bytes 0..13
A slot is free only when all 16 bytes are 0xFF. A record with a bad CRC (a
write cut by a power loss) is skipped; its slot is burnt.

Sectors form a ring; each starts with a header whose epoch orders them. One
sector is always kept erased ahead of the head. Rotation: erase-check the
next sector, write its header, copy the still-pending records of the oldest
sector into it, then erase the oldest. ``Outbox()`` on boot finishes an
interrupted rotation (copy again, erase again: both idempotent; copies share
their seq and are deduplicated).

Recovery rule: every record for which ``append`` returned is found again after
a power cut at any byte, unless it was acknowledged or evicted. Erase cut
midway can bring back an acknowledged record (its ack lived in the erased
sector): delivery is at-least-once, the gateway deduplicates by seq.

Bounded: at most ``capacity`` pending records (a sector's worth less two, so a
rotation always has room). When full, the oldest pending record of the lowest
rank (technical.rank: heartbeats first, then information events, technical
alarms, person alarms last) is evicted with a K_DROP record, if its rank is
below the new record's (or equal, for heartbeats and information events).
A person alarm is never refused: when only person records are pending (all
this wearer's), it replaces the oldest pre-alarm, else the oldest alarm of its
own cause, else (an SOS) the oldest fall or man-down alarm: the supervisor
still learns that this person is in alarm. Otherwise ``append`` raises
OutboxFull (a technical alarm never evicts a technical or person alarm, a
pre-alarm never an alarm).

The counter: ``next_counter()`` hands out values reserved in blocks of
COUNTER_BLOCK by a K_COUNTER record, so a reboot never reuses a value (it
skips at most one block). Event seqs come from the same counter.
"""
import struct

from ..core.compat import const
from ..core.crc import crc16
from ..core.events import CAUSE_SOS, EV_ALARM, EV_PRE_ALARM
from ..core.technical import rank

RECORD = const(16)
K_EVENT = const(0xE1)
K_ACK = const(0xAC)
K_DROP = const(0xD0)
K_HEADER = const(0x5E)
K_COUNTER = const(0xC0)
COUNTER_BLOCK = const(64)
_FMT = "<BBBBIIH"


class OutboxFull(Exception):
    """Every pending record ranks at least as high as the one being appended."""


class Outbox:
    """The journal over ``flash`` (>= 3 blocks, block size a multiple of 16)."""

    def __init__(self, flash):
        self._flash = flash
        self._n = flash.ioctl(4, 0)
        self._bs = flash.ioctl(5, 0)
        if self._n < 3 or self._bs % RECORD or self._bs < 4 * RECORD:
            raise ValueError("outbox: needs >= 3 blocks of a multiple of 16 (>= 64) bytes")
        self._per = self._bs // RECORD
        self.capacity = self._per - 2
        self._buf = bytearray(RECORD)
        self._ff = b"\xff" * RECORD
        self.dropped = 0
        self._recover()

    # --- public API ---

    def append(self, t, type_, cause, detail):
        """Store one event; return its seq once it is in flash. Raises OutboxFull."""
        if len(self._pending) >= self.capacity:
            self._evict(rank(type_, cause), type_, cause)
        seq = self.next_counter()
        sector = self._write(K_EVENT, type_, cause, seq, t, detail)
        self._pending.append([seq, t, type_, cause, detail, sector])
        return seq

    def pending(self):
        """Unacknowledged records, oldest first: list of (seq, t, type, cause, detail)."""
        return [(r[0], r[1], r[2], r[3], r[4]) for r in self._pending]

    def ack(self, seq):
        """Mark ``seq`` delivered; return False if it was not pending."""
        i = self._find(seq)
        if i < 0:
            return False
        self._write(K_ACK, 0, 0, seq, 0, 0)
        self._pending.pop(i)
        return True

    def next_counter(self):
        """The next value of the persisted monotonic counter (u32)."""
        c = self._counter
        if c >= self._reserved:
            self._reserved = c + COUNTER_BLOCK
            self._write(K_COUNTER, 0, 0, self._reserved, 0, 0)
        self._counter = c + 1
        return c

    # --- internals ---

    def _find(self, seq):
        p = self._pending
        for i in range(len(p)):
            if p[i][0] == seq:
                return i
        return -1

    def _evict(self, new_rank, type_, cause):
        p = self._pending
        victim = -1
        low = 4
        for i in range(len(p)):
            r = rank(p[i][2], p[i][3])
            if r < low:
                low = r
                victim = i
        if low == 3 and new_rank == 3:
            victim = self._person_victim(type_, cause)
        # A technical alarm never evicts a technical alarm; a newer heartbeat or
        # information event may replace an older one of its rank.
        elif low == new_rank and low == 2:
            victim = -1
        if victim < 0 or low > new_rank:
            raise OutboxFull("outbox: %d pending records rank at least as high" % len(p))
        self._write(K_DROP, 0, 0, p[victim][0], 0, 0)
        p.pop(victim)
        self.dropped += 1

    def _person_victim(self, type_, cause):
        """Index of the record a new person alarm (or pre-alarm) replaces when
        every pending record is a person's (all are this wearer's): the oldest
        pre-alarm (never goes on air), else for an alarm the oldest alarm of
        its cause (the new one stands for it), else the oldest of a lower
        priority (an SOS over a fall or man-down); -1 if none (a pre-alarm
        never evicts an alarm, a fall never an SOS)."""
        p = self._pending
        same = -1
        lower = -1
        for i in range(len(p)):
            t, c = p[i][2], p[i][3]
            if t == EV_PRE_ALARM:
                return i
            if type_ != EV_ALARM or t != EV_ALARM:
                continue
            if c == cause:
                if same < 0:
                    same = i
            elif lower < 0 and c != CAUSE_SOS and cause == CAUSE_SOS:
                lower = i
        return same if same >= 0 else lower

    def _encode(self, kind, type_, cause, seq, t, detail):
        b = self._buf
        struct.pack_into(_FMT, b, 0, kind, type_, cause, 0, seq & 0xFFFFFFFF, t & 0xFFFFFFFF, detail & 0xFFFF)
        c = crc16(b, 0, 14)
        b[14] = c & 0xFF
        b[15] = c >> 8
        return b

    def _write(self, kind, type_, cause, seq, t, detail):
        """Write one record at the head (rotating first if full); return its sector."""
        if self._slot >= self._per:
            self._rotate()
        b = self._encode(kind, type_, cause, seq, t, detail)
        self._flash.writeblocks(self._head, b, self._slot * RECORD)
        self._slot += 1
        return self._head

    def _read(self, sector, slot):
        """Decode one slot: None if free, False if torn, else a 6-tuple."""
        b = self._buf
        self._flash.readblocks(sector, b, slot * RECORD)
        if b == self._ff:
            return None
        if crc16(b, 0, 14) != b[14] | (b[15] << 8):
            return False
        u = struct.unpack_from(_FMT, b, 0)
        return u[0], u[1], u[2], u[4], u[5], u[6]

    def _erased(self, sector):
        for s in range(self._per):
            if self._read(sector, s) is not None:
                return False
        return True

    def _erase(self, sector):
        self._flash.ioctl(6, sector)

    def _rotate(self):
        new = (self._head + 1) % self._n
        if not self._erased(new):
            self._erase(new)
        self._epoch += 1
        self._head = new
        self._slot = 0
        # The header carries the counter's reserved bound: it outlives the
        # sector holding the last K_COUNTER record.
        self._write(K_HEADER, 0, 0, max(self._counter, self._reserved), self._epoch, 0)
        self._finish()

    def _finish(self):
        """Move the pending records out of the sector after the head, then erase it."""
        old = (self._head + 1) % self._n
        if self._erased(old):
            return
        for r in self._pending:
            if r[5] == old:
                r[5] = self._write(K_EVENT, r[2], r[3], r[0], r[1], r[4])
        self._erase(old)

    def _recover(self):
        """Scan every sector in epoch order; rebuild pending, counter, head."""
        order = []
        for s in range(self._n):
            h = self._read(s, 0)
            if h and h[0] == K_HEADER:
                order.append((h[4], s))
        order.sort()
        recs = {}
        self._counter = 0
        self._reserved = 0
        self._epoch = 0
        self._head = 0
        self._slot = 0
        for epoch, s in order:
            self._epoch = epoch
            self._head = s
            self._slot = self._per
            for slot in range(self._per):
                r = self._read(s, slot)
                if r is None:
                    self._slot = slot
                    break
                if r is False:
                    continue
                kind, type_, cause, seq, t, detail = r
                if kind == K_EVENT:
                    if seq in recs:
                        recs[seq][5] = s
                    else:
                        recs[seq] = [seq, t, type_, cause, detail, s]
                    self._counter = max(self._counter, seq + 1)
                elif kind == K_ACK or kind == K_DROP:
                    recs.pop(seq, None)
                elif kind == K_COUNTER:
                    self._reserved = max(self._reserved, seq)
                elif kind == K_HEADER:
                    self._counter = max(self._counter, seq)
        # Values below the last reservation may have gone out on the radio.
        self._counter = max(self._counter, self._reserved)
        self._reserved = self._counter
        self._pending = sorted(recs.values())
        self.fresh = not order  # a blank journal: a first boot, or flash erased (App reports it)
        if not order:  # blank or foreign flash: start a journal
            for s in range(self._n):
                if not self._erased(s):
                    self._erase(s)
            self._head = self._n - 1
            self._slot = self._per
            self._epoch = 0
            self._rotate()
            return
        self._finish()
