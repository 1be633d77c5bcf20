#!/usr/bin/env bash
# The fresh-machine check: the README's two commands, exactly as written, in a brand-new
# Debian 12 that has nothing but `python3`, `make`, `git` and `ca-certificates` added.
#
#   sudo bash scripts/fresh-machine.sh
#
# 1. builds a Debian 12 root with debootstrap (default variant), cached in $FRESH_CACHE
#    (default /var/cache/emporium-fresh) so that reruns skip the download; every run
#    starts from a new copy of it, given this host's DNS settings and its locally added CA
#    certificates (/usr/local/share/ca-certificates: a TLS-inspecting proxy needs them);
# 2. bind-mounts /proc, /sys and /dev into it, and the root onto itself (Elasticsearch
#    locks its data folder through the mount table, which needs a mount point);
# 3. clones the committed HEAD of this checkout into /root/emporium inside it;
# 4. runs, through `env -i` so nothing of the host's environment leaks in:
#      `make run`  until /graphql serves the demo catalog, then one SIGINT (a Ctrl-C),
#                  and checks that no process is left in the root;
#      `make test` in full;
#    both with EMPORIUM_PORT_OFFSET (default 300) so the services and the API never
#    collide with ones already running on this machine (same network namespace);
# 5. reports each step's result and time, and removes the mounts, the processes and the
#    copy on exit (FRESH_KEEP=1 keeps the copy for a look inside).
#
# Logs: $FRESH_WORK/<run>/logs/ (default /var/tmp/emporium-fresh). Exit status 0 only
# if every step passed.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${FRESH_CACHE:-/var/cache/emporium-fresh}
WORK_BASE=${FRESH_WORK:-/var/tmp/emporium-fresh}
OFFSET=${EMPORIUM_PORT_OFFSET:-300}
SUITE=bookworm
PACKAGES=python3,make,git,ca-certificates
T_RUN_READY=${FRESH_RUN_TIMEOUT:-2400}
T_TEST=${FRESH_TEST_TIMEOUT:-14400}
PORT=$((8000 + OFFSET))

say() { printf '[fresh %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { say "FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap, chroot and mounts need it)"
for tool in git chroot mount umount flock; do
  command -v "$tool" >/dev/null || die "needs $tool"
done
if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap (Debian package)"
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 install -y \
    --no-install-recommends debootstrap >/dev/null || die "could not install debootstrap"
fi
HEAD=$(git -C "$REPO" rev-parse HEAD)
if [ -n "$(git -C "$REPO" status --porcelain --untracked-files=no)" ]; then
  say "note: uncommitted changes are not part of the check (it clones HEAD $HEAD)"
fi

# The host's own Debian mirror (a local mirror or proxy stays in use); debootstrap's
# default when the host has none configured.
host_mirror() {
  local f
  if [ -n "${FRESH_MIRROR:-}" ]; then echo "$FRESH_MIRROR"; return; fi
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    awk -v s="$SUITE" '
      /^$/ { if (uri && suite && !done) { print uri; done = 1 } uri = ""; suite = 0 }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) suite = 1 }
      END { if (uri && suite && !done) print uri }' "$f" | grep -v security || true
  done
  if [ -e /etc/apt/sources.list ]; then
    awk -v s="$SUITE" '$1 == "deb" && $3 == s && $2 !~ /security/ { print $2 }' /etc/apt/sources.list
  fi
}
MIRROR=$(host_mirror | head -n 1 || true)

mkdir -p "$CACHE" "$WORK_BASE"
exec 7>"$CACHE/.lock"
flock -n 7 || die "another fresh-machine.sh is running (lock $CACHE/.lock)"

RUN=$(date -u +%Y%m%dT%H%M%SZ)
WORK=$WORK_BASE/$RUN
ROOT=$WORK/root
LOGS=$WORK/logs
mkdir -p "$LOGS"
REPORT=$LOGS/report.txt
RESULTS=()
FAILED=0

record() {  # record STEP RESULT SECONDS [NOTE]
  RESULTS+=("$(printf '%-28s %-5s %6ss  %s' "$1" "$2" "$3" "${4:-}")")
  [ "$2" = pass ] || FAILED=1
  say "$1: $2 in $3s ${4:-}"
}

# Every process whose root directory is the fresh root.
procs_inside() {
  local p r
  for p in /proc/[0-9]*; do
    r=$(readlink "$p/root" 2>/dev/null) || continue
    [ "$r" = "$ROOT" ] && echo "${p#/proc/}"
  done
  return 0
}

describe_procs() {
  local p
  for p in "$@"; do
    printf '  %s %s\n' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-160)"
  done
}

kill_inside() {
  local pids sig
  for sig in TERM KILL; do
    pids=$(procs_inside)
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    kill -"$sig" $pids 2>/dev/null || true
    for _ in $(seq 1 50); do
      [ -n "$(procs_inside)" ] || return 0
      sleep 0.2
    done
  done
}

