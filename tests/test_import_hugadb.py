"""HuGaDB importer: real files from ../shared/datasets and hand-made variants."""
import numpy as np
import pytest

from soleguard_sim.importers import ImportProblem, hugadb, import_batch, module, sources

FOLDER = "hugadb_feet"
HEADER = "\t".join(hugadb.COLUMNS) + "\n"


def _file(tmp_path, rows, name="HuGaDB_v1_various_03_07.txt"):
    p = tmp_path / name
    p.write_text("# made by a test\n" + HEADER + "".join(rows))
    return p


def _standing_row(act=8):
    """Both feet standing: the dataset-mean standing gravity in counts, gyro 0."""
    r = [int(round(g * hugadb.ACC_COUNTS_PER_G)) for g in hugadb.STANDING_G["right"]]
    l = [int(round(g * hugadb.ACC_COUNTS_PER_G)) for g in hugadb.STANDING_G["left"]]
    return "\t".join(map(str, r + [0, 0, 0] + l + [0, 0, 0] + [act])) + "\n"


def test_glob_selects_sources(datasets):
    assert len(sources("hugadb", [datasets / FOLDER])) == 326


def test_real_file_two_feet_one_wearer(datasets):
    path = datasets / FOLDER / "HuGaDB_v1_various_01_00.txt"
    right, left = module("hugadb").import_file(path)
    n_rows = sum(1 for ln in open(path) if ln[:1] not in "#a")
    assert right.meta["foot"] == "right" and left.meta["foot"] == "left"
    for tr in (right, left):
        m = tr.meta
        assert m["wearer"] == m["subject"] == "HGD01" and m["recording"] == "HuGaDB_v1_various_01_00"
        assert m["kind"] == "adl" and m["dataset"] == "HuGaDB"
        assert abs(len(tr.t_ms) - (n_rows - 1) * 100 / 60 - 1) <= 1
        segs = m["labels"]["segments"]
        assert [s["activity"] for s in segs[:4]] == ["sitting", "standing_up", "standing", "sitting_down"]
        assert all(a["end_ms"] == b["start_ms"] for a, b in zip(segs, segs[1:]))
    assert right.meta["name"] != left.meta["name"]


def test_levelled_standing_reads_plus_z(datasets):
    tr = hugadb.import_file(datasets / FOLDER / "HuGaDB_v1_standing_01_00.txt")
    for t in tr:
        acc = t.imu[:, :3].astype(float)
        g = acc.mean(axis=0)
        tilt = np.degrees(np.arccos(g[2] / np.linalg.norm(g)))
        assert 850 < np.linalg.norm(g) < 1150 and tilt < 20


def test_units_and_rate(tmp_path):
    rows = [_standing_row()] * 120       # 2 s at 60 Hz
    right, left = hugadb.import_file(_file(tmp_path, rows))
    assert list(right.t_ms[:2]) == [0, 10] and right.t_ms[-1] == 1980
    for t in (right, left):
        assert np.all(np.abs(t.imu[:, 0:2]) <= 1) and np.all(np.abs(t.imu[:, 2] - 959 * (t is right) - 1003 * (t is left)) <= 2)


def test_rails_logged_with_lines(tmp_path):
    rows = [_standing_row()] * 60
    rows[10] = "32767\t0\t0\t0\t0\t0\t0\t0\t16384\t0\t0\t0\t1\n"
    right, left = hugadb.import_file(_file(tmp_path, rows))
    (rep,) = right.meta["repairs"]
    assert rep["rule"] == "source_acc_at_2g_rail" and rep["lines"] == [13] and not left.meta["repairs"]


@pytest.mark.parametrize("bad, field", [
    ("1\t2\t3\n", None), ("nan" + _standing_row()[1:], "acc_rf_x"),
    (_standing_row(act=13), "act"), ("40000" + _standing_row()[_standing_row().index("\t"):], "acc_rf_x"),
])
def test_bad_row_names_line(tmp_path, bad, field):
    rows = [_standing_row()] * 60
    rows[5] = bad
    with pytest.raises(ImportProblem) as e:
        hugadb.import_file(_file(tmp_path, rows))
    assert e.value.line == 8 and e.value.field == field


def test_bad_name_and_header(tmp_path):
    with pytest.raises(ImportProblem, match="file name"):
        hugadb.import_file(_file(tmp_path, [_standing_row()] * 4, name="HuGaDB_walking.txt"))
    p = tmp_path / "HuGaDB_v1_walking_01_00.txt"
    p.write_text("acc_x\tacc_y\n1\t2\n")
    with pytest.raises(ImportProblem, match="column header"):
        hugadb.import_file(p)


def test_batch_survives_a_bad_file(tmp_path):
    good = _file(tmp_path, [_standing_row()] * 60, name="HuGaDB_v1_walking_01_00.txt")
    bad = tmp_path / "HuGaDB_v1_walking_01_01.txt"
    bad.write_text("\n" * 1000)
    res = import_batch("hugadb", [good, bad], tmp_path / "out")
    assert len(res.written) == 2 and len(res.failed) == 1 and "column header" in res.failed[0][1]


def test_streamed_blocks_give_the_same_trace_as_one_block(datasets, tmp_path, monkeypatch):
    """Block boundaries (resampling across them, activity runs spanning them) change nothing."""
    path = datasets / FOLDER / "HuGaDB_v1_various_01_00.txt"
    whole = hugadb.import_file(path)
    monkeypatch.setattr(hugadb, "BLOCK_ROWS", 7)
    pieces = hugadb.import_file(path)
    for a, b in zip(whole, pieces):
        assert np.array_equal(a.t_ms, b.t_ms) and np.array_equal(a.imu, b.imu)
        assert a.meta == b.meta


def test_bad_row_late_in_a_streamed_file_leaves_no_trace(tmp_path, monkeypatch):
    monkeypatch.setattr(hugadb, "BLOCK_ROWS", 5)
    p = _file(tmp_path, [_standing_row()] * 30 + ["1\t2\n"])
    res = import_batch("hugadb", [p], tmp_path / "out")
    assert len(res.failed) == 1 and ":33" in res.failed[0][1]
    assert list((tmp_path / "out").iterdir()) == []


def test_grown_source_for_the_memory_benchmark(tmp_path):
    from soleguard_sim.bench import grow_source

    src = _file(tmp_path, [_standing_row()] * 120)
    (tmp_path / "g").mkdir()
    grown = grow_source("hugadb", src, 4, tmp_path / "g")
    right, _ = hugadb.import_file(grown)
    assert right.t_ms[-1] == (4 * 120 - 1) * 1000 // 60 // 10 * 10
