"""``ocr.parse``: pydantic types as the OCR annotation formats, and the annotations validated into them.

The formats are the spec's ``json_schema`` response formats, made exactly as ``chat.parse`` makes its
``response_format`` (:mod:`._structured`); shared by the sync and async resources.
"""

from __future__ import annotations

from typing import Any

import pydantic

from ._exceptions import AnnotationValidationError
from ._structured import StructuredOutput, output_for, rebuild
from .types.ocr import OCRResponse, ParsedOCRImage, ParsedOCRPage, ParsedOCRResponse

__all__ = ["OCRAnnotations"]


class OCRAnnotations:
    """The annotation formats one ``ocr.parse`` call sends, and the parser of its response."""

    def __init__(self, document_annotation_format: Any, bbox_annotation_format: Any) -> None:
        self._document: StructuredOutput[Any] | None = None
        self._bbox: StructuredOutput[Any] | None = None
        if document_annotation_format is not None:
            self._document = output_for(document_annotation_format, "document_annotation_format")
        if bbox_annotation_format is not None:
            self._bbox = output_for(bbox_annotation_format, "bbox_annotation_format")

    def fields(self) -> dict[str, Any]:
        """The request's annotation format fields."""
        fields: dict[str, Any] = {}
        if self._document is not None:
            fields["document_annotation_format"] = self._document.response_format
        if self._bbox is not None:
            fields["bbox_annotation_format"] = self._bbox.response_format
        return fields

    def parse(self, response: OCRResponse) -> ParsedOCRResponse[Any, Any]:
        """The response with its annotations validated; an annotation that is absent is ``None``.

        Raises :class:`AnnotationValidationError` (with the raw text) for one that is not valid.
        """
        pages = []
        for page_number, page in enumerate(response.pages):
            images = []
            for image_number, image in enumerate(page.images):
                field = f"pages.{page_number}.images.{image_number}.image_annotation"
                parsed = self._validate(self._bbox, image.image_annotation, field, response)
                images.append(rebuild(ParsedOCRImage, image, parsed=parsed))
            pages.append(rebuild(ParsedOCRPage, page, images=images))
        parsed = self._validate(self._document, response.document_annotation, "document_annotation", response)
        return rebuild(ParsedOCRResponse, response, pages=pages, parsed=parsed)

    @staticmethod
    def _validate(
        output: StructuredOutput[Any] | None, text: str | None, field: str, response: OCRResponse
    ) -> Any:
        if output is None or text is None:
            return None
        try:
            return output.validate(text)
        except pydantic.ValidationError as exc:
            summary, errors = output.problems(exc)
            raise AnnotationValidationError(
                f"{field}: the annotation {summary}",
                response=response,
                content=text,
                field=field,
                errors=errors,
            ) from None
