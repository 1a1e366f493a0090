"""A native checkpoint loaded into transformers' model class, tensor by tensor.

The model is built on the meta device (no memory, no random initialization), then each tensor of
the checkpoint is read, cast to the dtype, renamed and permuted (:mod:`._native_mapping`) and
assigned to its module without a further copy: memory peaks at the model's size plus a tensor (a
layer's experts, for a mixture of experts), never two copies of the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from mistral_client.local._errors import LocalModelError
from mistral_client.local._native_checkpoint import read_tensors, weight_files
from mistral_client.local._native_mapping import MappingError, hf_tensors
from mistral_client.local._native_params import NativeParams, hf_config


def load_native_model(directory: Path, params: NativeParams, dtype: torch.dtype, device: torch.device) -> Any:
    """The model of ``directory`` (params.json + consolidated weights), in eval mode on ``device``."""
    from transformers import AutoModelForCausalLM

    from mistral_client.local._loader import dtype_kwarg

    config = hf_config(params)
    with torch.device("meta"):
        model: Any = AutoModelForCausalLM.from_config(config, **{dtype_kwarg(): dtype})  # type: ignore[no-untyped-call]
    expected = model.state_dict()
    fused = any(name.endswith(".mlp.experts.gate_up_proj") for name in expected)
    native = ((name, tensor.to(dtype)) for name, tensor in read_tensors(weight_files(directory)))
    state: dict[str, torch.Tensor] = {}
    try:
        for name, tensor in hf_tensors(native, params, fused_experts=fused):
            reference = expected.get(name)
            if reference is None:
                raise MappingError(
                    f"{name!r} has no place in the {type(model).__name__} params.json describes"
                )
            if tensor.shape != reference.shape:
                raise MappingError(
                    f"{name!r} is {tuple(tensor.shape)} in the checkpoint, "
                    f"{tuple(reference.shape)} for the model params.json describes"
                )
            state[name] = tensor.to(device).contiguous()
    except MappingError as exc:
        raise LocalModelError(directory, str(exc)) from None
    if params.tied_embeddings and "lm_head.weight" in expected:
        state.setdefault("lm_head.weight", state.get("model.embed_tokens.weight"))  # type: ignore[arg-type]
    missing = sorted(name for name in expected if state.get(name) is None)
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise LocalModelError(directory, f"the checkpoint lacks {shown}")
    model.load_state_dict(state, strict=True, assign=True)
    _rebuild_buffers(model, config, device, directory)
    model.tie_weights()
    return model.eval()


def _rebuild_buffers(model: Any, config: Any, device: torch.device, directory: Path) -> None:
    """Make again, on ``device``, the modules whose buffers no checkpoint holds (rotary frequencies).

    They were built on the meta device with the rest; building them from the config computes the same
    values ``from_pretrained`` does. Only parameter-free modules are rebuilt, so no weight is replaced.
    """
    for name, module in list(model.named_modules()):
        if not any(b.is_meta for b in module.buffers(recurse=False)):
            continue
        if any(True for _ in module.parameters()):
            raise LocalModelError(directory, f"{name}: buffers with no value, in a module with weights")
        parent_name, _, attribute = name.rpartition(".")
        with torch.device(device):
            fresh = type(module)(config=config)
        setattr(model.get_submodule(parent_name), attribute, fresh)
