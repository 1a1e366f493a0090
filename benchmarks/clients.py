"""One adapter per client library, all doing the same calls against the mock server.

Every SDK import happens inside the adapter constructors, so a missing library only skips its
rows (see `unavailable_reason`) instead of breaking the harness.
"""

from __future__ import annotations

import importlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import payloads

API_KEY = "bench-key"
# Each SDK types messages with its own TypedDicts; the wire shape is the same, so share one list.
MESSAGES: Any = payloads.CHAT_MESSAGES
# The raw baselines are written as a user would write them: one reused client with the library's
# default `Limits()` (100 connections, 20 kept alive). Only the timeout is raised, so that a loaded
# machine cannot turn a slow run into a failed one.
TIMEOUT_S = 120.0


class NoConversations(NotImplementedError):
    """The client has no Conversations API (its rows of (k) are skipped)."""

    def __str__(self) -> str:
        return "no Conversations API"


class SyncAdapter(ABC):
    @abstractmethod
    def chat(self) -> str: ...

    @abstractmethod
    def stream(self) -> int:
        """Consume one chat stream fully; returns the number of chunks seen."""

    @abstractmethod
    def embed(self, inputs: list[str]) -> int:
        """One embeddings call; returns the number of vectors."""

    def conversation_stream(self) -> int:
        """Consume one conversation stream (``/v1/conversations``) fully; returns the events seen."""
        raise NoConversations

    @abstractmethod
    def close(self) -> None: ...


class AsyncAdapter(ABC):
    @abstractmethod
    async def chat(self) -> str: ...

    @abstractmethod
    async def stream(self) -> int: ...

    async def conversation_stream(self) -> int:
        raise NoConversations

    @abstractmethod
    async def aclose(self) -> None: ...


# --- raw httpx2 / httpx: one reused client with default Limits(), stdlib json, no models -------------


def _chat_body(stream: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"model": payloads.CHAT_MODEL, "messages": payloads.CHAT_MESSAGES}
    if stream:
        body["stream"] = True
    return body


def _conversation_body() -> dict[str, Any]:
    return {"model": payloads.CHAT_MODEL, "inputs": payloads.CHAT_MESSAGES[-1]["content"], "stream": True}


def _conversation_event(data: str) -> None:
    # What a user reads of each event: its type, and a message delta's text.
    event = json.loads(data)
    if event["type"] == "message.output.delta":
        event["content"]


def _sse_payload(line: str) -> str | None:
    """The JSON text of an SSE data line, '' for the [DONE] sentinel, None for other lines."""
    if not line.startswith("data:"):
        return None
    data = line[5:].strip()
    return "" if data == "[DONE]" else data


class _RawSync(SyncAdapter):
    module = "httpx2"

    def __init__(self, base_url: str) -> None:
        httpx = importlib.import_module(self.module)
        self._client = httpx.Client(
            base_url=base_url, headers={"authorization": f"Bearer {API_KEY}"}, timeout=TIMEOUT_S
        )

    def chat(self) -> str:
        r = self._client.post("/v1/chat/completions", json=_chat_body())
        r.raise_for_status()
        content: str = json.loads(r.content)["choices"][0]["message"]["content"]
        return content

    def stream(self) -> int:
        n = 0
        with self._client.stream("POST", "/v1/chat/completions", json=_chat_body(stream=True)) as r:
            r.raise_for_status()
            for line in r.iter_lines():
                data = _sse_payload(line)
                if data == "":
                    break
                if data is not None:
                    json.loads(data)["choices"][0]["delta"].get("content")
                    n += 1
        return n

    def conversation_stream(self) -> int:
        n = 0
        with self._client.stream("POST", "/v1/conversations", json=_conversation_body()) as r:
            r.raise_for_status()
            for line in r.iter_lines():
                if line.startswith("data:"):
                    _conversation_event(line[5:])
                    n += 1
        return n

    def embed(self, inputs: list[str]) -> int:
        r = self._client.post("/v1/embeddings", json={"model": payloads.EMBED_MODEL, "input": inputs})
        r.raise_for_status()
        return len(json.loads(r.content)["data"])

    def close(self) -> None:
        self._client.close()


class _RawAsync(AsyncAdapter):
    module = "httpx2"

    def __init__(self, base_url: str) -> None:
        httpx = importlib.import_module(self.module)
        self._client = httpx.AsyncClient(
            base_url=base_url, headers={"authorization": f"Bearer {API_KEY}"}, timeout=TIMEOUT_S
        )

    async def chat(self) -> str:
        r = await self._client.post("/v1/chat/completions", json=_chat_body())
        r.raise_for_status()
        content: str = json.loads(r.content)["choices"][0]["message"]["content"]
        return content

    async def stream(self) -> int:
        n = 0
        async with self._client.stream("POST", "/v1/chat/completions", json=_chat_body(stream=True)) as r:
            r.raise_for_status()
            async for line in r.aiter_lines():
                data = _sse_payload(line)
                if data == "":
                    break
                if data is not None:
                    json.loads(data)["choices"][0]["delta"].get("content")
                    n += 1
        return n

    async def conversation_stream(self) -> int:
        n = 0
        async with self._client.stream("POST", "/v1/conversations", json=_conversation_body()) as r:
            r.raise_for_status()
            async for line in r.aiter_lines():
                if line.startswith("data:"):
                    _conversation_event(line[5:])
                    n += 1
        return n

    async def aclose(self) -> None:
        await self._client.aclose()


