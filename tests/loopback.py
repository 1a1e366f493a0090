"""A real HTTP/1.1 server on 127.0.0.1 with byte-level control, for tests where the network is the point.

Each request is handed to a handler ``(request, conn)`` that writes what it likes: a whole response,
chunks with pauses between them, half a body, or a TCP reset. Connections are kept alive, and the
server counts them, so tests can see reconnect churn and pool leaks.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Conn:
    sock: socket.socket
    closed: bool = False

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        self.closed = True
        self.sock.close()

    def reset(self) -> None:
        """Abort with a TCP RST (SO_LINGER 0), as a crashed peer or a middlebox would."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    # --- response helpers ---

    def respond(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        head = {"content-type": "application/json", "content-length": str(len(body)), **(headers or {})}
        self.send(_head(status, head) + body)

    def respond_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self.respond(status, json.dumps(obj).encode(), headers)

    def start_chunked(self, status: int = 200, headers: dict[str, str] | None = None) -> None:
        head = {"content-type": "text/event-stream", "transfer-encoding": "chunked", **(headers or {})}
        self.send(_head(status, head))

    def chunk(self, data: bytes) -> None:
        self.send(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def end_chunked(self) -> None:
        self.send(b"0\r\n\r\n")

    def stream_events(self, events: Iterable[bytes], delay: float = 0.0) -> None:
        self.start_chunked()
        for event in events:
            self.chunk(event)
            if delay:
                time.sleep(delay)
        self.end_chunked()


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


Handler = Callable[[Request, Conn], None]


@dataclass
class LoopbackServer:
    handler: Handler
    connections: int = 0
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        # Wake the accept loop rather than wait out its 0.2 s poll: it adds up over hundreds of tests.
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        self._thread.join(timeout=5)
        self._listener.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            if self._stop.is_set():  # the wake-up connection of __exit__
                sock.close()
                break
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(30)
        conn = Conn(sock)
        buffer = b""
        try:
            while not conn.closed and not self._stop.is_set():
                while b"\r\n\r\n" not in buffer:
                    data = sock.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                if headers.get("transfer-encoding") == "chunked":  # a streamed upload of unknown length
                    parts: list[bytes] = []
                    while True:
                        while b"\r\n" not in buffer:
                            data = sock.recv(65536)
                            if not data:
                                return
                            buffer += data
                        size_line, _, buffer = buffer.partition(b"\r\n")
                        size = int(size_line.split(b";")[0], 16)
                        while len(buffer) < size + 2:
                            data = sock.recv(65536)
                            if not data:
                                return
                            buffer += data
                        parts.append(buffer[:size])
                        buffer = buffer[size + 2 :]
                        if size == 0:
                            break
                    body = b"".join(parts)
                else:
                    length = int(headers.get("content-length", "0"))
                    while len(buffer) < length:
                        data = sock.recv(65536)
                        if not data:
                            return
                        buffer += data
                    body, buffer = buffer[:length], buffer[length:]
                request = Request(method, path, headers, body)
                with self._lock:
                    self.requests.append(request)
                self.handler(request, conn)
        except OSError:
            pass
        finally:
            if not conn.closed:
                sock.close()


# --- canned API payloads ----------------------------------------------------------------------------


def chat_response(content: str = "Bonjour !", **overrides: Any) -> dict[str, Any]:
    return {
        "id": "cmpl-1",
        "object": "chat.completion",
        "model": "mistral-small-latest",
        "created": 1700000000,
        "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        **overrides,
    }


def chunk_event(content: str | None = None, finish_reason: str | None = None, **delta: Any) -> bytes:
    if content is not None:
        delta["content"] = content
    payload: dict[str, Any] = {
        "id": "cmpl-1",
        "object": "chat.completion.chunk",
        "model": "mistral-small-latest",
        "created": 1700000000,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    if finish_reason is not None:
        payload["usage"] = {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"
