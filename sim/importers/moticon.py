"""Moticon OpenGo sensor-insole text exports -> two traces (left, right insole).

Source: the OpenGo Software's text export (e.g. the test recordings shipped in
the moticon-opengo 1.0.3 sdist on PyPI, Apache-2.0): ``#`` header lines
(``# Size: 7``, ``# Tag: normal`` ...), a ``# time<TAB>...`` column header,
then one tab-separated row per 10 ms. Per insole: 16 pressure cells
[N/cm^2], acceleration X/Y/Z [g], angular rate X/Y/Z [dps], total force [N]
and centre of pressure (normalised); then the step counters (ignored).

Cell geometry (CELL_AREA_CM2, CELL_X, CELL_Y) was recovered from the
recordings themselves, not taken from any code: over the 9837 complete
insole rows of the three files, total force = sum(pressure_i * area_i) fits
with 0.26 N RMS (the total force is rounded to 1 N) and the exported centre
of pressure = area-weighted mean of the cell centres fits exactly. Left and
right insoles give the same areas and the same normalised centres: Moticon's
normalised frame is side-agnostic with +x toward the toes and +y *medial*
(cell 7, the arch, carries almost no load; cell 14, the hallux, is the last
loaded cell at toe-off). Areas are for insole size 7 (the sensors scale with
the size); another size is imported with IMU + the recorded total force as
one zone and a warning (repair 'insole_size_without_cell_geometry').

Zone loads are therefore true forces (sum of pressure * area), not a scale
fitted to the total-force column; the importer checks that they add up to
the recorded total force. See docs/importers/moticon.md.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..trace import ACC_LIMIT_MG, DT_MS, GYRO_LIMIT_DDPS, LOAD_LIMIT_N
from .common import (G_MG, MAX_GAP_MS, ImportProblem, Repairs, base_meta, is_non_finite, make_trace, parse_number,
                     resample, to_int)

SOURCE_GLOB = "*.txt"
DATASET = "Moticon"
CITATION = (
    "Moticon ReGo AG, OpenGo sensor insole example recordings, moticon-opengo 1.0.3 "
    "(PyPI sdist, tests/testdata), Apache-2.0"
)
SIDES = ("left", "right")
N_CELLS = 16
CELL_SIZE = "7"  # the insole size the cell areas below belong to

# Per-cell area (cm^2, size 7) and centre in Moticon's normalised, side-agnostic
# frame (x toward the toes, y medial, both -0.5..0.5); recovered by least squares
# from the recordings (see module docstring).
CELL_AREA_CM2 = (12.37, 11.05, 13.36, 13.12, 13.12, 13.02, 17.94, 18.22,
                 15.66, 12.42, 12.50, 12.67, 10.23, 10.13, 12.50, 6.47)
CELL_X = (-0.403, -0.417, -0.265, -0.288, -0.125, -0.152, 0.080, -0.012,
          0.256, 0.241, 0.226, 0.207, 0.170, 0.413, 0.408, 0.359)
CELL_Y = (0.109, -0.166, 0.089, -0.225, 0.061, -0.273, 0.242, -0.392,
          0.274, 0.064, -0.116, -0.294, -0.462, 0.178, -0.082, -0.313)

# 16 cells -> 8 zones (1-based cell numbers). Chosen over a heel/mid/forefoot
# medial-central-lateral split because its centre of pressure matches the
# exported one best (RMS 3.1 mm along, 1.0 mm across the foot on these files).
ZONES = (
    ("heel_med", (1, 3)),
    ("heel_lat", (2, 4)),
    ("midfoot_med", (5, 7)),
    ("midfoot_lat", (6, 8)),
    ("forefoot_med", (9, 10)),
    ("forefoot_lat", (11, 12, 13)),
    ("hallux", (14,)),
    ("toes", (15, 16)),
)
# Assumed physical extent of the normalised frame for size 7 (EU ~44-45): the
# export gives no mm; zone positions are uncertain by about 10 %.
INSOLE_LENGTH_MM = 280.0
INSOLE_WIDTH_MM = 100.0
HEEL_X = -0.41  # normalised x of the heel cells 1-2: origin of x_mm

# Force check: zone loads must add up to the recorded total force.
FORCE_CHECK_MIN_N = 50.0     # only frames with at least this total force
FORCE_CHECK_TOLERANCE = 0.05  # median relative error allowed

AXES = (
    "IMU: Moticon reports both insoles in one side-agnostic frame: x toward the toes, "
    "y medial, z up (standing reads about (-190, 40, 975) mg: the shoe tilts the insole "
    "about 11 deg toes-down). Right insole: y medial = wearer's left, taken as is. "
    "Left insole: y medial = wearer's right, a mirrored frame: ay -> -ay and, the rate "
    "being an axial vector, gx -> -gx, gz -> -gz (gy kept). Determined from the data: "
    "gravity on +z standing; the pitch rate (gy) is positive before toe-off "
    "(plantarflexion) and negative in swing on both feet, as insole axes require; roll "
    "(gx), yaw (gz) and lateral acceleration have the same sign pattern on both feet, "
    "which mirror-symmetric gait only gives in a mirrored frame; the roll rate turns "
    "negative (eversion, y medial) after heel strike on both feet. Zones: normalised "
    "cell centres (x toward toes, y medial) scaled by %d x %d mm; x_mm from the heel "
    "cells (x=%.2f), y_mm = +y*width on the right foot, -y*width on the left foot."
    % (INSOLE_LENGTH_MM, INSOLE_WIDTH_MM, HEEL_X)
)


def import_file(path: Path) -> list:
    """Import one OpenGo text export: [left Trace, right Trace] at 100 Hz.

    Each trace: imu int16 (N, 6) in mg / 0.1 dps, insole axes; loads int16
    (N, 8) N per zone (ZONES order). Leading/trailing rows where an insole's
    cells are all empty are trimmed; shorter gaps inside are interpolated.
    Raises ImportProblem naming file, line and column for a defect it cannot
    repair (missing column, bad number, negative pressure, gap > MAX_GAP_MS,
    cells not adding up to the total force). A nan/inf cell is treated as an
    empty cell (logged); another insole size gives one 'total' zone (logged).
    """
    path = Path(path)
    header, columns, rows = _read(path)
    sized = _known_size(header)
    activity = _activity(header.get("Tag", ("", 0))[0])
    t_s = np.array([parse_number(r[1][0], path, r[0], "time") for r in rows])
    traces = []
    for side in SIDES:
        traces.append(_side_trace(path, header, columns, rows, t_s, side, activity, sized))
    return traces


def _read(path: Path):
    """Split the file into header dict {key: (value, line)}, column names, and
    rows [(line, cells)]. Raises ImportProblem for a missing column header or
    a row with the wrong number of cells."""
    header, columns, rows = {}, None, []
    with open(path, encoding="utf-8", newline="") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if line.startswith("#"):
                body = line[1:].strip()
                if body.startswith("time\t"):
                    columns = [c.strip() for c in body.split("\t")]
                elif ":" in body:
                    key, _, value = body.partition(":")
                    header[key.strip()] = (value.strip(), lineno)
                continue
            if not line.strip():
                continue
            if columns is None:
                raise ImportProblem(path, "data before the '# time' column header", line=lineno)
            cells = line.split("\t")
            if len(cells) != len(columns):
                raise ImportProblem(path, "%d cells, expected %d" % (len(cells), len(columns)), line=lineno)
            rows.append((lineno, cells))
    if columns is None:
        raise ImportProblem(path, "no '# time' column header")
    if len(rows) < 2:
        raise ImportProblem(path, "fewer than 2 data rows")
    return header, columns, rows


def _known_size(header) -> bool:
    """True if the cell areas are known for this insole size (size 7, or no Size line)."""
    return header.get("Size", (CELL_SIZE, 0))[0].strip().rstrip(";,").strip() == CELL_SIZE


def total_zone(side: str) -> list:
    """The one zone of an insole of unknown cell geometry: total force at the area-weighted centre of size 7."""
    zones = zone_table(side)
    area = np.array(CELL_AREA_CM2)
    w = [float(area[np.array(z["cells"]) - 1].sum()) for z in zones]
    x = sum(z["x_mm"] * a for z, a in zip(zones, w)) / sum(w)
    y = sum(z["y_mm"] * a for z, a in zip(zones, w)) / sum(w)
    return [{"name": "total", "x_mm": int(round(x)), "y_mm": int(round(y)), "cells": list(range(1, N_CELLS + 1))}]


def _activity(tag: str) -> str:
    """'walking_normal' / 'walking_slow' / 'walking_fast' from the Tag header, else 'walking'."""
    tag = tag.strip().lower()
    return "walking_" + tag if tag in ("normal", "slow", "fast") else "walking"


def _side_columns(side: str) -> list:
    """Column names of one insole: 16 pressures, acc X/Y/Z, gyro X/Y/Z, total force (23)."""
    cols = ["%s pressure %d[N/cm²]" % (side, i) for i in range(1, N_CELLS + 1)]
    cols += ["%s acceleration %s[g]" % (side, a) for a in "XYZ"]
    cols += ["%s angular %s[dps]" % (side, a) for a in "XYZ"]
    cols.append("%s total force[N]" % side)
    return cols


def _side_values(path, columns, rows, side, repairs=None):
    """Values of one insole: float array (N, 23), NaN for empty cells, and the names."""
    names = _side_columns(side)
    idx = []
    for name in names:
        if name not in columns:
            raise ImportProblem(path, "missing column %r" % name, field=name)
        idx.append(columns.index(name))
    out = np.full((len(rows), len(names)), np.nan)
    for i, (lineno, cells) in enumerate(rows):
        for j, (k, name) in enumerate(zip(idx, names)):
            text = cells[k].strip()
            if text:
                try:
                    out[i, j] = parse_number(text, path, lineno, name)
                except ImportProblem as e:
                    if not (repairs is not None and is_non_finite(e)):
                        raise
                    repairs.add("non_finite_cell_as_missing", lineno,
                                "nan/inf cell treated as an empty (lost) cell, then gap-filled")
    return out, names


def _trim_empty(path, values, lines, side, repairs):
    """Drop leading and trailing rows where the insole's cells are all empty.

    Returns (first, stop): the kept row range. Raises ImportProblem when no
    row has data.
    """
    empty = np.isnan(values).all(axis=1)
    if empty.all():
        raise ImportProblem(path, "no data for the %s insole" % side)
    first = int(np.argmax(~empty))
    stop = len(empty) - int(np.argmax(~empty[::-1]))
    if first:
        repairs.add("trim_leading_empty_rows", lines[0],
                    "%s insole: %d leading rows without data dropped (lines %d-%d)"
                    % (side, first, lines[0], lines[first - 1]))
    if stop < len(empty):
        repairs.add("trim_trailing_empty_rows", lines[stop],
                    "%s insole: %d trailing rows without data dropped" % (side, len(empty) - stop))
    return first, stop


def _fill_gaps(path, t_ms, values, lines, names, repairs):
    """Interpolate runs of empty cells in time, in place.

    A run is bridged when the valid samples around it are at most MAX_GAP_MS
    apart; a longer run, or one touching the ends, raises ImportProblem naming
    the run's first line and the column.
    """
    missing = np.isnan(values)
    for j, name in enumerate(names):
        col = missing[:, j]
        if not col.any():
            continue
        ok = ~col
        starts = np.flatnonzero(col & ~np.concatenate(([False], col[:-1])))
        for s in starts:
            e = s + int(np.argmax(ok[s:])) if ok[s:].any() else len(col)
            if s == 0 or e == len(col) or t_ms[e] - t_ms[s - 1] > MAX_GAP_MS:
                raise ImportProblem(path, "empty cells over %d rows cannot be bridged (more than %d ms)"
                                    % (e - s, MAX_GAP_MS), line=int(lines[s]), field=name)
        values[:, j] = np.interp(t_ms, t_ms[ok], values[ok, j])
    rows = np.flatnonzero(missing.any(axis=1))
    for r in rows:
        repairs.add("interpolate_empty_cells", int(lines[r]),
                    "empty cells (packet loss) interpolated in time, gaps <= %d ms" % MAX_GAP_MS)


def _check_pressure(path, values, lines, names):
    """Pressures and total force must be >= 0; ImportProblem names line and column."""
    cols = list(range(N_CELLS)) + [len(names) - 1]
    bad = values[:, cols] < 0
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise ImportProblem(path, "negative value %g" % values[r, cols[c]], line=int(lines[r]), field=names[cols[c]])


def zone_table(side: str) -> list:
    """Zones of one insole: [{name, x_mm, y_mm, cells}] in insole axes (y toward the left)."""
    area = np.array(CELL_AREA_CM2)
    sign = 1.0 if side == "right" else -1.0  # normalised y is medial on both feet
    zones = []
    for name, cells in ZONES:
        i = np.array(cells) - 1
        x = float((area[i] * np.array(CELL_X)[i]).sum() / area[i].sum())
        y = float((area[i] * np.array(CELL_Y)[i]).sum() / area[i].sum())
        zones.append({"name": name, "x_mm": int(round((x - HEEL_X) * INSOLE_LENGTH_MM)),
                      "y_mm": int(round(sign * y * INSOLE_WIDTH_MM)), "cells": list(cells)})
    return zones


def zone_loads(pressure: np.ndarray) -> np.ndarray:
    """Cell pressures (N, 16) N/cm^2 -> zone loads (N, 8) N: sum of pressure * area."""
    force = pressure * np.array(CELL_AREA_CM2)
    return np.stack([force[:, np.array(c) - 1].sum(axis=1) for _, c in ZONES], axis=1)


def to_insole_axes(acc_g: np.ndarray, gyro_dps: np.ndarray, side: str):
    """Moticon acc (N, 3) g and rate (N, 3) dps -> insole axes in mg and 0.1 dps (floats).

    The left insole's frame is mirrored (y medial): ay and the axial gx, gz flip.
    """
    acc = acc_g * G_MG
    gyro = gyro_dps * 10.0
    if side == "left":
        acc = acc * np.array([1.0, -1.0, 1.0])
        gyro = gyro * np.array([-1.0, 1.0, -1.0])
    return acc, gyro


def _check_force(path, loads, total, side):
    """Zone loads must add up to the recorded total force (median error <= 5 %)."""
    m = total >= FORCE_CHECK_MIN_N
    if m.sum() < 10:
        return 0.0
    rel = np.median(np.abs(loads[m].sum(axis=1) - total[m]) / total[m])
    if rel > FORCE_CHECK_TOLERANCE:
        raise ImportProblem(path, "%s insole: cell pressure x area differs from the total force by %.0f %% "
                            "(another insole size or model?)" % (side, 100 * rel), field="%s total force[N]" % side)
    return float(rel)


def _side_trace(path, header, columns, rows, t_s, side, activity, sized=True):
    """Build the Trace of one insole (see import_file)."""
    repairs = Repairs()
    values, names = _side_values(path, columns, rows, side, repairs)
    lines = np.array([r[0] for r in rows])
    first, stop = _trim_empty(path, values, lines, side, repairs)
    values, lines = values[first:stop], lines[first:stop]
    t_ms = np.rint(t_s[first:stop] * 1000.0)
    _fill_gaps(path, t_ms, values, lines, names, repairs)
    _check_pressure(path, values, lines, names)
    t_out, v = resample(t_ms, values, path, lines)
    size = header.get("Size", ("?", 0))[0]
    if sized:
        loads, zones = zone_loads(v[:, :N_CELLS]), zone_table(side)
        rel = _check_force(path, loads, v[:, -1], side)
        load_note = ("Zone loads = sum of cell pressure x cell area (size-%s areas recovered from the recordings); "
                     "median deviation from the recorded total force %.1f %%." % (CELL_SIZE, 100 * rel))
    else:
        loads, zones = v[:, -1:], total_zone(side)
        repairs.add("insole_size_without_cell_geometry", header["Size"][1],
                    "WARNING: cell areas unknown for size %r: IMU + the recorded total force as one zone "
                    "(no centre of pressure)" % size)
        load_note = ("WARNING: insole size %r has no known cell geometry: one zone 'total' = the recorded total "
                     "force at the size-%s area-weighted centre (no centre of pressure)." % (size, CELL_SIZE))
    acc, gyro = to_insole_axes(v[:, 16:19], v[:, 19:22], side)
    imu = np.hstack([to_int(acc, ACC_LIMIT_MG), to_int(gyro, GYRO_LIMIT_DDPS)])
    duration = int(t_out[-1]) + DT_MS
    meta = base_meta(
        DATASET, path, name="%s_%s" % (path.stem, side), citation=CITATION,
        subject=header.get("Sensor insoles", ("unknown", 0))[0], activity=activity, kind="adl",
        placement="insole", foot=side, axes=AXES, zones=zones,
        labels={"falls": [], "segments": [{"start_ms": 0, "end_ms": duration, "activity": activity}], "sos": []},
        repairs=repairs.as_list(), source_t0_ms=int(t_ms[0]), insole_size=size,
        notes=load_note + " source_t0_ms aligns this insole with the other one of the same file.",
    )
    return make_trace(meta, t_out, imu=imu, loads=to_int(loads, LOAD_LIMIT_N, lo=0))
