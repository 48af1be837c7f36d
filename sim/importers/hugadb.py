"""HuGaDB v1 foot IMUs (both feet, in sync) -> two traces of one wearer per file.

Source (Chereshnev & Kertesz-Farkas, AIST 2017): ``HuGaDB_v1_<activity>_<SS>_<KK>.txt``
with ``#`` header lines (the id -> activity table among them), a tab header
``acc_rf_x ... gyro_lf_z act`` and one row of 13 integers per sample: raw
int16 of an MPU-6050 per foot (rf = right foot, lf = left foot), accelerometer
+-2 g (16384 counts per g), gyroscope +-2000 dps (16.384 counts per dps), and
the activity id of that row. No timestamps: rows are taken as equally spaced
at SOURCE_RATE_HZ (about 60 Hz, see docs/importers/hugadb.md).

Axes (determined from the data, docs/importers/hugadb.md): the sensor sits on
the instep with x toward the toes, y to the wearer's left, z out of the
instep, the same on both feet; then a fixed levelling rotation per foot puts
the dataset's mean standing gravity on +z.
"""
from __future__ import annotations

import re
from array import array
from pathlib import Path

import numpy as np

from ..trace import DT_MS
from .common import G_MG, ImportProblem, Repairs, base_meta, gravity_alignment, imu_to_int, make_trace, resample

SOURCE_GLOB = "HuGaDB_v1_*.txt"
DATASET = "HuGaDB"
CITATION = (
    "Chereshnev R, Kertesz-Farkas A. HuGaDB: Human Gait Database for Activity Recognition from Wearable "
    "Inertial Sensor Networks. AIST 2017, LNCS 10716. No licence stated; cite it."
)
SOURCE_RATE_HZ = 60.0             # no timestamps; the authors: about 60 Hz
ACC_COUNTS_PER_G = 32768 / 2.0    # +-2 g int16
GYRO_COUNTS_PER_DPS = 32768 / 2000.0
ACC_RAIL = 32767                  # |count| >= this: the accelerometer clipped at +-2 g
COLUMNS = ("acc_rf_x", "acc_rf_y", "acc_rf_z", "gyro_rf_x", "gyro_rf_y", "gyro_rf_z",
           "acc_lf_x", "acc_lf_y", "acc_lf_z", "gyro_lf_x", "gyro_lf_y", "gyro_lf_z", "act")
FEET = (("right", 0), ("left", 6))   # foot, first column
ACTIVITIES = {
    1: "walking", 2: "running", 3: "going_up", 4: "going_down", 5: "sitting", 6: "sitting_down",
    7: "standing_up", 8: "standing", 9: "bicycling", 10: "up_by_elevator", 11: "down_by_elevator",
    12: "sitting_in_car",
}
# Mean acceleration (g, source axes) of every 'standing' (act 8) row of the 9
# subjects, per foot: the instep's tilt. Levelling puts it on +z for every file
# (one rotation per foot for the whole dataset, never per file or subject).
STANDING_G = {"right": (-0.5225, -0.3021, 0.7448), "left": (-0.5593, 0.3400, 0.7604)}
LEVEL = {foot: gravity_alignment(np.array(g)) for foot, g in STANDING_G.items()}
AXES_TEXT = (
    "MPU-6050 on the instep: source x toward the toes, y to the wearer's left, z out of the instep, both "
    "feet alike (standing gravity on -x/+z: the instep falls toward the toes; y mirrors between feet: each "
    "instep faces outward; sitting in a car, toes raised, moves gravity from -x toward +z; the pitch and "
    "roll rates of the gravity direction match +gyro y and +gyro x, right-handed). Insole = source, then "
    "levelled by the fixed rotation taking this foot's dataset-mean standing gravity %s g onto +z "
    "(%.1f deg); heading unchanged."
)
_NAME = re.compile(r"^HuGaDB_v1_([a-z_]+)_(\d\d)_(\d\d)$")
MAX_LINE_CHARS = 4096   # a data row is at most 13 * 7 characters; longer cannot be a row


