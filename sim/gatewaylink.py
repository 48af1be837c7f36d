"""Host side of the gateway's serial line protocol (docs/PROTOCOL.md section 10).

    link = GatewayLink(serial.Serial("/dev/ttyACM0", 115200, timeout=0.1))   # pyserial
    link = GatewayLink(subprocess.Popen(..., stdin=PIPE, stdout=PIPE))         # the unix port
    link = GatewayLink(socket.create_connection(("127.0.0.1", 7000)))         # a socket
    link.send_downlink(frame_bytes)      # 'D <hex>'
    link.query()                         # 'V' -> 'H' and 'R' lines follow
    msg = link.read()                    # Message(kind, args, kv) or None (timeout / EOF)

A simulated gateway to speak to without hardware: simgateway.py.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass, field

MAX_LINE = 160


@dataclass
class Message:
    kind: str
    args: list = field(default_factory=list)
    kv: dict = field(default_factory=dict)

    @property
    def frame(self) -> bytes | None:
        """The frame bytes of a 'U' or 'A' line."""
        if self.kind in ("U", "A") and self.args:
            return bytes.fromhex(self.args[0])
        return None


def parse_line(line: str):
    """(kind, positional tokens, key=value dict) of one line; unknown keys are kept, never an error."""
    toks = line.strip().split(" ")
    kind = toks[0] if toks and toks[0] else ""
    args, kv = [], {}
    for t in toks[1:]:
        if "=" in t:
            k, v = t.split("=", 1)
            kv[k] = v
        elif t:
            args.append(t)
    return kind, args, kv


class GatewayLink:
    """The line protocol over any byte stream.

    ``stream``: an object with ``write(bytes)`` and ``readline()`` (pyserial,
    a file from ``socket.makefile``), a ``socket.socket`` (wrapped here), or a
    ``subprocess.Popen`` with pipes. ``read()`` returns None when the stream's
    own timeout expires or at EOF; lines longer than MAX_LINE are skipped.
    """

    def __init__(self, stream):
        self._sock = stream if isinstance(stream, socket.socket) else None
        self._buf = b""
        if hasattr(stream, "stdin") and hasattr(stream, "stdout"):  # Popen
            self._w, self._r = stream.stdin, stream.stdout
        else:
            self._w = self._r = stream

    def write_line(self, line: str) -> None:
        data = line.encode("ascii") + b"\n"
        if self._sock is not None:
            self._sock.sendall(data)
            return
        self._w.write(data)
        if hasattr(self._w, "flush"):
            self._w.flush()

    def _readline(self) -> bytes:
        if self._sock is None:
            return self._r.readline()
        while b"\n" not in self._buf:  # the socket's own timeout bounds the wait
            try:
                chunk = self._sock.recv(4096)
            except (socket.timeout, BlockingIOError):
                return b""
            if not chunk:
                line, self._buf = self._buf, b""
                return line
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line + b"\n"

    def send_downlink(self, frame: bytes) -> None:
        self.write_line("D " + bytes(frame).hex())

    def query(self) -> None:
        self.write_line("V")

    def read(self) -> Message | None:
        while True:
            raw = self._readline()
            if not raw:
                return None
            if len(raw) > MAX_LINE + 2:
                continue
            line = raw.decode("ascii", "replace").rstrip("\r\n")
            if not line:
                continue
            kind, args, kv = parse_line(line)
            return Message(kind, args, kv)
