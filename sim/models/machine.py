# Model of MicroPython v1.28.0 `machine` for the ESP32 port (ESP32_GENERIC_S3),
# for host tests.  On the MicroPython unix port this file, placed earlier on
# MICROPYPATH, shadows the built-in `machine`; on CPython it is just a module.
#
# Sources (micropython tag v1.28.0):
#   ports/esp32/machine_pin.c     Pin, machine_pin_irq, machine_pin_isr_handler
#   ports/esp32/machine_pin.h     which GPIOs exist on ESP32-S3
#   ports/esp32/machine_hw_spi.c  SPI make_new / transfer
#   extmod/machine_spi.c          read/readinto/write/write_readinto
#   ports/esp32/machine_i2c.c     machine_hw_i2c_transfer error mapping
#   extmod/machine_i2c.c          readfrom_mem & co raise OSError(-ret)
#   ports/esp32/machine_timer.c   Timer make_new / init_helper / isr_handler / value
#   ports/esp32/machine_wdt.c     WDT make_new_instance / feed
#   ports/esp32/machine_adc.c     ADC read / read_u16 / read_uv / atten
#   ports/esp32/machine_pwm.c     PWM defaults and range checks
#   ports/esp32/modmachine.c      reset_cause / unique_id / freq / sleep
#   ports/esp32/modmachine.h      wake constants
#
# Wiring API for tests (not part of real MicroPython; all start with a verb):
#   connect(pin_id, wire)          make GPIO pin_id share a simwire.Wire
#   attach_spi(bus_id, device)     device.spi_byte(b) -> int or None (not selected)
#   attach_i2c(bus_id, addr, dev)  see I2C below; bus_id "soft" for SoftI2C
#   sim_hw.i2c_bus(bus_id).attach(addr, target)  a byte-level I2C target (the
#                                  LSM6DSO model); bus faults stuck/inject apply
#   Pin(n).sim_drive(level)        an external chip drives GPIO n (LSM6DSO INT1)
#
# Merged port model (soleguard tests/models/README.md): this is the SX1262
# engineers' model; its I2C also reaches the imu_ble engineers' sim_hw buses
# (their register-level LSM6DSO, their fault injection, their typed-buffer
# writes), and Pin gained their sim_drive(), so one `machine` serves both.
#   set_adc_uv(pin_id, microvolts) analog level seen by ADC(pin)
#   reset_model()                  forget all pins/buses/timers/WDT/records
#   events                         list of recorded (what, time_us, arg) tuples
import sys

try:
    import micropython
except ImportError:  # CPython: simenv provides a `micropython` module
    import simenv  # noqa: F401
    import micropython

import sim_hw
import simclock
from simwire import Wire

_IS_MP = sys.implementation.name == "micropython"

# --- recorded side effects ------------------------------------------------
events = []


def _now():
    c = simclock._current
    return c.now_us() if c is not None else 0


def _record(what, arg=None):
    events.append((what, _now(), arg))


class SimReset(BaseException):
    """Raised where the real chip would reset (machine.reset(), deepsleep(),
    WDT expiry, bootloader()).  BaseException so firmware `except Exception`
    cannot swallow it, as a real reset cannot be caught."""

    def __init__(self, cause):
        super().__init__(cause)  # (MicroPython: no BaseException.__init__ attr)
        self.cause = cause


# --- constants from ports/esp32/modmachine.c / modmachine.h ------------------
IDLE = 0x01  # not exported on esp32, kept for code that references it
SLEEP = 0x02  # MACHINE_WAKE_SLEEP
DEEPSLEEP = 0x04  # MACHINE_WAKE_DEEPSLEEP
PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5
# esp_sleep_wakeup_cause_t values (ESP-IDF esp_sleep.h)
PIN_WAKE = 2  # ESP_SLEEP_WAKEUP_EXT0
EXT0_WAKE = 2
EXT1_WAKE = 3
TIMER_WAKE = 4
TOUCHPAD_WAKE = 5
ULP_WAKE = 6

