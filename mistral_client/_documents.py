"""``document=`` of ``ocr.process``: a chunk as the spec has it, a URL, or a local file sent inline.

A local file (a path, bytes, a binary file object) goes out as a ``data:`` URL with its MIME type,
told by its first bytes (a ``.pdf`` that is really a PNG is sent as the PNG it is): a PDF as a
``document_url`` chunk, an image as an ``image_url`` chunk. Anything that cannot be sent (a missing
path, a file opened in text mode, a type OCR does not read) is an :class:`InvalidRequestError`
before anything is sent.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pydantic

from ._exceptions import InvalidRequestError

__all__ = ["document_chunk", "is_local_file", "sniff_mime_type"]

#: What OCR reads inline, by MIME type: the chunk type that carries it.
_CHUNK_TYPES = {
    "application/pdf": "document_url",
    "image/png": "image_url",
    "image/jpeg": "image_url",
    "image/webp": "image_url",
    "image/gif": "image_url",
    "image/avif": "image_url",
}
_KNOWN = "a PDF, PNG, JPEG, WebP, GIF or AVIF"


def sniff_mime_type(head: bytes) -> str | None:
    """The MIME type of a file OCR reads, from its first bytes (16 are enough, 1 KiB for a PDF);
    ``None`` if it is none of them."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and _is_avif(head):
        return "image/avif"
    # Readers accept the header anywhere in the first KiB (some generators write junk before it).
    if b"%PDF-" in head[:1024]:
        return "application/pdf"
    return None


def _is_avif(head: bytes) -> bool:
    # An ISO-BMFF "ftyp" box: the major brand, then the compatible brands, 4 bytes each.
    size = int.from_bytes(head[:4], "big")
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)]
    return any(brand in (b"avif", b"avis") for brand in brands)


def is_local_file(value: Any) -> bool:
    """Whether ``document_chunk`` reads ``value`` (a path, bytes, a file object) rather than passing
    it on (a URL, a chunk)."""
    return value is not None and not isinstance(value, (str, Mapping, pydantic.BaseModel))


def document_chunk(value: Any, field: str = "document") -> Any:
    """``value`` as the spec's chunk: chunks (dicts, models) pass through to validation, a URL becomes
    a ``document_url`` chunk, and a local file an inline ``data:`` URL in the chunk its type needs."""
    if isinstance(value, (Mapping, pydantic.BaseModel)):
        return value
    if isinstance(value, str):
        return _url_chunk(value, field)
    data, name = _read(value, field)
    mime = sniff_mime_type(data[:1024])
    if mime is None:
        what = f"{name!r}" if name else "the data"
        detail = "is empty" if not data else f"starts with {data[:8]!r}"
        raise _invalid(
            field,
            f"{what} is not {_KNOWN} by its content ({detail}); OCR reads these inline",
            "not a PDF or an image OCR reads",
        )
    url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    if _CHUNK_TYPES[mime] == "image_url":
        return {"type": "image_url", "image_url": url}
    chunk = {"type": "document_url", "document_url": url}
    if name:
        chunk["document_name"] = name
    return chunk


def _url_chunk(url: str, field: str) -> dict[str, Any]:
    scheme = urlsplit(url).scheme
    # "C:\\scan.pdf" has a one-letter "scheme": a Windows path, not a URL.
    if len(scheme) < 2:
        raise _invalid(
            field,
            f"{url[:80]!r} is not a URL; a local file is a pathlib.Path (or bytes, or a file opened "
            "with 'rb'), a URL has a scheme (https://...)",
            "a URL, a path, bytes, a binary file or a chunk",
        )
    if scheme == "data" and url[5:].lower().startswith("image/"):
        return {"type": "image_url", "image_url": url}
    return {"type": "document_url", "document_url": url}


def _read(value: Any, field: str) -> tuple[bytes, str | None]:
    """The bytes of a local file and its name (``None`` if it has none)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value), None
    if isinstance(value, os.PathLike):
        path = Path(value)
        try:
            return path.read_bytes(), path.name
        except FileNotFoundError:
            raise _invalid(field, f"no file at {str(path)!r}", "no such file") from None
        except IsADirectoryError:
            raise _invalid(field, f"{str(path)!r} is a directory, not a file", "a directory") from None
        except OSError as exc:
            raise _invalid(field, f"cannot read {str(path)!r}: {exc.strerror}", "unreadable") from None
    read = getattr(value, "read", None)
    if callable(read):
        if isinstance(value, io.TextIOBase):
            raise _text_mode(field, value)
        data = read()
        if isinstance(data, str):
            raise _text_mode(field, value)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise _invalid(field, f"read() gave {type(data).__name__}, not bytes", "a binary file object")
        name = getattr(value, "name", None)
        return bytes(data), os.path.basename(name) if isinstance(name, str) else None
    raise _invalid(
        field,
        f"expected a chunk (dict), a URL, a pathlib.Path, bytes or a binary file object, got "
        f"{type(value).__name__}",
        "a URL, a path, bytes, a binary file or a chunk",
    )


def _text_mode(field: str, value: Any) -> InvalidRequestError:
    name = getattr(value, "name", None)
    what = f"{name!r}" if isinstance(name, str) else "the file"
    return _invalid(
        field, f"{what} is open in text mode; open it with 'rb' (OCR reads bytes)", "a text-mode file"
    )


def _invalid(field: str, message: str, short: str) -> InvalidRequestError:
    message = f"Invalid request, nothing was sent: {field}: {message}"
    return InvalidRequestError(message, errors=[(field, short)])
