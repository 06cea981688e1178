#!/usr/bin/env bash
# Adaptive concurrency against fixed limits, figures measured in one run (issue #13):
#   latency_bound  - strapi-sim with 20 ms latency and no capacity limit: rows/s and requests/s of
#                    the adaptive limit (default settings) and of fixed limits 8..256, and the
#                    adaptive one's ratio to the best fixed one (target >= 0.9);
#   cpu_bound      - strapi-sim serving CAPACITY_RPS requests/s one at a time (latency grows with
#                    the queue, like a real Strapi on its CPU) and 1 s request timeouts: the same
#                    table with timeouts and retries (target: adaptive >= best fixed, 0 timeouts);
#   real_strapi    - the same table against the real Strapi 5 test app (scripts/strapi.sh, a fresh
#                    SQLite database per run): REAL_ROWS rows, adaptive vs fixed 2/4/8/16/32
#                    (target: adaptive >= best fixed, 0 timeouts);
#   check_speed    - `ingesta check` MB/s on a generated ~205 MiB file next to `wc -l` and a plain
#                    csv parse (Python's csv module) of the same file (target >= 150 MB/s), and its
#                    peak RSS at 20,000 and 200,000 rows (target flat: <= 1.5x, <= 64 MB);
#   parents        - the first batch of a file with 36 implementations at 20 ms latency: how long
#                    its parents take to set up, in round trips (target: one per level of the parent
#                    graph, not one per implementation).
# Each run gets a fresh, empty API. Knobs (environment): ROWS (5000), CPU_ROWS (600),
# CAPACITY_RPS (200), REAL_ROWS (300), FIXED ("8 16 32 64 128 256"), REAL_FIXED ("2 4 8 16 32"),
# CHECK_ROWS (630000), BENCH_PROFILE (release; debug for a quick look).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ROWS="${ROWS:-5000}"
CPU_ROWS="${CPU_ROWS:-600}"
CAPACITY_RPS="${CAPACITY_RPS:-200}"
FIXED="${FIXED:-8 16 32 64 128 256}"
REAL_ROWS="${REAL_ROWS:-300}"
REAL_FIXED="${REAL_FIXED:-2 4 8 16 32}"
CHECK_ROWS="${CHECK_ROWS:-630000}"
PROFILE="${BENCH_PROFILE:-release}"

if [ "$PROFILE" = release ]; then
  echo "==> building release binaries (the first build takes several minutes)"
  cargo build -q --release -p strapi-sim -p ingesta-cli -p ingesta-gen
else
  cargo build -q -p strapi-sim -p ingesta-cli -p ingesta-gen
fi
BIN="$TARGET_DIR/$PROFILE"
WORK="$(mktemp -d)"
on_exit "rm -rf '$WORK'"

# The API a table runs against: strapi-sim with the table's flags, or the real Strapi.
start_api() { if [ "$1" = strapi ]; then start_strapi "$WORK/strapi.log"; API_URL="$STRAPI_URL"; API_PID="$STRAPI_PID";
  else start_sim "$PROFILE" "$@"; API_URL="$SIM_URL"; API_PID="$SIM_PID"; fi; }
stop_api() { kill "$API_PID" 2>/dev/null || true; wait "$API_PID" 2>/dev/null || true; }

# load NAME FILE [ingesta flags...]: one run against $API_URL; summary in $WORK/NAME/summary.json.
load() {
  local name="$1" file="$2"; shift 2
  RUST_LOG="${RUST_LOG:-info}" "$BIN/ingesta" run "$file" --api "$API_URL" --out "$WORK/$name" --log-json "$@" \
    >/dev/null 2>"$WORK/$name.log" || { tail -n 5 "$WORK/$name.log" >&2; echo "ingesta failed ($name)" >&2; return 1; }
}

