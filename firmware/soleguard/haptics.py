"""Haptics: non-blocking vibration patterns on an ERM motor, one at a time by priority.

    h = Haptics(pwm)            # pwm: machine.PWM on the motor driver's input
    h.play(PRE_ALARM, now_ms)   # starts unless a higher-priority pattern plays
    h.tick(now_ms)              # call every <= 50 ms (the app does, from a task)
    h.stop(PRE_ALARM)           # ends it if it is the one playing

Patterns (index = priority, higher wins; a lower request during a higher
pattern is refused, returns False):
  TECH        1  one 800 ms pulse: technical warning (sensor fault, battery low)
  SOS_CONFIRM 2  two 120 ms pulses: discreet confirmation of the silent SOS
                 [PNA: voluntary alarm confirmed <= 2 s]; short so a bystander
                 does not notice
  PRE_ALARM   3  400 ms on / 600 ms off, repeated: the discontinuous
                 pre-alarm vibration [PNA: pre-alarm required]
  EVACUATION  4  2000 ms on / 500 ms off, repeated until stopped: the long
                 vibration of an evacuation order
Repeating patterns play until ``stop``; one-shot patterns end by themselves.
``tick`` and ``play`` allocate nothing. ``now`` is ``time.ticks_ms()`` on a
device (wraps at 2^30 ms; handled) or any ms clock. Duty: full on (ERM motors want the
rated voltage to start; PWM is only the switch).
"""
from .compat import const

NONE = const(0)
TECH = const(1)
SOS_CONFIRM = const(2)
PRE_ALARM = const(3)
EVACUATION = const(4)
NAMES = ("none", "tech", "sos_confirm", "pre_alarm", "evacuation")

# (repeat, on, off, on, off, ...) in ms; a 0 "off" at the end is dropped.
_PATTERNS = (
    (0,),
    (0, 800),
    (0, 120, 150, 120),
    (1, 400, 600),
    (1, 2000, 500),
)
_ON = const(65535)
_HALF = const(0x20000000)
_MASK = const(0x3FFFFFFF)


def _diff(a, b):
    """a - b for millisecond clocks that wrap at 2^30 (ticks_ms on an MCU)."""
    return ((a - b + _HALF) & _MASK) - _HALF


class Haptics:
    """Pattern player on ``pwm`` (an object with ``duty_u16(v)``)."""

    def __init__(self, pwm):
        self._pwm = pwm
        self.playing = NONE
        self._step = 0
        self._due = 0
        self.on = False
        pwm.duty_u16(0)

    def play(self, pattern, now):
        """Start ``pattern`` at ``now`` ms; False if a higher one is playing."""
        if pattern < self.playing:
            return False
        if pattern == self.playing and _PATTERNS[pattern][0]:
            return True  # a repeating pattern already playing keeps its rhythm
        self.playing = pattern
        self._step = 1
        self._set(True)
        self._due = (now + _PATTERNS[pattern][1]) & _MASK
        return True

    def stop(self, pattern):
        """Stop ``pattern`` if it is the one playing."""
        if self.playing == pattern:
            self._end()

    def tick(self, now):
        """Advance the pattern to ``now`` ms; switch the motor as needed."""
        p = self.playing
        if p == NONE or _diff(now, self._due) < 0:
            return
        pat = _PATTERNS[p]
        step = self._step + 1
        if step >= len(pat):
            if not pat[0]:
                self._end()
                return
            step = 1
        self._step = step
        self._set(step & 1 == 1)
        self._due = (now + pat[step]) & _MASK

    def _set(self, on):
        self.on = on
        self._pwm.duty_u16(_ON if on else 0)

    def _end(self):
        self.playing = NONE
        self._set(False)
