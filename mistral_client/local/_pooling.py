"""Sentence-embedding pooling, as a sentence-transformers model directory declares it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import torch

PoolingMode = Literal["mean", "cls", "max", "mean_sqrt_len", "last"]

_POOLING_MODULE = "sentence_transformers.models.Pooling"
# sentence-transformers' flag names in 1_Pooling/config.json, in its own precedence order.
_FLAGS: tuple[tuple[str, PoolingMode], ...] = (
    ("pooling_mode_cls_token", "cls"),
    ("pooling_mode_max_tokens", "max"),
    ("pooling_mode_mean_tokens", "mean"),
    ("pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len"),
    ("pooling_mode_lasttoken", "last"),
)
_MODES: dict[str, PoolingMode] = {
    "cls": "cls",
    "max": "max",
    "mean": "mean",
    "mean_sqrt_len_tokens": "mean_sqrt_len",
    "lasttoken": "last",
}


def read_pooling_mode(directory: Path) -> PoolingMode:
    """The pooling of the directory's ``modules.json`` Pooling module; ``mean`` when none is declared."""
    config = _pooling_config(directory)
    if config is None:
        return "mean"
    mode = config.get("pooling_mode")
    if isinstance(mode, str) and mode in _MODES:
        return _MODES[mode]
    for flag, name in _FLAGS:
        if config.get(flag):
            return name
    return "mean"


def pool(hidden: torch.Tensor, attention_mask: torch.Tensor, mode: PoolingMode) -> torch.Tensor:
    """Pool ``[batch, seq, dim]`` hidden states into ``[batch, dim]``, ignoring padding."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    if mode == "cls":
        return hidden[:, 0]
    if mode == "max":
        return hidden.masked_fill(mask == 0, float("-inf")).amax(dim=1)
    if mode == "last":
        # Index of the last real token per row; works for right padding.
        last = attention_mask.sum(dim=1) - 1
        return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
    summed = (hidden * mask).sum(dim=1)
    counts = mask.sum(dim=1).clamp(min=1)
    return summed / (counts.sqrt() if mode == "mean_sqrt_len" else counts)


def _pooling_config(directory: Path) -> dict[str, object] | None:
    try:
        modules = json.loads((directory / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for module in modules if isinstance(modules, list) else []:
        if isinstance(module, dict) and module.get("type") == _POOLING_MODULE:
            config_file = directory / str(module.get("path", "")) / "config.json"
            try:
                config = json.loads(config_file.read_text("utf-8"))
            except (OSError, ValueError):
                return None
            return config if isinstance(config, dict) else None
    return None
