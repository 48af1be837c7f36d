"""SisFall waist importer: real files from ../shared/datasets and hand-made defects."""
import numpy as np
import pytest

from soleguard_sim.importers import ImportProblem, import_batch, sisfall, sources

FOLDER = "sisfall_waist"


def _counts_file(tmp_path, name="D19_SA01_R01.txt", n=400, bad=None):
    """Standing still: device y = -1 g (-256 counts), gyro 0; ``bad`` = (row, text) replaces a row."""
    rows = ["  3,-256,  10,   2,  -1,   0,  -5,-1020,  40;\n"] * n
    if bad:
        rows[bad[0]] = bad[1]
    p = tmp_path / name
    p.write_text("".join(rows))
    return p


def test_glob_selects_sources(datasets):
    assert len(sources("sisfall", [datasets / FOLDER])) == 18


@pytest.mark.parametrize("name", ["F02_SA01_R01.txt", "D18_SA01_R01.txt"])
def test_real_file(datasets, name):
    tr = sisfall.import_file(datasets / FOLDER / name)[0]
    n_src = sum(1 for ln in open(datasets / FOLDER / name) if ln.strip())
    assert abs(len(tr.t_ms) - n_src // 2) <= 1 and list(tr.t_ms[:2]) == [0, 10]
    m = tr.meta
    assert m["placement"] == "waist" and m["subject"] == "SA01" and m["foot"] == "unknown"
    assert "NOT an insole" in m["notes"] and m["name"] == "sisfall_" + name[:-4]
    assert 900 < np.median(tr.imu[:100, 2]) < 1100          # standing: +z
    assert np.abs(np.median(tr.imu[:100, :2], axis=0)).max() < 300


def test_fall_labels(datasets):
    tr = sisfall.import_file(datasets / FOLDER / "F02_SA01_R01.txt")[0]
    m = tr.meta
    assert m["kind"] == "fall" and m["activity"] == "fall backward while walking caused by a slip"
    (fall,) = m["labels"]["falls"]
    mag = np.linalg.norm(tr.imu[:, :3].astype(float), axis=1)
    assert fall["impact_derived"] and fall["impact_ms"] == tr.t_ms[int(np.argmax(mag))]
    assert fall["start_ms"] == fall["impact_ms"] - 1500
    assert fall["end_ms"] == min(int(tr.t_ms[-1]), fall["impact_ms"] + 10000)
    assert np.median(tr.imu[-100:, 0]) > 600                # supine after a backward fall: x up


def test_adl_label(datasets):
    tr = sisfall.import_file(datasets / FOLDER / "D11_SA01_R01.txt")[0]
    assert tr.meta["kind"] == "adl" and not tr.labels["falls"] and "chair" in tr.meta["activity"]


def test_units_and_pair_average(tmp_path):
    rows = []
    for i in range(400):  # alternating +-100 counts on device x: averaged pairs cancel it
        rows.append("%d,-256,0,%d,0,0,0,-1024,0;\n" % (100 if i % 2 else -100, 164))
    p = tmp_path / "D19_SA01_R01.txt"
    p.write_text("".join(rows))
    tr = sisfall.import_file(p)[0]
    assert np.all(tr.imu[:, 2] == 1000)                      # -256 counts on y = +1000 mg on z
    assert np.abs(tr.imu[:, 1]).max() <= 1                   # 200 Hz alternation removed
    assert np.all(tr.imu[:, 4] == -100)                      # 164 counts = 10.0 dps on x -> -y


@pytest.mark.parametrize("bad,field", [
    ("  3,-256,  1O,   2,  -1,   0,  -5,-1020,  40;\n", "adxl_z"),
    ("  3,-256,  10,   2,  -1,   0,  -5,-1020;\n", None),
    ("  3,-256,  10,   2,  -1,   0,  -5,-1020,  40\n", None),
    ("  3,-9999,  10,   2,  -1,   0,  -5,-1020,  40;\n", "adxl_y"),
])
def test_bad_row_rejected(tmp_path, bad, field):
    p = _counts_file(tmp_path, bad=(57, bad))
    with pytest.raises(ImportProblem) as e:
        sisfall.import_file(p)
    assert e.value.line == 58 and e.value.field == field and str(p) in str(e.value)


def test_bad_name_rejected(tmp_path):
    p = _counts_file(tmp_path, name="X01_SA01_R01.txt")
    with pytest.raises(ImportProblem) as e:
        sisfall.import_file(p)
    assert e.value.field == "name"


def test_batch_good_and_bad(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _counts_file(src, "D19_SA01_R01.txt")
    _counts_file(src, "F01_SA01_R01.txt", bad=(10, "1,2,3;\n"))
    (src / "notes.txt").write_text("not a source")
    res = import_batch("sisfall", [src], tmp_path / "out")
    assert [p.name for p in res.written] == ["sisfall_D19_SA01_R01.trace.csv"]
    assert len(res.failed) == 1 and "F01_SA01_R01.txt:11" in res.failed[0][1]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["sisfall_D19_SA01_R01.trace.csv"]


@pytest.mark.parametrize("block", [1, 7, 1000])
def test_streamed_blocks_give_the_same_trace(datasets, monkeypatch, block):
    """Block boundaries (odd, even, a single row) change nothing: same samples, meta and fall label."""
    path = datasets / FOLDER / "F02_SA01_R01.txt"
    ref = sisfall.import_file(path)[0]
    monkeypatch.setattr(sisfall, "BLOCK_ROWS", block)
    tr = sisfall.import_file(path)[0]
    assert np.array_equal(tr.t_ms, ref.t_ms) and np.array_equal(tr.imu, ref.imu)
    assert tr.meta == ref.meta


def test_bad_row_late_in_a_streamed_file_leaves_no_trace(tmp_path, monkeypatch):
    monkeypatch.setattr(sisfall, "BLOCK_ROWS", 5)
    p = _counts_file(tmp_path, n=40, bad=(33, "1,2,3;\n"))
    res = import_batch("sisfall", [p], tmp_path / "out")
    assert len(res.failed) == 1 and ":34" in res.failed[0][1]
    assert not list((tmp_path / "out").glob("*.trace.csv"))


def test_import_memory_does_not_grow_with_the_file(datasets):
    """tracemalloc peak for the file's rows repeated 4x stays within 1.5x of 1x (it was ~4x: whole-file arrays)."""
    from soleguard_sim.bench import import_memory

    one, four = import_memory("sisfall", datasets / FOLDER / "F02_SA01_R01.txt", factors=(1, 4))
    assert four["source_bytes"] > 3.9 * one["source_bytes"]
    assert four["peak_bytes"] < 1.5 * one["peak_bytes"], (one, four)
