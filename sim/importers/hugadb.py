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
from .common import G_MG, ImportProblem, Repairs, base_meta, gravity_alignment, imu_to_int

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


BLOCK_ROWS = 6000   # source rows per streamed block (100 s at 60 Hz): memory does not grow with the file


def import_file(path: Path) -> list:
    """Import one HuGaDB file -> [right Trace, left Trace] at 100 Hz, mg / 0.1 dps.

    The same as ``import_to`` (which streams to files), read back as Traces.
    """
    import tempfile

    from .. import trace as trace_mod

    with tempfile.TemporaryDirectory() as tmp:
        return [trace_mod.read(p) for p in import_to(path, tmp)]


def import_to(path: Path, outdir) -> list:
    """Import one HuGaDB file, streamed, into ``outdir`` -> [right path, left path].

    Reads the source in blocks of BLOCK_ROWS rows and writes each block's
    resampled samples at once (trace.TraceStream), so memory is bounded by
    the block, not the file. Both traces share ``meta['wearer']`` (subject) and
    ``meta['recording']`` (file stem); ``foot`` is right / left.
    ``labels.segments`` are the runs of the per-row activity id (start_ms,
    end_ms, activity, activity_id). Raises ImportProblem naming file:line
    [field] for a bad name, a missing column header, a row without 13
    integers, an unknown activity id, a count outside int16, or fewer than 2
    rows; nothing is left in ``outdir`` then.
    """
    from .. import trace as trace_mod

    path = Path(path)
    activity, subject, take = _name(path)
    names = ["%s_%s" % (path.stem, foot) for foot, _ in FEET]
    streams = [trace_mod.TraceStream(Path(outdir) / (n + ".trace.csv"), imu=True) for n in names]
    repairs = [Repairs() for _ in FEET]
    runs = _Runs()
    try:
        prev = None          # (source index, levelled values (2, 6)) of the last row of the previous block
        next_k = 0           # next output sample index
        rows = 0
        for counts, lines in _blocks(path):
            rows += len(counts)
            runs.add(counts[:, 12])
            idx = np.arange(rows - len(counts), rows)
            vals = []
            for (foot, c), rep in zip(FEET, repairs):
                raw = counts[:, c:c + 6].astype(np.float64)
                for i in np.flatnonzero((np.abs(raw[:, :3]) >= ACC_RAIL).any(axis=1)):
                    rep.add("source_acc_at_2g_rail", int(lines[i]),
                            "source accelerometer at its +-2 g rail (clipped at the source, kept as read)")
                vals.append(np.hstack([raw[:, :3] / ACC_COUNTS_PER_G @ LEVEL[foot].T,
                                       raw[:, 3:] / GYRO_COUNTS_PER_DPS @ LEVEL[foot].T]))
            if prev is not None:
                idx = np.concatenate(([prev[0]], idx))
                vals = [np.vstack([p, v]) for p, v in zip(prev[1], vals)]
            prev = (int(idx[-1]), [v[-1:] for v in vals])
            t_src = idx * (1000.0 / SOURCE_RATE_HZ)
            last_k = int(t_src[-1] // DT_MS)
            if last_k < next_k or len(idx) < 2:
                continue
            t_out = np.arange(next_k, last_k + 1, dtype=np.int64) * DT_MS
            for st, v, rep in zip(streams, vals, repairs):
                out = np.column_stack([np.interp(t_out, t_src, v[:, j]) for j in range(6)])
                st.add(t_out, imu=imu_to_int(out[:, :3] * G_MG, out[:, 3:] * 10.0, rep))
            next_k = last_k + 1
        if rows < 2:
            raise ImportProblem(path, "fewer than 2 rows (%d)" % rows)
        end = (next_k - 1) * DT_MS
        segments = runs.segments()
        out = []
        for (foot, _), st, rep in zip(FEET, streams, repairs):
            meta = _meta(path, activity, subject, take, foot, rep, rows)
            meta["labels"]["segments"] = [dict(s, start_ms=min(s["start_ms"], end), end_ms=min(s["end_ms"], end))
                                          for s in segments]
            out.append(st.finish(meta))
        return out
    except BaseException:
        for st in streams:
            st.abort()
        raise


class _Runs:
    """Runs of equal activity id over a streamed file -> segments in trace time."""

    def __init__(self):
        self._runs = []   # [start row, activity id]
        self._n = 0

    def add(self, act):
        edges = np.flatnonzero(np.diff(act)) + 1
        for a in np.concatenate(([0], edges)):
            aid = int(act[a])
            if not self._runs or self._runs[-1][1] != aid:
                self._runs.append([self._n + int(a), aid])
        self._n += len(act)

    def segments(self):
        ms = 1000.0 / SOURCE_RATE_HZ
        ends = [r[0] for r in self._runs[1:]] + [self._n]
        return [{"start_ms": int(round(a * ms)), "end_ms": int(round(b * ms)),
                 "activity": ACTIVITIES[aid], "activity_id": aid}
                for (a, aid), b in zip(self._runs, ends)]


def _name(path: Path):
    m = _NAME.match(path.stem)
    if not m:
        raise ImportProblem(path, "file name must look like HuGaDB_v1_walking_01_00.txt", field="name")
    return m.group(1), "HGD" + m.group(2), m.group(3)


def _blocks(path: Path):
    """Yield (counts int32 (B, 13), file line of each row (B,)) in blocks of BLOCK_ROWS rows."""
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
            if len(lines) == BLOCK_ROWS:
                yield np.array(flat, dtype=np.int32).reshape(-1, 13), np.array(lines, dtype=np.int32)
                flat = array("i")
                lines = array("i")
    if not header:
        raise ImportProblem(path, "no column header (%s ...)" % COLUMNS[0], field="header")
    if len(lines):
        yield np.array(flat, dtype=np.int32).reshape(-1, 13), np.array(lines, dtype=np.int32)


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
