"""The team key file: which team a console speaks for, and its key.

JSON, kept on the supervisor's machine and on the enrolment laptop only::

    {"site": "plant-a", "team": 7, "key": "<32..128 hex digits>"}

``site`` is optional (default "site"); it names the MQTT topic tree. The key
is 16..64 bytes (protocol.Keys). ``write_new`` creates one with a fresh random
key (os.urandom) and file mode 0600.
"""
import json
import os
import re

_SITE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


class KeyFileError(ValueError):
    """A key file that cannot be used; the message names the file and field."""


class TeamKey:
    """site (str), team (0..65535), key (bytes, 16..64)."""

    def __init__(self, site, team, key):
        self.site = site
        self.team = team
        self.key = key


def load(path):
    """Read and validate a key file; raises KeyFileError naming file and field."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise KeyFileError("%s: cannot read key file: %s" % (path, e.strerror or e))
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise KeyFileError("%s: line %d: not JSON: %s" % (path, e.lineno, e.msg))
    if not isinstance(doc, dict):
        raise KeyFileError("%s: expected a JSON object with site, team, key" % path)
    site = doc.get("site", "site")
    if not isinstance(site, str) or not _SITE.match(site):
        raise KeyFileError("%s: site %r: 1..40 letters, digits, '_', '.', '-'" % (path, site))
    team = doc.get("team")
    if type(team) is not int or not 0 <= team <= 0xFFFF:
        raise KeyFileError("%s: team %r: an integer 0..65535" % (path, team))
    raw = doc.get("key")
    try:
        key = bytes.fromhex(raw) if isinstance(raw, str) else None
    except ValueError:
        key = None
    if key is None or not 16 <= len(key) <= 64:
        raise KeyFileError("%s: key: 32..128 hex digits (16..64 bytes) expected" % path)
    return TeamKey(site, team, key)


def write_new(path, team, site="site", nbytes=32):
    """Write a new key file with a random key; refuses to overwrite one."""
    if os.path.exists(path):
        raise KeyFileError("%s: exists; refusing to overwrite a team key" % path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"site": site, "team": team, "key": os.urandom(nbytes).hex()}, f)
        f.write("\n")
    return load(path)
