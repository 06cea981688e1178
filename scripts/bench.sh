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
  "$TARGET_DIR/release/gen-data" participations --rows 1 --seed 7 --out "$WORK/one.csv"
  start_sim release
  "$TARGET_DIR/release/ingesta" run "$WORK/one.csv" --api "$SIM_URL" --out "$WORK/out-one" >/dev/null 2>&1
  kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true
  local start_mb
  start_mb="$(peak_mb "$WORK/out-one/summary.json")"
  echo "  start-up size (1-row run): $start_mb MiB"
  for n in small large; do
    # A fresh server per run so both start from an empty API.
    start_sim release
    "$TARGET_DIR/release/ingesta" run "$WORK/$n.csv" --api "$SIM_URL" --out "$WORK/out-$n" \
      --concurrency 64 --omit-get >/dev/null 2>"$WORK/$n.log"
    kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true
    mb+=("$(peak_mb "$WORK/out-$n/summary.json")")
    python3 - "$WORK/out-$n/summary.json" "$n" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"  {sys.argv[2]:>5}: {s['rows_read']:>7} rows, {s['rows_failed']} failed, {s['duration_ms']/1000:.1f} s, "
      f"{s['api']['requests_per_row']:.2f} requests/row, peak RSS {s['peak_memory_mb']:.1f} MiB")
PY
  done
  python3 -c "import sys; a,b=map(float,sys.argv[1:]); print(f'  peak RSS ratio 200k/20k = {b/a:.2f} (target <= 1.5)')" "${mb[@]}"
  python3 -c "import sys; s,b=map(float,sys.argv[1:]); print(f'  run working set (200k peak - start-up) = {b-s:.0f} MiB; the CCT budget reserves 40 MiB for it (RUN_WORKING_SET_BYTES)')" "$start_mb" "${mb[1]}"
}

peak_mb() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["peak_memory_mb"])' "$1"
}

cct_memory() {
  # A one-row input, so the run's own working set is the same in both modes and the difference
  # in peak RSS is the table.
  echo "==> CCT preload: estimate vs measured peak RSS (1-row input, CCT tables of 1M and 2M rows)"
  "$TARGET_DIR/release/gen-data" participations --rows 1 --seed 7 --out "$WORK/cct-input.csv"
  local rows mode
  for rows in 1000000 2000000; do
    "$TARGET_DIR/release/gen-data" ccts --rows "$rows" --out "$WORK/ccts.csv" >/dev/null
    for mode in ondemand preload; do
      start_sim release
      "$TARGET_DIR/release/ingesta" run "$WORK/cct-input.csv" --api "$SIM_URL" --out "$WORK/cct-$mode" \
        --cct-mode "$mode" --ccts "$WORK/ccts.csv" >/dev/null 2>"$WORK/cct-$mode.log"
      kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true
    done
    python3 - "$WORK/cct-ondemand/summary.json" "$WORK/cct-preload/summary.json" <<'PY'
import json, sys
od, pre = (json.load(open(p)) for p in sys.argv[1:])
c = pre["cct"]["choice"]
delta = pre["peak_memory_mb"] - od["peak_memory_mb"]
print(f"  {c['table_rows']:>9} keys: estimate {c['estimate_mb']:.1f} MiB, peak RSS preload {pre['peak_memory_mb']:.1f}"
      f" - on demand {od['peak_memory_mb']:.1f} = {delta:.1f} MiB (measured/estimate {delta / c['estimate_mb']:.2f});"
      f" in use at the decision {c['in_use_mb']:.1f} MiB")
PY
  done
}

hostile_memory() {
  # One 250 MB field in an otherwise ordinary file: the reader must skip it as it streams.
  echo "==> a file with one 250 MB field: peak RSS of ingesta check and ingesta run (target <= 64 MiB)"
  python3 - "$ROOT/samples/participaciones.csv" "$WORK/huge-field.csv" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write(lines[0] + "\n" + lines[1] + "\n")
    cells = lines[2].split(",")
    out.write(",".join(cells[:6]))
    out.write(",")
    chunk = "x" * (1 << 20)
    for _ in range(250):
        out.write(chunk)
    out.write("," + ",".join(cells[7:]) + "\n")
    out.write("\n".join(lines[3:]) + "\n")
PY
  "$TARGET_DIR/release/ingesta" check "$WORK/huge-field.csv" --json >"$WORK/huge-check.json"
  start_sim release
  "$TARGET_DIR/release/ingesta" run "$WORK/huge-field.csv" --api "$SIM_URL" --out "$WORK/out-huge" >/dev/null 2>&1 || true
  kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true
  python3 - "$WORK/huge-check.json" "$WORK/out-huge/summary.json" <<'PY'
import json, sys
c, r = (json.load(open(p)) for p in sys.argv[1:])
print(f"  check: {c['rows_read']} rows, {c['rows_invalid']} invalid, peak RSS {c['peak_rss_mb']:.1f} MiB")
print(f"  run:   {r['rows_read']} rows, {r['rows_failed']} failed, peak RSS {r['peak_memory_mb']:.1f} MiB")
PY
}

lambda_size() {
  # What the Lambda ships, as cargo lambda (the builder sam build uses) packs it. The host's
  # target: the arm64 one cannot be installed offline here, and the sizes differ little.
  echo "==> the function's bootstrap and zip (release profile: lto, codegen-units 1, strip)"
  "$ROOT/scripts/setup.sh" >/dev/null
  local out="$TARGET_DIR/lambda/ingest"
  (cd functions/ingest && PATH="$ROOT/.venv/bin:$PATH" cargo lambda build --release --quiet)
  local bootstrap_bytes; bootstrap_bytes="$(stat -c %s "$out/bootstrap")"
  (cd functions/ingest && PATH="$ROOT/.venv/bin:$PATH" cargo lambda build --release --quiet --output-format zip)
  python3 -c "import sys; b,z=map(int,sys.argv[1:]); print(f'  bootstrap {b/1e6:.1f} MB, zip {z/1e6:.1f} MB')" \
    "$bootstrap_bytes" "$(stat -c %s "$out/bootstrap.zip")"
}

# `scripts/bench.sh hostile_memory lambda_size` runs just those; no argument runs them all.
if [ $# -gt 0 ]; then
  for bench in "$@"; do "$bench"; done
  exit 0
fi
memory_flatness
cct_memory
hostile_memory
lambda_size
"$ROOT/scripts/bench-s3.sh"
"$ROOT/scripts/bench-api.sh"
"$ROOT/scripts/bench-concurrency.sh"
