"""Constrained decoding on random-weight tiny models (the hard case: the model itself knows no JSON)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("mistral_common")
pytest.importorskip("llguidance")

import jsonschema
import torch

from mistral_client import Client, InvalidRequestError
from mistral_client.local import LocalBackend
from mistral_client.local._types import GenerationParams

MESSAGES = [{"role": "user", "content": "Describe a person."}]
PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 12},
        "age": {"type": "integer", "minimum": 0, "maximum": 120},
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 3},
        "address": {
            "type": "object",
            "properties": {"city": {"type": "string", "maxLength": 8}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
    "required": ["name", "age", "tags", "address"],
    "additionalProperties": False,
}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather of a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "maxLength": 10},
                "days": {"type": "integer", "maximum": 7},
            },
            "required": ["city", "days"],
            "additionalProperties": False,
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {"type": "object", "properties": {}, "additionalProperties": False},
    },
}


@pytest.fixture(scope="module", params=["tiny_spm_dir", "tiny_tekken_dir"])
def client(request: pytest.FixtureRequest) -> Client:
    directory: Path = request.getfixturevalue(request.param)
    return Client(backend=LocalBackend(directory, model_name="tiny"))


def test_json_schema_output_is_always_valid(client: Client) -> None:
    fmt: Any = {"type": "json_schema", "json_schema": {"name": "person", "schema": PERSON, "strict": True}}
    response = client.chat.complete(
        model="tiny",
        messages=MESSAGES,
        response_format=fmt,
        temperature=1.0,
        random_seed=5,
        n=3,
        max_tokens=200,
    )
    for choice in response.choices:
        assert choice.finish_reason == "stop"  # EOS came once the object was complete
        jsonschema.validate(json.loads(str(choice.message.content)), PERSON)


def test_json_object_mode_gives_an_object(client: Client) -> None:
    response = client.chat.complete(
        model="tiny",
        messages=MESSAGES,
        response_format={"type": "json_object"},
        temperature=1.0,
        random_seed=0,
        n=4,
        max_tokens=60,
    )
    finished = [c for c in response.choices if c.finish_reason == "stop"]
    assert finished  # free-form strings can outrun max_tokens (as on the API); the rest must parse
    for choice in finished:
        assert isinstance(json.loads(str(choice.message.content)), dict)
    for choice in response.choices:
        assert str(choice.message.content).startswith("{")


@pytest.mark.parametrize(
    "tool_choice", ["any", "required", {"type": "function", "function": {"name": "get_weather"}}]
)
def test_forced_tool_call_is_valid_for_its_schema(client: Client, tool_choice: Any) -> None:
    response = client.chat.complete(
        model="tiny",
        messages=MESSAGES,
        tools=[TIME, WEATHER] if isinstance(tool_choice, dict) else [WEATHER],
        tool_choice=tool_choice,
        temperature=1.0,
        random_seed=1,
        max_tokens=200,
    )
    (choice,) = response.choices
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls
    for call in choice.message.tool_calls:
        assert call.function.name == "get_weather"
        arguments = call.function.arguments
        parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
        jsonschema.validate(parsed, WEATHER["function"]["parameters"])


#: Six sampled answers to a forced call, several of which write more than one call.
FORCED: dict[str, Any] = {
    "model": "tiny",
    "messages": MESSAGES,
    "tools": [TIME, WEATHER],
    "tool_choice": "any",
    "temperature": 1.0,
    "random_seed": 3,
    "n": 6,
}


def test_parallel_tool_calls_false_forces_exactly_one_call(client: Client) -> None:
    request = {**FORCED, "max_tokens": 300}
    limited = client.chat.complete(**request, parallel_tool_calls=False)
    for choice in limited.choices:
        assert choice.finish_reason == "tool_calls"
        assert choice.message.tool_calls is not None and len(choice.message.tool_calls) == 1
    # The same sampling without the limit writes several calls: the limit is what made them one.
    free = client.chat.complete(**request)
    assert any(len(choice.message.tool_calls or []) > 1 for choice in free.choices)


def test_a_schema_the_compiler_rejects_fails_before_generation(tiny_spm_dir: Path) -> None:
    backend = LocalBackend(tiny_spm_dir, model_name="tiny")
    client = Client(backend=backend)
    bad = {"type": "object", "properties": {"x": {"type": "string", "pattern": "(?<=a)b"}}}
    with pytest.raises(InvalidRequestError, match="response_format") as info:
        client.chat.complete(
            model="tiny",
            messages=MESSAGES,
            response_format={"type": "json_schema", "json_schema": {"name": "bad", "schema": bad}},
        )
    assert "look" in str(info.value).lower()  # the compiler's own words: lookbehind is not supported
    assert not backend.engine.scheduler.steps_by_rows  # nothing was generated
    with pytest.raises(InvalidRequestError, match="nope"):
        client.chat.complete(
            model="tiny",
            messages=MESSAGES,
            tools=[WEATHER],
            tool_choice={"type": "function", "function": {"name": "nope"}},
        )


def test_constrained_and_free_rows_share_a_batch_without_interfering(tiny_tekken_dir: Path) -> None:
    from mistral_client.local._constraints import json_grammar

    engine = LocalBackend(tiny_tekken_dir, model_name="tiny").engine
    prompt = engine.encoder.encode_chat(MESSAGES)
    free = GenerationParams(max_tokens=40, temperature=0, min_tokens=40)
    alone = engine.complete(prompt, free).completions[0].token_ids
    results: dict[str, Any] = {}

    def constrained() -> None:
        params = GenerationParams(
            max_tokens=200, temperature=1.0, random_seed=3, n=2, grammar=json_grammar(PERSON)
        )
        results["json"] = engine.complete(prompt, params)

    thread = threading.Thread(target=constrained)
    thread.start()
    results["free"] = engine.complete(prompt, free).completions[0].token_ids
    thread.join(timeout=120)
    assert results["free"] == alone
    for c in results["json"].completions:
        jsonschema.validate(json.loads(c.text), PERSON)


def test_penalties_match_a_reference_computation(tiny_engine: Any) -> None:
    """Greedy with presence/frequency penalties equals a plain loop applying OpenAI's formula."""
    prompt = tiny_engine.encoder.encode_chat(MESSAGES)
    presence, frequency, steps = 0.7, 1.3, 25
    params = GenerationParams(
        max_tokens=steps,
        temperature=0,
        presence_penalty=presence,
        frequency_penalty=frequency,
        min_tokens=steps,
    )
    got = tiny_engine.complete(prompt, params).completions[0].token_ids

    ids, counts = list(prompt), torch.zeros(tiny_engine.vocab_size)
    eos = sorted(tiny_engine.eos_token_ids)
    expected = []
    with torch.inference_mode():
        for _ in range(steps):
            logits = tiny_engine.model(torch.tensor([ids])).logits[0, -1].float()
            logits = logits - frequency * counts - presence * (counts > 0).float()
            logits[eos] = float("-inf")  # min_tokens
            token = int(logits.argmax())
            expected.append(token)
            ids.append(token)
            counts[token] += 1
    assert got == expected
    plain = (
        tiny_engine.complete(prompt, GenerationParams(max_tokens=steps, temperature=0))
        .completions[0]
        .token_ids
    )
    assert len(set(got)) > len(set(plain))  # the penalties did change the output: fewer repeats


