"""gaitmap example data (shoe-mounted IMUs, both feet) -> two traces per file.

Source: CSV with a two-row header (``sensor,...`` / ``axis,...``; the stair
file leaves the first cell of both rows empty; other exports name the index
there, add pandas' index-name row ``samples,,,``, pad cells or end rows with a
separator: all accepted), an index column (sample
number or seconds), then acc_x..z [m/s^2] and gyr_x..z [deg/s] per
``left_sensor`` / ``right_sensor``, 204.8 Hz, in gaitmap's Foot Sensor Frame
(x to the tip of the shoe, y to the left, z up; right-handed; both feet).
Stride borders/events of ``imu_sample.csv`` (sample indices) become
``labels.segments``. See docs/importers/gaitmap.md.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..trace import DT_MS
from .common import (
    G_MG, MS2_PER_G, ImportProblem, Repairs, base_meta, boxcar, gravity_alignment,
    imu_to_int, make_trace, parse_number, resample,
)

SOURCE_GLOB = "imu_sample*.csv"
DATASET = "gaitmap"
CITATION = (
    "Kuederle A, Ullrich M, Roth N, et al. gaitmap - An Open Ecosystem for IMU-based Human Gait "
    "Analysis and Algorithm Benchmarking. example_data, MaD Lab FAU Erlangen-Nuernberg; MIT licence."
)
RATE_HZ_SRC = 204.8
AXES6 = ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
FEET = {"left": "left_sensor", "right": "right_sensor"}
ACTIVITY = {"imu_sample": "walking", "imu_sample_healthy_stair_up": "stairs_up"}
STRIDE_FILES = {"imu_sample": ("stride_borders_sample.csv", "stride_events_sample.csv")}
STILL_DPS = 10.0   # |gyro| below this: foot still (stance), used for the gravity direction
AXES_TEXT = (
    "gaitmap Foot Sensor Frame (x to the shoe tip, y left, z up, right-handed, same for both feet; "
    "gaitmap docs 'Coordinate Systems') is the insole frame, then levelled: rotated by the smallest "
    "rotation that takes the mean acc of the still samples (|gyro| < 10 dps) onto +z, so standing "
    "reads (0, 0, +1 g) like a flat insole (heading unchanged). Tilt removed for this trace: %.1f deg."
)


def import_file(path: Path) -> list:
    """Import one gaitmap IMU file -> [left Trace, right Trace] at 100 Hz.

    Raises ImportProblem naming file:line [field] for a bad header, a bad
    cell, irregular timing, or no still samples to find gravity.
    """
    path = Path(path)
    header, index, data = _read(path)
    t_src = _times(path, index)
    segments = _segments(path)
    traces = []
    for foot, sensor in FEET.items():
        cols = _columns(path, header, sensor)
        traces.append(_trace(path, foot, t_src, data[:, cols], segments.get(foot, [])))
    return traces


def _read(path: Path):
    """-> (header [(sensor, axis)] per data column, index (N,), data float64 (N, C))."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        try:
            sensors, axes = _header_row(next(reader)), _header_row(next(reader))
        except StopIteration:
            raise ImportProblem(path, "needs a two-row header (sensor / axis)", line=1, field="header") from None
        if len(sensors) != len(axes) or len(sensors) < 2 or not _is_label(sensors[0]) or not _is_label(axes[0]):
            raise ImportProblem(path, "needs two header rows of equal length (sensor names / axis names after "
                                "an index label)", line=2, field="header")
        header = list(zip(sensors[1:], axes[1:]))
        rows = []
        for row in reader:
            row = _header_row(row)
            if not row or not "".join(row).strip():
                continue
            if not rows and _is_label(row[0]) and not "".join(row[1:]).strip():
                continue  # pandas writes the index name on a third header row ("samples,,,,")
            if len(row) != len(sensors):
                raise ImportProblem(path, "%d cells, expected %d" % (len(row), len(sensors)), line=reader.line_num)
            rows.append([parse_number(c, path, reader.line_num, name)
                         for c, name in zip(row, ["index"] + ["%s.%s" % h for h in header])])
    if len(rows) < 4:
        raise ImportProblem(path, "fewer than 4 data rows")
    arr = np.array(rows, dtype=np.float64)
    return header, arr[:, 0], arr[:, 1:]


def _header_row(row) -> list:
    """Cells stripped of padding, without the empty cells a trailing separator leaves."""
    cells = [c.strip() for c in row]
    while len(cells) > 1 and not cells[-1]:
        cells.pop()
    return cells


def _is_label(cell: str) -> bool:
    """An index label cell ('', 'sensor', 'axis', 'samples', 'time' ...): anything but a number."""
    try:
        float(cell)
    except ValueError:
        return True
    return False


def _times(path: Path, index: np.ndarray) -> np.ndarray:
    """Source times in ms from the index column (sample numbers or seconds at 204.8 Hz)."""
    step = np.diff(index)
    if np.allclose(step, 1.0):
        return (index - index[0]) * 1000.0 / RATE_HZ_SRC
    if np.allclose(step, 1.0 / RATE_HZ_SRC, rtol=1e-6):
        return (index - index[0]) * 1000.0
    bad = int(np.argmax(~np.isclose(step, step[0]))) + 1
    raise ImportProblem(path, "index is neither sample numbers nor seconds at %g Hz" % RATE_HZ_SRC,
                        line=bad + 3, field="index")


