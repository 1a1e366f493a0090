"""How big a model's weights are, read from the files' headers without loading a tensor.

What :mod:`._memory` needs to know before a load: how many floating-point values the weights hold
(the torch engine casts or de-quantizes each to the load dtype), the bytes of the other tensors
(integer tensors stay as they are), and the width of the keys summed over the layers (the KV cache
per token). safetensors and GGUF headers are parsed here directly; torch pickles are opened
memory-mapped (only their index is read).
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from math import prod
from pathlib import Path

from mistral_client.local._model_files import ModelFiles

#: A layer's key projection: transformers' ``k_proj``, Mistral's native ``wk``, GGUF's ``attn_k``.
_KEY_PROJECTION = re.compile(r"(?:^|\.)(?:k_proj|wk|attn_k)\.weight$")
_SAFETENSORS_FLOATS = frozenset({"F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2"})
_SAFETENSORS_BYTES = {"F64": 8, "I64": 8, "U64": 8, "F32": 4, "I32": 4, "U32": 4, "F16": 2, "BF16": 2}


@dataclass(frozen=True)
class WeightSizes:
    #: Values of the floating-point (or quantized) tensors.
    float_values: int
    #: Bytes of the other tensors.
    other_bytes: int
    #: ``num_key_value_heads * head_dim``, summed over the layers (0 when no key projection is found).
    kv_width: int

    def bytes_as(self, value_size: int) -> int:
        """The weights' size with every floating-point value held in ``value_size`` bytes."""
        return self.float_values * value_size + self.other_bytes


def weight_sizes(files: ModelFiles) -> WeightSizes | None:
    """The sizes of the weights ``files`` point at, or ``None`` for a layout not read here."""
    directory = files.directory
    if files.gguf_file is not None:
        return gguf_sizes(directory / files.gguf_file)
    if files.native:
        from mistral_client.local._native_checkpoint import weight_files

        found = weight_files(directory)
        return pickle_sizes(found) if found[0].suffix == ".pth" else safetensors_sizes(found)
    index = directory / "model.safetensors.index.json"
    if index.is_file():
        weight_map = json.loads(index.read_text(encoding="utf-8")).get("weight_map", {})
        return safetensors_sizes(sorted({directory / name for name in weight_map.values()}))
    if (directory / "model.safetensors").is_file():
        return safetensors_sizes([directory / "model.safetensors"])
    bins = sorted(directory.glob("pytorch_model*.bin"))
    return pickle_sizes(bins) if bins else None


def _sizes(tensors: Iterable[tuple[str, tuple[int, ...], bool, int]]) -> WeightSizes:
    """From ``(name, shape, is float, bytes if not float)`` of every tensor."""
    values = other = kv_width = 0
    for name, shape, is_float, size in tensors:
        if is_float:
            values += prod(shape)
        else:
            other += size
        if len(shape) == 2 and _KEY_PROJECTION.search(name):
            kv_width += min(shape)  # keys are never wider than the hidden state
    return WeightSizes(values, other, kv_width)


def safetensors_sizes(paths: Iterable[Path]) -> WeightSizes:
    def tensors() -> Iterator[tuple[str, tuple[int, ...], bool, int]]:
        for path in paths:
            with path.open("rb") as f:
                (length,) = struct.unpack("<Q", f.read(8))
                header = json.loads(f.read(length))
            for name, info in header.items():
                if name == "__metadata__":
                    continue
                start, end = info["data_offsets"]
                yield name, tuple(info["shape"]), info["dtype"] in _SAFETENSORS_FLOATS, end - start

    return _sizes(tensors())


def pickle_sizes(paths: Iterable[Path]) -> WeightSizes:
    import torch

    def tensors() -> Iterator[tuple[str, tuple[int, ...], bool, int]]:
        for path in paths:
            try:
                state = torch.load(str(path), map_location="cpu", weights_only=True, mmap=True)
            except RuntimeError:  # the legacy format cannot be memory-mapped: its file size will do
                yield path.name, (path.stat().st_size // 2,), True, 0
                continue
            for name, t in state.items():
                if isinstance(t, torch.Tensor):
                    yield name, tuple(t.shape), t.is_floating_point(), t.numel() * t.element_size()

    return _sizes(tensors())


def gguf_sizes(path: Path) -> WeightSizes:
    """Sizes from a GGUF file's tensor index; every tensor counts as float: the torch engine
    de-quantizes them all."""
    from mistral_client.local._gguf_header import read_gguf_header

    return _sizes((name, dims, True, 0) for name, dims in read_gguf_header(path).tensors)
