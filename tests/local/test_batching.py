"""Continuous batching: requests joining and leaving a running batch get exactly their solo output."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("mistral_common")

import anyio
import torch

from mistral_client import AsyncClient
from mistral_client.local import LocalBackend
from mistral_client.local._engine import Engine
from mistral_client.local._types import GenerationParams

from ._tiny_models import build_tiny_mistral, mistral_common_data
from .conftest import SPM_V3

WINDOW = 8  # smaller than every prompt below: padding must not eat into it


@pytest.fixture(scope="module")
def sliding_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_mistral(
        tmp_path_factory.mktemp("tiny-sliding"), mistral_common_data(SPM_V3), 32768, sliding_window=WINDOW
    )


@pytest.fixture(scope="module")
def engine(sliding_dir: Path) -> Engine:
    return Engine.load(sliding_dir, max_batch_size=4)


def prompt(length: int, seed: int) -> list[int]:
    g = torch.Generator().manual_seed(seed)
    return [1, *torch.randint(1000, 30000, (length - 1,), generator=g).tolist()]


def reference(engine: Engine, ids: list[int], new_tokens: int) -> list[int]:
    """transformers' own greedy ``generate``, alone, with its sliding-window cache."""
    out = engine.model.generate(
        torch.tensor([ids]),
        max_new_tokens=new_tokens,
        min_new_tokens=new_tokens,
        do_sample=False,
        pad_token_id=0,
    )
    return list(out[0, len(ids) :].tolist())


def run_staggered(
    engine: Engine, jobs: list[tuple[list[int], GenerationParams, float]]
) -> list[list[list[int]]]:
    """Run each job in its own thread, starting after its delay; returns each job's completions."""
    results: list[Any] = [None] * len(jobs)

    def work(i: int) -> None:
        ids, params, delay = jobs[i]
        time.sleep(delay)
        results[i] = [c.token_ids for c in engine.complete(ids, params).completions]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_greedy_and_seeded_requests_match_their_solo_runs_while_joining_and_leaving(engine: Engine) -> None:
    greedy = [
        (prompt(12, 0), GenerationParams(max_tokens=30, temperature=0, min_tokens=30), 0.0),
        (prompt(27, 1), GenerationParams(max_tokens=10, temperature=0, min_tokens=10), 0.02),
        (prompt(5 + WINDOW, 2), GenerationParams(max_tokens=25, temperature=0, min_tokens=25), 0.04),
    ]
    seeded = [
        (prompt(9, 3), GenerationParams(max_tokens=20, temperature=1.0, top_p=0.9, random_seed=7, n=2), 0.01),
        (prompt(20, 4), GenerationParams(max_tokens=15, temperature=0.8, random_seed=11), 0.06),
    ]
    before = sum(engine.scheduler.steps_by_rows[r] for r in (2, 3, 4))
    batched = run_staggered(engine, greedy + seeded)
    assert sum(engine.scheduler.steps_by_rows[r] for r in (2, 3, 4)) > before  # they did share steps
    for (ids, params, _), (tokens,) in zip(greedy, batched[:3], strict=True):
        assert tokens == reference(engine, ids, params.max_tokens or 0)
    for (ids, params, _), completions in zip(seeded, batched[3:], strict=True):
        alone = [c.token_ids for c in engine.complete(ids, params).completions]
        assert completions == alone


