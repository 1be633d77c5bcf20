#!/usr/bin/env bash
# Where a first `make run` spends its time, with nothing cached: a fresh clone of HEAD and
# an empty HOME (so no pip or npm cache), timed until /graphql serves the demo catalog,
# then stopped with one SIGINT.
#
#   bash scripts/time-first-start.sh [REV]      (default HEAD; prints one line per phase)
#
# Prints the timestamped milestones: make's own steps and the server's start-up lines.
# Needs python3 with venv, and npm to time the GraphiQL step.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
REV=${1:-HEAD}
OFFSET=${EMPORIUM_PORT_OFFSET:-400}
PORT=$((8000 + OFFSET))
WORK=$(mktemp -d /tmp/emporium-first-start.XXXXXX)
trap 'kill -INT -- -"${PID:-0}" 2>/dev/null && sleep 10; kill -KILL -- -"${PID:-0}" 2>/dev/null; rm -rf "$WORK"; true' EXIT

git clone -q "$REPO" "$WORK/clone"
git -C "$WORK/clone" checkout -q --detach "$REV"
mkdir "$WORK/home"

# every output line, with the seconds since the start
STAMP='
import sys, time
t0 = time.monotonic()
for line in sys.stdin:
    sys.stdout.write(f"{time.monotonic() - t0:7.1f} {line}")'

cd "$WORK/clone"
# the host's TLS trust settings pass through (a proxy that inspects TLS needs them), no
# other setting (PIP_FIND_LINKS and the like would be a cache)
tls=()
for v in SSL_CERT_FILE SSL_CERT_DIR PIP_CERT REQUESTS_CA_BUNDLE NODE_EXTRA_CA_CERTS; do
  [ -z "${!v:-}" ] || tls+=("$v=${!v}")
done
# setsid: make, the server and the time stamper in one new process group (PID), which
# the exit trap stops with one SIGINT, like a Ctrl-C
setsid env -i HOME="$WORK/home" PATH="$PATH" LANG=C.UTF-8 EMPORIUM_PORT_OFFSET="$OFFSET" "${tls[@]}" \
  bash -c "make run ARGS='--port $PORT' 2>&1 | python3 -u -c '$STAMP'" </dev/null >"$WORK/run.log" &
PID=$!
start=$SECONDS
until grep -q 'Emporium is ready' "$WORK/run.log" 2>/dev/null; do
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/run.log"; echo "make run exited" >&2; exit 1; }
  [ $((SECONDS - start)) -lt 1800 ] || { cat "$WORK/run.log"; echo "not ready in 1800s" >&2; exit 1; }
  sleep 0.5
done
curl -fsS -H 'content-type: application/json' \
  -d '{"query":"{ products(first: 1) { totalCount } }"}' "http://127.0.0.1:$PORT/graphql"
echo
# the milestones: make's steps and the server's start-up lines, with their times
grep -E 'venv|pip install|npm|graphiql:|setup:|emporium serve|engines up|Running upgrade|seeding|seeded|Emporium is ready' \
  "$WORK/run.log" | grep -v -E 'Warning|!!' | cut -c1-150
cp "$WORK/run.log" "/tmp/first-start-$(git rev-parse --short HEAD).log"
echo "full log: /tmp/first-start-$(git rev-parse --short HEAD).log"
