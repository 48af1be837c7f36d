"""The IMU as tests meet it: the LSM6DSO register model (sim/models) under the real ``lsm6dsox``.

    chip = IMUChip()                      # model on a simulated I2C bus, at address 0x6A
    fifo = FifoIMU(chip.driver(), watermark, axes)
    chip.push(ax, ay, az, gx, gy, gz)     # one sample (mg, 0.1 dps, chip axes): two FIFO words
    chip.count                            # words waiting in the FIFO

Both runtimes. CPython: ``sim_hw`` and ``lsm6dso_model`` are loaded from
sim/models and ``lsm6dsox`` from the real micropython-lib
(``../shared/vendor/micropython-lib/lib`` or ``SOLEGUARD_MPLIB``); that driver
does ``from micropython import const``, so where no ``micropython`` module
exists a shim of that one MicroPython builtin is registered: ``const`` (the
identity, as the compiler's constant folding leaves the value) and nothing
else, so ``hasattr(micropython, "heap_lock")`` still tells the runtimes apart.
MicroPython (tools/mptest.py, ``deploy --test``): the three modules are on the
path of the device tree or the board.

Heap: the model is Python here and allocates per transfer; on a device the
bus is C. ``heap_lock()`` / ``heap_unlock()`` below lock the heap around the
code under test (MicroPython); the bus releases the lock for the model's own
work inside each transfer and counts the bytes it took in ``IMUChip.bus_alloc``,
so ``gc.mem_alloc()`` deltas minus ``bus_alloc`` are the caller's.
"""
import gc
import sys

_MP = sys.implementation.name == "micropython"
if _MP:
    import micropython
else:
    import importlib.util
    import os
    import types

    _ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    _LIB = os.environ.get("SOLEGUARD_MPLIB") or os.path.join(os.path.dirname(_ROOT), "shared", "vendor",
                                                            "micropython-lib", "lib")

    def _load(name, path):
        if name in sys.modules:
            return sys.modules[name]
        if not os.path.isfile(path):
            raise ImportError("%s not found at %s (the real micropython-lib: set SOLEGUARD_MPLIB)" % (name, path))
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        return mod

    if "micropython" not in sys.modules:
        sys.modules["micropython"] = types.SimpleNamespace(const=lambda x: x)  # the builtin's const only
    _load("sim_hw", os.path.join(_ROOT, "sim", "models", "sim_hw.py"))
    _load("lsm6dso_model", os.path.join(_ROOT, "sim", "models", "lsm6dso_model.py"))
    _load("lsm6dsox", os.path.join(_LIB, "lsm6dsox.py"))

import lsm6dso_model  # noqa: E402
import sim_hw  # noqa: E402
from lsm6dsox import LSM6DSOX  # noqa: E402  (micropython-lib, the real driver)

_locked = [0]


def heap_lock():
    """micropython.heap_lock() (MicroPython; nothing on CPython), known to the bus below."""
    if _MP:
        micropython.heap_lock()
        _locked[0] += 1


def heap_unlock():
    if _MP and _locked[0]:
        _locked[0] -= 1
        micropython.heap_unlock()


class _Bus(sim_hw.I2C):
    """sim_hw's machine.I2C stand-in over the model's bus; the model's heap is counted, not the caller's."""

    def __init__(self, bus, owner):
        sim_hw.I2C.__init__(self, bus=bus)
        self._owner = owner

    def _call(self, fn, a, b, c):
        held = _locked[0]
        if held:
            micropython.heap_unlock()
        m0 = gc.mem_alloc() if _MP else 0
        try:
            return fn(self, a, b, c)
        finally:
            if _MP:
                self._owner.bus_alloc += gc.mem_alloc() - m0
            if held:
                micropython.heap_lock()

    def readfrom_mem(self, addr, memaddr, nbytes, addrsize=8):
        return self._call(sim_hw.I2C.readfrom_mem, addr, memaddr, nbytes)

    def readfrom_mem_into(self, addr, memaddr, buf, addrsize=8):
        return self._call(sim_hw.I2C.readfrom_mem_into, addr, memaddr, buf)

    def writeto_mem(self, addr, memaddr, buf, addrsize=8):
        return self._call(sim_hw.I2C.writeto_mem, addr, memaddr, buf)


class IMUChip:
    """An LSM6DSO model at ``address`` on its own simulated bus and clock, fed one sample at a time."""

    def __init__(self, address=0x6A, who_am_i=lsm6dso_model.WHO_AM_I_VALUE):
        self.clock = sim_hw.SimClock()
        self.sim_bus = sim_hw.SimI2CBus(0)
        self.sim_bus.log_max = 0  # no transfer log: long feeds would keep it in the heap
        self.model = lsm6dso_model.LSM6DSO(self.sim_bus, clock=self.clock, address=address, who_am_i=who_am_i)
        self.address = address
        self.bus_alloc = 0
        self.bus = _Bus(self.sim_bus, self)

    def driver(self):
        """The real micropython-lib driver on this chip, as hardware.build makes it."""
        return LSM6DSOX(self.bus, address=self.address, accel_scale=16, gyro_scale=2000)

    def push(self, ax, ay, az, gx, gy, gz):
        """One sample (mg, 0.1 dps on the chip axes) at the next output-data-rate tick."""
        self.model.push((ax, ay, az), (100 * gx, 100 * gy, 100 * gz))
        self.model.tick()

    @property
    def count(self):
        return self.model.fifo_level()

    @property
    def regs(self):
        return self.model.regs

    @property
    def fail(self):
        return not self.model.present

    @fail.setter
    def fail(self, v):
        self.model.present = not v  # the chip stops answering: every transfer NACKs (OSError 19)


def locked_batch(chip, fn):
    """``fn()`` with the heap collected, then locked (MicroPython): (its result, bytes it allocated
    outside the chip model). CPython: (fn(), 0)."""
    if not _MP:
        return fn(), 0
    gc.collect()
    gc.disable()
    a = gc.mem_alloc()
    chip.bus_alloc = 0
    heap_lock()
    try:
        r = fn()
    finally:
        heap_unlock()
    used = gc.mem_alloc() - a - chip.bus_alloc
    gc.enable()
    return r, used
