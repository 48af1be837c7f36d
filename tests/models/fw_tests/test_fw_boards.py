"""The firmware's adapters over the real micropython-lib packages and the chip/port models.

Each test pins one mismatch between the adapters and what a real ESP32-S3
board, its chips and the real libraries do (docs/FIRMWARE.md "Board
bring-up"): it fails on the code before the fix and passes after.
"""
import asyncio

import fwhelpers as F
import machine
import simenv

BOARDS = ("t3s3", "xiao_s3")


def _run_for(coro, ms):
    async def go():
        try:
            await asyncio.wait_for_ms(coro, ms)
        except asyncio.TimeoutError:
            pass
        await F.settle()

    simenv.run(go())


# --- SX1262 ---------------------------------------------------------------


def test_board_modem_starts_the_tcxo_and_sends():
    # both modules run the SX1262 from a 1.8 V TCXO on DIO3: without dio3_tcxo_millivolts
    # the first send raises RuntimeError (OpError 0x20, XOSC_START_ERR)
    for name in BOARDS:
        b = F.board(name)
        clock, air, chip = F.radio_world(b)
        m = F.make_modem(b)
        simenv.run(m.send(b"hello insole"))
        sent = [e for e in air.log if e["sender"] is chip]
        assert len(sent) == 1 and sent[0]["radiated"] and sent[0]["payload"] == b"hello insole", name
        assert chip.tcxo_ctrl is not None, name


def test_board_lora_settings_are_keys_the_driver_knows():
    # the driver ignores unknown configure() keys silently: every key we pass must be one it reads
    from soleguard.edges.lora_radio import lora_cfg

    known = ("freq_khz", "sf", "bw", "coding_rate", "preamble_len", "output_power", "implicit_header",
             "crc_en", "invert_iq_rx", "invert_iq_tx", "syncword", "pa_ramp_us", "tx_ant", "rx_boost")
    src = open(F.helpers.LORA_LIB + "/lora/sx126x.py").read() + open(F.helpers.LORA_LIB + "/lora/modem.py").read()
    for name in BOARDS:
        cfg = lora_cfg(F.board(name)["radios"]["lora"], 869525)
        for k in cfg:
            assert k in known and ('"%s"' % k) in src, (name, k)


def test_xiao_wio_rx_switch_is_driven_so_the_insole_hears_downlinks():
    # Wio-SX1262: the RX path of the RF switch is a host GPIO (RF_SW, GPIO38 on the XIAO)
    from soleguard.core.delivery import DOWNLINK_KHZ
    from soleguard.edges.lora_radio import lora_cfg

    b = F.board("xiao_s3")
    clock, air, chip = F.radio_world(b, rxen_required=True)
    m = F.make_modem(b)
    gw_chip, gw = F.peer(clock, air)
    gw.configure(lora_cfg(b["radios"]["lora"], DOWNLINK_KHZ))
    got = []

    async def listen():
        got.append(await m.recv(timeout_ms=1000))

    async def talk():
        await asyncio.sleep_ms(20)
        await gw.send(b"receipt")

    async def both():
        await asyncio.gather(listen(), talk())

    simenv.run(both())
    assert got[0] is not None and bytes(got[0]) == b"receipt"


def test_dead_or_missing_radio_is_a_technical_alarm_not_a_crash():
    # the driver raises RuntimeError (status check / BUSY timeout): boot goes on, the radio is down
    for fault in ("no_sx1262", "busy_stuck"):
        for name in BOARDS:
            w = F.insole(name, faults=(fault,))
            hw = w["hw"]
            assert hw.link_error and getattr(hw.radio, "down", False), (name, fault, hw.link_error)
            assert hw.fifo is not None and hw.outbox is not None


# --- ESP32 port ------------------------------------------------------------


def test_zone_timer_is_a_hardware_timer_v1_28_accepts():
    # v1.28.0 machine_timer.c: Timer(-1) -> ValueError("invalid Timer number"); ids 0..3 exist
    from soleguard.edges import hardware

    for name in BOARDS:
        w = F.insole(name)
        t = hardware.start_zone_timer(w["hw"], w["board"]["imu"]["odr_hz"])
        assert t is not None
        t.deinit()


def test_missing_outbox_partition_boots_with_a_storage_alarm():
    # the official ESP32_GENERIC_S3 table has no "outbox" partition (esp32_partition.c model)
    from soleguard.core.technical import SELFTEST_STORAGE
    from soleguard.edges import selftest

    for name in BOARDS:
        w = F.insole(name, faults=("no_partition",))
        hw = w["hw"]
        assert hw.storage_error and "outbox" in hw.storage_error
        assert hw.outbox is not None  # a RAM journal: alarms still go out, they do not survive a reset

        class A:
            pass

        a = A()
        a.fifo, a.zones, a.motor, a.outbox, a.radio, a.battery = hw.fifo, hw.zones, hw.motor, hw.outbox, \
            hw.radio, hw.battery
        a.sleep_ms = lambda ms: None
        assert selftest.run(a) & SELFTEST_STORAGE


