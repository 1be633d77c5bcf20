#!/usr/bin/env bash
# The whole test suite (what `make test` and CI run): start the real services, install
# Debian's Chromium for the browser tests, run the static checks, the unit, integration,
# e2e and browser tests, and the integration suite again with every bounded context on
# its own database.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

bash scripts/services.sh up
bash scripts/browser.sh
eval "$(bash scripts/services.sh env)"

echo "== static checks"
$BIN/ruff check .
$BIN/ruff format --check .
$BIN/mypy
$BIN/lint-imports
$BIN/emporium schema --check

echo "== integration suite with every context on its own database"
EMPORIUM_TEST_SPLIT_CONTEXTS=1 $BIN/pytest -q -p no:cacheprovider tests/integration

echo "== unit, integration and e2e tests"
$BIN/pytest -q -p no:cacheprovider tests
