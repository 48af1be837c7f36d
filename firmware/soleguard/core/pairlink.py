"""The left-right link between the two insoles of one wearer: frames, session, clock, state.

Only what fusion needs crosses the link: strike / impulse / impact times (ms)
with their peak (mg), the posture state, the alarm state and a mode byte,
and the clock-sync stamps. No samples (docs/PRIVACY.md, "Between the two
insoles"). The BLE transport is edges/pair_link.py; this module is pure.

Frame (at most 20 bytes: one BLE write or notification before any MTU exchange)

    vt u8 (VERSION << 4 | type) | counter u24 | body (table _TYPES) | mac[4]

big-endian; mac = the first 4 bytes of HMAC-SHA256(key, every byte before it)
(RFC 2104, protocol.Hmac). Keys (all derived from the team key the pair is
enrolled with, so an insole of another wearer -- or another team -- cannot
join, inject or replay):

    pair key    = HMAC(team key, "soleguard/v1/pair" | left id u32 | right id u32)
    hello       : MAC under the pair key, counter 0, fresh 8-byte nonce each
    session key = HMAC(pair key, "soleguard/v1/session" | sender side | left nonce | right nonce)
                  one per direction, for every other frame

A session is one BLE connection: both insoles send HELLO on connecting; once
each has the other's, frames flow. Counters climb by at least 1 per frame
within a session (BLE delivers in order), so a replay within the session is
refused, and frames of an old session fail the MAC. The bound of a 32-bit
tag: a forgery succeeds with p = 2**-32 per try, and the edge drops the
connection after BAD_MAX failed frames in a session, so a foreign device gets
at most 8 tries per connection (docs/PAIR.md).

Clock: every insole sends TIME / SYNC frames at jittered times (PAIR_SYNC_MS
x 0.5..1.5), each echoing the stamps of the last one it received (NTP
symmetric mode), so every SYNC received completes a four-timestamp exchange
for clocksync.ClockSync. Times on the wire are the sender's link-clock ms
mod 2**24; ``next_impulse`` hands them over converted to the local clock with
their proven error.

``done`` in TIME / SYNC: every impulse the sender detected at or before that
time (its clock) has been sent before this frame. Fusion uses it to tell "the
peer felt nothing" from "the peer's report is still on its way"
(``peer_done``).

Allocation: the queues, rings and buffers are preallocated; ``send_impulse``,
``send_state``, ``processed``, ``next_impulse``, ``status`` and the clock
allocate nothing (the app may call them per sample). ``poll`` and
``receive`` allocate only inside hashlib (the SHA-256 objects and digests,
about 200 B per frame, as protocol.py), and ``start`` / the first HELLO
received derive keys (per connection).
"""
from array import array

from .clocksync import MASK, Q_GOOD, ClockSync
from .compat import const
from .config import Config
from .protocol import Hmac, hmac_sha256

VERSION = const(1)
HEADER_LEN = const(4)
MAC_LEN = const(4)
FRAME_MAX = const(20)  # the ATT payload of a write / notification at the default MTU (23 - 3)
NONCE_LEN = const(8)
COUNTER_MAX = const(0xFFFFFF)
BAD_MAX = const(8)  # failed frames in a session before the edge drops the connection

SIDE_LEFT = const(1)
SIDE_RIGHT = const(2)

T_HELLO = const(1)
T_TIME = const(2)
T_SYNC = const(3)
T_IMPULSE = const(4)
T_STATE = const(5)

K_STRIKE = const(1)  # a lateral strike on the striking insole (tap.py's strike)
K_IMPULSE = const(2)  # an impulse on the struck insole (candidate foot-to-foot contact)
K_IMPACT = const(3)  # a fall-class impact (posture's impact peak)
K_MOVED = const(4)  # the struck insole started moving at t (pair.StruckFoot; peak 0)
K_STILL = const(5)  # the struck insole has been still since t (pair.StruckFoot; peak 0)

