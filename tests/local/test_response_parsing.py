"""Tool calls read with the response template a chat-template tokenizer declares (transformers 5.13+).

The models are real Llama checkpoints, saved and loaded through ``LocalBackend(path)``, whose weights
are set so that each token predicts the next one of a chosen script: attention and MLP write
nothing, so the last token alone picks the next, through one-hot embeddings and the output head.
Random weights could not be made to write a tool call on cue.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from transformers import PreTrainedTokenizerBase

from mistral_client import Client
from mistral_client.local import LocalBackend
from mistral_client.local._response_parsing import ResponseTemplateParsing, TemplateOutcome
from mistral_client.local._tool_calls import ToolCallParseError, parse_template_tool_calls

pytestmark = pytest.mark.skipif(
    not hasattr(PreTrainedTokenizerBase, "get_response_parser"),
    reason="this transformers has no response templates",
)

TEMPLATE = (
    "{% if tools %}<|im_start|>system\n{% for tool in tools %}{{ tool | tojson }}\n{% endfor %}"
    "<|im_end|>\n{% endif %}"
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
_CALL_TRANSFORM = {"type": "function", "function": {"name": "{name}", "arguments": "{content}"}}
_CONTENT = {"close_pattern": r"\s*<\|im_end\|>", "content": "text"}
#: A format only this template knows: ``[CALL]name{json arguments}[/CALL]``.
BRACKET_TEMPLATE = {
    "defaults": {"role": "assistant"},
    "start_anchor": "<|im_start|>assistant\n",
    "fields": {
        "tool_calls": {
            "open_pattern": r"\s*\[CALL\](?P<name>\w+)",
            "close": "[/CALL]",
            "repeats": True,
            "content": "json",
            "transform": _CALL_TRANSFORM,
        },
        "content": _CONTENT,
    },
}
#: Qwen3's: reasoning in <think>, calls in <tool_call> blocks (transformers' own fallback for qwen3).
QWEN_TEMPLATE = {
    "defaults": {"role": "assistant"},
    "start_anchor": "<|im_start|>assistant\n",
    "fields": {
        "reasoning_content": {"open": "<think>", "close": "</think>", "content": "text"},
        "tool_calls": {
            "open_pattern": r"\s*<tool_call>",
            "close": "</tool_call>",
            "repeats": True,
            "content": "json",
            "transform": {"type": "function", "function": "{content}"},
        },
        "content": _CONTENT,
    },
}
FORECAST = {
    "type": "function",
    "function": {
        "name": "get_forecast",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "maxLength": 8}, "days": {"type": "integer"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
MESSAGES = [{"role": "user", "content": "Weather in Paris?"}]


def new_tokenizer() -> Any:
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        ["Hello there"] * 10, vocab_size=300, special_tokens=["<|im_start|>", "<|im_end|>"]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe._tokenizer, eos_token="<|im_end|>", bos_token="<|im_start|>"
    )


def build_scripted_model(
    directory: Path, response_template: dict[str, Any] | None, script: Sequence[str]
) -> Path:
    """A chat model answering any prompt of this template with ``script`` (a token per item), then EOS."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = new_tokenizer()
    tokenizer.add_tokens(list(dict.fromkeys(script)))
    tokenizer.chat_template = TEMPLATE
    tokenizer.response_template = response_template
    tokenizer.save_pretrained(directory)
    tokenizer = AutoTokenizer.from_pretrained(directory)  # the ids users get

    prompt = tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, tokenize=False)
    ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    chain = [ids[-1], *(tokenizer.convert_tokens_to_ids(piece) for piece in script), tokenizer.eos_token_id]
    assert len(set(chain)) == len(chain), "each token must have one successor"
    hidden = 32
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=512,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.bos_token_id,
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        layer = model.model.layers[0]
        layer.self_attn.o_proj.weight.zero_()
        layer.mlp.down_proj.weight.zero_()
        model.lm_head.weight.zero_()
        # Other tokens predict all-zero logits: where a grammar rules the script out, greedy
        # decoding takes the lowest allowed id, and EOS (id 1) as soon as it is allowed.
        model.model.embed_tokens.weight.zero_()
        for i, (token, successor) in enumerate(itertools.pairwise(chain)):
            model.model.embed_tokens.weight[token] = torch.nn.functional.one_hot(torch.tensor(i), hidden)
            model.lm_head.weight[successor, i] = 10.0
    model.save_pretrained(directory)
    return directory


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``models(name)``: a client on a scripted model, built once per module."""
    scripts: dict[str, tuple[dict[str, Any] | None, list[str]]] = {
        "bracket": (
            BRACKET_TEMPLATE,
            ["Let me check.\n", "[CALL]get_forecast", '{"city": "Paris", "days": "3"}', "[/CALL]"],
        ),
        "qwen": (
            QWEN_TEMPLATE,
            [
                "<think>",
                "Paris, so a call.",
                "</think>",
                "\n\nSure.",
                "<tool_call>",
                '\n{"name": "get_forecast", "arguments": {"city": "Paris"}}\n',
                "</tool_call>",
            ],
        ),
        # The template's parser fails on its own format; a <tool_call> block follows.
        "broken": (
            BRACKET_TEMPLATE,
            [
                "[CALL]get_forecast",
                "{oops",
                "[/CALL]",
                "<tool_call>",
                '{"name": "get_forecast", "arguments": {"city": "Paris"}}',
                "</tool_call>",
            ],
        ),
        "malformed": (BRACKET_TEMPLATE, ["Hi.", "[CALL]get_forecast", "{oops", "[/CALL]"]),
        "call_then_text": (
            BRACKET_TEMPLATE,
            ["Sure.\n", "[CALL]get_forecast", '{"city": "Paris"}', "[/CALL]", " Then I", " will answer."],
        ),
        # No response template: two <tool_call> blocks, read the default way.
        "two_blocks": (
            None,
            [
                "<tool_call>",
                '{"name": "get_forecast", "arguments": {"city": "Paris"}}',
                "</tool_call>",
                "\n<tool_call>",
                '{"name": "get_forecast", "arguments": {"city": "Lyon"}}',
                "\n</tool_call>",
            ],
        ),
        "two_brackets": (
            BRACKET_TEMPLATE,
            [
                "[CALL]get_forecast",
                '{"city": "Paris"}',
                "[/CALL]",
                " [CALL]get_forecast",
                '{"city": "Lyon"}',
                " [/CALL]",
            ],
        ),
        "plain": (BRACKET_TEMPLATE, ["Hello", "<|im_start|>", " there", " \n"]),
    }
    clients: dict[str, Client] = {}

    def get(name: str) -> Client:
        if name not in clients:
            template, script = scripts[name]
            directory = build_scripted_model(tmp_path_factory.mktemp(name), template, script)
            clients[name] = Client(backend=LocalBackend(directory, model_name="tiny"))
        return clients[name]

    return get


def chat(client: Client, *, stream: bool, **kwargs: Any) -> tuple[Any, str | None]:
    """The response, and for a stream the text of its content deltas."""
    request: dict[str, Any] = {
        "model": "tiny",
        "messages": MESSAGES,
        "tools": [FORECAST],
        "temperature": 0.0,
        "random_seed": 7,
        "max_tokens": 60,
        **kwargs,
    }
    if not stream:
        return client.chat.complete(**request), None
    with client.chat.stream(**request) as s:
        deltas = "".join(s.text_deltas())
        return s.get_final_response(), deltas


def calls_of(response: Any) -> list[tuple[str, str, dict[str, Any]]]:
    (choice,) = response.choices
    return [
        (c.id, c.function.name, json.loads(c.function.arguments)) for c in choice.message.tool_calls or []
    ]


def test_a_format_only_the_template_knows_is_parsed(models: Any) -> None:
    client = models("bracket")
    complete, _ = chat(client, stream=False)
    streamed, deltas = chat(client, stream=True)
    for response in (complete, streamed):
        (choice,) = response.choices
        assert choice.finish_reason == "tool_calls"
        assert choice.message.content == "Let me check."
        ((call_id, name, arguments),) = calls_of(response)
        assert name == "get_forecast"
        # tools= reached the parser: "3" was cast to the integer the schema declares.
        assert arguments == {"city": "Paris", "days": 3}
        assert len(call_id) == 9 and call_id.isalnum()
    assert calls_of(streamed) == calls_of(complete)  # same seed, same ids
    assert deltas == "Let me check."  # the call never streams as text


def test_reasoning_and_tool_call_blocks_of_a_qwen_template(models: Any) -> None:
    client = models("qwen")
    for stream in (False, True):
        response, deltas = chat(client, stream=stream)
        (choice,) = response.choices
        assert (choice.finish_reason, choice.message.content) == ("tool_calls", "Sure.")
        assert [(n, a) for _, n, a in calls_of(response)] == [("get_forecast", {"city": "Paris"})]
        if stream:
            # Nothing streams before the reasoning ends: the held text comes with the call.
            assert deltas == "Sure."


def test_without_tools_the_output_is_plain_text(models: Any) -> None:
    response, _ = chat(models("qwen"), stream=False, tools=None)
    (choice,) = response.choices
    assert choice.finish_reason == "stop" and choice.message.tool_calls is None
    assert choice.message.content.startswith("<think>")  # unchanged: no tools, no parsing


def test_when_the_template_parser_fails_tool_call_blocks_are_still_read(models: Any) -> None:
    for stream in (False, True):
        response, _ = chat(models("broken"), stream=stream)
        (choice,) = response.choices
        assert choice.finish_reason == "tool_calls"
        assert choice.message.content == "[CALL]get_forecast{oops[/CALL]"
        assert [(n, a) for _, n, a in calls_of(response)] == [("get_forecast", {"city": "Paris"})]


@pytest.mark.parametrize("name", ["two_blocks", "two_brackets"])
def test_parallel_tool_calls_false_keeps_the_first_call(models: Any, name: str) -> None:
    both, _ = chat(models(name), stream=False)
    assert [a["city"] for _, _, a in calls_of(both)] == ["Paris", "Lyon"]
    for stream in (False, True):
        response, deltas = chat(models(name), stream=stream, parallel_tool_calls=False)
        assert response.choices[0].finish_reason == "tool_calls"
        assert [(n, a) for _, n, a in calls_of(response)] == [("get_forecast", {"city": "Paris"})]
        assert not deltas  # the dropped call does not turn into text either
        # Generation ended with the first call (3 tokens), not after writing the second one.
        assert (response.usage.completion_tokens, both.usage.completion_tokens) == (3, 7)


def test_a_stop_string_after_a_call_still_ends_the_answer(models: Any) -> None:
    for stream in (False, True):
        response, _ = chat(models("call_then_text"), stream=stream, stop=["will"])
        (choice,) = response.choices
        assert [(n, a) for _, n, a in calls_of(response)] == [("get_forecast", {"city": "Paris"})]
        assert choice.message.content == "Sure.\n\nThen I"  # a paragraph break where the call was
        # Generation ended at the stop string: " answer." was never generated.
        assert response.usage.completion_tokens == 6
    # A caller that stops on blank lines does not get one the model never wrote.
    response, _ = chat(models("call_then_text"), stream=False, stop=["\n\n"])
    assert response.choices[0].message.content == "Sure.\nThen I will answer."


def test_a_stop_string_after_reasoning_ends_the_answer(models: Any) -> None:
    for stream in (False, True):
        response, _ = chat(models("qwen"), stream=stream, stop=["Sure"])
        (choice,) = response.choices
        assert (choice.finish_reason, choice.message.tool_calls) == ("stop", None)
        assert choice.message.content == ""  # the reasoning before the stop is not content


def test_an_answer_cut_after_its_reasoning_keeps_the_reasoning_out(models: Any) -> None:
    for stream in (False, True):
        response, _ = chat(models("qwen"), stream=stream, max_tokens=4)
        (choice,) = response.choices
        assert (choice.finish_reason, choice.message.content) == ("length", "Sure.")
        cut, _ = chat(models("qwen"), stream=stream, max_tokens=2)  # inside the reasoning
        assert (cut.choices[0].finish_reason, cut.choices[0].message.content) == ("length", "")


def test_a_malformed_call_is_returned_as_text(models: Any) -> None:
    for stream in (False, True):
        response, deltas = chat(models("malformed"), stream=stream)
        (choice,) = response.choices
        assert (choice.finish_reason, choice.message.tool_calls) == ("stop", None)
        assert choice.message.content == "Hi.[CALL]get_forecast{oops[/CALL]"
        if stream:
            assert deltas == choice.message.content


def test_a_cut_output_keeps_its_finished_calls_and_never_shows_the_markup(models: Any) -> None:
    for stream in (False, True):
        # Cut inside the call: no call, and the markup is not content.
        response, deltas = chat(models("bracket"), stream=stream, max_tokens=2)
        (choice,) = response.choices
        assert (choice.finish_reason, choice.message.tool_calls) == ("length", None)
        assert choice.message.content == "Let me check."
        # Cut after whole arguments, before the closing [/CALL]: the template parses the call.
        response, _ = chat(models("bracket"), stream=stream, max_tokens=3)
        assert response.choices[0].finish_reason == "length"
        assert [(n, a) for _, n, a in calls_of(response)] == [("get_forecast", {"city": "Paris", "days": 3})]
        # Cut inside a second call: the first one, closed, is kept.
        for name in ("two_brackets", "two_blocks"):
            response, deltas = chat(models(name), stream=stream, max_tokens=4)
            (choice,) = response.choices
            assert (choice.finish_reason, choice.message.content) == ("length", "")
            assert [(n, a) for _, n, a in calls_of(response)] == [("get_forecast", {"city": "Paris"})]
            assert not deltas


def test_a_stop_string_in_the_content_ends_the_answer_before_the_call(models: Any) -> None:
    for stream in (False, True):
        response, _ = chat(models("bracket"), stream=stream, stop=["check"])
        (choice,) = response.choices
        assert (choice.finish_reason, choice.message.content, choice.message.tool_calls) == (
            "stop",
            "Let me ",
            None,
        )


def test_plain_answers_stream_as_they_come(models: Any) -> None:
    # The parser sees the special token <|im_start|>; the user, as without a template, does not.
    response, deltas = chat(models("plain"), stream=True)
    (choice,) = response.choices
    assert (choice.finish_reason, choice.message.content, choice.message.tool_calls) == (
        "stop",
        "Hello there \n",
        None,
    )
    assert deltas == "Hello there \n"
    # As it comes: a chunk per token, not everything in the final chunk.
    with models("plain").chat.stream(
        model="tiny", messages=MESSAGES, tools=[FORECAST], temperature=0.0, max_tokens=60
    ) as stream:
        assert [c.choices[0].delta.content for c in stream if c.choices[0].delta.content] == [
            "Hello",
            " there",
            " \n",
        ]


@pytest.mark.parametrize("tool_choice", ["any", {"type": "function", "function": {"name": "get_forecast"}}])
def test_forced_calls_use_the_grammar_format(models: Any, tool_choice: Any) -> None:
    # The grammar writes <tool_call> blocks, which the bracket template does not describe.
    for stream in (False, True):
        response, _ = chat(models("bracket"), stream=stream, tool_choice=tool_choice, max_tokens=200)
        (choice,) = response.choices
        assert choice.finish_reason == "tool_calls"
        assert {name for _, name, _ in calls_of(response)} == {"get_forecast"}


def test_parsed_tool_calls_are_checked() -> None:
    rng = random.Random(0)
    items = [
        {"type": "function", "function": {"name": "f", "arguments": {"x": 1}}, "id": "abcDEF123"},
        {"name": "g", "arguments": '{"y": 2}'},
    ]
    calls = parse_template_tool_calls(items, rng)
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [("f", {"x": 1}), ("g", {"y": 2})]
    assert calls[0].id == "abcDEF123" and len(calls[1].id) == 9
    for bad in (
        {"function": {}},
        [{"function": {"name": "f", "arguments": [1]}}],
        ["f"],
        [{"function": {"name": ""}}],
    ):
        with pytest.raises(ToolCallParseError):
            parse_template_tool_calls(bad, rng)


def test_the_released_content_is_the_start_of_the_output() -> None:
    from transformers.utils.chat_parsing import ResponseParser

    parsing = ResponseTemplateParsing(
        lambda: ResponseParser(BRACKET_TEMPLATE, prefix=""), lambda ids: "", lambda text: text
    )
    response = parsing.start()
    pieces = ["Sure", ".", "\n", "[CA", "LL]f", '{"a": 1}', "[/CALL]", " done"]
    released = [response.feed(p) for p in pieces[:-1]]
    assert released == ["Sure", ".", "", "", "", "", ""]
    assert response.held == '\n[CALL]f{"a": 1}[/CALL]'
    rest, outcome = response.finish(pieces[-1])
    assert rest == "" and outcome is not None
    assert outcome.content == "\n\ndone"  # a paragraph break where the call was
    assert outcome.tool_calls == [{"type": "function", "function": {"name": "f", "arguments": {"a": 1}}}]


def test_a_template_transformers_rejects_is_ignored(caplog: pytest.LogCaptureFixture) -> None:
    from mistral_client.local._tokenizer import HFPromptEncoder

    tokenizer = new_tokenizer()
    tokenizer.chat_template = TEMPLATE
    tokenizer.response_template = {"fields": {"content": {"content": "no-such-parser"}}}
    encoder = HFPromptEncoder(tokenizer)
    assert encoder.response_parsing([1, 2], None) is None  # tool calls are read the default way
    assert "response_template" in caplog.text
    tokenizer.response_template = BRACKET_TEMPLATE
    assert HFPromptEncoder(tokenizer).response_parsing([1, 2], None) is not None


def test_prompt_text_the_parser_still_holds_is_not_output() -> None:
    from transformers.utils.chat_parsing import ResponseParser

    # Qwen3 without thinking: the template pre-writes an empty reasoning block, then two newlines.
    prompt = "<|im_start|>assistant\n<think>\n\n</think>\n\n"
    parsing = ResponseTemplateParsing(
        lambda: ResponseParser(QWEN_TEMPLATE, prefix=prompt), lambda ids: "", lambda text: text
    )
    response = parsing.start()
    assert [response.feed(p) for p in ["Hello", " world", "\n"]] == ["Hello", " world", ""]
    assert response.held == "\n"
    assert response.finish("") == ("\n", TemplateOutcome("", []))
