# mpcompat.py -- make CPython 3.11 look enough like MicroPython to run the
# real micropython-lib `lsm6dsox` and `aioble` packages.  No-op on
# MicroPython.
#
#   import mpcompat; mpcompat.install()
#
# Installs:
#   * a `micropython` module: const(), schedule() (deferred queue, run by
#     mpcompat.run_scheduled(); errors are printed, like an uncaught
#     exception in a scheduled callback would be reported), native/viper.
#   * time.sleep_ms/sleep_us/ticks_ms/ticks_us/ticks_cpu/ticks_diff/ticks_add
#   * asyncio.sleep_ms and asyncio.ThreadSafeFlag (MicroPython extensions
#     used by aioble).  ThreadSafeFlag is self-clearing after wait() and is
#     not bound to a particular event loop (so aioble's module-level flags
#     survive several asyncio.run() calls).

import sys

_installed = [False]
_sched_q = []


def run_scheduled():
    n = 0
    while _sched_q:
        fn, arg = _sched_q.pop(0)
        try:
            fn(arg)
        except Exception as e:  # reported, not raised (CPython-only artefact)
            print("mpcompat: exception in scheduled callback %r: %r" % (fn, e))
        n += 1
    return n


def install():
    if sys.implementation.name == "micropython" or _installed[0]:
        return
    _installed[0] = True
    import types
    import time
    import asyncio

    m = types.ModuleType("micropython")
    m.const = lambda x: x

    def schedule(fn, arg):
        _sched_q.append((fn, arg))
        return None

    m.schedule = schedule
    m.native = lambda f: f
    m.viper = lambda f: f
    m.alloc_emergency_exception_buf = lambda n: None
    m.opt_level = lambda *a: 0
    sys.modules["micropython"] = m

    def ticks_ms():
        return int(time.monotonic() * 1000) & 0x3FFFFFFF

    def ticks_us():
        return int(time.monotonic() * 1000000) & 0x3FFFFFFF

    def ticks_diff(a, b):
        d = (a - b) & 0x3FFFFFFF
        if d & 0x20000000:
            d -= 0x40000000
        return d

    def ticks_add(a, d):
        return (a + d) & 0x3FFFFFFF

    time.sleep_ms = lambda ms: time.sleep(ms / 1000.0)
    time.sleep_us = lambda us: time.sleep(us / 1000000.0)
    time.ticks_ms = ticks_ms
    time.ticks_us = ticks_us
    time.ticks_cpu = ticks_us
    time.ticks_diff = ticks_diff
    time.ticks_add = ticks_add

    async def sleep_ms(ms):
        await asyncio.sleep(ms / 1000.0)

    class ThreadSafeFlag:
        def __init__(self):
            self._flag = False
            self._waiter = None

        def set(self):
            self._flag = True
            w = self._waiter
            if w is not None and not w.done():
                w.set_result(True)

        def clear(self):
            self._flag = False

        async def wait(self):
            if not self._flag:
                loop = asyncio.get_running_loop()
                self._waiter = loop.create_future()
                try:
                    await self._waiter
                finally:
                    self._waiter = None
            self._flag = False

    asyncio.sleep_ms = sleep_ms
    asyncio.ThreadSafeFlag = ThreadSafeFlag
