"""Locating the weights and tokenizer inside a local model path."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

# A bare ``tokenizer.model`` is also what Llama-style repos ship; only trust it as a Mistral
# tokenizer when the config says the architecture is Mistral's.
_MISTRAL_MODEL_TYPES = frozenset({"mistral", "mixtral", "mistral3", "ministral", "pixtral"})
_SPM_VERSIONED = re.compile(r"^tokenizer\.model\.v(\d+)(m\d+)?$")


class ModelPathError(FileNotFoundError):
    """The path holds no loadable model."""


@dataclass(frozen=True)
class ModelFiles:
    """Where a model's pieces are: a Hugging Face directory, or a GGUF file in a directory."""

    directory: Path
    #: File name of the GGUF weights inside ``directory``, when loading from GGUF.
    gguf_file: str | None = None
    #: A tokenizer file mistral-common can load, when the directory ships one.
    mistral_tokenizer: Path | None = None


def resolve_model_files(path: str | os.PathLike[str]) -> ModelFiles:
    """Find the weights and tokenizer under ``path`` (a model directory or a ``.gguf`` file)."""
    p = Path(path).expanduser()
    if p.is_file():
        if p.suffix != ".gguf":
            raise ModelPathError(f"{p} is a file but not a .gguf file; pass the model directory instead")
        return ModelFiles(p.parent, p.name, find_mistral_tokenizer(p.parent))
    if not p.is_dir():
        raise ModelPathError(f"model path {p} does not exist")
    if (p / "config.json").is_file():
        return ModelFiles(p, None, find_mistral_tokenizer(p))
    ggufs = sorted(f.name for f in p.glob("*.gguf"))
    if len(ggufs) == 1:
        return ModelFiles(p, ggufs[0], find_mistral_tokenizer(p))
    if ggufs:
        raise ModelPathError(f"{p} holds several GGUF files ({', '.join(ggufs)}); pass one of them")
    hint = (
        " (Mistral's native consolidated format needs a Hugging Face conversion)"
        if (p / "params.json").is_file()
        else ""
    )
    raise ModelPathError(f"{p} has neither a config.json nor a .gguf file{hint}")


def find_mistral_tokenizer(directory: Path) -> Path | None:
    """Pick the tokenizer mistral-common should load: tekken first, then the newest SentencePiece."""
    tekken = sorted(directory.glob("*tekken*.json"))
    if tekken:
        # ``tekken.json`` is the canonical name; other matches are older or alternative files.
        exact = directory / "tekken.json"
        return exact if exact in tekken else tekken[-1]
    versioned: list[tuple[int, str, Path]] = []
    for f in directory.glob("tokenizer.model.v*"):
        m = _SPM_VERSIONED.match(f.name)
        if m and f.is_file():
            versioned.append((int(m.group(1)), m.group(2) or "", f))
    if versioned:
        return max(versioned)[2]
    plain = directory / "tokenizer.model"
    if plain.is_file() and _model_type(directory) in _MISTRAL_MODEL_TYPES:
        return plain
    return None


def _model_type(directory: Path) -> str | None:
    try:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    return model_type if isinstance(model_type, str) else None
