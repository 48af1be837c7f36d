"""A simulated gateway: the firmware gateway role over the team simulation's medium.

``SimGateway`` runs the gateway role over the team simulation's medium
(team.py) in-process, with the scenario's insoles but no scripted
supervisor, and exposes the gateway's serial port as a socket: a console
attaches with ``GatewayLink(sim_gateway.host_socket)`` (gatewaylink.py) and
drives it as a real gateway. ``SimGateway.run(speed)`` advances simulated
time with the wall clock (speed x real time); ``step(ms)`` advances it at once
(tests).
"""
from __future__ import annotations

import heapq
import socket
import time

from .gatewaylink import MAX_LINE
from .team import TeamConfig, TeamSim


class SimGateway:
    """The gateway role on the simulated medium, its serial port on a socket pair."""

    def __init__(self, insoles=10, loss=0.0, seed=1, scenario="all", duration_s=3600):
        self.host_socket, self._gw_socket = socket.socketpair()
        self._gw_socket.setblocking(False)
        self._buf = b""
        self.sim = TeamSim(TeamConfig(insoles, loss, seed, scenario, duration_s), host=self._out)
        self.sim.script()
        self.now = 0

    def _out(self, line, now):
        self._gw_socket.sendall(line.encode("ascii") + b"\n")

    def _pump_host(self):
        try:
            while True:
                chunk = self._gw_socket.recv(4096)
                if not chunk:
                    break
                self._buf += chunk
        except BlockingIOError:
            pass
        while b"\n" in self._buf:
            line, self._buf = self._buf.split(b"\n", 1)
            if len(line) <= MAX_LINE:
                self.sim.host_line(line.decode("ascii", "replace").rstrip("\r"), self.now)

    def step(self, ms: int) -> None:
        """Advance simulated time by ``ms``, feeding host lines in first."""
        self._pump_host()
        end = self.now + ms
        q = self.sim.q
        while q and q[0][0] <= end:
            t, _, fn = heapq.heappop(q)
            self.now = self.sim.now = t
            fn(t)
            self._pump_host()
        self.now = self.sim.now = end

    def run(self, speed: float = 1.0, seconds: float | None = None) -> None:
        """Advance with the wall clock (``speed`` x real time) for ``seconds`` (None: the scenario)."""
        t0 = time.monotonic()
        limit = seconds if seconds is not None else self.sim.cfg.duration_s / speed
        while time.monotonic() - t0 < limit:
            target = int((time.monotonic() - t0) * speed * 1000)
            if target > self.now:
                self.step(target - self.now)
            time.sleep(0.01)
