# runtimes: cpython micropython
# heapsize: 112K
"""The pair link core on both runtimes: handshake, what a foreign insole cannot do, the
impulse path with its converted time, link states, and no allocation on the app's calls."""
from soleguard.core import pairlink as L
from soleguard.core.clocksync import ClockSync

try:
    import micropython

    _MP = hasattr(micropython, "heap_lock")
except ImportError:
    micropython = None
    _MP = False

TEAM_KEY = b"pair-test-team-key-0123"
KEY = L.pair_key(TEAM_KEY, 0x0101, 0x0202)


def _pair(key_b=KEY):
    a = L.PairLink(KEY, L.SIDE_LEFT, seed=1)
    b = L.PairLink(key_b, L.SIDE_RIGHT, seed=2)
    a.start(0, b"\x01" * 8)
    b.start(0, b"\x02" * 8)
    return a, b


def _pump(src, dst, now, delay=3, log=None):
    while True:
        n = src.poll(now)
        if not n:
            return
        fr = bytes(src.mv[:n])
        if log is not None:
            log.append(fr)
        dst.receive(fr, n, now + delay)


def _run(a, b, t0, t1, b_offset=0):
    for t in range(t0, t1, 50):
        _pump(a, b, t)
        _pump(b, a, t + b_offset)


def test_frames_fit_one_ble_write_and_the_handshake_brings_the_link_up():
    for code, name, spec in L.frame_types():
        assert 0 < L.frame_len(code) <= L.FRAME_MAX, name
    a, b = _pair()
    assert a.status(0) == L.LINK_HANDSHAKE
    _pump(a, b, 0)
    _pump(b, a, 0)
    assert a.status(5) == L.LINK_UP and b.status(5) == L.LINK_UP and a.sessions == 1


def test_impulse_arrives_in_the_local_clock_with_its_error():
    a, b = _pair()
    # b's clock is 123456 ms ahead of a's; one-way delay 3 ms
    for t in range(0, 5000, 50):
        _pump(a, b, t, delay=3 + 123456)
        n = b.poll(t + 123456)
        while n:
            a.receive(bytes(b.mv[:n]), n, t + 3)
            n = b.poll(t + 123456)
    assert a.pair_mode(5000) and b.pair_mode(5000 + 123456)
    b.send_impulse(L.K_IMPULSE, 5010 + 123456, 3200)
    b.processed(5020 + 123456)
    n = b.poll(5030 + 123456)
    a.receive(bytes(b.mv[:n]), n, 5033)
    assert a.next_impulse(5040) == L.K_IMPULSE
    assert abs(a.imp_t - 5010) <= a.imp_err <= 10 and a.imp_peak == 3200
    assert a.next_impulse(5040) == 0


def test_an_insole_of_another_pair_cannot_join_or_inject():
    other = L.pair_key(TEAM_KEY, 0x0101, 0x0303)  # same team, another wearer's right insole
    a, b = _pair(other)
    _pump(b, a, 0)
    assert a.counts[L.BAD_MAC] == 1 and a.status(0) == L.LINK_HANDSHAKE
    for _ in range(L.BAD_MAX):
        _pump(b, a, 0)
        b.start(0, b"\x02" * 8)
    assert a.should_drop()


def test_replayed_tampered_and_reflected_frames_are_refused():
    a, b = _pair()
    log = []
    _pump(a, b, 0)
    _pump(b, a, 0, log=log)
    b.send_impulse(L.K_STRIKE, 100, 4000)
    _pump(b, a, 100, log=log)
    assert a.next_impulse(200) == L.K_STRIKE
    imp = log[-1]
    assert a.receive(imp, len(imp), 300) == L.REPLAY
    bad = bytearray(imp)
    bad[5] ^= 1
    assert a.receive(bad, len(bad), 300) == L.BAD_MAC
    assert a.receive(imp[:-1], len(imp) - 1, 300) == L.BAD_LENGTH
    assert a.receive(b"", 0, 300) == L.TRUNCATED
    # a's own frame sent back to it (reflection) fails: each direction has its own key
    a.send_impulse(L.K_IMPULSE, 150, 1000)
    n = a.poll(150)
    assert a.receive(bytes(a.mv[:n]), n, 160) == L.BAD_MAC
    assert a.next_impulse(400) == 0
    # a new session: the old session's frames are dead
    a.start(500, b"\x03" * 8)
    b.start(500, b"\x04" * 8)
    _pump(a, b, 500)
    _pump(b, a, 500)
    assert a.receive(imp, len(imp), 600) == L.BAD_MAC


def test_silence_and_disconnection_end_pair_mode_and_unsent_impulses_are_dropped():
    a, b = _pair()
    _run(a, b, 0, 3000)
    assert a.pair_mode(3000)
    assert a.status(3000 + 3001) == L.LINK_SILENT and not a.pair_mode(6001)
    a.stop(7000)
    assert a.status(7000) == L.LINK_DOWN
    assert not a.send_impulse(L.K_STRIKE, 7100, 3000) and a.tx_dropped == 1


def test_peer_state_and_done_watermark():
    a, b = _pair()
    b.send_state(1000, 1, 12, 0, 0)
    b.processed(1200)
    _run(a, b, 0, 3000)
    assert a.peer_known and a.peer_posture == 1 and a.peer_load_pct == 12
    assert abs(a.peer_state_t(3000) - 1000) <= 10
    assert abs(a.peer_done(3000) - 1200) <= 10 and a.up_since == 3


def test_the_app_calls_allocate_nothing():
    a, b = _pair()
    _run(a, b, 0, 3000)
    c = ClockSync(80, 10)
    c.sample(0, 5, 6, 10)

    def calls(t):
        a.send_impulse(L.K_STRIKE, t, 3000)
        a.send_state(t, 0, 90, 0, 1)
        a.processed(t)
        a.next_impulse(t)
        a.status(t)
        a.pair_mode(t)
        a.peer_done(t)
        a.wait_ms(t)
        c.sample(t, t + 5, t + 6, t + 10)
        c.to_local(t, t + 20)
        c.bound(t + 30)

    calls(3000)
    if _MP:
        micropython.heap_lock()
        try:
            for t in range(3000, 3400, 10):
                calls(t)
        finally:
            micropython.heap_unlock()
    assert a.tx_dropped >= 0 and c.n > 1
