# The REAL micropython-lib lora.sx126x driver (AsyncSX1262) against the
# SX1262 model.  Runs under pytest (CPython) and run_mp.py (MicroPython).
# NOTE: the vendored lib has no lora/sync_modem.py (package lora-sync), so
# lora.SX1262 (sync) does not exist; only AsyncSX1262.  The low-level API
# (prepare_send/start_send/poll_send, start_recv/poll_recv) is synchronous
# and is exercised directly too.
import asyncio

import helpers
from helpers import world, chip, modem, raises, CFG
import simenv
import machine
import sx1262_model as M


def _pair(tcxo=True, **air_kw):
    clock, air = world(**air_kw)
    kw = {"tcxo_mv": 1800} if tcxo else {}
    a = chip(clock, air, "A", **kw)
    b = chip(clock, air, "B", **kw)
    mkw = {"dio3_tcxo_millivolts": 1800} if tcxo else {}
    ma = modem("A", **mkw)
    mb = modem("B", **mkw)
    return clock, air, a, b, ma, mb


def _send_while_listening(ma, mb, payload, rx_timeout_ms=1000, delay_ms=5):
    res = {}

    async def main():
        async def rx():
            res["rx"] = await mb.recv(timeout_ms=rx_timeout_ms)

        t = asyncio.create_task(rx())
        await asyncio.sleep_ms(delay_ms)
        res["tx"] = await ma.send(payload)
        await t

    simenv.run(main())
    return res


# --- construction ---------------------------------------------------------
def test_construct_with_tcxo_ok_and_sequence():
    clock, air = world()
    a = chip(clock, air, "A", tcxo_mv=1800)
    modem("A", dio3_tcxo_millivolts=1800)
    assert a.mode_name() == "STDBY_RC"
    assert a.violations == []
    ops = a.opcodes()
    # What the driver sends at construction (no reset pin): wake toggle,
    # ClearDeviceErrors, GetDeviceErrors, SetStandby(RC), GetIrqStatus(as
    # GetStatus), SetDIO2AsRfSwitchCtrl, SetDIO3AsTCXOCtrl, ClearDeviceErrors,
    # GetDeviceErrors, SetDioIrqParams, ClearIrqStatus, SetPacketType(LoRa) ...
    assert ops[:12] == [0x07, 0x17, 0x80, 0x12, 0x9D, 0x97, 0x07, 0x17, 0x08, 0x02, 0x8A, 0x86], [hex(o) for o in ops]
    tcxo = [c for t, c in a.commands if c[0] == 0x97][0]
    assert tcxo[1] == 0x02  # DS Table 13-35: 1.8 V
    assert (tcxo[2] << 16 | tcxo[3] << 8 | tcxo[4]) == 64  # 1000 us / 15.625 us
    assert a.tcxo_ctrl == (1800, 1000)
    assert a.packet_type == 1 and a.sf == 7 and a.bw_code == 0x04 and a.cr == 1


def test_driver_sends_stale_bytes_as_nops():
    # The driver reuses one buffer for write_readinto and only packs the
    # command bytes, so the "NOP" bytes of read commands carry the previous
    # answer (e.g. 0x17 a2 a2 a2).  DS asks for NOP (0x00).
    clock, air = world()
    a = chip(clock, air, "A", tcxo_mv=1800)
    modem("A", dio3_tcxo_millivolts=1800)
    assert len(a.nonzero_nops) > 0


def test_construct_without_tcxo_ctrl_succeeds_but_send_fails():
    # Nothing at construction needs the 32 MHz reference, so the driver
    # constructs fine; the first STDBY_XOSC (prepare_send) fails with
    # XOSC_START_ERR (DS 13.3.6 / 13.6.1) and _check_error raises.
    clock, air = world()
    a = chip(clock, air, "A", tcxo_mv=1800)
    m = modem("A")
    assert 0x97 not in a.opcodes()
    e = raises(RuntimeError, m.prepare_send, b"hi")
    assert "OpError 0x20" in str(e.args[0]), e.args
    assert a.mode_name() == "STDBY_RC"


