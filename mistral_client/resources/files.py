"""``client.files``: upload, list, inspect, download and delete files (``/v1/files``).

Uploads and ``download_to`` stream: a file goes up and comes down in chunks, never whole in memory.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Union

from typing_extensions import Unpack

from ._base import AsyncAPIResource, SyncAPIResource, build

if TYPE_CHECKING:
    from ..types.files import (
        CreateFileResponse,
        DeleteFileResponse,
        FilePurpose,
        FileSource,
        FileVisibility,
        GetFileResponse,
        ListFilesResponse,
        SampleType,
    )
    from ..types.params import RequestOptionsParam

#: What ``upload`` takes: a path (``str`` or ``os.PathLike``), the bytes themselves, or a binary file object.
FileInput = Union[str, "os.PathLike[str]", bytes, IO[bytes]]


@contextlib.contextmanager
def _opened(file: FileInput, filename: str | None) -> Iterator[tuple[IO[bytes] | bytes, str, bool]]:
    """The file to send, its name, and whether a retry can rewind it; a path is opened (and closed)
    here, so only a chunk at a time is read."""
    if isinstance(file, (bytes, bytearray, memoryview)):
        yield bytes(file), filename or "upload", True
    elif isinstance(file, (str, os.PathLike)):
        path = Path(file)
        with path.open("rb") as handle:
            yield handle, filename or path.name, True
    elif isinstance(file, io.TextIOBase):
        from .._exceptions import InvalidRequestError

        raise InvalidRequestError(
            "file: a file object opened in text mode; open it in binary mode ('rb')",
            errors=[("file", "a binary file object, not a text one")],
        )
    elif hasattr(file, "read"):
        name = filename or os.path.basename(str(getattr(file, "name", "") or "")) or "upload"
        seekable = bool(getattr(file, "seekable", lambda: False)())
        yield file, name, seekable
    else:
        from .._exceptions import InvalidRequestError

        raise InvalidRequestError(
            f"file: a path, bytes or a binary file object, got {type(file).__name__}",
            errors=[("file", "a path, bytes or a binary file object")],
        )


def _list_params(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


class Files(SyncAPIResource):
    def upload(
        self,
        *,
        file: FileInput,
        purpose: FilePurpose | None = None,
        filename: str | None = None,
        expiry: int | None = None,
        visibility: FileVisibility | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> CreateFileResponse:
        """Upload a file (``POST /v1/files``), streamed from disk or the file object you pass."""
        fields = {"purpose": purpose, "expiry": expiry, "visibility": visibility}
        with _opened(file, filename) as (content, name, rewindable):
            request = build.files_upload(
                content, name, fields, options, self._client._defaults, rewindable=rewindable
            )
            return self._client._request(request)

    def list(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        include_total: bool | None = None,
        sample_type: Sequence[SampleType] | None = None,
        source: Sequence[FileSource] | None = None,
        search: str | None = None,
        purpose: FilePurpose | None = None,
        mimetypes: Sequence[str] | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> ListFilesResponse:
        """A page of your files (``GET /v1/files``)."""
        params = _list_params(
            page=page,
            page_size=page_size,
            include_total=include_total,
            sample_type=sample_type,
            source=source,
            search=search,
            purpose=purpose,
            mimetypes=mimetypes,
        )
        return self._client._request(build.files_list({**params, **options}, self._client._defaults))

    def retrieve(self, file_id: str, **options: Unpack[RequestOptionsParam]) -> GetFileResponse:
        """One file's metadata (``GET /v1/files/{file_id}``)."""
        return self._client._request(build.files_retrieve(file_id, options, self._client._defaults))

    def delete(self, file_id: str, **options: Unpack[RequestOptionsParam]) -> DeleteFileResponse:
        """Delete a file (``DELETE /v1/files/{file_id}``)."""
        return self._client._request(build.files_delete(file_id, options, self._client._defaults))

    def download(self, file_id: str, **options: Unpack[RequestOptionsParam]) -> bytes:
        """A file's content (``GET /v1/files/{file_id}/content``); see :meth:`download_to` for big files."""
        return self._client._request(build.files_download(file_id, options, self._client._defaults))

    def download_to(
        self, file_id: str, path: str | os.PathLike[str], **options: Unpack[RequestOptionsParam]
    ) -> int:
        """Stream a file's content to ``path`` chunk by chunk; returns the bytes written. A failed
        download leaves no partial file behind."""
        request = build.files_download(file_id, options, self._client._defaults)
        with _partial_file(path) as sink:
            return self._client._backend.handle_download(request, sink)

    def url(self, file_id: str, *, expiry: int | None = None, **options: Unpack[RequestOptionsParam]) -> str:
        """A signed URL to download the file, valid ``expiry`` hours (1 to 168; server default 24)."""
        request = build.files_url(file_id, expiry, options, self._client._defaults)
        return self._client._request(request).url


