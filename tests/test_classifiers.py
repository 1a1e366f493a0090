"""``client.classifiers``: moderation and classification of texts and of chats, against a loopback
server; bodies checked against the spec's request schemas (tests/conftest.py), the responses typed,
unknown fields and categories kept, errors precise; sync and async (asyncio and trio)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

import mistral_client as mc
from mistral_client import AsyncClient, Client
from mistral_client.types import ClassificationResponse, ModerationResponse, UserMessage

from .conftest import SpecValidator
from .documents_api import SCORES, DocumentsAPI, moderation_response
from .loopback import LoopbackServer

Serve = Callable[[Any], LoopbackServer]
MODERATION = "mistral-moderation-latest"
CONVERSATION: list[Any] = [
    {"role": "system", "content": "Be kind."},
    {"role": "user", "content": "How do I pick a lock?"},
    {"role": "assistant", "content": "Call a locksmith."},
]


@pytest.fixture
def server(serve: Serve) -> LoopbackServer:
    return serve(DocumentsAPI())


@pytest.fixture
def client(server: LoopbackServer) -> Client:
    return Client(api_key="k", base_url=server.url, max_retries=0)


def _sent(server: LoopbackServer) -> list[tuple[str, Any]]:
    return [(r.path, json.loads(r.body)) for r in server.requests]


def test_moderate_one_text_or_a_list(client: Client, server: LoopbackServer) -> None:
    one = client.classifiers.moderate(model=MODERATION, input="I will hurt you")
    many = client.classifiers.moderate(model=MODERATION, input=["a", "b", "c"], metadata={"app": "forum"})
    assert isinstance(one, ModerationResponse) and len(one.results) == 1 and len(many.results) == 3
    assert not any(result.flagged for result in many.results)
    result = one.results[0]
    assert result.flagged and result.flagged_categories == ["violence_and_threats"]
    assert result.category_scores == SCORES and result.categories["pii"] is False
    assert one.id == "mod-1" and one.model == MODERATION
    assert _sent(server) == [
        ("/v1/moderations", {"model": MODERATION, "input": "I will hurt you"}),
        ("/v1/moderations", {"model": MODERATION, "input": ["a", "b", "c"], "metadata": {"app": "forum"}}),
    ]


def test_moderate_chat_takes_a_conversation_or_several(client: Client, server: LoopbackServer) -> None:
    one = client.classifiers.moderate_chat(model=MODERATION, input=CONVERSATION)
    several = client.classifiers.moderate_chat(
        model=MODERATION, input=[CONVERSATION, [UserMessage(content="Hello")]]
    )
    assert len(one.results) == 1 and len(several.results) == 2
    (_, first), (_, second) = _sent(server)
    assert first == {"model": MODERATION, "input": CONVERSATION}
    assert second["input"][1] == [{"role": "user", "content": "Hello"}]


def test_classify_and_classify_chat(client: Client, server: LoopbackServer) -> None:
    texts = client.classifiers.classify(model="ft:classifier:abc", input=["Where is my parcel?", "Thanks!"])
    chat = client.classifiers.classify_chat(model="ft:classifier:abc", input={"messages": CONVERSATION})
    chats = client.classifiers.classify_chat(
        model="ft:classifier:abc", input=[{"messages": CONVERSATION}, {"messages": CONVERSATION[1:2]}]
    )
    assert isinstance(texts, ClassificationResponse) and len(texts.results) == 2
    assert texts.results[0]["intent"].scores == {"question": 0.8, "complaint": 0.2}
    assert len(chat.results) == 1 and len(chats.results) == 2
    paths = [path for path, _ in _sent(server)]
    assert paths == ["/v1/classifications", "/v1/chat/classifications", "/v1/chat/classifications"]
    assert _sent(server)[1][1] == {"model": "ft:classifier:abc", "input": {"messages": CONVERSATION}}


def test_every_body_matches_the_spec(
    client: Client, server: LoopbackServer, validate_request: SpecValidator
) -> None:
    client.classifiers.moderate(model=MODERATION, input="x")
    client.classifiers.moderate_chat(model=MODERATION, input=CONVERSATION)
    client.classifiers.classify(model="c", input=["x"])
    client.classifiers.classify_chat(model="c", input={"messages": CONVERSATION})
    schemas = [
        "ClassificationRequest",
        "ChatModerationRequest",
        "ClassificationRequest",
        "ChatClassificationRequest",
    ]
    for schema, (_, body) in zip(schemas, _sent(server), strict=True):
        validate_request(schema, body)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.classifiers.moderate(model=MODERATION, input=3), "input"),
        (lambda c: c.classifiers.moderate(model=MODERATION), "input"),
        (lambda c: c.classifiers.moderate(model=MODERATION, input="x", inputs="x"), "inputs"),
        (
            lambda c: c.classifiers.moderate_chat(
                model=MODERATION, input=[{"role": "robot", "content": "x"}]
            ),
            "input",
        ),
        (lambda c: c.classifiers.moderate_chat(model=MODERATION, input="x", metadata={}), "metadata"),
        (lambda c: c.classifiers.classify_chat(model="c", input={"msgs": []}), "input"),
    ],
)
def test_bad_input_fails_before_anything_is_sent(
    client: Client, server: LoopbackServer, call: Callable[[Client], Any], field: str
) -> None:
    with pytest.raises(mc.InvalidRequestError) as info:
        call(client)
    assert any(name.startswith(field) for name, _ in info.value.errors), info.value.errors
    assert server.requests == []


def test_unknown_fields_and_categories_are_kept(serve: Serve) -> None:
    body = moderation_response(1)
    body["usage"] = {"prompt_tokens": 7, "total_tokens": 7, "completion_tokens": 0}
    body["results"][0]["categories"] = {**body["results"][0]["categories"], "jailbreaking": True}
    body["results"][0]["category_scores"] = {**body["results"][0]["category_scores"], "jailbreaking": 0.97}
    body["results"][0]["new_field"] = "kept"
    server = serve(lambda request, conn: conn.respond_json(200, body))
    response = Client(api_key="k", base_url=server.url).classifiers.moderate(model=MODERATION, input="x")
    result = response.results[0]
    assert "jailbreaking" in result.flagged_categories and result.category_scores["jailbreaking"] == 0.97
    assert result.model_extra == {"new_field": "kept"} and response.model_extra is not None
    assert response.model_extra["usage"]["prompt_tokens"] == 7


def test_an_odd_score_keeps_the_other_results(serve: Serve) -> None:
    body = moderation_response(2)
    body["results"][1] = {**body["results"][1], "category_scores": {"sexual": "low"}}
    server = serve(lambda request, conn: conn.respond_json(200, body))
    response = Client(api_key="k", base_url=server.url).classifiers.moderate(
        model=MODERATION, input=["a", "b"]
    )
    assert response.results[0].category_scores == SCORES
    assert response.results[1].category_scores == {} and response.results[1].flagged  # categories still there
    assert response.results[1].model_extra == {"category_scores": {"sexual": "low"}}


def test_retries_and_error_classes(serve: Serve) -> None:
    server = serve(DocumentsAPI(failures=[502, 503]))
    client = Client(
        api_key="k", base_url=server.url, retry_policy=mc.RetryPolicy(initial_delay=0.001, max_delay=0.002)
    )
    assert client.classifiers.moderate(model=MODERATION, input="x").results
    assert len(server.requests) == 3
    server = serve(DocumentsAPI(failures=[422]))
    with pytest.raises(mc.UnprocessableEntityError) as info:
        Client(api_key="k", base_url=server.url).classifiers.classify(model="c", input="x")
    assert info.value.status_code == 422 and len(server.requests) == 1  # not retried
    server = serve(DocumentsAPI(failures=[401]))
    with pytest.raises(mc.AuthenticationError):
        Client(api_key="k", base_url=server.url).classifiers.moderate_chat(
            model=MODERATION, input=CONVERSATION
        )


def test_raw_responses(client: Client) -> None:
    raw = client.classifiers.with_raw_response.moderate(model=MODERATION, input="I will hurt you")
    assert raw.status_code == 200 and raw.parse().results[0].flagged
    assert (
        client.classifiers.with_raw_response.classify_chat(model="c", input={"messages": CONVERSATION})
        .parse()
        .results
    )


@pytest.mark.anyio
async def test_async(server: LoopbackServer, anyio_backend: str) -> None:
    async with AsyncClient(api_key="k", base_url=server.url, max_retries=0) as client:
        moderated = await client.classifiers.moderate(model=MODERATION, input=["a", "b"])
        chat = await client.classifiers.moderate_chat(model=MODERATION, input=CONVERSATION)
        classified = await client.classifiers.classify(model="c", input="a")
        chats = await client.classifiers.classify_chat(model="c", input=[{"messages": CONVERSATION}])
        raw = await client.classifiers.with_raw_response.moderate(model=MODERATION, input="a")
    assert [len(r.results) for r in (moderated, chat, classified, chats)] == [2, 1, 1, 1]
    assert raw.status_code == 200 and len(server.requests) == 5
