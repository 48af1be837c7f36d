# Tests: the REAL micropython-lib lsm6dsox driver (1.1.0) over the
# LSM6DSO register model, plus FIFO / INT1 behaviour driven through the
# machine.I2C model the way firmware would do it.
from helpers import fresh_imu, approx, raises, errno_of, s16
import sim_hw
from sim_hw import Pin
import lsm6dso_model as M
from lsm6dsox import LSM6DSOX

ADDR = 0x6A


def _cfg_fifo(i2c, wtm, mode=M.FIFO_CONTINUOUS, bdr=0x44, int1=0x08, stop_on_wtm=False):
    i2c.writeto_mem(ADDR, M.FIFO_CTRL1, bytes([wtm & 0xFF]))
    i2c.writeto_mem(ADDR, M.FIFO_CTRL2, bytes([((wtm >> 8) & 1) | (0x80 if stop_on_wtm else 0)]))
    i2c.writeto_mem(ADDR, M.FIFO_CTRL3, bytes([bdr]))
    i2c.writeto_mem(ADDR, M.INT1_CTRL, bytes([int1]))
    i2c.writeto_mem(ADDR, M.FIFO_CTRL4, bytes([mode]))


def _fifo_level(i2c):
    st = i2c.readfrom_mem(ADDR, M.FIFO_STATUS1, 2)
    return st[0] | ((st[1] & 3) << 8), st[1]


def _read_word(i2c):
    w = i2c.readfrom_mem(ADDR, M.FIFO_DATA_OUT_TAG, 7)
    return w[0] >> 3, (s16(w[1], w[2]), s16(w[3], w[4]), s16(w[5], w[6]))


# --- identification / init ------------------------------------------------


def test_driver_init_whoami_and_config_registers():
    clk, bus, imu, i2c = fresh_imu()
    assert i2c.readfrom_mem(ADDR, 0x0F, 1) == b"\x6c"
    d = LSM6DSOX(i2c)
    # accel: ODR 104 Hz (0x4), FS code for 4 g is 0b10, LPF2 bit1
    assert imu.peek(M.CTRL1_XL) == 0x4A
    assert imu.accel_fs_g() == 4 and imu.accel_odr_hz() == 104.0
    # gyro: ODR 104 Hz, FS 2000 dps (code 0b11 in bits 3:2)
    assert imu.peek(M.CTRL2_G) == 0x4C
    assert imu.gyro_fs_dps() == 2000
    assert imu.peek(M.CTRL8_XL) == 0x09
    assert imu.peek(M.CTRL3_C) == 0x04  # SW_RESET self-cleared, IF_INC default
    assert d.accel_scale == 8192.0


def test_driver_rejects_wrong_whoami():
    clk, bus, imu, i2c = fresh_imu(who_am_i=0x69)  # e.g. an LSM6DS3
    e = raises(OSError, LSM6DSOX, i2c)
    assert "No LSM6DS device" in str(e)


def test_missing_chip_gives_enodev_not_driver_message():
    clk, bus, imu, i2c = fresh_imu()
    e = raises(OSError, LSM6DSOX, i2c, address=0x6B)  # SA0 strapped the other way
    assert errno_of(e) == 19


def test_i2c_scan_sees_both_addresses():
    clk, bus, imu, i2c = fresh_imu()
    assert i2c.scan() == [0x6A]
    M.LSM6DSO(bus, clock=clk, address=0x6B)
    assert i2c.scan() == [0x6A, 0x6B]


def test_stuck_bus_is_etimedout_116_and_single_nack_recovers():
    clk, bus, imu, i2c = fresh_imu()
    d = LSM6DSOX(i2c)
    bus.stuck = True
    e = raises(OSError, d.accel)
    assert errno_of(e) == 116  # ESP32 newlib ETIMEDOUT (unix port would say 110)
    bus.stuck = False
    bus.inject("nack", count=1, addr=ADDR)
    e = raises(OSError, d.gyro)
    assert errno_of(e) == 19
    d.gyro()  # next transfer works again


def test_reset_that_never_clears_raises_driver_error():
    clk, bus, imu, i2c = fresh_imu()
    imu.reset_stuck = True
    e = raises(OSError, LSM6DSOX, i2c)
    assert "Failed to reset" in str(e)


def test_reset_slow_clear_is_tolerated():
    clk, bus, imu, i2c = fresh_imu()
    imu.reset_reads = 2  # SW_RESET still reads 1 twice (driver sleeps 10 ms each)
    LSM6DSOX(i2c)
    assert imu.peek(M.CTRL3_C) & 1 == 0


# --- scaling ---------------------------------------------------------------


