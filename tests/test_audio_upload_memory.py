"""A 200 MB recording uploads by path in little memory, sync and async: it is streamed from disk.

The process's peak RSS (``VmHWM``, reset through ``/proc/self/clear_refs``) may grow by less than
20 MB over the upload. The server runs in this process but discards what it receives; the file is
sparse, so writing it costs nothing and reading it is only the page cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mistral_client import AsyncClient, Client

SIZE = 200 * 1024 * 1024
LIMIT = 20 * 1024 * 1024
STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")


def _kib(field: str) -> int:
    for line in STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def _reset_peak() -> None:
    CLEAR_REFS.write_text("5")  # resets VmHWM to the current RSS (Linux 4.0+)


@pytest.fixture(scope="module", autouse=True)
def _peak_resets() -> None:
    if not STATUS.exists():
        pytest.skip("needs /proc/self/status")
    try:
        _reset_peak()
    except OSError as exc:
        pytest.skip(f"cannot reset the peak RSS here: {exc}")


class DiscardingServer:
    """One-request-per-connection HTTP server that counts the body's bytes and throws them away."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.received: list[int] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            with sock:
                self._answer(sock)

    def _answer(self, sock: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(65536)
        head, _, rest = head.partition(b"\r\n\r\n")
        headers = dict(
            (name.strip().lower(), value.strip())
            for name, _, value in (line.partition(":") for line in head.decode("latin-1").split("\r\n")[1:])
        )
        remaining = int(headers["content-length"]) - len(rest)
        received = len(rest)
        buffer = bytearray(1 << 18)
        while remaining > 0:
            got = sock.recv_into(buffer, min(remaining, len(buffer)))
            if not got:
                break
            remaining -= got
            received += got
        self.received.append(received)
        body = json.dumps({"model": "m", "text": "ok", "language": "en", "usage": {}}).encode()
        sock.sendall(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n"
            + f"content-length: {len(body)}\r\n\r\n".encode()
            + body
        )

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def server() -> Iterator[DiscardingServer]:
    running = DiscardingServer()
    yield running
    running.close()


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audio") / "long.wav"
    with path.open("wb") as out:
        out.write(b"RIFF")
        out.truncate(SIZE)  # sparse: no 200 MB written
    return path


@contextlib.contextmanager
def peak_growth() -> Iterator[list[int]]:
    growth: list[int] = []
    _reset_peak()
    start = _kib("VmRSS")
    yield growth
    growth.append(_kib("VmHWM") - start)


def test_a_200_mb_path_uploads_in_little_memory_sync(server: DiscardingServer, recording: Path) -> None:
    client = Client(api_key="k", base_url=server.url)
    client.audio.transcriptions.complete(model="m", file=b"warm")  # the client's first-use costs
    with peak_growth() as growth:
        assert client.audio.transcriptions.complete(model="m", file=recording).text == "ok"
    assert server.received[-1] > SIZE
    assert growth[0] < LIMIT, f"peak RSS grew {growth[0] / 2**20:.1f} MB"


def test_a_200_mb_path_uploads_in_little_memory_async(server: DiscardingServer, recording: Path) -> None:
    async def upload() -> list[int]:
        async with AsyncClient(api_key="k", base_url=server.url) as client:
            await client.audio.transcriptions.complete(model="m", file=b"warm")
            with peak_growth() as growth:
                assert (await client.audio.transcriptions.complete(model="m", file=recording)).text == "ok"
            return growth

    growth = asyncio.run(upload())
    assert server.received[-1] > SIZE
    assert growth[0] < LIMIT, f"peak RSS grew {growth[0] / 2**20:.1f} MB"