# (code, name, ((field, bytes, min, max), ...)); the nonce is raw bytes (min = max = -1)
_TYPES = (
    (T_HELLO, "hello", (("nonce", NONCE_LEN, -1, -1), ("side", 1, 1, 2), ("flags", 1, 0, 0))),
    (T_TIME, "time", (("xmt", 3, 0, MASK), ("done", 3, 0, MASK))),
    (T_SYNC, "sync", (("org", 3, 0, MASK), ("rec", 3, 0, MASK), ("xmt", 3, 0, MASK), ("done", 3, 0, MASK))),
    (T_IMPULSE, "impulse", (("kind", 1, 1, 5), ("t", 3, 0, MASK), ("peak_mg", 2, 0, 0xFFFF))),
    (T_STATE, "state", (("t", 3, 0, MASK), ("posture", 1, 0, 2), ("load_pct", 1, 0, 255), ("alarm", 1, 0, 2),
                        ("mode", 1, 0, 255))),
)
HEADER_FIELDS = (("vt", 1), ("counter", 3))
TRAILER_FIELDS = (("mac", MAC_LEN),)

_SPEC = {}
for _row in _TYPES:
    _SPEC[_row[0]] = _row[2]

# receive() reasons, index into counts
OK = const(0)
TRUNCATED = const(1)
BAD_VERSION = const(2)
UNKNOWN_TYPE = const(3)
BAD_LENGTH = const(4)
NO_SESSION = const(5)
BAD_MAC = const(6)
BAD_FIELD = const(7)
REPLAY = const(8)
REASONS = ("ok", "truncated", "bad_version", "unknown_type", "bad_length", "no_session", "bad_mac",
           "bad_field", "replay")

LINK_DOWN = const(0)  # no connection
LINK_HANDSHAKE = const(1)  # connected, HELLOs not both through
LINK_UP = const(2)  # session up, peer heard within PAIR_SILENT_MS
LINK_SILENT = const(3)  # session up, but nothing heard for PAIR_SILENT_MS: treated as absent

_TXQ = const(8)  # impulses waiting to be sent
_RXQ = const(8)  # impulses received, waiting for fusion


def frame_types():
    """The frame table: tuples (code, name, ((field, bytes, min, max), ...)); min = max = -1: raw bytes."""
    return _TYPES


def frame_len(code):
    """Bytes of a frame of type ``code``; 0 when unknown."""
    spec = _SPEC.get(code)
    if spec is None:
        return 0
    n = HEADER_LEN + MAC_LEN
    for f in spec:
        n += f[1]
    return n


def pair_key(team_key, left_id, right_id):
    """The pair's 32-byte key from the team key (16..64 bytes) and the two insoles' device ids
    (protocol.Keys.device_id, 1..2**32-2): only these two insoles derive it."""
    if len(team_key) < 16 or len(team_key) > 64:
        raise ValueError("pairlink: team key must be 16..64 bytes")
    if left_id == right_id:
        raise ValueError("pairlink: the two insoles of a pair need different ids")
    msg = bytearray(b"soleguard/v1/pair") + bytearray(8)
    _put(msg, 17, 4, left_id)
    _put(msg, 21, 4, right_id)
    return hmac_sha256(team_key, msg)


def adv_tag(key):
    """4 bytes the peripheral advertises so that its own central finds it among other insoles."""
    return hmac_sha256(key, b"soleguard/v1/adv")[:4]


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