def test_a_grammar_that_fails_in_the_scheduler_fails_only_its_request(tiny_engine: Any) -> None:
    from mistral_client.local._constraints import GrammarError

    prompt = tiny_engine.encoder.encode_chat(MESSAGES)
    with pytest.raises(GrammarError):
        tiny_engine.complete(prompt, GenerationParams(max_tokens=5, temperature=0, grammar="start: ("))
    (c,) = tiny_engine.complete(prompt, GenerationParams(max_tokens=5, temperature=0)).completions
    assert c.completion_tokens == 5


def test_a_forced_call_cut_by_max_tokens_keeps_the_calls_it_finished(tiny_spm_dir: Path) -> None:
    """Mistral's [TOOL_CALLS][...] list, cut while the model repeats its call: the finished calls.
    (Tekken v3 writes the same list; its 131k-token masks would only make the test slower.)"""
    client = Client(backend=LocalBackend(tiny_spm_dir, model_name="tiny"))
    request = FORCED

    def calls(choice: Any) -> list[tuple[str, str]]:
        # Not the ids: they come from the row's generator after the tokens it sampled.
        return [(c.function.name, str(c.function.arguments)) for c in choice.message.tool_calls or []]

    full = client.chat.complete(**request, max_tokens=300).choices
    kept_some = False
    for budget in (4, 20, 40, 60):
        for choice in client.chat.complete(**request, max_tokens=budget).choices:
            whole = calls(full[choice.index])
            assert choice.message.content == ""  # never the JSON of the unfinished call
            assert calls(choice) == whole[: len(calls(choice))]
            if choice.finish_reason == "length":
                kept_some |= 0 < len(calls(choice)) < len(whole)
    assert kept_some
