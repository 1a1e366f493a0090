"""Will the model fit? The memory a load needs, checked against what the machine has available.

Loading weights that do not fit does not fail cleanly: the kernel kills the process part-way (or
swaps it to a standstill). So before reading any weight, an engine states what it needs as a
:class:`MemoryEstimate` (its weights at the size it holds them, plus a KV cache allowance) and calls
:func:`check_memory`, which refuses with both numbers and the way out. Any engine can use it: the
torch engine estimates de-quantized or cast weights (:mod:`._weight_sizes`), an engine that runs
quantized weights in place would give their file size.

"Available" is Linux's ``MemAvailable`` (free memory plus the page cache the kernel can drop),
capped by the process's cgroup v2 memory limit (containers); swap does not count. Where neither
can be read (macOS, Windows), nothing is checked. ``MISTRAL_CLIENT_MEMORY_CHECK=0`` turns the
check off.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mistral_client.local._errors import LocalModelError

ENV_SWITCH = "MISTRAL_CLIENT_MEMORY_CHECK"
#: The KV cache a load leaves room for: this many tokens in all, shared by the requests in flight.
KV_ALLOWANCE_TOKENS = 4096
MEMINFO = Path("/proc/meminfo")
#: Where the memory cgroup is mounted: its v2 files there, v1's under ``memory/``.
CGROUP_ROOT = Path("/sys/fs/cgroup")
_PROC_CGROUP = Path("/proc/self/cgroup")


@dataclass(frozen=True)
class MemoryEstimate:
    """What a load needs, in bytes."""

    #: The weights as the engine holds them (cast or de-quantized to its dtype, or as stored).
    weights: int
    #: The KV cache allowance (:func:`kv_cache_bytes`).
    kv_cache: int
    #: What the weights are, for the message: ``"float32 weights"``, ``"Q4_K_M weights"``...
    what: str = "weights"
    kv_tokens: int = KV_ALLOWANCE_TOKENS

    @property
    def total(self) -> int:
        return self.weights + self.kv_cache


def kv_cache_bytes(kv_width: int, bytes_per_value: int, tokens: int = KV_ALLOWANCE_TOKENS) -> int:
    """The keys and values of ``tokens`` tokens; ``kv_width`` is, summed over the layers, the width
    of a layer's keys (``num_key_value_heads * head_dim``)."""
    return 2 * kv_width * bytes_per_value * tokens


def check_memory(path: str | os.PathLike[str], estimate: MemoryEstimate, fixes: Sequence[str] = ()) -> None:
    """Raise :class:`LocalModelError` when ``estimate`` exceeds the memory available.

    ``fixes`` are the ways out, as the message should say them (``'dtype="bfloat16" (about 14.5 GiB)'``).
    """
    if os.environ.get(ENV_SWITCH, "").strip().lower() in ("0", "false", "no", "off"):
        return
    available = available_memory()
    if available is None or estimate.total <= available:
        return
    ways = " or ".join(fixes) if fixes else "a smaller model"
    raise LocalModelError(
        path,
        f"not enough memory: the model needs about {format_bytes(estimate.total)} "
        f"({format_bytes(estimate.weights)} of {estimate.what} and a KV cache of "
        f"{format_bytes(estimate.kv_cache)} for {estimate.kv_tokens:,} tokens) and "
        f"{format_bytes(available)} is available. Use {ways}; "
        f"{ENV_SWITCH}=0 skips this check",
    )


def available_memory() -> int | None:
    """Bytes this process can still allocate without swapping, or ``None`` when unknown."""
    limits = [value for value in (_mem_available(MEMINFO), _cgroup_room()) if value is not None]
    return min(limits) if limits else None


def format_bytes(size: int) -> str:
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GiB"
    return f"{size / 1024**2:.0f} MiB"


def _mem_available(meminfo: Path) -> int | None:
    try:
        text = meminfo.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key == "MemAvailable":
            number, _, unit = value.strip().partition(" ")
            try:
                return int(number) * (1024 if unit.strip() == "kB" else 1)
            except ValueError:
                return None
    return None


def _cgroup_room() -> int | None:
    """What this process's memory cgroup still allows, when it sets a limit (containers).

    cgroup v2 (``memory.max``) or v1 (``memory.limit_in_bytes``); the usage counts the page cache
    charged to the group, so its inactive part (which the kernel drops first) is left out.
    """
    rooms = []
    for directory, limit_file, usage_file, inactive_key in _cgroup_dirs():
        try:
            limit = (directory / limit_file).read_text(encoding="ascii").strip()
            usage = int((directory / usage_file).read_text(encoding="ascii").strip())
            stat = (directory / "memory.stat").read_text(encoding="ascii")
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        if not limit.isdigit() or int(limit) >= _NO_LIMIT:  # "max", or v1's page-rounded 2**63
            continue
        inactive = next(
            (int(line.split()[1]) for line in stat.splitlines() if line.split()[:1] == [inactive_key]), 0
        )
        rooms.append(max(0, int(limit) - (usage - inactive)))
    return min(rooms) if rooms else None


_NO_LIMIT = 2**60


def _cgroup_dirs() -> list[tuple[Path, str, str, str]]:
    v2 = [CGROUP_ROOT]
    try:
        lines = _PROC_CGROUP.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    own = next((line[3:] for line in lines if line.startswith("0::")), "/")
    if own.strip("/"):
        v2.append(CGROUP_ROOT / own.strip("/"))
    dirs = [(d, "memory.max", "memory.current", "inactive_file") for d in v2]
    dirs.append(
        (CGROUP_ROOT / "memory", "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")
    )
    return dirs
