"""The roster: pseudonymous insole ids -> the people wearing them.

Kept on the supervisor's machine only: the console resolves ids to names for
its own screens; nothing it publishes (MQTT, --json) carries a name.

Formats (chosen by the file extension):

CSV, a header line then one insole per line::

    id,name,role
    1a2b3c4d,Ana Lopez,electrician

JSON, a list of objects (or {"insoles": [...]}) with the same keys.

``id`` is the insole's pseudonymous id as 8 hex digits (protocol.Keys.device_id;
the enrolment tool prints it). Instead of ``id`` a row may give
``hardware_id`` (hex of the MCU unique id): the id is then derived with the
team key, as the insole does. ``name`` is required, ``role`` optional.
``foot`` (optional, ``L`` or ``R``): the two insoles of one wearer are two rows
with the same name, one ``L`` and one ``R``; they share one answer slot (paired
slots, docs/PROTOCOL.md 8.3). Errors name the file and line (JSON: the entry's index).
"""
import csv
import json
import unicodedata


class RosterError(ValueError):
    """A roster that cannot be used; the message names file and line."""


class Person:
    """One roster entry: id (int), name (str), role (str), foot ("L", "R" or "" for a single insole)."""

    def __init__(self, insole_id, name, role="", foot=""):
        self.id = insole_id
        self.name = name
        self.role = role
        self.foot = foot


class Roster:
    """id (int) -> Person, in file order. ``label(id)`` gives a screen label."""

    def __init__(self, people=()):
        self.people = {}
        for p in people:
            self.people[p.id] = p

    def __contains__(self, insole_id):
        return insole_id in self.people

    def __len__(self):
        return len(self.people)

    def ids(self):
        return list(self.people)

    def slots(self):
        """insole id -> answer slot 0..63 (the insole's enrolment configuration ANSWER_SLOT is
        that + 1; docs/PROTOCOL.md 8.3): the position in the roster file of the wearer, counting
        the two insoles of a pair (same name, feet L and R) once; the pair shares the slot, the
        L insole answering first (its PAIR_SIDE 1, the R insole's 2). Wearers after the 64th
        have none (their insoles answer an evacuation on the random schedule)."""
        out, slot_of = {}, {}
        for i, p in self.people.items():
            key = wearer_key(p.name) if p.foot else None
            k = slot_of.get(key) if key is not None else None
            if k is None:
                k = len(set(out.values()))
                if key is not None:
                    slot_of[key] = k
            if k < 64:
                out[i] = k
        return out

    def paired(self):
        """True when some answer slot holds the two insoles of one wearer (evacuate frames then
        carry protocol.START_PAIRED)."""
        s = self.slots()
        return len(set(s.values())) < len(s)

    def name(self, insole_id):
        p = self.people.get(insole_id)
        return p.name if p else None

    def label(self, insole_id):
        """The person's name ('Ana Lopez (L)' for one insole of a pair), or 'unknown insole 1a2b3c4d'
        (never None)."""
        p = self.people.get(insole_id)
        if p is None:
            return "unknown insole %08x" % insole_id
        return "%s (%s)" % (p.name, p.foot) if p.foot else p.name

    def resolve(self, text):
        """Insole id for ``text``: 8 hex digits or a roster name (exact,
        case-insensitive). Raises KeyError with a message when unknown."""
        t = text.strip()
        for p in self.people.values():
            if p.name.lower() == t.lower():
                return p.id
        try:
            v = int(t, 16)
        except ValueError:
            v = None
        if v is not None and v in self.people:
            return v
        raise KeyError("unknown insole %r: not an id or name on the roster" % text)


