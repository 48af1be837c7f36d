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
    imu_to_int, parse_number, resample_stream,
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


BLOCK_ROWS = 1024  # source rows per streamed block: memory does not grow with the file
_WIDTH = int(RATE_HZ_SRC // (1000 // DT_MS))  # boxcar over 2 samples (~one 100 Hz period at 204.8 Hz)


def import_file(path: Path) -> list:
    """Import one gaitmap IMU file -> [left Trace, right Trace] at 100 Hz.

    The same as ``import_to`` (which streams to files), read back as Traces.
    """
    import tempfile

    from .. import trace as trace_mod

    with tempfile.TemporaryDirectory() as tmp:
        return [trace_mod.read(p) for p in import_to(path, tmp)]


def import_to(path: Path, outdir) -> list:
    """Import one gaitmap IMU file, streamed, into ``outdir`` -> [left trace path, right trace path].

    Memory is bounded by a block of BLOCK_ROWS source rows, not by the file.
    A first pass (``_Scan``) checks every row and the index and sums each
    foot's still samples for its gravity direction; a second rotates,
    filters and resamples block by block (``common.resample_stream``, the
    same arithmetic per sample as on the whole file) and writes both feet
    through trace.TraceStream. Raises ImportProblem naming file:line [field]
    for a bad header, a bad cell, irregular timing, a bad stride file, a
    missing column or no still samples to find gravity (in that order, left
    foot before right); nothing is left in ``outdir`` then.
    """
    from .. import trace as trace_mod

    path = Path(path)
    scan = _Scan(path)
    segments = _segments(path)
    feet = []
    for foot, sensor in FEET.items():
        cols = _columns(path, scan.header, sensor)
        count, total = scan.still[foot]
        if count < 10:
            raise ImportProblem(path, "%s foot: fewer than 10 still samples to find gravity" % foot, field="gyr")
        feet.append((foot, cols, gravity_alignment((total / count).reshape(1, 3))))
    # (The resampled trace spans >= 8 source periods here: >= 10 still rows at 204.8 Hz.)
    shift = boxcar(scan.times(scan.first), np.zeros((2, 1)), _WIDTH)[0][0]  # trace time 0 is this source time
    streams, done = [], []
    repairs = [Repairs() for _ in feet]
    try:
        for foot, _, _ in feet:
            streams.append(trace_mod.TraceStream(Path(outdir) / ("%s_%s.trace.csv" % (path.stem, foot)), imu=True))
        t_ms = None
        for t_ms, v in resample_stream(_converted(path, scan, feet), _WIDTH):
            for i, st in enumerate(streams):
                st.add(t_ms, imu=imu_to_int(v[:, 6 * i:6 * i + 3] * G_MG, v[:, 6 * i + 3:6 * i + 6] * 10.0, repairs[i]))
        for st, rep, (foot, _, rot) in zip(streams, repairs, feet):
            tilt = float(np.degrees(np.arccos(np.clip(rot[2, 2], -1, 1))))
            meta = base_meta(
                DATASET, path, name="%s_%s" % (path.stem, foot), citation=CITATION, subject="MaD-healthy",
                activity=ACTIVITY.get(path.stem, "walking"), kind="adl", placement="shoe (instep)", foot=foot,
                axes=AXES_TEXT % tilt, notes=_notes(path, segments.get(foot, [])),
            )
            meta["labels"]["segments"] = [_shift(s, shift, int(t_ms[-1])) for s in segments.get(foot, [])]
            meta["repairs"] = rep.as_list()
            done.append(st.finish(meta))
        return done
    except BaseException:
        for st in streams:
            st.abort()
        for p in done:  # a failure on the right foot removes the left trace too
            p.unlink()
        raise


def _converted(path, scan, feet):
    """Yield (t_src ms (M,), values (M, 12)) per block: each foot's acc [g] and gyro [dps], levelled."""
    for _, block in _blocks(path):
        parts = []
        for _, cols, rot in feet:
            acc_g, gyro = _six(block, cols)
            parts += [acc_g @ rot.T, gyro @ rot.T]
        yield scan.times(block[:, 0]), np.hstack(parts)


def _six(block, cols):
    """(acc [g] (M, 3), gyro [dps] (M, 3)) of one foot from a block of rows (M, 1 + C)."""
    six = block[:, 1:][:, cols]
    return six[:, :3] / MS2_PER_G, six[:, 3:]


def _blocks(path: Path):
    """Yield (header [(sensor, axis)] per data column, rows float64 (M, 1 + C), index first), M <= BLOCK_ROWS."""
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
        names = ["index"] + ["%s.%s" % h for h in header]
        rows, seen = [], False
        for row in reader:
            row = _header_row(row)
            if not row or not "".join(row).strip():
                continue
            if not seen and _is_label(row[0]) and not "".join(row[1:]).strip():
                continue  # pandas writes the index name on a third header row ("samples,,,,")
            seen = True
            if len(row) != len(sensors):
                raise ImportProblem(path, "%d cells, expected %d" % (len(row), len(sensors)), line=reader.line_num)
            rows.append([parse_number(c, path, reader.line_num, name) for c, name in zip(row, names)])
            if len(rows) == BLOCK_ROWS:
                yield header, np.array(rows, dtype=np.float64)
                rows = []
        if rows or not seen:
            yield header, np.array(rows, dtype=np.float64).reshape(len(rows), len(sensors))


class _Scan:
    """First pass over a gaitmap file: header, row count, index kind, still-sample sums per foot.

    The index is sample numbers if every step is 1, else seconds if every
    step is 1/204.8 s (np.allclose, as on the whole file), else ImportProblem
    naming the first step unlike the first one. ``still[foot]`` = (count, sum
    of acc [g] (3,)) of the samples with |gyro| < STILL_DPS, summed in file
    order (the same sum as numpy's mean over the whole file).
    """

    def __init__(self, path):
        self.path = path
        self.header = None
        self.rows = 0
        self.first = None                 # first two index values
        self.last = None                  # last index value
        self.samples = self.seconds = True
        self.unlike = None                # step number of the first step unlike the first
        self.still = {}
        for header, block in _blocks(path):
            if self.header is None:
                self.header = header
                cols = {}
                for foot, sensor in FEET.items():
                    try:
                        cols[foot] = _columns(path, header, sensor)
                    except ImportProblem:
                        pass  # reported after the rows, as on the whole file
                self.still = {foot: (0, np.zeros(3)) for foot in FEET}
            self._index(block[:, 0])
            for foot, c in cols.items():
                acc_g, gyro = _six(block, c)
                still = np.linalg.norm(gyro, axis=1) < STILL_DPS
                count, total = self.still[foot]
                self.still[foot] = (count + int(still.sum()), np.vstack((total, acc_g[still])).cumsum(axis=0)[-1])
        if self.rows < 4:
            raise ImportProblem(path, "fewer than 4 data rows")
        if not (self.samples or self.seconds):
            raise ImportProblem(path, "index is neither sample numbers nor seconds at %g Hz" % RATE_HZ_SRC,
                                line=(self.unlike or 0) + 1 + 3, field="index")

    def _index(self, index):
        if not len(index):
            return
        n_before = self.rows
        self.rows += len(index)
        if self.first is None:
            self.first = index[:2].copy()
        elif len(self.first) < 2:
            self.first = np.concatenate((self.first, index[:1]))
        step = np.diff(index if self.last is None else np.concatenate(([self.last], index)))
        self.last = index[-1]
        if not step.size:
            return
        self.samples = self.samples and np.allclose(step, 1.0)
        self.seconds = self.seconds and np.allclose(step, 1.0 / RATE_HZ_SRC, rtol=1e-6)
        if self.unlike is None:
            first_step = self.first[1] - self.first[0]
            unlike = ~np.isclose(step, first_step)
            if unlike.any():
                self.unlike = max(0, n_before - 1) + int(np.argmax(unlike))

    def times(self, index):
        """Source times in ms of index values (sample numbers or seconds at 204.8 Hz)."""
        if self.samples:
            return (index - self.first[0]) * 1000.0 / RATE_HZ_SRC
        return (index - self.first[0]) * 1000.0


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


def _columns(path: Path, header, sensor: str) -> list:
    """Data column numbers of acc_x..gyr_z for ``sensor``; ImportProblem if missing."""
    cols = []
    for axis in AXES6:
        try:
            cols.append(header.index((sensor, axis)))
        except ValueError:
            raise ImportProblem(path, "no column %s %s" % (sensor, axis), line=2, field="%s.%s" % (sensor, axis)) from None
    return cols


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
