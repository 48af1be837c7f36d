// Run dual-runtime test modules on the 32-bit MicroPython WebAssembly port under Node.
//
//   cd tools/wasm && npm ci && node run_tests.mjs [module ...]      (default: the core's modules)
//   node run_tests.mjs --replay FILE ...   the replay driver (soleguard_unix.replay) over each file of
//                                          protocol lines (soleguard_sim.replay.protocol_lines): prints
//                                          "T,<k>" then the driver's E/D lines per file (tests/test_wasm32.py)
//
// Why: the unix port's small ints are 63-bit, an MCU's 31-bit; this port has sys.maxsize =
// 2**31 - 1, so an intermediate above 2**30 becomes a heap-allocated big int here as on the
// insole, and the zero-allocation tests (micropython.heap_lock) see it. The firmware core,
// tests/synth.py, tests/mp_runner.py and the named tests are copied into the port's in-memory
// file system as a device-like tree (lib/soleguard/core/..., lib/tests/...); mp_runner prints
// "N passed, N failed". Exit code 0 only when every test passed and at least one ran.
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const CORE_TESTS = ["test_core_alloc", "test_core_features", "test_core_lifecycle", "test_core_posture",
                    "test_core_tap", "test_protocol"];
const args = process.argv.slice(2);
const replayFiles = args[0] === "--replay" ? args.slice(1) : null;
const names = replayFiles ? [] : (args.length ? args : CORE_TESTS);
let out = "";
const mp = await loadMicroPython({ heapsize: 2 * 1024 * 1024, stdout: (l) => { out += l + "\n"; console.log(l); },
                                   stderr: (l) => console.error(l) });

function copyTree(src, dst) {
  mp.FS.mkdirTree(dst);
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    if (e.name === "__pycache__") continue;
    const s = path.join(src, e.name), d = dst + "/" + e.name;
    if (e.isDirectory()) copyTree(s, d);
    else if (e.name.endsWith(".py")) mp.FS.writeFile(d, fs.readFileSync(s));
  }
}
copyTree(path.join(ROOT, "firmware", "soleguard"), "/lib/soleguard");
if (replayFiles) {
  copyTree(path.join(ROOT, "firmware", "soleguard_unix"), "/lib/soleguard_unix");
  replayFiles.forEach((f, k) => mp.FS.writeFile("/feed" + k + ".txt", fs.readFileSync(f)));
  let rc = 0;
  try {
    mp.runPython("import sys\nsys.path.insert(0, '/lib')\n" +
                 "print('port', sys.implementation._machine, 'maxsize', sys.maxsize)\n" +
                 "from soleguard_unix.replay import run\n" +
                 "for k in range(" + replayFiles.length + "):\n" +
                 "    print('T,%d' % k)\n    f = open('/feed%d.txt' % k)\n" +
                 "    run(f.readline, sys.stdout.write)\n    f.close()\n");
  } catch (e) { console.error(String(e)); rc = 2; }
  process.exit(rc);
}
mp.FS.mkdirTree("/lib/tests");
for (const f of ["mp_runner.py", "synth.py", ...names.map((n) => n + ".py")]) {
  mp.FS.writeFile("/lib/tests/" + f, fs.readFileSync(path.join(ROOT, "tests", f)));
}
let code = 0;
try {
  mp.runPython("import sys\nsys.path.insert(0, '/lib/tests')\nsys.path.insert(0, '/lib')\n" +
               "print('port', sys.implementation._machine, 'maxsize', sys.maxsize)\n" +
               // this port has no sys.argv: mp_runner's functions without its closing main() call
               "src = open('/lib/tests/mp_runner.py').read()\nexec(src[:src.rindex('main()')])\n" +
               "tp = tf = 0\nfor name in " + JSON.stringify(names) + ":\n" +
               "    p, f = run_module(name)\n    tp += p\n    tf += f\n" +
               "print('%d passed, %d failed' % (tp, tf))\n");
} catch (e) {
  if (!String(e).includes("SystemExit")) { console.error(String(e)); code = 2; }
}
const m = [...out.matchAll(/^(\d+) passed, (\d+) failed$/gm)].pop();
if (!m || Number(m[2]) > 0 || Number(m[1]) === 0) code = code || 1;
process.exit(code);
