"""Deploy the insole app to a board with mpremote (and esptool for a first flash).

    python tools/deploy.py t3s3 [--port /dev/ttyACM0] [--dry-run] [--test] [--config cfg.json]
                          [--key-file team.json] [--firmware ESP32_GENERIC_S3-....bin]

Steps (each printed; ``--dry-run`` prints them and runs nothing):
  0. ``--firmware``: tools/firmware_image.py prints the image's sha256 and stops
     the deploy when it differs from the one recorded in boards/<name>.py; then
     esptool erase-flash, write-flash 0x0 the MicroPython image,
     write-flash 0x8000 the partition table (tools/partitions.py from
     boards/partitions.csv: the official table plus the ``outbox`` partition)
  1. mpremote reset, then connect within the boot escape (main.py waits for a
     Ctrl-C before arming the watchdog) and check the board: MicroPython
     FIRMWARE_VERSION, free filesystem space, the ``outbox`` partition
  2. mpy-cross every firmware/soleguard/*.py for the board's arch (boards/<name>.py)
     into build/<board>/soleguard/*.mpy, the per-sample functions native
     (``python -m soleguard_sim.mpbuild``: sim/mpbuild.py native_source)
  3. mpremote mip install NAME@VERSION for each pinned package in package.json
     (micropython-lib: lora, lora-sx126x, lora-async, lsm6dsox, aioble)
  4. mpremote cp the .mpy tree to :/lib/soleguard, the board file as :board.py,
     a two-line :main.py that starts the app, and the configuration (``--config``,
     with TEAM_ID from ``--key-file``) as :config.json in the ConfigStore format
  5. enrolment, ``--key-file``: the team key file (soleguard gateway
     --generate-key) as :team.key, and the insole's hardware id printed for the
     roster (docs/roster.sample.csv)
  6. ``--test``: the dual-runtime tests (tests/test_*.py marked ``# runtimes:
     cpython micropython``), tests/fakes, tests/synth.py, tests/mp_runner.py,
     tests/imu_model.py and its LSM6DSO model (sim/models/sim_hw.py,
     lsm6dso_model.py) copied to :/lib/tests, then run on the board by mp_runner, which prints
     ``N passed, N failed``; deploy fails unless N failed is 0 and N passed > 0
  7. mpremote reset
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
FIRMWARE_VERSION = (1, 28, 0)  # docs/FIRMWARE.md "Firmware": the MicroPython release both boards run
MIN_FREE_KB = 256  # the app (.mpy), the packages and the journal files, with room to spare
PARTITIONS = BOARDS / "partitions.csv"
# run on the board (mpremote exec) before anything is installed; raises (non-zero exit) when wrong
CHECK_PY = ("import sys, os, esp32; v = sys.implementation.version[:3]; "
            "assert v == %r, 'MicroPython %%s, need %s' %% (v,); "
            "s = os.statvfs('/'); free = s[0] * s[3] // 1024; "
            "assert free >= %d, 'only %%d KB free' %% free; "
            "assert esp32.Partition.find(esp32.Partition.TYPE_DATA, label='outbox'), "
            "'no outbox partition: deploy --firmware writes the table'; "
            "print('board ok: MicroPython', v, free, 'KB free, outbox partition')"
            % (FIRMWARE_VERSION, ".".join(str(x) for x in FIRMWARE_VERSION), MIN_FREE_KB))
HWID_PY = "import machine; print('hardware_id', machine.unique_id().hex())"
TESTS_DIR = ROOT / "tests"
MODELS = ROOT / "sim" / "models"
# what the dual-runtime tests import besides the firmware and tests/fakes: the runner, the synthetic
# patterns, the LSM6DSO register model on its simulated I2C bus (lsm6dsox itself comes from mip)
TEST_SUPPORT = (TESTS_DIR / "synth.py", TESTS_DIR / "mp_runner.py", TESTS_DIR / "imu_model.py",
                MODELS / "sim_hw.py", MODELS / "lsm6dso_model.py")
MARKER = "# runtimes: cpython micropython"
RUN_TESTS_PY = ("import sys; sys.path.append('/lib/tests'); sys.argv[:] = ['/lib/tests/mp_runner.py']; "
                "exec(open('/lib/tests/mp_runner.py').read())")


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


def dual_runtime_tests():
    """The tests/test_*.py files whose first line is the dual-runtime marker (what runs on a board)."""
    out = []
    for p in sorted(TESTS_DIR.glob("test_*.py")):
        with open(p) as f:
            if f.readline().rstrip("\r\n") == MARKER:
                out.append(p)
    return out


def plan(board, port=None, config=None, test=False, out=None, key_file=None, firmware=None):
    """The list of commands (lists of str) to deploy ``board``."""
    arch = board_arch(board)
    out = out or ROOT / "build" / board
    mp = ["mpremote"] + (["connect", port] if port else [])
    esptool = [sys.executable, "-m", "esptool", "--chip", "esp32s3"] + (["--port", port] if port else [])
    steps = []
    if firmware:
        # the image's sha256 printed and compared with the board file's record (refused when it differs)
        steps.append([sys.executable, str(ROOT / "tools" / "firmware_image.py"), board, str(firmware)])
        steps.append([sys.executable, str(ROOT / "tools" / "partitions.py"), str(PARTITIONS),
                      str(out / "partitions.bin")])
        steps.append(esptool + ["erase-flash"])
        steps.append(esptool + ["write-flash", "0x0", str(firmware)])
        steps.append(esptool + ["write-flash", "0x8000", str(out / "partitions.bin")])
    steps.append(mp + ["reset"])
    steps.append(mp + ["exec", CHECK_PY])  # mpremote's Ctrl-C lands in main.py's boot escape
    for src in sorted((FIRMWARE / "soleguard").rglob("*.py")):
        rel = src.relative_to(FIRMWARE).with_suffix(".mpy")
        # mpy-cross for the board's arch with the per-sample functions native (sim/mpbuild.py native_source)
        steps.append([sys.executable, "-m", "soleguard_sim.mpbuild", "-march=" + arch, "-o", str(out / rel), str(src)])
    for name, ver in packages():
        steps.append(mp + ["mip", "install", "%s@%s" % (name, ver)])
    # mip install made /lib already; `mpremote mkdir` would fail on a re-deploy,
    # so the folder is made only if missing
    steps.append(mp + ["exec", 'import os; "lib" in os.listdir("/") or os.mkdir("/lib")'])
    steps.append(mp + ["cp", "-r", str(out / "soleguard"), ":/lib/"])
    steps.append(mp + ["cp", str(BOARDS / (board + ".py")), ":board.py"])
    steps.append(mp + ["cp", str(out / "main.py"), ":main.py"])
    if config or key_file:
        steps.append(mp + ["cp", str(out / "config.json"), ":config.json"])
    if key_file:
        steps.append(mp + ["cp", str(key_file), ":team.key"])
        steps.append(mp + ["exec", HWID_PY])
    if test:
        steps.append(mp + ["exec", 'import os; "tests" in os.listdir("/lib") or os.mkdir("/lib/tests")'])
        steps.append(mp + ["cp", "-r", str(TESTS_DIR / "fakes"), ":/lib/tests/"])
        for t in list(TEST_SUPPORT) + dual_runtime_tests():
            steps.append(mp + ["cp", str(t), ":/lib/tests/" + t.name])
        steps.append(mp + ["exec", RUN_TESTS_PY])
    steps.append(mp + ["reset"])
    return steps


def _config_values(config, key_file):
    """The configuration to install: ``config`` (plain {name: int} JSON) with TEAM_ID from the key file."""
    sys.path.insert(0, str(FIRMWARE))
    sys.path.insert(0, str(ROOT))
    from soleguard.edges.store import validate

    values = json.loads(Path(config).read_text()) if config else {}
    if key_file:
        from soleguard_console import keyfile

        tk = keyfile.load(str(key_file))
        if "TEAM_ID" in values and values["TEAM_ID"] != tk.team:
            raise ValueError("TEAM_ID %r in the configuration, team %d in %s" % (values["TEAM_ID"], tk.team,
                                                                                 key_file))
        values["TEAM_ID"] = tk.team
    validate(values)
    return values


def _write_config(values, out):
    from soleguard.edges.store import ConfigStore

    out.mkdir(parents=True, exist_ok=True)
    ConfigStore(str(out / "config.json")).save(values)


def test_counts(text):
    """(passed, failed) from mp_runner's last ``N passed, N failed`` line, or None."""
    import re

    found = re.findall(r"^(\d+) passed, (\d+) failed$", text, re.M)
    return (int(found[-1][0]), int(found[-1][1])) if found else None


