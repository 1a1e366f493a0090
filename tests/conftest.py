from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from mistral_client._backend import APIRequest
from mistral_client._http import _HTTPCore
from mistral_client._http._openai_compat import OpenAIBody

from .loopback import Handler, LoopbackServer

_decode = json.JSONDecoder().decode
SPEC_PATH = Path(__file__).resolve().parent.parent / "spec" / "mistral-openapi.yaml"


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests must not pick up a developer's real key or server.
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    monkeypatch.delenv("MISTRAL_BASE_URL", raising=False)


@functools.cache
def load_spec() -> dict[str, Any]:
    """The spec, read once per test session (it takes seconds): treat it as read-only."""
    with SPEC_PATH.open() as f:
        loaded: dict[str, Any] = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return loaded


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return load_spec()


class SpecValidator:
    """Validates request bodies against the spec's request schemas: a stray field fails."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self._spec = spec
        self._validators: dict[str, Any] = {}

    def __call__(self, schema_name: str, body: bytes | dict[str, Any]) -> None:
        # Not json.loads: tests count that function's calls on the SDK's hot path.
        instance = _decode(body.decode()) if isinstance(body, bytes) else body
        validator = self._validators.get(schema_name)
        if validator is None:
            schema = {"$ref": f"#/components/schemas/{schema_name}", "components": self._spec["components"]}
            validator = self._validators[schema_name] = jsonschema.Draft202012Validator(schema)
        validator.validate(instance)


@pytest.fixture(scope="session")
def validate_request(spec: dict[str, Any]) -> SpecValidator:
    return SpecValidator(spec)


# The spec's request schema of each endpoint the SDK sends a body to.
_REQUEST_SCHEMAS = {
    "/v1/chat/completions": "ChatCompletionRequest",
    "/v1/fim/completions": "FIMCompletionRequest",
    "/v1/embeddings": "EmbeddingRequest",
    "/v1/batch/jobs": "CreateBatchJobRequest",
    "/v1/ocr": "OCRRequest",
    "/v1/moderations": "ClassificationRequest",
    "/v1/chat/moderations": "ChatModerationRequest",
    "/v1/classifications": "ClassificationRequest",
    "/v1/chat/classifications": "ChatClassificationRequest",
}
# The same, by operation, for the paths with parameters in them.
_OPERATION_SCHEMAS = {
    "agents.complete": "AgentsCompletionRequest",
    "agents.stream": "AgentsCompletionRequest",
    "beta.agents.create": "CreateAgentRequest",
    "beta.agents.update": "UpdateAgentRequest",
    "beta.conversations.start": "ConversationRequest",
    "beta.conversations.start_stream": "ConversationStreamRequest",
    "beta.conversations.append": "ConversationAppendRequest",
    "beta.conversations.append_stream": "ConversationAppendStreamRequest",
    "beta.conversations.restart": "ConversationRestartRequest",
    "beta.conversations.restart_stream": "ConversationRestartStreamRequest",
}


@pytest.fixture(autouse=True)
def _every_request_body_matches_the_spec(
    monkeypatch: pytest.MonkeyPatch, validate_request: SpecValidator
) -> None:
    """Every body any test makes the HTTP backends send is checked against the spec, so a stray
    or malformed field fails the test that caused it (``extra_body`` is the user's own business)."""
    original = _HTTPCore.serialize_body

    def checked(request: APIRequest[Any]) -> bytes:
        body = original(request)
        schema = _REQUEST_SCHEMAS.get(request.path) or _OPERATION_SCHEMAS.get(request.operation)
        # A body in the OpenAI dialect (dialect="openai") is OpenAI's, not the spec's (seed, ...).
        if schema is not None and not request.options.extra_body and not isinstance(request.body, OpenAIBody):
            validate_request(schema, body)
        return body

    monkeypatch.setattr(_HTTPCore, "serialize_body", staticmethod(checked))


@pytest.fixture
def anyio_backend_name() -> str:
    return "asyncio"


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.param


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], LoopbackServer]]:
    """Start loopback servers with the given handlers; all are stopped after the test."""
    servers: list[LoopbackServer] = []

    def start(handler: Handler) -> LoopbackServer:
        server = LoopbackServer(handler).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)
