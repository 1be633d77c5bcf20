#!/usr/bin/env bash
# Emporium's backing services for integration tests, e2e tests and benchmarks:
# PostgreSQL 15, Redis 7, RabbitMQ, Elasticsearch and stripe-mock, all on
# 127.0.0.1 only, on non-default ports so nothing clashes with a system install.
#
#   scripts/services.sh up       install what is missing, start what is down, wait until ready
#   scripts/services.sh status   one line per service; exits 1 if any is down
#   scripts/services.sh env      export lines for the tests:  eval "$(scripts/services.sh env)"
#   scripts/services.sh down     stop them all
#
# It must work on a fresh Debian 12 machine (CI runs it as root in a clean
# clone), so it installs everything it needs itself: Debian packages with
# apt-get, Elasticsearch from Maven Central with `mvn dependency:copy`, and
# stripe-mock with `go install`. When everything is installed and running,
# `up` takes a few seconds and changes nothing.
#
# State, data and logs live outside the repo, in $EMPORIUM_SERVICES_DIR
# (default /var/lib/emporium-services, or /var/lib/emporium-services-<offset>
# with a port offset), so every clone on a machine shares them.
# Logs: $EMPORIUM_SERVICES_DIR/logs/<service>/.
#
# Ports (127.0.0.1 only; EMPORIUM_PORT_OFFSET, or EMPORIUM_SERVICES_PORT_OFFSET
# for the services alone, adds to each):
#   PostgreSQL      54329
#   Redis           63799
#   RabbitMQ AMQP   56729  (Erlang distribution 56730, its CLI 56740-56750,
#                           private epmd 54369: none of them the defaults)
#   Elasticsearch   59200  (HTTP), 59300 (transport)
#   stripe-mock     12111  (HTTP), 12112 (HTTPS)
#   Keycloak        58080  (HTTP; OpenID Connect provider), 58090 (management)
#
# Credentials: emporium / emporium everywhere.  The Postgres role is a
# superuser with CREATEDB so tests can create a database per run; the RabbitMQ
# user is an administrator with full permissions on vhost "/".
#
# Each daemon runs as its own unprivileged user (postgres, redis, rabbitmq,
# emporium-es; Elasticsearch refuses to run as root).

set -euo pipefail

# EMPORIUM_PORT_OFFSET (or EMPORIUM_SERVICES_PORT_OFFSET) shifts every port, for a
# second, separate set of services; its state gets its own folder unless
# EMPORIUM_SERVICES_DIR says otherwise.
OFF=${EMPORIUM_SERVICES_PORT_OFFSET:-${EMPORIUM_PORT_OFFSET:-0}}
case $OFF in '' | *[!0-9]*) echo "services.sh: the port offset must be a number, not '$OFF'" >&2; exit 1 ;; esac
if [ "$OFF" -eq 0 ]; then
  STATE_DIR=${EMPORIUM_SERVICES_DIR:-/var/lib/emporium-services}
else
  STATE_DIR=${EMPORIUM_SERVICES_DIR:-/var/lib/emporium-services-$OFF}
fi
LOG_DIR=$STATE_DIR/logs
RUN_DIR=$STATE_DIR/run
HOST=127.0.0.1
PG_PORT=$((54329 + OFF))
REDIS_PORT=$((63799 + OFF))
AMQP_PORT=$((56729 + OFF))
RABBIT_DIST_PORT=$((56730 + OFF))
RABBIT_CTL_DIST_PORT_MIN=$((56740 + OFF))
RABBIT_CTL_DIST_PORT_MAX=$((56750 + OFF))
RABBIT_EPMD_PORT=$((54369 + OFF))
ES_HTTP_PORT=$((59200 + OFF))
ES_TRANSPORT_PORT=$((59300 + OFF))
STRIPE_HTTP_PORT=$((12111 + OFF))
STRIPE_HTTPS_PORT=$((12112 + OFF))
KC_HTTP_PORT=$((58080 + OFF))
KC_MGMT_PORT=$((58090 + OFF))

# Elasticsearch: the integ-test-zip distribution is the only one published on
# Maven Central.  8.19.x is the newest line that runs on Debian's JDK 17
# (9.x needs JDK 21+, which Debian 12 does not package).  Use the Python
# client elasticsearch 8.x: a 9.x client's Accept header is refused by 8.19.
# This distribution has the server core only (modules: transport-netty4,
# x-pack-core, x-pack-security).  Works: text/keyword/numeric/date fields,
# custom analyzers from standard/whitespace/keyword tokenizers and the
# lowercase filter, fuzzy and prefix queries (match_bool_prefix), terms/range/
# histogram aggregations, the completion suggester, aliases, bulk.  Missing:
# analysis-common (edge_ngram, language analyzers such as "english"),
# mapper-extras (search_as_you_type, scaled_float), painless scripts, the
# _reindex API, and `GET /` (so client.info() and ping() fail: use
# cluster.health()).
ES_VERSION=8.19.21
ES_ARTIFACT=org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip
ES_HEAP=${EMPORIUM_ES_HEAP:-512m}
ES_USER=emporium-es

STRIPE_MOCK_VERSION=v0.203.0   # needs Go >= 1.22 (Debian 12 has 1.19; its backports have newer)

# Keycloak: a real OpenID Connect provider for the sign-in tests, run in dev
# mode (its own H2 database, plain HTTP on 127.0.0.1).  25.0.x is the newest
# line that fully supports Debian's JDK 17: 26 deprecates 17 for Java 21,
# which Debian 12 does not package.  The realm "emporium" is imported from the repo's fixture at first
# start; admin console user emporium / emporium (realm master).  Keycloak lets
# a redirect URI registered on a loopback host match any port (RFC 8252), so
# the fixture's http://127.0.0.1/* covers every test server's callback.
KC_VERSION=25.0.6
KC_ARTIFACT=org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip
KC_HEAP=${EMPORIUM_KC_HEAP:-512m}
KC_USER=emporium-kc
KC_REALM_FIXTURE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/fixtures/keycloak/emporium-realm.json

