"""Accounts, roles, sessions, CSRF tokens, one-time sign-in links, rate limits
and bounded JSON: what the web console checks before it lets anyone act.

Accounts live in ``<state dir>/users.json`` (mode 600): name -> role and an
Argon2id hash (argon2-cffi, its default parameters: RFC 9106 low-memory
profile). Roles and what each may do (``PERMS``):

  viewer    the live picture, ids only (no names), no action
  operator  the live picture with names; acknowledge, evacuate, all clear,
            roll call
  osh       (OSH professional) event history and aggregate figures,
            pseudonymous (no id, no name) unless the account has ``names``
  admin     accounts (create, remove, list); the live picture without names

A session is a cookie ``sg_session`` = base64url(JSON {u, r, exp, sid}) "."
HMAC-SHA256(web secret, that text); the web secret is 32 random bytes in
``<state dir>/web_secret`` (mode 600). The CSRF token of a session is
HMAC-SHA256(web secret, "csrf:" + sid): the page reads it from ``/api/me``
and sends it as ``X-CSRF-Token`` with every POST. A session ends after
``SESSION_S``, at sign-out (kept in ``web_signed_out.json`` until it would
have expired, so a restart does not revive it), or when its account is
removed or changes role.
"""
import base64
import hashlib
import hmac
import json
import math
import os
import threading
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

PERMS = {
    "viewer": frozenset({"view"}),
    "operator": frozenset({"view", "names", "act"}),
    "osh": frozenset({"view", "history"}),
    "admin": frozenset({"view", "users"}),
}
ROLES = tuple(PERMS)
SESSION_S = 12 * 3600  # one shift
ONE_TIME_S = 600  # a printed sign-in link is valid this long, once
MAX_NAME = 40  # account names, roster names, insole ids as typed: characters
MIN_PASSWORD = 10  # characters (NIST SP 800-63B asks for at least 8)
MAX_BODY = 4096  # bytes of a request body or an MQTT order
MAX_DEPTH = 4  # JSON nesting of a request body or an MQTT order
HASHER = PasswordHasher()  # argon2-cffi defaults: Argon2id, m=64 MiB, t=3, p=4 (RFC 9106 low-memory profile)


class AuthError(ValueError):
    """An account operation refused; the message says why."""


def _write_private(path, data):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def check_name(name):
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME or not name.isprintable() or name != name.strip():
        raise AuthError("account name: 1..%d printable characters, no leading/trailing space" % MAX_NAME)
    return name


class Users:
    """The account file. ``add``/``remove`` write it at once (atomic)."""

    def __init__(self, state_dir):
        os.makedirs(state_dir, exist_ok=True)
        self.path = os.path.join(state_dir, "users.json")
        self._dummy = None
        self._lock = threading.Lock()
        self._users = {}
        try:
            with open(self.path, encoding="utf-8") as f:
                self._users = json.load(f)["users"]
        except FileNotFoundError:
            pass
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError("%s: unreadable account file (%s)" % (self.path, e))

    def __len__(self):
        return len(self._users)

    def _save(self):
        _write_private(self.path, json.dumps({"users": self._users}, indent=1, sort_keys=True).encode())

    def add(self, name, role, password, names=False):
        check_name(name)
        if role not in PERMS:
            raise AuthError("role %r: one of %s" % (role, ", ".join(ROLES)))
        if not isinstance(password, str) or len(password) < MIN_PASSWORD:
            raise AuthError("password: at least %d characters" % MIN_PASSWORD)
        with self._lock:
            self._users[name] = {"role": role, "hash": HASHER.hash(password), "names": bool(names)}
            self._save()

    def remove(self, name):
        with self._lock:
            if self._users.pop(name, None) is None:
                raise AuthError("no account %r" % name[:MAX_NAME])
            self._save()

    def get(self, name):
        return self._users.get(name)

    def list(self):
        return [{"name": n, "role": u["role"], "names": u.get("names", False)} for n, u in sorted(self._users.items())]

    def verify(self, name, password):
        """The account dict if ``password`` is right, else None (the same
        Argon2 work either way, so timing does not tell which names exist)."""
        u = self._users.get(name) if isinstance(name, str) else None
        if u is None and self._dummy is None:
            self._dummy = HASHER.hash("not a password of anyone")
        try:
            HASHER.verify(u["hash"] if u else self._dummy, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError, TypeError):
            return None
        return u


