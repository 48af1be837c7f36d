# Tests: the REAL micropython-lib aioble (0.6.2) over the bluetooth model.
#
# aioble binds to the bluetooth.BLE() singleton at import time, so the DUT
# is always the singleton; the other side is either SimCentral (a
# synchronous "phone") or a second model radio from bluetooth.sim_new_ble()
# driven with the raw API.
#
# CPython note: aioble.advertise(name="str") fails on CPython (bytes + str
# concatenation in peripheral._append works only on MicroPython), so these
# tests pass names as bytes on both runtimes.
import asyncio
from helpers import run_async, ble_reset, raises, errno_of
import bluetooth
from bluetooth import UUID, SimCentral

SVC = UUID("6E400001-B5A3-F393-E0A9-E50E24DCCA9E")
RX = UUID("6E400002-B5A3-F393-E0A9-E50E24DCCA9E")
TX = UUID("6E400003-B5A3-F393-E0A9-E50E24DCCA9E")


def _setup():
    ble_reset()
    import aioble
    import aioble.core

    ble = bluetooth.BLE()
    ble.irq(aioble.core.ble_irq)  # other tests may have replaced the handler
    return aioble, ble


async def _accept(aioble, phone, name=b"insole", mtu=None):
    t = asyncio.create_task(aioble.advertise(250000, name=name, timeout_ms=2000))
    await asyncio.sleep_ms(5)
    adv = phone.find(name=name.decode())
    assert adv is not None, "DUT not advertising"
    link = phone.connect(adv)
    conn = await t
    return link, conn


def test_plain_characteristic_truncates_26_byte_write_to_20():
    aioble, ble = _setup()

    async def main():
        svc = aioble.Service(SVC)
        rx = aioble.Characteristic(svc, RX, write=True)
        aioble.register_services(svc)
        phone = SimCentral()
        link, conn = await _accept(aioble, phone)
        link.write(RX, bytes(range(26)))
        who = await rx.written(timeout_ms=500)
        assert who is conn
        return rx.read()

    assert run_async(main()) == bytes(range(20))


def test_buffered_characteristic_keeps_26_bytes():
    aioble, ble = _setup()

    async def main():
        svc = aioble.Service(SVC)
        rx = aioble.BufferedCharacteristic(svc, RX, write=True, max_len=32)
        aioble.register_services(svc)
        assert ble.sim_buffer(rx._value_handle) == (32, 0, False)
        phone = SimCentral()
        link, conn = await _accept(aioble, phone)
        link.write(RX, bytes(range(26)))
        await rx.written(timeout_ms=500)
        return rx.read()

    assert run_async(main()) == bytes(range(26))


def test_buffered_characteristic_loses_its_initial_value():
    # BufferedCharacteristic._register writes `initial` and THEN calls
    # gatts_set_buffer(), whose mp_bluetooth_gatts_db_resize() sets len=0.
    aioble, ble = _setup()
    svc = aioble.Service(SVC)
    plain = aioble.Characteristic(svc, TX, read=True, initial=b"plain")
    buf = aioble.BufferedCharacteristic(svc, RX, read=True, initial=b"buffered", max_len=32)
    aioble.register_services(svc)
    assert plain.read() == b"plain"
    assert buf.read() == b""


def test_capture_mode_returns_connection_and_truncated_data():
    aioble, ble = _setup()

    async def main():
        svc = aioble.Service(SVC)
        rx = aioble.Characteristic(svc, RX, write=True, capture=True)
        aioble.register_services(svc)
        phone = SimCentral()
        link, conn = await _accept(aioble, phone)
        link.write(RX, b"A" * 26)
        link.write(RX, b"second")
        c1, d1 = await rx.written(timeout_ms=500)
        c2, d2 = await rx.written(timeout_ms=500)
        assert c1 is conn and c2 is conn
        return d1, d2

    d1, d2 = run_async(main())
    assert d1 == b"A" * 20 and d2 == b"second"


def test_notify_and_indicate_to_phone():
    aioble, ble = _setup()

    async def main():
        svc = aioble.Service(SVC)
        tx = aioble.Characteristic(svc, TX, read=True, notify=True, indicate=True)
        aioble.register_services(svc)
        phone = SimCentral(mtu=185)
        link, conn = await _accept(aioble, phone)
        tx.notify(conn, bytes(range(30)))  # no subscription needed for notify()
        first = link.pop_notification()
        tx.write(b"update", send_update=True)  # only to subscribers
        assert link.notifications == []
        link.subscribe(TX)
        tx.write(b"update", send_update=True)
        second = link.pop_notification()
        mtu = await conn.exchange_mtu(185)
        tx.notify(conn, bytes(range(30)))
        third = link.pop_notification()
        await tx.indicate(conn, b"ind", timeout_ms=500)
        return first, second, mtu, third, link.indications

    first, second, mtu, third, inds = run_async(main())
    assert first[1] == bytes(range(20))  # ATT_MTU 23 until exchanged
    assert second[1] == b"update"
    assert mtu == 185
    assert third[1] == bytes(range(30))
    assert inds[-1][1] == b"ind"


def test_disconnect_is_seen_by_aioble():
    aioble, ble = _setup()

    async def main():
        svc = aioble.Service(SVC)
        aioble.Characteristic(svc, RX, write=True)
        aioble.register_services(svc)
        phone = SimCentral()
        link, conn = await _accept(aioble, phone)
        assert conn.is_connected()
        link.disconnect()
        await conn.disconnected(timeout_ms=500)
        return conn.is_connected()

    assert run_async(main()) is False


