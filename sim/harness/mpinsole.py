"""One insole on the MicroPython unix port, talking to a host medium over UDP loopback.

    micropython -m mpinsole PORT INDEX SECONDS [ALARM]     (in a device tree: soleguard_sim.mpbuild, app.APP_EXTRAS)

Runs the firmware delivery layer (outbox on the ``outbox`` partition of the
``esp32`` model, sim/models; boards/partitions.csv: 16 KB), Delivery,
Haptics) in real time: registers with ``HELLO <index>`` at 127.0.0.1:PORT,
sends every frame delivery hands out as one datagram, feeds every datagram
received to ``Delivery.on_frame``. ALARM = 1 raises an SOS alarm at start.
Prints ``I <index> <device id>``, ``T <counter> <type>`` per frame sent,
``V <order> <ms>`` when the evacuation vibration starts, ``P <n>`` pending
records at the end. Stops after SECONDS or on a ``QUIT`` datagram.
"""
import select
import socket
import sys
import time

import esp32

from soleguard.core import protocol as P
from soleguard.core.delivery import Delivery, Prng
from soleguard.core.events import CAUSE_SOS, EV_ALARM
from soleguard.edges.haptics import EVACUATION, Haptics
from soleguard.edges.outbox import Outbox
from soleguard.core.radioport import CMD_EVACUATE

KEY = b"loopback-team-key-0123456789"
TEAM = 9


class Pwm:
    def duty_u16(self, v=None):
        return 0


def main():
    port = int(sys.argv[1])
    index = int(sys.argv[2])
    seconds = int(sys.argv[3])
    alarm = len(sys.argv) > 4 and sys.argv[4] == "1"
    keys = P.Keys(KEY)
    me = keys.device_id(b"mp-insole-%d" % index)
    esp32.reset_partitions()
    esp32.install_partition("outbox", esp32.Partition.TYPE_DATA, 0x06, 0x200000, 0x4000)
    box = Outbox(esp32.Partition.find(esp32.Partition.TYPE_DATA, label="outbox")[0])
    h = Haptics(Pwm())
    d = Delivery(box, keys, TEAM, me, P.MemoryStore(), Prng(index + 1), h, evac_spread_ms=1500, evac_hold_ms=0)
    addr = socket.getaddrinfo("127.0.0.1", port)[0][-1]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(socket.getaddrinfo("127.0.0.1", 0)[0][-1])
    s.sendto(b"HELLO %d" % index, addr)
    print("I %d %d" % (index, me))
    poll = select.poll()
    poll.register(s, select.POLLIN)
    t0 = time.ticks_ms()
    if alarm:
        box.append(0, EV_ALARM, CAUSE_SOS, 0)
        d.notify()
    while True:
        now = time.ticks_diff(time.ticks_ms(), t0)
        if now > seconds * 1000:
            break
        n = d.service(now)
        if n:
            s.sendto(bytes(d.frame[:n]), addr)
            print("T %d %d" % (d.counter, d.frame[11]))
        if poll.poll(20):
            data, _ = s.recvfrom(64)
            if data == b"QUIT":
                break
            if d.on_frame(data, len(data), now) == CMD_EVACUATE and h.playing == EVACUATION:
                print("V %d %d" % (d.evacuating, now))
        h.tick(now)
    print("P %d" % len(box.pending()))
    s.close()


main()
