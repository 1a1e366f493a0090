"""The engine on tiny random-weight Mistral models, checked against transformers' own ``generate``."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("mistral_common")

import torch

from mistral_client.local._types import GenerationParams

MESSAGES = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Héllo there, 日本 🎉 — what's new?"},
]


def reference_generate(engine: Any, prompt: list[int], max_new_tokens: int) -> list[int]:
    out = engine.model.generate(
        torch.tensor([prompt]), max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=0
    )
    return list(out[0, len(prompt) :].tolist())


@pytest.mark.parametrize("engine_fixture", ["tiny_engine", "tiny_tekken_engine"])
def test_greedy_matches_transformers_generate(engine_fixture: str, request: pytest.FixtureRequest) -> None:
    engine = request.getfixturevalue(engine_fixture)
    prompt = engine.encoder.encode_chat(MESSAGES)
    result = engine.complete(prompt, GenerationParams(max_tokens=40, temperature=0))
    (c,) = result.completions
    assert c.token_ids == reference_generate(engine, prompt, 40)
    assert c.text == engine.encoder.decode(c.token_ids)


@pytest.mark.parametrize("engine_fixture", ["tiny_engine", "tiny_tekken_engine"])
def test_streamed_deltas_join_to_the_complete_text(
    engine_fixture: str, request: pytest.FixtureRequest
) -> None:
    engine = request.getfixturevalue(engine_fixture)
    prompt = engine.encoder.encode_chat(MESSAGES)
    params = GenerationParams(max_tokens=60, temperature=1.0, random_seed=3)
    events = list(engine.generate(prompt, params))
    ids = [t for e in events for t in e.token_ids]
    assert (
        "".join(e.text for e in events)
        == engine.encoder.decode(ids)
        == engine.complete(prompt, params).completions[0].text
    )


def test_usage_counts_are_exact(tiny_engine: Any) -> None:
    prompt = tiny_engine.encoder.encode_chat(MESSAGES)
    result = tiny_engine.complete(prompt, GenerationParams(max_tokens=7, temperature=0))
    (c,) = result.completions
    assert (c.finish_reason, c.completion_tokens, len(c.token_ids)) == ("length", 7, 7)
    assert result.prompt_tokens == len(prompt)
    assert result.total_tokens == len(prompt) + 7


def test_stop_string_cuts_the_text_before_it(tiny_engine: Any) -> None:
    prompt = tiny_engine.encoder.encode_chat(MESSAGES)
    full = tiny_engine.complete(prompt, GenerationParams(max_tokens=30, temperature=0)).completions[0].text
    words = full.split()
    stop = words[len(words) // 2]
    (c,) = tiny_engine.complete(
        prompt, GenerationParams(max_tokens=30, temperature=0, stop=(stop,))
    ).completions
    assert c.finish_reason == "stop"
    assert c.text == full[: full.index(stop)]
    assert c.completion_tokens < 30


def test_same_seed_same_output(tiny_engine: Any) -> None:
    prompt = tiny_engine.encoder.encode_chat(MESSAGES)

    def sample(seed: int) -> list[list[int]]:
        params = GenerationParams(max_tokens=20, temperature=0.9, top_p=0.95, random_seed=seed, n=2)
        return [c.token_ids for c in tiny_engine.complete(prompt, params).completions]

    first = sample(42)
    assert sample(42) == first
    assert sample(43) != first
    assert first[0] != first[1]  # the n completions are distinct samples


def test_n_greedy_completions_are_identical(tiny_engine: Any) -> None:
    prompt = tiny_engine.encoder.encode_chat(MESSAGES)
    result = tiny_engine.complete(prompt, GenerationParams(max_tokens=10, temperature=0, n=3))
    assert [c.index for c in result.completions] == [0, 1, 2]
    assert len({tuple(c.token_ids) for c in result.completions}) == 1
    assert result.completion_tokens == 30


def test_cancel_from_another_thread_stops_within_a_token(tiny_engine: Any) -> None:
    prompt = tiny_engine.encoder.encode_chat(MESSAGES)
    cancel = threading.Event()
    counts: list[int] = []

    def consume() -> None:
        for event in tiny_engine.generate(prompt, GenerationParams(max_tokens=200, temperature=0), cancel):
            counts.append(event.completion_tokens)
            if event.completion_tokens == 5:
                cancel.set()
                time.sleep(0.05)  # give a careless loop time to run ahead

    worker = threading.Thread(target=consume)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert counts == [1, 2, 3, 4, 5]


def test_fim_prompt_comes_from_mistral_common(tiny_engine: Any) -> None:
    prompt = tiny_engine.encoder.encode_fim("def add(a, b):\n    return ", "\n\nprint(add(1, 2))")
    (c,) = tiny_engine.complete(prompt, GenerationParams(max_tokens=5, temperature=0)).completions
    assert c.completion_tokens == 5


def test_prompt_beyond_the_context_window_is_rejected(tiny_engine: Any) -> None:
    from mistral_client.local._engine import PromptTooLongError

    with pytest.raises(PromptTooLongError):
        tiny_engine.generate([1] * 300, GenerationParams(temperature=0))
