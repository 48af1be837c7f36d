"""MQTT bridge (paho-mqtt): every event out, authenticated orders in.

Topics (``<p>`` = ``soleguard/<site>/<team>``; payloads JSON, schema v1 in
docs/CONSOLE.md; QoS 1 everywhere):

  <p>/<insole>/event     every event of one insole (alarm, cancelled,
                         recovered, evac_ack, roll_call_answer,
                         alarm_acknowledged, not_heard_from, heard_again)
  <p>/<insole>/alarm     retained: the insole's current alarms (empty payload
                         = none; clears the retained message)
  <p>/<insole>/status    retained: latest heartbeat (battery, status bits)
  <p>/event              team events (evacuation_ordered, all_clear,
                         roll_call_started, *_complete, link_up/down,
                         rejected, action_refused, console_error)
  <p>/evacuation         retained: current evacuation, who confirmed
  <p>/roll_call          retained: current roll call, who answered
  <p>/orders             orders in (never retained), signed (``sign_order``)
  <p>/orders/result      the outcome of each order (nonce, ok, error)

Every non-empty payload the console publishes carries ``sig`` =
HMAC-SHA256(state key, canonical JSON of every other field), state key =
HMAC-SHA256(team key, "soleguard/v1/mqtt-state"): a control room given the
state key (``state_key``, not the team key) checks it with ``verify_state``;
it cannot derive the order key from it. An empty payload clears a retained
topic; only the console's broker account may write there (the shipped ACL,
console/mosquitto/).

Ids only: no payload carries a roster name. On every (re)connection the
bridge re-publishes the retained state, so a broker restarted without its
persistence file still ends up with every current alarm; QoS 1 messages
published while the broker is away wait in the client and go out on
reconnection.

Orders: ``{"v":1, "team":T, "action":A, "args":{...}, "operator":O,
"ts":<unix ms>, "nonce":<16 hex>, "mac":<64 hex>}``; ``mac`` is
HMAC-SHA256(order key, canonical JSON of every other field: sorted keys, no
spaces), order key = HMAC-SHA256(team key, "soleguard/v1/mqtt-order"). A
console accepts an order only if the MAC matches, ``ts`` is within 30 s of its
clock, the nonce is new (nonces are kept for their window in
``<state dir>/mqtt_nonces.json``, so a replay after a console restart is
refused too), and the message is not retained. A payload over
auth.MAX_BODY bytes, nested deeper than auth.MAX_DEPTH, or with a number
that is not finite is refused before it is parsed or used; no message can
end the client's network thread (every exception in ``on_message`` is
caught, reported in ``orders/result`` and the console log).

Connection: TLS (``ca``, optional client ``cert``/``key``), username and
password; paho reconnects with back-off (``RETRY_S``); ``status()`` says
whether the bridge is connected and, if not, why (broker unreachable,
refused credentials), for the web page and the JSON stream.
"""
import hmac as _hmac
import hashlib
import json
import os
import socket
import ssl
import threading
import time

import paho.mqtt.client as mqtt

from . import auth
from .console import ActionError

ORDER_SKEW_MS = 30_000
RETRY_S = (0.5, 30)  # reconnect back-off: first wait, longest wait (seconds; doubles each try)
ACTIONS = ("acknowledge", "evacuate", "all_clear", "roll_call")
_TEAM_EVENTS_RETAINED = {"evacuation_ordered": "evacuation", "evac_ack": "evacuation", "evacuation_complete": "evacuation",
                         "all_clear": "evacuation", "roll_call_started": "roll_call",
                         "roll_call_answer": "roll_call", "roll_call_complete": "roll_call"}


def order_key(team_key):
    return _hmac.new(team_key, b"soleguard/v1/mqtt-order", hashlib.sha256).digest()


def state_key(team_key):
    """The key control rooms need to verify the console's state (not to order)."""
    return _hmac.new(team_key, b"soleguard/v1/mqtt-state", hashlib.sha256).digest()


