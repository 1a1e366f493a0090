"""A GGUF file's header: its metadata keys, their scalar values, and its tensors' names and shapes.

Read by hand rather than with ``gguf.GGUFReader``, which decodes every value and maps every tensor:
2-6 s for SmolLM2-135M's file, against about 20 ms here (most of it stepping over the vocabulary).
What reads it: the model's kind (:mod:`._model_kind`), its weights' size (:mod:`._weight_sizes`) and
its context window (the model card). No torch, no numpy.
"""

from __future__ import annotations

import functools
import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

# GGUF metadata value types (ggml's gguf_type): the fixed-size ones, their struct codes, and 8/9.
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9
_U32, _U64 = struct.Struct("<I"), struct.Struct("<Q")


@dataclass(frozen=True)
class GGUFHeader:
    #: Every metadata key, with its value when it is a number, a boolean or a string (arrays: ``None``).
    fields: dict[str, int | float | bool | str | None]
    #: ``(name, dims)`` of every tensor, ggml's order (the innermost dimension first).
    tensors: tuple[tuple[str, tuple[int, ...]], ...]

    @property
    def architecture(self) -> str:
        value = self.fields.get("general.architecture")
        return value if isinstance(value, str) else ""

    def number(self, key: str) -> int | None:
        """An integer field of the architecture (``context_length``, ``block_count``...)."""
        value = self.fields.get(f"{self.architecture}.{key}")
        return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_gguf_header(path: Path) -> GGUFHeader:
    """The header of a GGUF v2 or v3 file; :class:`ValueError` for anything else.

    Kept per file identity: a load reads it for the model's kind and its size, the card once more.
    """
    stat = path.stat()
    return _cached(path.resolve(), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _cached(path: Path, size: int, mtime_ns: int) -> GGUFHeader:
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        try:
            return _read(data)
        except struct.error as exc:
            raise ValueError(f"{path}: a truncated GGUF header ({exc})") from None


def _read(data: mmap.mmap) -> GGUFHeader:
    if data[:4] != b"GGUF" or _U32.unpack_from(data, 4)[0] < 2:
        raise ValueError("not a GGUF v2+ file")
    (n_tensors,) = _U64.unpack_from(data, 8)
    (n_fields,) = _U64.unpack_from(data, 16)
    at = 24
    fields: dict[str, int | float | bool | str | None] = {}
    for _ in range(n_fields):
        key, at = _string(data, at)
        (kind,) = _U32.unpack_from(data, at)
        at += 4
        if kind == _STRING:
            fields[key], at = _string(data, at)
        elif kind in _SCALARS:
            code = _SCALARS[kind]
            (fields[key],) = struct.unpack_from(f"<{code}", data, at)
            at += struct.calcsize(code)
        else:
            fields[key], at = None, _skip(data, at, kind)
    tensors = []
    for _ in range(n_tensors):
        name, at = _string(data, at)
        (n_dims,) = _U32.unpack_from(data, at)
        dims = struct.unpack_from(f"<{n_dims}Q", data, at + 4)
        at += 4 + 8 * n_dims + 4 + 8  # the dims, then the type and the data offset
        tensors.append((name, tuple(dims)))
    return GGUFHeader(fields, tuple(tensors))


def _string(data: mmap.mmap, at: int) -> tuple[str, int]:
    (length,) = _U64.unpack_from(data, at)
    end = at + 8 + length
    return bytes(data[at + 8 : end]).decode("utf-8", "replace"), end


def _skip(data: mmap.mmap, at: int, kind: int) -> int:
    """The offset after a value of type ``kind`` starting at ``at``."""
    if kind == _STRING:
        return at + 8 + int(_U64.unpack_from(data, at)[0])
    if kind in _SCALARS:
        return at + struct.calcsize(_SCALARS[kind])
    if kind != _ARRAY:
        raise ValueError(f"unknown GGUF value type {kind}")
    (item,) = _U32.unpack_from(data, at)
    (count,) = _U64.unpack_from(data, at + 4)
    at += 12
    if item in _SCALARS:
        return at + struct.calcsize(_SCALARS[item]) * int(count)
    if item == _STRING:  # the vocabulary: tens of thousands, a length before each
        unpack = _U64.unpack_from
        for _ in range(count):
            at += 8 + unpack(data, at)[0]
        return at
    for _ in range(count):  # nested arrays
        at = _skip(data, at, item)
    return at
