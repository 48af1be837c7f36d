"""Roster and key file of the supervisor console: formats, validation, errors naming file and line."""
import json

import pytest

from soleguard_console import keyfile, roster
from soleguard.core.protocol import Keys

KEY = bytes(range(32))


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_csv_roster_maps_ids_to_people(tmp_path):
    r = roster.load(write(tmp_path, "r.csv", "id,name,role\n1a2b3c4d,Ana Lopez,electrician\n0x0000002A,Ben Okafor,\n\n"))
    assert len(r) == 2
    assert r.name(0x1A2B3C4D) == "Ana Lopez" and r.people[0x1A2B3C4D].role == "electrician"
    assert r.resolve("ben okafor") == 0x2A and r.resolve("1a2b3c4d") == 0x1A2B3C4D
    assert r.label(0x99) == "unknown insole 00000099"
    with pytest.raises(KeyError, match="unknown insole 'Zoe'"):
        r.resolve("Zoe")


def test_csv_roster_saved_by_a_spreadsheet_with_a_bom(tmp_path):
    r = roster.load(write(tmp_path, "r.csv", "\ufeffid,name\n1a2b3c4d,Ana Lopez\n"))
    assert r.name(0x1A2B3C4D) == "Ana Lopez"


def test_json_roster_and_hardware_ids_derive_the_insoles_id(tmp_path):
    p = write(tmp_path, "r.json", json.dumps({"insoles": [{"hardware_id": "a0b1c2d3e4f5", "name": "Chloé"},
                                                         {"id": "00000007", "name": "Dmitri"}]}))
    r = roster.load(p, Keys(KEY))
    assert r.resolve("Chloé") == Keys(KEY).device_id(bytes.fromhex("a0b1c2d3e4f5"))
    with pytest.raises(roster.RosterError, match=r"r.json: entry 0: hardware_id needs the team key"):
        roster.load(p)


@pytest.mark.parametrize("text,where", [
    ("id,name\n1a2b3c4d,Ana\nzz,Ben\n", r"line 3: id 'zz' is not 8 hex digits"),
    ("id,name\n1a2b3c4d,Ana\n1A2B3C4D,Ben\n", r"line 3: id 1a2b3c4d already on line 2"),
    ("id,name\n1a2b3c4d,\n", r"line 2: name is empty"),
    ("id,name\nffffffff,Ana\n", r"line 2: id 'ffffffff' is reserved"),
    ("person,badge\nAna,1\n", r"line 1: header must have 'name' and 'id'"),
    ("id,name\n1a2b3c4d,Ana,extra\n", r"line 2: more fields than the header"),
    ("id,name\n", r"roster has no insoles"),
])
def test_malformed_csv_roster_names_file_and_line(tmp_path, text, where):
    p = write(tmp_path, "bad.csv", text)
    with pytest.raises(roster.RosterError, match=r"bad.csv: .*" + where):
        roster.load(p)


def test_a_pair_is_two_rows_of_one_name_with_feet_l_and_r_sharing_an_answer_slot(tmp_path):
    r = roster.load(write(tmp_path, "r.csv", "id,name,foot\n00000001,Ana,L\n00000002,Ben,\n00000003,Ana,r\n"
                                             "00000004,Chen,R\n"))
    assert r.slots() == {1: 0, 2: 1, 3: 0, 4: 2} and r.paired()
    assert r.people[3].foot == "R" and r.people[2].foot == ""
    single = roster.load(write(tmp_path, "s.csv", "id,name\n00000001,Ana\n00000002,Ben\n"))
    assert single.slots() == {1: 0, 2: 1} and not single.paired()
    # 70 wearers in pairs: 64 slots, the insoles of the 65th wearer on have none
    rows = "".join("%08x,W%d,%s\n" % (2 * k + f + 1, k, "LR"[f]) for k in range(70) for f in (0, 1))
    many = roster.load(write(tmp_path, "m.csv", "id,name,foot\n" + rows)).slots()
    assert len(many) == 128 and max(many.values()) == 63


def test_look_alike_spellings_of_one_name_are_one_wearer(tmp_path):
    # a no-break space, decomposed accents, case folding, doubled spaces: one pair, one slot, not two
    # one-footed wearers shifting every later slot (red-team finding)
    for left, right in (("Ana Lopez", "Ana\u00a0Lopez"), ("\u00c1na", "A\u0301na"), ("Stra\u00dfe", "STRASSE"),
                        ("Ana  Lopez", "ana lopez")):
        r = roster.load(write(tmp_path, "r.csv", "id,name,foot\n00000001,%s,L\n00000002,%s,R\n00000003,Bo,\n"
                              % (left, right)))
        assert r.slots() == {1: 0, 2: 0, 3: 1} and r.paired(), (left, right)
    with pytest.raises(roster.RosterError, match=r"line 3: .* already has a L insole on line 2"):
        roster.load(write(tmp_path, "bad.csv", "id,name,foot\n00000001,Ana Lopez,L\n00000002,ana\u00a0lopez,L\n"))


@pytest.mark.parametrize("text,where", [
    ("id,name,foot\n00000001,Ana,X\n", r"line 2: foot must be L, R or empty"),
    ("id,name,foot\n00000001,Ana,L\n00000002,Ana,L\n", r"line 3: Ana already has a L insole on line 2"),
    ("id,name,foot\n00000001,Ana,L\n00000002,Ana,\n", r"line 3: Ana has paired insoles"),
])
def test_malformed_pair_rows_name_file_and_line(tmp_path, text, where):
    with pytest.raises(roster.RosterError, match=r"bad.csv: " + where):
        roster.load(write(tmp_path, "bad.csv", text))


def test_malformed_json_roster_and_missing_file(tmp_path):
    with pytest.raises(roster.RosterError, match=r"bad.json: line 2: not JSON"):
        roster.load(write(tmp_path, "bad.json", '[\n{"id": }]'))
    with pytest.raises(roster.RosterError, match=r"bad.json: entry 1: expected an object"):
        roster.load(write(tmp_path, "bad.json", '[{"id": "00000001", "name": "A"}, 3]'))
    with pytest.raises(roster.RosterError, match=r"nope.csv: cannot read roster"):
        roster.load(str(tmp_path / "nope.csv"))


def test_key_file_round_trip_and_errors(tmp_path):
    p = str(tmp_path / "team.key")
    tk = keyfile.write_new(p, 7, "plant-a")
    assert (tk.site, tk.team, len(tk.key)) == ("plant-a", 7, 32)
    assert (tmp_path / "team.key").stat().st_mode & 0o777 == 0o600
    with pytest.raises(keyfile.KeyFileError, match="refusing to overwrite"):
        keyfile.write_new(p, 7)
    for doc, msg in [({"team": 7, "key": "00" * 8}, "key: 32..128 hex"), ({"team": 70000, "key": "00" * 16}, "team 70000"),
                     ({"team": 7, "key": "zz" * 16}, "key: 32..128 hex"), ({"site": "a b", "team": 1, "key": "00" * 16}, "site 'a b'")]:
        with pytest.raises(keyfile.KeyFileError, match=msg):
            keyfile.load(write(tmp_path, "k.json", json.dumps(doc)))
    with pytest.raises(keyfile.KeyFileError, match="k.json: line 1: not JSON"):
        keyfile.load(write(tmp_path, "k.json", "{team"))
