"""tools/deploy.py: the dry run prints every step (partition table, checks, packages, enrolment,
on-board tests) and each step is accepted by the real CLI of mpremote / esptool in the venv."""
import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import deploy  # noqa: E402
import partitions  # noqa: E402

from models_support import VENDOR  # noqa: E402

FW = "ESP32_GENERIC_S3-SPIRAM-v1.28.0.bin"


def _dry(*args):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "deploy.py"), *args, "--dry-run"],
                          capture_output=True, text=True, cwd=str(ROOT))


def _key(tmp_path, team=7):
    from soleguard_console import keyfile

    p = tmp_path / "team7.key.json"
    keyfile.write_new(str(p), team, "plant-a")
    return p


def test_dry_run_lists_every_step_for_each_board(tmp_path):
    key = _key(tmp_path)
    for board, arch in (("t3s3", "xtensawin"), ("xiao_s3", "xtensawin")):
        p = _dry(board, "--port", "/dev/ttyACM0", "--test", "--key-file", str(key), "--firmware", FW)
        assert p.returncode == 0, p.stderr
        lines = p.stdout.splitlines()
        assert all(line.startswith("$ ") for line in lines)
        n_src = len(list((ROOT / "firmware" / "soleguard").rglob("*.py")))
        assert sum("-march=" + arch in line for line in lines) == n_src
        for name, ver in deploy.packages():
            assert any("mip install %s@%s" % (name, ver) in line for line in lines), name
        assert any("write-flash 0x8000" in line and "partitions.bin" in line for line in lines)
        assert any("write-flash 0x0 " + FW in line for line in lines)
        assert any(":board.py" in line and board + ".py" in line for line in lines)
        assert any(":team.key" in line for line in lines) and any(":config.json" in line for line in lines)
        assert any("hardware_id" in line for line in lines)
        assert any("connect /dev/ttyACM0" in line for line in lines)
        assert any("mp_runner" in line and " exec " in line for line in lines)
        assert any(":/lib/tests/test_fw_outbox.py" in line for line in lines)
        # the board is reset (boot escape) and checked before anything is installed
        first_mip = next(i for i, line in enumerate(lines) if " mip " in line)
        check = next(i for i, line in enumerate(lines) if "outbox partition" in line)
        assert lines[check - 1].endswith(" reset") and check < first_mip
        assert lines[-1].endswith("reset")


def _mpremote_ok(argv):
    """Parse one mpremote command line with mpremote's own argparse parsers (no device needed)."""
    from mpremote import main as m

    args = argv[1:]
    if args[:1] == ["connect"]:
        m._COMMANDS["connect"][1]().parse_args(args[1:2])
        args = args[2:]
    cmd, rest = args[0], args[1:]
    assert cmd in m._COMMANDS or cmd in m._BUILTIN_COMMAND_EXPANSIONS, cmd
    if cmd in m._BUILTIN_COMMAND_EXPANSIONS:
        exp = m._BUILTIN_COMMAND_EXPANSIONS[cmd]
        exp = exp["command"] if isinstance(exp, dict) else exp
        exp = shlex.split(exp) if isinstance(exp, str) else list(exp)
        cmd, rest = exp[0], exp[1:] + rest
    m._COMMANDS[cmd][1]().parse_args(rest)


def test_every_step_is_a_valid_command_of_the_real_tools(tmp_path):
    key = _key(tmp_path)
    p = _dry("t3s3", "--port", "/dev/ttyACM0", "--test", "--key-file", str(key), "--firmware", FW)
    esptool_cmds = set()
    for line in p.stdout.splitlines():
        argv = shlex.split(line[2:])
        if argv[0] == "mpremote":
            _mpremote_ok(argv)
        elif argv[1:3] == ["-m", "esptool"]:
            sub = [a for a in argv[3:] if a in ("erase-flash", "write-flash")]
            assert sub, line
            esptool_cmds.add(sub[0])
        elif argv[1:3] == ["-m", "soleguard_sim.mpbuild"] or argv[1].endswith(("partitions.py", "firmware_image.py")):
            pass
        else:
            raise AssertionError("unknown step " + line)
    for sub in sorted(esptool_cmds):  # the esptool in the venv knows the subcommand and --chip esp32s3
        h = subprocess.run([sys.executable, "-m", "esptool", "--chip", "esp32s3", sub, "--help"],
                           capture_output=True, text=True)
        assert h.returncode == 0 and "Usage" in h.stdout, (sub, h.stderr[-500:])


