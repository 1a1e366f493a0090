"""How big a model's weights are, read from the files' headers without loading a tensor.

What :mod:`._memory` needs to know before a load: how many floating-point values the weights hold
(the torch engine casts or de-quantizes each to the load dtype), the bytes of the other tensors
(integer tensors stay as they are), and the width of the keys summed over the layers (the KV cache
per token). safetensors and GGUF headers are parsed here directly; torch pickles are opened
memory-mapped (only their index is read).
"""

from __future__ import annotations

import json
import mmap
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


# GGUF metadata value types (ggml's gguf_type) and the sizes of the fixed-size ones.
_GGUF_STRING, _GGUF_ARRAY = 8, 9
_GGUF_FIXED = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def gguf_sizes(path: Path) -> WeightSizes:
    """Sizes from a GGUF file's tensor index (every tensor counts as float: the torch engine
    de-quantizes them all).

    Parsed here rather than with ``gguf.GGUFReader``, which decodes every metadata field: 6 s for
    SmolLM2-135M's file against about 30 ms to walk past them.
    """
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        magic, version, n_tensors, n_fields = struct.unpack_from("<4sIQQ", data, 0)
        if magic != b"GGUF" or version < 2:
            raise ValueError(f"{path} is not a GGUF file of version 2 or later")
        pos = 24
        for _ in range(n_fields):
            pos = _skip_string(data, pos)
            (kind,) = struct.unpack_from("<I", data, pos)
            pos = _skip_value(data, pos + 4, kind)
        tensors = []
        for _ in range(n_tensors):
            (length,) = struct.unpack_from("<Q", data, pos)
            name = bytes(data[pos + 8 : pos + 8 + length]).decode("utf-8")
            pos += 8 + length
            (n_dims,) = struct.unpack_from("<I", data, pos)
            dims = struct.unpack_from(f"<{n_dims}Q", data, pos + 4)
            pos += 4 + 8 * n_dims + 4 + 8  # the dims, then the type and the offset
            tensors.append((name, tuple(dims), True, 0))
    return _sizes(tensors)


def _skip_string(data: mmap.mmap, pos: int) -> int:
    (length,) = struct.unpack_from("<Q", data, pos)
    return pos + 8 + int(length)


def _skip_value(data: mmap.mmap, pos: int, kind: int) -> int:
    if kind == _GGUF_STRING:
        return _skip_string(data, pos)
    if kind == _GGUF_ARRAY:
        item, count = struct.unpack_from("<IQ", data, pos)
        pos += 12
        if item in _GGUF_FIXED:
            return pos + _GGUF_FIXED[item] * int(count)
        for _ in range(count):
            pos = _skip_value(data, pos, item)
        return pos
    return pos + _GGUF_FIXED[kind]
