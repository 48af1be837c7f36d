"""Event codes and the preallocated event queue.

An event is four ints: time (ms, trace-relative), type, cause, detail. Events
are what leaves the insole; raw samples never do.

Types (EV_*) and causes (CAUSE_*) are stable wire values (the protocol issue
encodes them in frames): never renumber, only append.

detail by type:
  EV_PRE_ALARM / EV_ALARM, cause FALL:      impact class = peak |a| in g (1..16)
  EV_PRE_ALARM / EV_ALARM, cause MAN_DOWN:  seconds the wearer has been still
  EV_ALARM, cause SOS:                      cause of the pre-alarm it escalated, or 0
  EV_CANCELLED:                             CANCEL_BY_* (how the pre-alarm ended)
  EV_RECOVERED:                             seconds from alarm to recovery (max 65535)
  EV_ALARM, cause TECHNICAL:                (technical.TECH_* << 8) | zone index
  EV_HEARTBEAT:                             battery percent
  EV_SELFTEST:                              bit mask of failed paths, 0 = all passed
  EV_EVAC_ACK:                              evacuation order id (1..65535)
  EV_ROLL_CALL_ANSWER:                      roll-call id; cause = the insole's state (0 OK .. 3 evacuating)
"""
from array import array

from .compat import const

EV_PRE_ALARM = const(1)
EV_ALARM = const(2)
EV_CANCELLED = const(3)
EV_RECOVERED = const(4)
EV_CLEARED = const(5)
EV_HEARTBEAT = const(6)   # edges: periodic "alive", detail = battery percent
EV_SELFTEST = const(7)    # edges: start-up self-test, detail = failed paths (technical.SELFTEST_* bits)
EV_EVAC_ACK = const(8)    # delivery: evacuation order received and rendered, detail = order id
EV_ROLL_CALL_ANSWER = const(9)  # delivery: answer to a roll call, cause = state (protocol STATE_*), detail = call id

CAUSE_NONE = const(0)
CAUSE_FALL = const(1)
CAUSE_MAN_DOWN = const(2)
CAUSE_SOS = const(3)
CAUSE_TECHNICAL = const(4)  # EV_ALARM from the edges: sensor, battery, storage (technical.TECH_*)

CANCEL_BY_RECOVERY = const(1)
CANCEL_BY_GESTURE = const(2)
CANCEL_BY_MOTION = const(3)

TYPE_NAMES = ("", "pre_alarm", "alarm", "cancelled", "recovered", "cleared", "heartbeat", "selftest",
              "evac_ack", "roll_call_answer")
CAUSE_NAMES = ("", "fall", "man_down", "sos", "technical")

_CAPACITY = const(8)


class EventQueue:
    """Fixed-capacity queue of events in four parallel ``array('i')``.

    ``push`` never allocates. More than 8 events between two ``clear()`` calls
    is a logic error in the core (at most a few can happen per sample) and
    raises IndexError rather than dropping an alarm silently.
    Read ``count`` events from ``t``, ``type``, ``cause``, ``detail``.
    """

    def __init__(self):
        self.t = array("i", bytes(4 * _CAPACITY))
        self.type = array("i", bytes(4 * _CAPACITY))
        self.cause = array("i", bytes(4 * _CAPACITY))
        self.detail = array("i", bytes(4 * _CAPACITY))
        self.count = 0

    def push(self, t, type_, cause, detail):
        i = self.count
        if i >= _CAPACITY:
            raise IndexError("event queue full")
        self.t[i] = t
        self.type[i] = type_
        self.cause[i] = cause
        self.detail[i] = detail
        self.count = i + 1

    def clear(self):
        self.count = 0