PG_BIN=/usr/lib/postgresql/15/bin
RABBIT_BIN=/usr/lib/rabbitmq/bin

# Seconds to wait for each service to become ready before giving up.
T_PG=60 T_REDIS=20 T_RABBIT=120 T_ES=240 T_STRIPE=60 T_KC=300
T_APT=1800 T_FETCH_ES=600 T_FETCH_STRIPE=900 T_FETCH_KC=600


PG_DATA=$STATE_DIR/postgres/data
PG_SOCK=$STATE_DIR/postgres/run
PG_LOG=$LOG_DIR/postgres/postgres.log
REDIS_LOG=$LOG_DIR/redis/redis.log
RABBIT_HOME=$STATE_DIR/rabbitmq
RABBIT_LOG=$LOG_DIR/rabbitmq/emporium@localhost.log
RABBIT_STDOUT=$LOG_DIR/rabbitmq/stdout.log
ES_HOME=$STATE_DIR/elasticsearch/elasticsearch-$ES_VERSION
ES_CONF=$STATE_DIR/elasticsearch/config
ES_LOG=$LOG_DIR/elasticsearch/emporium.log
ES_STDOUT=$LOG_DIR/elasticsearch/launcher.log
STRIPE_BIN=$STATE_DIR/bin/stripe-mock-$STRIPE_MOCK_VERSION/stripe-mock
STRIPE_LOG=$LOG_DIR/stripe-mock/stripe-mock.log
KC_DIR=$STATE_DIR/keycloak
KC_HOME=$KC_DIR/keycloak-$KC_VERSION
KC_PIDFILE=$KC_DIR/keycloak.pid
KC_LOG=$LOG_DIR/keycloak/keycloak.log
KC_ISSUER=http://$HOST:$KC_HTTP_PORT/realms/emporium

export PATH=$PATH:/usr/local/go/bin:/usr/sbin:/sbin
# Debian's versioned Go packages (golang-1.NN-go, from bookworm-backports) install
# outside PATH: the newest comes first.
go_path() {
  local d
  for d in $(ls -d /usr/lib/go-1.*/bin 2>/dev/null | sort -V); do
    case ":$PATH:" in *":$d:"*) ;; *) PATH=$d:$PATH ;; esac
  done
  export PATH
}
go_path

say() { printf '%s\n' "$*"; }
die() { printf 'services.sh: %s\n' "$*" >&2; exit 1; }

# fail SERVICE LOG WHAT: one clear line naming the service and its log, then
# the end of the log so that a CI run shows why.
fail() {
  local svc=$1 log=$2 what=$3
  if [ -f "$log" ]; then
    printf -- '--- last lines of %s ---\n' "$log" >&2
    tail -n 25 "$log" >&2 || true
    printf -- '---\n' >&2
  fi
  printf 'services.sh: FAILED: %s %s (log: %s)\n' "$svc" "$what" "$log" >&2
  exit 1
}

# Listener (process) on a local TCP port, empty if none.
port_owner() {
  ss -Hltnp "( sport = :$1 )" 2>/dev/null | head -n 1
}

# Refuse to start a service on a port that something else holds.
need_free_port() {
  local svc=$1 port=$2 owner
  owner=$(port_owner "$port")
  [ -z "$owner" ] || die "FAILED: $svc cannot start: port $port is already in use by another process (not the $svc of $STATE_DIR): $owner"
}

# ---------------------------------------------------------------- probes
pg_up() {
  [ -x "$PG_BIN/pg_isready" ] && timeout 5 "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PG_PORT" 2>/dev/null
}

