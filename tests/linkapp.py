"""The wired app on the unix port: sim board, LoRa + BLE link over the ``lora`` / ``aioble`` fakes.

    micropython -X heapsize=... -m linkapp FEED   (device tree: tests/test_app_link_mp.py)

FEED as sim/harness/simapp.py (a recording or a sim/scenario.py trace). The
app is built by ``hardware.build`` from the sim board (its ``radios`` list
LoRa and BLE) over the chip and port models as in simapp (LSM6DSO register
model under the real ``lsm6dsox``, ESP32-S3 ``machine`` ADCs, the ``esp32``
model's outbox partition), the team key and TEAM_ID; the radios are still
the fakes of ``lora`` and ``aioble`` (tests/fakes); the gateway role
(firmware gateway.Gateway) and a console signing orders share the fake air.
Simulated time: one FIFO batch per 16 samples, ``every_second`` per 100,
``radio_service`` + one LoRa round (``LoRaRadio.step``) per second.

Script: the gateway does not hear the first alarm frame; 3 s later the
insole is reset (the app rebuilt from the same partition, the rest of the trace
goes to the new app); the gateway acknowledges the resent alarm frame; then
the console orders an evacuation (order 3).
Output lines:
  E,t,type,cause,detail      every event the app emits
  U,type,counter,a,hex       every uplink frame on the air (decoded with the team key)
  B,n                        BLE advertisements of the alarm so far
  R,ms                       the reset
  A,counter                  the gateway acknowledged this frame
  V,order                    the evacuation pattern started
  S,k=v,...                  peak live heap, heap free, pending records, frames
"""
import asyncio
import gc
import sys

import esp32
import machine
import sim_hw
from fakes import aioble, bluetooth
from fakes.lora import AIR, AsyncModem
from lsm6dso_model import LSM6DSO
from simapp import _PARTITION, uv_for_raw

import board as sim_board  # boards/sim.py, deployed as board.py
from soleguard.edges import hardware
from soleguard.core import protocol as P
from soleguard.app import App
from soleguard.edges.board import validate
from soleguard.core.delivery import DOWNLINK_KHZ
from soleguard.core.frame import FRAME_LEN
from soleguard.edges.gateway import LONG_PREAMBLE, Gateway
from soleguard.edges.haptics import EVACUATION
from soleguard.edges.lora_radio import Clock, lora_cfg

KEY = b"unix-port-link-team-key-01234"
TEAM = 7
_BATTERY_UV = 2000000  # a 4.0 V cell through the 2:1 divider


class Ticks:
    t = 0

    def __call__(self):
        return self.t


ticks = Ticks()


def build(board, out):
    hw = hardware.build(board, {"TEAM_ID": TEAM}, key=KEY, modem=AsyncModem(AIR), aioble=aioble,
                        bluetooth=bluetooth, windows=WINDOWS, clock=Clock(ticks), evac_spread_ms=0,
                        rx1_delay_ms=0)
    hw.radio.lora.rx_window_ms = 1

    def on_event(t, ty, ca, de):
        out.append("E,%d,%d,%d,%d" % (t, ty, ca, de))

    app = App(board, hw.fifo, hw.zones, hw.motor, hw.battery, hw.outbox, hw.radio, {"TEAM_ID": TEAM},
              on_event=on_event, clock=ticks)
    return hw, app


WINDOWS = P.MemoryStore()  # the window file's contents survive the reset (flash)