_state = {}


def reset_model():
    """Forget everything (call between tests)."""
    del events[:]
    _pins.clear()
    _wires.clear()
    _spi_devices.clear()
    _spi_objs.clear()
    _i2c_devices.clear()
    sim_hw.reset_buses()
    _adc_uv.clear()
    for t in list(_timers.values()):
        t._disarm()
    _timers.clear()
    _wdt_state["obj"] = None
    _state.clear()
    _state["reset_cause"] = PWRON_RESET
    _state["wake_reason"] = 0
    _state["freq"] = 160000000  # CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ_160 (sdkconfig.base)
    _state["unique_id"] = b"\x24\x6f\x28\x00\x00\x01"
    _state["irq_state"] = 1


# ============================================================================
# Pin  (ports/esp32/machine_pin.c)
# ============================================================================
# GPIOs present on ESP32-S3 (machine_pin.h, CONFIG_IDF_TARGET_ESP32S3, no
# SPIRAM, USB-CDC on so 19/20 are absent unless USB CDC disabled; 47/48 only
# with MICROPY_HW_ESP32S3_EXTENDED_IO which the generic board enables).
_VALID_GPIO = list(range(0, 19)) + [21, 26] + list(range(33, 49))
_pins = {}
_wires = {}


def set_valid_gpios(ids):
    global _VALID_GPIO
    _VALID_GPIO = list(ids)


def wire_of(pin_id):
    w = _wires.get(pin_id)
    if w is None:
        w = Wire("GPIO%d" % pin_id)
        _wires[pin_id] = w
    return w


def connect(pin_id, wire):
    """Attach GPIO `pin_id` to an external net (e.g. a chip model's BUSY)."""
    if isinstance(pin_id, Pin):
        pin_id = pin_id._id
    old = _wires.get(pin_id)
    _wires[pin_id] = wire
    p = _pins.get(pin_id)
    if p is not None:
        if old is not None:
            old.drive(p, None)
            old.unsubscribe(p._on_wire)
        p._wire = wire
        p._apply()
        if p._irq_handler is not None:
            wire.subscribe(p._on_wire)
    return wire


class _ExtDriver:
    pass


_EXT_DRIVER = _ExtDriver()  # the key sim_drive() drives a net with


class _PinIRQ:
    # machine_pin_irq_type: calling it runs the handler (machine_pin_irq_call)
    def __init__(self, pin):
        self._pin = pin

    def __call__(self):
        self._pin._fire()

    def trigger(self, *args):
        old = self._pin._irq_trigger
        if args:
            self._pin._irq_trigger = args[0]
        return old


