"""``soleguard gateway --sim --insoles 50 --bench-mqtt``: latencies through MQTT.

The team simulation runs at real time (speed 1: a simulated ms is a wall ms),
with the firmware gateway role and insoles on the simulated LoRa medium (SF9,
time on air, duty cycle, long-preamble downlinks of ~1.2 s). A console bridges
to a Mosquitto broker (a private one on a free loopback port unless --mqtt is
given); one MQTT client, holding the team key, subscribes and publishes
signed orders. Measured, per insole:

  alarm_to_subscriber_ms      insole raises an alarm -> the MQTT subscriber
                              has its event (LoRa uplink + gateway + console
                              + broker)
  console_to_subscriber_ms    the console emitted that event -> subscriber
                              (the broker hop alone)
  ack_order_to_insole_ms      signed 'acknowledge' order published -> the
                              insole's delivery layer accepts the supervisor
                              ack (broker + console + gateway queue + LoRa)
  alarms and acknowledge orders are paced 1.5 s apart: an uplink, its receipt
  ack (1 s later, half duplex) and a long-preamble downlink take ~1.4 s of air
  evac_ack_to_subscriber_ms   signed 'evacuate' published -> each insole's
                              evac_ack reaches the subscriber (50 insoles
                              answering one order: ALOHA on one channel,
                              0-10 s spread, resends after collisions)
  evacuation_order_to_insole_ms  signed 'evacuate' published -> each insole
                              vibrates
  evacuation_all_confirmed_ms one figure: published -> the subscriber sees
                              'evacuation_complete'
"""
import json
import statistics
import tempfile
import threading
import time

import paho.mqtt.client as mqtt

from soleguard.core.radioport import CMD_ALARM_ACK

from .broker import Mosquitto
from .console import Console
from .mqtt import MqttBridge, sign_order
from .simlink import SimTeam


def _stats(xs):
    xs = sorted(xs)
    if not xs:
        return {"n": 0, "median": None, "p95": None, "max": None}
    p95 = xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]
    return {"n": len(xs), "median": round(statistics.median(xs), 1), "p95": round(p95, 1), "max": round(xs[-1], 1)}


def bench_mqtt(n=50, broker=None, seed=1, loss=0.0, log=print, pace_s=1.5, evac_wait_s=180, progress=None):
    """End-to-end latencies in real time; takes about 2 x ``n`` x ``pace_s`` s plus the evacuation
    (~5.5 min for 50 insoles). ``progress``: None or ``fn(iterable, what, total)`` wrapping each
    paced loop (the CLI passes a tqdm bar)."""
    steps = progress or (lambda it, what, total: it)
    own = None
    if broker is None:
        own = Mosquitto().start()
        broker = ("127.0.0.1", own.port)
    team = SimTeam(n, loss, seed, speed=1.0)
    acked_at = {}
    for ins in team.insoles:
        def wrap(orig, ins=ins):
            def on_frame(buf, k, now):
                cmd = orig(buf, k, now)
                if cmd == CMD_ALARM_ACK:
                    acked_at.setdefault(ins.id, team.wall(now))
                return cmd
            return on_frame
        ins.d.on_frame = wrap(ins.d.on_frame)
    con = Console(team.team_key("bench"), team.roster(), tempfile.mkdtemp(prefix="soleguard-bench-"), "bench",
                  team.connect)
    emitted = {}
    con.add_listener(lambda e: emitted.setdefault((e.get("insole"), e["event"]), time.monotonic()))
    prefix = "soleguard/bench/%d" % con.team
    got = {}
    ready = threading.Event()
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="soleguard-bench-sub")

    def on_connect(c, u, f, rc, p=None):
        c.subscribe(prefix + "/+/event", qos=1)
        c.subscribe(prefix + "/event", qos=1)
        ready.set()

    def on_message(c, u, m):
        d = json.loads(m.payload)
        got.setdefault((d.get("insole"), d["event"]), time.monotonic())

    sub.on_connect, sub.on_message = on_connect, on_message
    sub.connect(*broker)
    sub.loop_start()
    bridge = MqttBridge(con, *broker)
    team.start()
    con.start()
    bridge.start()
    try:
        if not (ready.wait(10) and bridge.connected.wait(10)):
            raise RuntimeError("MQTT broker %s:%d not reachable" % broker)
        deadline = time.monotonic() + 10
        while not con.link.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        ids = ["%08x" % s.id for s in team.insoles]
        log("bench: %d alarms, one every %.1f s (%.0f s)" % (n, pace_s, n * pace_s))
        raised = {}
        for i in steps(range(n), "alarms", n):
            raised[ids[i]] = team.wall(team.alarm(i, 3, 0))
            time.sleep(pace_s)
        _wait(lambda: all((i, "alarm") in got for i in ids), 60)
        log("bench: %d acknowledge orders over MQTT, one every %.1f s (%.0f s)" % (n, pace_s, n * pace_s))
        published = {}
        for i in steps(ids, "acks", n):
            published[i] = time.monotonic()
            sub.publish(prefix + "/orders", sign_order(con.team_key, con.team, "acknowledge", {"insole": i}, "bench"), qos=1)
            time.sleep(pace_s)
        _wait(lambda: len(acked_at) >= n, 30)
        log("bench: evacuation over MQTT, waiting for all %d insoles to confirm (up to %d s)" % (n, evac_wait_s))
        t_evac = time.monotonic()
        sub.publish(prefix + "/orders", sign_order(con.team_key, con.team, "evacuate", {"point": 1}, "bench"), qos=1)
        _wait(lambda: (None, "evacuation_complete") in got, evac_wait_s)
        vib = []
        for s in team.insoles:
            if s.vibrated:
                vib.append((team.wall(min(s.vibrated.values())) - t_evac) * 1000)
        by_id = {"%08x" % s.id: s.id for s in team.insoles}
        return {
            "insoles": n, "loss": loss, "broker": "%s:%d" % broker, "radio": "simulated LoRa SF9/125 kHz, real time",
            "alarm_to_subscriber_ms": _stats([(got[(i, "alarm")] - raised[i]) * 1000 for i in ids if (i, "alarm") in got]),
            "console_to_subscriber_ms": _stats([(got[(i, "alarm")] - emitted[(i, "alarm")]) * 1000
                                                for i in ids if (i, "alarm") in got and (i, "alarm") in emitted]),
            "ack_order_to_insole_ms": _stats([(acked_at[by_id[i]] - published[i]) * 1000 for i in ids if by_id[i] in acked_at]),
            "evacuation_order_to_insole_ms": _stats(vib),
            "evac_ack_to_subscriber_ms": _stats([(got[(i, "evac_ack")] - t_evac) * 1000 for i in ids if (i, "evac_ack") in got]),
            "evacuation_all_confirmed_ms": round((got[(None, "evacuation_complete")] - t_evac) * 1000, 1)
            if (None, "evacuation_complete") in got else None,
            "alarms_delivered": sum((i, "alarm") in got for i in ids),
            "acks_delivered": len(acked_at),
            "insoles_vibrated": len(vib),
            "evac_acks_delivered": sum((i, "evac_ack") in got for i in ids),
            "evacuation_downlinks": con.state.evacuation.sent if con.state.evacuation else 0,
        }
    finally:
        bridge.stop()
        con.stop()
        team.stop()
        sub.loop_stop()
        if own:
            own.cleanup()


def _wait(cond, timeout_s):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end and not cond():
        time.sleep(0.05)
