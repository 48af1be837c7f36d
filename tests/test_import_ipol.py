"""IPOL (Xsens on each foot) importer: real recordings and hand-made defects."""
import json
from pathlib import Path

import numpy as np
import pytest

from soleguard_sim import importers
from soleguard_sim.importers import ipol
from soleguard_sim.importers.common import ImportProblem

HEADER = "PacketCounter\tAcc_X\tAcc_Y\tAcc_Z\tGyr_X\tGyr_Y\tGyr_Z\tMag_X\tMag_Y\tMag_Z"
EVENTS = [[120, 140], [200, 220]]


def write_ipol(folder, stem="1-1_rf", n=300, edit=None, info=None):
    """A small trial: standing on the dorsum-mounted sensor (+X 5, Z 8.5 m/s^2),
    Gyr_Y +3 rad/s inside EVENTS (mid-swing: toes rising). Data rows start at
    file line 3 (row i at line i + 3). edit(i, cells) may change a row.
    """
    folder = Path(folder)
    lines = ["Acquisition frequency: 100 Hz", HEADER]
    for i in range(n):
        gy = 3.0 if any(a <= i < b for a, b in EVENTS) else 0.0
        cells = ["%.1f" % i, "5.0", "0.0", "8.5", "0.0", "%.3f" % gy, "0.0", "-0.6", "0.03", "-0.35"]
        if edit:
            edit(i, cells)
        if cells:
            lines.append("\t".join(cells))
    path = folder / (stem + ".txt")
    path.write_text("\n".join(lines) + "\n")
    trial = {"Subject": 1, "Trial": 1, "TrialBoundaries": [100, 260], "UTurnBoundaries": [160, 180],
             "LeftFootEvents": EVENTS, "RightFootEvents": EVENTS, "Weight": float("nan")}
    trial.update(info or {})
    (folder / (stem[:-3] + ".json")).write_text(json.dumps(trial))
    return path


def _problem(path):
    with pytest.raises(ImportProblem) as e:
        ipol.import_file(path)
    return e.value


