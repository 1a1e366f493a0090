"""Scenario (g): the local backend's tokens/s next to raw transformers `generate`.

Runs in its own subprocess (`python benchmarks/local_bench.py --tokens N --reps R`) so torch never
loads into the harness process; the child prints one JSON line with tokens/s per repetition, or
{"skipped": reason} when torch, transformers or `mistral_client.local` are unavailable.

Both sides use the same tiny random-weight Mistral model (saved once to a temp dir), one torch
thread, greedy decoding and the same prompt token ids.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from results import Measurement, Scenario, fill_ratios, rotated

RAW = "raw transformers"
LOCAL = "mistral_client local"
# list[Any]: mistral_client and mistral-common each type messages with their own classes.
PROMPT: list[Any] = [
    {"role": "user", "content": "Write a short poem about the sea, the wind and the lighthouse keeper."}
]
MODEL_NAME = "tiny-random-mistral"
MAX_SEEDS = 10  # model seeds tried until greedy decoding emits no EOS within the token budget
_SELF = Path(__file__).resolve()


def run(scenario: Scenario, tokens: int, reps: int) -> list[Measurement]:
    """Parent side: spawn the child and turn its JSON into measurements."""
    results = [Measurement(scenario, RAW), Measurement(scenario, LOCAL)]
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_VERBOSITY": "error",
        "TOKENIZERS_PARALLELISM": "false",
    }
    cmd = [sys.executable, str(_SELF), "--tokens", str(tokens), "--reps", str(reps)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env, check=False)
    lines = proc.stdout.strip().splitlines()
    try:
        payload: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    except ValueError:
        payload = {}
    if proc.returncode != 0 or not payload:
        err = proc.stderr.strip().splitlines()
        payload = {"skipped": f"child failed: {err[-1] if err else proc.returncode}"}
    for m in results:
        samples = payload.get(m.client)
        if samples:
            m.samples, m.note = [float(x) for x in samples], str(payload.get("note", ""))
        else:  # the raw side can still be shown when only the local backend is missing
            m.skipped = str(payload.get("skipped", "no samples"))[:200]
    fill_ratios(results, RAW)
    return results


# --- child side ------------------------------------------------------------------------------------


def _tokenizer_file() -> Path:
    import mistral_common

    # mistral-common ships its v3 SentencePiece tokenizer, whose 32,768-token vocabulary matches the model.
    data = Path(mistral_common.__file__).parent / "data"
    matches = sorted(data.glob("*.model.v3"))
    if not matches:
        raise FileNotFoundError(f"no *.model.v3 tokenizer in {data}")
    return matches[0]


def _prompt_ids(tokenizer_file: Path) -> list[int]:
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    tok = MistralTokenizer.from_file(str(tokenizer_file))
    return list(tok.encode_chat_completion(ChatCompletionRequest(messages=PROMPT)).tokens)


def _build_model(directory: Path, tokens: int, prompt_ids: list[int]) -> Any:
    """Save a random-weight model whose greedy output has no EOS within `tokens`, so both sides run
    the full budget; returns it loaded back from disk (what the local backend will read)."""
    import shutil

    import torch
    from transformers import MistralConfig, MistralForCausalLM

    config = MistralConfig(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=32768,
    )
    for seed in range(MAX_SEEDS):
        torch.manual_seed(seed)
        model: Any = MistralForCausalLM(config)
        model.eval()
        new = _raw_generate(model, prompt_ids, tokens)
        if config.eos_token_id not in new:
            model.save_pretrained(directory)
            shutil.copy(_tokenizer_file(), directory / "tokenizer.model.v3")
            loaded: Any = MistralForCausalLM.from_pretrained(directory, dtype=torch.float32)
            loaded.eval()
            loaded.generation_config.eos_token_id = None
            return loaded
    raise RuntimeError(f"every seed < {MAX_SEEDS} hit EOS within {tokens} tokens")


def _raw_generate(model: Any, prompt_ids: list[int], tokens: int) -> list[int]:
    import torch

    # No EOS id: generation runs the whole budget, as the brief's "no eos stopping" asks.
    model.generation_config.eos_token_id = None
    ids = torch.tensor([prompt_ids])
    with torch.inference_mode():
        out = model.generate(
            ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=tokens,
            do_sample=False,
            pad_token_id=0,
        )
    return [int(t) for t in out[0, len(prompt_ids) :]]


def _local_runner(directory: Path, tokens: int) -> tuple[Callable[[], int], Callable[[], str]]:
    """(generate once -> completion tokens, last generated text) through the public SDK surface."""
    from mistral_client import Client
    from mistral_client.local import LocalBackend

    backend = LocalBackend(directory, device="cpu", dtype="float32", num_threads=1, model_name=MODEL_NAME)
    client = Client(backend=backend)
    last = [""]

    def generate() -> int:
        r = client.chat.complete(model=MODEL_NAME, messages=PROMPT, max_tokens=tokens, temperature=0)
        last[0] = str(r.choices[0].message.content)
        return int(r.usage.completion_tokens)

    return generate, lambda: last[0]


def _child() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, required=True)
    parser.add_argument("--reps", type=int, required=True)
    args = parser.parse_args()
    try:
        import torch
        import transformers
    except ImportError as exc:
        print(json.dumps({"skipped": f"{exc.name or exc} not installed (local extra)"}))
        return
    torch.set_num_threads(1)
    hf_logging: Any = transformers.logging  # untyped module
    hf_logging.disable_progress_bar()
    with tempfile.TemporaryDirectory(prefix="bench-tiny-mistral-") as tmp:
        directory = Path(tmp)
        prompt_ids = _prompt_ids(_tokenizer_file())
        model = _build_model(directory, args.tokens, prompt_ids)
        raw_tokens: list[int] = []

        def raw() -> int:
            raw_tokens[:] = _raw_generate(model, prompt_ids, args.tokens)
            return len(raw_tokens)

        runners: dict[str, Callable[[], int]] = {RAW: raw}
        out: dict[str, Any] = {RAW: []}
        local_text: Callable[[], str] | None = None
        try:
            runners[LOCAL], local_text = _local_runner(directory, args.tokens)
            out[LOCAL] = []
        except Exception as exc:
            out["skipped"] = f"mistral_client.local unavailable: {type(exc).__name__}: {exc}"
        for fn in runners.values():
            fn()  # warm-up: first-call allocations and lazy imports are not steady-state speed
        for rep in range(args.reps):
            for name in rotated(list(runners), rep):
                t0 = time.perf_counter()
                n = runners[name]()
                out[name].append(n / (time.perf_counter() - t0))
        notes = [f"{args.tokens} new tokens after a {len(prompt_ids)}-token prompt, 1 torch thread, greedy"]
        if local_text is not None:
            from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

            expected = MistralTokenizer.from_file(str(directory / "tokenizer.model.v3")).decode(raw_tokens)
            notes.append("same text as raw" if local_text() == expected else "TEXT DIFFERS from raw")
        out["note"] = "; ".join(notes)
    print(json.dumps(out))


if __name__ == "__main__":
    _child()