redis_up() {
  command -v redis-cli >/dev/null &&
    [ "$(timeout 5 redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
}

# Sends the AMQP 0-9-1 protocol header; a broker answers with a method frame
# (Connection.Start), whose first byte is 1.
rabbit_up() {
  timeout 5 bash -c '
    exec 3<>/dev/tcp/'"$HOST"'/'"$AMQP_PORT"' || exit 1
    printf "AMQP\x00\x00\x09\x01" >&3
    head -c 1 <&3 | od -An -tx1' 2>/dev/null | grep -q 01
}

es_up() {
  timeout 5 curl -fsS "http://$HOST:$ES_HTTP_PORT/_cluster/health" 2>/dev/null |
    grep -Eq '"status":"(green|yellow)"'
}

# `up` must tell this state dir's services from anything else on the same
# port (another state dir's, a system install): the process listening on the
# port must be the one in our pid file.
listener_pid() {
  ss -Hltnp "( sport = :$1 )" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1
}
owns_port() {
  local pid
  pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && [ "$(listener_pid "$2")" = "$pid" ]
}
pg_ours() {
  [ -x "$PG_BIN/pg_isready" ] && timeout 5 "$PG_BIN/pg_isready" -q -h "$PG_SOCK" -p "$PG_PORT" 2>/dev/null
}
redis_ours() { owns_port "$STATE_DIR/redis/redis.pid" "$REDIS_PORT" && redis_up; }
rabbit_ours() { owns_port "$RABBIT_HOME/rabbitmq.pid" "$AMQP_PORT" && rabbit_up; }
es_ours() { owns_port "$STATE_DIR/elasticsearch/es.pid" "$ES_HTTP_PORT" && es_up; }
stripe_ours() { owns_port "$STRIPE_PIDFILE" "$STRIPE_HTTP_PORT" && stripe_up; }

# Ready once the imported realm serves its discovery document.
kc_up() {
  timeout 5 curl -fsS "$KC_ISSUER/.well-known/openid-configuration" 2>/dev/null |
    grep -Fq "\"issuer\":\"$KC_ISSUER\""
}
kc_ours() { owns_port "$KC_PIDFILE" "$KC_HTTP_PORT" && kc_up; }

stripe_up() {
  [ "$(timeout 5 curl -s -o /dev/null -w '%{http_code}' \
        -H 'Authorization: Bearer sk_test_123' \
        "http://$HOST:$STRIPE_HTTP_PORT/v1/customers" 2>/dev/null)" = 200 ]
}

# wait_for SERVICE PROBE SECONDS LOG [PID]: poll PROBE until it succeeds; fail
# after SECONDS, or as soon as PID (the launcher) has died.
wait_for() {
  local svc=$1 probe=$2 secs=$3 log=$4 pid=${5:-} deadline
  deadline=$((SECONDS + secs))
  until "$probe"; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      "$probe" && return 0
      fail "$svc" "$log" "exited while starting"
    fi
    [ "$SECONDS" -lt "$deadline" ] || fail "$svc" "$log" "did not become ready within ${secs}s"
    sleep 0.5
  done
}

# ---------------------------------------------------------------- install
java17_home() {
  local d
  for d in /usr/lib/jvm/java-17-openjdk-*; do
    [ -x "$d/bin/java" ] && { echo "$d"; return 0; }
  done
  return 1
}

go_ok() {
  # stripe-mock's go.mod asks for Go 1.22.
  command -v go >/dev/null || return 1
  local v
  v=$(go env GOVERSION 2>/dev/null) || return 1
  v=${v#go}
  local major=${v%%.*} rest=${v#*.}
  local minor=${rest%%.*}
  [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "${minor%%[!0-9]*}" -ge 22 ]; }
}

# The Debian mirror this machine already uses for bookworm itself.
debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    awk '/^$/ { if (u && b && !d) { print u; d = 1 } u = ""; b = 0 }
         /^URIs:/ { u = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") b = 1 }
         END { if (u && b && !d) print u }' "$f"
  done
  [ ! -e /etc/apt/sources.list ] ||
    awk '$1 == "deb" && $3 == "bookworm" { print $2 }' /etc/apt/sources.list
}

# Go >= 1.22 for stripe-mock: Debian 12's golang-go is 1.19, so the newest
# golang-1.NN-go of bookworm-backports (added as an apt source when missing).
# Sets GO_PKG to the package to install.
GO_PKG=''
go_package() {
  local src=/etc/apt/sources.list.d/emporium-backports.sources mirror
  if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
    mirror=$(debian_mirror | head -n 1)
    [ -n "$mirror" ] || die "FAILED: go: no Debian bookworm source in /etc/apt to add bookworm-backports from (stripe-mock needs Go >= 1.22)"
    say "apt: adding bookworm-backports (for Go >= 1.22) in $src"
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$mirror" >"$src"
  fi
  timeout "$T_APT" apt-get -q -o DPkg::Lock::Timeout=300 update >>"$LOG_DIR/apt.log" 2>&1 ||
    fail apt "$LOG_DIR/apt.log" "apt-get update failed"
  local pkg
  pkg=$(apt-cache pkgnames golang-1. | grep -E '^golang-1\.[0-9]+-go$' | sort -V | tail -n 1)
  case $pkg in
    golang-1.2[2-9]-go | golang-1.[3-9][0-9]-go) GO_PKG=$pkg ;;
    *) die "FAILED: go: no golang-1.22-go or newer in the apt sources (found: ${pkg:-none}); stripe-mock needs Go >= 1.22" ;;
  esac
}

missing_packages() {
  local p=()
  [ -x "$PG_BIN/postgres" ] || p+=(postgresql-15 postgresql-contrib)
  [ -x "$PG_BIN/psql" ] || p+=(postgresql-client-15)
  command -v redis-server >/dev/null || p+=(redis-server)
  command -v redis-cli >/dev/null || p+=(redis-tools)
  [ -x "$RABBIT_BIN/rabbitmq-server" ] || p+=(rabbitmq-server)
  java17_home >/dev/null || p+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || p+=(maven)
  go_ok || p+=(go)  # resolved to a package by go_package
  command -v curl >/dev/null || p+=(curl)
  command -v unzip >/dev/null || p+=(unzip)
  command -v ss >/dev/null || p+=(iproute2)
  command -v runuser >/dev/null || p+=(util-linux)
  [ -e /etc/ssl/certs/ca-certificates.crt ] || p+=(ca-certificates)
  echo "${p[*]}"
}

apt_install() {
  local log=$LOG_DIR/apt.log made_policy='' pkgs
  # policy-rc.d is machine-wide, so is this lock (other state dirs too).
  exec 8>/var/lock/emporium-services-apt.lock
  flock -w "$T_APT" 8 || die "FAILED: apt: another services.sh held /var/lock/emporium-services-apt.lock for ${T_APT}s"
  pkgs=$(missing_packages)
  if [ -z "$pkgs" ]; then exec 8>&-; return; fi
  case " $pkgs " in *" go "*)
    go_package
    pkgs=$(echo " $pkgs " | sed "s/ go / $GO_PKG /; s/^ *//; s/ *$//") ;;
  esac
  say "apt: installing $pkgs (log: $log)"
  # Package scripts would start each daemon on its default port (and on all
  # interfaces); policy-rc.d = 101 tells them not to. Only ours is removed.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# emporium services.sh: no daemon starts during apt-get install\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  local rc=0
  {
    timeout "$T_APT" apt-get -q -o DPkg::Lock::Timeout=300 update &&
      DEBIAN_FRONTEND=noninteractive timeout "$T_APT" apt-get -q -y \
        -o DPkg::Lock::Timeout=300 install --no-install-recommends $pkgs
  } >>"$log" 2>&1 8>&- 9>&- || rc=$?
  [ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d
  exec 8>&-
  go_path
  [ "$rc" -eq 0 ] || fail apt "$log" "could not install: $pkgs"
}

es_installed() { [ -x "$ES_HOME/bin/elasticsearch" ]; }
stripe_installed() { [ -x "$STRIPE_BIN" ]; }

# Runs in the background: download and unpack Elasticsearch.
fetch_es() {
  local dl=$STATE_DIR/downloads tmp
  mkdir -p "$dl"
  local zip=$dl/elasticsearch-$ES_VERSION.zip
  if [ ! -s "$zip" ]; then
    JAVA_HOME=$(java17_home) timeout "$T_FETCH_ES" mvn -q -B \
      dependency:copy -Dartifact="$ES_ARTIFACT" -DoutputDirectory="$dl.tmp" || return 1
    mv "$dl.tmp/elasticsearch-$ES_VERSION.zip" "$zip"
    rmdir "$dl.tmp" 2>/dev/null || true
  fi
  tmp=$(mktemp -d "$STATE_DIR/elasticsearch/unpack.XXXXXX")
  unzip -q "$zip" -d "$tmp" || return 1
  rm -rf "$ES_HOME"
  mv "$tmp/elasticsearch-$ES_VERSION" "$ES_HOME"
  rmdir "$tmp"
}

# Runs in the background: build stripe-mock.
fetch_stripe() {
  local dir
  dir=$(dirname "$STRIPE_BIN")
  mkdir -p "$dir.tmp"
  GOBIN=$dir.tmp GOFLAGS=-buildvcs=false timeout "$T_FETCH_STRIPE" \
    go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION" || return 1
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
}

FETCH_ES_PID='' FETCH_STRIPE_PID=''
start_fetches() {
  if [ -z "$FETCH_ES_PID" ] && ! es_installed && command -v mvn >/dev/null && java17_home >/dev/null; then
    say "elasticsearch: fetching $ES_ARTIFACT (log: $LOG_DIR/elasticsearch/fetch.log)"
    fetch_es >"$LOG_DIR/elasticsearch/fetch.log" 2>&1 9>&- &
    FETCH_ES_PID=$!
  fi
  if [ -z "$FETCH_STRIPE_PID" ] && ! stripe_installed && go_ok; then
    say "stripe-mock: go install github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION (log: $LOG_DIR/stripe-mock/fetch.log)"
    fetch_stripe >"$LOG_DIR/stripe-mock/fetch.log" 2>&1 9>&- &
    FETCH_STRIPE_PID=$!
  fi
}

# Background jobs (and what they run: timeout, mvn, go) die with the script
# when it fails.
kill_tree() {
  local c
  for c in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$c"; done
  kill "$1" 2>/dev/null || true
}
cleanup() {
  local p
  for p in $FETCH_ES_PID $FETCH_STRIPE_PID $FETCH_KC_PID; do kill_tree "$p"; done
}

ensure_dirs() {
  mkdir -p "$STATE_DIR" "$RUN_DIR" "$STATE_DIR/bin" "$STATE_DIR/elasticsearch" \
    "$LOG_DIR"/{postgres,redis,rabbitmq,elasticsearch,stripe-mock}
  chmod 755 "$STATE_DIR" "$LOG_DIR"
}

ensure_users() {
  id -u "$ES_USER" >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir "$STATE_DIR/elasticsearch" \
      --shell /usr/sbin/nologin "$ES_USER"
  # The daemons' users must reach their directories under STATE_DIR.
  runuser -u postgres -- test -x "$STATE_DIR" ||
    die "FAILED: $STATE_DIR is not reachable by unprivileged users; set EMPORIUM_SERVICES_DIR to a directory whose parents are world-executable"
}

# ---------------------------------------------------------------- postgres
pg_as() { runuser -u postgres -- "$@"; }
pg_sql() { pg_as "$PG_BIN/psql" -h "$PG_SOCK" -p "$PG_PORT" -d postgres -v ON_ERROR_STOP=1 -qAtX "$@"; }

start_postgres() {
  mkdir -p "$STATE_DIR/postgres" "$PG_SOCK"
  chown postgres:postgres "$STATE_DIR/postgres" "$PG_SOCK" "$LOG_DIR/postgres"
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    rm -rf "$PG_DATA"
    pg_as "$PG_BIN/initdb" -D "$PG_DATA" --username=postgres --encoding=UTF8 \
      --locale=C.UTF-8 --auth-local=peer --auth-host=scram-sha-256 --no-sync \
      >"$LOG_DIR/postgres/initdb.log" 2>&1 ||
      fail postgres "$LOG_DIR/postgres/initdb.log" "initdb failed"
    echo "include = 'emporium.conf'" >>"$PG_DATA/postgresql.conf"
  fi
  # Rewritten on every `up`; a change takes effect at the next start.
  cat >"$PG_DATA/emporium.conf.new" <<EOF
# Written by scripts/services.sh: a private dev/test cluster.
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
# Tests, and a benchmark with 2 uvicorn workers each holding a pool.
max_connections = 300
shared_buffers = 256MB
password_encryption = scram-sha-256
# Throwaway test data: durability is traded for speed. A crash of the
# machine can corrupt this cluster; never use these settings for real data.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  mv "$PG_DATA/emporium.conf.new" "$PG_DATA/emporium.conf"
  chown postgres:postgres "$PG_DATA/emporium.conf"

  if pg_ours; then
    say "postgres: already running on $HOST:$PG_PORT"
  else
    need_free_port postgres "$PG_PORT"
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$T_PG" start >/dev/null 2>&1 9>&- ||
      fail postgres "$PG_LOG" "did not start within ${T_PG}s"
    wait_for postgres pg_up "$T_PG" "$PG_LOG"
    say "postgres: started PostgreSQL 15 on $HOST:$PG_PORT (data $PG_DATA, log $PG_LOG)"
  fi

  pg_sql >/dev/null 2>>"$PG_LOG" <<'EOF' || fail postgres "$PG_LOG" "could not create role/database emporium"
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'emporium') THEN
    CREATE ROLE emporium LOGIN SUPERUSER CREATEDB PASSWORD 'emporium';
  END IF;
END $$;
SELECT 'CREATE DATABASE emporium OWNER emporium'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'emporium') \gexec
EOF
}

