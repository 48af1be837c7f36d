"""Team simulation: N insoles, a gateway and a supervisor over a simulated LoRa medium.

    res = run(TeamConfig(insoles=50, loss=0.3, seed=1))
    res.report()        # the dict `soleguard team --json` prints

Seeded discrete-event simulation in simulated milliseconds (nothing waits on
a real clock: 50 insoles x 1 h runs in seconds). What runs is firmware code,
unchanged: each insole is an ``Outbox`` journal on a fake NOR flash, a
``Delivery`` and a ``Haptics`` player; the gateway is ``gateway.Gateway``,
spoken to through its serial line protocol (PROTOCOL.md section 10) by a
scripted supervisor that signs downlinks with the team key.

Which insoles run what (``core`` below, docs/PROTOCOL.md section 9):
- every person alarm of a scenario (fall, man-down, SOS) is raised by the
  firmware app and detection core on the insole it happens to: from the
  alarm's time less its detection delay, the insole runs ``app.App`` (core,
  lifecycle, haptics; its outbox and delivery are the insole's) over a seeded
  generated trace (sim/scenario.py: walk + fall_forward + lying, walk + lying
  still on the back, with ``get_up`` when the scenario recovers; SOS = the
  tap model's three strikes (sim/tapmodel.py) injected into standing), one
  16-sample FIFO batch every 160 ms of simulated time, and the alarm, the
  recovery and the pre-alarm/cleared records are whatever the core emits.
  Downlinks reach that app as on a board (supervisor ack -> lifecycle.ack,
  evacuate / all clear -> haptics). When the trace ends the app stays for
  commands; a reset drops it (the rebooted insole is event-level, its journal
  resends the alarm);
- an alarm whose insole is still playing an earlier trace, and heartbeats,
  stay scripted (event-level: records appended to the outbox);
- every other insole is event-level only (outbox, delivery, haptics).

Medium (docs/PROTOCOL.md 8.3, 9):
- one uplink channel (868.1 MHz, g1) and one downlink channel (869.525 MHz,
  g3); SF9/125 kHz; time on air from airtime.py;
- each reception is lost independently with probability ``loss``;
- two frames on one channel that overlap in time are both lost at a receiver
  that hears both (no capture effect: pessimistic);
- the gateway is half duplex: it hears nothing while it transmits;
- latency (propagation + processing) ``latency_ms`` per delivery;
- duty cycle: every transmitter has its own airtime.DutyCycle;
- receipt acks reach an insole only in its receive window 1 s after its
  uplink; long-preamble downlinks (host frames) reach every listening insole
  (their periodic listen period is shorter than the preamble); a rebooting
  insole hears nothing.

Pairs (``TeamConfig(pairs=True)``, docs/PAIR.md "Team simulation with pairs"): ``insoles``
counts workers and each wears two insoles, left (index 2p, hardware id ``insole-<p>-L``) and
right (2p + 1, ``insole-<p>-R``), each a full ``Insole`` above (own device id via
``keys.device_id``, outbox, delivery, duty cycle, heartbeats; each hears, vibrates and confirms
every order and all-clear), so the air carries two radios per worker. Person alarms follow
"Which insole owns what": an SOS is raised by the right insole only, the left raises none; a
fall / man-down is raised by both, the first foot (seeded) at the alarm's time and the other
0..PAIR_SKEW_MS later (seeded). What is NOT modelled: the BLE link between the feet and
``pair.PairFusion``. Each foot that raises an alarm runs the single-insole core path above over
its own generated trace (its own seed: not one recording of both feet), the right insole's SOS
is the single-insole tap detector on the right foot's trace, and the left insole's silence for
SOS is the ownership rule applied by the script (its core is not run over the gesture). The
report keeps every key (per insole: ``insoles`` = 2 x workers) and adds ``persons.*`` (per
worker: the feet's alarms grouped as the console groups both ids, ``person_alarms``; the first
delivered counts, the others are ``duplicate_alarms``; evacuation vibrated / confirmed by both
feet, the later foot and the first) and ``duty_cycle.*``.

Scenarios (``SCENARIOS``): ``all`` (default: every item below in one hour),
``fall-during-evacuation``, ``reset-mid-alarm``, ``gateway-outage``, and one
injected fault each (docs/PROTOCOL.md 9.1): ``lost-acks`` (every supervisor
ack's first send lost; workers fall twice), ``order-id-wrap`` (order 65535,
all-clear, then order 1), ``second-console`` (another sender's order 1 after
order 7), ``console-restart`` (the console down for 20 s mid-evacuation,
back from its persisted state), ``journal-wipe`` (an insole's flash erased,
then an SOS), ``roll-call-flood`` (a roll call every 2 s before the
evacuation). Every scenario has heartbeats every 5 min, an evacuation order,
a forged evacuation order (wrong key) and replays of the captured real
orders after the all-clear.
"""
from __future__ import annotations

import heapq
import random
import statistics
from array import array
from dataclasses import dataclass, field

from soleguard.core import protocol as P
from soleguard.core.airtime import DutyCycle, time_on_air_us
from soleguard.core.config import EVAC_BURST_PERIOD_MS, EVAC_BURST_REPEATS, EVAC_FAST_ROUNDS, EVAC_SLOW_REPEAT_MS
from soleguard.core.delivery import Delivery, Prng, answer_slot_ms, call_schedule, order_schedule, slot_rank
from soleguard.core.events import (
    CAUSE_FALL, CAUSE_MAN_DOWN, CAUSE_SOS, EV_ALARM, EV_HEARTBEAT, EV_PRE_ALARM, EV_RECOVERED,
)
from soleguard.core.frame import FRAME_LEN
from soleguard.edges.gateway import ACK_SLACK_MS, LONG_PREAMBLE, RX1_DELAY_MS, Gateway
from soleguard.edges.haptics import EVACUATION, Haptics
from soleguard.edges.outbox import Outbox, OutboxFull
from soleguard.edges.zones import Zones
from soleguard.core.radioport import CMD_EVACUATE

from .app import load_board
from .gatewaylink import parse_line

CORE_SCRIPTS = {  # sim/scenario.py scripts the core-running insoles replay
    "fall": "stand 5\nwalk 15\nfall_forward 3\nlie 25\n",
    "fall_up": "stand 5\nwalk 15\nfall_forward 3\nlie 25\nget_up 3\nstand 10\nwalk 10\n",
    "man_down": "stand 5\nwalk 15\nstand 5\nlie 70 pose=back\n",
    "man_down_up": "stand 5\nwalk 15\nstand 5\nlie 70 pose=back\nget_up 3\nstand 10\nwalk 10\n",
    "sos": "stand 5\nwalk 15\nstand 20\n",
    # a fall, up again, and a second fall while the first alarm may still await the supervisor's ack
    "two_falls": "stand 5\nwalk 20\nfall_forward 3\nlie 30\nget_up 4\nstand 10\nwalk 60\nfall_backward 3\nlie 150\n",
}
BATCH = 16  # FIFO watermark of the boards: one on_batch every 160 ms at 100 Hz
_TRACES = {}


def core_trace(kind, seed):
    """(flat IMU ints, loads rows, zones meta, alarm offset ms or None, samples) for a scripted trace; cached."""
    key = (kind, seed)
    if key not in _TRACES:
        import numpy as np

        from .scenario import generate, parse_script

        tr = generate(parse_script(CORE_SCRIPTS[kind], kind), seed=seed)
        if kind == "sos":
            from . import tapmodel as tm

            g = tm.strike_gesture(tm.sample_params(np.random.default_rng(seed)))
            tr = tm.inject(tr, g, 28000, "sos_%d" % seed, True)
        _TRACES[key] = pack_trace(tr)
    return _TRACES[key]


