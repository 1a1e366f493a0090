"""Mistral's native ``params.json``, checked and mapped onto a transformers config.

Mistral publishes its open weights in its own layout: ``params.json`` (the architecture, in
mistral-inference's names), ``consolidated.safetensors`` (or ``consolidated.00.pth``) and a
mistral-common tokenizer. This module reads the first: what a text transformer (dense, or a
Mixtral-style mixture of experts) needs, and a :class:`LocalModelError` for anything else (a vision
or audio encoder, quantized weights, rope scaling, another architecture), rather than a model that
loads and answers wrongly.

It does not import torch: token counting and ``models.list`` read the context window from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mistral_client.local._errors import LocalModelError

PARAMS_FILE = "params.json"
#: rope_theta when params.json has none: Mistral 7B v0.1, the one release without it, used 10,000
#: (as transformers' conversion script assumes; mistral-inference's later default of 1e6 is wrong for it).
DEFAULT_ROPE_THETA = 10_000.0
#: The context window when params.json declares none (transformers' conversion script's default).
DEFAULT_CONTEXT = 32_768

# Keys that mean an architecture or a weight format the mapping does not cover, with what they are.
_REFUSED = {
    "vision_encoder": "a vision encoder",
    "multimodal": "a vision or audio encoder",
    "quantization": "quantized weights",
    "yarn": "YaRN rope scaling",
    "llama_4_scaling": "Llama 4 attention scaling",
    "qk_nope_head_dim": "multi-head latent attention",
    "lora": "LoRA adapter layers",
}


@dataclass(frozen=True)
class NativeParams:
    """The architecture of a native checkpoint, in transformers' terms."""

    hidden_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    intermediate_size: int
    vocab_size: int
    rms_norm_eps: float
    rope_theta: float
    sliding_window: int | None
    context_length: int
    tied_embeddings: bool
    hidden_act: str = "silu"
    #: Mixture of experts (``"moe"`` in params.json): experts per layer and experts per token.
    num_experts: int | None = None
    experts_per_token: int | None = None

    @property
    def is_moe(self) -> bool:
        return self.num_experts is not None


def is_native(directory: Path) -> bool:
    return (directory / PARAMS_FILE).exists()  # a params.json that cannot be read is reported as such


