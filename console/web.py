"""The web console: Starlette + uvicorn, live updates by Server-Sent Events,
only for people signed in, each within their role (auth.py).

Routes (``perm`` = what the role must allow, auth.PERMS):
  GET  /                 the page (static/, no external assets); sign-in page
                         when not signed in
  GET  /signin           sign-in page; ``/signin?once=TOKEN`` redeems a
                         one-time link printed on the terminal (loopback)
  POST /api/signin       {"name", "password"} -> session cookie
  POST /api/signout
  GET  /api/me           {name, role, perms, csrf}
  GET  /api/state        view: the picture (names only with ``names``)
  GET  /api/events       view: Server-Sent Events, one ``state`` per change
                         (at most 10 per second) and at least every 2 s
  POST /api/acknowledge  act: {"insole": id or name}
  POST /api/evacuate     act: {"confirm": true, "point": 0..255, "scope": "team"|"site"}
  POST /api/all_clear    act: {"confirm": true}
  POST /api/roll_call    act: {}
  GET  /api/history      history: events and aggregate figures (pseudonyms
                         unless the account may see names)
  GET  /api/users        users: the accounts
  POST /api/users        users: {"name", "role", "password", "names"} create/replace
  POST /api/users/remove users: {"name"}
  GET  /worker           the transparency page (transparency.py)

Every request: the Host header must name this console (else 421: DNS
rebinding). Every POST: ``Content-Type: application/json``, an Origin (when
the browser sends one) equal to the console's own, ``Sec-Fetch-Site``
same-origin when sent, a body of at most auth.MAX_BODY bytes, nesting <=
auth.MAX_DEPTH, finite numbers; with a session also its CSRF token in
``X-CSRF-Token``; at most ``ACTION_BURST`` actions per person and action
within ``ACTION_BURST * ACTION_EVERY_S`` seconds (429). Every refusal is a
4xx JSON {"ok": false, "error": ...}. Actions are audited under the signed-in
person's account name.
"""
import asyncio
import collections
import hashlib
import hmac
import ipaddress
import json
import os
import socket
import threading
import time
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import auth, transparency
from .console import ActionError

STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "sg_session"
ACTION_BURST, ACTION_EVERY_S = 5, 2.0  # per person and action: 5 at once, then one per 2 s
SIGNIN_BURST, SIGNIN_EVERY_S = 5, 12.0  # per client address: 5 tries, then one per 12 s
HISTORY = 2000  # events kept for the OSH view (memory only; the audit log is the record)
SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
]
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_names(host, port, extra=()):
    """Every Host header value this console answers to (lower case)."""
    names = {host, *extra}
    if is_loopback(host):
        names |= set(LOOPBACK)
    if host in ("0.0.0.0", "::"):
        names |= {socket.gethostname(), socket.getfqdn()}
    out = set()
    for n in names:
        n = n.lower()
        n = "[%s]" % n if ":" in n else n
        out.add("%s:%d" % (n, port))
        if port in (80, 443):
            out.add(n)
    return out


class _Guard:
    """ASGI wrapper: refuses a foreign Host (421) and adds the security headers."""

    def __init__(self, app, hosts):
        self.app, self.hosts = app, hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").lower()
        if host not in self.hosts:
            body = json.dumps({"ok": False, "error": "unknown Host %r: this console answers to its own address only"
                               % auth.clip(host)}).encode()
            await send({"type": "http.response.start", "status": 421,
                        "headers": [(b"content-type", b"application/json"), *SECURITY_HEADERS]})
            return await send({"type": "http.response.body", "body": body})

        async def send2(m):
            if m["type"] == "http.response.start":
                m = dict(m, headers=list(m.get("headers", [])) + SECURITY_HEADERS)
            await send(m)

        return await self.app(scope, receive, send2)


def _err(status, text):
    return JSONResponse({"ok": False, "error": auth.clip(text, 200)}, status_code=status)


