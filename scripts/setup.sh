#!/usr/bin/env bash
# What `make run` and `make test` need, brought by themselves (the Makefile calls this):
#
#   scripts/setup.sh python [dev]          .venv with the app (and the dev tools) installed
#   scripts/setup.sh graphiql [required]   GraphiQL's browser files from npm (graphiql/)
#
# A missing tool is installed from Debian's packages when this runs as root; otherwise it
# stops with one line naming exactly what to install. Without `required`, a missing npm
# is only a note: GraphiQL then loads the same files from a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
VENV=.venv
APT_LOG=${EMPORIUM_SETUP_APT_LOG:-/var/log/emporium-setup-apt.log}

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# apt_install WHY PACKAGE...: as root, install; otherwise one line saying what to install
apt_install() {
  local why=$1
  shift
  if [ "$(id -u)" -ne 0 ]; then
    die "$why: run \`sudo apt-get install $*\`, then the same make command again"
  fi
  command -v apt-get >/dev/null || die "$why: install $* (no apt-get here to do it)"
  say "$why: installing Debian packages: $* (log $APT_LOG)"
  # one apt-get at a time with scripts/services.sh (and the other make step under -j)
  exec 8>/var/lock/emporium-services-apt.lock
  flock -w 1800 8 || die "another apt-get held /var/lock/emporium-services-apt.lock for 30 minutes"
  export DEBIAN_FRONTEND=noninteractive
  local apt=(apt-get -q -y -o DPkg::Lock::Timeout=600)
  # a fresh machine has no package lists yet: update once when the install can't find them
  if ! "${apt[@]}" install --no-install-recommends "$@" >>"$APT_LOG" 2>&1; then
    { "${apt[@]}" update && "${apt[@]}" install --no-install-recommends "$@"; } >>"$APT_LOG" 2>&1 || {
      tail -n 15 "$APT_LOG" >&2
      die "$why: apt-get could not install $* (log $APT_LOG)"
    }
  fi
  exec 8>&-
}

# ------------------------------------------------------------------ python
python_version_ok() {
  "$PY" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 13)))' 2>/dev/null
}

# A venv that a failed or interrupted `python3 -m venv` left half made (python, no pip)
# is made again.
venv_complete() {
  [ -x "$VENV/bin/python" ] && [ -x "$VENV/bin/pip" ] &&
    "$VENV/bin/python" -c 'import pip' 2>/dev/null
}

setup_python() {
  local extra=${1:-}
  command -v "$PY" >/dev/null || apt_install "Python 3 is missing" python3 python3-venv
  python_version_ok ||
    die "Emporium needs Python 3.11 or 3.12; $PY is $("$PY" -V 2>&1). Point PY at one, e.g. make run PY=python3.11"
  if ! venv_complete; then
    # Debian's python3 has no ensurepip (so no venv) without python3-venv
    "$PY" -c 'import ensurepip, venv' 2>/dev/null ||
      apt_install "$PY cannot make a virtualenv" python3-venv
    [ ! -e "$VENV" ] || say "$VENV is incomplete (an earlier setup failed?): making it again"
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
  fi
  local target=. stamp=$VENV/bin/.installed-run
  if [ "$extra" = dev ]; then target=.[dev] stamp=$VENV/bin/.installed; fi
  say "pip install $target (log $VENV/pip.log)"
  # Wheels only: every pin has a wheel for Linux x86-64/arm64 and CPython 3.11/3.12, so
  # nothing is built. No byte-compiling of every installed file up front (a third of the
  # install's time): Python compiles what it imports, once. pip's own upgrade is skipped
  # (the venv's pip does the job).
  if ! "$VENV/bin/pip" install --disable-pip-version-check --no-input -q \
      --only-binary :all: --no-compile -c constraints.txt -e "$target" >"$VENV/pip.log" 2>&1; then
    tail -n 20 "$VENV/pip.log" >&2
    die "pip install failed (log $VENV/pip.log)"
  fi
  touch "$VENV/bin/.installed-run" "$stamp"
}

# ------------------------------------------------------------------ graphiql
setup_graphiql() {
  local need=${1:-}
  if ! command -v npm >/dev/null; then
    if [ "$need" = required ]; then
      apt_install "npm is missing (GraphiQL's files, and the browser test that loads them)" npm
    else
      say "npm not found: GraphiQL will load its files from a CDN (install npm to serve them from here)"
      return 0
    fi
  fi
  if [ "$need" = required ]; then
    python3 scripts/graphiql_assets.py
  elif ! python3 scripts/graphiql_assets.py; then
    say "GraphiQL's files could not be fetched (see above): GraphiQL will load them from a CDN"
  fi
}

case "${1:-}" in
  python) setup_python "${2:-}" ;;
  graphiql) setup_graphiql "${2:-}" ;;
  *) die "usage: $0 python [dev] | graphiql [required]" ;;
esac
