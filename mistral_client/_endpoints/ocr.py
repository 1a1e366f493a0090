"""The OCR operation."""

from __future__ import annotations

from typing import Any

from .._documents import document_chunk
from .._exceptions import InvalidRequestError
from ..types.ocr import OCRRequest, OCRResponse
from ._record import Endpoint


def _inline_document(fields: dict[str, Any]) -> dict[str, Any]:
    """A URL or a local file given as ``document`` becomes the spec's chunk (a file inline)."""
    if "document" in fields:
        fields["document"] = document_chunk(fields["document"])
    return fields


def _check_annotations(body: OCRRequest) -> None:
    errors = []
    for name in ("bbox_annotation_format", "document_annotation_format"):
        value = getattr(body, name)
        if value is not None and (value.type != "json_schema" or value.json_schema is None):
            errors.append((name, "the API takes a json_schema format here (ocr.parse makes one from a type)"))
    if body.document_annotation_prompt is not None and body.document_annotation_format is None:
        errors.append(("document_annotation_prompt", "needs a document_annotation_format"))
    if errors:
        detail = "; ".join(f"{field}: {message}" for field, message in errors)
        raise InvalidRequestError(f"Invalid request, nothing was sent: {detail}", errors=errors)


OCR_PROCESS: Endpoint[OCRResponse] = Endpoint(
    "ocr.process",
    "POST",
    "/v1/ocr",
    OCRResponse.model_validate_json,
    body=OCRRequest,
    span="ocr",
    batch=True,
    prepare=_inline_document,
    check=_check_annotations,
)
