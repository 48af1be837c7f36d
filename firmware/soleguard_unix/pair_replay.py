"""Text-stream replay of a pair of insoles: the striking (right) core with pair.PairFusion, the struck
(left) insole's whole core with pair.StruckFoot as its ``Core.pair``, and a fixed-latency link between
them.

Runs the unchanged core under the MicroPython unix port and CPython alike (sim/pairreplay.py,
tests/test_pair_parity.py and tests/test_pair_replay.py compare the two). Protocol, one record a
line, ASCII, comma-separated integers:

  in   H,<imu 0|1>,<zones>,<x0>,<y0>,...   the striking insole's header (as soleguard_unix.replay)
  in   L,<imu 0|1>,<zones>,<x0>,<y0>,...   the struck insole's header
  in   K,<latency_ms>,<clock_err_ms>,<bound_ms>
                                           the link: each report and ``done`` arrives latency_ms
                                           after its sample, its time off by clock_err_ms, the
                                           fusion told the proven bound bound_ms
  in   S,<t_ms>,<14 striking values>,<14 struck values>
  out  E,<t_ms>,<type>,<cause>,<detail>    one event of the striking core
  out  EL,<t_ms>,<type>,<cause>,<detail>   one event of the struck core
  out  F,<candidates>,<confirmed>,<gestures>,<refused_moving>
  out  D,<samples>                         end of stream

Errors raise ValueError naming the input line number.
"""
from soleguard.core import pair as P
from soleguard.core.config import Config
from soleguard.core.frame import FRAME_LEN, new_frame
from soleguard_unix.replay import core_for, header, ints, records


def run(readline, write):
    """Read records with ``readline()`` until EOF; ``write(str)`` results out. Returns the samples."""
    cfg = Config()
    heads = {}
    link = None
    right = left = fusion = foot = None
    rf = new_frame()
    lf = new_frame()
    inbox = []  # [arrival ms, kind, t]
    n = 0
    for lineno, parts in records(readline):
        kind = parts[0]
        if kind == "S":
            if right is None:
                if "H" not in heads or "L" not in heads or link is None:
                    raise ValueError("pair_replay: line %d: sample before the H, L and K records" % lineno)
                right = core_for(cfg, heads["H"])
                left = core_for(cfg, heads["L"])
                fusion = P.PairFusion(cfg, right.tap)
                fusion.set_mode(P.MODE_PAIR)
                right.pair = fusion
                foot = P.StruckFoot(cfg)
                left.pair = foot
                left.lifecycle.sos_muted = True  # as edges/pairing.py while the pair is up
            if len(parts) != 2 * FRAME_LEN + 2:
                raise ValueError("pair_replay: line %d: expected %d values" % (lineno, 2 * FRAME_LEN + 1))
            vals = ints(parts, 1, lineno, "pair_replay")
            t = vals[0]
            for i in range(FRAME_LEN):
                rf[i] = vals[1 + i]
                lf[i] = vals[1 + FRAME_LEN + i]
            lat, err, bound = link
            ev = left.events
            if left.step(t, lf):
                for i in range(ev.count):
                    write("EL,%d,%d,%d,%d\n" % (ev.t[i], ev.type[i], ev.cause[i], ev.detail[i]))
                ev.clear()
            while True:
                k = foot.next()
                if not k:
                    break
                inbox.append((t + lat, k, foot.rep_t + err))
            while inbox and inbox[0][0] <= t:
                a = inbox.pop(0)
                fusion.peer(a[1], a[2], bound)
            if t - lat >= 0:
                fusion.peer_done(t - lat + err)
            ev = right.events
            if right.step(t, rf):
                for i in range(ev.count):
                    write("E,%d,%d,%d,%d\n" % (ev.t[i], ev.type[i], ev.cause[i], ev.detail[i]))
                ev.clear()
            n += 1
        elif kind == "H" or kind == "L":
            heads[kind] = header(parts, lineno, "pair_replay")
        elif kind == "K":
            link = ints(parts, 1, lineno, "pair_replay")
            if len(link) != 3 or link[0] < 0 or link[2] < 0:
                raise ValueError("pair_replay: line %d: bad link record" % lineno)
        else:
            raise ValueError("pair_replay: line %d: unknown record %r" % (lineno, kind))
    if fusion is not None:
        write("F,%d,%d,%d,%d\n" % (fusion.candidates, fusion.confirmed, fusion.gestures, fusion.refused_moving))
    write("D,%d\n" % n)
    return n


def main():
    import sys

    run(sys.stdin.readline, sys.stdout.write)


if __name__ == "__main__":
    main()
