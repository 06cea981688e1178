#!/usr/bin/env bash
# API throughput benchmarks (release build), printing figures measured in one run:
#   1. achieved requests/s against the bound min(RATE_LIMIT_RPS, concurrency / latency) for an API
#      latency of 20 ms and concurrency 8, 32 and 64 (target: ratio >= 0.9), with the mean latency
#      the client measured and the share of request slots kept busy at that latency;
#   2. the adaptive batch sizer against three fixed batch sizes on a run whose API latency jumps
#      from 10 ms to 80 ms half-way (target: adaptive >= the best fixed size).
# The latency jump is a switch of the server's faults scheduled after half the run's requests
# (PUT /__sim/faults/next), counted by the server: no timing guess.
#
# Run lengths: 3,000 rows so the throughput is the steady state, not the batch sizer's ramp-up
# (1,000 rows at concurrency 8 spend most of the run in batches of 50-250 and their boundaries);
# 4,000 rows so the 10 ms phase outlasts the ramp-up and the comparison is about the change.
# Knobs (environment): RATE_LIMIT_RPS (default 1000), THROUGHPUT_ROWS (3000), ADAPTIVE_ROWS (4000),
# ADAPTIVE_CONCURRENCY (32), FIXED_SIZES ("20 100 500").
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

RATE_LIMIT_RPS="${RATE_LIMIT_RPS:-1000}"
THROUGHPUT_ROWS="${THROUGHPUT_ROWS:-3000}"
ADAPTIVE_ROWS="${ADAPTIVE_ROWS:-4000}"
ADAPTIVE_CONCURRENCY="${ADAPTIVE_CONCURRENCY:-32}"
FIXED_SIZES="${FIXED_SIZES:-20 100 500}"

echo "==> building release binaries (the first build takes several minutes)"
cargo build -q --release -p strapi-sim -p ingesta-cli -p ingesta-gen
BIN="$TARGET_DIR/release"
WORK="$(mktemp -d)"
on_exit "rm -rf '$WORK'"

# stop_sim: stops the server start_sim started (each run gets a fresh, empty API).
stop_sim() { kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; }

# load NAME FILE [ingesta flags...]: one run against $SIM_URL; summary in $WORK/NAME/summary.json.
load() {
  local name="$1" file="$2"; shift 2
  "$BIN/ingesta" run "$file" --api "$SIM_URL" --out "$WORK/$name" "$@" >/dev/null 2>"$WORK/$name.log" || {
    tail -n 5 "$WORK/$name.log" >&2; echo "ingesta failed ($name)" >&2; return 1; }
}

# field NAME JQ: a value from a run's summary.
field() { jq -r "$2" "$WORK/$1/summary.json"; }

throughput() {
  local latency=20
  echo "==> throughput: API latency ${latency} ms, RATE_LIMIT_RPS=$RATE_LIMIT_RPS, $THROUGHPUT_ROWS rows, adaptive batches"
  "$BIN/gen-data" participations --rows "$THROUGHPUT_ROWS" --seed 11 --out "$WORK/tp.csv" 2>/dev/null
  printf '  %-11s %9s %8s %8s %9s %6s %8s %6s %7s %6s %11s\n' concurrency requests seconds "req/s" "bound/s" ratio "lat ms" "busy" failed "req/row" "batch size"
  for c in 8 32 64; do
    start_sim release --latency-ms "$latency"
    load "tp-$c" "$WORK/tp.csv" --fixed-concurrency --concurrency "$c" --rate-limit-rps "$RATE_LIMIT_RPS"
    stop_sim
    local requests ms failed per_row bmin bmax mean_ms
    requests="$(field "tp-$c" .api.requests)"; ms="$(field "tp-$c" .duration_ms)"
    failed="$(field "tp-$c" .rows_failed)"; per_row="$(field "tp-$c" .api.requests_per_row)"
    bmin="$(field "tp-$c" .batch_size_min)"; bmax="$(field "tp-$c" .batch_size_max)"
    mean_ms="$(field "tp-$c" .api.mean_latency_ms)"
    python3 - "$c" "$requests" "$ms" "$RATE_LIMIT_RPS" "$latency" "$failed" "$per_row" "$bmin" "$bmax" "$mean_ms" <<'PY'
import sys
c, requests, ms, rps, latency, failed, per_row, bmin, bmax, mean_ms = sys.argv[1:]
c, requests, secs, rps, latency = int(c), int(requests), int(ms) / 1000, float(rps), float(latency)
achieved = requests / secs
bound = min(rps, c / (latency / 1000))
ratio = achieved / bound
# busy: the share of the c request slots holding a request, at the latency the client measured
# (the local server's 20 ms sleep plus its timer rounding and the HTTP round trip).
busy = requests * float(mean_ms) / 1000 / (c * secs)
print(f"  {c:<11} {requests:>9} {secs:>8.1f} {achieved:>8.0f} {bound:>9.0f} {ratio:>6.2f} {float(mean_ms):>8.1f} "
      f"{busy:>6.2f} {failed:>7} {float(per_row):>6.2f} {bmin + '-' + bmax:>11}  {'ok' if ratio >= 0.9 else 'below target 0.9'}")
PY
  done
}

