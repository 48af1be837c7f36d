"""The demo's story: recordings through firmware insoles, the gateway, and the console.

``DemoScript`` makes things happen on the simulated team (console/simlink.py)
at set simulated times, each on its own insole running the firmware app and
detection core (the team simulation's core-running insoles, sim/team.py):

  1. a fall (a real UMAFall ankle recording when ../shared/datasets is
     there, else the generated walk + forward fall + lying): the insole's
     pre-alarm stays on the insole for PRE_ALARM_MS, escalates to an alarm,
     which reaches the console;
  2. a pre-alarm cancelled by getting up (the real UMAFall "lying down on a
     bed" trial that pre-alarms and is cancelled, else a generated fall and
     getting up after 6 s): no alarm, the console gets a ``cancelled`` record;
  3. a silent SOS (the tap model's three strikes in a generated standing
     trace: there is no labelled SOS recording).

The recordings end while the wearer is lying, so each is followed by its last
sample held for ``HOLD_S`` (lying still), long enough for the pre-alarm to
run out. ``gateway --sim --script demo`` runs the script and leaves the
supervisor's part (acknowledge, evacuate, all clear) to the person at the web
console; ``run_story`` (``soleguard demo``) also plays the supervisor through
the console's Python API and prints the story: the acknowledgement reaching
the insole, then an evacuation confirmed insole by insole and the all clear.
"""
import time
from pathlib import Path

from soleguard.core.config import Config
from soleguard.core.events import CAUSE_FALL, CAUSE_NAMES, EV_ALARM, EV_CANCELLED, EV_CLEARED, EV_PRE_ALARM, EV_RECOVERED, \
    TYPE_NAMES

HOLD_S = 25
FALL = "UMAFall_Subject_02_Fall_forwardFall_1"  # pre-alarm 0.9 s after the impact (docs/DETECTION.md)
BED = "UMAFall_Subject_04_ADL_LyingDown_OnABed_1"  # pre-alarm, then cancelled by getting up within 15 s
GET_UP = "stand 5\nwalk 10\nfall_forward 3\nlie 6\nget_up 3\nstand 10\n"  # up well inside the pre-alarm
STEPS = (  # (simulated start s, insole index, what, recording or None, generated script name)
    (1, 0, "a fall", FALL, "fall"),
    (3, 1, "lying down: a pre-alarm, cancelled by getting up", BED, "get_up"),
    (24, 2, "a silent SOS: three taps of the right foot against the left", None, "sos"),
)


def _hold(tr, seconds):
    """``tr`` with its last sample repeated for ``seconds`` more (the wearer stays as the recording ends)."""
    import numpy as np

    from soleguard_sim.trace import Trace

    n = int(seconds * 100)
    t = np.concatenate([tr.t_ms, tr.t_ms[-1] + 10 * np.arange(1, n + 1)])
    imu = np.vstack([tr.imu, np.repeat(tr.imu[-1:], n, axis=0)]) if tr.imu is not None else None
    loads = np.vstack([tr.loads, np.repeat(tr.loads[-1:], n, axis=0)]) if tr.loads is not None else None
    return Trace(dict(tr.meta, name=tr.name + "_held"), t, imu, loads)


def recordings(datasets):
    """{recording name: trace} of the real recordings the script uses, those found under ``datasets``."""
    from soleguard_sim.importers import module

    out = {}
    folder = Path(datasets) / "umafall_ankle" if datasets else None
    for name in (FALL, BED):
        files = sorted(folder.glob(name + "_*.csv")) if folder and folder.is_dir() else []
        if files:
            out[name] = module("umafall").import_file(files[0])[0]
    return out