def _canonical(d, skip="mac"):
    return json.dumps({k: v for k, v in d.items() if k != skip}, sort_keys=True, separators=(",", ":")).encode()


def verify_state(key, payload):
    """The dict of a signed state payload; OrderError when unsigned or altered."""
    try:
        d = json.loads(payload)
    except (ValueError, RecursionError):
        raise OrderError("not JSON")
    sig = d.get("sig") if isinstance(d, dict) else None
    want = _hmac.new(key, _canonical(d, "sig"), hashlib.sha256).hexdigest()
    if not isinstance(sig, str) or not _hmac.compare_digest(sig, want):
        raise OrderError("bad state signature (not from this team's console, or altered)")
    return d


def sign_order(team_key, team, action, args=None, operator="mqtt", ts=None, nonce=None):
    """A signed order payload (bytes) for ``<p>/orders``."""
    d = {"v": 1, "team": team, "action": action, "args": args or {}, "operator": operator,
         "ts": int(time.time() * 1000) if ts is None else ts, "nonce": nonce or os.urandom(8).hex()}
    d["mac"] = _hmac.new(order_key(team_key), _canonical(d), hashlib.sha256).hexdigest()
    return json.dumps(d).encode()


class OrderError(ValueError):
    pass


class OrderChecker:
    """Verifies signed orders for one team (MAC, freshness, nonce)."""

    def __init__(self, team_key, team, clock=time.time, nonce_path=None):
        self._key = order_key(team_key)
        self.team = team
        self._clock = clock
        self._path = nonce_path
        self._seen = {}  # nonce -> ts
        if nonce_path:
            try:
                with open(nonce_path, encoding="utf-8") as f:
                    self._seen = {str(k): int(v) for k, v in json.load(f).items()}
            except FileNotFoundError:
                pass
            except (ValueError, TypeError, AttributeError) as e:
                raise ValueError("%s: unreadable order nonces (%s); move it away to start afresh" % (nonce_path, e))

    def _save(self):
        if self._path:
            auth._write_private(self._path, json.dumps(self._seen).encode())

    def check(self, payload, retained=False):
        """Returns the order dict; raises OrderError saying why not."""
        if retained:
            raise OrderError("retained order refused (it would replay)")
        try:
            d = auth.parse_json(bytes(payload))
        except auth.BadInput as e:
            raise OrderError(str(e))
        if d.get("v") != 1:
            raise OrderError("not an order of schema v1")
        mac = d.get("mac")
        want = _hmac.new(self._key, _canonical(d), hashlib.sha256).hexdigest()
        if not isinstance(mac, str) or not _hmac.compare_digest(mac, want):
            raise OrderError("bad MAC (wrong key or altered order)")
        if d.get("team") != self.team:
            raise OrderError("order for team %r, this console is team %d" % (d.get("team"), self.team))
        now = int(self._clock() * 1000)
        ts = d.get("ts")
        if type(ts) is not int or abs(now - ts) > ORDER_SKEW_MS:
            raise OrderError("stale or future order (ts %r, clock %d)" % (ts, now))
        for n, t in list(self._seen.items()):
            if now - t > 2 * ORDER_SKEW_MS:
                del self._seen[n]
        nonce = d.get("nonce")
        if not isinstance(nonce, str) or nonce in self._seen:
            raise OrderError("replayed order (nonce seen)")
        if len(nonce) > 64:
            raise OrderError("nonce: at most 64 characters")
        self._seen[nonce] = ts
        self._save()
        if d.get("action") not in ACTIONS or not isinstance(d.get("args"), dict):
            raise OrderError("unknown action %r" % auth.clip(d.get("action")))
        op = d.get("operator")
        if not isinstance(op, str) or not 0 < len(op) <= 40:
            raise OrderError("operator: 1..40 characters")
        return d


