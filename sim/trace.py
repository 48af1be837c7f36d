"""The soleguard trace format: one insole's samples plus metadata and labels.

A trace file (``*.trace.csv``) is a CSV file preceded by comment lines:

    # soleguard-trace 1
    # {                                  <- the metadata, a JSON object,
    #  "dataset": "UMAFall",                one '# ' prefixed line each
    #  ...
    # }
    t_ms,ax_mg,ay_mg,az_mg,gx_ddps,gy_ddps,gz_ddps,load_heel_n,...
    0,12,-40,998,3,-1,0,310,...

Columns: ``t_ms`` (0, 10, 20 ... at 100 Hz), then the IMU columns if the
source has an IMU (acceleration in mg, angular rate in 0.1 dps, insole axes:
x toward the toes, y toward the wearer's left, z up out of the sole), then one
``load_<zone>_n`` column per pressure zone (N). All cells are integers; the
core's frame takes them as they are (see firmware/soleguard/core/frame.py).
Dropping the comment lines leaves a plain CSV file.

Metadata keys (see docs/TRACE_FORMAT.md for the full description):
  dataset, source_file, source_sha256, citation, subject, activity, kind
  ('fall' | 'adl'), placement, foot ('left' | 'right' | 'unknown'), rate_hz,
  units, axes (how the source axes map onto insole axes), zones (list of
  {name, x_mm, y_mm}), labels {falls, segments, sos}, repairs, notes.

Errors: ``read`` raises TraceError naming the file, line and field.
"""
from __future__ import annotations

import copy
import csv
import io
import shlex
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = "# soleguard-trace 1"
RATE_HZ = 100
DT_MS = 1000 // RATE_HZ
IMU_COLUMNS = ("ax_mg", "ay_mg", "az_mg", "gx_ddps", "gy_ddps", "gz_ddps")
UNITS = {"t": "ms", "acc": "mg", "gyro": "0.1 dps", "load": "N"}
# Frame limits (firmware/soleguard/core/frame.py): int16, IMU full scale.
ACC_LIMIT_MG = 16000
GYRO_LIMIT_DDPS = 20000
LOAD_LIMIT_N = 5000
REQUIRED_META = (
    "dataset", "source_file", "subject", "activity", "kind", "placement",
    "foot", "rate_hz", "axes", "zones", "labels",
)
KINDS = ("fall", "adl")
FEET = ("left", "right", "unknown")


class TraceError(ValueError):
    """A trace that cannot be read or written: names the file, line and field."""

    def __init__(self, path, message, line=None, field=None):
        where = str(path)
        if line is not None:
            where += ":%d" % line
        if field:
            where += " [%s]" % field
        super().__init__("%s: %s" % (where, message))
        self.path = str(path)
        self.line = line
        self.field = field


