"""Radio frames: layout, HMAC-SHA256 authentication, replay window, decoder.

One frame format for LoRa, BLE advertising and BLE GATT (docs/PROTOCOL.md has
the byte tables, docs/PRIVACY.md what each field reveals). Every frame is

    version u8 | team u16 | sender u32 | counter u32 | type u8 | body | mac[5]

big-endian, with a per-type body of at most four unsigned fields (``_TYPES``).
The MAC is the first 5 bytes of HMAC-SHA256(mac key, every byte before it),
RFC 2104 built on ``hashlib.sha256`` (MicroPython has no ``hmac`` module).

Provides:
  Keys          per-team keys derived from the team key; ``device_id`` derives
                the pseudonymous id of a device from its hardware id.
  hmac_sha256   RFC 2104 HMAC (checked against RFC 4231 in the tests).
  TxCounter     the sender's monotonic 32-bit counter, persisted ahead of use.
  ReplayWindow  the receiver's per-sender highest counter + 24-bit bitmap.
  Encoder       writes a frame into one preallocated buffer.
  Decoder       checks a frame and returns a reason code (never raises), counts
                every reason, exposes the fields of an accepted frame.
  MemoryStore   RAM implementation of the two persistence interfaces (tests,
                simulator); the flash journal of the app implements the same.

Persistence interfaces (duck-typed; the app's flash store implements them):
  counter store:  load_counter() -> int or None; save_counter(n)
  window store:   load_windows() -> iterable of (sender, hi); save_window(sender, hi)

Allocation: encode/decode write into preallocated buffers and arrays, but the
SHA-256 objects and digests allocate (about 200 bytes per frame), and counters
or ids at or above 2**30 are heap integers on 32-bit MCUs. Frames are rare
(seconds apart), so this is per frame, never per sample.

Wire values of causes are those of events.py (CAUSE_FALL 1, CAUSE_MAN_DOWN 2,
CAUSE_SOS 3) plus CAUSE_TECHNICAL 4 (technical alarm; defined by the app's
technical.py, fixed here as wire value 4). Never renumber: only append, and a
change of layout is a new VERSION.
"""
import hashlib
from array import array

from .compat import const
from .events import CAUSE_TECHNICAL  # noqa: F401 (wire value 4; used by the cause field's range)

VERSION = const(1)
HEADER_LEN = const(12)
MAC_LEN = const(5)  # 40 bits: docs/PROTOCOL.md, 'MAC length'
MAX_FRAME = const(32)  # longest frame is 29 bytes (evacuate)
WINDOW_BITS = const(24)  # replay bitmap below the highest counter; < 30 keeps it a small int on MCUs
COUNTER_MAX = 0xFFFFFFFF
BROADCAST = 0xFFFFFFFF  # target meaning "every insole of the team"

_O_VERSION = const(0)
_O_TEAM = const(1)
_O_SENDER = const(3)
_O_COUNTER = const(7)
_O_TYPE = const(11)

DOWNLINK = const(0x80)  # type bit: set on gateway -> insole frames

# uplink: insole -> gateway
T_ALARM = const(0x01)
T_CANCELLED = const(0x02)
T_RECOVERED = const(0x03)
T_HEARTBEAT = const(0x04)
T_EVAC_ACK = const(0x05)
T_ROLL_CALL_ANSWER = const(0x06)
# downlink: gateway -> insole
T_ACK = const(0x81)
T_EVACUATE = const(0x82)
T_ALL_CLEAR = const(0x83)
T_ROLL_CALL = const(0x84)
T_CONFIG = const(0x85)

ACK_BY_GATEWAY = const(0)  # receipt: stop resending
ACK_BY_SUPERVISOR = const(1)  # a person acknowledged the alarm on the console

HB_ALARM_ACTIVE = const(1)  # heartbeat status bits
HB_EVACUATING = const(2)
HB_SELF_TEST_FAILED = const(4)
HB_PRE_ALARM = const(8)  # the lifecycle's own state (not the journal's): bit 0 = ALARM, bit 3 = PRE_ALARM,
HB_ACK_AWAITED = const(16)  # bit 4 = an ALARM still waiting for the supervisor's acknowledgement
HB_PAIR = const(32)  # bit 5 = the insole is in the pair's SOS mode (both insoles linked: docs/PAIR.md); clear: single