def test_cancelling_a_request_in_a_full_batch_frees_its_row(engine: Engine) -> None:
    """Four rows are busy; a fifth request waits until the cancelled one leaves."""
    params = GenerationParams(max_tokens=40, temperature=0, min_tokens=40)
    ids = [prompt(10 + i, 20 + i) for i in range(5)]
    cancel = threading.Event()
    order: list[str] = []
    results: dict[int, list[int]] = {}

    def run(i: int, cancel_after: int | None = None) -> None:
        tokens: list[int] = []
        for event in engine.generate(ids[i], params, cancel if cancel_after is not None else None):
            tokens.extend(event.token_ids)
            if cancel_after is not None and len(tokens) == cancel_after:
                order.append("cancelled")
                cancel.set()
        if i == 4:
            order.append("fifth done")
        results[i] = tokens

    threads = [threading.Thread(target=run, args=(i, 3 if i == 0 else None)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    fifth = threading.Thread(target=run, args=(4,))
    fifth.start()
    for t in [*threads, fifth]:
        t.join(timeout=120)
    assert len(results[0]) == 3
    for i in range(1, 5):
        assert results[i] == reference(engine, ids[i], 40)


@pytest.mark.anyio
async def test_async_requests_batch_and_match_sequential_results(sliding_dir: Path) -> None:
    backend = LocalBackend(sliding_dir, max_batch_size=4, model_name="tiny")
    client = AsyncClient(backend=backend)
    questions = ["Bonjour", "What is 2 + 2?", "Write a haiku about the sea and the wind", "Hi"]
    kwargs: dict[str, Any] = {"model": "tiny", "max_tokens": 12}

    async def ask(question: str, seed: int) -> str:
        messages = [{"role": "user", "content": question}]
        response = await client.chat.complete(messages=messages, temperature=0.7, random_seed=seed, **kwargs)
        return str(response.text)

    sequential = [await ask(q, i) for i, q in enumerate(questions)]
    concurrent: list[str] = [""] * len(questions)

    async def one(i: int) -> None:
        await anyio.sleep(0.005 * i)  # join mid-flight
        concurrent[i] = await ask(questions[i], i)

    async with anyio.create_task_group() as tg:
        for i in range(len(questions)):
            tg.start_soon(one, i)
    assert concurrent == sequential
    assert any(rows > 1 for rows in backend.engine.scheduler.steps_by_rows)


def test_a_long_prompt_is_read_in_chunks_between_the_others_decode_steps(sliding_dir: Path) -> None:
    # A 27-token prompt: 6 chunks, across the 8-slot window.
    engine = Engine.load(sliding_dir, max_batch_size=4, prefill_chunk=5)
    calls: list[tuple[str, int]] = []
    forward = engine.forward

    def logged(input_ids: torch.Tensor, cache: Any, *, prefill: bool, **kwargs: Any) -> torch.Tensor:
        calls.append(("prefill", input_ids.shape[1]) if prefill else ("decode", input_ids.shape[0]))
        return forward(input_ids, cache, prefill=prefill, **kwargs)

    engine.forward = logged  # type: ignore[method-assign]
    running_ids, long_ids = prompt(4, 5), prompt(27, 1)
    greedy = GenerationParams(max_tokens=60, temperature=0, min_tokens=60)
    running = engine.generate(running_ids, greedy)
    first = next(running)  # the first request is decoding now
    joining = engine.complete(long_ids, GenerationParams(max_tokens=10, temperature=0, min_tokens=10))
    rest = [event.token_ids[0] for event in running]

    chunks = [i for i, (kind, n) in enumerate(calls) if kind == "prefill" and n != 4]
    assert [calls[i][1] for i in chunks] == [5, 5, 5, 5, 5, 2]
    # Between two chunks of the long prompt the running request took a decode step: it kept streaming.
    assert all(("decode", 1) in calls[a + 1 : b] for a, b in itertools.pairwise(chunks))
    # Chunked or not, the answers are exactly transformers' own (one-shot prefill, sliding window).
    assert joining.completions[0].token_ids == reference(engine, long_ids, 10)
    assert [first.token_ids[0], *rest] == reference(engine, running_ids, 60)


def test_the_backend_default_chunk_is_the_schedulers(sliding_dir: Path) -> None:
    from mistral_client.local._scheduler import PREFILL_CHUNK

    assert LocalBackend(sliding_dir).prefill_chunk == PREFILL_CHUNK
    with pytest.raises(ValueError, match="prefill_chunk"):
        LocalBackend(sliding_dir, prefill_chunk=0)


def test_a_request_cancelled_while_its_prompt_is_read_stops_there(sliding_dir: Path) -> None:
    engine = Engine.load(sliding_dir, max_batch_size=4, prefill_chunk=5)
    cancel, armed = threading.Event(), threading.Event()
    chunks: list[int] = []
    forward = engine.forward

    def cancelling(input_ids: torch.Tensor, cache: Any, *, prefill: bool, **kwargs: Any) -> torch.Tensor:
        if prefill and armed.is_set():  # a chunk of the second request's prompt
            chunks.append(input_ids.shape[1])
            cancel.set()  # its consumer gives up after the first chunk
        return forward(input_ids, cache, prefill=prefill, **kwargs)

    engine.forward = cancelling  # type: ignore[method-assign]
    running_ids = prompt(12, 3)
    greedy = GenerationParams(max_tokens=30, temperature=0, min_tokens=30)
    running = engine.generate(running_ids, greedy)
    first = next(running)
    armed.set()
    assert list(engine.generate(prompt(27, 1), greedy, cancel)) == []
    assert chunks == [5]  # nothing more of its prompt was read
    assert [first.token_ids[0], *(e.token_ids[0] for e in running)] == reference(engine, running_ids, 30)
