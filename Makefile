# Two commands on a fresh machine: `make run` (baseline) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SCENARIO ?= scenarios/baseline.yaml

.PHONY: run test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(PY) run_sim.py run $(SCENARIO)

test: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m pytest -q

bench: $(VENV)/.installed
	$(PY) run_sim.py bench $(SCENARIO)

clean:
	rm -rf $(VENV) results/*/ .pytest_cache