@dataclass
class Trace:
    """One insole's samples at RATE_HZ.

    meta: metadata dict (REQUIRED_META keys at least).
    t_ms: int64 array (N,), 0, 10, 20, ...
    imu: int16 array (N, 6) in IMU_COLUMNS order, or None without an IMU.
    loads: int16 array (N, Z) in N, Z = len(meta['zones']), or None.
    """

    meta: dict
    t_ms: np.ndarray
    imu: np.ndarray | None = None
    loads: np.ndarray | None = None
    path: str | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return self.meta.get("name") or Path(self.path or "trace").name.replace(".trace.csv", "")

    @property
    def duration_ms(self) -> int:
        return int(self.t_ms[-1] - self.t_ms[0] + DT_MS) if len(self.t_ms) else 0

    @property
    def zones(self) -> list:
        return self.meta.get("zones") or []

    @property
    def labels(self) -> dict:
        return self.meta.get("labels") or {}

    def columns(self) -> list:
        cols = ["t_ms"]
        if self.imu is not None:
            cols += IMU_COLUMNS
        cols += ["load_%s_n" % z["name"] for z in self.zones]
        return cols

    def validate(self, where="trace", first_line=None):
        """Check shapes, ranges and metadata; raise TraceError on the first problem.

        first_line: the file line of sample 0, so errors name file lines;
        without it they name sample indices.
        """
        off = 0 if first_line is None else first_line
        _check_meta(where, self.meta)
        if self.meta["kind"] not in KINDS:
            raise TraceError(where, "kind must be one of %s" % (KINDS,), field="kind")
        if self.meta["foot"] not in FEET:
            raise TraceError(where, "foot must be one of %s" % (FEET,), field="foot")
        if self.meta["rate_hz"] != RATE_HZ:
            raise TraceError(where, "rate_hz must be %d" % RATE_HZ, field="rate_hz")
        n = len(self.t_ms)
        if n < 2:
            raise TraceError(where, "a trace needs at least 2 samples")
        if self.imu is None and not self.zones:
            raise TraceError(where, "a trace needs IMU columns or load zones")
        steps = np.diff(self.t_ms)
        if steps.min() != DT_MS or steps.max() != DT_MS:
            bad = int(np.argmax(steps != DT_MS))
            raise TraceError(where, "t_ms must step by %d ms: %d follows %d" % (DT_MS, self.t_ms[bad + 1], self.t_ms[bad]),
                             line=bad + 1 + off, field="t_ms")
        if self.imu is not None:
            if self.imu.shape != (n, 6):
                raise TraceError(where, "imu must have shape (%d, 6)" % n, field="imu")
            _check_range(where, self.imu[:, :3], ACC_LIMIT_MG, IMU_COLUMNS[:3], off)
            _check_range(where, self.imu[:, 3:], GYRO_LIMIT_DDPS, IMU_COLUMNS[3:], off)
        if self.zones:
            if len(self.zones) > 8:
                raise TraceError(where, "at most 8 zones", field="zones")
            if self.loads is None or self.loads.shape != (n, len(self.zones)):
                raise TraceError(where, "loads must have shape (%d, %d)" % (n, len(self.zones)), field="loads")
            names = ["load_%s_n" % z["name"] for z in self.zones]
            _check_range(where, self.loads, LOAD_LIMIT_N, names, off, lo=0)
        _check_label_times(where, self.meta["labels"], int(self.t_ms[0]), int(self.t_ms[-1]) + DT_MS)


# Metadata types that the replay, scoring and plots rely on (docs/TRACE_FORMAT.md).
TEXT_META = ("dataset", "source_file", "subject", "activity", "placement", "axes")
LABEL_KEYS = {  # label list -> {key: (type, required)}
    "falls": {"impact_ms": (int, True), "start_ms": (int, True), "end_ms": (int, True), "impact_derived": (bool, True)},
    "segments": {"start_ms": (int, True), "end_ms": (int, True)},
    "sos": {"strikes_ms": (list, True)},
    "man_down": {"start_ms": (int, True), "end_ms": (int, True)},
}
# other label keys a trace may carry: IPOL's footsteps ([start_ms, end_ms] pairs) and a look-alike
# generator's description (sim/lookalikes.py); any other key is refused (a misspelt "falls" would
# silently turn a fall trace's alarm into a false one)
EXTRA_LABELS = ("steps", "lookalike")


def _is(value, typ) -> bool:
    """isinstance without bool counting as int (JSON true is not a time)."""
    return isinstance(value, typ) and not (typ is int and isinstance(value, bool))


