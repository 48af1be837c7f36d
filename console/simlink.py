"""``--sim``: the console attached to the team simulation's gateway.

Wraps ``soleguard_sim.gatewaylink.SimGateway`` (the firmware gateway role and N
firmware insoles -- delivery, outbox, haptics -- over the simulated LoRa
medium, sim/team.py) for a live console: a thread advances simulated time with
the wall clock (``speed`` x real time), ``connect`` is a transport factory
over the gateway's serial socket, and ``alarm``/``hold`` let a demo or a test
make an insole raise an alarm or go off the air now. The team key and team id
are the simulation's (soleguard_sim.team.TEAM_KEY, TEAM).
"""
import socket
import threading
import time

from soleguard.core import protocol as P
from soleguard.core.events import EV_ALARM, EV_RECOVERED

from soleguard_sim.simgateway import SimGateway
from soleguard_sim.team import BOOT_MS, TEAM, TEAM_KEY
from .keyfile import TeamKey
from .roster import Person, Roster

NAMES = ("Ana Lopez", "Ben Okafor", "Chloé Martin", "Dmitri Ivanov", "Eva Schulz", "Farid Haddad",
         "Grace Liu", "Hugo Moreau", "Ines Costa", "Jonas Berg")


class SimTeam:
    """The simulated team, run in a thread. ``insoles``: the sim's insoles."""

    def __init__(self, insoles=5, loss=0.0, seed=1, speed=1.0, scenario="fall-during-evacuation", duration_s=24 * 3600):
        self.gw = SimGateway(insoles=insoles, loss=loss, seed=seed, scenario=scenario, duration_s=duration_s)
        self.sim = self.gw.sim
        self.speed = speed
        self.lock = threading.RLock()
        self._stop = threading.Event()
        self._t0 = None
        self._attached = False
        self._thread = threading.Thread(target=self._run, name="sim-team", daemon=True)

    @property
    def insoles(self):
        return self.sim.insoles

    def team_key(self, site="sim-site"):
        return TeamKey(site, TEAM, TEAM_KEY)

    def roster(self):
        """A demo roster of the simulated insoles (fictional names)."""
        return Roster([Person(s.id, NAMES[s.index % len(NAMES)] + ("" if s.index < len(NAMES) else " %d" % s.index))
                       for s in self.insoles])

    def enrol(self, roster):
        """Set each simulated insole's answer slot and side from ``roster`` (as enrolment writes
        ANSWER_SLOT and PAIR_SIDE on a real insole; roster.slots()). Returns the number of
        simulated insoles the roster does not name: those keep no slot (random schedule)."""
        slots = roster.slots()
        missing = 0
        for ins in self.insoles:
            k = slots.get(ins.id, -1)
            missing += ins.id not in roster
            ins.slot = k if k >= 0 else P.ANSWER_SLOTS  # kept across a simulated reboot (Insole.boot)
            ins.side = 1 if ins.id in roster and roster.people[ins.id].foot == "R" else 0
            ins.d.slot = k
            ins.d.side = ins.side
        return missing

    def start(self):
        self._t0 = time.monotonic()
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=3)

    def wall(self, sim_ms):
        """Monotonic wall time of simulated time ``sim_ms``."""
        return self._t0 + sim_ms / 1000.0 / self.speed

    def _run(self):
        while not self._stop.is_set():
            target = int((time.monotonic() - self._t0) * self.speed * 1000)
            with self.lock:
                if target > self.gw.now:
                    self.gw.step(target - self.gw.now)
            time.sleep(0.005)

    # --- what a demo or test does to the team -----------------------------------

    def alarm(self, index, cause=3, detail=0):
        """Insole ``index`` raises an alarm now; returns the simulated time."""
        with self.lock:
            now = self.gw.now
            self.insoles[index].event(now, EV_ALARM, cause, detail)
            return now

    def recovered(self, index, cause=3, seconds=30):
        with self.lock:
            self.insoles[index].event(self.gw.now, EV_RECOVERED, cause, seconds)

    def hold(self, index):
        """Insole ``index`` goes off the air (hears nothing, sends nothing)."""
        with self.lock:
            ins = self.insoles[index]
            ins.up = False
            ins.gen += 1

    def release(self, index):
        """Back on the air (it boots: outbox journal and counters kept)."""
        with self.lock:
            ins = self.insoles[index]
            if not ins.up:
                self.sim.at(self.gw.now + 1, ins.boot)

    # --- transport for console.link.Link ----------------------------------------

    def connect(self):
        if self._attached:
            raise OSError("simulated gateway already attached")
        self._attached = True
        return _SockPort(self.gw.host_socket)


class _SockPort:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def readline(self, timeout_s):
        self.sock.settimeout(timeout_s)
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                return None
            if not chunk:
                raise OSError("simulated gateway closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("ascii", "replace")

    def write_line(self, s):
        self.sock.sendall(s.encode("ascii") + b"\n")

    def close(self):
        pass


__all__ = ["SimTeam", "BOOT_MS"]