class AsyncFiles(AsyncAPIResource):
    async def upload(
        self,
        *,
        file: FileInput,
        purpose: FilePurpose | None = None,
        filename: str | None = None,
        expiry: int | None = None,
        visibility: FileVisibility | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> CreateFileResponse:
        """Upload a file (``POST /v1/files``), streamed from disk or the file object you pass."""
        fields = {"purpose": purpose, "expiry": expiry, "visibility": visibility}
        with _opened(file, filename) as (content, name, rewindable):
            request = build.files_upload(
                content, name, fields, options, self._client._defaults, rewindable=rewindable
            )
            return await self._client._request(request)

    async def list(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        include_total: bool | None = None,
        sample_type: Sequence[SampleType] | None = None,
        source: Sequence[FileSource] | None = None,
        search: str | None = None,
        purpose: FilePurpose | None = None,
        mimetypes: Sequence[str] | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> ListFilesResponse:
        """A page of your files (``GET /v1/files``)."""
        params = _list_params(
            page=page,
            page_size=page_size,
            include_total=include_total,
            sample_type=sample_type,
            source=source,
            search=search,
            purpose=purpose,
            mimetypes=mimetypes,
        )
        return await self._client._request(build.files_list({**params, **options}, self._client._defaults))

    async def retrieve(self, file_id: str, **options: Unpack[RequestOptionsParam]) -> GetFileResponse:
        """One file's metadata (``GET /v1/files/{file_id}``)."""
        return await self._client._request(build.files_retrieve(file_id, options, self._client._defaults))

    async def delete(self, file_id: str, **options: Unpack[RequestOptionsParam]) -> DeleteFileResponse:
        """Delete a file (``DELETE /v1/files/{file_id}``)."""
        return await self._client._request(build.files_delete(file_id, options, self._client._defaults))

    async def download(self, file_id: str, **options: Unpack[RequestOptionsParam]) -> bytes:
        """A file's content (``GET /v1/files/{file_id}/content``); see :meth:`download_to` for big files."""
        return await self._client._request(build.files_download(file_id, options, self._client._defaults))

    async def download_to(
        self, file_id: str, path: str | os.PathLike[str], **options: Unpack[RequestOptionsParam]
    ) -> int:
        """Stream a file's content to ``path`` chunk by chunk; returns the bytes written. A failed
        download leaves no partial file behind."""
        request = build.files_download(file_id, options, self._client._defaults)
        with _partial_file(path) as sink:
            return await self._client._backend.handle_async_download(request, sink)

    async def url(
        self, file_id: str, *, expiry: int | None = None, **options: Unpack[RequestOptionsParam]
    ) -> str:
        """A signed URL to download the file, valid ``expiry`` hours (1 to 168; server default 24)."""
        request = build.files_url(file_id, expiry, options, self._client._defaults)
        return (await self._client._request(request)).url


@contextlib.contextmanager
def _partial_file(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Write to ``<path>.part`` and move it into place only once complete."""
    target = Path(path)
    part = target.with_name(target.name + ".part")
    try:
        with part.open("wb") as sink:
            yield sink
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
