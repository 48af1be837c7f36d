"""Two insole Apps (left + right) wired as a pair over the NimBLE ``bluetooth`` model with the real
aioble, replaying a real both-feet recording (both runtimes).

    python pairapp.py SCENARIO RIGHT_FEED LEFT_FEED        (CPython: sim/models, firmware on the path)
    micropython -m pairapp SCENARIO RIGHT_FEED LEFT_FEED   (device tree: tests/test_pair_app.py)

FEED: sim/app.py ``write_feed`` (header line ``H,1,0``: no zones, then int16 frames of
frame.FRAME_LEN values at 100 Hz from 0 ms; the sim board's ODR, watermark 16). Each insole is
the firmware App (core, lifecycle, outbox over a RAM journal, haptics, loopback radio) with its
stored configuration through store.validate: PAIR_SIDE / PAIR_PEER_ID give
edges/pairing.pair_link (the pair key from the team key and both ids) and the App gets the
edges/pair_link.PairLinkBle edge: the right insole is the central over the default aioble, the
left one the peripheral over a second copy of the real aioble bound to a second model radio
(tests/models/fw_tests/test_fw_pair_link.py does the same). Simulated time (simenv): every
160 ms a batch of 16 frames becomes readable and the App reads it (``on_batch``); each 100
samples ``every_second``. Each insole's ms clock has its own start and drift (+-30 ppm), and
the sample clock of each starts at 0 at power-up: the app converts between them per batch.

SCENARIO:
  pair         both insoles, pair configured (values as enrolment writes them)
  single       both, no pair configured: the app exactly as without a pair
  noleft       the right insole alone (pair configured, its left never powers up)
  drop:MS      both; the left insole vanishes (its tasks end, the BLE link drops) at sample MS
  fault:MS     both; the left insole's FIFO read fails once at sample MS (technical alarm)
  leftsingle   the left insole alone, no pair configured (what its feed raises on its own)

Output lines:
  E,side,t,type,cause,detail    every event an App emits (side L / R; t: its sample clock, ms)
  M,side,mode,t                 a mode change (0 single, 1 pair; t: its sample clock)
  H,side,status                 each second: the heartbeat status bits (edges/link.link_status)
  S,side,k=v,...                at the end: link and fusion counters
"""
import asyncio
import sys
from array import array

import vendor  # noqa: F401  (sim/models: the real micropython-lib on the path)
import bluetooth
import simenv

from soleguard.app import App
from soleguard.core import pairlink as PL
from soleguard.core.frame import FRAME_LEN
from soleguard.core.radioport import LoopbackRadio
from soleguard.edges.hardware import RamFlash
from soleguard.edges.link import link_status
from soleguard.edges.outbox import Outbox
from soleguard.edges.pair_link import PairLinkBle
from soleguard.edges.pairing import pair_link
from soleguard.edges.store import validate

IS_MP = sys.implementation.name == "micropython"
if not IS_MP:
    bluetooth.SIM_IRK_SECRETS = False  # CPython's json refuses the IRK bytes aioble.security saves

TEAM_KEY = b"pair-app-test-team-key-0123456"
LEFT_ID = 0x0A0B0C01  # ids as protocol.Keys.device_id gives them
RIGHT_ID = 0x0A0B0C02
ODR = 100
WM = 16
PERIOD_MS = 1000 * WM // ODR


def board():
    try:
        from board import BOARD  # boards/sim.py as deployed (board.py, the device tree)
    except ImportError:
        from boards.sim import BOARD  # CPython: the checkout on the path

    b = dict(BOARD)
    b["zones"] = ()  # the IPOL recordings have foot IMUs only
    b["imu"] = dict(b["imu"], odr_hz=ODR, watermark=WM)
    return b


def read_feed(path):
    with open(path, "rb") as f:
        head = f.readline().decode().strip().split(",")
        if head[0] != "H" or head[2] != "0":
            raise ValueError("%s: header %r: expected H,1,0 (no zones)" % (path, head))
        data = array("h", f.read())
    return data, len(data) // FRAME_LEN


class FeedFifo:
    """FifoIMU stand-in: ``due`` frames readable so far (the harness moves it each batch period)."""

    watermark = WM

    def __init__(self, data, total):
        self.data = data
        self.total = total
        self.frames = array("h", bytes(2 * FRAME_LEN * WM))  # the driver's layout: Core.step_batch's
        self.pos = 0
        self.due = 0
        self.fail_at = -1  # frame index at which one read fails (OSError: an I2C NACK)

    def read(self):
        if self.fail_at >= 0 and self.pos >= self.fail_at:
            self.fail_at = -1
            raise OSError(19)
        n = self.due - self.pos
        if n > WM:
            n = WM
        d = self.data
        fr = self.frames
        for k in range(n):
            b = (self.pos + k) * FRAME_LEN
            for j in range(6):
                fr[FRAME_LEN * k + j] = d[b + j]
        self.pos += n
        return n

    def start(self):
        pass

    def sleep(self, *a):
        pass