class PairLink:
    """One insole's end of the pair link (pure; the edge moves the bytes).

    ``key``: ``pair_key(...)``; ``side``: SIDE_LEFT or SIDE_RIGHT (this
    insole); ``cfg``: core.config.Config (PAIR_* values); ``seed``: the
    jitter's PRNG seed (any int; use the device id).

    Connection: ``start(now, nonce)`` when connected (8 random bytes,
    os.urandom on a device), ``stop()`` when disconnected. Bytes:
    ``receive(data, n, now)`` -> reason (never raises); ``poll(now)`` -> n > 0
    when ``mv[:n]`` is the next frame to send *now* (stamped now), else 0.
    Local events: ``send_impulse``, ``send_state``, ``processed``. Peer's:
    ``next_impulse(now)``, ``peer_done(now)``, ``peer_*`` attributes.
    State: ``status(now)``, ``pair_mode(now)``, ``clock`` (ClockSync),
    ``counts`` per reason, ``sessions``, ``tx_dropped``, ``rx_dropped``.
    All times are ms of the link clock passed in (the same clock for
    ``now`` and for event times; docs/PAIR.md says which).
    """

    def __init__(self, key, side, cfg=None, seed=1):
        if side != SIDE_LEFT and side != SIDE_RIGHT:
            raise ValueError("pairlink: side must be SIDE_LEFT or SIDE_RIGHT")
        if len(key) != 32:
            raise ValueError("pairlink: the pair key is 32 bytes (pair_key())")
        cfg = cfg or Config()
        self.side = side
        self.peer_side = SIDE_RIGHT if side == SIDE_LEFT else SIDE_LEFT
        self.sync_ms = cfg.PAIR_SYNC_MS
        self.silent_ms = cfg.PAIR_SILENT_MS
        self.state_ms = cfg.PAIR_STATE_MS
        self.clock = ClockSync(cfg.PAIR_DRIFT_PPM, cfg.PAIR_GOOD_MS)
        self._key = key
        self.adv_tag = adv_tag(key)  # what the peripheral advertises (edges/pair_link.py)
        self._hello = Hmac(key)
        self._tx_mac = None  # session keys, per direction
        self._rx_mac = None
        self._rng = (seed & 0xFFFF) or 0xACE1
        self.buf = bytearray(FRAME_MAX)
        self.mv = memoryview(self.buf)
        self._nonce = bytearray(NONCE_LEN)
        self._peer_nonce = bytearray(NONCE_LEN)
        self._f = array("i", [0, 0, 0, 0, 0])  # fields of the frame being decoded
        self._tq_kind = bytearray(_TXQ)
        self._tq_t = array("i", bytes(4 * _TXQ))
        self._tq_peak = array("i", bytes(4 * _TXQ))
        self._tq_head = 0
        self._tq_n = 0
        self._rq_kind = bytearray(_RXQ)
        self._rq_t = array("i", bytes(4 * _RXQ))  # peer's 24-bit stamps, converted when taken
        self._rq_peak = array("i", bytes(4 * _RXQ))
        self._rq_head = 0
        self._rq_n = 0
        self.counts = array("I", bytes(4 * len(REASONS)))
        self.sessions = 0  # sessions established
        self.tx_dropped = 0  # impulses not sent (link down, or queue full)
        self.rx_dropped = 0  # impulses received but overwritten before fusion took them
        self.bad = 0  # failed frames this session
        # own posture state (sent when changed and every PAIR_STATE_MS)
        self._st = array("i", [0, 0, 0, 0, 0])  # t, posture, load_pct, alarm, mode
        self._st_dirty = False
        self._st_valid = False  # send_state was called at least once
        self._st_due = 0
        self._done = 0  # every own impulse up to this time has been queued
        # peer's last state (peer_t is the peer's 24-bit stamp; peer_state_t(now) converts)
        self.peer_known = False
        self.peer_t = 0
        self.peer_posture = 0
        self.peer_load_pct = 0
        self.peer_alarm = 0
        self.peer_mode = 0
        # next_impulse() results
        self.imp_t = 0
        self.imp_peak = 0
        self.imp_err = -1
        self._last_rx = 0
        self.stop(0)

    # --- connection -----------------------------------------------------------

    def start(self, now, nonce):
        """A connection to the peer is up: a new session, HELLO first. ``nonce``: 8 fresh random bytes."""
        if len(nonce) != NONCE_LEN:
            raise ValueError("pairlink: nonce must be 8 bytes")
        self.stop(now)
        for i in range(NONCE_LEN):
            self._nonce[i] = nonce[i]
        self.connected = True
        self._hello_due = True
        self._last_rx = now

    def stop(self, now=0):
        """The connection is gone: the session ends, unsent impulses are dropped (stale by the next one)."""
        self.connected = False
        self.up = False
        self.up_since = -1  # local ms when the session came up: peer_done covers (up_since, peer_done]
        self._hello_due = False
        self._got_hello = False
        self._tx_mac = None
        self._rx_mac = None
        self._tx_n = 0
        self._rx_n = 0
        self.bad = 0
        self.tx_dropped += self._tq_n
        self._tq_n = 0
        self._my_xmt = 0  # local full ms of my last TIME/SYNC, awaiting its echo
        self._my_pending = False
        self._peer_xmt = 0  # peer's 24-bit xmt of its last TIME/SYNC, and my receive time of it
        self._peer_rec = 0
        self._have_peer = False
        self._sync_due = now
        self.peer_done_t = -1  # peer's 24-bit 'done' (-1: not yet)
        self.clock.reset()  # the peer may have rebooted: no stale offset across sessions

    def should_drop(self):
        """True when this session saw BAD_MAX failed frames (the edge disconnects)."""
        return self.bad >= BAD_MAX

    # --- own events -------------------------------------------------------------

    def send_impulse(self, kind, t, peak_mg):
        """Queue an impulse (K_STRIKE, K_IMPULSE, K_IMPACT, K_MOVED or K_STILL) at local time ``t`` (ms) with its peak
        (mg, clipped to 65535). Returns False (and counts ``tx_dropped``) when the session is not up;
        a full queue drops its oldest entry."""
        if not self.up:
            self.tx_dropped += 1
            return False
        if peak_mg > 0xFFFF:
            peak_mg = 0xFFFF
        elif peak_mg < 0:
            peak_mg = 0
        if self._tq_n == _TXQ:
            self._tq_head = (self._tq_head + 1) % _TXQ
            self._tq_n -= 1
            self.tx_dropped += 1
        i = (self._tq_head + self._tq_n) % _TXQ
        self._tq_kind[i] = kind
        self._tq_t[i] = t & MASK
        self._tq_peak[i] = peak_mg
        self._tq_n += 1
        return True

    def send_state(self, t, posture, load_pct, alarm, mode):
        """The insole's posture (posture.UPRIGHT / NOT_UPRIGHT / FALL_SUSPECTED), load (% of the
        learned standing load, clipped to 0..255), alarm state (lifecycle IDLE / PRE_ALARM / ALARM)
        and mode byte at local time ``t``; sent when it changed (and every PAIR_STATE_MS)."""
        if load_pct > 255:
            load_pct = 255
        elif load_pct < 0:
            load_pct = 0
        st = self._st
        if st[1] != posture or st[2] != load_pct or st[3] != alarm or st[4] != mode:
            self._st_dirty = True
        self._st_valid = True
        st[0] = t
        st[1] = posture
        st[2] = load_pct
        st[3] = alarm
        st[4] = mode

    def processed(self, t):
        """Every impulse detected at or before local time ``t`` has been passed to send_impulse."""
        self._done = t

    # --- peer's events --------------------------------------------------------------

    def next_impulse(self, now):
        """The oldest impulse from the peer not yet taken: its kind (0: none), with ``imp_t`` (local
        ms), ``imp_peak`` (mg) and ``imp_err`` (proven error of imp_t in ms, -1: no clock yet)."""
        if not self._rq_n:
            return 0
        i = self._rq_head
        self._rq_head = (i + 1) % _RXQ
        self._rq_n -= 1
        self.imp_t = self.clock.to_local(self._rq_t[i], now)
        self.imp_peak = self._rq_peak[i]
        self.imp_err = self.clock.bound(now)
        return self._rq_kind[i]

    def peer_done(self, now):
        """Local ms up to which the peer has sent every impulse it detected since ``up_since`` (-1:
        unknown). Impulses before the session were never sent (the link was down)."""
        if self.peer_done_t < 0 or not self.clock.n:
            return -1
        return self.clock.to_local(self.peer_done_t, now)

    def peer_state_t(self, now):
        """Local ms of the peer's last state (-1: none this session, or no clock yet)."""
        if not self.peer_known or not self.clock.n:
            return -1
        return self.clock.to_local(self.peer_t, now)

    # --- state ------------------------------------------------------------------

    def status(self, now):
        """LINK_DOWN, LINK_HANDSHAKE, LINK_UP or LINK_SILENT at local time ``now``."""
        if not self.connected:
            return LINK_DOWN
        if not self.up:
            return LINK_HANDSHAKE
        if now - self._last_rx > self.silent_ms:
            return LINK_SILENT
        return LINK_UP

    def pair_mode(self, now):
        """True when fusion may use the peer: link up and the clock proven within PAIR_GOOD_MS."""
        return self.status(now) == LINK_UP and self.clock.quality(now) == Q_GOOD

    # --- sending ----------------------------------------------------------------------

    def _rand(self, n):
        s = self._rng  # xorshift16 (7, 9, 8): 16-bit state, no product, a small int on every MCU
        s ^= (s << 7) & 0xFFFF
        s ^= s >> 9
        s ^= (s << 8) & 0xFFFF
        self._rng = s
        return s % n

    def poll(self, now):
        """The next frame to send, stamped ``now``: n > 0 bytes in ``mv[:n]``, or 0 (nothing due)."""
        if not self.connected:
            return 0
        if self._hello_due:
            self._hello_due = False
            return self._hello_frame()
        if not self.up:
            return 0
        if self._tq_n:
            i = self._tq_head
            self._tq_head = (i + 1) % _TXQ
            self._tq_n -= 1
            f = self._f
            f[0] = self._tq_kind[i]
            f[1] = self._tq_t[i]
            f[2] = self._tq_peak[i]
            return self._frame(T_IMPULSE)
        if self._st_valid and (self._st_dirty or now - self._st_due >= 0):
            self._st_dirty = False
            self._st_due = now + self.state_ms
            st = self._st
            f = self._f
            f[0] = st[0] & MASK
            for k in range(1, 5):
                f[k] = st[k]
            return self._frame(T_STATE)
        if now - self._sync_due >= 0:
            self._sync_due = now + self.sync_ms // 2 + self._rand(self.sync_ms + 1)
            f = self._f
            self._my_xmt = now
            self._my_pending = True
            if self._have_peer:
                f[0] = self._peer_xmt
                f[1] = self._peer_rec & MASK
                f[2] = now & MASK
                f[3] = self._done & MASK
                return self._frame(T_SYNC)
            f[0] = now & MASK
            f[1] = self._done & MASK
            return self._frame(T_TIME)
        return 0

    def wait_ms(self, now):
        """ms until ``poll`` will have a frame (0: now; at most ``PAIR_SYNC_MS``). The edge sleeps this
        long (capped by its own period for new impulses) rather than on a fixed grid: a grid keeps the
        send phase against BLE's connection events fixed, and the clock then sees the same delays."""
        if not self.connected:
            return self.sync_ms
        if self._hello_due or (self.up and (self._tq_n or (self._st_valid and self._st_dirty))):
            return 0
        if not self.up:
            return self.sync_ms
        w = self._sync_due - now
        if self._st_valid and self._st_due - now < w:
            w = self._st_due - now
        return 0 if w < 0 else w

    def _hello_frame(self):
        b = self.buf
        b[0] = (VERSION << 4) | T_HELLO
        b[1] = b[2] = b[3] = 0
        for i in range(NONCE_LEN):
            b[4 + i] = self._nonce[i]
        b[12] = self.side
        b[13] = 0
        tag = self._hello.digest(self.mv[:14])
        for i in range(MAC_LEN):
            b[14 + i] = tag[i]
        return 18

    def _frame(self, t):
        if self._tx_n >= COUNTER_MAX:
            self.connected = False  # counter exhausted (days of frames): the edge reconnects, new session
            return 0
        self._tx_n += 1
        b = self.buf
        b[0] = (VERSION << 4) | t
        _put(b, 1, 3, self._tx_n)
        off = HEADER_LEN
        spec = _SPEC[t]
        f = self._f
        for k in range(len(spec)):
            size = spec[k][1]
            _put(b, off, size, f[k])
            off += size
        tag = self._tx_mac.digest(self.mv[:off])
        for i in range(MAC_LEN):
            b[off + i] = tag[i]
        return off + MAC_LEN

    def _session(self, now):
        """Both nonces known: the two direction keys (allocates: once per connection)."""
        msg = bytearray(b"soleguard/v1/session") + bytearray(1 + 2 * NONCE_LEN)
        left = self._nonce if self.side == SIDE_LEFT else self._peer_nonce
        right = self._peer_nonce if self.side == SIDE_LEFT else self._nonce
        msg[21:29] = left
        msg[29:37] = right
        msg[20] = self.side
        self._tx_mac = Hmac(hmac_sha256(self._key, msg))
        msg[20] = self.peer_side
        self._rx_mac = Hmac(hmac_sha256(self._key, msg))
        self.up = True
        self.up_since = now
        self.sessions += 1
        self._st_dirty = True  # the peer learns our state at once
        self._sync_due = 0

    # --- receiving ----------------------------------------------------------------------

    def receive(self, data, n, now):
        """Check and apply one frame ``data[:n]`` received at local time ``now``; returns the reason
        (OK or one of REASONS; counted in ``counts``). Never raises on any bytes."""
        if n < 0 or n > len(data):
            n = len(data)
        r = self._check(data, n, now)
        self.counts[r] += 1
        if r == OK:
            self._last_rx = now
        elif r == BAD_MAC or r == BAD_FIELD or r == NO_SESSION:
            self.bad += 1
        return r

    def _check(self, data, n, now):
        if n < HEADER_LEN + MAC_LEN:
            return TRUNCATED
        vt = data[0]
        if vt >> 4 != VERSION:
            return BAD_VERSION
        t = vt & 0x0F
        spec = _SPEC.get(t)
        if spec is None:
            return UNKNOWN_TYPE
        end = HEADER_LEN
        for fd in spec:
            end += fd[1]
        if n != end + MAC_LEN:
            return BAD_LENGTH
        if not self.connected:
            return NO_SESSION
        if t == T_HELLO:
            mac = self._hello
        else:
            mac = self._rx_mac
            if mac is None:
                return NO_SESSION
        tag = mac.digest(memoryview(data)[:end])
        diff = 0
        for i in range(MAC_LEN):
            diff |= tag[i] ^ data[end + i]
        if diff:
            return BAD_MAC
        counter = _be(data, 1, 3)
        if t == T_HELLO:
            if counter != 0 or data[12] != self.peer_side or data[13] != 0:
                return BAD_FIELD
            if self._got_hello:
                return REPLAY  # one HELLO per session
            self._got_hello = True
            for i in range(NONCE_LEN):
                self._peer_nonce[i] = data[4 + i]
            self._session(now)
            return OK
        f = self._f
        off = HEADER_LEN
        for k in range(len(spec)):
            fd = spec[k]
            v = _be(data, off, fd[1])
            if v < fd[2] or v > fd[3]:
                return BAD_FIELD
            f[k] = v
            off += fd[1]
        if counter <= self._rx_n:
            return REPLAY
        self._rx_n = counter
        if t == T_IMPULSE:
            self._rx_impulse(f[0], f[1], f[2])
        elif t == T_STATE:
            self.peer_known = True
            self.peer_t = f[0]
            self.peer_posture = f[1]
            self.peer_load_pct = f[2]
            self.peer_alarm = f[3]
            self.peer_mode = f[4]
        elif t == T_TIME:
            self._rx_time(f[0], f[1], now)
        else:  # T_SYNC: org, rec, xmt, done
            if self._my_pending and f[0] == self._my_xmt & MASK:
                self._my_pending = False
                self.clock.sample(self._my_xmt, f[1], f[2], now)
            self._rx_time(f[2], f[3], now)
        return OK

    def _rx_time(self, xmt, done, now):
        self._peer_xmt = xmt
        self._peer_rec = now
        self._have_peer = True
        self.peer_done_t = done

    def _rx_impulse(self, kind, t, peak):
        if self._rq_n == _RXQ:
            self._rq_head = (self._rq_head + 1) % _RXQ
            self._rq_n -= 1
            self.rx_dropped += 1
        i = (self._rq_head + self._rq_n) % _RXQ
        self._rq_kind[i] = kind
        self._rq_t[i] = t
        self._rq_peak[i] = peak
        self._rq_n += 1
