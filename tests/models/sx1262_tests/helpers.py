# Shared test helpers: build a simulated world and real lora modems on it.
import sys

IS_MP = sys.implementation.name == "micropython"

from vendor import LIB as LORA_LIB  # noqa: E402  (the real micropython-lib; see tests/models/vendor.py)

import simenv  # noqa: E402  (patches CPython time/asyncio, provides micropython)
import machine  # noqa: E402
from sx1262_model import SX1262 as ChipModel, Air  # noqa: E402


def _import_lora():
    if not IS_MP and "lora" not in sys.modules:
        # CPython only: lora/__init__.py decides which optional sub-packages
        # are missing by matching "no module named" (MicroPython's lower-case
        # message); CPython says "No module named" so the package __init__
        # re-raises.  Register the package without running __init__.
        import types

        pkg = types.ModuleType("lora")
        pkg.__path__ = [LORA_LIB + "/lora"]
        sys.modules["lora"] = pkg
    import lora.sx126x as sx

    return sx


sx126x = _import_lora()
AsyncSX1262 = sx126x.AsyncSX1262

CFG = {"freq_khz": 868100, "sf": 7, "bw": "125", "coding_rate": 5, "preamble_len": 8, "output_power": 14}

# GPIO numbers (valid on ESP32-S3) for up to three modems
PINS = {
    "A": {"spi": 1, "nss": 10, "busy": 11, "dio1": 12, "reset": 13, "rxen": 14},
    "B": {"spi": 2, "nss": 15, "busy": 16, "dio1": 17, "reset": 18, "rxen": 21},
    "C": {"spi": 1, "nss": 33, "busy": 34, "dio1": 35, "reset": 36, "rxen": 37},
}


def world(seed=1, **air_kw):
    machine.reset_model()
    clock = simenv.install()
    air = Air(clock, seed=seed, **air_kw)
    return clock, air


def chip(clock, air, name="A", **kw):
    c = ChipModel(clock, air=air, name=name, **kw)
    p = PINS[name]
    c.connect_machine(p["spi"], nss=p["nss"], busy=p["busy"], dio1=p["dio1"], reset=p["reset"], rxen=p["rxen"])
    return c


def modem(name="A", cfg=None, use_dio1=True, use_reset=False, **kw):
    p = PINS[name]
    spi = machine.SPI(p["spi"], baudrate=8000000, polarity=0, phase=0)
    return AsyncSX1262(
        spi,
        machine.Pin(p["nss"], machine.Pin.OUT, value=1),
        machine.Pin(p["busy"], machine.Pin.IN),
        dio1=machine.Pin(p["dio1"], machine.Pin.IN) if use_dio1 else None,
        reset=machine.Pin(p["reset"]) if use_reset else None,
        lora_cfg=CFG if cfg is None else cfg,
        **kw
    )


def raises(exc_type, fn, *args, **kw):
    """Return the exception raised by fn (assert it is exc_type)."""
    try:
        fn(*args, **kw)
    except exc_type as e:
        return e
    raise AssertionError("%s not raised" % exc_type.__name__)
