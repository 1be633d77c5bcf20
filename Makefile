# The two commands a newcomer needs:
#   make run    the API on embedded engines with demo data (GraphiQL at http://localhost:8000/graphql)
#   make test   start the real services and run every check and test
# Both bring what they need (scripts/setup.sh): as root, missing Debian packages are
# installed; otherwise one line says exactly what to install.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# EMPORIUM_PORT_OFFSET shifts every port (this API's and scripts/services.sh's)
EMPORIUM_PORT ?= $(shell echo $$((8000 + $${EMPORIUM_PORT_OFFSET:-0})))
export PY

# the prerequisites (venv and GraphiQL's files) are made side by side
MAKEFLAGS += -j2

.PHONY: run test services bench schema clean

# GraphiQL's browser files, from npm, so /graphql needs no CDN (see app/graphiql.py)
GRAPHIQL := graphiql/node_modules/.assets

# the app and what it needs to run: enough for `make run`
$(BIN)/.installed-run: pyproject.toml constraints.txt
	@bash scripts/setup.sh python

# ... and the dev tools (tests, linters, type checks)
$(BIN)/.installed: pyproject.toml constraints.txt
	@bash scripts/setup.sh python dev

# `make run` goes on without npm (GraphiQL then uses a CDN); `make test` installs it
$(GRAPHIQL): graphiql/package.json graphiql/package-lock.json
	@bash scripts/setup.sh graphiql $(GRAPHIQL_NEED)

run: $(BIN)/.installed-run $(GRAPHIQL)
	$(BIN)/emporium serve --demo --port $(EMPORIUM_PORT) $(ARGS)

test: GRAPHIQL_NEED := required
test: $(BIN)/.installed $(GRAPHIQL)
	bash scripts/test.sh

services:
	bash scripts/services.sh up

bench: $(BIN)/.installed
	$(BIN)/python -m bench $(ARGS)

schema: $(BIN)/.installed
	$(BIN)/emporium schema --write

clean:
	rm -rf $(VENV) .emporium .pytest_cache .mypy_cache .ruff_cache graphiql/node_modules
