"""LoRa and BLE adapters end to end over the real drivers and the models.

An insole (LoRaRadio over delivery.Delivery) and a gateway (GatewayRadio over
gateway.Gateway), each on its own SX1262 model and real ``lora`` driver, share
the model's Air, where only a receiver already listening hears a packet. BLE:
the alarm in flight is advertised through real aioble on the ``bluetooth``
model; a phone (SimCentral) acknowledges it over GATT.
"""
import asyncio

import fwhelpers as F
import machine
import simenv

from soleguard.core import protocol as P
from soleguard.core.delivery import DOWNLINK_KHZ, UPLINK_KHZ, Delivery, Prng
from soleguard.core.events import CAUSE_SOS, EV_ALARM
from soleguard.edges.gateway import ACK_SLACK_MS, RX1_DELAY_MS, Gateway
from soleguard.edges.hardware import RamFlash
from soleguard.edges.lora_radio import Clock, GatewayRadio, lora_cfg
from soleguard.edges.outbox import Outbox

KEY = F.KEY
TEAM = F.TEAM


def _gateway(clock, air, lines):
    chip, m = F.peer(clock, air, "gw")
    keys = P.Keys(KEY)
    gw = Gateway(keys, TEAM, 0x0A0A0A0A, P.TxCounter(P.MemoryStore()), P.MemoryStore(), lines.append)
    lora = F.board("t3s3")["radios"]["lora"]
    return chip, GatewayRadio(m, gw, lora, Clock())


def test_gateway_sends_every_receipt_ack_inside_its_window():
    # the ack is due RX1_DELAY_MS after the uplink ended and lost after ACK_SLACK_MS: the gateway
    # must not sit in a 50 ms receive while it falls due
    b = F.board("t3s3")
    clock, air, chip = F.radio_world(b)
    m = F.make_modem(b)
    lines = []
    gw_chip, gwr = _gateway(clock, air, lines)
    enc = P.Encoder(P.Keys(KEY), TEAM, 0x01020304, P.TxCounter(P.MemoryStore()))
    up = lora_cfg(b["radios"]["lora"], UPLINK_KHZ)
    n_up = 12

    async def insole():
        await asyncio.sleep_ms(100)  # the gateway is up and listening first
        for i in range(n_up):
            k = enc.encode(P.T_ALARM, CAUSE_SOS, i, 0)
            m.configure(up)
            await m.send(bytes(enc.mv[:k]))
            await asyncio.sleep_ms(2500 + 37 * i)

    async def main():
        g = asyncio.create_task(gwr.run())
        await insole()
        await asyncio.sleep_ms(RX1_DELAY_MS + 500)
        g.cancel()
        await F.settle()

    simenv.run(main())
    ups = [e for e in air.log if e["sender"] is chip]
    acks = [e for e in air.log if e["sender"] is gw_chip]
    assert len(ups) == n_up and gwr.gw.uplinks == n_up, lines
    assert gwr.gw.acks_missed == 0 and len(acks) == n_up, (gwr.gw.acks_missed, len(acks))
    for u, a in zip(ups, acks):
        late_ms = (a["start_us"] - u["end_us"]) // 1000 - RX1_DELAY_MS
        assert 0 <= late_ms <= ACK_SLACK_MS, late_ms


def _insole_delivery(slot=-1, side=0):
    box = Outbox(RamFlash(4, 256))
    d = Delivery(box, P.Keys(KEY), TEAM, 0x01020304, P.MemoryStore(), Prng(3), slot=slot, side=side)
    return d, box


