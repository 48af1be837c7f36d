# machine.py / esp32.py port models (ESP32_GENERIC_S3, MicroPython v1.28.0)
import helpers  # noqa: F401  (path + simenv)
from helpers import raises
import simenv
import simclock
import machine
import esp32
from simwire import Wire


def _fresh():
    machine.reset_model()
    return simenv.install()


def test_timer_ids():
    _fresh()
    e = raises(ValueError, machine.Timer, -1)  # machine_timer_make_new
    assert e.args[0] == "invalid Timer number"
    raises(ValueError, machine.Timer, 4)
    for i in range(4):
        machine.Timer(i)
    assert machine.Timer(2) is machine.Timer(2)  # machine_timer_create reuses


def test_timer_periodic_and_one_shot_on_sim_time():
    clock = _fresh()
    hits = []
    t = machine.Timer(0)
    raises(ValueError, t.value)  # "timer not set" before init
    t.init(mode=machine.Timer.PERIODIC, period=10, callback=lambda tm: hits.append(clock.now_us()))
    clock.advance_ms(35)
    assert hits == [10000, 20000, 30000]
    t.deinit()
    clock.advance_ms(50)
    assert len(hits) == 3
    one = []
    machine.Timer(1, mode=machine.Timer.ONE_SHOT, period=5, callback=lambda tm: one.append(1))
    clock.advance_ms(30)
    assert one == [1]
    e = raises(ValueError, machine.Timer(3).init, period=1, hard=True)
    assert "hard" in e.args[0]


def test_wdt():
    clock = _fresh()
    raises(ValueError, machine.WDT, 1)
    e = raises(ValueError, machine.WDT, 0, 0)
    assert e.args[0] == "WDT timeout too short"
    w = machine.WDT(timeout=100)
    assert not hasattr(w, "deinit")  # cannot be stopped
    for _ in range(5):
        clock.advance_ms(90)
        w.feed()
    e = raises(machine.SimReset, clock.advance_ms, 200)
    assert e.cause == "WDT" and machine.reset_cause() == machine.WDT_RESET


def test_pin_irq_edge_only():
    _fresh()
    w = machine.connect(5, Wire("ext", float_level=0))
    w.drive("dev", 1)  # level already high before irq attached
    p = machine.Pin(5, machine.Pin.IN)
    calls = []
    p.irq(lambda pin: calls.append(pin.value()), machine.Pin.IRQ_RISING)
    simclock.run_pending()
    assert calls == []  # no IRQ for a level already present
    w.drive("dev", 0)
    simclock.run_pending()
    assert calls == []  # falling edge not selected
    w.drive("dev", 1)
    simclock.run_pending()
    assert calls == [1]
    assert machine.Pin(5) is p  # static pin objects


def test_pin_basics():
    _fresh()
    e = raises(ValueError, machine.Pin, 22)  # GPIO22..25 do not exist on S3
    assert e.args[0] == "invalid pin"
    p = machine.Pin(4, machine.Pin.OUT, value=1)
    assert p.value() == 1
    p.off()
    assert p() == 0
    q = machine.Pin(6, machine.Pin.IN, machine.Pin.PULL_UP)
    assert q.value() == 1
    assert repr(p) == "Pin(4)"


def test_spi_ids_and_buffers():
    _fresh()
    raises(ValueError, machine.SPI, 0)
    raises(ValueError, machine.SPI, 3)
    s = machine.SPI(1, baudrate=1000000)
    e = raises(ValueError, s.write_readinto, b"ab", bytearray(3))
    assert e.args[0] == "buffers must be the same length"
    assert s.read(2) == b"\xff\xff"  # no device drives MISO
    s.deinit()
    raises(OSError, s.write, b"x")


class FakeIMU:
    def __init__(self):
        self.regs = bytearray(256)
        self.regs[0x0F] = 0x6C
        self.i2c_fault = None

    def i2c_readfrom_mem(self, memaddr, n, addrsize):
        return self.regs[memaddr:memaddr + n]

    def i2c_writeto_mem(self, memaddr, data, addrsize):
        for i in range(len(data)):
            self.regs[memaddr + i] = data[i]


