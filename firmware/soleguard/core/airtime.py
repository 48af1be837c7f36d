"""LoRa time on air and the EU868 duty-cycle accountant.

time_on_air_us(): the Semtech formula, integer arithmetic:
  SX1276/77/78/79 datasheet rev. 7, section 4.1.1.7 "Time on air", and
  SX1261/2 datasheet rev. 2.1, section 6.1.4 "LoRa Time-on-Air":
    Tsym     = 2**SF / BW
    Npayload = 8 + max(ceil((8 PL - 4 SF + 28 + 16 CRC - 20 IH) / (4 (SF - 2 DE))) (CR + 4), 0)
    ToA      = (Npreamble + 4.25 + Npayload) Tsym
  with PL payload bytes, CRC 1 when the payload CRC is on, IH 1 for implicit
  header, DE 1 with low data rate optimisation, CR 1..4 for 4/5..4/8 (here
  ``cr`` is the denominator 5..8, as in micropython-lib ``lora`` lora_cfg
  "coding_rate"). Low data rate optimisation defaults to on when a symbol
  lasts 16 ms or more (Semtech's recommendation; also what ``lora`` does).
  SF 7..12 only: SF5/6 differ between SX126x and SX127x and EU868 does not use them.
  Checked in the tests against values of Semtech's "SX1261 LoRa Calculator".
  Unlike ``lora`` modem.py, which floors the symbol time to whole us before
  multiplying, this rounds the exact product once; the two agree to the us at
  125/250/500 kHz.

DutyCycle: EU868 sub-bands and their duty-cycle limits, from ERC
  Recommendation 70-03 Annex 1 (non-specific SRDs) and ETSI EN 300 220-2,
  as transposed in Commission Implementing Decision (EU) 2017/1483:
    g1 868.000-868.600 MHz  25 mW   1 %    (LoRaWAN 868.1/868.3/868.5: insole uplink)
    g2 868.700-869.200 MHz  25 mW   0.1 %
    g3 869.400-869.650 MHz 500 mW  10 %    (LoRaWAN RX2 869.525: gateway downlink)
    g4 869.700-870.000 MHz  25 mW   1 %
  ERC 70-03 Annex 7 (alarms) adds 869.650-869.700 MHz, 25 mW, 10 %, for alarm
  systems: "alarm" below. Duty cycle is transmit time per hour (EN 300 220
  "observation period" 1 h), so each band keeps its airtime in one-minute
  buckets over the last hour (61 buckets: a frame counts for 60 to 61 minutes,
  never less than the norm's hour).
"""
from array import array

from .compat import const

PRIO_ALARM = const(0)  # alarms, alarm-related and evacuation frames
PRIO_ROUTINE = const(1)  # heartbeats: only within the routine share of the budget

_HOUR_MS = const(3600000)

# (name, low kHz, high kHz, duty cycle in 1/10000)
SUB_BANDS = (
    ("g1", 868000, 868600, 100),
    ("g2", 868700, 869200, 10),
    ("g3", 869400, 869650, 1000),
    ("alarm", 869650, 869700, 1000),
    ("g4", 869700, 870000, 100),
)


