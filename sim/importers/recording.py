"""soleguard's own recordings (firmware/soleguard/edges/recorder.py, ``*.sgr``) -> one trace.

The binary format is documented in firmware/soleguard/edges/recorder.py. Blocks
whose CRC fails are dropped and logged as a repair (the gap they leave is
bridged when at most MAX_GAP_MS, otherwise the import is rejected); a file
cut inside a block keeps the blocks before it.

Labels come from a JSON file (``--labels``, or ``<file>.labels.json`` beside
the recording)::

  {"subject": "w01", "activity": "sos_taps", "foot": "right", "kind": "adl",
   "sos": [{"strikes_ms": [2000, 2400, 2810]}], "falls": [], "notes": "..."}

Times are recording milliseconds (the frames' own times, first frame = 0).
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from soleguard.core.frame import FRAME_LEN, Z0
from soleguard.edges.recorder import BLOCK_MARK, MAGIC, crc16

from ..trace import DT_MS, RATE_HZ
from .common import MAX_GAP_MS, ImportProblem, Repairs, base_meta, make_trace

SOURCE_GLOB = "*.sgr"
DATASET = "soleguard"
BINARY = True  # not a text format: import_batch skips its text check


def decode(raw: bytes, path="recording") -> dict:
    """Decode a recording: {board, rate_hz, imu, zones: [(x, y)], t_ms (N,), frames (N, FRAME_LEN), bad_blocks}.

    Raises ImportProblem for a bad header; corrupted blocks are counted and skipped.
    """
    if raw[:4] != MAGIC:
        raise ImportProblem(path, "not a soleguard recording (magic %r)" % raw[:4])
    if len(raw) < 26:
        raise ImportProblem(path, "header cut short")
    version, rate, imu, zones = struct.unpack_from("<BHBB", raw, 4)
    if version != 1:
        raise ImportProblem(path, "recording format version %d unknown" % version)
    hlen = 4 + 5 + 16 + 4 * zones
    if len(raw) < hlen + 2 or struct.unpack_from("<H", raw, hlen)[0] != crc16(raw[:hlen]):
        raise ImportProblem(path, "header CRC mismatch")
    board = raw[9:25].rstrip(b"\0").decode("ascii", "replace")
    zxy = [struct.unpack_from("<hh", raw, 25 + 4 * i) for i in range(zones)]
    pos = hlen + 2
    if not 1 <= rate <= 1000:
        raise ImportProblem(path, "sample rate %d Hz in the header: not a recording rate" % rate, field="rate_hz")
    dt = 1000 // rate
    times, frames, bad = [], [], 0
    while pos + 6 <= len(raw):
        if raw[pos] != BLOCK_MARK:
            nxt = raw.find(bytes([BLOCK_MARK]), pos + 1)  # resynchronise after garbage
            bad += 1
            if nxt < 0:
                break
            pos = nxt
            continue
        n = raw[pos + 1]
        end = pos + 6 + 2 * FRAME_LEN * n
        if n == 0 or end + 2 > len(raw) or struct.unpack_from("<H", raw, end)[0] != crc16(raw[pos:end]):
            bad += 1
            pos += 1
            continue
        t0 = struct.unpack_from("<I", raw, pos + 2)[0]
        block = np.frombuffer(raw[pos + 6:end], dtype="<i2").reshape(n, FRAME_LEN)
        times.extend(t0 + dt * k for k in range(n))
        frames.append(block)
        pos = end + 2
    if not frames:
        raise ImportProblem(path, "no intact frame block")
    return {"board": board, "rate_hz": rate, "imu": bool(imu), "zones": zxy, "bad_blocks": bad,
            "t_ms": np.array(times, dtype=np.int64), "frames": np.vstack(frames)}


def import_file(path: Path, labels=None) -> list:
    """One trace from a ``*.sgr`` recording; ``labels``: JSON path (default ``<file>.labels.json``)."""
    path = Path(path)
    lab_path = Path(labels) if labels else path.with_name(path.name + ".labels.json")
    lab = {}
    if lab_path.exists():
        try:
            lab = json.loads(lab_path.read_text())
        except (ValueError, UnicodeDecodeError) as e:
            raise ImportProblem(lab_path, "labels are not valid JSON: %s" % e) from None
    elif labels:
        raise ImportProblem(lab_path, "no such labels file")
    if not isinstance(lab, dict):
        raise ImportProblem(lab_path, "labels must be a JSON object {falls, segments, sos}, got %s"
                            % type(lab).__name__)
    rec = decode(path.read_bytes(), path)
    repairs = Repairs()
    if rec["bad_blocks"]:
        repairs.add("corrupted_block_dropped", None, "%d blocks failed their CRC" % rec["bad_blocks"])
    if rec["rate_hz"] != RATE_HZ:
        raise ImportProblem(path, "recorded at %d Hz; traces are %d Hz (resampling not implemented)"
                            % (rec["rate_hz"], RATE_HZ))
    t = rec["t_ms"] - rec["t_ms"][0]
    f = rec["frames"]
    steps = np.diff(t)
    if len(t) > 1 and (steps.min() <= 0 or steps.max() > MAX_GAP_MS):
        raise ImportProblem(path, "frame times go back or jump more than %d ms" % MAX_GAP_MS)
    grid = np.arange(0, t[-1] + DT_MS, DT_MS)
    if len(grid) != len(t):  # bridge short gaps (dropped samples or blocks) linearly
        repairs.add("gap_interpolated", None, "%d missing samples" % (len(grid) - len(t)))
        f = np.column_stack([np.rint(np.interp(grid, t, f[:, k])) for k in range(FRAME_LEN)]).astype(np.int16)
    nz = len(rec["zones"])
    zones = [{"name": "z%d" % i, "x_mm": int(x), "y_mm": int(y)} for i, (x, y) in enumerate(rec["zones"])]
    meta = base_meta(
        DATASET, path, name=path.stem, citation="soleguard local recording (recorder.py), board %s" % rec["board"],
        subject=str(lab.get("subject", "unknown")), activity=str(lab.get("activity", "recording")),
        kind=lab.get("kind", "adl"), placement="insole", foot=lab.get("foot", "unknown"),
        axes="insole axes as recorded by the firmware (frame.py)", zones=zones,
        labels={"falls": lab.get("falls", []), "segments": lab.get("segments", []), "sos": lab.get("sos", [])},
        notes=str(lab.get("notes", "")),
    )
    meta["repairs"] = repairs.as_list()
    imu = f[:, 0:6].astype(np.int16) if rec["imu"] else None
    loads = np.clip(f[:, Z0:Z0 + nz], 0, None).astype(np.int16) if nz else None
    return [make_trace(meta, grid, imu=imu, loads=loads)]
