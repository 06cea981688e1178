#!/usr/bin/env bash
# Installs the test tools: the Python-packaged ones (moto's S3 server, cargo-lambda, cfn-lint)
# into .venv, and the real Strapi 5 test app (npm ci) into .strapi/app.
# Idempotent: each part does nothing when it already matches its lock file.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.venv"
REQ="$ROOT/scripts/requirements-dev.txt"
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ]; then
  echo "==> installing test tools into .venv (moto, cargo-lambda, cfn-lint)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
  echo "$want" > "$STAMP"
fi
"$ROOT/scripts/strapi.sh" install