def test_accel_reading_at_4g_matches_datasheet_sensitivity():
    clk, bus, imu, i2c = fresh_imu()
    d = LSM6DSOX(i2c)
    imu.set_motion(acc_mg=(-500.0, 250.0, 1000.0))
    imu.tick()
    x, y, z = d.accel()
    # raw = round(mg / 0.122); driver divides by 32768/4 = 8192 LSB/g
    assert approx(z, round(1000 / 0.122) / 8192.0, 1e-9)
    assert approx(x, -0.5, 0.002) and approx(y, 0.25, 0.002) and approx(z, 1.0, 0.002)


def test_accel_full_scale_encoding_and_sensitivity_table():
    clk, bus, imu, i2c = fresh_imu()
    LSM6DSOX(i2c)
    imu.set_motion(acc_mg=(0, 0, 1000.0))
    # FS_XL bits: 00=2g 01=16g 10=4g 11=8g
    for code, fs, sens in ((0, 2, 0.061), (1, 16, 0.488), (2, 4, 0.122), (3, 8, 0.244)):
        i2c.writeto_mem(ADDR, M.CTRL1_XL, bytes([0x40 | (code << 2)]))
        assert imu.accel_fs_g() == fs
        imu.tick()
        raw = i2c.readfrom_mem(ADDR, M.OUTX_L_A + 4, 2)
        assert s16(raw[0], raw[1]) == round(1000.0 / sens)


def test_accel_saturates_at_full_scale():
    clk, bus, imu, i2c = fresh_imu()
    d = LSM6DSOX(i2c, accel_scale=2)
    imu.set_motion(acc_mg=(0, 0, 5000.0))  # 5 g on a 2 g range
    imu.tick()
    assert i2c.readfrom_mem(ADDR, M.OUTX_L_A + 4, 2) == b"\xff\x7f"
    assert approx(d.accel()[2], 32767 / 16384.0, 1e-9)


def test_gyro_driver_under_reads_by_12_percent():
    # Datasheet sensitivity at 2000 dps is 70 mdps/LSB, the driver assumes
    # 2000/32768 dps/LSB = 61.04 mdps/LSB.  100 dps reads as ~87.2 dps.
    clk, bus, imu, i2c = fresh_imu()
    d = LSM6DSOX(i2c)
    imu.set_motion(gyro_mdps=(100000.0, -50000.0, 0))
    imu.tick()
    gx, gy, gz = d.gyro()
    raw_x = round(100000 / 70.0)
    assert approx(gx, raw_x / 16.384, 1e-9)
    assert approx(gx, 87.2, 0.1)
    assert approx(imu.raw_to_mdps(raw_x), 100000.0, 40)


def test_gyro_full_scale_encoding():
    clk, bus, imu, i2c = fresh_imu()
    LSM6DSOX(i2c)
    imu.set_motion(gyro_mdps=(0, 0, 100000.0))
    for reg, fs in ((0x40, 250), (0x44, 500), (0x48, 1000), (0x4C, 2000), (0x42, 125)):
        i2c.writeto_mem(ADDR, M.CTRL2_G, bytes([reg]))
        assert imu.gyro_fs_dps() == fs
        imu.tick()
        raw = i2c.readfrom_mem(ADDR, M.OUTX_L_G + 4, 2)
        expect = min(32767, round(100000.0 / M._SENS_G_MDPS[fs]))
        assert s16(raw[0], raw[1]) == expect


def test_driver_low_odr_codes_select_kilohertz_rates():
    # The driver maps 1.6/3.33/6.66 Hz to codes 0x8/0x9/0xA, which the
    # datasheet defines as 1.66/3.33/6.66 kHz.
    clk, bus, imu, i2c = fresh_imu()
    LSM6DSOX(i2c, accel_odr=1.6, gyro_odr=6.66)
    assert imu.accel_odr_hz() == 1666.0
    assert imu.gyro_odr_hz() == 6667.0


def test_status_reg_data_ready_clears_on_read():
    clk, bus, imu, i2c = fresh_imu()
    d = LSM6DSOX(i2c)
    assert i2c.readfrom_mem(ADDR, M.STATUS_REG, 1)[0] & 3 == 0
    imu.tick()
    assert i2c.readfrom_mem(ADDR, M.STATUS_REG, 1)[0] & 3 == 3
    d.accel()
    assert i2c.readfrom_mem(ADDR, M.STATUS_REG, 1)[0] & 3 == 2


def test_if_inc_off_repeats_the_same_register():
    clk, bus, imu, i2c = fresh_imu()
    LSM6DSOX(i2c)
    imu.set_motion(acc_mg=(1000.0, 0, 0))
    imu.tick()
    inc = i2c.readfrom_mem(ADDR, M.OUTX_L_A, 2)
    i2c.writeto_mem(ADDR, M.CTRL3_C, b"\x00")  # IF_INC = 0
    rep = i2c.readfrom_mem(ADDR, M.OUTX_L_A, 2)
    assert rep[0] == rep[1] == inc[0]