STATE_OK = const(0)  # roll-call answer states
STATE_PRE_ALARM = const(1)
STATE_ALARM = const(2)
STATE_EVACUATING = const(3)

STATE_IN_SLOT = const(0x80)  # roll_call_answer's state byte, bit 7: sent in the insole's answer slot (no receipt);
#   decoded into ``c`` (1: in its slot) and encoded from it, so ``b`` is only ever the state 0..3 (one 20-byte
#   uplink: a slot field as evac_ack has would make it 21 bytes, 164 ms more at SF12 and every slot longer)

ANSWER_SLOTS = const(64)  # evacuate.done / roll_call.done: one bit per roster slot 0..63 (evac_ack.slot = slot + 1,
#   0 = not in a slot)
DONE_MAX = 0xFFFFFFFFFFFFFFFF
START_UNIT_MS = const(100)  # evacuate.start / roll_call.start: ms from the frame's end to answer slot 0, in these units
START_PAIRED = const(0x80)  # start bit 7: paired slots, two answers per roster slot (left, then right
#   insole of one wearer); bits 0..6: the start in START_UNIT_MS (docs/PROTOCOL.md 8.3)

PARAM_HEARTBEAT_S = const(1)  # configuration parameters (values range-checked by the app)
PARAM_RX_PERIOD_S = const(2)
PARAM_PRE_ALARM_S = const(3)

# Frame types: (code, name, ((field, bytes, min, max), ...)). Stable wire values.
_TYPES = (
    (T_ALARM, "alarm", (("cause", 1, 1, 4), ("detail", 2, 0, 0xFFFF))),
    (T_CANCELLED, "cancelled", (("cause", 1, 1, 2), ("cancel_by", 1, 1, 2))),
    (T_RECOVERED, "recovered", (("cause", 1, 1, 4), ("recovery_s", 2, 0, 0xFFFF))),
    (T_HEARTBEAT, "heartbeat", (("battery_pct", 1, 0, 100), ("status", 1, 0, 63))),
    (T_EVAC_ACK, "evac_ack", (("order", 2, 1, 0xFFFF), ("slot", 1, 0, ANSWER_SLOTS))),
    (T_ROLL_CALL_ANSWER, "roll_call_answer", (("call", 2, 1, 0xFFFF), ("state", 1, 0, 3))),  # + STATE_IN_SLOT
    (T_ACK, "ack", (("target", 4, 1, 0xFFFFFFFE), ("acked", 4, 1, COUNTER_MAX), ("by", 1, 0, 1))),
    (T_EVACUATE, "evacuate", (("order", 2, 1, 0xFFFF), ("point", 1, 0, 255), ("start", 1, 0, 255),
                              ("done", 8, 0, DONE_MAX))),
    (T_ALL_CLEAR, "all_clear", (("order", 2, 0, 0xFFFF),)),
    (T_ROLL_CALL, "roll_call", (("call", 2, 1, 0xFFFF), ("start", 1, 0, 255), ("done", 8, 0, DONE_MAX))),
    (T_CONFIG, "config", (("target", 4, 1, BROADCAST), ("param", 1, 1, 3), ("value", 2, 0, 0xFFFF))),
)

HEADER_FIELDS = (
    ("version", 1), ("team", 2), ("sender", 4), ("counter", 4), ("type", 1),
)
TRAILER_FIELDS = (("mac", MAC_LEN),)

_SPEC = {}
for _row in _TYPES:
    _SPEC[_row[0]] = _row[2]

# Decoder reasons: index into Decoder.counts. OK is counted too.
OK = const(0)
TRUNCATED = const(1)
BAD_VERSION = const(2)
WRONG_TEAM = const(3)
UNKNOWN_TYPE = const(4)
WRONG_DIRECTION = const(5)
BAD_LENGTH = const(6)
BAD_MAC = const(7)
BAD_FIELD = const(8)
REPLAY = const(9)
REASONS = (
    "ok", "truncated", "bad_version", "wrong_team", "unknown_type",
    "wrong_direction", "bad_length", "bad_mac", "bad_field", "replay",
)


def frame_types():
    """The frame table: tuples (code, name, ((field, bytes, min, max), ...))."""
    return _TYPES


def type_name(code):
    """Name of frame type ``code`` ('' when unknown)."""
    for row in _TYPES:
        if row[0] == code:
            return row[1]
    return ""