stop_postgres() {
  if [ -s "$PG_DATA/postmaster.pid" ] && pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null &&
      say "postgres: stopped" || say "postgres: could not stop (log: $PG_LOG)"
  else
    say "postgres: not running"
  fi
}

# ---------------------------------------------------------------- redis
start_redis() {
  mkdir -p "$STATE_DIR/redis"
  chown redis:redis "$STATE_DIR/redis" "$LOG_DIR/redis"
  if redis_ours; then
    say "redis: already running on $HOST:$REDIS_PORT"
    return
  fi
  need_free_port redis "$REDIS_PORT"
  # No persistence: test data only.
  runuser -u redis -- redis-server --bind "$HOST" --port "$REDIS_PORT" \
    --daemonize yes --pidfile "$STATE_DIR/redis/redis.pid" \
    --logfile "$REDIS_LOG" --dir "$STATE_DIR/redis" \
    --save '' --appendonly no >/dev/null 2>&1 9>&- ||
    fail redis "$REDIS_LOG" "did not start"
  wait_for redis redis_up "$T_REDIS" "$REDIS_LOG"
  say "redis: started Redis $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') on $HOST:$REDIS_PORT (log $REDIS_LOG)"
}

stop_redis() {
  if redis_ours; then
    timeout 30 redis-cli -h "$HOST" -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    say "redis: stopped"
  else
    say "redis: not running"
  fi
}

