# Simulated time base shared by all chip models and by the `time` shim.
#
# Runs unchanged on CPython 3.11 and the MicroPython unix port.
#
# A SimClock holds "now" in integer microseconds and an ordered list of
# events (callbacks at an absolute time).  Time only moves when someone
# sleeps (time.sleep_us/ms via the shim), when a test calls advance_us(),
# or when the asyncio poller shim waits.  That makes every test
# deterministic: the same calls always produce the same timeline.

# ticks_ms()/ticks_us() wrap like an ESP32 build: MICROPY_PY_TIME_TICKS_PERIOD
# defaults to MP_SMALL_INT_POSITIVE_MASK + 1 == 2**30 on 32-bit ports
# (py/mpconfig.h, extmod/modtime.c time_ticks_diff/time_ticks_add).
TICKS_PERIOD = 1 << 30
TICKS_MAX = TICKS_PERIOD - 1
TICKS_HALFPERIOD = TICKS_PERIOD >> 1

_pending = []  # emulated micropython.schedule() queue (CPython only)


def schedule(fn, arg):
    # micropython.schedule() semantic: run "soon", from the main context.
    # MicroPython raises RuntimeError("schedule queue full") beyond
    # MICROPY_SCHEDULER_DEPTH entries (py/mpconfig.h); modelled as 8.
    if len(_pending) >= 8:
        raise RuntimeError("schedule queue full")
    _pending.append((fn, arg))


def run_pending():
    while _pending:
        fn, arg = _pending.pop(0)
        fn(arg)


def ticks_add(ticks, delta):
    return (ticks + delta) & TICKS_MAX


def ticks_diff(end, start):
    # extmod/modtime.c time_ticks_diff
    diff = ((end - start + TICKS_HALFPERIOD) & TICKS_MAX) - TICKS_HALFPERIOD
    return diff


class SimClock:
    """Deterministic clock. All values are integers in microseconds."""

    def __init__(self, start_us=0, step_on_read_us=0):
        self._now = start_us
        self._events = []  # sorted list of [t_us, seq, fn]
        self._seq = 0
        # Optional: each ticks_us()/ticks_ms() read advances time by this much,
        # so firmware busy-loops that never sleep still make progress.
        self.step_on_read_us = step_on_read_us
        self.is_sim = True

    # --- reading -------------------------------------------------------
    def now_us(self):
        return self._now

    def now_ms(self):
        return self._now // 1000

    def on_read(self):
        if self.step_on_read_us:
            self.advance_us(self.step_on_read_us)

    # --- events --------------------------------------------------------
    def schedule_at(self, t_us, fn):
        """Run fn() when the clock reaches t_us. Returns a handle for cancel()."""
        if t_us < self._now:
            t_us = self._now
        self._seq += 1
        ev = [t_us, self._seq, fn]
        evs = self._events
        i = len(evs)
        while i > 0 and (evs[i - 1][0] > t_us):
            i -= 1
        evs.insert(i, ev)
        return ev

    def schedule_in(self, dt_us, fn):
        return self.schedule_at(self._now + dt_us, fn)

    def cancel(self, handle):
        if handle is not None:
            handle[2] = None
            try:
                self._events.remove(handle)
            except ValueError:
                pass

    def next_event_us(self):
        for ev in self._events:
            if ev[2] is not None:
                return ev[0]
        return None

    # --- moving time -----------------------------------------------------
    def run_until(self, t_us):
        evs = self._events
        while evs and evs[0][0] <= t_us:
            ev = evs.pop(0)
            if ev[0] > self._now:
                self._now = ev[0]
            fn = ev[2]
            if fn is not None:
                fn()
            run_pending()
        if t_us > self._now:
            self._now = t_us
        run_pending()

    def advance_us(self, dt_us):
        self.run_until(self._now + int(dt_us))

    def advance_ms(self, dt_ms):
        self.advance_us(int(dt_ms * 1000))

    def run_until_idle(self, limit_us=None):
        """Process every pending event (optionally no later than limit_us)."""
        while True:
            t = self.next_event_us()
            if t is None or (limit_us is not None and t > limit_us):
                return
            self.run_until(t)


_current = None


def install(clock):
    global _current
    _current = clock


def current():
    return _current
