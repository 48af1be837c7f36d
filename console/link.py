"""The host side of the gateway line protocol (docs/PROTOCOL.md section 10).

``parse(line)`` turns one gateway line into a tuple; ``Link`` keeps a
transport open in a thread, reconnecting by itself (0.5 s doubling to 5 s)
when the port goes away, and hands every line to a callback.

A *transport factory* is a callable returning an object with
``readline(timeout_s) -> str or None`` (None: nothing within the timeout),
``write_line(str)`` and ``close()``; both raise OSError when the port is gone.
``serial_factory(port)`` is the pyserial one (115200 8N1, 10.1).
"""
import threading
import time

MAX_LINE = 160  # characters of a gateway line including its end (docs/PROTOCOL.md 10.1; GatewayLink's limit)


class LinkDown(RuntimeError):
    """The gateway is not connected: nothing was sent."""


def parse(line):
    """One gateway line -> (kind, fields..., opts dict), or None if it is not
    one the host knows (10.1: unknown kinds are ignored).

    ("U", frame bytes, opts) | ("A", frame bytes, opts) | ("R", reason, count, opts)
    | ("T", counter, "sent"|"deferred", ms, opts) | ("E", what, detail, opts)
    | ("H", proto, opts). Raises ValueError for a known kind that is malformed.
    """
    if len(line) > MAX_LINE:
        raise ValueError("line of more than %d characters skipped (%r...)" % (MAX_LINE, line[:24]))
    toks = line.rstrip("\r\n").split(" ")
    if not toks or len(toks[0]) != 1:
        return None
    kind, rest = toks[0], toks[1:]
    fixed = [t for t in rest if "=" not in t]
    opts = dict(t.split("=", 1) for t in rest if "=" in t)
    if kind in ("U", "A"):
        if len(fixed) != 1:
            raise ValueError("%s line without one frame: %r" % (kind, line))
        return (kind, bytes.fromhex(fixed[0]), opts)
    if kind == "R":
        return ("R", fixed[0], int(fixed[1]), opts)
    if kind == "T":
        if fixed[1] not in ("sent", "deferred"):
            raise ValueError("T line: %r" % line)
        return ("T", int(fixed[0]), fixed[1], int(fixed[2]) if len(fixed) > 2 else 0, opts)
    if kind == "E":
        return ("E", fixed[0] if fixed else "", " ".join(fixed[1:]), opts)
    if kind == "H":
        return ("H", " ".join(fixed), opts)
    return None


def serial_factory(port, baud=115200):
    """Transport factory over pyserial (imported here: only the serial path needs it)."""
    import serial

    class _Port:
        def __init__(self):
            try:
                self._s = serial.Serial(port, baud, timeout=0.2)
            except (serial.SerialException, ValueError) as e:
                raise OSError("serial port %s: %s" % (port, e))
            self._buf = b""
            self._long = False  # inside a line longer than MAX_LINE: its rest is dropped

        def readline(self, timeout_s):
            """One line (without its end) or None; a line longer than MAX_LINE
            comes back as its first MAX_LINE + 1 characters (parse refuses it)
            and the rest of it is dropped as it arrives: memory and time per
            line stay bounded whatever the port sends."""
            end = time.monotonic() + timeout_s
            while True:
                nl = self._buf.find(b"\n")
                if nl >= 0:
                    line, self._buf = self._buf[:nl], self._buf[nl + 1:]
                    if self._long:
                        self._long = False
                        continue
                    return line[: MAX_LINE + 1].decode("ascii", "replace")
                if len(self._buf) > MAX_LINE:
                    if not self._long:
                        self._long = True
                        line, self._buf = self._buf[: MAX_LINE + 1], b""
                        return line.decode("ascii", "replace")
                    self._buf = b""
                if time.monotonic() >= end:
                    return None
                try:
                    chunk = self._s.read(min(self._s.in_waiting or 1, 4096))
                except (serial.SerialException, OSError) as e:
                    raise OSError("serial port %s gone: %s" % (port, e))
                self._buf += chunk

        def write_line(self, s):
            try:
                self._s.write(s.encode("ascii") + b"\n")
            except (serial.SerialException, OSError) as e:
                raise OSError("serial port %s gone: %s" % (port, e))

        def close(self):
            try:
                self._s.close()
            except Exception:
                pass

    return _Port


class Link:
    """Keeps one transport open and reconnects by itself.

    ``on_line(line)`` is called for every line (in the link thread);
    ``on_state(connected, error)`` when the connection comes or goes.
    ``send(line)`` raises LinkDown when not connected (nothing sent).
    """

    def __init__(self, factory, on_line, on_state, retry_s=(0.5, 5.0)):
        self._factory = factory
        self._on_line = on_line
        self._on_state = on_state
        self._retry = retry_s
        self._port = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gateway-link", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=3)
        self._drop(None)

    @property
    def connected(self):
        return self._port is not None

    def send(self, line):
        with self._lock:
            port = self._port
            if port is None:
                raise LinkDown("gateway not connected: nothing sent")
            try:
                port.write_line(line)
                return
            except OSError as e:
                error = str(e)
        self._drop(error)
        raise LinkDown("gateway connection lost (%s): nothing sent" % error)

    def _drop(self, error):
        with self._lock:
            port, self._port = self._port, None
        if port is not None:
            port.close()
            self._on_state(False, error)

    def _run(self):
        delay = self._retry[0]
        reported = None
        while not self._stop.is_set():
            try:
                port = self._factory()
            except OSError as e:
                if str(e) != reported:
                    reported = str(e)
                    self._on_state(False, reported)
                self._stop.wait(delay)
                delay = min(delay * 2, self._retry[1])
                continue
            with self._lock:
                self._port = port
            delay, reported = self._retry[0], None
            self._on_state(True, None)
            try:
                self.send("V")
                while not self._stop.is_set() and self._port is port:
                    line = port.readline(0.2)
                    if line:
                        self._on_line(line)
            except (OSError, LinkDown) as e:
                self._drop(str(e))
                reported = str(e)
                continue
            if self._port is port:
                self._drop(None)