def main(path):
    f = open(path, "rb")
    header = [int(x) for x in f.readline().decode().strip().split(",")[1:]]
    nz = header[1]
    board = dict(sim_board.BOARD)
    proto = board["zones"]
    board["zones"] = tuple(
        {"name": proto[i]["name"], "adc": proto[i]["adc"], "x_mm": header[2 + 2 * i],
         "y_mm": header[3 + 2 * i], "cal": proto[i]["cal"]} for i in range(nz))
    validate(board)
    machine.reset_model()
    clock = sim_hw.SimClock()
    bus = sim_hw.i2c_bus(board["i2c"]["id"])
    bus.log_max = 0
    chip = LSM6DSO(bus, clock=clock, address=board["imu"]["address"])
    machine.set_adc_uv(board["battery"]["adc"], _BATTERY_UV)
    esp32.reset_partitions()
    label, subtype, address, size = _PARTITION
    esp32.install_partition(label, esp32.Partition.TYPE_DATA, subtype, address, size)
    gc.collect()
    out = []
    hw, app = build(board, out)
    app.start()
    keys = P.Keys(KEY)
    gw = Gateway(keys, TEAM, keys.device_id(b"gw"), P.TxCounter(P.MemoryStore()), P.MemoryStore(), lambda l: None)
    console = P.Encoder(keys, TEAM, keys.device_id(b"console"), P.TxCounter(P.MemoryStore()))
    up = P.Decoder(keys, TEAM, P.ReplayWindow(2), False)
    gm = AsyncModem(AIR)
    lcfg = board["radios"]["lora"]
    state = {"seen": 0, "alarms": 0, "reset_at": -1, "evac": 0, "frames": 0}
    peak = [0]

    def downlink(frame, long):
        gm.configure(lora_cfg(lcfg, DOWNLINK_KHZ, LONG_PREAMBLE if long else 8))
        asyncio.run(gm.send(frame))

    def link_round():
        app.radio_service()
        asyncio.run(hw.radio.lora.step())
        app.radio_service()
        log = AIR.log
        while state["seen"] < len(log):
            m, freq, pre, data = log[state["seen"]]
            state["seen"] += 1
            if m is gm or up.decode(data) != P.OK:
                continue
            state["frames"] += 1
            out.append("U,%d,%d,%d,%s" % (up.type, up.counter, up.a, "".join("%02x" % b for b in data)))
            if up.type == P.T_ALARM:
                state["alarms"] += 1
                if state["alarms"] == 1:  # not heard; the power fails 3 s later
                    state["reset_at"] = ticks.t + 3000
                    continue
            if up.type != P.T_HEARTBEAT and gw.on_uplink(data, len(data), ticks.t, "lora") == P.OK:
                ack = gw.service(ticks.t + 1000)
                if ack is not None:
                    out.append("A,%d" % up.counter)
                    downlink(ack[0], False)
        if hw.radio.ble is not None and hw.radio.d.alarm_in_flight():
            asyncio.run(hw.radio.ble.advertise_once(timeout_ms=0))

    buf = bytearray(2 * FRAME_LEN * 64)
    vals = memoryview(buf)
    set_uv = machine.set_adc_uv
    pins = [z["adc"] for z in board["zones"]]
    n = 0
    wm2 = 2 * board["imu"]["watermark"]
    while True:
        got = f.readinto(buf)
        if not got:
            break
        for k in range(got // (2 * FRAME_LEN)):
            b = 2 * FRAME_LEN * k
            chip.push((_s16(vals, b), _s16(vals, b + 2), _s16(vals, b + 4)),
                      (100 * _s16(vals, b + 6), 100 * _s16(vals, b + 8), 100 * _s16(vals, b + 10)))
            chip.tick()
            for i in range(nz):
                set_uv(pins[i], uv_for_raw(_s16(vals, b + 12 + 2 * i)))
            if hw.zones is not None:
                hw.zones.sample()
            n += 1
            ticks.t += 10
            if chip.fifo_level() >= wm2:
                app.on_batch()
            if n % 100 == 0:
                app.every_second()
                link_round()
                app.haptics.tick(ticks.t)
                if 0 <= state["reset_at"] <= ticks.t:
                    state["reset_at"] = -2
                    out.append("R,%d" % ticks.t)
                    app = hw = None
                    gc.collect()
                    hw, app = build(board, out)  # the partition model keeps what was written
                    app.start()
                if n % 1000 == 0:
                    gc.collect()
                    peak[0] = max(peak[0], gc.mem_alloc())
                    out.append("B,%d" % len(aioble.advertisements))
                    del aioble.advertisements[:]
                    for line in out:
                        sys.stdout.write(line + "\n")
                    del out[:]
    # the evacuation order
    k = console.encode(P.T_EVACUATE, 3, 1)
    gw.on_line("D " + "".join("%02x" % b for b in console.mv[:k]), ticks.t)
    frame, long, ms = gw.service(ticks.t)
    downlink(frame, long)
    for _ in range(5):
        ticks.t += 1000
        link_round()
        if app.haptics.playing == EVACUATION and not state["evac"]:
            state["evac"] = 1
            out.append("V,%d" % hw.radio.d.evacuating)
    gc.collect()
    peak[0] = max(peak[0], gc.mem_alloc())
    for line in out:
        sys.stdout.write(line + "\n")
    sys.stdout.write("S,samples=%d,peak_live_heap=%d,heap_free=%d,pending=%d,frames=%d\n"
                     % (n, peak[0], gc.mem_free(), len(hw.outbox.pending()), state["frames"]))


def _s16(b, i):
    v = b[i] | (b[i + 1] << 8)
    return v - 0x10000 if v & 0x8000 else v


main(sys.argv[1])
