"""Mistral's native layout (params.json + consolidated weights) runs as the same model as its Hugging
Face conversion: dense and mixture-of-experts, safetensors, shards and the original .pth."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("mistral_common")

from click.testing import CliRunner  # noqa: E402

from mistral_client import Client  # noqa: E402
from mistral_client.cli import cli  # noqa: E402
from mistral_client.local import LocalBackend, LocalModelError  # noqa: E402
from mistral_client.local._loader import LoadOptions, load_causal_lm  # noqa: E402
from mistral_client.local._model_files import resolve_model_files  # noqa: E402

from ._tiny_models import build_tiny_hf, mistral_common_data, native_from_hf  # noqa: E402
from .conftest import SPM_V3, TEKKEN  # noqa: E402

# Longer than the models' sliding window (6): a window left out of the config would change the logits.
PROMPT = [1, 5, 900, 33, 7000, 12, 40, 41, 42, 43, 44, 1000, 2000]
MESSAGES = [{"role": "user", "content": "Bonjour, comment vas-tu ?"}]


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each model in Hugging Face layout ("dense", "moe", "tied") and converted to native layouts."""
    root = tmp_path_factory.mktemp("native")
    spm = mistral_common_data(SPM_V3)
    found: dict[str, Path] = {}
    for name, kwargs in {"dense": {}, "moe": {"moe": True}, "tied": {"tied": True}}.items():
        hf = found[name] = build_tiny_hf(root / name, spm, **kwargs)
        layouts = ("safetensors", "shards", "pth") if name != "tied" else ("safetensors",)
        native = {layout: root / f"{name}-{layout}" for layout in layouts}
        native_from_hf(hf, native)
        found.update({f"{name}-{layout}": path for layout, path in native.items()})
    return found


def _model(path: Path, dtype: str = "float32") -> Any:
    return load_causal_lm(resolve_model_files(path), LoadOptions(device="cpu", dtype=dtype))


def _logits(model: Any) -> Any:
    with torch.inference_mode():
        return model(torch.tensor([PROMPT])).logits


@pytest.mark.parametrize(
    "name",
    [
        "dense-safetensors",
        "dense-shards",
        "dense-pth",
        "moe-safetensors",
        "moe-shards",
        "moe-pth",
        "tied-safetensors",
    ],
)
def test_native_layout_is_the_same_model_as_the_hf_conversion(
    checkpoints: dict[str, Path], name: str
) -> None:
    hf, native = _model(checkpoints[name.split("-")[0]]), _model(checkpoints[name])
    assert (
        type(native).__name__
        == type(hf).__name__
        == ("MixtralForCausalLM" if "moe" in name else "MistralForCausalLM")
    )
    # Every weight, bit for bit, under the same name: renaming and the rotary permutation are exact.
    hf_state, native_state = hf.state_dict(), native.state_dict()
    assert hf_state.keys() == native_state.keys()
    assert all(torch.equal(hf_state[key], native_state[key]) for key in hf_state)
    assert all(torch.equal(a, b) for a, b in zip(hf.buffers(), native.buffers(), strict=True))
    # The logits too; the matrix kernels may round the last bit differently for weights that lie at
    # other addresses (memory-mapped files at other offsets), so not bit for bit.
    torch.testing.assert_close(_logits(native), _logits(hf), rtol=0, atol=1e-5)
    if name.startswith("tied"):
        assert native.lm_head.weight.data_ptr() == native.model.embed_tokens.weight.data_ptr()


@pytest.mark.parametrize("name", ["dense", "moe"])
def test_greedy_answers_and_streams_equal_the_hf_conversion(checkpoints: dict[str, Path], name: str) -> None:
    answers = []
    for path in (checkpoints[name], checkpoints[f"{name}-safetensors"]):
        client = Client(backend=LocalBackend(path, device="cpu"))
        response = client.chat.complete(model="m", messages=MESSAGES, temperature=0, max_tokens=12)
        with client.chat.stream(model="m", messages=MESSAGES, temperature=0, max_tokens=12) as stream:
            streamed = "".join(stream.text_deltas())
        assert streamed == response.text
        answers.append((response.text, response.usage))
    assert answers[0] == answers[1]


def test_bfloat16_loads_the_same_weights_cast(checkpoints: dict[str, Path]) -> None:
    hf, native = _model(checkpoints["moe"], "bfloat16"), _model(checkpoints["moe-pth"], "bfloat16")
    assert {p.dtype for p in native.parameters()} == {torch.bfloat16}
    assert all(
        torch.equal(a, b) for a, b in zip(hf.state_dict().values(), native.state_dict().values(), strict=True)
    )