def _check_meta(where, meta):
    """Raise TraceError naming the metadata field that is missing or of the wrong type or shape."""
    missing = [key for key in REQUIRED_META if key not in meta]
    if missing:  # every missing key at once: a hand-made trace is fixed in one go
        raise TraceError(where, "metadata lacks %s" % ", ".join(repr(k) for k in missing), field=missing[0])
    for key in TEXT_META + ("kind", "foot"):
        if not isinstance(meta[key], str):
            raise TraceError(where, "must be text, got %s" % json.dumps(meta[key]), field=key)
    if "name" in meta and (not isinstance(meta["name"], str) or not meta["name"]):
        raise TraceError(where, "must be non-empty text", field="name")
    zones = meta["zones"]
    if not isinstance(zones, list):
        raise TraceError(where, "must be a list of {name, x_mm, y_mm}", field="zones")
    names = set()
    for i, z in enumerate(zones):
        f = "zones[%d]" % i
        if not isinstance(z, dict):
            raise TraceError(where, "must be an object {name, x_mm, y_mm}", field=f)
        if not isinstance(z.get("name"), str) or not z["name"]:
            raise TraceError(where, "lacks a non-empty text 'name'", field=f)
        if z["name"] in names:
            raise TraceError(where, "zone name %r repeated" % z["name"], field=f)
        names.add(z["name"])
        for key in ("x_mm", "y_mm"):
            if not _is(z.get(key), int):
                raise TraceError(where, "%s must be an integer (mm), got %s" % (key, json.dumps(z.get(key))),
                                 field=f + "." + key)
    labels = meta["labels"]
    if not isinstance(labels, dict):
        raise TraceError(where, "must be an object {falls, segments, sos}", field="labels")
    unknown = [k for k in labels if k not in LABEL_KEYS and k not in EXTRA_LABELS]
    if unknown:
        raise TraceError(where, "unknown label %r (known: %s)" % (unknown[0], ", ".join(tuple(LABEL_KEYS) + EXTRA_LABELS)),
                         field="labels." + unknown[0])
    steps = labels.get("steps", [])
    if not isinstance(steps, list) or not all(isinstance(s, list) and len(s) == 2 and all(_is(t, int) for t in s)
                                              for s in steps):
        raise TraceError(where, "must be a list of [start_ms, end_ms] integer pairs", field="labels.steps")
    for kind, keys in LABEL_KEYS.items():
        entries = labels.get(kind, [])
        if not isinstance(entries, list):
            raise TraceError(where, "must be a list", field="labels.%s" % kind)
        for i, entry in enumerate(entries):
            f = "labels.%s[%d]" % (kind, i)
            if not isinstance(entry, dict):
                raise TraceError(where, "must be an object", field=f)
            lacking = [key for key, (typ, required) in keys.items() if required and key not in entry]
            if lacking:
                raise TraceError(where, "%s label lacks %s" % (kind, ", ".join(repr(k) for k in lacking)), field=f)
            for key, (typ, required) in keys.items():
                if key in entry and not _is(entry[key], typ):
                    raise TraceError(where, "%s must be %s, got %s" % (key, typ.__name__, json.dumps(entry[key])),
                                     field=f + "." + key)
            if kind == "sos" and (not entry["strikes_ms"] or not all(_is(t, int) for t in entry["strikes_ms"])):
                raise TraceError(where, "strikes_ms must be a non-empty list of integers (ms)", field=f + ".strikes_ms")


def crop_labels(labels: dict, from_ms: int, to_ms: int) -> dict:
    """A trace's labels for its samples from ``from_ms`` to ``to_ms`` (ms, its own time base; to_ms one
    step past the last sample kept), moved onto a crop whose t_ms start at 0 at from_ms.

    falls: kept when the impact is inside (start/end clipped to the crop); segments, man-down windows
    and IPOL's steps ([start, end] pairs): clipped, kept when something is left; an SOS: kept when all its strikes
    are inside. Other keys (a generator's own) are copied unchanged. Every crop of a recording goes
    through here, so no label is left on the source's time base (trace.read refuses those).
    """
    out = copy.deepcopy({k: v for k, v in labels.items() if k not in ("falls", "segments", "sos", "steps", "man_down")})

    def clip(t):
        return min(max(t, from_ms), to_ms) - from_ms

    out["falls"] = [dict(f, impact_ms=f["impact_ms"] - from_ms, start_ms=clip(f["start_ms"]), end_ms=clip(f["end_ms"]))
                    for f in labels.get("falls", []) if from_ms <= f["impact_ms"] <= to_ms]
    out["segments"] = [dict(copy.deepcopy(g), start_ms=clip(g["start_ms"]), end_ms=clip(g["end_ms"]))
                       for g in labels.get("segments", []) if min(g["end_ms"], to_ms) > max(g["start_ms"], from_ms)]
    out["sos"] = [{**copy.deepcopy(g), "strikes_ms": [t - from_ms for t in g["strikes_ms"]]}
                  for g in labels.get("sos", []) if all(from_ms <= t <= to_ms for t in g["strikes_ms"])]
    if "man_down" in labels:
        out["man_down"] = [dict(w, start_ms=clip(w["start_ms"]), end_ms=clip(w["end_ms"]))
                           for w in labels["man_down"] if min(w["end_ms"], to_ms) > max(w["start_ms"], from_ms)]
    if "steps" in labels:
        out["steps"] = [[clip(a), clip(b)] for a, b in labels["steps"] if min(b, to_ms) > max(a, from_ms)]
    return out


