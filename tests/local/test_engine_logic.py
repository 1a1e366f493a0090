"""The generation loop's bookkeeping, driven by a scripted model that emits chosen tokens.

A real random model cannot be made to write a stop string or a tool call on cue; this one can, so
stop strings, tool calls, budgets, ``n`` and cancellation are checked exactly.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("torch")

import torch

from mistral_client.local._engine import Engine, PromptTooLongError
from mistral_client.local._tokenizer import PromptEncoder
from mistral_client.local._tool_calls import ToolCallTokens
from mistral_client.local._types import GenerationEvent, GenerationParams

SPM_V3, TEKKEN = "mistral_instruct_tokenizer_240323.model.v3", "tekken_240911.json"
EOS, TOOL_CALLS = 2, 5
VOCAB = 100 + 0x3000  # ids >= 100 are characters (chr(id - 100)); the rest are special tokens


def chars(text: str) -> list[int]:
    return [100 + ord(c) for c in text]


class CharEncoder(PromptEncoder):
    """One token per character; ids below 100 are special and decode to nothing."""

    def __init__(self) -> None:
        self.eos_token_ids = frozenset({EOS})
        self.bos_token_id = 1
        self.tool_call_tokens = ToolCallTokens(TOOL_CALLS)

    def encode_chat(self, messages: Sequence[Any], tools: Sequence[Any] | None = None) -> list[int]:
        return [1, *chars(str(messages[-1]["content"]))]

    def encode_fim(self, prompt: str, suffix: str | None = None) -> list[int]:
        raise NotImplementedError

    def decode(self, token_ids: Sequence[int]) -> str:
        return "".join(chr(i - 100) for i in token_ids if i >= 100)

    def count_tokens(self, text: str) -> int:
        return len(text)


class ScriptedCache:
    """Stands in for DynamicCache. Each slot's key says which script its row follows (channel 0) and
    whether it holds a prompt token (2), a generated one (1) or padding (0, as the scheduler pads)."""

    def __init__(self) -> None:
        self.layers = [SimpleNamespace(keys=torch.zeros(1, 1, 0, 2), values=torch.zeros(1, 1, 0, 2))]

    def batch_repeat_interleave(self, repeats: int) -> None:
        layer = self.layers[0]
        keys = layer.keys.repeat_interleave(repeats, dim=0)
        keys[:, :, :, 0] = torch.arange(repeats, dtype=keys.dtype).view(-1, 1, 1)
        layer.keys, layer.values = keys, keys.clone()


class ScriptedLM(torch.nn.Module):
    """Row ``r`` of a request emits ``scripts[r]`` token by token, then EOS."""

    def __init__(self, scripts: list[list[int]], context_length: int = 512) -> None:
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.zeros(1))
        self.config = SimpleNamespace(max_position_embeddings=context_length, eos_token_id=EOS)
        self.scripts = scripts
        self.vocab = max([VOCAB, *(t + 1 for script in scripts for t in script)])
        self.forward_calls = 0

    def forward(self, input_ids: Any, cache: Any, use_cache: bool = True, **kwargs: Any) -> Any:
        layer = cache.layers[0]
        rows, length = input_ids.shape
        prefill = layer.keys.shape[2] == 0
        new = torch.zeros(rows, 1, length, 2)
        new[:, :, :, 1] = 2 if prefill else 1
        if not prefill:
            new[:, :, :, 0] = layer.keys[:, :, -1:, 0]
        layer.keys = torch.cat([layer.keys.expand(rows, -1, -1, -1), new], dim=2)
        layer.values = layer.keys.clone()
        logits = torch.zeros(rows, length, self.vocab)
        for b in range(rows):
            script = self.scripts[int(layer.keys[b, 0, -1, 0])]
            step = int((layer.keys[b, 0, :, 1] == 1).sum())
            logits[b, -1, script[step] if step < len(script) else EOS] = 1.0
        self.forward_calls += 1
        return SimpleNamespace(logits=logits)


def make_engine(*scripts: list[int], context_length: int = 512) -> tuple[Engine, ScriptedLM]:
    model = ScriptedLM(list(scripts), context_length)
    engine = Engine(model, CharEncoder())
    engine.new_cache = ScriptedCache  # type: ignore[method-assign]
    return engine, model


PROMPT = [1, *chars("hi")]
GREEDY = GenerationParams(temperature=0)


def greedy(**kwargs: Any) -> GenerationParams:
    return GenerationParams(temperature=0, **kwargs)


def test_text_then_eos_finishes_with_stop() -> None:
    engine, _ = make_engine(chars("Hello!"))
    result = engine.complete(PROMPT, GREEDY)
    (c,) = result.completions
    assert (c.text, c.finish_reason) == ("Hello!", "stop")
    assert c.token_ids == [*chars("Hello!"), EOS]
    assert c.completion_tokens == 7  # the EOS token counts, as the model generated it
    assert result.prompt_tokens == 3 and result.total_tokens == 10


def test_events_carry_running_counts() -> None:
    engine, _ = make_engine(chars("ab"))
    events = list(engine.generate(PROMPT, GREEDY))
    assert [(e.text, e.completion_tokens, e.finish_reason) for e in events] == [
        ("a", 1, None),
        ("b", 2, None),
        ("", 3, "stop"),
    ]
    assert all(e.prompt_tokens == 3 for e in events)


def test_stop_string_spanning_tokens_is_cut_and_ends_generation() -> None:
    engine, model = make_engine(chars("Hello END more text"))
    events = list(engine.generate(PROMPT, greedy(stop=("END",))))
    assert "".join(e.text for e in events) == "Hello "
    assert events[-1].finish_reason == "stop"
    assert events[-1].completion_tokens == len("Hello END")
    assert model.forward_calls == len("Hello END")  # no token computed past the stop


def test_held_stop_prefix_is_released_at_eos() -> None:
    engine, _ = make_engine(chars("abEN"))
    (c,) = engine.complete(PROMPT, greedy(stop=("END",))).completions
    assert (c.text, c.finish_reason) == ("abEN", "stop")


def test_max_tokens_finishes_with_length() -> None:
    engine, _ = make_engine(chars("abcdefgh"))
    (c,) = engine.complete(PROMPT, greedy(max_tokens=3)).completions
    assert (c.text, c.finish_reason, c.completion_tokens) == ("abc", "length", 3)


def test_context_window_limits_generation() -> None:
    engine, _ = make_engine(chars("abcdefgh"), context_length=6)
    (c,) = engine.complete(PROMPT, GREEDY).completions
    assert (c.text, c.finish_reason) == ("abc", "model_length")
    (c,) = engine.complete(PROMPT, greedy(max_tokens=2)).completions
    assert (c.text, c.finish_reason) == ("ab", "length")
    with pytest.raises(PromptTooLongError):
        engine.generate([1] * 6, GREEDY)


def test_empty_prompt_is_rejected_at_the_call() -> None:
    engine, _ = make_engine(chars("a"))
    with pytest.raises(ValueError, match="empty"):
        engine.generate([], GREEDY)


def test_tool_calls_after_content() -> None:
    payload = '[{"name": "get_weather", "arguments": {"city": "Paris"}}]'
    engine, _ = make_engine([*chars("Let me check."), TOOL_CALLS, *chars(payload)])
    (c,) = engine.complete(PROMPT, greedy(random_seed=1)).completions
    assert c.finish_reason == "tool_calls"
    assert c.text == "Let me check."
    (call,) = c.tool_calls
    assert call.name == "get_weather" and json.loads(call.arguments) == {"city": "Paris"}
    assert len(call.id) == 9 and call.id.isalnum()
    # The id follows the seed, so a seeded request is reproducible end to end.
    (again,) = engine.complete(PROMPT, greedy(random_seed=1)).completions
    assert again.tool_calls[0].id == call.id


def test_stop_strings_do_not_apply_inside_tool_calls() -> None:
    payload = '[{"name": "f", "arguments": {"x": "STOP"}}]'
    engine, _ = make_engine([TOOL_CALLS, *chars(payload)])
    (c,) = engine.complete(PROMPT, greedy(stop=("STOP",))).completions
    assert c.finish_reason == "tool_calls" and json.loads(c.tool_calls[0].arguments) == {"x": "STOP"}


def test_malformed_tool_call_is_returned_as_text() -> None:
    engine, _ = make_engine([TOOL_CALLS, *chars("[{oops")])
    (c,) = engine.complete(PROMPT, GREEDY).completions
    assert (c.text, c.finish_reason, c.tool_calls) == ("[{oops", "stop", ())


def test_a_cut_output_keeps_the_calls_it_finished_and_drops_the_unfinished_one() -> None:
    first, second = '{"name": "f", "arguments": {"x": 1}}', '{"name": "g", "arguments": {}}'
    engine, _ = make_engine([*chars("Ok."), TOOL_CALLS, *chars(f"[{first}, {second}]")])
    # "Ok." is 3 tokens, then [TOOL_CALLS] and "[": the first call ends at token 5 + len(first).
    for max_tokens, names in [
        (5, []),
        (4 + len(first), []),
        (5 + len(first), ["f"]),
        (13 + len(first), ["f"]),
    ]:
        for stream in (False, True):
            params = greedy(max_tokens=max_tokens)
            if stream:
                events = list(engine.generate(PROMPT, params))
                text, final = "".join(e.text for e in events), events[-1]
                reason, calls = final.finish_reason, final.tool_calls
            else:
                (c,) = engine.complete(PROMPT, params).completions
                text, reason, calls = c.text, c.finish_reason, c.tool_calls
            # Never the markup as content; the finish reason says the output was cut.
            assert (text, reason, [call.name for call in calls]) == ("Ok.", "length", names)
    (whole,) = engine.complete(PROMPT, GREEDY).completions
    assert (whole.finish_reason, [call.name for call in whole.tool_calls]) == ("tool_calls", ["f", "g"])


def test_tool_call_parsing_can_be_disabled() -> None:
    payload = '[{"name": "f", "arguments": {}}]'
    engine, _ = make_engine([TOOL_CALLS, *chars(payload)])
    (c,) = engine.complete(PROMPT, greedy(parse_tool_calls=False)).completions
    assert (c.text, c.finish_reason) == (payload, "stop")


def test_banned_tool_call_token_is_never_generated() -> None:
    # tool_choice="none": the model wants to call a tool, the ban leaves it its next-best token.
    engine, _ = make_engine([TOOL_CALLS, *chars("ab")])
    (c,) = engine.complete(PROMPT, greedy(max_tokens=3, banned_tokens=(TOOL_CALLS,))).completions
    assert TOOL_CALLS not in c.token_ids and c.tool_calls == ()


def test_min_tokens_holds_eos_back() -> None:
    engine, _ = make_engine(chars("a"))
    (c,) = engine.complete(PROMPT, greedy(min_tokens=4, max_tokens=6)).completions
    assert c.completion_tokens >= 4 and c.token_ids[:1] == chars("a")


def test_n_completions_finish_independently() -> None:
    engine, model = make_engine(chars("a"), chars("abcdef"), chars("abc"))
    result = engine.complete(PROMPT, greedy(n=3))
    assert [(c.text, c.completion_tokens, c.finish_reason) for c in result.completions] == [
        ("a", 2, "stop"),
        ("abcdef", 7, "stop"),
        ("abc", 4, "stop"),
    ]
    assert result.completion_tokens == 13
    assert model.forward_calls == 7  # finished rows leave the batch; the longest row sets the count


def test_cancel_stops_before_the_next_token() -> None:
    engine, model = make_engine(chars("abcdefgh"))
    cancel = threading.Event()
    seen: list[GenerationEvent] = []
    for event in engine.generate(PROMPT, GREEDY, cancel):
        seen.append(event)
        cancel.set()
        calls_at_cancel = model.forward_calls
    assert [e.text for e in seen] == ["a"]
    # The batch runs ahead of its consumers, but a cancelled row leaves at the next step.
    time.sleep(0.2)
    assert model.forward_calls <= calls_at_cancel + 1


def test_cancel_before_start_computes_nothing() -> None:
    engine, model = make_engine(chars("abc"))
    cancel = threading.Event()
    cancel.set()
    assert list(engine.generate(PROMPT, GREEDY, cancel)) == []
    assert model.forward_calls == 0


@pytest.mark.parametrize(
    "tokenizer_file", ["mistral_instruct_tokenizer_240323.model.v3", "tekken_240911.json"]
)
def test_tool_calls_with_a_real_mistral_tokenizer(tokenizer_file: str) -> None:
    pytest.importorskip("mistral_common")
    from mistral_client.local._tokenizer import MistralPromptEncoder

    from ._tiny_models import mistral_common_data

    encoder = MistralPromptEncoder(mistral_common_data(tokenizer_file))
    assert encoder.tool_call_tokens is not None
    raw = encoder._raw
    # What a v3/v7 model writes: [TOOL_CALLS] then a JSON list, then EOS.
    payload = raw.encode(' [{"name": "get_weather", "arguments": {"city": "Zürich"}}]', bos=False, eos=False)
    model = ScriptedLM([[encoder.tool_call_tokens.tool_calls, *payload]])
    model.config.eos_token_id = raw.eos_id
    engine = Engine(model, encoder)
    engine.new_cache = ScriptedCache  # type: ignore[method-assign]
    (c,) = engine.complete([1, 3, 4], GREEDY).completions
    assert (c.text, c.finish_reason) == ("", "tool_calls")
    assert [(t.name, json.loads(t.arguments)) for t in c.tool_calls] == [("get_weather", {"city": "Zürich"})]
