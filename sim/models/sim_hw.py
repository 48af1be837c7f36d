# sim_hw.py -- simulated clock, I2C bus and GPIO pins with MicroPython
# (ESP32 port) semantics.  Runs on CPython 3.11 and MicroPython.
#
# Sources (MicroPython master, fetched 2026-08, commit 1c3c201149):
#   extmod/machine_i2c.c   -- readfrom_mem/writeto_mem/readfrom_into/writeto/
#                             scan; every negative transfer() result becomes
#                             mp_raise_OSError(-ret).
#   ports/esp32/machine_i2c.c -- machine_hw_i2c_transfer(): ESP_FAIL /
#                             ESP_ERR_INVALID_STATE -> -MP_ENODEV,
#                             ESP_ERR_TIMEOUT -> -MP_ETIMEDOUT.
#   ports/esp32/mpconfigport.h -- MICROPY_USE_INTERNAL_ERRNO (0): errno values
#                             come from newlib, so ETIMEDOUT is 116 (Linux:110).
#   ports/esp32/machine_pin.c -- irq(handler=None, trigger=IRQ_FALLING|
#                             IRQ_RISING, wake=None); the ISR does
#                             mp_sched_schedule(handler, pin): edge-triggered
#                             GPIO interrupt, handler runs later with the Pin
#                             object as its argument.

import sys

IS_MP = sys.implementation.name == "micropython"

# errno values as seen on the ESP32 port (newlib sys/errno.h).
ENODEV = 19
ETIMEDOUT = 116  # ESP32/newlib; the unix port's errno.ETIMEDOUT is 110!
EINVAL = 22


# ---------------------------------------------------------------------------
# Buffer helpers (write raw bytes into any writable buffer object, including
# memoryview(array('h')) which the lsm6dsox driver passes to
# readfrom_mem_into).
# ---------------------------------------------------------------------------


def buf_nbytes(buf):
    if IS_MP:
        return len(bytes(buf))
    return memoryview(buf).nbytes


def write_into(buf, data):
    if isinstance(buf, (bytes, str)):
        # mp_get_buffer_raise(..., MP_BUFFER_WRITE) fails on bytes
        raise TypeError("object with buffer protocol required")
    n = len(data)
    if isinstance(buf, bytearray):
        buf[0:n] = data
        return
    if IS_MP:
        import uctypes

        view = uctypes.bytearray_at(uctypes.addressof(buf), buf_nbytes(buf))
        view[0:n] = data
    else:
        m = memoryview(buf).cast("B")
        m[0:n] = bytes(data)


# ---------------------------------------------------------------------------
# Simulated clock
# ---------------------------------------------------------------------------


class SimClock:
    """Injected simulated time (integer microseconds).

    Devices register with add_listener(dev); a listener provides
    next_event_us() -> int or None and on_time(t_us).  advance_*() steps
    through listener events in time order so several devices interleave
    correctly.  Nothing here touches the real time module."""

    def __init__(self, t_us=0):
        self.t_us = t_us
        self._listeners = []

    def now_us(self):
        return self.t_us

    def now_ms(self):
        return self.t_us // 1000

    def add_listener(self, dev):
        if dev not in self._listeners:
            self._listeners.append(dev)

    def remove_listener(self, dev):
        if dev in self._listeners:
            self._listeners.remove(dev)

    def advance_us(self, us):
        target = self.t_us + int(us)
        while True:
            best = None
            best_t = None
            for d in self._listeners:
                t = d.next_event_us()
                if t is not None and t <= target and (best_t is None or t < best_t):
                    best = d
                    best_t = t
            if best is None:
                break
            if best_t > self.t_us:
                self.t_us = best_t
            best.on_time(self.t_us)
        self.t_us = target

    def advance_ms(self, ms):
        self.advance_us(int(ms * 1000))

    def advance_s(self, s):
        self.advance_us(int(s * 1000000))


