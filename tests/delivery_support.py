"""Helpers of the delivery tests (test_fw_delivery.py, test_fw_roll_call.py), on both runtimes:
an insole's Delivery over a fake flash journal, a downlink sender, an uplink decoder."""
from fakes.flash import FakeFlash

from soleguard.core import protocol as P
from soleguard.core.delivery import Delivery, Prng
from soleguard.edges.haptics import Haptics
from soleguard.edges.outbox import Outbox

KEY = b"0123456789abcdef-team-key"
TEAM = 7
ME = 0x11223344
GW = 0x0A0B0C0D
CONSOLE = 0x0C0C0C0C


class Pwm:
    def __init__(self):
        self.v = 0

    def duty_u16(self, v=None):
        if v is not None:
            self.v = v
        return self.v


class Node:
    """A downlink sender (gateway or console) with its own counter."""

    def __init__(self, sender, keys=None):
        self.enc = P.Encoder(keys or P.Keys(KEY), TEAM, sender, P.TxCounter(P.MemoryStore()))

    def frame(self, t, a=0, b=0, c=0, d=0):
        n = self.enc.encode(t, a, b, c, d)
        return bytes(self.enc.mv[:n])


def _insole(flash=None, store=None, seed=1, duty=None, slot=-1, side=0):
    flash = flash or FakeFlash(blocks=4, block_size=256)
    store = store if store is not None else P.MemoryStore()
    box = Outbox(flash)
    h = Haptics(Pwm())
    d = Delivery(box, P.Keys(KEY), TEAM, ME, store, Prng(seed), h, duty=duty, slot=slot, side=side)
    return d, box, h, flash, store


def _up():
    return P.Decoder(P.Keys(KEY), TEAM, P.ReplayWindow(8), False)


def _drain(d, now):
    """Frames service() hands out at ``now``: list of bytes."""
    out = []
    while True:
        n = d.service(now)
        if not n:
            return out
        out.append(bytes(d.frame[:n]))


def _sent_at(d, t0, t1, step=10):
    """(time, frame) of every frame service() hands out from t0 to t1."""
    out = []
    for now in range(t0, t1, step):
        for f in _drain(d, now):
            out.append((now, f))
    return out