class DemoScript:
    """Schedules the STEPS on ``team`` (a started or unstarted simlink.SimTeam); ``say(text)`` narrates."""

    def __init__(self, team, datasets=None, say=print, hold_s=HOLD_S):
        from soleguard_sim.team import add_trace

        need = 1 + max(step[1] for step in STEPS)
        if len(team.insoles) < need:
            raise ValueError("the demo script needs at least %d insoles (--insoles)" % need)
        self.team = team
        self.say = say
        self.log = []  # (app ms, insole index, event name, cause name): what the insoles' apps emitted
        self.sources = {}
        real = recordings(datasets)
        for start, index, what, rec, kind in STEPS:
            if rec in real:
                add_trace("demo-%d" % index, _hold(real[rec], hold_s))
                self.sources[index] = "real recording %s (its last sample held %d s)" % (real[rec].name, hold_s)
            else:
                add_trace("demo-%d" % index, _generated(kind, hold_s))
                self.sources[index] = "generated trace (%s; sim/scenario.py%s)" % (
                    kind, ", tap model" if kind == "sos" else "")

    def name(self, index):
        return self.team.roster().label(self.team.insoles[index].id)

    def schedule(self):
        """Put every step on the team's event queue (simulated time from now)."""
        with self.team.lock:
            now = self.team.gw.now
            for start, index, what, rec, kind in STEPS:
                self.team.sim.at(now + start * 1000, lambda t, i=index, w=what: self._start(t, i, w))
        return self

    def _start(self, now, index, what):
        ins = self.team.insoles[index]
        self.say("%6.1f s  %s's insole: %s -- its firmware app replays the %s" % (
            now / 1000, self.name(index), what, self.sources[index]))
        ins.start_app(now, "demo-%d" % index, 0)
        app = ins.app
        if app is None:
            return
        inner = app.on_event

        def on_event(t, type_, cause, detail):
            if inner is not None:
                inner(t, type_, cause, detail)
            if type_ in (EV_PRE_ALARM, EV_ALARM, EV_CANCELLED, EV_RECOVERED, EV_CLEARED):
                sim_now = self.team.sim.now
                self.log.append((t, index, TYPE_NAMES[type_], CAUSE_NAMES[cause]))  # t: the app's sample clock
                self.say("%6.1f s  %s's insole: %s" % (sim_now / 1000, self.name(index), _insole_text(type_, cause)))

        app.on_event = on_event


def _generated(kind, hold_s):
    from soleguard_sim.scenario import generate, parse_script
    from soleguard_sim.team import CORE_SCRIPTS

    tr = generate(parse_script(CORE_SCRIPTS.get(kind, GET_UP), kind), seed=1)
    if kind == "sos":
        import numpy as np

        from soleguard_sim import tapmodel as tm

        g = tm.strike_gesture(tm.sample_params(np.random.default_rng(1)))
        tr = tm.inject(tr, g, 28000, "sos_demo", True)
    return _hold(tr, hold_s)


def _insole_text(type_, cause):
    c = CAUSE_NAMES[cause].replace("_", "-")
    pre = Config().PRE_ALARM_MS // 1000
    if type_ == EV_PRE_ALARM:
        return ("PRE-ALARM (%s): the insole vibrates; %d s for the wearer to cancel by getting up; "
                "nothing is sent yet" % (c, pre))
    if type_ == EV_ALARM:
        return "ALARM (%s): into the outbox journal, sent over LoRa, resent until the gateway gives receipt" % c
    if type_ == EV_CANCELLED:
        return "pre-alarm (%s) CANCELLED: the wearer got up; no alarm is raised" % c
    if type_ == EV_RECOVERED:
        return "the wearer is up again (%s): recovered" % c
    return "alarm (%s) ENDED on the insole: acknowledged by the supervisor%s" % (
        c, "" if cause != CAUSE_FALL else " and the wearer up")


def _console_text(e, label):
    who = label(int(e["insole"], 16)) if e.get("insole") else ""
    ev = e["event"]
    if ev == "alarm":
        return "ALARM card: %s, %s" % (who, e["cause"].replace("_", "-"))
    if ev == "alarm_acknowledged":
        return "%s acknowledged %s's alarm: an ack downlink goes to the insole" % (e["operator"], who)
    if ev == "cancelled":
        return "%s: pre-alarm cancelled by %s (a record only, no card)" % (who, e.get("cancel_by"))
    if ev == "recovered":
        return "%s is up again after %s s" % (who, e.get("recovery_s"))
    if ev == "evacuation_ordered":
        return "EVACUATION ordered by %s, assembly point %s (order id %s)" % (e.get("operator"), e.get("point"), e.get("id"))
    if ev == "evac_ack":
        return "evacuation confirmed by %s's insole (it vibrates)" % who
    if ev == "evacuation_complete":
        return "evacuation: every insole confirmed"
    if ev == "all_clear":
        return "ALL CLEAR sent by %s" % e.get("operator")
    return None