def main(argv=None):
    ap = argparse.ArgumentParser(prog="deploy", description=__doc__.splitlines()[0])
    ap.add_argument("board", help="a file name in boards/ without .py (t3s3, xiao_s3)")
    ap.add_argument("--port", help="mpremote device (default: the first found)")
    ap.add_argument("--config", type=Path, help="configuration JSON to install as /config.json")
    ap.add_argument("--test", action="store_true", help="run the on-board tests after installing")
    ap.add_argument("--key-file", type=Path, help="enrol: the team key file (JSON: site, team, key) as /team.key")
    ap.add_argument("--firmware", type=Path, help="first flash: this MicroPython image, then the partition table")
    ap.add_argument("--dry-run", action="store_true", help="print every step, run nothing")
    a = ap.parse_args(argv)
    if a.board == "sim":
        ap.error("the sim board runs on the unix port: soleguard soak / sim/app.py")
    out = ROOT / "build" / a.board
    values = None
    if a.config or a.key_file:  # checked on the host before anything reaches a board
        try:
            values = _config_values(a.config, a.key_file)
        except (OSError, ValueError) as e:  # unreadable, not JSON, a bad value, a bad key file
            ap.error("%s: %s" % (a.config or a.key_file, e))
    steps = plan(a.board, a.port, a.config, a.test, key_file=a.key_file, firmware=a.firmware)
    for cmd in steps:
        print("$ " + " ".join(shlex.quote(c) for c in cmd))
        if a.dry_run:
            continue
        if cmd[0] == sys.executable:
            Path(cmd[-2]).parent.mkdir(parents=True, exist_ok=True)
        if cmd[-1] == ":main.py":
            out.mkdir(parents=True, exist_ok=True)
            (out / "main.py").write_text(MAIN_PY)
        if cmd[-1] == ":config.json":
            _write_config(values, out)
        if cmd[-1] == RUN_TESTS_PY:
            p = subprocess.run(cmd, capture_output=True, text=True)
            sys.stdout.write(p.stdout)
            counts = test_counts(p.stdout)
            if p.returncode != 0 or counts is None or counts[1] or not counts[0]:
                print("deploy: on-board tests: %s" % ("%d passed, %d failed" % counts if counts else "no result"),
                      file=sys.stderr)
                return 1
            continue
        if subprocess.run(cmd).returncode != 0:
            print("deploy: step failed: " + " ".join(cmd), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