class MqttBridge:
    """Publishes a console's events, takes its orders. ``extra_keys``:
    keyfile.TeamKey of other teams of the site (a site-wide evacuation is
    published, signed, to their order topics)."""

    def __init__(self, console, host, port, extra_keys=(), client_id=None, keepalive=5, ca=None, cert=None,
                 key=None, username=None, password=None, retry_s=RETRY_S, on_status=None):
        self.c = console
        self.prefix = "soleguard/%s/%d" % (console.site, console.team)
        state_dir = os.path.dirname(console.audit.path)
        self.checker = OrderChecker(console.team_key, console.team, console.clock,
                                    os.path.join(state_dir, "mqtt_nonces.json"))
        self._state_key = state_key(console.team_key)
        self.extra_keys = list(extra_keys)
        self.connected = threading.Event()
        self._status = {"connected": False, "broker": "%s:%d" % (host, port), "error": "connecting", "tls": bool(ca)}
        self._on_status = on_status
        self._alarm_insoles = set()
        cid = client_id or "soleguard-console-%08x" % console.signer.id
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=cid, clean_session=False)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(*retry_s)
        if ca or cert:
            self.client.tls_set(ca_certs=ca, certfile=cert, keyfile=key, cert_reqs=ssl.CERT_REQUIRED,
                                tls_version=ssl.PROTOCOL_TLS_CLIENT)
        if username:
            self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_connect_fail = self._on_connect_fail
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self._host, self._port, self._keepalive = host, port, keepalive
        console.add_listener(self._on_event)

    def status(self):
        """{connected, broker, error, tls}: for the web page and the JSON stream."""
        return dict(self._status)

    def _set_status(self, connected, error):
        if (connected, error) == (self._status["connected"], self._status["error"]):
            return
        self._status.update(connected=connected, error=error, t_ms=self.c.now_ms())
        if self._on_status:
            self._on_status(dict(self._status, event="mqtt_up" if connected else "mqtt_down"))

    def start(self):
        try:
            socket.create_connection((self._host, self._port), timeout=3).close()
        except OSError as e:
            self._set_status(False, "broker %s:%d unreachable (%s); retrying" % (self._host, self._port,
                                                                              e.strerror or e))
        self.client.connect_async(self._host, self._port, self._keepalive)
        self.client.loop_start()
        return self

    def stop(self):
        self.client.disconnect()
        self.client.loop_stop()

    # --- out -----------------------------------------------------------------

    def _pub(self, topic, obj, retain=False):
        if obj is None:
            payload = b""
        else:
            d = dict(obj, v=1, console="%08x" % self.c.signer.id)
            d["sig"] = _hmac.new(self._state_key, _canonical(d, "sig"), hashlib.sha256).hexdigest()
            payload = json.dumps(d).encode()
        self.client.publish(topic, payload, qos=1, retain=retain)

    def _on_event(self, e):
        name = e["event"]
        ins = e.get("insole")
        if name == "heartbeat":
            self._pub("%s/%s/status" % (self.prefix, ins), e, retain=True)
        elif ins:
            self._pub("%s/%s/event" % (self.prefix, ins), e)
        else:
            self._pub(self.prefix + "/event", e)
        if name in ("alarm", "recovered", "alarm_acknowledged", "all_clear"):
            self._publish_alarms(None if name == "all_clear" else ins)
        if name in _TEAM_EVENTS_RETAINED:
            self._publish_broadcast(_TEAM_EVENTS_RETAINED[name])
        if name == "evacuation_ordered" and e.get("scope") == "site" and e.get("source") != "mqtt":
            for tk in self.extra_keys:
                self.client.publish("soleguard/%s/%d/orders" % (tk.site, tk.team),
                                    sign_order(tk.key, tk.team, "evacuate", {"point": e.get("point", 0), "scope": "site"},
                                               e.get("operator", "console")), qos=1)

    def _publish_alarms(self, insole=None):
        """Retained alarm state of one insole (None: every insole that has or had one)."""
        by = {}
        for al in self.c.state.alarms.values():
            by.setdefault("%08x" % al.insole, []).append(al.as_dict())
        targets = [insole] if insole else sorted(set(by) | self._alarm_insoles)
        for ins in targets:
            alarms = by.get(ins)
            self._pub("%s/%s/alarm" % (self.prefix, ins), {"insole": ins, "alarms": alarms} if alarms else None, retain=True)
            (self._alarm_insoles.add if alarms else self._alarm_insoles.discard)(ins)

    def _publish_broadcast(self, kind):
        bc = getattr(self.c.state, kind)
        self._pub("%s/%s" % (self.prefix, kind), bc.as_dict() if bc else None, retain=True)

    # --- connection ------------------------------------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties=None):
        if reason_code.is_failure:
            self._set_status(False, "broker %s refused the connection: %s" % (self._status["broker"], reason_code))
            return
        client.subscribe(self.prefix + "/orders", qos=1)
        with self.c._lock:
            self._publish_alarms()
            for kind in ("evacuation", "roll_call"):
                if getattr(self.c.state, kind) is not None:
                    self._publish_broadcast(kind)
        self.connected.set()
        self._set_status(True, None)

    def _on_connect_fail(self, client, userdata):
        try:
            socket.create_connection((self._host, self._port), timeout=1).close()
            why = "connection failed (TLS?)"
        except OSError as e:
            why = "unreachable (%s)" % (e.strerror or e)
        self._set_status(False, "broker %s %s; retrying" % (self._status["broker"], why))

    def _on_disconnect(self, client, userdata, flags, reason_code, properties=None):
        self.connected.clear()
        if not self._status["connected"] and "refused" in (self._status["error"] or ""):
            return  # the broker refused us (credentials, ACL): keep saying why
        self._set_status(False, "connection to broker %s lost (%s); reconnecting" % (self._status["broker"], reason_code))

    # --- in ------------------------------------------------------------------

    def _on_message(self, client, userdata, msg):
        """Never raises: an exception here would end paho's network thread."""
        try:
            if msg.topic != self.prefix + "/orders":
                return
            result = {"ok": False}
            try:
                d = self.checker.check(msg.payload, retained=bool(msg.retain))
                result["nonce"] = d["nonce"]
                result["action"] = d["action"]
                result.update(self._run(d))
                result["ok"] = True
            except (OrderError, ActionError) as e:
                result["error"] = auth.clip(e, 200)
            except Exception as e:  # a bug must not end the bridge: reported, the bridge goes on
                result["error"] = auth.clip("order failed: %s: %s" % (type(e).__name__, e), 200)
            if not result["ok"]:
                self.c.log.appendleft({"t_ms": self.c.now_ms(), "action": "mqtt order",
                                       "result": "refused: %s" % result["error"]})
            self._pub(self.prefix + "/orders/result", result)
        except Exception:  # publishing the result failed (client stopping): nothing more to do
            pass

    def _run(self, d):
        a, args, op = d["action"], d["args"], d["operator"]
        src = "mqtt"
        if a == "acknowledge":
            ins = args.get("insole")
            if not isinstance(ins, str) or not 0 < len(ins) <= auth.MAX_NAME:
                raise OrderError("insole: an id of 1..%d characters" % auth.MAX_NAME)
            return self.c.acknowledge(ins, op, source=src)
        if a == "evacuate":
            point, scope = args.get("point", 0), args.get("scope", "team")
            order = args.get("order")  # None: the console's next id (insoles need rising ids)
            if type(point) is not int or not 0 <= point <= 255:
                raise OrderError("point: an integer 0..255")
            if scope not in ("team", "site"):
                raise OrderError("scope: 'team' or 'site'")
            if order is not None and (type(order) is not int or not 0 < order < 1 << 16):
                raise OrderError("order: an integer 1..65535")
            return self.c.evacuate(op, point=point, scope=scope, order=order, source=src)
        if a == "all_clear":
            return self.c.all_clear(op, source=src)
        return self.c.roll_call(op, source=src)