def test_package_pins_are_the_vendored_real_versions():
    # mip needs versions that exist; lora, lora-sx126x and lora-async must agree on lora/modem.py
    text = (VENDOR.parent / "README.md").read_text() if VENDOR.is_dir() else ""
    if not text:
        pytest.skip("vendor README not found") if not __import__("os").environ.get("CI") else pytest.fail(
            "vendor README not found at %s" % VENDOR.parent)
    pins = dict(deploy.packages())
    for name, ver in pins.items():
        assert ("| `%s` | %s |" % (name, ver)) in text, (name, ver)
    assert set(pins) == {"lora", "lora-sx126x", "lora-async", "lsm6dsox", "aioble"}
    assert json.loads((ROOT / "package.json").read_text())["deps"][0][0] == "lora"


def test_partition_table_has_the_outbox_the_board_file_names(tmp_path):
    rows = partitions.read(ROOT / "boards" / "partitions.csv")
    names = [r[0] for r in rows]
    assert names == ["nvs", "phy_init", "factory", "outbox", "vfs"]
    for board in ("t3s3", "xiao_s3"):
        ns = {}
        exec((ROOT / "boards" / (board + ".py")).read_text(), ns)
        st = ns["BOARD"]["storage"]
        out = [r for r in rows if r[0] == st["partition"]][0]
        assert out[1] == "data" and out[4] == st["blocks"] * st["block_size"]
    out = tmp_path / "p.bin"
    assert partitions.main([str(ROOT / "boards" / "partitions.csv"), str(out)]) == 0
    data = out.read_bytes()
    assert len(data) == 0xC00 and data[:2] == b"\xaa\x50"
    import hashlib

    n = len(rows) * 32
    assert data[n:n + 2] == b"\xeb\xeb" and data[n + 16:n + 32] == hashlib.md5(data[:n]).digest()
    assert data[3 * 32 + 2:3 * 32 + 4] == b"\x01\x06" and data[3 * 32 + 12:3 * 32 + 18] == b"outbox"


def test_bad_partition_rows_name_file_and_line(tmp_path):
    bad = tmp_path / "p.csv"
    bad.write_text("nvs, data, nvs, 0x9000, 0x6000\nx, data, nvs, 0xa000, 0x1000\n")
    with pytest.raises(ValueError, match="line 2.*overlaps"):
        partitions.read(bad)


def test_test_counts_reads_the_runner_line():
    assert deploy.test_counts("a\n12 passed, 0 failed\n") == (12, 0)
    assert deploy.test_counts("nothing") is None


def test_unknown_board_and_sim_are_refused():
    p = _dry("nope")
    assert p.returncode != 0 and "known:" in (p.stderr + p.stdout)
    assert _dry("sim").returncode == 2


