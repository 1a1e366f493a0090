"""``client.files``: upload, list, inspect, download and delete files (``/v1/files``).

Uploads and ``download_to`` stream: a file goes up and comes down in chunks, never whole in memory.
``with_raw_response`` gives the methods that make one request returning an
:class:`~mistral_client.APIResponse` (``download_to`` writes a file: its raw form is ``download``).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from typing_extensions import Unpack

from ._base import AsyncAPIResource, SyncAPIResource, async_raw, endpoints, raw
from ._uploads import upload_of

if TYPE_CHECKING:
    from ..types.files import (
        CreateFileResponse,
        DeleteFileResponse,
        FileInput,
        FilePurpose,
        FileSource,
        FileVisibility,
        GetFileResponse,
        GetSignedUrlResponse,
        ListFilesResponse,
        SampleType,
    )
    from ..types.params import RequestOptionsParam


def _list_params(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def _url(response: GetSignedUrlResponse) -> str:
    return response.url


class Files(SyncAPIResource):
    workflows = frozenset({"download_to"})

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
        """Upload a file (``POST /v1/files``): a path (streamed from disk), bytes, a binary file object
        or ``(filename, bytes)``."""
        fields = {"purpose": purpose, "expiry": expiry, "visibility": visibility, **options}
        return self._call(endpoints.FILES_UPLOAD, fields, upload=upload_of(file, filename))

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
        return self._call(endpoints.FILES_LIST, {**params, **options})

    def retrieve(self, file_id: str, **options: Unpack[RequestOptionsParam]) -> GetFileResponse:
        """One file's metadata (``GET /v1/files/{file_id}``)."""
        return self._call(endpoints.FILES_RETRIEVE, options, path={"file_id": file_id})

    def delete(self, file_id: str, **options: Unpack[RequestOptionsParam]) -> DeleteFileResponse:
        """Delete a file (``DELETE /v1/files/{file_id}``)."""
        return self._call(endpoints.FILES_DELETE, options, path={"file_id": file_id})

    def download(self, file_id: str, **options: Unpack[RequestOptionsParam]) -> bytes:
        """A file's content (``GET /v1/files/{file_id}/content``); see :meth:`download_to` for big files."""
        return self._call(endpoints.FILES_DOWNLOAD, options, path={"file_id": file_id})

    def download_to(
        self, file_id: str, path: str | os.PathLike[str], **options: Unpack[RequestOptionsParam]
    ) -> int:
        """Stream a file's content to ``path`` chunk by chunk; returns the bytes written. A failed
        download leaves no partial file behind."""
        request = self._request(endpoints.FILES_DOWNLOAD, options, {"file_id": file_id})
        with _partial_file(path) as sink:
            return self._transport.handle_download(request, sink)

    def url(self, file_id: str, *, expiry: int | None = None, **options: Unpack[RequestOptionsParam]) -> str:
        """A signed URL to download the file, valid ``expiry`` hours (1 to 168; server default 24)."""
        return self._call_then(
            endpoints.FILES_URL, {"expiry": expiry, **options}, _url, path={"file_id": file_id}
        )

    @functools.cached_property
    def with_raw_response(self) -> FilesWithRawResponse:
        return FilesWithRawResponse(self)


class FilesWithRawResponse:
    """``client.files``' methods returning the :class:`~mistral_client.APIResponse`."""

    def __init__(self, files: Files) -> None:
        files = files._raw_copy()
        self.upload = raw(files.upload)
        self.list = raw(files.list)
        self.retrieve = raw(files.retrieve)
        self.delete = raw(files.delete)
        self.download = raw(files.download)
        self.url = raw(files.url)


class AsyncFiles(AsyncAPIResource):
    workflows = frozenset({"download_to"})

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
        """Upload a file (``POST /v1/files``): a path (streamed from disk), bytes, a binary file object
        or ``(filename, bytes)``."""
        fields = {"purpose": purpose, "expiry": expiry, "visibility": visibility, **options}
        return await self._call(endpoints.FILES_UPLOAD, fields, upload=upload_of(file, filename))

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
        return await self._call(endpoints.FILES_LIST, {**params, **options})

    async def retrieve(self, file_id: str, **options: Unpack[RequestOptionsParam]) -> GetFileResponse:
        """One file's metadata (``GET /v1/files/{file_id}``)."""
        return await self._call(endpoints.FILES_RETRIEVE, options, path={"file_id": file_id})

    async def delete(self, file_id: str, **options: Unpack[RequestOptionsParam]) -> DeleteFileResponse:
        """Delete a file (``DELETE /v1/files/{file_id}``)."""
        return await self._call(endpoints.FILES_DELETE, options, path={"file_id": file_id})

    async def download(self, file_id: str, **options: Unpack[RequestOptionsParam]) -> bytes:
        """A file's content (``GET /v1/files/{file_id}/content``); see :meth:`download_to` for big files."""
        return await self._call(endpoints.FILES_DOWNLOAD, options, path={"file_id": file_id})

    async def download_to(
        self, file_id: str, path: str | os.PathLike[str], **options: Unpack[RequestOptionsParam]
    ) -> int:
        """Stream a file's content to ``path`` chunk by chunk; returns the bytes written. A failed
        download leaves no partial file behind."""
        request = self._request(endpoints.FILES_DOWNLOAD, options, {"file_id": file_id})
        with _partial_file(path) as sink:
            return await self._transport.handle_async_download(request, sink)

    async def url(
        self, file_id: str, *, expiry: int | None = None, **options: Unpack[RequestOptionsParam]
    ) -> str:
        """A signed URL to download the file, valid ``expiry`` hours (1 to 168; server default 24)."""
        return await self._call_then(
            endpoints.FILES_URL, {"expiry": expiry, **options}, _url, path={"file_id": file_id}
        )

    @functools.cached_property
    def with_raw_response(self) -> AsyncFilesWithRawResponse:
        return AsyncFilesWithRawResponse(self)


class AsyncFilesWithRawResponse:
    """``client.files``' methods returning the :class:`~mistral_client.APIResponse`; each is awaited."""

    def __init__(self, files: AsyncFiles) -> None:
        files = files._raw_copy()
        self.upload = async_raw(files.upload)
        self.list = async_raw(files.list)
        self.retrieve = async_raw(files.retrieve)
        self.delete = async_raw(files.delete)
        self.download = async_raw(files.download)
        self.url = async_raw(files.url)


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
