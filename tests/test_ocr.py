"""``client.ocr.process`` and ``client.ocr.parse`` against a loopback server: local files sent inline
by their type, URLs and chunks, annotations typed, the response as the spec has it, retries and
errors; sync and async (asyncio and trio). Every request body is checked against the spec's
``OCRRequest`` (tests/conftest.py)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from typing_extensions import TypedDict

import mistral_client as mc
from mistral_client import AsyncClient, Client
from mistral_client._documents import sniff_mime_type
from mistral_client.types import OCRResponse, OCRTableBlock, OCRUnknownBlock, ParsedOCRResponse

from .conftest import SpecValidator
from .documents_api import DocumentsAPI, image_bytes, ocr_response, pdf_bytes, sent_document
from .loopback import LoopbackServer

Serve = Callable[[Any], LoopbackServer]
MODEL = "mistral-ocr-latest"


class Invoice(BaseModel):
    title: str
    total: float


class Figure(BaseModel):
    kind: str
    description: str


@pytest.fixture
def server(serve: Serve) -> LoopbackServer:
    return serve(DocumentsAPI())


@pytest.fixture
def client(server: LoopbackServer) -> Client:
    return Client(api_key="k", base_url=server.url, max_retries=0)


# --- documents ------------------------------------------------------------------------------------


def test_a_real_pdf_from_a_path_goes_inline_as_a_document(
    client: Client, server: LoopbackServer, tmp_path: Path
) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(pdf_bytes("Quarterly report"))
    response = client.ocr.process(model=MODEL, document=pdf)
    assert sent_document(server.requests[0]) == ("document_url", "application/pdf", pdf.read_bytes())
    assert json.loads(server.requests[0].body)["document"]["document_name"] == "report.pdf"
    assert isinstance(response, OCRResponse) and response.request_id == "req-ocr"
    assert response.usage_info.pages_processed == 2 and response.model == MODEL


def test_a_real_png_from_bytes_and_from_a_binary_file_goes_inline_as_an_image(
    client: Client, server: LoopbackServer, tmp_path: Path
) -> None:
    pytest.importorskip("PIL")
    png = image_bytes("PNG")
    client.ocr.process(model=MODEL, document=png)
    path = tmp_path / "scan.png"
    path.write_bytes(png)
    with path.open("rb") as file:
        client.ocr.process(model=MODEL, document=file)
    for request in server.requests:
        assert sent_document(request) == ("image_url", "image/png", png)


@pytest.mark.parametrize(
    ("format", "mime"),
    [("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("GIF", "image/gif"), ("AVIF", "image/avif")],
)
def test_each_image_type_is_told_by_its_content(
    client: Client, server: LoopbackServer, tmp_path: Path, format: str, mime: str
) -> None:
    pytest.importorskip("PIL")
    data = image_bytes(format)
    assert sniff_mime_type(data) == mime
    # The suffix says PDF; the bytes say otherwise, and they decide.
    misnamed = tmp_path / "scan.pdf"
    misnamed.write_bytes(data)
    client.ocr.process(model=MODEL, document=misnamed)
    assert sent_document(server.requests[0]) == ("image_url", mime, data)


def test_urls_and_chunks(client: Client, server: LoopbackServer) -> None:
    client.ocr.process(model=MODEL, document="https://arxiv.org/pdf/2201.04234")
    client.ocr.process(model=MODEL, document="data:image/png;base64,iVBORw0KGgo=")
    file_id = "8b3f2a1e-4c5d-4e6f-9a0b-1c2d3e4f5a6b"
    client.ocr.process(model=MODEL, document={"type": "file", "file_id": file_id})
    client.ocr.process(
        model=MODEL, document={"image_url": {"url": "https://x.example/a.png", "detail": "high"}}
    )
    documents = [json.loads(r.body)["document"] for r in server.requests]
    assert documents == [
        {"type": "document_url", "document_url": "https://arxiv.org/pdf/2201.04234"},
        {"type": "image_url", "image_url": "data:image/png;base64,iVBORw0KGgo="},
        {"type": "file", "file_id": file_id},
        {"type": "image_url", "image_url": {"url": "https://x.example/a.png", "detail": "high"}},
    ]


def test_every_field_of_the_request_is_sent_as_the_spec_names_it(
    client: Client, server: LoopbackServer, validate_request: SpecValidator
) -> None:
    schema = {"type": "json_schema", "json_schema": {"name": "doc", "schema": {"type": "object"}}}
    client.ocr.process(
        model=MODEL,
        document="https://x.example/a.pdf",
        pages="0,2-4",
        include_image_base64=True,
        image_limit=3,
        image_min_size=50,
        bbox_annotation_format=schema,
        document_annotation_format=schema,
        document_annotation_prompt="Extract the title",
        table_format="html",
        extract_header=True,
        extract_footer=True,
        include_blocks=False,
        confidence_scores_granularity="word",
    )
    client.ocr.process(model=MODEL, document="https://x.example/a.pdf", pages=[0, 1])
    first, second = (json.loads(r.body) for r in server.requests)
    validate_request("OCRRequest", first)
    assert first["pages"] == "0,2-4" and first["include_blocks"] is False and first["table_format"] == "html"
    assert first["document_annotation_format"]["json_schema"]["schema"] == {"type": "object"}
    # Unset fields stay unset: the server's defaults apply.
    assert second == {
        "model": MODEL,
        "document": {"type": "document_url", "document_url": "https://x.example/a.pdf"},
        "pages": [0, 1],
    }


@pytest.mark.parametrize(
    ("document", "field_message", "text"),
    [
        ("invoice.pdf", "a URL, a path", "is not a URL"),
        (r"C:\scans\invoice.pdf", "a URL, a path", "is not a URL"),
        (Path("/no/such/invoice.pdf"), "no such file", "no file at '/no/such/invoice.pdf'"),
        (b"plain text, not a document", "not a PDF or an image", "starts with b'plain te'"),
        (b"", "not a PDF or an image", "is empty"),
        (io.StringIO("text"), "a text-mode file", "open it with 'rb'"),
        (42, "a URL, a path", "got int"),
        ({"type": "document_url"}, "document.document_url", "Field required"),
    ],
)
def test_a_document_that_cannot_be_sent_fails_before_anything_is_sent(
    client: Client, server: LoopbackServer, document: Any, field_message: str, text: str
) -> None:
    with pytest.raises(mc.InvalidRequestError) as info:
        client.ocr.process(model=MODEL, document=document)
    assert text in str(info.value) and "nothing was sent" in str(info.value)
    assert any(field_message in f"{field}: {message}" for field, message in info.value.errors)
    assert server.requests == []


def test_a_local_file_of_an_unknown_type_or_a_text_mode_file_or_a_directory(
    client: Client, server: LoopbackServer, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    with pytest.raises(mc.InvalidRequestError, match=r"'notes.txt' is not a PDF, PNG"):
        client.ocr.process(model=MODEL, document=notes)
    with (
        notes.open() as text_file,
        pytest.raises(mc.InvalidRequestError, match=r"notes\.txt' is open in text mode"),
    ):
        client.ocr.process(model=MODEL, document=text_file)
    with pytest.raises(mc.InvalidRequestError, match="is a directory"):
        client.ocr.process(model=MODEL, document=tmp_path)
    assert server.requests == []


def test_annotation_formats_must_be_json_schemas(client: Client, server: LoopbackServer) -> None:
    with pytest.raises(mc.InvalidRequestError) as info:
        client.ocr.process(
            model=MODEL,
            document="https://x.example/a.pdf",
            bbox_annotation_format={"type": "json_object"},
            document_annotation_prompt="Summarize",
        )
    assert {field for field, _ in info.value.errors} == {
        "bbox_annotation_format",
        "document_annotation_prompt",
    }
    with pytest.raises(mc.InvalidRequestError, match="unknown parameter"):
        client.ocr.process(model=MODEL, document="https://x.example/a.pdf", page=[0])  # type: ignore[call-arg]
    assert server.requests == []


# --- responses ------------------------------------------------------------------------------------


def test_the_response_has_every_spec_field_and_the_markdown_in_page_order(client: Client) -> None:
    response = client.ocr.process(model=MODEL, document="https://x.example/a.pdf", include_image_base64=True)
    assert response.markdown == "# Hello OCR\n\n![img-0.png](img-0.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    first, second = sorted(response.pages, key=lambda page: page.index)
    image = first.images[0]
    assert (image.id, image.top_left_x, image.bottom_right_y) == ("img-0.png", 10, 80)
    assert image.image_base64 is not None and image.image_base64.startswith("data:image/png;base64,")
    assert first.dimensions is not None and first.dimensions.dpi == 200
    assert (
        first.confidence_scores is not None
        and first.confidence_scores.word_confidence_scores[0].text == "Hello"
    )
    assert second.tables[0].format == "markdown" and second.hyperlinks == ["https://mistral.ai"]
    assert second.footer == "page 2" and second.header is None
    assert second.blocks is not None
    table, unknown = second.blocks
    assert isinstance(table, OCRTableBlock) and table.table_id == "tbl-0.md"
    # A block type from a newer server is kept, with what it carries.
    assert isinstance(unknown, OCRUnknownBlock) and unknown.type == "marginalia"
    assert unknown.content == "a block type from a newer server"


def test_unknown_fields_and_enum_values_and_odd_values_keep_the_response(serve: Serve) -> None:
    body = ocr_response()
    body["brand_new"] = {"x": 1}
    body["pages"][0]["tables"][0]["format"] = "latex"
    body["pages"][0]["dimensions"] = {"dpi": "high", "height": 1, "width": 1}
    body["usage_info"] = {"pages_processed": 2, "billed_pages": 2}
    server = serve(lambda request, conn: conn.respond_json(200, body))
    response = Client(api_key="k", base_url=server.url).ocr.process(
        model=MODEL, document="https://x.example/a.pdf"
    )
    assert response.model_extra == {"brand_new": {"x": 1}}
    page = next(page for page in response.pages if page.index == 1)
    assert page.tables[0].format == "latex"
    assert page.dimensions is not None and page.dimensions.model_extra == {"dpi": "high"}
    assert response.usage_info.model_extra == {"billed_pages": 2}
    assert "Hello OCR" in response.markdown


def test_a_page_without_usable_markdown_fails_naming_the_field(serve: Serve) -> None:
    body = ocr_response()
    body["pages"][1]["markdown"] = {"not": "text"}
    server = serve(lambda request, conn: conn.respond_json(200, body))
    client = Client(api_key="k", base_url=server.url)
    with pytest.raises(mc.APIResponseValidationError) as info:
        client.ocr.process(model=MODEL, document="https://x.example/a.pdf")
    assert info.value.field == "pages.1.markdown"


# --- ocr.parse ------------------------------------------------------------------------------------


def test_parse_sends_the_types_as_json_schemas_and_types_the_annotations(
    client: Client, server: LoopbackServer, validate_request: SpecValidator
) -> None:
    response = client.ocr.parse(
        model=MODEL,
        document="https://x.example/invoice.pdf",
        document_annotation_format=Invoice,
        bbox_annotation_format=Figure,
        document_annotation_prompt="The invoice's title and total",
    )
    body = json.loads(server.requests[0].body)
    validate_request("OCRRequest", body)
    document_format = body["document_annotation_format"]
    assert document_format["type"] == "json_schema" and document_format["json_schema"]["name"] == "Invoice"
    assert document_format["json_schema"]["strict"] is True
    assert document_format["json_schema"]["schema"] == mc.json_schema(Invoice)
    assert body["bbox_annotation_format"]["json_schema"]["schema"] == mc.json_schema(Figure)
    assert isinstance(response, ParsedOCRResponse)
    invoice: Invoice | None = response.parsed
    assert invoice == Invoice(title="Hello OCR", total=12.5)
    page = next(page for page in response.pages if page.index == 0)
    figure: Figure | None = page.images[0].parsed
    assert figure == Figure(kind="logo", description="a small square")
    assert response.markdown.startswith("# Hello OCR") and response.request_id == "req-ocr"
    # The parsed values are never sent back: the response dumps as it came.
    assert "parsed" not in response.model_dump()


def test_parse_with_one_format_a_typeddict_or_a_dict(client: Client, server: LoopbackServer) -> None:
    class FigureDict(TypedDict):
        kind: str
        description: str

    only_images = client.ocr.parse(
        model=MODEL, document="https://x.example/a.pdf", bbox_annotation_format=FigureDict
    )
    assert only_images.parsed is None  # no document annotation asked for
    assert only_images.pages[1].images[0].parsed == {"kind": "logo", "description": "a small square"}
    assert "document_annotation_format" not in json.loads(server.requests[0].body)
    as_dict = client.ocr.parse(
        model=MODEL,
        document="https://x.example/a.pdf",
        document_annotation_format={"type": "json_schema", "json_schema": {"name": "any", "schema": {}}},  # type: ignore[arg-type]
    )
    assert as_dict.parsed == {"title": "Hello OCR", "total": 12.5}


def test_an_absent_annotation_is_none(serve: Serve) -> None:
    server = serve(lambda request, conn: conn.respond_json(200, ocr_response()))
    client = Client(api_key="k", base_url=server.url)
    response = client.ocr.parse(
        model=MODEL,
        document="https://x.example/a.pdf",
        document_annotation_format=Invoice,
        bbox_annotation_format=Figure,
    )
    assert response.parsed is None and all(
        image.parsed is None for page in response.pages for image in page.images
    )


@pytest.mark.parametrize(
    ("annotations", "field", "what"),
    [
        ({"document": '{"title": "x", "total": "lots"}'}, "document_annotation", "is not a valid Invoice"),
        ({"document": '{"title": "x", "tot'}, "document_annotation", "is not JSON"),
        ({"bbox": '{"kind": 3}'}, "pages.1.images.0.image_annotation", "is not a valid Figure"),
    ],
)
def test_a_malformed_annotation_raises_with_its_raw_text(
    serve: Serve, annotations: dict[str, str], field: str, what: str
) -> None:
    good = DocumentsAPI().annotations
    server = serve(DocumentsAPI(annotations={**good, **annotations}))
    client = Client(api_key="k", base_url=server.url)
    with pytest.raises(mc.StructuredOutputError) as info:
        client.ocr.parse(
            model=MODEL,
            document="https://x.example/a.pdf",
            document_annotation_format=Invoice,
            bbox_annotation_format=Figure,
        )
    error = info.value
    assert isinstance(error, mc.AnnotationValidationError)
    assert error.field == field and what in str(error) and str(error).startswith(field)
    assert error.content == next(iter(annotations.values()))
    assert error.errors and "Hello OCR" in error.response.markdown


def test_a_type_that_is_no_schema_fails_before_anything_is_sent(
    client: Client, server: LoopbackServer
) -> None:
    class Opaque:  # pydantic cannot describe it
        pass

    with pytest.raises(mc.InvalidRequestError) as info:
        client.ocr.parse(model=MODEL, document="https://x.example/a.pdf", bbox_annotation_format=Opaque)
    assert info.value.errors[0][0] == "bbox_annotation_format"
    assert server.requests == []


def test_raw_responses(client: Client) -> None:
    raw = client.ocr.with_raw_response.process(model=MODEL, document="https://x.example/a.pdf")
    assert raw.status_code == 200 and raw.request_id == "req-ocr"
    assert "Hello OCR" in raw.parse().markdown
    parsed = client.ocr.with_raw_response.parse(
        model=MODEL, document="https://x.example/a.pdf", document_annotation_format=Invoice
    )
    assert parsed.parse().parsed == Invoice(title="Hello OCR", total=12.5)


# --- retries and errors ---------------------------------------------------------------------------


def test_a_503_is_retried_with_the_same_inline_file(serve: Serve, tmp_path: Path) -> None:
    api = DocumentsAPI(failures=[503])
    server = serve(api)
    client = Client(
        api_key="k", base_url=server.url, retry_policy=mc.RetryPolicy(initial_delay=0.001, max_delay=0.002)
    )
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(pdf_bytes())
    with pdf.open("rb") as file:  # read once, before sending: a retry sends the same bytes
        response = client.ocr.process(model=MODEL, document=file)
    assert len(server.requests) == 2 and server.requests[0].body == server.requests[1].body
    assert sent_document(server.requests[1])[2] == pdf.read_bytes() and response.pages


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, mc.BadRequestError),
        (401, mc.AuthenticationError),
        (404, mc.NotFoundError),
        (422, mc.UnprocessableEntityError),
        (429, mc.RateLimitError),
        (500, mc.InternalServerError),
    ],
)
def test_error_statuses_raise_their_class(serve: Serve, status: int, error: type[mc.APIStatusError]) -> None:
    server = serve(DocumentsAPI(failures=[status]))
    client = Client(api_key="k", base_url=server.url, max_retries=0)
    with pytest.raises(error) as info:
        client.ocr.process(model=MODEL, document="https://x.example/a.pdf")
    assert info.value.status_code == status and f"injected {status}" in str(info.value)


# --- async ----------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_process_and_parse(server: LoopbackServer, tmp_path: Path, anyio_backend: str) -> None:
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(pdf_bytes())
    async with AsyncClient(api_key="k", base_url=server.url, max_retries=0) as client:
        response = await client.ocr.process(model=MODEL, document=pdf)
        parsed = await client.ocr.parse(
            model=MODEL, document=pdf.read_bytes(), document_annotation_format=Invoice
        )
        raw = await client.ocr.with_raw_response.process(model=MODEL, document="https://x.example/a.pdf")
        with pytest.raises(mc.InvalidRequestError):
            await client.ocr.process(model=MODEL, document=tmp_path / "missing.pdf")
    assert "Hello OCR" in response.markdown and parsed.parsed == Invoice(title="Hello OCR", total=12.5)
    assert raw.request_id == "req-ocr"
    assert [sent_document(r)[:2] for r in server.requests[:2]] == [("document_url", "application/pdf")] * 2


@pytest.mark.anyio
async def test_async_reads_a_local_file_off_the_event_loop(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, anyio_backend: str
) -> None:
    import threading

    from mistral_client import _documents

    threads: list[threading.Thread] = []
    read = _documents._read

    def recording(value: Any, field: str) -> tuple[bytes, str | None]:
        threads.append(threading.current_thread())
        return read(value, field)

    monkeypatch.setattr(_documents, "_read", recording)
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(pdf_bytes())
    async with AsyncClient(api_key="k", base_url=server.url, max_retries=0) as client:
        await client.ocr.process(model=MODEL, document=pdf)
        await client.ocr.parse(model=MODEL, document=pdf, document_annotation_format=Invoice)
    assert len(threads) == 2 and threading.main_thread() not in threads
    assert sent_document(server.requests[1])[2] == pdf.read_bytes()
