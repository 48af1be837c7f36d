"""Start-up self-test of every alarm path [PNA: self-test at start, result reported].

``run(app)`` returns a bit mask of the failed paths (technical.SELFTEST_*);
0 = every path passed. The app reports it as EV_SELFTEST (and a technical
alarm when not 0). Checks:
  IMU      WHO_AM_I answers 0x6C now (the FIFO driver checked it at start)
  zones    no zone reads at the ADC rail (a shorted FSR or a broken divider);
           an open FSR reads like an unloaded one and is caught later by the
           stuck-zone check while walking
  motor    a 60 ms pulse: the PWM accepts the duty and reads it back
           (no current sense on these boards: a broken motor wire is not seen)
  storage  the outbox journal opened on its flash partition (its recovery scan read every sector;
           a RAM journal, used when the partition is missing, fails this path)
           and accepts a record (the EV_SELFTEST record itself, written by the app)
  radio    the adapter's selftest(): the chip answers
  battery  voltage plausible, 3.0..4.5 V
No exception escapes: a failing path is a bit, never a crash.
"""
from ..core.technical import SELFTEST_BATTERY, SELFTEST_IMU, SELFTEST_MOTOR, SELFTEST_RADIO, SELFTEST_STORAGE, SELFTEST_ZONES
from .zones import SAT_RAW


def _ok(fn):
    try:
        return bool(fn())
    except Exception:  # noqa: BLE001 - any failure of a path is that path's bit
        return False


def _zones(app):
    z = app.zones
    if z is None:
        return True
    for i in range(z.n):
        if z._adcs[i].read_u16() >= SAT_RAW:
            return False
    return True


def _motor(app):
    pwm = app.motor
    pwm.duty_u16(65535)
    ok = pwm.duty_u16() == 65535
    app.sleep_ms(60)
    pwm.duty_u16(0)
    return ok and pwm.duty_u16() == 0


def run(app):
    failed = 0
    if not _ok(lambda: app.fifo is not None and app.fifo._get(0x0F) == 0x6C):
        failed |= SELFTEST_IMU
    if not _ok(lambda: _zones(app)):
        failed |= SELFTEST_ZONES
    if not _ok(lambda: _motor(app)):
        failed |= SELFTEST_MOTOR
    if app.outbox is None or getattr(app.outbox, "volatile", False):
        failed |= SELFTEST_STORAGE
    if not _ok(app.radio.selftest):
        failed |= SELFTEST_RADIO
    if not _ok(lambda: 3000 <= app.battery.read_mv() <= 4500):
        failed |= SELFTEST_BATTERY
    return failed
