"""OCR types (``/v1/ocr``), as the spec defines them, and the parsed response of ``ocr.parse``.

A response parses whenever its pages' markdown does: every other field has a default (the spec
requires some, yet a server that leaves one out, or sends a block type this SDK does not know yet,
must not cost the caller the document's text).
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, Generic, Literal

from pydantic import ConfigDict, Discriminator, Field, StrictBool, StrictInt, StrictStr, Tag
from typing_extensions import TypeVar

from ._base import MistralModel, ResponseModel
from .chat import DocumentURLChunk, FileChunk, ImageURLChunk, ResponseFormat

#: The type ``ocr.parse`` validates the document annotation into (``None``: none was asked for).
D = TypeVar("D", default=None)
#: The type ``ocr.parse`` validates each image's (bounding box's) annotation into.
B = TypeVar("B", default=None)

TableFormat = Literal["markdown", "html"]
ConfidenceScoresGranularity = Literal["word", "page", "block"]

# --- the request ----------------------------------------------------------------------------------


def _document_tag(value: Any) -> str | None:
    # The spec does not require a chunk's ``type``: one without it is told by its required field.
    if isinstance(value, dict):
        tag = value.get("type")
        if tag is None:
            tag = next((key for key in ("document_url", "image_url") if key in value), None)
            tag = tag or ("file" if "file_id" in value else None)
        return tag if isinstance(tag, str) else None
    return getattr(value, "type", None)


#: What OCR reads: a document by URL (PDF...), an image by URL, or an uploaded file by id.
OCRDocument = Annotated[
    Annotated[DocumentURLChunk, Tag("document_url")]
    | Annotated[ImageURLChunk, Tag("image_url")]
    | Annotated[FileChunk, Tag("file")],
    Discriminator(_document_tag),
]


class OCRRequest(MistralModel):
    """The body of ``POST /v1/ocr``."""

    model_config = ConfigDict(extra="forbid")

    model: StrictStr | None
    document: OCRDocument
    #: Pages to read, from 0: a list, or a string of numbers and ranges (``"0,2-4"``).
    pages: StrictStr | list[StrictInt] | None = None
    include_image_base64: StrictBool | None = None
    image_limit: StrictInt | None = None
    image_min_size: StrictInt | None = None
    #: The JSON schema each extracted image (bounding box) is annotated with (``json_schema`` only).
    bbox_annotation_format: ResponseFormat | None = None
    #: The JSON schema the whole document is annotated with (``json_schema`` only).
    document_annotation_format: ResponseFormat | None = None
    document_annotation_prompt: StrictStr | None = None
    table_format: TableFormat | None = None
    extract_header: StrictBool = False
    extract_footer: StrictBool = False
    include_blocks: StrictBool = True
    confidence_scores_granularity: ConfidenceScoresGranularity | None = None


# --- the response ---------------------------------------------------------------------------------


class OCRUsageInfo(MistralModel):
    pages_processed: int = 0
    doc_size_bytes: int | None = None


class OCRPageDimensions(MistralModel):
    """The size of the page's image: pixels, and its dots per inch."""

    dpi: int = 0
    height: int = 0
    width: int = 0


class OCRConfidenceScore(MistralModel):
    """The confidence (0 to 1) of one word, which starts at ``start_index`` in the page's markdown."""

    text: str = ""
    confidence: float = 0.0
    start_index: int = 0


class OCRPageConfidenceScores(MistralModel):
    word_confidence_scores: list[OCRConfidenceScore] = Field(default_factory=list)
    average_page_confidence_score: float = 0.0
    minimum_page_confidence_score: float = 0.0


class OCRBlockConfidenceScores(MistralModel):
    """A block's scores (``confidence_scores_granularity="block"``); ``None`` where there is no signal."""

    average_content_confidence_score: float | None = None
    minimum_content_confidence_score: float | None = None
    block_type_confidence_score: float | None = None


class OCRImageObject(MistralModel):
    """An image extracted from a page: its id (as the markdown refers to it), its box, and with
    ``include_image_base64`` its data (a ``data:`` URL); ``image_annotation`` is the JSON text of its
    annotation when ``bbox_annotation_format`` was given."""

    id: str = ""
    top_left_x: int | None = None
    top_left_y: int | None = None
    bottom_right_x: int | None = None
    bottom_right_y: int | None = None
    image_base64: str | None = None
    image_annotation: str | None = None


class OCRTableObject(MistralModel):
    """A table extracted from a page (``table_format``), as the markdown refers to it by ``id``."""

    id: str = ""
    content: str = ""
    format: TableFormat | str = "markdown"
    word_confidence_scores: list[OCRConfidenceScore] | None = None


class _OCRBlock(MistralModel):
    top_left_x: int = 0
    top_left_y: int = 0
    bottom_right_x: int = 0
    bottom_right_y: int = 0
    #: The block's text, markdown or HTML.
    content: str = ""
    confidence_scores: OCRBlockConfidenceScores | None = None


class OCRTextBlock(_OCRBlock):
    type: Literal["text"] = "text"


class OCRListBlock(_OCRBlock):
    type: Literal["list"] = "list"


class OCRImageBlock(_OCRBlock):
    type: Literal["image"] = "image"
    #: The entry of the page's ``images`` this block shows.
    image_id: str = ""


class OCRTableBlock(_OCRBlock):
    type: Literal["table"] = "table"
    #: The entry of the page's ``tables``, when tables are extracted.
    table_id: str | None = None


class OCRTitleBlock(_OCRBlock):
    type: Literal["title"] = "title"


class OCREquationBlock(_OCRBlock):
    type: Literal["equation"] = "equation"