def wearer_key(name):
    """The name two rows of one wearer's pair must share: Unicode NFKC (a no-break space is a space,
    composed and decomposed accents are one), case-folded (Straße = STRASSE), inner whitespace
    collapsed. Look-alike spellings are one wearer, not two one-footed ones that would shift every
    later wearer's answer slot."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def parse_id(text):
    """8 hex digits -> int in 1..0xFFFFFFFE; ValueError otherwise."""
    t = text.strip().lower()
    if t.startswith("0x"):
        t = t[2:]
    if len(t) != 8 or any(c not in "0123456789abcdef" for c in t):
        raise ValueError("id %r is not 8 hex digits" % text)
    v = int(t, 16)
    if v == 0 or v == 0xFFFFFFFF:
        raise ValueError("id %r is reserved (0 and ffffffff are not insole ids)" % text)
    return v


def load(path, keys=None):
    """Read a CSV or JSON roster; ``keys`` (protocol.Keys) derives ids from
    hardware_id rows. Raises RosterError naming file and line."""
    path = str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:  # -sig: spreadsheets' "CSV UTF-8" starts with a BOM
            text = f.read()
    except OSError as e:
        raise RosterError("%s: cannot read roster: %s" % (path, e.strerror or e))
    rows = _json_rows(path, text) if path.lower().endswith(".json") else _csv_rows(path, text)
    people, where, feet = [], {}, {}
    for loc, row in rows:
        p = _person(path, loc, row, keys)
        if p.id in where:
            raise RosterError("%s: %s: id %08x already on %s (duplicate insole or id collision: re-enrol)"
                              % (path, loc, p.id, where[p.id]))
        if p.foot:  # a pair: one L and one R row under one name
            had = feet.setdefault(wearer_key(p.name), {})
            if p.foot in had:
                raise RosterError("%s: %s: %s already has a %s insole on %s (a pair is one L and one R row)"
                                  % (path, loc, p.name, p.foot, had[p.foot]))
            had[p.foot] = loc
        where[p.id] = loc
        people.append(p)
    for p in people:
        if not p.foot and wearer_key(p.name) in feet:
            raise RosterError("%s: %s: %s has paired insoles (foot L/R) and this row has no foot"
                              % (path, where[p.id], p.name))
    if not people:
        raise RosterError("%s: roster has no insoles" % path)
    return Roster(people)


def _csv_rows(path, text):
    reader = csv.DictReader(text.splitlines())
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    if "name" not in fields or not ("id" in fields or "hardware_id" in fields):
        raise RosterError("%s: line 1: header must have 'name' and 'id' (or 'hardware_id'), got %r"
                          % (path, ",".join(reader.fieldnames or [])))
    reader.fieldnames = fields
    out = []
    for row in reader:
        if None in row:
            raise RosterError("%s: line %d: more fields than the header" % (path, reader.line_num))
        if not any((v or "").strip() for v in row.values()):
            continue
        out.append(("line %d" % reader.line_num, row))
    return out


def _json_rows(path, text):
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise RosterError("%s: line %d: not JSON: %s" % (path, e.lineno, e.msg))
    if isinstance(doc, dict):
        doc = doc.get("insoles")
    if not isinstance(doc, list):
        raise RosterError("%s: expected a list of insoles (or {\"insoles\": [...]})" % path)
    out = []
    for i, row in enumerate(doc):
        if not isinstance(row, dict):
            raise RosterError("%s: entry %d: expected an object with id and name" % (path, i))
        out.append(("entry %d" % i, {str(k).lower(): v for k, v in row.items()}))
    return out


def _person(path, loc, row, keys):
    name = row.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RosterError("%s: %s: name is empty" % (path, loc))
    rid, hw = row.get("id"), row.get("hardware_id")
    try:
        if isinstance(rid, str) and rid.strip():
            insole_id = parse_id(rid)
        elif isinstance(hw, str) and hw.strip():
            if keys is None:
                raise ValueError("hardware_id needs the team key (--key-file) to derive the id")
            insole_id = keys.device_id(bytes.fromhex(hw.strip()))
        else:
            raise ValueError("id is empty")
    except ValueError as e:
        raise RosterError("%s: %s: %s" % (path, loc, e))
    role = row.get("role") or ""
    foot = str(row.get("foot") or "").strip().upper()
    if foot not in ("", "L", "R"):
        raise RosterError("%s: %s: foot must be L, R or empty (single insole), got %r" % (path, loc, row.get("foot")))
    return Person(insole_id, name.strip(), str(role).strip(), foot)
