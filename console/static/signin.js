// Sign-in: the password goes as JSON to /api/signin; the session is an HttpOnly cookie.
"use strict";
document.getElementById("signin").onsubmit = async (ev) => {
  ev.preventDefault();
  const m = document.getElementById("message");
  try {
    const r = await fetch("/api/signin", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: document.getElementById("name").value, password: document.getElementById("password").value }) });
    const d = await r.json();
    if (d.ok) { location.href = "/"; return; }
    m.textContent = d.error;
  } catch (e) { m.textContent = "console unreachable (" + e + ")"; }
  m.hidden = false;
};
