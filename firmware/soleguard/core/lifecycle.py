"""Alarm lifecycle: pre-alarm, cancel, alarm, acknowledgement, recovery.

States (``state``):
  IDLE       no alarm in progress
  PRE_ALARM  an involuntary detection (fall, man-down); the wearer feels a
             discontinuous vibration for PRE_ALARM_MS and can cancel it by
             getting up (upright and loaded for RECOVERY_MS), by a cancel
             gesture, or - a man-down pre-alarm only - by moving for
             MOTION_CANCEL_MS. Otherwise it escalates to ALARM.
             [PNA: pre-alarm required]
  ALARM      sent to the supervisor and resent until acknowledged. Left only
             when acknowledged *and* the wearer has recovered. (``all_clear``
             ends any state, but the app never calls it: a team's all clear
             ends the evacuation only, app.py.) [PNA: alarm state left only
             after receipt confirmation]

Rules that never bend:
  - the SOS gesture never cancels anything; from any state it raises an
    ALARM with cause SOS at once. During a fall or man-down pre-alarm or
    alarm it escalates: detail = that cause, and the SOS alarm still needs
    the wearer's recovery (not only the acknowledgement) to end, unless the
    wearer had already recovered;
  - a cancel gesture only ends a PRE_ALARM; it cannot touch an ALARM;
  - a new detection during PRE_ALARM, or during an ALARM whose wearer is
    still down, does not restart or hide it;
  - a new fall or man-down once the wearer has recovered from an ALARM that
    still awaits the supervisor's acknowledgement starts a new PRE_ALARM: a
    lost acknowledgement must not end detection. The earlier alarm stays on
    the supervisor's screen until acknowledged; the insole no longer waits
    for that acknowledgement (``ack_awaited`` goes False).

``sos_muted`` (set by the app on the left insole of a pair while the pair is up,
docs/PAIR.md "In the app"): ``sos`` is ignored, because the right insole decides
the SOS with both feet. Falls and man-down are never muted: the two feet
disagree (docs/PAIR.md "Fall and man-down with both feet": in HuGaDB the
man-down condition held 71.6 s on the left foot alone and 6.5 s on the right
alone), so a detection only the left foot makes must still raise its alarm.

Every transition pushes one event into the ``EventQueue`` given at
construction (see events.py for the detail field). No method allocates.
"""
from .compat import const
from .events import (
    CANCEL_BY_GESTURE,
    CANCEL_BY_MOTION,
    CANCEL_BY_RECOVERY,
    CAUSE_MAN_DOWN,
    CAUSE_NONE,
    CAUSE_SOS,
    EV_ALARM,
    EV_CANCELLED,
    EV_CLEARED,
    EV_PRE_ALARM,
    EV_RECOVERED,
)

IDLE = const(0)
PRE_ALARM = const(1)
ALARM = const(2)


class AlarmLifecycle:
    """The alarm state machine. cfg: config.Config; events: EventQueue."""

    def __init__(self, cfg, events):
        self._events = events
        self._pre_ms = cfg.PRE_ALARM_MS
        self._recovery_ms = cfg.RECOVERY_MS
        self._motion_ms = cfg.MOTION_CANCEL_MS
        self.sos_muted = False  # the right insole of the pair decides the SOS (edges/pairing.py, left insole)
        self.reset()

    def reset(self):
        self.state = IDLE
        self.cause = CAUSE_NONE
        self.detail = 0
        self.acked = False
        self.recovered = False
        self._t_start = 0

    def detect(self, t, cause, detail):
        """An involuntary detection (CAUSE_FALL or CAUSE_MAN_DOWN) at ``t`` ms.

        Starts a PRE_ALARM from IDLE, and from an ALARM the wearer has
        recovered from (awaiting the acknowledgement); ignored otherwise.
        """
        if self.state == PRE_ALARM or (self.state == ALARM and not self.recovered):
            return
        self.acked = False
        self.recovered = False
        self.state = PRE_ALARM
        self.cause = cause
        self.detail = detail
        self._t_start = t
        self._events.push(t, EV_PRE_ALARM, cause, detail)

    def sos(self, t):
        """The SOS gesture at ``t`` ms: an alarm at once, whatever the state (ignored while ``sos_muted``:
        the right insole of a pair in pair mode raises it)."""
        if self.sos_muted:
            return
        if self.state == IDLE:
            prior = CAUSE_NONE
            down = False
        elif self.cause == CAUSE_SOS:  # repeated SOS: keep what the first one carried
            prior = self.detail
            down = not self.recovered
        else:  # escalates a fall / man-down pre-alarm or alarm
            prior = self.cause
            down = not (self.state == ALARM and self.recovered)
        self._alarm(t, CAUSE_SOS, prior)
        self.recovered = not down

    def ack_awaited(self):
        """True while an ALARM waits for the supervisor's acknowledgement
        (the heartbeat reports it: the console repeats its ack until this
        is False)."""
        return self.state == ALARM and not self.acked

    def cancel_gesture(self, t):
        """The wearer's cancel gesture: ends a PRE_ALARM only."""
        if self.state == PRE_ALARM:
            self._events.push(t, EV_CANCELLED, self.cause, CANCEL_BY_GESTURE)
            self._idle()

    def ack(self, t):
        """The supervisor acknowledged the alarm."""
        if self.state == ALARM:
            self.acked = True
            if self.recovered:
                self._clear(t)

    def all_clear(self, t):
        """The supervisor's all-clear: ends any pre-alarm or alarm."""
        if self.state != IDLE:
            self._clear(t)

    def step(self, t, upright_ms, moving_ms=0):
        """Advance to ``t`` ms.

        upright_ms: how long the wearer has been up (upright and loaded);
        moving_ms: how long they have been moving without a pause. A man-down
        pre-alarm (no motion) is also cancelled by MOTION_CANCEL_MS of motion;
        a fall pre-alarm is not (a fall victim may move in pain).
        An SOS raised from IDLE starts out recovered (sos() sets it): the
        acknowledgement alone ends it and no EV_RECOVERED is sent for it.
        """
        s = self.state
        if s == PRE_ALARM:
            if upright_ms >= self._recovery_ms:
                self._events.push(t, EV_CANCELLED, self.cause, CANCEL_BY_RECOVERY)
                self._idle()
            elif self.cause == CAUSE_MAN_DOWN and moving_ms >= self._motion_ms:
                self._events.push(t, EV_CANCELLED, self.cause, CANCEL_BY_MOTION)
                self._idle()
            elif t - self._t_start >= self._pre_ms:
                self._alarm(t, self.cause, self.detail)
        elif s == ALARM and not self.recovered and upright_ms >= self._recovery_ms:
            self.recovered = True
            secs = (t - self._t_start) // 1000
            self._events.push(t, EV_RECOVERED, self.cause, secs if secs < 65535 else 65535)
            if self.acked:
                self._clear(t)

    def _alarm(self, t, cause, detail):
        self.state = ALARM
        self.cause = cause
        self.detail = detail
        self.acked = False
        self.recovered = False
        self._t_start = t
        self._events.push(t, EV_ALARM, cause, detail)

    def _clear(self, t):
        self._events.push(t, EV_CLEARED, self.cause, 0)
        self._idle()

    def _idle(self):
        self.state = IDLE
        self.cause = CAUSE_NONE
        self.detail = 0
        self.acked = False
        self.recovered = False
