"""UMAFall ankle SensorTag recordings -> soleguard traces (one per file).

Source rows (after ``#`` comment lines holding the original ``%`` header):
``t_ms,sensor,x,y,z`` with sensor ``acc_g`` (g) or ``gyro_dps`` (deg/s);
acc and gyro rows have their own, irregular (~20 Hz) timestamps.
See docs/importers/umafall.md for the axis mapping, repairs and rejections.

Axis mapping (ankle SensorTag -> insole), determined from the data:
  insole x (toes)  = +ankle z
  insole y (left)  = -ankle y
  insole z (up)    = +ankle x
A file that starts with ankle x near -1 g (sensor strapped upside down) is
turned by a half turn about ankle z first (x -> -x, y -> -y).
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from .common import MAX_GAP_MS as COMMON_MAX_GAP_MS
from .common import (
    G_MG, ImportProblem, Repairs, base_meta, derived_fall_label, imu_to_int, is_non_finite,
    make_trace, parse_number, resample_aligned,
)

SOURCE_GLOB = "*.csv"
DATASET = "UMAFall"
CITATION = (
    "Casilari E, Santoyo-Ramon JA, Cano-Garcia JM. UMAFall: A Multisensor Dataset for the "
    "Research on Automatic Fall Detection. Procedia Computer Science 110 (2017) 32-39. "
    "Free download with citation."
)
STREAMS = ("acc_g", "gyro_dps")
# Physically impossible readings: beyond the MPU-9250's largest full scale.
IMPOSSIBLE = {"acc_g": 16.0, "gyro_dps": 2000.0}
# Saturation: a magnitude >= this that repeats exactly is the range rail.
RAIL_MIN = {"acc_g": 1.5, "gyro_dps": 200.0}
RAIL_MIN_REPEATS = 3
START_MS = 1000          # window for the start-of-trial gravity check
# The SensorTag streams over BLE and drops packets: 17 % of the files have a
# gap of 251-455 ms. Bridging up to half a second (logged per gap) keeps them;
# longer gaps (up to 2.4 s in the data) are rejected as hiding too much.
MAX_GAP_MS = 500
UPRIGHT_G = 0.5          # |median ankle x| above this at the start: standing
# Source (x, y, z) -> insole (x, y, z): rows pick and sign the source axes.
AXES = np.array([[0, 0, 1], [0, -1, 0], [1, 0, 0]], dtype=np.float64)
INVERTED = np.diag([-1.0, -1.0, 1.0])  # half turn about ankle z
AXES_TEXT = (
    "insole x = +ankle z, insole y = -ankle y, insole z = +ankle x (acc and gyro; "
    "right-handed, det +1). Ankle x is the shank long axis (+1 g standing). "
    "Ankle y is the swing (medio-lateral) axis: in walking it has the largest angular "
    "rate with positive swing peaks, and swing is a negative rotation about insole y. "
    "Check: forward falls end with insole x near -1 g (prone), backward falls near +1 g "
    "(supine). This is the mounting of most subjects; the shank is not the foot, so "
    "insole x/y here are the shank's anterior/left axes."
)
_NAME = re.compile(r"Subject_(\d+)_(ADL|Fall)_([A-Za-z]+(?:_[A-Za-z]+)*)_\d+_", re.IGNORECASE)


def import_file(path: Path) -> list:
    """Import one UMAFall ankle file -> [Trace] at 100 Hz in insole axes.

    Raises ImportProblem naming file:line [field] for a defect it cannot
    repair (bad cells, unknown sensor, runs of impossible samples, gaps
    longer than common.MAX_GAP_MS, missing labels).
    """
    path = Path(path)
    repairs = Repairs()
    header, streams = _read(path, repairs)
    labels = _labels(path, header)
    for name in STREAMS:
        streams[name] = _drop_zero_rows(path, name, streams[name], repairs)
        streams[name] = _drop_spikes(path, name, streams[name], repairs)
    for name in STREAMS:
        _count_saturation(name, streams[name][1], repairs)
    inverted, orient_note = _orientation(path, streams["acc_g"])
    rot = AXES @ INVERTED if inverted else AXES
    _log_long_gaps(streams, repairs)
    t_ms, (acc, gyro) = resample_aligned([streams[n] for n in STREAMS], path, max_gap_ms=MAX_GAP_MS)
    imu = imu_to_int(acc @ rot.T * G_MG, gyro @ rot.T * 10.0, repairs)
    meta = _meta(path, header, labels, repairs, inverted, orient_note)
    if meta["kind"] == "fall":
        meta["labels"]["falls"].append(derived_fall_label(t_ms, imu[:, :3]))
    return [make_trace(meta, t_ms, imu=imu)]


def _log_long_gaps(streams, repairs: Repairs):
    """Log every gap longer than common.MAX_GAP_MS that resampling will bridge."""
    for name in STREAMS:
        t, _, lines = streams[name]
        gaps = np.diff(t)
        for i in np.flatnonzero(gaps > COMMON_MAX_GAP_MS):
            repairs.add("long_gap_bridged", int(lines[i + 1]),
                        "%s gaps of %d..%d ms bridged by linear interpolation" % (name, COMMON_MAX_GAP_MS, MAX_GAP_MS))


def _read(path: Path, repairs: Repairs):
    """Parse the file -> (header dict, {stream: (t (N,), xyz (N, 3), lines (N,))}).

    header maps each ``#% key: value`` line's key to (value, line); repeated
    keys keep every value in order. Raises ImportProblem on a malformed row.
    """
    header, rows = {}, {name: ([], [], []) for name in STREAMS}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        seen_columns = False
        for row in reader:
            line = reader.line_num
            if not row or not "".join(row).strip():
                continue
            if row[0].startswith("#"):
                _header_line(",".join(row), line, header)
                continue
            if not seen_columns:
                if [c.strip() for c in row] != ["t_ms", "sensor", "x", "y", "z"]:
                    raise ImportProblem(path, "expected the column header t_ms,sensor,x,y,z", line=line, field="header")
                seen_columns = True
                continue
            _row(path, row, line, rows, repairs)
    if not seen_columns:
        raise ImportProblem(path, "no column header t_ms,sensor,x,y,z", field="header")
    streams = {}
    for name, (t, xyz, lines) in rows.items():
        if len(t) < 2:
            raise ImportProblem(path, "fewer than 2 %s rows" % name, field="sensor")
        streams[name] = (np.array(t), np.array(xyz).reshape(-1, 3), np.array(lines))
    return header, streams


def _header_line(text: str, line: int, header: dict):
    body = text.lstrip("#").strip()
    if body.startswith("%") and ":" in body:
        key, _, value = body[1:].partition(":")
        # Other copies pad fields with spaces and end them with separators (';;;;;;;').
        header.setdefault(key.strip(" \t;,").lower(), []).append((value.strip(" \t;,"), line))


def _row(path, row, line, rows, repairs):
    if len(row) != 5:
        raise ImportProblem(path, "%d cells, expected 5 (t_ms,sensor,x,y,z)" % len(row), line=line)
    sensor = row[1].strip()
    if sensor not in rows:
        raise ImportProblem(path, "unknown sensor %r (expected acc_g or gyro_dps)" % sensor, line=line, field="sensor")
    t, xyz, lines = rows[sensor]
    stamp = parse_number(row[0], path, line, "t_ms", repairs)
    try:
        values = [parse_number(row[i], path, line, "xyz"[i - 2], repairs) for i in (2, 3, 4)]
    except ImportProblem as e:
        if not is_non_finite(e):
            raise
        # A nan/inf reading is a missing sample: dropped and interpolated (the gap rule still applies).
        repairs.add("%s_non_finite_row_dropped" % sensor.split("_")[0], line,
                    "row with a nan/inf value treated as missing, interpolated from its neighbours")
        return
    t.append(stamp)
    xyz.append(values)
    lines.append(line)


def _drop_zero_rows(path, name, stream, repairs):
    """Drop rows whose three axes are exactly 0 (a missing sample, not a reading).

    Resampling then interpolates across them. Returns the stream without them.
    """
    t, xyz, lines = stream
    zero = (xyz == 0).all(axis=1)
    for ln in lines[zero]:
        repairs.add("%s_all_zero_row_dropped" % name.split("_")[0], ln,
                    "all-zero row treated as missing, interpolated from its neighbours")
    keep = ~zero
    if keep.sum() < 2:
        raise ImportProblem(path, "fewer than 2 %s rows that are not all zero" % name, field=name)
    return t[keep], xyz[keep], lines[keep]


def _drop_spikes(path, name, stream, repairs):
    """Drop isolated physically impossible samples; reject runs of them.

    Impossible: any axis beyond IMPOSSIBLE[name] (the sensor's largest full
    scale). One such row between possible rows is dropped and interpolated
    from its neighbours (logged); two or more in a row raise ImportProblem
    naming the first row of the run.
    """
    t, xyz, lines = stream
    bad = (np.abs(xyz) > IMPOSSIBLE[name]).any(axis=1)
    if not bad.any():
        return stream
    run = np.flatnonzero(bad[:-1] & bad[1:])
    if run.size:
        i = int(run[0])
        axis = "xyz"[int(np.argmax(np.abs(xyz[i])))]
        raise ImportProblem(
            path, "run of impossible %s samples (beyond %g); cannot interpolate" % (name, IMPOSSIBLE[name]),
            line=int(lines[i]), field=axis,
        )
    for ln in lines[bad]:
        repairs.add("%s_spike_interpolated" % name.split("_")[0], ln,
                    "single sample beyond %g (impossible for the sensor) replaced by interpolation" % IMPOSSIBLE[name])
    return t[~bad], xyz[~bad], lines[~bad]


def _count_saturation(name, xyz, repairs):
    """Log (keep) samples at the range rail.

    The rail is the largest |value| >= RAIL_MIN[name] met exactly in >= 3 rows
    that are not copies of the previous row (the source repeats rows).
    """
    fresh = np.concatenate(([True], (np.diff(xyz, axis=0) != 0).any(axis=1)))  # UMAFall repeats rows
    mags = np.abs(xyz[fresh]).ravel()
    big, counts = np.unique(mags[mags >= RAIL_MIN[name]], return_counts=True)
    rails = big[counts >= RAIL_MIN_REPEATS]
    if not rails.size:
        return
    rail = float(rails.max())
    unit = name.split("_")[1]
    for _ in np.flatnonzero((np.abs(xyz) >= rail).any(axis=1)):
        repairs.add("%s_saturated_kept" % name.split("_")[0], None,
                    "sample at the %.1f %s range rail: kept, true value was larger" % (rail, unit))


def _orientation(path, acc_stream):
    """(inverted, note): is the sensor upside down at the start (ankle x near -1 g)?"""
    t, xyz, _ = acc_stream
    first = xyz[t <= t[0] + START_MS, 0]
    med = float(np.median(first))
    if med < -UPRIGHT_G:
        return True, "ankle x reads %.2f g at the start: sensor upside down, turned a half turn about ankle z" % med
    if med < UPRIGHT_G:
        return False, "ankle x reads %.2f g at the start: not upright, default mapping unverified" % med
    return False, ""


def _labels(path: Path, header: dict) -> dict:
    """kind, activity, subject from the file name, checked against the header."""
    m = _NAME.search(path.name)
    if not m:
        raise ImportProblem(path, "file name lacks Subject_NN_(ADL|Fall)_<activity>_<trial>_", field="name")
    subject = "UMA%02d" % int(m.group(1))
    kind = "fall" if m.group(2).lower() == "fall" else "adl"
    activity = m.group(3)
    desc = header.get("description of the movement")
    if desc and desc[0][0] != activity:
        raise ImportProblem(path, "header activity %r contradicts file name %r" % (desc[0][0], activity),
                            line=desc[0][1], field="Description of the movement")
    for value, line in header.get("type of movement", []):
        if {"FALL": "fall", "ADL": "adl"}.get(value.upper(), kind) != kind:
            raise ImportProblem(path, "header type %r contradicts file name" % value, line=line, field="Type of Movement")
    return {"subject": subject, "kind": kind, "activity": activity}


def _foot(header: dict) -> str:
    """'left'/'right' if the header names the ankle's side, else 'unknown'."""
    text = " ".join(v for vals in header.values() for v, _ in vals).upper()
    for side in ("LEFT", "RIGHT"):
        if re.search(r"%s[ _]?ANKLE|ANKLE[ _]?%s" % (side, side), text):
            return side.lower()
    return "unknown"


def _meta(path, header, labels, repairs, inverted, orient_note) -> dict:
    axes = AXES_TEXT
    if inverted:
        axes += " This file: ankle x and y negated first (sensor upside down at the start)."
    notes = [
        "Ankle SensorTag (MPU-9250), not an insole: insole axes are the shank's. "
        "Acc and gyro rows resampled separately (linear) onto one 100 Hz grid over their overlap; "
        "~20 Hz source, so content above 10 Hz is absent.",
    ]
    if labels["kind"] == "fall":
        notes.append("Fall impact is DERIVED (peak |a| of the descent, see labels.falls[].rule), not annotated in the source.")
    if orient_note:
        notes.append(orient_note)
    meta = base_meta(
        DATASET, path, name=path.stem, citation=CITATION, placement="ankle", foot=_foot(header),
        axes=axes, notes=" ".join(notes), **labels,
    )
    meta["repairs"] = repairs.as_list()
    return meta
