"""Tool-call parsing on crafted token sequences, in both of Mistral's output shapes."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence

import pytest

from mistral_client.local._tool_calls import (
    ToolCallParseError,
    ToolCallTokens,
    new_tool_call_id,
    parse_finished_tagged_calls,
    parse_finished_tool_calls,
    parse_tool_call_json,
    parse_tool_call_tokens,
)

# A toy vocabulary: ids >= 100 are characters, the rest special tokens.
TOOL_CALLS, ARGS, CALL_ID = 5, 32, 33
V11 = ToolCallTokens(TOOL_CALLS, ARGS, CALL_ID)


def encode(text: str) -> list[int]:
    return [100 + ord(c) for c in text]


def decode(ids: Sequence[int]) -> str:
    return "".join(chr(i - 100) for i in ids if i >= 100)


def rng() -> random.Random:
    return random.Random(0)


def test_v3_json_list() -> None:
    payload = '[{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "f", "arguments": {}}]'
    calls = parse_tool_call_tokens([TOOL_CALLS, *encode(payload)], ToolCallTokens(TOOL_CALLS), decode, rng())
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris"}),
        ("f", {}),
    ]
    assert all(len(c.id) == 9 and c.id.isalnum() for c in calls)


def test_v3_keeps_a_valid_model_id_and_replaces_an_invalid_one() -> None:
    payload = '[{"name": "a", "arguments": {}, "id": "abc123XYZ"}, {"name": "b", "arguments": {}, "id": "x"}]'
    calls = parse_tool_call_json(payload, rng())
    assert calls[0].id == "abc123XYZ"
    assert calls[1].id != "x" and len(calls[1].id) == 9


def test_arguments_given_as_a_json_string_are_accepted() -> None:
    (call,) = parse_tool_call_json('{"name": "f", "arguments": "{\\"a\\": 1}"}', rng())
    assert json.loads(call.arguments) == {"a": 1}


def test_v11_calls_with_and_without_call_id() -> None:
    tokens = [
        TOOL_CALLS,
        *encode("get_weather"),
        ARGS,
        *encode('{"city": "Paris"}'),
        TOOL_CALLS,
        *encode("lookup"),
        CALL_ID,
        *encode("Zz9Zz9Zz9"),
        ARGS,
        *encode('{"q": [1, 2]}'),
    ]
    calls = parse_tool_call_tokens(tokens, V11, decode, rng())
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris"}),
        ("lookup", {"q": [1, 2]}),
    ]
    assert calls[1].id == "Zz9Zz9Zz9"


@pytest.mark.parametrize(
    "tokens",
    [
        [TOOL_CALLS, *encode('[{"name": "f", "arguments": {')],  # cut short
        [TOOL_CALLS, *encode('[{"arguments": {}}]')],  # no name
        [TOOL_CALLS, *encode('[{"name": "f", "arguments": [1]}]')],  # arguments not an object
        [TOOL_CALLS],  # nothing after the token
        [TOOL_CALLS, *encode("f"), ARGS, *encode("{not json")],
    ],
)
def test_malformed_output_raises(tokens: list[int]) -> None:
    with pytest.raises(ToolCallParseError):
        parse_tool_call_tokens(tokens, V11, decode, rng())


def test_ids_follow_the_seed() -> None:
    assert new_tool_call_id(random.Random(7)) == new_tool_call_id(random.Random(7))


class _ToyEncoder:
    """The toy vocabulary as a prompt encoder, for one completion's bookkeeping."""

    eos_token_ids = frozenset({2})
    bos_token_id = 1
    tool_call_tokens = V11
    parses_tagged_tool_calls = False

    def decode(self, token_ids: Sequence[int]) -> str:
        return decode(token_ids)


@pytest.mark.parametrize("parallel", [True, False])
def test_one_call_allowed_ends_the_answer_at_the_second_call(parallel: bool) -> None:
    from mistral_client.local._completion import CompletionState

    state = CompletionState(
        0,
        _ToyEncoder(),
        (),
        V11,
        3,
        rng(),
        (100, "length"),
        parallel_calls=parallel,  # type: ignore[arg-type]
    )
    first = [TOOL_CALLS, *encode("f"), ARGS, *encode('{"a": 1}')]
    second = [TOOL_CALLS, *encode("g"), ARGS, *encode("{}")]
    events = []
    for token in [*first, *second, 2]:
        events.append(state.advance(token, frozenset({2})))
        if state.finished:
            break
    final = events[-1]
    assert final.finish_reason == "tool_calls"
    names = [c.name for c in final.tool_calls]
    # With one call allowed, generation stops at the second [TOOL_CALLS]: g is never generated.
    assert (names, len(events)) == (
        (["f", "g"], len(first) + len(second) + 1) if parallel else (["f"], len(first) + 1)
    )


V3 = ToolCallTokens(TOOL_CALLS)
F, G = '{"name": "f", "arguments": {"a": [1, 2]}}', '{"name": "g", "arguments": {"b": "}"}}'


@pytest.mark.parametrize(
    ("tokens", "names"),
    [
        # v2-v7: the whole items of a list the cut left open.
        ([TOOL_CALLS, *encode(f"[{F}, {G}]")], ["f", "g"]),
        ([TOOL_CALLS, *encode(f"[{F}, {G[:-3]}")], ["f"]),
        ([TOOL_CALLS, *encode(f"[ {F} ,")], ["f"]),
        ([TOOL_CALLS, *encode(f"[{F[:-1]}")], []),
        ([TOOL_CALLS, *encode("[")], []),
        ([TOOL_CALLS, *encode(F)], ["f"]),  # one object, not in a list
        ([TOOL_CALLS, *encode(f'[{F}, {{"name": 3}}]')], ["f"]),  # up to the first unusable item
        ([TOOL_CALLS], []),
    ],
)
def test_the_finished_calls_of_a_cut_json_list(tokens: list[int], names: list[str]) -> None:
    assert [c.name for c in parse_finished_tool_calls(tokens, V3, decode, rng())] == names


def test_the_finished_calls_of_cut_v11_segments() -> None:
    first = [TOOL_CALLS, *encode("f"), ARGS, *encode('{"a": 1}')]
    second = [TOOL_CALLS, *encode("g"), ARGS, *encode('{"b": 2}')]
    for tokens, names in [
        ([*first, *second], ["f", "g"]),  # whole arguments: finished, even with no EOS yet
        ([*first, *second[:-2]], ["f"]),
        ([*first, TOOL_CALLS, *encode("ge")], ["f"]),  # cut in the name
        (first[:-1], []),
    ]:
        assert [c.name for c in parse_finished_tool_calls(tokens, V11, decode, rng())] == names


def test_the_finished_blocks_of_cut_tagged_output() -> None:
    block = f"<tool_call>\n{F}\n</tool_call>"
    assert parse_finished_tagged_calls(f"Sure. {block}\n<tool_call>\n{G}", rng())[0] == "Sure."
    for text, names in [
        (f"{block}\n{block}", ["f", "f"]),
        (f"{block}\n<tool_call>\n{G}", ["f"]),  # the last block never closed
        (f"{block}<tool_call>oops</tool_call>{block}", ["f"]),
        ("<tool_call>\n{", []),
        ("no call", []),
    ]:
        assert [c.name for c in parse_finished_tagged_calls(text, rng())[1]] == names