def _check_label_times(where, labels, first_ms, end_ms):
    """Raise TraceError naming the first label time outside the samples, first_ms..end_ms (ms, end_ms
    one step past the last sample), or a fall whose start..impact..end, a segment whose start..end, or an
    SOS whose strikes are out of order. A trace cut at a row boundary (an incomplete copy) reads as a
    whole file; its labels past the end are how it shows, and a score would count their falls as missed."""
    for kind, keys in (("falls", ("start_ms", "impact_ms", "end_ms")), ("segments", ("start_ms", "end_ms")),
                       ("man_down", ("start_ms", "end_ms"))):
        for i, entry in enumerate(labels.get(kind, [])):
            f = "labels.%s[%d]" % (kind, i)
            for key in keys:
                _check_label_time(where, entry[key], first_ms, end_ms, f + "." + key)
            times = [entry[key] for key in keys]
            if times != sorted(times):
                raise TraceError(where, "%s out of order: %s" % (
                    " <= ".join(keys), ", ".join("%s %d" % kt for kt in zip(keys, times))), field=f)
    for i, entry in enumerate(labels.get("sos", [])):
        f = "labels.sos[%d].strikes_ms" % i
        for t in entry["strikes_ms"]:
            _check_label_time(where, t, first_ms, end_ms, f)
        s = entry["strikes_ms"]
        if any(b <= a for a, b in zip(s, s[1:])):
            raise TraceError(where, "strikes not in increasing time order: %s" % s, field=f)
    for i, (a, b) in enumerate(labels.get("steps", [])):
        for t in (a, b):
            _check_label_time(where, t, first_ms, end_ms, "labels.steps[%d]" % i)
        if b < a:
            raise TraceError(where, "step ends before it starts: [%d, %d]" % (a, b), field="labels.steps[%d]" % i)


def _check_label_time(where, t, first_ms, end_ms, field):
    if t > end_ms:
        raise TraceError(where, "%d ms is past the end of the samples (%d ms): the file looks cut short "
                         "(incomplete copy?) or the label belongs to another recording" % (t, end_ms), field=field)
    if t < first_ms:
        raise TraceError(where, "%d ms is before the first sample (%d ms)" % (t, first_ms), field=field)


def _check_range(where, arr, limit, names, off, lo=None):
    low = -limit if lo is None else lo
    bad = (arr < low) | (arr > limit)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise TraceError(
            where, "value %d outside %d..%d" % (arr[row, col], low, limit),
            line=int(row) + off, field=names[col],
        )