class OCRCaptionBlock(_OCRBlock):
    type: Literal["caption"] = "caption"


class OCRCodeBlock(_OCRBlock):
    type: Literal["code"] = "code"


class OCRReferencesBlock(_OCRBlock):
    type: Literal["references"] = "references"


class OCRAsideTextBlock(_OCRBlock):
    type: Literal["aside_text"] = "aside_text"


class OCRHeaderBlock(_OCRBlock):
    type: Literal["header"] = "header"


class OCRFooterBlock(_OCRBlock):
    type: Literal["footer"] = "footer"


class OCRSignatureBlock(_OCRBlock):
    """A signature; ``content`` is the name when legible, else ``""``."""

    type: Literal["signature"] = "signature"


class OCRUnknownBlock(_OCRBlock):
    """A block of a type this SDK does not know yet (its other fields kept in ``model_extra``)."""

    type: str = ""


def _block_tag(value: Any) -> str:
    tag = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return tag if isinstance(tag, str) and tag in _BLOCK_TAGS else "unknown"


#: One content block of a page (``include_blocks``), told by its ``type``.
OCRBlock = Annotated[
    Annotated[OCRTextBlock, Tag("text")]
    | Annotated[OCRListBlock, Tag("list")]
    | Annotated[OCRImageBlock, Tag("image")]
    | Annotated[OCRTableBlock, Tag("table")]
    | Annotated[OCRTitleBlock, Tag("title")]
    | Annotated[OCREquationBlock, Tag("equation")]
    | Annotated[OCRCaptionBlock, Tag("caption")]
    | Annotated[OCRCodeBlock, Tag("code")]
    | Annotated[OCRReferencesBlock, Tag("references")]
    | Annotated[OCRAsideTextBlock, Tag("aside_text")]
    | Annotated[OCRHeaderBlock, Tag("header")]
    | Annotated[OCRFooterBlock, Tag("footer")]
    | Annotated[OCRSignatureBlock, Tag("signature")]
    | Annotated[OCRUnknownBlock, Tag("unknown")],
    Discriminator(_block_tag),
]
#: The types the union's members are tagged with (read once it exists: only validation calls the
#: discriminator).
_BLOCK_TAGS = frozenset(
    typing.get_args(member)[1].tag for member in typing.get_args(typing.get_args(OCRBlock)[0])
)


class OCRPageObject(MistralModel):
    """One page: its markdown (images and tables referred to by id), what was extracted from it, and
    its header and footer when ``extract_header`` / ``extract_footer`` took them out of the markdown."""

    _essential = frozenset({"markdown"})

    #: The page's number in the document, from 0.
    index: int = 0
    markdown: str = ""
    images: list[OCRImageObject] = Field(default_factory=list)
    tables: list[OCRTableObject] = Field(default_factory=list)
    hyperlinks: list[str] = Field(default_factory=list)
    header: str | None = None
    footer: str | None = None
    dimensions: OCRPageDimensions | None = None
    confidence_scores: OCRPageConfidenceScores | None = None
    blocks: list[OCRBlock] | None = None


class OCRResponse(ResponseModel):
    """What ``client.ocr.process`` returns: the pages, in the order read, and the usage."""

    _essential = frozenset({"pages"})

    pages: list[OCRPageObject] = Field(default_factory=list)
    model: str = ""
    #: The JSON text of the document's annotation, when ``document_annotation_format`` was given.
    document_annotation: str | None = None
    usage_info: OCRUsageInfo = Field(default_factory=OCRUsageInfo)

    @property
    def markdown(self) -> str:
        """The pages' markdown in page order, joined by a blank line."""
        pages = sorted(self.pages, key=lambda page: page.index)
        return "\n\n".join(page.markdown for page in pages)


# --- ocr.parse ------------------------------------------------------------------------------------


class ParsedOCRImage(OCRImageObject, Generic[B]):
    """An extracted image and its annotation validated into the ``bbox_annotation_format`` type."""

    #: ``None`` when the image came without an annotation. Never sent.
    parsed: B | None = Field(default=None, exclude=True)


class ParsedOCRPage(OCRPageObject, Generic[B]):
    images: list[ParsedOCRImage[B]] = Field(default_factory=list)  # type: ignore[assignment]


class ParsedOCRResponse(OCRResponse, Generic[D, B]):
    """An :class:`OCRResponse` whose annotations are validated: ``parsed`` is the document's (a ``D``),
    and each image of each page has its own ``parsed`` (a ``B``)."""

    pages: list[ParsedOCRPage[B]] = Field(default_factory=list)  # type: ignore[assignment]
    #: The document annotation as a ``D``; ``None`` when the response has none (or none was asked for).
    parsed: D | None = Field(default=None, exclude=True)


__all__ = [
    "ConfidenceScoresGranularity",
    "OCRAsideTextBlock",
    "OCRBlock",
    "OCRBlockConfidenceScores",
    "OCRCaptionBlock",
    "OCRCodeBlock",
    "OCRConfidenceScore",
    "OCRDocument",
    "OCREquationBlock",
    "OCRFooterBlock",
    "OCRHeaderBlock",
    "OCRImageBlock",
    "OCRImageObject",
    "OCRListBlock",
    "OCRPageConfidenceScores",
    "OCRPageDimensions",
    "OCRPageObject",
    "OCRReferencesBlock",
    "OCRRequest",
    "OCRResponse",
    "OCRSignatureBlock",
    "OCRTableBlock",
    "OCRTableObject",
    "OCRTextBlock",
    "OCRTitleBlock",
    "OCRUnknownBlock",
    "OCRUsageInfo",
    "ParsedOCRImage",
    "ParsedOCRPage",
    "ParsedOCRResponse",
    "TableFormat",
]
