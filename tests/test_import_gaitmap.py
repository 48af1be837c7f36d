"""gaitmap shoe-IMU importer: real example files and hand-made defects."""
import numpy as np
import pytest

from soleguard_sim.importers import ImportProblem, gaitmap, import_batch, sources

FOLDER = "gaitmap_foot"
SENSORS = ["left_sensor"] * 6 + ["right_sensor"] * 6
AXES = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"] * 2


def _write(path, n=400, bad=None):
    """Both feet standing flat (acc z = g), index = sample number; ``bad`` = (data row, text)."""
    lines = ["sensor," + ",".join(SENSORS), "axis," + ",".join(AXES)]
    for i in range(n):
        lines.append("%d,0.0,0.0,9.80665,1.0,0.0,0.0,0.0,0.0,9.80665,0.0,-2.0,0.0" % i)
    if bad:
        lines[2 + bad[0]] = bad[1]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_glob_selects_imu_files_only(datasets):
    names = [p.name for p in sources("gaitmap", [datasets / FOLDER])]
    assert names == ["imu_sample.csv", "imu_sample_healthy_stair_up.csv"]


def test_walking_both_feet(datasets):
    left, right = gaitmap.import_file(datasets / FOLDER / "imu_sample.csv")
    assert (left.meta["foot"], right.meta["foot"]) == ("left", "right")
    assert (left.name, right.name) == ("imu_sample_left", "imu_sample_right")
    for tr in (left, right):
        n_src = 7928
        assert abs(len(tr.t_ms) - int((n_src - 2) / 2.048) - 1) <= 1
        assert tr.meta["kind"] == "adl" and tr.meta["activity"] == "walking"
        assert 950 < np.median(tr.imu[:50, 2]) < 1050           # standing: +z
        assert np.abs(np.median(tr.imu[:50, :2], axis=0)).max() < 60
        gy = tr.imu[:, 4].astype(float)                          # swing: toes up = -gy
        assert np.percentile(gy, 1) < -2000
        segs = tr.labels["segments"]
        assert len(segs) == 1 and segs[0]["activity"] == "walking" and segs[0]["strides"] >= 28
        assert 0 <= segs[0]["start_ms"] < segs[0]["end_ms"] <= tr.t_ms[-1]
        assert all(segs[0]["start_ms"] <= ic <= segs[0]["end_ms"] for ic in segs[0]["ic_ms"])
    # left stride 0 starts at sample 364 -> 364 / 204.8 s, minus the filter's 2.44 ms offset
    assert left.labels["segments"][0]["start_ms"] == round(364 / 0.2048 - 500 / 204.8)


def test_stairs_levelled(datasets):
    left, right = gaitmap.import_file(datasets / FOLDER / "imu_sample_healthy_stair_up.csv")
    for tr in (left, right):
        assert tr.meta["activity"] == "stairs_up" and tr.labels["segments"] == []
        assert 900 < np.median(tr.imu[:50, 2]) < 1100            # sensor pitched ~50 deg, levelled
        assert "Tilt removed" in tr.meta["axes"]


def test_units(tmp_path):
    left, right = gaitmap.import_file(_write(tmp_path / "imu_sample_x.csv"))
    assert np.all(left.imu[:, 2] == 1000) and np.all(left.imu[:, 3] == 10)
    assert np.all(right.imu[:, 4] == -20) and left.meta["activity"] == "walking"
    assert left.labels["segments"] == []


@pytest.mark.parametrize("bad,field", [
    ("7,0.0,0.0,9.8,1.0,0.0,x,0.0,0.0,9.8,0.0,-2.0,0.0", "left_sensor.gyr_z"),
    ("7,0.0,0.0,9.8", None),
])
def test_bad_row_rejected(tmp_path, bad, field):
    p = _write(tmp_path / "imu_sample_x.csv", bad=(7, bad))
    with pytest.raises(ImportProblem) as e:
        gaitmap.import_file(p)
    assert e.value.line == 10 and e.value.field == field and str(p) in str(e.value)


def test_missing_column_rejected(tmp_path):
    p = _write(tmp_path / "imu_sample_x.csv")
    p.write_text(p.read_text().replace("gyr_z", "gyr_q", 1))
    with pytest.raises(ImportProblem) as e:
        gaitmap.import_file(p)
    assert e.value.line == 2 and e.value.field == "left_sensor.gyr_z"


def test_batch_good_and_bad(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _write(src / "imu_sample_a.csv")
    _write(src / "imu_sample_b.csv", bad=(3, "3,1,2"))
    (src / "stride_borders_sample.csv").write_text("s_id,foot,start,end,gsd_id\n")
    res = import_batch("gaitmap", [src], tmp_path / "out")
    assert sorted(p.name for p in res.written) == ["imu_sample_a_left.trace.csv", "imu_sample_a_right.trace.csv"]
    assert len(res.failed) == 1 and "imu_sample_b.csv:6" in res.failed[0][1]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "imu_sample_a_left.trace.csv", "imu_sample_a_right.trace.csv"]


def test_import_memory_does_not_grow_with_the_file(datasets):
    """tracemalloc peak for the file's rows repeated 4x stays within 1.5x of 1x (it was ~2.8x the source: whole-file arrays)."""
    from soleguard_sim.bench import import_memory

    one, four = import_memory("gaitmap", datasets / FOLDER / "imu_sample_healthy_stair_up.csv", factors=(1, 4))
    assert four["source_bytes"] > 3.9 * one["source_bytes"]
    assert four["peak_bytes"] < 1.5 * one["peak_bytes"], (one, four)


def test_streamed_blocks_give_the_same_trace(tmp_path, monkeypatch):
    """Block size changes nothing: 7-row blocks (many block joins) write the same bytes as one block."""
    p = tmp_path / "src" / "imu_sample_x.csv"
    p.parent.mkdir()
    lines = ["sensor," + ",".join(SENSORS), "axis," + ",".join(AXES)]
    for i in range(300):
        s = np.sin(i / 9.0)
        lines.append("%d,%.4f,%.4f,9.7,%.3f,%.3f,0.5,0.2,%.4f,9.9,%.3f,-2.0,%.3f" % (i, s, -s, 30 * s, s, 2 * s, 40 * s, s))
    p.write_text("\n".join(lines) + "\n")
    whole = [q.read_bytes() for q in gaitmap.import_to(p, tmp_path / "a")]
    monkeypatch.setattr(gaitmap, "BLOCK_ROWS", 7)
    assert [q.read_bytes() for q in gaitmap.import_to(p, tmp_path / "b")] == whole
