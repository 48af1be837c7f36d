"""Moticon OpenGo importer: real recordings (../shared/datasets) and hand-made defects."""
from pathlib import Path

import numpy as np
import pytest

from soleguard_sim import importers
from soleguard_sim.importers import moticon
from soleguard_sim.importers.common import ImportProblem

REAL = "moticon_insole/230927_102231.txt"  # the shortest recording (10 s, fast walking)


def _side_header(side):
    cols = ["%s pressure %d[N/cm²]" % (side, i) for i in range(1, 17)]
    cols += ["%s acceleration %s[g]" % (side, a) for a in "XYZ"]
    cols += ["%s angular %s[dps]" % (side, a) for a in "XYZ"]
    cols += ["%s total force[N]" % side, "%s center of pressure X[-0.5...+0.5]" % side,
             "%s center of pressure Y[-0.5...+0.5]" % side]
    return cols


def _side_cells(pressure):
    total = sum(p * a for p, a in zip(pressure, moticon.CELL_AREA_CM2))
    vals = ["%.2f" % p for p in pressure] + ["-0.190", "0.040", "0.975", "1.0", "-2.0", "0.5"]
    return vals + ["%.2f" % total, "0.0", "0.0"]


def write_moticon(path, n=40, size="7", edit=None):
    """A small OpenGo export: n rows standing, 2 N/cm^2 on every cell of both insoles.

    edit(i, left_cells, right_cells) may change a row's cell lists (25 each) in place.
    Data rows start at file line 10.
    """
    head = ["# Start time: 27.09.2023 10:21:14.922", "# Duration: 00:00.400",
            "# Sensor insoles: Left SN1, Right SN2", "# Size: %s" % size, "# Recording type: normal",
            "# Name: test", "# Notes: test", "# Tag: slow"]
    cols = ["time"] + _side_header("left") + _side_header("right") + ["right steps[]", "left steps[]"]
    lines = head + ["# " + "\t".join(cols)]
    for i in range(n):
        left, right = _side_cells([2.0] * 16), _side_cells([2.0] * 16)
        if edit:
            edit(i, left, right)
        lines.append("\t".join(["%.2f" % (i / 100)] + left + right + ["", ""]))
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(path)


def _problem(path):
    with pytest.raises(ImportProblem) as e:
        moticon.import_file(path)
    return e.value


# --- real recordings ---------------------------------------------------------

def _raw_total(path, side):
    """Recorded total force per row (NaN where empty), read independently of the importer."""
    rows = [l.rstrip("\n").split("\t") for l in open(path, encoding="utf-8")]
    head = next(r for r in rows if r[0].startswith("# time"))
    k = head.index("%s total force[N]" % side)
    return np.array([float(r[k]) if r[k] else np.nan for r in rows if not r[0].startswith("#")])


def test_real_recording_two_insoles(datasets):
    left, right = moticon.import_file(datasets / REAL)
    assert (left.name, right.name) == ("230927_102231_left", "230927_102231_right")
    for tr, foot in ((left, "left"), (right, "right")):
        assert tr.meta["foot"] == foot and tr.meta["placement"] == "insole" and tr.meta["kind"] == "adl"
        assert tr.meta["activity"] == "walking_fast"
        assert tr.imu.shape == (len(tr.t_ms), 6) and tr.loads.shape == (len(tr.t_ms), 8)
        assert len(tr.zones) == 8
        standing = tr.imu[:30, :3].astype(float)
        assert abs(np.linalg.norm(standing.mean(axis=0)) - 1000) < 60
        assert standing[:, 2].mean() > 900  # gravity on +z
        assert tr.t_ms[0] == 0 and np.all(np.diff(tr.t_ms) == 10)
    assert 9000 < len(right.t_ms) * 10 < 10200


def test_real_zone_loads_add_up_to_total_force(datasets):
    _, right = moticon.import_file(datasets / REAL)
    total = _raw_total(datasets / REAL, "right")[:400]
    ok = ~np.isnan(total)
    assert np.abs(right.loads[:400].sum(axis=1)[ok] - total[ok]).max() < 8  # 8 zones rounded to 1 N
    assert 300 < right.loads.sum(axis=1).mean() < 700  # about half a body weight on average


