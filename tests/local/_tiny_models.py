"""Tiny random-weight Mistral models with a real Mistral tokenizer, for tests and benchmarks."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

# mistral-common's own names for these files; in a model directory they go by the canonical ones.
_CANONICAL = {".json": "tekken.json"}


def mistral_common_data(name: str) -> Path:
    """A tokenizer file shipped inside the mistral-common wheel."""
    spec = importlib.util.find_spec("mistral_common")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "data" / name


def build_tiny_mistral(
    directory: Path, tokenizer_file: Path, vocab_size: int, seed: int = 0, sliding_window: int | None = None
) -> Path:
    """Save a 2-layer, 64-wide random Mistral model (safetensors) with ``tokenizer_file`` beside it."""
    import torch
    from transformers import MistralConfig, MistralForCausalLM

    torch.manual_seed(seed)
    config = MistralConfig(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        bos_token_id=1,
        eos_token_id=2,
        tie_word_embeddings=False,
        sliding_window=sliding_window,
    )
    MistralForCausalLM(config).save_pretrained(directory, safe_serialization=True)
    suffix = tokenizer_file.suffix
    # "…model.v3" keeps its version suffix, which mistral-common reads the version from.
    name = _CANONICAL.get(suffix, f"tokenizer.model{suffix}")
    shutil.copy(tokenizer_file, directory / name)
    return directory


def build_tiny_hf(directory: Path, tokenizer_file: Path, *, moe: bool = False, tied: bool = False) -> Path:
    """A 2-layer random model in Hugging Face layout that uses what params.json can say: GQA, a head
    size other than hidden / heads, rope_theta, a sliding window shorter than the test prompts,
    tied embeddings, and (``moe``) 4 experts routed 2 per token."""
    import torch
    from transformers import MistralConfig, MistralForCausalLM, MixtralConfig, MixtralForCausalLM

    torch.manual_seed(3)
    common = {
        "vocab_size": 32768,
        "hidden_size": 64,
        "intermediate_size": 96,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 24,
        "max_position_embeddings": 512,
        "rms_norm_eps": 1e-5,
        "rope_theta": 1_000_000.0,
        "sliding_window": 6,
        "tie_word_embeddings": tied,
        "bos_token_id": 1,
        "eos_token_id": 2,
    }
    model: Any
    if moe:
        model = MixtralForCausalLM(MixtralConfig(num_local_experts=4, num_experts_per_tok=2, **common))
    else:
        model = MistralForCausalLM(MistralConfig(**common))
    with torch.no_grad():  # random norms: a checkpoint that mixed up two norms would show it
        for name, param in model.named_parameters():
            if name.endswith("norm.weight"):
                param.uniform_(0.5, 1.5)
    model.save_pretrained(directory, safe_serialization=True)
    shutil.copy(
        tokenizer_file,
        directory / _CANONICAL.get(tokenizer_file.suffix, f"tokenizer.model{tokenizer_file.suffix}"),
    )
    return directory


def native_from_hf(hf_dir: Path, layouts: dict[str, Path]) -> None:
    """The same weights in Mistral's native layout, converted by the test's own inverse mapping
    (the rotary permutation undone: each head's halves back into interleaved pairs).

    ``layouts`` maps each layout to write to its directory: ``"safetensors"``
    (consolidated.safetensors), ``"shards"`` (two consolidated-0000i-of-00002.safetensors) or
    ``"pth"`` (consolidated.00.pth).
    """
    import json

    import torch
    from safetensors.torch import save_file
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(hf_dir)
    state = AutoModelForCausalLM.from_pretrained(hf_dir).state_dict()
    heads, kv_heads, head_dim = config.num_attention_heads, config.num_key_value_heads, config.head_dim

    def interleave(weight: Any, n: int) -> Any:
        rows, columns = weight.shape
        return weight.reshape(n, 2, head_dim // 2, columns).transpose(1, 2).reshape(rows, columns)

    native: dict[str, Any] = {"tok_embeddings.weight": state["model.embed_tokens.weight"]}
    native["norm.weight"] = state["model.norm.weight"]
    if not config.tie_word_embeddings:
        native["output.weight"] = state["lm_head.weight"]
    experts = getattr(config, "num_local_experts", None)
    for i in range(config.num_hidden_layers):
        hf, out = f"model.layers.{i}.", f"layers.{i}."
        native[out + "attention_norm.weight"] = state[hf + "input_layernorm.weight"]
        native[out + "ffn_norm.weight"] = state[hf + "post_attention_layernorm.weight"]
        native[out + "attention.wq.weight"] = interleave(state[hf + "self_attn.q_proj.weight"], heads)
        native[out + "attention.wk.weight"] = interleave(state[hf + "self_attn.k_proj.weight"], kv_heads)
        native[out + "attention.wv.weight"] = state[hf + "self_attn.v_proj.weight"]
        native[out + "attention.wo.weight"] = state[hf + "self_attn.o_proj.weight"]
        if experts is None:
            for w, proj in (("w1", "gate_proj"), ("w2", "down_proj"), ("w3", "up_proj")):
                native[f"{out}feed_forward.{w}.weight"] = state[f"{hf}mlp.{proj}.weight"]
            continue
        fused = f"{hf}mlp.experts.gate_up_proj" in state  # transformers 5 stacks the experts
        native[out + "feed_forward.gate.weight"] = state[
            f"{hf}mlp.gate.weight" if fused else f"{hf}block_sparse_moe.gate.weight"
        ]
        for e in range(experts):
            if fused:
                w1, w3 = state[f"{hf}mlp.experts.gate_up_proj"][e].chunk(2)
                w2 = state[f"{hf}mlp.experts.down_proj"][e]
            else:
                w1, w2, w3 = (
                    state[f"{hf}block_sparse_moe.experts.{e}.{w}.weight"] for w in ("w1", "w2", "w3")
                )
            for w, tensor in (("w1", w1), ("w2", w2), ("w3", w3)):
                native[f"{out}feed_forward.experts.{e}.{w}.weight"] = tensor
    native = {name: tensor.contiguous().clone() for name, tensor in native.items()}

    params: dict[str, Any] = {
        "dim": config.hidden_size,
        "n_layers": config.num_hidden_layers,
        "head_dim": head_dim,
        "hidden_dim": config.intermediate_size,
        "n_heads": heads,
        "n_kv_heads": kv_heads,
        "norm_eps": config.rms_norm_eps,
        "vocab_size": config.vocab_size,
        "rope_theta": _rope_theta(config),
        "sliding_window": config.sliding_window,
        "max_seq_len": config.max_position_embeddings,
        "tied_embeddings": config.tie_word_embeddings,
    }
    if experts is not None:
        params["moe"] = {"num_experts": experts, "num_experts_per_tok": config.num_experts_per_tok}
    for layout, directory in layouts.items():
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "params.json").write_text(json.dumps(params), encoding="utf-8")
        if layout == "pth":
            torch.save(native, directory / "consolidated.00.pth")
        elif layout == "shards":
            names = sorted(native)
            half = len(names) // 2
            for index, part in enumerate((names[:half], names[half:]), start=1):
                shard = directory / f"consolidated-0000{index}-of-00002.safetensors"
                save_file({n: native[n] for n in part}, shard)
        else:
            save_file(native, directory / "consolidated.safetensors")
        for tokenizer in hf_dir.glob("t*"):
            if tokenizer.name.startswith(("tekken", "tokenizer.model")):
                shutil.copy(tokenizer, directory / tokenizer.name)


def _rope_theta(config: Any) -> float:
    # transformers 5 keeps it in rope_parameters; 4 as an attribute.
    parameters = getattr(config, "rope_parameters", None)
    return float(parameters["rope_theta"] if parameters else config.rope_theta)
