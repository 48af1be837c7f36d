"""MQTT bridge end to end through a real Mosquitto broker on loopback:
alarm -> subscriber, acknowledgement order -> insole, evacuation by an
authorised client -> every insole, forged/replayed/retained orders refused,
and a broker restart loses no alarm."""
import json
import threading

import paho.mqtt.client as mqtt
import pytest

from console_support import start_broker, wait
from soleguard_console.console import Console
from soleguard_console.fakegw import FakeGateway
from soleguard_console.keyfile import TeamKey
from soleguard_console.mqtt import MqttBridge, OrderChecker, OrderError, sign_order
from soleguard_console.roster import Person, Roster

KEY = bytes(range(32))
P = "soleguard/plant/7"


class Sub:
    """A subscriber (and authorised order publisher) that keeps everything."""

    def __init__(self, port, cid="test-sub"):
        self.msgs = []
        self.lock = threading.Lock()
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=cid, clean_session=False)
        self.c.on_connect = lambda c, u, f, rc, p=None: c.subscribe("soleguard/#", qos=1)
        self.c.on_message = self._on
        self.c.reconnect_delay_set(0.1, 1)
        self.c.connect("127.0.0.1", port, keepalive=5)
        self.c.loop_start()

    def _on(self, c, u, m):
        with self.lock:
            self.msgs.append((m.topic, bool(m.retain), json.loads(m.payload) if m.payload else None))

    def find(self, topic, event=None, retained=None):
        with self.lock:
            return [d for t, r, d in self.msgs if t == topic and (event is None or (d and d.get("event") == event))
                    and (retained is None or r == retained)]

    def order(self, action, args=None, key=KEY, **kw):
        self.c.publish(P + "/orders", sign_order(key, 7, action, args, "bob", **kw), qos=1).wait_for_publish(5)

    def stop(self):
        self.c.loop_stop()
        self.c.disconnect()


@pytest.fixture
def rig(tmp_path):
    broker = start_broker()
    gw = FakeGateway(KEY, 7, n=5, answer_ms=(10, 80))
    con = Console(TeamKey("plant", 7, KEY), Roster([Person(s.id, "Worker %d" % s.index) for s in gw.insoles]),
                  str(tmp_path), "alice", gw.connect, repeat_s=0.3).start()
    bridge = MqttBridge(con, "127.0.0.1", broker.port).start()
    sub = Sub(broker.port)
    assert wait(lambda: con.link.connected and bridge.connected.is_set(), 10)
    yield broker, gw, con, bridge, sub
    sub.stop()
    bridge.stop()
    con.stop()
    gw.close()
    broker.cleanup()


def test_alarm_reaches_a_subscriber_and_its_mqtt_acknowledgement_reaches_the_insole(rig):
    broker, gw, con, bridge, sub = rig
    ins = gw.insoles[1]
    hexid = "%08x" % ins.id
    counter = gw.alarm(1, cause=1, detail=4)
    assert wait(lambda: sub.find("%s/%s/event" % (P, hexid), "alarm"))
    (ev,) = sub.find("%s/%s/event" % (P, hexid), "alarm")
    assert (ev["cause"], ev["detail"], ev["v"]) == ("fall", 4, 1)
    assert "name" not in json.dumps(sub.msgs) and "Worker" not in json.dumps(sub.msgs)  # ids only on MQTT
    assert wait(lambda: sub.find("%s/%s/alarm" % (P, hexid)))
    sub.order("acknowledge", {"insole": hexid})
    assert wait(lambda: ins.supervisor_acks)
    assert ins.supervisor_acks[0][1] == counter
    assert wait(lambda: sub.find(P + "/orders/result") and sub.find("%s/%s/event" % (P, hexid), "alarm_acknowledged"))
    assert sub.find(P + "/orders/result")[0]["ok"] is True
    assert sub.find("%s/%s/event" % (P, hexid), "alarm_acknowledged")[0]["operator"] == "bob"
    assert wait(lambda: sub.find("%s/%s/alarm" % (P, hexid))[-1]["alarms"][0]["ack"]["operator"] == "bob")
    gw.recovered(1, cause=1)
    assert wait(lambda: sub.find("%s/%s/alarm" % (P, hexid))[-1] is None)  # retained state cleared


