"""FakeBackend's answers to the operations that are not chat: what a text or bytes answer means for
them, and how a stream of typed events (a transcription's, speech's) is scripted.

A transcription stream scripted with ``add_stream(["Bon", "jour"])`` sends a text delta per piece
and then ``transcription.done`` with the whole text; pieces may also be whole events (dicts as the
spec shapes them, with their ``type``, or event models). A speech stream takes bytes (audio
deltas). A whole answer queued for a stream (``add_response({...})``) is cut into the events the
API would send; a stream queued for a whole call is folded into the response, as the client's own
stream would fold it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._streaming import Accumulator
    from . import FakeRequest


def _usage(given: Mapping[str, int] | None) -> dict[str, int]:
    usage = dict(given or {})
    usage.setdefault("prompt_tokens", 0)
    usage.setdefault("completion_tokens", 0)
    usage.setdefault("total_tokens", usage["prompt_tokens"] + usage["completion_tokens"])
    return usage


class EventScript:
    """How one operation's typed-event stream is scripted."""

    #: The type of the event that ends the stream.
    final = ""

    def piece(self, piece: Any) -> dict[str, Any]:
        """A piece of ``add_stream`` (text, bytes) as the event it stands for."""
        raise NotImplementedError

    def done(self, request: FakeRequest, pieces: Sequence[Any], usage: Mapping[str, int] | None) -> Any:
        """The final event after ``pieces``."""
        raise NotImplementedError

    def split(self, response: Any) -> list[dict[str, Any]]:
        """A whole response as the stream's events."""
        raise NotImplementedError

    def accumulator(self) -> Accumulator[Any, Any]:
        """What folds the events into the whole response."""
        raise NotImplementedError


class _Transcription(EventScript):
    final = "transcription.done"

    def piece(self, piece: Any) -> dict[str, Any]:
        if not isinstance(piece, str):
            raise TypeError(f"a transcription stream's pieces are text or events, not {type(piece).__name__}")
        return {"type": "transcription.text.delta", "text": piece}

    def done(self, request: FakeRequest, pieces: Sequence[Any], usage: Mapping[str, int] | None) -> Any:
        text = "".join(p for p in pieces if isinstance(p, str))
        return {
            "type": "transcription.done",
            "model": request.model or "",
            "text": text,
            "language": request.params.get("language"),
            "segments": [],
            "usage": _usage(usage),
        }

    def split(self, response: Any) -> list[dict[str, Any]]:
        whole = response.model_dump(mode="json", exclude_none=True)
        events: list[dict[str, Any]] = []
        if response.language:
            events.append({"type": "transcription.language", "audio_language": response.language})
        if response.text:
            events.append({"type": "transcription.text.delta", "text": response.text})
        for segment in whole.get("segments", []):
            events.append(
                {"type": "transcription.segment", **{k: v for k, v in segment.items() if k != "type"}}
            )
        events.append({**whole, "type": "transcription.done"})
        return events

    def accumulator(self) -> Accumulator[Any, Any]:
        from .._audio_streams import TranscriptionAccumulator

        return TranscriptionAccumulator()


class _Speech(EventScript):
    final = "speech.audio.done"

    def piece(self, piece: Any) -> dict[str, Any]:
        if not isinstance(piece, (bytes, bytearray)):
            raise TypeError(f"a speech stream's pieces are audio bytes or events, not {type(piece).__name__}")
        return {"type": "speech.audio.delta", "audio_data": base64.b64encode(piece).decode("ascii")}

    def done(self, request: FakeRequest, pieces: Sequence[Any], usage: Mapping[str, int] | None) -> Any:
        return {"type": "speech.audio.done", "usage": _usage(usage)}

    def split(self, response: Any) -> list[dict[str, Any]]:
        usage = response.usage.model_dump(exclude_none=True) if response.usage is not None else None
        return [
            {"type": "speech.audio.delta", "audio_data": response.audio_data},
            {"type": "speech.audio.done", "usage": _usage(usage)},
        ]

    def accumulator(self) -> Accumulator[Any, Any]:
        from .._audio_streams import SpeechAccumulator

        return SpeechAccumulator()


#: The typed-event streams the fake scripts, by operation.
SCRIPTS: dict[str, EventScript] = {
    "audio.transcriptions.stream": _Transcription(),
    "audio.speech.stream": _Speech(),
}


def _transcription_of(request: FakeRequest, text: str, usage: Mapping[str, int] | None) -> dict[str, Any]:
    return {
        "model": request.model or "",
        "text": text,
        "language": request.params.get("language"),
        "segments": [],
        "usage": _usage(usage),
    }


def _speech_of(request: FakeRequest, audio: bytes, usage: Mapping[str, int] | None) -> dict[str, Any]:
    return {"audio_data": base64.b64encode(audio).decode("ascii")}


#: What ``add_response("text")`` answers, for the operations whose answer is not a chat completion.
TEXT_ANSWERS: dict[str, Callable[[FakeRequest, str, Mapping[str, int] | None], dict[str, Any]]] = {
    "audio.transcriptions.complete": _transcription_of,
}
#: What ``add_response(b"...")`` answers, for the operations whose answer is not the bytes themselves.
BYTES_ANSWERS: dict[str, Callable[[FakeRequest, bytes, Mapping[str, int] | None], dict[str, Any]]] = {
    "audio.speech.complete": _speech_of,
}


def whole_operation(request: FakeRequest) -> str:
    """The operation answering the request's call whole (a stream's ``whole``), else its own."""
    endpoint = request.request.endpoint
    if endpoint is not None and endpoint.whole is not None:
        return endpoint.whole.name
    return request.operation


def script_for(request: FakeRequest) -> EventScript | None:
    """The event script of the request's stream (or of the stream of its call), if a typed one."""
    script = SCRIPTS.get(request.operation)
    if script is not None:
        return script
    from .._endpoints import STREAMED

    endpoint = request.request.endpoint
    streamed = STREAMED.get(endpoint) if endpoint is not None else None
    return SCRIPTS.get(streamed.name) if streamed is not None else None


def scripted_events(
    script: EventScript,
    request: FakeRequest,
    pieces: Sequence[Any],
    usage: Mapping[str, int] | None,
    parse: Callable[[Mapping[str, Any]], Any],
) -> list[Any]:
    """The events of ``add_stream(pieces)``: each piece's, then the final event unless the pieces end
    with one."""
    events = []
    for piece in pieces:
        if isinstance(piece, Mapping):
            events.append(parse(piece))
        elif isinstance(piece, (str, bytes, bytearray)):
            events.append(parse(script.piece(piece)))
        else:  # an event model
            events.append(piece)
    if not events or getattr(events[-1], "type", None) != script.final:
        events.append(parse(script.done(request, pieces, usage)))
    return events
