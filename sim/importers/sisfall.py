"""SisFall waist recordings -> soleguard traces (one per file).

Source: 200 Hz rows of 9 raw counts ending in ``;``:
ADXL345 x,y,z (+-16 g, 13 bit), ITG3200 x,y,z (+-2000 dps, 16 bit),
MMA8451Q x,y,z (+-8 g, 14 bit); value = 2 * range / 2**bits * count.
The ADXL345 acc and the ITG3200 gyro are used. Placement: WAIST, not an
insole. See docs/importers/sisfall.md.

Axis mapping (device -> insole axes, so standing gravity is +z):
  insole x = +device z (anterior), insole y = -device x, insole z = -device y
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from ..trace import DT_MS
from .common import G_MG, ImportProblem, Repairs, base_meta, boxcar, imu_to_int, write_streamed

SOURCE_GLOB = "[DF][0-9][0-9]_*.txt"
DATASET = "SisFall"
CITATION = (
    "Sucerquia A, Lopez JD, Vargas-Bonilla JF. SisFall: A Fall and Movement Dataset. "
    "Sensors 17(1):198 (2017). Research use with citation."
)
RATE_HZ_SRC = 200
COLUMNS = ("adxl_x", "adxl_y", "adxl_z", "itg_x", "itg_y", "itg_z", "mma_x", "mma_y", "mma_z")
ACC_G_PER_COUNT = 2 * 16 / 2 ** 13        # ADXL345 +-16 g, 13 bit
GYRO_DPS_PER_COUNT = 2 * 2000 / 2 ** 16   # ITG3200 +-2000 dps, 16 bit
COUNT_LIMITS = (2 ** 12, 2 ** 15)         # |count| beyond these cannot come from the ADC
AXES = np.array([[0, 0, 1], [-1, 0, 0], [0, -1, 0]], dtype=np.float64)
AXES_TEXT = (
    "insole x = +device z, insole y = -device x, insole z = -device y (ADXL345 and ITG3200 "
    "share the board axes; right-handed, det +1). Device y reads -1 g standing (points down); "
    "backward falls (F02, F11, F14) end with device z near +1 g (supine: z is anterior); "
    "lateral falls end with device x near +-1 g (medio-lateral). WAIST placement: these are "
    "the trunk's forward/left/up axes, not a foot's."
)
ACTIVITIES = {
    "F01": "fall forward while walking caused by a slip",
    "F02": "fall backward while walking caused by a slip",
    "F03": "lateral fall while walking caused by a slip",
    "F04": "fall forward while walking caused by a trip",
    "F05": "fall forward while jogging caused by a trip",
    "F06": "vertical fall while walking caused by fainting",
    "F07": "fall while walking, with use of hands on a table to dampen the fall, caused by fainting",
    "F08": "fall forward when trying to get up",
    "F09": "lateral fall when trying to get up",
    "F10": "fall forward when trying to sit down",
    "F11": "fall backward when trying to sit down",
    "F12": "lateral fall when trying to sit down",
    "F13": "fall forward while sitting, caused by fainting or falling asleep",
    "F14": "fall backward while sitting, caused by fainting or falling asleep",
    "F15": "lateral fall while sitting, caused by fainting or falling asleep",
    "D11": "sitting a moment, trying to get up, and collapsing into a chair",
    "D18": "stumble while walking",
    "D19": "gently jump without falling (trying to reach a high object)",
}
_NAME = re.compile(r"^([DF]\d\d)_(S[AE]\d\d)_R(\d\d)$")


BLOCK_ROWS = 1000  # source rows per streamed block: memory does not grow with the file
_PAIR = RATE_HZ_SRC // (1000 // DT_MS)  # source samples per output period (2)


def import_file(path: Path) -> list:
    """Import one SisFall file -> [Trace] at 100 Hz in insole axes (waist).

    The same as ``import_to`` (which streams to a file), read back as a Trace.
    """
    import tempfile

    from .. import trace as trace_mod

    with tempfile.TemporaryDirectory() as tmp:
        return [trace_mod.read(p) for p in import_to(path, tmp)]


def import_to(path: Path, outdir) -> list:
    """Import one SisFall file, streamed, into ``outdir`` -> [trace path].

    Memory is bounded by a block of BLOCK_ROWS source rows, not by the file:
    a first pass checks every row and counts them; a second converts block
    by block (pair means, then linear resampling at the pair centres, the
    same arithmetic per sample as on the whole file) and writes through
    trace.TraceStream. A fall file is converted once more first, for the
    descent of its derived fall label (``common.FallLabel``). Raises
    ImportProblem naming file:line [field] for a bad name, a row without 9
    integer counts, or a count the ADC cannot produce; nothing is left in
    ``outdir`` then.
    """
    path = Path(path)
    code, subject = _labels(path)
    rows = sum(len(b) for b in _blocks(path))
    if rows < 4:
        raise ImportProblem(path, "fewer than 4 rows")
    n = (rows - _PAIR) * (1000 // RATE_HZ_SRC) // DT_MS + 1  # grid over the pair centres
    repairs = Repairs()
    meta = _meta(path, code, subject, repairs)
    return write_streamed(outdir, meta, n, lambda rep: _converted(path, rep), repairs)


def _converted(path: Path, repairs):
    """Yield (t_ms int64 (M,), imu int16 (M, 6)) blocks of the 100 Hz trace.

    Per block: the pair means (``common.boxcar``) of the block's rows and the
    last row before it, then ``np.interp`` onto the grid points they span,
    keeping the last pair centre as the left end of the next block's first
    interval. Every output sample is computed from the same values as on
    the whole file (``common.resample``), so the result is identical.
    """
    carry = None        # last source row of the previous block
    prev = None         # last pair centre (t, values) of the previous block
    k = 0               # next output sample
    t0 = None
    i = 0               # source index of the block's first row
    for counts in _blocks(path):
        t_src = (np.arange(len(counts)) + i) * (1000.0 / RATE_HZ_SRC)
        i += len(counts)
        vals = np.hstack([counts[:, 0:3] * ACC_G_PER_COUNT, counts[:, 3:6] * GYRO_DPS_PER_COUNT])
        if carry is not None:
            t_src = np.concatenate(([carry[0]], t_src))
            vals = np.vstack((carry[1], vals))
        carry = (t_src[-1], vals[-1:])
        if len(t_src) < _PAIR:
            continue
        t_f, v_f = boxcar(t_src, vals, _PAIR)
        if prev is not None:
            t_f = np.concatenate(([prev[0]], t_f))
            v_f = np.vstack((prev[1], v_f))
        prev = (t_f[-1], v_f[-1:])
        if t0 is None:
            t0 = t_f[0]
        m = int((t_f[-1] - t0) // DT_MS) + 1 - k
        if m <= 0:
            continue
        t_out = (np.arange(m, dtype=np.int64) + k) * DT_MS
        v = np.column_stack([np.interp(t_out + t0, t_f, v_f[:, c]) for c in range(v_f.shape[1])])
        k += m
        yield t_out, imu_to_int(v[:, 0:3] @ AXES.T * G_MG, v[:, 3:6] @ AXES.T * 10.0, repairs)


def _labels(path: Path):
    """(activity code, subject) from a name like F01_SA01_R01.txt."""
    m = _NAME.match(path.stem)
    if not m:
        raise ImportProblem(path, "file name must look like F01_SA01_R01.txt or D11_SA01_R01.txt", field="name")
    if m.group(1) not in ACTIVITIES:
        raise ImportProblem(path, "unknown SisFall activity code %r" % m.group(1), field="name")
    return m.group(1), m.group(2)


def _blocks(path: Path):
    """Yield rows of 9 integer counts as float64 (<= BLOCK_ROWS, 9); ImportProblem on a bad row."""
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f, skipinitialspace=True)
        for row in reader:
            if not row or not "".join(row).strip():
                continue
            rows.append(_row(path, row, reader.line_num))
            if len(rows) == BLOCK_ROWS:
                yield np.array(rows, dtype=np.float64)
                rows = []
    if rows:
        yield np.array(rows, dtype=np.float64)


def _row(path, row, line):
    cells = [c.strip() for c in row]
    if not cells[-1].endswith(";"):
        raise ImportProblem(path, "row does not end with ';'", line=line)
    cells[-1] = cells[-1][:-1].strip()
    if len(cells) != 9:
        raise ImportProblem(path, "%d values, expected 9" % len(cells), line=line)
    out = []
    for i, (c, name) in enumerate(zip(cells, COLUMNS)):
        try:
            v = int(c)
        except ValueError:
            raise ImportProblem(path, "not an integer count: %r" % c, line=line, field=name) from None
        if i < 6 and abs(v) > COUNT_LIMITS[i // 3]:
            raise ImportProblem(path, "count %d beyond the sensor's range" % v, line=line, field=name)
        out.append(v)
    return out


def _meta(path, code, subject, repairs) -> dict:
    kind = "fall" if code.startswith("F") else "adl"
    notes = (
        "WAIST-worn device (belt buckle), NOT an insole: use for trunk-level fall dynamics only. "
        "200 Hz -> 100 Hz: mean of each pair of consecutive samples (boxcar, first zero at 100 Hz) "
        "then linear resampling at the pair centres. MMA8451Q columns read and checked but unused. "
        "Activity %s: %s (SisFall code table, Sucerquia et al. 2017)." % (code, ACTIVITIES[code])
    )
    if kind == "fall":
        notes += " Fall impact is DERIVED (peak |a| of the descent, see labels.falls[].rule), not annotated in the source."
    meta = base_meta(
        DATASET, path, name="sisfall_" + path.stem, citation=CITATION, subject=subject, kind=kind,
        activity=ACTIVITIES[code], activity_code=code, placement="waist", foot="unknown",
        axes=AXES_TEXT, notes=notes,
    )
    meta["repairs"] = repairs.as_list()
    return meta