# ---------------------------------------------------------------------------
# Scheduler model (mp_sched_schedule)
# ---------------------------------------------------------------------------


class _Sched:
    """Pin IRQ handlers on the ESP32 are *scheduled*, not called in the ISR.

    mode "sync" (default): the handler is called immediately, inside the
    call that caused the edge (simplest for tests).
    mode "deferred": calls are queued (depth 8, like
    MICROPY_SCHEDULER_DEPTH on ESP32; overflow is dropped and counted) and
    run by run_scheduled()."""

    def __init__(self):
        self.mode = "sync"
        self.depth = 8
        self.queue = []
        self.dropped = 0

    def schedule(self, fn, arg):
        if self.mode == "sync":
            fn(arg)
            return True
        if len(self.queue) >= self.depth:
            self.dropped += 1
            return False
        self.queue.append((fn, arg))
        return True

    def run(self):
        n = 0
        while self.queue:
            fn, arg = self.queue.pop(0)
            fn(arg)
            n += 1
        return n


SCHED = _Sched()


def run_scheduled():
    return SCHED.run()


# ---------------------------------------------------------------------------
# GPIO
# ---------------------------------------------------------------------------


class _PinIRQ:
    def __init__(self, pin):
        self._pin = pin

    def trigger(self, t=None):
        old = self._pin._trigger
        if t is not None:
            self._pin._trigger = t
        return old

    def __call__(self):
        # machine_pin_irq_call: run the ISR by hand (schedules handler)
        self._pin._fire()


class Pin:
    """machine.Pin model (ESP32 constants).  Pin(n) is a per-number
    singleton like the ESP32's static machine_pin_obj table.

    Sim-side API:
      pin.sim_drive(level)  -- an external chip drives the line (0/1);
                               None releases it (pull resistor decides)
      pin.sim_irq_count     -- number of handler invocations scheduled
    """

    IN = 1  # GPIO_MODE_INPUT
    OUT = 3  # GPIO_MODE_INPUT_OUTPUT
    OPEN_DRAIN = 7  # GPIO_MODE_INPUT_OUTPUT_OD
    PULL_DOWN = 1
    PULL_UP = 2
    IRQ_RISING = 1  # GPIO_INTR_POSEDGE
    IRQ_FALLING = 2  # GPIO_INTR_NEGEDGE
    WAKE_LOW = 4  # GPIO_INTR_LOW_LEVEL
    WAKE_HIGH = 5  # GPIO_INTR_HIGH_LEVEL
    DRIVE_0 = 0
    DRIVE_1 = 1
    DRIVE_2 = 2
    DRIVE_3 = 3

    _registry = {}

    def __new__(cls, id, *args, **kwargs):
        p = Pin._registry.get(id)
        if p is None:
            p = object.__new__(cls)
            p._id = id
            p._mode = None
            p._pull = None
            p._out = 0
            p._ext = None
            p._handler = None
            p._trigger = 0
            p._level = 0
            p.sim_irq_count = 0
            p._irq_obj = _PinIRQ(p)
            Pin._registry[id] = p
        return p

    def __init__(self, id, mode=None, pull=-1, value=None, drive=None, hold=None):
        self.init(mode, pull, value=value)

    def init(self, mode=None, pull=-1, value=None, drive=None, hold=None):
        if mode is not None:
            self._mode = mode
        if pull != -1:
            self._pull = pull
        if value is not None:
            self._out = 1 if value else 0
        self._update()

    def __repr__(self):
        return "Pin(%d)" % self._id

    # --- level resolution ------------------------------------------------
    def _resolve(self):
        if self._mode in (Pin.OUT,):
            return self._out
        if self._mode == Pin.OPEN_DRAIN and self._out == 0:
            return 0
        if self._ext is not None:
            return self._ext
        if self._pull == Pin.PULL_UP:
            return 1
        return 0

    def _update(self):
        new = self._resolve()
        old = self._level
        self._level = new
        if new == old:
            return
        t = self._trigger
        if self._handler is None or not t:
            return
        if t == Pin.WAKE_HIGH:
            if new == 1:
                self._fire()
        elif t == Pin.WAKE_LOW:
            if new == 0:
                self._fire()
        else:
            if new == 1 and (t & Pin.IRQ_RISING):
                self._fire()
            elif new == 0 and (t & Pin.IRQ_FALLING):
                self._fire()

    def _fire(self):
        if self._handler is None:
            return
        self.sim_irq_count += 1
        SCHED.schedule(self._handler, self)

    # --- MicroPython API ---------------------------------------------------
    def value(self, v=None):
        if v is None:
            return self._level
        self._out = 1 if v else 0
        self._update()
        return None

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=3, wake=None):
        # Mirrors machine_pin_irq(): handler=None disables (trigger 0).
        # Attaching does NOT look at the current level for edge triggers:
        # a line that is already high never produces a rising edge.
        if handler is None:
            self._handler = None
            self._trigger = 0
        else:
            self._handler = handler
            self._trigger = trigger
            # GPIO_INTR_HIGH/LOW_LEVEL: the real ESP32 fires continuously
            # while the level persists (interrupt storm).  Modelled as one
            # immediate fire if the level already matches.
            if trigger == Pin.WAKE_HIGH and self._level == 1:
                self._fire()
            elif trigger == Pin.WAKE_LOW and self._level == 0:
                self._fire()
        return self._irq_obj

    # --- sim side ----------------------------------------------------------
    def sim_drive(self, level):
        self._ext = None if level is None else (1 if level else 0)
        self._update()

    @staticmethod
    def sim_reset_all():
        Pin._registry.clear()


