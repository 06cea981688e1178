#!/usr/bin/env bash
# One throwaway PostgreSQL 15 cluster for ingesta's tests (the real Strapi on PostgreSQL), built
# from the server binaries of the machine image (/usr/lib/postgresql/15/bin, or $PGBIN): no
# system service, no cluster of the distribution, nothing installed.
#
#   scripts/postgres.sh start
#       Creates the cluster on first use (initdb) and starts it, listening on 127.0.0.1 only, on
#       $PGPORT or else the port it had last time or else a free one from 55432 up (recorded in
#       $PG_BASE/port). Idempotent and safe to call concurrently (a lock): when the cluster is
#       already running it does nothing. Prints `postgres: 127.0.0.1:PORT`.
#   scripts/postgres.sh createdb NAME
#       Starts the cluster if needed, then makes NAME a fresh, empty database owned by the role
#       `ingesta` (dropped first if it exists, sessions on it are ended).
#   scripts/postgres.sh dropdb NAME
#       Drops NAME if it exists (sessions on it are ended). Nothing when the cluster is down.
#   scripts/postgres.sh url NAME
#       Prints `postgres://ingesta:ingesta@127.0.0.1:PORT/NAME` (the cluster must have been started).
#   scripts/postgres.sh stop
#       Stops the cluster (pg_ctl stop -m fast on its own data directory, i.e. the postmaster of
#       its own postmaster.pid). The files stay for the next start; remove $PG_BASE to start over.
#
# Where: $PG_BASE (default /tmp/ingesta-pg-<uid>): data/ (the cluster, owned by the server's OS
# user), run/ (its unix socket), port, server.log. /tmp rather than the checkout: the server's OS
# user must be able to reach the directory, and a checkout under /root is not reachable to it.
# Who: PostgreSQL refuses to run as root, so as root (CI) the server runs as the OS user
# `postgres` (runuser); as any other user, as that user.
# Access: the role `ingesta` (password `ingesta`, CREATEDB, not a superuser) is trusted on
# 127.0.0.1 without a password check; the superuser is reachable only on the unix socket by its
# own OS user (peer). A loopback-only test cluster: do not put anything else in it.
set -euo pipefail

PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
PG_BASE="${PG_BASE:-/tmp/ingesta-pg-$(id -u)}"
DATA="$PG_BASE/data"
RUN="$PG_BASE/run"
PORT_FILE="$PG_BASE/port"
LOG="$PG_BASE/server.log"
ROLE=ingesta
PASSWORD=ingesta

usage() {
  echo "usage: $0 start | stop | createdb NAME | dropdb NAME | url NAME" >&2
  exit 2
}

die() {
  echo "postgres.sh: $*" >&2
  exit 1
}

# Runs a command as the server's OS user: `postgres` when we are root, else ourselves.
# From $PG_BASE: the server's OS user may not be allowed into the caller's directory.
as_server() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$PG_BASE" && runuser -u postgres -- "$@")
  else
    (cd "$PG_BASE" && "$@")
  fi
}