class RawHttpx2Sync(_RawSync):
    module = "httpx2"


class RawHttpx2Async(_RawAsync):
    module = "httpx2"


class RawHttpxSync(_RawSync):
    module = "httpx"


class RawHttpxAsync(_RawAsync):
    module = "httpx"


# --- mistral_client (this project) ----------------------------------------------------------------


class MistralClientSync(SyncAdapter):
    def __init__(self, base_url: str) -> None:
        from mistral_client import Client

        self._client = Client(api_key=API_KEY, base_url=base_url)

    def chat(self) -> str:
        r = self._client.chat.complete(model=payloads.CHAT_MODEL, messages=MESSAGES)
        return str(r.choices[0].message.content)

    def stream(self) -> int:
        n = 0
        for chunk in self._client.chat.stream(model=payloads.CHAT_MODEL, messages=MESSAGES):
            _ = chunk.choices[0].delta.content
            n += 1
        return n

    def conversation_stream(self) -> int:
        n = 0
        inputs = payloads.CHAT_MESSAGES[-1]["content"]
        with self._client.beta.conversations.start_stream(model=payloads.CHAT_MODEL, inputs=inputs) as events:
            for event in events:
                if event.type == "message.output.delta":
                    _ = event.content
                n += 1
        return n

    def embed(self, inputs: list[str]) -> int:
        r = self._client.embeddings.create(model=payloads.EMBED_MODEL, input=inputs)
        return len(r.data)

    def close(self) -> None:
        self._client.close()


class MistralClientAsync(AsyncAdapter):
    def __init__(self, base_url: str) -> None:
        from mistral_client import AsyncClient

        self._client = AsyncClient(api_key=API_KEY, base_url=base_url)

    async def chat(self) -> str:
        r = await self._client.chat.complete(model=payloads.CHAT_MODEL, messages=MESSAGES)
        return str(r.choices[0].message.content)

    async def stream(self) -> int:
        n = 0
        async for chunk in self._client.chat.stream(model=payloads.CHAT_MODEL, messages=MESSAGES):
            _ = chunk.choices[0].delta.content
            n += 1
        return n

    async def conversation_stream(self) -> int:
        n = 0
        inputs = payloads.CHAT_MESSAGES[-1]["content"]
        stream = self._client.beta.conversations.start_stream(model=payloads.CHAT_MODEL, inputs=inputs)
        async with stream as events:
            async for event in events:
                if event.type == "message.output.delta":
                    _ = event.content
                n += 1
        return n

    async def aclose(self) -> None:
        await self._client.close()


# --- official mistralai SDK -------------------------------------------------------------------------


def _mistralai_class() -> Any:
    # v2+ moved the client under mistralai.client; v1 exported it at the top level.
    try:
        return importlib.import_module("mistralai.client").Mistral
    except (ImportError, AttributeError):
        return importlib.import_module("mistralai").Mistral


class MistralaiSync(SyncAdapter):
    def __init__(self, base_url: str) -> None:
        self._client = _mistralai_class()(api_key=API_KEY, server_url=base_url)

    def chat(self) -> str:
        r = self._client.chat.complete(model=payloads.CHAT_MODEL, messages=MESSAGES)
        return str(r.choices[0].message.content)

    def stream(self) -> int:
        n = 0
        for event in self._client.chat.stream(model=payloads.CHAT_MODEL, messages=MESSAGES):
            _ = event.data.choices[0].delta.content
            n += 1
        return n

    def conversation_stream(self) -> int:
        n = 0
        inputs = payloads.CHAT_MESSAGES[-1]["content"]
        with self._client.beta.conversations.start_stream(model=payloads.CHAT_MODEL, inputs=inputs) as events:
            for event in events:
                if event.data.type == "message.output.delta":
                    _ = event.data.content
                n += 1
        return n

    def embed(self, inputs: list[str]) -> int:
        r = self._client.embeddings.create(model=payloads.EMBED_MODEL, inputs=inputs)
        return len(r.data)

    def close(self) -> None:
        self._client.__exit__(None, None, None)


