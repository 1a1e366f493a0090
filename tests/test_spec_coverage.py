"""docs/coverage.md is what scripts/spec_coverage.py makes of the spec and the endpoint records: a record
added without regenerating the page (``make coverage``) fails here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def coverage() -> ModuleType:
    spec = importlib.util.spec_from_file_location("spec_coverage", ROOT / "scripts" / "spec_coverage.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["spec_coverage"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_committed_page_is_up_to_date(coverage: Any, spec: dict[str, Any]) -> None:
    page = coverage.render(spec, coverage.sdk_records(), coverage.client_methods())
    committed = (ROOT / "docs" / "coverage.md").read_text(encoding="utf-8")
    assert committed == page, "docs/coverage.md is out of date: run `make coverage`"


def test_a_new_record_changes_the_page(coverage: Any, spec: dict[str, Any]) -> None:
    """The check itself: a record for an operation the page lists under client.request moves it."""
    records = coverage.sdk_records()
    methods = coverage.client_methods()
    before = coverage.render(spec, records, methods)
    untyped = [op for op in coverage.operations(spec, records, methods) if not op.methods]
    target = untyped[0]
    name = "custom.operation"
    record = coverage.Record(name, target.method, target.path, False)
    after = coverage.render(spec, [*records, record], {*methods, f"client.{name}"})
    assert after != before
    assert f"| `{target.method} {target.path}` | `client.{name}` |" in after
    typed = sum(1 for op in coverage.operations(spec, records, methods) if op.methods)
    assert f"**{typed + 1}** have a typed method" in after


SPEC = {
    "tags": [{"name": "conversations"}],
    "paths": {
        "/v1/conversations": {
            "post": {"tags": ["conversations"], "operationId": "start", "summary": "Start"}
        },
        "/v1/conversations#stream": {"post": {"tags": ["conversations"], "operationId": "start_stream"}},
        "/v1/conversations/{conversation_id}": {
            "get": {"tags": ["conversations"], "operationId": "get"},
            "delete": {"tags": ["conversations"], "operationId": "delete", "deprecated": True},
        },
        "/v1/chat/completions": {"post": {"tags": ["chat"], "operationId": "chat"}},
    },
}


def test_stream_paths_map_to_stream_records(coverage: Any) -> None:
    record = coverage.Record
    records = [
        record("conversations.start", "POST", "/v1/conversations", False),
        record("conversations.start_stream", "POST", "/v1/conversations", True),
        record("conversations.get", "GET", "/v1/conversations/{id}", False),  # the names may differ
        record("chat.complete", "POST", "/v1/chat/completions", False),
        record("chat.stream", "POST", "/v1/chat/completions", True),  # no #stream path: both forms
    ]
    methods = {f"client.{r.name}" for r in records}
    by_id = {op.operation_id: op.methods for op in coverage.operations(SPEC, records, methods)}
    assert by_id == {
        "start": ("client.conversations.start",),
        "start_stream": ("client.conversations.start_stream",),
        "get": ("client.conversations.get",),
        "delete": (),
        "chat": ("client.chat.complete", "client.chat.stream"),
    }
    page = coverage.render(SPEC, records, methods)
    assert "**4** have a typed method (5 methods" in page
    assert "| conversations | 4 | 3 | 1 |" in page.replace("[conversations](#conversations)", "conversations")
    assert "| delete (deprecated) | `DELETE /v1/conversations/{conversation_id}` | `client.request` |" in page


def test_a_record_off_the_spec_or_off_the_client_fails(coverage: Any) -> None:
    record = coverage.Record
    typo = record("conversations.get", "GET", "/v1/conversation/{id}", False)
    with pytest.raises(coverage.CoverageError, match=r"conversations.get \(GET /v1/conversation/\{id\}\)"):
        coverage.operations(SPEC, [typo], {"client.conversations.get"})
    unnamed = record("conversations_get", "GET", "/v1/conversations/{id}", False)
    with pytest.raises(coverage.CoverageError, match=r"client\.conversations_get is no method of Client"):
        coverage.operations(SPEC, [unnamed], {"client.conversations.get"})


def test_the_script_checks_and_writes(
    coverage: Any, spec: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(coverage, "load_spec", lambda: spec)  # parsed once, by the session fixture
    assert coverage.main(["--check"]) == 0
    stale = tmp_path / "coverage.md"
    stale.write_text("old\n", encoding="utf-8")
    monkeypatch.setattr(coverage, "PAGE", stale)
    monkeypatch.setattr(coverage, "ROOT", tmp_path)
    assert coverage.main(["--check"]) == 1
    assert coverage.main([]) == 0
    assert stale.read_text(encoding="utf-8") == (ROOT / "docs" / "coverage.md").read_text(encoding="utf-8")
