"""The core's dual-runtime tests on a 32-bit MicroPython: the WebAssembly port under Node.

The unix port's small ints are 63-bit, an MCU's 31-bit: an intermediate above
2**30 is a heap-allocated big int on the insole but not on the unix port. The
npm package @micropython/micropython-webassembly-pyscript (MicroPython 1.27,
``sys.maxsize`` = 2**31 - 1; tools/wasm, installed by tools/setup.sh with npm)
runs the core's modules there, the zero-allocation tests (heap_lock) included.
Fails in CI, skips elsewhere, when Node or the package is missing.
"""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

WASM = Path(__file__).resolve().parent.parent / "tools" / "wasm"


def test_core_tests_pass_on_the_32_bit_port():
    node = shutil.which("node")
    if node is None or not (WASM / "node_modules" / "@micropython").is_dir():
        msg = "node or tools/wasm/node_modules missing (cd tools/wasm && npm ci)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    p = subprocess.run([node, "run_tests.mjs"], cwd=str(WASM), capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    assert "maxsize 2147483647" in p.stdout
    m = re.findall(r"^(\d+) passed, (\d+) failed$", p.stdout, re.M)
    assert m and int(m[-1][0]) >= 100 and m[-1][1] == "0", p.stdout[-2000:]
    assert "0 bytes allocated in steady state" in p.stdout
