"""``client.ocr``: a document's or an image's text as markdown, and its annotations typed.

``process`` names its operation's record and hands its arguments to the resource door (:mod:`._base`);
the record turns a URL or a local file given as ``document`` into the spec's chunk. ``parse`` sends
pydantic types as the annotation formats and validates the annotations into them
(:mod:`mistral_client._annotations`, shared by sync and async). ``with_raw_response`` gives the same
methods returning an :class:`~mistral_client.APIResponse`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from typing_extensions import TypeVar, Unpack

from .._lazy import lazy_module
from ._base import AsyncAPIResource, SyncAPIResource, async_raw, endpoints, raw

if TYPE_CHECKING:
    from .. import _annotations as ocr_annotations
    from .. import _documents as documents
    from .._backend import APIResponse
    from ..types.ocr import OCRResponse, ParsedOCRResponse
    from ..types.params import OCRParams, OCRParseParams
else:
    ocr_annotations = lazy_module("mistral_client._annotations")
    documents = lazy_module("mistral_client._documents")

D = TypeVar("D", default=None)
B = TypeVar("B", default=None)
P = TypeVar("P", bound=Mapping[str, Any])


async def _read_off_the_loop(params: P) -> P:
    """``params`` with a local file given as ``document`` read and encoded in a worker thread: a
    large PDF must not block the event loop (a URL or a chunk passes through untouched)."""
    document = params.get("document")
    if not documents.is_local_file(document):
        return params
    import anyio.to_thread

    chunk = await anyio.to_thread.run_sync(documents.document_chunk, document)
    return cast("P", {**params, "document": chunk})


class Ocr(SyncAPIResource):
    def process(self, **params: Unpack[OCRParams]) -> OCRResponse:
        """Read a document or an image (``POST /v1/ocr``): each page's markdown, images, tables...

        ``document`` is a URL, a local file (a ``pathlib.Path``, ``bytes`` or a file opened ``"rb"``:
        sent inline, a PDF or an image) or the spec's chunk (``{"type": "file", "file_id": ...}`` for
        an uploaded file). ``response.markdown`` is the whole document's.
        """
        return self._call(endpoints.OCR_PROCESS, params)

    def parse(
        self,
        *,
        document_annotation_format: type[D] | None = None,
        bbox_annotation_format: type[B] | None = None,
        **params: Unpack[OCRParseParams],
    ) -> ParsedOCRResponse[D, B]:
        """:meth:`process`, with annotations validated into types (pydantic models, ``TypedDict`` s,
        dataclasses): ``response.parsed`` is the document's ``D``, and each image's ``parsed`` its ``B``
        (``None`` where the response has no annotation).

        Raises :class:`~mistral_client.AnnotationValidationError` for an annotation that is not valid.
        """
        wanted = ocr_annotations.OCRAnnotations(document_annotation_format, bbox_annotation_format)
        return self._call_then(endpoints.OCR_PROCESS, {**params, **wanted.fields()}, wanted.parse)

    @functools.cached_property
    def with_raw_response(self) -> OcrWithRawResponse:
        return OcrWithRawResponse(self)


class OcrWithRawResponse:
    """``client.ocr``'s methods returning the :class:`~mistral_client.APIResponse`."""

    def __init__(self, ocr: Ocr) -> None:
        self._ocr = ocr._raw_copy()
        self.process = raw(self._ocr.process)

    def parse(
        self,
        *,
        document_annotation_format: type[D] | None = None,
        bbox_annotation_format: type[B] | None = None,
        **params: Unpack[OCRParseParams],
    ) -> APIResponse[ParsedOCRResponse[D, B]]:
        return self._ocr.parse(  # type: ignore[return-value]
            document_annotation_format=document_annotation_format,
            bbox_annotation_format=bbox_annotation_format,
            **params,
        )


class AsyncOcr(AsyncAPIResource):
    async def process(self, **params: Unpack[OCRParams]) -> OCRResponse:
        """Read a document or an image (``POST /v1/ocr``); see :meth:`Ocr.process`. A local file is
        read in a worker thread."""
        return await self._call(endpoints.OCR_PROCESS, await _read_off_the_loop(params))

    async def parse(
        self,
        *,
        document_annotation_format: type[D] | None = None,
        bbox_annotation_format: type[B] | None = None,
        **params: Unpack[OCRParseParams],
    ) -> ParsedOCRResponse[D, B]:
        """:meth:`process`, with annotations validated into types; see :meth:`Ocr.parse`."""
        wanted = ocr_annotations.OCRAnnotations(document_annotation_format, bbox_annotation_format)
        fields = {**await _read_off_the_loop(params), **wanted.fields()}
        return await self._call_then(endpoints.OCR_PROCESS, fields, wanted.parse)

    @functools.cached_property
    def with_raw_response(self) -> AsyncOcrWithRawResponse:
        return AsyncOcrWithRawResponse(self)


class AsyncOcrWithRawResponse:
    """``client.ocr``'s methods returning the :class:`~mistral_client.APIResponse`; each is awaited."""

    def __init__(self, ocr: AsyncOcr) -> None:
        self._ocr = ocr._raw_copy()
        self.process = async_raw(self._ocr.process)

    async def parse(
        self,
        *,
        document_annotation_format: type[D] | None = None,
        bbox_annotation_format: type[B] | None = None,
        **params: Unpack[OCRParseParams],
    ) -> APIResponse[ParsedOCRResponse[D, B]]:
        return await self._ocr.parse(  # type: ignore[return-value]
            document_annotation_format=document_annotation_format,
            bbox_annotation_format=bbox_annotation_format,
            **params,
        )
