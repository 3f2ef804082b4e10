# The two commands: `make run` and `make test`. `make install` alone sets up .venv.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench clean chromium nginx fuzz

install: $(STAMP)

# Browser tests drive Debian's Chromium (Playwright's own download does not work here).
chromium:
	@test -x /usr/bin/chromium || { apt-get update -q && apt-get install -y -q chromium; }

# The cluster tests run Debian's nginx with deploy/nginx.conf in front of two web nodes,
# and check deploy/systemd/ with systemd-analyze.
nginx:
	@test -x /usr/sbin/nginx || { apt-get update -q && apt-get install -y -q nginx; }
	@test -x /usr/bin/systemd-analyze || { apt-get update -q && apt-get install -y -q systemd; }

# torch first, from the CPU build on this machine's disk; a bare `torch` would pull CUDA.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[ml,dev]'
	-$(BIN)/dailypapers models prepare  # the search model, built once (about a minute)
	touch $(STAMP)

# One process serves the site and runs the worker's jobs; the model is built before serving.
run: install
	$(BIN)/dailypapers db upgrade
	-$(BIN)/dailypapers models prepare  # without a model, search runs by keywords
	$(BIN)/dailypapers demo --if-empty
	$(BIN)/dailypapers serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

# Tests run in TEST_WORKERS processes (pytest-xdist), each with its own PostgreSQL server,
# SQLite files and ports; whole files go to one worker so a file's module fixtures load once.
TEST_WORKERS ?= 3

test: install chromium nginx lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

# The schemathesis CLI (--checks all, 100 examples per operation) against a live server on
# SQLite and PostgreSQL; `make test` runs a short in-process pass (tests/hardening/test_fuzz.py).
fuzz: install
	$(BIN)/python -m tests.hardening.live_fuzz --max-examples $${FUZZ_EXAMPLES:-100}

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
