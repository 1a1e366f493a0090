"""Loading a causal LM with transformers, from a Hugging Face directory or a GGUF file."""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from mistral_client.local._errors import LocalModelError
from mistral_client.local._model_files import ModelFiles
from mistral_client.local._tokenizer import TokenizerMode

_DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
}


@dataclass(frozen=True)
class LoadOptions:
    """Where and how to run the weights."""

    #: ``"cpu"``, ``"cuda"``, ``"cuda:1"``...; ``None`` picks CUDA when available, else CPU.
    device: str | None = None
    #: ``"float32"``, ``"bfloat16"`` or ``"float16"``; ``None`` picks float32 on CPU (fast everywhere)
    #: and bfloat16 on CUDA (float16 on GPUs without bfloat16).
    dtype: str | None = None
    #: torch intra-op threads. This is process-wide in torch; ``None`` leaves it alone.
    num_threads: int | None = None
    #: Which tokenizer encodes prompts: see :func:`~mistral_client.local._tokenizer.load_prompt_encoder`.
    tokenizer: TokenizerMode = "auto"
    #: Where de-quantized GGUF weights are cached (see :mod:`._gguf_cache`); ``None``: the default.
    cache_dir: str | None = None


def resolve_device(name: str | None) -> torch.device:
    if name is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was requested but torch sees no CUDA device")
    return device


def resolve_dtype(name: str | None, device: torch.device) -> torch.dtype:
    if name is not None:
        try:
            return _DTYPES[name.removeprefix("torch.")]
        except KeyError:
            raise ValueError(f"unsupported dtype {name!r}; choose one of {sorted(_DTYPES)}") from None
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def apply_threads(num_threads: int | None) -> None:
    if num_threads is not None:
        if num_threads < 1:
            raise ValueError("num_threads must be at least 1")
        torch.set_num_threads(num_threads)


def load_causal_lm(files: ModelFiles, options: LoadOptions, *, cache_entry: bool = False) -> Any:
    """Load the model in eval mode on the requested device and dtype.

    ``cache_entry``: ``files.directory`` is an entry of :mod:`._gguf_cache`, which reads it faster.
    """
    from transformers import AutoModelForCausalLM

    device = resolve_device(options.device)
    dtype = resolve_dtype(options.dtype, device)
    apply_threads(options.num_threads)
    if files.native:
        from mistral_client.local._native_model import load_native_model
        from mistral_client.local._native_params import read_params

        return load_native_model(files.directory, read_params(files.directory), dtype, device)
    if files.gguf_file is None and not cache_entry:
        check_model_type(files.directory)
    if cache_entry:
        from mistral_client.local import _gguf_cache

        cached = _gguf_cache.load_model(files.directory, dtype)
        if cached is not None:
            return cached.to(device).eval()
    kwargs: dict[str, Any] = {"local_files_only": True, dtype_kwarg(): dtype}
    if files.gguf_file is not None:
        _check_gguf_support()
        # transformers dequantizes every GGUF tensor to ``dtype`` at load time: memory is that of
        # an unquantized model, and speed that of the unquantized architecture.
        kwargs["gguf_file"] = files.gguf_file
    with _memoized_gguf_name_maps() if files.gguf_file is not None else contextlib.nullcontext():
        model: Any = AutoModelForCausalLM.from_pretrained(str(files.directory), **kwargs)
    return model.to(device).eval()


def check_load_memory(files: ModelFiles, options: LoadOptions) -> None:
    """Refuse a CPU load whose weights (at the load dtype) and KV allowance exceed the memory available.

    On a GPU, torch raises its own out-of-memory error, which leaves the process alive.
    """
    from mistral_client.local._memory import MemoryEstimate, check_memory, format_bytes, kv_cache_bytes
    from mistral_client.local._weight_sizes import weight_sizes

    device = resolve_device(options.device)
    if device.type != "cpu":
        return
    sizes = weight_sizes(files)
    if sizes is None:
        return
    dtype = resolve_dtype(options.dtype, device)

    def estimate(value_size: int) -> MemoryEstimate:
        return MemoryEstimate(
            sizes.bytes_as(value_size),
            kv_cache_bytes(sizes.kv_width, value_size),
            f"{str(dtype).removeprefix('torch.')} weights",
        )

    fixes = []
    if dtype.itemsize > 2:
        fixes.append(f'dtype="bfloat16" (about {format_bytes(estimate(2).total)})')
    fixes.append('a quantized GGUF of the model run by llama.cpp (engine="llama.cpp")')
    path = files.directory / files.gguf_file if files.gguf_file is not None else files.directory
    check_memory(path, estimate(dtype.itemsize), fixes)


def check_model_type(directory: Path) -> None:
    """A config.json that cannot be read, or an architecture the installed transformers does not know,
    as a one-line :class:`LocalModelError`."""
    import transformers
    from transformers import CONFIG_MAPPING

    path = directory / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LocalModelError(path, f"cannot read config.json: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise LocalModelError(path, f"config.json is not valid JSON: {exc}") from exc
    model_type = config.get("model_type") if isinstance(config, dict) else None
    if isinstance(model_type, str) and model_type not in CONFIG_MAPPING:
        raise LocalModelError(
            path,
            f"config.json declares model_type {model_type!r}, an architecture transformers "
            f"{transformers.__version__} does not know (a newer release may: pip install -U transformers)",
        )


def dtype_kwarg() -> str:
    """The ``from_pretrained`` keyword naming the dtype in the installed transformers."""
    import transformers

    # transformers 4.56 renamed ``torch_dtype`` to ``dtype`` (the old name warns, later fails).
    major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
    return "dtype" if (major, minor) >= (4, 56) else "torch_dtype"


def _check_gguf_support() -> None:
    import transformers

    needed = ["gguf"]
    if int(transformers.__version__.split(".")[0]) >= 5:
        needed.append("accelerate")  # transformers 5 refuses GGUF files without it
    missing = [m for m in needed if importlib.util.find_spec(m) is None]
    if missing:
        raise ImportError(
            f"loading GGUF weights through transformers needs {' and '.join(missing)}: "
            f"pip install {' '.join(missing)}"
        )


@contextlib.contextmanager
def _memoized_gguf_name_maps() -> Iterator[None]:
    """Memoize ``gguf.get_tensor_name_map`` while transformers loads a GGUF file.

    transformers rebuilds the (read-only) name map once per submodule, ~400 times for a small
    Llama, which costs about a third of the load time; the map depends only on its arguments.
    """
    import gguf

    original = getattr(gguf, "get_tensor_name_map", None)
    if original is None:
        yield
        return
    gguf.get_tensor_name_map = functools.lru_cache(maxsize=None)(original)
    try:
        yield
    finally:
        gguf.get_tensor_name_map = original