# table SECTION FILE API_FLAGS INGESTA_FLAGS [FIXED]: the adaptive run and each fixed one, then the
# verdict. API_FLAGS "strapi" means the real Strapi.
table() {
  local section="$1" file="$2" sim_flags="$3" flags="$4" rates="$WORK/$1.rates" fixed="${5:-$FIXED}"
  printf '  %-12s %8s %8s %9s %8s %8s %8s %7s %12s\n' run seconds rows/s requests/s "lat ms" timeouts retries failed "in flight"
  local runs=("adaptive:")
  for c in $fixed; do runs+=("fixed-$c:--fixed-concurrency --concurrency $c"); done
  for r in "${runs[@]}"; do
    local name="${r%%:*}" extra="${r#*:}"
    # shellcheck disable=SC2086 # flags are words
    start_api $sim_flags
    # shellcheck disable=SC2086
    load "$section-$name" "$file" $flags $extra
    stop_api
    python3 - "$WORK/$section-$name/summary.json" "$name" "$rates" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); name = sys.argv[2]
secs = s["duration_ms"] / 1000; api = s["api"]; c = api.get("concurrency", {})
in_flight = f"{c['min']}-{c['max']}>{c['current']}" if c.get("adaptive") else str(c.get("current", "?"))
print(f"  {name:<12} {secs:>8.1f} {s['rows_read'] / secs:>8.0f} {api['requests'] / secs:>9.0f} {api['mean_latency_ms']:>8.1f} "
      f"{api.get('timeouts', 0):>8} {api['retries']:>8} {s['rows_failed']:>7} {in_flight:>12}")
open(sys.argv[3], "a").write(f"{name} {s['rows_read'] / secs} {api.get('timeouts', 0)} {api['retries']}\n")
PY
  done
  python3 - "$rates" "$section" <<'PY'
import sys
runs = {}
for line in open(sys.argv[1]):
    name, rate, timeouts, retries = line.split()
    runs[name] = (float(rate), int(timeouts), int(retries))
adaptive = runs.pop("adaptive")
best, (best_rate, _, _) = max(runs.items(), key=lambda kv: kv[1][0])
ratio = adaptive[0] / best_rate
if sys.argv[2] == "latency":
    verdict = "ok" if ratio >= 0.9 else "below target 0.9"
else:
    # Within 2 %: at capacity every run takes the same time give or take a few tenths of a second.
    verdict = "ok" if ratio >= 0.98 and adaptive[1] == 0 else "below target (>= best fixed within 2 %, 0 timeouts)"
print(f"  adaptive {adaptive[0]:.0f} rows/s vs best fixed ({best}) {best_rate:.0f} rows/s: ratio {ratio:.2f}, "
      f"adaptive timeouts {adaptive[1]}, retries {adaptive[2]}: {verdict}")
PY
}

latency_bound() {
  echo "==> latency-bound API: $ROWS rows, strapi-sim with 20 ms latency, no capacity limit"
  "$BIN/gen-data" participations --rows "$ROWS" --seed 21 --out "$WORK/latency.csv" 2>/dev/null
  table latency "$WORK/latency.csv" "--latency-ms 20" ""
}

cpu_bound() {
  echo "==> CPU-bound API: $CPU_ROWS rows, strapi-sim serving $CAPACITY_RPS requests/s one at a time (+2 ms), 1 s request timeouts"
  "$BIN/gen-data" participations --rows "$CPU_ROWS" --seed 22 --out "$WORK/cpu.csv" 2>/dev/null
  table cpu "$WORK/cpu.csv" "--latency-ms 2 --capacity-rps $CAPACITY_RPS" "--request-timeout-ms 1000"
}