def test_real_left_insole_leading_rows_trimmed(datasets):
    left, right = moticon.import_file(datasets / REAL)
    rules = {r["rule"]: r for r in left.meta["repairs"]}
    assert rules["trim_leading_empty_rows"]["lines"] == [10]
    assert left.meta["source_t0_ms"] > 0 and right.meta["source_t0_ms"] == 0
    assert "interpolate_empty_cells" in rules


def test_real_axes_same_convention_both_feet(datasets):
    """Pitch rate > 0 before toe-off (plantarflexion), < 0 in swing; y mirrored zones."""
    for tr in moticon.import_file(datasets / REAL):
        load = tr.loads.sum(axis=1)
        off = np.flatnonzero((load[:-1] >= 50) & (load[1:] < 50))
        off = off[(off > 10) & (off < len(load) - 25)]
        assert len(off) >= 3
        gy = tr.imu[:, 4].astype(float)
        assert np.mean([gy[i - 8:i].mean() for i in off]) > 500  # > 50 dps
        assert np.mean([gy[i + 10:i + 20].mean() for i in off]) < -500
    left, right = moticon.import_file(datasets / REAL)
    for zl, zr in zip(left.zones, right.zones):
        assert zl["x_mm"] == zr["x_mm"] and zl["y_mm"] == -zr["y_mm"]
    hallux = next(z for z in right.zones if z["name"] == "hallux")
    assert hallux["y_mm"] > 0 and hallux["x_mm"] > 200  # medial = left on the right foot


# --- hand-made files ----------------------------------------------------------

def test_clean_file_loads_and_meta(tmp_path):
    left, right = moticon.import_file(write_moticon(tmp_path / "a.txt"))
    expected = 2.0 * sum(moticon.CELL_AREA_CM2)
    assert abs(left.loads[0].sum() - expected) <= 4
    assert left.meta["activity"] == "walking_slow" and left.meta["repairs"] == []
    assert list(left.imu[0, :3]) == [-190, -40, 975] and list(right.imu[0, :3]) == [-190, 40, 975]
    assert list(left.imu[0, 3:]) == [-10, -20, -5] and list(right.imu[0, 3:]) == [10, -20, 5]


def test_leading_empty_rows_trimmed(tmp_path):
    def edit(i, left, right):
        if i < 5:
            left[:] = [""] * 25
    left, right = moticon.import_file(write_moticon(tmp_path / "a.txt", edit=edit))
    assert len(left.t_ms) == 35 and len(right.t_ms) == 40
    assert left.meta["source_t0_ms"] == 50
    assert left.meta["repairs"][0]["rule"] == "trim_leading_empty_rows"
    assert left.meta["repairs"][0]["lines"] == [10]


def test_short_hole_interpolated(tmp_path):
    def edit(i, left, right):
        if i in (20, 21):
            right[:] = [""] * 25
        if i == 30:
            right[3] = ""
    _, right = moticon.import_file(write_moticon(tmp_path / "a.txt", edit=edit))
    rep = right.meta["repairs"][0]
    assert rep["rule"] == "interpolate_empty_cells" and rep["lines"] == [30, 31, 40]
    assert len(right.t_ms) == 40


def test_long_hole_rejected_with_line_and_column(tmp_path):
    def edit(i, left, right):
        if 10 <= i < 40 - 5:
            left[4] = ""
    e = _problem(write_moticon(tmp_path / "a.txt", edit=edit))
    assert e.line == 20 and e.field == "left pressure 5[N/cm²]"
    assert "a.txt:20 [left pressure 5[N/cm²]]" in str(e)


def test_bad_number_rejected(tmp_path):
    def edit(i, left, right):
        if i == 7:
            right[17] = "0.0x4"
    e = _problem(write_moticon(tmp_path / "a.txt", edit=edit))
    assert (e.line, e.field) == (17, "right acceleration Y[g]")


def test_negative_pressure_rejected(tmp_path):
    def edit(i, left, right):
        if i == 3:
            left[0] = "-1.00"
    e = _problem(write_moticon(tmp_path / "a.txt", edit=edit))
    assert (e.line, e.field) == (13, "left pressure 1[N/cm²]")


def test_short_row_rejected(tmp_path):
    def edit(i, left, right):
        if i == 2:
            del right[-1]
    assert _problem(write_moticon(tmp_path / "a.txt", edit=edit)).line == 12


