"""UMAFall ankle importer: real files from ../shared/datasets and hand-made defects."""
from pathlib import Path

import numpy as np
import pytest

from soleguard_sim import trace as trace_mod
from soleguard_sim.importers import ImportProblem, import_batch, umafall

FOLDER = "umafall_ankle"
WALK = "UMAFall_Subject_02_ADL_Walking_1_2016-06-13_20-27-49_ankle.csv"
FALL = "UMAFall_Subject_02_Fall_forwardFall_1_2016-06-13_20-43-52_ankle.csv"
ZERO_GYRO = "UMAFall_Subject_01_ADL_MakingACall_1_2017-04-14_23-30-27_ankle.csv"  # also a 294 ms gap
ZERO_ACC = "UMAFall_Subject_07_ADL_Aplausing_1_2016-12-03_17-13-37_ankle.csv"
UPSIDE_DOWN = "UMAFall_Subject_18_ADL_GoUpstairs_1_2016-06-06_15-31-14_ankle.csv"
GAP = "UMAFall_Subject_04_Fall_forwardFall_3_2016-06-13_13-15-30_ankle.csv"
LATE_KICK = "UMAFall_Subject_11_Fall_forwardFall_3_2016-06-10_17-51-32_ankle.csv"  # 2.7 g leg movement 8 s after the fall

HEADER = (
    "#% ID: Subject_05_ADL_Walking_1\n"
    "#% Type of Movement: ADL\n"
    "#% Description of the movement: Walking\n"
    "t_ms,sensor,x,y,z\n"
)
NAME = "UMAFall_Subject_05_ADL_Walking_1_2017-01-01_00-00-00_ankle.csv"


def _rows(n=60, spike_at=(), zero_gyro_at=(), gyro=None, acc_x=None):
    """Synthetic standing recording: acc rows at 50 ms, gyro 2 ms later; returns text lines."""
    out = []
    for i in range(n):
        ax = acc_x if acc_x is not None else 1.0
        a = (150.0, 0.0, 0.0) if i in spike_at else (ax, -0.05, 0.1)
        g = (0, 0, 0) if i in zero_gyro_at else (gyro if gyro is not None else (0.5, -0.3, 0.2))
        g = (g[0], g[1] + (i % 3) * 0.01, g[2]) if any(g) else g   # distinct rows, as a real sensor
        out.append("%d,acc_g,%s,%s,%s\n" % ((i * 50,) + tuple(a)))
        out.append("%d,gyro_dps,%s,%s,%s\n" % ((i * 50 + 2,) + tuple(g)))
    return out


def _write(tmp_path, lines, name=NAME, header=HEADER):
    p = tmp_path / name
    p.write_text(header + "".join(lines))
    return p


def _line_of(p, needle):
    return next(i for i, ln in enumerate(p.read_text().splitlines(), 1) if needle in ln)


def test_walking_file_units_axes(datasets):
    tr = umafall.import_file(datasets / FOLDER / WALK)[0]
    assert tr.imu.shape == (len(tr.t_ms), 6) and tr.imu.dtype == np.int16
    assert list(tr.t_ms[:3]) == [0, 10, 20]
    m = tr.meta
    assert (m["kind"], m["activity"], m["subject"], m["placement"], m["foot"]) == ("adl", "Walking", "UMA02", "ankle", "unknown")
    assert m["name"] == Path(WALK).stem and m["citation"] and m["axes"]
    assert 900 < np.median(tr.imu[:100, 2]) < 1100          # standing: gravity on +z
    assert 900 < np.median(np.linalg.norm(tr.imu[:, :3], axis=1)) < 1300
    # walking: swing is a large negative rotation about insole y
    gy = tr.imu[:, 4].astype(float)
    assert np.percentile(gy, 1) < -1500 and abs(np.percentile(gy, 1)) > np.percentile(gy, 99)
    assert not m["labels"]["falls"]


def test_fall_label_and_posture(datasets):
    tr = umafall.import_file(datasets / FOLDER / FALL)[0]
    (fall,) = tr.labels["falls"]
    mag = np.linalg.norm(tr.imu[:, :3].astype(float), axis=1)
    assert fall["impact_derived"] is True
    assert fall["impact_ms"] == tr.t_ms[int(np.argmax(mag))]
    assert fall["start_ms"] == max(0, fall["impact_ms"] - 1500)
    assert fall["end_ms"] == min(tr.t_ms[-1], fall["impact_ms"] + 10000)
    assert "DERIVED" in tr.meta["notes"]
    assert np.median(tr.imu[-100:, 0]) < -700                # prone after a forward fall: x down


