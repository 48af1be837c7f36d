"""On-target benchmark of the app with the pair (MicroPython unix port: ticks_us, gc).

    micropython -m soleguard_unix.bench_pair_app MODE ROUNDS < replay protocol (replay.py: H, S lines)

The frames' IMU channels (a recording or the synthetic walk, looped ROUNDS times) go through
``App.on_batch`` in FIFO batches of 16 on an IMU-only app (no zones: the pair adds nothing to the
zone path). MODE: ``single`` (no pair configured), ``right`` or ``left`` (this insole paired; the
other insole is a second App on the same frames, their pairlink.PairLink cores joined by an
in-memory wire that moves every due frame at once, each insole's link clock 10 ms a sample, the
left one offset). The pair is brought up first (pair mode on both) and the timed loop starts in
pair mode. ``right-off`` / ``left-off``: the same, with the measured app's pair hooks and
Core.pair removed after the bring-up (callgrind's reference: the difference is the pair's cost
in on_batch). Prints:

  A,<mode>,<samples>,<us_per_sample_x1000>,<bytes_per_sample_x1000>,<mode_at_end>
      App.on_batch of the measured insole, timed around each batch, gc disabled
  L,<mode>,<samples>,<us_per_sample_x1000>,<frames>
      the link's own frames (poll + receive on both ends, hashlib's garbage included) per sample
  H,<mode>,<bytes>
      heap of the measured insole's App minus the single app's (PairLink with its buffers,
      Pairing, PairFusion or StruckFoot; the modules' code not counted: imported before)

For callgrind (tools/callgrind_figures.py --what pair) the same run with ROUNDS 1 and 3.
"""
import gc
import sys
import time
from array import array

from soleguard.app import App
from soleguard.core import pairlink as PL
from soleguard.core.frame import FRAME_LEN
from soleguard.core.radioport import LoopbackRadio
from soleguard.edges.outbox import Outbox
from soleguard.edges.pairing import pair_link
from soleguard.edges.store import validate

_MAX = 2000
WM = 16
BOARD = {"name": "bench", "imu": {"odr_hz": 100, "watermark": WM}, "zones": ()}
TEAM_KEY = b"bench-pair-app-team-key-01234"
IDS = {PL.SIDE_LEFT: 0x01010101, PL.SIDE_RIGHT: 0x02020202}


class Fifo:
    watermark = WM

    def __init__(self, buf, n):
        self.buf = buf
        self.n = n
        self.k = 0
        self.frames = array("h", bytes(2 * FRAME_LEN * WM))  # the driver's layout (Core.step_batch)

    def read(self):
        b = self.buf
        fr = self.frames
        k = self.k
        n = self.n
        for j in range(WM):
            o = ((k + j) % n) * FRAME_LEN
            p = FRAME_LEN * j
            fr[p] = b[o]
            fr[p + 1] = b[o + 1]
            fr[p + 2] = b[o + 2]
            fr[p + 3] = b[o + 3]
            fr[p + 4] = b[o + 4]
            fr[p + 5] = b[o + 5]
        self.k = k + WM
        return WM

    def start(self):
        pass

    def sleep(self, *a):
        pass


class Flash:
    block_size = 256
    blocks = 4

    def __init__(self):
        self.mem = bytearray(b"\xff" * 1024)

    def readblocks(self, n, buf, off=0):
        p = n * 256 + off
        buf[:] = self.mem[p:p + len(buf)]

    def writeblocks(self, n, buf, off=None):
        p = n * 256 + (off or 0)
        for i in range(len(buf)):
            self.mem[p + i] = buf[i] if off is None else self.mem[p + i] & buf[i]

    def ioctl(self, op, arg):
        if op == 4:
            return 4
        if op == 5:
            return 256
        if op == 6:
            for i in range(256):
                self.mem[arg * 256 + i] = 0xFF
            return 0
        return None


class PWM:
    def duty_u16(self, v=None):
        return 0


class Battery:
    def read_mv(self):
        return 3900


class Ticks:
    def __init__(self, t):
        self.t = t

    def __call__(self):
        return self.t


class Edge:
    def __init__(self, core, clock):
        self.core = core
        self.clock = clock


