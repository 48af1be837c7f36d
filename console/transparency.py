"""Worker transparency: for one insole, which events and fields were sent and
who saw them, from the privacy data sheet (docs/PRIVACY.md, the table that
tests/test_privacy_sheet.py holds equal to protocol.py) and the console's
own record of events and accounts.

A worker opens their page through a personal link (``/worker?insole=ID&k=KEY``,
KEY = HMAC-SHA256(worker-link key, ID) cut to 128 bits, the key derived
from the web secret (auth.Sessions.derive), printed by an admin or operator
on the worker's sheet): the key shows that insole's page and nothing else.
"""
from pathlib import Path

SHEET = Path(__file__).resolve().parent.parent / "docs" / "PRIVACY.md"
# console event -> the frame type whose fields it carries (docs/PROTOCOL.md)
EVENT_FRAME = {"alarm": "alarm", "cancelled": "cancelled", "recovered": "recovered", "heartbeat": "heartbeat",
               "evac_ack": "evac_ack", "roll_call_answer": "roll_call_answer"}


# events that carry an operator's name but are not something the operator did: the insole's
# confirmation that it received the operator's acknowledgement
NOT_ACTIONS = ("ack_confirmed",)


def sheet_rows(path=SHEET):
    """[(frame, dir, field, bytes, reveals, who, retention)] of the sheet's
    field table. OSError when the sheet is not there."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 7 and cells[0] not in ("frame", "---"):
            rows.append(tuple(cells))
    return rows


def report(insole, name, events, accounts, rows=None):
    """The page's data for one insole (hex id): ``events`` = the console's
    events (dicts) of any insole; ``accounts`` = [{name, role, names}].

    Returns {insole, name, sent: [{event, t_ms, fields: [{field, reveals,
    who, retention}]}], header: [...], seen_by: [{name, role, sees}],
    acted: [{event, operator, t_ms}]}."""
    rows = sheet_rows() if rows is None else rows
    by_frame = {}
    for frame, direction, field, _size, reveals, who, retention in rows:
        if direction == "up" or frame == "*":
            by_frame.setdefault(frame, []).append({"field": field, "reveals": reveals, "who": who,
                                                   "retention": retention})
    sent, acted = [], []
    for e in events:
        if e.get("insole") != insole:
            continue
        frame = EVENT_FRAME.get(e["event"])
        if frame:
            sent.append({"event": e["event"], "t_ms": e.get("t_ms"), "fields": by_frame.get(frame, [])})
        if e.get("operator") and e["event"] not in NOT_ACTIONS:
            acted.append({"event": e["event"], "operator": e["operator"], "t_ms": e.get("t_ms")})
    sees = {"operator": "your name and every event", "viewer": "your insole id and every event (no name)",
            "osh": "events under a pseudonym", "admin": "your insole id (no name, no events)"}
    seen_by = [{"name": a["name"], "role": a["role"],
                "sees": "your name and every event" if a.get("names") and a["role"] == "osh" else sees[a["role"]]}
               for a in accounts]
    return {"insole": insole, "name": name, "header": by_frame.get("*", []), "sent": sent[-200:],
            "seen_by": seen_by, "acted": acted[-200:],
            "mqtt": "control rooms subscribed to the site broker see every event under your insole id (no name)"}