def test_async_send_without_tcxo_raises():
    clock, air = world()
    chip(clock, air, "A", tcxo_mv=1800)
    m = modem("A")
    e = raises(RuntimeError, simenv.run, m.send(b"x"))
    assert "OpError 0x20" in str(e.args[0])


def test_recv_without_tcxo_fails_silently():
    # SetRx cannot be executed (no XOSC): the chip reports command status 0x5
    # "failure to execute" (DS 13.5.1) in every following status byte.  The
    # driver masks the command status with _STATUS_CMD_MASK = 0x6 (bits 2:1
    # only, though the field is bits 3:1), so 0x5 decodes as 0x1 and no error
    # is raised: recv() just returns None.
    clock, air = world()
    a = chip(clock, air, "A", tcxo_mv=1800)
    m = modem("A")
    t0 = clock.now_us()
    rx = simenv.run(m.recv(timeout_ms=100))
    assert rx is None
    assert a.op_error & M.OPERR_XOSC_START
    assert 0x82 in [op for t, op in a.exec_failures]
    # no IRQ ever comes, so AsyncModem only notices at its 1 s poll
    # (_RX_POLL_WITH_IRQ), not at the 100 ms timeout
    assert clock.now_us() - t0 >= 1000000
    assert m._decode_status(a._status_byte()) == (2, 1)  # 0xAA -> (2, 1)


def test_tcxo_voltage_too_low_fails():
    clock, air = world()
    chip(clock, air, "A", tcxo_mv=1800)
    m = modem("A", dio3_tcxo_millivolts=1600)
    e = raises(RuntimeError, m.prepare_send, b"hi")
    assert "OpError 0x20" in str(e.args[0])


def test_tcxo_delay_too_short_fails():
    clock, air = world()
    chip(clock, air, "A", tcxo_mv=1800, tcxo_start_us=2000)
    m = modem("A", dio3_tcxo_millivolts=1800, dio3_tcxo_start_time_us=1000)
    raises(RuntimeError, m.prepare_send, b"hi")


def test_crystal_module_needs_no_tcxo():
    clock, air = world()
    chip(clock, air, "A")
    chip(clock, air, "B")
    ma = modem("A")
    mb = modem("B")
    res = _send_while_listening(ma, mb, b"xtal")
    assert bytes(res["rx"]) == b"xtal"


def test_construct_with_reset_pin():
    clock, air = world()
    a = chip(clock, air, "A", tcxo_mv=1800)
    modem("A", dio3_tcxo_millivolts=1800, use_reset=True)
    assert a.violations == []
    assert a.opcodes()[0] == 0x07  # no SetStandby when a reset pin is used
    assert 0x80 not in a.opcodes()[:3]


# --- faults -----------------------------------------------------------------
def test_busy_stuck_raises_busy_timeout():
    clock, air = world()
    chip(clock, air, "A", busy_stuck=True)
    t0 = clock.now_us()
    e = raises(RuntimeError, modem, "A")
    assert e.args[0] == "BUSY timeout", e.args
    assert e.args[1] == 7000  # _CMD_BUSY_TIMEOUT_BASE_US, no TCXO
    assert 7000 <= clock.now_us() - t0 < 8000


def test_busy_stuck_with_tcxo_timeout_includes_start_time():
    clock, air = world()
    chip(clock, air, "A", busy_stuck=True)
    e = raises(RuntimeError, modem, "A", dio3_tcxo_millivolts=1800)
    assert e.args == ("BUSY timeout", 8000)


def test_busy_stuck_at_runtime():
    clock, air = world()
    a = chip(clock, air, "A", tcxo_mv=1800)
    m = modem("A", dio3_tcxo_millivolts=1800)
    a.set_busy_stuck()
    e = raises(RuntimeError, m.prepare_send, b"x")
    assert e.args[0] == "BUSY timeout"


