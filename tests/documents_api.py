"""A loopback mock of the OCR and classifier endpoints, per the spec, and the files the tests read.

``DocumentsAPI`` answers ``/v1/ocr`` with two pages per document (an image on the first, a table and
blocks on the second), the annotations the request's formats ask for, and ``/v1/moderations``,
``/v1/chat/moderations``, ``/v1/classifications`` and ``/v1/chat/classifications`` with one result per
input. The small files (PDF, PNG...) are real, made here: the PDF by hand, the images with Pillow.
"""

from __future__ import annotations

import base64
import functools
import io
import json
from dataclasses import dataclass, field
from typing import Any

from .loopback import Conn, Request


def pdf_bytes(text: str = "Hello OCR") -> bytes:
    """A one-page PDF showing ``text`` in Helvetica, with a correct cross-reference table."""
    content = f"BT /F1 24 Tf 20 40 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 240 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def image_bytes(format: str = "PNG") -> bytes:
    """A small real image in ``format`` (PNG, JPEG, WEBP, GIF, AVIF), drawn with Pillow."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (64, 24), "white")
    ImageDraw.Draw(image).text((4, 4), "Hi", fill="black")
    out = io.BytesIO()
    image.save(out, format=format)
    return out.getvalue()


@functools.cache
def image_url() -> str:
    """A PNG as the ``data:`` URL OCR returns an extracted image in (``include_image_base64``)."""
    return "data:image/png;base64," + base64.b64encode(image_bytes("PNG")).decode()


def ocr_response(
    *,
    model: str = "mistral-ocr-latest",
    document_annotation: str | None = None,
    image_annotation: str | None = None,
    image_base64: str | None = None,
) -> dict[str, Any]:
    image: dict[str, Any] = {
        "id": "img-0.png",
        "top_left_x": 10,
        "top_left_y": 20,
        "bottom_right_x": 110,
        "bottom_right_y": 80,
        "image_base64": image_base64,
        "image_annotation": image_annotation,
    }
    return {
        "pages": [
            # Listed out of order: ``markdown`` joins them by index.
            {
                "index": 1,
                "markdown": "| a | b |\n|---|---|\n| 1 | 2 |",
                "images": [],
                "tables": [{"id": "tbl-0.md", "content": "| a | b |", "format": "markdown"}],
                "hyperlinks": ["https://mistral.ai"],
                "header": None,
                "footer": "page 2",
                "dimensions": {"dpi": 200, "height": 2200, "width": 1700},
                "blocks": [
                    {"type": "table", "content": "| a | b |", "table_id": "tbl-0.md", **_box()},
                    {"type": "marginalia", "content": "a block type from a newer server", **_box()},
                ],
            },
            {
                "index": 0,
                "markdown": "# Hello OCR\n\n![img-0.png](img-0.png)",
                "images": [image],
                "dimensions": {"dpi": 200, "height": 2200, "width": 1700},
                "confidence_scores": {
                    "average_page_confidence_score": 0.98,
                    "minimum_page_confidence_score": 0.9,
                    "word_confidence_scores": [{"text": "Hello", "confidence": 0.99, "start_index": 2}],
                },
            },
        ],
        "model": model,
        "document_annotation": document_annotation,
        "usage_info": {"pages_processed": 2, "doc_size_bytes": 1234},
    }


def _box() -> dict[str, int]:
    return {"top_left_x": 0, "top_left_y": 0, "bottom_right_x": 100, "bottom_right_y": 50}


SCORES = {"sexual": 0.001, "hate_and_discrimination": 0.002, "violence_and_threats": 0.91, "pii": 0.003}
CALM = {**SCORES, "violence_and_threats": 0.004}
#: Texts with these are threats to the mock's moderation model.
THREATS = ("hurt", "or else")


def moderation_response(
    count: int, model: str = "mistral-moderation-latest", flags: list[bool] | None = None
) -> dict[str, Any]:
    """``count`` results, each flagged for violence (the default) or not, as ``flags`` says."""
    results = []
    for flagged in flags if flags is not None else [True] * count:
        scores = SCORES if flagged else CALM
        results.append(
            {"categories": {name: score > 0.5 for name, score in scores.items()}, "category_scores": scores}
        )
    return {"id": "mod-1", "model": model, "results": results}


def classification_response(count: int, model: str = "ft:classifier:abc") -> dict[str, Any]:
    result = {"intent": {"scores": {"question": 0.8, "complaint": 0.2}}}
    return {"id": "cls-1", "model": model, "results": [result] * count}


@dataclass
class DocumentsAPI:
    """The handler: pass the instance to the ``serve`` fixture. ``annotations`` are the JSON texts
    sent back for the formats a request asks for (``"document"``, ``"bbox"``)."""

    annotations: dict[str, str] = field(
        default_factory=lambda: {
            "document": '{"title": "Hello OCR", "total": 12.5}',
            "bbox": '{"kind": "logo", "description": "a small square"}',
        }
    )
    #: Statuses to answer with first, one per request (then 200s).
    failures: list[int] = field(default_factory=list)

    def __call__(self, request: Request, conn: Conn) -> None:
        if self.failures:
            status = self.failures.pop(0)
            return conn.respond_json(status, {"message": f"injected {status}", "type": "injected"})
        path = request.path.partition("?")[0]
        body = request.json() if request.body else {}
        if path == "/v1/ocr":
            return conn.respond_json(200, self.ocr(body), {"x-request-id": "req-ocr"})
        if path in ("/v1/moderations", "/v1/classifications"):
            count = len(body["input"]) if isinstance(body["input"], list) else 1
        elif path == "/v1/chat/moderations":
            inputs = body["input"]
            count = len(inputs) if inputs and isinstance(inputs[0], list) else 1
        elif path == "/v1/chat/classifications":
            count = len(body["input"]) if isinstance(body["input"], list) else 1
        else:
            return conn.respond_json(404, {"message": f"no route {request.method} {path}"})
        if "moderations" in path:
            conversations = body["input"] if path == "/v1/moderations" or count > 1 else [body["input"]]
            if isinstance(conversations, str):
                conversations = [conversations]
            flags = [any(word in json.dumps(item).lower() for word in THREATS) for item in conversations]
            return conn.respond_json(200, moderation_response(count, body["model"], flags))
        conn.respond_json(200, classification_response(count, body["model"]))

    def ocr(self, body: dict[str, Any]) -> dict[str, Any]:
        return ocr_response(
            model=body["model"],
            document_annotation=self.annotations["document"]
            if body.get("document_annotation_format")
            else None,
            image_annotation=self.annotations["bbox"] if body.get("bbox_annotation_format") else None,
            image_base64=image_url() if body.get("include_image_base64") else None,
        )


def sent_document(request: Request) -> tuple[str, str, bytes]:
    """The chunk type, MIME type and bytes of the inline document an OCR request carried."""
    document = json.loads(request.body)["document"]
    kind = document["type"]
    url = document[kind] if isinstance(document[kind], str) else document[kind]["url"]
    header, _, payload = url.partition(",")
    assert header.startswith("data:") and header.endswith(";base64"), header
    return kind, header[5:-7], base64.b64decode(payload)
