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
from ..trace import DT_MS
from .common import G_MG, ImportProblem, Repairs, base_meta, imu_to_int, is_non_finite, parse_number, write_streamed

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


BLOCK_ROWS = 500   # source rows per streamed block: memory does not grow with the file


def import_file(path: Path) -> list:
    """Import one UMAFall ankle file -> [Trace] at 100 Hz in insole axes.

    The same as ``import_to`` (which streams to a file), read back as a Trace.
    """
    import tempfile

    from .. import trace as trace_mod

    with tempfile.TemporaryDirectory() as tmp:
        return [trace_mod.read(p) for p in import_to(path, tmp)]


def import_to(path: Path, outdir) -> list:
    """Import one UMAFall ankle file, streamed, into ``outdir`` -> [trace path].

    Memory is bounded by a block of BLOCK_ROWS source rows, not by the file:
    a first pass over the file checks it and gathers what needs the whole
    recording (repairs, the range rail, the start orientation, the time grid);
    then each stream is read again (one reader per stream, so the order of
    acc and gyro rows does not matter), resampled block by block and written
    through trace.TraceStream. A fall file is converted twice more in blocks
    for its derived fall label (``common.FallLabel``: the descent, then the peak |a|
    around it). Raises ImportProblem naming file:line [field] for a defect it
    cannot repair (bad cells, unknown sensor, runs of impossible samples, gaps
    longer than MAX_GAP_MS, missing labels); nothing is left in ``outdir`` then.
    """
    path = Path(path)
    repairs = Repairs()
    header, scans = _scan(path, repairs)
    labels = _labels(path, header)
    for name in STREAMS:
        scans[name].check(path)
    for name in STREAMS:
        scans[name].log_saturation(repairs)
    inverted, orient_note = _orientation(scans["acc_g"])
    rot = AXES @ INVERTED if inverted else AXES
    _log_long_gaps(scans, repairs)
    t0, n = _grid(path, scans)
    meta = _meta(path, header, labels, repairs, inverted, orient_note)
    return write_streamed(outdir, meta, n, lambda rep: _converted(path, t0, n, rot, rep), repairs)


class _Scan:
    """First pass over one stream: repairs and whole-recording facts in bounded state.

    Follows the rows as the converter will use them: all-zero rows and
    isolated impossible samples dropped (logged), then the checks of
    common.resample_aligned (time going backwards, duplicate times dropped,
    the longest gap). Keeps counts, the first rows of the start window, and
    histograms of the magnitudes >= RAIL_MIN (at most one entry per value the
    sensor can report), never the rows themselves.
    """

    def __init__(self, name):
        self.name = name
        self.rows = 0
        self.kept = 0            # rows that are not all zero
        self.prev_bad = None     # (line, xyz) of the previous non-zero row if impossible
        self.run = None          # (line, axis) of the first run of impossible rows
        self.prev = None         # xyz of the previous cleaned row
        self.fresh_mags = {}     # |value| >= RAIL_MIN -> count, over rows that differ from the previous
        self.row_max = {}        # max |axis| >= RAIL_MIN of a row -> count, over all cleaned rows
        self.start = []          # ankle x of the rows in the first START_MS
        self.t_first = None
        self.t_prev = None
        self.cleaned = 0
        self.backwards = None    # line of the first row whose time goes back
        self.t_kept = None       # time of the last row kept after dropping duplicate times
        self.gap = (-1.0, None)  # longest gap after dropping duplicates, line of the row after it
        self.long_gaps = 0
        self.long_gap_lines = []

    def add(self, t, xyz, line, repairs):
        self.rows += 1
        if xyz[0] == 0 and xyz[1] == 0 and xyz[2] == 0:
            repairs.add("%s_all_zero_row_dropped" % self.name.split("_")[0], line,
                        "all-zero row treated as missing, interpolated from its neighbours")
            return
        self.kept += 1
        bad = max(abs(v) for v in xyz) > IMPOSSIBLE[self.name]
        if bad:
            if self.prev_bad is not None and self.run is None:
                p_line, p_xyz = self.prev_bad
                self.run = (p_line, "xyz"[int(np.argmax(np.abs(p_xyz)))])
            self.prev_bad = (line, xyz)
            repairs.add("%s_spike_interpolated" % self.name.split("_")[0], line,
                        "single sample beyond %g (impossible for the sensor) replaced by interpolation"
                        % IMPOSSIBLE[self.name])
            return
        self.prev_bad = None
        self._cleaned(t, xyz, line)

    def _cleaned(self, t, xyz, line):
        self.cleaned += 1
        if self.prev is None or xyz != self.prev:
            for v in xyz:
                if abs(v) >= RAIL_MIN[self.name]:
                    self.fresh_mags[abs(v)] = self.fresh_mags.get(abs(v), 0) + 1
        self.prev = xyz
        top = max(abs(v) for v in xyz)
        if top >= RAIL_MIN[self.name]:
            self.row_max[top] = self.row_max.get(top, 0) + 1
        if self.t_first is None:
            self.t_first = t
        if t <= self.t_first + START_MS and len(self.start) == self.cleaned - 1:
            self.start.append(xyz[0])
        if self.t_prev is not None:
            if t - self.t_prev > COMMON_MAX_GAP_MS:
                self.long_gaps += 1
                if len(self.long_gap_lines) < 20:
                    self.long_gap_lines.append(line)
            if t < self.t_prev and self.backwards is None:
                self.backwards = line
            if t > self.t_prev:
                if t - self.t_kept > self.gap[0]:
                    self.gap = (t - self.t_kept, line)
                self.t_kept = t
        else:
            self.t_kept = t
        self.t_prev = t

    def check(self, path):
        """Raise ImportProblem as the whole-recording repairs would (all zero, runs of impossible samples)."""
        if self.kept < 2:
            raise ImportProblem(path, "fewer than 2 %s rows that are not all zero" % self.name, field=self.name)
        if self.run is not None:
            raise ImportProblem(
                path, "run of impossible %s samples (beyond %g); cannot interpolate" % (self.name, IMPOSSIBLE[self.name]),
                line=self.run[0], field=self.run[1],
            )

    def check_time(self, path, max_gap_ms):
        """Raise ImportProblem as common.resample_aligned would for this stream."""
        if self.cleaned < 2:
            raise ImportProblem(path, "fewer than 2 samples")
        if self.backwards is not None:
            raise ImportProblem(path, "time goes backwards", line=self.backwards, field="time")
        gap, line = self.gap
        if gap > max_gap_ms:
            raise ImportProblem(
                path, "gap of %d ms in the timestamps (more than %d ms cannot be bridged)" % (gap, max_gap_ms),
                line=line, field="time",
            )

    def log_saturation(self, repairs):
        """Log (keep) samples at the range rail.

        The rail is the largest |value| >= RAIL_MIN[name] met exactly in >= 3
        rows that are not copies of the previous row (the source repeats rows);
        every row with an axis at or beyond it is logged.
        """
        rails = [m for m, c in self.fresh_mags.items() if c >= RAIL_MIN_REPEATS]
        if not rails:
            return
        rail = max(rails)
        unit = self.name.split("_")[1]
        for _ in range(sum(c for m, c in self.row_max.items() if m >= rail)):
            repairs.add("%s_saturated_kept" % self.name.split("_")[0], None,
                        "sample at the %.1f %s range rail: kept, true value was larger" % (rail, unit))


