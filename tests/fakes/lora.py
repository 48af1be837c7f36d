"""Fake micropython-lib ``lora`` AsyncModem (lora + lora-sx126x + lora-async 0.1), on a shared fake air.

Follows the documented API (micropython-lib micropython/lora/README.md):
``configure(lora_cfg)`` (keys freq_khz, sf, bw, coding_rate, preamble_len,
output_power, crc_en; missing keys keep their value; raises RuntimeError
while receiving, as sx126x.py does), ``await send(packet, tx_at_ms=None)``
-> ticks_ms when done, ``await recv(timeout_ms=None, rx_length=0xFF,
rx_packet=None)`` -> ``RxPacket`` or None on timeout, ``standby()``,
``sleep()``, ``get_time_on_air_us(payload_len)``. ``RxPacket`` is a bytearray
with ``ticks_ms``, ``snr`` (dB x 4), ``rssi`` (dBm), ``crc_error``.

``Air``: every modem on one Air hears every packet sent by another on the
frequency it is configured for at the time of sending (nothing is lost);
``drop`` > 0 drops that many next packets (link loss in tests). ``AIR`` is
the air of modems built without one (``lora_radio.make_modem`` on the sim board).
"""
import asyncio

_MODEM_KEYS = ("freq_khz", "sf", "bw", "coding_rate", "preamble_len", "output_power", "crc_en",
               "implicit_header", "syncword", "invert_iq_rx", "invert_iq_tx", "rx_boost", "pa_ramp_us")


def _sleep_ms(ms):
    f = getattr(asyncio, "sleep_ms", None)
    return f(ms) if f is not None else asyncio.sleep(ms / 1000)


class RxPacket(bytearray):
    def __init__(self, payload, ticks_ms=None, snr=None, rssi=None, valid_crc=True):
        super().__init__(payload)
        self.ticks_ms = ticks_ms
        self.snr = snr
        self.rssi = rssi
        self.crc_error = not valid_crc


class Air:
    def __init__(self):
        self.modems = []
        self.log = []  # (sender modem, freq_khz, preamble_len, bytes)
        self.drop = 0


AIR = Air()


class AsyncModem:
    def __init__(self, air, lora_cfg=None):
        self.air = air
        air.modems.append(self)
        self.cfg = {"freq_khz": None, "sf": 7, "bw": "125", "coding_rate": 5, "preamble_len": 12}
        self.inbox = []  # (freq_khz, bytes)
        self._rx = False
        self.state = "standby"
        self.sent = 0
        self.rx_ms = 0  # time spent receiving (power accounting)
        if lora_cfg:
            self.configure(lora_cfg)

    def configure(self, lora_cfg):
        if self._rx:
            raise RuntimeError("Receiving")
        for k in lora_cfg:
            if k not in _MODEM_KEYS:
                raise ValueError("unknown lora_cfg key %s" % k)
            self.cfg[k] = lora_cfg[k]

    def get_time_on_air_us(self, payload_len):
        from soleguard.core.airtime import time_on_air_us

        return time_on_air_us(payload_len, self.cfg["sf"], int(float(self.cfg["bw"]) * 1000),
                              self.cfg["coding_rate"], self.cfg["preamble_len"])

    async def send(self, packet, tx_at_ms=None):
        if self.cfg["freq_khz"] is None:
            raise ValueError("freq_khz not configured")
        self.state = "tx"
        data = bytes(packet)
        self.air.log.append((self, self.cfg["freq_khz"], self.cfg["preamble_len"], data))
        if self.air.drop > 0:
            self.air.drop -= 1
        else:
            for m in self.air.modems:
                if m is not self:
                    m.inbox.append((self.cfg["freq_khz"], data))
        self.sent += 1
        await _sleep_ms(0)
        self.state = "standby"
        return 0

    async def recv(self, timeout_ms=None, rx_length=0xFF, rx_packet=None):
        self._rx = True
        self.state = "rx"
        waited = 0
        try:
            while True:
                for i in range(len(self.inbox)):
                    if self.inbox[i][0] == self.cfg["freq_khz"]:
                        data = self.inbox.pop(i)[1]
                        return RxPacket(data, 0, 40, -80)
                if timeout_ms is not None and waited >= timeout_ms:
                    return None
                await _sleep_ms(1)
                waited += 1
                self.rx_ms += 1
        finally:
            self._rx = False
            self.state = "standby"

    def standby(self):
        self.state = "standby"

    def sleep(self, warm_start=True):
        self.state = "sleep"


class AsyncSX1262(AsyncModem):
    """Constructor as lora-sx126x: (spi, cs, busy, dio1=None, dio2_rf_sw=True, ..., lora_cfg=None)."""

    def __init__(self, spi, cs, busy, dio1=None, dio2_rf_sw=True, dio3_tcxo_millivolts=None,
                 dio3_tcxo_start_time_us=1000, reset=None, lora_cfg=None, ant_sw=None, air=None):
        AsyncModem.__init__(self, air or AIR, lora_cfg)
        self.commands = []

    def _cmd(self, fmt, *args, n_read=0):
        self.commands.append(args)
