# Glue that makes the REAL micropython-lib lora driver (and firmware code)
# run against the simulated clock on both runtimes.
#
#   import simenv; clock = simenv.install()        # SimClock at t=0
#   ... build chips / modems ...
#   simenv.run(coro)                                # asyncio on sim time
#   simenv.uninstall()
#
# CPython: there is no `micropython` module and `time` lacks ticks_*; we
#   create a `micropython` module (const, schedule, ...) and patch ticks_*,
#   sleep_ms/us onto CPython's `time`.  CPython asyncio lacks the MicroPython
#   extensions ThreadSafeFlag / sleep_ms / wait_for_ms (extmod/asyncio/event.py,
#   core.py, funcs.py); we add them, and run() uses an event loop whose clock
#   is the SimClock and whose selector advances simulated time instead of
#   blocking.
# MicroPython: `time` is overridden by time.py in this folder; run() uses the
#   real frozen asyncio with its IOQueue poller replaced by SimPoller, which
#   advances simulated time instead of blocking in select.poll.ipoll().
import sys
import simclock

IS_MP = sys.implementation.name == "micropython"

_cpy_saved = {}


def _install_cpython_micropython_module():
    if "micropython" in sys.modules:
        return
    import types

    m = types.ModuleType("micropython")

    def const(x):
        return x

    def schedule(fn, arg):
        simclock.schedule(fn, arg)

    def native(f):
        return f

    m.const = const
    m.schedule = schedule
    m.native = native
    m.viper = native
    m.alloc_emergency_exception_buf = lambda n: None
    m.opt_level = lambda *a: 0
    m.mem_info = lambda *a: None
    m.heap_lock = lambda: 0
    m.heap_unlock = lambda: 0
    sys.modules["micropython"] = m


