"""IPOL healthy-gait recordings (Xsens MTw on each foot) -> one trace per foot file.

Source (Voisard et al., IPOL 2023, ipol.im/pub/art/2023/497; repository
CyrilVoisard/ipol_dataset_1, AGPL-3.0): ``<n>-<k>_rf.txt`` / ``_lf.txt``,
line 1 ``Acquisition frequency: 100 Hz``, line 2 a tab header
(PacketCounter, Acc_X/Y/Z [m/s^2], Gyr_X/Y/Z [rad/s], Mag_X/Y/Z), then one
row per received packet; ``<n>-<k>.json`` beside them holds the protocol
phases and footsteps as *PacketCounter* values (sample indices).

Time base: PacketCounter * 10 ms. Lost packets (counter jumps, up to 11 in a
row in these files) are interpolated when the hole is <= MAX_GAP_MS.

Axes (determined from the data, all 14 files): the sensor sits on the
dorsum with X toward the heel/ankle, Y toward the wearer's right and Z out
of the dorsum, on both feet: standing gravity is on +Z with a +X component
(the dorsum rises toward the ankle, ~30 deg); the pitch rate Gyr_Y is
strongly negative just before toe-off (plantarflexion) and positive in
mid-swing, the opposite of insole +y. Mapping: x = -X, y = -Y, z = Z (a
rotation, so acc and rate map alike); then the dorsum tilt is removed by the
smallest rotation that puts the mean standing gravity (before the trial) on
+z ("levelling"), so standing reads about (0, 0, 1000) mg as an insole would.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

from ..trace import ACC_LIMIT_MG, DT_MS, GYRO_LIMIT_DDPS
from .common import (DEG_PER_RAD, G_MG, MAX_GAP_MS, MS2_PER_G, ImportProblem, Repairs, base_meta, parse_number,
                     to_int)

SOURCE_GLOB = "*_[lr]f.txt"
DATASET = "IPOL"
CITATION = (
    "Voisard, Vienne-Jumeau, Moreau, Ricard, Oudre et al., 'Automatic gait events detection with inertial "
    "measurement units: healthy subjects and moderate to severe impaired patients', IPOL 2023 "
    "(ipol.im/pub/art/2023/497); data github.com/CyrilVoisard/ipol_dataset_1, AGPL-3.0"
)
IMU_COLUMNS = ("Acc_X", "Acc_Y", "Acc_Z", "Gyr_X", "Gyr_Y", "Gyr_Z")
SENSOR_TO_INSOLE = np.diag([-1.0, -1.0, 1.0])  # insole = M @ sensor (x=-X, y=-Y, z=Z)
MIN_STANDING_MS = 500        # standing before the trial needed to level the sensor
STANDING_G_RANGE = (0.8, 1.2)  # |mean acc| while standing, g
_FREQ = re.compile(r"^Acquisition frequency:\s*([0-9.]+)\s*Hz\s*$")
AXES = (
    "Xsens MTw on the dorsum: sensor X toward the heel/ankle, Y toward the wearer's right, Z out of "
    "the dorsum (same on both feet). Insole x = -X, y = -Y, z = Z for acceleration and rate, then a "
    "per-file levelling rotation (smallest rotation putting the mean standing gravity before the trial "
    "on +z; angle in meta 'levelling_deg'). Determined from the data: standing gravity on +Z with +X "
    "(dorsum rising toward the ankle); Gyr_Y negative before toe-off and positive in mid-swing on both "
    "feet, the opposite of the insole pitch rate (plantarflexion positive about +y)."
)


BLOCK_ROWS = 1000  # source rows per streamed block: memory does not grow with the file


def import_file(path: Path) -> list:
    """Import one ``<n>-<k>_rf.txt`` / ``_lf.txt`` with its JSON: [Trace] at 100 Hz.

    imu: int16 (N, 6) mg / 0.1 dps in (levelled) insole axes; no load zones.
    labels.segments: standing / walking / u_turn / walking / standing (ms);
    labels.steps: this foot's footsteps [[start_ms, end_ms], ...] (toe-off to
    heel strike, i.e. swing phases, as the JSON gives them).
    Raises ImportProblem naming the file (txt or JSON), line and field for a
    bad header, row, packet counter, gap > MAX_GAP_MS, JSON field, or a
    standing period that is missing or not still. The same as ``import_to``
    (which streams to a file), read back as a Trace.
    """
    import tempfile

    from .. import trace as trace_mod

    with tempfile.TemporaryDirectory() as tmp:
        return [trace_mod.read(p) for p in import_to(path, tmp)]


def import_to(path: Path, outdir) -> list:
    """Import one foot file, streamed, into ``outdir`` -> [trace path] (see ``import_file``).

    Memory is bounded by a block of BLOCK_ROWS source rows, not by the file:
    a first pass checks every row and keeps counts, the first and last
    PacketCounter, the repairs and what ``common.resample`` checks on the
    time base; a second converts the standing samples before the trial for
    the levelling (their sum carried from block to block, in the order
    ``np.mean`` adds them); a third converts block by block (linear
    resampling, carrying the last source row into the next block: the same
    arithmetic per sample as on the whole file), levels and writes through
    trace.TraceStream, keeping only the pitch rates of the mid-swing samples
    for the mounting check. Nothing is left in ``outdir`` on an error.
    """
    from ..trace import TraceStream

    path = Path(path)
    foot = _foot(path)
    scan = _Scan(path)
    info = _read_json(path, scan.pc_first, scan.pc_last)
    n = scan.check_time(path)
    dt = 1000.0 / scan.rate
    to_ms = lambda idx: int(round((idx - scan.pc_first) * dt))  # noqa: E731 - PacketCounter -> trace ms
    rot, angle = _levelling(path, lambda: _converted(path, scan), to_ms(info["TrialBoundaries"][0]))
    labels = _labels(info, foot, to_ms, (n - 1) * DT_MS + DT_MS)
    meta = base_meta(
        DATASET, path, name=path.stem, citation=CITATION, subject="IPOL%02d" % int(info.get("Subject", 0) or 0),
        activity="walking", kind="adl", placement="foot", foot=foot, axes=AXES, labels=labels,
        repairs=scan.repairs.as_list(), levelling_deg=round(angle, 1), subject_info=_subject_info(info),
        notes="Protocol: stand, walk 10 m, U-turn, walk back, stand. Segments and steps from %s "
              "(PacketCounter indices -> ms). Steps are the JSON's footsteps of this foot (swing phases); "
              "a few lie after the trial end (foot shuffles while standing), so the final 'standing' "
              "segment ends at the first such step." % _json_path(path).name,
    )
    swing = _Swing(labels["steps"], n)
    st = TraceStream(Path(outdir) / (path.stem + ".trace.csv"), imu=True)
    try:
        for t_ms, acc, gyro in _converted(path, scan):
            acc, gyro = acc @ rot.T, gyro @ rot.T
            swing.add(int(t_ms[0]) // DT_MS, gyro)
            st.add(t_ms, imu=np.hstack([to_int(acc, ACC_LIMIT_MG), to_int(gyro, GYRO_LIMIT_DDPS)]))
        swing.check(path)
        return [st.finish(meta)]
    except BaseException:
        st.abort()
        raise


def _foot(path: Path) -> str:
    stem = path.stem
    if stem.endswith("_rf"):
        return "right"
    if stem.endswith("_lf"):
        return "left"
    raise ImportProblem(path, "file name must end in _rf or _lf")


def _json_path(path: Path) -> Path:
    return path.with_name(path.stem[:-3] + ".json")


def _blocks(path: Path, scan=None):
    """Yield (lines (B,), data (B, 7)) blocks of at most BLOCK_ROWS rows, in file order:
    PacketCounter and the six IMU columns in source units.

    Raises ImportProblem for a bad first line, missing columns, a row with the
    wrong number of cells or a non-finite number (the first in the file).
    Sets ``scan.rate`` (Hz) if given. Lines are split as ``str.splitlines``
    splits the whole text.
    """
    need = ("PacketCounter",) + IMU_COLUMNS
    header = idx = None
    rows, lines = [], []
    lineno = 0
    with open(path, newline="") as f:
        for raw in f:
            for line in raw.splitlines():
                lineno += 1
                if lineno == 1:
                    m = _FREQ.match(line.strip())
                    if not m or float(m.group(1)) <= 0:
                        raise ImportProblem(path, "first line must be 'Acquisition frequency: <f> Hz'", line=1)
                    if scan is not None:
                        scan.rate = float(m.group(1))
                    continue
                if lineno == 2:
                    header = [c.strip() for c in line.split("\t")]
                    for name in need:
                        if name not in header:
                            raise ImportProblem(path, "missing column %r" % name, line=2, field=name)
                    idx = [header.index(n) for n in need]
                    continue
                if not line.strip():
                    continue
                cells = line.split("\t")
                if len(cells) != len(header):
                    raise ImportProblem(path, "%d cells, expected %d" % (len(cells), len(header)), line=lineno)
                rows.append([_finite(cells[k], path, lineno, n) for k, n in zip(idx, need)])
                lines.append(lineno)
                if len(rows) == BLOCK_ROWS:
                    yield np.array(lines), np.array(rows)
                    rows, lines = [], []
    if lineno == 0:
        raise ImportProblem(path, "empty file", line=1)
    if lineno == 1:
        raise ImportProblem(path, "no column header", line=2)
    if rows:
        yield np.array(lines), np.array(rows)


def _finite(text, path, line, field) -> float:
    value = parse_number(text, path, line, field)
    if not math.isfinite(value):
        raise ImportProblem(path, "not a finite number: %r" % text, line=line, field=field)
    return value


class _Scan:
    """The first pass over a foot file (``_blocks``: every row checked).

    Kept: the rate, the first and last PacketCounter, the repairs (each
    counter jump: lost packets, interpolated by the resampling; each repeated
    counter: first row kept) and what ``common.resample`` checks on the time
    base t = (PacketCounter - first) x 1000 / rate ms: the first backward
    step and the longest step between distinct times. Raises ImportProblem
    for a bad row or fewer than 2 rows.
    """

    def __init__(self, path: Path):
        self.rate = None
        self.pc_first = self.pc_last = None
        self.repairs = Repairs()
        self.backwards = None    # line of the first row earlier than the one before it
        self.gap = (0.0, None)   # longest step between distinct times (ms), line after it
        rows, prev = 0, None     # prev: (PacketCounter, t, line) of the last row so far
        for lines, data in _blocks(path, self):
            pc = data[:, 0]
            if self.pc_first is None:
                self.pc_first = pc[0]
            t = (pc - self.pc_first) * (1000.0 / self.rate)
            rows += len(pc)
            if prev is not None:
                pc, t = np.concatenate(([prev[0]], pc)), np.concatenate(([prev[1]], t))
                lines = np.concatenate(([prev[2]], lines))
            step, d = np.diff(pc), np.diff(t)
            for i in np.flatnonzero(step > 1):
                self.repairs.add("packet_loss_interpolated", int(lines[i + 1]),
                                 "lost packets bridged by linear interpolation (hole <= 250 ms)")
            for i in np.flatnonzero(step == 0):
                self.repairs.add("duplicate_packet_dropped", int(lines[i + 1]), "repeated PacketCounter: first row kept")
            if self.backwards is None and (d < 0).any():
                self.backwards = int(lines[int(np.argmax(d < 0)) + 1])
            if d.size and d.max() > self.gap[0]:
                self.gap = (float(d.max()), int(lines[int(np.argmax(d)) + 1]))
            prev = (pc[-1], t[-1], lines[-1])
        if rows < 2:
            raise ImportProblem(path, "fewer than 2 data rows")
        self.pc_last, self.t_last = prev[0], prev[1]

    def check_time(self, path) -> int:
        """Raise ImportProblem where ``common.resample`` would; return the number of 100 Hz samples."""
        if self.backwards is not None:
            raise ImportProblem(path, "time goes backwards", line=self.backwards, field="time")
        if self.gap[0] > MAX_GAP_MS:
            raise ImportProblem(path, "gap of %d ms in the timestamps (more than %d ms cannot be bridged)"
                                % (self.gap[0], MAX_GAP_MS), line=self.gap[1], field="time")
        if self.t_last < DT_MS:
            raise ImportProblem(path, "the streams do not overlap in time", field="time")
        return int(self.t_last // DT_MS) + 1


def _converted(path: Path, scan: _Scan):
    """Yield (t_ms int64 (M,), acc (M, 3) mg, rate (M, 3) 0.1 dps) blocks in insole axes, not levelled.

    Per block: its rows after the last distinct-time row before it, repeated
    counters dropped (first kept), then ``np.interp`` onto the 10 ms grid
    points they span: every output sample is computed from the same values
    as by ``common.resample`` on the whole file, so the result is identical.
    """
    carry = None
    k = 0
    for _, data in _blocks(path):
        t = (data[:, 0] - scan.pc_first) * (1000.0 / scan.rate)
        v = data[:, 1:]
        if carry is not None:
            t, v = np.concatenate(([carry[0]], t)), np.vstack((carry[1], v))
        keep = np.concatenate(([True], np.diff(t) > 0))
        t, v = t[keep], v[keep]
        carry = (t[-1], v[-1:])
        m = int(t[-1] // DT_MS) + 1 - k
        if m <= 0:
            continue
        t_out = (np.arange(m, dtype=np.int64) + k) * DT_MS
        out = np.column_stack([np.interp(t_out + 0.0, t, v[:, c]) for c in range(v.shape[1])])
        k += m
        acc = out[:, :3] / MS2_PER_G * G_MG
        gyro = out[:, 3:] * DEG_PER_RAD * 10.0
        yield t_out, acc @ SENSOR_TO_INSOLE.T, gyro @ SENSOR_TO_INSOLE.T


class _Swing:
    """The pitch rates of the middle third of this foot's swing phases, gathered while writing.

    One value per mid-swing sample: bounded by the JSON's footsteps, not by
    the file. ``check`` guards the documented mounting.
    """

    def __init__(self, steps, n):
        mids = [np.arange(a + (b - a) // 3, b - (b - a) // 3, DT_MS) // DT_MS
                for a, b in steps if b - a >= 3 * DT_MS]
        idx = np.concatenate(mids) if mids else np.array([], dtype=int)
        self.idx = idx[idx < n]
        self.rate = np.zeros(len(self.idx))

    def add(self, k0, gyro):
        """gyro (M, 3) levelled, 0.1 dps, of samples k0 .. k0 + M - 1."""
        sel = (self.idx >= k0) & (self.idx < k0 + len(gyro))
        self.rate[sel] = gyro[self.idx[sel] - k0, 1]

    def check(self, path):
        """The pitch rate must be negative (toes rising) in the middle third of the swing phases.

        A sensor turned about z would flip it. Raises ImportProblem otherwise;
        files without steps are not checked.
        """
        if self.idx.size and self.rate.mean() >= 0:
            raise ImportProblem(path, "pitch rate in mid-swing is %+.0f dps, expected negative: the sensor is "
                                "not mounted as documented" % (self.rate.mean() / 10), field="Gyr_Y")


def _read_json(path: Path, pc_first, pc_last) -> dict:
    """The trial's JSON, with its index fields checked against the recording.

    Raises ImportProblem naming the JSON file (and line for a syntax error,
    field for a bad value).
    """
    jpath = _json_path(path)
    try:
        text = jpath.read_text()
    except OSError as e:
        raise ImportProblem(jpath, "cannot read the labels beside %s: %s" % (path.name, e.strerror)) from None
    try:
        info = json.loads(text)
    except json.JSONDecodeError as e:
        raise ImportProblem(jpath, "not valid JSON: %s" % e.msg, line=e.lineno) from None
    if not isinstance(info, dict):
        raise ImportProblem(jpath, "must be a JSON object", line=1)
    lo, hi = int(pc_first), int(pc_last)
    for key in ("TrialBoundaries", "UTurnBoundaries"):
        _check_pair(jpath, info.get(key), key, lo, hi)
    tb, ut = info["TrialBoundaries"], info["UTurnBoundaries"]
    if not tb[0] <= ut[0] <= ut[1] <= tb[1]:
        raise ImportProblem(jpath, "U-turn %s not inside the trial %s" % (ut, tb), field="UTurnBoundaries")
    for key in ("LeftFootEvents", "RightFootEvents"):
        events = info.get(key)
        if not isinstance(events, list):
            raise ImportProblem(jpath, "missing or not a list", field=key)
        for i, ev in enumerate(events):
            _check_pair(jpath, ev, "%s[%d]" % (key, i), lo, hi)
    return info


def _check_pair(jpath, pair, field, lo, hi):
    """pair must be [start, end] integers with lo <= start <= end <= hi."""
    ok = (isinstance(pair, list) and len(pair) == 2
          and all(isinstance(v, int) and not isinstance(v, bool) for v in pair))
    if not ok:
        raise ImportProblem(jpath, "must be [start, end] sample indices, got %r" % (pair,), field=field)
    if not lo <= pair[0] <= pair[1] <= hi:
        raise ImportProblem(jpath, "%r outside the recording's samples %d..%d or reversed" % (pair, lo, hi),
                            field=field)


def _levelling(path, converted, trial_start_ms):
    """Rotation (3, 3) putting the mean standing acceleration on +z, and its angle (deg).

    Uses the samples before the trial, from ``converted()`` (``_converted``
    blocks, read until the trial starts; their sum carried row by row as
    ``np.mean`` adds them). Raises ImportProblem when that standing period is
    shorter than MIN_STANDING_MS or its |acc| is not about 1 g.
    """
    n = trial_start_ms // DT_MS
    if n * DT_MS < MIN_STANDING_MS:
        raise ImportProblem(_json_path(path), "only %d ms standing before the trial: at least %d ms needed "
                            "to level the sensor" % (n * DT_MS, MIN_STANDING_MS), field="TrialBoundaries")
    total, count = None, 0
    blocks = converted()
    try:
        for _, acc, _ in blocks:
            part = acc[:n - count]
            total = np.add.reduce(part if total is None else np.vstack((total, part)), axis=0, keepdims=True)
            count += len(part)
            if count >= n:
                break
    finally:
        blocks.close()
    g = total[0] / count
    mag = float(np.linalg.norm(g)) / G_MG
    if not STANDING_G_RANGE[0] <= mag <= STANDING_G_RANGE[1] or g[2] <= 0:
        raise ImportProblem(path, "standing before the trial reads |a| = %.2f g, z = %d mg: not a still foot "
                            "with the documented sensor mounting" % (mag, g[2]), field="Acc")
    return _rotation_to_z(g / np.linalg.norm(g))


def _rotation_to_z(u):
    """Smallest rotation R (3, 3) with R @ u = (0, 0, 1) for unit u (u_z > 0); and its angle, deg."""
    z = np.array([0.0, 0.0, 1.0])
    v = np.cross(u, z)
    s, c = float(np.linalg.norm(v)), float(np.dot(u, z))
    if s < 1e-12:
        return np.eye(3), 0.0
    k = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    rot = np.eye(3) + k + k @ k * ((1 - c) / s ** 2)
    return rot, math.degrees(math.atan2(s, c))


def _labels(info, foot, to_ms, end_ms) -> dict:
    """labels with segments (standing, walking, u_turn, walking, standing) and this foot's steps."""
    tb = [to_ms(i) for i in info["TrialBoundaries"]]
    ut = [to_ms(i) for i in info["UTurnBoundaries"]]
    own = info["LeftFootEvents" if foot == "left" else "RightFootEvents"]
    steps = [[to_ms(a), to_ms(b)] for a, b in own]
    later = [to_ms(a) for key in ("LeftFootEvents", "RightFootEvents") for a, _ in info[key] if to_ms(a) >= tb[1]]
    stand_end = min(later + [end_ms])
    parts = [(0, tb[0], "standing"), (tb[0], ut[0], "walking"), (ut[0], ut[1], "u_turn"),
             (ut[1], tb[1], "walking"), (tb[1], stand_end, "standing")]
    segments = [{"start_ms": a, "end_ms": b, "activity": act} for a, b, act in parts if b > a]
    return {"falls": [], "segments": segments, "sos": [], "steps": steps}


def _subject_info(info) -> dict:
    """Age, gender, height (cm), weight (kg) from the JSON; NaN/missing -> None."""
    out = {}
    for key, name in (("Age", "age"), ("Gender", "gender"), ("Height", "height_cm"), ("Weight", "weight_kg")):
        value = info.get(key)
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        out[name] = value
    return out
