"""Importers take the variants other users' files have, log every repair, and a batch survives bad files.

Hypothesis generates header padding / separators and non-finite values; the
hand-made files are tiny so this module runs in a few seconds.
"""
import json
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soleguard_sim.importers import ImportProblem, gaitmap, import_batch, recording, umafall

from test_import_umafall import HEADER, NAME, _rows, _write

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
pad = st.text(alphabet=" \t", max_size=3)
seps = st.text(alphabet=";", max_size=8)


@FAST
@given(pad, pad, seps)
def test_umafall_padded_header_fields(tmp_path, left, right, tail):
    header = "".join("#%%%s%s:%s%s%s%s\n" % (left, k, left, v, right, tail) for k, v in (
        ("ID", "Subject_05_ADL_Walking_1"), ("Type of Movement", "ADL"),
        ("Description of the movement", "Walking"))) + "t_ms,sensor,x,y,z\n"
    (tr,) = umafall.import_file(_write(tmp_path, _rows(), header=header))
    assert tr.meta["activity"] == "Walking" and tr.meta["kind"] == "adl"


def test_umafall_contradicting_header_still_rejected(tmp_path):
    header = HEADER.replace("Description of the movement: Walking", "Description of the movement: Jogging ;;;")
    with pytest.raises(ImportProblem, match="contradicts"):
        umafall.import_file(_write(tmp_path, _rows(), header=header))


@FAST
@given(st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity"]), st.integers(5, 50), st.sampled_from([2, 3, 4]))
def test_umafall_non_finite_row_dropped_and_logged(tmp_path, text, row, cell):
    lines = _rows()
    parts = lines[2 * row].rstrip("\n").split(",")
    parts[cell] = text
    lines[2 * row] = ",".join(parts) + "\n"
    p = _write(tmp_path, lines)
    (tr,) = umafall.import_file(p)
    (rep,) = [r for r in tr.meta["repairs"] if r["rule"] == "acc_non_finite_row_dropped"]
    assert rep["lines"] == [len(HEADER.splitlines()) + 2 * row + 1]
    assert np.all(np.abs(tr.imu[:, 2] - 1000) < 50)          # nothing zeroed: the neighbours bridge it


def test_non_finite_time_rejected_naming_line(tmp_path):
    lines = _rows()
    lines[10] = "nan" + lines[10][lines[10].index(","):]
    with pytest.raises(ImportProblem) as e:
        umafall.import_file(_write(tmp_path, lines))
    assert e.value.field == "t_ms" and e.value.line == len(HEADER.splitlines()) + 11


def _gaitmap_text(first_sensor="sensor", first_axis="axis", index_row=None, cell_pad="", trail=""):
    cols = [(s, a) for s in ("left_sensor", "right_sensor") for a in gaitmap.AXES6]
    out = [",".join([first_sensor] + [cell_pad + s + cell_pad for s, _ in cols]) + trail,
           ",".join([first_axis] + [cell_pad + a + cell_pad for _, a in cols]) + trail]
    if index_row is not None:
        out.append(index_row + "," * len(cols))
    for i in range(300):
        six = [0.0, 0.0, 9.81, 0.0, 0.0, 0.0]
        out.append(",".join([str(i)] + ["%g" % v for v in six * 2]) + trail)
    return "\n".join(out) + "\n"


@FAST
@given(st.sampled_from(["sensor", "", "Unnamed: 0", "time"]), st.sampled_from(["axis", "", "samples"]),
       st.sampled_from([None, "samples", "n_samples"]), pad.filter(lambda s: "\t" not in s), st.sampled_from(["", ","]))
def test_gaitmap_header_variants(tmp_path, first_sensor, first_axis, index_row, cell_pad, trail):
    p = tmp_path / "imu_sample_other.csv"
    p.write_text(_gaitmap_text(first_sensor, first_axis, index_row, cell_pad, trail))
    left, right = gaitmap.import_file(p)
    assert len(left.t_ms) > 100 and abs(int(np.median(right.imu[:, 2])) - 1000) < 5


def test_gaitmap_non_finite_rejected_naming_cell(tmp_path):
    p = tmp_path / "imu_sample_other.csv"
    text = _gaitmap_text().splitlines()
    cells = text[10].split(",")
    cells[3] = "inf"
    text[10] = ",".join(cells)
    p.write_text("\n".join(text) + "\n")
    with pytest.raises(ImportProblem) as e:
        gaitmap.import_file(p)
    assert e.value.line == 11 and e.value.field == "left_sensor.acc_z"


def _sgr(path, rate=100):
    from soleguard.edges.recorder import crc16

    head = recording.MAGIC + struct.pack("<BHBB", 1, rate, 1, 0) + b"test".ljust(16, b"\0")
    path.write_bytes(head + struct.pack("<H", crc16(head)))
    return path


def test_batch_survives_every_unreadable_file(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    good = _write(src, _rows())
    long_line = src / NAME.replace("Walking_1", "Walking_2")
    long_line.write_text(HEADER + "0,acc_g," + "1" * (130 * 1024) + ",0,0\n")
    newlines = src / "imu_sample_x.csv"
    newlines.write_text("\n" * 500)
    res = import_batch("umafall", [good, long_line], tmp_path / "out")
    assert len(res.written) == 1 and len(res.failed) == 1 and long_line.name in res.failed[0][1]
    res = import_batch("gaitmap", [newlines], tmp_path / "out")
    assert len(res.failed) == 1 and "header" in res.failed[0][1]
    rate0 = _sgr(src / "r0.sgr", rate=0)
    ok = _sgr(src / "ok.sgr")
    (src / "ok.sgr.labels.json").write_text(json.dumps([]))
    res = import_batch("recording", [rate0, ok], tmp_path / "out")
    msgs = dict(res.failed)
    assert "rate" in msgs[str(rate0)] and "labels must be a JSON object" in msgs[str(ok)]