def symbols_x4(payload_len, sf, bw_hz=125000, cr=5, preamble=8, explicit_header=True, crc=True, ldro=None):
    """Symbols on air of one LoRa packet, times 4 (the 4.25 makes it a quarter-integer).

    payload_len 0..255 bytes, sf 7..12, bw_hz > 0, cr 5..8 (4/5..4/8),
    preamble 6..65535 symbols, ldro None = automatic (symbol >= 16 ms).
    Raises ValueError outside these ranges.
    """
    if sf < 7 or sf > 12 or cr < 5 or cr > 8 or payload_len < 0 or payload_len > 255:
        raise ValueError("airtime: sf 7..12, cr 5..8, payload 0..255")
    if bw_hz <= 0 or preamble < 6 or preamble > 65535:
        raise ValueError("airtime: bw > 0, preamble 6..65535")
    if ldro is None:
        ldro = (1000000 << sf) >= 16000 * bw_hz
    bits = 8 * payload_len - 4 * sf + 28 + (16 if crc else 0) - (0 if explicit_header else 20)
    if bits < 0:
        bits = 0
    per = 4 * (sf - 2 if ldro else sf)
    n_payload = 8 + ((bits + per - 1) // per) * cr
    return 4 * (preamble + n_payload) + 17


def time_on_air_us(payload_len, sf, bw_hz=125000, cr=5, preamble=8, explicit_header=True, crc=True, ldro=None):
    """Time on air of one LoRa packet in microseconds (rounded); arguments as ``symbols_x4``."""
    n4 = symbols_x4(payload_len, sf, bw_hz, cr, preamble, explicit_header, crc, ldro)
    den = 4 * bw_hz
    return (n4 * (1000000 << sf) + den // 2) // den


def sub_band(freq_khz):
    """Index into SUB_BANDS of the band holding ``freq_khz``, or -1 (no band: do not transmit)."""
    for i in range(len(SUB_BANDS)):
        b = SUB_BANDS[i]
        if b[1] <= freq_khz < b[2]:
            return i
    return -1


class DutyCycle:
    """Airtime per sub-band over a sliding hour, with priority admission.

    ``budget_ms(band)`` = duty cycle x 1 h. ``admit(band, airtime_ms, now_ms,
    prio)`` says whether a frame may go now: alarms (PRIO_ALARM) while the
    hour's airtime stays within the budget, heartbeats (PRIO_ROUTINE) only
    within ``routine_pct`` % of it, so that when the budget is tight the rest
    is kept for alarms. ``record`` books a transmission; ``wait_ms`` is how
    long until ``admit`` would say yes (-1: never, the frame exceeds the share).
    Times are ms from any monotonic origin >= 0 (the app's clock, or the
    simulator's). Memory: 2 x 61 x 4 bytes per band.
    """

    def __init__(self, routine_pct=50, bucket_ms=60000, buckets=61):
        self.routine_pct = routine_pct
        self._bucket_ms = bucket_ms
        self._n = buckets
        nb = len(SUB_BANDS)
        self._ms = array("I", bytes(4 * nb * buckets))  # airtime per bucket
        self._epoch = array("i", bytes(4 * nb * buckets))  # bucket's epoch + 1 (0: empty)
        self.total_ms = array("I", bytes(4 * nb))  # airtime booked ever, per band

    def budget_ms(self, band):
        return _HOUR_MS * SUB_BANDS[band][3] // 10000

    def _limit(self, band, prio):
        b = self.budget_ms(band)
        return b if prio == PRIO_ALARM else b * self.routine_pct // 100

    def used_ms(self, band, now_ms):
        """Airtime booked in ``band`` over the last 60..61 minutes."""
        e = now_ms // self._bucket_ms
        base = band * self._n
        used = 0
        for i in range(base, base + self._n):
            if self._epoch[i] and e - (self._epoch[i] - 1) < self._n:
                used += self._ms[i]
        return used

    def admit(self, band, airtime_ms, now_ms, prio=PRIO_ALARM):
        return self.used_ms(band, now_ms) + airtime_ms <= self._limit(band, prio)

    def record(self, band, airtime_ms, now_ms):
        e = now_ms // self._bucket_ms
        i = band * self._n + e % self._n
        if self._epoch[i] != e + 1:
            self._epoch[i] = e + 1
            self._ms[i] = 0
        self._ms[i] += airtime_ms
        self.total_ms[band] += airtime_ms

    def wait_ms(self, band, airtime_ms, now_ms, prio=PRIO_ALARM):
        """ms until ``admit`` is true for this frame (0: now; -1: never)."""
        limit = self._limit(band, prio)
        if airtime_ms > limit:
            return -1
        excess = self.used_ms(band, now_ms) + airtime_ms - limit
        if excess <= 0:
            return 0
        e = now_ms // self._bucket_ms
        base = band * self._n
        # buckets expire oldest first: bucket of epoch k leaves at (k + n) * bucket_ms
        for age in range(self._n - 1, -1, -1):
            k = e - age
            i = base + k % self._n
            if self._epoch[i] == k + 1 and k >= 0:
                excess -= self._ms[i]
                if excess <= 0:
                    return (k + self._n) * self._bucket_ms - now_ms
        return -1  # not reached: the limit covers the frame