def pack_trace(tr):
    """What a core-running insole replays, from a 100 Hz trace: see ``core_trace``."""
    from .replay import frames, replay

    fr = frames(tr)
    alarm = [e.t_ms for e in replay(tr).events if e.type == EV_ALARM]
    return (fr[:, 0:6].reshape(-1).tolist(), tr.loads.tolist() if tr.loads is not None else [], tr.zones,
            alarm[0] if alarm else None, len(tr.t_ms))


def add_trace(kind, tr):
    """Let ``Insole.start_app(now, kind, 0)`` replay ``tr`` (e.g. a real recording, in the demo)."""
    _TRACES[(kind, 0)] = pack_trace(tr)


class TraceFifo:
    """FifoIMU stand-in: hands out the trace's IMU frames one batch at a time, in FifoIMU's
    layout (``frames``: FRAME_LEN values a frame, the six IMU channels first).

    ``zones``: the TraceZones sampled once per frame handed out (the zone timer's work at each
    sample's time), or None."""

    watermark = BATCH

    def __init__(self, flat, zones=None):
        self.flat = flat
        self.pos = 0
        self.zones = zones
        self.frames = array("h", bytes(2 * FRAME_LEN * BATCH))

    def read(self):
        n = min(BATCH, len(self.flat) // 6 - self.pos)
        out = self.frames
        for k in range(n):
            a = 6 * (self.pos + k)
            out[FRAME_LEN * k:FRAME_LEN * k + 6] = array("h", self.flat[a:a + 6])
            if self.zones is not None:
                self.zones.sample()
        self.pos += n
        return n

    def start(self):
        pass

    def sleep(self, *a):
        pass


class _TraceADC:
    """One zone's ADC over a trace: the current row's load << 4 (the sim board's 12-bit count for
    calibration (0, 1, 4)), held to the ``read_u16`` range (the team's traces stay below 500 N)."""

    def __init__(self, zones, i):
        self.zones = zones
        self.i = i

    def read_u16(self):
        v = self.zones.rows[self.zones.k][self.i] << 4
        return 0 if v < 0 else (65535 if v > 65535 else v)


class TraceZones(Zones):
    """The firmware's zones.Zones over a trace's load rows (``rows``: one list per sample),
    calibration (0, 1, 4) as the sim board: ``sample()`` reads the next row, so the loads and the
    zone health are the firmware's code, fed as on a device."""

    def __init__(self, rows):
        self.rows = rows
        self.k = 0
        n = len(rows[0]) if rows else 0
        Zones.__init__(self, [_TraceADC(self, i) for i in range(n)], [(0, 1, 4)] * n)

    def sample(self):
        Zones.sample(self)
        self.k += 1


class _Battery:
    def read_mv(self):
        return 3900


class SimPort:
    """The app's radio port on a simulated insole: the insole's delivery owns the schedule."""

    owns_schedule = True

    def __init__(self, insole):
        self.ins = insole

    def notify(self):
        self.ins.d.notify()
        self.ins.kick(self.ins.sim.now)

    def send(self, *a):
        self.notify()
        return True

    def receive(self):
        return None  # hear() applies commands at once

    def selftest(self):
        return True

    def attach(self, app):
        """As link.Link.attach: the heartbeat reports the app's lifecycle."""
        from soleguard.edges.link import link_status

        self.ins.d.status = lambda: link_status(app)


class _Sink:
    def push(self, *a):
        pass


def unprotected(app, t):
    """True if a new fall now would raise nothing on this app: its lifecycle
    ignores detections while no alarm of a person who is down is active (the
    probe runs on a copy of the lifecycle)."""
    import copy

    from soleguard.core.lifecycle import ALARM, PRE_ALARM

    life = app.core.lifecycle
    if life.state == PRE_ALARM or (life.state == ALARM and not life.recovered):
        return False  # a pre-alarm or an alarm in progress for a person who is down
    probe = copy.copy(life)
    probe._events = _Sink()
    probe.detect(t, CAUSE_FALL, 1)
    return probe.state != PRE_ALARM

TEAM = 7
TEAM_KEY = b"soleguard-simulated-team-key-0001"
SF = 9
BW = 125000
UP, DOWN = 0, 1
HEARTBEAT_MS = 300_000
RX_WINDOW_MS = 33  # 8 symbols at SF9: preamble detection (PROTOCOL.md 8.3)
BOOT_MS = 5000  # reset -> running again
# the console's order: a burst, then slow repeats until every insole confirmed (core/config.py)
ALL_CLEAR_SENDS = 3  # as console/console.py: the all-clear 3 times, then slow repeats ...
ALL_CLEAR_UNTIL_MS = 11 * 60_000  # ... while an insole still says evacuating, at most this long
SUPERVISOR_ACK_MS = 10_000  # a person acknowledges an alarm on the console
RESTART_GAP_MS = 20_000  # scenario console-restart: the console is down this long
ROLL_CALL_FLOOD_MS = 2_000  # scenario roll-call-flood: a host sends a roll call this often
PAIR_SKEW_MS = 300  # pairs: a fall / man-down on the second foot up to this long after the first (seeded)
PAIR_GROUP_MS = 10_000  # pairs: the other foot's alarm of the same cause within this long is a duplicate
SCENARIOS = ("all", "fall-during-evacuation", "reset-mid-alarm", "gateway-outage",
             "lost-acks", "order-id-wrap", "second-console", "console-restart", "journal-wipe", "roll-call-flood")


class _Pwm:
    def duty_u16(self, v=None):
        return 0


class _Flash:
    """RAM NOR flash with the extended block protocol (tests/fakes/flash.py, faster)."""

    def __init__(self, blocks=4, block_size=1024):
        self.blocks, self.block_size = blocks, block_size
        self.mem = bytearray(b"\xff" * (blocks * block_size))

    def readblocks(self, n, buf, off=0):
        b = n * self.block_size + off
        buf[:] = self.mem[b:b + len(buf)]

    def writeblocks(self, n, buf, off=0):
        b = n * self.block_size + off
        for i in range(len(buf)):
            self.mem[b + i] &= buf[i]

    def ioctl(self, op, arg):
        if op == 4:
            return self.blocks
        if op == 5:
            return self.block_size
        if op == 6:
            b = arg * self.block_size
            self.mem[b:b + self.block_size] = b"\xff" * self.block_size
            return 0
        return None


@dataclass
class TeamConfig:
    insoles: int = 10
    loss: float = 0.0
    seed: int = 1
    scenario: str = "all"
    duration_s: int = 3600
    latency_ms: int = 10
    core: bool = True  # person alarms raised by the app + core over generated traces (False: scripted)
    slots: bool = True  # the console gives answer slots (False: evacuate frames with start 0, the random spread)
    pairs: bool = False  # two insoles (left, right) per worker; ``insoles`` counts workers (see "Pairs" above)


@dataclass
class Tx:
    start: int
    end: int
    channel: int
    sender: object
    data: bytes
    long: bool = False
    hit: bool = False  # overlapped by another frame on the channel


def _ms(n, preamble=8):
    return (time_on_air_us(n, SF, BW, preamble=preamble) + 999) // 1000


class Insole:
    def __init__(self, sim, index, hw_id=None, person=None, foot=None):
        """``index``: position in ``sim.insoles`` (and roster slot); ``person``/``foot`` ("L"/"R") in pair mode."""
        self.sim = sim
        self.index = index
        self.person = index if person is None else person
        self.foot = foot
        # roster slot (PROTOCOL.md 8.3): the insole's position, or in pair mode its worker's (both feet share it)
        self.slot = index if foot is None else self.person
        self.side = 1 if foot == "R" else 0  # its answer within a paired slot (the right insole second)
        self.hw_id = b"insole-%d" % index if hw_id is None else hw_id
        self.duty_peak_ms = 0  # the most uplink airtime its DutyCycle held in one sliding hour (duty_figures)
        self.id = sim.keys.device_id(self.hw_id)
        self.flash = _Flash()
        self.store = P.MemoryStore()
        self.duty = DutyCycle()
        self.gen = 0
        self.airtime_ms = 0
        self.vibrated = {}  # order -> ms
        self.rx1 = []  # start times of open receive windows
        self.app = None  # app.App while the insole replays a trace through the core
        self.busy_until = -1  # end of the trace being replayed (ms)
        self.samples = 0  # samples the core processed on this insole
        self.boot(0)

    def boot(self, now):
        self.gen += 1
        self.up = True
        self.box = Outbox(self.flash)
        self.haptics = Haptics(_Pwm())
        slot = self.slot
        self.d = Delivery(self.box, self.sim.keys, TEAM, self.id, self.store,
                          Prng(self.sim.rng.getrandbits(32)), self.haptics, duty=self.duty,
                          slot=slot if slot < P.ANSWER_SLOTS else -1, side=self.side)
        self.wake_at = None
        self.kick(now)

    def in_service(self, frames):
        """As if the insole had sent ``frames`` frames before the run (its persisted counter), the
        last of them heard by the gateway (whose window for it now stands there)."""
        for _ in range(frames):
            self.box.next_counter()
        n = self.d.enc.encode(P.T_HEARTBEAT, 90, 0)
        self.sim.gateway.on_uplink(bytes(self.d.frame[:n]), n, 0, "lora")

    def wipe(self, now):
        """``erase_flash`` and a reflash: the journal (records, counter) and the window store are gone."""
        self.flash = _Flash()
        self.store = P.MemoryStore()
        self.duty = DutyCycle()
        self.reset(now)

    def reset(self, now):
        """Power cut: objects gone; the flash and stores stay; running again after BOOT_MS."""
        self.up = False
        self.app = None
        self.gen += 1
        self.rx1 = []
        self.sim.at(now + BOOT_MS, self.boot)

    def event(self, now, type_, cause, detail):
        if not self.up:
            return None
        try:
            seq = self.box.append(now, type_, cause, detail)
        except OutboxFull:  # the firmware raises a technical alarm; the simulation counts it and goes on
            self.sim.stats["outbox_full"] += 1
            return None
        self.d.notify()
        self.kick(now)
        return seq

    # --- the firmware app over a trace ---

    def start_app(self, now, kind, seed):
        """Run app.App (core, lifecycle) over the trace ``kind``/``seed`` from ``now``."""
        from soleguard.app import App

        if not self.up:
            return
        flat, loads, zones, _, n = core_trace(kind, seed)
        board = dict(self.sim.board)
        proto = board["zones"]
        board["zones"] = tuple(dict(proto[i], x_mm=int(z["x_mm"]), y_mm=int(z["y_mm"])) for i, z in enumerate(zones))
        tz = TraceZones(loads) if loads else None
        fifo = TraceFifo(flat, tz)
        sim = self.sim
        box = self.box

        pre = [None]

        def on_event(t, type_, cause, detail):
            if type_ == EV_PRE_ALARM:
                pre[0] = sim.now  # the detector recognised the fall / man-down
            elif type_ == EV_ALARM and cause != 4 and box._pending and box._pending[-1][2] == EV_ALARM:
                seq = box._pending[-1][0]
                sim.alarms[(self.index, seq)] = {"t": sim.now, "delivered": None, "insole": self.index,
                                                 "core": True, "first_tx": None, "cause": cause,
                                                 "detected": pre[0] if pre[0] is not None and cause != CAUSE_SOS
                                                 else sim.now}
                pre[0] = None

        app = App(board, fifo, tz, _Pwm(), _Battery(), box, SimPort(self), {}, clock=lambda: sim.now,
                  on_event=on_event)
        app.haptics = self.haptics  # one motor: the app's patterns and delivery's evacuation
        self.app = app
        self.busy_until = now + n * 10
        gen = self.gen
        sim.at(now, lambda t: self._batch(t, app, gen))

    def _batch(self, now, app, gen):
        if gen != self.gen or app is not self.app or not self.up:
            return
        before = app.samples
        if not app.on_batch():
            return  # end of the trace: the app stays for commands
        self.samples += app.samples - before
        if app.samples // 100 != before // 100:
            app.every_second()
        app.radio_service()
        self.sim.at(now + 10 * BATCH, lambda t: self._batch(t, app, gen))

    def kick(self, now):
        if not self.up:
            return
        due = now + self.d.next_due(now)
        if due >= now + 0x3FFFFFFF:
            return
        if self.wake_at is None or due < self.wake_at or self.wake_at < now:
            self.wake_at = due
            gen = self.gen
            self.sim.at(due, lambda t: self._wake(t, gen))

    def _wake(self, now, gen):
        if gen != self.gen or not self.up:
            return
        if self.wake_at is not None and now < self.wake_at:
            return
        self.wake_at = None
        n = self.d.service(now)
        if n:
            data = bytes(self.d.frame[:n])
            self.sim.uplink_log[(self.id, self.d.counter)] = (self.index, self.d.tx_seq, self.d.tx_type)
            a = self.sim.alarms.get((self.index, self.d.tx_seq))
            if a is not None and a["first_tx"] is None:
                a["first_tx"] = now
            air = self.d.airtime_ms
            self.airtime_ms += air
            used = self.duty.used_ms(self.d.band, now)  # the sliding hour admission sees, this frame booked
            if used > self.duty_peak_ms:
                self.duty_peak_ms = used
            self.sim.transmit(Tx(now, now + air, UP, self, data))
            self.rx1.append(now + air + RX1_DELAY_MS)
            self.sim.at(now + 1, self.kick)  # more may be due at once
        self.kick(now)

    def hear(self, tx, now):
        if not self.up:
            return
        if not tx.long:  # a receipt ack: only inside a receive window
            ok = [w for w in self.rx1 if w - 5 <= tx.start <= w + RX_WINDOW_MS]
            self.rx1 = [w for w in self.rx1 if w + RX_WINDOW_MS >= now - 2000]
            if not ok:
                return
        before = self.haptics.playing
        cmd = self.d.on_frame(tx.data, len(tx.data), now)
        if cmd is not None and self.app is not None:
            self.app.command(cmd, self.d.evacuating)  # as App.radio_service does with radio.receive()
            self.app.radio_service()
        if cmd == CMD_EVACUATE:
            order = self.d.evacuating
            self.vibrated.setdefault(order, now)
            if tx.sender is self.sim.attacker:
                self.sim.forged_vibrated.add(self.index)
        elif tx.sender is self.sim.attacker and self.haptics.playing == EVACUATION and before != EVACUATION:
            self.sim.forged_vibrated.add(self.index)
        self.kick(now)


class Attacker:
    """Transmits a forged order (wrong key) and replays captured real ones."""


class Supervisor:
    """The scripted console: speaks the line protocol to the gateway, as console/console.py does.

    Evacuation: the order in a burst of EVAC_BURST_REPEATS frames every
    EVAC_BURST_PERIOD_MS, then every EVAC_SLOW_REPEAT_MS until every insole
    confirmed (an ``evac_ack``, or a heartbeat that says "evacuating");
    ``auto_clear``: the all-clear 30 s after the last confirmation, ALL_CLEAR_SENDS
    times, then every EVAC_SLOW_REPEAT_MS with a roll call until every insole said
    it stopped (a heartbeat without the evacuating bit, a roll-call answer other
    than "evacuating"), at most ALL_CLEAR_UNTIL_MS. Alarms:
    acknowledged after SUPERVISOR_ACK_MS, and again on every heartbeat that
    still awaits the ack. ``restart(now, gap_ms)``: the console process ends
    (its timers and the lines meanwhile are lost) and comes back after gap_ms
    from what it persists (``persisted``: sender, counter, evacuation, acks).
    """

    def __init__(self, sim, name=b"console", order=0):
        self.sim = sim
        self.keys = sim.keys
        self.name = name
        self.id = sim.keys.device_id(name)
        self.counter_store = P.MemoryStore()  # the console's counter file
        self.enc = P.Encoder(sim.keys, TEAM, self.id, P.TxCounter(self.counter_store))
        self.dec = P.Decoder(sim.keys, TEAM, P.ReplayWindow(256), False)
        # answer slots: roster slot of each insole (the first ANSWER_SLOTS), slot and frame lengths; in pair
        # mode a worker's two insoles share the worker's slot (paired slots: START_PAIRED, two answers each)
        self.slot_of = {ins.id: ins.slot for ins in sim.insoles if ins.slot < P.ANSWER_SLOTS}
        self.members = {}  # roster slot -> its insoles' ids
        for i, k in self.slot_of.items():
            self.members.setdefault(k, []).append(i)
        self.slots = len(self.members) if sim.cfg.slots else 0
        self.paired = sim.cfg.pairs
        self.slot_ms = answer_slot_ms(SF, BW)
        self.frame_ms = _ms(P.frame_len(P.T_EVACUATE), LONG_PREAMBLE)
        self.call_ms = _ms(P.frame_len(P.T_ROLL_CALL), LONG_PREAMBLE)
        self.alarms_acked = set()
        self.ack_of = {}  # insole -> the alarm counters acknowledged and not yet confirmed by its heartbeat
        self.ack_repeats = 0
        self.acks_dropped = 0  # first sends of a supervisor ack lost on purpose (scenario lost-acks)
        self.drop_first_ack = False
        self.auto_clear = True
        self.ev = None  # the current (last) evacuation: dict, see evacuate()
        self.evacuations = []  # every evacuation ordered, the current one last
        self.clear_repeats = 0
        self.resyncs = 0  # U lines with resync=1 (an insole's counter went back: wiped journal)
        self.queue_full = 0  # E queue_full lines: a downlink the gateway did not send
        self.captured = []  # real evacuation frames (the attacker records them off the air too)
        self.lines = []
        self.calls = 0  # roll-call ids used
        self.restarts = 0
        self.gen = 0  # timers of an earlier process (before a restart) do nothing
        self.down_until = -1

    # compatibility with the single-evacuation report
    @property
    def order(self):
        return self.ev["order"] if self.ev else 0

    @property
    def order_t(self):
        return self.ev["t"] if self.ev else None

    @property
    def evac_acks(self):
        return self.ev["acks"] if self.ev else {}

    @property
    def cleared(self):
        return bool(self.ev and self.ev["clear_t"] is not None)

    def frame(self, t, a=0, b=0, c=0, d=0):
        n = self.enc.encode(t, a, b, c, d)
        return bytes(self.enc.mv[:n])

    def send(self, frame, now):
        self.sim.host_line("D " + frame.hex(), now)

    def later(self, t, fn):
        """``fn(t)`` at ``t`` unless the console restarted meanwhile."""
        gen = self.gen
        self.sim.at(t, lambda now: fn(now) if gen == self.gen and now >= self.down_until else None)

    def on_line(self, line, now):
        if now < self.down_until:
            return  # the console is not running: nobody reads the serial line
        self.lines.append(line)
        kind, args, kv = parse_line(line)
        if kind == "E" and args and args[0] == "queue_full":
            self.queue_full += 1
        if kind != "U":
            return
        if kv.get("resync") == "1":
            self.resyncs += 1
        data = bytes.fromhex(args[0])
        d = self.dec
        r = d.decode(data)
        if r == P.REPLAY and kv.get("resync") == "1":  # as the console: the gateway restarted this window
            d.window.restart(d.sender, d.counter)
            r = P.OK
        if r != P.OK:
            return
        self.sim.on_host_uplink(d.sender, d.counter, d.type, now)
        if d.type == P.T_RECOVERED:  # that alarm ended: a later one of the same cause is a new alarm
            self.alarms_acked.discard((d.sender, d.a))
        if d.type == P.T_ALARM and (d.sender, d.a) not in self.alarms_acked:
            self.alarms_acked.add((d.sender, d.a))
            sender, counter = d.sender, d.counter

            def ack(t, sender=sender, counter=counter):
                self.ack_of.setdefault(sender, set()).add(counter)
                if self.drop_first_ack:
                    self.acks_dropped += 1  # lost: the insole never hears this first send
                    return
                self.send(self.frame(P.T_ACK, sender, counter, P.ACK_BY_SUPERVISOR), t)

            self.later(now + SUPERVISOR_ACK_MS, ack)
        ev = self.ev
        if d.type == P.T_HEARTBEAT and ev is not None:
            evacuating = d.b & P.HB_EVACUATING
            if ev["clear_t"] is None and evacuating:
                self._confirm(ev, d.sender, now, "heartbeat")  # the insole says it renders the order
            elif ev["clear_t"] is not None and d.sender not in ev["stopped"]:
                if not evacuating:
                    ev["stopped"][d.sender] = now
                else:
                    self._still_evacuating(ev, now)
        if d.type == P.T_HEARTBEAT and d.sender in self.ack_of:
            if d.b & P.HB_ACK_AWAITED:  # as the console: the ack again until the insole confirms it
                for c in sorted(self.ack_of[d.sender]):
                    self.ack_repeats += 1
                    self.send(self.frame(P.T_ACK, d.sender, c, P.ACK_BY_SUPERVISOR), now)
            else:
                del self.ack_of[d.sender]
        elif d.type == P.T_EVAC_ACK and ev is not None and d.a == ev["order"]:
            self._confirm(ev, d.sender, now, "evac_ack")
        elif d.type == P.T_ROLL_CALL_ANSWER and ev is not None and ev["clear_t"] is None \
                and d.b == P.STATE_EVACUATING:
            self._confirm(ev, d.sender, now, "roll_call")
        elif d.type == P.T_ROLL_CALL_ANSWER and ev is not None and ev["clear_t"] is not None:
            if d.b == P.STATE_OK:  # (pre-)alarm says nothing of the evacuation: a heartbeat will (as the console)
                ev["stopped"].setdefault(d.sender, now)
            elif d.b == P.STATE_EVACUATING and d.sender not in ev["stopped"]:
                self._still_evacuating(ev, now)

    def _still_evacuating(self, ev, now):
        """An insole says it still renders the order after the all-clear: the all-clear again, at
        once, or, while the all-clear's roll call runs its rounds, before its next frame (sent
        now it would make the half-duplex gateway deaf to the round's answers)."""
        if ev.get("clear_poll"):
            ev["clear_again"] = True
        elif now >= ev["clear_next"]:
            ev["clear_next"] = now + EVAC_BURST_PERIOD_MS
            self.clear_repeats += 1
            self.send(self.frame(P.T_ALL_CLEAR, ev["order"]), now)

    def _confirm(self, ev, sender, now, how):
        if sender in ev["acks"]:
            return
        ev["acks"][sender] = now
        ev["via"][how] = ev["via"].get(how, 0) + 1
        slot = self.slot_of.get(sender)
        if slot is not None and all(i in ev["acks"] for i in self.members[slot]):  # the slot's insoles all confirmed
            ev["done"] = ev.get("done", 0) | (1 << slot)
        if len(ev["acks"]) == len(self.sim.insoles) and ev["all_acked"] is None:
            ev["all_acked"] = now
            if self.slots:  # the group receipt once more: who answered in the last round stops
                self.send(self.frame(P.T_EVACUATE, ev["order"], 1, 1 | (P.START_PAIRED if self.paired else 0),
                                     ev.get("done", 0)), now)
            if self.auto_clear:
                self.later(now + 30_000, self.all_clear)

    def all_clear(self, now):
        ev = self.ev
        if ev is None or ev["clear_t"] is not None:
            return
        ev["clear_t"] = now
        self._clear_repeat(now, 0)

    def _clear_repeat(self, now, k, ev=None):
        if ev is not None and ev is not self.ev:
            return  # a newer evacuation was ordered meanwhile
        ev = self.ev
        if len(ev["stopped"]) == len(self.sim.insoles) or now - ev["clear_t"] > ALL_CLEAR_UNTIL_MS:
            return
        if k < ALL_CLEAR_SENDS:
            if k:
                self.clear_repeats += 1
            self.send(self.frame(P.T_ALL_CLEAR, ev["order"]), now)
            self.later(now + EVAC_BURST_PERIOD_MS, lambda t: self._clear_repeat(t, k + 1, ev))
            return
        # then a roll call (one id): an answer other than "evacuating" confirms without waiting for the next
        # heartbeat. With answer slots it runs in rounds (delivery.call_schedule, PROTOCOL.md 8.3): during the
        # fast rounds the all-clear again before a round only when an insole said it still evacuates, then
        # before every slow round (every EVAC_SLOW_REPEAT_MS: an insole that missed the all-clear and cannot
        # answer, its routine budget spent, still hears one); without slots, the all-clear and the roll call
        # every EVAC_SLOW_REPEAT_MS
        r = k - ALL_CLEAR_SENDS
        if not ev.get("clear_poll"):
            self.calls += 1
            ev["clear_poll"] = self.calls
        if ev.pop("clear_again", False) or not self.slots or r >= EVAC_FAST_ROUNDS:
            self.clear_repeats += 1
            self.send(self.frame(P.T_ALL_CLEAR, ev["order"]), now)
        if self.slots:
            done = 0
            for slot, ids in self.members.items():
                if all(i in ev["stopped"] for i in ids):
                    done |= 1 << slot
            start, nxt = call_schedule(r, slot_rank(done, self.slots), self.slot_ms, self.call_ms, self.paired)
        else:
            start, done, nxt = 0, 0, EVAC_SLOW_REPEAT_MS
        self.send(self.frame(P.T_ROLL_CALL, ev["clear_poll"], start, done), now)
        self.later(now + nxt, lambda t: self._clear_repeat(t, k + 1, ev))

    def roll_call(self, now):
        self.calls += 1
        self.send(self.frame(P.T_ROLL_CALL, self.calls), now)

    def evacuate(self, now, order=1):
        self.ev = {"order": order, "t": now, "acks": {}, "via": {}, "all_acked": None, "clear_t": None,
                   "clear_next": 0, "stopped": {}, "sender": self.id, "done": 0}
        self.evacuations.append(self.ev)
        self._repeat(now, 0)

    def _repeat(self, now, k):
        ev = self.ev
        if ev is None or ev["clear_t"] is not None or len(ev["acks"]) == len(self.sim.insoles):
            return
        done = ev.get("done", 0)
        if self.slots:  # answer slots: the burst, then rounds (delivery.order_schedule, PROTOCOL.md 8.3)
            start, nxt = order_schedule(k, slot_rank(done, self.slots), self.slot_ms, self.frame_ms, self.paired)
        else:
            start, nxt = 0, EVAC_BURST_PERIOD_MS if k + 1 < EVAC_BURST_REPEATS else EVAC_SLOW_REPEAT_MS
        f = self.frame(P.T_EVACUATE, ev["order"], 1, start, done)
        self.captured.append(f)
        self.send(f, now)
        self.later(now + nxt, lambda t: self._repeat(t, k + 1))

    # --- restart ---

    def persisted(self):
        """What the console keeps on disk (console/state.py save_alarms, its sender and counter files)."""
        import json

        ev = self.ev
        return json.dumps({"ack_of": {str(k): sorted(v) for k, v in self.ack_of.items()},
                           "acked": sorted([list(x) for x in self.alarms_acked]), "calls": self.calls,
                           "ev": None if ev is None else {k: ({str(i): t for i, t in v.items()}
                                                              if isinstance(v, dict) else v)
                                                          for k, v in ev.items()}})

    def restart(self, now, gap_ms):
        """The console process ends now and starts again ``gap_ms`` later from ``persisted()``."""
        import json

        doc = json.loads(self.persisted())
        self.gen += 1
        self.restarts += 1
        self.down_until = now + gap_ms

        def back(t):
            self.ack_of = {int(k): set(v) for k, v in doc["ack_of"].items()}
            self.alarms_acked = {tuple(x) for x in doc["acked"]}
            self.calls = doc["calls"]
            self.enc = P.Encoder(self.keys, TEAM, self.id, P.TxCounter(self.counter_store))
            e = doc["ev"]
            if e is not None:
                ev = {k: ({int(i): t for i, t in v.items()} if k in ("acks", "stopped") else v) for k, v in e.items()}
                self.evacuations[-1] = self.ev = ev
                if ev["clear_t"] is not None:
                    self._clear_repeat(t, ALL_CLEAR_SENDS)
                elif ev["all_acked"] is None:
                    # resumed: the order's burst and rounds with the persisted group receipt; an insole whose answer
                    # was lost meanwhile is not in it and answers again in its slot
                    self._repeat(t, 0)  # the burst again: who missed it during the outage hears it now
        self.sim.at(now + gap_ms, back)

    def switch_console(self, name):
        """A second (or replacement) console takes over: its own sender id, its counter from 1
        (the first console's timers stop with it)."""
        self.gen += 1
        self.name = name
        self.id = self.keys.device_id(name)
        self.counter_store = P.MemoryStore()
        self.enc = P.Encoder(self.keys, TEAM, self.id, P.TxCounter(self.counter_store))


class TeamSim:
    def __init__(self, cfg: TeamConfig, host=None):
        """``host(line, now)`` receives the gateway's lines; None = the scripted supervisor."""
        if cfg.scenario not in SCENARIOS:
            raise ValueError("unknown scenario %r (one of %s)" % (cfg.scenario, ", ".join(SCENARIOS)))
        if not 0 <= cfg.loss < 1:
            raise ValueError("loss must be in [0, 1)")
        if cfg.insoles < 1:
            raise ValueError("insoles must be >= 1")
        self.cfg = cfg
        self.host = host
        self.rng = random.Random(cfg.seed)
        self.keys = P.Keys(TEAM_KEY)
        self.q = []
        self.n = 0
        self.now = 0
        self.air = {UP: [], DOWN: []}  # transmissions in progress or recent, per channel
        self.uplink_log = {}
        self.alarms = {}  # (insole, seq) -> {"t", "delivered"}
        self.forged_vibrated = set()
        self.attacker = Attacker()
        self.stats = {"lost": 0, "collided": 0, "half_duplex": 0, "gateway_down": 0, "outbox_full": 0}
        self.gw_tx_until = -1
        self.gw_down = []  # (start, end)
        self.gw_airtime_ms = 0
        self.board = load_board("sim")
        if cfg.pairs:  # worker p: insole 2p left, 2p + 1 right (roster order)
            self.insoles = [Insole(self, 2 * p + f, b"insole-%d-%s" % (p, b"LR"[f:f + 1]), p, "LR"[f])
                            for p in range(cfg.insoles) for f in (0, 1)]
        else:
            self.insoles = [Insole(self, i) for i in range(cfg.insoles)]
        self.supervisor = Supervisor(self)
        gid = self.keys.device_id(b"gateway")
        self.gw_lines = []
        self.gateway = Gateway(self.keys, TEAM, gid, P.TxCounter(P.MemoryStore()), P.MemoryStore(),
                               self._gateway_line, capacity=max(64, len(self.insoles) + 8), sf=SF, bw_hz=BW)
        self.gateway.hello()
        self._gw_wake = None
        self._planned = {}  # insole -> end of its planned trace (ms)

    # --- event queue ---

    def at(self, t, fn):
        self.n += 1
        heapq.heappush(self.q, (t, self.n, fn))

    def run(self):
        end = self.cfg.duration_s * 1000
        while self.q:
            t, _, fn = heapq.heappop(self.q)
            if t > end:
                break
            self.now = t
            fn(t)
        return self

    # --- medium ---

    def transmit(self, tx: Tx):
        lst = self.air[tx.channel]
        lst[:] = [o for o in lst if o.end > tx.start - 5000]
        for o in lst:
            if o.start < tx.end and tx.start < o.end:
                o.hit = tx.hit = True
        lst.append(tx)
        self.at(tx.end + self.cfg.latency_ms, lambda t: self._arrive(tx, t))

    def _lost(self):
        return self.rng.random() < self.cfg.loss

    def _gw_down(self, t):
        return any(a <= t < b for a, b in self.gw_down)

    def _arrive(self, tx, now):
        if tx.channel == UP:
            if self._gw_down(tx.start) or self._gw_down(tx.end):
                self.stats["gateway_down"] += 1
                return
            if self.gw_tx_until > tx.start and self._gw_tx_start < tx.end:
                self.stats["half_duplex"] += 1
                return
            if tx.hit:
                self.stats["collided"] += 1
                return
            if self._lost():
                self.stats["lost"] += 1
                return
            self.gateway.on_uplink(tx.data, len(tx.data), tx.end, "lora")
            self._gw_kick(now)
            return
        for ins in self.insoles:
            if tx.hit or self._lost():
                continue
            ins.hear(tx, now)

    # --- gateway ---

    def _gateway_line(self, line):
        self.gw_lines.append(line)
        if self.host is not None:
            self.host(line, self.now)
        else:
            self.at(self.now + 1, lambda t: self.supervisor.on_line(line, t))

    def host_line(self, line, now):
        self.gateway.on_line(line, now)
        self._gw_kick(now)

    def _gw_kick(self, now):
        due = now + self.gateway.next_due(now)
        if self._gw_wake is None or due < self._gw_wake or self._gw_wake < now:
            self._gw_wake = due
            self.at(due, self._gw_service)

    _gw_tx_start = -1

    def _gw_service(self, now):
        if self._gw_wake is not None and now < self._gw_wake:
            return
        self._gw_wake = None
        if self._gw_down(now):  # nothing goes out; host frames wait in the gateway's queue
            self.at(min(b for a, b in self.gw_down if a <= now < b), self._gw_kick)
            return
        if now < self.gw_tx_until:
            self.at(self.gw_tx_until, self._gw_kick)
            return
        out = self.gateway.service(now)
        if out:
            frame, long, ms = out
            self._gw_tx_start = now
            self.gw_tx_until = now + ms
            self.gw_airtime_ms += ms
            self.transmit(Tx(now, now + ms, DOWN, self.gateway, frame, long))
            self.at(now + ms, self._gw_kick)
            return
        if self.gateway.queue or self.gateway.acks:
            nxt = self.gateway.acks[0][0] if self.gateway.acks else now + 1000
            self.at(max(now + 10, min(nxt, now + 1000)), self._gw_kick)

    def on_host_uplink(self, sender, counter, type_, now):
        rec = self.uplink_log.get((sender, counter))
        if rec and type_ == P.T_ALARM:
            a = self.alarms.get((rec[0], rec[1]))
            if a is not None and a["delivered"] is None:
                a["delivered"] = now

    # --- scenario ---

    def radio(self, index):
        """The insole that raises worker ``index``'s SOS: the worker's insole, or in pair mode the right one."""
        return self.insoles[2 * index + 1] if self.cfg.pairs else self.insoles[index]

    def alarm(self, t, index, cause, detail=0, recover_s=None, kind=None):
        """A person alarm of worker ``index`` at about ``t``. Single insoles: on insole ``index``.
        Pairs: an SOS on the right insole only; a fall / man-down on both, the first foot (seeded
        choice) at ``t``, the other PAIR_SKEW_MS (seeded, 0..300 ms) later, each over its own trace."""
        if not self.cfg.pairs:
            self._alarm_on(t, index, cause, detail, recover_s, kind)
            return
        left, right = 2 * index, 2 * index + 1
        if cause == CAUSE_SOS:
            self._alarm_on(t, right, cause, detail, recover_s, kind)
            return
        first, second = (left, right) if self.rng.randrange(2) else (right, left)
        skew = self.rng.randrange(PAIR_SKEW_MS + 1)
        self._alarm_on(t, first, cause, detail, recover_s, kind)
        self._alarm_on(t + skew, second, cause, detail, recover_s, kind)

    def _alarm_on(self, t, index, cause, detail=0, recover_s=None, kind=None):
        """A person alarm on insole ``index`` at about ``t``: raised by the core over a generated
        trace (module docstring; ``kind`` names a CORE_SCRIPTS entry), or scripted when that insole
        is still replaying one."""
        if kind is None:
            kind = {CAUSE_FALL: "fall", CAUSE_MAN_DOWN: "man_down", CAUSE_SOS: "sos"}[cause]
            if recover_s and cause != CAUSE_SOS:
                kind += "_up"
        seed = self.rng.randrange(1 << 16)
        ins = self.insoles[index]
        off = core_trace(kind, seed)[3]
        n = core_trace(kind, seed)[4]
        start = t - (off if off is not None else 0)
        if self.cfg.core and off is not None and start >= 0 and start > self._planned.get(index, -1):
            self._planned[index] = start + n * 10
            self.at(start, lambda now: ins.start_app(now, kind, seed))
            return

        def go(now):
            seq = ins.event(now, EV_ALARM, cause, detail)
            if seq is not None:
                self.alarms[(index, seq)] = {"t": now, "delivered": None, "insole": index, "core": False,
                                             "first_tx": None, "detected": now, "cause": cause}
            if recover_s:
                self.at(now + recover_s * 1000, lambda t2: ins.event(t2, EV_RECOVERED, cause, recover_s))
        self.at(t, go)

    def script(self):
        cfg, rng = self.cfg, self.rng
        n = cfg.insoles
        dur = cfg.duration_s * 1000
        for ins in self.insoles:
            first = rng.randrange(HEARTBEAT_MS)
            for t in range(first, dur, HEARTBEAT_MS):
                self.at(t, lambda now, ins=ins: ins.event(now, EV_HEARTBEAT, 0, 80 + rng.randrange(20)))
        sc = cfg.scenario
        scale = dur / 3600_000
        faults = ("lost-acks", "order-id-wrap", "second-console", "console-restart", "journal-wipe", "roll-call-flood")
        evac_t = int(dur * 0.5) if sc == "all" or sc in faults else int(dur * 0.3)
        sup = self.supervisor
        picks = rng.sample(range(n), min(n, 3))
        while len(picks) < 3:
            picks.append(picks[-1])
        if sc == "all":
            k = max(3, n // 5)
            for _ in range(k):
                t = rng.randrange(int(120_000 * scale), int(3000_000 * scale))
                cause = rng.choice((CAUSE_FALL, CAUSE_MAN_DOWN, CAUSE_SOS))
                self.alarm(t, rng.randrange(n), cause, 4 if cause == CAUSE_FALL else 0,
                           rng.randrange(60, 300) if cause != CAUSE_SOS else None)
        if sc in ("all", "gateway-outage"):
            start = int(dur * (0.17 if sc == "all" else 0.3))
            self.gw_down.append((start, start + 120_000))
            self.alarm(start + 30_000, picks[0], CAUSE_SOS)
            self.alarm(start + 60_000, picks[1], CAUSE_FALL, 5, 200)
        if sc in ("all", "reset-mid-alarm"):
            t = int(dur * (0.25 if sc == "all" else 0.2))
            self.alarm(t, picks[2], CAUSE_MAN_DOWN, 30)
            self.at(t + 500, lambda now: self.radio(picks[2]).reset(now))  # before the receipt ack
        if sc in ("all", "fall-during-evacuation"):
            self.alarm(evac_t + 1000, picks[0], CAUSE_FALL, 6, 120)
        if sc == "lost-acks":  # every supervisor ack's first send is lost; 3 workers fall twice (the script)
            sup.drop_first_ack = True
            for k, i in enumerate(sorted(set(picks))):
                self.alarm(int(dur * (0.05 + 0.05 * k)), i, CAUSE_FALL, 4, kind="two_falls")
        if sc in ("order-id-wrap", "second-console") and self.host is None:
            # a first evacuation and its all-clear: order 65535 (the last id before the wrap), or order 7
            # of the first console; then the next order is 1: after the wrap, or from a second console
            first = int(dur * 0.2)
            self.at(first, lambda now: sup.evacuate(now, 65535 if sc == "order-id-wrap" else 7))
            # at the latest (the all-clear comes 30 s after all confirmed): never the second evacuation's
            self.at(first + int(dur * 0.2), lambda now: sup.all_clear(now) if len(sup.evacuations) == 1 else None)
            if sc == "second-console":
                self.at(int(dur * 0.45), lambda now: sup.switch_console(b"console-2"))
        if sc == "console-restart" and self.host is None:  # mid-evacuation, inside the first burst
            self.at(evac_t + 2000, lambda now: sup.restart(now, RESTART_GAP_MS))
        if sc == "journal-wipe":  # erase_flash + reflash: journal, counter and window store gone; then an SOS
            t = int(dur * 0.2)
            self.radio(picks[0]).in_service(3000)  # weeks of frames before: its counter is far from 1
            self.at(t, lambda now: self.radio(picks[0]).wipe(now))
            self.alarm(t + BOOT_MS + 60_000, picks[0], CAUSE_SOS)
        if sc == "roll-call-flood" and self.host is None:  # a host floods roll calls until the evacuation
            for t in range(int(dur * 0.2), evac_t, ROLL_CALL_FLOOD_MS):
                self.at(t, sup.roll_call)
        if self.host is None:  # an attached console orders its own evacuations
            self.at(evac_t, lambda now: sup.evacuate(now, 1))
        forge_t = int(dur * 0.1)
        self.at(forge_t, self._forge)
        self.at(evac_t + 1, self._watch_clear)
        return self

    def _forge(self, now):
        bad = P.Encoder(P.Keys(b"not-the-team-key-at-all!"), TEAM, self.supervisor.id, P.TxCounter(P.MemoryStore()))
        for order in (1, 2):
            k = bad.encode(P.T_EVACUATE, order, 0)
            f = bytes(bad.mv[:k])
            self._attack(now + order * 3000, f)

    def _attack(self, t, f, tries=480):
        """The attacker sends ``f`` at ``t``, or as soon after as the downlink channel is quiet (it
        wants to be heard: a frame over the gateway's would be lost, with the gateway's)."""
        ms = _ms(len(f), LONG_PREAMBLE)

        def go(now):
            gw = self.gateway
            busy = (self.gw_tx_until > now or gw.queue or any(a[0] < now + ms + 50 for a in gw.acks)
                    or any(o.start < now + ms and now < o.end for o in self.air[DOWN]))
            if busy and tries > 0:
                self._attack(now + 250, f, tries - 1)
                return
            self.transmit(Tx(now, now + ms, DOWN, self.attacker, f, True))
        self.at(t, go)

    def _watch_clear(self, now):
        """After the all-clear the attacker replays every captured real order."""
        if not self.supervisor.cleared:
            self.at(now + 5000, self._watch_clear)
            return
        t = now + 60_000
        for f in self.supervisor.captured[:1] + self.supervisor.captured[-1:]:
            self._attack(t, f)
            t += 3000

    # --- results ---

    def report(self) -> dict:
        """Figures with flat dotted keys ('alarms.sent', 'alarms.latency_ms.p95', ...), as bench --json."""
        return flatten(self.figures())

    def figures(self) -> dict:
        cfg = self.cfg
        done = [a for a in self.alarms.values() if a["delivered"] is not None]
        lat = [a["delivered"] - a["first_tx"] for a in done if a["first_tx"] is not None]
        lat_det = [a["delivered"] - a["detected"] for a in done]
        acked = 0
        for (i, seq), a in self.alarms.items():
            ins = self.insoles[i]
            if ins.up and all(r[0] != seq for r in ins.box.pending()):
                acked += 1
        sup = self.supervisor
        ev = sup.ev or {"order": 0, "t": 0, "acks": {}, "via": {}, "all_acked": None, "clear_t": None, "stopped": {}}
        order_t = ev["t"]
        ttv = [ins.vibrated[ev["order"]] - order_t for ins in self.insoles if ev["order"] in ins.vibrated]
        hours = cfg.duration_s / 3600
        end = cfg.duration_s * 1000
        out = {
            "insoles": len(self.insoles),
            "loss": cfg.loss,
            "seed": cfg.seed,
            "scenario": cfg.scenario,
            "duration_s": cfg.duration_s,
            "alarms": {
                "sent": len(self.alarms),
                "detected_by_core": sum(1 for a in self.alarms.values() if a.get("core")),
                "delivered": len(done),
                "acknowledged": acked,
                "latency_ms": _stats(lat),  # first transmission -> the console has it
                # the detector's event (fall / man-down recognised = pre-alarm start, SOS gesture
                # recognised; a scripted alarm's time) -> the console has it; includes the pre-alarm
                "latency_from_detection_ms": _stats(lat_det),
            },
            "core": {
                "insoles": sum(1 for i in self.insoles if i.samples),
                "samples": sum(i.samples for i in self.insoles),
            },
            "evacuation": {  # the last evacuation ordered (the one after a scenario's fault)
                "orders": len(sup.evacuations),
                "insoles_vibrated": len(ttv),
                "acks": len(ev["acks"]),  # insoles confirmed: by evac_ack, or a heartbeat saying "evacuating"
                "confirmed_by_heartbeat": ev["via"].get("heartbeat", 0),
                "confirmed_by_roll_call": ev["via"].get("roll_call", 0),
                "time_to_vibrate_ms": _stats(ttv),
                "all_acked_after_ms": (ev["all_acked"] - order_t) if ev["all_acked"] is not None else None,
            },
            "all_clear": {  # of the last evacuation: insoles whose heartbeat said they stopped evacuating
                "sent": ev["clear_t"] is not None,
                "confirmed": len(ev["stopped"]),
                "confirmed_after_ms": (max(ev["stopped"].values()) - ev["clear_t"])
                if ev["clear_t"] is not None and len(ev["stopped"]) == len(self.insoles) else None,
            },
            "console": {"restarts": sup.restarts, "resyncs_shown": sup.resyncs, "queue_full": sup.queue_full,
                        "supervisor_acks_lost": sup.acks_dropped},
            "forged": {"insoles_vibrated": len(self.forged_vibrated),
                       "frames_rejected": sum(int(ins.d.dec.rejected()) for ins in self.insoles)},
            "airtime_ms_per_insole_hour": round(sum(i.airtime_ms for i in self.insoles) / len(self.insoles) / hours, 1),
            "gateway": {
                "airtime_ms_per_hour": round(self.gw_airtime_ms / hours, 1),
                "uplinks_accepted": self.gateway.uplinks,
                "receipt_acks_sent": self.gateway.acks_sent,
                "receipt_acks_missed": self.gateway.acks_missed,
            },
            "medium": dict(self.stats),
            "uplinks": sum(i.d.sent for i in self.insoles),
            "protection": {  # insoles whose lifecycle would ignore a new fall at the end of the run
                "core_insoles_at_end": sum(1 for i in self.insoles if i.app is not None),
                "unprotected_at_end": sum(1 for i in self.insoles if i.app is not None and unprotected(i.app, end)),
                "supervisor_ack_repeats": self.supervisor.ack_repeats,
                "all_clear_repeats": self.supervisor.clear_repeats,
                "still_evacuating_at_end": sum(1 for i in self.insoles if i.up and i.d.evacuating),
            },
        }
        if cfg.pairs:  # only in pair mode: the single-insole report keeps its keys
            out["pairs"] = True
            out["persons"] = self.person_figures(ev)
            out["duty_cycle"] = duty_figures(self)
        return out

    def acked(self, index, seq):
        """True if insole ``index`` has the supervisor's ack of its record ``seq`` (not pending any more)."""
        ins = self.insoles[index]
        return ins.up and all(r[0] != seq for r in ins.box.pending())

    def person_alarms(self):
        """Pairs: the alarms grouped per worker as the console groups both ids of one worker: an
        alarm joins the worker's latest group of the same cause if that group has none from its
        insole yet and began at most PAIR_GROUP_MS before it. A list of lists of (insole, seq, alarm)."""
        groups = []
        open_ = {}  # (person, cause) -> the latest group
        for (i, seq), a in sorted(self.alarms.items(), key=lambda kv: (kv[1]["t"], kv[0])):
            key = (self.insoles[i].person, a.get("cause"))
            g = open_.get(key)
            if g is not None and all(x[0] != i for x in g) and a["t"] - g[0][2]["t"] <= PAIR_GROUP_MS:
                g.append((i, seq, a))
            else:
                g = [(i, seq, a)]
                groups.append(g)
                open_[key] = g
        return groups

    def person_figures(self, ev):
        """Per worker (pairs): person alarms (the first of the feet's alarms delivered counts, the
        other foot's is a duplicate), and the evacuation by both insoles (the later foot and the first)."""
        groups = self.person_alarms()
        lat, lat_det, delivered, acked = [], [], 0, 0
        for g in groups:
            d = [a["delivered"] for _, _, a in g if a["delivered"] is not None]
            if d:
                delivered += 1
                tx = [a["first_tx"] for _, _, a in g if a["first_tx"] is not None]
                if tx:
                    lat.append(min(d) - min(tx))
                lat_det.append(min(d) - min(a["detected"] for _, _, a in g))
            if any(self.acked(i, seq) for i, seq, _ in g):
                acked += 1
        ins = self.insoles
        order, order_t = ev["order"], ev["t"]
        vib_both, vib_first, ack_both, ack_first = [], [], [], []
        one_only = 0
        for p in range(self.cfg.insoles):
            feet = ins[2 * p], ins[2 * p + 1]
            v = [f.vibrated[order] - order_t for f in feet if order in f.vibrated]
            if v:
                vib_first.append(min(v))
            if len(v) == 2:
                vib_both.append(max(v))
            k = [ev["acks"][f.id] - order_t for f in feet if f.id in ev["acks"]]
            if k:
                ack_first.append(min(k))
            if len(k) == 2:
                ack_both.append(max(k))
            elif k:
                one_only += 1
        sos = [a for a in self.alarms.values() if a.get("cause") == CAUSE_SOS]
        return {
            "workers": self.cfg.insoles,
            "alarms": {
                "raised": len(groups),  # person alarms: one per group of the feet's alarms
                "delivered": delivered,
                "acknowledged": acked,  # at least one foot's alarm acknowledged by the supervisor
                "duplicate_alarms": sum(len(g) - 1 for g in groups),  # the second foot's alarm of a group
                "duplicates_delivered": sum(max(0, sum(1 for _, _, a in g if a["delivered"] is not None) - 1)
                                            for g in groups),
                "from_left": sum(1 for (i, _) in self.alarms if ins[i].foot == "L"),
                "from_right": sum(1 for (i, _) in self.alarms if ins[i].foot == "R"),
                "sos_from_left": sum(1 for a in sos if ins[a["insole"]].foot == "L"),
                "sos_from_right": sum(1 for a in sos if ins[a["insole"]].foot == "R"),
                "latency_ms": _stats(lat),  # the group's first transmission -> the console has the first
                "latency_from_detection_ms": _stats(lat_det),
            },
            "evacuation": {  # the last evacuation ordered
                "vibrated_both": len(vib_both),
                "time_to_vibrate_ms": _stats(vib_both),  # the later of the two feet
                "time_to_vibrate_first_ms": _stats(vib_first),
                "acked_both": len(ack_both),
                "acked_one_only": one_only,
                "ack_ms": _stats(ack_both),  # order -> the later foot's confirmation at the console
                "ack_first_ms": _stats(ack_first),
            },
        }


def duty_figures(sim):
    """Duty cycle: the busiest insole's most loaded sliding hour of uplink airtime (% of the hour,
    as its airtime.DutyCycle counts it for admission; the EU868 limit is 1 %), and the gateway's
    downlink airtime over the run per hour (% ; g3: 10 %)."""
    best = max(ins.duty_peak_ms for ins in sim.insoles)
    hours = sim.cfg.duration_s / 3600
    return {"max_insole_pct": round(100 * best / 3600_000, 3),
            "gateway_pct": round(100 * sim.gw_airtime_ms / hours / 3600_000, 3)}


def flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flatten(v, prefix + k + "."))
        else:
            out[prefix + k] = v
    return out


def _stats(xs):
    if not xs:
        return {"median": None, "p95": None, "max": None}
    s = sorted(xs)
    p95 = s[min(len(s) - 1, int(0.95 * len(s) + 0.999999) - 1)]
    return {"median": int(statistics.median(s)), "p95": int(p95), "max": int(s[-1])}


def run(cfg: TeamConfig) -> TeamSim:
    """Build, script and run one simulation; ``.report()`` gives the figures."""
    return TeamSim(cfg).script().run()
