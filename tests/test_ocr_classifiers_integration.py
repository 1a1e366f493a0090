"""OCR and the classifiers around the client: the Batch API (typed items, over HTTP and in-process),
the FakeBackend, the OpenTelemetry spans and the local backend's refusal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import mistral_client as mc
from mistral_client import AsyncClient, Client
from mistral_client.local import LocalBackend
from mistral_client.testing import FakeBackend, FakeBackendError
from mistral_client.types import ClassificationResponse, ModerationResponse, OCRResponse

from . import test_seam
from .bulk_server import BulkAPI
from .conftest import SpecValidator
from .documents_api import classification_response, moderation_response, ocr_response, pdf_bytes
from .loopback import LoopbackServer

Serve = Callable[[Any], LoopbackServer]
spans = test_seam.spans  # the fixture: the spans finished, read back from an in-memory exporter
POLL = 0.005
CONVERSATION = [{"role": "user", "content": "Is this fine?"}]


class DocumentsBulkAPI(BulkAPI):
    """The Batch API mock, answering each request of a job as the OCR and classifier endpoints do."""

    def answer(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        if endpoint == "/v1/ocr":
            return ocr_response(document_annotation='{"title": "t"}')
        count = len(body["input"]) if isinstance(body["input"], list) else 1
        if endpoint == "/v1/chat/moderations":
            count = len(body["input"]) if isinstance(body["input"][0], list) else 1
        if "moderations" in endpoint:
            return moderation_response(count)
        if "classifications" in endpoint:
            return classification_response(count)
        return super().answer(endpoint, body)


# (endpoint, model, requests, response type)
BATCHES: list[tuple[str, str, list[dict[str, Any]], type[Any]]] = [
    (
        "/v1/ocr",
        "mistral-ocr-latest",
        [{"document": "https://x.example/a.pdf", "pages": [0]}] * 3,
        OCRResponse,
    ),
    (
        "/v1/moderations",
        "mistral-moderation-latest",
        [{"input": ["a", "b"]}, {"input": "c"}],
        ModerationResponse,
    ),
    ("/v1/chat/moderations", "mistral-moderation-latest", [{"input": CONVERSATION}] * 2, ModerationResponse),
    ("/v1/classifications", "ft:classifier:abc", [{"input": "where is my parcel"}], ClassificationResponse),
    (
        "/v1/chat/classifications",
        "ft:classifier:abc",
        [{"input": {"messages": CONVERSATION}}],
        ClassificationResponse,
    ),
]


@pytest.mark.parametrize(("endpoint", "model", "requests", "kind"), BATCHES, ids=[b[0] for b in BATCHES])
def test_batch_run_gives_typed_items(
    serve: Serve,
    validate_request: SpecValidator,
    endpoint: str,
    model: str,
    requests: list[dict[str, Any]],
    kind: type[Any],
) -> None:
    # The mock checks every line of the job against the endpoint's request schema.
    server = serve(DocumentsBulkAPI(validate=validate_request))
    with Client(api_key="k", base_url=server.url) as client:
        result = client.batch.run(endpoint=endpoint, model=model, requests=requests, poll_interval=POLL)
    assert result.job.status == "SUCCESS" and len(result.items) == len(requests)
    assert all(isinstance(item.response, kind) for item in result.items)
    create = json.loads(next(r.body for r in server.requests if r.path == "/v1/batch/jobs"))
    assert create["endpoint"] == endpoint and create["model"] == model


def test_a_batch_of_local_files_goes_inline_and_is_checked_first(serve: Serve, tmp_path: Path) -> None:
    server = serve(DocumentsBulkAPI())
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(pdf_bytes())
    client = Client(api_key="k", base_url=server.url)
    with pytest.raises(mc.InvalidRequestError, match=r"requests\.1\.document"):
        client.batch.start(
            endpoint="/v1/ocr",
            model="mistral-ocr-latest",
            requests=[{"document": pdf}, {"document": tmp_path / "no.pdf"}],
        )
    assert server.requests == []
    result = client.batch.run(
        endpoint="/v1/ocr", model="mistral-ocr-latest", requests=[{"document": pdf}], poll_interval=POLL
    )
    line = json.loads(next(r.body for r in server.requests if r.path == "/v1/batch/jobs"))["requests"][0]
    assert line["body"]["document"]["document_url"].startswith("data:application/pdf;base64,")
    response = result.responses[0]
    assert isinstance(response, OCRResponse) and "Hello OCR" in response.markdown


def test_batch_in_process_on_the_fake() -> None:
    def responder(request: Any) -> Any:
        if request.operation == "ocr.process":
            return ocr_response()
        return moderation_response(len(request.params["input"]))

    client = Client(backend=FakeBackend(responder))
    ocr = client.batch.run(
        endpoint="/v1/ocr", model="m", requests=[{"document": "https://x.example/a.pdf"}] * 2
    )
    moderated = client.batch.run(endpoint="/v1/moderations", model="m", requests=[{"input": ["a", "b"]}])
    assert [type(r) for r in ocr.responses] == [OCRResponse, OCRResponse]
    assert isinstance(moderated.responses[0], ModerationResponse) and len(moderated.responses[0].results) == 2


# --- FakeBackend ----------------------------------------------------------------------------------


def test_the_fake_answers_with_a_model_or_a_dict_and_records_the_request(tmp_path: Path) -> None:
    fake = FakeBackend()
    fake.add_response(OCRResponse.model_validate(ocr_response()))
    fake.add_response({"id": "m", "model": "mod", "results": [{"categories": {"pii": True}}]})
    fake.add_response(classification_response(1))
    fake.add_error(mc.RateLimitError)
    client = Client(backend=fake)
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(pdf_bytes())
    assert "Hello OCR" in client.ocr.process(model="mistral-ocr-latest", document=pdf, pages="0").markdown
    assert client.classifiers.moderate_chat(model="mod", input=CONVERSATION).results[0].flagged
    assert client.classifiers.classify(model="c", input="x").results[0]["intent"].scores["question"] == 0.8
    with pytest.raises(mc.RateLimitError):
        client.classifiers.moderate(model="mod", input="x")
    ocr, moderation, classification, _ = fake.requests
    assert ocr.operation == "ocr.process" and ocr.params["pages"] == "0"
    assert ocr.params["document"]["document_url"].startswith("data:application/pdf;base64,")
    assert (moderation.operation, moderation.params["input"]) == ("classifiers.moderate_chat", CONVERSATION)
    assert classification.operation == "classifiers.classify" and classification.model == "c"


def test_a_text_answer_for_ocr_or_a_classifier_is_a_test_mistake() -> None:
    fake = FakeBackend().add_response("# Title").add_response(embeddings=[[0.1]])
    client = Client(backend=fake)
    with pytest.raises(FakeBackendError, match=r"does not fit ocr\.process; queue its response as a dict"):
        client.ocr.process(model="m", document="https://x.example/a.pdf")
    with pytest.raises(FakeBackendError, match=r"does not fit classifiers\.moderate"):
        client.classifiers.moderate(model="m", input="x")


def test_the_fake_parses_annotations() -> None:
    from pydantic import BaseModel

    class Title(BaseModel):
        title: str

    fake = FakeBackend().add_response(ocr_response(document_annotation='{"title": "Hi"}'))
    response = Client(backend=fake).ocr.parse(
        model="m", document="https://x.example/a.pdf", document_annotation_format=Title
    )
    assert response.parsed == Title(title="Hi")
    sent = fake.requests[0].params["document_annotation_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["name"] == "Title"


# --- tracing --------------------------------------------------------------------------------------


def test_each_operation_has_its_span(spans: Callable[[], list[Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    moderation = moderation_response(1)
    moderation["usage"] = {"prompt_tokens": 3, "completion_tokens": 0, "total_tokens": 3}
    fake = FakeBackend()
    for answer in (
        ocr_response(),
        moderation,
        moderation_response(1),
        classification_response(1),
        classification_response(1),
    ):
        fake.add_response(answer)
    client = Client(backend=fake)
    client.ocr.process(model="mistral-ocr-latest", document=pdf_bytes())
    client.classifiers.moderate(model="mistral-moderation-latest", input="x")
    client.classifiers.moderate_chat(model="mistral-moderation-latest", input=CONVERSATION)
    client.classifiers.classify(model="ft:c", input=["x"])
    client.classifiers.classify_chat(model="ft:c", input={"messages": CONVERSATION})
    names = [span.name for span in spans()]
    assert names == [
        "ocr mistral-ocr-latest",
        "moderations mistral-moderation-latest",
        "moderations mistral-moderation-latest",
        "classifications ft:c",
        "classifications ft:c",
    ]
    ocr, moderate, moderate_chat, classify, classify_chat = (dict(span.attributes or {}) for span in spans())
    assert ocr["gen_ai.operation.name"] == "ocr" and ocr["gen_ai.response.model"] == "mistral-ocr-latest"
    assert "gen_ai.usage.input_tokens" not in ocr  # OCR's usage is pages, not tokens
    # The document's kind, never its (inline) data.
    assert json.loads(str(ocr["gen_ai.input.messages"])) == [
        {"role": "user", "parts": [{"type": "document_url"}]}
    ]
    assert moderate["gen_ai.operation.name"] == "moderations"
    assert "gen_ai.usage.input_tokens" not in moderate  # an unknown "usage" field is not trusted
    assert json.loads(str(moderate["gen_ai.input.messages"]))[0]["parts"] == [
        {"type": "text", "content": "x"}
    ]
    expected = [{"role": "user", "parts": [{"type": "text", "content": "Is this fine?"}]}]
    assert json.loads(str(moderate_chat["gen_ai.input.messages"])) == expected
    assert json.loads(str(classify_chat["gen_ai.input.messages"])) == expected
    assert classify["gen_ai.operation.name"] == "classifications"


# --- the local backend ----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_local_backend_refuses_them_naming_the_operation(
    tmp_path: Path, anyio_backend: str
) -> None:
    backend = LocalBackend(tmp_path)  # nothing loads: the refusal comes first
    client, aclient = Client(backend=backend), AsyncClient(backend=backend)
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("ocr.process", lambda: client.ocr.process(model="m", document="https://x.example/a.pdf")),
        ("classifiers.moderate", lambda: client.classifiers.moderate(model="m", input="x")),
        (
            "classifiers.moderate_chat",
            lambda: client.classifiers.moderate_chat(model="m", input=CONVERSATION),
        ),
        ("classifiers.classify", lambda: client.classifiers.classify(model="m", input="x")),
        (
            "classifiers.classify_chat",
            lambda: client.classifiers.classify_chat(model="m", input={"messages": CONVERSATION}),
        ),
    ]
    for operation, call in calls:
        with pytest.raises(mc.UnsupportedOperationError) as info:
            call()
        assert info.value.operation == operation and "LocalBackend" in info.value.backend
        assert operation in str(info.value)
    with pytest.raises(mc.UnsupportedOperationError, match=r"ocr\.process"):
        await aclient.ocr.process(model="m", document="https://x.example/a.pdf")
    # In a batch, each item says so.
    result = client.batch.run(endpoint="/v1/moderations", model="m", requests=[{"input": "x"}])
    error = result.items[0].error
    assert error is not None and "does not serve this operation" in error.message
