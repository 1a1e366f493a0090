from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

SPEC_PATH = Path(__file__).resolve().parent.parent / "spec" / "mistral-openapi.yaml"


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests must not pick up a developer's real key or server.
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    monkeypatch.delenv("MISTRAL_BASE_URL", raising=False)


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    with SPEC_PATH.open() as f:
        loaded: dict[str, Any] = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return loaded


class SpecValidator:
    """Validates request bodies against the spec's request schemas: a stray field fails."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self._spec = spec

    def __call__(self, schema_name: str, body: bytes | dict[str, Any]) -> None:
        instance = json.loads(body) if isinstance(body, bytes) else body
        schema = {"$ref": f"#/components/schemas/{schema_name}", "components": self._spec["components"]}
        jsonschema.validate(instance, schema, cls=jsonschema.Draft202012Validator)


@pytest.fixture(scope="session")
def validate_request(spec: dict[str, Any]) -> SpecValidator:
    return SpecValidator(spec)


@pytest.fixture
def anyio_backend_name() -> str:
    return "asyncio"


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.param
