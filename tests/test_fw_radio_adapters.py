# runtimes: cpython micropython
# heapsize: 192K
"""LoRa and BLE adapters over fakes of micropython-lib ``lora`` (AsyncModem) and
``aioble`` that follow those libraries' documented APIs (tests/fakes/).

An insole (LoRaRadio over delivery.Delivery) and a gateway (GatewayRadio over
gateway.Gateway) share a fake air: an alarm goes up on 868.1 MHz, the receipt
ack comes back on 869.525 MHz in the insole's RX1 window, an evacuation from
the host arrives in a listen window. BLE: the alarm in flight is advertised as
manufacturer data (<= 31 bytes), a GATT write of an ack reaches delivery.
"""
import asyncio

from fakes import aioble, bluetooth
from fakes.flash import FakeFlash
from fakes.lora import Air, AsyncModem, AsyncSX1262

from soleguard.core import protocol as P
from soleguard.edges.ble_radio import MANUFACTURER_ID, BleRadio, adv_payload
from soleguard.core.delivery import DOWNLINK_KHZ, UPLINK_KHZ, Delivery, Prng
from soleguard.core.events import CAUSE_SOS, EV_ALARM
from soleguard.edges.gateway import LONG_PREAMBLE, Gateway
from soleguard.edges.haptics import EVACUATION, Haptics
from soleguard.edges.lora_radio import Clock, GatewayRadio, LoRaRadio, lora_cfg
from soleguard.edges.outbox import Outbox
from soleguard.core.radioport import CMD_EVACUATE

KEY = b"adapter-test-team-key-0123"
TEAM = 3
LORA = {"sf": 9, "bw_khz": 125, "tx_dbm": 14}


class Pwm:
    def duty_u16(self, v=None):
        return 0


class Ticks:
    def __init__(self):
        self.t = 0

    def __call__(self):
        return self.t


def _insole(ticks):
    box = Outbox(FakeFlash(blocks=4, block_size=256))
    h = Haptics(Pwm())
    d = Delivery(box, P.Keys(KEY), TEAM, 0x01020304, P.MemoryStore(), Prng(3), h)
    return d, box, h


def test_lora_alarm_ack_and_evacuation_through_the_modem_api():
    air = Air()
    ticks = Ticks()
    clock = Clock(ticks)
    d, box, h = _insole(ticks)
    ins = LoRaRadio(AsyncModem(air), d, LORA, clock, rx_window_ms=40)
    lines = []
    keys = P.Keys(KEY)
    gw = Gateway(keys, TEAM, 0x0A0A0A0A, P.TxCounter(P.MemoryStore()), P.MemoryStore(), lines.append)
    gwr = GatewayRadio(AsyncModem(air), gw, LORA, clock)
    box.append(0, EV_ALARM, CAUSE_SOS, 0)
    assert ins.send(0, 0, EV_ALARM, CAUSE_SOS, 0)

    async def main():
        # the insole sends and then waits RX1; the gateway hears it and answers in the window
        async def gateway():
            for _ in range(40):
                await gwr.step(listen_ms=5)
                ticks.t += 100

        await asyncio.gather(ins.step(), gateway())

    asyncio.run(main())
    sent = [e for e in air.log if e[0] is ins.modem]
    assert len(sent) == 1 and sent[0][1] == UPLINK_KHZ and sent[0][2] == 8
    acks = [e for e in air.log if e[0] is gwr.modem]
    assert acks and acks[0][1] == DOWNLINK_KHZ
    assert lines[0].startswith("U ") and any(l.startswith("A ") for l in lines)
    assert box.pending() == []  # acknowledged
    # the host orders an evacuation; the gateway sends it with the long preamble
    console = P.Encoder(keys, TEAM, 0x0C0C0C0C, P.TxCounter(P.MemoryStore()))
    n = console.encode(P.T_EVACUATE, 4, 1)
    gw.on_line("D " + "".join("%02x" % b for b in console.mv[:n]), clock())

    async def evac():
        await gwr.step(listen_ms=1)
        await ins.step()

    asyncio.run(evac())
    assert air.log[-1][2] == LONG_PREAMBLE and air.log[-1][1] == DOWNLINK_KHZ
    assert ins.receive() == (CMD_EVACUATE, 4) and h.playing == EVACUATION
    assert ins.windows >= 2 and ins.modem.state == "sleep"


def test_modem_config_and_constructor_follow_the_driver():
    m = AsyncSX1262(None, None, None, lora_cfg=lora_cfg(LORA, UPLINK_KHZ))
    assert m.cfg["freq_khz"] == UPLINK_KHZ and m.cfg["bw"] == "125" and m.cfg["preamble_len"] == 8
    assert m.get_time_on_air_us(20) == 185344  # SF9 20 B, as PROTOCOL.md section 2 (185.3 ms)
    box = Outbox(FakeFlash(blocks=4, block_size=256))
    d = Delivery(box, P.Keys(KEY), TEAM, 5, P.MemoryStore(), Prng(1))
    assert LoRaRadio(m, d, LORA).selftest()


def test_clock_survives_ticks_wrap():
    t = Ticks()
    t.t = 0x3FFFFFFF - 5
    c = Clock(t)
    t.t = 10
    assert c() == 16


def test_ble_advertises_alarm_and_takes_acks_over_gatt():
    ticks = Ticks()
    d, box, h = _insole(ticks)
    ble = BleRadio(d, Clock(ticks), aioble, bluetooth)
    assert ble.service.uuid == bluetooth.UUID("5e1e6a4d-0001-4a6b-9c3e-50e1e6a4d000")

    async def nothing():
        return await ble.advertise_once(timeout_ms=1)

    assert not asyncio.run(nothing())  # no alarm: no beacon
    box.append(0, EV_ALARM, CAUSE_SOS, 0)
    d.notify()
    n = d.service(0)
    assert n == 20 and d.alarm_in_flight()
    assert asyncio.run(nothing())
    interval, payload, connectable = aioble.advertisements[-1]
    assert payload == adv_payload(d.frame[:n]) and len(payload) == 27 and interval == 100000
    assert payload[5] | (payload[6] << 8) == MANUFACTURER_ID and ble.uplink.read() == bytes(d.frame[:n])
    # a phone with the team key acknowledges over GATT
    up = P.Decoder(P.Keys(KEY), TEAM, P.ReplayWindow(2), False)
    assert up.decode(payload[7:]) == P.OK
    gw = P.Encoder(P.Keys(KEY), TEAM, 0x0B0B0B0B, P.TxCounter(P.MemoryStore()))
    k = gw.encode(P.T_ACK, 0x01020304, up.counter, 0)
    aioble.remote_write(ble.downlink, gw.mv[:k])

    async def serve():
        try:
            await asyncio.wait_for(ble.serve_writes(), 0.05)
        except asyncio.TimeoutError:
            pass

    asyncio.run(serve())
    assert box.pending() == [] and not d.alarm_in_flight()
