"""Vibration patterns: what the wearer feels for each kind of message (ids and timings, pure data).

Index = priority, higher wins (edges/haptics.py plays them on the motor):
  TECH        1  one 800 ms pulse: technical warning (sensor fault, battery low)
  SOS_CONFIRM 2  two 120 ms pulses: discreet confirmation of the silent SOS
                 [PNA: voluntary alarm confirmed <= 2 s]; short so a bystander
                 does not notice
  PRE_ALARM   3  400 ms on / 600 ms off, repeated: the discontinuous
                 pre-alarm vibration [PNA: pre-alarm required]
  EVACUATION  4  2000 ms on / 500 ms off, repeated until stopped: the long
                 vibration of an evacuation order
"""
from .compat import const

NONE = const(0)
TECH = const(1)
SOS_CONFIRM = const(2)
PRE_ALARM = const(3)
EVACUATION = const(4)
NAMES = ("none", "tech", "sos_confirm", "pre_alarm", "evacuation")

# (repeat, on, off, on, off, ...) in ms; a 0 "off" at the end is dropped.
PATTERNS = (
    (0,),
    (0, 800),
    (0, 120, 150, 120),
    (1, 400, 600),
    (1, 2000, 500),
)
