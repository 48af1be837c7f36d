"""The tree's rules, read from the imports (ast), so that the folders keep meaning what they say.

- firmware/soleguard/core/ imports nothing outside core/ (and the runtime's
  array, struct, hashlib, micropython); no machine, bluetooth, asyncio, os, json.
- only firmware/soleguard/edges/hardware.py imports ``machine``.
- firmware/soleguard/ never imports the host (soleguard_sim, soleguard_console)
  or the unix-port drivers (soleguard_unix).
- the host packages have import names of their own (no top-level ``sim``).
- no import cycles between modules of the host packages.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FW = ROOT / "firmware" / "soleguard"
CORE_STDLIB = {"array", "struct", "hashlib", "micropython", "sys"}


def _module_name(path: Path, base: Path, pkg: str) -> str:
    rel = path.relative_to(base).with_suffix("")
    parts = [pkg] + list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, modname: str):
    """Absolute names of every module ``path`` imports (relative imports resolved), with line numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_pkg = path.name == "__init__.py"
    package = modname if is_pkg else modname.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            out.append((mod, node.lineno))
            # "from pkg import module" imports pkg.module
            out += [(mod + "." + a.name, node.lineno) for a in node.names]
    return out


def _fw_files():
    return sorted(p for p in FW.rglob("*.py") if "__pycache__" not in p.parts)


def test_core_imports_only_core():
    bad = []
    core = FW / "core"
    for p in sorted(core.rglob("*.py")):
        name = _module_name(p, FW, "soleguard")
        for mod, line in _imports(p, name):
            top = mod.split(".")[0]
            if mod.startswith("soleguard.core") or mod == "soleguard" or top in CORE_STDLIB:
                continue
            if mod.startswith("soleguard.core."):
                continue
            bad.append("%s:%d imports %s" % (p.relative_to(ROOT), line, mod))
    # a from-import of a name (not a module) inside core is fine: only foreign modules are errors
    bad = [b for b in bad if not b.split(" imports ")[1].startswith(("array.", "struct.", "micropython.", "hashlib."))]
    assert not bad, "\n".join(bad)
    assert len(list(core.glob("*.py"))) >= 10  # the rule reads a real folder


def test_only_hardware_imports_machine():
    users = sorted({str(p.relative_to(FW)) for p in _fw_files()
                    for mod, _ in _imports(p, _module_name(p, FW, "soleguard"))
                    if mod.split(".")[0] in ("machine", "esp32")})
    assert users == ["edges/hardware.py"], users


def test_firmware_never_imports_the_host():
    bad = ["%s:%d %s" % (p.relative_to(ROOT), line, mod)
           for p in _fw_files() for mod, line in _imports(p, _module_name(p, FW, "soleguard"))
           if mod.split(".")[0] in ("soleguard_sim", "soleguard_console", "soleguard_unix", "numpy", "pathlib")]
    assert not bad, bad


def test_host_packages_have_their_own_names():
    import importlib.util
    import tomllib

    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    tops = {name.split(".")[0] for name in setup["packages"]}
    assert tops == {"soleguard", "soleguard_sim", "soleguard_console"}, tops
    for name in ("soleguard", "soleguard_sim", "soleguard_console", "soleguard_sim.importers"):
        spec = importlib.util.find_spec(name)
        assert spec is not None and Path(spec.origin).is_relative_to(ROOT), name


def _host_graph():
    """{module: {imported project modules}} over sim/ and console/ (module-level and lazy imports alike)."""
    pkgs = {"soleguard_sim": ROOT / "sim", "soleguard_console": ROOT / "console"}
    files = {}
    for pkg, base in pkgs.items():
        for p in base.rglob("*.py"):
            if "__pycache__" not in p.parts and "static" not in p.parts:
                files[_module_name(p, base, pkg)] = p
    graph = {}
    for name, p in files.items():
        deps = set()
        for mod, _ in _imports(p, name):
            while mod and mod not in files:
                mod = mod.rpartition(".")[0]
            if mod and mod != name:
                deps.add(mod)
        graph[name] = deps
    return graph


def test_no_import_cycles_between_host_modules():
    graph = _host_graph()
    assert "soleguard_sim.team" in graph and "soleguard_console.console" in graph
    # packages' __init__ re-exporting their modules is not a cycle of substance
    graph = {m: {d for d in deps if not graph.get(d) or not m.startswith(d + ".")} for m, deps in graph.items()}
    seen, stack, cycles = set(), [], []

    def visit(m):
        if m in stack:
            cycles.append(stack[stack.index(m):] + [m])
            return
        if m in seen:
            return
        seen.add(m)
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            visit(d)
        stack.pop()

    for m in sorted(graph):
        visit(m)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)