class Pin:
    # class constants: ESP-IDF gpio_mode_t / gpio_int_type_t values
    IN = 1  # GPIO_MODE_INPUT
    OUT = 3  # GPIO_MODE_INPUT_OUTPUT (output pins can be read back)
    OPEN_DRAIN = 7  # GPIO_MODE_INPUT_OUTPUT_OD
    PULL_DOWN = 1  # GPIO_PULL_DOWN (machine_pin.c)
    PULL_UP = 2  # GPIO_PULL_UP
    IRQ_RISING = 1  # GPIO_INTR_POSEDGE
    IRQ_FALLING = 2  # GPIO_INTR_NEGEDGE
    WAKE_LOW = 4  # GPIO_INTR_LOW_LEVEL
    WAKE_HIGH = 5  # GPIO_INTR_HIGH_LEVEL
    DRIVE_0 = 0
    DRIVE_1 = 1
    DRIVE_2 = 2
    DRIVE_3 = 3

    def __new__(cls, id, *args, **kw):
        # machine_pin_find: pins are static singletons (machine_pin_obj_table)
        if isinstance(id, Pin):
            self = id
        else:
            if not isinstance(id, int) or id not in _VALID_GPIO:
                raise ValueError("invalid pin")
            self = _pins.get(id)
            if self is None:
                self = object.__new__(cls)
                self._id = id
                self._mode = None  # not configured (pad default: input)
                self._out = 0
                self._pull = None
                self._wire = wire_of(id)
                self._irq_handler = None
                self._irq_trigger = 0
                self._irq_obj = _PinIRQ(self)
                self._irq_dropped = 0
                _pins[id] = self
        return self

    def __init__(self, id, mode=None, pull=-1, **kw):
        # mp_pin_make_new: only (re)configure if extra args given
        if mode is not None or pull != -1 or kw:
            self.init(mode, pull, **kw)

    def __repr__(self):
        return "Pin(%d)" % self._id

    def init(self, mode=None, pull=-1, value=None, drive=None, hold=None):
        # machine_pin_obj_init_helper: value set before mode, then mode, pull
        if value is not None:
            self._out = 1 if value else 0
        if mode is not None:
            self._mode = mode
        if pull != -1:
            p = 0 if pull is None else pull
            if p & Pin.PULL_UP:
                self._pull = 1
            elif p & Pin.PULL_DOWN:
                self._pull = 0
            else:
                self._pull = None
        self._apply()

    def _apply(self):
        w = self._wire
        w.set_pull(self._pull)
        if self._mode == Pin.OUT:
            w.drive(self, self._out)
        elif self._mode == Pin.OPEN_DRAIN:
            w.drive(self, 0 if self._out == 0 else None)
        else:
            w.drive(self, None)

    def value(self, *args):
        if args:
            self._out = 1 if args[0] else 0
            self._apply()
            return None
        # gpio_get_level reads the pad, also for outputs (INPUT_OUTPUT)
        return self._wire.level()

    def __call__(self, *args):
        return self.value(*args)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def toggle(self):
        self.value(0 if self._out else 1)

    # --- IRQ -------------------------------------------------------------
    def irq(self, handler=None, trigger=IRQ_RISING | IRQ_FALLING, wake=None, **kw):
        # machine_pin_irq: only edge interrupts are modelled. gpio_set_intr_type
        # + gpio_isr_handler_add; the ISR only ever fires on a transition, never
        # for a level that was already present when the IRQ was attached.
        # There is no `hard=` argument on the esp32 port.
        if kw:
            raise TypeError("unexpected keyword argument")
        if wake is not None and trigger in (Pin.WAKE_LOW, Pin.WAKE_HIGH):
            _state["wake_pin"] = (self._id, trigger, wake)
            return self._irq_obj
        if handler is None:
            trigger = 0
        self._irq_handler = handler
        self._irq_trigger = trigger
        if handler is not None:
            self._wire.subscribe(self._on_wire)
        else:
            self._wire.unsubscribe(self._on_wire)
        return self._irq_obj

    def sim_drive(self, level):
        # imu_ble model API: an external chip drives the net (None releases it)
        self._wire.drive(_EXT_DRIVER, level)

    def _on_wire(self, new, old):
        t = self._irq_trigger
        if (new and not old and (t & Pin.IRQ_RISING)) or (old and not new and (t & Pin.IRQ_FALLING)):
            self._fire()

    def _fire(self):
        # machine_pin_isr_handler -> mp_sched_schedule(handler, pin); if the
        # scheduler queue is full the event is silently lost.
        if self._irq_handler is None:
            return
        try:
            micropython.schedule(self._irq_handler, self)
        except RuntimeError:
            self._irq_dropped += 1


class Signal:
    # extmod/machine_signal.c (minimal)
    def __init__(self, pin, *args, **kw):
        invert = kw.pop("invert", False)
        if not isinstance(pin, Pin):
            pin = Pin(pin, *args, **kw)
        self._pin = pin
        self._inv = 1 if invert else 0

    def value(self, *a):
        if a:
            self._pin.value((1 if a[0] else 0) ^ self._inv)
            return None
        return self._pin.value() ^ self._inv

    def __call__(self, *a):
        return self.value(*a)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


