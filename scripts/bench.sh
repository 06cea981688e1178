#!/usr/bin/env bash
# `make bench`: release-build benchmarks that print figures. Machines here are noisy, so each
# benchmark reports ratios measured within one run rather than absolute targets.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

echo "==> building release binaries (the first build takes several minutes)"
cargo build -q --release -p strapi-sim -p ingesta-cli -p ingesta-gen
WORK="$(mktemp -d)"
on_exit "rm -rf '$WORK'"

memory_flatness() {
  echo "==> memory flatness: peak RSS of the CLI on 20,000 vs 200,000 rows"
  local small=20000 large=200000
  "$TARGET_DIR/release/gen-data" participations --rows "$small" --seed 7 --out "$WORK/small.csv"
  "$TARGET_DIR/release/gen-data" participations --rows "$large" --seed 7 --out "$WORK/large.csv"
  local mb=()
  for n in small large; do
    # A fresh server per run so both start from an empty API.
    start_sim release
    "$TARGET_DIR/release/ingesta" run "$WORK/$n.csv" --api "$SIM_URL" --out "$WORK/out-$n" \
      --concurrency 64 --omit-get >/dev/null 2>"$WORK/$n.log"
    kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true
    mb+=("$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["peak_memory_mb"])' "$WORK/out-$n/summary.json")")
    python3 - "$WORK/out-$n/summary.json" "$n" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"  {sys.argv[2]:>5}: {s['rows_read']:>7} rows, {s['rows_failed']} failed, {s['duration_ms']/1000:.1f} s, "
      f"{s['api']['requests_per_row']:.2f} requests/row, peak RSS {s['peak_memory_mb']:.1f} MiB")
PY
  done
  python3 -c "import sys; a,b=map(float,sys.argv[1:]); print(f'  peak RSS ratio 200k/20k = {b/a:.2f} (target <= 1.5)')" "${mb[@]}"
}

memory_flatness
