# The two commands: `make run` (whole stack with demo data) and `make test` (every check).
# Both set everything up first; each step is skipped when already done.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_PY := $(VENV)/.installed
STAMP_NODE := node_modules/.installed
STAMP_SYS := .local/.system-packages
PYTEST_ARGS ?=

.PHONY: setup run test lint format bench fuzz audit clean

setup: $(STAMP_SYS) $(STAMP_PY) $(STAMP_NODE)

$(STAMP_SYS): scripts/system-packages.sh
	bash scripts/system-packages.sh
	@mkdir -p .local && touch $@

$(STAMP_PY): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(STAMP_NODE): package.json package-lock.json
	# Install scripts stay off: the only ones (re2 via node-gyp) would download Node headers, and
	# firebase-tools works without them.
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

run: setup
	$(PY) scripts/stack.py run

lint: $(STAMP_PY)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

format: $(STAMP_PY)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# pytest's own exit code comes back unchanged (5 = no tests collected fails the build).
test: setup lint
	$(PY) scripts/stack.py test -- $(PY) -m pytest $(PYTEST_ARGS)

# Schemathesis over the whole API as every role: all phases (stateful included), many examples.
fuzz: setup
	FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-40} FUZZ_PHASES=$${FUZZ_PHASES:-examples,coverage,fuzzing,stateful} \
		$(PY) scripts/stack.py test -- $(PY) -m pytest -p no:cacheprovider tests/test_fuzz_api.py

bench: setup
	$(PY) scripts/stack.py test -- $(PY) bench/run_all.py

# Known vulnerabilities in what production installs (docs/security.md). --strict: a dependency that
# could not be checked fails the run instead of passing silently.
audit: $(STAMP_PY) $(STAMP_NODE)
	$(VENV)/bin/pip-audit -r requirements.txt --strict --progress-spinner off
	npm audit --omit=dev

clean:
	rm -rf $(VENV) node_modules .local staticfiles