def run_story(datasets=None, say=print, speed=40.0, insoles=5, state_dir=None, timeout_s=120.0):
    """The whole story without a browser: the script, the console's Python API as the supervisor.

    Returns a dict of what happened (for tests): ``insole`` (the apps' events), ``console`` (the
    console's events, heartbeats left out), ``evacuation`` (confirmed, expected), ``acked_on_insole``.
    Raises RuntimeError when a step does not happen within ``timeout_s`` (wall clock).
    """
    import socket
    import tempfile

    from soleguard.core.radioport import CMD_ALARM_ACK

    from .console import Console
    from .simlink import SimTeam

    team = SimTeam(insoles, 0.0, 1, speed)
    roster = team.roster()
    script = DemoScript(team, datasets, say)
    acked = {}
    for ins in team.insoles[:3]:
        orig = ins.d.on_frame

        def on_frame(buf, k, now, orig=orig, ins=ins):
            cmd = orig(buf, k, now)
            if cmd == CMD_ALARM_ACK:
                acked.setdefault(ins.index, now)
            return cmd
        ins.d.on_frame = on_frame
    tmp = tempfile.TemporaryDirectory(prefix="soleguard-demo-")
    con = Console(team.team_key("demo-site"), roster, state_dir or tmp.name, "Sam (supervisor)", team.connect,
                  console_hw=socket.gethostname().encode(), repeat_s=2.5 / speed)
    seen = []

    def on_console(e):
        if e["event"] == "heartbeat":
            return
        seen.append(e)
        text = _console_text(e, roster.label)
        if text:
            say("%6.1f s  console: %s" % (team.gw.now / 1000, text))

    con.add_listener(on_console)
    end = time.monotonic() + timeout_s

    def wait(what, cond):
        while not cond():
            if time.monotonic() > end:
                raise RuntimeError("demo: %s did not happen within %.0f s" % (what, timeout_s))
            time.sleep(0.01)

    team.start()
    con.start()
    try:
        wait("the gateway connecting", lambda: con.link.connected)
        script.schedule()
        ids = [s.id for s in team.insoles]

        def alarm_of(index, cause):
            return any(e["event"] == "alarm" and e["insole"] == "%08x" % ids[index] and e["cause"] == cause
                       for e in seen)

        def sim_wait(what, cond, seconds):
            wait(what, cond)
            t = team.gw.now + seconds * 1000
            wait(what, lambda: team.gw.now >= t)

        sim_wait("the fall alarm at the console", lambda: alarm_of(0, "fall"), 5)  # the supervisor reads the card
        con.acknowledge(script.name(0))
        wait("the acknowledgement reaching the fall insole", lambda: 0 in acked)
        say("%6.1f s  %s's insole: the supervisor's acknowledgement arrived (help is on the way); the card stays, "
            "marked acknowledged, until the wearer is up" % (acked[0] / 1000, script.name(0)))
        wait("the cancelled pre-alarm", lambda: any(x[1] == 1 and x[2] == "cancelled" for x in script.log))
        sim_wait("the SOS at the console", lambda: alarm_of(2, "sos"), 3)
        con.acknowledge(script.name(2))
        wait("the acknowledgement reaching the SOS insole", lambda: 2 in acked)
        say("%6.1f s  %s's insole: the acknowledgement arrived; a silent SOS ends with it" % (
            acked[2] / 1000, script.name(2)))
        con.evacuate(point=1)
        wait("every insole confirming the evacuation",
             lambda: con.state.evacuation is not None and not con.state.evacuation.missing())
        ev = con.state.evacuation
        con.all_clear()
        sim_wait("the all clear", lambda: any(e["event"] == "all_clear" for e in seen), 2)
        return {"insole": list(script.log), "console": [dict(e) for e in seen],
                "evacuation": (len(ev.answers), len(ev.expected)), "evacuation_id": ev.id,
                "acked_on_insole": sorted(acked), "sources": dict(script.sources)}
    finally:
        con.stop()
        team.stop()
        tmp.cleanup()
