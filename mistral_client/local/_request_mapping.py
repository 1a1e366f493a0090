"""API requests mapped onto the local engine: what it cannot honour, the safe prompt, generation params."""

from __future__ import annotations

from typing import Any

from .._backend import APIRequest
from .._exceptions import UnsupportedParameterError
from ..types.requests import ChatCompletionRequest, FIMCompletionRequest
from ._types import GenerationParams

#: Mistral's safety system prompt, which the API prepends when ``safe_prompt=True``.
SAFE_PROMPT = (
    "Always assist with care, respect, and truth. Respond with utmost utility yet securely. "
    "Avoid harmful, unethical, prejudiced, or negative content. "
    "Ensure replies promote fairness and positivity."
)
#: The API's default when a request gives no temperature (it varies by model there).
DEFAULT_TEMPERATURE = 0.7


def reject_http_options(request: APIRequest[Any]) -> None:
    """``extra_body`` and ``extra_query`` speak to an HTTP server; here they would be ignored."""
    for name in ("extra_body", "extra_query"):
        if getattr(request.options, name):
            raise UnsupportedParameterError(
                name, "there is no HTTP request to add it to on the local backend"
            )
    if getattr(request.body, "max_tokens", None) == 0:
        raise UnsupportedParameterError(
            "max_tokens", "0 asks for no tokens; the local backend needs at least 1"
        )


def reject_unsupported_chat(body: ChatCompletionRequest) -> None:
    """Parameters the local engine cannot honour fail loudly rather than being ignored."""
    for name in ("guardrails", "reasoning_effort", "prompt_mode"):
        if getattr(body, name) is not None:
            raise UnsupportedParameterError(name, "not available on the local backend")
    for tool in body.tools or []:
        if tool.type != "function":
            raise UnsupportedParameterError(
                "tools", f"{tool.type!r} is a hosted tool; only function tools run locally"
            )


def with_safe_prompt(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if messages and messages[0].get("role") == "system" and isinstance(messages[0].get("content"), str):
        return [{**messages[0], "content": f"{SAFE_PROMPT}\n\n{messages[0]['content']}"}, *messages[1:]]
    return [{"role": "system", "content": SAFE_PROMPT}, *messages]


def generation_params(
    body: ChatCompletionRequest | FIMCompletionRequest, *, parse_tool_calls: bool
) -> GenerationParams:
    stop = body.stop
    return GenerationParams(
        max_tokens=body.max_tokens or None,
        temperature=DEFAULT_TEMPERATURE if body.temperature is None else body.temperature,
        top_p=1.0 if body.top_p is None else body.top_p,
        stop=(stop,) if isinstance(stop, str) else tuple(stop or ()),
        random_seed=body.random_seed,
        n=getattr(body, "n", None) or 1,
        parse_tool_calls=parse_tool_calls,
        parallel_tool_calls=getattr(body, "parallel_tool_calls", True) is not False,
        presence_penalty=getattr(body, "presence_penalty", None) or 0.0,
        frequency_penalty=getattr(body, "frequency_penalty", None) or 0.0,
        min_tokens=getattr(body, "min_tokens", None) or 0,
    )
