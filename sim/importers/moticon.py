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
from .common import G_MG, MAX_GAP_MS, ImportProblem, Repairs, base_meta, is_non_finite, parse_number, to_int

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


BLOCK_ROWS = 1000  # source rows per streamed block: memory does not grow with the file


def import_file(path: Path) -> list:
    """Import one OpenGo text export: [left Trace, right Trace] at 100 Hz.

    Each trace: imu int16 (N, 6) in mg / 0.1 dps, insole axes; loads int16
    (N, 8) N per zone (ZONES order). Leading/trailing rows where an insole's
    cells are all empty are trimmed; shorter gaps inside are interpolated.
    Raises ImportProblem naming file, line and column for a defect it cannot
    repair (missing column, bad number, negative pressure, gap > MAX_GAP_MS,
    cells not adding up to the total force). A nan/inf cell is treated as an
    empty cell (logged); another insole size gives one 'total' zone (logged).
    The same as ``import_to`` (which streams to files), read back as Traces.
    """
    import tempfile

    from .. import trace as trace_mod

    with tempfile.TemporaryDirectory() as tmp:
        return [trace_mod.read(p) for p in import_to(path, tmp)]


def import_to(path: Path, outdir) -> list:
    """Import one OpenGo text export, streamed, into ``outdir`` -> [left path, right path].

    Memory is bounded by a block of BLOCK_ROWS rows, not by the file (plus
    the longest hole of an insole, <= MAX_GAP_MS). Three passes:
    1. the layout: header lines, the column header, every row's cell count;
    2. the numbers: every cell parsed; per insole the first and last row with
       data (trimming), each hole per column (bridgeable or not), the
       repairs, and what ``common.resample`` checks on the time base;
    3. per insole: holes filled (``np.interp`` over the valid samples around
       each block), the pressures checked, resampled onto the 10 ms grid
       (the last source row carried into the next block), written through
       trace.TraceStream; the zone-vs-total force deviations of the frames
       go to ``_Median`` (exact median, spilled to a temporary file when
       many).
    Each output sample is computed from the same values as on the whole file,
    so the traces are identical to the whole-file import; errors are raised
    in its order (layout, time column, then the left insole's checks, then
    the right's). Nothing is left in ``outdir`` on an error.
    """
    from ..trace import TraceStream

    path = Path(path)
    header, columns, n_rows = _layout(path)
    sized = _known_size(header)
    activity = _activity(header.get("Tag", ("", 0))[0])
    sides = [_SideScan(path, columns, side) for side in SIDES]
    _scan_numbers(path, sides)
    for side in sides:
        side.finish_scan(n_rows)
    writers, written = [], []
    try:
        for scan in sides:
            if scan.error is not None:
                break
            zones = zone_table(scan.side) if sized else total_zone(scan.side)
            stream = TraceStream(Path(outdir) / ("%s_%s.trace.csv" % (path.stem, scan.side)), imu=True,
                                 zones=len(zones))
            writers.append(_SideWriter(path, scan, sized, zones, stream))
        if writers:
            _fill_and_write(path, writers)
        for w in writers:
            w.finish_checks()
        problem = next((s.error for s in sides if s.error is not None), None)
        if problem is not None:
            raise problem
        for w in writers:
            written.append(w.stream.finish(w.meta(header, activity)))
        return written
    except BaseException:
        for w in writers:
            w.stream.abort()
            w.median.close()
        for p in written:
            p.unlink()
        raise


def _lines(path: Path):
    """Yield (line number, text without the line end) of every line."""
    with open(path, encoding="utf-8", newline="") as f:
        for lineno, line in enumerate(f, 1):
            yield lineno, line.rstrip("\r\n")


def _layout(path: Path):
    """Pass 1: header dict {key: (value, line)}, the (last) column names, the number of data rows.

    Raises ImportProblem for a missing column header, data before it, a row
    with the wrong number of cells (the first in the file) or fewer than 2
    data rows.
    """
    header, columns, rows = {}, None, 0
    for lineno, line in _lines(path):
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
        cells = line.count("\t") + 1
        if cells != len(columns):
            raise ImportProblem(path, "%d cells, expected %d" % (cells, len(columns)), line=lineno)
        rows += 1
    if columns is None:
        raise ImportProblem(path, "no '# time' column header")
    if rows < 2:
        raise ImportProblem(path, "fewer than 2 data rows")
    return header, columns, rows


