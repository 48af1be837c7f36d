# runtimes: cpython micropython
# heapsize: 128K
"""pair.py's reports through the pair link (pairlink.py): same kinds, carried across a real session.

Its own process at 128K: two PairLinks with their HMAC state beside the compiled test fail at 96K (fragmentation)."""
from soleguard.core import pair as P


def test_report_kinds_are_the_link_frame_kinds():
    from soleguard.core import pairlink as L

    assert (P.K_IMPULSE, P.K_MOVED, P.K_STILL) == (L.K_IMPULSE, L.K_MOVED, L.K_STILL)


def test_still_and_moved_reports_cross_a_real_link():
    from soleguard.core import pairlink as L

    key = L.pair_key(b"pair-test-team-key-0123", 0x0101, 0x0202)
    a = L.PairLink(key, L.SIDE_LEFT, seed=1)
    b = L.PairLink(key, L.SIDE_RIGHT, seed=2)
    a.start(0, b"\x01" * 8)
    b.start(0, b"\x02" * 8)
    for t in range(0, 5000, 50):
        for src, dst in ((a, b), (b, a)):
            n = src.poll(t)
            while n:
                dst.receive(bytes(src.mv[:n]), n, t + 3)
                n = src.poll(t)
    assert a.pair_mode(5000) and b.pair_mode(5000)
    for kind, t in ((P.K_STILL, 4800), (P.K_IMPULSE, 4990), (P.K_MOVED, 5000)):
        assert a.send_impulse(kind, t, 0)
    a.processed(5000)
    got = []
    for t in range(5000, 5300, 50):
        n = a.poll(t)
        while n:
            b.receive(bytes(a.mv[:n]), n, t + 3)
            n = a.poll(t)
        k = b.next_impulse(t + 5)
        while k:
            got.append((k, b.imp_t))
            k = b.next_impulse(t + 5)
    assert [k for k, _ in got] == [P.K_STILL, P.K_IMPULSE, P.K_MOVED]
    assert all(abs(t - w) <= 10 for (_, t), w in zip(got, (4800, 4990, 5000)))