def test_bad_config_is_refused_before_any_step(tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text('{"LORA_SF": 13}')
    p = _dry("t3s3", "--config", str(cfg))
    assert p.returncode == 2 and "LORA_SF" in p.stderr and "$ " not in p.stdout


def test_key_file_team_must_match_the_config(tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text('{"TEAM_ID": 9}')
    p = _dry("t3s3", "--config", str(cfg), "--key-file", str(_key(tmp_path, 7)))
    assert p.returncode == 2 and "TEAM_ID" in p.stderr and "$ " not in p.stdout


def test_missing_config_file_is_a_clear_error(tmp_path):
    p = _dry("t3s3", "--config", str(tmp_path / "nope.json"))
    assert p.returncode == 2 and "nope.json" in p.stderr and "Traceback" not in p.stderr
    assert "$ " not in p.stdout


def test_lib_folder_is_made_only_if_missing():
    lines = _dry("t3s3").stdout.splitlines()
    assert not any(line.endswith("mkdir :/lib") for line in lines)  # would fail on a re-deploy
    assert any('os.mkdir("/lib")' in line for line in lines)


def test_key_files_are_git_ignored(tmp_path):
    p = subprocess.run(["git", "check-ignore", "team7.key.json", "keys/x.json", "site.key"], cwd=str(ROOT),
                       capture_output=True, text=True)
    assert p.returncode == 0 and len(p.stdout.split()) == 3, p.stderr


def test_sample_roster_loads_with_a_team_key(tmp_path):
    # the roster the enrolment step's hardware_id lines go into (console/roster.py)
    from soleguard.core import protocol as P
    from soleguard_console import keyfile, roster

    tk = keyfile.load(str(_key(tmp_path)))
    r = roster.load(ROOT / "docs" / "roster.sample.csv", P.Keys(tk.key))
    ids = [P.Keys(tk.key).device_id(bytes.fromhex(h)) for h in ("246f28000001", "246f28000002")]
    assert all(r.name(i) for i in ids)


def test_on_board_test_command_runs_under_micropython(tmp_path):
    # the exact text `deploy --test` execs on the board, with the board's /lib/tests moved into a device
    # tree (MicroPython's sys module is not writable: `sys.argv = [...]` raised AttributeError there)
    from soleguard_sim.mpbuild import micropython_path, run_micropython

    try:
        micropython_path()
    except RuntimeError as e:
        pytest.skip(str(e))
    code = deploy.RUN_TESTS_PY.replace("/lib/tests", "lib/tests").replace(
        "['lib/tests/mp_runner.py']", "['lib/tests/mp_runner.py', 'test_airtime']")
    assert code != deploy.RUN_TESTS_PY
    tests = ROOT / "tests"
    extras = [(tests / "mp_runner.py", "tests/mp_runner.py", False), (tests / "test_airtime.py", "tests/test_airtime.py", False)]
    p = run_micropython(["-c", code], "96K", extras=extras, workdir=tmp_path, capture_output=True, text=True,
                        timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert deploy.test_counts(p.stdout) == (7, 0), p.stdout


def test_firmware_image_sha256_is_printed_and_a_different_image_refused(tmp_path, monkeypatch, capsys):
    import hashlib
    import importlib.util

    spec = importlib.util.spec_from_file_location("firmware_image", ROOT / "tools" / "firmware_image.py")
    fi = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fi)
    img = tmp_path / "ESP32_GENERIC_S3-SPIRAM-v1.28.0.bin"
    img.write_bytes(b"\xe9" + bytes(range(256)) * 64)
    digest = hashlib.sha256(img.read_bytes()).hexdigest()
    assert fi.board_firmware("t3s3")["image"].endswith("-v1.28.0.bin")
    assert fi.main(["t3s3", str(img)]) == (0 if fi.board_firmware("t3s3")["sha256"] in (None, digest) else 1)
    assert digest in capsys.readouterr().out
    monkeypatch.setattr(fi, "board_firmware", lambda b: {"image": img.name, "sha256": digest})
    assert fi.main(["t3s3", str(img)]) == 0
    monkeypatch.setattr(fi, "board_firmware", lambda b: {"image": img.name, "sha256": "0" * 64})
    assert fi.main(["t3s3", str(img)]) == 1  # a different download is not flashed
    assert fi.main(["t3s3", str(tmp_path / "missing.bin")]) == 2
    # deploy runs the check before erasing the flash
    lines = _dry("t3s3", "--firmware", FW).stdout.splitlines()
    def words(line):  # deploy quotes every path (a checkout path may hold spaces): compare the words
        try:
            return shlex.split(line.lstrip("$ "))
        except ValueError:
            return []

    check = [i for i, l in enumerate(lines)
             if any(w.endswith("firmware_image.py") and words(l)[k + 1:k + 3] == ["t3s3", FW]
                    for k, w in enumerate(words(l)))]
    erase = [i for i, l in enumerate(lines) if "erase-flash" in l]
    assert check and erase and check[0] < erase[0]
