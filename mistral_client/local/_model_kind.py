"""What a model path holds, told from its metadata alone (no weights read, no torch).

So that a chat request to an embedding model (or the reverse) fails with one line naming the path and
the kind, instead of a library's load report and an error about a missing chat template.
"""

from __future__ import annotations

import json
import mmap
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Task = Literal["chat", "embeddings", "unknown"]

#: GGUF architectures that are encoders: they embed, they do not chat.
_GGUF_ENCODERS = frozenset(
    {"bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3", "t5encoder", "modern-bert"}
)
_GENERATIVE_SUFFIXES = ("ForCausalLM", "ForConditionalGeneration", "LMHeadModel")

#: What each task needs, for messages.
NEEDS = {
    "chat": "a chat model (a causal language model: a Hugging Face directory, a .gguf file or "
    "Mistral's native params.json layout)",
    "embeddings": "a sentence-embedding model (a Hugging Face directory such as all-MiniLM-L6-v2)",
}


@dataclass(frozen=True)
class ModelKind:
    """What a local model is: its main ``task``, the tasks it ``serves``, and a ``description`` for
    messages ("a GGUF chat model (llama)", "a sentence-embedding model (BertModel)")."""

    task: Task
    description: str
    #: A causal LM in a Hugging Face directory also embeds (its hidden states, pooled).
    serves: frozenset[Task] = frozenset()

    def refusal(self, needed: Task) -> str | None:
        """Why this model cannot serve ``needed``, or ``None`` when it can (or its kind is unknown)."""
        if self.task == "unknown" or needed == self.task or needed in self.serves:
            return None
        what = "chat and FIM" if needed == "chat" else needed
        return f"it is {self.description}; {what} need {NEEDS[needed]}"


def model_kind(path: Path) -> ModelKind:
    """The kind of the model at ``path`` (a directory or a ``.gguf`` file)."""
    if path.is_file() and path.suffix == ".gguf":
        return _gguf_kind(path)
    if path.is_dir():
        if (path / "config.json").is_file():
            return _config_kind(path)
        ggufs = sorted(path.glob("*.gguf"))
        if len(ggufs) == 1:
            return _gguf_kind(ggufs[0])
        if (path / "params.json").is_file():
            return ModelKind("chat", "a Mistral chat model in Mistral's native layout (params.json)")
    return ModelKind("unknown", "a model of unknown kind")


def _config_kind(directory: Path) -> ModelKind:
    try:
        config: Any = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ModelKind("unknown", "a model whose config.json cannot be read")
    architectures = config.get("architectures") if isinstance(config, dict) else None
    names = [a for a in architectures if isinstance(a, str)] if isinstance(architectures, list) else []
    shown = ", ".join(names) or str(config.get("model_type", "unknown architecture"))
    if (directory / "modules.json").is_file():  # a sentence-transformers model
        return ModelKind("embeddings", f"a sentence-embedding model ({shown})")
    if any(name.endswith(_GENERATIVE_SUFFIXES) for name in names):
        return ModelKind("chat", f"a chat model ({shown})", frozenset({"embeddings"}))
    if names:  # BertModel, XLMRobertaModel, MistralModel (e5-mistral), BertForMaskedLM...
        return ModelKind("embeddings", f"an encoder model for embeddings ({shown})")
    return ModelKind("unknown", f"a model of unknown kind ({shown})")


def _gguf_kind(file: Path) -> ModelKind:
    try:
        architecture, keys = _gguf_header(file)
    except (OSError, ValueError, struct.error):  # not a readable GGUF: the loader will say why
        return ModelKind("unknown", "a GGUF model of unknown kind")
    if architecture in _GGUF_ENCODERS or f"{architecture}.pooling_type" in keys:
        return ModelKind("embeddings", f"a GGUF embedding model ({architecture})")
    return ModelKind("chat", f"a GGUF chat model ({architecture or 'unknown architecture'})")


# Fixed sizes of GGUF metadata value types (8 is a string, 9 an array).
_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def _gguf_header(file: Path) -> tuple[str, set[str]]:
    """``general.architecture`` and the metadata keys of a GGUF file (v2 or v3), values skipped.

    Read by hand rather than with ``gguf.GGUFReader``, which decodes every value and maps every
    tensor: 2 s for SmolLM2-135M, against about 20 ms here (most of it skipping the vocabulary).
    """
    with file.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        u32: Callable[[mmap.mmap, int], tuple[int]] = struct.Struct("<I").unpack_from
        u64: Callable[[mmap.mmap, int], tuple[int]] = struct.Struct("<Q").unpack_from
        if data[:4] != b"GGUF" or u32(data, 4)[0] < 2:
            raise ValueError("not a GGUF v2+ file")
        (count,) = u64(data, 16)
        offset = 24

        def skip(kind: int, at: int) -> int:
            if kind == 8:
                return at + 8 + u64(data, at)[0]
            if kind == 9:
                item, items = u32(data, at)[0], u64(data, at + 4)[0]
                at += 12
                if item in _SIZES:
                    return at + _SIZES[item] * items
                if item == 8:  # strings: a length before each
                    for _ in range(items):
                        at += 8 + u64(data, at)[0]
                    return at
                for _ in range(items):
                    at = skip(item, at)
                return at
            if kind in _SIZES:
                return at + _SIZES[kind]
            raise ValueError(f"unknown GGUF value type {kind}")

        architecture, keys = "", set()
        for _ in range(count):
            length = u64(data, offset)[0]
            key = data[offset + 8 : offset + 8 + length].decode("utf-8", "replace")
            offset += 8 + length
            kind = u32(data, offset)[0]
            offset += 4
            keys.add(key)
            if key == "general.architecture" and kind == 8:
                size = u64(data, offset)[0]
                architecture = data[offset + 8 : offset + 8 + size].decode("utf-8", "replace")
            offset = skip(kind, offset)
        return architecture, keys
