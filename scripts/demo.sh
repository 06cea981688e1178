#!/usr/bin/env bash
# `make demo`: build, start the local Strapi-compatible server seeded from samples/, load the
# 40-row sample and the edge-case sample with the real CLI, show the summaries, the read-only
# verification and the error report, stop the server. No AWS account, no network beyond loopback.
# `make demo-strapi` (`scripts/demo.sh --strapi`): the same against a real Strapi 5 (the pinned
# test app of scripts/strapi.sh, installed on first use: needs Node.js 20 and ~4 min once).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

echo "==> building (debug profile; the first build takes a few minutes)"
cargo build -q -p strapi-sim -p ingesta-cli
AUTH=()
if [ "${1:-}" = "--strapi" ]; then
  "$ROOT/scripts/strapi.sh" install
  echo "==> starting a real Strapi 5 with the CMS's model (crates/strapi-model/schema), ~20 s"
  start_strapi "$(mktemp)"
  API="$STRAPI_URL"
  AUTH=(--token "$STRAPI_TEST_TOKEN")
  OUT=out/demo-strapi
  echo "==> real Strapi 5 at $API"
else
  start_sim debug
  API="$SIM_URL"
  OUT=out/demo
  echo "==> local Strapi-compatible server at $API"
fi

echo "==> does what ingesta writes fit the CMS's data model?"
"$TARGET_DIR/debug/ingesta" check --api "$API" "${AUTH[@]}"
echo
echo "==> loading samples/participaciones.csv (CCT table samples/ccts.csv: preloaded if it fits in memory)"
"$TARGET_DIR/debug/ingesta" run samples/participaciones.csv --api "$API" "${AUTH[@]}" --out "$OUT/participaciones" \
  --ccts samples/ccts.csv
echo
echo "==> loading it again: nothing new is created"
"$TARGET_DIR/debug/ingesta" run samples/participaciones.csv --api "$API" "${AUTH[@]}" --out "$OUT/participaciones-rerun"
echo
echo "==> is every entity the file implies in the CMS, exactly once? (read-only)"
"$TARGET_DIR/debug/ingesta" verify samples/participaciones.csv --api "$API" "${AUTH[@]}" 2>/dev/null
echo
echo "==> loading samples/participaciones_edge.csv (bad rows go to the error report)"
"$TARGET_DIR/debug/ingesta" run samples/participaciones_edge.csv --api "$API" "${AUTH[@]}" --out "$OUT/edge"
echo
echo "==> $OUT/edge/errors.csv:"
cat "$OUT/edge/errors.csv"