def test_evacuation_published_by_an_authorised_client_reaches_every_insole(rig):
    broker, gw, con, bridge, sub = rig
    sub.order("evacuate", {"point": 3})
    assert wait(lambda: all(s.evacuations for s in gw.insoles))
    assert wait(lambda: sub.find(P + "/event", "evacuation_complete"))
    assert len([d for d in sub.find(P + "/evacuation") if d]) >= 1
    acks = [t for t, r, d in sub.msgs if t.endswith("/event") and d and d["event"] == "evac_ack"]
    assert len(acks) == 5


def test_forged_replayed_and_retained_orders_are_refused_and_nothing_is_sent(rig):
    broker, gw, con, bridge, sub = rig
    sub.order("evacuate", key=bytes(32))  # wrong key
    payload = sign_order(KEY, 7, "evacuate", {}, "bob", nonce="00112233445566aa")
    sub.c.publish(P + "/orders", payload, qos=1).wait_for_publish(5)
    assert wait(lambda: all(s.evacuations for s in gw.insoles))  # the genuine one
    n = len(gw.downlinks)
    sub.c.publish(P + "/orders", payload, qos=1).wait_for_publish(5)  # replayed
    sub.order("evacuate", ts=1)  # stale
    assert wait(lambda: len(sub.find(P + "/orders/result")) == 4)
    errors = [r.get("error") for r in sub.find(P + "/orders/result") if not r["ok"]]
    assert len(errors) == 3 and len(gw.downlinks) == n
    assert "bad MAC" in errors[0] and "replayed" in errors[1] and "stale" in errors[2]
    # a retained order reaches later subscribers with the retain flag: refused
    with pytest.raises(OrderError, match="retained"):
        OrderChecker(KEY, 7).check(sign_order(KEY, 7, "roll_call"), retained=True)
    with pytest.raises(OrderError, match="team 8"):
        OrderChecker(KEY, 7).check(sign_order(KEY, 8, "roll_call"))


def test_a_broker_restart_loses_no_alarm(rig):
    broker, gw, con, bridge, sub = rig
    a, b = ("%08x" % gw.insoles[i].id for i in (0, 2))
    gw.alarm(0, cause=3)
    assert wait(lambda: sub.find("%s/%s/event" % (P, a), "alarm"))
    broker.stop()
    assert wait(lambda: not bridge.connected.is_set())
    gw.alarm(2, cause=2, detail=45)  # raised while the broker is down
    assert wait(lambda: con.state.active_alarms(gw.insoles[2].id))
    broker.start()
    assert wait(lambda: sub.find("%s/%s/event" % (P, b), "alarm"), 15)  # queued QoS 1 publish went out
    late = Sub(broker.port, cid="late-subscriber")  # a console that joins after the restart
    try:
        assert wait(lambda: late.find("%s/%s/alarm" % (P, a), retained=True)
                    and late.find("%s/%s/alarm" % (P, b), retained=True), 10)
        assert late.find("%s/%s/alarm" % (P, b), retained=True)[-1]["alarms"][0]["cause"] == "man_down"
    finally:
        late.stop()


def test_site_wide_evacuation_reaches_another_teams_insoles_through_its_console(rig, tmp_path):
    broker, gw, con, bridge, sub = rig
    key8 = bytes(range(100, 132))
    gw8 = FakeGateway(key8, 8, n=3, answer_ms=(10, 50), seed=8)
    con8 = Console(TeamKey("plant", 8, key8), Roster([Person(s.id, "T8 %d" % s.index) for s in gw8.insoles]),
                   str(tmp_path / "c8"), "carol", gw8.connect, repeat_s=0.3).start()
    bridge8 = MqttBridge(con8, "127.0.0.1", broker.port).start()
    bridge.extra_keys.append(TeamKey("plant", 8, key8))  # this console holds team 8's key too
    try:
        assert wait(lambda: con8.link.connected and bridge8.connected.is_set(), 10)
        con.evacuate(point=4, scope="site")
        assert wait(lambda: all(s.evacuations for s in gw.insoles) and all(s.evacuations for s in gw8.insoles))
        assert wait(lambda: sub.find("soleguard/plant/8/event", "evacuation_complete"))
        assert con8.state.evacuation.operator == "alice" and con8.state.evacuation.extra["point"] == 4
    finally:
        bridge8.stop()
        con8.stop()
        gw8.close()