cleanup() {
  local rc=$?
  set +e
  if [ -d "$ROOT" ]; then
    kill_inside
    if mountpoint -q "$ROOT"; then
      umount -R "$ROOT" 2>/dev/null || umount -R -l "$ROOT"
    fi
    if [ -z "${FRESH_KEEP:-}" ] && ! mountpoint -q "$ROOT" && ! grep -qs " $ROOT/" /proc/mounts; then
      rm -rf --one-file-system "$ROOT"
    fi
  fi
  if [ "${#RESULTS[@]}" -gt 0 ]; then
    {
      echo "fresh-machine check of $HEAD, $(date -u '+%Y-%m-%d %H:%M UTC')"
      echo "Debian 12 ($SUITE) from debootstrap + $PACKAGES; EMPORIUM_PORT_OFFSET=$OFFSET"
      printf '%s\n' "${RESULTS[@]}"
      [ "$FAILED" -eq 0 ] && [ "$rc" -eq 0 ] && echo "RESULT: pass" || echo "RESULT: FAIL"
      echo "logs: $LOGS"
    } | tee "$REPORT"
  fi
  [ "$rc" -ne 0 ] || rc=$FAILED
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ 1. the base root
BASE=$CACHE/$SUITE-base
t=$SECONDS
if [ -e "$BASE/.complete" ]; then
  record "debootstrap (cached)" pass $((SECONDS - t)) "$BASE"
else
  say "debootstrap $SUITE with $PACKAGES${MIRROR:+ from $MIRROR} (log $LOGS/debootstrap.log)"
  rm -rf "$BASE.tmp"
  # shellcheck disable=SC2086
  if debootstrap --include="$PACKAGES" "$SUITE" "$BASE.tmp" $MIRROR >"$LOGS/debootstrap.log" 2>&1; then
    rm -rf "$BASE"
    mv "$BASE.tmp" "$BASE"
    touch "$BASE/.complete"
    record debootstrap pass $((SECONDS - t))
  else
    tail -n 20 "$LOGS/debootstrap.log" >&2
    record debootstrap FAIL $((SECONDS - t))
    exit 1
  fi
fi

t=$SECONDS
cp -a "$BASE" "$ROOT"
rm -f "$ROOT/.complete"
# the network settings a fresh machine gets from its installer or admin: DNS, and the
# host's locally added CA certificates (a proxy that inspects TLS needs them trusted)
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
  chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin update-ca-certificates \
    >>"$LOGS/ca-certificates.log" 2>&1
fi
[ -s "$ROOT/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"
mount --bind "$ROOT" "$ROOT"
mount --make-private "$ROOT"
mount -t proc proc "$ROOT/proc"
mount --rbind /sys "$ROOT/sys" && mount --make-rslave "$ROOT/sys"
mount --rbind /dev "$ROOT/dev" && mount --make-rslave "$ROOT/dev"
record "copy root and mount" pass $((SECONDS - t))

# ------------------------------------------------------------------ 2. the clone
t=$SECONDS
git clone -q --no-hardlinks "$REPO" "$ROOT/root/emporium"
git -C "$ROOT/root/emporium" checkout -q --detach "$HEAD"
record "clone HEAD" pass $((SECONDS - t)) "${HEAD:0:12}"

# inside CMD...: a clean login-like environment in the clone, nothing from the host
inside() {
  chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    EMPORIUM_PORT_OFFSET="$OFFSET" /bin/bash -c 'cd /root/emporium && exec "$@"' inside "$@"
}
export -f inside
export ROOT OFFSET

# ------------------------------------------------------------------ 3. make run
QUERY='{"query":"{ products(first: 3) { totalCount nodes { title } } }"}'
serves_catalog() {
  inside python3 -c '
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(),
                             headers={"content-type": "application/json"})
body = json.load(urllib.request.urlopen(req, timeout=10))
products = body["data"]["products"]
assert products["totalCount"] > 0 and products["nodes"], body
print(products["totalCount"], "products, first:", products["nodes"][0]["title"])
' "http://127.0.0.1:$PORT/graphql" "$QUERY" 2>/dev/null
}

say "make run (log $LOGS/make-run.log)"
t=$SECONDS
setsid bash -c 'inside make run' >"$LOGS/make-run.log" 2>&1 </dev/null &
RUN_PID=$!
ready=''
while kill -0 "$RUN_PID" 2>/dev/null && [ $((SECONDS - t)) -lt "$T_RUN_READY" ]; do
  if out=$(serves_catalog); then ready=$out; break; fi
  sleep 2
done
if [ -n "$ready" ]; then
  record "make run: serves catalog" pass $((SECONDS - t)) "($ready)"
  # one Ctrl-C: the terminal sends SIGINT to the foreground process group
  t=$SECONDS
  kill -INT -- -"$RUN_PID"
  for _ in $(seq 1 300); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.2; done
  sleep 1
  left=$(procs_inside)
  if kill -0 "$RUN_PID" 2>/dev/null; then
    record "make run: one Ctrl-C stops" FAIL $((SECONDS - t)) "still running after 60s"
  elif [ -n "$left" ]; then
    # shellcheck disable=SC2086
    describe_procs $left >>"$LOGS/make-run.log"
    record "make run: one Ctrl-C stops" FAIL $((SECONDS - t)) "left: $(echo $left)"
  else
    record "make run: one Ctrl-C stops" pass $((SECONDS - t)) "no process left"
  fi
else
  tail -n 30 "$LOGS/make-run.log" >&2
  record "make run: serves catalog" FAIL $((SECONDS - t)) "see $LOGS/make-run.log"
fi
kill -KILL -- -"$RUN_PID" 2>/dev/null || true
wait "$RUN_PID" 2>/dev/null || true
kill_inside

# ------------------------------------------------------------------ 4. make test
say "make test (log $LOGS/make-test.log)"
t=$SECONDS
rc=0
timeout "$T_TEST" bash -c 'inside make test' >"$LOGS/make-test.log" 2>&1 </dev/null || rc=$?
# the services' start-up time, and each pytest run's summary (split-database run first)
summary=$(grep -E "^all services up|[0-9]+ (passed|failed)" "$LOGS/make-test.log" |
  sed -E 's/^all services up \(([0-9]+s)\).*/services up in \1/' | paste -sd ';' - | cut -c1-200 || true)
if [ "$rc" -eq 0 ]; then
  record "make test" pass $((SECONDS - t)) "$summary"
else
  tail -n 40 "$LOGS/make-test.log" >&2
  record "make test" FAIL $((SECONDS - t)) "exit $rc; $summary"
fi
