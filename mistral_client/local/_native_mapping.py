"""Native tensors renamed and laid out as transformers' Mistral and Mixtral models hold them.

Two differences between the layouts, besides the names:

* rotary embeddings: mistral-inference rotates interleaved pairs of a head's query and key features
  (``(x0, x1), (x2, x3), ...``, as complex numbers), transformers rotates its two halves
  (``(x0, x_{d/2}), ...``, ``rotate_half``). Reordering the rows of ``wq`` and ``wk`` within each
  head (even rows first, then odd ones) makes the halves' form compute the same attention scores.
* experts: native checkpoints hold one ``w1``/``w2``/``w3`` per expert, as transformers 4 does;
  transformers 5 fuses a layer's experts into ``gate_up_proj`` ``[experts, 2 * hidden_dim, dim]``
  (``w1`` then ``w3`` of each expert) and ``down_proj`` ``[experts, dim, hidden_dim]``.

The permutation and the renaming are exact reorderings: no arithmetic touches the values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from mistral_client.local._native_params import NativeParams

_TOP = {
    "tok_embeddings.weight": "model.embed_tokens.weight",
    "norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
_IN_LAYER = {
    "attention_norm.weight": "input_layernorm.weight",
    "ffn_norm.weight": "post_attention_layernorm.weight",
    "attention.wq.weight": "self_attn.q_proj.weight",
    "attention.wk.weight": "self_attn.k_proj.weight",
    "attention.wv.weight": "self_attn.v_proj.weight",
    "attention.wo.weight": "self_attn.o_proj.weight",
    "feed_forward.w1.weight": "mlp.gate_proj.weight",
    "feed_forward.w2.weight": "mlp.down_proj.weight",
    "feed_forward.w3.weight": "mlp.up_proj.weight",
}
_LAYER = re.compile(r"^layers\.(\d+)\.(.+)$")
_EXPERT = re.compile(r"^feed_forward\.experts\.(\d+)\.(w[123])\.weight$")


class MappingError(ValueError):
    """A tensor the mapping does not know, or one whose shape does not fit params.json."""


def permute_rotary(weight: Any, num_heads: int, head_dim: int) -> Any:
    """Rows of a query or key projection from interleaved rotary pairs to rotated halves, per head."""
    out_features, in_features = weight.shape
    if out_features != num_heads * head_dim or head_dim % 2:
        raise MappingError(
            f"a projection of {out_features} rows does not split into {num_heads} heads of {head_dim}"
        )
    return (
        weight.reshape(num_heads, head_dim // 2, 2, in_features)
        .transpose(1, 2)
        .reshape(out_features, in_features)
    )


def hf_tensors(
    native: Iterable[tuple[str, Any]], params: NativeParams, *, fused_experts: bool
) -> Iterator[tuple[str, Any]]:
    """Each native ``(name, tensor)`` as transformers' ``(name, tensor)``.

    ``fused_experts``: the model stacks a layer's experts (transformers 5); their tensors are then held
    until the layer's last one arrives (checkpoints keep a layer's tensors together).
    """
    pending: dict[int, dict[tuple[int, str], Any]] = {}
    for name, tensor in native:
        top = _TOP.get(name)
        if top is not None:
            yield top, tensor
            continue
        match = _LAYER.match(name)
        if match is None:
            raise MappingError(f"unexpected tensor {name!r} in a native checkpoint")
        layer, rest = int(match.group(1)), match.group(2)
        prefix = f"model.layers.{layer}."
        if rest in _IN_LAYER:
            if params.is_moe and rest.startswith("feed_forward."):
                raise MappingError(
                    f"{name!r}: a dense feed-forward in a checkpoint params.json says has experts"
                )
            yield prefix + _IN_LAYER[rest], _rotary(name, rest, tensor, params)
        elif rest == "feed_forward.gate.weight" and params.is_moe:
            yield prefix + ("mlp.gate.weight" if fused_experts else "block_sparse_moe.gate.weight"), tensor
        elif (expert := _EXPERT.match(rest)) and params.is_moe:
            index, weight = int(expert.group(1)), expert.group(2)
            if not fused_experts:
                yield f"{prefix}block_sparse_moe.experts.{index}.{weight}.weight", tensor
                continue
            parts = pending.setdefault(layer, {})
            parts[(index, weight)] = tensor
            if len(parts) == 3 * (params.num_experts or 0):
                del pending[layer]
                yield from _fuse(prefix, parts, params.num_experts or 0)
        else:
            raise MappingError(f"unexpected tensor {name!r} in a native checkpoint")
    if pending:
        layer = min(pending)
        raise MappingError(
            f"layer {layer} lacks expert weights: {len(pending[layer])} of {3 * (params.num_experts or 0)}"
        )


def _rotary(name: str, rest: str, tensor: Any, params: NativeParams) -> Any:
    heads = {"attention.wq.weight": params.num_heads, "attention.wk.weight": params.num_kv_heads}.get(rest)
    if heads is None:
        return tensor
    try:
        return permute_rotary(tensor, heads, params.head_dim)
    except MappingError as exc:
        raise MappingError(f"{name!r}: {exc}") from None


def _fuse(prefix: str, parts: dict[tuple[int, str], Any], experts: int) -> Iterator[tuple[str, Any]]:
    import torch

    try:
        gate_up = torch.stack([torch.cat([parts[(e, "w1")], parts[(e, "w3")]]) for e in range(experts)])
        down = torch.stack([parts[(e, "w2")] for e in range(experts)])
    except KeyError as exc:
        raise MappingError(f"{prefix}: expert weights numbered beyond {experts - 1}: {exc}") from None
    yield prefix + "mlp.experts.gate_up_proj", gate_up
    yield prefix + "mlp.experts.down_proj", down