# --- IMU -------------------------------------------------------------------


def test_int1_already_high_when_the_app_attaches_is_still_served():
    # INT1 is a level (FIFO_WTM_IA): if the watermark is reached before App.run attaches its
    # rising-edge handler, no edge ever comes unless the app drains the FIFO after attaching
    from soleguard.app import App

    for name in BOARDS:
        w = F.insole(name)
        hw = w["hw"]
        app = App(w["board"], hw.fifo, hw.zones, hw.motor, hw.battery, hw.outbox, hw.radio, {"TEAM_ID": F.TEAM})
        w["clock"].advance_ms(1000)  # boot work between hardware.build and App.run: the FIFO fills
        assert w["int1"].value() == 1
        _run_for(app.run(w["int1"]), 2000)
        assert app.samples >= 150, (name, app.samples)


# --- BLE -------------------------------------------------------------------


def _ble_setup():
    import bluetooth

    import aioble

    bluetooth.sim_reset(keep_irq=True)
    return aioble, bluetooth


async def _phone_link(ble):
    """A phone connected while aioble advertises (as BleRadio.advertise_once does during an alarm)."""
    import bluetooth

    import aioble

    t = asyncio.create_task(aioble.advertise(100000, connectable=True, timeout_ms=2000))
    await asyncio.sleep_ms(10)
    phone = bluetooth.SimCentral()
    link = phone.connect(phone.scan()[0])
    await t
    return link


def test_ble_ack_frames_arrive_whole():
    # a plain aioble.Characteristic keeps 20 bytes of a write; an ack frame is 26, a config 24
    async def then(w):
        assert w["hw"].link_error is None, w["hw"].link_error
        ble = w["hw"].radio.ble
        link = await _phone_link(ble)
        link.write(ble.downlink.uuid, bytes(range(26)))
        _, data = await ble.downlink.written(timeout_ms=500)
        return bytes(data)

    assert F.insole("t3s3", then=then)["result"] == bytes(range(26))


def test_ble_advert_fits_and_uplink_notifies():
    from soleguard.edges.ble_radio import adv_payload

    # aioble's builder (_append uses < 31) fills at most 30 bytes of adv_data
    assert len(adv_payload(bytes(20))) == 27
    assert F.raises(ValueError, adv_payload, bytes(24))

    async def then(w):
        ble = w["hw"].radio.ble
        link = await _phone_link(ble)
        link.subscribe(ble.uplink.uuid, notify=True)
        ble.publish(b"F" * 20)
        return [n[1] for n in link.notifications]

    assert F.insole("t3s3", then=then)["result"] == [b"F" * 20]


def test_configured_lora_settings_reach_the_chip():
    # store.py validates LORA_SF / LORA_TX_DBM / LORA_FREQ_KHZ; they must be what the radio uses
    from soleguard.core.events import CAUSE_SOS, EV_ALARM

    values = {"TEAM_ID": F.TEAM, "LORA_SF": 10, "LORA_FREQ_KHZ": 868300}

    async def then(w):
        radio = w["hw"].radio
        radio.d.outbox.append(0, EV_ALARM, CAUSE_SOS, 0)
        radio.d.notify()
        await radio.lora.step()
        return [(e["sf"], e["freq_hz"] // 1000) for e in w["air"].log if e["sender"] is w["chip"]]

    sent = F.insole("t3s3", values=values, then=then)["result"]
    assert sent and sent[0] == (10, 868299), sent


def test_boot_escape_leaves_the_repl_without_a_watchdog():
    # mpremote's Ctrl-C right after a reset must stop main.py before machine.WDT is armed:
    # the ESP32 watchdog cannot be stopped and would reset the board in the middle of a deploy
    import time

    from soleguard import main
    from soleguard.edges import board as board_mod

    b = F.board("t3s3")
    load = board_mod.load
    board_mod.load = lambda name="board": b  # the deployed board.py
    F.radio_world(b)
    calls = []
    real = time.sleep_ms

    def ctrl_c(ms):
        calls.append(ms)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real(ms)

    time.sleep_ms = ctrl_c
    try:
        assert main.run(config_path="no-such.json", key_path="no-such.key") is None
    finally:
        time.sleep_ms = real
        board_mod.load = load
    assert len(calls) == 3 and machine._wdt_state["obj"] is None
    assert not [e for e in machine.events if e[0] == "wdt_start"]
