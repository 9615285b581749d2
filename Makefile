# The two commands a newcomer needs: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .make
PORT ?= 5000
# The app reads PORT too: in development its links (TRACKER_PUBLIC_URL) follow it.
export PORT
export FLASK_APP := wsgi

.PHONY: install run test lint format jobs demo clean static

install: $(STAMPS)/python $(STAMPS)/node

# Re-installs only when pyproject.toml changes, so a second `make install` takes no time.
$(STAMPS)/python: pyproject.toml
	@mkdir -p $(STAMPS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

$(STAMPS)/node: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The service on SQLite with a demo team and patient; messages go to the console.
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo --if-empty
	TRACKER_OPEN_SIGNUP=$${TRACKER_OPEN_SIGNUP:-1} TRACKER_JOBS_IN_WEB=1 $(BIN)/flask run --debug --port $(PORT)

# Production's static files: hashed names, gzip and brotli, in build/static (docs/deploy.md).
static: install
	$(BIN)/flask assets build

# The whole suite: lint and formatting, then tests (on PostgreSQL too when
# TRACKER_TEST_DATABASE_URL is set), spread over one pytest-xdist worker per core. PYTEST_ARGS
# comes last, so `make test PYTEST_ARGS="-n0 -k foo"` runs in one process.
test: lint
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules $(STAMPS) .pytest_cache .ruff_cache .hypothesis .import_linter_cache .grimp_cache
