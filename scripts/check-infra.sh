#!/usr/bin/env bash
# Validates infra/ offline: cfn-lint on every template (the Distributed Map one with its ASL
# inlined, so that cfn-lint checks the state machine definition too), then the structural checks
# of scripts/check_infra.py (every env var the code reads is set, the required resources exist and
# are wired), then self-tests proving those checks fail when something is removed.
# Last line: "N passed, M failed"; exits non-zero when anything failed.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
"$ROOT/scripts/setup.sh" >&2 || { echo "0 passed, 1 failed"; exit 1; }
PY="$ROOT/.venv/bin/python"
LINT="$ROOT/.venv/bin/cfn-lint"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
passed=0 failed=0

pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

# lint NAME FILE: cfn-lint must report nothing (warnings count too).
lint() {
  local out
  if out="$("$LINT" --format parseable -- "$2" 2>&1)"; then pass "cfn-lint $1"; else fail "cfn-lint $1"; echo "$out"; fi
}

# structural ARGS...: one ok/FAIL line per check of check_infra.py, each counted.
structural() {
  local out line
  out="$("$PY" scripts/check_infra.py "$@" 2>&1)"
  while IFS= read -r line; do
    case "$line" in
      "ok   "*) pass "${line#ok   }" ;;
      "FAIL "*) fail "${line#FAIL }" ;;
      *) echo "$line" ;;
    esac
  done <<< "$out"
}

# mutate SRC DEST PYTHON: DEST = SRC with the statement applied to the loaded template `t`.
mutate() {
  "$PY" - "$1" "$2" "$3" <<'EOF'
import sys, yaml
src, dest, stmt = sys.argv[1:]
t = yaml.safe_load(open(src))
exec(stmt)
yaml.safe_dump(t, open(dest, "w"), sort_keys=False)
EOF
}

# must_fail NAME EXPECTED PYTHON: the structural check of the mutated template must fail, naming EXPECTED.
must_fail() {
  local out
  mutate infra/template.yaml "$TMP/template.yaml" "$3" || { fail "self-test: $1 (mutation failed)"; return; }
  if out="$("$PY" scripts/check_infra.py function "$TMP/template.yaml" 2>&1)"; then
    fail "self-test: $1 (the check passed)"
  elif grep -q "^FAIL .*$2" <<< "$out"; then
    pass "self-test: $1 is caught"
  else
    fail "self-test: $1 (failed, but not on '$2')"; echo "$out"
  fi
}

echo "== cfn-lint"
lint infra/template.yaml infra/template.yaml
"$PY" - "$TMP/distributed-map.yaml" <<'EOF'
import json, os, sys, yaml
t = yaml.safe_load(open("infra/distributed-map.yaml"))
p = t["Resources"]["FanOutStateMachine"]["Properties"]
p["Definition"] = json.load(open(os.path.join("infra", p.pop("DefinitionS3Location"))))
yaml.safe_dump(t, open(sys.argv[1], "w"), sort_keys=False)
EOF
lint "infra/distributed-map.yaml + .asl.json" "$TMP/distributed-map.yaml"

echo "== structure: infra/template.yaml"
structural function infra/template.yaml
echo "== structure: infra/distributed-map.yaml"
structural fanout infra/distributed-map.yaml infra/distributed-map.asl.json

echo "== self-tests: the checks fail when something is missing"
V='t["Resources"]["IngestFunction"]["Properties"]'
must_fail "env var MAX_CONCURRENCY removed" "MAX_CONCURRENCY" "del $V['Environment']['Variables']['MAX_CONCURRENCY']"
must_fail "env var CIRCUIT_COOLDOWN_MS removed" "CIRCUIT_COOLDOWN_MS" "del $V['Environment']['Variables']['CIRCUIT_COOLDOWN_MS']"
must_fail "plain-text STRAPI_TOKEN added" "STRAPI_TOKEN" "$V['Environment']['Variables']['STRAPI_TOKEN'] = 'secret'"
must_fail "dead-letter queue removed" "dead-letter" "del t['Resources']['DeadLetterQueue']"
must_fail "bucket notification removed" "S3 event" "del $V['Events']"
must_fail "checkpoint notification removed" "written checkpoint" "del $V['Events']['CheckpointWritten']"
must_fail "dashboard removed" "dashboard" "del t['Resources']['Dashboard']"
must_fail "RecordsFailed alarm removed" "failed rows" "del t['Resources']['FailedRowsAlarm']"
must_fail "SSM read permission removed" "SSM" \
  "s = t['Resources']['IngestRole']['Properties']['Policies'][0]['PolicyDocument']['Statement']; s[:] = [x for x in s if x.get('Sid') != 'ReadToken']"
