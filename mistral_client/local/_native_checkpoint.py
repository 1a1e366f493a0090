"""The weight files of a native checkpoint, and the tensors in them.

Mistral ships ``consolidated.safetensors``, shards of it (``consolidated-00001-of-00002.safetensors``,
each holding whole tensors), or, for its first releases, ``consolidated.00.pth`` (a torch pickle,
read with ``weights_only=True``: tensors only, no code). Finding the files needs no torch.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mistral_client.local._errors import LocalModelError

_SINGLE = "consolidated.safetensors"
_SHARD = re.compile(r"^consolidated-(\d+)-of-(\d+)\.safetensors$")
_PICKLE = re.compile(r"^consolidated\.(\d+)\.pth$")


def weight_files(directory: Path) -> list[Path]:
    """The checkpoint's weight files, in order; :class:`LocalModelError` when none or some are missing."""
    single = directory / _SINGLE
    if single.is_file():
        return [single]
    shards: dict[int, Path] = {}
    totals = set()
    for f in directory.glob("consolidated-*-of-*.safetensors"):
        match = _SHARD.match(f.name)
        if match:
            shards[int(match.group(1))] = f
            totals.add(int(match.group(2)))
    if shards:
        if len(totals) != 1:
            raise LocalModelError(
                directory, f"shards of different sets: {sorted(f.name for f in shards.values())}"
            )
        (total,) = totals
        missing = [i for i in range(1, total + 1) if i not in shards]
        if missing:
            width = len(next(iter(shards.values())).name.split("-")[1])
            names = ", ".join(f"consolidated-{i:0{width}d}-of-{total:0{width}d}.safetensors" for i in missing)
            raise LocalModelError(directory, f"the checkpoint has {total} shards and {names} is missing")
        return [shards[i] for i in range(1, total + 1)]
    pickles = sorted(f.name for f in directory.glob("consolidated.*.pth") if _PICKLE.match(f.name))
    if len(pickles) == 1:
        return [directory / pickles[0]]
    if pickles:
        raise LocalModelError(
            directory,
            f"{', '.join(pickles)} split every tensor across files (tensor parallelism), which the "
            "local backend does not merge; use a consolidated.safetensors release of the model",
        )
    raise LocalModelError(
        directory,
        "params.json but no weights: expected consolidated.safetensors, "
        "consolidated-0000i-of-0000n.safetensors shards or consolidated.00.pth",
    )


def read_tensors(files: list[Path]) -> Iterator[tuple[str, Any]]:
    """``(name, tensor)`` of every tensor of the files, one at a time (safetensors are memory-mapped)."""
    from safetensors import safe_open

    for f in files:
        if f.suffix == ".safetensors":
            with safe_open(str(f), "pt") as checkpoint:
                for name in checkpoint.keys():  # noqa: SIM118 (not a dict)
                    yield name, checkpoint.get_tensor(name)
        else:
            yield from _read_pickle(f).items()


def _read_pickle(path: Path) -> dict[str, Any]:
    import torch

    try:
        # mmap: tensors are read from the file as they are used, not all at once.
        state = torch.load(str(path), map_location="cpu", weights_only=True, mmap=True)
    except RuntimeError:  # the legacy (pre-zip) format cannot be memory-mapped
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or not all(isinstance(t, torch.Tensor) for t in state.values()):
        raise LocalModelError(path, "the file is not a flat dictionary of tensors")
    return state