def test_the_insoles_radio_loop_answers_an_evacuation_in_its_slot():
    # LoRaRadio.run() listens 33 ms every second; an answer slot falls between those windows and must
    # start within EVAC_SLOT_GUARD_MS of its time (PROTOCOL.md 8.3). A gateway modem sends order frames
    # (long preamble) into the insole's listen windows, slots 0..3 unconfirmed; the insole (slot 3, the
    # right insole of a paired slot) must answer at its place 2 x 3 + 1 after each frame it heard.
    from sx1262_model import MODE_RX

    from soleguard.core.config import EVAC_SLOT_GUARD_MS
    from soleguard.core.delivery import answer_slot_ms
    from soleguard.edges.gateway import LONG_PREAMBLE
    from soleguard.edges.lora_radio import LoRaRadio

    b = F.board("t3s3")
    clock, air, chip = F.radio_world(b)
    m = F.make_modem(b)
    gw_chip, gm = F.peer(clock, air, "gw")
    d, box = _insole_delivery(slot=3, side=1)
    radio = LoRaRadio(m, d, b["radios"]["lora"], Clock())
    # the SX1262 model reports a preamble only with the header (test_fw_app_link.py LISTEN_MS): its
    # 245-symbol downlink needs the receiver on for ~1.05 s; the window is cut short at the slot
    radio.rx_window_ms = 1500
    console = P.Encoder(P.Keys(KEY), TEAM, 0x0C0C0C0C, P.TxCounter(P.MemoryStore()))
    slot_ms = answer_slot_ms(9, 125000)
    start = 1 | P.START_PAIRED  # slot 0 begins 100 ms after the frame's end

    async def main():
        r = asyncio.create_task(radio.run())
        for k in range(3):
            await asyncio.sleep_ms(2500)  # the insole's previous answer (slot 7: 1.5 s after the frame) is out
            while chip.mode == MODE_RX:  # the start of a listen window: the model needs the whole
                await asyncio.sleep_ms(1)  # preamble heard (see above)
            while chip.mode != MODE_RX:
                await asyncio.sleep_ms(1)
            n = console.encode(P.T_EVACUATE, 5, 0, start, 0)
            gm.configure(lora_cfg(b["radios"]["lora"], DOWNLINK_KHZ, LONG_PREAMBLE))
            await gm.send(bytes(console.mv[:n]))
            gm.standby()
        await asyncio.sleep_ms(2500)
        r.cancel()
        await F.settle()

    simenv.run(main())
    orders = [e for e in air.log if e["sender"] is gw_chip]
    dec = P.Decoder(P.Keys(KEY), TEAM, P.ReplayWindow(8), False)
    acks = [(e, dec.b) for e in air.log if e["sender"] is chip and dec.decode(bytes(e["payload"])) == P.OK
            and dec.type == P.T_EVAC_ACK]
    assert len(orders) == 3 and d.evacuating == 5 and len(acks) == 3, (len(orders), len(acks), radio.error)
    for o, (a, slot_field) in zip(orders, acks):
        assert slot_field == 4  # slot 3 + 1: answered in its slot
        due_us = o["end_us"] + ((start & 0x7F) * P.START_UNIT_MS + (2 * 3 + 1) * slot_ms) * 1000
        late_ms = (a["start_us"] - due_us) / 1000
        assert 0 <= late_ms <= EVAC_SLOT_GUARD_MS, late_ms
    assert radio.faults == 0


def test_ble_advertises_the_alarm_and_takes_its_ack_over_gatt():
    import bluetooth

    from soleguard.edges.ble_radio import MANUFACTURER_ID, BleRadio, adv_payload

    F.radio_world(F.board("t3s3"))
    F._ble_reset()
    d, box = _insole_delivery()
    out = {}

    async def main():
        ble = BleRadio(d, Clock())
        out["idle"] = await ble.advertise_once(timeout_ms=1)  # no alarm: no beacon
        box.append(0, EV_ALARM, CAUSE_SOS, 0)
        d.notify()
        n = d.service(0)
        frame = bytes(d.frame[:n])
        adv = asyncio.create_task(ble.advertise_once(timeout_ms=2000))
        await asyncio.sleep_ms(10)
        phone = bluetooth.SimCentral()
        seen = phone.scan()[0]
        out["adv"] = bytes(seen.adv_data)
        out["expect"] = adv_payload(frame)
        link = phone.connect(seen)
        await adv
        # a phone with the team key acknowledges over GATT
        dec = P.Decoder(P.Keys(KEY), TEAM, P.ReplayWindow(2), False)
        assert dec.decode(out["adv"][7:]) == P.OK
        gw = P.Encoder(P.Keys(KEY), TEAM, 0x0B0B0B0B, P.TxCounter(P.MemoryStore()))
        k = gw.encode(P.T_ACK, 0x01020304, dec.counter, 0)
        link.write(ble.downlink.uuid, bytes(gw.mv[:k]))
        try:
            await asyncio.wait_for_ms(ble.serve_writes(), 200)
        except asyncio.TimeoutError:
            pass
        out["mfr"] = out["adv"][5] | (out["adv"][6] << 8)
        await F.settle()

    simenv.run(main())
    assert out["idle"] is False
    assert out["adv"] == out["expect"] and len(out["adv"]) == 27 and out["mfr"] == MANUFACTURER_ID
    assert box.pending() == [] and not d.alarm_in_flight()


def test_real_driver_time_on_air_matches_the_protocol_figure():
    b = F.board("t3s3")
    F.radio_world(b)
    m = F.make_modem(b)
    m.configure(lora_cfg(b["radios"]["lora"], UPLINK_KHZ))
    assert m.get_time_on_air_us(20) == 185344  # SF9 20 B, docs/PROTOCOL.md section 2 (185.3 ms)
    assert machine is not None and DOWNLINK_KHZ == 869525