# ---------------------------------------------------------------- rabbitmq
# Everything RabbitMQ and its CLI need to find the same node: the node name,
# the private epmd, the Erlang cookie (in HOME) and the ports, all bound to
# 127.0.0.1.  The empty env file keeps /etc/rabbitmq out of it.
RABBIT_ENV=(
  HOME="$RABBIT_HOME/home"
  RABBITMQ_NODENAME=emporium@localhost
  RABBITMQ_USE_LONGNAME=false
  RABBITMQ_NODE_IP_ADDRESS="$HOST"
  RABBITMQ_NODE_PORT="$AMQP_PORT"
  RABBITMQ_DIST_PORT="$RABBIT_DIST_PORT"
  RABBITMQ_CTL_DIST_PORT_MIN="$RABBIT_CTL_DIST_PORT_MIN"
  RABBITMQ_CTL_DIST_PORT_MAX="$RABBIT_CTL_DIST_PORT_MAX"
  "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}"
  "RABBITMQ_CTL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}"
  ERL_EPMD_ADDRESS="$HOST"
  ERL_EPMD_PORT="$RABBIT_EPMD_PORT"
  RABBITMQ_CONF_ENV_FILE="$RABBIT_HOME/rabbitmq-env.conf"
  RABBITMQ_CONFIG_FILE="$RABBIT_HOME/rabbitmq.conf"
  RABBITMQ_ADVANCED_CONFIG_FILE="$RABBIT_HOME/advanced.config"
  RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_HOME/enabled_plugins"
  RABBITMQ_MNESIA_BASE="$RABBIT_HOME/mnesia"
  RABBITMQ_LOG_BASE="$LOG_DIR/rabbitmq"
  RABBITMQ_PID_FILE="$RABBIT_HOME/rabbitmq.pid"
)
rabbit_as() { (cd "$RABBIT_HOME" && runuser -u rabbitmq -- env "${RABBIT_ENV[@]}" "$@"); }
rabbitmqctl_() { rabbit_as timeout 60 "$RABBIT_BIN/rabbitmqctl" "$@"; }
rabbit_pid_alive() {
  local pid
  pid=$(cat "$RABBIT_HOME/rabbitmq.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && grep -qs beam "/proc/$pid/cmdline"
}

RABBIT_LAUNCH_PID=
launch_rabbitmq() {
  mkdir -p "$RABBIT_HOME/home" "$RABBIT_HOME/mnesia"
  : >"$RABBIT_HOME/rabbitmq-env.conf"
  [ -e "$RABBIT_HOME/enabled_plugins" ] || echo '[].' >"$RABBIT_HOME/enabled_plugins"
  cat >"$RABBIT_HOME/rabbitmq.conf" <<EOF
# Written by scripts/services.sh.
listeners.tcp.default = $HOST:$AMQP_PORT
log.console = false
log.file.level = info
EOF
  chown -R rabbitmq:rabbitmq "$RABBIT_HOME" "$LOG_DIR/rabbitmq"
  chmod 700 "$RABBIT_HOME/home"
  if rabbit_ours; then
    say "rabbitmq: already running on $HOST:$AMQP_PORT"
    return
  fi
  if rabbit_pid_alive && [ -z "$(listener_pid "$AMQP_PORT")" ]; then
    say "rabbitmq: still starting (pid $(cat "$RABBIT_HOME/rabbitmq.pid")), waiting"
    return
  fi
  need_free_port rabbitmq "$AMQP_PORT"
  need_free_port "rabbitmq (erlang distribution)" "$RABBIT_DIST_PORT"
  rm -f "$RABBIT_HOME/rabbitmq.pid"
  (cd "$RABBIT_HOME" && exec setsid runuser -u rabbitmq -- env "${RABBIT_ENV[@]}" \
      "$RABBIT_BIN/rabbitmq-server") >"$RABBIT_STDOUT" 2>&1 </dev/null 9>&- &
  RABBIT_LAUNCH_PID=$!
  RABBIT_STARTED=1
}

RABBIT_STARTED=
finish_rabbitmq() {
  wait_for rabbitmq rabbit_up "$T_RABBIT" "$RABBIT_LOG" "$RABBIT_LAUNCH_PID"
  # The marker lives in the node's own data, so a wiped node is provisioned anew.
  local marker=$RABBIT_HOME/mnesia/.emporium-provisioned
  if [ -n "$RABBIT_STARTED" ] || [ ! -e "$marker" ]; then
    rabbitmqctl_ -q await_startup --timeout "$T_RABBIT" >>"$RABBIT_STDOUT" 2>&1 ||
      fail rabbitmq "$RABBIT_STDOUT" "did not finish starting"
  fi
  if [ ! -e "$marker" ]; then
    {
      rabbitmqctl_ -q list_users | grep -q '^emporium[[:space:]]' ||
        rabbitmqctl_ -q add_user emporium emporium
      rabbitmqctl_ -q set_user_tags emporium administrator &&
        rabbitmqctl_ -q set_permissions -p / emporium '.*' '.*' '.*'
    } >>"$RABBIT_STDOUT" 2>&1 || fail rabbitmq "$RABBIT_STDOUT" "could not create user emporium"
    touch "$marker"
  fi
  if [ -n "$RABBIT_STARTED" ]; then
    say "rabbitmq: started RabbitMQ $(dpkg-query -W -f '${Version}' rabbitmq-server 2>/dev/null) on $HOST:$AMQP_PORT (node emporium@localhost, log $RABBIT_LOG)"
  fi
}

stop_rabbitmq() {
  if rabbit_pid_alive; then
    rabbitmqctl_ -q stop "$RABBIT_HOME/rabbitmq.pid" >/dev/null 2>&1 ||
      say "rabbitmq: rabbitmqctl stop failed (log: $RABBIT_LOG)"
    say "rabbitmq: stopped"
  else
    say "rabbitmq: not running"
  fi
  # Our private epmd (not the system's: it listens on its own port).
  rabbit_as timeout 10 epmd -kill >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------- elasticsearch
es_pid_alive() {
  local pid
  pid=$(cat "$STATE_DIR/elasticsearch/es.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && grep -qs org.elasticsearch "/proc/$pid/cmdline"
}

ES_LAUNCH_PID='' ES_STARTED=''
launch_es() {
  if [ -n "$FETCH_ES_PID" ]; then
    wait "$FETCH_ES_PID" || fail elasticsearch "$LOG_DIR/elasticsearch/fetch.log" "download of $ES_ARTIFACT failed"
    FETCH_ES_PID=
    say "elasticsearch: fetched $ES_VERSION"
  fi
  es_installed || fail elasticsearch "$LOG_DIR/elasticsearch/fetch.log" "is not installed"
  local java_home
  java_home=$(java17_home) || die "FAILED: elasticsearch needs JDK 17 (/usr/lib/jvm/java-17-openjdk-*)"
  mkdir -p "$ES_CONF" "$STATE_DIR/elasticsearch/data" "$STATE_DIR/elasticsearch/tmp"
  if [ ! -e "$ES_CONF/.version-$ES_VERSION" ]; then
    rm -rf "$ES_CONF"
    cp -a "$ES_HOME/config" "$ES_CONF"
    touch "$ES_CONF/.version-$ES_VERSION"
  fi
  # The geoip downloader is not in this distribution; nothing can reach the
  # internet anyway.  Disk thresholds are off: the disk may be nearly full,
  # and a read-only index would fail tests for the wrong reason.
  cat >"$ES_CONF/elasticsearch.yml" <<EOF
# Written by scripts/services.sh: a single-node dev/test cluster.
cluster.name: emporium
node.name: emporium
path.data: $STATE_DIR/elasticsearch/data
path.logs: $LOG_DIR/elasticsearch
network.host: $HOST
http.port: $ES_HTTP_PORT
transport.port: $ES_TRANSPORT_PORT
discovery.type: single-node
xpack.security.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
EOF
  chown -R "$ES_USER:" "$STATE_DIR/elasticsearch" "$LOG_DIR/elasticsearch"
  if es_ours; then
    say "elasticsearch: already running on $HOST:$ES_HTTP_PORT"
    return
  fi
  if es_pid_alive && [ -z "$(listener_pid "$ES_HTTP_PORT")" ]; then
    say "elasticsearch: still starting (pid $(cat "$STATE_DIR/elasticsearch/es.pid")), waiting"
    return
  fi
  need_free_port elasticsearch "$ES_HTTP_PORT"
  need_free_port "elasticsearch (transport)" "$ES_TRANSPORT_PORT"
  rm -f "$STATE_DIR/elasticsearch/es.pid"
  # -d: the launcher returns once the node is up (or has failed).
  (cd "$STATE_DIR/elasticsearch" && exec setsid runuser -u "$ES_USER" -- env \
      ES_JAVA_HOME="$java_home" ES_PATH_CONF="$ES_CONF" \
      ES_TMPDIR="$STATE_DIR/elasticsearch/tmp" \
      ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" \
      "$ES_HOME/bin/elasticsearch" -d -p "$STATE_DIR/elasticsearch/es.pid") \
      >"$ES_STDOUT" 2>&1 </dev/null 9>&- &
  ES_LAUNCH_PID=$!
  ES_STARTED=1
}

finish_es() {
  local deadline=$((SECONDS + T_ES))
  if [ -n "$ES_LAUNCH_PID" ]; then
    # The launcher exits 0 once the node has started, non-zero if it failed.
    while kill -0 "$ES_LAUNCH_PID" 2>/dev/null; do
      [ "$SECONDS" -lt "$deadline" ] || fail elasticsearch "$ES_LOG" "did not start within ${T_ES}s"
      sleep 0.5
    done
    wait "$ES_LAUNCH_PID" || fail elasticsearch "$ES_STDOUT" "failed to start"
  fi
  wait_for elasticsearch es_up $((deadline - SECONDS > 5 ? deadline - SECONDS : 5)) "$ES_LOG"
  timeout 60 curl -fsS -o /dev/null \
    "http://$HOST:$ES_HTTP_PORT/_cluster/health?wait_for_status=yellow&timeout=50s" ||
    fail elasticsearch "$ES_LOG" "cluster health did not reach yellow"
  if [ -n "$ES_STARTED" ]; then
    say "elasticsearch: started Elasticsearch $ES_VERSION (JDK 17, heap $ES_HEAP) on $HOST:$ES_HTTP_PORT (log $ES_LOG)"
  fi
}

stop_es() {
  local pid
  if es_pid_alive; then
    pid=$(cat "$STATE_DIR/elasticsearch/es.pid")
    kill -TERM "$pid"
    local deadline=$((SECONDS + 60))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    rm -f "$STATE_DIR/elasticsearch/es.pid"
    say "elasticsearch: stopped"
  else
    say "elasticsearch: not running"
  fi
}

# ---------------------------------------------------------------- stripe-mock
STRIPE_PIDFILE=$RUN_DIR/stripe-mock.pid
stripe_pid_alive() {
  local pid
  pid=$(cat "$STRIPE_PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && grep -qs stripe-mock "/proc/$pid/cmdline"
}

start_stripe() {
  if stripe_ours; then
    say "stripe-mock: already running on $HOST:$STRIPE_HTTP_PORT"
    return
  fi
  if [ -n "$FETCH_STRIPE_PID" ]; then
    wait "$FETCH_STRIPE_PID" || fail stripe-mock "$LOG_DIR/stripe-mock/fetch.log" "go install failed"
    FETCH_STRIPE_PID=
    say "stripe-mock: built $STRIPE_MOCK_VERSION"
  fi
  stripe_installed || fail stripe-mock "$LOG_DIR/stripe-mock/fetch.log" \
    "is not installed (needs Go >= 1.22 for go install; found: $(go version 2>/dev/null || echo none))"
  local pid
  if stripe_pid_alive && [ -z "$(listener_pid "$STRIPE_HTTP_PORT")" ]; then
    pid=$(cat "$STRIPE_PIDFILE")
  else
    need_free_port stripe-mock "$STRIPE_HTTP_PORT"
    need_free_port stripe-mock "$STRIPE_HTTPS_PORT"
    # setpriv execs (no fork), so $! is stripe-mock's own pid.
    setsid setpriv --reuid=nobody --regid=nogroup --clear-groups \
      "$STRIPE_BIN" -http-addr "$HOST:$STRIPE_HTTP_PORT" \
      -https-addr "$HOST:$STRIPE_HTTPS_PORT" >>"$STRIPE_LOG" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$STRIPE_PIDFILE"
  fi
  wait_for stripe-mock stripe_up "$T_STRIPE" "$STRIPE_LOG" "$pid"
  say "stripe-mock: started $STRIPE_MOCK_VERSION on $HOST:$STRIPE_HTTP_PORT (HTTP), $HOST:$STRIPE_HTTPS_PORT (HTTPS) (log $STRIPE_LOG)"
}

stop_stripe() {
  if stripe_pid_alive; then
    local pid
    pid=$(cat "$STRIPE_PIDFILE")
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    rm -f "$STRIPE_PIDFILE"
    say "stripe-mock: stopped"
  else
    say "stripe-mock: not running"
  fi
}

# ---------------------------------------------------------------- keycloak
kc_installed() { [ -x "$KC_HOME/bin/kc.sh" ]; }

# Runs in the background: download and unpack Keycloak (its own temporary
# directory: the Elasticsearch download may run at the same time).
fetch_kc() {
  local dl=$STATE_DIR/downloads tmp
  mkdir -p "$dl"
  local zip=$dl/keycloak-quarkus-dist-$KC_VERSION.zip
  if [ ! -s "$zip" ]; then
    rm -rf "$dl/keycloak.tmp"
    JAVA_HOME=$(java17_home) timeout "$T_FETCH_KC" mvn -q -B \
      dependency:copy -Dartifact="$KC_ARTIFACT" -DoutputDirectory="$dl/keycloak.tmp" || return 1
    mv "$dl/keycloak.tmp/keycloak-quarkus-dist-$KC_VERSION.zip" "$zip"
    rmdir "$dl/keycloak.tmp" 2>/dev/null || true
  fi
  tmp=$(mktemp -d "$KC_DIR/unpack.XXXXXX")
  unzip -q "$zip" -d "$tmp" || return 1
  rm -rf "$KC_HOME"
  mv "$tmp/keycloak-$KC_VERSION" "$KC_HOME"
  rmdir "$tmp"
}

FETCH_KC_PID=''
start_kc_fetch() {
  mkdir -p "$KC_DIR" "$LOG_DIR/keycloak"
  if [ -z "$FETCH_KC_PID" ] && ! kc_installed && command -v mvn >/dev/null && java17_home >/dev/null; then
    say "keycloak: fetching $KC_ARTIFACT (log: $LOG_DIR/keycloak/fetch.log)"
    fetch_kc >"$LOG_DIR/keycloak/fetch.log" 2>&1 9>&- &
    FETCH_KC_PID=$!
  fi
}

kc_pid_alive() {
  local pid
  pid=$(cat "$KC_PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && grep -qs io.quarkus "/proc/$pid/cmdline"
}

KC_LAUNCH_PID='' KC_STARTED=''
launch_kc() {
  if kc_ours; then
    say "keycloak: already running on $HOST:$KC_HTTP_PORT"
    return
  fi
  if [ -n "$FETCH_KC_PID" ]; then
    wait "$FETCH_KC_PID" || fail keycloak "$LOG_DIR/keycloak/fetch.log" "download of $KC_ARTIFACT failed"
    FETCH_KC_PID=
    say "keycloak: fetched $KC_VERSION"
  fi
  kc_installed || fail keycloak "$LOG_DIR/keycloak/fetch.log" "is not installed"
  local java_home
  java_home=$(java17_home) || die "FAILED: keycloak needs JDK 17 (/usr/lib/jvm/java-17-openjdk-*)"
  id -u "$KC_USER" >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir "$KC_DIR" --shell /usr/sbin/nologin "$KC_USER"
  [ -s "$KC_REALM_FIXTURE" ] || die "FAILED: keycloak: realm fixture $KC_REALM_FIXTURE is missing"
  # The realm is imported only when absent: a changed fixture starts from a
  # fresh dev database (data/h2) so that it is imported again.
  local sum
  sum=$(sha256sum <"$KC_REALM_FIXTURE" | cut -d' ' -f1)
  mkdir -p "$KC_HOME/data/import"
  if [ "$(cat "$KC_HOME/data/.realm-sha256" 2>/dev/null)" != "$sum" ]; then
    rm -rf "$KC_HOME/data/h2"
    cp "$KC_REALM_FIXTURE" "$KC_HOME/data/import/emporium-realm.json"
    echo "$sum" >"$KC_HOME/data/.realm-sha256"
  fi
  chown -R "$KC_USER:" "$KC_DIR" "$LOG_DIR/keycloak"
  if kc_pid_alive && [ -z "$(listener_pid "$KC_HTTP_PORT")" ]; then
    say "keycloak: still starting (pid $(cat "$KC_PIDFILE")), waiting"
    KC_LAUNCH_PID=$(cat "$KC_PIDFILE")
    return
  fi
  need_free_port keycloak "$KC_HTTP_PORT"
  need_free_port "keycloak (management)" "$KC_MGMT_PORT"
  # setpriv execs, and so does kc.sh (after its build step): $! is the server.
  # --hostname pins the issuer, whichever name a client uses to reach it.
  (cd "$KC_DIR" && exec setsid setpriv --reuid="$KC_USER" --regid="$(id -g "$KC_USER")" \
      --clear-groups env HOME="$KC_DIR" JAVA_HOME="$java_home" \
      JAVA_OPTS_KC_HEAP="-Xms64m -Xmx$KC_HEAP" \
      KEYCLOAK_ADMIN=emporium KEYCLOAK_ADMIN_PASSWORD=emporium \
      "$KC_HOME/bin/kc.sh" start-dev --import-realm \
      --http-host="$HOST" --http-port="$KC_HTTP_PORT" \
      --http-management-port="$KC_MGMT_PORT" \
      --hostname="http://$HOST:$KC_HTTP_PORT") >>"$KC_LOG" 2>&1 </dev/null 9>&- &
  KC_LAUNCH_PID=$!
  echo "$KC_LAUNCH_PID" >"$KC_PIDFILE"
  KC_STARTED=1
}

finish_kc() {
  [ -n "$KC_LAUNCH_PID" ] || kc_ours || return 0
  wait_for keycloak kc_up "$T_KC" "$KC_LOG" "$KC_LAUNCH_PID"
  if [ -n "$KC_STARTED" ]; then
    say "keycloak: started Keycloak $KC_VERSION (JDK 17, heap $KC_HEAP) on $HOST:$KC_HTTP_PORT, issuer $KC_ISSUER (log $KC_LOG)"
  fi
}

stop_kc() {
  if kc_pid_alive; then
    local pid
    pid=$(cat "$KC_PIDFILE")
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 60))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    rm -f "$KC_PIDFILE"
    say "keycloak: stopped"
  else
    say "keycloak: not running"
  fi
}

# ---------------------------------------------------------------- commands
# One `up`/`down` at a time per state dir.  Everything long-lived is started
# with fd 9 closed, or the daemons would hold this lock forever.
lock() {
  exec 9>"$STATE_DIR/.lock"
  if ! flock -n 9; then
    say "waiting for another services.sh up/down to finish (lock: $STATE_DIR/.lock)"
    flock -w 900 9 || die "FAILED: another services.sh still holds $STATE_DIR/.lock after 900s"
  fi
}

cmd_up() {
  [ "$(id -u)" -eq 0 ] || die "up must run as root (it installs packages and runs each daemon as its own user)"
  local t0=$SECONDS
  ensure_dirs
  lock
  trap cleanup EXIT
  # Downloads run alongside apt-get when their tools are already there.
  start_fetches
  start_kc_fetch
  local pkgs
  pkgs=$(missing_packages)
  if [ -n "$pkgs" ]; then
    apt_install
    start_fetches
    start_kc_fetch
  fi
  ensure_users
  if ! stripe_installed && [ -z "$FETCH_STRIPE_PID" ]; then
    fail stripe-mock "$LOG_DIR/stripe-mock/fetch.log" \
      "cannot be built: needs Go >= 1.22 (found: $(go version 2>/dev/null || echo none))"
  fi

  # Slow starters first, so they boot while the rest is set up.
  launch_rabbitmq
  if es_ours; then say "elasticsearch: already running on $HOST:$ES_HTTP_PORT"; else launch_es; fi
  launch_kc
  start_postgres
  start_redis
  finish_rabbitmq
  start_stripe
  finish_es
  finish_kc
  trap - EXIT
  say "all services up ($((SECONDS - t0))s); state in $STATE_DIR; use: eval \"\$(scripts/services.sh env)\""
}

cmd_down() {
  [ "$(id -u)" -eq 0 ] || die "down must run as root"
  [ -d "$STATE_DIR" ] || { say "nothing to stop: $STATE_DIR does not exist"; return; }
  lock
  stop_kc
  stop_stripe
  stop_es
  stop_rabbitmq
  stop_redis
  stop_postgres
}

cmd_status() {
  local bad=0
  row() {
    local name=$1 probe=$2 where=$3
    if "$probe"; then
      printf '%-14s up    %s\n' "$name" "$where"
    else
      printf '%-14s DOWN  %s\n' "$name" "$where"
      bad=1
    fi
  }
  row postgres pg_up "$HOST:$PG_PORT"
  row redis redis_up "$HOST:$REDIS_PORT"
  row rabbitmq rabbit_up "$HOST:$AMQP_PORT"
  row elasticsearch es_up "$HOST:$ES_HTTP_PORT"
  row stripe-mock stripe_up "$HOST:$STRIPE_HTTP_PORT (https $STRIPE_HTTPS_PORT)"
  row keycloak kc_up "$HOST:$KC_HTTP_PORT (issuer $KC_ISSUER)"
  return "$bad"
}

cmd_env() {
  cat <<EOF
export DATABASE_URL=postgresql+asyncpg://emporium:emporium@$HOST:$PG_PORT/emporium
export TEST_ADMIN_DATABASE_URL=postgresql+asyncpg://emporium:emporium@$HOST:$PG_PORT/postgres
export REDIS_URL=redis://$HOST:$REDIS_PORT/0
export BROKER_URL=amqp://emporium:emporium@$HOST:$AMQP_PORT/
export SEARCH_URL=http://$HOST:$ES_HTTP_PORT
export STRIPE_API_BASE=http://$HOST:$STRIPE_HTTP_PORT
export OIDC_TEST_ISSUER=$KC_ISSUER
EOF
}

# In braces with an exit: bash reads a script as it runs, so a copy edited
# while it runs must not be read past this point.
{
  case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    *) die "usage: $0 up|down|status|env" ;;
  esac
  exit
}
