"""Tool calls from a Hugging Face chat-template model: ``<tool_call>`` JSON blocks, parsed and forced."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from mistral_client import Client
from mistral_client.local import LocalBackend
from mistral_client.local._tool_calls import ToolCallParseError, parse_tagged_tool_calls

# A Hermes/Qwen-style template: tools listed in the system turn, calls as <tool_call> blocks.
TEMPLATE = (
    "{% if tools %}<|im_start|>system\nTools:\n{% for tool in tools %}{{ tool | tojson }}\n{% endfor %}"
    'Call one as <tool_call>{"name": ..., "arguments": ...}</tool_call><|im_end|>\n{% endif %}'
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}"
    "{% for c in m.tool_calls or [] %}<tool_call>{{ c.function | tojson }}</tool_call>{% endfor %}"
    "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "maxLength": 8}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}


@pytest.fixture(scope="module")
def template_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    directory = tmp_path_factory.mktemp("tiny-template")
    bpe = ByteLevelBPETokenizer()
    corpus = [
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>',
        "Hello there",
    ] * 20
    bpe.train_from_iterator(corpus, vocab_size=400, special_tokens=["<|im_start|>", "<|im_end|>"])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe._tokenizer,
        eos_token="<|im_end|>",
        bos_token="<|im_start|>",
        pad_token="<|im_end|>",
    )
    tokenizer.chat_template = TEMPLATE
    tokenizer.save_pretrained(directory)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=512,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.bos_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(directory)
    return directory


def test_tagged_blocks_parse_into_calls_with_the_content_before_them() -> None:
    text = (
        'Let me look.\n<tool_call>\n{"name": "f", "arguments": {"x": 1}}\n</tool_call>\n'
        '<tool_call>{"name": "g", "arguments": {}}</tool_call>'
    )
    content, calls = parse_tagged_tool_calls(text, random.Random(0))
    assert content == "Let me look."
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [("f", {"x": 1}), ("g", {})]
    for bad in ('<tool_call>{"name": "f", "arguments": {}}', "<tool_call>not json</tool_call>"):
        with pytest.raises(ToolCallParseError):
            parse_tagged_tool_calls(bad, random.Random(0))


@pytest.mark.parametrize("tool_choice", ["any", {"type": "function", "function": {"name": "get_weather"}}])
def test_forced_tool_call_from_a_chat_template_model(template_model: Path, tool_choice: object) -> None:
    client = Client(backend=LocalBackend(template_model, model_name="tiny"))
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    for stream in (False, True):
        kwargs: dict[str, object] = {
            "model": "tiny",
            "messages": messages,
            "tools": [WEATHER],
            "tool_choice": tool_choice,
            "temperature": 1.0,
            "random_seed": 4,
            "max_tokens": 400,
        }
        if stream:
            with client.chat.stream(**kwargs) as s:  # type: ignore[arg-type]
                deltas = "".join(s.text_deltas())
                response = s.get_final_response()
            assert "<tool_call>" not in deltas  # the call never leaks into the streamed text
        else:
            response = client.chat.complete(**kwargs)  # type: ignore[arg-type]
        (choice,) = response.choices
        assert choice.finish_reason == "tool_calls"
        assert choice.message.tool_calls
        for call in choice.message.tool_calls:
            assert call.function.name == "get_weather"
            arguments = call.function.arguments
            parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
            assert set(parsed) == {"city"} and len(parsed["city"]) <= 8


def _calls(response: Any) -> list[tuple[str, str]]:
    return [
        (c.function.name, str(c.function.arguments)) for c in response.choices[0].message.tool_calls or []
    ]


def _repeating_seed(client: Client, kwargs: dict[str, Any]) -> tuple[int, Any]:
    """A seed with which this random model writes the forced call several times (seed 0 does)."""
    for seed in range(20):
        response = client.chat.complete(**kwargs, random_seed=seed)
        if len(_calls(response)) >= 2:
            return seed, response
    raise AssertionError("no seed made the model repeat its call")


FORCED: dict[str, Any] = {
    "model": "tiny",
    "messages": [{"role": "user", "content": "Weather in Paris?"}],
    "tool_choice": "any",
    "temperature": 1.0,
    "max_tokens": 400,
}


def test_a_forced_call_repeated_until_max_tokens_keeps_the_calls_it_finished(template_model: Path) -> None:
    """The small model writes the forced call again and again (up to 4); cut by max_tokens, the
    output still holds the calls it finished, and never the markup of the unfinished one."""
    client = Client(backend=LocalBackend(template_model, model_name="tiny"))
    kwargs = {**FORCED, "tools": [WEATHER]}
    seed, full = _repeating_seed(client, kwargs)
    everything, tokens = _calls(full), full.usage.completion_tokens
    kept = []
    for budget in [3, *(tokens * j // (2 * len(everything)) for j in range(1, 2 * len(everything)))]:
        for stream in (False, True):
            request = {**kwargs, "random_seed": seed, "max_tokens": budget}
            if stream:
                with client.chat.stream(**request) as s:
                    assert "".join(s.text_deltas()) == ""
                    response = s.get_final_response()
            else:
                response = client.chat.complete(**request)
            (choice,) = response.choices
            assert (choice.finish_reason, choice.message.content) == ("length", "")
            assert _calls(response) == everything[: len(_calls(response))]  # the same calls
            kept.append(len(_calls(response)))
    assert kept[0] == 0 and kept == sorted(kept) and 0 < max(kept) < len(everything)


def test_the_tool_runner_runs_the_finished_calls_of_a_cut_turn(template_model: Path) -> None:
    from mistral_client import LengthFinishReasonError, MaxToolIterationsError, tool

    cities: list[str] = []

    @tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        cities.append(city)
        return "sunny"

    client = Client(backend=LocalBackend(template_model, model_name="tiny"))
    seed, full = _repeating_seed(client, {**FORCED, "tools": [get_weather]})
    first = json.loads(full.choices[0].message.tool_calls[0].function.arguments)["city"]
    budget = full.usage.completion_tokens - 2  # the last call unfinished
    runner = client.chat.tool_runner(
        **{**FORCED, "random_seed": seed, "max_tokens": budget}, tools=[get_weather], max_iterations=1
    )
    with pytest.raises(MaxToolIterationsError):  # tool_choice="any" asks for a call every turn
        runner.until_done()
    assert cities[0] == first and len(cities) == len(full.choices[0].message.tool_calls) - 1
    # Cut before any call is finished: an error, not the markup taken for the answer.
    cut = client.chat.tool_runner(**{**FORCED, "random_seed": seed, "max_tokens": 3}, tools=[get_weather])
    with pytest.raises(LengthFinishReasonError):
        cut.until_done()


def test_the_model_card_says_whether_the_template_shows_the_model_its_tools(
    template_model: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from mistral_client.cli import cli

    def capabilities(path: Path) -> dict[str, bool]:
        listed = CliRunner().invoke(cli, ["models", "list", "--local", str(path), "--json"])
        assert listed.exit_code == 0, listed.output
        return dict(json.loads(listed.output)[0]["capabilities"])

    assert capabilities(template_model)["function_calling"] is True
    assert capabilities(template_model)["completion_fim"] is False
    # The same model with a template that drops the tools: the model would never see them.
    blind = tmp_path / "blind"
    shutil.copytree(template_model, blind)
    without_tools = TEMPLATE.split("{% endif %}", 1)[1]
    config = json.loads((blind / "tokenizer_config.json").read_text())
    if "chat_template" in config:  # transformers 4 keeps it here, 5 in chat_template.jinja
        config["chat_template"] = without_tools
        (blind / "tokenizer_config.json").write_text(json.dumps(config))
    for extra in blind.glob("chat_template.*"):
        extra.write_text(without_tools)
    assert capabilities(blind)["function_calling"] is False
