# Shared helpers for the scripts: start the local Strapi-compatible server and stop it on exit.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# on_exit CMD: run CMD when the calling script exits (several may be registered).
_EXIT_CMDS=()
_run_exit_cmds() { local c; for c in "${_EXIT_CMDS[@]}"; do eval "$c" || true; done; }
trap _run_exit_cmds EXIT
on_exit() { _EXIT_CMDS+=("$1"); }

# wait_for_log NAME PID LOG PATTERN SECS: returns once LOG has a line matching PATTERN (grep -E),
# printing the first match; fails with the log if PID exits first or SECS pass.
wait_for_log() {
  local name="$1" pid="$2" log="$3" pattern="$4" secs="$5" i hit
  for ((i = 0; i < secs * 10; i++)); do
    if hit="$(grep -m1 -oE "$pattern" "$log")"; then echo "${hit%%$'\n'*}"; return 0; fi
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "$name exited early" >&2; return 1; }
    sleep 0.1
  done
  echo "$name did not start within $secs s" >&2
  return 1
}

# start_sim PROFILE_DIR [extra strapi-sim flags...]: starts the server on a free port, seeded from
# samples/, sets SIM_URL and SIM_PID, and stops it when the calling script exits.
start_sim() {
  local bin="$TARGET_DIR/$1/strapi-sim"; shift
  local log; log="$(mktemp)"
  "$bin" --port 0 --seed-dir "$ROOT/samples" "$@" >"$log" 2>&1 &
  SIM_PID=$!
  on_exit "kill $SIM_PID 2>/dev/null"
  # The server prints its URL once it accepts connections.
  SIM_URL="$(wait_for_log strapi-sim "$SIM_PID" "$log" 'http://[0-9.:]+' 10)"
}

# free_port: a TCP port free on loopback right now.
free_port() {
  local py="$ROOT/.venv/bin/python"
  [ -x "$py" ] || py=python3
  "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_moto LOG: moto's S3 server (from .venv, see setup.sh) on a free loopback port; sets
# MOTO_URL and MOTO_PID, and stops it when the calling script exits.
start_moto() {
  local log="$1" port
  port="$(free_port)"
  "$ROOT/.venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  MOTO_PID=$!
  on_exit "kill $MOTO_PID 2>/dev/null"
  # Werkzeug prints "Running on" once the socket listens.
  wait_for_log moto_server "$MOTO_PID" "$log" 'Running on' 20 >/dev/null
  MOTO_URL="http://127.0.0.1:$port"
}

# s3_put URL BUCKET KEY FILE: creates BUCKET if needed and uploads FILE as KEY (boto3 from .venv).
s3_put() {
  "$ROOT/.venv/bin/python" - "$@" <<'PY'
import sys, boto3
url, bucket, key, path = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
if bucket not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
    s3.create_bucket(Bucket=bucket)
s3.upload_file(path, bucket, key)
PY
}

# start_strapi LOG: the real Strapi 5 test app (scripts/strapi.sh; installed by `make setup`) on a
# free loopback port with a new SQLite file, seeded from samples/; sets STRAPI_URL, STRAPI_PID
# and STRAPI_TEST_TOKEN, and stops it (by its pid) when the calling script exits.
start_strapi() {
  local log="$1" port db i
  port="$(free_port)"
  db="$(mktemp -d)/data.db"
  export STRAPI_TEST_TOKEN="${STRAPI_TEST_TOKEN:-ingesta-test-token}"
  SEED_DIR="$ROOT/samples" "$ROOT/scripts/strapi.sh" run "$port" "$db" >"$log" 2>&1 &
  STRAPI_PID=$!
  on_exit "kill $STRAPI_PID 2>/dev/null"
  STRAPI_URL="http://127.0.0.1:$port"
  # Strapi listens only once its bootstrap (token, seed data) is done: poll until it answers.
  for ((i = 0; i < 1200; i++)); do
    if curl -sf -o /dev/null -H "Authorization: Bearer $STRAPI_TEST_TOKEN" "$STRAPI_URL/api/programas"; then
      return 0
    fi
    kill -0 "$STRAPI_PID" 2>/dev/null || { cat "$log" >&2; echo "Strapi exited early" >&2; return 1; }
    sleep 0.1
  done
  cat "$log" >&2
  echo "Strapi did not start within 120 s" >&2
  return 1
}
