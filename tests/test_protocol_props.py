"""protocol.py properties on CPython (hypothesis): round trips over every type and
field range, HMAC against the standard library, a decoder that rejects and never
raises on hostile input. The dual-runtime unit tests are in test_protocol.py."""
import hashlib
import hmac

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from soleguard_sim.frames import fuzz
from soleguard.core import protocol as p

TEAM = 0x0A0B
KEYS = p.Keys(b"hypothesis-team-key-0123456789")
TYPES = p.frame_types()


@st.composite
def frames(draw):
    """(code, values, sender) with every field anywhere in its range."""
    code, name, spec = draw(st.sampled_from(TYPES))
    values = [draw(st.integers(f[2], f[3])) for f in spec] + [0] * (4 - len(spec))
    sender = draw(st.integers(1, 0xFFFFFFFE))
    return code, values, sender


def _encoder(sender, start=None):
    store = p.MemoryStore()
    store.counter = start
    return p.Encoder(KEYS, TEAM, sender, p.TxCounter(store))


@given(frames(), st.one_of(st.none(), st.integers(1, p.COUNTER_MAX)))
def test_round_trip_any_type_any_field(frame, start):
    code, values, sender = frame
    enc = _encoder(sender, start)
    n = enc.encode(code, *values)
    dec = p.Decoder(KEYS, TEAM, p.ReplayWindow(2), p.is_downlink(code))
    assert dec.decode(enc.mv[:n]) == p.OK
    assert (dec.sender, dec.counter, dec.type, [dec.a, dec.b, dec.c, dec.d]) == (sender, enc.counter, code, values)
    assert n == p.frame_len(code)


@given(st.binary(min_size=0, max_size=200), st.binary(max_size=300))
def test_hmac_matches_stdlib(key, msg):
    assert p.hmac_sha256(key, msg) == hmac.new(key, msg, hashlib.sha256).digest()


@given(st.binary(max_size=64), st.booleans())
def test_decoder_rejects_arbitrary_bytes(data, downlink):
    dec = p.Decoder(KEYS, TEAM, p.ReplayWindow(2), downlink)
    assert dec.decode(data) != p.OK
    assert dec.rejected() == 1


@given(frames(), st.data())
def test_any_single_bit_flip_is_rejected(frame, data):
    code, values, sender = frame
    enc = _encoder(sender)
    n = enc.encode(code, *values)
    g = bytearray(enc.mv[:n])
    bit = data.draw(st.integers(0, 8 * n - 1))
    g[bit // 8] ^= 1 << (bit % 8)
    dec = p.Decoder(KEYS, TEAM, p.ReplayWindow(2), p.is_downlink(code))
    assert dec.decode(g) != p.OK


@given(frames(), st.binary(min_size=1, max_size=8))
def test_prefix_with_valid_header_and_junk_tail_rejected(frame, junk):
    code, values, sender = frame
    enc = _encoder(sender)
    n = enc.encode(code, *values)
    assume(junk != bytes(enc.mv[n - 1:n]))  # not the original frame again
    dec = p.Decoder(KEYS, TEAM, p.ReplayWindow(2), p.is_downlink(code))
    assert dec.decode(bytes(enc.mv[:n - 1]) + junk) != p.OK


@given(st.lists(st.integers(1, 200), min_size=1, max_size=60))
def test_replay_window_matches_reference_model(counters):
    """Accepted iff above the highest, or at most 24 below it and never accepted before."""
    w = p.ReplayWindow(1)
    seen = set()
    highest = 0
    for c in counters:
        want = c not in seen and (c > highest or highest - c <= p.WINDOW_BITS)
        got = w.check(9, c) == p.OK
        assert got == want, (c, highest, sorted(seen))
        if got:
            w.accept(9, c)
            seen.add(c)
            highest = max(highest, c)


@settings(deadline=None, max_examples=1)
@given(st.just(None))
def test_fuzz_campaign_rejects_everything_hostile(_):
    r = fuzz(seed=3, random_cases=20_000)
    assert r["ok"], r
    assert r["total"]["cases"] > 30_000
    assert r["categories"]["bit_flip"]["accepted"] == 0
    assert r["categories"]["replay"]["reasons"] == {"replay": r["categories"]["replay"]["cases"]}
