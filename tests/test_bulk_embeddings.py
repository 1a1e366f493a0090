"""``embeddings.create_many``: batching, order under concurrency, retries with one shared backoff,
failures that keep what was computed, resuming, progress; sync and async (asyncio and trio)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mistral_client import (
    APIRequest,
    APIResponse,
    AsyncClient,
    Backend,
    BadRequestError,
    Client,
    EmbeddingBatchError,
    InvalidRequestError,
    ProgressEvent,
    RetryPolicy,
    StreamResponse,
)
from mistral_client.bulk._embeddings import estimate_tokens

from .bulk_server import BulkAPI, vector
from .loopback import LoopbackServer

FAST = RetryPolicy(initial_delay=0.001, max_delay=0.01)
Serve = Callable[[Any], LoopbackServer]


def texts(n: int) -> list[str]:
    return [str(i) for i in range(n)]


def client_for(server: LoopbackServer, **kwargs: Any) -> Client:
    return Client(api_key="k", base_url=server.url, retry_policy=FAST, **kwargs)


def test_vectors_come_back_in_input_order_under_concurrency(serve: Serve) -> None:
    api = BulkAPI(jitter=0.003)  # responses finish out of order
    server = serve(api)
    events: list[ProgressEvent] = []
    with client_for(server) as client:
        result = client.embeddings.create_many(
            model="mistral-embed", inputs=texts(600), batch_size=16, max_concurrency=8, progress=events.append
        )
    assert result.embeddings == [vector(t) for t in texts(600)]
    assert max(len(batch) for _, batch, _ in api.embedding_log) == 16
    assert len(api.embedding_log) == 600 // 16 + 1
    assert result.usage.prompt_tokens == sum(len(t) for t in texts(600))
    assert events[-1].done == events[-1].total == 600
    assert [e.done for e in events] == sorted(e.done for e in events)
    array = result.to_numpy()
    assert array.shape == (600, 3) and array[599, 0] == 599.0


def test_batches_respect_the_token_budget(serve: Serve) -> None:
    api = BulkAPI()
    server = serve(api)
    long = "x" * 300  # 101 estimated tokens each
    with client_for(server) as client:
        result = client.embeddings.create_many(
            model="mistral-embed", inputs=[long] * 10, batch_size=100, max_batch_tokens=250
        )
    assert len(result.embeddings) == 10
    assert [len(batch) for _, batch, _ in api.embedding_log] == [2, 2, 2, 2, 2]
    assert all(sum(estimate_tokens(t) for t in batch) <= 250 for _, batch, _ in api.embedding_log)


def test_a_generator_is_read_once_and_lazily(serve: Serve) -> None:
    api = BulkAPI()
    server = serve(api)
    read: list[int] = []

    def lines() -> Iterator[str]:
        for i in range(100):
            read.append(i)
            yield str(i)

    events: list[ProgressEvent] = []
    with client_for(server) as client:
        result = client.embeddings.create_many(
            model="mistral-embed", inputs=lines(), batch_size=10, max_concurrency=2, progress=events.append
        )
    assert read == list(range(100))
    assert result.embeddings == [vector(t) for t in texts(100)]
    assert events[0].total is None and events[-1].done == events[-1].total == 100


def test_a_429_pauses_every_worker_for_its_retry_after(serve: Serve) -> None:
    # Slow answers (10 ms on average), so that without a shared pause the other workers would keep
    # sending all through the 150 ms the server asked for.
    api = BulkAPI(embedding_failures={3: (429, {"retry-after-ms": "150"})}, jitter=0.02)
    server = serve(api)
    with client_for(server) as client:
        result = client.embeddings.create_many(
            model="mistral-embed", inputs=texts(400), batch_size=10, max_concurrency=4
        )
    assert result.embeddings == [vector(t) for t in texts(400)]
    limited_at = next(at for at, _, status in api.embedding_log if status == 429)
    after = [at - limited_at for at, _, _ in api.embedding_log if at > limited_at]
    # A request sent as the 429 was on its way may land just after it; none is sent during the pause.
    assert not [d for d in after if 0.06 < d < 0.14], after
    assert len(api.embedding_log) == 41


def test_server_errors_are_retried_with_the_clients_policy(serve: Serve) -> None:
    api = BulkAPI(embedding_failures={1: 500, 2: 503, 5: 502})
    server = serve(api)
    # Three failures, by arrival: under load one batch can draw all three, so it gets three retries.
    with client_for(server, max_retries=3) as client:
        result = client.embeddings.create_many(
            model="mistral-embed", inputs=texts(50), batch_size=10, max_concurrency=2
        )
    assert result.embeddings == [vector(t) for t in texts(50)]
    with client_for(server, max_retries=0) as client, pytest.raises(EmbeddingBatchError):
        api.embedding_failures = {len(api.embedding_log) + 1: 500}
        client.embeddings.create_many(
            model="mistral-embed", inputs=texts(50), batch_size=10, max_concurrency=1
        )


def test_a_failure_mid_run_keeps_the_rest_and_the_run_resumes(serve: Serve) -> None:
    api = BulkAPI(poison={"37": 400})  # the batch holding "37" is refused every time
    server = serve(api)
    inputs = texts(100)
    with client_for(server) as client:
        with pytest.raises(EmbeddingBatchError) as caught:
            client.embeddings.create_many(
                model="mistral-embed", inputs=inputs, batch_size=10, max_concurrency=1
            )
        error = caught.value
        assert isinstance(error.__cause__, BadRequestError)
        assert set(range(30, 40)) <= set(error.failed_indices)
        assert all(error.completed[i] == vector(str(i)) for i in range(30))
        assert sorted([*error.completed, *error.failed_indices]) == list(range(100))
        sent_before = len(api.embedding_log)

        api.poison = {}  # the server recovers: only what is missing is sent again
        result = client.embeddings.create_many(
            model="mistral-embed", inputs=inputs, batch_size=10, resume_from=error
        )
    assert result.embeddings == [vector(t) for t in inputs]
    resent = [t for _, batch, _ in api.embedding_log[sent_before:] for t in batch]
    assert sorted(resent, key=int) == [str(i) for i in error.failed_indices]


def test_bad_input_fails_before_anything_is_sent(serve: Serve) -> None:
    api = BulkAPI()
    server = serve(api)
    with client_for(server) as client:
        with pytest.raises(InvalidRequestError, match=r"inputs\[1\]"):
            client.embeddings.create_many(model="mistral-embed", inputs=["a", 2, "c"])  # type: ignore[list-item]
        with pytest.raises(InvalidRequestError, match="output_dimension"):
            client.embeddings.create_many(model="mistral-embed", inputs=["a"], output_dimension=0)
        with pytest.raises(InvalidRequestError, match="batch_size"):
            client.embeddings.create_many(model="mistral-embed", inputs=["a"], batch_size=0)
        with pytest.raises(InvalidRequestError, match="inputs"):
            client.embeddings.create_many(model="mistral-embed", inputs="one string")
    assert api.embedding_log == []


def test_progress_bar_draws_with_tqdm(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    import tqdm.auto

    out = io.StringIO()
    original = tqdm.auto.tqdm
    monkeypatch.setattr(tqdm.auto, "tqdm", lambda **kw: original(file=out, **kw))
    server = serve(BulkAPI())
    with client_for(server) as client:
        client.embeddings.create_many(model="mistral-embed", inputs=texts(30), batch_size=10, progress=True)
    assert "30/30" in out.getvalue() and "tok/s" in out.getvalue()
    out.seek(0)
    out.truncate()
    with client_for(server) as client:  # a generator: the total is known only at the end
        client.embeddings.create_many(
            model="mistral-embed", inputs=iter(texts(20)), batch_size=10, progress=True
        )
    assert "20/20" in out.getvalue()


class _InProcess(Backend):
    """A backend that is not HTTP (as the local backend is): embeds in-process, counts its calls."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def handle_request(self, request: APIRequest[Any]) -> APIResponse[Any]:
        from .bulk_server import embedding_payload

        body = request.body
        assert body is not None and request.operation == "embeddings.create"
        self.calls.append(list(body.input))  # type: ignore[attr-defined]
        payload = embedding_payload(list(body.input))  # type: ignore[attr-defined]
        import json

        return APIResponse(lambda: request.parse(json.dumps(payload)))

    def handle_stream(self, request: APIRequest[Any]) -> StreamResponse[Any]:
        raise NotImplementedError


