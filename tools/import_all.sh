#!/usr/bin/env bash
# Import every folder of the shared datasets into OUTDIR/<kind>/ (default out/traces).
# Usage: tools/import_all.sh [OUTDIR] ; SOLEGUARD_DATASETS overrides ../shared/datasets.
# Exit status 1 if any source file failed (each failure is printed with file:line).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/traces}
ds=${SOLEGUARD_DATASETS:-../shared/datasets}
status=0
for pair in umafall:umafall_ankle moticon:moticon_insole gaitpdb:gaitpdb_vgrf ipol:ipol_foot gaitmap:gaitmap_foot sisfall:sisfall_waist hugadb:hugadb_feet; do
  kind=${pair%%:*}; dir=${pair#*:}
  .venv/bin/soleguard import "$kind" "$ds/$dir" -o "$out/$kind" || status=1
done
exit $status
