"""Sending a multipart body from disk: a path opened only while the request is sent (and retried), and,
for the async backend, the file's chunks read in a worker thread instead of on the event loop.

httpx2 streams a file object of a multipart body in 64 KiB chunks (rewinding it for a retry), but its
async client reads them with the file's blocking ``read`` on the event loop: a large upload then
stalls every other task for as long as the disk takes. The async backend sends the same body
(httpx2's encoding, its length and boundary) as an async stream whose reads run in a worker thread.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import PurePath
from typing import IO, Any, TypeVar

import httpx2

from .._backend import APIRequest

T = TypeVar("T")

#: What one worker-thread hop reads: httpx2's own chunk size, so a file chunk takes one hop.
_BLOCK = 64 * 1024


def _with_file(request: APIRequest[T], file: IO[bytes]) -> APIRequest[T]:
    assert request.multipart is not None
    return dataclasses.replace(request, multipart=dataclasses.replace(request.multipart, file=file))


def _path_of(request: APIRequest[Any]) -> PurePath | None:
    multipart = request.multipart
    return multipart.file if multipart is not None and isinstance(multipart.file, PurePath) else None


@contextlib.contextmanager
def opened(request: APIRequest[T]) -> Iterator[APIRequest[T]]:
    """The request with its upload's path open as a file, closed once sent (retries included)."""
    path = _path_of(request)
    if path is None:
        yield request
        return
    with open(path, "rb") as file:
        yield _with_file(request, file)


@contextlib.asynccontextmanager
async def aopened(request: APIRequest[T]) -> AsyncIterator[APIRequest[T]]:
    """:func:`opened`, the file opened in a worker thread (opening can wait on the disk too)."""
    path = _path_of(request)
    if path is None:
        yield request
        return
    import anyio.to_thread

    file = await anyio.to_thread.run_sync(open, path, "rb")
    try:
        yield _with_file(request, file)
    finally:
        file.close()


def reads_off_loop(request: APIRequest[Any]) -> bool:
    """Whether the request's body reads a file (not bytes in memory): its reads belong in a thread."""
    multipart = request.multipart
    if multipart is None or multipart.file is None:
        return False
    file = multipart.file
    # A BytesIO is memory already (a subclass may do anything in read()).
    return not isinstance(file, (bytes, bytearray, memoryview)) and type(file) is not io.BytesIO


class _ThreadedBody:
    """A multipart body (httpx2's encoding of it) whose chunks are produced in a worker thread.

    Not an async generator: httpx2 iterates it anew for each retry, and each pass starts the
    encoding over (which rewinds the file).
    """

    def __init__(self, body: Iterable[bytes]) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        import anyio.to_thread

        chunks = iter(self._body)
        while True:
            block = await anyio.to_thread.run_sync(_next_block, chunks)
            if not block:
                return
            yield block


def _next_block(chunks: Iterator[bytes]) -> bytes:
    """About one file chunk's worth: the small pieces (boundaries, part headers) ride along."""
    pieces: list[bytes] = []
    size = 0
    for chunk in chunks:
        pieces.append(chunk)
        size += len(chunk)
        if size >= _BLOCK:
            break
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def off_loop(client: httpx2.AsyncClient, built: httpx2.Request) -> httpx2.Request:
    """``built`` (a multipart request) with the same headers (its length and boundary) and body, the
    body's file read in a worker thread."""
    body: Any = built.stream  # httpx2's multipart encoding: iterable in chunks, rewinding the file
    return client.build_request(
        built.method,
        built.url,
        content=_ThreadedBody(body),
        headers=built.headers,
        extensions=built.extensions,
    )
