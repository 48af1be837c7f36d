"""On-target benchmark of the core step (MicroPython only: uses ticks_us, gc).

Reads the replay text protocol (see replay.py: one H line, then S lines) from
``readline`` into a preallocated buffer, then times ``Core.step`` over the
frames ``rounds`` times with the garbage collector disabled and prints:

  B,<samples>,<us_per_step_x1000>,<bytes_allocated_per_step_x1000>,<mem_free>
  BB,<samples>,<us_per_sample_x1000>,<bytes_allocated_per_sample_x1000>,<batch>

B: ``Core.step`` one frame at a time; time is the sum of ticks_us()
differences around each step (includes about two ticks_us calls of overhead
per step). BB: ``Core.step_batch`` over the same frames ``batch`` at a time
(the app's FIFO path, frames already in place as the FIFO decode leaves them),
timed around each batch. Bytes are gc.mem_alloc() deltas over the timed
loops, which copy each frame into place without allocating.
"""
import gc
import time
from array import array

from soleguard.core.config import Config
from soleguard.core.pipeline import Core
from soleguard.core.frame import FRAME_LEN, new_frame

_MAX = 2000  # frames buffered: 2000 * 14 * 2 B = 56 kB


def run(readline, write, rounds=3, batch=16):
    header = None
    buf = array("h", bytes(2 * FRAME_LEN * _MAX))
    times = array("i", bytes(4 * _MAX))
    n = 0
    while n < _MAX:
        line = readline()
        if not line:
            break
        parts = line.strip().split(",")
        if parts[0] == "H":
            header = [int(p) for p in parts[1:]]
        elif parts[0] == "S":
            times[n] = int(parts[1])
            base = n * FRAME_LEN
            for i in range(FRAME_LEN):
                buf[base + i] = int(parts[2 + i])
            n += 1
    if header is None or n == 0:
        raise ValueError("bench: no header or no samples")
    zones = header[1]
    core = Core(Config(), zones, header[2:2 + 2 * zones:2], header[3:3 + 2 * zones:2], header[0] == 1)
    frame = new_frame()
    ev = core.events
    step = core.step
    ticks_us = time.ticks_us
    ticks_diff = time.ticks_diff
    span = times[n - 1] - times[0] + 10
    gc.collect()
    gc.disable()
    total_us = 0
    a0 = gc.mem_alloc()
    for r in range(rounds):
        shift = r * span
        for k in range(n):
            base = k * FRAME_LEN
            for i in range(FRAME_LEN):
                frame[i] = buf[base + i]
            t0 = ticks_us()
            step(times[k] + shift, frame)
            total_us += ticks_diff(ticks_us(), t0)
            ev.clear()
    allocated = gc.mem_alloc() - a0
    gc.enable()
    steps = rounds * n
    write("B,%d,%d,%d,%d\n" % (steps, total_us * 1000 // steps, allocated * 1000 // steps, gc.mem_free()))
    core = Core(Config(), zones, header[2:2 + 2 * zones:2], header[3:3 + 2 * zones:2], header[0] == 1)
    ev = core.events
    step_batch = core.step_batch
    shifted = array("i", bytes(4 * _MAX))
    gc.collect()
    gc.disable()
    total_us = 0
    a0 = gc.mem_alloc()
    for r in range(rounds):
        shift = r * span
        for k in range(n):
            shifted[k] = times[k] + shift
        k = 0
        while k < n:
            m = n - k if n - k < batch else batch
            t0 = ticks_us()
            j = 0
            while j < m:
                j += step_batch(shifted, buf, m - j, k + j)
                ev.clear()
            total_us += ticks_diff(ticks_us(), t0)
            k += m
    allocated = gc.mem_alloc() - a0
    gc.enable()
    write("BB,%d,%d,%d,%d\n" % (steps, total_us * 1000 // steps, allocated * 1000 // steps, batch))


def main():
    import sys

    run(sys.stdin.readline, sys.stdout.write)


if __name__ == "__main__":
    main()
