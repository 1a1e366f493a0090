"""Mock Mistral API server, run in its own process: `python benchmarks/server.py --port 0`.

Why a hand-rolled asyncio protocol rather than http.server or uvicorn: it is stdlib-only (so it runs
in any venv `make bench` uses) and costs ~20 us of server CPU per request, several times less than
http.server's email-based header parsing or uvicorn+h11. The server then adds as little latency as
possible, which keeps the client-side ratios honest instead of diluting them with server time.

Every response (status line, headers and body) is built once and then written as-is. HTTP/1.1
keep-alive; request bodies must carry Content-Length (all the clients benchmarked do).

Control channel: one command per line on stdin, one JSON line answered on stdout:
  `stats` -> {"connections": accepted TCP connections, "requests": n, "open": open connections}
  `reset` -> zero the counters; `chunks N` -> default stream length; EOF -> exit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import payloads

MAX_HEAD = 64 * 1024
CHUNKS_HEADER = "x-mock-chunks"


def _response(body: bytes, content_type: str = "application/json", status: str = "200 OK") -> bytes:
    head = f"HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {len(body)}\r\n\r\n"
    return head.encode() + body


def _sse_response(events: list[bytes]) -> bytes:
    # Chunked transfer encoding with one HTTP chunk per SSE event, as a real streaming server sends.
    parts = [b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"]
    parts.extend(b"%x\r\n%b\r\n" % (len(event), event) for event in events)
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


class MockApp:
    """Routes requests to prebuilt responses and keeps the counters."""

    def __init__(self, stream_chunks: int, embed_counts: list[int]) -> None:
        self.stream_chunks = stream_chunks
        self.connections = 0
        self.open_connections = 0
        self.requests = 0
        self._chat = _response(payloads.chat_completion())
        self._fim = _response(payloads.fim_completion())
        self._models = _response(payloads.models_list())
        self._not_found = _response(b'{"detail":"not found"}', status="404 Not Found")
        self._bad_request = _response(b'{"detail":"bad request"}', status="400 Bad Request")
        self._streams: dict[tuple[str, int], bytes] = {}
        self._conversation_streams: dict[int, bytes] = {}
        self._embeddings: dict[int, bytes] = {}
        self.stream_response(payloads.CHAT_MODEL, stream_chunks)
        self.conversation_stream_response(stream_chunks)
        for count in embed_counts:
            self.embeddings_response(count)

    def stream_response(self, model: str, n_chunks: int) -> bytes:
        key = (model, n_chunks)
        cached = self._streams.get(key)
        if cached is None:
            cached = self._streams[key] = _sse_response(payloads.sse_events(n_chunks, model))
        return cached

    def transcription_response(self, n_events: int) -> bytes:
        cached = self._streams.get(("transcription", n_events))
        if cached is None:
            events = payloads.transcription_events(n_events)
            cached = self._streams[("transcription", n_events)] = _sse_response(events)
        return cached

    def conversation_stream_response(self, n_events: int) -> bytes:
        cached = self._conversation_streams.get(n_events)
        if cached is None:
            cached = _sse_response(payloads.conversation_events(n_events))
            self._conversation_streams[n_events] = cached
        return cached

    def embeddings_response(self, count: int) -> bytes:
        cached = self._embeddings.get(count)
        if cached is None:
            cached = self._embeddings[count] = _response(payloads.embeddings(count))
        return cached

    def respond(self, method: str, target: str, headers: dict[str, str], body: bytes) -> bytes:
        self.requests += 1
        path, _, query = target.partition("?")
        if method == "GET" and path == "/v1/models":
            return self._models
        if method != "POST":
            return self._not_found
        if path == "/v1/audio/transcriptions":  # a multipart form, not JSON: answered by its length
            return self.transcription_response(self._chunks(query, headers))
        try:
            request: dict[str, Any] = json.loads(body) if body else {}
        except ValueError:
            return self._bad_request
        if path == "/v1/chat/completions":
            if request.get("stream"):
                return self.stream_response(payloads.CHAT_MODEL, self._chunks(query, headers))
            return self._chat
        if path == "/v1/fim/completions":
            if request.get("stream"):
                return self.stream_response(payloads.FIM_MODEL, self._chunks(query, headers))
            return self._fim
        if path == "/v1/conversations" and request.get("stream"):
            return self.conversation_stream_response(self._chunks(query, headers))
        if path == "/v1/embeddings":
            inputs = request.get("input", request.get("inputs", []))
            return self.embeddings_response(len(inputs) if isinstance(inputs, list) else 1)
        return self._not_found

    def _chunks(self, query: str, headers: dict[str, str]) -> int:
        if query:
            values = parse_qs(urlsplit("?" + query).query).get("chunks")
            if values:
                return max(1, int(values[0]))
        header = headers.get(CHUNKS_HEADER)
        return max(1, int(header)) if header else self.stream_chunks


class HttpProtocol(asyncio.Protocol):
    """Minimal HTTP/1.1 server side: request line, headers, Content-Length body, keep-alive."""

    def __init__(self, app: MockApp) -> None:
        self._app = app
        self._buf = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._app.connections += 1
        self._app.open_connections += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self._app.open_connections -= 1

    def data_received(self, data: bytes) -> None:
        self._buf += data
        # Each pass consumes one complete request; stops when the buffer holds no complete request.
        while self._transport is not None and not self._transport.is_closing():
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buf) > MAX_HEAD:
                    self._close_with(b"431 Request Header Fields Too Large")
                return
            lines = self._buf[:end].decode("latin-1").split("\r\n")
            method, target, _version = lines[0].split(" ", 2)
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if "chunked" in headers.get("transfer-encoding", ""):
                self._close_with(b"501 Not Implemented")
                return
            total = end + 4 + int(headers.get("content-length", "0"))
            if len(self._buf) < total:
                return
            body = bytes(self._buf[end + 4 : total])
            del self._buf[:total]
            self._transport.write(self._app.respond(method, target, headers, body))
            if headers.get("connection", "").lower() == "close":
                self._transport.close()

    def _close_with(self, status: bytes) -> None:
        assert self._transport is not None
        self._transport.write(b"HTTP/1.1 " + status + b"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        self._transport.close()


async def _control(app: MockApp, command: str) -> dict[str, Any]:
    name, _, arg = command.strip().partition(" ")
    if name == "stats":
        return {"connections": app.connections, "requests": app.requests, "open": app.open_connections}
    if name == "reset":
        app.connections = app.requests = 0
        return {"ok": True}
    if name == "chunks":
        app.stream_chunks = int(arg)
        app.stream_response(payloads.CHAT_MODEL, app.stream_chunks)
        return {"ok": True}
    return {"error": f"unknown command {command!r}"}


def _control_loop(app: MockApp, loop: asyncio.AbstractEventLoop, done: asyncio.Event) -> None:
    # Commands run on the event loop thread so counters are never touched concurrently.
    for line in sys.stdin:
        if not line.strip():
            continue
        reply = asyncio.run_coroutine_threadsafe(_control(app, line), loop).result()
        print(json.dumps(reply), flush=True)
    loop.call_soon_threadsafe(done.set)


async def serve(host: str, port: int, stream_chunks: int, embed_counts: list[int]) -> None:
    app = MockApp(stream_chunks, embed_counts)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: HttpProtocol(app), host, port, backlog=1024)
    bound_port = server.sockets[0].getsockname()[1]
    done = asyncio.Event()
    threading.Thread(target=_control_loop, args=(app, loop, done), daemon=True).start()
    print(f"READY {bound_port}", flush=True)
    async with server:
        await done.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--chunks", type=int, default=20_000, help="default SSE chunks per stream")
    parser.add_argument("--embed-counts", type=int, nargs="*", default=[64], help="prebuilt batch sizes")
    args = parser.parse_args()
    if args.host != "127.0.0.1":
        parser.error("the mock server only binds 127.0.0.1")
    asyncio.run(serve(args.host, args.port, args.chunks, args.embed_counts))


if __name__ == "__main__":
    main()