def test_bdu_holds_msb_until_read():
    clk, bus, imu, i2c = fresh_imu()
    LSM6DSOX(i2c)
    i2c.writeto_mem(ADDR, M.CTRL3_C, b"\x44")  # BDU | IF_INC
    imu.set_motion(acc_mg=(0.122 * 0x0102, 0, 0))
    imu.tick()
    lo = i2c.readfrom_mem(ADDR, M.OUTX_L_A, 1)[0]
    imu.set_motion(acc_mg=(0.122 * 0x0304, 0, 0))
    imu.tick()  # new sample while LSB read but MSB not yet
    hi = i2c.readfrom_mem(ADDR, M.OUTX_L_A + 1, 1)[0]
    assert (lo, hi) == (0x02, 0x01)
    assert i2c.readfrom_mem(ADDR, M.OUTX_L_A, 2) == b"\x04\x03"


def test_pedometer_step_counter_through_driver():
    clk, bus, imu, i2c = fresh_imu()
    d = LSM6DSOX(i2c)
    d.pedometer_config(enable=True, debounce=10)
    imu.set_steps(42)
    assert d.steps() == 42
    d.pedometer_reset()
    assert d.steps() == 0
    assert imu.peek(M.FUNC_CFG_ACCESS) == 0  # back in the user bank


# --- FIFO --------------------------------------------------------------------


def test_fifo_continuous_watermark_and_tags():
    clk, bus, imu, i2c = fresh_imu()
    LSM6DSOX(i2c)
    _cfg_fifo(i2c, wtm=20)
    for i in range(10):
        imu.push(acc_mg=(0.122 * i, 0, 0), gyro_mdps=(70.0 * (100 + i), 0, 0))
    imu.tick(9)
    n, st2 = _fifo_level(i2c)
    assert n == 18 and not (st2 & 0x80)
    imu.tick(1)
    n, st2 = _fifo_level(i2c)
    assert n == 20 and (st2 & 0x80)  # FIFO_WTM_IA
    words = [_read_word(i2c) for _ in range(4)]
    # gyro word then accel word per time slot
    assert words[0] == (M.TAG_GYRO_NC, (100, 0, 0))
    assert words[1] == (M.TAG_XL_NC, (0, 0, 0))
    assert words[2] == (M.TAG_GYRO_NC, (101, 0, 0))
    assert words[3] == (M.TAG_XL_NC, (1, 0, 0))
    n, st2 = _fifo_level(i2c)
    assert n == 16 and not (st2 & 0x80)


def test_fifo_burst_read_rolls_back_to_tag_register():
    # ASSUMPTION (AN5192 FIFO reading procedure): with IF_INC the address
    # wraps 7Eh -> 78h so several words can be read in one burst.
    clk, bus, imu, i2c = fresh_imu()
    LSM6DSOX(i2c)
    _cfg_fifo(i2c, wtm=0)
    imu.tick(5)
    data = i2c.readfrom_mem(ADDR, M.FIFO_DATA_OUT_TAG, 7 * 6)
    tags = [data[7 * k] >> 3 for k in range(6)]
    assert tags == [1, 2, 1, 2, 1, 2]
    assert _fifo_level(i2c)[0] == 4


def test_fifo_overrun_in_continuous_mode_drops_oldest():
    clk, bus, imu, i2c = fresh_imu()
    LSM6DSOX(i2c)
    _cfg_fifo(i2c, wtm=100)
    for i in range(300):
        imu.push(acc_mg=(0.122 * i, 0, 0), gyro_mdps=(70.0 * i, 0, 0))
    imu.tick(300)  # 600 words into a 512-word FIFO
    n, st2 = _fifo_level(i2c)
    assert n == 512 and (st2 & 3) == 2  # DIFF_FIFO is 10 bits: 0x200
    assert st2 & 0x40 and st2 & 0x20 and st2 & 0x08  # OVR_IA, FULL_IA, OVER_RUN_LATCHED
    assert not (_fifo_level(i2c)[1] & 0x08)  # latched bit cleared by the read
    assert imu.stats["fifo_dropped"] == 88
    assert _read_word(i2c) == (M.TAG_GYRO_NC, (44, 0, 0))  # slots 0..43 lost
    assert not (_fifo_level(i2c)[1] & 0x40)


