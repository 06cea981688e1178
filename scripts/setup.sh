#!/usr/bin/env bash
# Installs the test tools: the Python-packaged ones (moto's S3 server, cargo-lambda, cfn-lint)
# into .venv, and the real Strapi 5 test app (npm ci) into .strapi/app. PostgreSQL 15 (for the
# real Strapi on PostgreSQL, scripts/postgres.sh) is part of the machine image; only when its
# server is missing is Debian's postgresql-15 installed (as root, with apt-get).
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
if [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing PostgreSQL 15 (postgresql-15)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq postgresql-15 >/dev/null ||
      { apt-get update -qq && apt-get install -y -qq postgresql-15 >/dev/null; }
  else
    echo "setup.sh: no /usr/lib/postgresql/15/bin/postgres (install postgresql-15 as root);" \
      "the real Strapi tests on PostgreSQL will fail" >&2
  fi
fi
"$ROOT/scripts/strapi.sh" install