class MistralaiAsync(AsyncAdapter):
    def __init__(self, base_url: str) -> None:
        self._client = _mistralai_class()(api_key=API_KEY, server_url=base_url)

    async def chat(self) -> str:
        r = await self._client.chat.complete_async(model=payloads.CHAT_MODEL, messages=MESSAGES)
        return str(r.choices[0].message.content)

    async def stream(self) -> int:
        n = 0
        events = await self._client.chat.stream_async(model=payloads.CHAT_MODEL, messages=MESSAGES)
        async for event in events:
            _ = event.data.choices[0].delta.content
            n += 1
        return n

    async def conversation_stream(self) -> int:
        n = 0
        inputs = payloads.CHAT_MESSAGES[-1]["content"]
        events = await self._client.beta.conversations.start_stream_async(
            model=payloads.CHAT_MODEL, inputs=inputs
        )
        async with events:
            async for event in events:
                if event.data.type == "message.output.delta":
                    _ = event.data.content
                n += 1
        return n

    async def aclose(self) -> None:
        await self._client.__aexit__(None, None, None)


# --- openai SDK (same chat/embeddings wire format under /v1) ---------------------------------------


class OpenAISync(SyncAdapter):
    def __init__(self, base_url: str) -> None:
        import openai

        self._client = openai.OpenAI(api_key=API_KEY, base_url=f"{base_url}/v1")

    def chat(self) -> str:
        r = self._client.chat.completions.create(model=payloads.CHAT_MODEL, messages=MESSAGES)
        return str(r.choices[0].message.content)

    def stream(self) -> int:
        n = 0
        chunks = self._client.chat.completions.create(
            model=payloads.CHAT_MODEL,
            messages=MESSAGES,
            stream=True,
        )
        for chunk in chunks:
            _ = chunk.choices[0].delta.content
            n += 1
        return n

    def embed(self, inputs: list[str]) -> int:
        # encoding_format="float" is what the Mistral API returns; openai would otherwise ask for base64.
        r = self._client.embeddings.create(model=payloads.EMBED_MODEL, input=inputs, encoding_format="float")
        return len(r.data)

    def close(self) -> None:
        self._client.close()


class OpenAIAsync(AsyncAdapter):
    def __init__(self, base_url: str) -> None:
        import openai

        self._client = openai.AsyncOpenAI(api_key=API_KEY, base_url=f"{base_url}/v1")

    async def chat(self) -> str:
        r = await self._client.chat.completions.create(
            model=payloads.CHAT_MODEL,
            messages=MESSAGES,
        )
        return str(r.choices[0].message.content)

    async def stream(self) -> int:
        n = 0
        chunks = await self._client.chat.completions.create(
            model=payloads.CHAT_MODEL,
            messages=MESSAGES,
            stream=True,
        )
        async for chunk in chunks:
            _ = chunk.choices[0].delta.content
            n += 1
        return n

    async def aclose(self) -> None:
        await self._client.close()


# --- registry ------------------------------------------------------------------------------------------

BASELINE = "raw httpx2"
#: The second baseline: the legacy library most applications still hold a client of.
LEGACY = "raw httpx"
OURS = "mistral_client"


@dataclass(frozen=True)
class ClientSpec:
    name: str
    module: str  # what must import for the client to be benchmarked
    make_sync: Callable[[str], SyncAdapter]
    make_async: Callable[[str], AsyncAdapter]
    # Scenario (e): import plus first client construction, run in a fresh interpreter.
    startup_code: str


CLIENTS: tuple[ClientSpec, ...] = (
    ClientSpec(
        BASELINE, "httpx2", RawHttpx2Sync, RawHttpx2Async, "import httpx2\nhttpx2.Client(base_url=BASE_URL)"
    ),
    ClientSpec(LEGACY, "httpx", RawHttpxSync, RawHttpxAsync, "import httpx\nhttpx.Client(base_url=BASE_URL)"),
    ClientSpec(
        OURS,
        "mistral_client",
        MistralClientSync,
        MistralClientAsync,
        "import mistral_client\nmistral_client.Client(api_key='k', base_url=BASE_URL)",
    ),
    ClientSpec(
        "mistralai",
        "mistralai",
        MistralaiSync,
        MistralaiAsync,
        "try:\n    from mistralai.client import Mistral\n"
        "except ImportError:\n    from mistralai import Mistral\n"
        "Mistral(api_key='k', server_url=BASE_URL)",
    ),
    ClientSpec(
        "openai",
        "openai",
        OpenAISync,
        OpenAIAsync,
        "import openai\nopenai.OpenAI(api_key='k', base_url=BASE_URL + '/v1')",
    ),
)


def by_name(name: str) -> ClientSpec:
    for spec in CLIENTS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def unavailable_reason(spec: ClientSpec) -> str | None:
    """None if the client's library imports, else a one-line reason to show in the report."""
    try:
        importlib.import_module(spec.module)
    except Exception as exc:  # any import-time failure (not only ImportError) means "skip"
        return f"{spec.module} not importable: {type(exc).__name__}: {exc}".splitlines()[0][:160]
    return None
