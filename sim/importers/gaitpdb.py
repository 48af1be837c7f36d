"""PhysioNet "Gait in Parkinson's Disease" (gaitpdb) VGRF files -> two pressure-only traces.

Source format (physionet.org/content/gaitpdb/1.0.0/format.txt): 19
tab-separated columns per row at 100 Hz: time [s], vertical ground reaction
force [N] of 8 sensors under the left foot (L1..L8), 8 under the right
(R1..R8), total left, total right. No IMU: the traces have load zones only.

Sensor positions: format.txt gives (X, Y) per sensor in an arbitrary scale,
origin between the feet, subject facing +Y, X toward the subject's right
(L1 = (-500, -800) heel ... L8 = (-500, 800) toes; R mirrored). Converted to
insole axes per foot: x_mm = (Y + 800) * MM_PER_UNIT (origin at the heel
sensor), y_mm = -(X - X_centre) * MM_PER_UNIT (toward the wearer's left;
X_centre = -500 left, +500 right). MM_PER_UNIT = 0.12 is an assumption:
heel sensor to toe sensor 192 mm, rows 48 mm apart, for an adult foot.
"""
from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import numpy as np

from ..trace import LOAD_LIMIT_N
from .common import ImportProblem, Repairs, base_meta, make_trace, parse_number, resample, to_int

SOURCE_GLOB = "*[CP][ot][0-9][0-9]_[0-9]*.txt"  # GaCo01_01.txt, JuPt03_06.txt, SiCo12_01.txt
DATASET = "gaitpdb"
CITATION = (
    "Goldberger et al., PhysioBank/PhysioNet, Circulation 101(23) e215 (2000); Gait in Parkinson's "
    "Disease database 1.0.0 (physionet.org/content/gaitpdb), ODC-BY 1.0; Ga study: Yogev et al., "
    "Eur J Neurosci 22 (2005) 1248-1256; Ju: Hausdorff et al. 2007; Si: Frenkel-Toledo et al. 2005"
)
N_COLUMNS = 19
MM_PER_UNIT = 0.12
# (zone name, X, Y) of sensors 1..8 of the LEFT foot, from format.txt; the right
# foot's sensor k is at (-X, Y). Lateral = farther from the midline.
SENSORS = (
    ("heel", -500, -800),
    ("rearfoot_lat", -700, -400),
    ("rearfoot_med", -300, -400),
    ("midfoot_lat", -700, 0),
    ("midfoot_med", -300, 0),
    ("forefoot_lat", -700, 400),
    ("forefoot_med", -300, 400),
    ("toes", -500, 800),
)
TOTAL_TOLERANCE_N = 1.0  # |sum of the 8 sensors - total column| allowed (values have 2 decimals)
AXES = (
    "No IMU. Zone centres from the PhysioNet gaitpdb format.txt sensor coordinates (X toward the "
    "subject's right, Y forward, arbitrary units, origin between the feet): x_mm = (Y + 800) * %.2f "
    "(origin at the heel sensor), y_mm = -(X - X_foot) * %.2f with X_foot = -500 (left) / +500 "
    "(right), so y points to the wearer's left on both feet; the mm scale is an assumption "
    "(heel-to-toe sensor distance 192 mm)." % (MM_PER_UNIT, MM_PER_UNIT)
)


def column_names() -> list:
    """The 19 column names: time, L1..L8, R1..R8, total_left, total_right."""
    return (["time"] + ["L%d" % i for i in range(1, 9)] + ["R%d" % i for i in range(1, 9)]
            + ["total_left", "total_right"])


def zone_table(side: str) -> list:
    """Zones of one foot: [{name, x_mm, y_mm}] in insole axes (y toward the wearer's left)."""
    sign = 1 if side == "left" else -1
    centre = -500 * sign
    return [{"name": name, "x_mm": int(round((y + 800) * MM_PER_UNIT)),
             "y_mm": int(round(-(sign * x - centre) * MM_PER_UNIT))}
            for name, x, y in SENSORS]


