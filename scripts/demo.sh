#!/usr/bin/env bash
# `make demo`: build, start the local Strapi-compatible server seeded from samples/, load the
# 40-row sample and the edge-case sample with the real CLI, show the summaries and the error
# report, stop the server. No AWS account, no network beyond loopback.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

echo "==> building (debug profile; the first build takes a few minutes)"
cargo build -q -p strapi-sim -p ingesta-cli
start_sim debug
echo "==> local Strapi-compatible server at $SIM_URL"

echo "==> loading samples/participaciones.csv (CCT table samples/ccts.csv: preloaded if it fits in memory)"
"$TARGET_DIR/debug/ingesta" run samples/participaciones.csv --api "$SIM_URL" --out out/demo/participaciones \
  --ccts samples/ccts.csv
echo
echo "==> loading it again: nothing new is created"
"$TARGET_DIR/debug/ingesta" run samples/participaciones.csv --api "$SIM_URL" --out out/demo/participaciones-rerun
echo
echo "==> loading samples/participaciones_edge.csv (bad rows go to the error report)"
"$TARGET_DIR/debug/ingesta" run samples/participaciones_edge.csv --api "$SIM_URL" --out out/demo/edge
echo
echo "==> out/demo/edge/errors.csv:"
cat out/demo/edge/errors.csv