def temp_file(folder, suffix):
    """(fd, path) of a new temporary file in ``folder`` for an atomic write, with the
    permissions of an ordinary new file (0666 less the user's umask), not mkstemp's 0600."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    mask = os.umask(0)
    os.umask(mask)
    os.fchmod(fd, 0o666 & ~mask)
    return fd, tmp


def write(trace: Trace, path) -> Path:
    """Validate and write ``trace`` to ``path`` atomically (temp file + rename).

    A failure leaves no file (and no half-written one) at ``path``.
    """
    path = Path(path)
    trace.validate(path)
    cols = trace.columns()
    parts = [trace.t_ms.reshape(-1, 1).astype(np.int64)]
    if trace.imu is not None:
        parts.append(trace.imu.astype(np.int64))
    if trace.zones:
        parts.append(trace.loads.astype(np.int64))
    data = np.hstack(parts)
    meta = dict(trace.meta)
    meta["columns"] = cols
    meta["units"] = UNITS
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = temp_file(path.parent, ".trace.csv")
    except OSError as e:
        raise TraceError(path, "cannot write: %s" % (e.strerror or e)) from None
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(MAGIC + "\n")
            for line in json.dumps(meta, indent=1, sort_keys=True).splitlines():
                f.write("# " + line + "\n")
            w = csv.writer(f, lineterminator="\n")
            w.writerow(cols)
            w.writerows(data.tolist())
        os.replace(tmp, path)
    except BaseException as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(e, OSError):  # e.g. disk full, or path is a folder
            raise TraceError(path, "cannot write: %s" % (e.strerror or e)) from None
        raise
    return path


class TraceStream:
    """Write one trace block by block; memory holds one block, never the whole trace.

    ``add`` checks each block (10 ms steps continuing the previous block,
    int16 ranges as ``Trace.validate``) and appends its rows to a temporary
    data file; ``finish(meta)`` checks the metadata (known only at the end:
    repairs, labels) and writes header + rows to ``path`` atomically (temp
    file + rename), copying the rows in 64 KiB chunks. ``abort`` (or an
    error) leaves no file at ``path``. Raises TraceError like ``write``.
    """

    def __init__(self, path, imu: bool, zones: int = 0):
        self.path = Path(path)
        self.imu = imu
        self.zones = zones
        self.samples = 0
        self._first_t = self._last_t = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, self._rows_tmp = temp_file(self.path.parent, ".rows")
        except OSError as e:
            raise TraceError(self.path, "cannot write: %s" % (e.strerror or e)) from None
        self._rows = os.fdopen(fd, "w", newline="")
        self._csv = csv.writer(self._rows, lineterminator="\n")

    def add(self, t_ms, imu=None, loads=None):
        """Append samples: t_ms (M,), imu int16 (M, 6) if the trace has an IMU, loads (M, zones) if zones."""
        t = np.asarray(t_ms, dtype=np.int64)
        if not len(t):
            return
        steps = np.diff(t if self._last_t is None else np.concatenate(([self._last_t], t)))
        if steps.size and (steps.min() != DT_MS or steps.max() != DT_MS):
            raise TraceError(self.path, "t_ms must step by %d ms" % DT_MS, line=self.samples + 1, field="t_ms")
        parts = [t.reshape(-1, 1)]
        if self.imu:
            _check_range(self.path, imu[:, :3], ACC_LIMIT_MG, IMU_COLUMNS[:3], self.samples)
            _check_range(self.path, imu[:, 3:], GYRO_LIMIT_DDPS, IMU_COLUMNS[3:], self.samples)
            parts.append(np.asarray(imu, dtype=np.int64))
        if self.zones:
            _check_range(self.path, loads, LOAD_LIMIT_N, ["zone %d" % i for i in range(self.zones)], self.samples, lo=0)
            parts.append(np.asarray(loads, dtype=np.int64))
        self._csv.writerows(np.hstack(parts).tolist())
        self.samples += len(t)
        self._first_t = int(t[0]) if self._first_t is None else self._first_t
        self._last_t = int(t[-1])

    def finish(self, meta: dict) -> Path:
        """Check ``meta`` and write the trace file; returns its path."""
        try:
            self._rows.close()
            if self.samples < 2:
                raise TraceError(self.path, "a trace needs at least 2 samples")
            _check_meta(self.path, meta)
            if len(meta["zones"]) != self.zones or meta["rate_hz"] != RATE_HZ:
                raise TraceError(self.path, "metadata zones/rate do not match the samples", field="zones")
            _check_label_times(self.path, meta["labels"], self._first_t, self._last_t + DT_MS)
            stub = Trace(meta=meta, t_ms=np.zeros(0, dtype=np.int64), imu=np.zeros((0, 6)) if self.imu else None)
            full = dict(meta, columns=stub.columns(), units=UNITS)
            fd, tmp = temp_file(self.path.parent, ".trace.csv")
            try:
                with os.fdopen(fd, "w", newline="") as f, open(self._rows_tmp, newline="") as rows:
                    f.write(MAGIC + "\n")
                    for line in json.dumps(full, indent=1, sort_keys=True).splitlines():
                        f.write("# " + line + "\n")
                    f.write(",".join(full["columns"]) + "\n")
                    for chunk in iter(lambda: rows.read(1 << 16), ""):
                        f.write(chunk)
                os.replace(tmp, self.path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        except OSError as e:
            raise TraceError(self.path, "cannot write: %s" % (e.strerror or e)) from None
        finally:
            self.abort()
        return self.path

    def abort(self):
        """Drop the rows written so far (idempotent)."""
        if not self._rows.closed:
            self._rows.close()
        if os.path.exists(self._rows_tmp):
            os.unlink(self._rows_tmp)


def read(path) -> Trace:
    """Read and validate a trace file; raise TraceError naming file/line/field."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise TraceError(path, "cannot open: %s" % e.strerror) from None
    if not raw.strip():
        raise TraceError(path, "empty file, not a soleguard trace", line=1)
    try:  # a UTF-8 BOM (spreadsheet "CSV UTF-8" exports) is dropped
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise TraceError(path, "not UTF-8 text (byte 0x%02x): not a soleguard trace" % raw[e.start],
                         line=raw.count(b"\n", 0, e.start) + 1) from None
    with io.StringIO(text, newline="") as f:  # CRLF line ends (Windows tools) are accepted
        first = f.readline().rstrip()
        if first != MAGIC and first.startswith(MAGIC.rsplit(" ", 1)[0] + " "):
            raise TraceError(path, "trace format %r is not supported: this soleguard reads %r (a newer or older "
                             "soleguard wrote it)" % (first, MAGIC), line=1)
        if first != MAGIC:
            raise TraceError(path, "not a soleguard trace (first line must be %r); a raw recording of a public "
                             "set is converted first: soleguard import KIND %s -o OUTDIR (soleguard import --help "
                             "lists the kinds)" % (MAGIC, shlex.quote(str(path))), line=1)
        if not raw.rstrip(b" \t").endswith((b"\n", b"\r")):  # as the importers: the writer ends every row
            raise TraceError(path, "last line does not end with a newline: the file looks cut mid-row "
                             "(incomplete copy?)", line=raw.count(b"\n") + 1)
        lineno = 1
        meta_lines = []
        pos = f.tell()
        line = f.readline()
        while line.startswith("#"):
            lineno += 1
            meta_lines.append(line[1:].strip())
            pos = f.tell()
            line = f.readline()
        f.seek(pos)
        try:
            meta = json.loads("\n".join(meta_lines))
        except json.JSONDecodeError as e:
            raise TraceError(path, "metadata is not valid JSON: %s" % e.msg, line=2 + e.lineno - 1) from None
        if not isinstance(meta, dict):
            raise TraceError(path, "metadata must be a JSON object", line=2)
        _check_meta(path, meta)  # before the zones name the columns
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise TraceError(path, "no column header", line=lineno + 1) from None
        lineno += 1
        zone_cols = ["load_%s_n" % z["name"] for z in meta.get("zones") or []]
        has_imu = list(header[1:7]) == list(IMU_COLUMNS)
        some_imu = [c for c in IMU_COLUMNS if c in header]
        if some_imu and not has_imu:
            lacking = [c for c in IMU_COLUMNS if c not in header]
            raise TraceError(path, "IMU columns incomplete: %s missing (the IMU needs all of %s, in that order, "
                             "after t_ms)" % (", ".join(lacking) or "none, but out of order", ", ".join(IMU_COLUMNS)),
                             line=lineno, field="header")
        expected = ["t_ms"] + (list(IMU_COLUMNS) if has_imu else []) + zone_cols
        if header != expected:
            i = next((k for k, (a, b) in enumerate(zip(header, expected)) if a != b), min(len(header), len(expected)))
            got = repr(header[i]) if i < len(header) else "nothing"
            want = ("%r (from zones/IMU)" % expected[i]) if i < len(expected) else "no more columns"
            raise TraceError(path, "column %d is %s, expected %s" % (i + 1, got, want), line=lineno, field="header")
        rows = []
        row0 = lineno + 1  # file line of sample 0
        blank = None
        for row in reader:
            lineno += 1
            if not row:  # blank lines are allowed at the end only
                blank = blank or lineno
                continue
            if blank:
                raise TraceError(path, "blank line inside the samples", line=blank)
            if len(row) != len(header):
                raise TraceError(path, "%d cells, expected %d" % (len(row), len(header)), line=lineno)
            try:
                rows.append([int(c) for c in row])
            except ValueError:
                for c, name in zip(row, header):
                    try:
                        int(c)
                    except ValueError:
                        raise TraceError(path, "not an integer: %r" % c, line=lineno, field=name) from None
    try:
        data = np.array(rows, dtype=np.int64).reshape(-1, len(header))
    except OverflowError:  # beyond int64: name the first such cell (ranges are checked below)
        r, c = next((r, c) for r, row in enumerate(rows) for c, v in enumerate(row) if abs(v) >= 2 ** 63)
        raise TraceError(path, "value %d out of range" % rows[r][c], line=row0 + r,
                         field=header[c]) from None
    imu = data[:, 1:7] if has_imu else None
    k = 7 if has_imu else 1
    loads = data[:, k:] if zone_cols else None
    trace = Trace(meta=meta, t_ms=data[:, 0], imu=imu, loads=loads, path=str(path))
    trace.validate(path, first_line=row0)
    if imu is not None:  # in range now, so int16 is lossless
        trace.imu = imu.astype(np.int16)
    if loads is not None:
        trace.loads = loads.astype(np.int16)
    return trace


def find(paths) -> list:
    """Expand files and folders into a list of ``*.trace.csv`` paths (each folder's sorted), in the order
    given. A file named twice, directly or inside a folder also given, is listed once (its first place),
    so no recording is counted twice. Raises TraceError for a path that does not exist."""
    out = []
    seen = set()
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(p.rglob("*.trace.csv"))
        elif p.exists():
            found = [p]
        else:
            raise TraceError(p, "no such file or folder")
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out
