# Two commands on a fresh machine: `make run` (baseline) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SCENARIO ?= scenarios/baseline.yaml
# The live view's browser test drives Debian's chromium (no browser download is possible).
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,viz]'
	touch $@

# Installed once, when missing; without root or apt-get the browser test is skipped.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "note: $(CHROMIUM) missing (apt-get install chromium); browser test skipped"; fi

run: $(VENV)/.installed
	$(PY) run_sim.py run $(SCENARIO)

# mypy (one process, ~25 s on a fresh clone) runs beside the tests, whose workers leave a
# core idle at times; its report comes after theirs, and either failing fails the target.
test: $(VENV)/.installed | $(CHROMIUM)
	$(PY) -m ruff check .
	@log=$$(mktemp); $(PY) -m mypy >$$log 2>&1 & types=$$!; \
	$(PY) -m pytest -q -n auto --dist loadfile; tests=$$?; \
	wait $$types; typed=$$?; cat $$log; rm -f $$log; \
	[ $$tests -eq 0 ] && [ $$typed -eq 0 ]

bench: $(VENV)/.installed
	$(PY) run_sim.py bench $(SCENARIO)

clean:
	rm -rf $(VENV) results/*/ .pytest_cache
