"""Bad input to the host tools: one clear error naming file/line/field, exit 1 (2 for
usage), no traceback, nothing already written lost or half-written."""
import json
import re
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from soleguard_sim.cli import main
from soleguard_sim.trace import Trace, TraceError, TraceStream, crop_labels, read, write

N = 300
HEADER_LINE = None  # file line of the CSV header in the good trace (set by _good)


def _good(path):
    imu = np.zeros((N, 6), dtype=np.int16)
    imu[:, 2] = 1000
    loads = np.full((N, 2), 300, dtype=np.int16)
    meta = {"dataset": "synthetic", "source_file": "-", "subject": "-", "activity": "walk", "kind": "adl",
            "placement": "insole", "foot": "right", "rate_hz": 100, "axes": "native",
            "zones": [{"name": "heel", "x_mm": 25, "y_mm": 0}, {"name": "toe", "x_mm": 200, "y_mm": 0}],
            "labels": {"falls": [], "segments": [], "sos": []}, "name": "good"}
    write(Trace(meta, np.arange(N, dtype=np.int64) * 10, imu, loads), path)
    return path


@pytest.fixture
def good(tmp_path):
    return _good(tmp_path / "good.trace.csv")


def _lines(path):
    lines = path.read_text().split("\n")
    return lines, next(i for i, ln in enumerate(lines) if ln.startswith("t_ms"))


def _with_meta(good, fn, name="bad"):
    lines, hdr = _lines(good)
    meta = json.loads("\n".join(ln[1:] for ln in lines[1:hdr]))
    fn(meta)
    body = ["# " + ln for ln in json.dumps(meta, indent=1).splitlines()]
    out = good.with_name(name + ".trace.csv")
    out.write_text("\n".join([lines[0]] + body + lines[hdr:]))
    return out


def _with_row(good, k, text, name="bad"):
    """Replace sample ``k``'s row; returns (path, file line of that row)."""
    lines, hdr = _lines(good)
    lines[hdr + 1 + k] = text
    out = good.with_name(name + ".trace.csv")
    out.write_text("\n".join(lines))
    return out, hdr + 2 + k