# Polls the server's request count (jq over /__sim/stats) and prints it.
sim_requests() { curl -fsS "$SIM_URL/__sim/stats" | jq '[.requests[]] | add // 0'; }

adaptive_vs_fixed() {
  local rows="$ADAPTIVE_ROWS" c="$ADAPTIVE_CONCURRENCY"
  echo "==> adaptive vs fixed batch sizes: $rows rows, concurrency $c, API latency 10 ms then 80 ms from half the requests"
  "$BIN/gen-data" participations --rows "$rows" --seed 13 --out "$WORK/ad.csv" 2>/dev/null
  # Calibration: the requests a fresh load of this file costs (the same for every batch size).
  start_sim release
  load calibrate "$WORK/ad.csv" --fixed-concurrency --concurrency "$c"
  local total; total="$(sim_requests)"
  stop_sim
  local half=$((total / 2))
  echo "  a fresh load costs $total requests; the latency switches after request $half"
  local slow='{"after_requests": '"$half"', "faults": {"latency_ms": 80}}'
  printf '  %-10s %11s %8s %8s %9s %8s %10s\n' run "batch size" seconds "rows/s" requests switched failed
  local runs=("adaptive:" )
  for n in $FIXED_SIZES; do runs+=("fixed-$n:--fixed-batch --batch-size-initial $n --batch-size-max $((n > 1000 ? n : 1000))"); done
  for r in "${runs[@]}"; do
    local name="${r%%:*}" flags="${r#*:}"
    start_sim release --latency-ms 10
    curl -fsS -X PUT -H 'content-type: application/json' -d "$slow" "$SIM_URL/__sim/faults/next" >/dev/null
    # shellcheck disable=SC2086 # flags are words
    load "$name" "$WORK/ad.csv" --fixed-concurrency --concurrency "$c" $flags
    local switched; switched="$(curl -fsS "$SIM_URL/__sim/faults/next" | jq 'if . == null then "yes" else "no" end' -r)"
    local requests; requests="$(sim_requests)"
    stop_sim
    printf '  %-10s %11s %8.1f %8.0f %9s %8s %10s\n' "$name" \
      "$(field "$name" .batch_size_min)-$(field "$name" .batch_size_max)" \
      "$(field "$name" '.duration_ms / 1000')" "$(field "$name" "$rows / (.duration_ms / 1000)")" \
      "$requests" "$switched" "$(field "$name" .rows_failed)"
    echo "$name $(field "$name" "$rows / (.duration_ms / 1000)")" >>"$WORK/rates"
  done
  python3 - "$WORK/rates" <<'PY'
import sys
rates = dict(line.split() for line in open(sys.argv[1]))
rates = {k: float(v) for k, v in rates.items()}
adaptive = rates.pop("adaptive")
best, best_rate = max(rates.items(), key=lambda kv: kv[1])
verdict = "yes" if adaptive >= best_rate else "no"
print(f"  adaptive {adaptive:.0f} rows/s vs best fixed ({best}) {best_rate:.0f} rows/s: "
      f"ratio {adaptive / best_rate:.2f}; adaptive >= best fixed: {verdict}")
PY
}

# Both sections by default; `bench-api.sh throughput` or `bench-api.sh adaptive_vs_fixed` runs one.
for section in "${@:-throughput adaptive_vs_fixed}"; do
  for name in $section; do "$name"; done
done
