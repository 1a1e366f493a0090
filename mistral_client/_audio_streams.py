"""The audio streams: a transcription's events (``audio.transcriptions.stream``) and generated speech
(``audio.speech.stream``), each an :class:`~mistral_client.EventStream` with its own accumulator.

A transcription stream's events are typed by their ``type``: the language, text deltas, segments,
and ``transcription.done`` (which carries the whole transcription); an event of a type this SDK
does not know yet arrives as an ``UnknownTranscriptionStreamEvent``. ``text_deltas()`` yields the
text as it comes; ``get_final_response()`` is the ``TranscriptionResponse`` ``complete`` returns.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncGenerator, AsyncIterator, Iterator

from ._backend import APIRequest, AsyncBackend, Backend
from ._streaming import AsyncEventStream, EventStream, _AsyncIter
from .types.audio import (
    SpeechResponse,
    SpeechStreamAudioDelta,
    SpeechStreamDone,
    SpeechStreamEvent,
    TranscriptionResponse,
    TranscriptionSegmentChunk,
    TranscriptionStreamDone,
    TranscriptionStreamEvent,
    TranscriptionStreamLanguage,
    TranscriptionStreamSegmentDelta,
    TranscriptionStreamTextDelta,
)
from .types.chat import UsageInfo

# --- transcriptions ---------------------------------------------------------------------------------


class TranscriptionAccumulator:
    """A transcription stream's events folded into the ``TranscriptionResponse``: the final event's,
    with what the stream sent filling what it left out (the text, language, segments)."""

    __slots__ = ("_done", "_language", "_segments", "_texts")

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._segments: list[TranscriptionStreamSegmentDelta] = []
        self._language: str | None = None
        self._done: TranscriptionStreamDone | None = None

    def add(self, event: TranscriptionStreamEvent) -> None:
        kind = type(event)
        if kind is TranscriptionStreamTextDelta:
            self._texts.append(event.text)  # type: ignore[union-attr]
        elif kind is TranscriptionStreamSegmentDelta:
            self._segments.append(event)  # type: ignore[arg-type]
        elif kind is TranscriptionStreamLanguage:
            self._language = event.audio_language  # type: ignore[union-attr]
        elif kind is TranscriptionStreamDone:
            self._done = event  # type: ignore[assignment]

    def build(self) -> TranscriptionResponse:
        done = self._done
        segments = [
            TranscriptionSegmentChunk(text=s.text, start=s.start, end=s.end, speaker_id=s.speaker_id)
            for s in self._segments
        ]
        text = "".join(self._texts)
        if done is None:
            return TranscriptionResponse(text=text, language=self._language, segments=segments)
        return TranscriptionResponse(
            model=done.model,
            text=done.text or text,
            language=done.language or self._language,
            segments=done.segments or segments,
            usage=done.usage,
            **(done.model_extra or {}),
        )


def _delta_text(event: TranscriptionStreamEvent) -> str:
    return event.text if type(event) is TranscriptionStreamTextDelta else ""


class TranscriptionStream(EventStream[TranscriptionStreamEvent, TranscriptionResponse]):
    """A sync stream of transcription events (``audio.transcriptions.stream``): iterate it for the
    events, ``text_deltas()`` for the text, ``get_final_response()`` for the transcription."""

    def __init__(self, backend: Backend, request: APIRequest[TranscriptionStreamEvent]) -> None:
        super().__init__(backend, request, TranscriptionAccumulator(), _delta_text)


class AsyncTranscriptionStream(AsyncEventStream[TranscriptionStreamEvent, TranscriptionResponse]):
    """The async :class:`TranscriptionStream` (asyncio or trio)."""

    def __init__(self, backend: AsyncBackend, request: APIRequest[TranscriptionStreamEvent]) -> None:
        super().__init__(backend, request, TranscriptionAccumulator(), _delta_text)


# --- speech ---------------------------------------------------------------------------------------------


class SpeechAccumulator:
    """The audio deltas joined (decoded once, at the end) and the final event's usage."""

    __slots__ = ("_deltas", "_usage")

    def __init__(self) -> None:
        self._deltas: list[str] = []
        self._usage: UsageInfo | None = None

    def add(self, event: SpeechStreamEvent) -> None:
        kind = type(event)
        if kind is SpeechStreamAudioDelta:
            self._deltas.append(event.audio_data)  # type: ignore[union-attr]
        elif kind is SpeechStreamDone:
            self._usage = event.usage  # type: ignore[union-attr]

    def build(self) -> SpeechResponse:
        # Each delta is base64 of its own bytes (padded): decoded one by one, then joined.
        audio = b"".join(base64.b64decode(delta) for delta in self._deltas)
        return SpeechResponse(audio_data=base64.b64encode(audio).decode("ascii"), usage=self._usage)


def _no_text(event: SpeechStreamEvent) -> str:
    return ""


def _audio(event: SpeechStreamEvent) -> bytes:
    return event.audio_bytes() if type(event) is SpeechStreamAudioDelta else b""


class SpeechStream(EventStream[SpeechStreamEvent, SpeechResponse]):
    """A sync stream of generated speech (``audio.speech.stream``): ``audio_chunks()`` yields the audio
    as it comes (decoded bytes), ``get_final_response()`` is the whole ``SpeechResponse``. Speech has
    no text: ``text_deltas()`` yields nothing."""

    def __init__(self, backend: Backend, request: APIRequest[SpeechStreamEvent]) -> None:
        super().__init__(backend, request, SpeechAccumulator(), _no_text)

    def audio_chunks(self) -> Iterator[bytes]:
        """The audio of each delta, decoded, as it arrives."""
        for event in self:
            audio = _audio(event)
            if audio:
                yield audio


class AsyncSpeechStream(AsyncEventStream[SpeechStreamEvent, SpeechResponse]):
    """The async :class:`SpeechStream` (asyncio or trio)."""

    def __init__(self, backend: AsyncBackend, request: APIRequest[SpeechStreamEvent]) -> None:
        super().__init__(backend, request, SpeechAccumulator(), _no_text)

    def audio_chunks(self) -> AsyncIterator[bytes]:
        """The audio of each delta, decoded, as it arrives."""
        return _AsyncIter(self, self._audio_chunks())

    async def _audio_chunks(self) -> AsyncGenerator[bytes, None]:
        events = self._iterate()
        try:
            async for event in events:
                audio = _audio(event)
                if audio:
                    yield audio
        finally:
            await events.aclose()


__all__ = [
    "AsyncSpeechStream",
    "AsyncTranscriptionStream",
    "SpeechStream",
    "TranscriptionStream",
]
