// soleguard supervisor console: renders the server's picture (Server-Sent
// Events), asks for confirmation before every order. No dependencies.
"use strict";
// Signed in by a session cookie (HttpOnly); every POST carries the session's
// CSRF token from /api/me. Buttons a role may not use are hidden.
let me = { perms: [], csrf: "" };
const CAUSE = { fall: "Fall", man_down: "Man down", sos: "SOS (silent alarm)", technical: "Technical alarm" };
let snap = null, offset = 0;

const $ = (id) => document.getElementById(id);
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;  // textContent only: names never become HTML
  return e;
}
function clock(ms) { return ms ? new Date(ms).toTimeString().slice(0, 8) : "never"; }  // 24-hour HH:MM:SS, local time
function age(ms) {
  if (!ms) return "";
  const s = Math.max(0, Math.round((Date.now() - offset - ms) / 1000));
  return s < 60 ? s + " s ago" : Math.floor(s / 60) + " min " + (s % 60) + " s ago";
}

function message(text, kind) {
  const m = $("message");
  m.textContent = text; m.className = "message " + (kind || "info"); m.hidden = !text;
  if (kind !== "error" && text) setTimeout(() => { if (m.textContent === text) m.hidden = true; }, 6000);
}

async function post(path, body) {
  try {
    const r = await fetch("/api/" + path, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": me.csrf }, body: JSON.stringify(body || {}) });
    const d = await r.json();
    if (!d.ok) { message("Not sent: " + d.error, "error"); return null; }
    return d;
  } catch (e) { message("Not sent: console unreachable (" + e + ")", "error"); return null; }
}

function confirmDialog(text, yesLabel, yesClass, extra) {
  return new Promise((resolve) => {
    $("confirm-text").textContent = text;
    const x = $("confirm-extra"); x.replaceChildren(); if (extra) x.appendChild(extra);
    const yes = $("confirm-yes"); yes.textContent = yesLabel; yes.className = "big " + yesClass;
    $("confirm").hidden = false; yes.focus();
    const done = (v) => { $("confirm").hidden = true; yes.onclick = null; $("confirm-no").onclick = null; resolve(v); };
    yes.onclick = () => done(true); $("confirm-no").onclick = () => done(false);
  });
}

$("btn-evacuate").onclick = async () => {
  const box = el("div");
  const l1 = el("label", null, "Assembly point "); const pt = el("input"); pt.type = "number"; pt.min = 0; pt.max = 255; pt.value = 1; pt.id = "evac-point"; l1.appendChild(pt);
  const l2 = el("label", null, "Who "); const sc = el("select"); sc.id = "evac-scope";
  for (const [v, t] of [["team", "this team"], ["site", "the whole site"]]) { const o = el("option", null, t); o.value = v; sc.appendChild(o); }
  l2.appendChild(sc); box.append(l1, l2);
  if (!await confirmDialog("Evacuate now? Every insole will vibrate until all clear.", "YES, EVACUATE", "evacuate", box)) return;
  const d = await post("evacuate", { confirm: true, point: parseInt(pt.value || "0", 10), scope: sc.value });
  if (d) message("Evacuation order " + d.order + " sent. Waiting for every insole to confirm.");
};
$("btn-all-clear").onclick = async () => {
  if (!await confirmDialog("All clear? The evacuation ends on every insole.", "YES, ALL CLEAR", "clear")) return;
  if (await post("all_clear", { confirm: true })) message("All clear sent.");
};
$("btn-roll-call").onclick = async () => {
  const d = await post("roll_call", {});
  if (d) message("Roll call " + d.call + " sent.");
};
async function acknowledge(a) {
  if (!await confirmDialog("Acknowledge the alarm of " + a.name + "? Their insole is told help is on the way.", "YES, ACKNOWLEDGE", "ack")) return;
  if (await post("acknowledge", { insole: a.insole })) message("Acknowledgement sent to " + a.name + ".");
}

function renderBroadcast(b, kind) {
  const list = $(kind + "-list");
  const order = (r) => (r.confirmed_ms ? 1 : 0);  // the unconfirmed first: they are what matters
  const sorted = b.insoles.slice().sort((x, y) => order(x) - order(y) || x.name.localeCompare(y.name));
  const rows = sorted.map((r) => {
    const li = el("li", r.confirmed_ms ? "confirmed" : "waiting", r.name);
    li.dataset.insole = r.insole;
    let sub = r.confirmed_ms ? "✓ " + (kind === "ac" ? "stopped " : "confirmed ") + clock(r.confirmed_ms) + " (+" + ((r.confirmed_ms - b.t_ms) / 1000).toFixed(1) + " s)"
      : (kind === "ac" ? "still says evacuating — all clear repeated" : "waiting…");
    if (kind === "rc" && r.state) sub += " — " + r.state.replace("_", " ");
    li.appendChild(el("span", "sub", sub));
    return li;
  });
  list.replaceChildren(...rows);
  const s = $(kind + "-summary");
  const done = b.confirmed >= b.expected;
  s.className = "summary " + (done ? "done" : "pending");
  const what = { evac: " confirmed", rc: " answered", ac: " stopped evacuating" }[kind];
  s.textContent = b.confirmed + " of " + b.expected + what
    + (done ? " — everyone" : " — " + (b.expected - b.confirmed) + (kind === "ac" ? " still evacuating" : " not yet"));
}

function render() {
  const s = snap;
  $("where").textContent = "site " + s.site + " · team " + s.team;
  const mq = $("mqtt");
  mq.hidden = !s.mqtt;
  if (s.mqtt) { mq.className = "pill " + (s.mqtt.connected ? "ok" : "bad"); mq.textContent = s.mqtt.connected ? "MQTT connected" : "MQTT down: " + (s.mqtt.error || "connecting"); }
  const lk = $("link");
  lk.className = "pill " + (s.link.connected && !s.link.error ? "ok" : "bad");
  lk.textContent = s.link.connected ? (s.link.error ? "Gateway: " + s.link.error : "Gateway connected") : "Gateway disconnected — reconnecting" + (s.link.error ? " (" + s.link.error + ")" : "");

  const ev = s.evacuation;
  $("evacuation").hidden = !ev || !!ev.ended_ms;
  if (ev && !ev.ended_ms) {
    $("evac-title").textContent = "EVACUATION" + (ev.point ? " — assembly point " + ev.point : "") + (ev.scope === "site" ? " — whole site" : "");
    $("evac-order").textContent = "ordered " + clock(ev.t_ms) + " by " + ev.operator + " · order id " + ev.id;
    renderBroadcast(ev, "evac");
  }
  const rc = s.roll_call;
  $("rollcall").hidden = !rc;
  if (rc) { $("rc-title").textContent = "Roll call #" + rc.id + " — " + clock(rc.t_ms) + " by " + rc.operator; renderBroadcast(rc, "rc"); }
  const ac = s.all_clear;  // who still says "evacuating" after the all-clear (their heartbeat or roll-call answer)
  $("allclear").hidden = !ac;
  if (ac) { $("ac-title").textContent = "All clear — " + clock(ac.t_ms) + " by " + ac.operator + " · order id " + ac.id; renderBroadcast(ac, "ac"); }
  const un = s.unconfirmed_acks || [];  // acks the insole has not yet confirmed (the console repeats them)
  $("unconfirmed-panel").hidden = !un.length;
  $("unconfirmed").replaceChildren(...un.map((u) => {
    const li = el("li", "waiting", u.name + ": acknowledged by " + u.operator + " at " + clock(u.t_ms) + " — not yet confirmed by the insole, repeating");
    li.dataset.insole = u.insole;
    return li;
  }));

  const box = $("alarms");
  if (!s.alarms.length) box.replaceChildren(el("p", "none", "No alarm."));
  else box.replaceChildren(...s.alarms.map((a) => {
    const d = el("div", "alarm" + (a.ack ? " acked" : "")); d.dataset.insole = a.insole;
    const info = el("div");
    info.append(el("div", "name", a.name), el("div", "cause", CAUSE[a.cause] || a.cause));
    let meta = "since " + clock(a.since_ms) + " (" + age(a.since_ms) + ")";
    if (a.ended) meta += " — wearer got up";
    info.appendChild(el("div", "meta", meta));
    d.appendChild(info);
    if (a.ack) d.appendChild(el("div", "meta", "Acknowledged by " + a.ack.operator + " at " + clock(a.ack.t_ms) + (a.ack.sent_ms ? " — sent to the insole ✓" : " — sending…")
      + (a.ack.confirmed_ms ? ", confirmed by the insole " + clock(a.ack.confirmed_ms) : (a.ack.sent_ms ? ", not yet confirmed by the insole" : ""))));
    else if (me.perms.includes("act")) { const b = el("button", "ack", "ACKNOWLEDGE"); b.onclick = () => acknowledge(a); d.appendChild(b); }
    return d;
  }));

  const tech = [];
  for (const t of s.technical) tech.push(el("li", null, t.name + ": " + (t.cause === "self_test_failed" ? "self-test failed" : "technical alarm, fault " + t.detail)));
  for (const n of s.not_heard_from) tech.push(el("li", null, n.name + ": not heard from since " + clock(n.last_ms)));
  for (const [r, c] of Object.entries(s.rejected)) if (r === "bad_mac" || r === "wrong_team") tech.push(el("li", null, c + " frames rejected (" + r + "): a neighbour team, or a forgery attempt"));
  $("technical").replaceChildren(...(tech.length ? tech : [el("li", "none", "Nothing.")]));

  $("team").replaceChildren(...s.insoles.map((i) => {
    const li = el("li", i.silent ? "silent" : "", i.name);
    li.appendChild(el("span", "sub", (i.last_ms ? "heard " + age(i.last_ms) : "not heard yet") + (i.battery_pct != null ? " · battery\u00a0" + i.battery_pct + "\u00a0%" : "") + (i.sos_mode ? " · SOS\u00a0" + (i.sos_mode === "pair" ? "pair (both insoles)" : "single insole") : "")));
    return li;
  }));
  $("log-panel").hidden = !s.log;  // the log names insoles as typed: operators only
  $("log").replaceChildren(...(s.log || []).map((r) => el("li", null, clock(r.t ? Date.parse(r.t) : r.t_ms) + " " + (r.operator ? r.operator + ": " : "") + r.action + " — " + r.result)));
}

function connect() {
  const es = new EventSource("/api/events");
  es.addEventListener("state", (m) => { snap = JSON.parse(m.data); offset = Date.now() - snap.t_ms; render(); });
  es.onerror = () => { $("link").className = "pill bad"; $("link").textContent = "Console unreachable — retrying"; };
}
async function loadHistory() {
  const r = await fetch("/api/history");
  if (!r.ok) return;
  const h = await r.json();
  $("hist-mode").textContent = h.pseudonymous ? "(pseudonymous)" : "(with names)";
  const causes = Object.entries(h.alarms_by_cause).map(([c, n]) => (CAUSE[c] || c) + ": " + n).join(", ") || "no alarm";
  $("hist-summary").textContent = causes + " · acknowledged " + h.acknowledged +
    (h.median_s_to_acknowledge != null ? " · median " + h.median_s_to_acknowledge.toFixed(0) + " s to acknowledgement" : "");
  $("hist-list").replaceChildren(...h.events.slice(-50).reverse().map((e) =>
    el("li", null, clock(e.t_ms) + " " + e.event + (e.insole ? " " + (e.name || e.insole) : "") + (e.cause ? " " + e.cause : "") + (e.operator ? " by " + e.operator : ""))));
}

async function loadAccounts() {
  const r = await fetch("/api/users");
  if (!r.ok) return;
  const d = await r.json();
  const sel = $("acc-role");
  if (!sel.options.length) for (const role of d.roles) { const o = el("option", null, role); o.value = role; sel.appendChild(o); }
  $("acc-list").replaceChildren(...d.users.map((u) => {
    const li = el("li", null, u.name + " — " + u.role + (u.names ? " (names)" : "") + " ");
    const b = el("button", "small cancel", "Remove");
    b.onclick = async () => {
      if (!await confirmDialog("Remove the account " + u.name + "?", "REMOVE", "evacuate")) return;
      if (await post("users/remove", { name: u.name })) loadAccounts();
    };
    if (u.name !== me.name) li.appendChild(b);
    return li;
  }));
}

async function start() {
  const r = await fetch("/api/me");
  if (r.status === 401) { location.href = "/signin"; return; }
  me = await r.json();
  $("operator").textContent = me.name + " (" + me.role + ")";
  $("actions").hidden = !me.perms.includes("act");
  $("btn-signout").onclick = async () => { await post("signout", {}); location.href = "/signin"; };
  if (me.perms.includes("history")) { $("history").hidden = false; loadHistory(); setInterval(loadHistory, 10000); }
  if (me.perms.includes("users")) {
    $("accounts").hidden = false; loadAccounts();
    $("acc-form").onsubmit = async (ev) => {
      ev.preventDefault();
      const d = await post("users", { name: $("acc-name").value, role: $("acc-role").value, password: $("acc-password").value, names: $("acc-names").checked });
      if (d) { message("Account " + $("acc-name").value + " created."); $("acc-form").reset(); loadAccounts(); }
    };
  }
  connect();
}
start();
