#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks (loopback only).
#
#   scripts/postgres.sh start DIR [PORT] [DBNAME]   # prints the SQLAlchemy URL on stdout
#   scripts/postgres.sh url   DIR                   # prints the URL of a cluster made by `start`
#   scripts/postgres.sh stop  DIR [--remove]        # stops it (and deletes DIR with --remove)
#
# `start` is idempotent: it installs Debian's `postgresql` package when no
# initdb/pg_ctl can be found (apt-get, as root), creates a cluster in DIR when
# DIR holds none, starts it on 127.0.0.1:PORT (default 55432) unless it is
# already running, creates the database (default `assistant`) and prints
#
#   postgresql+psycopg://assistant:<password>@127.0.0.1:<port>/<db>
#
# The cluster listens on 127.0.0.1 only, with password (scram-sha-256) auth
# over TCP; its Unix socket lives in DIR. PostgreSQL refuses to run as root, so
# when run as root the cluster belongs to the `postgres` user (DIR is chowned
# to it; DIR's parent must be traversable by that user: use a folder under
# /tmp, not under a private 0700 directory). It is a throwaway cluster:
# fsync is off. Progress and errors go to stderr; only the URL goes to stdout.
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }
log() { echo "postgres.sh: $*" >&2; }

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[ $# -ge 2 ] || usage
cmd="$1"
dir="$2"
case "$dir" in /*) ;; *) dir="$(pwd)/$dir" ;; esac
data="$dir/data"
pguser_file="$dir/.password"
port_file="$dir/.port"
db_file="$dir/.dbname"

find_bin() {
  # Newest PostgreSQL first; then PATH (e.g. /usr/local/bin symlinks).
  local name="$1" candidate
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
    if [ -x "$candidate/$name" ]; then echo "$candidate/$name"; return 0; fi
  done
  command -v "$name" 2>/dev/null && return 0
  return 1
}

have_server() { find_bin initdb >/dev/null && find_bin pg_ctl >/dev/null; }

install_postgres() {
  have_server && return 0
  log "initdb/pg_ctl not found; installing Debian's postgresql package"
  command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is not available: install PostgreSQL (initdb, pg_ctl) yourself"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "PostgreSQL is not installed and installing it needs root (no sudo found)"
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2 || die "apt-get update failed"
  # policy-rc.d-less containers: the package's own cluster must not be needed, we make ours.
  $sudo apt-get install -y -qq postgresql >&2 || die "apt-get install postgresql failed"
  have_server || die "postgresql was installed but initdb/pg_ctl are still not found under /usr/lib/postgresql/*/bin"
}

# Run a command as the cluster owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    if command -v runuser >/dev/null; then
      runuser -u postgres -- "$@"
    else
      su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    fi
  else
    "$@"
  fi
}

url() {
  local password port db
  password="$(cat "$pguser_file")"
  port="$(cat "$port_file")"
  db="$(cat "$db_file")"
  echo "postgresql+psycopg://assistant:${password}@127.0.0.1:${port}/${db}"
}

is_running() { [ -d "$data" ] && as_owner "$(find_bin pg_ctl)" -D "$data" status >/dev/null 2>&1; }

start() {
  local port="${1:-55432}" db="${2:-assistant}"
  [[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$port'"
  [[ "$db" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "DBNAME must be a plain identifier, got '$db'"
  install_postgres
  local initdb pg_ctl psql
  initdb="$(find_bin initdb)"
  pg_ctl="$(find_bin pg_ctl)"
  psql="$(find_bin psql)" || die "psql not found (install postgresql-client)"

  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' user: PostgreSQL refuses to run as root and needs it"
    chown postgres: "$dir"
    chmod 700 "$dir"
    as_owner test -w "$dir" || die "user 'postgres' cannot write to $dir (is a parent folder private? use a folder under /tmp)"
  fi

  if [ ! -f "$data/PG_VERSION" ]; then
    log "creating a cluster in $data"
    local password
    password="$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)"
    [ -n "$password" ] || die "could not generate a password"
    local pwfile="$dir/.pwfile"
    (umask 077; printf '%s\n' "$password" > "$pwfile")
    [ "$(id -u)" -eq 0 ] && chown postgres: "$pwfile"
    as_owner "$initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "initdb failed (log above)"; }
    rm -f "$pwfile"
    (umask 077; printf '%s' "$password" > "$pguser_file")
    echo "$db" > "$db_file"
    fresh=1
  else
    fresh=0
    [ -f "$pguser_file" ] || die "$dir holds a cluster not made by this script (no password file)"
    # The port may change between runs; the database name is fixed at creation.
    db="$(cat "$db_file")"
  fi
  echo "$port" > "$port_file"

  if is_running; then
    log "already running ($data)"
  else
    as_owner "$pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$dir' -c fsync=off -c max_connections=200" \
      start >&2 || { tail -n 30 "$dir/server.log" >&2 || true; die "the server did not start (log above)"; }
  fi

  if [ "$fresh" -eq 1 ]; then
    local password
    password="$(cat "$pguser_file")"
    as_owner "$psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q >&2 <<SQL \
      || die "could not create the role and database"
CREATE ROLE assistant LOGIN PASSWORD '${password}';
CREATE DATABASE ${db} OWNER assistant;
SQL
  fi
  url
}

stop() {
  local remove="${1:-}"
  if [ -f "$data/PG_VERSION" ] && is_running; then
    as_owner "$(find_bin pg_ctl)" -D "$data" -m fast -w -t 60 stop >&2 || die "pg_ctl stop failed"
  else
    log "not running ($data)"
  fi
  if [ "$remove" = "--remove" ]; then
    rm -rf "$dir"
  fi
}

case "$cmd" in
  start) shift 2; start "$@" ;;
  stop) shift 2; stop "$@" ;;
  url) [ -f "$pguser_file" ] || die "no cluster made by this script in $dir"; url ;;
  *) usage ;;
esac
