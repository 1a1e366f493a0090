"""OCR: a PDF's or an image's text as markdown, and its annotations as typed objects.

Reads the file given as the first argument (sent inline: a PDF, PNG, JPEG, WebP, GIF or AVIF), else
a paper by its URL. Needs MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server
(optional).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import assert_type

from pydantic import BaseModel, Field

from mistral_client import AnnotationValidationError, Client

MODEL = "mistral-ocr-latest"
PAPER = "https://arxiv.org/pdf/2201.04234"


class Paper(BaseModel):
    title: str
    authors: list[str]


class Figure(BaseModel):
    kind: str = Field(description="chart, photo, diagram, logo, ...")
    description: str


def main() -> None:
    document: str | Path = Path(sys.argv[1]) if len(sys.argv) > 1 else PAPER
    with Client() as client:
        response = client.ocr.process(model=MODEL, document=document, pages=[0, 1])
        print(f"{len(response.pages)} pages read ({response.usage_info.pages_processed} billed)")
        print(response.markdown[:200])

        # Annotations: the document as a Paper, each figure as a Figure.
        try:
            annotated = client.ocr.parse(
                model=MODEL,
                document=document,
                pages=[0],
                document_annotation_format=Paper,
                bbox_annotation_format=Figure,
            )
        except AnnotationValidationError as error:
            print(f"{error.field} is not what was asked for: {error.content!r}")
            return
        paper = annotated.parsed
        assert_type(paper, Paper | None)  # mypy --strict knows the type
        if paper is not None:
            print(f"title: {paper.title}; authors: {', '.join(paper.authors)}")
        for page in annotated.pages:
            for image in page.images:
                if image.parsed is not None:
                    print(f"page {page.index}, {image.id}: {image.parsed.kind}: {image.parsed.description}")


if __name__ == "__main__":
    main()