def _data_rows(path: Path):
    """Yield blocks [(line number, text)] of at most BLOCK_ROWS data rows (layout checked in pass 1)."""
    block = []
    for lineno, line in _lines(path):
        if line.startswith("#") or not line.strip():
            continue
        block.append((lineno, line))
        if len(block) == BLOCK_ROWS:
            yield block
            block = []
    if block:
        yield block


def _times_ms(path, block) -> list:
    """The time column of a block in ms (np.rint of s x 1000); ImportProblem for a bad number."""
    t_s = np.array([parse_number(text.split("\t", 1)[0], path, line, "time") for line, text in block])
    return np.rint(t_s * 1000.0).tolist()


def _parse_cells(path, cells, idx, names, lineno, repairs):
    """One insole's 23 values of a row (NaN for an empty or, logged, non-finite cell)."""
    out = []
    for k, name in zip(idx, names):
        text = cells[k].strip()
        v = _NAN
        if text:
            try:
                v = parse_number(text, path, lineno, name)
            except ImportProblem as e:
                if not is_non_finite(e):
                    raise
                repairs.add("non_finite_cell_as_missing", lineno,
                            "nan/inf cell treated as an empty (lost) cell, then gap-filled")
        out.append(v)
    return out


_NAN = float("nan")


class _TimeChecks:
    """What ``common.resample`` checks on a time base fed row by row: count, first
    backward step, longest step between distinct times (first of equals)."""

    def __init__(self, prev=None):
        self.count = 0
        self.prev = prev
        self.backwards = None
        self.gap = (0.0, None)

    def add(self, t, line):
        if self.prev is not None:
            d = t - self.prev
            if d < 0 and self.backwards is None:
                self.backwards = line
            if d > self.gap[0]:
                self.gap = (d, line)
        self.prev = t
        self.count += 1

    def merge(self, later: "_TimeChecks"):
        """Append the checks of the rows after these (``later`` started at this ``prev``)."""
        if self.backwards is None:
            self.backwards = later.backwards
        if later.gap[0] > self.gap[0]:
            self.gap = later.gap
        self.prev = later.prev
        self.count += later.count