class PWM:
    v = 0

    def duty_u16(self, v=None):
        if v is None:
            return self.v
        self.v = v


class Battery:
    def read_mv(self):
        return 3900


class Clock:
    """An insole's ms clock on the simulated timeline: start offset and drift (ppm)."""

    def __init__(self, sim, start_ms, ppm):
        self.sim = sim
        self.start = start_ms
        self.ppm = ppm

    def __call__(self):
        return self.start + self.sim.now_us() * (1000000 + self.ppm) // 1000000000


def out(*f):
    print(",".join(str(x) for x in f))


class Insole:
    def __init__(self, name, side, peer_id, own_id, feed, clock, aioble_mod, paired):
        self.name = name
        values = {"TEAM_ID": 7}
        if paired:
            values["PAIR_SIDE"] = side
            values["PAIR_PEER_ID"] = peer_id
        cfg, edge = validate(values)
        self.edge = None
        link = pair_link(edge, TEAM_KEY, own_id, cfg)
        if link is not None:
            self.edge = PairLinkBle(link, clock, central=side == PL.SIDE_RIGHT, aioble=aioble_mod)
        data, total = read_feed(feed)
        self.fifo = FeedFifo(data, total)
        self.app = App(board(), self.fifo, None, PWM(), Battery(), Outbox(RamFlash(8, 1024)), LoopbackRadio(),
                       values, clock=clock, on_event=self.event, pair=self.edge, pair_log=self.mode)

    def event(self, t, type_, cause, detail):
        out("E", self.name, t, type_, cause, detail)

    def mode(self, mode, t):
        out("M", self.name, mode, self.app.t_ms)

    async def run(self, stop_at=-1):
        app = self.app
        fifo = self.fifo
        sec = ODR
        while fifo.pos < fifo.total:
            await asyncio.sleep_ms(PERIOD_MS)
            fifo.due = min(fifo.total, fifo.due + WM)
            while app.on_batch():
                pass
            while app.samples >= sec:
                sec += ODR
                app.every_second()
                out("H", self.name, link_status(app))
            if 0 <= stop_at <= app.t_ms:
                return

    def stats(self):
        p = self.app.pair
        f = ["S", self.name, "samples=%d" % self.app.samples]
        if p is not None:
            link = p.link
            now = link_now = p.clock()
            f += ["sessions=%d" % link.sessions, "changes=%d" % p.changes, "mode=%d" % p.mode,
                  "status=%d" % link.status(now), "bound=%d" % link.clock.bound(now), "rx=%s" % "/".join(str(c) for c in link.counts)]
            if p.fusion is not None:
                fu = p.fusion
                f += ["candidates=%d" % fu.candidates, "confirmed=%d" % fu.confirmed, "gestures=%d" % fu.gestures]
        out(*f)


def drop_links(radio):
    for h in list(radio._links):
        if radio._links[h].connected:
            radio.gap_disconnect(h)


async def main(scenario, right_feed, left_feed):
    import aioble

    sim = SIM[0]
    radio = bluetooth.sim_new_ble(name="left")
    aioble_b = bluetooth.sim_aioble(radio)
    arg = -1
    if ":" in scenario:
        scenario, a = scenario.split(":")
        arg = int(a)
    paired = scenario not in ("single", "leftsingle")
    right = None
    if scenario != "leftsingle":
        right = Insole("R", PL.SIDE_RIGHT, LEFT_ID, RIGHT_ID, right_feed, Clock(sim, 5000, 30), aioble, paired)
    left = None
    if scenario != "noleft":
        left = Insole("L", PL.SIDE_LEFT, RIGHT_ID, LEFT_ID, left_feed, Clock(sim, 987654, -30), aioble_b, paired)
        if left.edge is not None:
            aioble_b.register_services(*left.edge.services())
        if scenario == "fault":
            left.fifo.fail_at = arg * ODR // 1000
    tasks = []
    for ins in (right, left):
        if ins is not None and ins.edge is not None:
            tasks.append(asyncio.create_task(ins.edge.run()))
    runs = []
    if right is not None:
        runs.append(asyncio.create_task(right.run()))
    if left is not None:
        await asyncio.sleep_ms(37)  # the left insole's batches fall at another phase
        runs.append(asyncio.create_task(left.run(arg if scenario == "drop" else -1)))
    if scenario == "drop":
        await runs[-1]  # the left insole stopped sampling at ``arg``: now it vanishes
        tasks[-1].cancel()
        await asyncio.sleep_ms(1)
        drop_links(radio)
    for r in runs:
        await r
    for ins in (right, left):
        if ins is not None:
            ins.stats()
    for t in tasks:
        t.cancel()
    await asyncio.sleep_ms(10)
    tasks = getattr(asyncio, "all_tasks", None)  # CPython: keep aioble's pending tasks referenced
    if tasks is not None:
        KEPT.extend(tasks())


SIM = [None]
KEPT = []


def run(argv):
    SIM[0] = simenv.install()
    simenv.run(main(argv[0], argv[1], argv[2]))


if __name__ == "__main__":
    run(sys.argv[1:])
