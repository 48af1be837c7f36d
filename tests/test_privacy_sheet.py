"""docs/PRIVACY.md lists exactly the frame types and fields protocol.py defines.

Parses the sheet's field table (columns frame | dir | field | bytes | ...) and
compares it both ways with protocol.frame_types() and the header/trailer fields:
a new field in code without a line in the sheet fails, and so does a stale line.
"""
from pathlib import Path

from soleguard.core import protocol as p

SHEET = Path(__file__).resolve().parent.parent / "docs" / "PRIVACY.md"


def _sheet_rows():
    rows = []
    for line in SHEET.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 7 and cells[0] not in ("frame", "---"):
            rows.append(cells)
    return rows


def _code_fields():
    fields = {}
    for name, size in p.HEADER_FIELDS + p.TRAILER_FIELDS:
        fields[("*", name)] = ("both", size)
    for code, tname, spec in p.frame_types():
        for f in spec:
            fields[(tname, f[0])] = ("down" if p.is_downlink(code) else "up", f[1])
    return fields


def test_sheet_has_a_table():
    assert len(_sheet_rows()) > 20


def test_every_code_field_is_in_the_sheet_and_vice_versa():
    sheet = {}
    for frame, direction, field, size, reveals, who, retention in _sheet_rows():
        key = (frame, field)
        assert key not in sheet, "listed twice: %s.%s" % key
        assert reveals and who and retention, "incomplete line for %s.%s" % key
        sheet[key] = (direction, int(size))
    code = _code_fields()
    missing = sorted(set(code) - set(sheet))
    stale = sorted(set(sheet) - set(code))
    assert not missing, "fields in protocol.py missing from docs/PRIVACY.md: %s" % missing
    assert not stale, "fields in docs/PRIVACY.md that protocol.py does not define: %s" % stale
    for key in code:
        assert sheet[key] == code[key], "direction/size differ for %s.%s: sheet %s, code %s" % (key + (sheet[key], code[key]))


def test_every_frame_type_is_in_the_sheet():
    frames = {r[0] for r in _sheet_rows()}
    for code, name, spec in p.frame_types():
        assert name in frames, "frame type %s not in docs/PRIVACY.md" % name


def test_header_fields_add_up_to_the_header():
    assert sum(size for _, size in p.HEADER_FIELDS) == p.HEADER_LEN


def _pair_rows():
    rows = []
    for line in SHEET.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 5 and cells[0] not in ("pair frame", "---"):
            rows.append(cells)
    return rows


def test_pair_link_fields_are_in_the_sheet_and_vice_versa():
    from soleguard.core import pairlink as pl

    code = {}
    for name, size in pl.HEADER_FIELDS + pl.TRAILER_FIELDS:
        code[("*", name)] = size
    for _, tname, spec in pl.frame_types():
        for f in spec:
            code[(tname, f[0])] = f[1]
    sheet = {}
    for frame, field, size, reveals, who in _pair_rows():
        assert (frame, field) not in sheet and reveals and who, (frame, field)
        sheet[(frame, field)] = int(size)
    assert sheet == code, (sorted(set(code) - set(sheet)), sorted(set(sheet) - set(code)))
    assert sum(size for _, size in pl.HEADER_FIELDS) == pl.HEADER_LEN