def read_params(directory: Path) -> NativeParams:
    """The checked params.json of ``directory``; :class:`LocalModelError` naming the file and the problem."""
    path = directory / PARAMS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LocalModelError(path, f"cannot read {PARAMS_FILE}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LocalModelError(path, f"{PARAMS_FILE} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise LocalModelError(path, f"{PARAMS_FILE} holds a JSON {type(data).__name__}, not an object")
    return _parse(path, data)


def _parse(path: Path, data: dict[str, Any]) -> NativeParams:
    def fail(reason: str) -> LocalModelError:
        return LocalModelError(path, reason)

    model_type = data.get("model_type", "transformer")
    if model_type != "transformer":
        raise fail(
            f"{PARAMS_FILE} declares model_type {model_type!r}: the local backend runs Mistral's "
            "transformers (dense and mixture-of-experts), not this architecture"
        )
    for key, what in _REFUSED.items():
        if data.get(key):
            raise fail(
                f"{PARAMS_FILE} declares {what} ({key!r}), which the local backend does not run; "
                "it runs text-only dense and mixture-of-experts transformers"
            )

    def integer(key: str, default: int | None = None) -> int:
        value = data.get(key)
        if value is None:
            value = default
        if value is None:
            raise fail(f"{PARAMS_FILE} has no {key!r}, which Mistral's native layout requires")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise fail(f"{PARAMS_FILE}: {key!r} must be a positive integer, not {value!r}")
        return value

    def number(key: str, default: float) -> float:
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise fail(f"{PARAMS_FILE}: {key!r} must be a positive number, not {value!r}")
        return float(value)

    hidden, heads = integer("dim"), integer("n_heads")
    moe = data.get("moe")
    experts: int | None = None
    per_token: int | None = None
    if moe:
        if not isinstance(moe, dict):
            raise fail(f"{PARAMS_FILE}: 'moe' must be an object, not {moe!r}")
        if moe.get("num_shared_experts"):
            raise fail(
                f"{PARAMS_FILE} declares shared experts (Mistral Large 3's architecture), "
                "which the local backend does not run"
            )
        experts, per_token = _moe_counts(moe, fail)
    tied = data.get("tied_embeddings", False)
    if not isinstance(tied, bool):
        raise fail(f"{PARAMS_FILE}: 'tied_embeddings' must be true or false, not {tied!r}")
    activation = data.get("activation", "silu")
    if not isinstance(activation, str):
        raise fail(f"{PARAMS_FILE}: 'activation' must be a string, not {activation!r}")
    context_key = "max_seq_len" if "max_seq_len" in data else "max_position_embeddings"
    return NativeParams(
        hidden_size=hidden,
        num_layers=integer("n_layers"),
        num_heads=heads,
        num_kv_heads=integer("n_kv_heads", heads),
        head_dim=integer("head_dim", hidden // heads),
        intermediate_size=integer("hidden_dim"),
        vocab_size=integer("vocab_size"),
        rms_norm_eps=number("norm_eps", 1e-5),
        rope_theta=number("rope_theta", DEFAULT_ROPE_THETA),
        sliding_window=_sliding_window(data.get("sliding_window"), fail),
        context_length=integer(context_key, DEFAULT_CONTEXT),
        tied_embeddings=tied,
        hidden_act=activation,
        num_experts=experts,
        experts_per_token=per_token,
    )


def _moe_counts(moe: dict[str, Any], fail: Any) -> tuple[int, int]:
    counts = []
    for key in ("num_experts", "num_experts_per_tok"):
        value = moe.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise fail(f"{PARAMS_FILE}: moe {key!r} must be a positive integer, not {value!r}")
        counts.append(value)
    experts, per_token = counts
    if per_token > experts:
        raise fail(f"{PARAMS_FILE}: moe routes {per_token} experts per token but has {experts}")
    return experts, per_token


def _sliding_window(value: Any, fail: Any) -> int | None:
    """The window of every layer: an integer (a string in some releases), or one value per layer."""
    if isinstance(value, list):
        windows = set(value)
        if len(windows) > 1:
            # Ministral's interleaved pattern: transformers' Mistral class has one window for all layers.
            raise fail(
                f"{PARAMS_FILE} declares interleaved sliding windows {value!r}, which the local "
                "backend does not map yet; use the Hugging Face conversion of this model"
            )
        value = next(iter(windows), None)
    if value is None:
        return None
    try:
        window = int(value)
    except (TypeError, ValueError):
        window = 0
    if isinstance(value, bool) or window < 1:
        raise fail(f"{PARAMS_FILE}: 'sliding_window' must be a positive integer, not {value!r}")
    return window


def hf_config(params: NativeParams) -> Any:
    """The transformers config of the same model: ``MistralConfig``, or ``MixtralConfig`` for experts."""
    common: dict[str, Any] = {
        "vocab_size": params.vocab_size,
        "hidden_size": params.hidden_size,
        "intermediate_size": params.intermediate_size,
        "num_hidden_layers": params.num_layers,
        "num_attention_heads": params.num_heads,
        "num_key_value_heads": params.num_kv_heads,
        "head_dim": params.head_dim,
        "hidden_act": params.hidden_act,
        "max_position_embeddings": params.context_length,
        "rms_norm_eps": params.rms_norm_eps,
        "rope_theta": params.rope_theta,
        "sliding_window": params.sliding_window,
        "tie_word_embeddings": params.tied_embeddings,
        # Mistral's tokenizers all use 1 and 2; the engine also reads them from the tokenizer.
        "bos_token_id": 1,
        "eos_token_id": 2,
    }
    experts, per_token = params.num_experts, params.experts_per_token
    if experts is not None and per_token is not None:
        from transformers import MixtralConfig

        return MixtralConfig(
            num_local_experts=experts,
            num_experts_per_tok=per_token,
            architectures=["MixtralForCausalLM"],
            **common,
        )
    from transformers import MistralConfig

    return MistralConfig(architectures=["MistralForCausalLM"], **common)
