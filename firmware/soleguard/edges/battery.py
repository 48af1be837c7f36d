"""Battery voltage through a resistor divider on an ADC, and state of charge.

    b = Battery(adc, num=2, den=1)    # divider ratio (R1 + R2) / R2 = num / den
    mv = b.read_mv()                   # battery mV
    pct = percent(mv)

ADC scale: ``read_uv()`` (calibrated µV, ESP32 port) when the ADC has it,
else ``read_u16()`` against ``vref_mv``. LOW_MV = 3500 mV: a 1-cell Li-ion /
LiPo under load has about 10 % left there (the curve below); the technical
alarm fires then [PNA: technical alarm, battery low].
"""
from ..core.compat import const

LOW_MV = const(3500)
# (mV, %) single-cell LiPo at light load, typical discharge curve (e.g. Adafruit
# / Grepow LiPo discharge data); interpolated linearly.
_CURVE = ((3300, 0), (3500, 10), (3600, 20), (3700, 40), (3800, 60), (3900, 75), (4000, 85), (4100, 93), (4200, 100))


class Battery:
    def __init__(self, adc, num=2, den=1, vref_mv=3300):
        self._adc = adc
        self._num = num
        self._den = den
        self._vref = vref_mv
        self._uv = hasattr(adc, "read_uv")

    def read_mv(self):
        """Battery voltage in mV."""
        if self._uv:
            pin_mv = self._adc.read_uv() // 1000
        else:
            pin_mv = self._adc.read_u16() * self._vref // 65535
        return pin_mv * self._num // self._den


def percent(mv):
    """State of charge 0..100 from the battery voltage (mV)."""
    if mv <= _CURVE[0][0]:
        return 0
    for i in range(1, len(_CURVE)):
        v1, p1 = _CURVE[i]
        if mv <= v1:
            v0, p0 = _CURVE[i - 1]
            return p0 + (mv - v0) * (p1 - p0) // (v1 - v0)
    return 100