parents() {
  echo "==> parents of the first batch: 1,000 rows, 36 implementations (6 programs x 6), 20 ms latency"
  "$BIN/gen-data" participations --rows 1000 --seed 23 --programs 6 --implementations-per-program 6 \
    --out "$WORK/parents.csv" 2>/dev/null
  start_api --latency-ms 20
  RUST_LOG=ingesta_pipeline=debug,info load parents "$WORK/parents.csv"
  stop_api
  python3 - "$WORK/parents.log" "$WORK/parents/summary.json" <<'PY'
import json, sys
first = next(json.loads(l) for l in open(sys.argv[1]) if "parents ready" in l)
f = first.get("fields", first)
ms, requests, rows = int(f["ms"]), int(f["requests"]), int(f["rows"])
created = json.load(open(sys.argv[2]))["created"]
print(f"  first batch ({rows} rows): parents ready in {ms} ms with {requests} requests, "
      f"{ms / 20:.1f} round trips of 20 ms; the file created {created.get('implementaciones', 0)} implementations, "
      f"{created.get('modulos', 0)} modules, {created.get('asistencias', 0)} sessions, {created.get('trabajos', 0)} works")
print(f"  (one after another, that would be at least {requests} round trips, {requests * 20} ms)")
PY
}

real_strapi() {
  echo "==> real Strapi 5 (SQLite, this machine's cores): $REAL_ROWS rows, a fresh database per run"
  [ -d "$ROOT/.strapi/app/node_modules" ] || "$ROOT/scripts/strapi.sh" install >/dev/null
  "$BIN/gen-data" participations --rows "$REAL_ROWS" --seed 24 --out "$WORK/real.csv" 2>/dev/null
  export STRAPI_TEST_TOKEN="${STRAPI_TEST_TOKEN:-ingesta-test-token}"
  STRAPI_TOKEN="$STRAPI_TEST_TOKEN" table real "$WORK/real.csv" strapi "" "$REAL_FIXED"
}

check_speed() {
  echo "==> ingesta check: $CHECK_ROWS generated rows, next to wc -l and Python's csv module on the same file"
  "$BIN/gen-data" participations --rows "$CHECK_ROWS" --seed 25 --out "$WORK/big.csv" 2>/dev/null
  local mib; mib="$(python3 -c "import os,sys; print(os.path.getsize(sys.argv[1]) / 2**20)" "$WORK/big.csv")"
  cat "$WORK/big.csv" >/dev/null # the page cache holds it for all three
  python3 - "$WORK/big.csv" "$mib" "$BIN/ingesta" <<'PY'
import csv, json, subprocess, sys, time
path, mib, ingesta = sys.argv[1], float(sys.argv[2]), sys.argv[3]
def timed(f):
    t = time.perf_counter(); out = f(); return time.perf_counter() - t, out
wc, _ = timed(lambda: subprocess.run(["wc", "-l", path], check=True, capture_output=True))
def parse():
    with open(path, newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f))
py, _ = timed(parse)
ck, out = timed(lambda: subprocess.run([ingesta, "check", path, "--json"], check=True, capture_output=True, text=True))
checked = json.loads(out.stdout)
print(f"  file {mib:.1f} MiB, {checked['rows_read']} rows ({checked['rows_invalid']} invalid)")
for name, secs in [("wc -l", wc), ("python csv", py), ("ingesta check", ck)]:
    print(f"  {name:<14} {secs:>7.2f} s {mib / secs:>8.0f} MiB/s")
print(f"  ingesta check / python csv = {py / ck:.1f}x; target >= 150 MB/s: {'ok' if mib * 1.048576 / ck >= 150 else 'below'}")
PY
  local n rss=()
  for n in 20000 200000; do
    "$BIN/gen-data" participations --rows "$n" --seed 26 --out "$WORK/check-$n.csv" 2>/dev/null
    rss+=("$( { /usr/bin/time -f '%M' "$BIN/ingesta" check "$WORK/check-$n.csv" >/dev/null; } 2>&1 | tail -n 1)")
  done
  python3 -c "import sys; a,b=map(int,sys.argv[1:]); print(f'  peak RSS {a/1024:.1f} MiB at 20k rows, {b/1024:.1f} MiB at 200k: ratio {b/a:.2f} (target <= 1.5, <= 64 MB)')" "${rss[@]}"
}

sections=("$@")
[ ${#sections[@]} -gt 0 ] || sections=(latency_bound cpu_bound real_strapi parents check_speed)
for s in "${sections[@]}"; do "$s"; done
