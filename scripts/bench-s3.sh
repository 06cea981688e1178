#!/usr/bin/env bash
# Issue #4: "a 200 MB object is streamed with peak RSS under 100 MB". Puts a generated object of
# at least 200 MiB into moto's S3 on loopback and streams it with `ingesta check` (the run's own
# reader and row validation, no API), then prints the object size, rows, time and peak RSS.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

OBJECT_MIB=200
LIMIT_MB=100
BUCKET=bench
KEY=incoming/participaciones-200mb.csv
PY="$ROOT/.venv/bin/python"

"$ROOT/scripts/setup.sh"   # moto and boto3 live in .venv
echo "==> building release binaries (the first build takes several minutes)"
cargo build -q --release -p ingesta-cli -p ingesta-gen
WORK="$(mktemp -d)"
on_exit "rm -rf '$WORK'"

echo "==> S3 streaming: peak RSS of \`ingesta check\` on a ${OBJECT_MIB} MiB object in moto's S3"
gen="$TARGET_DIR/release/gen-data"
# Rows for the target size, from the bytes per row of a probe (the generator's rows vary a little).
"$gen" participations --rows 10000 --seed 7 --out "$WORK/probe.csv" >/dev/null 2>&1
per_row=$(( $(stat -c %s "$WORK/probe.csv") / 10000 ))
rows=$(( OBJECT_MIB * 1024 * 1024 / per_row * 102 / 100 ))
"$gen" participations --rows "$rows" --seed 7 --out "$WORK/big.csv" >/dev/null
size=$(stat -c %s "$WORK/big.csv")
if [ "$size" -lt $(( OBJECT_MIB * 1024 * 1024 )) ]; then
  echo "generated only $size bytes for $rows rows" >&2
  exit 1
fi

start_moto "$WORK/moto.log"
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
s3_put "$MOTO_URL" "$BUCKET" "$KEY" "$WORK/big.csv"
rm -f "$WORK/big.csv"   # from here on the bytes come from S3 only

S3_ENDPOINT_URL="$MOTO_URL" "$TARGET_DIR/release/ingesta" check "s3://$BUCKET/$KEY" --json \
  >"$WORK/check.json" 2>"$WORK/check.log" || { cat "$WORK/check.log" >&2; exit 1; }
"$PY" - "$WORK/check.json" "$size" "$LIMIT_MB" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
size, limit = int(sys.argv[2]), float(sys.argv[3])
mib = size / 2**20
peak = c["peak_rss_mb"]
if peak is None:
    sys.exit("no peak RSS figure (/proc/self/status unreadable)")
print(f"  object:   {c['input']}, {size} bytes ({mib:.1f} MiB), streamed {c['bytes']} bytes")
print(f"  rows:     {c['rows_read']} read, {c['rows_invalid']} invalid")
print(f"  time:     {c['seconds']:.1f} s ({mib / c['seconds']:.1f} MiB/s, {c['rows_read'] / c['seconds']:.0f} rows/s)")
# The target is in MB (10^6 bytes), the stricter reading of "100 MB".
peak_mb = peak * 2**20 / 1e6
verdict = "ok" if peak_mb < limit else "NOT MET"
print(f"  peak RSS: {peak:.1f} MiB = {peak_mb:.1f} MB (< {limit:.0f} MB: {verdict})")
if c["bytes"] != size:
    sys.exit("the object was not streamed to its end")
PY
