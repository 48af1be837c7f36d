"""The MQTT bridge against the shipped site broker configuration
(console/mosquitto/: TLS only, passwords, client certificates, ACLs) on a
real Mosquitto on loopback: poison orders do not end the bridge, only the
console writes state, state is signed, order nonces survive a restart, an
unreachable broker is reported."""
import json
import math
import ssl
import threading

import paho.mqtt.client as mqtt
import pytest

from console_support import need, wait
from soleguard_console.broker import SiteMosquitto, find_binary, free_port
from soleguard_console.console import Console
from soleguard_console.fakegw import FakeGateway
from soleguard_console.keyfile import TeamKey
from soleguard_console.mqtt import MqttBridge, OrderChecker, OrderError, sign_order, state_key, verify_state
from soleguard_console.roster import Person, Roster

KEY = bytes(range(32))
P = "soleguard/plant/7"


class Client:
    """A TLS client of the site broker that keeps what it receives."""

    def __init__(self, broker, user, password=None, cid=None, sub="soleguard/#"):
        self.msgs, self.lock, self.rc = [], threading.Lock(), None
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=cid or "t-" + user, clean_session=True)
        self.c.tls_set(ca_certs=broker.ca, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        if user != "anonymous":
            self.c.username_pw_set(user, broker.passwords.get(user) if password is None else password)

        def on_connect(c, u, f, rc, p=None):
            self.rc = rc
            if not rc.is_failure:
                c.subscribe(sub, qos=1)

        self.c.on_connect = on_connect
        self.c.on_message = self._on
        self.c.reconnect_delay_set(0.2, 1)
        self.c.connect("127.0.0.1", broker.port, keepalive=5)
        self.c.loop_start()

    def _on(self, c, u, m):
        with self.lock:
            self.msgs.append((m.topic, bool(m.retain), m.payload))

    def find(self, topic, retained=None):
        with self.lock:
            return [json.loads(p) if p else None for t, r, p in self.msgs
                    if t == topic and (retained is None or r == retained)]

    def publish(self, topic, payload, retain=False):
        self.c.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def stop(self):
        self.c.loop_stop()
        self.c.disconnect()


@pytest.fixture
def site(tmp_path):
    need(find_binary(), "mosquitto")
    broker = SiteMosquitto().start()
    gw = FakeGateway(KEY, 7, n=3, answer_ms=(10, 50))
    con = Console(TeamKey("plant", 7, KEY), Roster([Person(s.id, "Worker %d" % s.index) for s in gw.insoles]),
                  str(tmp_path), "alice", gw.connect, repeat_s=0.3).start()
    cert, key = broker.client_cert("console-plant-7")  # the console signs in with its certificate
    bridge = MqttBridge(con, "127.0.0.1", broker.cert_port, ca=broker.ca, cert=cert, key=key).start()
    room = Client(broker, "controlroom")
    assert wait(lambda: con.link.connected and bridge.connected.is_set() and room.rc is not None, 10)
    yield broker, gw, con, bridge, room
    room.stop()
    bridge.stop()
    con.stop()
    gw.close()
    broker.cleanup()


def test_only_the_console_writes_state_and_its_state_is_signed(site):
    broker, gw, con, bridge, room = site
    hexid = "%08x" % gw.insoles[0].id
    gw.alarm(0, cause=3)  # a real SOS: retained alarm state
    topic = "%s/%s/alarm" % (P, hexid)
    assert wait(lambda: room.find(topic))
    assert verify_state(state_key(KEY), json.dumps(room.find(topic)[-1]).encode())["alarms"][0]["cause"] == "sos"
    anon = Client(broker, "anonymous")
    wrong = Client(broker, "dispatcher", password="guess")
    assert wait(lambda: anon.rc is not None and wrong.rc is not None)
    assert anon.rc.is_failure and wrong.rc.is_failure  # no anonymous client, no wrong password
    # the attacks found: erase a real retained SOS, fake a retained fall alarm and a completed evacuation
    fake = json.dumps({"insole": "0badf00d", "alarms": [{"cause": "fall"}], "console": "%08x" % con.signer.id}).encode()
    intruder = Client(broker, "intruder")
    for c in (room, intruder):
        c.publish(topic, b"", retain=True)
        c.publish("%s/0badf00d/alarm" % P, fake, retain=True)
        c.publish(P + "/evacuation", json.dumps({"id": 9, "confirmed": 3, "expected": 3}).encode(), retain=True)
    late = Client(broker, "controlroom", cid="late")
    try:
        assert wait(lambda: late.find(topic, retained=True), 10)
        assert late.find(topic, retained=True)[-1]["alarms"][0]["cause"] == "sos"  # not erased
        assert not late.find("%s/0badf00d/alarm" % P) and not late.find(P + "/evacuation")
        assert intruder.find(topic) == []  # an account without an ACL block reads nothing
        with pytest.raises(OrderError, match="signature"):
            verify_state(state_key(KEY), fake)
    finally:
        for c in (anon, wrong, intruder, late):
            c.stop()


def test_poison_orders_do_not_end_the_bridge(site):
    """Deep nesting, Infinity, oversized: each refused with a reason; the
    bridge then still takes a genuine order and publishes every alarm."""
    broker, gw, con, bridge, room = site
    disp = Client(broker, "dispatcher")
    try:
        assert wait(lambda: disp.rc is not None and not disp.rc.is_failure)
        poisons = [b"[" * 100_000 + b"]" * 100_000,  # RecursionError before
                   b"[" * 2000 + b"]" * 2000,
                   sign_order(KEY, 7, "evacuate", {"point": math.inf}, "mallory"),  # OverflowError before
                   sign_order(KEY, 7, "evacuate", {"point": 10 ** 400}, "mallory"),
                   b'{"v": 1, "x": "' + b"a" * 1_000_000 + b'"}',
                   "\u00e9\u4e2d".encode("utf-16"),
                   sign_order(KEY, 7, "acknowledge", {"insole": ["x"]}, "mallory")]
        for p in poisons:
            disp.publish(P + "/orders", p)
        assert wait(lambda: len(room.find(P + "/orders/result")) == len(poisons), 10)
        errors = [r["error"] for r in room.find(P + "/orders/result")]
        assert all(not r["ok"] for r in room.find(P + "/orders/result"))
        assert "body of" in errors[0] and "nested" in errors[1] and "not a number" in errors[2]
        assert "out of range" in errors[3] and "body of" in errors[4] and "not JSON" in errors[5]
        assert "insole" in errors[6]
        assert bridge.connected.is_set() and not gw.downlinks
        disp.publish(P + "/orders", sign_order(KEY, 7, "evacuate", {"point": 2}, "dispatcher"))
        assert wait(lambda: all(s.evacuations for s in gw.insoles), 10)
        def alarm_events():
            return len([t for t, r, p in room.msgs if t.endswith("/event") and b'"event": "alarm"' in p])

        for i in range(15):  # raised and ended 15 times: more than paho's 20 in-flight messages
            gw.alarm(i % 3, cause=3)
            gw.recovered(i % 3, cause=3)
        assert wait(lambda: alarm_events() >= 15, 15), alarm_events()
    finally:
        disp.stop()


def test_order_nonces_survive_a_console_restart(tmp_path):
    path = str(tmp_path / "mqtt_nonces.json")
    order = sign_order(KEY, 7, "roll_call", operator="bob")
    assert OrderChecker(KEY, 7, nonce_path=path).check(order)["action"] == "roll_call"
    with pytest.raises(OrderError, match="replayed"):
        OrderChecker(KEY, 7, nonce_path=path).check(order)  # a new console process, same state folder


def test_an_unreachable_broker_is_reported_and_the_bridge_retries(tmp_path):
    need(find_binary(), "mosquitto")
    gw = FakeGateway(KEY, 7, n=1)
    con = Console(TeamKey("plant", 7, KEY), Roster([]), str(tmp_path), "alice", gw.connect).start()
    seen = []
    port = free_port()
    bridge = MqttBridge(con, "127.0.0.1", port, on_status=seen.append, retry_s=(0.2, 0.5)).start()
    try:
        st = bridge.status()
        assert not st["connected"] and "unreachable" in st["error"] and "127.0.0.1:%d" % port in st["error"]
        assert seen and seen[0]["event"] == "mqtt_down"
        from soleguard_console.broker import Mosquitto

        broker = Mosquitto(port=port).start()  # the broker comes up later: the bridge connects by itself
        try:
            assert wait(lambda: bridge.connected.is_set(), 10)
            assert bridge.status()["connected"] and seen[-1]["event"] == "mqtt_up"
        finally:
            bridge.stop()
            broker.cleanup()
    finally:
        con.stop()
        gw.close()


def test_the_command_says_when_the_broker_is_unreachable(tmp_path):
    from click.testing import CliRunner

    from soleguard_sim.cli import main

    port = free_port()
    r = CliRunner().invoke(main, ["gateway", "--sim", "--insoles", "1", "--json", "--mqtt", "127.0.0.1:%d" % port,
                                  "--duration", "1", "--state-dir", str(tmp_path)], catch_exceptions=False)
    events = [json.loads(x) for x in r.output.splitlines() if x.startswith("{")]
    down = [e for e in events if e["event"] == "mqtt_down"]
    assert r.exit_code == 0 and down and "unreachable" in down[0]["error"] and str(port) in down[0]["error"]
    r = CliRunner().invoke(main, ["gateway", "--sim", "--insoles", "1", "--no-web", "--mqtt", "127.0.0.1:%d" % port,
                                  "--duration", "1", "--state-dir", str(tmp_path)], catch_exceptions=False)
    assert "mqtt: broker 127.0.0.1:%d unreachable" % port in r.output


def test_the_bridge_signs_in_with_a_password_and_says_when_it_is_refused(site, tmp_path):
    broker, gw, con, bridge, room = site
    bridge.stop()
    good = MqttBridge(con, "127.0.0.1", broker.port, ca=broker.ca, username="console-plant-7",
                      password=broker.passwords["console-plant-7"], client_id="console-by-password").start()
    bad = MqttBridge(con, "127.0.0.1", broker.port, ca=broker.ca, username="console-plant-7", password="nope",
                     client_id="console-bad-password", retry_s=(5, 5)).start()
    try:
        assert wait(lambda: good.connected.is_set(), 10)
        gw.alarm(2, cause=3)
        assert wait(lambda: room.find("%s/%08x/alarm" % (P, gw.insoles[2].id)))
        assert wait(lambda: "refused" in (bad.status()["error"] or ""), 10), bad.status()
        assert not bad.connected.is_set()
    finally:
        good.stop()
        bad.stop()
