# helpers.py -- shared test helpers (CPython + MicroPython)
import sys

IS_MP = sys.implementation.name == "micropython"

import sim_hw  # noqa: E402
from lsm6dso_model import LSM6DSO  # noqa: E402


def fresh_imu(address=0x6A, **kw):
    """New clock, bus 0, pins and an LSM6DSO at `address`.
    Returns (clk, bus, imu, i2c)."""
    sim_hw.reset_buses()
    sim_hw.Pin.sim_reset_all()
    sim_hw.SCHED.mode = "sync"
    sim_hw.SCHED.queue = []
    clk = sim_hw.SimClock()
    bus = sim_hw.i2c_bus(0)
    imu = LSM6DSO(bus, clock=clk, address=address, **kw)
    i2c = sim_hw.I2C(0, scl=sim_hw.Pin(9), sda=sim_hw.Pin(8), freq=400000)
    return clk, bus, imu, i2c


def approx(a, b, tol):
    return abs(a - b) <= tol


def raises(exc_type, fn, *args, **kwargs):
    """Call fn and return the exception it raised (assert it was exc_type)."""
    try:
        fn(*args, **kwargs)
    except exc_type as e:
        return e
    raise AssertionError("%s not raised" % exc_type.__name__)


def errno_of(e):
    return e.args[0] if e.args else None


def s16(lo, hi):
    v = lo | (hi << 8)
    return v - 0x10000 if v & 0x8000 else v


def run_async(coro):
    import asyncio

    if IS_MP:
        asyncio.new_event_loop()
    return asyncio.run(coro)


def ble_reset():
    """Bring bluetooth + aioble back to a clean state between tests."""
    import bluetooth

    if "aioble" in sys.modules:
        import aioble
        from aioble.device import DeviceConnection

        try:
            aioble.stop()
        except Exception:
            pass
        DeviceConnection._connected.clear()
    bluetooth.sim_reset(keep_irq=True)
    if not IS_MP:
        import mpcompat

        mpcompat.run_scheduled()
    else:
        import time

        time.sleep_ms(1)  # let micropython.schedule()d callbacks run
