"""``mistral-client ocr`` (a PDF or an image to markdown) and ``mistral-client moderate`` (a text's
moderation categories). Registered in :mod:`._app`, whose shared options and helpers they use."""

from __future__ import annotations

import base64
import binascii
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._app import _print_json, _text_argument, connection_options, make_client
from ._errors import CLIError

if TYPE_CHECKING:
    from ..types.ocr import OCRResponse

DEFAULT_OCR_MODEL = "mistral-ocr-latest"
DEFAULT_MODERATION_MODEL = "mistral-moderation-latest"
_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpeg", "image/webp": ".webp", "image/gif": ".gif"}


@click.command(short_help="Read a PDF or an image (a file or a URL) to markdown.")
@click.argument("file", metavar="FILE")
@click.option("-m", "--model", default=DEFAULT_OCR_MODEL, show_default=True, help="The OCR model.")
@click.option("--pages", metavar="PAGES", help="The pages to read, from 0: '0', '0,2-4'.")
@click.option(
    "--images",
    "images_dir",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the images found to DIR; the markdown links to them there.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the whole response as JSON.")
@connection_options
def ocr(
    file: str, model: str, pages: str | None, images_dir: Path | None, as_json: bool, **connection: Any
) -> None:
    """Read FILE (a PDF or an image: a path, - for stdin, or an http(s) URL) and print its
    markdown, the pages in order, a blank line between them."""
    document: Any
    if file == "-":
        document = sys.stdin.buffer.read()
    elif file.startswith(("http://", "https://")):
        document = file
    else:
        document = Path(file)
    client = make_client(**connection)
    params: dict[str, Any] = {"model": model, "document": document, "pages": pages}
    if images_dir is not None:
        params["include_image_base64"] = True
    response = client.ocr.process(**params)
    links = _write_images(response, images_dir) if images_dir is not None else {}
    if as_json:
        _print_json(response.model_dump(mode="json", exclude_none=True))
        return
    markdown = response.markdown
    for name, path in links.items():
        markdown = markdown.replace(f"]({name})", f"]({path})")
    click.echo(markdown)


def _write_images(response: OCRResponse, directory: Path) -> dict[str, str]:
    """Write each image that came with its data; the markdown's link target -> the file's path."""
    directory.mkdir(parents=True, exist_ok=True)
    links: dict[str, str] = {}
    count = 0
    for page in sorted(response.pages, key=lambda page: page.index):
        for number, image in enumerate(page.images):
            if not image.image_base64:
                continue
            header, _, payload = image.image_base64.rpartition(",")
            try:
                data = base64.b64decode(payload, validate=True)
            except (binascii.Error, ValueError):
                raise CLIError(f"image {image.id!r} of page {page.index}: its data is not base64") from None
            # The id names the file, but never outside DIR.
            name = os.path.basename(image.id.replace("\\", "/"))
            if name in ("", ".", ".."):
                name = f"page-{page.index}-image-{number}"
            if not os.path.splitext(name)[1]:
                name += _EXTENSIONS.get(header[5:].split(";")[0], "")
            path = directory / name
            path.write_bytes(data)
            links[image.id] = path.as_posix()
            count += 1
    click.echo(f"mistral-client: wrote {count} image{'s' * (count != 1)} to {directory}", err=True)
    return links


@click.command(short_help="Moderate a text: the categories it falls in, with their scores.")
@click.argument("text", nargs=-1)
@click.option(
    "-m", "--model", default=DEFAULT_MODERATION_MODEL, show_default=True, help="The moderation model."
)
@click.option("--json", "as_json", is_flag=True, help="Print the whole response as JSON.")
@connection_options
def moderate(text: tuple[str, ...], model: str, as_json: bool, **connection: Any) -> None:
    """Moderate TEXT (or stdin): "flagged: CATEGORY, ..." or "not flagged", then each category's
    score, highest first (* where the threshold is crossed)."""
    content = _text_argument(text, "text")
    response = make_client(**connection).classifiers.moderate(model=model, input=content)
    if as_json:
        _print_json(response.model_dump(mode="json", exclude_none=True))
        return
    if not response.results:
        raise CLIError("the server sent no moderation result")
    result = response.results[0]
    flagged = result.flagged_categories
    click.echo(f"flagged: {', '.join(flagged)}" if flagged else "not flagged")
    scores = sorted(result.category_scores.items(), key=lambda item: -item[1])
    width = max((len(name) for name, _ in scores), default=0)
    for name, score in scores:
        mark = " *" if result.categories.get(name) else ""
        click.echo(f"  {name:<{width}}  {score:.4f}{mark}")