def _cpython_patch_time():
    import time as _t

    if "sleep" not in _cpy_saved:
        _cpy_saved["sleep"] = _t.sleep

    def ticks_us():
        c = simclock._current
        if c is None:
            return (_t.monotonic_ns() // 1000) & simclock.TICKS_MAX
        c.on_read()
        return c.now_us() & simclock.TICKS_MAX

    def ticks_ms():
        c = simclock._current
        if c is None:
            return (_t.monotonic_ns() // 1000000) & simclock.TICKS_MAX
        c.on_read()
        return (c.now_us() // 1000) & simclock.TICKS_MAX

    def sleep_us(us):
        c = simclock._current
        if c is None:
            _cpy_saved["sleep"](us / 1e6)
        elif us > 0:
            c.advance_us(int(us))
        else:
            simclock.run_pending()

    def sleep_ms(ms):
        sleep_us(int(ms) * 1000)

    def sleep(s):
        c = simclock._current
        if c is None:
            _cpy_saved["sleep"](s)
        else:
            c.advance_us(int(s * 1000000))

    _t.ticks_us = ticks_us
    _t.ticks_ms = ticks_ms
    _t.ticks_cpu = ticks_us
    _t.ticks_add = simclock.ticks_add
    _t.ticks_diff = simclock.ticks_diff
    _t.sleep_us = sleep_us
    _t.sleep_ms = sleep_ms
    _t.sleep = sleep


def _cpython_patch_asyncio():
    import asyncio

    if hasattr(asyncio, "ThreadSafeFlag"):
        return

    class ThreadSafeFlag:
        # extmod/asyncio/event.py ThreadSafeFlag: set() may be called from an
        # IRQ/scheduler; wait() returns once set and then self-clears.
        def __init__(self):
            self.state = 0
            self._fut = None

        def set(self):
            self.state = 1
            f = self._fut
            if f is not None and not f.done():
                f.set_result(None)

        def clear(self):
            self.state = 0

        async def wait(self):
            if not self.state:
                self._fut = asyncio.get_event_loop().create_future()
                try:
                    await self._fut
                finally:
                    self._fut = None
            self.state = 0

    def sleep_ms(t):
        return asyncio.sleep(max(0, t) / 1000)

    def wait_for_ms(aw, timeout):
        return asyncio.wait_for(aw, timeout / 1000)

    asyncio.ThreadSafeFlag = ThreadSafeFlag
    asyncio.sleep_ms = sleep_ms
    asyncio.wait_for_ms = wait_for_ms


if not IS_MP:
    _install_cpython_micropython_module()
    _cpython_patch_time()
    _cpython_patch_asyncio()


def install(clock=None):
    """Install (and return) the simulated clock used by time.* everywhere."""
    if clock is None:
        clock = simclock.SimClock()
    del simclock._pending[:]
    simclock.install(clock)
    return clock


def uninstall():
    simclock.install(None)
    del simclock._pending[:]


class DeadlockError(Exception):
    pass


class SimPoller:
    # Stand-in for select.poll() used by MicroPython asyncio's IOQueue
    # (extmod/asyncio/core.py IOQueue.wait_io_event -> poller.ipoll(dt)).
    # ipoll(dt) advances *simulated* time up to dt ms (or to the next chip
    # event) instead of blocking, then reports objects whose
    # ioctl(MP_STREAM_POLL=3, mask) is non-zero (ThreadSafeFlag.ioctl).
    def __init__(self, clock):
        self.clock = clock
        self.objs = {}

    def register(self, obj, mask=0x0001 | 0x0004):
        self.objs[id(obj)] = [obj, mask]

    def modify(self, obj, mask):
        self.objs[id(obj)][1] = mask

    def unregister(self, obj):
        self.objs.pop(id(obj), None)

    def _ready(self):
        res = []
        for k in self.objs:
            o, m = self.objs[k]
            r = o.ioctl(3, m)
            if r:
                res.append((o, r))
        return res

    def poll(self, timeout=-1):
        return self.ipoll(timeout)

    def ipoll(self, timeout=-1, flags=0):
        clock = self.clock
        simclock.run_pending()
        r = self._ready()
        if r or timeout == 0:
            return r
        deadline = None if timeout < 0 else clock.now_us() + timeout * 1000
        while True:
            nxt = clock.next_event_us()
            if nxt is None:
                if deadline is None:
                    if self.objs:
                        raise DeadlockError("asyncio waits on IO but no simulated event can wake it")
                    return []
                target = deadline
            elif deadline is None:
                target = nxt
            else:
                target = min(nxt, deadline)
            clock.run_until(target)
            simclock.run_pending()
            r = self._ready()
            if r:
                return r
            if deadline is not None and clock.now_us() >= deadline:
                return []


def _mp_run(coro, clock):
    import asyncio

    asyncio.new_event_loop()
    asyncio.core._io_queue.poller = SimPoller(clock)
    return asyncio.run(coro)


def _cpy_run(coro, clock):
    import asyncio
    import selectors

    class _SimSelector(selectors.SelectSelector):
        def select(self, timeout=None):
            # Real fds (the loop's self-pipe) are polled without blocking; then
            # simulated time advances instead of sleeping.
            ready = selectors.SelectSelector.select(self, 0)
            if ready:
                return ready
            simclock.run_pending()
            now = clock.now_us()
            nxt = clock.next_event_us()
            if timeout is None:
                if nxt is None:
                    raise DeadlockError("asyncio waits but no simulated event can wake it")
                target = nxt
            else:
                target = now + int(timeout * 1e6 + 0.5)
                if nxt is not None and nxt < target:
                    target = nxt
            clock.run_until(target)
            return []

    class _SimLoop(asyncio.SelectorEventLoop):
        def time(self):
            return clock.now_us() / 1e6

    loop = _SimLoop(_SimSelector())
    # asyncio compares loop.time() against deadlines with a clock resolution
    # tolerance; keep it tiny so timers fire exactly on simulated time.
    loop._clock_resolution = 1e-9
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(coro)
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def run(coro, clock=None):
    """Run an asyncio coroutine on simulated time (both runtimes)."""
    if clock is None:
        clock = simclock._current
    if clock is None:
        raise RuntimeError("simenv.install() first")
    if IS_MP:
        return _mp_run(coro, clock)
    return _cpy_run(coro, clock)
