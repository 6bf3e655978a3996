# The two commands: `make run` (the product on http://127.0.0.1:$(PORT)) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# PostgreSQL and Redis from pip wheels unless DATABASE_URL / REDIS_URL are set.
EMBEDDED := $(PY) -m aftersales.embedded

.PHONY: install run test bench lint format messages clean

install: $(VENV)/.installed node_modules/.installed messages

$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c constraints.txt -e ".[dev,embedded]"
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

messages: $(VENV)/.installed
	@$(PY) -m aftersales.compile_messages

run: install
	$(EMBEDDED) --var var -- sh -c '\
	  $(PY) manage.py migrate --noinput && \
	  $(PY) manage.py collectstatic --noinput -v0 && \
	  $(PY) manage.py seed_demo && \
	  echo "Serving http://127.0.0.1:$(PORT)  (Ctrl-C stops everything)" && \
	  exec $(VENV)/bin/honcho start --port $(PORT)'

test: install lint
	$(EMBEDDED) --var var/test -- sh -c '\
	  $(PY) manage.py makemigrations --check --dry-run && \
	  $(PY) -m pytest $(PYTEST_ARGS)'

# Benchmarks: figures as ratios against a baseline measured in the same run (README). Each
# runs even if one before it failed, so bench/report.py gathers them all (results/report.json).
bench: install
	$(EMBEDDED) --var var/bench -- sh -c '\
	  $(PY) bench/report.py start || exit 1; status=0; \
	  for name in intake_throughput no_ticket_lost sla_sweep queue_page knowledge_search; do \
	    $(PY) bench/$$name.py || status=1; \
	  done; \
	  $(PY) bench/report.py || status=1; \
	  exit $$status'

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules var