def _b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Sessions:
    """Signed session cookies, CSRF tokens and one-time sign-in links."""

    def __init__(self, state_dir, clock=time.time):
        path = os.path.join(state_dir, "web_secret")
        try:
            with open(path, "rb") as f:
                self._secret = f.read()
        except FileNotFoundError:
            self._secret = b""
        if len(self._secret) != 32:
            self._secret = os.urandom(32)
            _write_private(path, self._secret)
        self._clock = clock
        self._revoked_path = os.path.join(state_dir, "web_signed_out.json")
        try:
            with open(self._revoked_path, encoding="utf-8") as f:
                self._revoked = {str(k): float(v) for k, v in json.load(f).items()}  # sid -> exp
        except (OSError, ValueError, TypeError, AttributeError):
            self._revoked = {}  # missing or damaged: only sessions signed out before are affected
        self._once = {}  # token -> (name, role, exp)
        self._lock = threading.Lock()

    def derive(self, label):
        """A key of its own for ``label`` (HMAC-SHA256(web secret, "soleguard/v1/" + label))."""
        return hmac.new(self._secret, ("soleguard/v1/" + label).encode(), hashlib.sha256).digest()

    def _mac(self, text):
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()

    def issue(self, name, role, once=False):
        """A cookie value; ``once``: from a one-time link (valid without an account)."""
        exp = int(self._clock()) + SESSION_S
        d = {"u": name, "r": role, "exp": exp, "sid": os.urandom(12).hex()}
        if once:
            d["once"] = 1
        body = _b64(json.dumps(d, separators=(",", ":")).encode())
        return body + "." + self._mac(body)

    def check(self, cookie):
        """{u, r, exp, sid} of a valid cookie, else None. Never raises."""
        if not cookie or not isinstance(cookie, str) or len(cookie) > 512 or not cookie.isascii():
            return None
        body, _, mac = cookie.rpartition(".")
        if not hmac.compare_digest(mac.encode(), self._mac(body).encode()):
            return None
        try:
            s = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except ValueError:
            return None
        if s["exp"] < self._clock() or s["sid"] in self._revoked:
            return None
        return s

    def revoke(self, s):
        with self._lock:
            now = self._clock()
            self._revoked = {k: v for k, v in self._revoked.items() if v > now}
            self._revoked[s["sid"]] = s["exp"]
            _write_private(self._revoked_path, json.dumps(self._revoked).encode())

    def csrf(self, s):
        return self._mac("csrf:" + s["sid"])

    def csrf_ok(self, s, given):
        if not given or not given.isascii():
            return False
        return hmac.compare_digest(given.encode(), self.csrf(s).encode())

    def one_time(self, name, role, ttl_s=ONE_TIME_S):
        """A token that signs in as ``name`` with ``role`` once, within ``ttl_s``."""
        token = os.urandom(18).hex()
        with self._lock:
            self._once[token] = (name, role, self._clock() + ttl_s)
        return token

    def redeem(self, token):
        """(name, role) of an unused, unexpired one-time token, else None."""
        if not isinstance(token, str) or not token.isascii():
            return None
        with self._lock:
            for t in [t for t, v in self._once.items() if v[2] < self._clock()]:
                del self._once[t]
            for t in list(self._once):
                if hmac.compare_digest(t.encode(), token.encode()):
                    name, role, _ = self._once.pop(t)
                    return name, role
        return None


class RateLimit:
    """Token buckets: ``allow(key)`` is False once ``burst`` calls came within
    less than ``burst * every_s`` seconds."""

    def __init__(self, burst, every_s, clock=time.monotonic):
        self.burst, self.every_s, self._clock = burst, every_s, clock
        self._b = {}
        self._lock = threading.Lock()

    def allow(self, key):
        with self._lock:
            now = self._clock()
            level, t = self._b.get(key, (self.burst, now))
            level = min(self.burst, level + (now - t) / self.every_s)
            if len(self._b) > 10_000:
                self._b.clear()
            if level < 1:
                self._b[key] = (level, now)
                return False
            self._b[key] = (level - 1, now)
            return True


class BadInput(ValueError):
    """A body or message refused before use; the message says why."""


def _reject_constant(c):
    raise BadInput("%s is not a number this console takes" % c)


def _finite_float(text):
    v = float(text)
    if not math.isfinite(v):
        raise BadInput("number out of range: %s" % text[:20])
    return v


def _int(text):
    if len(text) > 20:
        raise BadInput("number out of range: %s..." % text[:20])
    return int(text)


def json_depth(data):
    """Deepest nesting of ``[``/``{`` in JSON text (bytes), strings skipped:
    checked before parsing, so no parser recursion happens on hostile input."""
    depth = deepest = 0
    in_str = esc = False
    for b in data:
        if in_str:
            if esc:
                esc = False
            elif b == 0x5C:
                esc = True
            elif b == 0x22:
                in_str = False
        elif b == 0x22:
            in_str = True
        elif b in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
        elif b in (0x5D, 0x7D):
            depth -= 1
    return deepest


def parse_json(data, max_bytes=MAX_BODY):
    """A JSON object from ``data`` (bytes) or BadInput: at most ``max_bytes``,
    UTF-8, nesting <= MAX_DEPTH, finite numbers, integers <= 20 digits."""
    if len(data) > max_bytes:
        raise BadInput("body of %d bytes: at most %d" % (len(data), max_bytes))
    if json_depth(data) > MAX_DEPTH:
        raise BadInput("JSON nested deeper than %d" % MAX_DEPTH)
    try:
        d = json.loads(data.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float,
                       parse_int=_int)
    except BadInput:
        raise
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
        raise BadInput("not JSON (%s)" % str(e)[:60])
    if not isinstance(d, dict):
        raise BadInput("a JSON object expected")
    return d


def clip(text, n=MAX_NAME):
    """``text`` as a printable one-line string of at most ``n`` characters."""
    s = "".join(c if c.isprintable() else "?" for c in str(text))
    return s if len(s) <= n else s[: n - 1] + "…"
