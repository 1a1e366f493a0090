"""What the methods that send a file take (``files.upload``, ``audio.transcriptions``), and the file
part it becomes. A path stays a path: the backend opens it only while it sends, so a stream made and
never entered holds no open file, and a large file is read in chunks, never whole."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ._base import requests

if TYPE_CHECKING:
    from .._requests import Upload
    from ..types.files import FileInput


def upload_of(file: FileInput, filename: str | None = None, field: str = "file") -> Upload:
    """The file part for ``file`` (named ``filename`` if given); ``InvalidRequestError`` for what
    cannot be sent (a missing path, a text-mode file), before anything is."""
    if isinstance(file, (bytes, bytearray, memoryview)):
        return _upload(bytes(file), filename or "upload", True)
    if isinstance(file, tuple):
        if len(file) != 2 or not isinstance(file[0], str) or not isinstance(file[1], (bytes, bytearray)):
            raise _invalid(field, "a (filename, bytes) pair", f"a tuple of {len(file)}: {_kinds(file)}")
        return _upload(bytes(file[1]), filename or file[0], True)
    if isinstance(file, (str, os.PathLike)):
        path = Path(file)
        if not path.is_file():
            what = "a directory" if path.is_dir() else "no such file"
            raise _invalid(field, "an existing file", f"{what}: {str(path)!r}")
        return _upload(path, filename or path.name, True)
    if isinstance(file, io.TextIOBase):
        raise _invalid(field, "a binary file object, not a text one", "a file object opened in text mode")
    if hasattr(file, "read"):
        name = filename or os.path.basename(str(getattr(file, "name", "") or "")) or "upload"
        seekable = bool(getattr(file, "seekable", lambda: False)())
        return _upload(file, name, seekable)
    raise _invalid(field, "a path, bytes, a binary file object or (filename, bytes)", type(file).__name__)


def _upload(file: IO[bytes] | bytes | Path, filename: str, rewindable: bool) -> Upload:
    # The type by the name, as the official SDK's client (httpx) sends it; the server looks at the
    # content anyway.
    import mimetypes

    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return requests.Upload(file, filename, rewindable, content_type)


def _kinds(items: tuple[object, ...]) -> str:
    return ", ".join(type(item).__name__ for item in items)


def _invalid(field: str, wanted: str, got: str) -> Exception:
    from .._exceptions import InvalidRequestError

    return InvalidRequestError(f"{field}: {wanted} is needed, got {got}", errors=[(field, wanted)])