def _scan(path: Path, repairs: Repairs):
    """First pass -> (header dict, {stream: _Scan}); raises ImportProblem as ``_rows`` does."""
    header = {}
    scans = {name: _Scan(name) for name in STREAMS}
    for sensor, t, xyz, line in _rows(path, repairs, header):
        scans[sensor].add(t, xyz, line, repairs)
    for name in STREAMS:
        if scans[name].rows < 2:
            raise ImportProblem(path, "fewer than 2 %s rows" % name, field="sensor")
    return header, scans


def _log_long_gaps(scans, repairs: Repairs):
    """Log every gap longer than common.MAX_GAP_MS that resampling will bridge."""
    for name in STREAMS:
        s = scans[name]
        detail = "%s gaps of %d..%d ms bridged by linear interpolation" % (name, COMMON_MAX_GAP_MS, MAX_GAP_MS)
        for i in range(s.long_gaps):
            repairs.add("long_gap_bridged", s.long_gap_lines[i] if i < len(s.long_gap_lines) else None, detail)


def _grid(path, scans):
    """(t0 source ms, n samples) of the 10 ms grid over the streams' overlap, as common.resample_aligned."""
    for name in STREAMS:
        scans[name].check_time(path, MAX_GAP_MS)
    t0 = max(float(scans[n].t_first) for n in STREAMS)
    t1 = min(float(scans[n].t_kept) for n in STREAMS)
    if t1 - t0 < DT_MS:
        raise ImportProblem(path, "the streams do not overlap in time", field="time")
    return t0, int((t1 - t0) // DT_MS) + 1


def _points(path, name):
    """Yield blocks (t (B,), xyz (B, 3)) of one stream's rows as resampled: repaired, no duplicate times.

    Only for a file ``_scan`` accepted (no runs of impossible samples, time never goes back).
    """
    t, xyz = [], []
    last = None
    for sensor, ts, v, _ in _rows(path, Repairs(), None):
        if sensor != name or (v[0] == 0 and v[1] == 0 and v[2] == 0):
            continue
        if max(abs(x) for x in v) > IMPOSSIBLE[name]:
            continue
        if last is not None and ts <= last:
            continue
        last = ts
        t.append(ts)
        xyz.append(v)
        if len(t) == BLOCK_ROWS:
            yield np.array(t, dtype=np.float64), np.array(xyz, dtype=np.float64)
            t, xyz = [], []
    if t:
        yield np.array(t, dtype=np.float64), np.array(xyz, dtype=np.float64)


def _on_grid(path, name, t0, n):
    """Yield consecutive blocks (B, 3) of one stream linearly interpolated at t0 + 10 k ms, k = 0 .. n-1.

    Each block is interpolated with the last source row of the previous
    block prepended, so every grid time has its two neighbours: the same
    values as np.interp over the whole stream.
    """
    k = 0
    prev = None
    for t, v in _points(path, name):
        if prev is not None:
            t, v = np.concatenate((prev[0], t)), np.vstack((prev[1], v))
        prev = (t[-1:], v[-1:])
        hi = int((t[-1] - t0) // DT_MS) + 1
        while hi > 0 and (hi - 1) * DT_MS + t0 > t[-1]:
            hi -= 1
        while hi * DT_MS + t0 <= t[-1]:
            hi += 1
        hi = min(hi, n)
        if hi <= k:
            continue
        q = np.arange(k, hi, dtype=np.int64) * DT_MS + t0
        yield np.column_stack([np.interp(q, t, v[:, c]) for c in range(3)])
        k = hi
        if k == n:
            return


def _converted(path, t0, n, rot, repairs):
    """Yield (t_ms (B,), imu int16 (B, 6)) blocks of the trace, in order; clipping logged in ``repairs``."""
    acc_blocks, gyro_blocks = _on_grid(path, "acc_g", t0, n), _on_grid(path, "gyro_dps", t0, n)
    acc = np.zeros((0, 3))
    gyro = np.zeros((0, 3))
    k = 0
    while k < n:
        while len(acc) == 0:
            acc = next(acc_blocks)
        while len(gyro) == 0:
            gyro = next(gyro_blocks)
        m = min(len(acc), len(gyro))
        imu = imu_to_int(acc[:m] @ rot.T * G_MG, gyro[:m] @ rot.T * 10.0, repairs)
        yield np.arange(k, k + m, dtype=np.int64) * DT_MS, imu
        acc, gyro = acc[m:], gyro[m:]
        k += m




def _orientation(scan):
    """(inverted, note): is the sensor upside down at the start (ankle x near -1 g)?"""
    med = float(np.median(scan.start))
    if med < -UPRIGHT_G:
        return True, "ankle x reads %.2f g at the start: sensor upside down, turned a half turn about ankle z" % med
    if med < UPRIGHT_G:
        return False, "ankle x reads %.2f g at the start: not upright, default mapping unverified" % med
    return False, ""


def _rows(path: Path, repairs: Repairs, header):
    """Yield (sensor, t_ms, [x, y, z], line) per data row, in file order; fills ``header`` if a dict.

    header maps each ``#% key: value`` line's key to [(value, line)]; repeated
    keys keep every value in order. Rows with a nan/inf value are dropped
    (logged). Raises ImportProblem on a malformed row or a missing column header.
    """
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        seen_columns = False
        for row in reader:
            line = reader.line_num
            if not row or not "".join(row).strip():
                continue
            if row[0].startswith("#"):
                if header is not None:
                    _header_line(",".join(row), line, header)
                continue
            if not seen_columns:
                if [c.strip() for c in row] != ["t_ms", "sensor", "x", "y", "z"]:
                    raise ImportProblem(path, "expected the column header t_ms,sensor,x,y,z", line=line, field="header")
                seen_columns = True
                continue
            parsed = _row(path, row, line, repairs)
            if parsed is not None:
                yield parsed + (line,)
    if not seen_columns:
        raise ImportProblem(path, "no column header t_ms,sensor,x,y,z", field="header")


def _header_line(text: str, line: int, header: dict):
    body = text.lstrip("#").strip()
    if body.startswith("%") and ":" in body:
        key, _, value = body[1:].partition(":")
        # Other copies pad fields with spaces and end them with separators (';;;;;;;').
        header.setdefault(key.strip(" \t;,").lower(), []).append((value.strip(" \t;,"), line))


def _row(path, row, line, repairs):
    """(sensor, t_ms, [x, y, z]) of one data row, or None for a row with a nan/inf value (logged)."""
    if len(row) != 5:
        raise ImportProblem(path, "%d cells, expected 5 (t_ms,sensor,x,y,z)" % len(row), line=line)
    sensor = row[1].strip()
    if sensor not in STREAMS:
        raise ImportProblem(path, "unknown sensor %r (expected acc_g or gyro_dps)" % sensor, line=line, field="sensor")
    stamp = parse_number(row[0], path, line, "t_ms", repairs)
    try:
        values = [parse_number(row[i], path, line, "xyz"[i - 2], repairs) for i in (2, 3, 4)]
    except ImportProblem as e:
        if not is_non_finite(e):
            raise
        # A nan/inf reading is a missing sample: dropped and interpolated (the gap rule still applies).
        repairs.add("%s_non_finite_row_dropped" % sensor.split("_")[0], line,
                    "row with a nan/inf value treated as missing, interpolated from its neighbours")
        return None
    return sensor, stamp, values


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