def test_the_rotary_permutation_gives_mistral_inference_attention_scores() -> None:
    """Independently of any conversion: scores from native weights rotated as mistral-inference does
    (interleaved pairs as complex numbers) equal those from the permuted weights rotated as
    transformers does (halves)."""
    from transformers import MistralConfig
    from transformers.models.mistral.modeling_mistral import MistralRotaryEmbedding, apply_rotary_pos_emb

    from mistral_client.local._native_mapping import permute_rotary

    heads, head_dim, dim, seq, theta = 2, 8, 16, 5, 1e6
    generator = torch.Generator().manual_seed(0)
    wq, wk = (torch.randn(heads * head_dim, dim, generator=generator, dtype=torch.float64) for _ in range(2))
    x = torch.randn(seq, dim, generator=generator, dtype=torch.float64)

    # mistral-inference: freqs_cis = polar(1, t * theta^(-2i/d)); x_rot = view_as_complex(x) * freqs_cis.
    freqs = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    cis = torch.polar(
        torch.ones(seq, head_dim // 2, dtype=torch.float64), torch.outer(torch.arange(seq), freqs)
    )

    def native_rotated(w: Any) -> Any:
        pairs = (x @ w.T).reshape(seq, heads, head_dim // 2, 2)
        return torch.view_as_real(torch.view_as_complex(pairs) * cis[:, None, :]).flatten(-2)

    native_scores = torch.einsum("qhd,khd->hqk", native_rotated(wq), native_rotated(wk))

    config = MistralConfig(hidden_size=dim, num_attention_heads=heads, head_dim=head_dim, rope_theta=theta)
    rotary = MistralRotaryEmbedding(config=config)
    hq = (x @ permute_rotary(wq, heads, head_dim).T).reshape(1, seq, heads, head_dim).transpose(1, 2)
    hk = (x @ permute_rotary(wk, heads, head_dim).T).reshape(1, seq, heads, head_dim).transpose(1, 2)
    cos, sin = rotary(hq, torch.arange(seq)[None])
    rq, rk = apply_rotary_pos_emb(hq, hk, cos.double(), sin.double())
    hf_scores = torch.einsum("hqd,hkd->hqk", rq[0], rk[0])
    # The frequencies are float32 in transformers: equal to float32 precision.
    torch.testing.assert_close(hf_scores, native_scores, rtol=1e-5, atol=1e-5)


def test_tekken_and_a_bare_tokenizer_model_are_found(checkpoints: dict[str, Path], tmp_path: Path) -> None:
    tekken = tmp_path / "tekken"
    shutil.copytree(checkpoints["dense-safetensors"], tekken)
    for f in tekken.glob("tokenizer.model*"):
        f.unlink()
    shutil.copy(mistral_common_data(TEKKEN), tekken / "tekken.json")
    assert resolve_model_files(tekken).mistral_tokenizer == tekken / "tekken.json"
    # Mistral 7B v0.1 shipped a bare tokenizer.model: beside a params.json it is Mistral's own.
    v1 = tmp_path / "v1"
    shutil.copytree(checkpoints["dense-safetensors"], v1)
    (v1 / "tokenizer.model.v3").rename(v1 / "tokenizer.model")
    files = resolve_model_files(v1)
    assert files.native and files.mistral_tokenizer == v1 / "tokenizer.model"


def test_token_counting_and_models_list_read_a_native_directory(checkpoints: dict[str, Path]) -> None:
    path = checkpoints["dense-safetensors"]
    backend = LocalBackend(path, device="cpu")
    count = Client(backend=backend).tokens.count(model="m", messages=MESSAGES)
    assert (count.exact, count.context_window) == (True, 512)
    assert backend._engine is None  # counted with the tokenizer alone: no weights read
    runner = CliRunner()
    listed = runner.invoke(cli, ["models", "list", "--local", str(path), "--json"])
    assert listed.exit_code == 0, listed.output
    (card,) = json.loads(listed.output)
    assert card["id"] == path.name and card["max_context_length"] == 512
    # Mistral's v3 tokenizer: tool calls ([TOOL_CALLS]) and FIM ([PREFIX]/[SUFFIX]).
    assert card["capabilities"] == {
        **card["capabilities"],
        "completion_chat": True,
        "function_calling": True,
        "completion_fim": True,
    }
    counted = runner.invoke(
        cli, ["tokens", "count", "--local", str(path), "--json", "Bonjour, comment vas-tu ?"]
    )
    assert counted.exit_code == 0, counted.output
    assert json.loads(counted.output)["tokens"] == count.tokens


# --- what the backend refuses, and how it says so --------------------------------------------------


def _with_params(source: Path, target: Path, **changes: Any) -> Path:
    shutil.copytree(source, target)
    params = json.loads((target / "params.json").read_text())
    params.update(changes)
    (target / "params.json").write_text(json.dumps({k: v for k, v in params.items() if v is not None}))
    return target


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"vision_encoder": {"hidden_size": 1024, "num_channels": 3}}, "vision encoder"),
        ({"multimodal": {"whisper_model_args": {}}}, "vision or audio encoder"),
        ({"model_type": "mamba"}, "model_type 'mamba'"),
        ({"quantization": {"qformat_weight": "fp8_e4m3"}}, "quantized weights"),
        ({"moe": {"num_experts": 4, "num_experts_per_tok": 2, "num_shared_experts": 1}}, "shared experts"),
        ({"dim": None}, "no 'dim'"),
        ({"n_layers": "2"}, "'n_layers' must be a positive integer"),
        ({"sliding_window": [6, None]}, "interleaved sliding windows"),
        ({"n_layers": 3}, "lacks model.layers.2"),
        (
            {"head_dim": 16},
            "'layers.0.attention.wk.weight': a projection of 48 rows does not split into 2 heads of 16",
        ),
        ({"moe": {"num_experts": 4, "num_experts_per_tok": 2}}, "dense feed-forward"),
    ],
)
def test_a_checkpoint_the_backend_cannot_run_is_refused_with_the_reason(
    checkpoints: dict[str, Path], tmp_path: Path, changes: dict[str, Any], reason: str
) -> None:
    path = _with_params(checkpoints["dense-safetensors"], tmp_path / "m", **changes)
    backend = LocalBackend(path, device="cpu")
    with pytest.raises(LocalModelError, match=re.escape(reason)) as info:
        Client(backend=backend).chat.complete(model="m", messages=MESSAGES, max_tokens=1)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "params.json is not valid JSON"),
        (b"[1, 2]", "holds a JSON list, not an object"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_a_malformed_params_json_is_refused(
    checkpoints: dict[str, Path], tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "m"
    shutil.copytree(checkpoints["dense-safetensors"], path)
    (path / "params.json").write_bytes(content)
    with pytest.raises(LocalModelError, match=re.escape(reason)) as info:
        LocalBackend(path, device="cpu").engine  # noqa: B018
    assert info.value.path == str(path / "params.json")


def test_an_unreadable_params_json_is_refused(checkpoints: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "m"
    shutil.copytree(checkpoints["dense-safetensors"], path)
    (path / "params.json").unlink()
    (path / "params.json").mkdir()  # exists, but cannot be read as a file
    with pytest.raises(LocalModelError, match=r"cannot read params\.json"):
        LocalBackend(path, device="cpu").engine  # noqa: B018


@pytest.mark.parametrize(
    ("remove", "reason"),
    [
        ("consolidated-00002-of-00002.safetensors", "consolidated-00002-of-00002.safetensors is missing"),
        ("consolidated-*", "no weights: expected consolidated.safetensors"),
        ("tokenizer.model*", "needs its mistral-common tokenizer"),
    ],
)
def test_missing_files_are_named(
    checkpoints: dict[str, Path], tmp_path: Path, remove: str, reason: str
) -> None:
    path = tmp_path / "m"
    shutil.copytree(checkpoints["dense-shards"], path)
    for f in path.glob(remove):
        f.unlink()
    with pytest.raises(LocalModelError, match=re.escape(reason)):
        LocalBackend(path, device="cpu").engine  # noqa: B018


def test_tensor_parallel_pickles_and_unknown_tensors_are_refused(
    checkpoints: dict[str, Path], tmp_path: Path
) -> None:
    split = tmp_path / "split"
    shutil.copytree(checkpoints["dense-pth"], split)
    shutil.copy(split / "consolidated.00.pth", split / "consolidated.01.pth")
    with pytest.raises(LocalModelError, match="tensor parallelism"):
        LocalBackend(split, device="cpu").engine  # noqa: B018

    extra = tmp_path / "extra"
    shutil.copytree(checkpoints["dense-pth"], extra)
    state = torch.load(extra / "consolidated.00.pth", weights_only=True)
    state["vision_encoder.patch_conv.weight"] = torch.zeros(1)
    torch.save(state, extra / "consolidated.00.pth")
    with pytest.raises(LocalModelError, match=r"unexpected tensor 'vision_encoder\.patch_conv\.weight'"):
        LocalBackend(extra, device="cpu").engine  # noqa: B018