def test_advertise_payload_building_and_limits():
    aioble, ble = _setup()

    async def adv_and_cancel(**kw):
        t = asyncio.create_task(aioble.advertise(250000, **kw))
        await asyncio.sleep_ms(5)
        a = ble.sim_advertising()
        t.cancel()
        try:
            await t
        except asyncio.CancelledError:
            pass
        return a

    async def main():
        out = {}
        # flags (3) + 128-bit service (18) = 21; a 25-char name (27) overflows
        # into the scan response
        out["overflow"] = await adv_and_cancel(name=b"N" * 25, services=[SVC])
        # aioble's "< 31" check: flags(3) + a 26-char name (28) = 31 bytes
        # would fit exactly, but aioble moves the name to resp_data
        out["offbyone"] = await adv_and_cancel(name=b"M" * 26)
        out["fits30"] = await adv_and_cancel(name=b"K" * 25)
        try:
            await aioble.advertise(250000, name=b"X" * 30)
            out["toolong"] = None
        except ValueError as e:
            out["toolong"] = str(e)
        try:
            await aioble.advertise(250000, adv_data=b"\x1f\xff" + b"z" * 30)
            out["raw32"] = None
        except OSError as e:
            out["raw32"] = errno_of(e)
        return out

    out = run_async(main())
    ov = out["overflow"]
    assert len(ov["adv_data"]) == 21 and ov["resp_data"] == b"\x1a\x09" + b"N" * 25
    ob = out["offbyone"]
    assert ob["adv_data"] == b"\x02\x01\x06" and len(ob["resp_data"]) == 28
    assert len(out["fits30"]["adv_data"]) == 30
    assert out["toolong"] == "Advertising payload too long"
    assert out["raw32"] == -18
    assert ble.sim_advertising() is None


def test_advertise_timeout_stops_advertising():
    aioble, ble = _setup()

    async def main():
        try:
            await aioble.advertise(250000, name=b"t", timeout_ms=30)
        except asyncio.TimeoutError:
            return "timeout"

    assert run_async(main()) == "timeout"
    assert ble.sim_advertising() is None


def test_register_services_while_connected_raises_ebusy():
    aioble, ble = _setup()

    async def main():
        svc = aioble.Service(SVC)
        aioble.Characteristic(svc, RX, write=True)
        aioble.register_services(svc)
        phone = SimCentral()
        await _accept(aioble, phone)
        try:
            aioble.register_services(svc)
        except OSError as e:
            return errno_of(e)

    assert run_async(main()) == 16


def test_central_role_scan_connect_discover_write_read_notify():
    aioble, ble = _setup()
    peer = bluetooth.sim_new_ble(name="peer")
    peer_events = []
    peer.irq(lambda e, d: peer_events.append(e))
    peer.active(True)
    ((rx, tx),) = peer.gatts_register_services(
        ((SVC, ((RX, bluetooth.FLAG_WRITE), (TX, bluetooth.FLAG_READ | bluetooth.FLAG_NOTIFY))),)
    )
    peer.gatts_write(tx, b"hello")
    adv = b"\x02\x01\x06" + b"\x05\x09peer" + b"\x11\x07" + bytes(SVC)
    peer.gap_advertise(100000, adv, resp_data=b"\x03\xff\x34\x12")

    async def main():
        dev = None
        async with aioble.scan(1000, interval_us=30000, window_us=30000, active=True) as scanner:
            async for result in scanner:
                if result.name() == "peer" and SVC in list(result.services()):
                    dev = result.device
                    mfg = list(result.manufacturer())
                    break
        assert dev is not None
        conn = await dev.connect(timeout_ms=1000)
        svc = await conn.service(SVC)
        rxc = await svc.characteristic(RX)
        txc = await svc.characteristic(TX)
        await rxc.write(b"0123456789" * 3, response=True)
        v = await txc.read()
        await txc.subscribe(notify=True)
        peer.gatts_write(tx, b"n1", True)
        n = await txc.notified(timeout_ms=500)
        await conn.disconnect()
        return mfg, v, n, conn.is_connected()

    mfg, v, n, still = run_async(main())
    assert mfg == [(0x1234, b"")]
    assert v == b"hello"
    assert n == b"n1"
    assert still is False
    assert peer.gatts_read(rx) == b"0123456789" * 2  # 30 bytes, ATT_MTU 23 -> 20
    assert 1 in peer_events and 2 in peer_events and 3 in peer_events


def test_connect_timeout_when_peer_absent():
    aioble, ble = _setup()
    import aioble.device

    async def main():
        d = aioble.device.Device(0, "01:02:03:04:05:06")
        try:
            await d.connect(timeout_ms=50)
        except asyncio.TimeoutError:
            return "timeout"

    assert run_async(main()) == "timeout"


def test_gatts_write_oserror_when_inactive_after_stop():
    aioble, ble = _setup()
    svc = aioble.Service(SVC)
    c = aioble.Characteristic(svc, RX, write=True, read=True)
    aioble.register_services(svc)
    aioble.stop()
    assert errno_of(raises(OSError, c.write, b"x")) == 19
    assert c.read() == b""  # gatts_read swallows errors