def import_file(path: Path) -> list:
    """Import one HuGaDB file -> [right Trace, left Trace] at 100 Hz, mg / 0.1 dps.

    Both traces share ``meta['wearer']`` (subject) and ``meta['recording']``
    (file stem); ``foot`` is right / left. ``labels.segments`` are the runs of
    the per-row activity id (start_ms, end_ms, activity, activity_id).
    Raises ImportProblem naming file:line [field] for a bad name, a missing
    column header, a row without 13 integers, an unknown activity id, a count
    outside int16, or fewer than 2 rows.
    """
    path = Path(path)
    activity, subject, take = _name(path)
    counts, lines = _read(path)
    if len(counts) < 2:
        raise ImportProblem(path, "fewer than 2 rows (%d)" % len(counts))
    t_src = np.arange(len(counts)) * (1000.0 / SOURCE_RATE_HZ)
    act = counts[:, 12]
    segments = _segments(act, len(counts))
    traces = []
    for foot, c in FEET:
        repairs = Repairs()
        raw = counts[:, c:c + 6].astype(np.float64)
        for i in np.flatnonzero((np.abs(raw[:, :3]) >= ACC_RAIL).any(axis=1)):
            repairs.add("source_acc_at_2g_rail", int(lines[i]),
                        "source accelerometer at its +-2 g rail (clipped at the source, kept as read)")
        acc_g = raw[:, :3] / ACC_COUNTS_PER_G @ LEVEL[foot].T
        gyro_dps = raw[:, 3:] / GYRO_COUNTS_PER_DPS @ LEVEL[foot].T
        t_ms, v = resample(t_src, np.hstack([acc_g, gyro_dps]), path, lines)
        imu = imu_to_int(v[:, :3] * G_MG, v[:, 3:] * 10.0, repairs)
        meta = _meta(path, activity, subject, take, foot, repairs, len(counts))
        end = int(t_ms[-1])
        meta["labels"]["segments"] = [dict(s, start_ms=min(s["start_ms"], end), end_ms=min(s["end_ms"], end))
                                      for s in segments]
        traces.append(make_trace(meta, t_ms, imu=imu))
    return traces


def _name(path: Path):
    m = _NAME.match(path.stem)
    if not m:
        raise ImportProblem(path, "file name must look like HuGaDB_v1_walking_01_00.txt", field="name")
    return m.group(1), "HGD" + m.group(2), m.group(3)


def _read(path: Path):
    """-> (counts int32 (N, 13), file line of each row (N,)); streams the file row by row."""
    flat = array("i")
    lines = array("i")
    header = False
    with open(path, encoding="utf-8", newline="") as f:
        for no, line in enumerate(f, 1):
            if len(line) > MAX_LINE_CHARS:
                raise ImportProblem(path, "line of %d characters: not a HuGaDB row" % len(line), line=no)
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            cells = s.split()
            if not header:
                if tuple(cells) != COLUMNS:
                    raise ImportProblem(path, "column header must be %s" % " ".join(COLUMNS), line=no, field="header")
                header = True
                continue
            flat.extend(_row(path, cells, no))
            lines.append(no)
    if not header:
        raise ImportProblem(path, "no column header (%s ...)" % COLUMNS[0], field="header")
    return np.frombuffer(flat, dtype=np.int32).reshape(-1, 13), np.frombuffer(lines, dtype=np.int32)


def _row(path, cells, no):
    if len(cells) != 13:
        raise ImportProblem(path, "%d values, expected 13" % len(cells), line=no)
    out = []
    for c, name in zip(cells, COLUMNS):
        try:
            v = int(c)
        except ValueError:
            raise ImportProblem(path, "not an integer count: %r" % c, line=no, field=name) from None
        if not -32768 <= v <= 32767:
            raise ImportProblem(path, "count %d outside int16" % v, line=no, field=name)
        out.append(v)
    if out[12] not in ACTIVITIES:
        raise ImportProblem(path, "unknown activity id %d" % out[12], line=no, field="act")
    return out


def _segments(act, n):
    """Runs of equal activity id -> [{start_ms, end_ms, activity, activity_id}] in trace time."""
    edges = np.flatnonzero(np.diff(act)) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [n]))
    ms = 1000.0 / SOURCE_RATE_HZ
    return [{"start_ms": int(round(a * ms)), "end_ms": int(round(b * ms)),
             "activity": ACTIVITIES[int(act[a])], "activity_id": int(act[a])}
            for a, b in zip(starts, ends)]


def _meta(path, activity, subject, take, foot, repairs, rows) -> dict:
    g = np.array(STANDING_G[foot])
    tilt = float(np.degrees(np.arccos(g[2] / np.linalg.norm(g))))
    notes = (
        "Foot-top IMU (instep), not in the sole; both feet recorded in sync (same wearer and recording id). "
        "No timestamps: %d rows taken as equally spaced at %g Hz (the authors give about 60 Hz; the true "
        "rate is uncertain by a few percent, so durations and latencies are too), linearly resampled to "
        "100 Hz. Accelerometer +-2 g: impacts and strikes are cut at the rails (repairs "
        "'source_acc_at_2g_rail' counts them): a negative set for falls and taps, a real test of posture "
        "and man-down over hours of daily life. labels.segments: the per-row activity id."
        % (rows, SOURCE_RATE_HZ)
    )
    meta = base_meta(
        DATASET, path, name="%s_%s" % (path.stem, foot), citation=CITATION, subject=subject,
        wearer=subject, recording=path.stem, take=take, activity=activity, kind="adl",
        placement="foot (instep)", foot=foot, axes=AXES_TEXT % (tuple(np.round(g, 3).tolist()), tilt),
        notes=notes,
    )
    meta["repairs"] = repairs.as_list()
    return meta
