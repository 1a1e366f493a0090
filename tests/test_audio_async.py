"""client.audio on AsyncClient under asyncio and trio: transcriptions whole and streamed, closed on
break and on cancellation; uploads (transcriptions and files.upload) whose file reads never block the
event loop."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest

from mistral_client import AsyncClient, AsyncTranscriptionStream, IncompleteStreamError, RateLimitError
from mistral_client.types import TranscriptionStreamDone, TranscriptionStreamTextDelta

from .audio_server import AudioAPI, parse_form, sse, transcription
from .bulk_server import BulkAPI
from .conftest import SpecValidator
from .loopback import Conn, LoopbackServer, Request

pytestmark = pytest.mark.anyio

Serve = Callable[[Callable[[Request, Conn], None]], LoopbackServer]
MODEL = "voxtral-mini-latest"


@pytest.fixture
def api(validate_request: SpecValidator, spec: dict[str, Any]) -> AudioAPI:
    return AudioAPI(validate=validate_request, spec=spec)


async def test_a_transcription_from_a_path(serve: Serve, api: AudioAPI, tmp_path: Path) -> None:
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"RIFF" + b"\1" * 200_000)
    async with AsyncClient(api_key="k", base_url=serve(api).url) as client:
        result = await client.audio.transcriptions.complete(
            model=MODEL, file=audio, timestamp_granularities=["word"]
        )
    assert result.text == "Hello world." and result.request_id == "req-t1"
    upload = next(p for p in api.forms[0] if p.filename)
    assert (upload.filename, upload.content) == ("a.wav", audio.read_bytes())


async def test_the_stream_async_iterated(serve: Serve, api: AudioAPI) -> None:
    async with AsyncClient(api_key="k", base_url=serve(api).url) as client:
        stream = client.audio.transcriptions.stream(model=MODEL, file=("a.wav", b"RIFF"))
        assert isinstance(stream, AsyncTranscriptionStream)
        async with stream:
            events = [event async for event in stream]
        final = await stream.get_final_response()
        assert isinstance(events[-1], TranscriptionStreamDone)
        assert [e.text for e in events if isinstance(e, TranscriptionStreamTextDelta)] == ["Hello", " world."]
        assert final.text == "Hello world." and final.language == "en"

        texts = [
            text async for text in client.audio.transcriptions.stream(model=MODEL, file_id="f").text_deltas()
        ]
        assert texts == ["Hello", " world."]
        raw = await client.audio.transcriptions.with_raw_response.stream(model=MODEL, file_id="f")
        assert raw.status_code == 200
        assert (await raw.parse().get_final_response()).text == "Hello world."


def slow_stream(ended: threading.Event) -> Callable[[Request, Conn], None]:
    def handler(request: Request, conn: Conn) -> None:
        if b'name="stream"' not in request.body:
            conn.respond_json(200, transcription())
            return
        try:
            conn.start_chunked()
            for i in range(500):
                conn.chunk(sse({"type": "transcription.text.delta", "text": f"w{i} "}))
                time.sleep(0.005)
            conn.end_chunked()
        except OSError:
            pass
        finally:
            ended.set()

    return handler


async def test_break_and_cancellation_close_the_stream(serve: Serve) -> None:
    ended = threading.Event()
    server = serve(slow_stream(ended))
    http = httpx2.AsyncClient(limits=httpx2.Limits(max_connections=1))
    async with AsyncClient(api_key="k", base_url=server.url, http_client=http) as client:
        async with client.audio.transcriptions.stream(model=MODEL, file=b"x") as stream:
            async for _ in stream:
                break
        assert await anyio.to_thread.run_sync(ended.wait, 5)

        ended.clear()
        with anyio.move_on_after(0.1) as scope:
            async with client.audio.transcriptions.stream(model=MODEL, file=b"x") as stream:
                async for _ in stream:
                    pass
        assert scope.cancelled_caught
        assert await anyio.to_thread.run_sync(ended.wait, 5)
        with anyio.fail_after(2):  # the one pooled connection came back
            assert (await client.audio.transcriptions.complete(model=MODEL, file=b"x")).text == "Hello world."
    await http.aclose()


async def test_mid_stream_errors_and_cut_streams(serve: Serve) -> None:
    def handler(request: Request, conn: Conn) -> None:
        conn.start_chunked()
        conn.chunk(sse({"type": "transcription.text.delta", "text": "Hel"}))
        if "cut" in request.path:
            conn.chunk(b"event: transcription.text.delta\ndata: {")
        else:
            conn.chunk(b'event: error\ndata: {"message": "slow down", "code": 429}\n\n')
        conn.end_chunked()

    server = serve(handler)
    async with AsyncClient(api_key="k", base_url=server.url) as client:
        with pytest.raises(RateLimitError):
            async for _ in client.audio.transcriptions.stream(model=MODEL, file=b"x"):
                pass
        with pytest.raises(IncompleteStreamError):
            async for _ in client.audio.transcriptions.stream(
                model=MODEL, file=b"x", extra_query={"cut": "1"}
            ):
                pass


async def test_speech_and_voices(serve: Serve, api: AudioAPI, tmp_path: Path) -> None:
    async with AsyncClient(api_key="k", base_url=serve(api).url) as client:
        assert (await client.audio.speech.complete(input="Salut")).audio_bytes() == b"RIFFSalut"
        async with client.audio.speech.stream(input="Salut") as stream:
            assert b"".join([chunk async for chunk in stream.audio_chunks()]) == b"RIFFSalut"
        assert (await client.audio.voices.list()).total == 1
        assert (await client.audio.voices.update("v", description="warm")).description == "warm"
        assert await client.audio.voices.get_sample_audio("v") == b"RIFF-sample"


class SlowFile(io.RawIOBase):
    """A binary file whose reads block, as a slow disk or network mount does."""

    def __init__(self, data: bytes, delay: float) -> None:
        super().__init__()
        self._data = io.BytesIO(data)
        self.delay = delay
        self.reader_threads: set[int] = set()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._data.seek(offset, whence)

    def tell(self) -> int:
        return self._data.tell()

    def readinto(self, buffer: Any) -> int:
        self.reader_threads.add(threading.get_ident())
        time.sleep(self.delay)
        return self._data.readinto(buffer)

    def getvalue(self) -> bytes:
        return self._data.getvalue()


async def _longest_stall(work: Callable[[], Any]) -> float:
    """The longest the event loop went without running a ticking task while ``work`` ran."""
    longest = 0.0
    done = anyio.Event()

    async def tick() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not done.is_set():
            await anyio.sleep(0.005)
            now = time.perf_counter()
            longest = max(longest, now - last)
            last = now

    async with anyio.create_task_group() as tg:
        tg.start_soon(tick)
        await anyio.sleep(0.02)
        await work()
        done.set()
    return longest


@pytest.mark.parametrize("operation", ["transcription", "files.upload"])
async def test_an_upload_s_reads_never_block_the_event_loop(serve: Serve, operation: str) -> None:
    # Six 64 KiB chunks, each read taking 80 ms: read on the loop, every read would stall it as long.
    source = SlowFile(b"\1" * (6 * 64 * 1024), delay=0.08)
    # No schema validation in the server here: its thread would hold the GIL, stalling the loop too.
    server = serve(AudioAPI() if operation == "transcription" else BulkAPI())
    async with AsyncClient(api_key="k", base_url=server.url) as client:
        # Warm up first: the first call builds the HTTP client (its SSL context), on the loop.
        if operation == "transcription":
            await client.audio.transcriptions.complete(model=MODEL, file=b"warm")
        else:
            await client.files.upload(file=b"warm", filename="warm.jsonl", purpose="batch")

        async def upload() -> None:
            if operation == "transcription":
                await client.audio.transcriptions.complete(model=MODEL, file=source)  # type: ignore[arg-type]
            else:
                await client.files.upload(file=source, filename="data.jsonl", purpose="batch")  # type: ignore[arg-type]

        stall = await _longest_stall(upload)
    assert stall < 0.06, f"the event loop stalled {stall * 1000:.0f} ms"
    assert threading.get_ident() not in source.reader_threads  # read in worker threads only
    (part,) = [p for p in parse_form(server.requests[-1]) if p.filename]
    assert part.content == source.getvalue()