def frame_len(code):
    """Bytes of a frame of type ``code`` (header + body + MAC); 0 when unknown."""
    spec = _SPEC.get(code)
    if spec is None:
        return 0
    n = HEADER_LEN + MAC_LEN
    for f in spec:
        n += f[1]
    return n


def is_downlink(code):
    return bool(code & DOWNLINK)


# --- HMAC-SHA256 (RFC 2104) -------------------------------------------------

_BLOCK = const(64)  # SHA-256 block size, bytes


class Hmac:
    """HMAC-SHA256 with a fixed key (RFC 2104): the padded keys are computed once.

    ``digest(msg)`` returns the 32-byte tag of ``msg`` (any buffer: bytes,
    bytearray, memoryview). Keys longer than 64 bytes are hashed first.
    """

    def __init__(self, key):
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        self._ipad = bytearray(_BLOCK)
        self._opad = bytearray(_BLOCK)
        for i in range(_BLOCK):
            k = key[i] if i < len(key) else 0
            self._ipad[i] = k ^ 0x36
            self._opad[i] = k ^ 0x5C

    def digest(self, msg):
        h = hashlib.sha256(self._ipad)
        h.update(msg)
        inner = h.digest()
        h = hashlib.sha256(self._opad)
        h.update(inner)
        return h.digest()


def hmac_sha256(key, msg):
    """HMAC-SHA256(key, msg) as 32 bytes (RFC 2104; RFC 4231 test vectors in tests)."""
    return Hmac(key).digest(msg)


def _be(buf, off, size):
    v = 0
    for i in range(off, off + size):
        v = (v << 8) | buf[i]
    return v


def _put(buf, off, size, v):
    i = off + size - 1
    while i >= off:
        buf[i] = v & 0xFF
        v >>= 8
        i -= 1


class Keys:
    """Keys of one team, derived from its team key (16..64 bytes).

    mac key = HMAC-SHA256(team key, b"soleguard/v1/mac") authenticates frames;
    id key  = HMAC-SHA256(team key, b"soleguard/v1/id") derives device ids.
    Separate keys so that a published id never says anything about the MAC key.
    Raises ValueError for a key shorter than 16 bytes (below 128-bit strength).
    """

    def __init__(self, team_key):
        if len(team_key) < 16 or len(team_key) > 64:
            raise ValueError("protocol: team key must be 16..64 bytes")
        self.mac = Hmac(hmac_sha256(team_key, b"soleguard/v1/mac"))
        self._id = Hmac(hmac_sha256(team_key, b"soleguard/v1/id"))

    def device_id(self, hardware_id):
        """Pseudonymous 32-bit id of a device: the first 4 bytes of
        HMAC-SHA256(id key, hardware id), big-endian; the next 4 if those are
        0 or 0xFFFFFFFF (reserved). Whoever holds the team key and the roster
        of hardware ids (the supervisor) maps ids to devices; nobody else can.
        """
        d = self._id.digest(hardware_id)
        for off in (0, 4, 8, 12, 16, 20, 24):
            v = _be(d, off, 4)
            if v != 0 and v != BROADCAST:
                return v
        raise ValueError("protocol: no usable id")  # p = 2**-223


# --- counter (sender) --------------------------------------------------------


class TxCounter:
    """The sender's frame counter: 1, 2, ... up to 2**32 - 1, never reused.

    The store keeps a *reservation*: before handing out value v the counter
    makes sure the store holds a limit > v, writing ``limit = v + step`` only
    every ``step`` frames (flash wear). After a reset counting resumes at the
    stored limit, so at most ``step - 1`` values are skipped, none reused.
    ``step`` is 1..64. Raises OverflowError when exhausted (a new team key
    is then required; at one frame a minute that is 8000 years).
    """

    def __init__(self, store, step=8):
        if step < 1 or step > 64:
            raise ValueError("protocol: counter step 1..64")
        self._store = store
        self._step = step
        v = store.load_counter()
        self.next = v if v else 1
        self._limit = self.next

    def take(self):
        """Return the next counter value, persisting a new reservation first."""
        v = self.next
        if v > COUNTER_MAX:
            raise OverflowError("protocol: frame counter exhausted, re-key the team")
        if v >= self._limit:
            lim = v + self._step
            if lim > COUNTER_MAX + 1:
                lim = COUNTER_MAX + 1
            self._store.save_counter(lim)
            self._limit = lim
        self.next = v + 1
        return v