def test_real_trial_both_feet(datasets):
    info = json.loads((datasets / "ipol_foot/1-1.json").read_text())
    for stem, foot, key in (("1-1_rf", "right", "RightFootEvents"), ("1-1_lf", "left", "LeftFootEvents")):
        (tr,) = ipol.import_file(datasets / "ipol_foot" / (stem + ".txt"))
        assert tr.name == stem and tr.meta["foot"] == foot and tr.zones == [] and tr.loads is None
        assert tr.imu.shape == (len(tr.t_ms), 6) and tr.meta["activity"] == "walking"
        standing = tr.imu[:300, :3].astype(float).mean(axis=0)
        assert abs(np.linalg.norm(standing) - 1000) < 70 and standing[2] > 950  # gravity on +z
        steps = tr.labels["steps"]
        assert steps == [[10 * a, 10 * b] for a, b in info[key]]  # PacketCounter starts at 0
        acts = [s["activity"] for s in tr.labels["segments"]]
        assert acts == ["standing", "walking", "u_turn", "walking", "standing"]
        assert tr.labels["segments"][1]["start_ms"] == 10 * info["TrialBoundaries"][0]
        assert tr.labels["segments"][2]["end_ms"] == 10 * info["UTurnBoundaries"][1]
        gy = tr.imu[:, 4].astype(float)
        assert np.mean([gy[a // 10 - 6:a // 10].mean() for a, _ in steps]) > 1000  # plantarflexion at toe-off
        assert np.mean([gy[(a + b) // 20] for a, b in steps]) < -1000  # toes rising in mid-swing
        assert tr.meta["repairs"][0]["rule"] == "packet_loss_interpolated"


def test_real_packet_counter_is_the_time_base(datasets):
    (tr,) = ipol.import_file(datasets / "ipol_foot/1-1_rf.txt")
    assert len(tr.t_ms) == 3045  # PacketCounter 0..3044; the file has 2913 rows


def test_clean_file_levelled(tmp_path):
    (tr,) = ipol.import_file(write_ipol(tmp_path))
    assert list(tr.imu[0, :3]) == [0, 0, 1006]  # |(5, 0, 8.5)| m/s^2 = 1.006 g, levelled onto +z
    assert 30 < tr.meta["levelling_deg"] < 31
    assert tr.labels["steps"] == [[1200, 1400], [2000, 2200]]
    assert tr.labels["segments"][-1] == {"start_ms": 2600, "end_ms": 3000, "activity": "standing"}
    assert tr.meta["subject_info"]["weight_kg"] is None and tr.meta["repairs"] == []


def test_lost_packets_interpolated_long_gap_rejected(tmp_path):
    (tr,) = ipol.import_file(write_ipol(tmp_path, edit=lambda i, c: c.clear() if 50 <= i < 55 else None))
    rep = tr.meta["repairs"][0]
    assert (rep["rule"], rep["count"], rep["lines"]) == ("packet_loss_interpolated", 1, [53])
    assert len(tr.t_ms) == 300
    e = _problem(write_ipol(tmp_path, edit=lambda i, c: c.clear() if 50 <= i < 80 else None))
    assert (e.line, e.field) == (53, "time")


@pytest.mark.parametrize("row, col, text, field", [(40, 2, "x", "Acc_Y"), (41, 6, "inf", "Gyr_Z")])
def test_bad_number_rejected(tmp_path, row, col, text, field):
    e = _problem(write_ipol(tmp_path, edit=lambda i, c: c.__setitem__(col, text) if i == row else None))
    assert (e.line, e.field) == (row + 3, field) and "1-1_rf.txt:%d [%s]" % (row + 3, field) in str(e)


def test_bad_header_and_row_rejected(tmp_path):
    path = write_ipol(tmp_path)
    path.write_text(path.read_text().replace("Acquisition frequency: 100 Hz", "Frequency 100"))
    assert _problem(path).line == 1
    e = _problem(write_ipol(tmp_path, edit=lambda i, c: c.pop() if i == 7 else None))
    assert e.line == 10


def test_json_defects_rejected(tmp_path):
    e = _problem(write_ipol(tmp_path, info={"RightFootEvents": [[120, 140], [290, 400]]}))
    assert e.path.endswith("1-1.json") and e.field == "RightFootEvents[1]"
    e = _problem(write_ipol(tmp_path, info={"TrialBoundaries": [30, 260]}))
    assert e.field == "TrialBoundaries" and "standing" in str(e)
    path = write_ipol(tmp_path)
    (tmp_path / "1-1.json").write_text('{"TrialBoundaries": [100, 260],\n "UTurnBoundaries": [160 180]}')
    e = _problem(path)
    assert e.path.endswith("1-1.json") and e.line == 2
    (tmp_path / "1-1.json").unlink()
    assert _problem(path).path.endswith("1-1.json")


def test_sensor_turned_around_rejected(tmp_path):
    e = _problem(write_ipol(tmp_path, edit=lambda i, c: c.__setitem__(5, "-3.0") if 200 <= i < 220 else None,
                            info={"RightFootEvents": [[200, 220]]}))
    assert e.field == "Gyr_Y"


def test_batch_one_good_one_bad(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_ipol(src, "1-1_rf")
    write_ipol(src, "2-1_lf", edit=lambda i, c: c.__setitem__(1, "?") if i == 5 else None)
    out = tmp_path / "out"
    res = importers.import_batch("ipol", [src], out)
    assert [p.name for p in res.written] == ["1-1_rf.trace.csv"]
    assert len(res.failed) == 1 and "2-1_lf.txt:8 [Acc_X]" in res.failed[0][1]
    assert sorted(p.name for p in out.iterdir()) == ["1-1_rf.trace.csv"]


def test_streamed_blocks_give_the_same_trace(datasets, tmp_path, monkeypatch):
    """7-row blocks (every block edge inside lost packets, repeats and the standing period) = 1000-row blocks."""
    src = datasets / "ipol_foot/1-1_rf.txt"
    (big,) = ipol.import_to(src, tmp_path / "big")
    monkeypatch.setattr(ipol, "BLOCK_ROWS", 7)
    (small,) = ipol.import_to(src, tmp_path / "small")
    assert small.read_bytes() == big.read_bytes()


def test_import_memory_does_not_grow_with_the_file(datasets):
    """tracemalloc peak for the file's rows repeated 4x stays within 1.5x of 1x (it was ~6x the source: whole-file arrays)."""
    from soleguard_sim.bench import import_memory

    one, four = import_memory("ipol", datasets / "ipol_foot/1-1_rf.txt", factors=(1, 4))
    assert four["source_bytes"] > 3.9 * one["source_bytes"]
    assert four["peak_bytes"] < 1.5 * one["peak_bytes"], (one, four)