def read_frames(readline):
    buf = array("h", bytes(2 * FRAME_LEN * _MAX))
    n = 0
    while n < _MAX:
        line = readline()
        if not line:
            break
        p = line.strip().split(",")
        if p[0] == "S":
            for i in range(FRAME_LEN):
                buf[n * FRAME_LEN + i] = int(p[2 + i])
            n += 1
    if n < WM:
        raise ValueError("bench_pair_app: fewer than %d samples" % WM)
    return buf, n


def make_app(buf, n, side, ticks):
    values = {}
    if side:
        other = PL.SIDE_RIGHT if side == PL.SIDE_LEFT else PL.SIDE_LEFT
        values = {"PAIR_SIDE": side, "PAIR_PEER_ID": IDS[other]}
    cfg, edge = validate(values)
    link = pair_link(edge, TEAM_KEY, IDS.get(side, 1), cfg)
    return App(BOARD, Fifo(buf, n), None, PWM(), Battery(), Outbox(Flash()), LoopbackRadio(), values,
               clock=ticks, pair=None if link is None else Edge(link, ticks))


def wire(a, b, ta, tb):
    moved = 0
    for src, dst, ts, td in ((a, b, ta, tb), (b, a, tb, ta)):
        while True:
            k = src.poll(ts())
            if not k:
                break
            dst.receive(src.mv, k, td())
            moved += 1
    return moved


def run(mode, rounds, readline, write):
    buf, n = read_frames(readline)
    side = {"single": 0, "right": PL.SIDE_RIGHT, "left": PL.SIDE_LEFT, "right-off": PL.SIDE_RIGHT,
            "left-off": PL.SIDE_LEFT}[mode]
    ta = Ticks(5000)
    tb = Ticks(987654)
    gc.collect()
    m0 = gc.mem_alloc()
    single = make_app(buf, n, 0, Ticks(0))
    gc.collect()
    m1 = gc.mem_alloc()
    app = make_app(buf, n, side, ta)
    gc.collect()
    m2 = gc.mem_alloc()
    if side:
        write("H,%s,%d\n" % (mode, (m2 - m1) - (m1 - m0)))
    del single
    peer = None
    if side:
        peer = make_app(buf, n, PL.SIDE_LEFT if side == PL.SIDE_RIGHT else PL.SIDE_RIGHT, tb)
        a = app.pair.link
        b = peer.pair.link
        a.start(ta(), b"\x01" * 8)
        b.start(tb(), b"\x02" * 8)
        for k in range(3000):  # 30 s of link: both in pair mode, the drift interval narrowed
            ta.t += 10
            tb.t += 10
            wire(a, b, ta, tb)
            if k % WM == 0:
                app.on_batch()
                peer.on_batch()
        if mode.endswith("-off"):  # callgrind's reference: the same run without the pair in the measured app
            app.pair = None
            app.core.pair = None
            app.core.lifecycle.sos_muted = False
    ticks_us = time.ticks_us
    ticks_diff = time.ticks_diff
    on_batch = app.on_batch
    batches = rounds * n // WM
    total = 0
    link_us = 0
    frames = 0
    gc.collect()
    gc.disable()
    a0 = gc.mem_alloc()
    for k in range(batches):
        t0 = ticks_us()
        on_batch()
        total += ticks_diff(ticks_us(), t0)
        if peer is not None:
            peer.on_batch()
            ta.t += WM * 10
            tb.t += WM * 10
            a1 = gc.mem_alloc()
            t0 = ticks_us()
            frames += wire(a, b, ta, tb)
            link_us += ticks_diff(ticks_us(), t0)
            a0 += gc.mem_alloc() - a1  # the link's hashlib garbage is not on_batch's
        else:
            ta.t += WM * 10
    used = gc.mem_alloc() - a0
    gc.enable()
    samples = batches * WM
    pm = app.pair.mode if app.pair is not None else 0
    if peer is not None:
        p = peer.pair  # both insoles' pair state at the end (sessions, mode): the run stayed in pair mode
        write("P,%s,%d,%d,%d\n" % (mode, b.sessions, p.mode, p.changes))
    write("A,%s,%d,%d,%d,%d\n" % (mode, samples, total * 1000 // samples, used * 1000 // samples, pm))
    if peer is not None:
        write("L,%s,%d,%d,%d\n" % (mode, samples, link_us * 1000 // samples, frames))


def main():
    run(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3, sys.stdin.readline, sys.stdout.write)


if __name__ == "__main__":
    main()