def test_fall_label_is_the_descent_not_a_later_kick(datasets):
    """Subject 11 falls at ~2-3 s and moves a leg at ~10 s with a larger |a|: the label is the fall."""
    tr = umafall.import_file(datasets / FOLDER / LATE_KICK)[0]
    (fall,) = tr.labels["falls"]
    mag = np.linalg.norm(tr.imu[:, :3].astype(float), axis=1)
    whole_peak = int(tr.t_ms[int(np.argmax(mag))])
    assert whole_peak > 9000                                  # the kick, while lying
    assert 1500 <= fall["impact_ms"] <= 3500                  # the descent's peak
    i = int(np.searchsorted(tr.t_ms, fall["impact_ms"]))
    assert mag[i] > 1800                                      # a real impact, not a quiet sample
    assert "descent" in fall["rule"] and fall["start_ms"] == max(0, fall["impact_ms"] - 1500)


def test_real_repairs_logged(datasets):
    tr = umafall.import_file(datasets / FOLDER / ZERO_ACC)[0]
    rules = {r["rule"]: r for r in tr.meta["repairs"]}
    assert rules["acc_all_zero_row_dropped"]["lines"] == [38]
    assert rules["gyro_all_zero_row_dropped"]["lines"] == [39]


def test_real_gyro_saturation_counted(datasets):
    tr = umafall.import_file(datasets / FOLDER / WALK)[0]
    rule = {r["rule"]: r for r in tr.meta["repairs"]}["gyro_saturated_kept"]
    assert rule["count"] > 0 and "256.0 dps" in rule["detail"]


def test_upside_down_sensor_is_turned(datasets):
    tr = umafall.import_file(datasets / FOLDER / UPSIDE_DOWN)[0]
    assert 900 < np.median(tr.imu[:100, 2]) < 1100
    assert "upside down" in tr.meta["notes"] and "negated" in tr.meta["axes"]


def test_long_gap_rejected_with_line(datasets):
    with pytest.raises(ImportProblem) as e:
        umafall.import_file(datasets / FOLDER / GAP)
    assert e.value.line == 250 and e.value.field == "time" and GAP in str(e.value)


def test_whole_folder(datasets, tmp_path):
    res = import_batch("umafall", [datasets / FOLDER], tmp_path)
    assert len(res.written) + len(res.failed) == 342
    assert len(res.written) == 339  # 3 files have gaps of 0.7-2.5 s
    assert all("gap of" in msg and "[time]" in msg for _, msg in res.failed)
    assert not list(tmp_path.glob(".tmp-*"))
    tr = trace_mod.read(res.written[0])
    assert tr.meta["dataset"] == "UMAFall"


def test_isolated_spike_interpolated(tmp_path):
    p = _write(tmp_path, _rows(spike_at=(20,)))
    tr = umafall.import_file(p)[0]
    rule = {r["rule"]: r for r in tr.meta["repairs"]}["acc_spike_interpolated"]
    assert rule["count"] == 1 and rule["lines"] == [_line_of(p, "1000,acc_g")]
    assert np.abs(tr.imu[:, :3]).max() < 1100


def test_run_of_spikes_rejected(tmp_path):
    p = _write(tmp_path, _rows(spike_at=(20, 21)))
    with pytest.raises(ImportProblem) as e:
        umafall.import_file(p)
    assert e.value.line == _line_of(p, "1000,acc_g") and e.value.field == "x" and p.name in str(e.value)


def test_zero_gyro_rows_dropped(tmp_path):
    p = _write(tmp_path, _rows(zero_gyro_at=(10, 11)))
    tr = umafall.import_file(p)[0]
    rule = {r["rule"]: r for r in tr.meta["repairs"]}["gyro_all_zero_row_dropped"]
    assert rule["count"] == 2
    assert (tr.imu[:, 3:] != 0).any(axis=1).all()


def test_gyro_clipping_kept_and_counted(tmp_path):
    p = _write(tmp_path, _rows(gyro=(442.0, 0.0, 0.0)))
    tr = umafall.import_file(p)[0]
    rule = {r["rule"]: r for r in tr.meta["repairs"]}["gyro_saturated_kept"]
    assert rule["count"] == 60
    assert tr.imu[0, 5] == 4420            # ankle x -> insole z, kept


