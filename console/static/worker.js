// The worker's page: /worker?insole=ID&k=KEY (the link on their printed sheet).
"use strict";
const $ = (id) => document.getElementById(id);
function el(tag, text) { const e = document.createElement(tag); e.textContent = text; return e; }
function row(cells) { const tr = document.createElement("tr"); for (const c of cells) tr.appendChild(el("td", c)); return tr; }
$("btn-print").onclick = () => window.print();
(async () => {
  const r = await fetch("/api/worker" + location.search);
  const d = await r.json();
  if (!d.ok) { $("message").textContent = d.error; $("message").hidden = false; return; }
  $("who").textContent = d.name + " — insole " + d.insole;
  $("sent").replaceChildren(...(d.sent.length ? d.sent.map((s) => el("li", new Date(s.t_ms).toLocaleString() + ": " + s.event)) : [el("li", "No event since the console started.")]));
  const rows = d.header.map((f) => row(["every frame", f.field, f.reveals, f.who, f.retention]));
  const done = new Set();
  for (const s of d.sent) if (!done.has(s.event)) { done.add(s.event); for (const f of s.fields) rows.push(row([s.event, f.field, f.reveals, f.who, f.retention])); }
  $("fields").replaceChildren(...rows);
  $("seen").replaceChildren(...d.seen_by.map((a) => el("li", a.name + " (" + a.role + "): " + a.sees)));
  $("mqtt-note").textContent = d.mqtt;
  $("acted").replaceChildren(...(d.acted.length ? d.acted.map((a) => el("li", new Date(a.t_ms).toLocaleString() + ": " + a.event + " by " + a.operator)) : [el("li", "Nobody.")]));
})();
