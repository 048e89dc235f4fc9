# The two commands a new user needs: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
DEMO   ?= .demo
STORE  ?= $(DEMO)/graph.tkg
YEAR   ?= 2020
PYTEST_ARGS ?=

.PHONY: demo test install lint typecheck neo4j-start neo4j-stop sample clean bench-quick

$(BIN)/tiaokuai: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(BIN)/tiaokuai

PORT   ?= 8000

## demo: install, load the bundled Heilongjiang sample into an embedded store, print 2020 coverage
## and the prefecture bureaus' gaps, then serve GraphQL (GraphiQL at http://127.0.0.1:$(PORT)/graphql)
demo: install
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/tiaokuai sample --out $(DEMO)/ledgers
	$(BIN)/tiaokuai load --store $(STORE) $(DEMO)/ledgers
	$(BIN)/tiaokuai coverage --store $(STORE) --year $(YEAR)
	$(BIN)/tiaokuai gaps --store $(STORE) --year $(YEAR) --level prefecture
	$(BIN)/tiaokuai report --store $(STORE) --year $(YEAR) --out $(DEMO)/report-$(YEAR).html
	@echo
	@echo "GraphiQL: http://127.0.0.1:$(PORT)/graphql   report: $(DEMO)/report-$(YEAR).html   (Ctrl-C stops)"
	$(BIN)/tiaokuai serve --store $(STORE) --port $(PORT)

## test: install, start the local Neo4j (from Maven Central), lint, type-check and run every test
test: install
	scripts/install-chromium >/dev/null
	scripts/neo4j start >/dev/null
	$(MAKE) lint typecheck
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src loaders tests examples bench
	$(BIN)/ruff format --check src loaders tests examples bench
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy

neo4j-start:
	scripts/neo4j start

neo4j-stop:
	scripts/neo4j stop

clean:
	rm -rf $(DEMO) .pytest_cache .mypy_cache .ruff_cache
