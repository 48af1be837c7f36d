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
from .common import (DEG_PER_RAD, G_MG, MS2_PER_G, ImportProblem, Repairs, base_meta, make_trace, parse_number,
                     resample, to_int)

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


def import_file(path: Path) -> list:
    """Import one ``<n>-<k>_rf.txt`` / ``_lf.txt`` with its JSON: [Trace] at 100 Hz.

    imu: int16 (N, 6) mg / 0.1 dps in (levelled) insole axes; no load zones.
    labels.segments: standing / walking / u_turn / walking / standing (ms);
    labels.steps: this foot's footsteps [[start_ms, end_ms], ...] (toe-off to
    heel strike, i.e. swing phases, as the JSON gives them).
    Raises ImportProblem naming the file (txt or JSON), line and field for a
    bad header, row, packet counter, gap > MAX_GAP_MS, JSON field, or a
    standing period that is missing or not still.
    """
    path = Path(path)
    foot = _foot(path)
    repairs = Repairs()
    rate, pc, values, lines = _read(path)
    info = _read_json(path, pc)
    dt = 1000.0 / rate
    _log_packet_loss(pc, lines, dt, repairs)
    t_ms, v = resample((pc - pc[0]) * dt, values, path, lines)
    acc = v[:, :3] / MS2_PER_G * G_MG
    gyro = v[:, 3:] * DEG_PER_RAD * 10.0
    acc, gyro = acc @ SENSOR_TO_INSOLE.T, gyro @ SENSOR_TO_INSOLE.T
    to_ms = lambda idx: int(round((idx - pc[0]) * dt))  # noqa: E731 - PacketCounter -> trace ms
    rot, angle = _levelling(path, acc, to_ms(info["TrialBoundaries"][0]))
    acc, gyro = acc @ rot.T, gyro @ rot.T
    imu = np.hstack([to_int(acc, ACC_LIMIT_MG), to_int(gyro, GYRO_LIMIT_DDPS)])
    end_ms = int(t_ms[-1]) + DT_MS
    labels = _labels(info, foot, to_ms, end_ms)
    _check_swing(path, gyro, labels["steps"])
    meta = base_meta(
        DATASET, path, name=path.stem, citation=CITATION, subject="IPOL%02d" % int(info.get("Subject", 0) or 0),
        activity="walking", kind="adl", placement="foot", foot=foot, axes=AXES, labels=labels,
        repairs=repairs.as_list(), levelling_deg=round(angle, 1), subject_info=_subject_info(info),
        notes="Protocol: stand, walk 10 m, U-turn, walk back, stand. Segments and steps from %s "
              "(PacketCounter indices -> ms). Steps are the JSON's footsteps of this foot (swing phases); "
              "a few lie after the trial end (foot shuffles while standing), so the final 'standing' "
              "segment ends at the first such step." % _json_path(path).name,
    )
    return [make_trace(meta, t_ms, imu=imu)]


def _foot(path: Path) -> str:
    stem = path.stem
    if stem.endswith("_rf"):
        return "right"
    if stem.endswith("_lf"):
        return "left"
    raise ImportProblem(path, "file name must end in _rf or _lf")


def _json_path(path: Path) -> Path:
    return path.with_name(path.stem[:-3] + ".json")


def _read(path: Path):
    """(rate Hz, PacketCounter (N,), values (N, 6) in source units, lines (N,)).

    Raises ImportProblem for a bad first line, missing columns, a row with the
    wrong number of cells or a non-finite number.
    """
    with open(path, newline="") as f:
        text = f.read().splitlines()
    if not text:
        raise ImportProblem(path, "empty file", line=1)
    m = _FREQ.match(text[0].strip())
    if not m or float(m.group(1)) <= 0:
        raise ImportProblem(path, "first line must be 'Acquisition frequency: <f> Hz'", line=1)
    if len(text) < 2:
        raise ImportProblem(path, "no column header", line=2)
    header = [c.strip() for c in text[1].split("\t")]
    need = ("PacketCounter",) + IMU_COLUMNS
    for name in need:
        if name not in header:
            raise ImportProblem(path, "missing column %r" % name, line=2, field=name)
    idx = [header.index(n) for n in need]
    rows, lines = [], []
    for lineno, line in enumerate(text[2:], 3):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != len(header):
            raise ImportProblem(path, "%d cells, expected %d" % (len(cells), len(header)), line=lineno)
        rows.append([_finite(cells[k], path, lineno, n) for k, n in zip(idx, need)])
        lines.append(lineno)
    if len(rows) < 2:
        raise ImportProblem(path, "fewer than 2 data rows")
    data = np.array(rows)
    return float(m.group(1)), data[:, 0], data[:, 1:], np.array(lines)


def _finite(text, path, line, field) -> float:
    value = parse_number(text, path, line, field)
    if not math.isfinite(value):
        raise ImportProblem(path, "not a finite number: %r" % text, line=line, field=field)
    return value


def _log_packet_loss(pc, lines, dt, repairs):
    """Log each PacketCounter jump (lost packets, interpolated by resample) and duplicates."""
    step = np.diff(pc)
    for i in np.flatnonzero(step > 1):
        repairs.add("packet_loss_interpolated", int(lines[i + 1]),
                    "lost packets bridged by linear interpolation (hole <= 250 ms)")
    for i in np.flatnonzero(step == 0):
        repairs.add("duplicate_packet_dropped", int(lines[i + 1]), "repeated PacketCounter: first row kept")


def _read_json(path: Path, pc) -> dict:
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
    lo, hi = int(pc[0]), int(pc[-1])
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


def _levelling(path, acc, trial_start_ms):
    """Rotation (3, 3) putting the mean standing acceleration on +z, and its angle (deg).

    Uses the samples before the trial. Raises ImportProblem when that standing
    period is shorter than MIN_STANDING_MS or its |acc| is not about 1 g.
    """
    n = trial_start_ms // DT_MS
    if n * DT_MS < MIN_STANDING_MS:
        raise ImportProblem(_json_path(path), "only %d ms standing before the trial: at least %d ms needed "
                            "to level the sensor" % (n * DT_MS, MIN_STANDING_MS), field="TrialBoundaries")
    g = acc[:n].mean(axis=0)
    mag = float(np.linalg.norm(g)) / G_MG
    if not STANDING_G_RANGE[0] <= mag <= STANDING_G_RANGE[1] or g[2] <= 0:
        raise ImportProblem(path, "standing before the trial reads |a| = %.2f g, z = %d mg: not a still foot "
                            "with the documented sensor mounting" % (mag, g[2]), field="Acc")
    return _rotation_to_z(g / np.linalg.norm(g))


def _check_swing(path, gyro, steps):
    """The pitch rate must be negative (toes rising) in the middle third of the swing phases.

    Guards the documented mounting: a sensor turned about z would flip it.
    Raises ImportProblem otherwise; files without steps are not checked.
    """
    mids = [np.arange(a + (b - a) // 3, b - (b - a) // 3, DT_MS) // DT_MS for a, b in steps if b - a >= 3 * DT_MS]
    idx = np.concatenate(mids) if mids else np.array([], dtype=int)
    idx = idx[idx < len(gyro)]
    if idx.size and gyro[idx, 1].mean() >= 0:
        raise ImportProblem(path, "pitch rate in mid-swing is %+.0f dps, expected negative: the sensor is "
                            "not mounted as documented" % (gyro[idx, 1].mean() / 10), field="Gyr_Y")


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