# --- replay window (receiver) -----------------------------------------------

_WMASK = (1 << WINDOW_BITS) - 1
RESYNC_GAP = const(256)  # counters of a restarted sender's frames in a row: a few reservation blocks apart at most


class ReplayWindow:
    """Per-sender replay protection: highest counter seen + a 24-bit bitmap.

    A counter above the highest is new. One of the 24 below it is new if its
    bit is clear (frames may arrive out of order over BLE and LoRa). Anything
    else, and the highest itself, is a replay. ``capacity`` senders are kept in
    preallocated arrays; a new sender beyond that takes the slot of the one
    heard least recently (only frames that passed the MAC are accepted, so
    only the team's own gateways and consoles can take a slot). A sender not
    in the table is checked against its counter in the store, if the store
    has one (an evicted sender's old frames stay refused), and gets it back
    when its slot is made.

    Persistence: ``store.save_window(sender, hi)`` when the highest counter of
    a sender rises (``persist=True``, the gateway), or only when the app calls
    ``persist(sender)`` before acting on a frame (the insole: saves flash wear;
    a replay of a frame it never acted on does nothing after a reset). On
    construction the windows are reloaded with every bit set, so after a reset
    nothing at or below a stored counter is accepted.
    """

    def __init__(self, capacity, store=None, persist=True, resync=0):
        self.resync = resync  # 0: off; n: n authentic frames climbing from below the window restart it
        self._low = array("I", bytes(4 * capacity))  # per slot: the last counter heard below the window
        self._run = bytearray(capacity)  # ... and how many climbed in a row
        self.ids = array("I", bytes(4 * capacity))
        self.hi = array("I", bytes(4 * capacity))
        self.bits = array("I", bytes(4 * capacity))
        self.used = array("I", bytes(4 * capacity))  # accept() tick of each slot's last frame (LRU)
        self._tick = 0
        self.evicted = 0
        self.n = 0
        self._store = store
        self._persist = persist
        if store is not None:
            for sender, hi in store.load_windows():
                i = self._slot(sender, True)
                if i >= 0:
                    self.hi[i] = hi
                    self.bits[i] = _WMASK

    def _slot(self, sender, add):
        for i in range(self.n):
            if self.ids[i] == sender:
                return i
        if not add:
            return -1
        if self.n < len(self.ids):
            i = self.n
            self.n = i + 1
        else:  # full: the least recently heard sender gives way
            i = 0
            for k in range(1, self.n):
                if self.used[k] < self.used[i]:
                    i = k
            self.evicted += 1
        self.ids[i] = sender
        self._low[i] = 0
        self._run[i] = 0
        hi = self._stored(sender)
        self.hi[i] = hi if hi > 0 else 0
        self.bits[i] = _WMASK if hi > 0 else 0
        self.used[i] = self._tick
        return i

    def _stored(self, sender):
        """The store's counter for ``sender``, -1 if none (allocates: new senders only)."""
        if self._store is None:
            return -1
        for s, hi in self._store.load_windows():
            if s == sender:
                return hi
        return -1

    def check(self, sender, counter):
        """OK or REPLAY for (sender, counter); changes nothing."""
        i = self._slot(sender, False)
        if i < 0:
            hi = self._stored(sender)
            return OK if counter > hi else REPLAY
        hi = self.hi[i]
        if counter > hi:
            return OK
        d = hi - counter
        if d == 0 or d > WINDOW_BITS:
            return REPLAY
        return REPLAY if self.bits[i] & (1 << (d - 1)) else OK

    def accept(self, sender, counter):
        """Record (sender, counter) as seen; call only after ``check`` gave OK."""
        i = self._slot(sender, True)
        self._tick += 1
        self.used[i] = self._tick
        hi = self.hi[i]
        if counter > hi:
            d = counter - hi
            if d > WINDOW_BITS:
                self.bits[i] = 0
            else:
                self.bits[i] = ((self.bits[i] << d) | (1 << (d - 1))) & _WMASK
            self.hi[i] = counter
            if self._persist:
                self.persist(sender)
        else:
            self.bits[i] |= 1 << (hi - counter - 1)

    def restarted(self, sender, counter):
        """After ``check`` said REPLAY for an authentic frame: True if this is the
        ``resync``-th frame in a row from ``sender`` with counters climbing (by at
        most RESYNC_GAP each) from below its window, i.e. a sender whose counter
        went back (a wiped journal, ``esptool erase_flash``) rather than a replay
        of a recent frame. Then the window restarts at ``counter`` (accepted and,
        with ``persist``, saved). Off (False) when ``resync`` is 0. A captured
        frame replayed alone never restarts it; the caller must show a restart
        (the gateway flags its U line)."""
        if not self.resync:
            return False
        i = self._slot(sender, False)
        if i < 0 or self.hi[i] - counter <= WINDOW_BITS or counter >= self.hi[i]:
            return False
        low = self._low[i]
        if low and low < counter <= low + RESYNC_GAP:
            self._run[i] += 1
        else:
            self._run[i] = 1
        self._low[i] = counter
        if self._run[i] < self.resync:
            return False
        self.restart(sender, counter)
        return True

    def restart(self, sender, counter):
        """Restart ``sender``'s window at ``counter`` (accepted), e.g. when the
        gateway reported that it restarted it."""
        i = self._slot(sender, True)
        self.hi[i] = counter
        self.bits[i] = 0
        self._run[i] = 0
        self._low[i] = 0
        if self._persist:
            self.persist(sender)

    def persist(self, sender):
        """Save the highest counter of ``sender`` to the store (if any)."""
        i = self._slot(sender, False)
        if i >= 0 and self._store is not None:
            self._store.save_window(sender, self.hi[i])


