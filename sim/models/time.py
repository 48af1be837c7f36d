# MicroPython-only override of the built-in `time` module (the unix port lets
# a time.py earlier on sys.path shadow the extensible built-in; inside this
# file, importing with sys.path emptied returns the built-in).
#
# With no SimClock installed (simclock.install(None)) everything passes
# through to the real built-in.  With a SimClock installed, ticks_*/sleep*
# use simulated time: sleeping *advances* the clock and runs chip events.
# API mirrors extmod/modtime.c (v1.28.0) time_ticks_*/time_sleep_*.
#
# On CPython this file is never imported (CPython's `time` is built in and
# always wins); simenv.install() patches the same functions onto CPython's
# time module instead.
import sys

_saved_path = sys.path
sys.path = []
try:
    import time as _bt  # the built-in
finally:
    sys.path = _saved_path
del _saved_path

import simclock as _sc

gmtime = _bt.gmtime
localtime = _bt.localtime
mktime = _bt.mktime
try:
    time_ns = _bt.time_ns
except AttributeError:
    pass


def _clk():
    return _sc._current


def time():
    c = _sc._current
    if c is None:
        return _bt.time()
    return c.now_us() // 1000000


# ticks_ms: MicroPython's C asyncio (_asyncio, extmod/modasyncio.c ticks())
# stamps tasks pushed without a key with the REAL mp_hal_ticks_ms().  So the
# simulated ms counter runs on the port's own ticks period, offset 1e6 ms
# ahead of the real counter at install time: a real-time stamp is then always
# "in the past" for the simulation (= run now), never a jump into the future.
# Consequence: absolute ticks_ms() values are arbitrary; differences are exact.
def _ms_base(c):
    b = getattr(c, "_mp_ms_base", None)
    if b is None:
        b = _bt.ticks_add(_bt.ticks_ms(), 1000000)
        c._mp_ms_base = b
    return b


def ticks_us():
    c = _sc._current
    if c is None:
        return _bt.ticks_us()
    c.on_read()
    return _bt.ticks_add(0, c.now_us())


def ticks_ms():
    c = _sc._current
    if c is None:
        return _bt.ticks_ms()
    c.on_read()
    return _bt.ticks_add(_ms_base(c), c.now_us() // 1000)


def ticks_cpu():
    return ticks_us()


ticks_add = _bt.ticks_add
ticks_diff = _bt.ticks_diff


def sleep_us(us):
    c = _sc._current
    if c is None:
        return _bt.sleep_us(us)
    if us > 0:
        c.advance_us(us)
    else:
        _sc.run_pending()


def sleep_ms(ms):
    c = _sc._current
    if c is None:
        return _bt.sleep_ms(ms)
    if ms > 0:
        c.advance_us(int(ms) * 1000)
    else:
        _sc.run_pending()


def sleep(s):
    c = _sc._current
    if c is None:
        return _bt.sleep(s)
    c.advance_us(int(s * 1000000))
