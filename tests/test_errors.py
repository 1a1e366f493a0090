"""Each failure kind has its class, with the status, request id, body and the server's message."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
import respx

import mistral_client as mc
from mistral_client import Client

from .loopback import chat_response

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, mc.BadRequestError),
        (401, mc.AuthenticationError),
        (403, mc.PermissionDeniedError),
        (404, mc.NotFoundError),
        (409, mc.ConflictError),
        (422, mc.UnprocessableEntityError),
        (429, mc.RateLimitError),
        (500, mc.InternalServerError),
        (503, mc.InternalServerError),
        (418, mc.APIStatusError),
    ],
)
def test_status_maps_to_error_class(status: int, error_class: type[mc.APIStatusError]) -> None:
    client = Client(api_key="k", base_url="http://x", max_retries=0)
    body = {"object": "error", "message": f"boom {status}", "type": "x", "request_id": "body-rid"}
    with respx.mock(using="httpcore2", base_url="http://x") as router:
        router.post("/v1/chat/completions").respond(status, json=body, headers={"x-request-id": "hdr-rid"})
        with pytest.raises(error_class) as info:
            client.chat.complete(model="m", messages=MESSAGES)
    error = info.value
    assert type(error) is error_class
    assert (
        isinstance(error, mc.APIStatusError)
        and isinstance(error, mc.APIError)
        and isinstance(error, mc.MistralError)
    )
    assert error.status_code == status
    assert error.request_id == "hdr-rid"
    assert error.body == body
    assert error.response.status_code == status
    assert f"boom {status}" in str(error) and str(status) in str(error)


def test_request_id_from_body_when_no_header() -> None:
    client = Client(api_key="k", base_url="http://x", max_retries=0)
    with respx.mock(using="httpcore2", base_url="http://x") as router:
        router.post("/v1/chat/completions").respond(400, json={"message": "bad", "request_id": "body-rid"})
        with pytest.raises(mc.BadRequestError) as info:
            client.chat.complete(model="m", messages=MESSAGES)
    assert info.value.request_id == "body-rid"


def test_422_exposes_parsed_detail() -> None:
    detail = [{"loc": ["body", "messages", 0, "content"], "msg": "Field required", "type": "missing"}]
    client = Client(api_key="k", base_url="http://x", max_retries=0)
    with respx.mock(using="httpcore2", base_url="http://x") as router:
        router.post("/v1/chat/completions").respond(422, json={"detail": detail})
        with pytest.raises(mc.UnprocessableEntityError) as info:
            client.chat.complete(model="m", messages=MESSAGES)
    assert info.value.detail == detail
    assert "body.messages.0.content: Field required" in str(info.value)


def test_non_json_error_body() -> None:
    client = Client(api_key="k", base_url="http://x", max_retries=0)
    with respx.mock(using="httpcore2", base_url="http://x") as router:
        router.post("/v1/chat/completions").respond(502, text="<html>Bad gateway</html>")
        with pytest.raises(mc.InternalServerError, match="Bad gateway") as info:
            client.chat.complete(model="m", messages=MESSAGES)
    assert info.value.body == "<html>Bad gateway</html>"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (b"not json at all", "<root>"),
        (b'{"choices": "nope"}', "choices"),
        (
            b'{"choices": [{"index": 0, "message": {"role": "assistant", "content": 5}}]}',
            "choices.0.message.content",
        ),
    ],
)
def test_unparsable_response_is_a_mistral_error_naming_the_field(payload: bytes, field: str) -> None:
    client = Client(api_key="k", base_url="http://x", max_retries=0)
    with respx.mock(using="httpcore2", base_url="http://x") as router:
        router.post("/v1/chat/completions").respond(200, content=payload, headers={"x-request-id": "r"})
        with pytest.raises(mc.APIResponseValidationError) as info:
            client.chat.complete(model="m", messages=MESSAGES)
    assert info.value.field.startswith(field)
    assert info.value.request_id == "r"
    assert isinstance(info.value, mc.MistralError)


def test_unknown_fields_and_enum_values_parse() -> None:
    payload: dict[str, Any] = chat_response()
    payload["brand_new"] = {"x": 1}
    payload["choices"][0]["finish_reason"] = "thought_too_hard"
    payload["choices"][0]["message"]["content"] = [
        {"type": "text", "text": "a"},
        {"type": "hologram", "data": "..."},
    ]
    client = Client(api_key="k", base_url="http://x")
    with respx.mock(using="httpcore2", base_url="http://x") as router:
        router.post("/v1/chat/completions").respond(200, json=payload, headers={"x-request-id": "rid-7"})
        result = client.chat.complete(model="m", messages=MESSAGES)
    assert result.model_extra == {"brand_new": {"x": 1}}
    assert result.choices[0].finish_reason == "thought_too_hard"
    assert result.text == "a"
    assert result.request_id == "rid-7"


def test_connection_refused_is_api_connection_error() -> None:
    client = Client(api_key="k", base_url="http://127.0.0.1:9", max_retries=0)
    with pytest.raises(mc.APIConnectionError) as info:
        client.models.list()
    assert not isinstance(info.value, mc.APITimeoutError)
    assert not isinstance(info.value.__cause__, type(None)) and isinstance(
        info.value.__cause__, httpx2.ConnectError
    )


def test_models_endpoints() -> None:
    client = Client(api_key="k", base_url="http://x")
    card = {
        "id": "ft:open-mistral-7b:1",
        "type": "fine-tuned",
        "job": "j",
        "root": "open-mistral-7b",
        "capabilities": {"completion_chat": True},
        "archived": False,
    }
    with respx.mock(using="httpcore2", base_url="http://x") as router:
        router.get("/v1/models/ft%3Aopen-mistral-7b%3A1").respond(200, json=card)
        router.delete("/v1/models/ft%3Aopen-mistral-7b%3A1").respond(
            200, json={"id": "ft:open-mistral-7b:1", "object": "model", "deleted": True}
        )
        router.get("/v1/models", params={"provider": "mistral"}).respond(
            200, json={"object": "list", "data": [card]}
        )
        retrieved = client.models.retrieve("ft:open-mistral-7b:1")
        deleted = client.models.delete("ft:open-mistral-7b:1")
        listed = client.models.list(provider="mistral")
    assert isinstance(retrieved, mc.types.FTModelCard) and retrieved.capabilities.completion_chat
    assert deleted.deleted
    assert listed.data[0].id == "ft:open-mistral-7b:1"


def test_raw_response_gives_headers_rate_limits_and_parse() -> None:
    client = Client(api_key="k", base_url="http://x")
    headers = {
        "x-request-id": "rid-9",
        "x-ratelimit-limit-requests": "100",
        "x-ratelimit-remaining-requests": "99",
        "x-ratelimit-limit-tokens": "5000",
        "x-ratelimit-remaining-tokens": "4990",
        "x-ratelimit-reset-tokens": "1s",
    }
    with respx.mock(using="httpcore2", base_url="http://x") as router:
        router.post("/v1/chat/completions").respond(200, json=chat_response(), headers=headers)
        raw = client.chat.with_raw_response.complete(model="m", messages=MESSAGES)
    assert raw.status_code == 200
    assert raw.request_id == "rid-9"
    assert raw.headers["x-ratelimit-limit-requests"] == "100"
    assert raw.rate_limit.limit_requests == 100 and raw.rate_limit.remaining_tokens == 4990
    assert raw.rate_limit.reset_tokens == "1s"
    assert raw.retries_taken == 0 and raw.elapsed >= 0
    parsed = raw.parse()
    assert parsed is raw.parse()
    assert parsed.text == "Bonjour !" and parsed.request_id == "rid-9"