must_fail "function resource removed" "one function" "del t['Resources']['IngestFunction']"
must_fail "RecursiveLoop removed" "RecursiveLoop" "del $V['RecursiveLoop']"
must_fail "env var MAX_CHECKPOINT_HOPS removed" "MAX_CHECKPOINT_HOPS" "del $V['Environment']['Variables']['MAX_CHECKPOINT_HOPS']"
must_fail "case-sensitive suffix filter added" "no suffix filter" \
  "$V['Events']['CsvUploaded']['Properties']['Filter']['S3Key']['Rules'].append({'Name': 'suffix', 'Value': '.csv'})"
must_fail "alarm topic removed" "SNS topic" "del t['Resources']['AlarmTopic']"
must_fail "an alarm notifying nobody" "ThrottlesAlarm" "del t['Resources']['ThrottlesAlarm']['Properties']['AlarmActions']"
must_fail "email subscription removed" "AlarmEmail" "del t['Resources']['AlarmEmailSubscription']"
must_fail "AsyncEventAge alarm removed" "AsyncEventAge" "del t['Resources']['AsyncEventAgeAlarm']"
must_fail "Throttles alarm removed" "Throttles" "del t['Resources']['ThrottlesAlarm']"
must_fail "bucket DeletionPolicy removed" "InputBucket is retained" "del t['Resources']['InputBucket']['DeletionPolicy']"
must_fail "log group UpdateReplacePolicy removed" "IngestLogGroup is retained" "del t['Resources']['IngestLogGroup']['UpdateReplacePolicy']"
must_fail "ListBucket condition removed" "ListBucket" \
  "s = t['Resources']['IngestRole']['Properties']['Policies'][0]['PolicyDocument']['Statement']; [x.pop('Condition') for x in s if x.get('Sid') == 'TellMissingKeysApart']"
must_fail "DeleteObject on reports/* added" "delete reports" \
  "s = t['Resources']['IngestRole']['Properties']['Policies'][0]['PolicyDocument']['Statement']; [x['Action'].append('s3:DeleteObject') for x in s if x.get('Sid') == 'WriteReports']"
# cfn-lint itself must reject a broken template (so that its pass above means something).
mutate infra/template.yaml "$TMP/broken.yaml" "t['Resources']['DeadLetterQueue']['Properties']['MessageRetentionPeriod'] = 'two weeks'"
if "$LINT" -- "$TMP/broken.yaml" >/dev/null 2>&1; then fail "self-test: cfn-lint accepted a broken template"; else pass "self-test: cfn-lint rejects a broken template"; fi
# A variable added to the code but not to the template must fail too.
printf '#[arg(long, env = "BRAND_NEW_KNOB")]\n' > "$TMP/new_knob.rs"
if out="$("$PY" scripts/check_infra.py function infra/template.yaml --sources crates/ingesta-config/src/lib.rs "$TMP/new_knob.rs" 2>&1)"; then
  fail "self-test: a new env var in the code (the check passed)"
elif grep -q "^FAIL .*BRAND_NEW_KNOB" <<< "$out"; then
  pass "self-test: a new env var in the code is caught"
else
  fail "self-test: a new env var in the code (wrong failure)"; echo "$out"
fi

# The state machine may only send steps the function's dispatcher knows, and must use them all.
# fanout_must_fail NAME EXPECTED PYTHON [STEPS_FILE]: the fan-out check of the mutated ASL `a` must fail.
fanout_must_fail() {
  local out steps=()
  [ -n "${4:-}" ] && steps=(--steps "$4")
  "$PY" - "$TMP/asl.json" "$3" <<'EOF2' || { fail "self-test: $1 (mutation failed)"; return; }
import json, sys
a = json.load(open("infra/distributed-map.asl.json"))
exec(sys.argv[2])
json.dump(a, open(sys.argv[1], "w"))
EOF2
  if out="$("$PY" scripts/check_infra.py fanout infra/distributed-map.yaml "$TMP/asl.json" "${steps[@]}" 2>&1)"; then
    fail "self-test: $1 (the check passed)"
  elif grep -q "^FAIL .*$2" <<< "$out"; then
    pass "self-test: $1 is caught"
  else
    fail "self-test: $1 (failed, but not on '$2')"; echo "$out"
  fi
}
fanout_must_fail "a Task step the function does not know" "step it accepts" "a['States']['Merge']['Parameters']['Payload']['step'] = 'mrege'"
fanout_must_fail "the Parents step removed" "split, parents" "a['States']['Split']['Next'] = 'Shards'; del a['States']['Parents']"
fanout_must_fail "Express children (5-minute cap)" "standard executions" "a['States']['Shards']['ItemProcessor']['ProcessorConfig']['ExecutionType'] = 'EXPRESS'"
sed 's/pub const STEPS: \[&str; 4\] = \[/pub const STEPS: [\&str; 5] = ["rebalance", /' crates/ingesta-lambda/src/fanout/mod.rs > "$TMP/fanout.rs"
fanout_must_fail "a step added to the function but not to the state machine" "every step of the function is used" "" "$TMP/fanout.rs"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
