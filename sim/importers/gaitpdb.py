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

from ..trace import DT_MS, LOAD_LIMIT_N
from .common import MAX_GAP_MS, ImportProblem, Repairs, base_meta, parse_number, resample_stream, to_int

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


BLOCK_ROWS = 1000  # source rows per streamed block: memory does not grow with the file


def import_file(path: Path) -> list:
    """Import one gaitpdb file: [left Trace, right Trace], loads only, at 100 Hz.

    The same as ``import_to`` (which streams to files), read back as Traces.
    """
    import tempfile

    from .. import trace as trace_mod

    with tempfile.TemporaryDirectory() as tmp:
        return [trace_mod.read(p) for p in import_to(path, tmp)]


def import_to(path: Path, outdir) -> list:
    """Import one gaitpdb file, streamed, into ``outdir`` -> [left trace path, right trace path].

    loads: int16 (N, 8) N per sensor zone (SENSORS order), clipped to 0..5000.
    One pass, memory bounded by a block of BLOCK_ROWS rows, not by the file:
    each block is checked (``_Checks``), linearly resampled to 100 Hz
    (``common.resample_stream``, identical to ``resample`` on the whole file)
    and written to both feet's ``trace.TraceStream``. Raises ImportProblem
    naming file, line and column for a short/long row or a non-number (at
    once), else, after the whole file and in this order, for a negative force
    (the first), a total that is not the sum of its sensors (the worst, left
    before right), time going backwards (the first) or a gap > MAX_GAP_MS (the
    longest); nothing is left in ``outdir`` then.
    """
    from .. import trace as trace_mod

    path = Path(path)
    checks = _Checks(path)
    streams, done = [], []
    try:
        for side in ("left", "right"):
            streams.append(trace_mod.TraceStream(Path(outdir) / ("%s_%s.trace.csv" % (path.stem, side)),
                                                 imu=False, zones=8))
        t_ms = None
        for t_ms, v in resample_stream(checks.blocks(_blocks(path))):
            for st, forces in zip(streams, (v[:, 0:8], v[:, 8:16])):
                st.add(t_ms, loads=to_int(forces, LOAD_LIMIT_N, lo=0))
        checks.raise_first()
        for st, side in zip(streams, ("left", "right")):
            done.append(st.finish(_meta(path, int(t_ms[-1]), side)))
        return done
    except BaseException:
        for st in streams:
            st.abort()
        for p in done:  # a failure on the right foot removes the left trace too
            p.unlink()
        raise


def _blocks(path: Path):
    """Yield (rows float64 (M, 19), file lines (M,)), M <= BLOCK_ROWS; ImportProblem on a malformed row."""
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
            if len(rows) == BLOCK_ROWS:
                yield np.array(rows), np.array(lines)
                rows, lines = [], []
    if rows:
        yield np.array(rows), np.array(lines)


def _number(text, path, line, field) -> float:
    """A finite number (parse_number without repairs: this source has none to repair)."""
    value = parse_number(text, path, line, field)
    if not math.isfinite(value):
        raise ImportProblem(path, "not a finite number: %r" % text, line=line, field=field)
    return value


class _Checks:
    """The whole-file checks of one gaitpdb file, block by block, in bounded memory.

    ``blocks`` passes the (time ms, 16 forces) of each block on to resampling
    until a check fails (the file is still read to its end: a malformed row
    anywhere comes first); ``raise_first`` then raises, in this order:
    fewer than 2 rows; the first negative force; the worst total that is not
    the sum of its 8 sensors (within TOTAL_TOLERANCE_N; left, then right);
    the first time going backwards; the longest gap > MAX_GAP_MS between
    distinct times; a file spanning less than one 10 ms step.
    """

    def __init__(self, path):
        self.path = path
        self.rows = 0
        self.negative = None           # (line, field, value)
        self.totals = [None, None]     # per foot (err, line, total, sum of the sensors)
        self.backwards = None          # line
        self.gap = None                # (gap ms, line of the sample after it)
        self.first_t = self.last = None  # first time; (time, line) of the last row

    def failed(self) -> bool:
        return bool(self.negative or self.backwards or any(t and t[0] > TOTAL_TOLERANCE_N for t in self.totals)
                    or (self.gap and self.gap[0] > MAX_GAP_MS))

    def blocks(self, blocks):
        for data, lines in blocks:
            self.add(data, lines)
            if not self.failed():
                yield data[:, 0] * 1000.0, data[:, 1:17]

    def add(self, data, lines):
        names = column_names()
        self.rows += len(data)
        neg = data[:, 1:] < 0
        if self.negative is None and neg.any():
            r, c = np.argwhere(neg)[0]
            self.negative = (int(lines[r]), names[c + 1], data[r, c + 1])
        for foot, (k, sl) in enumerate(((17, slice(1, 9)), (18, slice(9, 17)))):
            err = np.abs(data[:, sl].sum(axis=1) - data[:, k])
            r = int(np.argmax(err))
            if self.totals[foot] is None or err[r] > self.totals[foot][0]:
                self.totals[foot] = (err[r], int(lines[r]), data[r, k], data[r, sl].sum())
        t = data[:, 0] * 1000.0
        if self.last is not None:
            t, lines = np.concatenate(([self.last[0]], t)), np.concatenate(([self.last[1]], lines))
        else:
            self.first_t = t[0]
        self.last = (t[-1], int(lines[-1]))
        d = np.diff(t)
        if self.backwards is None and (d < 0).any():
            self.backwards = int(lines[int(np.argmax(d < 0)) + 1])
        kept = np.flatnonzero(np.concatenate(([True], d > 0)))
        gaps = np.diff(t[kept])
        if gaps.size:
            i = int(np.argmax(gaps))
            if self.gap is None or gaps[i] > self.gap[0]:
                self.gap = (gaps[i], int(lines[kept[i + 1]]))

    def raise_first(self):
        path = self.path
        if self.rows < 2:
            raise ImportProblem(path, "fewer than 2 data rows")
        if self.negative:
            line, field, value = self.negative
            raise ImportProblem(path, "negative force %g" % value, line=line, field=field)
        for (err, line, total, summed), field in zip(self.totals, ("total_left", "total_right")):
            if err > TOTAL_TOLERANCE_N:
                raise ImportProblem(path, "total %g is not the sum of its sensors (%g)" % (total, summed),
                                    line=line, field=field)
        if self.backwards:
            raise ImportProblem(path, "time goes backwards", line=self.backwards, field="time")
        if self.gap and self.gap[0] > MAX_GAP_MS:
            raise ImportProblem(
                path, "gap of %d ms in the timestamps (more than %d ms cannot be bridged)" % (self.gap[0], MAX_GAP_MS),
                line=self.gap[1], field="time")
        if self.last[0] - self.first_t < DT_MS:
            raise ImportProblem(path, "the streams do not overlap in time", field="time")


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


def _meta(path, last_ms, side) -> dict:
    """One foot's metadata; ``last_ms`` is the time of the trace's last sample."""
    subject, extra = _subject_and_activity(path.stem)
    notes = "Loads are the source's calibrated VGRF per sensor (N), unchanged apart from rounding."
    if extra:
        notes += " " + extra + "."
    return base_meta(
        DATASET, path, name="%s_%s" % (path.stem, side), citation=CITATION, subject=subject,
        activity="walking", kind="adl", placement="insole", foot=side, axes=AXES, zones=zone_table(side),
        labels={"falls": [], "segments": [{"start_ms": 0, "end_ms": last_ms + 10, "activity": "walking"}],
                "sos": []},
        repairs=Repairs().as_list(), notes=notes,
    )
