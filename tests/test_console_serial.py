"""The console over pyserial: a pseudo-terminal stands in for the gateway's
USB serial port, the fake gateway speaks the line protocol on the other end;
unplugging it (closing the pty) is reported and nothing is sent."""
import os
import select
import threading
import time

import pytest

from console_support import wait
from soleguard_console.console import ActionError, Console
from soleguard_console.fakegw import FakeGateway
from soleguard_console.keyfile import TeamKey
from soleguard_console.link import serial_factory
from soleguard_console.roster import Person, Roster

KEY = bytes(range(32))


def pump(master, gw, stop):
    """The gateway's side of the wire: host lines in, gateway lines out."""
    port = gw.connect()
    buf = b""

    def reader():
        nonlocal buf
        while not stop.is_set():
            if not select.select([master], [], [], 0.05)[0]:
                continue
            try:
                chunk = os.read(master, 256)
            except OSError:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                port.write_line(line.decode())

    threading.Thread(target=reader, daemon=True).start()
    while not stop.is_set():
        line = port.readline(0.05)
        if line:
            try:
                os.write(master, line.encode() + b"\n")
            except OSError:
                return


def test_console_over_a_serial_port(tmp_path):
    master, slave = os.openpty()
    os.set_blocking(master, True)
    import tty

    tty.setraw(slave)
    name = os.ttyname(slave)
    gw = FakeGateway(KEY, 7, n=2, answer_ms=(5, 20))
    stop = threading.Event()
    threading.Thread(target=pump, args=(master, gw, stop), daemon=True).start()
    con = Console(TeamKey("plant", 7, KEY), Roster([Person(s.id, "W%d" % s.index) for s in gw.insoles]),
                  str(tmp_path), "alice", serial_factory(name))
    events = []
    con.add_listener(events.append)
    con.start()
    try:
        assert wait(lambda: con.link.connected and con.state.link["hello"], 5)
        assert con.state.link["hello"]["team"] == "7"
        gw.alarm(0, cause=2, detail=40)
        assert wait(lambda: con.state.active_alarms(gw.insoles[0].id))
        con.evacuate()
        assert wait(lambda: not con.state.evacuation.missing())
        stop.set()
        time.sleep(0.2)  # the pump threads leave their reads before the "cable" is pulled
        os.close(master)
        os.close(slave)
        assert wait(lambda: not con.link.connected, 5), events[-5:]
        with pytest.raises(ActionError, match="nothing sent"):
            con.roll_call()
        assert any(e["event"] == "link_down" and e["error"] for e in events)
    finally:
        con.stop()
        gw.close()


class _FloodPort:
    """pyserial stand-in: MB without a newline, then a gateway's hello line."""

    def __init__(self, *a, **kw):
        self.data = bytearray(b"x" * 3_000_000 + b"\nH 1 team=7\n")
        self.in_waiting = len(self.data)

    def read(self, n):
        out = bytes(self.data[:n])
        del self.data[:n]
        self.in_waiting = len(self.data)
        return out

    def close(self):
        pass


def test_a_serial_line_without_end_is_bounded_and_reported(monkeypatch):
    import serial

    from soleguard_console import link

    monkeypatch.setattr(serial, "Serial", _FloodPort)
    port = serial_factory("/dev/flood")()
    first = port.readline(5)
    assert len(first) == link.MAX_LINE + 1
    with pytest.raises(ValueError, match="more than 160 characters"):
        link.parse(first)  # the console reports it as a bad gateway line
    got = None
    for _ in range(1000):
        got = port.readline(1)
        assert len(port._buf) <= link.MAX_LINE + 4096  # never the whole flood in memory
        if got:
            break
    assert got == "H 1 team=7"  # the next real line is read
