"""The audio operations: transcriptions (whole or streamed), speech (whole or streamed), voices."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

from pydantic import Field, TypeAdapter, ValidationError

from .._exceptions import APIStatusError, InvalidRequestError, status_error_class
from ..types._base import LenientModel, MistralModel
from ..types.audio import (
    SpeechRequest,
    SpeechResponse,
    SpeechStreamAudioDelta,
    SpeechStreamDone,
    SpeechStreamEvent,
    TranscriptionForm,
    TranscriptionResponse,
    TranscriptionStreamDone,
    TranscriptionStreamEvent,
    TranscriptionStreamLanguage,
    TranscriptionStreamSegmentDelta,
    TranscriptionStreamTextDelta,
    UnknownSpeechStreamEvent,
    UnknownTranscriptionStreamEvent,
    VoiceCreateRequest,
    VoiceListQuery,
    VoiceListResponse,
    VoiceResponse,
    VoiceUpdateRequest,
)
from ._record import Endpoint, Parser
from .files import _raw_bytes

E = TypeVar("E")

# --- typed events: parsed by their type (in the data, or else the SSE event's name) ---------------------


def _event_parser(
    validate: Callable[[str], E], known: tuple[type[LenientModel], ...], unknown: type[MistralModel]
) -> Callable[[str | None, str], E]:
    """``parse_event(name, data)`` for a stream whose events are ``known`` (by their ``type``), anything
    else an ``unknown``. The common case is one validation in pydantic-core (``validate``: a tagged
    union on ``type``); a type left to the event's name, an unknown type or an odd value take the slow
    path."""
    by_type = {cls.model_fields["type"].default: cls for cls in known}

    def parse_event(name: str | None, data: str) -> E:
        try:
            return validate(data)
        except ValidationError:
            pass
        document = json.loads(data)
        if not isinstance(document, dict):
            raise ValueError(f"an event's data must be a JSON object, got {type(document).__name__}")
        kind = document.get("type")
        if not isinstance(kind, str):
            kind = name or ""
            document = {**document, "type": kind}
        event_type = by_type.get(kind)
        if event_type is None:
            return cast("E", unknown.model_validate(document))
        # An odd value where the caller does not look keeps the event (LenientModel); unusable text raises.
        return cast("E", event_type.model_validate(document))

    return parse_event


def _error_event(event: Any) -> APIStatusError | None:
    """The error an unknown event stands for: an ``error`` type (``transcription.error``...), or an
    error document (``{"object": "error", ...}``, ``{"error": {...}}``) sent as an event."""
    if type(event) not in (UnknownTranscriptionStreamEvent, UnknownSpeechStreamEvent):
        return None
    extra = event.model_extra or {}
    kind = event.type
    if not (kind == "error" or kind.endswith(".error") or "error" in extra or extra.get("object") == "error"):
        return None
    body = {"type": event.type, **extra}
    detail = extra.get("error", extra)
    from .._http._errors import _error_status, _server_message

    status = _error_status(detail if isinstance(detail, dict) else body)
    message = _server_message(body) or event.type or "error"
    return status_error_class(status)(f"Error code: {status} - {message}", status_code=status, body=body)


_TRANSCRIPTION_EVENTS = (
    TranscriptionStreamTextDelta,
    TranscriptionStreamLanguage,
    TranscriptionStreamSegmentDelta,
    TranscriptionStreamDone,
)
_transcription_events: TypeAdapter[TranscriptionStreamEvent] = TypeAdapter(
    Annotated[
        TranscriptionStreamTextDelta
        | TranscriptionStreamLanguage
        | TranscriptionStreamSegmentDelta
        | TranscriptionStreamDone,
        Field(discriminator="type"),
    ]
)
_speech_events: TypeAdapter[SpeechStreamEvent] = TypeAdapter(
    Annotated[SpeechStreamAudioDelta | SpeechStreamDone, Field(discriminator="type")]
)
# pydantic-core's validators themselves: no TypeAdapter frame per event.
parse_transcription_event = _event_parser(
    _transcription_events.validator.validate_json, _TRANSCRIPTION_EVENTS, UnknownTranscriptionStreamEvent
)
parse_speech_event = _event_parser(
    _speech_events.validator.validate_json,
    (SpeechStreamAudioDelta, SpeechStreamDone),
    UnknownSpeechStreamEvent,
)


def _parser(parse_event: Callable[[str | None, str], E]) -> Parser[E]:
    def parse(data: str | bytes) -> E:
        return parse_event(None, data if isinstance(data, str) else data.decode())

    return parse


# --- requests ----------------------------------------------------------------------------------------


def _encoded_sample(fields: dict[str, Any]) -> dict[str, Any]:
    """``sample_audio`` may be the recording itself (bytes, or a path): sent base64-encoded, as the spec
    wants it, with the path's name as ``sample_filename`` unless one is given."""
    sample = fields.get("sample_audio")
    if isinstance(sample, (str, os.PathLike)) and not isinstance(sample, str):
        path = Path(sample)
        if not path.is_file():
            raise InvalidRequestError(
                f"sample_audio: no such file: {str(path)!r}", errors=[("sample_audio", "no such file")]
            )
        fields = {**fields, "sample_audio": path.read_bytes()}
        fields.setdefault("sample_filename", path.name)
        sample = fields["sample_audio"]
    if isinstance(sample, (bytes, bytearray, memoryview)):
        fields = {**fields, "sample_audio": base64.b64encode(bytes(sample)).decode("ascii")}
    return fields


