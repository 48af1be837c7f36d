"""The web console: Starlette + uvicorn, live updates by Server-Sent Events.

Routes:
  GET  /                 the page (static/index.html; JS and CSS shipped in
                         the package, no external assets)
  GET  /api/state        the picture (JSON, names from the roster)
  GET  /api/events       Server-Sent Events: one ``state`` message per change
                         (at most 10 per second) and at least every 2 s
  POST /api/acknowledge  {"insole": id or name}
  POST /api/evacuate     {"confirm": true, "point": 0..255, "scope": "team"|"site"}
  POST /api/all_clear    {"confirm": true}
  POST /api/roll_call    {}
Actions answer {"ok": true, ...} or 400 {"ok": false, "error": ...}; the page
asks for confirmation before evacuate, all clear and acknowledge, and the
server refuses evacuate/all clear without ``confirm``.

Bound to 127.0.0.1 by default. On any other address a token is required
(``?token=`` in the URL the command prints, or the X-Soleguard-Token header),
so that only the supervisor's tablet can act.
"""
import asyncio
import hmac
import json
import threading
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .console import ActionError

STATIC = Path(__file__).resolve().parent / "static"


def make_app(console, token=None):
    """The Starlette app for ``console`` (token: None = none required)."""
    subscribers = set()
    loop_box = {}

    def on_event(_e):
        loop = loop_box.get("loop")
        if loop is None:
            return
        for q in list(subscribers):
            loop.call_soon_threadsafe(q.put_nowait, 1)

    console.add_listener(on_event)

    def authorised(request):
        if token is None:
            return True
        given = request.headers.get("x-soleguard-token") or request.query_params.get("token") or ""
        return hmac.compare_digest(given, token)

    def deny():
        return JSONResponse({"ok": False, "error": "token required: open the URL printed by soleguard gateway"},
                            status_code=403)

    async def index(request):
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def state(request):
        if not authorised(request):
            return deny()
        return JSONResponse(console.snapshot())

    async def events(request):
        if not authorised(request):
            return deny()
        loop_box["loop"] = asyncio.get_running_loop()
        q = asyncio.Queue()
        subscribers.add(q)

        async def stream():
            try:
                while True:
                    yield "event: state\ndata: %s\n\n" % json.dumps(console.snapshot())
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

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    def action(fn, needs_confirm=False):
        async def handler(request):
            if not authorised(request):
                return deny()
            try:
                body = await request.json()
            except ValueError:
                body = {}
            if not isinstance(body, dict):
                body = {}
            if needs_confirm and body.get("confirm") is not True:
                return JSONResponse({"ok": False, "error": "not confirmed: nothing sent"}, status_code=400)
            try:
                res = await asyncio.to_thread(fn, body)
            except (ActionError, ValueError, TypeError) as e:
                return JSONResponse({"ok": False, "error": str(e)}, status_code=400)
            return JSONResponse(dict(res, ok=True))
        return handler

    def do_ack(b):
        return console.acknowledge(str(b.get("insole", "")), source="web")

    def do_evacuate(b):
        return console.evacuate(point=int(b.get("point", 0) or 0), scope=b.get("scope", "team"), source="web")

    routes = [
        Route("/", index),
        Route("/api/state", state),
        Route("/api/events", events),
        Route("/api/acknowledge", action(do_ack), methods=["POST"]),
        Route("/api/evacuate", action(do_evacuate, True), methods=["POST"]),
        Route("/api/all_clear", action(lambda b: console.all_clear(source="web"), True), methods=["POST"]),
        Route("/api/roll_call", action(lambda b: console.roll_call(source="web")), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(routes=routes)


class WebServer:
    """uvicorn in a thread. ``start()`` returns once it listens; ``url``."""

    def __init__(self, console, host="127.0.0.1", port=8080, token=None):
        self.host, self.port, self.token = host, port, token
        cfg = uvicorn.Config(make_app(console, token), host=host, port=port, log_level="warning",
                             timeout_graceful_shutdown=1, lifespan="off")
        self.server = uvicorn.Server(cfg)
        self._thread = threading.Thread(target=self.server.run, name="web", daemon=True)

    @property
    def url(self):
        u = "http://%s:%d/" % (self.host, self.port)
        return u + ("?token=" + self.token if self.token else "")

    def start(self, timeout=10):
        self._thread.start()
        import time
        end = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > end:
                raise RuntimeError("web console could not listen on %s:%d" % (self.host, self.port))
            time.sleep(0.02)
        return self

    def stop(self):
        self.server.should_exit = True
        self._thread.join(timeout=5)
