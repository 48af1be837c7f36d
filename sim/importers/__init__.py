"""Importers: public recordings -> soleguard traces.

Each source module (``umafall``, ``moticon``, ``gaitpdb``, ``ipol``,
``gaitmap``, ``sisfall``) provides:

  SOURCE_GLOB: str                     which files in a folder are sources
  import_file(path: Path) -> list[Trace]
      one or more traces (e.g. one per foot); raises ImportProblem (or
      TraceError) naming the file and line of a defect it cannot repair.

``import_batch`` runs one kind over files and folders: each source file is
imported on its own, so one bad file is reported and skipped, never aborting
the batch silently and never leaving a half-written trace (writes are atomic).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from .. import trace as trace_mod
from .common import ImportProblem

KINDS = ("umafall", "moticon", "gaitpdb", "ipol", "gaitmap", "sisfall")


def module(kind: str):
    """Return the importer module for ``kind``; ValueError for an unknown kind."""
    if kind not in KINDS:
        raise ValueError("unknown import kind %r (one of %s)" % (kind, ", ".join(KINDS)))
    return importlib.import_module("sim.importers." + kind)


def sources(kind: str, srcs) -> list:
    """Expand files and folders into the source files of ``kind``, sorted."""
    mod = module(kind)
    out = []
    for s in srcs:
        p = Path(s)
        if p.is_dir():
            out.extend(sorted(q for q in p.glob(mod.SOURCE_GLOB) if q.is_file()))
        elif p.is_file():
            out.append(p)
        else:
            raise ImportProblem(p, "no such file or folder")
    return out


@dataclass
class BatchResult:
    written: list = field(default_factory=list)   # Paths of traces written
    failed: list = field(default_factory=list)    # (source path, message)


def import_batch(kind: str, srcs, outdir, progress=None) -> BatchResult:
    """Import every source of ``kind`` under ``srcs`` into ``outdir``.

    progress: optional callable(iterable) -> iterable (e.g. a tqdm wrapper).
    Output names: <source stem>[_<foot>].trace.csv as the importer names them
    in meta['name'].
    """
    mod = module(kind)
    files = sources(kind, srcs)
    outdir = Path(outdir)
    result = BatchResult()
    it = progress(files) if progress else files
    for path in it:
        try:
            traces = mod.import_file(path)
            for tr in traces:
                result.written.append(trace_mod.write(tr, outdir / (tr.meta["name"] + ".trace.csv")))
        except (ImportProblem, trace_mod.TraceError, OSError, UnicodeDecodeError) as e:
            result.failed.append((str(path), str(e)))
    return result