def test_absent_chip_reads_ff():
    clock, air = world()
    chip(clock, air, "A", present=False, absent_miso=0xFF)
    e = raises(RuntimeError, modem, "A")
    assert "OpError 0xffff" in str(e.args[0]), e.args


def test_absent_chip_reads_00():
    clock, air = world()
    chip(clock, air, "A", present=False, absent_miso=0x00)
    e = raises(RuntimeError, modem, "A")
    assert "Invalid initial status (0, 0)" in str(e.args[0]), e.args


# --- over the air -------------------------------------------------------------
def test_send_and_receive_over_air():
    clock, air, a, b, ma, mb = _pair()
    res = _send_while_listening(ma, mb, b"hello insole")
    rx = res["rx"]
    assert rx is not None and bytes(rx) == b"hello insole"
    assert rx.rssi == -60  # Air default; GetPacketStatus RssiPkt = -2*dBm
    assert rx.snr == 40  # driver returns raw SnrPkt = dB*4
    assert isinstance(res["tx"], int)  # poll_send -> ticks_ms of TxDone
    assert len(air.log) == 1 and air.log[0]["payload"] == b"hello insole"
    assert a.violations == [] and b.violations == []


def test_receive_fails_when_receiver_not_listening():
    clock, air, a, b, ma, mb = _pair()
    simenv.run(ma.send(b"nobody hears"))
    # the radio does not queue packets for a receiver that was not in RX
    rx = simenv.run(mb.recv(timeout_ms=200))
    assert rx is None
    assert b.stats_received == 0


def test_receiver_starting_mid_packet_misses_it():
    clock, air, a, b, ma, mb = _pair()
    res = {}

    async def main():
        async def late_rx():
            await asyncio.sleep_ms(20)  # packet (~36 ms) already started
            res["rx"] = await mb.recv(timeout_ms=300)

        t = asyncio.create_task(late_rx())
        await ma.send(b"0123456789abcdef")
        await t

    simenv.run(main())
    assert res["rx"] is None


def test_rx_timeout_duration():
    clock, air, a, b, ma, mb = _pair()
    t0 = clock.now_us()
    rx = simenv.run(mb.recv(timeout_ms=150))
    dt = clock.now_us() - t0
    assert rx is None
    assert 150000 <= dt < 160000, dt
    setrx = [c for t, c in b.commands if c[0] == 0x82][-1]
    assert (setrx[1] << 16 | setrx[2] << 8 | setrx[3]) == 150 * 64  # 15.625 us units
    # driver quirk: a Timeout IRQ fails _rx_flags_success() and is counted in
    # crc_errors
    assert mb.crc_errors == 1


def test_cpython_struct_limits_rx_timeout():
    # The driver packs the 24-bit SetRx timeout with ">BBH" and relies on
    # MicroPython's struct silently truncating to 16 bits; CPython raises.
    clock, air, a, b, ma, mb = _pair()
    if helpers.IS_MP:
        ma.start_recv(timeout_ms=2000)
        setrx = [c for t, c in a.commands if c[0] == 0x82][-1]
        assert setrx[1:] == bytes([0x01, 0xF4, 0x00])  # 128000 = 0x01F400
    else:
        import struct

        raises(struct.error, ma.start_recv, timeout_ms=2000)


def test_mismatched_syncword_freq_sf_not_received():
    for key, val in (("syncword", 0x34), ("freq_khz", 869525), ("sf", 8)):
        clock, air = world()
        chip(clock, air, "A", tcxo_mv=1800)
        chip(clock, air, "B", tcxo_mv=1800)
        cfg = dict(CFG)
        cfg[key] = val
        ma = modem("A", dio3_tcxo_millivolts=1800)
        mb = modem("B", cfg=cfg, dio3_tcxo_millivolts=1800)
        res = _send_while_listening(ma, mb, b"x", rx_timeout_ms=300)
        assert res["rx"] is None, key


