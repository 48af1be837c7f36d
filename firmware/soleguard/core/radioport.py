"""The radio port: what the app needs from a radio.

A radio adapter is an object with:
  send(seq, t, type, cause, detail) -> bool   hand one outbox record to the
                                               radio (framing, key, counter:
                                               the adapter's job); False = busy
  receive() -> (command, arg) or None          one decoded, authenticated
                                               command from the supervisor
  selftest() -> bool                           the chip answers (start-up test)
Commands (values are the app's; edges/link.py maps its frames onto them):
  CMD_ACK         arg = seq: the gateway stored that record (outbox.ack)
  CMD_ALARM_ACK   the supervisor acknowledged the alarm (lifecycle.ack)
  CMD_ALL_CLEAR   the evacuation is over: its vibration stops (a person's
                  pre-alarm or alarm is not ended by it: ack + recovery do)
  CMD_EVACUATE    evacuation order: long vibration until CMD_ALL_CLEAR
The app calls these from its radio task only; adapters may be async inside.

``LoopbackRadio`` stands in where a board has no radio: every record sent is acknowledged
at once, so the outbox drains as it would with a perfect link. ``down = True``
makes it drop everything (link lost), to test that alarms wait in the outbox.
"""
from .compat import const

CMD_ACK = const(1)
CMD_ALARM_ACK = const(2)
CMD_ALL_CLEAR = const(3)
CMD_EVACUATE = const(4)


class LoopbackRadio:
    def __init__(self):
        self.down = False
        self.sent = 0
        self._acks = []
        self.commands = []  # tests push (command, arg) here

    def send(self, seq, t, type_, cause, detail):
        if self.down:
            return False
        self.sent += 1
        self._acks.append(seq)
        return True

    def receive(self):
        if self._acks:
            return CMD_ACK, self._acks.pop(0)
        if self.commands:
            return self.commands.pop(0)
        return None

    def selftest(self):
        return not self.down