def _run(*args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res


def _fails(args, *expected, code=1):
    res = _run(*args)
    assert res.exit_code == code, res.output
    if code == 1:  # every command says it the same way, on one line
        assert "error: " in res.output and "Error: " not in res.output, res.output
    for text in expected:
        assert text in res.output, res.output
    return res


# -- traces: replay / score / plot / bench ---------------------------------------------------------

META_ATTACKS = [
    ("zones_not_list", lambda m: m.__setitem__("zones", "heel"), "[zones]: must be a list"),
    ("zones_int", lambda m: m.__setitem__("zones", 5), "[zones]: must be a list"),
    ("zone_not_object", lambda m: m["zones"].__setitem__(0, "heel"), "[zones[0]]: must be an object"),
    ("zone_no_name", lambda m: m["zones"][0].pop("name"), "[zones[0]]: lacks a non-empty text 'name'"),
    ("zone_no_x", lambda m: m["zones"][0].pop("x_mm"), "[zones[0].x_mm]: x_mm must be an integer (mm), got null"),
    ("zone_x_text", lambda m: m["zones"][0].__setitem__("x_mm", "25"), "[zones[0].x_mm]: x_mm must be an integer"),
    ("zone_repeated", lambda m: m["zones"][1].__setitem__("name", "heel"), "[zones[1]]: zone name 'heel' repeated"),
    ("fall_not_object", lambda m: m["labels"]["falls"].append(5), "[labels.falls[0]]: must be an object"),
    ("fall_lacks_key", lambda m: m["labels"]["falls"].append({"impact_ms": 100}),
     "[labels.falls[0]]: falls label lacks 'start_ms'"),
    ("fall_text_ms", lambda m: m["labels"]["falls"].append(
        {"impact_ms": "100", "start_ms": 0, "end_ms": 2000, "impact_derived": True}),
     "[labels.falls[0].impact_ms]: impact_ms must be int"),
    ("falls_not_list", lambda m: m["labels"].__setitem__("falls", {"impact_ms": 1}), "[labels.falls]: must be a list"),
    ("labels_null", lambda m: m.__setitem__("labels", None), "[labels]: must be an object"),
    ("sos_lacks_strikes", lambda m: m["labels"]["sos"].append({"strikes": 1}),
     "[labels.sos[0]]: sos label lacks 'strikes_ms'"),
    ("sos_strikes_text", lambda m: m["labels"]["sos"].append({"strikes_ms": ["a"]}),
     "[labels.sos[0].strikes_ms]: strikes_ms must be a non-empty list of integers"),
    ("sos_no_strikes", lambda m: m["labels"]["sos"].append({"strikes_ms": []}),  # score crashed (IndexError)
     "[labels.sos[0].strikes_ms]: strikes_ms must be a non-empty list of integers"),
    ("sos_same_strike", lambda m: m["labels"]["sos"].append({"strikes_ms": [500, 500, 900]}),
     "[labels.sos[0].strikes_ms]: strikes not in increasing time order: [500, 500, 900]"),
    ("man_down_not_list", lambda m: m["labels"].__setitem__("man_down", 5),  # score crashed (TypeError)
     "[labels.man_down]: must be a list"),
    ("man_down_reversed", lambda m: m["labels"].__setitem__("man_down", [{"start_ms": 900, "end_ms": 100}]),
     "[labels.man_down[0]]: start_ms <= end_ms out of order"),
    ("man_down_text", lambda m: m["labels"].__setitem__("man_down", [{"start_ms": "9", "end_ms": 100}]),
     "[labels.man_down[0].start_ms]: start_ms must be int"),
    ("man_down_past_end", lambda m: m["labels"].__setitem__("man_down", [{"start_ms": 0, "end_ms": 99000}]),
     "[labels.man_down[0].end_ms]: 99000 ms is past the end of the samples (3000 ms)"),
    ("labels_typo", lambda m: m["labels"].__setitem__("fals", []),  # a misspelt falls: the fall would score as a false alarm
     "[labels.fals]: unknown label 'fals' (known: falls, segments, sos, man_down, steps, lookalike)"),
    ("steps_garbage", lambda m: m["labels"].__setitem__("steps", "x"),
     "[labels.steps]: must be a list of [start_ms, end_ms] integer pairs"),
    ("steps_reversed", lambda m: m["labels"].__setitem__("steps", [[900, 100]]),
     "[labels.steps[0]]: step ends before it starts: [900, 100]"),
    ("segment_lacks_end", lambda m: m["labels"]["segments"].append({"start_ms": 0}),
     "[labels.segments[0]]: segments label lacks 'end_ms'"),
    ("kind_invalid", lambda m: m.__setitem__("kind", "slip"), "[kind]: kind must be one of"),
    ("kind_list", lambda m: m.__setitem__("kind", ["fall"]), '[kind]: must be text, got ["fall"]'),
    ("kind_missing", lambda m: m.pop("kind"), "[kind]: metadata lacks 'kind'"),
    ("activity_null", lambda m: m.__setitem__("activity", None), "[activity]: must be text, got null"),
    ("name_number", lambda m: m.__setitem__("name", 5), "[name]: must be non-empty text"),
]


@pytest.mark.parametrize("name,edit,message", META_ATTACKS, ids=[a[0] for a in META_ATTACKS])
@pytest.mark.parametrize("cmd", ["replay", "score", "plot", "bench"])
def test_bad_metadata_named_on_every_command(good, tmp_path, cmd, name, edit, message):
    bad = _with_meta(good, edit, name)
    png = tmp_path / "p.png"
    args = {"replay": ["replay", bad], "score": ["score", bad], "plot": ["plot", bad, "-o", png],
            "bench": ["bench", "--trace", bad]}[cmd]
    _fails(args, "%s.trace.csv %s" % (name, message))
    assert not png.exists()


def test_bad_rows_named_by_line_and_column(good):
    cases = [
        ("40,0,0,1000,0,0,0,300", "8 cells, expected 9", None),
        ("40,0,0,1000,0,0,0,300,300,1", "10 cells, expected 9", None),
        ("40,0,0,1000,0,x,0,300,300", "not an integer: 'x'", "gy_ddps"),
        ("40,0,0,1000.5,0,0,0,300,300", "not an integer: '1000.5'", "az_mg"),
        ("40,20000,0,1000,0,0,0,300,300", "value 20000 outside -16000..16000", "ax_mg"),
        ("40,0,0,1000,0,0,0,-3,300", "value -3 outside 0..5000", "load_heel_n"),
        ("40,0,0,1000,0,0,0,99999999999999999999999,300", "value 99999999999999999999999 out of range", "load_heel_n"),
        ("45,0,0,1000,0,0,0,300,300", "t_ms must step by 10 ms: 45 follows 30", "t_ms"),
        ("", "blank line inside the samples", None),
    ]
    for text, message, field in cases:
        bad, line = _with_row(good, 4, text)
        where = "bad.trace.csv:%d" % line + (" [%s]" % field if field else "")
        _fails(["replay", bad], "%s: %s" % (where, message))
        with pytest.raises(TraceError, match="^" + str(bad).replace(".", r"\.")):
            read(bad)


def test_header_not_matching_zones_names_the_column(good):
    lines, hdr = _lines(good)
    bad = good.with_name("hdr.trace.csv")
    bad.write_text(good.read_text().replace("load_toe_n", "load_foo_n"))
    _fails(["score", bad], "hdr.trace.csv:%d [header]: column 9 is 'load_foo_n', expected 'load_toe_n'" % (hdr + 1))


@pytest.mark.parametrize("content,message", [
    (b"", "empty.trace.csv:1: empty file, not a soleguard trace"),
    (b"# soleguard-trace 2\n", "empty.trace.csv:1: trace format '# soleguard-trace 2' is not supported"),
    (b"t_ms,ax_mg\n0,1\n", "empty.trace.csv:1: not a soleguard trace"),
    (b"# soleguard-trace 1\n# {\"kind\": adl}\n", "empty.trace.csv:2: metadata is not valid JSON"),
    (b"# soleguard-trace 1\n# [1, 2]\n", "empty.trace.csv:2: metadata must be a JSON object"),
    (bytes(range(256)) * 4, "empty.trace.csv:2: not UTF-8 text (byte 0x80)"),
])
def test_not_a_trace(tmp_path, content, message):
    bad = tmp_path / "empty.trace.csv"
    bad.write_bytes(content)
    _fails(["replay", bad], message)
    _fails(["plot", bad, "-o", tmp_path / "x.png"], message)
    _fails(["bench", "--trace", bad], message)


def test_header_only_and_single_row(good):
    lines, hdr = _lines(good)
    for keep, name in ((hdr + 1, "hdronly"), (hdr + 2, "onerow")):
        bad = good.with_name(name + ".trace.csv")
        bad.write_text("\n".join(lines[:keep]) + "\n")
        _fails(["replay", bad], "%s.trace.csv: a trace needs at least 2 samples" % name)


def test_a_last_line_cut_mid_number_is_refused(good):
    """A copy cut inside the last row ("...,48" -> "...,4") would replay as a valid sample: the
    trace writer ends every row with a newline, so a last line without one is refused, as the importers do."""
    data = good.read_bytes()
    bad = good.with_name("cut.trace.csv")
    bad.write_bytes(data.rstrip(b"\r\n")[:-1])
    n = bad.read_bytes().count(b"\n") + 1
    _fails(["replay", bad], "cut.trace.csv:%d: last line does not end with a newline" % n)
    with pytest.raises(TraceError, match="cut mid-row"):
        read(bad)


def test_a_trace_cut_at_a_row_boundary_shows_by_its_labels(good, tmp_path):
    """A copy cut between rows reads as a whole file; a fall labelled after the last sample would be
    scored as a missed fall. Label times outside the samples, and labels out of order, are refused
    by read, replay, score, write and the streaming writer, naming the label field."""
    fall = {"impact_ms": 2500, "start_ms": 2000, "end_ms": 2900, "impact_derived": True}
    labelled = _with_meta(good, lambda m: m["labels"]["falls"].append(fall), name="labelled")
    assert read(labelled).labels["falls"] == [fall]  # inside the 3.0 s of samples: accepted
    lines, hdr = _lines(labelled)
    cut = labelled.with_name("cut.trace.csv")
    cut.write_text("\n".join(lines[:hdr + 1 + 200]) + "\n")  # 200 of 300 rows, ends on a newline
    msg = "cut.trace.csv [labels.falls[0].impact_ms]: 2500 ms is past the end of the samples (2000 ms)"
    _fails(["replay", cut], msg)
    _fails(["score", "--json", cut], msg)
    bad = {"falls": [dict(fall, start_ms=2600)], "segments": [{"start_ms": 10, "end_ms": 5}],
           "sos": [{"strikes_ms": [900, 500, 1300]}]}
    for kind, field, words in (("falls", "labels.falls[0]", "start_ms <= impact_ms <= end_ms out of order"),
                               ("segments", "labels.segments[0]", "start_ms <= end_ms out of order"),
                               ("sos", "labels.sos[0].strikes_ms", "strikes not in increasing time order: [900, 500, 1300]")):
        p = _with_meta(good, lambda m: m["labels"].__setitem__(kind, bad[kind]), name=kind)
        with pytest.raises(TraceError, match=r"\[%s\]: %s" % (re.escape(field), re.escape(words))):
            read(p)
    tr = read(good)
    tr.meta["labels"]["sos"] = [{"strikes_ms": [-10]}]
    with pytest.raises(TraceError, match=r"\[labels.sos\[0\].strikes_ms\]: -10 ms is before the first sample"):
        write(tr, tmp_path / "w.trace.csv")
    stream = TraceStream(tmp_path / "s.trace.csv", imu=True, zones=2)
    stream.add(tr.t_ms, tr.imu, tr.loads)
    with pytest.raises(TraceError, match=r"3010 ms is past the end of the samples \(3000 ms\)"):
        stream.finish(dict(tr.meta, labels={"falls": [], "segments": [{"start_ms": 0, "end_ms": 3010}], "sos": []}))
    assert not (tmp_path / "w.trace.csv").exists() and not (tmp_path / "s.trace.csv").exists()


def test_crop_labels_moves_every_label_onto_the_crop():
    labels = {"falls": [{"impact_ms": 5000, "start_ms": 3000, "end_ms": 8000, "impact_derived": True},
                        {"impact_ms": 900, "start_ms": 0, "end_ms": 2000, "impact_derived": False}],
              "segments": [{"start_ms": 0, "end_ms": 4500, "activity": "standing"},
                           {"start_ms": 4500, "end_ms": 9000, "activity": "walking"},
                           {"start_ms": 9000, "end_ms": 9900, "activity": "sitting"}],
              "sos": [{"strikes_ms": [4100, 4400, 4700]}, {"strikes_ms": [5800, 6100, 6400]}],
              "steps": [[3500, 4200], [6400, 7000]], "lookalike": {"kind": "kick"}}
    out = crop_labels(labels, 4000, 6000)
    assert out == {"falls": [{"impact_ms": 1000, "start_ms": 0, "end_ms": 2000, "impact_derived": True}],
                   "segments": [{"start_ms": 0, "end_ms": 500, "activity": "standing"},
                                {"start_ms": 500, "end_ms": 2000, "activity": "walking"}],
                   "sos": [{"strikes_ms": [100, 400, 700]}], "steps": [[0, 200]], "lookalike": {"kind": "kick"}}
    assert labels["segments"][0]["start_ms"] == 0 and labels["falls"][0]["impact_ms"] == 5000  # source unchanged


def test_crlf_bom_and_trailing_blank_lines_are_accepted(good):
    ref = read(good)
    text = good.read_text()
    variants = {"crlf": text.replace("\n", "\r\n").encode(), "bom": b"\xef\xbb\xbf" + text.encode(),
                "bomcrlf": b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(), "tail": (text + "\n\n").encode()}
    for name, data in variants.items():
        p = good.with_name(name + ".trace.csv")
        p.write_bytes(data)
        tr = read(p)
        assert tr.meta == ref.meta and np.array_equal(tr.imu, ref.imu) and np.array_equal(tr.loads, ref.loads)
        assert _run("replay", p).exit_code == 0


def test_batch_goes_past_a_bad_trace_and_folder_without_traces(good, tmp_path):
    bad, line = _with_row(good, 4, "40,0,0,1000,0,x,0,300,300")
    res = _fails(["replay", good, bad], "error: %s:%d [gy_ddps]: not an integer" % (bad, line))
    assert "good (synthetic, walk, 3.0 s, imu+pressure, cpython): 0 events" in res.output
    res = _fails(["score", "--json", good.parent], "error: %s:%d [gy_ddps]" % (bad, line))
    assert '"traces": 1' in res.output
    empty = tmp_path / "none"
    empty.mkdir()
    _fails(["replay", empty], "no *.trace.csv files under %s" % empty, code=2)
    _fails(["score", empty], "no *.trace.csv files under %s" % empty, code=2)
    _fails(["replay", tmp_path / "missing"], "does not exist", code=2)
    _fails(["bench", "--trace", empty], "%s: cannot open: Is a directory" % empty)


def test_plot_output_paths(good, tmp_path):
    deep = tmp_path / "new" / "deeper" / "x.png"
    assert _run("plot", good, "-o", deep).exit_code == 0
    assert deep.read_bytes()[:4] == b"\x89PNG"
    assert [p.name for p in deep.parent.iterdir()] == ["x.png"]  # no temporary file left
    _fails(["plot", good, "-o", tmp_path / "x.txt"], "image type '.txt' unknown", code=2)
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    _fails(["plot", good, "-o", blocker / "x.png"], "cannot write: %s is a file, not a folder" % blocker)
    # a bad trace leaves the previous plot intact
    keep = tmp_path / "keep.png"
    keep.write_bytes(b"previous")
    bad = _with_meta(good, lambda m: m["zones"][0].pop("x_mm"))
    _fails(["plot", bad, "-o", keep], "[zones[0].x_mm]")
    assert keep.read_bytes() == b"previous"


def test_write_to_unusable_path_is_a_trace_error(good, tmp_path):
    tr = read(good)
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    with pytest.raises(TraceError, match="cannot write"):
        write(tr, blocker / "sub" / "t.trace.csv")
    (tmp_path / "dir.trace.csv").mkdir()
    with pytest.raises(TraceError, match="dir.trace.csv: cannot write"):
        write(tr, tmp_path / "dir.trace.csv")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp")] == []


# -- import -----------------------------------------------------------------------------------------

SISFALL = "sisfall_waist"
GOOD_SISFALL = ("D11_SA01_R01.txt", "F01_SA01_R01.txt")


def test_import_mixed_folder_writes_good_reports_bad(datasets, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in GOOD_SISFALL:
        shutil.copy(datasets / SISFALL / name, src / name)
    data = (datasets / SISFALL / "D18_SA01_R01.txt").read_bytes()
    (src / "D18_SA01_R01.txt").write_bytes(data[:5000])  # cut mid-row
    (src / "D19_SA01_R01.txt").write_bytes(b"")
    (src / "F02_SA01_R01.txt").write_bytes(bytes(range(128, 256)) * 8)
    out = tmp_path / "out"
    res = _fails(["import", "sisfall", src, src / GOOD_SISFALL[0], "-o", out, "--quiet"],
                 "sisfall: 2 traces written to %s, 3 source files failed" % out,
                 "error: %s:%d: last line does not end with a newline: the file looks cut mid-row"
                 % (src / "D18_SA01_R01.txt", data[:5000].count(b"\n") + 1),
                 "error: %s: fewer than 4 rows" % (src / "D19_SA01_R01.txt"),
                 "error: %s:1: not UTF-8 text (byte 0x80): not a sisfall file" % (src / "F02_SA01_R01.txt"))
    assert res.output.count("error:") == 3
    assert sorted(p.name for p in out.iterdir()) == ["sisfall_D11_SA01_R01.trace.csv", "sisfall_F01_SA01_R01.trace.csv"]
    for p in out.iterdir():
        read(p)


@pytest.mark.parametrize("kind,folder,name", [
    ("umafall", "umafall_ankle", "UMAFall_Subject_01_ADL_Aplausing_1_2017-04-14_23-38-23_ankle.csv"),
    ("moticon", "moticon_insole", "230927_102231.txt"),
    ("gaitpdb", "gaitpdb_vgrf", "GaCo01_01.txt"),
    ("ipol", "ipol_foot", "1-1_lf.txt"),
    ("gaitmap", "gaitmap_foot", "imu_sample.csv"),
    ("sisfall", "sisfall_waist", "D11_SA01_R01.txt"),
])
def test_import_truncated_source_rejected_previous_trace_kept(datasets, tmp_path, kind, folder, name):
    src = tmp_path / "src"
    shutil.copytree(datasets / folder, src)
    data = (src / name).read_bytes()
    start = data.rfind(b"\n", 0, len(data) * 2 // 3) + 1
    cut = (start + data.index(b"\n", start)) // 2  # mid-row
    (src / name).write_bytes(data[:cut])
    out = tmp_path / "out"
    out.mkdir()
    prev = out / "previous.trace.csv"
    prev.write_text("kept")
    res = _fails(["import", kind, src / name, "-o", out, "--quiet"],
                 "error: %s:%d: last line does not end with a newline" % (src / name, data[:cut].count(b"\n") + 1),
                 "0 traces written")
    assert sorted(p.name for p in out.iterdir()) == ["previous.trace.csv"] and prev.read_text() == "kept"
    assert res.output.count("error:") == 1


@pytest.mark.parametrize("kind,src,message", [
    ("umafall", "moticon_insole/230927_102231.txt", ":10 [header]: expected the column header t_ms,sensor,x,y,z"),
    ("moticon", "umafall_ankle/UMAFall_Subject_01_ADL_Aplausing_1_2017-04-14_23-38-23_ankle.csv",
     ":37: data before the '# time' column header"),
    ("gaitpdb", "moticon_insole/230927_102231.txt", ":1: 1 cells, expected 19"),
    ("gaitmap", "moticon_insole/230927_102231.txt", ":2 [header]: needs two header rows of equal length"),
])
def test_import_wrong_kind_of_file(datasets, tmp_path, kind, src, message):
    _fails(["import", kind, datasets / src, "-o", tmp_path / "out", "--quiet"],
           "error: %s%s" % (datasets / src, message), "%s: 0 traces written" % kind)
    assert list((tmp_path / "out").iterdir()) == []


def test_import_folder_of_the_wrong_kind_or_empty(datasets, tmp_path):
    _fails(["import", "umafall", datasets / "moticon_insole", "-o", tmp_path / "out"],
           "%s: no umafall source files (*.csv) here" % (datasets / "moticon_insole"))
    empty = tmp_path / "empty"
    empty.mkdir()
    _fails(["import", "sisfall", empty, "-o", tmp_path / "out"], "no sisfall source files")
    assert not (tmp_path / "out").exists()


def test_import_locale_mangled_number_named(datasets, tmp_path):
    src = tmp_path / "230927_102231.txt"
    lines = (datasets / "moticon_insole" / src.name).read_text().split("\n")
    lines[199] = lines[199].replace(".", ",", 1)
    src.write_text("\n".join(lines))
    _fails(["import", "moticon", src, "-o", tmp_path / "out", "--quiet"], "error: %s:200 [time]: not a number: '" % src)


def test_import_into_unusable_outdir_fails_before_importing(datasets, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    src = datasets / SISFALL / GOOD_SISFALL[0]
    _fails(["import", "sisfall", src, "-o", blocker], "Directory '%s' is a file" % blocker, code=2)
    res = _fails(["import", "sisfall", src, "-o", blocker / "sub"], "%s: cannot write traces here: Not a directory"
                 % (blocker / "sub"))
    assert "traces written" not in res.output
    assert blocker.read_text() == "x"


def test_a_recording_named_twice_is_counted_once(good):
    # the file itself, its folder and the file again: one trace, not three (hours and rates not inflated)
    res = CliRunner().invoke(main, ["score", "--json", str(good), str(good.parent), str(good)])
    assert res.exit_code == 0, res.output
    assert '"traces": 1' in res.output
    res = CliRunner().invoke(main, ["replay", str(good.parent), str(good)])
    assert res.exit_code == 0 and res.output.count("good (synthetic") == 1, res.output


def test_replay_pair_names_both_bad_files(good):
    left, ll = _with_row(good, 4, "40,0,0,1000,0,x,0,300,300", name="bad_left")
    right, rl = _with_row(good, 7, "70,0,0,1000,0,0,y,300,300", name="bad_right")
    res = CliRunner().invoke(main, ["replay", "--pair", str(left), str(right)])
    assert res.exit_code == 1, res.output
    assert "error: %s:%d [gy_ddps]" % (left, ll) in res.output and "error: %s:%d [gz_ddps]" % (right, rl) in res.output
