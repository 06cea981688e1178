#!/usr/bin/env bash
# `make lambda-local`: the function as AWS runs it, on this machine. Starts moto's S3 and the
# local Strapi-compatible server, puts the sample where events/s3-put-participaciones.json says
# it was uploaded, runs the function under `cargo lambda watch` (the real Lambda runtime client
# against cargo-lambda's Runtime API) and invokes it with that event; prints the invocation's
# result and the reports it left in the bucket. No AWS account. LAMBDA_PROFILE=release builds and
# runs the function optimised (as deployed) instead of in the debug profile.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

EVENT="${1:-events/s3-put-participaciones.json}"
RELEASE=()
[ "${LAMBDA_PROFILE:-debug}" = release ] && RELEASE=(--release)
BUCKET=ingesta-local
KEY=incoming/participaciones.csv
WORK="$(mktemp -d)"
on_exit "rm -rf '$WORK'"

"$ROOT/scripts/setup.sh"   # cargo-lambda and moto live in .venv
echo "==> building (${LAMBDA_PROFILE:-debug} profile; the first build takes a few minutes)"
cargo build -q -p strapi-sim
(cd functions/ingest && cargo build -q "${RELEASE[@]}" --bin ingest)
start_sim debug
start_moto "$WORK/moto.log"
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
s3_put "$MOTO_URL" "$BUCKET" "$KEY" samples/participaciones.csv
s3_put "$MOTO_URL" "$BUCKET" ccts/ccts.csv samples/ccts.csv   # the CCT table's default key
echo "==> s3://$BUCKET/$KEY in moto at $MOTO_URL; API at $SIM_URL"

port="$(free_port)"
(cd functions/ingest && exec "$ROOT/.venv/bin/cargo-lambda" lambda watch "${RELEASE[@]}" --ignore-changes \
  --invoke-address 127.0.0.1 --invoke-port "$port" \
  --env-var "STRAPI_BASE_URL=$SIM_URL" --env-var "S3_ENDPOINT_URL=$MOTO_URL" \
  --env-var AWS_ACCESS_KEY_ID=local --env-var AWS_SECRET_ACCESS_KEY=local --env-var AWS_REGION=us-east-1 \
  --env-var AWS_EC2_METADATA_DISABLED=true --env-var AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512) \
  >"$WORK/watch.log" 2>&1 &
WATCH_PID=$!
on_exit "kill $WATCH_PID 2>/dev/null"
for _ in $(seq 1 600); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$WATCH_PID" 2>/dev/null || { cat "$WORK/watch.log" >&2; echo "cargo lambda watch exited" >&2; exit 1; }
  sleep 0.1
done

echo "==> cargo lambda invoke ingest --data-file $EVENT"
(cd functions/ingest && "$ROOT/.venv/bin/cargo-lambda" lambda invoke ingest --invoke-address 127.0.0.1 \
  --invoke-port "$port" --data-file "$ROOT/$EVENT") | "$ROOT/.venv/bin/python" -m json.tool
echo
echo "==> what the function left in the bucket"
"$ROOT/.venv/bin/python" - "$MOTO_URL" "$BUCKET" <<'PY'
import sys, boto3
url, bucket = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
    print(f"  s3://{bucket}/{o['Key']}  ({o['Size']} bytes)")
PY
echo "==> the CCT decision, as the function logged it"
grep -o '"message":"CCT look-up chosen"[^}]*' "$WORK/watch.log" || true
echo "==> the function's last log lines"
tail -n 5 "$WORK/watch.log"
