"""Importers: public recordings -> soleguard traces.

Each source module (``umafall``, ``moticon``, ``gaitpdb``, ``ipol``,
``gaitmap``, ``sisfall``, ``hugadb``) provides:

  SOURCE_GLOB: str                     which files in a folder are sources
  import_file(path: Path) -> list[Trace]
      one or more traces (e.g. one per foot); raises ImportProblem (or
      TraceError) naming the file and line of a defect it cannot repair.
  import_to(path: Path, outdir) -> list[Path]   (optional: streaming importers)
      the same traces written straight to ``outdir`` block by block, memory
      bounded independently of the file's size; ``import_batch`` uses it
      when present.

``import_batch`` runs one kind over files and folders: each source file is
imported on its own, so one bad file is reported and skipped, never aborting
the batch and never leaving a half-written trace (writes are atomic); a
failure the importer did not foresee is reported for that file the same way.
"""
from __future__ import annotations

import importlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import trace as trace_mod
from .common import ImportProblem

KINDS = ("umafall", "moticon", "gaitpdb", "ipol", "gaitmap", "sisfall", "hugadb", "recording")


def module(kind: str):
    """Return the importer module for ``kind``; ValueError for an unknown kind."""
    if kind not in KINDS:
        raise ValueError("unknown import kind %r (one of %s)" % (kind, ", ".join(KINDS)))
    return importlib.import_module("soleguard_sim.importers." + kind)


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
    seen = set()  # a file named twice (or inside a folder also named) is imported once
    return [p for p in out if not (p.resolve() in seen or seen.add(p.resolve()))]


def check_text(path, kind) -> None:
    """Raise ImportProblem unless the file is UTF-8 text whose last data line ends with a newline.

    All six source formats are UTF-8 (or ASCII) text with newline-terminated
    rows. A file whose last line holding data lacks its newline is a copy cut
    mid-row (its last number may be cut short and still parse), so it is
    rejected rather than imported with a wrong last sample.
    """
    import codecs

    dec = codecs.getincrementaldecoder("utf-8")()
    offset, newlines, tail = 0, 0, b""
    with open(path, "rb") as f:  # streamed: memory does not grow with the file
        for chunk in iter(lambda: f.read(1 << 16), b""):
            try:
                dec.decode(chunk)
            except UnicodeDecodeError as e:
                raise ImportProblem(path, "not UTF-8 text (byte 0x%02x): not a %s file" % (chunk[e.start], kind),
                                    line=newlines + chunk.count(b"\n", 0, e.start) + 1) from None
            newlines += chunk.count(b"\n")
            offset += len(chunk)
            tail = (tail + chunk)[-4096:]
    try:
        dec.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ImportProblem(path, "not UTF-8 text (ends inside a character): not a %s file" % kind,
                            line=newlines + 1) from None
    body = tail.rstrip(b" \t")
    if body and not body.endswith((b"\n", b"\r")):
        raise ImportProblem(path, "last line does not end with a newline: the file looks cut mid-row "
                            "(incomplete copy?)", line=newlines + 1)


@dataclass
class BatchResult:
    written: list = field(default_factory=list)   # Paths of traces written
    failed: list = field(default_factory=list)    # (source path, message)


def import_batch(kind: str, srcs, outdir, progress=None, options=None) -> BatchResult:
    """Import every source of ``kind`` under ``srcs`` into ``outdir``.

    progress: optional callable(iterable) -> iterable (e.g. a tqdm wrapper).
    options: keyword arguments for the importer's ``import_file`` (e.g.
    ``labels`` for ``recording``).
    Output names: <source stem>[_<foot>].trace.csv as the importer names them
    in meta['name'].
    """
    mod = module(kind)
    files = sources(kind, srcs)
    if not files:
        raise ImportProblem(", ".join(map(str, srcs)), "no %s source files (%s) here" % (kind, mod.SOURCE_GLOB))
    outdir = Path(outdir)
    try:  # fail before importing anything if no trace could be written
        outdir.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=outdir).close()
    except OSError as e:
        raise ImportProblem(outdir, "cannot write traces here: %s" % (e.strerror or e)) from None
    result = BatchResult()
    it = progress(files) if progress else files
    for path in it:
        try:
            if not getattr(mod, "BINARY", False):
                check_text(path, kind)
            if hasattr(mod, "import_to"):  # streamed: memory bounded by a block, not the file
                result.written.extend(mod.import_to(path, outdir, **(options or {})))
                continue
            traces = mod.import_file(path, **(options or {}))
            for tr in traces:
                result.written.append(trace_mod.write(tr, outdir / (tr.meta["name"] + ".trace.csv")))
        except (ImportProblem, trace_mod.TraceError) as e:
            result.failed.append((str(path), str(e)))
        except UnicodeDecodeError as e:  # a side file (labels, strides) that is not text
            result.failed.append((str(path), "%s: a file it needs is not UTF-8 text: %s" % (path, e.reason)))
        except OSError as e:
            result.failed.append((str(path), "%s: %s" % (e.filename or path, e.strerror or e)))
        except Exception as e:  # noqa: BLE001 - one unreadable file never stops a batch
            result.failed.append((str(path), "%s: cannot be read as %s (%s: %s)" % (path, kind, type(e).__name__, e)))
    return result
