"""gaitpdb (PhysioNet VGRF) importer: real recordings and hand-made defects."""
from pathlib import Path

import numpy as np
import pytest

from soleguard_sim import importers
from soleguard_sim.importers import gaitpdb
from soleguard_sim.importers.common import ImportProblem

REAL = "gaitpdb_vgrf/GaCo02_01.txt"


def write_gaitpdb(path, n=50, edit=None):
    """A small VGRF file: n rows, sensor k of each foot at 10*k N; edit(i, cells) may change a row."""
    lines = []
    for i in range(n):
        left = [10.0 * k for k in range(1, 9)]
        right = [10.0 * k + 1 for k in range(1, 9)]
        cells = ["%.4f" % (i / 100)] + ["%.2f" % v for v in left + right]
        cells += ["%.2f" % sum(left), "%.2f" % sum(right)]
        if edit:
            edit(i, cells)
        lines.append("\t".join(cells))
    Path(path).write_text("\r\n".join(lines) + "\r\n")
    return Path(path)


def _problem(path):
    with pytest.raises(ImportProblem) as e:
        gaitpdb.import_file(path)
    return e.value


def test_real_file_two_pressure_only_traces(datasets):
    left, right = gaitpdb.import_file(datasets / REAL)
    raw = np.loadtxt(datasets / REAL)
    for tr, foot, total in ((left, "left", raw[:, 17]), (right, "right", raw[:, 18])):
        assert tr.name == "GaCo02_01_" + foot and tr.meta["foot"] == foot
        assert tr.imu is None and "ax_mg" not in tr.columns()
        assert tr.loads.shape == (len(tr.t_ms), 8) and tr.loads.min() >= 0
        assert tr.meta["activity"] == "walking" and tr.meta["placement"] == "insole"
        assert abs(len(tr.t_ms) - len(raw)) <= 1
        total_at_t = np.interp(tr.t_ms, raw[:, 0] * 1000, total)  # the source clock is 10.0002 ms
        assert np.abs(tr.loads.sum(axis=1) - total_at_t).max() < 6  # 8 sensors rounded to 1 N
    both = left.loads.sum(axis=1).astype(float) + right.loads.sum(axis=1)
    assert 500 < np.median(both) < 1500  # about one body weight while walking


def test_zone_positions_in_insole_axes():
    left, right = gaitpdb.zone_table("left"), gaitpdb.zone_table("right")
    by = {z["name"]: z for z in left}
    assert by["heel"]["x_mm"] == 0 and by["toes"]["x_mm"] == 192
    assert by["forefoot_lat"]["y_mm"] > 0 > by["forefoot_med"]["y_mm"]  # left foot: lateral = wearer's left
    for zl, zr in zip(left, right):
        assert zl["name"] == zr["name"] and zl["x_mm"] == zr["x_mm"] and zl["y_mm"] == -zr["y_mm"]


def test_clean_file(tmp_path):
    left, right = gaitpdb.import_file(write_gaitpdb(tmp_path / "GaCo99_01.txt"))
    assert list(left.loads[0]) == [10, 20, 30, 40, 50, 60, 70, 80]
    assert list(right.loads[-1]) == [11, 21, 31, 41, 51, 61, 71, 81]
    assert len(left.t_ms) == 50 and left.meta["subject"] == "GaCo99"


@pytest.mark.parametrize("row, col, text, field", [
    (4, 3, "-2.00", "L3"),
    (9, 12, "abc", "R4"),
    (6, 17, "1.00", "total_left"),
    (7, 0, "nan", "time"),
])
def test_malformed_value_rejected(tmp_path, row, col, text, field):
    def edit(i, cells):
        if i == row:
            cells[col] = text
    e = _problem(write_gaitpdb(tmp_path / "GaCo99_01.txt", edit=edit))
    assert (e.line, e.field) == (row + 1, field)
    assert "GaCo99_01.txt:%d [%s]" % (row + 1, field) in str(e)


def test_short_row_and_gap_rejected(tmp_path):
    e = _problem(write_gaitpdb(tmp_path / "a.txt", edit=lambda i, c: c.pop() if i == 11 else None))
    assert e.line == 12
    e = _problem(write_gaitpdb(tmp_path / "b.txt", edit=lambda i, c: c.__setitem__(0, "%.4f" % (i / 100 + 0.5))
                               if i >= 20 else None))
    assert (e.line, e.field) == (21, "time")


def test_batch_one_good_one_bad(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_gaitpdb(src / "GaCo98_01.txt")
    write_gaitpdb(src / "GaPt97_01.txt", edit=lambda i, c: c.__setitem__(5, "-1") if i == 2 else None)
    (src / "format.txt").write_text("not a data file\n")
    out = tmp_path / "out"
    res = importers.import_batch("gaitpdb", [src], out)
    assert sorted(p.name for p in out.iterdir()) == ["GaCo98_01_left.trace.csv", "GaCo98_01_right.trace.csv"]
    assert len(res.written) == 2
    assert len(res.failed) == 1 and "GaPt97_01.txt:3 [L5]" in res.failed[0][1]


def test_import_memory_does_not_grow_with_the_file(datasets):
    """tracemalloc peak for the file's rows repeated 4x stays within 1.5x of 1x (it was ~10x the source: whole-file arrays)."""
    from soleguard_sim.bench import import_memory

    one, four = import_memory("gaitpdb", datasets / REAL, factors=(1, 4))
    assert four["source_bytes"] > 3.9 * one["source_bytes"]
    assert four["peak_bytes"] < 1.5 * one["peak_bytes"], (one, four)


def test_streamed_blocks_give_the_same_trace(datasets, tmp_path, monkeypatch):
    """Block size changes nothing: 7-row blocks (many block joins) write the same bytes as large blocks."""
    src = datasets / REAL
    whole = [q.read_bytes() for q in gaitpdb.import_to(src, tmp_path / "a")]
    monkeypatch.setattr(gaitpdb, "BLOCK_ROWS", 7)
    assert [q.read_bytes() for q in gaitpdb.import_to(src, tmp_path / "b")] == whole


def test_errors_after_the_whole_file_keep_their_order(tmp_path, monkeypatch):
    """A later malformed cell beats an earlier negative force; the worst total is named, across blocks."""
    monkeypatch.setattr(gaitpdb, "BLOCK_ROWS", 4)

    def edit(i, cells):
        if i == 3:
            cells[2] = "-1.00"
        if i == 20:
            cells[5] = "x"
    assert (_problem(write_gaitpdb(tmp_path / "a.txt", edit=edit)).line) == 21

    def totals(i, cells):
        if i in (5, 30):
            cells[18] = "%.2f" % (float(cells[18]) + (2 if i == 5 else 9))
    e = _problem(write_gaitpdb(tmp_path / "b.txt", edit=totals))
    assert (e.line, e.field) == (31, "total_right")


def test_failure_writing_the_right_foot_leaves_no_trace(tmp_path, monkeypatch):
    """Both feet or neither: if the right trace cannot be written, the finished left one is removed."""
    from soleguard_sim import trace as trace_mod

    finish = trace_mod.TraceStream.finish

    def right_fails(self, meta):
        if meta["foot"] == "right":
            raise trace_mod.TraceError(self.path, "disk full (test)")
        return finish(self, meta)
    monkeypatch.setattr(trace_mod.TraceStream, "finish", right_fails)
    src = write_gaitpdb(tmp_path / "GaCo99_01.txt")
    res = importers.import_batch("gaitpdb", [src], tmp_path / "out")
    assert res.written == [] and "disk full" in res.failed[0][1]
    assert list((tmp_path / "out").iterdir()) == []