def import_file(path: Path) -> list:
    """Import one gaitpdb file: [left Trace, right Trace], loads only, at 100 Hz.

    loads: int16 (N, 8) N per sensor zone (SENSORS order), clipped to 0..5000.
    Raises ImportProblem naming file, line and column for a short/long row, a
    non-number, a negative or non-finite force, a total that is not the sum of
    its sensors, time going backwards or a gap > MAX_GAP_MS.
    """
    path = Path(path)
    data, lines = _read(path)
    names = column_names()
    _check(path, data, lines, names)
    t_ms, v = resample(data[:, 0] * 1000.0, data[:, 1:17], path, lines)
    return [_foot_trace(path, t_ms, v[:, 0:8], "left"), _foot_trace(path, t_ms, v[:, 8:16], "right")]


def _read(path: Path):
    """Rows as float array (N, 19) and their file lines (N,); ImportProblem on malformed rows."""
    names = column_names()
    rows, lines = [], []
    with open(path, newline="") as f:
        for lineno, row in enumerate(csv.reader(f, delimiter="\t"), 1):
            if not row or not "".join(row).strip():
                continue
            if len(row) != N_COLUMNS:
                raise ImportProblem(path, "%d cells, expected %d" % (len(row), N_COLUMNS), line=lineno)
            rows.append([_number(c, path, lineno, n) for c, n in zip(row, names)])
            lines.append(lineno)
    if len(rows) < 2:
        raise ImportProblem(path, "fewer than 2 data rows")
    return np.array(rows), np.array(lines)


def _number(text, path, line, field) -> float:
    """A finite number (parse_number without repairs: this source has none to repair)."""
    value = parse_number(text, path, line, field)
    if not math.isfinite(value):
        raise ImportProblem(path, "not a finite number: %r" % text, line=line, field=field)
    return value


def _check(path, data, lines, names):
    """Forces must be >= 0 and each total the sum of its 8 sensors (within 1 N)."""
    neg = data[:, 1:] < 0
    if neg.any():
        r, c = np.argwhere(neg)[0]
        raise ImportProblem(path, "negative force %g" % data[r, c + 1], line=int(lines[r]), field=names[c + 1])
    for k, sl in ((17, slice(1, 9)), (18, slice(9, 17))):
        err = np.abs(data[:, sl].sum(axis=1) - data[:, k])
        if err.max() > TOTAL_TOLERANCE_N:
            r = int(np.argmax(err))
            raise ImportProblem(path, "total %g is not the sum of its sensors (%g)" % (data[r, k], data[r, sl].sum()),
                                line=int(lines[r]), field=names[k])


def _subject_and_activity(stem: str):
    """('GaCo01', note) from 'GaCo01_10': walk 10 of the Ga study is dual-task walking."""
    subject, _, walk = stem.partition("_")
    notes = []
    if stem.startswith("Si"):
        notes.append("treadmill walking (Si study)")
    if stem.startswith("Ga") and walk == "10":
        notes.append("dual-task walking (serial-7 subtraction)")
    if re.match(r"^..Pt", stem):
        notes.append("subject with Parkinson's disease")
    return subject, "; ".join(notes)


def _foot_trace(path, t_ms, forces, side):
    """One foot's Trace from resampled sensor forces (N, 8) N."""
    subject, extra = _subject_and_activity(path.stem)
    notes = "Loads are the source's calibrated VGRF per sensor (N), unchanged apart from rounding."
    if extra:
        notes += " " + extra + "."
    meta = base_meta(
        DATASET, path, name="%s_%s" % (path.stem, side), citation=CITATION, subject=subject,
        activity="walking", kind="adl", placement="insole", foot=side, axes=AXES, zones=zone_table(side),
        labels={"falls": [], "segments": [{"start_ms": 0, "end_ms": int(t_ms[-1]) + 10, "activity": "walking"}],
                "sos": []},
        repairs=Repairs().as_list(), notes=notes,
    )
    return make_trace(meta, t_ms, loads=to_int(forces, LOAD_LIMIT_N, lo=0))
