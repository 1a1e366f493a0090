"""The batch's KV cache as plain tensors, across transformers versions, and its sliding window.

The scheduler pads, merges and drops rows of a transformers ``DynamicCache`` layer by layer; these
helpers read and write its per-layer key/value tensors whether the cache keeps them in ``layers``
(transformers 4.56+) or in ``key_cache``/``value_cache`` lists (older releases).
"""

from __future__ import annotations

from typing import Any

import torch


def sliding_window(config: Any) -> tuple[int | None, bool]:
    """The sliding window (``None`` if no layer slides), and whether full layers are mixed in."""
    config = config.get_text_config() if hasattr(config, "get_text_config") else config
    window = getattr(config, "sliding_window", None)
    if not window or getattr(config, "use_sliding_window", True) is False:
        return None, False
    layer_types = getattr(config, "layer_types", None)
    if layer_types:
        kinds = set(layer_types)
        if "sliding_attention" not in kinds:
            return None, False
        return int(window), len(kinds) > 1
    return int(window), False


def pad_left(tensor: torch.Tensor, slots: int) -> torch.Tensor:
    if not slots:
        return tensor
    return torch.nn.functional.pad(tensor, (0, 0, slots, 0))


def layers(cache: Any) -> list[tuple[torch.Tensor, torch.Tensor]]:
    if hasattr(cache, "layers"):
        return [(layer.keys, layer.values) for layer in cache.layers]
    return list(zip(cache.key_cache, cache.value_cache, strict=True))  # transformers < 4.56


def set_layers(cache: Any, pairs: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
    if hasattr(cache, "layers"):
        for layer, (keys, values) in zip(cache.layers, pairs, strict=True):
            layer.keys, layer.values = keys, values
    else:
        cache.key_cache[:] = [k for k, _ in pairs]
        cache.value_cache[:] = [v for _, v in pairs]