# ---------------------------------------------------------------------------
# I2C
# ---------------------------------------------------------------------------


class I2CDevice:
    """Base class for simulated I2C targets.

    Subclasses implement i2c_write(data: bytes) and i2c_read(n) -> bytes.
    Raising I2CNack from either means the target NACKed (-> ENODEV)."""

    def i2c_write(self, data):
        raise NotImplementedError

    def i2c_read(self, n):
        raise NotImplementedError


class I2CNack(Exception):
    pass


class SimI2CBus:
    """The wires.  Devices attach by 7-bit address.

    Fault injection:
      bus.stuck = True           every transfer -> OSError(116) (SDA/SCL held
                                 low: ESP_ERR_TIMEOUT -> -MP_ETIMEDOUT)
      bus.inject(kind, count=1, addr=None)
                                 kind "nack" -> OSError(19), "timeout" ->
                                 OSError(116), for the next `count` transfers
                                 (optionally only those to `addr`)
      device.present = False     address NACK -> OSError(19)
    bus.log records (op, addr, data) tuples (bounded, newest last)."""

    def __init__(self, id=0):
        self.id = id
        self.devices = {}
        self.stuck = False
        self._faults = []
        self.log = []
        self.log_max = 2000
        self.transfers = 0

    def attach(self, addr, dev):
        self.devices[addr] = dev

    def detach(self, addr):
        if addr in self.devices:
            del self.devices[addr]

    def inject(self, kind, count=1, addr=None):
        if kind not in ("nack", "timeout"):
            raise ValueError("kind must be 'nack' or 'timeout'")
        self._faults.append([kind, count, addr])

    def _log(self, op, addr, data):
        self.log.append((op, addr, data))
        if len(self.log) > self.log_max:
            self.log.pop(0)

    def _check(self, addr):
        self.transfers += 1
        if self.stuck:
            raise OSError(ETIMEDOUT)
        for f in self._faults:
            if f[2] is None or f[2] == addr:
                f[1] -= 1
                if f[1] <= 0:
                    self._faults.remove(f)
                raise OSError(ENODEV if f[0] == "nack" else ETIMEDOUT)
        dev = self.devices.get(addr)
        if dev is None or not getattr(dev, "present", True):
            raise OSError(ENODEV)
        return dev

    def write(self, addr, data):
        dev = self._check(addr)
        data = bytes(data)
        self._log("w", addr, data)
        try:
            dev.i2c_write(data)
        except I2CNack:
            raise OSError(ENODEV)
        return len(data)

    def read(self, addr, n):
        dev = self._check(addr)
        try:
            out = bytes(dev.i2c_read(n))
        except I2CNack:
            raise OSError(ENODEV)
        self._log("r", addr, out)
        return out

    def write_read(self, addr, wdata, n):
        # write + repeated start + read (MP_MACHINE_I2C_FLAG_WRITE1)
        dev = self._check(addr)
        wdata = bytes(wdata)
        self._log("w", addr, wdata)
        try:
            dev.i2c_write(wdata)
            out = bytes(dev.i2c_read(n))
        except I2CNack:
            raise OSError(ENODEV)
        self._log("r", addr, out)
        return out