@pytest.mark.parametrize("size", ["5", "3", " 9 ", "10;;;"])
def test_other_size_imu_and_total_force_with_warning(tmp_path, size):
    left, right = moticon.import_file(write_moticon(tmp_path / "b.txt", size=size))
    for tr in (left, right):
        assert [z["name"] for z in tr.zones] == ["total"] and tr.loads.shape[1] == 1
        (rep,) = [r for r in tr.meta["repairs"] if r["rule"] == "insole_size_without_cell_geometry"]
        assert rep["lines"] == [4] and "WARNING" in rep["detail"] and "WARNING" in tr.meta["notes"]
        assert tr.imu is not None and tr.loads[:, 0].min() > 0


def test_size_7_padded_keeps_cell_geometry(tmp_path):
    left, _ = moticon.import_file(write_moticon(tmp_path / "b.txt", size=" 7 ;;"))
    assert len(left.zones) == 8


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "NaN"])
def test_non_finite_cell_is_a_logged_missing_cell(tmp_path, text):
    def edit(i, left, right):
        if i == 5:
            left[3] = text
    left, right = moticon.import_file(write_moticon(tmp_path / "a.txt", edit=edit))
    (rep,) = [r for r in left.meta["repairs"] if r["rule"] == "non_finite_cell_as_missing"]
    assert rep["lines"] == [15] and left.loads.max() < 1000


def test_batch_one_good_one_bad(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_moticon(src / "good.txt")
    write_moticon(src / "bad.txt", edit=lambda i, l, r: l.__setitem__(0, "x") if i == 1 else None)
    out = tmp_path / "out"
    res = importers.import_batch("moticon", [src], out)
    assert sorted(p.name for p in res.written) == ["good_left.trace.csv", "good_right.trace.csv"]
    assert len(res.failed) == 1 and res.failed[0][0].endswith("bad.txt") and "bad.txt:11" in res.failed[0][1]
    assert sorted(p.name for p in out.iterdir()) == ["good_left.trace.csv", "good_right.trace.csv"]


# --- streaming -------------------------------------------------------------------

def test_streamed_blocks_give_the_same_traces(datasets, tmp_path, monkeypatch):
    """7-row blocks (block edges inside holes, the left insole's late start, repeated times) = 1000-row blocks."""
    def edit(i, left, right):
        if i in (12, 13, 14):
            right[5] = ""          # a hole across a block edge (rows 7-13, 14-20)
        if i == 20:
            left[:] = [""] * 25    # a row without data inside
    src = write_moticon(tmp_path / "a.txt", n=60, edit=edit)
    text = src.read_text(encoding="utf-8").split("\n")
    text[9 + 27] = "0.26" + text[9 + 27][4:]  # row 27 repeats row 26's time
    src.write_text("\n".join(text), encoding="utf-8")
    for path in (datasets / REAL, src):
        big = moticon.import_to(path, tmp_path / "big")
        monkeypatch.setattr(moticon, "BLOCK_ROWS", 7)
        small = moticon.import_to(path, tmp_path / "small")
        monkeypatch.undo()
        assert [p.read_bytes() for p in small] == [p.read_bytes() for p in big]
    assert any(r["rule"] == "interpolate_empty_cells" for r in moticon.import_file(src)[1].meta["repairs"])


@pytest.mark.parametrize("n", [1, 2, 9, 10, 11, 500, 4001])
def test_median_exact_when_spilled(n, monkeypatch):
    """_Median (spilled to a file past SPILL values) = np.median, bit for bit, odd and even counts, ties."""
    monkeypatch.setattr(moticon._Median, "SPILL", 8)
    rng = np.random.default_rng(n)
    values = np.abs(rng.standard_normal(n)) * 0.01
    values[::3] = values[0]
    med = moticon._Median()
    for block in np.array_split(values, 7):
        med.add(block)
    assert med.count == n and (n <= 8 or med.file is not None)
    assert med.median() == np.median(values)
    med.close()


def test_import_memory_does_not_grow_with_the_file(datasets):
    """tracemalloc peak for the file's rows repeated 4x stays within 1.5x of 1x (it was ~12x the source: whole-file arrays)."""
    from soleguard_sim.bench import import_memory

    one, four = import_memory("moticon", datasets / REAL, factors=(1, 4))
    assert four["source_bytes"] > 3.9 * one["source_bytes"]
    assert four["peak_bytes"] < 1.5 * one["peak_bytes"], (one, four)
