# Kept — `make run` serves on 127.0.0.1:8000, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install install-dev browser run migrate test test-postgres lint ci clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/kept migrate

run: install
	$(BIN)/kept migrate
	$(BIN)/kept serve --with-worker

# The widget's browser tests drive Debian's chromium through its chromedriver (nothing is
# downloaded); installed here when missing (as root, else with sudo).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		echo "Installing chromium and chromium-driver for the browser tests"; \
		$$SUDO apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium chromium-driver; \
	fi

test: install-dev browser
	KEPT_REQUIRE_BROWSER=1 $(BIN)/pytest

test-postgres: install-dev browser
	KEPT_REQUIRE_BROWSER=1 KEPT_TEST_DATABASE_URL=$${KEPT_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy api tests
	KEPT_DATABASE_URL=sqlite:///$$(mktemp -d)/check.db sh -c '$(BIN)/kept migrate >/dev/null && $(BIN)/alembic check'

ci: test test-postgres lint

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