def test_mangled_number_repaired(tmp_path):
    lines = _rows()
    lines[0] = "0,acc_g,1.002.685.546.875,-0.05,0.1\n"
    tr = umafall.import_file(_write(tmp_path, lines))[0]
    rule = {r["rule"]: r for r in tr.meta["repairs"]}["locale_mangled_number"]
    assert rule["count"] == 1 and tr.imu[0, 2] == 1003


def test_gap_bridged_and_logged(tmp_path):
    lines = _rows()
    del lines[20:30]                          # 5 acc + 5 gyro rows: a 300 ms gap
    p = _write(tmp_path, lines)
    tr = umafall.import_file(p)[0]
    rule = {r["rule"]: r for r in tr.meta["repairs"]}["long_gap_bridged"]
    assert rule["count"] == 2 and _line_of(p, "750,acc_g") in rule["lines"]


def test_gap_too_long_rejected(tmp_path):
    lines = _rows()
    del lines[20:44]                          # 12 acc + 12 gyro rows: a 650 ms gap
    p = _write(tmp_path, lines)
    with pytest.raises(ImportProblem) as e:
        umafall.import_file(p)
    assert e.value.line == _line_of(p, "1100,acc_g") and e.value.field == "time"


@pytest.mark.parametrize("bad,field", [("100,acc_g,1.0,abc,0.1\n", "y"), ("100,magnet,1,2,3\n", "sensor")])
def test_bad_cell_rejected(tmp_path, bad, field):
    lines = _rows()
    lines[4] = bad
    p = _write(tmp_path, lines)
    with pytest.raises(ImportProblem) as e:
        umafall.import_file(p)
    assert e.value.line == _line_of(p, bad.strip()) and e.value.field == field
    assert "%s:%d [%s]" % (p, e.value.line, field) in str(e.value)


def test_batch_good_and_bad(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _write(src, _rows())
    _write(src, _rows(spike_at=(5, 6)), name=NAME.replace("Walking_1", "Walking_2"))
    out = tmp_path / "out"
    res = import_batch("umafall", [src], out)
    assert [p.name for p in res.written] == [Path(NAME).stem + ".trace.csv"]
    assert len(res.failed) == 1 and "Walking_2" in res.failed[0][0]
    assert sorted(p.name for p in out.iterdir()) == [Path(NAME).stem + ".trace.csv"]


def test_deterministic(tmp_path):
    p = _write(tmp_path, _rows(spike_at=(20,)))
    a, b = umafall.import_file(p)[0], umafall.import_file(p)[0]
    assert a.meta == b.meta and np.array_equal(a.imu, b.imu)


def test_derived_fall_label_rule_synthetic():
    """Stand 3 s, fall (3 g) onto the side, lie; a 5 g kick while lying is not the impact.

    Without a descent (the trace ends upright) the whole-trial peak is used.
    """
    from soleguard_sim.importers.common import derived_fall_label
    n = 1000
    t = np.arange(n) * 10
    acc = np.zeros((n, 3))
    acc[:300, 2] = 1000.0                                     # upright: gravity on +z
    acc[300:, 0] = 1000.0                                     # lying: gravity on +x
    acc[320] = (2000.0, 0.0, 2236.0)                          # 3 g landing, 3.2 s
    acc[800] = (5000.0, 0.0, 0.0)                             # 5 g kick, 8 s
    fall = derived_fall_label(t, acc)
    assert fall["impact_ms"] == 3200 and "descent" in fall["rule"]
    assert (fall["start_ms"], fall["end_ms"]) == (1700, 9990)
    up = np.zeros((n, 3))
    up[:, 2] = 1000.0
    up[500] = (0.0, 3000.0, 1000.0)                           # stumble, stays upright
    fall = derived_fall_label(t, up)
    assert fall["impact_ms"] == 5000 and "no descent" in fall["rule"]


@pytest.mark.parametrize("name", [LATE_KICK, ZERO_ACC])
def test_block_boundaries_change_nothing(datasets, monkeypatch, name):
    """Streamed in blocks of 7 source rows: the same samples, repairs and fall label as one block."""
    from soleguard_sim.importers.common import derived_fall_label

    path = datasets / FOLDER / name
    (whole,) = umafall.import_file(path)
    monkeypatch.setattr(umafall, "BLOCK_ROWS", 7)
    (pieces,) = umafall.import_file(path)
    assert np.array_equal(whole.t_ms, pieces.t_ms) and np.array_equal(whole.imu, pieces.imu)
    assert whole.meta == pieces.meta
    if whole.meta["kind"] == "fall":   # the streamed label is the whole-trace rule
        assert whole.labels["falls"] == [derived_fall_label(whole.t_ms, whole.imu[:, :3])]