AUDIO_TRANSCRIPTIONS_COMPLETE: Endpoint[TranscriptionResponse] = Endpoint(
    "audio.transcriptions.complete",
    "POST",
    "/v1/audio/transcriptions",
    TranscriptionResponse.model_validate_json,
    query=TranscriptionForm,
    multipart=True,
    span="transcription",
)
AUDIO_TRANSCRIPTIONS_STREAM: Endpoint[TranscriptionStreamEvent] = Endpoint(
    "audio.transcriptions.stream",
    "POST",
    "/v1/audio/transcriptions",
    _parser(parse_transcription_event),
    query=TranscriptionForm,
    multipart=True,
    stream=True,
    span="transcription",
    whole=AUDIO_TRANSCRIPTIONS_COMPLETE,
    final_events=frozenset({"transcription.done"}),
    stream_error=_error_event,
    parse_event=parse_transcription_event,
)
AUDIO_SPEECH_COMPLETE: Endpoint[SpeechResponse] = Endpoint(
    "audio.speech.complete",
    "POST",
    "/v1/audio/speech",
    SpeechResponse.model_validate_json,
    body=SpeechRequest,
    span="speech",
)
AUDIO_SPEECH_STREAM: Endpoint[SpeechStreamEvent] = Endpoint(
    "audio.speech.stream",
    "POST",
    "/v1/audio/speech",
    _parser(parse_speech_event),
    body=SpeechRequest,
    stream=True,
    span="speech",
    whole=AUDIO_SPEECH_COMPLETE,
    final_events=frozenset({"speech.audio.done"}),
    stream_error=_error_event,
    parse_event=parse_speech_event,
)
AUDIO_VOICES_LIST: Endpoint[VoiceListResponse] = Endpoint(
    "audio.voices.list",
    "GET",
    "/v1/audio/voices",
    VoiceListResponse.model_validate_json,
    query=VoiceListQuery,
)
AUDIO_VOICES_CREATE: Endpoint[VoiceResponse] = Endpoint(
    "audio.voices.create",
    "POST",
    "/v1/audio/voices",
    VoiceResponse.model_validate_json,
    body=VoiceCreateRequest,
    prepare=_encoded_sample,
)
AUDIO_VOICES_GET: Endpoint[VoiceResponse] = Endpoint(
    "audio.voices.get", "GET", "/v1/audio/voices/{voice_id}", VoiceResponse.model_validate_json
)
AUDIO_VOICES_UPDATE: Endpoint[VoiceResponse] = Endpoint(
    "audio.voices.update",
    "PATCH",
    "/v1/audio/voices/{voice_id}",
    VoiceResponse.model_validate_json,
    body=VoiceUpdateRequest,
)
AUDIO_VOICES_DELETE: Endpoint[VoiceResponse] = Endpoint(
    "audio.voices.delete", "DELETE", "/v1/audio/voices/{voice_id}", VoiceResponse.model_validate_json
)
AUDIO_VOICES_GET_SAMPLE_AUDIO: Endpoint[bytes] = Endpoint(
    "audio.voices.get_sample_audio", "GET", "/v1/audio/voices/{voice_id}/sample", _raw_bytes
)