server_user() {
  if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

check_name() {
  [[ "$1" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "bad database name '$1' (want [a-z_][a-z0-9_]*, at most 63)"
}

# $PG_BASE, created if missing; refuses one that is a symlink or someone else's (it is in /tmp).
base_dir() {
  if [ ! -e "$PG_BASE" ]; then
    mkdir -p -m 755 "$PG_BASE"
  fi
  [ -d "$PG_BASE" ] && [ ! -L "$PG_BASE" ] || die "$PG_BASE is not a directory"
  [ -O "$PG_BASE" ] || die "$PG_BASE belongs to another user"
}

# Takes the cluster's lock on fd 9 (released when the script exits).
lock() {
  exec 9>"$PG_BASE/.lock"
  flock 9
}

port() {
  [ -s "$PORT_FILE" ] || die "no cluster started in $PG_BASE: run $0 start"
  cat "$PORT_FILE"
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

running() {
  [ -f "$DATA/postmaster.pid" ] || return 1
  as_server "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 || return 1
  [ -s "$PORT_FILE" ] && "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$(cat "$PORT_FILE")"
}

init_cluster() {
  local owner
  owner="$(server_user)"
  rm -rf "$DATA"
  mkdir -p "$DATA" "$RUN"
  chown "$owner" "$DATA" "$RUN"
  chmod 700 "$DATA"
  chmod 755 "$RUN"
  as_server "$PGBIN/initdb" -D "$DATA" --encoding=UTF8 --locale=C --auth-local=peer \
    --auth-host=reject --no-instructions >"$PG_BASE/initdb.log" 2>&1 ||
    die "initdb failed: $(cat "$PG_BASE/initdb.log")"
  # Only the test role, only on loopback, without a password check (local test server).
  as_server sh -c "cat >'$DATA/pg_hba.conf'" <<EOF
# written by scripts/postgres.sh
local all all peer
host all $ROLE 127.0.0.1/32 trust
EOF
  # Test data only, thrown away after the run: no need to survive a crash of the machine, so no
  # fsync and no waiting for the WAL on commit (much faster DDL for Strapi's ~70 tables).
  as_server sh -c "cat >>'$DATA/postgresql.conf'" <<EOF

# scripts/postgres.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$RUN'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 64MB
EOF
}

start() {
  base_dir
  lock
  if running; then
    echo "postgres: 127.0.0.1:$(cat "$PORT_FILE")"
    return 0
  fi
  [ -x "$PGBIN/postgres" ] || die "no PostgreSQL server at $PGBIN (scripts/setup.sh installs postgresql-15)"
  # A cluster of another major version (or a half-made one) is test data: made anew.
  local major
  major="$("$PGBIN/postgres" --version | awk '{print $3}' | cut -d. -f1)"
  if [ ! -f "$DATA/PG_VERSION" ] || [ "$(cat "$DATA/PG_VERSION")" != "$major" ]; then
    init_cluster
  fi
  local port="${PGPORT:-}"
  if [ -z "$port" ]; then
    port="$(cat "$PORT_FILE" 2>/dev/null || true)"
    if [ -z "$port" ] || port_in_use "$port"; then
      port=55432
      while port_in_use "$port"; do
        port=$((port + 1))
        [ "$port" -lt 55532 ] || die "no free port in 55432-55531"
      done
    fi
  fi
  [[ "$port" =~ ^[0-9]+$ ]] || die "bad port '$port'"
  mkdir -p "$RUN"
  chown "$(server_user)" "$RUN"
  touch "$LOG"
  chown "$(server_user)" "$LOG"
  # -w: returns once the server accepts connections (or fails); the postmaster is detached and
  # writes its own pid to $DATA/postmaster.pid, which is how stop finds it.
  # 9>&-: the postmaster must not inherit (and so hold forever) the lock.
  if ! as_server "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -o "-p $port" start >/dev/null 9>&-; then
    die "the server did not start on port $port: $(tail -n 20 "$LOG")"
  fi
  echo "$port" >"$PORT_FILE.tmp.$$"
  mv -f "$PORT_FILE.tmp.$$" "$PORT_FILE"
  # The test role, as the superuser on the unix socket (idempotent: also after a cut-short init).
  as_server "$PGBIN/psql" -q -X -v ON_ERROR_STOP=1 -h "$RUN" -p "$port" -d postgres >/dev/null <<SQL
SELECT 'CREATE ROLE $ROLE LOGIN CREATEDB' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE')
\gexec
ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
SQL
  "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" || die "started, but 127.0.0.1:$port does not answer"
  echo "postgres: 127.0.0.1:$port"
}

stop() {
  base_dir
  lock
  if [ -f "$DATA/postmaster.pid" ] && as_server "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_server "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
    echo "postgres: stopped"
  else
    echo "postgres: not running"
  fi
}

# Client tools over TCP as the test role (trusted on loopback); -w: never prompt.
client() {
  local tool="$1"
  shift
  PGOPTIONS="-c client_min_messages=warning" "$PGBIN/$tool" -w -h 127.0.0.1 -p "$(port)" -U "$ROLE" "$@"
}

case "${1:-}" in
  start)
    [ $# -eq 1 ] || usage
    start
    ;;
  stop)
    [ $# -eq 1 ] || usage
    stop
    ;;
  createdb)
    [ $# -eq 2 ] || usage
    check_name "$2"
    start >/dev/null
    client dropdb --if-exists --force --maintenance-db=postgres "$2"
    client createdb --maintenance-db=postgres -O "$ROLE" -T template0 -E UTF8 "$2"
    ;;
  dropdb)
    [ $# -eq 2 ] || usage
    check_name "$2"
    base_dir
    if running; then
      client dropdb --if-exists --force --maintenance-db=postgres "$2"
    fi
    ;;
  url)
    [ $# -eq 2 ] || usage
    check_name "$2"
    echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$(port)/$2"
    ;;
  *)
    usage
    ;;
esac