def test_i2c_device_hook_and_errors():
    _fresh()
    raises(ValueError, machine.I2C, 2)
    i2c = machine.I2C(0, scl=machine.Pin(9), sda=machine.Pin(8), freq=400000)
    e = raises(OSError, i2c.readfrom_mem, 0x6A, 0x0F, 1)
    assert e.args[0] == 19  # ENODEV
    imu = machine.attach_i2c(0, 0x6A, FakeIMU())
    assert i2c.scan() == [0x6A]
    assert i2c.readfrom_mem(0x6A, 0x0F, 1) == b"\x6c"
    i2c.writeto_mem(0x6A, 0x10, b"\x40")
    buf = bytearray(1)
    i2c.readfrom_mem_into(0x6A, 0x10, buf)
    assert buf == bytearray(b"\x40")
    imu.i2c_fault = "timeout"
    e = raises(OSError, i2c.readfrom_mem, 0x6A, 0x0F, 1)
    assert e.args[0] == 116  # ETIMEDOUT, ESP-IDF newlib value
    imu.i2c_fault = "nack"
    assert raises(OSError, i2c.writeto_mem, 0x6A, 0x10, b"\x00").args[0] == 19


def test_adc_pwm_misc():
    clock = _fresh()
    raises(ValueError, machine.ADC, machine.Pin(21))
    a = machine.ADC(machine.Pin(4))
    machine.set_adc_uv(4, 1550000)
    raw = a.read()
    assert a.read_u16() == (raw << 4) | (raw >> 8)  # mp_machine_adc_read_u16
    pwm = machine.PWM(machine.Pin(5))
    assert pwm.freq() == 5000 and pwm.duty_u16() == 32768
    raises(ValueError, pwm.duty_u16, 70000)
    assert len(machine.unique_id()) == 6
    assert machine.reset_cause() == machine.PWRON_RESET
    raises(ValueError, machine.freq, 100000000)
    t0 = clock.now_us()
    machine.lightsleep(250)
    assert clock.now_us() - t0 == 250000
    e = raises(machine.SimReset, machine.deepsleep, 1000)
    assert machine.reset_cause() == machine.DEEPSLEEP_RESET
    assert [ev[0] for ev in machine.events] == ["pwm", "lightsleep", "deepsleep"]


def test_esp32_partitions_generic_s3():
    esp32.reset_partitions()
    data = esp32.Partition.find(esp32.Partition.TYPE_DATA)
    assert [p.info()[4] for p in data] == ["nvs", "phy_init"]
    apps = esp32.Partition.find()  # default type is TYPE_APP
    assert [p.info()[4] for p in apps] == ["factory"]
    assert esp32.Partition.find(esp32.Partition.TYPE_DATA, label="vfs") == []
    run = esp32.Partition(esp32.Partition.RUNNING)
    assert run.info() == (0, 0, 0x10000, 0x1F0000, "factory", False)
    e = raises(OSError, esp32.Partition, "logs")
    assert e.args[0] == 2  # ENOENT
    raises(OSError, run.get_next_update)  # no OTA partitions in this table


def test_esp32_runtime_vfs_and_custom_partition():
    esp32.reset_partitions(flash_size=8 * 1024 * 1024)
    vfs = esp32.Partition.find(esp32.Partition.TYPE_DATA, label="vfs")
    assert len(vfs) == 1 and vfs[0].info()[2:4] == (0x200000, 0x600000)
    esp32.reset_partitions()
    esp32.install_partition("logs", esp32.TYPE_DATA, 0x82, 0x200000, 0x10000)
    p = esp32.Partition("logs")
    assert p.ioctl(4, 0) == 16 and p.ioctl(5, 0) == 4096
    p.writeblocks(1, b"abc")
    buf = bytearray(4)
    p.readblocks(1, buf)
    assert buf == bytearray(b"abc\xff")
    esp32.reset_partitions()
