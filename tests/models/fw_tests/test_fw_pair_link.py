"""The pair link edge (edges/pair_link.py) between two insoles, over the real aioble and the
NimBLE ``bluetooth`` model, on simulated time (both runtimes).

aioble binds to ``bluetooth.BLE()`` when it is imported, and the model's BLE() is the one
device under test. The second insole gets its own copy of the real aioble, imported while
``bluetooth.BLE`` returns a second model radio (``sim_new_ble``), then kept out of
sys.modules. The copy runs the peripheral, whose code path imports nothing lazily (only
aioble.security's secrets loader, harmless); the device under test is the central.

The model delivers at once (no connection-event timing): the clock figures here are those of
an instant link; tests/test_pairlink_props.py has the connection-interval model.
"""
import asyncio

import bluetooth
import fwhelpers as F
import simenv

from soleguard.core import pairlink as PL
from soleguard.edges.pair_link import BACKOFF_MAX_MS, PairLinkBle

TEAM_KEY = F.KEY
LEFT_ID = 0x0A0B0C01  # ids as protocol.Keys.device_id gives them
RIGHT_ID = 0x0A0B0C02


SIM = [None]


def _run(main):
    F._ble_reset()
    SIM[0] = simenv.install()
    simenv.run(main())


class Clock:
    """An insole's ms clock on the simulated timeline: start offset and drift (ppm)."""

    def __init__(self, sim, start_ms, ppm):
        self.sim = sim
        self.start = start_ms
        self.ppm = ppm

    def __call__(self):
        return self.start + self.sim.now_us() * (1000000 + self.ppm) // 1000000000


def _world(peer_key=None):
    """Both insoles; called inside the loop (aioble's capture task starts with the characteristic)."""
    import aioble

    sim = SIM[0]

    radio = bluetooth.sim_new_ble(name="left")
    aioble_b = bluetooth.sim_aioble(radio)
    key = PL.pair_key(TEAM_KEY, LEFT_ID, RIGHT_ID)
    rc = Clock(sim, 5000, 30)
    lc = Clock(sim, 987654, -30)
    right = PairLinkBle(PL.PairLink(key, PL.SIDE_RIGHT, seed=2), rc, central=True, aioble=aioble)
    left_core = PL.PairLink(peer_key or key, PL.SIDE_LEFT, seed=1)
    left = PairLinkBle(left_core, lc, central=False, aioble=aioble_b)
    aioble_b.register_services(*left.services())
    return sim, radio, right, left, rc, lc


def _drop_links(radio):
    for h in list(radio._links):
        if radio._links[h].connected:
            radio.gap_disconnect(h)


def test_pair_connects_aligns_clocks_and_carries_impulses():
    out = {}

    async def main():
        sim, radio, right, left, rc, lc = _world()
        tl = asyncio.create_task(left.run())
        tr = asyncio.create_task(right.run())
        await asyncio.sleep_ms(5000)
        out["mode"] = (right.core.pair_mode(rc()), left.core.pair_mode(lc()))
        out["adv"] = radio.sim_advertising()  # connected: the peripheral no longer advertises
        out["bound"] = right.core.clock.bound(rc())
        out["offset"] = right.core.clock.offset(rc())
        out["true"] = (lc() - rc()) & 0xFFFFFF
        # the struck (left) insole feels an impulse; the striking (right) one gets it in its own clock
        t_left = lc() - 40
        t_right = rc() - 40
        left.core.send_impulse(PL.K_IMPULSE, t_left, 3100)
        left.core.processed(lc())
        await asyncio.sleep_ms(100)
        out["kind"] = right.core.next_impulse(rc())
        out["imp"] = (right.core.imp_t - t_right, right.core.imp_err, right.core.imp_peak)
        out["done"] = right.core.peer_done(rc()) - t_right
        out["connects"] = (right.connects, left.connects)
        tl.cancel()
        tr.cancel()
        await asyncio.sleep_ms(10)  # the cancelled sessions finish (their reader tasks end too)
        await F.settle()

    _run(main)
    assert out["mode"] == (True, True), out
    assert out["adv"] is None
    assert 0 <= out["bound"] <= 3, out["bound"]  # an instant link: stamps' whole ms only
    assert abs(((out["offset"] - out["true"] + 0x800000) & 0xFFFFFF) - 0x800000) <= out["bound"] + 1
    assert out["kind"] == PL.K_IMPULSE
    dt, err, peak = out["imp"]
    assert abs(dt) <= err + 1 and peak == 3100
    assert out["done"] >= 40 - err - 1
    assert out["connects"] == (1, 1)


def test_an_insole_of_another_pair_is_never_connected():
    other = PL.pair_key(TEAM_KEY, LEFT_ID, 0x0A0B0C99)  # a neighbour's left insole, same team
    out = {}

    async def main():
        sim, radio, right, left, rc, lc = _world(peer_key=other)
        tl = asyncio.create_task(left.run())
        tr = asyncio.create_task(right.run())
        await asyncio.sleep_ms(60000)
        out["right"] = (right.connects, right.failures, right.core.status(rc()), right._fails)
        tl.cancel()
        tr.cancel()
        await asyncio.sleep_ms(10)  # the cancelled sessions finish (their reader tasks end too)
        await F.settle()

    _run(main)
    connects, failures, status, fails = out["right"]
    # its advert carries another pair's tag: scans come back empty, with a growing back-off
    assert connects == 0 and status == PL.LINK_DOWN
    assert 3 <= failures <= 8 and (1000 << fails) >= 8000, out


def test_link_dropped_mid_gesture_falls_back_then_reconnects():
    out = {}

    async def main():
        sim, radio, right, left, rc, lc = _world()
        tl = asyncio.create_task(left.run())
        tr = asyncio.create_task(right.run())
        await asyncio.sleep_ms(4000)
        out["before"] = right.core.pair_mode(rc())
        # the left insole goes away mid-gesture (flat battery, out of range): its task stops, the link drops
        tl.cancel()
        await asyncio.sleep_ms(1)
        _drop_links(radio)
        await asyncio.sleep_ms(50)
        out["after"] = (right.core.status(rc()), right.core.pair_mode(rc()))
        out["queued"] = right.core.send_impulse(PL.K_STRIKE, rc(), 4000)
        await asyncio.sleep_ms(20000)
        out["away"] = (right.core.status(rc()), right.connects)
        # it comes back: the central finds it again within its back-off
        tl = asyncio.create_task(left.run())
        t0 = rc()
        while not right.core.pair_mode(rc()) and rc() - t0 < BACKOFF_MAX_MS * 2:
            await asyncio.sleep_ms(100)
        out["back_ms"] = rc() - t0
        out["back"] = (right.core.pair_mode(rc()), right.connects, right.core.sessions)
        tl.cancel()
        tr.cancel()
        await asyncio.sleep_ms(10)  # the cancelled sessions finish (their reader tasks end too)
        await F.settle()

    _run(main)
    assert out["before"] is True
    assert out["after"] == (PL.LINK_DOWN, False), out["after"]
    assert out["queued"] is False  # nothing waits for a link that is gone: fusion runs single-insole
    assert out["away"] == (PL.LINK_DOWN, 1)
    mode, connects, sessions = out["back"]
    assert mode is True and connects == 2 and sessions == 2, out
    assert out["back_ms"] <= BACKOFF_MAX_MS + 10000, out["back_ms"]
