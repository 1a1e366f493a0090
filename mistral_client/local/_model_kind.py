"""What a model path holds, told from its metadata alone (no weights read, no torch).

So that a chat request to an embedding model (or the reverse) fails with one line naming the path and
the kind, instead of a library's load report and an error about a missing chat template.
"""

from __future__ import annotations

import json
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
    "embeddings": "a sentence-embedding model (a Hugging Face directory such as all-MiniLM-L6-v2, or an "
    "embedding model's GGUF with the llama.cpp engine)",
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
    from mistral_client.local._gguf_header import read_gguf_header

    try:
        header = read_gguf_header(file)
    except (OSError, ValueError):  # not a readable GGUF: the loader will say why
        return ModelKind("unknown", "a GGUF model of unknown kind")
    architecture = header.architecture
    if architecture in _GGUF_ENCODERS or f"{architecture}.pooling_type" in header.fields:
        return ModelKind("embeddings", f"a GGUF embedding model ({architecture})")
    return ModelKind("chat", f"a GGUF chat model ({architecture or 'unknown architecture'})")
