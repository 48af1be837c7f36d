"""On-target benchmark of the pair link core (MicroPython only: ticks_us, gc).

Two pairlink.PairLink cores (left, right) in one process exchange frames the way
the edge does: ``poll`` (stamp, encode, HMAC) on one, ``receive`` (check, HMAC,
apply, clock sample) on the other. Times ``n`` messages of each kind with the
garbage collector disabled and prints one line per figure:

  P,<what>,<count>,<us_per_call_x1000>,<bytes_per_call_x1000>

what: ``sync`` (a SYNC frame sent and received), ``impulse`` (an impulse queued,
sent, received and taken by fusion), ``app`` (the per-sample calls: send_state,
processed, status, pair_mode, next_impulse with nothing waiting), ``object``
(count 1: bytes of one PairLink with its buffers, from gc.mem_alloc), and
``mem_free`` at the end.
"""
import gc
import time

from soleguard.core import pairlink as L

_KEY = L.pair_key(b"bench-team-key-0123456", 0x01010101, 0x02020202)


def _pair():
    a = L.PairLink(_KEY, L.SIDE_LEFT, seed=1)
    b = L.PairLink(_KEY, L.SIDE_RIGHT, seed=2)
    a.start(0, b"\x01" * 8)
    b.start(0, b"\x02" * 8)
    for now in (0, 1, 2):
        for s, d in ((a, b), (b, a)):
            n = s.poll(now)
            while n:
                d.receive(s.mv, n, now + 1)
                n = s.poll(now)
    return a, b


def _measure(fn, n):
    gc.collect()
    gc.disable()
    m0 = gc.mem_alloc()
    t0 = time.ticks_us()
    for i in range(n):
        fn(i)
    dt = time.ticks_diff(time.ticks_us(), t0)
    m1 = gc.mem_alloc()
    gc.enable()
    return dt * 1000 // n, (m1 - m0) * 1000 // n


def run(write, n=50):
    gc.collect()
    m0 = gc.mem_alloc()
    a, b = _pair()
    gc.collect()
    write("P,object,1,0,%d\n" % ((gc.mem_alloc() - m0) * 1000 // 2))
    now = [100]

    def sync(i):
        t = now[0] = now[0] + 400
        a._sync_due = t  # due now: one SYNC per call
        k = a.poll(t)
        b.receive(a.mv, k, t + 3)

    us, by = _measure(sync, n)
    write("P,sync,%d,%d,%d\n" % (n, us, by))

    def impulse(i):
        t = now[0] = now[0] + 10
        a.send_impulse(L.K_IMPULSE, t, 3000)
        k = a.poll(t)
        b.receive(a.mv, k, t + 3)
        b.next_impulse(t + 5)

    us, by = _measure(impulse, n)
    write("P,impulse,%d,%d,%d\n" % (n, us, by))

    def app(i):
        t = now[0] + i
        a.send_state(t, 0, 95, 0, 1)
        a.processed(t)
        a.status(t)
        a.pair_mode(t)
        a.next_impulse(t)

    us, by = _measure(app, n * 10)
    write("P,app,%d,%d,%d\n" % (n * 10, us, by))
    gc.collect()
    write("P,mem_free,0,0,%d\n" % (gc.mem_free() * 1000))


if __name__ == "__main__":
    import sys

    run(sys.stdout.write)
