"""Power: sleep when the insole is not worn, and the battery budget from the duty cycle.

``IdlePolicy`` decides, once a second, whether to sleep: the wearer is still,
the sole lies flat (tilt below the upright angle), no zone is loaded (the
insole is not worn; without zones, stillness and flatness alone) and no
pre-alarm or alarm is in progress, for IDLE_SLEEP_S. Never while tilted: a
worker lying still must stay watched for man-down. Sleeping = the IMU's
wake-up interrupt (motion > 250 mg) as the only wake source; the app restarts
the FIFO and carries on (commercial safety insoles start when the wearer
walks).

``budget_hours`` estimates battery life from the measured duty cycle; the
current figures and their sources are in docs/FIRMWARE.md.
"""
from ..core.compat import const

IMU_MA_X100 = const(55)   # LSM6DSO accel + gyro high-performance: 0.55 mA (datasheet DS12140 table 4)
ZONE_MA_X100 = const(33)  # one FSR divider, 10 kOhm at 3.3 V fully loaded: 0.33 mA
UNLOADED_N = const(20)


class IdlePolicy:
    def __init__(self, idle_s, upright_deg):
        self._idle_ms = idle_s * 1000
        self._upright = upright_deg
        self._since = -1

    def update(self, t, feat, alarm_idle):
        """Call about once a second at ``t`` ms; True when the insole should sleep now."""
        quiet = alarm_idle and feat.still and feat.tilt < self._upright and feat.load < UNLOADED_N
        if not quiet:
            self._since = -1
            return False
        if self._since < 0:
            self._since = t
        return t - self._since >= self._idle_ms

    def woke(self):
        self._since = -1


def average_ma_x100(power, zones, awake_frac_pct, tx_s_per_hour):
    """Average current in 0.01 mA: awake MCU + IMU + zones, sleep, LoRa transmissions."""
    awake = power["active_ma"] * 100 + IMU_MA_X100 + zones * ZONE_MA_X100
    asleep = power["sleep_ua"] // 10
    tx = power.get("lora_tx_ma", 0) * 100 * tx_s_per_hour // 3600
    return (awake * awake_frac_pct + asleep * (100 - awake_frac_pct)) // 100 + tx


def budget_hours(power, zones, awake_frac_pct=100, tx_s_per_hour=5):
    """Battery hours (int) for the board's ``power`` dict and duty cycle."""
    return power["battery_mah"] * 100 // max(1, average_ma_x100(power, zones, awake_frac_pct, tx_s_per_hour))
