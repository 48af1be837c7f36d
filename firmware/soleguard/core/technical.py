"""Technical alarms, heartbeat and self-test events (edge-side event codes).

The core's event tuple (t, type, cause, detail) is reused unchanged; these
wire values live in events.py with the others (never renumbered):

  CAUSE_TECHNICAL = 4   EV_ALARM with this cause is a technical alarm
                        [PNA: technical alarm <= 30 min; our target <= 15 min]
  EV_HEARTBEAT    = 6   periodic "alive" event, detail = battery percent
  EV_SELFTEST     = 7   start-up self-test result, detail = bit mask of the
                        failed paths (SELFTEST_* bits), 0 = every path passed

Technical alarm detail = (TECH_* code << 8) | index, index = the zone number
for zone faults, 0 otherwise.

``rank(type, cause)`` orders events for the outbox's eviction rule: when the
journal is full, the lowest rank goes first (heartbeats before alarms).
"""
from .compat import const
from .events import CAUSE_TECHNICAL, EV_ALARM, EV_HEARTBEAT, EV_PRE_ALARM, EV_SELFTEST  # noqa: F401 (re-exported)

TECH_ZONE_STUCK = const(1)      # zone reading flat while the wearer walks
TECH_ZONE_SATURATED = const(2)  # zone at the ADC rail (shorted FSR / wiring)
TECH_ZONE_IMPLAUSIBLE = const(3)  # zone load beyond what a foot can put on it
TECH_IMU_FAULT = const(4)       # IMU stopped answering, bad WHO_AM_I, FIFO overrun, I2C error
TECH_IMU_STUCK = const(5)       # all six IMU channels frozen
TECH_BATTERY_LOW = const(6)     # battery below the low threshold
TECH_SELFTEST = const(7)        # start-up self-test failed (detail of EV_SELFTEST says which)
TECH_STORAGE = const(8)         # outbox journal full of alarms or flash error

TECH_NAMES = ("", "zone_stuck", "zone_saturated", "zone_implausible", "imu_fault",
              "imu_stuck", "battery_low", "selftest", "storage")

SELFTEST_IMU = const(1)
SELFTEST_ZONES = const(2)
SELFTEST_MOTOR = const(4)
SELFTEST_STORAGE = const(8)
SELFTEST_RADIO = const(16)
SELFTEST_BATTERY = const(32)


def tech_detail(code, index=0):
    """The detail of a technical alarm: (code << 8) | index (0..255)."""
    return (code << 8) | (index & 0xFF)


def rank(type_, cause):
    """Eviction rank: 0 heartbeat/self-test, 1 other events, 2 technical alarm, 3 person alarm."""
    if type_ == EV_HEARTBEAT or type_ == EV_SELFTEST:
        return 0
    if type_ == EV_ALARM or type_ == EV_PRE_ALARM:
        return 2 if cause == CAUSE_TECHNICAL else 3
    return 1