# ============================================================================
# SPI  (ports/esp32/machine_hw_spi.c, extmod/machine_spi.c)
# ============================================================================
MICROPY_HW_SPI_MAX = 2  # SPI2_HOST -> id 1, SPI3_HOST -> id 2
SPI_MISO_FLOAT = 0xFF  # value read when no device drives MISO (assumption)
_spi_devices = {}
_spi_objs = {}


def attach_spi(bus_id, device):
    _spi_devices.setdefault(bus_id, []).append(device)
    return device


def detach_spi(bus_id, device):
    lst = _spi_devices.get(bus_id, [])
    if device in lst:
        lst.remove(device)


class SPI:
    MSB = 0
    LSB = 1
    CONTROLLER = 0

    def __new__(cls, id, *args, **kw):
        if not (1 <= id <= MICROPY_HW_SPI_MAX):
            raise ValueError("SPI(%d) doesn't exist" % id)
        self = _spi_objs.get(id)
        if self is None:
            self = object.__new__(cls)
            self._id = id
            self.baudrate = 500000
            self.polarity = 0
            self.phase = 0
            self.bits = 8
            self.firstbit = 0
            self._deinit = True
            _spi_objs[id] = self
        return self

    def __init__(self, id, baudrate=-1, polarity=-1, phase=-1, bits=-1, firstbit=-1, sck=None, mosi=None, miso=None):
        self.init(baudrate, polarity=polarity, phase=phase, bits=bits, firstbit=firstbit, sck=sck, mosi=mosi, miso=miso)

    def init(self, baudrate=-1, polarity=-1, phase=-1, bits=-1, firstbit=-1, sck=None, mosi=None, miso=None):
        if baudrate != -1:
            self.baudrate = baudrate
        if polarity != -1:
            self.polarity = polarity
        if phase != -1:
            self.phase = phase
        if bits != -1:
            if bits < 1 or bits > 32:
                raise ValueError("invalid bits")
            self.bits = bits
        if firstbit != -1:
            self.firstbit = firstbit
        self._deinit = False

    def deinit(self):
        self._deinit = True

    def __repr__(self):
        return "SPI(id=%d, baudrate=%d, polarity=%d, phase=%d, bits=%d, firstbit=%d)" % (
            self._id, self.baudrate, self.polarity, self.phase, self.bits, self.firstbit)

    def _xfer(self, src, dest, n):
        # machine_hw_spi_transfer
        if self._deinit:
            raise OSError("transfer on deinitialized SPI")
        if (n * 8 // self.bits) * self.bits == 0:
            raise ValueError("buffer too short")
        devs = _spi_devices.get(self._id, ())
        for i in range(n):
            b = src[i] if src is not None else 0
            r = None
            for d in devs:
                v = d.spi_byte(b)
                if v is not None:
                    r = v if r is None else (r & v)
            if r is None:
                r = SPI_MISO_FLOAT
            if dest is not None:
                dest[i] = r

    def write(self, buf):
        self._xfer(buf, None, len(buf))

    def read(self, nbytes, write=0):
        out = bytearray(nbytes)
        self._xfer(bytes([write]) * nbytes, out, nbytes)
        return bytes(out)

    def readinto(self, buf, write=0):
        self._xfer(bytes([write]) * len(buf), buf, len(buf))

    def write_readinto(self, write_buf, read_buf):
        if len(write_buf) != len(read_buf):
            raise ValueError("buffers must be the same length")
        # src and dest may be the same buffer (the lora driver does this);
        # the hardware clocks byte i out before byte i is read in.
        self._xfer(bytes(write_buf), read_buf, len(write_buf))


class SoftSPI(SPI):
    def __new__(cls, *args, **kw):
        raise NotImplementedError("SoftSPI is not modelled; use SPI(1) or SPI(2)")


# ============================================================================
# I2C  (ports/esp32/machine_i2c.c + extmod/machine_i2c.c)
# ============================================================================
# Device protocol (for the IMU model etc.); implement what you need:
#   dev.i2c_readfrom_mem(memaddr, nbytes, addrsize) -> bytes
#   dev.i2c_writeto_mem(memaddr, data, addrsize)
#   dev.i2c_readfrom(nbytes) -> bytes         (plain read)
#   dev.i2c_writeto(data)                     (plain write)
#   dev.i2c_fault: None | "nack" | "timeout"  (checked on every transfer)
# Errors as raised by the port: no ACK at address -> OSError(19 ENODEV);
# timeout -> OSError(116 ETIMEDOUT: ESP-IDF newlib errno, because the esp32
# port sets MICROPY_USE_INTERNAL_ERRNO=0, ports/esp32/mpconfigport.h).
ENODEV = 19
ETIMEDOUT = 116
I2C_NUM_MAX = 2
_i2c_devices = {}


def attach_i2c(bus_id, addr, device):
    _i2c_devices.setdefault(bus_id, {})[addr] = device
    return device


def detach_i2c(bus_id, addr):
    _i2c_devices.get(bus_id, {}).pop(addr, None)


class I2C:
    def __init__(self, id=0, scl=None, sda=None, freq=-1, timeout=-1):
        # machine_hw_i2c_make_new
        if not (0 <= id < I2C_NUM_MAX):
            raise ValueError("I2C(%d) doesn't exist" % id)
        self._bus = id
        self.freq = 400000 if freq == -1 else freq
        self.timeout_us = 50000 if timeout == -1 else timeout
        # default pins: MICROPY_HW_I2C0_SCL/SDA = 9/8 on ESP32_GENERIC_S3
        self.scl = scl if scl is not None else (9 if id == 0 else None)
        self.sda = sda if sda is not None else (8 if id == 0 else None)

    def __repr__(self):
        return "I2C(%d, scl=%s, sda=%s, freq=%d)" % (self._bus, self.scl, self.sda, self.freq)

    def _sim(self):
        # the byte-level bus of the same id (sim_hw.SimI2CBus): its targets and faults
        return sim_hw.i2c_bus(self._bus)

    def _dev(self, addr):
        """The attach_i2c (memory-API) device at addr, or None for a byte-level target."""
        bus = self._sim()
        d = _i2c_devices.get(self._bus, {}).get(addr)
        if d is None:
            return None
        # the bus's own faults (SDA held low, injected NACK/timeout) hit every target
        if bus.stuck:
            raise OSError(ETIMEDOUT)
        for f in bus._faults:
            if f[2] is None or f[2] == addr:
                f[1] -= 1
                if f[1] <= 0:
                    bus._faults.remove(f)
                raise OSError(ENODEV if f[0] == "nack" else ETIMEDOUT)
        f = getattr(d, "i2c_fault", None)
        if f == "nack":
            raise OSError(ENODEV)  # i2c_master_probe fails -> -MP_ENODEV
        if f == "timeout":
            raise OSError(ETIMEDOUT)
        return d

    def scan(self):
        res = []
        for a in range(0x08, 0x78):
            d = _i2c_devices.get(self._bus, {}).get(a)
            if d is not None:
                if getattr(d, "i2c_fault", None) is None and not self._sim().stuck:
                    res.append(a)
                continue
            try:
                self._sim().write(a, b"")  # scan = zero-length write (extmod/machine_i2c.c)
                res.append(a)
            except OSError:
                pass
        return res

    def readfrom_mem(self, addr, memaddr, nbytes, addrsize=8):
        d = self._dev(addr)
        if d is None:
            return self._sim().write_read(addr, _memaddr_bytes(memaddr, addrsize), nbytes)
        if hasattr(d, "i2c_readfrom_mem"):
            return bytes(d.i2c_readfrom_mem(memaddr, nbytes, addrsize))
        d.i2c_writeto(_memaddr_bytes(memaddr, addrsize))
        return bytes(d.i2c_readfrom(nbytes))

    def readfrom_mem_into(self, addr, memaddr, buf, addrsize=8):
        # any writable buffer, e.g. the lsm6dsox driver's memoryview(array('h'))
        data = self.readfrom_mem(addr, memaddr, sim_hw.buf_nbytes(buf), addrsize=addrsize)
        sim_hw.write_into(buf, data)

    def writeto_mem(self, addr, memaddr, buf, addrsize=8):
        d = self._dev(addr)
        if d is None:
            self._sim().write(addr, _memaddr_bytes(memaddr, addrsize) + bytes(buf))
        elif hasattr(d, "i2c_writeto_mem"):
            d.i2c_writeto_mem(memaddr, bytes(buf), addrsize)
        else:
            d.i2c_writeto(_memaddr_bytes(memaddr, addrsize) + bytes(buf))

    def readfrom(self, addr, nbytes, stop=True):
        d = self._dev(addr)
        if d is None:
            return self._sim().read(addr, nbytes)
        return bytes(d.i2c_readfrom(nbytes))

    def readfrom_into(self, addr, buf, stop=True):
        data = self.readfrom(addr, sim_hw.buf_nbytes(buf), stop)
        sim_hw.write_into(buf, data)

    def writeto(self, addr, buf, stop=True):
        d = self._dev(addr)
        if d is None:
            return self._sim().write(addr, bytes(buf))
        d.i2c_writeto(bytes(buf))
        return len(buf)  # machine_hw_i2c_transfer returns len -> number of ACKs

    def writevto(self, addr, vector, stop=True):
        data = b"".join([bytes(v) for v in vector])
        return self.writeto(addr, data, stop)


def _memaddr_bytes(memaddr, addrsize):
    n = addrsize // 8
    out = bytearray(n)
    for i in range(n):
        out[i] = (memaddr >> (8 * (n - 1 - i))) & 0xFF
    return bytes(out)


class SoftI2C(I2C):
    def __init__(self, scl=None, sda=None, freq=400000, timeout=50000):
        self._bus = "soft"
        self.freq = freq
        self.timeout_us = timeout
        self.scl = scl
        self.sda = sda


# ============================================================================
# Timer  (ports/esp32/machine_timer.c)
# ============================================================================
SOC_TIMER_GROUP_TOTAL_TIMERS = 4  # ESP32-S3: 2 groups x 2 timers
_timers = {}


class Timer:
    ONE_SHOT = 0  # MP_ROM_INT(false)
    PERIODIC = 1  # MP_ROM_INT(true)

    def __new__(cls, id, *args, **kw):
        # machine_timer_make_new: uint32_t timer_number = mp_obj_get_int(args[0]);
        # so -1 becomes 0xFFFFFFFF and fails the range check.
        n = id & 0xFFFFFFFF
        if n >= SOC_TIMER_GROUP_TOTAL_TIMERS:
            raise ValueError("invalid Timer number")
        self = _timers.get(n)  # machine_timer_create reuses existing objects
        if self is None:
            self = object.__new__(cls)
            self._id = n
            self._handle = None
            self._ev = None
            self._repeat = 1
            self._period_us = 0
            self._callback = None
            self._start_us = 0
            _timers[n] = self
        return self

    def __init__(self, id, *args, **kw):
        if args or kw:
            self.init(*args, **kw)

    def init(self, mode=1, callback=None, period=0xFFFFFFFF, tick_hz=1000, freq=None, hard=False):
        # machine_timer_init_helper (all arguments keyword-only in C)
        self._disarm()
        if hard:
            raise ValueError("hard Timers are not implemented")
        if freq is not None:
            self._period_us = int(1000000 / freq)
        else:
            self._period_us = (period * 1000000) // tick_hz
        self._repeat = 1 if mode else 0
        self._callback = callback
        self._handle = True
        self._arm()

    def _arm(self):
        c = simclock._current
        self._start_us = _now()
        if c is not None and self._period_us > 0:
            self._ev = c.schedule_in(self._period_us, self._alarm)

    def _disarm(self):
        c = simclock._current
        if c is not None and self._ev is not None:
            c.cancel(self._ev)
        self._ev = None

    def _alarm(self):
        # machine_timer_isr -> machine_timer_isr_handler: mp_sched_schedule(callback, self)
        self._ev = None
        if self._repeat:
            self._arm()
        if self._callback is not None:
            try:
                micropython.schedule(self._callback, self)
            except RuntimeError:
                pass

    def deinit(self):
        self._disarm()
        self._handle = None

    def value(self):
        if self._handle is None:
            raise ValueError("timer not set")
        return (_now() - self._start_us) // 1000

    def __repr__(self):
        return "Timer(%d, mode=%s, period=%d)" % (
            self._id, "PERIODIC" if self._repeat else "ONE_SHOT", self._period_us // 1000)


# ============================================================================
# WDT  (ports/esp32/machine_wdt.c) - task watchdog, cannot be stopped
# ============================================================================
_wdt_state = {"obj": None}


class WDT:
    def __new__(cls, id=0, timeout=5000):
        if id != 0:
            raise ValueError()
        if timeout <= 0:
            raise ValueError("WDT timeout too short")
        self = _wdt_state["obj"]
        if self is None:
            self = object.__new__(cls)
            self._ev = None
            _wdt_state["obj"] = self
        self.timeout_ms = timeout  # esp_task_wdt_reconfigure
        self.feed()
        _record("wdt_start", timeout)
        return self

    def __init__(self, id=0, timeout=5000):
        pass

    def feed(self):
        c = simclock._current
        if c is None:
            return
        if self._ev is not None:
            c.cancel(self._ev)
        self._ev = c.schedule_in(self.timeout_ms * 1000, self._expire)

    def _expire(self):
        # trigger_panic = true: the chip resets with reset_cause WDT_RESET
        self._ev = None
        _state["reset_cause"] = WDT_RESET
        _record("wdt_reset")
        raise SimReset("WDT")


# ============================================================================
# ADC  (ports/esp32/machine_adc.c) ESP32-S3: ADC1 GPIO1-10, ADC2 GPIO11-20
# ============================================================================
_adc_uv = {}
_ADC_PINS = list(range(1, 21))
_ADC_FULLSCALE_MV = (950, 1250, 1750, 3100)  # approx. per attenuation (ESP-IDF docs)


def set_adc_uv(pin_id, uv):
    _adc_uv[pin_id] = int(uv)


class ADC:
    ATTN_0DB = 0
    ATTN_2_5DB = 1
    ATTN_6DB = 2
    ATTN_11DB = 3
    WIDTH_12BIT = 12

    def __init__(self, pin, atten=-1):
        pid = pin._id if isinstance(pin, Pin) else pin
        if pid not in _ADC_PINS:
            raise ValueError("invalid pin")
        self._pin = pid
        self._atten = 3 if atten == -1 else atten  # unset -> ADC_ATTEN_MAX
        self._bits = 12

    def atten(self, a):
        if a < 0 or a > 3:
            raise ValueError("invalid attenuation")
        self._atten = a

    def width(self, w):
        if w != 12:
            raise ValueError("invalid bit-width")

    def read_uv(self):
        uv = _adc_uv.get(self._pin, 0)
        fs = _ADC_FULLSCALE_MV[self._atten] * 1000
        return max(0, min(uv, fs))

    def read(self):
        fs = _ADC_FULLSCALE_MV[self._atten] * 1000
        return (self.read_uv() * 4095) // fs

    def read_u16(self):
        raw = self.read()
        bits = self._bits
        return (raw << (16 - bits)) | (raw >> (2 * bits - 16))


# ============================================================================
# PWM  (ports/esp32/machine_pwm.c) - values recorded only
# ============================================================================
class PWM:
    def __init__(self, pin, freq=-1, duty=-1, duty_u16=-1, duty_ns=-1, invert=False, lightsleep=False):
        self._pin = pin if isinstance(pin, Pin) else Pin(pin)
        self._active = True
        self._freq = 5000  # PWM_FREQ
        self._duty_u16 = 1 << 15  # PWM_DUTY
        self.init(freq, duty=duty, duty_u16=duty_u16, duty_ns=duty_ns, invert=invert)

    def init(self, freq=-1, duty=-1, duty_u16=-1, duty_ns=-1, invert=False, lightsleep=False):
        self._active = True
        if freq != -1:
            self.freq(freq)
        if duty_u16 != -1:
            self.duty_u16(duty_u16)
        elif duty != -1:
            self.duty(duty)
        elif duty_ns != -1:
            self.duty_ns(duty_ns)
        self._invert = invert
        _record("pwm", (self._pin._id, self._freq, self._duty_u16))

    def _check(self):
        if not self._active:
            raise RuntimeError("PWM is inactive")

    def freq(self, f=None):
        self._check()
        if f is None:
            return self._freq
        if f < 1 or f > 40000000:
            raise ValueError("frequency must be from 1Hz to 40MHz")
        self._freq = f

    def duty_u16(self, d=None):
        self._check()
        if d is None:
            return self._duty_u16
        if d < 0 or d > 65536:
            raise ValueError("duty_u16 must be from 0 to 65536")
        self._duty_u16 = d

    def duty(self, d=None):
        self._check()
        if d is None:
            return self._duty_u16 >> 6
        if d < 0 or d > 1023:
            raise ValueError("duty must be from 0 to 1023")
        self._duty_u16 = d << 6

    def duty_ns(self, ns=None):
        self._check()
        period_ns = 1000000000 // self._freq
        if ns is None:
            return (self._duty_u16 * period_ns) >> 16
        self._duty_u16 = min(65536, (ns << 16) // period_ns)

    def deinit(self):
        self._active = False


# ============================================================================
# module functions (ports/esp32/modmachine.c, extmod/modmachine.c)
# ============================================================================
def unique_id():
    return _state["unique_id"]  # esp_efuse_mac_get_default: 6 bytes


def set_unique_id(b):
    _state["unique_id"] = bytes(b)


def reset_cause():
    return _state["reset_cause"]


def set_reset_cause(cause):
    _state["reset_cause"] = cause


def wake_reason():
    return _state["wake_reason"]


def freq(*args):
    if not args:
        return _state["freq"]
    f = args[0] // 1000000
    if f not in (20, 40, 80, 160, 240):
        raise ValueError("frequency must be 20MHz, 40MHz, 80Mhz, 160MHz or 240MHz")
    _state["freq"] = f * 1000000


def idle():
    simclock.run_pending()


def lightsleep(*args):
    # machine_sleep_helper(MACHINE_WAKE_SLEEP): returns after the timer (or a
    # wake source); modelled as simulated time passing.
    ms = args[0] if args else None
    _record("lightsleep", ms)
    c = simclock._current
    if c is not None and ms is not None and ms > 0:
        c.advance_us(ms * 1000)
    _state["wake_reason"] = TIMER_WAKE if ms else 0


sleep = lightsleep


def deepsleep(*args):
    # mp_machine_deepsleep: esp_deep_sleep_start() then the chip resets;
    # reset_cause() after boot is DEEPSLEEP_RESET.
    ms = args[0] if args else None
    _record("deepsleep", ms)
    _state["reset_cause"] = DEEPSLEEP_RESET
    _state["wake_reason"] = TIMER_WAKE if ms else 0
    raise SimReset("DEEPSLEEP")


def reset():
    _record("reset")
    _state["reset_cause"] = HARD_RESET  # ESP_RST_SW -> MP_HARD_RESET
    raise SimReset("HARD")


def soft_reset():
    # extmod/modmachine.c maps soft_reset to sys.exit (mp_sys_exit_obj)
    _record("soft_reset")
    _state["reset_cause"] = SOFT_RESET
    raise SystemExit()


def bootloader(*args):
    _record("bootloader")
    raise SimReset("BOOTLOADER")


def disable_irq():
    s = _state["irq_state"]
    _state["irq_state"] = 0
    return s


def enable_irq(state=1):
    _state["irq_state"] = state


reset_model()
