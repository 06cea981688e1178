#!/usr/bin/env bash
# Installs the Python-packaged tools (moto's S3 server, cargo-lambda, cfn-lint) into .venv.
# Idempotent: does nothing when .venv already matches scripts/requirements-dev.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.venv"
REQ="$ROOT/scripts/requirements-dev.txt"
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  exit 0
fi
echo "==> installing test tools into .venv (moto, cargo-lambda, cfn-lint)"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
echo "$want" > "$STAMP"