class _SideScan:
    """Pass 2 for one insole: trimming, holes, repairs, time checks; ``error`` the first
    problem in the whole-file import's order (missing column, bad number, no data, a
    hole that cannot be bridged). Cells are indexed by the final column header, as
    the whole-file import did."""

    def __init__(self, path, columns, side):
        self.path, self.side = path, side
        self.names = _side_columns(side)
        self.idx = None
        self.error = None
        self.repairs = Repairs()
        for name in self.names:
            if name not in columns:
                self.error = ImportProblem(path, "missing column %r" % name, field=name)
                break
        else:
            self.idx = [columns.index(name) for name in self.names]
        n = len(self.names)
        self.rows = 0             # data rows seen
        self.first = None         # (index, line) of the first row with data
        self.first_data_line = None
        self.last = None          # index of the last row with data
        self.lead_last_line = None
        self.time = _TimeChecks()
        self.t_first = None
        self.pending = None       # rows without data after the last one with data: count, lines, time checks
        self.run = [None] * n     # open hole per column: (first index, line)
        self.t_valid = [None] * n  # time of the column's last valid row
        self.bad = [None] * n     # first hole per column that cannot be bridged: (line, rows)
        self.holes = [False] * n  # column has an empty cell between first and last

    def row(self, lineno, t, cells):
        """Account for one data row (t in ms)."""
        i = self.rows
        self.rows += 1
        if self.first_data_line is None:
            self.first_data_line = lineno
        vals = _parse_cells(self.path, cells, self.idx, self.names, lineno, self.repairs)
        miss = [v != v for v in vals]
        if all(miss):
            if self.first is None:
                self.lead_last_line = lineno
                return
            if self.pending is None:
                self.pending = [0, [], _TimeChecks(self.time.prev)]
            self.pending[0] += 1
            if len(self.pending[1]) < 20:
                self.pending[1].append(lineno)
            self.pending[2].add(t, lineno)
            for j in range(len(vals)):
                if self.run[j] is None:
                    self.run[j] = (i, lineno)
            return
        if self.first is None:
            self.first = (i, lineno)
            self.t_first = t
        if self.pending is not None:
            count, lines, checks = self.pending
            for k in range(count):
                self.repairs.add("interpolate_empty_cells", lines[k] if k < len(lines) else None,
                                 "empty cells (packet loss) interpolated in time, gaps <= %d ms" % MAX_GAP_MS)
            self.time.merge(checks)
            self.holes = [True] * len(vals)
            self.pending = None
        self.time.add(t, lineno)
        for j, m in enumerate(miss):
            if m:
                if self.run[j] is None:
                    self.run[j] = (i, lineno)
                self.holes[j] = True
            else:
                if self.run[j] is not None:
                    s, line = self.run[j]
                    if self.bad[j] is None and (s == self.first[0] or t - self.t_valid[j] > MAX_GAP_MS):
                        self.bad[j] = (line, i - s)
                    self.run[j] = None
                self.t_valid[j] = t
        if any(miss):
            self.repairs.add("interpolate_empty_cells", lineno,
                             "empty cells (packet loss) interpolated in time, gaps <= %d ms" % MAX_GAP_MS)
        self.last = i

    def finish_scan(self, n_rows):
        """After pass 2: trimming repairs and the first error of this insole's pass-2 checks."""
        if self.error is not None:
            return
        if self.first is None:
            self.error = ImportProblem(self.path, "no data for the %s insole" % self.side)
            return
        first, stop = self.first[0], self.last + 1
        if first:
            self.repairs.add("trim_leading_empty_rows", self.first_data_line,
                             "%s insole: %d leading rows without data dropped (lines %d-%d)"
                             % (self.side, first, self.first_data_line, self.lead_last_line))
        if stop < n_rows:
            self.repairs.add("trim_trailing_empty_rows", self.pending[1][0],
                             "%s insole: %d trailing rows without data dropped" % (self.side, n_rows - stop))
        for j, name in enumerate(self.names):
            if self.bad[j] is None and self.run[j] is not None and self.run[j][0] < stop:
                self.bad[j] = (self.run[j][1], stop - self.run[j][0])
            if self.bad[j] is not None:
                line, rows = self.bad[j]
                self.error = ImportProblem(self.path, "empty cells over %d rows cannot be bridged (more than %d ms)"
                                           % (rows, MAX_GAP_MS), line=line, field=name)
                return

    def time_error(self):
        """The error ``common.resample`` raises on the kept rows' times, or None."""
        tc = self.time
        if tc.count < 2:
            return ImportProblem(self.path, "fewer than 2 samples")
        if tc.backwards is not None:
            return ImportProblem(self.path, "time goes backwards", line=tc.backwards, field="time")
        if tc.gap[0] > MAX_GAP_MS:
            return ImportProblem(self.path, "gap of %d ms in the timestamps (more than %d ms cannot be bridged)"
                                 % (tc.gap[0], MAX_GAP_MS), line=tc.gap[1], field="time")
        if tc.prev - self.t_first < DT_MS:
            return ImportProblem(self.path, "the streams do not overlap in time", field="time")
        return None


def _scan_numbers(path, sides):
    """Pass 2 over both insoles; raises the first bad time at once (it precedes every insole check)."""
    for block in _data_rows(path):
        times = _times_ms(path, block)
        for (lineno, text), t in zip(block, times):
            cells = text.split("\t")
            for scan in sides:
                if scan.error is None:
                    try:
                        scan.row(lineno, t, cells)
                    except ImportProblem as e:
                        scan.error = e


