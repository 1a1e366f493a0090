"""Locating the weights and tokenizer inside a local model path."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from mistral_client.local._errors import LocalModelError
from mistral_client.local._native_params import PARAMS_FILE, is_native

# A bare ``tokenizer.model`` is also what Llama-style repos ship; only trust it as a Mistral
# tokenizer when the config says the architecture is Mistral's.
_MISTRAL_MODEL_TYPES = frozenset({"mistral", "mixtral", "mistral3", "ministral", "pixtral"})
_SPM_VERSIONED = re.compile(r"^tokenizer\.model\.v(\d+)(m\d+)?$")


class ModelPathError(LocalModelError, FileNotFoundError):
    """The path holds no loadable model (a :class:`FileNotFoundError` too, as it was before)."""


@dataclass(frozen=True)
class ModelFiles:
    """Where a model's pieces are: a Hugging Face directory, a native Mistral checkpoint directory,
    or a GGUF file in a directory."""

    directory: Path
    #: File name of the GGUF weights inside ``directory``, when loading from GGUF.
    gguf_file: str | None = None
    #: A tokenizer file mistral-common can load, when the directory ships one.
    mistral_tokenizer: Path | None = None
    #: Mistral's own layout: ``params.json`` and ``consolidated`` weights (see :mod:`._native_params`).
    native: bool = False


def resolve_model_files(path: str | os.PathLike[str]) -> ModelFiles:
    """Find the weights and tokenizer under ``path`` (a model directory or a ``.gguf`` file)."""
    p = Path(path).expanduser()
    if p.is_file():
        if p.suffix != ".gguf":
            raise ModelPathError(p, "a file but not a .gguf file; pass the model directory instead")
        return ModelFiles(p.parent, p.name, find_mistral_tokenizer(p.parent))
    if not p.is_dir():
        raise ModelPathError(p, "no such file or directory")
    if (p / "config.json").is_file():
        return ModelFiles(p, None, find_mistral_tokenizer(p))
    if is_native(p):
        tokenizer = find_mistral_tokenizer(p)
        if tokenizer is None:
            raise ModelPathError(
                p,
                f"a native checkpoint ({PARAMS_FILE}) needs its mistral-common tokenizer beside it: "
                "tekken.json or tokenizer.model.v*",
            )
        return ModelFiles(p, None, tokenizer, native=True)
    ggufs = sorted(f.name for f in p.glob("*.gguf"))
    if len(ggufs) == 1:
        return ModelFiles(p, ggufs[0], find_mistral_tokenizer(p))
    if ggufs:
        raise ModelPathError(p, f"several GGUF files ({', '.join(ggufs)}); pass one of them")
    raise ModelPathError(p, f"neither a config.json, a {PARAMS_FILE} nor a .gguf file")


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
    # Mistral 7B v0.1 shipped a bare tokenizer.model beside its params.json.
    if plain.is_file() and (is_native(directory) or _model_type(directory) in _MISTRAL_MODEL_TYPES):
        return plain
    return None


def _model_type(directory: Path) -> str | None:
    try:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    return model_type if isinstance(model_type, str) else None


def declared_context_length(files: ModelFiles) -> int | None:
    """The context window the model's files declare, read without loading the model."""
    if files.native:
        from mistral_client.local._native_params import read_params

        return read_params(files.directory).context_length
    if files.gguf_file is not None:
        from mistral_client.local._gguf_header import read_gguf_header

        try:
            return read_gguf_header(files.directory / files.gguf_file).number("context_length")
        except (OSError, ValueError):
            return None
    try:
        config = json.loads((files.directory / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict):
        return None
    config = config.get("text_config", config)
    value = config.get("max_position_embeddings") if isinstance(config, dict) else None
    return value if isinstance(value, int) else None
