# runtimes: cpython micropython
# heapsize: 96K
"""protocol.py: HMAC test vectors, round trips, every rejection reason, counters, replay window.

Own process at the device heap (96K): compiled from source, protocol.py stays
resident (~17 KB, also from .mpy) and would crowd the core tests sharing a process.
"""
from binascii import hexlify, unhexlify

from soleguard.core import protocol as p

TEAM = 0x0102
KEY = b"soleguard-test-team-key!"


def _hex(b):
    return hexlify(b).decode()


# RFC 4231 section 4: HMAC-SHA256 test cases 1-4, 6, 7 (full) and 5 (truncated to 128 bits).
RFC4231 = (
    (b"\x0b" * 20, b"Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (b"Jefe", b"what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    (b"\xaa" * 20, b"\xdd" * 50,
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    (unhexlify("0102030405060708090a0b0c0d0e0f10111213141516171819"), b"\xcd" * 50,
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    (b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    (b"\xaa" * 131, b"This is a test using a larger than block-size key and a larger t"
     b"han block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
)


def test_hmac_sha256_rfc4231_vectors():
    for key, msg, want in RFC4231:
        assert _hex(p.hmac_sha256(key, msg)) == want, want


def test_hmac_sha256_rfc4231_truncated_case_5():
    tag = p.hmac_sha256(b"\x0c" * 20, b"Test With Truncation")
    assert _hex(tag[:16]) == "a3b6167473100ee06e0c796c2955552b"


def test_hmac_accepts_memoryview():
    msg = bytearray(b"xxHi Therexx")
    assert p.Hmac(b"\x0b" * 20).digest(memoryview(msg)[2:10]) == p.hmac_sha256(b"\x0b" * 20, b"Hi There")


def _raises(exc, fn, *args):
    try:
        fn(*args)
    except exc:
        return True
    return False


def test_keys_reject_short_team_key():
    assert _raises(ValueError, p.Keys, b"too short")
    assert _raises(ValueError, p.Keys, b"k" * 65)


def test_device_id_is_keyed_and_stable():
    k1 = p.Keys(KEY)
    k2 = p.Keys(b"another-team-key-of-this-team")
    a = k1.device_id(b"esp32-a4cf12")
    assert a == p.Keys(KEY).device_id(b"esp32-a4cf12")
    assert a != k1.device_id(b"esp32-a4cf13")
    assert a != k2.device_id(b"esp32-a4cf12")
    assert 0 < a < p.BROADCAST


class Node:
    """One sender (its encoder) and one receiver of the opposite direction."""

    def __init__(self, hw=b"insole-1", downlink=False, capacity=4, team=TEAM, key=KEY):
        self.keys = p.Keys(key)
        self.store = p.MemoryStore()
        self.id = self.keys.device_id(hw)
        self.enc = p.Encoder(self.keys, team, self.id, p.TxCounter(self.store))
        self.rx_store = p.MemoryStore()
        self.dec = p.Decoder(self.keys, team, p.ReplayWindow(capacity, self.rx_store), downlink)

    def frame(self, type_, a=0, b=0, c=0, d=0):
        n = self.enc.encode(type_, a, b, c, d)
        return bytes(self.enc.mv[:n])


def _extreme_values(spec):
    lows = [f[2] for f in spec]
    highs = [f[3] for f in spec]
    return lows + [0] * (4 - len(lows)), highs + [0] * (4 - len(highs))


def test_round_trip_every_type_at_field_limits():
    up = Node()
    gw = Node(hw=b"gateway-1")
    for code, name, spec in p.frame_types():
        for values in _extreme_values(spec):
            f = up.frame(code, values[0], values[1], values[2], values[3])
            assert len(f) == p.frame_len(code), name
            # the receiver of the other direction
            dec = p.Decoder(up.keys, TEAM, p.ReplayWindow(2), p.is_downlink(code))
            assert dec.decode(f) == p.OK, (name, p.REASONS[dec.decode(f)])
            assert (dec.sender, dec.counter, dec.type) == (up.id, up.enc.counter, code)
            assert (dec.a, dec.b, dec.c, dec.d) == tuple(values), name
    assert gw.id != up.id


def test_frame_sizes():
    sizes = {}
    for code, name, spec in p.frame_types():
        sizes[name] = p.frame_len(code)
    assert sizes["alarm"] == 20 and sizes["heartbeat"] == 19 and sizes["ack"] == 26
    for code, name, spec in p.frame_types():
        if not p.is_downlink(code):
            assert sizes[name] <= 20, name  # every uplink in the shortest airtime step
    assert max(sizes.values()) <= p.MAX_FRAME


def test_encoder_range_checks():
    n = Node()
    assert _raises(ValueError, n.enc.encode, p.T_ALARM, 5, 0)  # cause 1..4
    assert _raises(ValueError, n.enc.encode, p.T_ALARM, 1, 65536)  # would wrap in a u16
    assert _raises(ValueError, n.enc.encode, p.T_ALARM, 1, -1)
    assert _raises(ValueError, n.enc.encode, p.T_ALARM, True, 0)  # bool is not a field value
    assert _raises(ValueError, n.enc.encode, p.T_HEARTBEAT, 101, 0)
    assert _raises(ValueError, n.enc.encode, p.T_HEARTBEAT, 80, 64)  # status bits 0..5
    assert _raises(ValueError, n.enc.encode, 0x7F)
    assert _raises(ValueError, p.Encoder, n.keys, 0x10000, 1, p.TxCounter(p.MemoryStore()))
    assert _raises(ValueError, p.Encoder, n.keys, 1, p.BROADCAST, p.TxCounter(p.MemoryStore()))
    # a rejected encode draws no counter
    assert n.enc.encode(p.T_ALARM, 1, 2) and n.enc.counter == 1


def test_reason_truncated():
    up = Node()
    f = up.frame(p.T_ALARM, p.CAUSE_TECHNICAL, 7)
    for cut in range(len(f)):
        dec = p.Decoder(up.keys, TEAM, p.ReplayWindow(2), False)
        r = dec.decode(f[:cut])
        assert r == p.TRUNCATED, (cut, p.REASONS[r])
    # a receive buffer longer than the frame, with its length
    buf = bytearray(64)
    buf[:len(f)] = f
    assert up.dec is not None
    dec = p.Decoder(up.keys, TEAM, p.ReplayWindow(2), False)
    assert dec.decode(buf, len(f)) == p.OK
    assert dec.decode(buf, len(f) - 1) == p.TRUNCATED


def _decoder(node, downlink=False, capacity=4):
    return p.Decoder(node.keys, TEAM, p.ReplayWindow(capacity), downlink)


def test_reason_bad_version_wrong_team_unknown_type_direction_length():
    up = Node()
    f = bytearray(up.frame(p.T_ALARM, 1, 3))
    dec = _decoder(up)
    g = bytearray(f)
    g[0] = 2
    assert dec.decode(g) == p.BAD_VERSION
    assert p.Decoder(up.keys, 7, p.ReplayWindow(1), False).decode(f) == p.WRONG_TEAM
    g = bytearray(f)
    g[11] = 0x40
    assert dec.decode(g) == p.UNKNOWN_TYPE
    assert _decoder(up, downlink=True).decode(f) == p.WRONG_DIRECTION
    assert dec.decode(f + b"\x00") == p.BAD_LENGTH
    assert dec.counts[p.BAD_VERSION] == 1 and dec.counts[p.UNKNOWN_TYPE] == 1
    assert dec.counts[p.BAD_LENGTH] == 1 and dec.rejected() == 3


def test_reason_bad_mac_on_every_bit_flip():
    up = Node()
    f = up.frame(p.T_ALARM, 2, 30)
    dec = _decoder(up)
    bad_mac = 0
    for bit in range(8 * len(f)):
        g = bytearray(f)
        g[bit // 8] ^= 1 << (bit % 8)
        r = dec.decode(g)
        assert r != p.OK, bit
        bad_mac += r == p.BAD_MAC
    assert bad_mac >= 8 * (len(f) - 12)  # every flip after the header is a MAC failure
    assert dec.decode(f) == p.OK


def test_reason_wrong_key_is_bad_mac():
    up = Node()
    other = Node(key=b"a-different-team-key-same-team-id")
    assert _decoder(other).decode(up.frame(p.T_ALARM, 1, 3)) == p.BAD_MAC


def _forge(keys, header_and_body):
    """An authentic frame with any body: what a buggy sender holding the key would emit."""
    tag = keys.mac.digest(header_and_body)
    return bytes(header_and_body) + tag[:p.MAC_LEN]


def test_reason_bad_field_for_authentic_malformed_frames():
    up = Node()
    f = bytearray(up.frame(p.T_ALARM, 1, 3))
    dec = _decoder(up)
    g = bytearray(f[:15])
    g[12] = 9  # cause 9
    assert dec.decode(_forge(up.keys, g)) == p.BAD_FIELD
    g = bytearray(f[:15])
    g[7:11] = b"\x00\x00\x00\x00"  # counter 0 is never sent
    assert dec.decode(_forge(up.keys, g)) == p.BAD_FIELD
    g = bytearray(f[:15])
    g[3:7] = b"\xff\xff\xff\xff"  # sender BROADCAST
    assert dec.decode(_forge(up.keys, g)) == p.BAD_FIELD
    assert dec.counts[p.BAD_FIELD] == 3 and dec.counts[p.OK] == 0


def test_roll_call_answer_state_byte_carries_the_slot_flag_only():
    """roll_call_answer's state byte: the state 0..3 and bit 7 (STATE_IN_SLOT: sent in the insole's
    answer slot), decoded apart into b and c; any other bit set is an authentic but malformed frame."""
    up = Node()
    assert _raises(ValueError, up.enc.encode, p.T_ROLL_CALL_ANSWER, 1, 0, 2)  # in_slot 0..1
    assert _raises(ValueError, up.enc.encode, p.T_ROLL_CALL_ANSWER, 1, 4, 0)  # state 0..3
    dec = _decoder(up)
    for state, flag in ((0, 0), (3, 0), (0, 1), (3, 1)):
        f = up.frame(p.T_ROLL_CALL_ANSWER, 9, state, flag)
        assert f[p.HEADER_LEN + 2] == state | (p.STATE_IN_SLOT if flag else 0)
        assert dec.decode(f) == p.OK and (dec.a, dec.b, dec.c) == (9, state, flag)
    for bad in (0x04, 0x40, 0x84, 0xFF):
        g = bytearray(up.frame(p.T_ROLL_CALL_ANSWER, 9, 0)[:p.HEADER_LEN + 3])
        g[p.HEADER_LEN + 2] = bad
        assert dec.decode(_forge(up.keys, g)) == p.BAD_FIELD, bad


def test_reason_replay_keeps_authentic_fields():
    up = Node()
    f = up.frame(p.T_ALARM, 3, 0)
    dec = _decoder(up)
    assert dec.decode(f) == p.OK
    assert dec.decode(f) == p.REPLAY
    assert dec.sender == up.id and dec.counter == 1 and dec.a == 3  # the gateway re-acknowledges
    assert dec.counts[p.OK] == 1 and dec.counts[p.REPLAY] == 1


def test_a_full_window_gives_the_least_recently_heard_sender_way():
    a, b, c = Node(b"a"), Node(b"b"), Node(b"c")
    store = p.MemoryStore()
    dec = p.Decoder(a.keys, TEAM, p.ReplayWindow(2, store), False)
    fa = a.frame(p.T_HEARTBEAT, 50, 0)
    assert dec.decode(fa) == p.OK
    assert dec.decode(b.frame(p.T_HEARTBEAT, 50, 0)) == p.OK
    assert dec.decode(b.frame(p.T_HEARTBEAT, 50, 0)) == p.OK
    assert dec.decode(c.frame(p.T_HEARTBEAT, 50, 0)) == p.OK  # a (least recent) gives way
    assert dec.window.evicted == 1
    assert dec.decode(fa) == p.REPLAY  # its stored counter still refuses its old frames
    assert dec.decode(a.frame(p.T_HEARTBEAT, 50, 0)) == p.OK  # and it is heard again (b gives way)
    assert dec.decode(c.frame(p.T_HEARTBEAT, 50, 0)) == p.OK


def test_decoder_never_raises_on_pseudo_random_bytes():
    up = Node()
    dec = _decoder(up)
    x = 12345
    buf = bytearray(40)
    for case in range(300):
        n = case % 40
        for i in range(n):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
            buf[i] = x >> 16 & 0xFF
        if case % 3 == 0 and n >= 12:  # make the cheap checks pass sometimes
            buf[0] = 1
            buf[1] = TEAM >> 8
            buf[2] = TEAM & 0xFF
            buf[11] = p.T_ALARM
        assert dec.decode(buf, n) != p.OK
    assert dec.rejected() == 300


def test_replay_window_out_of_order_within_24_below():
    w = p.ReplayWindow(2)
    assert w.check(7, 100) == p.OK
    w.accept(7, 100)
    for c in (90, 76, 99):  # 76 = 100 - 24: the last one inside
        assert w.check(7, c) == p.OK, c
        w.accept(7, c)
        assert w.check(7, c) == p.REPLAY, c
    assert w.check(7, 75) == p.REPLAY  # 25 below: outside the bitmap
    assert w.check(7, 100) == p.REPLAY
    w.accept(7, 130)  # jump beyond the window clears it
    assert w.check(7, 110) == p.OK and w.check(7, 105) == p.REPLAY


def test_replay_window_survives_reset():
    store = p.MemoryStore()
    w = p.ReplayWindow(2, store)
    w.accept(7, 5)
    w.accept(7, 9)
    w.accept(7, 8)
    w2 = p.ReplayWindow(2, store)  # receiver reset
    for c in (1, 6, 7, 9):  # 6 and 7 were never seen, but are refused after a reset
        assert w2.check(7, c) == p.REPLAY, c
    assert w2.check(7, 10) == p.OK


def test_replay_window_lazy_persistence():
    store = p.MemoryStore()
    w = p.ReplayWindow(2, store, persist=False)
    w.accept(7, 5)
    assert store.writes == 0
    w.persist(7)
    assert store.windows == {7: 5}


def test_counter_persists_ahead_and_never_reuses():
    store = p.MemoryStore()
    c = p.TxCounter(store, step=8)
    used = [c.take() for _ in range(20)]
    assert used == list(range(1, 21))
    assert store.writes == 3 and store.counter == 25
    c2 = p.TxCounter(store, step=8)  # reset
    v = c2.take()
    assert v == 25 and v > max(used)
    assert _raises(ValueError, p.TxCounter, store, 0)
    assert _raises(ValueError, p.TxCounter, store, 65)


def test_counter_exhaustion():
    store = p.MemoryStore()
    store.counter = p.COUNTER_MAX
    c = p.TxCounter(store)
    assert c.take() == p.COUNTER_MAX
    assert _raises(OverflowError, c.take)


def test_sender_reset_mid_alarm_frames_still_accepted():
    store = p.MemoryStore()
    keys = p.Keys(KEY)
    sid = keys.device_id(b"x")
    dec = p.Decoder(keys, TEAM, p.ReplayWindow(4), False)
    enc = p.Encoder(keys, TEAM, sid, p.TxCounter(store))
    n = enc.encode(p.T_ALARM, 1, 2)
    assert dec.decode(enc.mv[:n]) == p.OK
    enc = p.Encoder(keys, TEAM, sid, p.TxCounter(store))  # reset: new objects, same store
    n = enc.encode(p.T_RECOVERED, 1, 40)
    assert dec.decode(enc.mv[:n]) == p.OK


def test_is_for_targets():
    gw = Node(b"gw")
    dec = _decoder(gw, downlink=True)
    assert dec.decode(gw.frame(p.T_ACK, 1234, 9, p.ACK_BY_GATEWAY)) == p.OK
    assert dec.is_for(1234) and not dec.is_for(1235)
    assert dec.decode(gw.frame(p.T_CONFIG, p.BROADCAST, p.PARAM_HEARTBEAT_S, 300)) == p.OK
    assert dec.is_for(1235)
    assert dec.decode(gw.frame(p.T_EVACUATE, 1, 2)) == p.OK and dec.is_for(1)


def test_type_names():
    assert p.type_name(p.T_EVACUATE) == "evacuate" and p.type_name(0x7F) == ""
    assert p.frame_len(0x7F) == 0
    assert len(p.REASONS) == p.REPLAY + 1


def test_heartbeat_carries_the_pair_sos_mode_bit():
    # bit 5 (HB_PAIR): the insole is in the pair's SOS mode (docs/PAIR.md); with every other bit
    up = Node()
    every = p.HB_ALARM_ACTIVE | p.HB_EVACUATING | p.HB_SELF_TEST_FAILED | p.HB_PRE_ALARM | p.HB_ACK_AWAITED
    assert p.HB_PAIR == 32 and not p.HB_PAIR & every
    dec = p.Decoder(up.keys, TEAM, p.ReplayWindow(2), False)
    for st in (p.HB_PAIR, every | p.HB_PAIR, every):
        assert dec.decode(up.frame(p.T_HEARTBEAT, 77, st, 0, 0)) == p.OK
        assert (dec.type, dec.a, dec.b) == (p.T_HEARTBEAT, 77, st)
