"""The wired app on the unix port: sim board, LoRa + BLE link over the SX1262 and ``bluetooth`` models.

    micropython -X heapsize=... -m linkapp FEED   (device tree: tests/test_app_link_mp.py)

FEED as sim/harness/simapp.py (a recording or a sim/scenario.py trace). The
app is built by ``hardware.build`` from the sim board (its ``radios`` list
LoRa and BLE) over the chip and port models as in simapp (LSM6DSO register
model under the real ``lsm6dsox``, ESP32-S3 ``machine`` ADCs, the ``esp32``
model's outbox partition), the team key and TEAM_ID. The radios are the real
micropython-lib packages over the models: ``hardware.build`` makes the real
``lora.sx126x`` driver on the board's pins, wired to an SX1262 model; BLE is
the real ``aioble`` over the ``bluetooth`` model. The gateway role (firmware
gateway.Gateway) has its own SX1262 model and real driver on the same model
Air (the medium between the two chips: a receiver hears a packet only if it
was listening when the packet started); a console signs orders.
Simulated time: the app's clock moves 10 ms per sample (one FIFO batch per
16 samples, ``every_second`` per 100); each second one link round runs on
the radio models' own clock (simenv: the driver's SPI, BUSY and time on air
take simulated microseconds there): ``radio_service`` + one LoRa round
(``LoRaRadio.step``), a downlink the gateway has queued going on the air
once the insole's receiver is listening, and while an alarm is in flight one
BLE advertising session that a phone (the model's SimCentral) scans.
The insole's listen window is held open ``LISTEN_MS``: the SX1262 model reports
a preamble only with the header (after preamble + 12.25 symbols), so a 245-symbol
downlink needs the receiver on for about 1.05 s.

Script: the gateway does not hear the first alarm frame (the harness reads
the insole's transmissions from the Air's log and decides what the gateway
hears); 3 s later the insole is reset (the app rebuilt from the same
partition, the chip models keep their wiring, the rest of the trace goes to
the new app); the gateway acknowledges the resent alarm frame; then the
console orders an evacuation (order 3).
Output lines:
  E,t,type,cause,detail      every event the app emits
  U,type,counter,a,hex       every uplink frame on the air (decoded with the team key)
  B,n                        BLE advertisements of the alarm frame in flight a phone saw so far
  R,ms                       the reset
  A,counter                  the gateway acknowledged this frame
  V,order                    the evacuation pattern started
  S,k=v,...                  peak live heap, heap free, pending records, frames
Heap: gc.mem_alloc() counts the models' code and state (two SX1262 models, the
``bluetooth`` model, their logs) as well as the app's; the Air's and the
models' logs are cleared each round so they do not grow with the trace.
"""
import asyncio
import gc
import sys

import esp32
import machine
import sim_hw
import simenv  # the radio models' clock (time / asyncio on simulated microseconds)
from lsm6dso_model import LSM6DSO
from sx1262_model import MODE_RX, SX1262, Air
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

import bluetooth  # the NimBLE ``bluetooth`` model (sim/models), under the real aioble
from lora.sx126x import AsyncSX1262  # micropython-lib lora-sx126x, the real driver

KEY = b"unix-port-link-team-key-01234"
TEAM = 7
_BATTERY_UV = 2000000  # a 4.0 V cell through the 2:1 divider
LISTEN_MS = 1500  # > 257.25 symbols at SF9 (4.096 ms): the long-preamble downlink's header (see above)
GW_PINS = (2, 15, 16, 17, 18)  # the gateway's SX1262: SPI 2, NSS, BUSY, DIO1, RESET (free on the sim board)


class Ticks:
    t = 0

    def __call__(self):
        return self.t


ticks = Ticks()


def build(board, out):
    hw = hardware.build(board, {"TEAM_ID": TEAM}, key=KEY, windows=WINDOWS, clock=Clock(ticks), evac_spread_ms=0,
                        rx1_delay_ms=0)  # the real lora driver from the board's pins; the real aioble
    assert hw.link_error is None, hw.link_error
    hw.radio.lora.rx_window_ms = LISTEN_MS

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
    rclock = simenv.install()
    air = Air(rclock, seed=1)
    lc = board["radios"]["lora"]
    insole_chip = SX1262(rclock, air=air, name="insole", tcxo_mv=lc.get("tcxo_mv"))
    insole_chip.connect_machine(lc["spi"], nss=lc["cs"], busy=lc["busy"], dio1=lc["dio1"], reset=lc["reset"],
                                rxen=lc.get("rxen"))
    gw_chip = SX1262(rclock, air=air, name="gw", tcxo_mv=None)
    spi_id, nss, busy, dio1, rst = GW_PINS
    gw_chip.connect_machine(spi_id, nss=nss, busy=busy, dio1=dio1, reset=rst)
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
    gm = AsyncSX1262(machine.SPI(spi_id, baudrate=8000000), machine.Pin(nss, machine.Pin.OUT, value=1),
                     machine.Pin(busy, machine.Pin.IN), dio1=machine.Pin(dio1, machine.Pin.IN),
                     reset=machine.Pin(rst))
    phone = bluetooth.SimCentral()
    lcfg = board["radios"]["lora"]
    state = {"alarms": 0, "reset_at": -1, "evac": 0, "frames": 0, "adverts": 0}
    peak = [0]
    queued = []  # (frame, long preamble) the gateway sends in the insole's next listen window

    def downlink(frame, long):
        queued.append((bytes(frame), long))

    async def gateway_tx():
        if not queued:
            return
        while insole_chip.mode != MODE_RX:  # the insole opens its receive window
            await asyncio.sleep_ms(1)
        frame, long = queued.pop(0)
        gm.configure(lora_cfg(lcfg, DOWNLINK_KHZ, LONG_PREAMBLE if long else 8))
        await gm.send(frame)
        gm.standby()

    async def radio_round(lora):
        g = asyncio.create_task(gateway_tx())
        await lora.step()
        await g

    async def ble_round(ble, frame):
        adv = asyncio.create_task(ble.advertise_once(timeout_ms=20))
        await asyncio.sleep_ms(5)
        for a in phone.scan():  # a phone in range sees the beacon: manufacturer id LE + the frame
            f = a.fields(0xFF)
            if f and bytes(f[0][2:]) == frame:
                state["adverts"] += 1
        await adv

    def link_round():
        # the radio clock catches up with the app's (at least 1 ms on: the chip finishes entering sleep)
        rclock.advance_us(max(1000, ticks.t * 1000 - rclock.now_us()))
        app.radio_service()
        simenv.run(radio_round(hw.radio.lora))
        app.radio_service()
        log = air.log
        for e in log:
            if e["sender"] is not insole_chip:
                continue
            data = bytes(e["payload"])
            if up.decode(data) != P.OK:
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
        del log[:]  # looked at: the Air keeps every transmission otherwise
        for c in (insole_chip, gw_chip):
            assert not c.violations and not c.exec_failures, (c.violations, c.exec_failures)
            del c.commands[:]
            del c.nonzero_nops[:]  # reads the real driver clocks out with non-NOP bytes (the model's note)
        del machine.events[:]
        d = hw.radio.d
        if hw.radio.ble is not None and d.alarm_in_flight():
            simenv.run(ble_round(hw.radio.ble, bytes(d.frame[:d.last_n])))

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
                    out.append("B,%d" % state["adverts"])
                    state["adverts"] = 0
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