class MemoryStore:
    """RAM implementation of both persistence interfaces (tests, simulator).

    Surviving a reset is modelled by handing the same store to new objects.
    ``writes`` counts save calls (the flash-wear figure).
    """

    def __init__(self):
        self.counter = None
        self.windows = {}
        self.cleared = {}
        self.writes = 0

    def load_counter(self):
        return self.counter

    def save_counter(self, n):
        self.counter = n
        self.writes += 1

    def load_windows(self):
        return list(self.windows.items())

    def save_window(self, sender, hi):
        self.windows[sender] = hi
        self.writes += 1

    def load_cleared(self):
        return list(self.cleared.items())

    def save_cleared(self, sender, order):
        """The last order id an all-clear of ``sender`` ended (delivery.py)."""
        self.cleared[sender] = order
        self.writes += 1


# --- encoder -------------------------------------------------------------------


class Encoder:
    """Writes authenticated frames of one sender into one preallocated buffer.

    ``encode(type_, a, b, c, d)`` takes the body fields positionally in table
    order (unused ones 0), draws a counter, and returns the frame length;
    the frame is ``mv[:n]`` (valid until the next encode; copy it to keep it).
    ``counter`` is then the counter used. Raises ValueError for an unknown
    type or a field outside its range (MicroPython's buffers would wrap
    silently, so every field is range-checked before it is written).
    """

    def __init__(self, keys, team, sender, tx_counter):
        _check_range("team", team, 0, 0xFFFF)
        _check_range("sender", sender, 1, 0xFFFFFFFE)
        self._mac = keys.mac
        self._tx = tx_counter
        self.buf = bytearray(MAX_FRAME)
        self.mv = memoryview(self.buf)
        self.counter = 0
        self.buf[_O_VERSION] = VERSION
        _put(self.buf, _O_TEAM, 2, team)
        _put(self.buf, _O_SENDER, 4, sender)

    def encode(self, type_, a=0, b=0, c=0, d=0):
        spec = _SPEC.get(type_)
        if spec is None:
            raise ValueError("protocol: unknown frame type %r" % (type_,))
        values = (a, b, c, d)
        for k in range(len(spec)):
            f = spec[k]
            _check_range(f[0], values[k], f[2], f[3])
        if type_ == T_ROLL_CALL_ANSWER:
            _check_range("in_slot", c, 0, 1)
            if c:
                values = (a, b | STATE_IN_SLOT, 0, 0)
        counter = self._tx.take()
        buf = self.buf
        _put(buf, _O_COUNTER, 4, counter)
        buf[_O_TYPE] = type_
        off = HEADER_LEN
        for k in range(len(spec)):
            size = spec[k][1]
            _put(buf, off, size, values[k])
            off += size
        tag = self._mac.digest(self.mv[:off])
        for i in range(MAC_LEN):
            buf[off + i] = tag[i]
        self.counter = counter
        return off + MAC_LEN


