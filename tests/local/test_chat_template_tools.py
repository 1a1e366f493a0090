"""Tool calls from a Hugging Face chat-template model: ``<tool_call>`` JSON blocks, parsed and forced."""

from __future__ import annotations

import json
import random
from pathlib import Path

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
