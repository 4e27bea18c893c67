# Two commands on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo serve test test-fast lint migrate-check browser-deps bench lock clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Builds gongzhi.db from the migrations, loads the demo street and serves on $(HOST):$(PORT).
demo: install
	$(BIN)/gongzhi demo --reset
	$(BIN)/gongzhi serve --host $(HOST) --port $(PORT) --live-demo

serve: install
	$(BIN)/gongzhi serve --host $(HOST) --port $(PORT)

# Debian's Chromium and CJK fonts for the browser tests (never a downloaded browser).
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	      || echo "could not install chromium; browser tests will be skipped (failed under CI=true)"; \
	  else echo "chromium missing; run: sudo apt-get install -y chromium fonts-noto-cjk"; fi; \
	fi

lint: install
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/mypy
	$(BIN)/lint-imports

# Models and migrations agree, on a throwaway SQLite file.
migrate-check: install
	@tmp=$$(mktemp -d); \
	GONGZHI_DATABASE_URL=sqlite:///$$tmp/check.db $(BIN)/alembic upgrade head && \
	GONGZHI_DATABASE_URL=sqlite:///$$tmp/check.db $(BIN)/alembic check; rc=$$?; rm -rf $$tmp; exit $$rc

test: install browser-deps lint migrate-check
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q -x -m "not browser"

bench: install
	$(BIN)/python bench/intake.py

lock:
	rm -rf /tmp/gongzhi-lock && $(PY) -m venv /tmp/gongzhi-lock
	/tmp/gongzhi-lock/bin/pip install --quiet -e ".[dev]"
	( echo "# Pinned by \`make lock\` (pip freeze of a fresh venv)."; \
	  /tmp/gongzhi-lock/bin/pip freeze --exclude-editable | grep -v '^-e' ) > requirements.lock

clean:
	rm -rf $(VENV) gongzhi.db gongzhi.db-wal gongzhi.db-shm .pytest_cache .mypy_cache .ruff_cache