def _check_range(name, v, lo, hi):
    if type(v) is not int or v < lo or v > hi:
        raise ValueError("protocol: %s=%r outside %d..%d" % (name, v, lo, hi))


# --- decoder -------------------------------------------------------------------


class Decoder:
    """Checks frames for one team and one direction; never raises on any bytes.

    ``decode(data, n=-1)`` looks at ``data[:n]`` (all of it when n < 0) and
    returns a reason (OK or one of TRUNCATED, BAD_VERSION, WRONG_TEAM,
    UNKNOWN_TYPE, WRONG_DIRECTION, BAD_LENGTH, BAD_MAC, BAD_FIELD, REPLAY,
    names in REASONS), and adds one to ``counts[reason]``.
    Checks run cheapest first; the MAC is checked before fields and replay,
    so BAD_FIELD means an authentic but malformed frame (a sender bug) and a
    REPLAY carries authentic fields (a duplicate heard over two paths).
    After OK or REPLAY, ``sender``, ``counter``, ``type`` and the body fields
    ``a``, ``b``, ``c``, ``d`` (table order) describe the frame.

    ``downlink=True`` accepts gateway frames (an insole), False insole frames
    (a gateway). ``window`` is a ReplayWindow.
    """

    def __init__(self, keys, team, window, downlink):
        self._mac = keys.mac
        self.team = team
        self.window = window
        self._dir = DOWNLINK if downlink else 0
        self.counts = array("I", bytes(4 * len(REASONS)))
        self.resynced = False  # the last OK restarted the sender's window (ReplayWindow.restarted)
        self.sender = 0
        self.counter = 0
        self.type = 0
        self.a = 0
        self.b = 0
        self.c = 0
        self.d = 0

    def decode(self, data, n=-1):
        if n < 0 or n > len(data):
            n = len(data)
        r = self._check(data, n)
        self.counts[r] += 1
        return r

    def _check(self, data, n):
        if n < 1:
            return TRUNCATED
        if data[_O_VERSION] != VERSION:
            return BAD_VERSION
        if n < HEADER_LEN:
            return TRUNCATED
        if _be(data, _O_TEAM, 2) != self.team:
            return WRONG_TEAM
        t = data[_O_TYPE]
        spec = _SPEC.get(t)
        if spec is None:
            return UNKNOWN_TYPE
        if (t & DOWNLINK) != self._dir:
            return WRONG_DIRECTION
        body = 0
        for f in spec:
            body += f[1]
        end = HEADER_LEN + body
        if n < end + MAC_LEN:
            return TRUNCATED
        if n > end + MAC_LEN:
            return BAD_LENGTH
        tag = self._mac.digest(memoryview(data)[:end])
        diff = 0
        for i in range(MAC_LEN):
            diff |= tag[i] ^ data[end + i]
        if diff:
            return BAD_MAC
        sender = _be(data, _O_SENDER, 4)
        counter = _be(data, _O_COUNTER, 4)
        if sender == 0 or sender == BROADCAST or counter == 0:
            return BAD_FIELD
        off = HEADER_LEN
        a = b = c = e = 0
        for k in range(len(spec)):
            f = spec[k]
            v = _be(data, off, f[1])
            if k == 1 and t == T_ROLL_CALL_ANSWER and v & STATE_IN_SLOT:
                v &= ~STATE_IN_SLOT
                c = 1
            if v < f[2] or v > f[3]:
                return BAD_FIELD
            if k == 0:
                a = v
            elif k == 1:
                b = v
            elif k == 2:
                c = v
            else:
                e = v
            off += f[1]
        self.sender = sender
        self.counter = counter
        self.type = t
        self.a = a
        self.b = b
        self.c = c
        self.d = e
        r = self.window.check(sender, counter)
        self.resynced = False
        if r == OK:
            self.window.accept(sender, counter)
        elif self.window.restarted(sender, counter):  # only a ReplayWindow with resync on
            self.resynced = True
            r = OK
        return r

    def is_for(self, device_id):
        """True if the last decoded frame concerns ``device_id``: a frame
        without a target, or one whose target is the device or BROADCAST."""
        if self.type != T_ACK and self.type != T_CONFIG:
            return True
        return self.a == device_id or self.a == BROADCAST

    def rejected(self):
        """Number of frames rejected so far (every reason but OK)."""
        total = 0
        for i in range(1, len(self.counts)):
            total += self.counts[i]
        return total