def test_create_many_runs_on_a_non_http_backend() -> None:
    backend = _InProcess()
    client = Client(backend=backend)
    result = client.embeddings.create_many(model="local", inputs=texts(25), batch_size=10)
    assert result.embeddings == [vector(t) for t in texts(25)]
    assert sorted(len(c) for c in backend.calls) == [5, 10, 10]


# --- async --------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_order_and_failure_and_resume(serve: Serve, anyio_backend: str) -> None:
    api = BulkAPI(jitter=0.003, embedding_failures={2: (429, {"retry-after-ms": "20"}), 4: 500})
    server = serve(api)
    events: list[ProgressEvent] = []
    async with AsyncClient(api_key="k", base_url=server.url, retry_policy=FAST) as client:
        result = await client.embeddings.create_many(
            model="mistral-embed", inputs=texts(300), batch_size=16, max_concurrency=8, progress=events.append
        )
        assert result.embeddings == [vector(t) for t in texts(300)]
        assert events[-1].done == events[-1].total == 300

        api.poison = {"123": 400}
        with pytest.raises(EmbeddingBatchError) as caught:
            await client.embeddings.create_many(
                model="mistral-embed", inputs=iter(texts(300)), batch_size=16, max_concurrency=4
            )
        error = caught.value
        assert 123 in error.failed_indices and 0 in error.completed
        api.poison = {}
        resumed = await client.embeddings.create_many(
            model="mistral-embed", inputs=texts(300), batch_size=16, resume_from=error
        )
    assert resumed.embeddings == result.embeddings


def test_the_ray_example_callable_embeds_a_block(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    """examples/ray_embed.py's ``map_batches`` callable, called as Ray calls it (a dict of numpy
    columns), without Ray itself (see NOT_RUN in test_examples.py)."""
    import importlib.util
    from pathlib import Path

    import numpy as np

    path = Path(__file__).resolve().parent.parent / "examples" / "ray_embed.py"
    spec = importlib.util.spec_from_file_location("ray_embed", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    server = serve(BulkAPI(jitter=0.002))
    monkeypatch.setenv("MISTRAL_API_KEY", "k")
    monkeypatch.setenv("MISTRAL_BASE_URL", server.url)
    block = {"id": np.arange(300), "text": np.array(texts(300))}
    out = module.Embed()(block)
    assert out["embedding"].shape == (300, 3)
    assert out["embedding"][:, 0].tolist() == list(range(300)) and out["id"] is block["id"]


def test_the_error_pickles_with_its_data() -> None:
    # A distributed engine ships a worker's exception to the driver by pickling it.
    import pickle

    error = EmbeddingBatchError("2 not embedded", completed={0: [1.0]}, failed_indices=[2, 1])
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.completed, copy.failed_indices) == ("2 not embedded", {0: [1.0]}, [1, 2])
