"""Haptics: non-blocking vibration patterns on an ERM motor, one at a time by priority.

    h = Haptics(pwm)            # pwm: machine.PWM on the motor driver's input
    h.play(PRE_ALARM, now_ms)   # starts unless a higher-priority pattern plays
    h.tick(now_ms)              # call every <= 50 ms (the app does, from a task)
    h.stop(PRE_ALARM)           # ends it if it is the one playing

Patterns and their priorities are data in core/patterns.py (re-exported here); a
lower request during a higher pattern is refused (``play`` returns False).
Repeating patterns play until ``stop``; one-shot patterns end by themselves.
``tick`` and ``play`` allocate nothing. ``now`` is ``time.ticks_ms()`` on a
device (wraps at 2^30 ms; handled) or any ms clock. Duty: full on (ERM motors want the
rated voltage to start; PWM is only the switch).
"""
from ..core.compat import const
from ..core.patterns import EVACUATION, NAMES, NONE, PATTERNS, PRE_ALARM, SOS_CONFIRM, TECH  # noqa: F401 (re-exported)

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
        if pattern == self.playing and PATTERNS[pattern][0]:
            return True  # a repeating pattern already playing keeps its rhythm
        self.playing = pattern
        self._step = 1
        self._set(True)
        self._due = (now + PATTERNS[pattern][1]) & _MASK
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
        pat = PATTERNS[p]
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
