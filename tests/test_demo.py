"""The demo a newcomer meets: `soleguard demo`'s team story (non-interactive, the console's
Python API as the supervisor), and `soleguard gateway --sim --script demo` watched in
headless Chromium: the fall's alarm card appears and is acknowledged on the page."""
import os
import re
import select
import shutil
import subprocess
import sys
import time

import pytest

from console_support import need
from soleguard_console.broker import free_port
from soleguard_console.story import run_story

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def test_story_carries_every_event_from_the_insoles_to_the_console():
    lines = []
    r = run_story(None, say=lines.append)  # generated traces: runs without ../shared/datasets too
    kinds = [(i, ev, cause) for _, i, ev, cause in r["insole"]]
    # the fall: pre-alarm on the insole, escalated to an alarm after the pre-alarm time
    assert (0, "pre_alarm", "fall") in kinds and (0, "alarm", "fall") in kinds
    pre = next(t for t, i, ev, _ in r["insole"] if (i, ev) == (0, "pre_alarm"))
    alarm = next(t for t, i, ev, _ in r["insole"] if (i, ev) == (0, "alarm"))
    assert 15000 <= alarm - pre <= 16000  # PRE_ALARM_MS, at the core's one-second lifecycle steps
    # getting up cancels the second insole's pre-alarm: no alarm from it
    assert (1, "cancelled", "fall") in kinds and not any(i == 1 and ev == "alarm" for i, ev, _ in kinds)
    assert (2, "alarm", "sos") in kinds and (2, "cleared", "sos") in kinds  # an SOS ends with the ack
    con = [(e["event"], e.get("cause")) for e in r["console"]]
    assert con.count(("alarm", "fall")) == 1 and con.count(("alarm", "sos")) == 1 and ("alarm", None) not in con
    assert ("cancelled", "fall") in con
    assert r["acked_on_insole"] == [0, 2]  # the supervisor's acks reached the firmware insoles
    assert r["evacuation"] == (5, 5)
    assert sum(1 for e in r["console"] if e["event"] == "evac_ack") == 5
    assert any("ALL CLEAR" in ln for ln in lines) and any("CANCELLED" in ln for ln in lines)


def test_browser_watches_the_demo_alarm_appear_and_be_acknowledged(tmp_path):
    need(os.access(CHROMIUM, os.X_OK), "chromium")
    from playwright.sync_api import expect, sync_playwright

    port = free_port()
    p = subprocess.Popen([sys.executable, "-m", "soleguard_sim.cli", "gateway", "--sim", "--script", "demo",
                          "--speed", "8", "--operator", "Sam", "--web", "127.0.0.1:%d" % port,
                          "--state-dir", str(tmp_path / "state"), "--duration", "120"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    said = ""
    try:
        end = time.monotonic() + 30
        while "sign in (once" not in said and time.monotonic() < end and p.poll() is None:
            if select.select([p.stderr], [], [], 0.2)[0]:
                said += p.stderr.readline()
        # on loopback the console prints a one-time sign-in link for the operator (docs/CONSOLE.md)
        url = re.search(r"sign in \(once[^)]*\): (\S+)", said)
        assert url, said
        with sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=CHROMIUM,
                                                        headless=True, args=FLAGS,
                                                        viewport={"width": 1180, "height": 820})
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            page.goto(url.group(1))
            expect(page.locator("#link")).to_have_text("Gateway connected")
            card = page.locator(".alarm", has_text="Ana Lopez")
            expect(card).to_be_visible(timeout=20_000)  # the fall: 15 s pre-alarm at 8x, then LoRa
            expect(card).to_contain_text("Fall")
            assert re.search(r"since \d\d:\d\d:\d\d \(", card.inner_text())  # 24-hour clock, whatever the locale
            card.get_by_role("button", name="ACKNOWLEDGE").click()
            page.locator("#confirm-yes").click()
            expect(card).to_contain_text("Acknowledged by Sam")
            expect(card).to_contain_text("sent to the insole", timeout=10_000)
            battery = page.locator("#team li .sub").first
            expect(battery).to_contain_text("battery\u00a0")  # "battery 95 %" never breaks inside
            ctx.close()
    finally:
        p.terminate()
        out, err = p.communicate(timeout=10)
    assert "alarm_acknowledged Ana Lopez" in out, out
