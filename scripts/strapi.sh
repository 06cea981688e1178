#!/usr/bin/env bash
# A real Strapi 5 (5.54, SQLite or PostgreSQL) for ingesta's tests, built only from this
# repository's files: scripts/strapi/ (package.json, package-lock.json, config/, src/index.js)
# and the content types of crates/strapi-model/schema/*.json (the single source of truth for
# the model).
#
#   scripts/strapi.sh install
#       Materialises the app in $STRAPI_APP_DIR (default .strapi/app, git-ignored): copies the
#       sources, generates src/api/<name>/ for every schema file, and runs `npm ci` only when
#       node_modules is missing or package.json/package-lock.json changed since the last
#       successful install (~4 min the first time: better-sqlite3 is compiled with node-gyp).
#   scripts/strapi.sh run PORT DBFILE
#   scripts/strapi.sh run PORT pg:NAME | postgres://USER[:PASSWORD]@HOST[:PORT]/NAME
#       Does install's cheap part (and npm ci if needed), then execs `strapi start` on
#       127.0.0.1:PORT with the SQLite database DBFILE (created if missing), or on PostgreSQL:
#       pg:NAME is the database NAME of the test cluster of scripts/postgres.sh (make it first
#       with `scripts/postgres.sh createdb NAME`), a postgres:// URL any database (no %-escapes).
#       Strapi creates its tables in an empty database. The script's pid
#       becomes the server's: node runs Strapi's CLI in process, with no child process, so
#       `kill PID` stops the whole server.
#       Environment: STRAPI_TEST_TOKEN (default ingesta-test-token) is the plain value of a
#       full-access API token; SEED_DIR, when set, seeds SEED_DIR/encuestas.csv and
#       SEED_DIR/ccts.csv (ids kept) into empty collections and prints `seeded N encuestas, M ccts`.
#       Readiness: the HTTP server listens only after the bootstrap (token, seeding) is done, so
#       poll `GET http://127.0.0.1:PORT/api/programas` with `Authorization: Bearer $STRAPI_TEST_TOKEN`
#       until it answers 200 (~15-20 s after the start on a warm install).
#
# Installs are serialised with a lock, and the generated files are rewritten only when their
# content changes, so several `run`s may start at once (each with its own PORT and database).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/scripts/strapi"
SCHEMAS="$ROOT/crates/strapi-model/schema"
APP="${STRAPI_APP_DIR:-$ROOT/.strapi/app}"
case "$APP" in /*) ;; *) APP="$PWD/$APP" ;; esac
STAMP_NAME=".ingesta-install.sha256"

usage() {
  echo "usage: $0 install | run PORT DBFILE" >&2
  exit 2
}

# Copies FROM to TO unless TO already has the same bytes (keeps files stable for running apps).
sync_file() {
  local from="$1" to="$2"
  if ! cmp -s "$from" "$to"; then
    mkdir -p "$(dirname "$to")"
    cp "$from" "$to.tmp.$$"
    mv -f "$to.tmp.$$" "$to"
  fi
}

# Copies the app's sources and generates src/api from the schema files (cheap, every time).
materialise() {
  # public/uploads: the upload plugin (part of Strapi) refuses to start without it.
  mkdir -p "$APP" "$APP/public/uploads"
  sync_file "$SRC/package.json" "$APP/package.json"
  sync_file "$SRC/package-lock.json" "$APP/package-lock.json"
  sync_file "$SRC/src/index.js" "$APP/src/index.js"
  local f
  for f in "$SRC"/config/*.js; do
    sync_file "$f" "$APP/config/$(basename "$f")"
  done
  # ingesta's own Strapi plugin (infra/strapi-plugin), as a local plugin of the app
  # (config/plugins.js resolves it; INGESTA_PLUGIN=false starts the app without it).
  local plugin="$ROOT/infra/strapi-plugin"
  (cd "$plugin" && find . -type f \( -path './server/*' -o -name '*.json' -o -name 'strapi-server.js' \) -print) |
    while read -r f; do sync_file "$plugin/$f" "$APP/src/plugins/ingesta/$f"; done
  # config files no longer in the sources
  for f in "$APP"/config/*.js; do
    [ -e "$f" ] || continue
    [ -e "$SRC/config/$(basename "$f")" ] || rm -f "$f"
  done
  node - "$SCHEMAS" "$APP/src/api" <<'JS'
// Writes src/api/<singularName>/{content-types/<n>/schema.json,routes,controllers,services}/<n>.js
// for each schema file and removes api folders that no schema names any more.
const fs = require('fs');
const path = require('path');
const [schemaDir, apiDir] = process.argv.slice(2);
const write = (file, text) => {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp.${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
};
const files = fs.readdirSync(schemaDir).filter((f) => f.endsWith('.json')).sort();
if (files.length === 0) throw new Error(`no schema files in ${schemaDir}`);
const names = new Set();
for (const f of files) {
  const text = fs.readFileSync(path.join(schemaDir, f), 'utf8');
  let schema;
  try {
    schema = JSON.parse(text);
  } catch (e) {
    throw new Error(`${f}: ${e.message}`);
  }
  const name = schema.info && schema.info.singularName;
  if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`${f}: bad info.singularName ${name}`);
  if (`${name}.json` !== f) throw new Error(`${f}: info.singularName is ${name}, expected the file name`);
  const uid = `api::${name}.${name}`;
  const dir = path.join(apiDir, name);
  write(path.join(dir, 'content-types', name, 'schema.json'), text);
  for (const kind of ['routes', 'controllers', 'services']) {
    const factory = { routes: 'createCoreRouter', controllers: 'createCoreController', services: 'createCoreService' }[kind];
    write(
      path.join(dir, kind, `${name}.js`),
      `// generated by scripts/strapi.sh from crates/strapi-model/schema/${f}\n` +
        `'use strict';\n\nconst { factories } = require('@strapi/strapi');\n\n` +
        `module.exports = factories.${factory}('${uid}');\n`
    );
  }
  names.add(name);
}
if (fs.existsSync(apiDir)) {
  for (const d of fs.readdirSync(apiDir)) {
    if (!names.has(d)) fs.rmSync(path.join(apiDir, d), { recursive: true, force: true });
  }
}
JS
}

# npm ci when node_modules is missing or the manifests changed since the last successful one.
npm_install_if_needed() {
  local want stamp="$APP/node_modules/$STAMP_NAME"
  want="$(cat "$APP/package.json" "$APP/package-lock.json" | sha256sum | cut -d' ' -f1)"
  if [ -d "$APP/node_modules" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "==> installing Strapi 5.54 test app (npm ci, ~4 min the first time)"
  # better-sqlite3: no prebuilt binary can be downloaded here, so node-gyp compiles it against
  # the headers of the installed node (/usr/include/node).
  (
    cd "$APP"
    npm_config_build_from_source=better-sqlite3 \
      npm_config_nodedir="${npm_config_nodedir:-/usr}" \
      npm ci --no-audit --no-fund --ignore-scripts=false
  )
  if ! (cd "$APP" && node -e "new (require('better-sqlite3'))(':memory:').close()"); then
    echo "strapi.sh: better-sqlite3 did not build in $APP/node_modules" >&2
    exit 1
  fi
  echo "$want" >"$stamp"
}

install() {
  mkdir -p "$APP"
  # One install at a time (concurrent test servers share the app dir).
  exec 9>"$APP/.install.lock"
  flock 9
  materialise
  npm_install_if_needed
  flock -u 9
  exec 9>&-
}

case "${1:-}" in
  install)
    [ $# -eq 1 ] || usage
    install
    ;;
  run)
    [ $# -eq 3 ] || usage
    port="$2"
    db="$3"
    [[ "$port" =~ ^[0-9]+$ ]] || usage
    pg_url=
    case "$db" in
      pg:*) pg_url="$("$ROOT/scripts/postgres.sh" url "${db#pg:}")" ;;
      postgres://* | postgresql://*) pg_url="$db" ;;
      /*) ;;
      *) db="$PWD/$db" ;;
    esac
    if [ -n "$pg_url" ]; then
      # postgres://USER[:PASSWORD]@HOST[:PORT]/NAME: 2 user, 4 password, 5 host, 7 port, 8 name
      url_re='^postgres(ql)?://([^:@/]+)(:([^@/]*))?@([^:/@]+)(:([0-9]+))?/([^/?#]+)$'
      if ! [[ "$pg_url" =~ $url_re ]]; then
        echo "strapi.sh: cannot read $pg_url (want postgres://USER[:PASSWORD]@HOST[:PORT]/NAME)" >&2
        exit 2
      fi
      pg_user="${BASH_REMATCH[2]}" pg_password="${BASH_REMATCH[4]}" pg_host="${BASH_REMATCH[5]}"
      pg_port="${BASH_REMATCH[7]:-5432}" pg_name="${BASH_REMATCH[8]}"
    fi
    if [ -n "${SEED_DIR:-}" ]; then
      case "$SEED_DIR" in /*) ;; *) SEED_DIR="$PWD/$SEED_DIR" ;; esac
      export SEED_DIR
    fi
    install
    cd "$APP"
    export HOST=127.0.0.1
    export PORT="$port"
    if [ -n "$pg_url" ]; then
      unset DATABASE_FILENAME
      export DATABASE_CLIENT=postgres
      export DATABASE_HOST="$pg_host" DATABASE_PORT="$pg_port" DATABASE_NAME="$pg_name"
      export DATABASE_USERNAME="$pg_user" DATABASE_PASSWORD="$pg_password"
    else
      export DATABASE_CLIENT=sqlite
      export DATABASE_FILENAME="$db"
    fi
    export STRAPI_TEST_TOKEN="${STRAPI_TEST_TOKEN:-ingesta-test-token}"
    export NODE_ENV=production
    export STRAPI_TELEMETRY_DISABLED=true
    export STRAPI_ANALYTICS_URL=http://127.0.0.1:9
    export BROWSER=none
    # Fixed test secrets (loopback-only throwaway server).
    export APP_KEYS="ingesta-test-key-1,ingesta-test-key-2"
    export API_TOKEN_SALT=ingesta-test-api-token-salt
    export ADMIN_JWT_SECRET=ingesta-test-admin-jwt-secret
    export JWT_SECRET=ingesta-test-jwt-secret
    export TRANSFER_TOKEN_SALT=ingesta-test-transfer-token-salt
    export ENCRYPTION_KEY=ingesta-test-encryption-key
    exec node "$APP/node_modules/@strapi/strapi/bin/strapi.js" start
    ;;
  *)
    usage
    ;;
esac
