"""A cache of de-quantized GGUF weights, so a GGUF file is de-quantized once, not on every start.

transformers de-quantizes every GGUF tensor at load time (most of a small model's start-up). The
result is saved as a Hugging Face directory (safetensors + config + tokenizer) under the user cache
directory, keyed by the file's identity (resolved path, size, modification time), the dtype and the
transformers version; later loads read that directory instead, with :func:`load_model`.

``LocalBackend(cache_dir=...)`` or ``MISTRAL_CLIENT_CACHE_DIR`` moves it (default
``$XDG_CACHE_HOME/mistral_client/gguf``, else ``~/.cache/mistral_client/gguf``);
``MISTRAL_CLIENT_GGUF_CACHE=0`` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ENV_DIR = "MISTRAL_CLIENT_CACHE_DIR"
ENV_SWITCH = "MISTRAL_CLIENT_GGUF_CACHE"
_COMPLETE = ".complete"  # written last: a directory without it is an interrupted write
_WEIGHTS = "model.safetensors"
_SOURCE = "source.json"  # the GGUF file and dtype the entry was made from
#: Buffers that are not in the state dict (``persistent=False``), saved so a load needs no ``__init__``.
_BUFFERS = "buffers.safetensors"
#: Part of the entry key: a change in what an entry holds makes new entries, never misread old ones.
_FORMAT = 2

logger = logging.getLogger("mistral_client.local")


def cache_root(cache_dir: str | os.PathLike[str] | None) -> Path | None:
    """Where entries go, or ``None`` when the cache is turned off."""
    if os.environ.get(ENV_SWITCH, "").strip().lower() in ("0", "false", "no", "off"):
        return None
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    configured = os.environ.get(ENV_DIR)
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mistral_client" / "gguf"


def entry_for(root: Path, gguf: Path, dtype: str) -> Path:
    """The entry of one GGUF file de-quantized to ``dtype`` by this transformers version."""
    import transformers

    stat = gguf.stat()
    identity = (
        f"{gguf.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{dtype}|{transformers.__version__}|{_FORMAT}"
    )
    return root / f"{gguf.stem}-{hashlib.sha256(identity.encode()).hexdigest()[:20]}"


def is_complete(entry: Path) -> bool:
    return (entry / _COMPLETE).is_file()


def store(entry: Path, model: Any, tokenizer: Any | None, *, gguf: Path, dtype: str) -> None:
    """Save the model loaded from ``gguf`` (and its Hugging Face tokenizer) as ``entry``.

    Entries this one supersedes (the same file, dtype and transformers version; the file changed or
    the entry format did) are removed: each is the size of the unquantized model. Entries of other
    transformers versions stay, since another environment may share the cache. A failure only logs
    a warning.
    """
    import transformers

    tmp = entry.with_name(f".{entry.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    source = {"gguf": str(gguf.resolve()), "dtype": dtype, "transformers": transformers.__version__}
    try:
        _save_weights(tmp, model)
        if tokenizer is not None:
            tokenizer.save_pretrained(tmp)
        (tmp / _SOURCE).write_text(json.dumps(source))
        (tmp / _COMPLETE).touch()
        try:
            tmp.rename(entry)  # atomic: readers see a whole entry or none
        except OSError:
            if not is_complete(entry):  # not another process winning the race: a real failure
                raise
    except Exception as exc:  # a full disk or a read-only home must not fail the load
        logger.warning("could not cache the de-quantized GGUF weights in %s: %s", entry, exc)
        return
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    size = sum(f.stat().st_size for f in entry.iterdir() if f.is_file())
    logger.info(
        "cached the de-quantized copy of %s (%.0f MB) in %s; later loads read it (delete it to free space)",
        gguf.name,
        size / 1e6,
        entry,
    )
    for other in entry.parent.iterdir():
        # Hidden names are other processes' entries being written.
        if other != entry and not other.name.startswith(".") and _source_of(other) == source:
            logger.info("removing %s, superseded by %s", other, entry)
            discard(other)


def discard(entry: Path) -> None:
    """Remove an entry (superseded, or unreadable so that it can be made again)."""
    # Renamed first (atomic): a reader sees the whole entry or none, never half of one.
    trash = entry.with_name(f".{entry.name}.removed.{uuid.uuid4().hex[:8]}")
    with contextlib.suppress(OSError):
        entry.rename(trash)
        shutil.rmtree(trash, ignore_errors=True)


def _source_of(entry: Path) -> Any:
    try:
        return json.loads((entry / _SOURCE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _save_weights(directory: Path, model: Any) -> None:
    """Config and safetensors of the de-quantized model.

    Not ``save_pretrained``: transformers refuses to serialize a model it loaded from GGUF.
    """
    import copy

    from safetensors.torch import save_file, save_model

    directory.mkdir(parents=True)
    config = copy.deepcopy(model.config)
    if hasattr(config, "quantization_config"):  # the weights saved are plain tensors
        del config.quantization_config
    config.save_pretrained(directory)
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.save_pretrained(directory)
    # save_model (not save_file) drops the duplicates of tied weights (embeddings / lm_head).
    save_model(model, str(directory / _WEIGHTS), metadata={"format": "pt"})
    saved = set(model.state_dict())
    # Cloned: save_file refuses tensors that share memory (inv_freq and its original, often).
    extra = {n: b.detach().clone().contiguous() for n, b in model.named_buffers() if n not in saved}
    save_file(extra, str(directory / _BUFFERS))


def load_model(entry: Path, dtype: Any) -> Any | None:
    """The model of a complete entry, read straight into its modules; ``None`` if the entry is not
    as :func:`store` writes it (the caller then goes through ``from_pretrained``).

    ``from_pretrained`` spends about 0.6 s of a warm start on work a file we wrote ourselves does
    not need: compiling transformers' checkpoint-conversion table for every architecture (~1,200
    regular expressions) and random-initializing the tied embedding it finds missing, since
    ``save_model`` keeps one name per shared tensor. Here the model is built on the meta device
    (no memory, no initialization; the device context is thread-local, unlike patching torch's init
    functions) and the saved tensors are assigned to it without a copy: the weights, their tied
    aliases from the file's metadata, and the buffers no state dict holds (rotary frequencies).
    The same bits, in about 0.03 s for SmolLM2-135M.
    """
    try:
        import torch
        from safetensors import safe_open
        from safetensors.torch import load_file
        from transformers import AutoConfig, AutoModelForCausalLM, GenerationConfig
    except ImportError:
        return None
    weights, buffers = entry / _WEIGHTS, entry / _BUFFERS
    if not buffers.is_file():  # written by an older version: only from_pretrained knows the rest
        return None
    try:
        config = AutoConfig.from_pretrained(str(entry), local_files_only=True)
        with safe_open(str(weights), "pt") as f:
            aliases = f.metadata() or {}
        state = load_file(str(weights))
        # save_model records each dropped duplicate as ``dropped name -> kept name``.
        for dropped, kept in aliases.items():
            if dropped not in state and kept in state:
                state[dropped] = state[kept]
        from mistral_client.local._loader import dtype_kwarg

        with torch.device("meta"):
            model: Any = AutoModelForCausalLM.from_config(config, **{dtype_kwarg(): dtype})  # type: ignore[no-untyped-call]
        model.load_state_dict(state, strict=True, assign=True)  # strict: every weight, nothing else
        for name, tensor in load_file(str(buffers)).items():
            owner, _, attribute = name.rpartition(".")
            model.get_submodule(owner).register_buffer(attribute, tensor, persistent=False)
        model.tie_weights()
        if (entry / "generation_config.json").is_file():
            model.generation_config = GenerationConfig.from_pretrained(str(entry))
    except Exception as exc:  # an entry from another version, a partial file...: not fatal
        logger.info("reading %s directly failed (%s); loading it with from_pretrained", entry, exc)
        return None
    if _left_on_meta(model) or any(p.dtype != dtype for p in model.parameters()):
        return None
    return model


def _left_on_meta(model: Any) -> bool:
    """Whether a tensor built in ``__init__`` was not replaced by a saved one (the model is unusable)."""
    import torch

    def tensors(module: Any) -> Iterator[Any]:
        for value in vars(module).values():
            if isinstance(value, dict):  # _parameters, _buffers
                yield from value.values()
            else:
                yield value

    return any(
        isinstance(t, torch.Tensor) and t.is_meta for module in model.modules() for t in tensors(module)
    )