def test_crc_error_counted_not_returned():
    clock, air, a, b, ma, mb = _pair(corrupt=1.0)
    res = _send_while_listening(ma, mb, b"garbled", rx_timeout_ms=300)
    assert res["rx"] is None
    # one for the CRC error, one for the final RX Timeout IRQ (see below)
    assert mb.crc_errors == 2
    assert b.stats_crc_err == 1


def test_crc_error_returned_when_rx_crc_error_set():
    clock, air, a, b, ma, mb = _pair(corrupt=1.0)
    mb.rx_crc_error = True
    res = _send_while_listening(ma, mb, b"garbled", rx_timeout_ms=300)
    assert res["rx"] is not None and res["rx"].crc_error is True


def test_seeded_loss_is_deterministic():
    got = []
    for _ in range(2):
        clock, air, a, b, ma, mb = _pair(seed=42, loss=0.5)
        ok = 0
        for i in range(6):
            res = _send_while_listening(ma, mb, bytes([i]), rx_timeout_ms=200)
            ok += 1 if res["rx"] is not None else 0
        got.append(ok)
    assert got[0] == got[1]
    assert 0 < got[0] < 6, got


def test_continuous_receive_two_packets():
    clock, air, a, b, ma, mb = _pair()
    if not helpers.IS_MP:
        # SetRx(0xFFFFFF) packed as ">BBH": CPython struct refuses (see above)
        import struct

        raises(struct.error, mb.recv_continuous)
        return
    got = []

    async def main():
        async def rx():
            async for p in mb.recv_continuous():
                got.append(bytes(p))
                if len(got) == 2:
                    mb.standby()

        t = asyncio.create_task(rx())
        await asyncio.sleep_ms(5)
        await ma.send(b"one")
        await asyncio.sleep_ms(10)
        await ma.send(b"two")
        await t

    simenv.run(main())
    assert got == [b"one", b"two"]


def test_low_level_sync_api_poll():
    clock, air, a, b, ma, mb = _pair()
    import time

    mb.start_recv(timeout_ms=500)
    ma.prepare_send(b"poll")
    ma.start_send()
    tx = True
    while tx is True:
        time.sleep_ms(1)
        tx = ma.poll_send()
    assert isinstance(tx, int)
    rx = True
    while rx is True:
        time.sleep_ms(1)
        rx = mb.poll_recv()
    assert bytes(rx) == b"poll"


def test_sleep_then_send_again_warm_start():
    clock, air, a, b, ma, mb = _pair()
    ma.sleep()
    clock.advance_ms(5)
    assert a.mode_name() == "SLEEP"
    res = _send_while_listening(ma, mb, b"after sleep")
    assert bytes(res["rx"]) == b"after sleep"
    assert a.violations == []


def test_dio1_irq_is_edge_and_driver_isr_runs():
    clock, air, a, b, ma, mb = _pair()
    assert ma._last_irq is None
    simenv.run(ma.send(b"irq"))
    assert a.dio1_w.level() == 0  # driver cleared IRQs -> DIO1 low
    assert a.irq_status == 0


def test_without_dio1_irq_mask_stays_zero():
    # Without dio1 the driver never sends SetDioIrqParams; per DS 13.3.1 all
    # IRQs are masked after reset, so TxDone is never latched and poll_send()
    # never completes (model prediction - verify on hardware).
    clock, air = world()
    a = chip(clock, air, "A", tcxo_mv=1800)
    m = modem("A", use_dio1=False, dio3_tcxo_millivolts=1800)
    assert 0x08 not in a.opcodes()
    m.prepare_send(b"x")
    m.start_send()
    clock.advance_ms(200)
    assert m.poll_send() is True


def test_calibrate_sends_rfu_bit():
    # DS 13.1.12: calibParam bit7 is RFU and bit0 is RC64k; the driver's
    # "all blocks" value 0xFE sets bit7 and skips RC64k.
    clock, air = world()
    a = chip(clock, air, "A", tcxo_mv=1800)
    m = modem("A", dio3_tcxo_millivolts=1800)
    m.calibrate()
    assert a.calib_param == 0xFE
    assert any("RFU" in v[1] for v in a.violations)


