"""Downlinks the console builds and signs, their counter, and the audit log.

The console signs with its own sender id (protocol.Keys.device_id of a console
hardware id, distinct from every gateway's, docs/PROTOCOL.md 10.4) and its own
TxCounter persisted in ``<state dir>/counter`` (written ahead of use, atomically,
so a crash or restart never reuses a counter: insoles would refuse the frame
as a replay). A lost state folder makes the console a new sender (a fresh
sender epoch in ``<state dir>/sender``), never an old sender going backwards. Order and roll-call ids are 16-bit and derived from the counter
of the first frame, so they never repeat within 65535 orders either.

The audit log is JSON Lines, one object per action: ISO time, operator,
action, arguments, and the result ("sent", "refused: <why>", ...).
"""
import json
import os
import time

from soleguard.core import protocol as P


class FileCounterStore:
    """protocol counter store in one small file (atomic replace + fsync)."""

    def __init__(self, path):
        self.path = path

    def load_counter(self):
        try:
            with open(self.path, encoding="ascii") as f:
                return int(f.read().strip() or 0) or None
        except FileNotFoundError:
            return None
        except ValueError:
            raise ValueError("%s: corrupted counter file; restore it or re-key the team" % self.path)

    def save_counter(self, n):
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="ascii") as f:
            f.write("%d\n" % n)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


def _sender_epoch(path, counter_path):
    """The sender epoch (bytes) kept in ``path``. The insoles refuse a sender
    whose counter goes backwards, so a console that lost its state folder must
    not come back as the same sender from counter 1: with no state at all a
    fresh random epoch makes it a new sender (the insoles' replay windows give
    the least recently heard sender's slot to it; its order ids start a new
    sequence). A sender file without its counter file is refused (ValueError
    naming both files). A counter file without a sender file is a console
    from before epochs: its sender id is kept (empty epoch)."""
    has_counter = os.path.exists(counter_path)
    try:
        with open(path, encoding="ascii") as f:
            epoch = f.read().strip()
    except FileNotFoundError:
        epoch = "" if has_counter else os.urandom(8).hex()
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="ascii") as f:
            f.write(epoch + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        if not has_counter:
            FileCounterStore(counter_path).save_counter(0)  # from now on a missing counter file is a loss
        return epoch.encode()
    if not has_counter:
        raise ValueError("%s: the counter file is missing but the sender file %s is there; the insoles would "
                         "refuse this console's orders as replays: restore the counter file, or delete %s to "
                         "start as a new sender" % (counter_path, path, path))
    if epoch and not all(c in "0123456789abcdef" for c in epoch):
        raise ValueError("%s: not a sender epoch (hex digits); restore it or delete the state folder" % path)
    return epoch.encode()


class Signer:
    """Builds authenticated downlinks for one team.

    ``console_hw`` is the console's hardware id (bytes; e.g. the machine name),
    from which its sender id derives. Each method returns (frame bytes,
    counter). Raises ValueError for out-of-range fields (protocol.Encoder).
    """

    def __init__(self, team_key, team, state_dir, console_hw):
        self.keys = P.Keys(team_key)
        self.team = team
        os.makedirs(state_dir, exist_ok=True)
        counter = os.path.join(state_dir, "counter")
        epoch = _sender_epoch(os.path.join(state_dir, "sender"), counter)
        self.id = self.keys.device_id(b"soleguard-console:" + console_hw + (b":" + epoch if epoch else b""))
        self._enc = P.Encoder(self.keys, team, self.id, P.TxCounter(FileCounterStore(counter)))

    def _frame(self, type_, a=0, b=0, c=0, d=0):
        n = self._enc.encode(type_, a, b, c, d)
        return bytes(self._enc.mv[:n]), self._enc.counter

    def next_id(self):
        """A fresh 16-bit order/call id (1..65535), from the next counter."""
        return self._enc._tx.next % 0xFFFF + 1

    def ack(self, insole, acked_counter):
        return self._frame(P.T_ACK, insole, acked_counter, P.ACK_BY_SUPERVISOR)

    def evacuate(self, order, point=0, start=0, done=0):
        """``start``: answer slots begin (start & 0x7F) x 100 ms after the frame (0: none), bit 7
        (protocol.START_PAIRED) paired slots; ``done``: the group receipt, bit k = every insole of
        roster slot k confirmed."""
        return self._frame(P.T_EVACUATE, order, point, start, done)

    def all_clear(self, order=0):
        return self._frame(P.T_ALL_CLEAR, order)

    def roll_call(self, call, start=0, done=0):
        """``start`` and ``done`` as ``evacuate``'s: the answer slots of this round and the group receipt."""
        return self._frame(P.T_ROLL_CALL, call, start, done)


class Audit:
    """Append-only JSON Lines audit log; ``record`` returns the row written."""

    def __init__(self, path, clock=time.time):
        self.path = path
        self._clock = clock
        d = os.path.dirname(path)
        if d:
            os.makedirs(d, exist_ok=True)

    def record(self, operator, action, result, **args):
        t = self._clock()
        row = {"t": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int(t * 1000 % 1000),
               "operator": operator, "action": action, "args": args, "result": result}
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(row, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())
        return row
