"""Web console: API rules (confirmation, token), and end to end in headless
Debian Chromium driven by Playwright against the team simulation's gateway
(firmware gateway role and insoles): acknowledge an alarm, evacuate with a
confirmation step, watch per-insole confirmations arrive; a screenshot of an
evacuation with one insole not yet confirmed goes to out/console_evacuation.png."""
import http.client
import json
import os
import ssl
import shutil
import time
from pathlib import Path

import pytest

from console_support import need, wait
from soleguard_console.broker import free_port
from soleguard_console.console import Console
from soleguard_console.fakegw import FakeGateway
from soleguard_console.keyfile import TeamKey
from soleguard_console.roster import Person, Roster
from soleguard_console.simlink import SimTeam
from soleguard_console import auth
from soleguard_console.auth import Users
from soleguard_console.web import ACTION_BURST, SIGNIN_BURST, WebServer, ensure_cert, host_names
from soleguard.core.radioport import CMD_ALARM_ACK

ROOT = Path(__file__).resolve().parent.parent
KEY = bytes(range(32))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


PASSWORD = "correct horse battery"
ACCOUNTS = {"olga": "operator", "vic": "viewer", "oscar": "osh", "ada": "admin"}


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """Argon2id at test cost (the production parameters are checked below)."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(auth, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def test_passwords_are_stored_as_argon2id_hashes_at_the_rfc_9106_cost(tmp_path, monkeypatch):
    monkeypatch.undo()
    assert auth.HASHER.hash("x" * 12).startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    monkeypatch.setattr(auth, "HASHER", __import__("argon2").PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    users = Users(str(tmp_path))
    users.add("ada", "admin", PASSWORD)
    text = (tmp_path / "users.json").read_text()
    assert PASSWORD not in text and "$argon2id$" in text and oct((tmp_path / "users.json").stat().st_mode & 0o777) == "0o600"
    assert users.verify("ada", PASSWORD)["role"] == "admin" and users.verify("ada", "x") is None
    assert Users(str(tmp_path)).verify("ada", PASSWORD)  # read back from the file


@pytest.fixture
def fake_web(tmp_path):
    gw = FakeGateway(KEY, 7, n=3, answer_ms=(5, 20))
    con = Console(TeamKey("plant", 7, KEY), Roster([Person(s.id, "Worker %d" % s.index) for s in gw.insoles]),
                  str(tmp_path), "alice", gw.connect).start()
    users = Users(str(tmp_path))
    for name, role in ACCOUNTS.items():
        users.add(name, role, PASSWORD)
    web = WebServer(con, "127.0.0.1", free_port()).start()
    assert wait(lambda: con.link.connected)
    yield gw, con, web
    web.stop()
    con.stop()
    gw.close()


class Browser:
    """An HTTP client with a cookie jar, like one browser tab of the console."""

    def __init__(self, web, tls_ctx=None):
        self.base = web.url.rstrip("/")
        self.port = web.port
        self.cookies = {}
        self.csrf = ""
        self.tls_ctx = tls_ctx

    def raw(self, method, path, body=None, headers=None):
        """(status, JSON or text, response headers); ``body`` bytes as sent."""
        cls = http.client.HTTPSConnection if self.tls_ctx else http.client.HTTPConnection
        kw = {"context": self.tls_ctx} if self.tls_ctx else {}
        c = cls("127.0.0.1", self.port, timeout=10, **kw)
        h = {"Host": "127.0.0.1:%d" % self.port}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        h.update(headers or {})
        c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in h.items():
            if v is not None:
                c.putheader(k, v)
        if body is not None and "Content-Length" not in h:
            c.putheader("Content-Length", str(len(body)))
        c.endheaders()
        try:
            if body:
                c.send(body)
            r = c.getresponse()
            text = r.read().decode()
        except (BrokenPipeError, ConnectionResetError):  # the server stopped reading: it answered first
            r = c.getresponse()
            text = r.read().decode()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, val = v.split(";")[0].partition("=")
                if val in ("", '""'):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = val
        c.close()
        try:
            return r.status, json.loads(text), r
        except ValueError:
            return r.status, text, r

    def get(self, path, **h):
        return self.raw("GET", path, headers=h)[:2]

    def post(self, path, body=None, csrf=True, **h):
        hdr = {"Content-Type": "application/json", "Origin": self.base}
        if csrf:
            hdr["X-CSRF-Token"] = self.csrf
        hdr.update(h)
        return self.raw("POST", path, json.dumps(body if body is not None else {}).encode(), hdr)[:2]

    def sign_in(self, name, password=PASSWORD):
        status, r = self.post("/api/signin", {"name": name, "password": password}, csrf=False)
        if status == 200:
            self.csrf = self.get("/api/me")[1]["csrf"]
        return status, r


def signed_in(web, name):
    b = Browser(web)
    assert b.sign_in(name)[0] == 200
    return b


def test_without_signing_in_nothing_is_shown_and_nothing_is_sent(fake_web):
    gw, con, web = fake_web
    b = Browser(web)
    assert b.get("/api/state")[0] == 401
    assert b.get("/api/events")[0] == 401
    assert b.post("/api/roll_call", csrf=False)[0] == 401
    assert b.post("/api/evacuate", {"confirm": True})[0] == 401
    status, page, r = b.raw("GET", "/")
    assert status == 303 and r.getheader("location") == "/signin"
    assert b.sign_in("olga", "wrong password")[0] == 401
    assert b.sign_in("nobody")[0] == 401
    time.sleep(0.1)
    assert gw.downlinks == []


def test_api_refuses_unconfirmed_orders_and_unknown_insoles(fake_web):
    gw, con, web = fake_web
    b = signed_in(web, "olga")
    status, s = b.get("/api/state")
    assert status == 200 and s["link"]["connected"] and {i["name"] for i in s["insoles"]} == {"Worker 0", "Worker 1", "Worker 2"}
    status, r = b.post("/api/evacuate", {"point": 1})
    assert status == 400 and "not confirmed" in r["error"]
    status, r = b.post("/api/acknowledge", {"insole": "nobody"})
    assert status == 400 and "unknown insole" in r["error"]
    time.sleep(0.1)
    assert gw.downlinks == []
    status, r = b.post("/api/evacuate", {"confirm": True, "point": 2})
    assert r["ok"] and wait(lambda: all(s.evacuations for s in gw.insoles))
    assert '<button id="btn-evacuate"' in b.get("/")[1]
    assert b.get("/static/app.js")[0] == 200
    row = json.loads(open(con.audit.path).read().splitlines()[-1])
    assert (row["operator"], row["action"], row["args"]["source"]) == ("olga", "evacuate", "web")  # the signed-in person


def test_cross_site_requests_are_refused_and_nothing_is_sent(fake_web):
    gw, con, web = fake_web
    b = signed_in(web, "olga")
    # the attack found: a text/plain form whose body is valid JSON, posted from another site
    status, r = b.post("/api/evacuate", {"confirm": True}, **{"Content-Type": "text/plain", "Origin": "http://evil.example"})
    assert status in (403, 415)
    assert b.post("/api/evacuate", {"confirm": True}, **{"Content-Type": "text/plain", "Origin": None})[0] == 415
    assert b.post("/api/evacuate", {"confirm": True}, Origin="http://evil.example")[0] == 403
    assert b.post("/api/evacuate", {"confirm": True}, Origin="null")[0] == 403
    assert b.post("/api/evacuate", {"confirm": True}, **{"Sec-Fetch-Site": "cross-site", "Origin": None})[0] == 403
    status, r = b.post("/api/evacuate", {"confirm": True}, csrf=False)
    assert status == 403 and "CSRF" in r["error"]
    assert b.post("/api/evacuate", {"confirm": True}, **{"X-CSRF-Token": "0" * 64})[0] == 403
    assert b.post("/api/evacuate", {"confirm": True}, **{"X-CSRF-Token": "é".encode("utf-8")})[0] == 403  # non-ASCII
    time.sleep(0.1)
    assert gw.downlinks == [] and con.state.evacuation is None


def test_a_foreign_host_header_is_refused(fake_web):
    """DNS rebinding: evil.example resolved to 127.0.0.1 reaches the console with its own Host."""
    gw, con, web = fake_web
    b = signed_in(web, "olga")
    status, r = b.get("/api/state", Host="evil.example:%d" % web.port)
    assert status == 421 and "Worker" not in json.dumps(r)
    assert b.get("/", Host="evil.example")[0] == 421
    assert b.get("/api/state", Host="localhost:%d" % web.port)[0] == 200


def test_bad_input_gets_a_clear_4xx_never_a_500(fake_web):
    gw, con, web = fake_web
    b = signed_in(web, "olga")
    h = {"Content-Type": "application/json", "Origin": b.base, "X-CSRF-Token": b.csrf}
    cases = {
        b'{"confirm": true, "point": 1e400}': (400, "out of range"),
        b'{"confirm": true, "point": Infinity}': (400, "not a number"),
        b'{"confirm": true, "point": NaN}': (400, "not a number"),
        b'{"confirm": true, "point": 1' + b"0" * 30 + b"}": (400, "out of range"),
        b'{"confirm": true, "point": 256}': (400, "0..255"),
        b'{"confirm": true, "point": true}': (400, "0..255"),
        b'{"confirm": true, "scope": "moon"}': (400, "scope"),
        b"[" * 2000 + b"]" * 2000: (400, "nested"),
        b'{"confirm": true, "point": "\xff\xfe"}': (400, "not JSON"),
        '{"confirm": true, "point": "é中"}'.encode(): (400, "0..255"),
        b"\xff\xfe{}": (400, "not JSON"),
        b"[1]": (400, "object"),
        b"{" * 3000: (400, "nested"),
    }
    for body, (want, text) in cases.items():
        status, r, _ = b.raw("POST", "/api/evacuate", body, h)
        assert status == want and text in r["error"], (body[:40], status, r)
    status, r, _ = b.raw("POST", "/api/evacuate", b"[" * 100_000, h)
    assert status == 413
    status, r, _ = b.raw("POST", "/api/acknowledge", None, dict(h, **{"Content-Length": "300000000"}))
    assert status == 413  # refused from the header, before any byte is read
    status, r = b.post("/api/acknowledge", {"insole": "x" * 100_000})
    assert status == 413
    status, r = b.post("/api/acknowledge", {"insole": "x" * 1000})
    assert status == 400 and len(r["error"]) <= 200
    status, r = b.post("/api/acknowledge", {"insole": 12})
    assert status == 400
    time.sleep(0.1)
    assert gw.downlinks == []
    assert not os.path.exists(con.audit.path)  # refused before the console: nothing reached the audit log
    assert len(json.dumps(b.get("/api/state")[1])) < 20_000


def test_orders_are_rate_limited_per_person_and_action(fake_web):
    gw, con, web = fake_web
    b = signed_in(web, "olga")
    results = [b.post("/api/roll_call")[0] for _ in range(20)]
    # the first is sent; the console refuses the next while that roll call runs (400, one at a time),
    # and past the burst every attempt is refused before the console (429)
    assert results[0] == 200 and set(results[1:ACTION_BURST]) == {400}, results
    assert set(results[ACTION_BURST + 1:]) == {429}, results
    status, r = b.post("/api/evacuate", {"confirm": True})  # another action: its own budget
    assert status == 200
    for _ in range(SIGNIN_BURST):
        Browser(web).sign_in("olga", "guessing")
    assert Browser(web).sign_in("olga")[0] == 429  # password guessing slowed down


def test_each_role_sees_and_does_only_its_part(fake_web):
    gw, con, web = fake_web
    op, viewer, osh, admin = (signed_in(web, n) for n in ("olga", "vic", "oscar", "ada"))
    gw.alarm(1, cause=1, detail=4)
    assert wait(lambda: con.state.active_alarms(gw.insoles[1].id))
    status, s = viewer.get("/api/state")
    assert status == 200 and s["alarms"] and "Worker" not in json.dumps(s)  # live picture, ids only
    assert viewer.post("/api/roll_call")[0] == 403
    assert viewer.post("/api/acknowledge", {"insole": "%08x" % gw.insoles[1].id})[0] == 403
    assert viewer.get("/api/history")[0] == 403 and viewer.get("/api/users")[0] == 403
    assert osh.post("/api/roll_call")[0] == 403
    assert op.post("/api/acknowledge", {"insole": "Worker 1"})[0] == 200
    status, h = osh.get("/api/history")
    assert status == 200 and h["pseudonymous"] and h["alarms_by_cause"] == {"fall": 1} and h["acknowledged"] == 1
    hexid = "%08x" % gw.insoles[1].id
    assert "Worker" not in json.dumps(h) and hexid not in json.dumps(h)
    assert op.get("/api/history")[0] == 403 and op.get("/api/users")[0] == 403
    assert admin.post("/api/roll_call")[0] == 403
    status, r = admin.post("/api/users", {"name": "nadia", "role": "osh", "password": PASSWORD, "names": True})
    assert status == 200 and {"name": "nadia", "role": "osh", "names": True} in admin.get("/api/users")[1]["users"]
    assert "Worker 1" in json.dumps(signed_in(web, "nadia").get("/api/history")[1])  # allowed to see names
    assert admin.post("/api/users", {"name": "x", "role": "god", "password": PASSWORD})[0] == 400
    assert admin.post("/api/users", {"name": "x", "role": "admin", "password": "short"})[0] == 400
    assert admin.post("/api/users/remove", {"name": "olga"})[0] == 200
    assert op.get("/api/state")[0] == 401  # a removed account's session ends
    assert op.post("/api/signout")[0] == 200
    cookie = dict(osh.cookies)
    assert osh.post("/api/signout")[0] == 200 and osh.get("/api/history")[0] == 401
    again = Browser(web)
    again.cookies = cookie  # the signed-out cookie, kept by someone
    assert again.get("/api/history")[0] == 401
    from soleguard_console.auth import Sessions

    assert Sessions(os.path.dirname(con.audit.path)).check(cookie["sg_session"]) is None  # after a restart too


def test_a_one_time_sign_in_link_works_once(fake_web):
    gw, con, web = fake_web
    link = web.sign_in_link("Sam")
    b = Browser(web)
    path = link[len(b.base):]
    status, _, r = b.raw("GET", path)
    cookie = r.getheader("set-cookie")
    assert status == 303 and "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    status, me = b.get("/api/me")
    assert me["name"] == "Sam" and "act" in me["perms"]
    assert Browser(web).raw("GET", path)[0] == 403  # used
    b.csrf = me["csrf"]
    assert b.post("/api/roll_call")[0] == 200


def test_the_worker_page_shows_their_own_insole_only(fake_web):
    gw, con, web = fake_web
    op = signed_in(web, "olga")
    gw.alarm(2, cause=3)
    assert wait(lambda: con.state.active_alarms(gw.insoles[2].id))
    assert op.post("/api/acknowledge", {"insole": "Worker 2"})[0] == 200
    status, r = op.get("/api/worker_link?insole=Worker%202")
    assert status == 200
    anyone = Browser(web)  # the worker, not signed in
    status, rep = anyone.get(r["path"].replace("/worker", "/api/worker"))
    assert status == 200 and rep["name"] == "Worker 2" and [s["event"] for s in rep["sent"]] == ["alarm"]
    fields = {f["field"] for f in rep["sent"][0]["fields"]}
    assert {"cause", "detail"} <= fields and {"sender", "counter"} <= {f["field"] for f in rep["header"]}
    assert {"name": "olga", "role": "operator", "sees": "your name and every event"} in rep["seen_by"]
    assert [a["operator"] for a in rep["acted"]] == ["olga"]
    other = "%08x" % gw.insoles[1].id
    assert anyone.get(r["path"].replace("/worker", "/api/worker").replace(rep["insole"], other))[0] == 403
    assert Browser(web).get("/api/worker_link?insole=Worker%202")[0] == 401


def test_tls_off_loopback_and_a_self_signed_certificate(fake_web, tmp_path):
    gw, con, web = fake_web
    with pytest.raises(ValueError, match="TLS required"):
        WebServer(con, "192.0.2.1", 8443)
    cert, key, fp = ensure_cert(str(tmp_path / "tls"), ["127.0.0.1", "console.site"]) if os.makedirs(tmp_path / "tls") is None else None
    assert ensure_cert(str(tmp_path / "tls"), ["other"])[2] == fp  # made once, kept
    assert oct(os.stat(key).st_mode & 0o777) == "0o600"
    tw = WebServer(con, "127.0.0.1", free_port(), cert=(cert, key)).start()
    try:
        ctx = ssl.create_default_context(cafile=cert)
        b = Browser(tw, ctx)
        status, r = b.sign_in("olga")
        assert status == 200 and tw.url.startswith("https://")
        status, _, resp = b.raw("POST", "/api/signin", json.dumps({"name": "olga", "password": PASSWORD}).encode(),
                                {"Content-Type": "application/json"})
        assert "Secure" in resp.getheader("set-cookie")
        assert b.get("/api/state")[0] == 200
    finally:
        tw.stop()


def test_the_page_shows_the_mqtt_bridge_status(fake_web, tmp_path):
    from soleguard_console.mqtt import MqttBridge

    gw, con, web = fake_web
    bridge = MqttBridge(con, "127.0.0.1", free_port(), retry_s=(5, 5)).start()
    mw = WebServer(con, "127.0.0.1", free_port(), bridge=bridge).start()
    try:
        status, s = signed_in(mw, "vic").get("/api/state")
        assert s["mqtt"]["connected"] is False and "unreachable" in s["mqtt"]["error"]
    finally:
        mw.stop()
        bridge.stop()


def test_ipv6_web_address():
    from soleguard_console.cli import _hostport

    assert _hostport("[::1]:8086") == ("::1", 8086)
    assert _hostport("[::1]", default_port=8080) == ("::1", 8080)
    assert _hostport("0.0.0.0:8443") == ("0.0.0.0", 8443)
    assert _hostport("8081") == ("127.0.0.1", 8081)
    assert "[::1]:8086" in host_names("::1", 8086)


def test_supervisor_acknowledges_and_evacuates_in_headless_chromium(tmp_path):
    need(os.access(CHROMIUM, os.X_OK), "chromium")
    from playwright.sync_api import expect, sync_playwright

    team = SimTeam(insoles=6, seed=3, speed=5.0)
    acked = []
    ins2 = team.insoles[2]
    orig = ins2.d.on_frame
    ins2.d.on_frame = lambda b, n, now: (lambda cmd: (acked.append(now) if cmd == CMD_ALARM_ACK else None, cmd)[1])(orig(b, n, now))
    roster = team.roster()
    con = Console(team.team_key("plant-a"), roster, str(tmp_path), "Sam (supervisor)", team.connect, repeat_s=0.5)
    team.start()
    con.start()
    web = WebServer(con, "127.0.0.1", free_port()).start()
    try:
        assert wait(lambda: con.link.connected, 10)
        team.alarm(2, cause=1, detail=5)  # a fall
        team.alarm(4, cause=3)  # a silent SOS
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True,
                                                       args=FLAGS, viewport={"width": 1180, "height": 820})
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            page.goto(web.sign_in_link("Sam (supervisor)"))  # the one-time link the terminal prints on loopback
            expect(page.locator("#link")).to_have_text("Gateway connected")
            name2 = roster.label(team.insoles[2].id)
            card = page.locator(".alarm", has_text=name2)
            expect(card).to_be_visible(timeout=10_000)
            card.get_by_role("button", name="ACKNOWLEDGE").click()
            expect(page.locator("#confirm")).to_be_visible()
            page.locator("#confirm-yes").click()
            expect(card).to_contain_text("Acknowledged by Sam (supervisor)")
            assert wait(lambda: acked, 10)  # the firmware insole accepted the supervisor's ack
            expect(card).to_contain_text("sent to the insole")

            team.hold(5)  # one insole out of radio reach
            page.locator("#btn-evacuate").click()
            page.locator("#confirm-no").click()  # cancel: nothing sent
            time.sleep(0.3)
            assert con.state.evacuation is None
            page.locator("#btn-evacuate").click()
            page.locator("#evac-point").fill("2")
            page.locator("#confirm-yes").click()
            expect(page.locator("#evac-title")).to_have_text("EVACUATION — assembly point 2")
            expect(page.locator("#evac-order")).to_contain_text("order id %d" % con.state.evacuation.id)
            expect(page.locator("#evac-list li.confirmed")).to_have_count(5, timeout=40_000)  # acks spread over seconds (docs/PROTOCOL.md)
            waiting = page.locator("#evac-list li.waiting")
            expect(waiting).to_have_count(1)
            expect(waiting).to_contain_text(roster.label(team.insoles[5].id))
            expect(page.locator("#evac-summary")).to_have_text("5 of 6 confirmed — 1 not yet")
            out = ROOT / "out"
            out.mkdir(exist_ok=True)
            page.screenshot(path=str(out / "console_evacuation.png"), full_page=True)
            assert all(s.vibrated for s in team.insoles[:5]) and not team.insoles[5].vibrated

            team.release(5)  # back in reach: the repeats reach it
            expect(page.locator("#evac-summary")).to_have_text("6 of 6 confirmed — everyone", timeout=20_000)
            page.set_viewport_size({"width": 600, "height": 900})  # a small tablet in portrait: still usable
            assert page.locator("#btn-evacuate").bounding_box()["height"] >= 64
            ctx.close()
        rows = (tmp_path / "audit.jsonl").read_text().splitlines()
        assert [r.split('"action": "')[1].split('"')[0] for r in rows] == ["acknowledge", "evacuate"]
    finally:
        web.stop()
        con.stop()
        team.stop()


def test_the_page_shows_unconfirmed_acks_and_all_clear_progress_in_chromium(fake_web):
    """A supervisor's ack the insole has not confirmed is listed (the console repeats it)
    until the insole's heartbeat confirms it; after the all-clear the page counts who
    stopped evacuating and names the insole still vibrating "evacuate"."""
    need(os.access(CHROMIUM, os.X_OK), "chromium")
    from playwright.sync_api import expect, sync_playwright
    from soleguard.core import protocol as P

    gw, con, web = fake_web
    gw.insoles[0].lose_acks = 10 ** 6  # the supervisor's ack never reaches insole 0
    gw.insoles[2].lose_all_clears = 10 ** 6  # nor the all-clear insole 2
    gw.alarm(0, cause=1, detail=4)
    assert wait(lambda: con.state.active_alarms(gw.insoles[0].id), 10)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page()
        page.goto(web.sign_in_link("olga"))
        expect(page.locator(".alarm", has_text="Worker 0")).to_be_visible(timeout=10_000)
        con.acknowledge("Worker 0", operator="olga")
        unconfirmed = page.locator("#unconfirmed li")
        expect(unconfirmed).to_have_count(1, timeout=10_000)
        expect(unconfirmed).to_contain_text("Worker 0: acknowledged by olga")
        expect(unconfirmed).to_contain_text("not yet confirmed by the insole")
        gw.heartbeat(0, status=P.HB_ALARM_ACTIVE)  # the insole's state: ack no longer awaited
        expect(page.locator("#unconfirmed-panel")).to_be_hidden(timeout=10_000)

        con.evacuate(operator="olga")
        expect(page.locator("#evac-summary")).to_have_text("3 of 3 confirmed — everyone", timeout=10_000)
        con.all_clear(operator="olga")
        expect(page.locator("#allclear")).to_be_visible(timeout=10_000)
        for i in (0, 1):
            gw.heartbeat(i, status=0)  # stopped
        gw.heartbeat(2, status=P.HB_EVACUATING)  # still vibrating "evacuate"
        expect(page.locator("#ac-summary")).to_have_text("2 of 3 stopped evacuating — 1 still evacuating",
                                                         timeout=10_000)
        waiting = page.locator("#ac-list li.waiting")
        expect(waiting).to_have_count(1)
        expect(waiting).to_contain_text("Worker 2")
        gw.insoles[2].lose_all_clears = 0
        gw.heartbeat(2, status=0)
        expect(page.locator("#ac-summary")).to_have_text("3 of 3 stopped evacuating — everyone", timeout=10_000)
        browser.close()


EVIL = """<!doctype html><html><body>
<form id="f" method="POST" enctype="text/plain" action="%(console)s/api/evacuate">
<input name='{"confirm": true, "point": 9, "x": "' value='"}'></form>
<script>
if (location.pathname === "/") document.getElementById("f").submit();
</script>
<form id="p" method="POST" enctype="text/plain" action="%(console)s/api/roll_call" target="_blank">
<input name='{"a": "' value='"}'></form>
</body></html>"""


def test_cross_site_pages_popups_and_foreign_hosts_are_refused_in_chromium(fake_web):
    """A page on another site auto-posts a text/plain form whose body is JSON
    (the evacuation attack found), opens popups posting roll calls, fetches
    with credentials; the console's page under a rebound name gets 421; the
    viewer sees no buttons and no names; a worker's link shows their page."""
    need(os.access(CHROMIUM, os.X_OK), "chromium")
    import http.server
    import threading

    from playwright.sync_api import expect, sync_playwright

    gw, con, web = fake_web
    console_url = web.url.rstrip("/")
    evil_port = free_port()
    page_html = (EVIL % {"console": console_url}).encode()

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page_html)

        def log_message(self, *a):
            pass

    evil = http.server.ThreadingHTTPServer(("127.0.0.1", evil_port), Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    gw.alarm(0, cause=3)
    assert wait(lambda: con.state.active_alarms(gw.insoles[0].id))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=FLAGS + ["--host-resolver-rules=MAP evil.example 127.0.0.1"])
            ctx = browser.new_context()
            page = ctx.new_page()
            page.goto(console_url + "/")
            expect(page).to_have_url(console_url + "/signin")
            page.locator("#name").fill("olga")
            page.locator("#password").fill(PASSWORD)
            page.locator("#btn-signin").click()
            expect(page.locator("#operator")).to_have_text("olga (operator)")
            expect(page.locator(".alarm")).to_contain_text("Worker 0")

            attack = ctx.new_page()  # the supervisor opens another site in the same browser
            with attack.expect_response(console_url + "/api/evacuate") as r:
                attack.goto("http://evil.example:%d/" % evil_port)
            assert r.value.status in (401, 403, 415)  # SameSite=Strict: not even the session goes along
            attack.goto("http://evil.example:%d/popup" % evil_port)
            for _ in range(2):  # popups posting roll calls
                with ctx.expect_page() as popup:
                    attack.evaluate("document.getElementById('p').submit()")
                popup.value.wait_for_load_state()
                assert '"ok":false' in popup.value.content().replace(" ", "")
            status = attack.evaluate("""async (u) => { try { const r = await fetch(u + "/api/roll_call",
                {method: "POST", mode: "no-cors", credentials: "include", headers: {"Content-Type": "text/plain"},
                 body: "{}"}); return r.type; } catch (e) { return "error"; } }""", console_url)
            assert status in ("opaque", "error")
            rebound = attack.goto("http://evil.example:%d/api/state" % web.port)  # DNS rebinding
            assert rebound.status == 421 and "Worker" not in rebound.text()
            time.sleep(0.3)
            assert gw.downlinks == [] and con.state.evacuation is None and con.state.roll_call is None

            link = page.evaluate("async () => (await (await fetch('/api/worker_link?insole=Worker%200')).json()).path")
            vctx = browser.new_context()
            viewer = vctx.new_page()
            viewer.goto(console_url + "/signin")
            viewer.locator("#name").fill("vic")
            viewer.locator("#password").fill(PASSWORD)
            viewer.locator("#btn-signin").click()
            expect(viewer.locator("#operator")).to_have_text("vic (viewer)")
            expect(viewer.locator(".alarm")).to_contain_text("insole %08x" % gw.insoles[0].id)
            assert "Worker" not in viewer.content()
            expect(viewer.locator("#actions")).to_be_hidden()
            expect(viewer.locator(".alarm button")).to_have_count(0)

            worker = browser.new_context().new_page()  # the worker, not signed in
            worker.goto(console_url + link)
            expect(worker.locator("#who")).to_contain_text("Worker 0")
            expect(worker.locator("#sent")).to_contain_text("alarm")
            expect(worker.locator("#fields")).to_contain_text("cause")
            expect(worker.locator("#seen")).to_contain_text("olga (operator)")
            browser.close()
    finally:
        evil.shutdown()
