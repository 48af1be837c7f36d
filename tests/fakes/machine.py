"""Fake ``machine`` for the unix port (earlier on MICROPYPATH than the built-in).

Pin, I2C, ADC, PWM, WDT, Timer, unique_id, lightsleep with the device API subset the
app uses. Simulated hardware is reached through module registries the
simulator fills: ``I2C_BUSES[id]`` (a fakes.chips.FakeI2C), ``ADC_VALUES[pin]``
(raw 0..65535 that ``ADC(Pin(pin)).read_u16()`` returns). ``WDT.fed`` counts
feeds; ``PWM`` keeps its duty for reading back.
"""
from array import array

I2C_BUSES = {}
ADC_VALUES = array("H", bytes(2 * 64))


class Pin:
    IN = 0
    OUT = 1
    IRQ_RISING = 1
    IRQ_FALLING = 2

    def __init__(self, id, mode=-1, pull=None, value=None):
        self.id = id
        self._v = value or 0
        self.handler = None

    def value(self, v=None):
        if v is None:
            return self._v
        self._v = v

    def __call__(self, v=None):
        return self.value(v)

    def irq(self, handler=None, trigger=1):
        self.handler = handler


class I2C:
    def __new__(cls, id, scl=None, sda=None, freq=400000):
        if id not in I2C_BUSES:
            raise OSError(19)
        return I2C_BUSES[id]


class ADC:
    ATTN_0DB = 0
    ATTN_11DB = 3

    def __init__(self, pin, atten=None):
        self.pin = pin.id if isinstance(pin, Pin) else pin

    def read_u16(self):
        return ADC_VALUES[self.pin]


class PWM:
    def __init__(self, pin, freq=1000, duty_u16=0):
        self.pin = pin
        self.freq = freq
        self._duty = duty_u16

    def duty_u16(self, v=None):
        if v is None:
            return self._duty
        self._duty = v

    def deinit(self):
        self._duty = 0


class WDT:
    def __init__(self, id=0, timeout=5000):
        self.timeout = timeout
        self.fed = 0

    def feed(self):
        self.fed += 1


class Timer:
    PERIODIC = 1
    ONE_SHOT = 0

    def __init__(self, id=-1):
        self.callback = None

    def init(self, mode=None, freq=None, period=None, callback=None):
        self.callback = callback

    def deinit(self):
        self.callback = None


UNIQUE_ID = b"\x24\x0a\xc4\x00\x00\x01"  # tests may replace it (one per simulated insole)


def unique_id():
    return UNIQUE_ID


def lightsleep(ms=None):
    pass


def reset_cause():
    return 1