class _SideWriter:
    """Pass 3 for one insole: fill the holes, check the pressures, resample, write.

    Rows are held until every column with holes has a later valid sample at a
    later time; then the held rows are filled by ``np.interp`` over that
    column's valid samples from the last one before them, which gives the
    whole-file ``np.interp`` value of each row (also for repeated times).
    """

    def __init__(self, path, scan, sized, zones, stream):
        self.path, self.scan, self.sized, self.zones, self.stream = path, scan, sized, zones, stream
        self.holes = np.flatnonzero(scan.holes)
        self.first, self.last = scan.first[0], scan.last
        self.i = 0
        self.held_t, self.held_v, self.held_lines = [], [], []
        self.before = {}          # column -> (t, value) of its last valid sample before the held rows
        self.negative = None
        self.time_error = scan.time_error()
        self.carry = None         # last distinct-time row of the previous resampled block
        self.k = 0                # next output sample
        self.median = _Median()
        self.ignored = Repairs()  # the repairs were logged in pass 2

    def row(self, lineno, t, cells):
        i = self.i
        self.i += 1
        if i < self.first or i > self.last or self.negative is not None:
            return
        self.held_t.append(t)
        self.held_v.append(_parse_cells(self.path, cells, self.scan.idx, self.scan.names, lineno,
                                         self.ignored))
        self.held_lines.append(lineno)
        if len(self.held_t) >= BLOCK_ROWS:
            self._release(final=False)

    def end(self):
        if self.negative is None and self.held_t:
            self._release(final=True)

    def _release(self, final):
        t = np.array(self.held_t)
        v = np.array(self.held_v)
        cut = len(t)
        if not final:
            for j in self.holes:
                ok = np.flatnonzero(~np.isnan(v[:, j]))
                if not ok.size:
                    return
                q = ok[-1]
                cut = min(cut, int(np.argmax(t[:q + 1] >= t[q])))
            if cut == 0:
                return
        tc, vc = t[:cut], v[:cut].copy()
        for j in self.holes:
            ok = ~np.isnan(v[:, j])
            xp, fp = t[ok], v[ok, j]
            if j in self.before:
                xp, fp = np.concatenate(([self.before[j][0]], xp)), np.concatenate(([self.before[j][1]], fp))
            vc[:, j] = np.interp(tc, xp, fp)
            done = np.flatnonzero(ok[:cut])
            if done.size:
                self.before[j] = (t[done[-1]], v[done[-1], j])
        lines = self.held_lines[:cut]
        del self.held_t[:cut], self.held_v[:cut], self.held_lines[:cut]
        self._checked(tc, vc, lines)

    def _checked(self, t, v, lines):
        cols = list(range(N_CELLS)) + [v.shape[1] - 1]
        bad = v[:, cols] < 0
        if bad.any():
            r, c = np.argwhere(bad)[0]
            self.negative = ImportProblem(self.path, "negative value %g" % v[r, cols[c]], line=int(lines[r]),
                                          field=self.scan.names[cols[c]])
            self.held_t, self.held_v, self.held_lines = [], [], []
            return
        if self.time_error is None:
            self._resampled(t, v)

    def _resampled(self, t, v):
        if self.carry is not None:
            t, v = np.concatenate(([self.carry[0]], t)), np.vstack((self.carry[1], v))
        keep = np.concatenate(([True], np.diff(t) > 0))
        t, v = t[keep], v[keep]
        self.carry = (t[-1], v[-1:])
        t0 = self.scan.t_first
        m = int((t[-1] - t0) // DT_MS) + 1 - self.k
        if m <= 0:
            return
        t_out = (np.arange(m, dtype=np.int64) + self.k) * DT_MS
        out = np.column_stack([np.interp(t_out + t0, t, v[:, c]) for c in range(v.shape[1])])
        self.k += m
        if self.sized:
            loads = zone_loads(out[:, :N_CELLS])
            total = out[:, -1]
            on = total >= FORCE_CHECK_MIN_N
            self.median.add(np.abs(loads[on].sum(axis=1) - total[on]) / total[on])
        else:
            loads = out[:, -1:]
        acc, gyro = to_insole_axes(out[:, 16:19], out[:, 19:22], self.scan.side)
        imu = np.hstack([to_int(acc, ACC_LIMIT_MG), to_int(gyro, GYRO_LIMIT_DDPS)])
        self.stream.add(t_out, imu=imu, loads=to_int(loads, LOAD_LIMIT_N, lo=0))

    def finish_checks(self):
        """Set the insole's error after pass 3: negative value, then time base, then force check."""
        scan = self.scan
        scan.error = scan.error or self.negative or self.time_error
        self.rel = 0.0
        if scan.error is None and self.sized and self.median.count >= 10:
            self.rel = float(self.median.median())
            if self.rel > FORCE_CHECK_TOLERANCE:
                scan.error = ImportProblem(
                    self.path, "%s insole: cell pressure x area differs from the total force by %.0f %% "
                    "(another insole size or model?)" % (scan.side, 100 * self.rel),
                    field="%s total force[N]" % scan.side)
        self.median.close()

    def meta(self, header, activity) -> dict:
        scan, side = self.scan, self.scan.side
        repairs = scan.repairs
        size = header.get("Size", ("?", 0))[0]
        if self.sized:
            load_note = ("Zone loads = sum of cell pressure x cell area (size-%s areas recovered from the "
                         "recordings); median deviation from the recorded total force %.1f %%."
                         % (CELL_SIZE, 100 * self.rel))
        else:
            repairs.add("insole_size_without_cell_geometry", header["Size"][1],
                        "WARNING: cell areas unknown for size %r: IMU + the recorded total force as one zone "
                        "(no centre of pressure)" % size)
            load_note = ("WARNING: insole size %r has no known cell geometry: one zone 'total' = the recorded "
                         "total force at the size-%s area-weighted centre (no centre of pressure)." % (size, CELL_SIZE))
        duration = (self.k - 1) * DT_MS + DT_MS
        return base_meta(
            DATASET, self.path, name="%s_%s" % (self.path.stem, side), citation=CITATION,
            subject=header.get("Sensor insoles", ("unknown", 0))[0], activity=activity, kind="adl",
            placement="insole", foot=side, axes=AXES, zones=self.zones,
            labels={"falls": [], "segments": [{"start_ms": 0, "end_ms": duration, "activity": activity}], "sos": []},
            repairs=repairs.as_list(), source_t0_ms=int(scan.t_first), insole_size=size,
            notes=load_note + " source_t0_ms aligns this insole with the other one of the same file.",
        )


def _fill_and_write(path, writers):
    """Pass 3 over the insoles without a pass-2 error."""
    for block in _data_rows(path):
        times = _times_ms(path, block)
        for (lineno, text), t in zip(block, times):
            cells = text.split("\t")
            for w in writers:
                w.row(lineno, t, cells)
    for w in writers:
        w.end()


class _Median:
    """Exact ``np.median`` of a stream of non-negative floats in bounded memory.

    Up to SPILL values are held; more go to a temporary file, and the middle
    values are then selected by their bit patterns (which order non-negative
    floats), 8 bits per pass over the file, until at most SPILL candidates
    are left.
    """

    SPILL = 1 << 13

    def __init__(self):
        self.count = 0
        self.held = []
        self.n_held = 0
        self.file = None
        self.nan = False

    def add(self, values):
        v = np.asarray(values, dtype=np.float64)
        if not v.size:
            return
        self.nan = self.nan or bool(np.isnan(v).any())
        self.count += v.size
        self.held.append(v)
        self.n_held += v.size
        if self.n_held > self.SPILL:
            import tempfile

            if self.file is None:
                self.file = tempfile.TemporaryFile()
            np.concatenate(self.held).tofile(self.file)
            self.held, self.n_held = [], 0

    def _chunks(self):
        if self.file is not None:
            self.file.seek(0)
            while True:
                a = np.fromfile(self.file, dtype=np.float64, count=self.SPILL)
                if not a.size:
                    break
                yield a
        yield from self.held

    def _kth(self, k):
        """The k-th smallest value (0-based)."""
        bits, prefix = 0, 0
        while True:
            def candidates():
                for a in self._chunks():
                    u = a.view(np.uint64)
                    yield u if bits == 0 else u[(u >> np.uint64(64 - bits)) == np.uint64(prefix)]
            if bits == 64:  # all candidates have the same bits
                return float(next(u for u in candidates() if len(u))[:1].view(np.float64)[0])
            n = sum(len(u) for u in candidates())
            if n <= self.SPILL:
                u = np.concatenate(list(candidates()))
                return float(np.partition(u, k)[k:k + 1].view(np.float64)[0])
            hist = np.zeros(256, dtype=np.int64)
            for u in candidates():
                hist += np.bincount(((u >> np.uint64(56 - bits)) & np.uint64(255)).astype(np.intp), minlength=256)
            below = np.cumsum(hist)
            digit = int(np.searchsorted(below, k, side="right"))
            k -= int(below[digit - 1]) if digit else 0
            prefix, bits = (prefix << 8) | digit, bits + 8

    def median(self) -> float:
        if self.nan:
            return float("nan")
        if self.file is None:
            return float(np.median(np.concatenate(self.held)))
        half = self.count // 2
        mid = [self._kth(half)] if self.count % 2 else [self._kth(half - 1), self._kth(half)]
        return float(np.mean(np.array(mid)))

    def close(self):
        if self.file is not None:
            self.file.close()
            self.file = None
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