_buses = {}


def i2c_bus(id=0):
    """Return (creating if needed) the simulated bus behind machine.I2C(id)."""
    b = _buses.get(id)
    if b is None:
        b = SimI2CBus(id)
        _buses[id] = b
    return b


def reset_buses():
    _buses.clear()


def _memaddr_bytes(memaddr, addrsize):
    if (addrsize & 7) != 0 or addrsize > 32:
        raise ValueError("invalid addrsize")
    out = bytearray()
    i = addrsize - 8
    while i >= 0:
        out.append((memaddr >> i) & 0xFF)
        i -= 8
    return bytes(out)


class I2C:
    """machine.I2C (hardware I2C on ESP32) backed by a SimI2CBus.

    I2C(id, *, scl, sda, freq=400000, timeout=50000) -- id selects the
    simulated bus i2c_bus(id); a SimI2CBus may also be passed directly as
    `bus=` for tests."""

    def __init__(self, id=0, *, scl=None, sda=None, freq=400000, timeout=50000, bus=None):
        if bus is None:
            if not (0 <= id <= 1):
                raise ValueError("I2C(%d) doesn't exist" % id)
            bus = i2c_bus(id)
        self._bus = bus
        self.freq = freq
        self.timeout_us = timeout

    def __repr__(self):
        return "I2C(%d, freq=%d, timeout=%d)" % (self._bus.id, self.freq, self.timeout_us)

    def init(self, *args, **kwargs):
        pass

    def scan(self):
        found = []
        for a in range(0x08, 0x78):
            try:
                self._bus.write(a, b"")
                found.append(a)
            except OSError:
                pass
        return found

    def readfrom(self, addr, nbytes, stop=True):
        return self._bus.read(addr, nbytes)

    def readfrom_into(self, addr, buf, stop=True):
        n = buf_nbytes(buf)
        data = self._bus.read(addr, n)
        write_into(buf, data)

    def writeto(self, addr, buf, stop=True):
        return self._bus.write(addr, bytes(buf))

    def writevto(self, addr, vector, stop=True):
        data = b"".join([bytes(v) for v in vector])
        return self._bus.write(addr, data)

    def readfrom_mem(self, addr, memaddr, nbytes, *, addrsize=8):
        return self._bus.write_read(addr, _memaddr_bytes(memaddr, addrsize), nbytes)

    def readfrom_mem_into(self, addr, memaddr, buf, *, addrsize=8):
        n = buf_nbytes(buf)
        data = self._bus.write_read(addr, _memaddr_bytes(memaddr, addrsize), n)
        write_into(buf, data)

    def writeto_mem(self, addr, memaddr, buf, *, addrsize=8):
        self._bus.write(addr, _memaddr_bytes(memaddr, addrsize) + bytes(buf))


class SoftI2C(I2C):
    def __init__(self, scl=None, sda=None, *, freq=400000, timeout=50000, bus=None):
        I2C.__init__(self, 0, scl=scl, sda=sda, freq=freq, timeout=timeout, bus=bus)
