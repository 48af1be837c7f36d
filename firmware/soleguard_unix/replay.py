"""Text-stream replay driver: runs the core over frames read from a stream.

Used to run the unchanged core under the MicroPython unix port (the host
simulator pipes a trace in and compares the events). Protocol, one record a
line, ASCII, comma-separated integers:

  in   H,<imu 0|1>,<zones>,<x0>,<y0>,...   header: IMU valid, zone count and
                                           centres (mm); once, first
  in   C,<NAME>,<value>                    config override (after the header
                                           line's C-lines end with the first S)
  in   S,<t_ms>,ax,ay,az,gx,gy,gz,z0..z7   one sample (14 values after t)
  out  E,<t_ms>,<type>,<cause>,<detail>    one event
  out  D,<samples>                         end of stream

Samples go to ``Core.step_batch`` BATCH at a time (the app's FIFO path), so a
replay here checks the batch entry; the events are written in time order as
each batch is processed.

Errors raise ValueError naming the input line number.
"""
from array import array

from soleguard.core.config import Config
from soleguard.core.pipeline import Core
from soleguard.core.frame import FRAME_LEN

BATCH = 16  # frames per step_batch call: a FIFO watermark at 104 Hz (boards/*.json)


def records(readline):
    """Yield (line number, comma-separated fields) for each non-blank line read with ``readline()``."""
    lineno = 0
    while True:
        line = readline()
        if not line:
            return
        lineno += 1
        line = line.strip()
        if line:
            yield lineno, line.split(",")


def ints(parts, first, lineno, who="replay"):
    """``parts[first:]`` as ints; ValueError naming ``who`` and the line if one is not an integer."""
    try:
        return [int(p) for p in parts[first:]]
    except ValueError:
        raise ValueError("%s: line %d: not an integer record" % (who, lineno))


def header(parts, lineno, who="replay"):
    """An H record's values [imu, zones, x0, y0, ...]; ValueError if the zone centres do not match the count."""
    h = ints(parts, 1, lineno, who)
    if len(h) < 2 or len(h) != 2 + 2 * h[1]:
        raise ValueError("%s: line %d: bad header" % (who, lineno))
    return h


def core_for(cfg, h):
    """The Core an H record describes (``header``'s values)."""
    zones = h[1]
    return Core(cfg, zones, h[2 : 2 + 2 * zones : 2], h[3 : 3 + 2 * zones : 2], h[0] == 1)


def run(readline, write):
    """Read records with ``readline()`` until EOF; ``write(str)`` events out.

    Returns the number of samples processed.
    """
    overrides = {}
    head = None
    core = None
    frames = array("h", bytes(2 * FRAME_LEN * BATCH))
    times = [0] * BATCH
    m = 0  # frames waiting in the batch
    n = 0
    for lineno, parts in records(readline):
        kind = parts[0]
        if kind == "S":
            if core is None:
                if head is None:
                    raise ValueError("replay: line %d: sample before header" % lineno)
                core = core_for(Config.from_dict(overrides), head)
            if len(parts) != FRAME_LEN + 2:
                raise ValueError("replay: line %d: expected %d values" % (lineno, FRAME_LEN + 1))
            vals = ints(parts, 1, lineno)
            times[m] = vals[0]
            base = m * FRAME_LEN
            for i in range(FRAME_LEN):
                frames[base + i] = vals[i + 1]
            m += 1
            if m == BATCH:
                _batch(core, times, frames, m, write)
                m = 0
            n += 1
        elif kind == "H":
            head = header(parts, lineno)
        elif kind == "C":
            if len(parts) != 3:
                raise ValueError("replay: line %d: bad config record" % lineno)
            overrides[parts[1]] = ints(parts, 2, lineno)[0]
        else:
            raise ValueError("replay: line %d: unknown record %r" % (lineno, kind))
    if m:
        _batch(core, times, frames, m, write)
    write("D,%d\n" % n)
    return n


def _batch(core, times, frames, m, write):
    ev = core.events
    k = 0
    while k < m:
        k += core.step_batch(times, frames, m - k, k)
        for i in range(ev.count):
            write("E,%d,%d,%d,%d\n" % (ev.t[i], ev.type[i], ev.cause[i], ev.detail[i]))
        ev.clear()


def main():
    import sys

    run(sys.stdin.readline, sys.stdout.write)


if __name__ == "__main__":
    main()