def _pseudonymise(obj, names):
    """Screens without the ``names`` permission: drop names, keep ids."""
    if isinstance(obj, list):
        return [_pseudonymise(v, names) for v in obj]
    if isinstance(obj, dict):
        d = {k: _pseudonymise(v, names) for k, v in obj.items() if names or k != "name"}
        if "insole" in d and "name" not in d:
            d["name"] = "insole %s" % d["insole"]
        return d
    return obj


def make_app(console, state_dir, hosts, tls=False, bridge=None):
    """The Starlette app for ``console``; accounts and secret in ``state_dir``;
    ``hosts``: host_names(); ``bridge``: an MqttBridge whose status to show."""
    users = auth.Users(state_dir)
    sessions = auth.Sessions(state_dir)
    act_limit = auth.RateLimit(ACTION_BURST, ACTION_EVERY_S)
    signin_limit = auth.RateLimit(SIGNIN_BURST, SIGNIN_EVERY_S)
    history = collections.deque(maxlen=HISTORY)
    pseudo_key = sessions.derive("pseudonym")
    worker_mac_key = sessions.derive("worker-link")
    subscribers = set()
    loop_box = {}

    def on_event(e):
        if e["event"] != "heartbeat":
            history.append(dict(e))
        loop = loop_box.get("loop")
        if loop is None:
            return
        for q in list(subscribers):
            loop.call_soon_threadsafe(q.put_nowait, 1)

    console.add_listener(on_event)

    def session(request):
        """(session dict, account) or (None, None)."""
        s = sessions.check(request.cookies.get(COOKIE))
        if s is None:
            return None, None
        u = users.get(s["u"])
        if u is not None and u["role"] == s["r"]:
            return s, u
        if s.get("once") and s["r"] in auth.PERMS:  # a one-time link's session: no account behind it
            return s, {"role": s["r"], "names": False}
        return None, None

    def perms(s, u):
        p = set(auth.PERMS[s["r"]])
        if u.get("names"):
            p.add("names")
        return p

    def need(request, perm):
        """(session, perms) or an error response."""
        s, u = session(request)
        if s is None:
            return None, _err(401, "sign in first")
        p = perms(s, u)
        if perm not in p:
            return None, _err(403, "your role (%s) may not do this" % s["r"])
        return (s, p), None

    async def body_of(request, s=None):
        """The request's JSON object, or an error response (see module doc)."""
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return None, _err(415, "Content-Type: application/json required")
        origin = request.headers.get("origin")
        own = ("https://" if tls else "http://") + request.headers.get("host", "").lower()
        if origin is not None and origin.lower() != own:
            return None, _err(403, "cross-site request refused (Origin %s)" % origin)
        if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return None, _err(403, "cross-site request refused (Sec-Fetch-Site)")
        if s is not None and not sessions.csrf_ok(s, request.headers.get("x-csrf-token", "")):
            return None, _err(403, "missing or wrong CSRF token: reload the page")
        cl = request.headers.get("content-length")
        if cl is not None and (not cl.isdigit() or int(cl) > auth.MAX_BODY):
            return None, _err(413, "body too large: at most %d bytes" % auth.MAX_BODY)
        data = b""
        async for chunk in request.stream():
            data += chunk
            if len(data) > auth.MAX_BODY:
                return None, _err(413, "body too large: at most %d bytes" % auth.MAX_BODY)
        try:
            return auth.parse_json(data), None
        except auth.BadInput as e:
            return None, _err(400, str(e))

    def set_cookie(resp, value):
        resp.set_cookie(COOKIE, value, max_age=auth.SESSION_S, httponly=True, samesite="strict", secure=tls, path="/")
        return resp

    # --- pages ------------------------------------------------------------------

    async def index(request):
        if session(request)[0] is None:
            return RedirectResponse("/signin", status_code=303)
        return FileResponse(STATIC / "index.html")

    async def signin_page(request):
        once = request.query_params.get("once")
        if once is not None:
            got = sessions.redeem(once)
            if got is None:
                return _err(403, "this sign-in link was used already or has expired")
            return set_cookie(RedirectResponse("/", status_code=303), sessions.issue(*got, once=True))
        return FileResponse(STATIC / "signin.html")

    async def worker_page(request):
        return FileResponse(STATIC / "worker.html")

    # --- sign-in ----------------------------------------------------------------

    async def signin(request):
        b, bad = await body_of(request)
        if bad:
            return bad
        ip = request.client.host if request.client else "?"
        if not signin_limit.allow(ip):
            return _err(429, "too many sign-in attempts: wait a minute")
        name, password = b.get("name"), b.get("password")
        if not isinstance(name, str) or not isinstance(password, str) or len(name) > auth.MAX_NAME or len(password) > 200:
            return _err(400, "name and password expected")
        u = await asyncio.to_thread(users.verify, name, password)
        if u is None:
            return _err(401, "wrong name or password")
        return set_cookie(JSONResponse({"ok": True, "name": name, "role": u["role"]}), sessions.issue(name, u["role"]))

    async def signout(request):
        s, _ = session(request)
        b, bad = await body_of(request, s)
        if bad:
            return bad
        if s:
            sessions.revoke(s)
        resp = JSONResponse({"ok": True})
        resp.delete_cookie(COOKIE, path="/")
        return resp

    async def me(request):
        s, u = session(request)
        if s is None:
            return _err(401, "sign in first")
        return JSONResponse({"ok": True, "name": s["u"], "role": s["r"], "perms": sorted(perms(s, u)),
                             "csrf": sessions.csrf(s)})

    # --- the picture --------------------------------------------------------------

    def picture(p):
        snap = console.snapshot(names="names" in p)
        snap["mqtt"] = bridge.status() if bridge else None
        if "names" not in p:
            snap.pop("log", None)  # audit rows name insoles as typed
            snap = _pseudonymise(snap, False)
        return snap

    async def state(request):
        sp, bad = need(request, "view")
        if bad:
            return bad
        return JSONResponse(picture(sp[1]))

    async def events(request):
        sp, bad = need(request, "view")
        if bad:
            return bad
        loop_box["loop"] = asyncio.get_running_loop()
        q = asyncio.Queue()
        subscribers.add(q)

        async def stream():
            try:
                while session(request)[0] is not None:  # signed out or account removed: the stream ends
                    yield "event: state\ndata: %s\n\n" % json.dumps(picture(sp[1]))
                    try:
                        await asyncio.wait_for(q.get(), timeout=2.0)
                    except asyncio.TimeoutError:
                        pass
                    await asyncio.sleep(0.1)  # coalesce bursts
                    while not q.empty():
                        q.get_nowait()
                    if await request.is_disconnected():
                        break
            finally:
                subscribers.discard(q)

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})

    # --- actions ------------------------------------------------------------------

    def action(name, fn, needs_confirm=False):
        async def handler(request):
            sp, bad = need(request, "act")
            if bad:
                return bad
            s = sp[0]
            b, bad = await body_of(request, s)
            if bad:
                return bad
            if needs_confirm and b.get("confirm") is not True:
                return _err(400, "not confirmed: nothing sent")
            if not act_limit.allow((s["u"], name)):
                return _err(429, "too many %s orders: wait a few seconds" % name.replace("_", " "))
            try:
                res = await asyncio.to_thread(fn, b, s["u"])
            except (ActionError, auth.BadInput) as e:
                return _err(400, str(e))
            return JSONResponse(dict(res, ok=True))
        return Route("/api/" + name, handler, methods=["POST"])

    def do_ack(b, who):
        insole = b.get("insole")
        if not isinstance(insole, str) or not 0 < len(insole) <= auth.MAX_NAME:
            raise auth.BadInput("insole: an id or roster name of 1..%d characters" % auth.MAX_NAME)
        return console.acknowledge(insole, who, source="web")

    def do_evacuate(b, who):
        point, scope = b.get("point", 0), b.get("scope", "team")
        if type(point) is not int or not 0 <= point <= 255:
            raise auth.BadInput("point: an integer 0..255")
        if scope not in ("team", "site"):
            raise auth.BadInput("scope: 'team' or 'site'")
        return console.evacuate(who, point=point, scope=scope, source="web")

    # --- OSH view -----------------------------------------------------------------

    def pseudonym(insole):
        return "P-" + hmac.new(pseudo_key, insole.encode(), hashlib.sha256).hexdigest()[:8]

    async def history_view(request):
        sp, bad = need(request, "history")
        if bad:
            return bad
        names = "names" in sp[1]
        rows, counts, causes, ack_s, raised = [], collections.Counter(), collections.Counter(), [], {}
        for e in list(history):
            counts[e["event"]] += 1
            ins = e.get("insole")
            if e["event"] == "alarm":
                causes[e.get("cause")] += 1
                raised.setdefault(ins, e["t_ms"])
            elif e["event"] == "alarm_acknowledged" and ins in raised:
                ack_s.append((e["t_ms"] - raised.pop(ins)) / 1000)
            r = {k: v for k, v in e.items() if k not in ("name", "site", "team")}
            if ins:
                if names:
                    r["name"] = console.roster.label(int(ins, 16))
                else:
                    r["insole"] = pseudonym(ins)
            rows.append(r)
        ack_s.sort()
        return JSONResponse({"ok": True, "pseudonymous": not names, "events": rows[-500:],
                             "counts": dict(counts), "alarms_by_cause": dict(causes),
                             "acknowledged": len(ack_s),
                             "median_s_to_acknowledge": ack_s[len(ack_s) // 2] if ack_s else None})

    # --- accounts -----------------------------------------------------------------

    async def users_list(request):
        sp, bad = need(request, "users")
        if bad:
            return bad
        return JSONResponse({"ok": True, "users": users.list(), "roles": list(auth.ROLES)})

    async def users_add(request):
        sp, bad = need(request, "users")
        if bad:
            return bad
        b, bad = await body_of(request, sp[0])
        if bad:
            return bad
        try:
            await asyncio.to_thread(users.add, b.get("name"), b.get("role"), b.get("password"), b.get("names") is True)
        except auth.AuthError as e:
            return _err(400, str(e))
        console.audit.record(sp[0]["u"], "add_user", "done", name=b["name"], role=b["role"], source="web")
        return JSONResponse({"ok": True})

    async def users_remove(request):
        sp, bad = need(request, "users")
        if bad:
            return bad
        b, bad = await body_of(request, sp[0])
        if bad:
            return bad
        try:
            users.remove(b.get("name") if isinstance(b.get("name"), str) else "")
        except auth.AuthError as e:
            return _err(400, str(e))
        console.audit.record(sp[0]["u"], "remove_user", "done", name=b["name"], source="web")
        return JSONResponse({"ok": True})

    # --- worker transparency ----------------------------------------------------

    def worker_key(insole):
        return hmac.new(worker_mac_key, insole.encode(), hashlib.sha256).hexdigest()[:32]

    async def worker_api(request):
        insole, k = request.query_params.get("insole", ""), request.query_params.get("k", "")
        if not (len(insole) == 8 and insole.isascii() and k.isascii()) or \
                not hmac.compare_digest(k.encode(), worker_key(insole.lower()).encode()):
            return _err(403, "this worker link is not valid: ask your supervisor for your sheet")
        insole = insole.lower()
        try:
            rep = transparency.report(insole, console.roster.label(int(insole, 16)), list(history), users.list())
        except OSError as e:
            return _err(404, "privacy data sheet missing: %s" % e)
        return JSONResponse(dict(rep, ok=True))

    async def worker_link(request):
        sp, bad = need(request, "view")
        if bad:
            return bad
        if not ({"users", "act"} & sp[1]):
            return _err(403, "your role (%s) may not hand out worker links" % sp[0]["r"])
        try:
            insole = "%08x" % console.resolve(request.query_params.get("insole", "")[: auth.MAX_NAME])
        except ActionError as e:
            return _err(400, str(e))
        return JSONResponse({"ok": True, "insole": insole, "path": "/worker?insole=%s&k=%s" % (insole, worker_key(insole))})

    routes = [
        Route("/", index),
        Route("/api/worker", worker_api),
        Route("/api/worker_link", worker_link),
        Route("/signin", signin_page),
        Route("/worker", worker_page),
        Route("/api/signin", signin, methods=["POST"]),
        Route("/api/signout", signout, methods=["POST"]),
        Route("/api/me", me),
        Route("/api/state", state),
        Route("/api/events", events),
        action("acknowledge", do_ack),
        action("evacuate", do_evacuate, True),
        action("all_clear", lambda b, who: console.all_clear(who, source="web"), True),
        action("roll_call", lambda b, who: console.roll_call(who, source="web")),
        Route("/api/history", history_view),
        Route("/api/users", users_list),
        Route("/api/users", users_add, methods=["POST"]),
        Route("/api/users/remove", users_remove, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.sessions, app.state.users = sessions, users
    return _Guard(app, hosts)


def ensure_cert(state_dir, names):
    """(cert path, key path, SHA-256 fingerprint) of the console's TLS
    certificate: self-signed (ECDSA P-256, 2 years, SAN = ``names``), made
    on first run with the ``cryptography`` package and kept in ``state_dir``."""
    cert_p, key_p = os.path.join(state_dir, "web_cert.pem"), os.path.join(state_dir, "web_key.pem")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    if not (os.path.exists(cert_p) and os.path.exists(key_p)):
        import datetime

        key = ec.generate_private_key(ec.SECP256R1())
        sans = []
        for n in sorted(set(names)):
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(n)))
            except ValueError:
                sans.append(x509.DNSName(n))
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "soleguard console")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=730))
                .add_extension(x509.SubjectAlternativeName(sans), critical=False)
                .sign(key, hashes.SHA256()))
        auth._write_private(key_p, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
        auth._write_private(cert_p, cert.public_bytes(serialization.Encoding.PEM))
    with open(cert_p, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    return cert_p, key_p, cert.fingerprint(hashes.SHA256()).hex(":")


class WebServer:
    """uvicorn in a thread. ``start()`` returns once it listens; ``url``.
    ``cert``: (cert file, key file) for TLS, None for plain HTTP (loopback
    only); ``names``: further host names the console answers to."""

    def __init__(self, console, host="127.0.0.1", port=8080, state_dir=None, cert=None, names=(), bridge=None):
        if cert is None and not is_loopback(host):
            raise ValueError("web console on %s: TLS required off loopback" % host)
        self.host, self.port, self.tls = host, port, cert is not None
        self.state_dir = state_dir or os.path.dirname(console.audit.path)
        self.hosts = host_names(host, port, names)
        self.app = make_app(console, self.state_dir, self.hosts, self.tls, bridge)
        kw = {"ssl_certfile": cert[0], "ssl_keyfile": cert[1]} if cert else {}
        cfg = uvicorn.Config(self.app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=1,
                             lifespan="off", limit_concurrency=64, h11_max_incomplete_event_size=8192, **kw)
        self.server = uvicorn.Server(cfg)
        self._thread = threading.Thread(target=self.server.run, name="web", daemon=True)

    @property
    def url(self):
        h = "[%s]" % self.host if ":" in self.host else self.host
        return "%s://%s:%d/" % ("https" if self.tls else "http", h, self.port)

    def sign_in_link(self, name, role="operator"):
        """A one-time sign-in URL (valid auth.ONE_TIME_S, once)."""
        return self.url + "signin?once=" + self.app.app.state.sessions.one_time(name, role)

    def start(self, timeout=10):
        self._thread.start()
        end = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > end:
                raise RuntimeError("web console could not listen on %s:%d" % (self.host, self.port))
            time.sleep(0.02)
        return self

    def stop(self):
        self.server.should_exit = True
        self._thread.join(timeout=5)