def test_fifo_mode_stops_when_full():
    clk, bus, imu, i2c = fresh_imu()
    LSM6DSOX(i2c)
    _cfg_fifo(i2c, wtm=0, mode=M.FIFO_FIFO)
    for i in range(300):
        imu.push(acc_mg=(0.122 * i, 0, 0), gyro_mdps=(70.0 * i, 0, 0))
    imu.tick(300)
    n, st2 = _fifo_level(i2c)
    assert n == 512 and (st2 & 0x20) and not (st2 & 0x40)
    assert _read_word(i2c) == (M.TAG_GYRO_NC, (0, 0, 0))  # oldest kept


def test_fifo_stop_on_wtm_limits_depth():
    clk, bus, imu, i2c = fresh_imu()
    LSM6DSOX(i2c)
    _cfg_fifo(i2c, wtm=30, mode=M.FIFO_FIFO, stop_on_wtm=True)
    imu.tick(100)
    assert _fifo_level(i2c)[0] == 30


def test_fifo_bypass_clears_and_bdr_decimates():
    clk, bus, imu, i2c = fresh_imu()
    LSM6DSOX(i2c)
    _cfg_fifo(i2c, wtm=0, bdr=0x02)  # accel batched at 26 Hz, gyro not batched
    imu.tick(40)  # 40 accel samples at 104 Hz -> 10 batched
    n = _fifo_level(i2c)[0]
    assert n == 10
    assert _read_word(i2c)[0] == M.TAG_XL_NC
    i2c.writeto_mem(ADDR, M.FIFO_CTRL4, bytes([M.FIFO_BYPASS]))
    assert _fifo_level(i2c)[0] == 0


# --- INT1 pin + edge-triggered GPIO IRQ -----------------------------------------


def _setup_int1(wtm=20):
    clk, bus, imu, i2c = fresh_imu()
    LSM6DSOX(i2c)
    pin = Pin(7, Pin.IN)
    imu.connect_int1(pin)
    _cfg_fifo(i2c, wtm=wtm, int1=0x08)
    return clk, bus, imu, i2c, pin


def test_int1_is_a_level_following_the_watermark():
    clk, bus, imu, i2c, pin = _setup_int1(20)
    imu.tick(9)
    assert pin.value() == 0
    imu.tick(1)
    assert pin.value() == 1  # 20 words >= WTM
    imu.tick(5)
    assert pin.value() == 1  # stays high, no new edge
    while _fifo_level(i2c)[0] >= 20:
        _read_word(i2c)
    assert pin.value() == 0  # reads dropped it below WTM


def test_edge_irq_attached_after_level_high_never_fires():
    clk, bus, imu, i2c, pin = _setup_int1(20)
    imu.tick(10)
    assert pin.value() == 1
    fired = []
    pin.irq(handler=lambda p: fired.append(p.value()), trigger=Pin.IRQ_RISING)
    imu.tick(100)  # FIFO keeps filling; line never goes low
    assert fired == []
    assert pin.value() == 1
    # only draining below the watermark re-arms the edge
    while _fifo_level(i2c)[0] >= 20:
        _read_word(i2c)
    assert pin.value() == 0 and fired == []
    imu.tick(1)
    assert pin.value() == 1 and fired == [1]


def test_edge_irq_attached_before_fires_once_per_crossing():
    clk, bus, imu, i2c, pin = _setup_int1(20)
    fired = []
    pin.irq(handler=lambda p: fired.append(1), trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)
    imu.tick(10)
    assert fired == [1]
    imu.tick(10)
    assert fired == [1]
    while _fifo_level(i2c)[0]:
        _read_word(i2c)
    assert fired == [1, 1]  # falling edge


def test_irq_handlers_can_be_deferred_like_mp_sched_schedule():
    clk, bus, imu, i2c, pin = _setup_int1(20)
    sim_hw.SCHED.mode = "deferred"
    fired = []
    pin.irq(handler=lambda p: fired.append(p.value()), trigger=Pin.IRQ_RISING)
    imu.tick(10)
    assert fired == []
    while _fifo_level(i2c)[0]:
        _read_word(i2c)
    sim_hw.run_scheduled()
    assert fired == [0]  # handler ran later and saw the line already low
    sim_hw.SCHED.mode = "sync"


def test_level_trigger_fires_immediately_when_already_high():
    clk, bus, imu, i2c, pin = _setup_int1(20)
    imu.tick(10)
    fired = []
    pin.irq(handler=lambda p: fired.append(1), trigger=Pin.WAKE_HIGH)
    assert fired == [1]


def test_int1_active_low_option():
    clk, bus, imu, i2c, pin = _setup_int1(20)
    i2c.writeto_mem(ADDR, M.CTRL3_C, b"\x24")  # H_LACTIVE | IF_INC
    assert pin.value() == 1
    imu.tick(10)
    assert pin.value() == 0