def _columns(path: Path, header, sensor: str) -> list:
    """Data column numbers of acc_x..gyr_z for ``sensor``; ImportProblem if missing."""
    cols = []
    for axis in AXES6:
        try:
            cols.append(header.index((sensor, axis)))
        except ValueError:
            raise ImportProblem(path, "no column %s %s" % (sensor, axis), line=2, field="%s.%s" % (sensor, axis)) from None
    return cols


def _trace(path, foot, t_src, six, segments):
    """One foot: (N, 6) m/s^2 + deg/s at 204.8 Hz -> Trace in mg / 0.1 dps at 100 Hz."""
    acc_g = six[:, :3] / MS2_PER_G
    gyro = six[:, 3:]
    still = np.linalg.norm(gyro, axis=1) < STILL_DPS
    if still.sum() < 10:
        raise ImportProblem(path, "%s foot: fewer than 10 still samples to find gravity" % foot, field="gyr")
    rot = gravity_alignment(acc_g[still])
    tilt = float(np.degrees(np.arccos(np.clip(rot[2, 2], -1, 1))))
    # Boxcar over 2 samples (~one 100 Hz period at 204.8 Hz) before resampling.
    t_f, v_f = boxcar(t_src, np.hstack([acc_g @ rot.T, gyro @ rot.T]), int(RATE_HZ_SRC // (1000 // DT_MS)))
    t_ms, v = resample(t_f, v_f, path)
    repairs = Repairs()
    imu = imu_to_int(v[:, :3] * G_MG, v[:, 3:] * 10.0, repairs)
    shift = t_f[0]  # trace time 0 is source time t_f[0]
    meta = base_meta(
        DATASET, path, name="%s_%s" % (path.stem, foot), citation=CITATION, subject="MaD-healthy",
        activity=ACTIVITY.get(path.stem, "walking"), kind="adl", placement="shoe (instep)", foot=foot,
        axes=AXES_TEXT % tilt, notes=_notes(path, segments),
    )
    meta["labels"]["segments"] = [_shift(s, shift, int(t_ms[-1])) for s in segments]
    meta["repairs"] = repairs.as_list()
    return make_trace(meta, t_ms, imu=imu)


def _shift(seg: dict, shift_ms: float, end_ms: int) -> dict:
    out = dict(seg)
    out["start_ms"] = int(max(0, min(end_ms, round(seg["start_ms"] - shift_ms))))
    out["end_ms"] = int(max(0, min(end_ms, round(seg["end_ms"] - shift_ms))))
    out["ic_ms"] = [int(round(x - shift_ms)) for x in seg.get("ic_ms", [])]
    return out


def _notes(path, segments) -> str:
    text = ("Shoe-mounted IMU on the instep, not in the sole. 204.8 Hz -> 100 Hz: mean of 2 consecutive "
            "samples, then linear resampling. ")
    if path.stem in STRIDE_FILES:
        text += ("labels.segments: one per gait sequence (gsd_id) of stride_borders_sample.csv, sample "
                 "index / 204.8 Hz -> ms; ic_ms = initial contacts from stride_events_sample.csv.")
    else:
        text += "No stride annotations exist for this file: labels.segments is empty."
    return text


def _segments(path: Path) -> dict:
    """{foot: [segment]} from the stride files beside ``path`` (empty if none apply)."""
    names = STRIDE_FILES.get(path.stem)
    if not names or not (path.parent / names[0]).is_file():
        return {}
    borders = _stride_rows(path.parent / names[0], ("foot", "start", "end", "gsd_id"))
    events_path = path.parent / names[1]
    events = _stride_rows(events_path, ("foot", "ic")) if events_path.is_file() else []
    out = {}
    for foot in FEET:
        out[foot] = _gait_sequences(names[0], [r for r in borders if r["foot"] == foot],
                                    [r["ic"] for r in events if r["foot"] == foot])
    return out


def _stride_rows(path: Path, fields) -> list:
    """Rows of a stride CSV as dicts (numbers as float); ImportProblem on a bad row."""
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [k for k in fields if k not in (reader.fieldnames or [])]
        if missing:
            raise ImportProblem(path, "stride file lacks columns %s" % missing, line=1, field="header")
        for row in reader:
            rows.append({k: row[k] if k == "foot" else parse_number(row[k], path, reader.line_num, k)
                         for k in fields})
    return rows


def _gait_sequences(source: str, strides: list, ics: list) -> list:
    """Merge strides (sample indices) by gsd_id into segments in source ms."""
    ms = 1000.0 / RATE_HZ_SRC
    out = []
    for gsd in sorted({r["gsd_id"] for r in strides}):
        group = [r for r in strides if r["gsd_id"] == gsd]
        start = min(r["start"] for r in group) * ms
        end = max(r["end"] for r in group) * ms
        out.append({
            "start_ms": start, "end_ms": end, "activity": "walking", "strides": len(group),
            "source": "%s gsd_id %d" % (source, gsd),
            "ic_ms": [ic * ms for ic in sorted(ics) if start <= ic * ms <= end],
        })
    return out
