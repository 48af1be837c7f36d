"""Web console: API rules (confirmation, token), and end to end in headless
Debian Chromium driven by Playwright against the team simulation's gateway
(firmware gateway role and insoles): acknowledge an alarm, evacuate with a
confirmation step, watch per-insole confirmations arrive; a screenshot of an
evacuation with one insole not yet confirmed goes to out/console_evacuation.png."""
import json
import os
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from console_support import need, wait
from soleguard_console.broker import free_port
from soleguard_console.console import Console
from soleguard_console.fakegw import FakeGateway
from soleguard_console.keyfile import TeamKey
from soleguard_console.roster import Person, Roster
from soleguard_console.simlink import SimTeam
from soleguard_console.web import WebServer
from soleguard.core.radioport import CMD_ALARM_ACK

ROOT = Path(__file__).resolve().parent.parent
KEY = bytes(range(32))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture
def fake_web(tmp_path):
    gw = FakeGateway(KEY, 7, n=3, answer_ms=(5, 20))
    con = Console(TeamKey("plant", 7, KEY), Roster([Person(s.id, "Worker %d" % s.index) for s in gw.insoles]),
                  str(tmp_path), "alice", gw.connect).start()
    webs = []

    def serve(token=None):
        webs.append(WebServer(con, "127.0.0.1", free_port(), token).start())
        return "http://127.0.0.1:%d" % webs[-1].port

    assert wait(lambda: con.link.connected)
    yield gw, con, serve
    for w in webs:
        w.stop()
    con.stop()
    gw.close()


def call(url, body=None, headers=None):
    """(status, JSON or text) of a GET, or a POST when ``body`` is given."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data, dict({"Content-Type": "application/json"}, **(headers or {})))
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def test_api_refuses_unconfirmed_orders_and_unknown_insoles(fake_web):
    gw, con, serve = fake_web
    url = serve()
    status, s = call(url + "/api/state")
    assert status == 200 and s["link"]["connected"] and {i["name"] for i in s["insoles"]} == {"Worker 0", "Worker 1", "Worker 2"}
    status, r = call(url + "/api/evacuate", {"point": 1})
    assert status == 400 and "not confirmed" in r["error"]
    status, r = call(url + "/api/acknowledge", {"insole": "nobody"})
    assert status == 400 and "unknown insole" in r["error"]
    time.sleep(0.1)
    assert gw.downlinks == []
    status, r = call(url + "/api/evacuate", {"confirm": True, "point": 2})
    assert r["ok"] and wait(lambda: all(s.evacuations for s in gw.insoles))
    assert '<button id="btn-evacuate"' in call(url + "/")[1]
    assert call(url + "/static/app.js")[0] == 200


def test_a_token_is_required_when_one_is_set(fake_web):
    gw, con, serve = fake_web
    url = serve("s3cret")
    assert call(url + "/api/state")[0] == 403
    assert call(url + "/api/roll_call", {})[0] == 403
    assert call(url + "/api/state?token=s3cret")[0] == 200
    assert call(url + "/api/roll_call", {}, {"X-Soleguard-Token": "s3cret"})[1]["ok"]


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
            page.goto(web.url)
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
            expect(page.locator("#evac-list li.confirmed")).to_have_count(5, timeout=15_000)
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
