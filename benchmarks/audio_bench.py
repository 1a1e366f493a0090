"""(t) A transcription stream of `stream_chunks` events (20,000 in a full run), sync and async: each
client uploads the same small WAV as a multipart form and reads every event of the stream.

Raw httpx2 is what a user would write against the API without an SDK: `client.stream("POST", ...)`
with `data=` and `files=`, `iter_lines()`, the `data:` lines `json.loads`ed, each text delta's text
read, stopping at `transcription.done`. mistral_client iterates `audio.transcriptions.stream(...)`,
reading each `TranscriptionStreamTextDelta`'s text. The official SDK (mistralai), when installed,
runs its `audio.transcriptions.stream` too, for reference.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
from typing import Any

import payloads
from clients import API_KEY, BASELINE, OURS, TIMEOUT_S, ClientSpec
from results import Measurement, Scenario
from scenarios import RunResult, _atimed, _expect, _run_async, _run_sync
from server_process import ServerProcess
from settings import Settings

WARMUP_EVENTS = 200
PATH = "/v1/audio/transcriptions"
FORM = {"model": payloads.TRANSCRIBE_MODEL, "stream": "true"}


def _files() -> dict[str, Any]:
    return {"file": ("speech.wav", payloads.AUDIO, "audio/wav")}


def _count(line: str, n: int) -> tuple[int, bool]:
    """The raw baseline's per-line work: a `data:` line parsed, its text read if a delta."""
    if not line.startswith("data:"):
        return n, False
    event = json.loads(line[5:])
    kind = event["type"]
    if kind == "transcription.text.delta":
        _ = event["text"]
    return n + 1, kind == "transcription.done"


class RawSync:
    def __init__(self, base_url: str) -> None:
        httpx = importlib.import_module("httpx2")
        self._client = httpx.Client(
            base_url=base_url, headers={"authorization": f"Bearer {API_KEY}"}, timeout=TIMEOUT_S
        )

    def transcribe(self) -> int:
        n = 0
        with self._client.stream("POST", PATH, data=FORM, files=_files()) as r:
            r.raise_for_status()
            for line in r.iter_lines():
                n, done = _count(line, n)
                if done:
                    break
        return n

    def close(self) -> None:
        self._client.close()


class RawAsync:
    def __init__(self, base_url: str) -> None:
        httpx = importlib.import_module("httpx2")
        self._client = httpx.AsyncClient(
            base_url=base_url, headers={"authorization": f"Bearer {API_KEY}"}, timeout=TIMEOUT_S
        )

    async def transcribe(self) -> int:
        n = 0
        async with self._client.stream("POST", PATH, data=FORM, files=_files()) as r:
            r.raise_for_status()
            async for line in r.aiter_lines():
                n, done = _count(line, n)
                if done:
                    break
        return n

    async def aclose(self) -> None:
        await self._client.aclose()


class OursSync:
    def __init__(self, base_url: str) -> None:
        from mistral_client import Client
        from mistral_client.types import TranscriptionStreamTextDelta

        self._client = Client(api_key=API_KEY, base_url=base_url)
        self._delta = TranscriptionStreamTextDelta

    def transcribe(self) -> int:
        n = 0
        delta = self._delta
        stream = self._client.audio.transcriptions.stream(
            model=payloads.TRANSCRIBE_MODEL, file=("speech.wav", payloads.AUDIO)
        )
        for event in stream:
            if type(event) is delta:
                _ = event.text
            n += 1
        return n

    def close(self) -> None:
        self._client.close()


class OursAsync:
    def __init__(self, base_url: str) -> None:
        from mistral_client import AsyncClient
        from mistral_client.types import TranscriptionStreamTextDelta

        self._client = AsyncClient(api_key=API_KEY, base_url=base_url)
        self._delta = TranscriptionStreamTextDelta

    async def transcribe(self) -> int:
        n = 0
        delta = self._delta
        stream = self._client.audio.transcriptions.stream(
            model=payloads.TRANSCRIBE_MODEL, file=("speech.wav", payloads.AUDIO)
        )
        async for event in stream:
            if type(event) is delta:
                _ = event.text
            n += 1
        return n

    async def aclose(self) -> None:
        await self._client.close()


def _mistralai(base_url: str) -> Any:
    from clients import _mistralai_class

    return _mistralai_class()(api_key=API_KEY, server_url=base_url)


def _mistralai_file() -> dict[str, Any]:
    return {"file_name": "speech.wav", "content": payloads.AUDIO}


class MistralaiSync:
    def __init__(self, base_url: str) -> None:
        self._client = _mistralai(base_url)

    def transcribe(self) -> int:
        n = 0
        for event in self._client.audio.transcriptions.stream(
            model=payloads.TRANSCRIBE_MODEL, file=_mistralai_file()
        ):
            _ = getattr(event.data, "text", None)
            n += 1
        return n

    def close(self) -> None:
        self._client.__exit__(None, None, None)


class MistralaiAsync:
    def __init__(self, base_url: str) -> None:
        self._client = _mistralai(base_url)

    async def transcribe(self) -> int:
        n = 0
        events = await self._client.audio.transcriptions.stream_async(
            model=payloads.TRANSCRIBE_MODEL, file=_mistralai_file()
        )
        async for event in events:
            _ = getattr(event.data, "text", None)
            n += 1
        return n

    async def aclose(self) -> None:
        await self._client.__aexit__(None, None, None)


#: The clients that have a transcription stream: (sync adapter, async adapter) by name.
ADAPTERS: dict[str, tuple[Any, Any]] = {
    BASELINE: (RawSync, RawAsync),
    OURS: (OursSync, OursAsync),
    "mistralai": (MistralaiSync, MistralaiAsync),
}


def _specs(specs: list[ClientSpec]) -> list[ClientSpec]:
    return [
        dataclasses.replace(spec, make_sync=ADAPTERS[spec.name][0], make_async=ADAPTERS[spec.name][1])
        for spec in specs
        if spec.name in ADAPTERS
    ]


def _add_throughput(results: list[Measurement], events: int) -> None:
    for m in results:
        if m.median:
            m.note = f"{events / m.median:,.0f} events/s"


def sync_transcription_stream(
    scenario: Scenario, specs: list[ClientSpec], server: ServerProcess, s: Settings
) -> list[Measurement]:
    def warmup(a: Any) -> None:
        server.set_chunks(WARMUP_EVENTS)
        try:
            _expect("warm-up transcription events", a.transcribe(), WARMUP_EVENTS)
        finally:
            server.set_chunks(s.stream_chunks)

    def work(a: Any) -> None:
        _expect("transcription events", a.transcribe(), s.stream_chunks)

    results = _run_sync(scenario, _specs(specs), server, s.reps, warmup, work)
    _add_throughput(results, s.stream_chunks)
    return results


def async_transcription_stream(
    scenario: Scenario, specs: list[ClientSpec], server: ServerProcess, s: Settings
) -> list[Measurement]:
    async def run(a: Any) -> RunResult:
        server.set_chunks(WARMUP_EVENTS)
        try:
            _expect("warm-up transcription events", await a.transcribe(), WARMUP_EVENTS)
        finally:
            server.set_chunks(s.stream_chunks)

        async def work() -> None:
            _expect("transcription events", await a.transcribe(), s.stream_chunks)

        return await _atimed(server, work)

    results = _run_async(scenario, _specs(specs), server, s.reps, run)
    _add_throughput(results, s.stream_chunks)
    return results
