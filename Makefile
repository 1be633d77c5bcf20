# The two commands a newcomer needs:
#   make run    the API on embedded engines with demo data (GraphiQL at http://localhost:8000/graphql)
#   make test   start the real services and run every check and test
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check services bench schema clean

# GraphiQL's browser assets, from npm, so /graphql needs no CDN (see app/graphiql.py)
GRAPHIQL := graphiql/node_modules/.package-lock.json

$(BIN)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

$(GRAPHIQL): graphiql/package.json graphiql/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --prefix graphiql --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: GraphiQL will load its assets from a CDN"; fi

run: $(BIN)/.installed $(GRAPHIQL)
	$(BIN)/emporium serve --demo $(ARGS)

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