def test_calibrate_without_tcxo_sets_xosc_start():
    clock, air = world()
    a = chip(clock, air, "A", tcxo_mv=1800)
    m = modem("A")
    m.calibrate()
    assert a.op_error & M.OPERR_XOSC_START


# --- antenna switch ------------------------------------------------------------
class RxEnSwitch:
    """ant_sw object as described in docs/lora-README.md: tx(hp), rx(), idle()."""

    def __init__(self, pin):
        self.pin = pin
        self.calls = []
        pin.init(machine.Pin.OUT, value=0)

    def tx(self, tx_arg):
        self.calls.append("tx")
        self.pin(0)

    def rx(self):
        self.calls.append("rx")
        self.pin(1)

    def idle(self):
        self.calls.append("idle")
        self.pin(0)


def _wio_pair(with_ant_sw):
    clock, air = world()
    chip(clock, air, "A", tcxo_mv=1800, rxen_required=True, dio2_rf_switch_required=True)
    chip(clock, air, "B", tcxo_mv=1800, rxen_required=True, dio2_rf_switch_required=True)
    sw_a = RxEnSwitch(machine.Pin(helpers.PINS["A"]["rxen"])) if with_ant_sw else None
    sw_b = RxEnSwitch(machine.Pin(helpers.PINS["B"]["rxen"])) if with_ant_sw else None
    ma = modem("A", dio3_tcxo_millivolts=1800, ant_sw=sw_a)
    mb = modem("B", dio3_tcxo_millivolts=1800, ant_sw=sw_b)
    return ma, mb, sw_a, sw_b


def test_rxen_module_without_ant_sw_hears_nothing():
    ma, mb, _, _ = _wio_pair(False)
    res = _send_while_listening(ma, mb, b"wio", rx_timeout_ms=300)
    assert res["rx"] is None


def test_rxen_module_with_ant_sw_receives():
    ma, mb, sw_a, sw_b = _wio_pair(True)
    res = _send_while_listening(ma, mb, b"wio")
    assert bytes(res["rx"]) == b"wio"
    assert sw_a.calls == ["tx", "idle"], sw_a.calls
    assert sw_b.calls == ["rx", "idle"], sw_b.calls


def test_no_dio2_switch_means_nothing_radiated():
    clock, air = world()
    chip(clock, air, "A", tcxo_mv=1800, dio2_rf_switch_required=True)
    chip(clock, air, "B", tcxo_mv=1800)
    ma = modem("A", dio3_tcxo_millivolts=1800, dio2_rf_sw=False)
    mb = modem("B", dio3_tcxo_millivolts=1800)
    res = _send_while_listening(ma, mb, b"x", rx_timeout_ms=300)
    assert res["rx"] is None and air.log[0]["radiated"] is False


# --- time on air ------------------------------------------------------------
def test_time_on_air_matches_driver():
    cases = (
        {"sf": 7, "bw": "125"},
        {"sf": 9, "bw": "125"},
        {"sf": 12, "bw": "125"},  # LDRO on
        {"sf": 6, "bw": "500"},
        {"sf": 10, "bw": "250", "coding_rate": 8},
        {"sf": 8, "bw": "62.5", "preamble_len": 16},
        {"sf": 7, "bw": "41.7"},  # driver uses 41700 Hz, chip 41666.7 Hz
    )
    for extra in cases:
        clock, air = world()
        a = chip(clock, air, "A", tcxo_mv=1800)
        cfg = dict(CFG)
        cfg.update(extra)
        m = modem("A", cfg=cfg, dio3_tcxo_millivolts=1800)
        for n in (1, 10, 51):
            drv = m.get_time_on_air_us(n)
            simenv.run(m.send(bytes(n)))
            tx = air.log[-1]
            measured = tx["end_us"] - tx["start_us"]
            model = a.time_on_air_us(n)
            assert abs(measured - model) <= 1, (extra, n, measured, model)
            assert abs(drv - measured) <= max(2, measured // 500), (extra, n, drv, measured)
