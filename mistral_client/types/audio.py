"""Audio types (``/v1/audio``): transcriptions and their stream events, speech, voices; as the spec
defines them."""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Required, Union

from pydantic import Field, StrictBool, StrictStr

from ._base import LenientModel, MistralModel, QueryModel, ResponseModel
from .chat import UsageInfo
from .files import FileInput
from .params import RequestOptionsParam

# Open enums, as elsewhere: the known values for editors and type checkers, any string parses.
TimestampGranularity = Literal["segment", "word"]
SpeechOutputFormat = Literal["pcm", "wav", "mp3", "flac", "opus"]
VoiceType = Literal["all", "custom", "preset"]

# --- transcriptions -------------------------------------------------------------------------------


class TranscriptionSegmentChunk(MistralModel):
    """A stretch of the audio with its text and timestamps (seconds); ``speaker_id`` when diarized."""

    type: Literal["transcription_segment"] | str = "transcription_segment"
    text: str
    start: float
    end: float
    score: float | None = None
    speaker_id: str | None = None


class TranscriptionResponse(ResponseModel):
    """A transcription (``POST /v1/audio/transcriptions``): its text, language, segments and usage."""

    _essential = frozenset({"text"})
    model: str = ""
    text: str
    #: The audio's language (two letters), when the server tells it.
    language: str | None = None
    segments: list[TranscriptionSegmentChunk] = Field(default_factory=list)
    usage: UsageInfo = Field(default_factory=UsageInfo)


# The spec's TimestampGranularity / language / context_bias constraints, held to in requests.
_Language = Annotated[StrictStr, Field(pattern=r"^\w{2}$")]
_BiasTerm = Annotated[StrictStr, Field(pattern=r"^[^,\s]+$")]
_FileURL = Annotated[StrictStr, Field(min_length=1, max_length=2083)]


class TranscriptionForm(QueryModel):
    """The text fields of ``POST /v1/audio/transcriptions``' multipart form (the audio file, when
    sent, is its own part): ``AudioTranscriptionRequest`` and ``AudioTranscriptionRequestStream``."""

    model: StrictStr
    file_url: _FileURL | None = None
    file_id: StrictStr | None = None
    language: _Language | None = None
    temperature: Annotated[float, Field(strict=True)] | None = None
    #: Set by ``.stream()``: the spec's ``const: true`` of the streamed form.
    stream: StrictBool | None = None
    diarize: StrictBool | None = None
    context_bias: list[_BiasTerm] | None = None
    timestamp_granularities: list[TimestampGranularity] | None = None


# --- transcription stream events (TranscriptionStreamEvents: the SSE event name is the data's type) ---


class TranscriptionStreamTextDelta(LenientModel):
    """More of the text."""

    type: Literal["transcription.text.delta"] = "transcription.text.delta"
    text: str


class TranscriptionStreamLanguage(LenientModel):
    """The language the audio is in."""

    type: Literal["transcription.language"] = "transcription.language"
    audio_language: str


class TranscriptionStreamSegmentDelta(LenientModel):
    """A segment, once its text and timestamps are known."""

    type: Literal["transcription.segment"] = "transcription.segment"
    text: str
    start: float
    end: float
    speaker_id: str | None = None


class TranscriptionStreamDone(LenientModel):
    """The end of the stream: the whole transcription, as ``complete`` returns it."""

    _essential = frozenset({"text"})
    type: Literal["transcription.done"] = "transcription.done"
    model: str = ""
    text: str = ""
    language: str | None = None
    segments: list[TranscriptionSegmentChunk] = Field(default_factory=list)
    usage: UsageInfo = Field(default_factory=UsageInfo)


class UnknownTranscriptionStreamEvent(MistralModel):
    """An event of a type this SDK does not know yet (its fields kept in ``model_extra``)."""

    type: str = ""


TranscriptionStreamEvent = Union[
    TranscriptionStreamTextDelta,
    TranscriptionStreamLanguage,
    TranscriptionStreamSegmentDelta,
    TranscriptionStreamDone,
    UnknownTranscriptionStreamEvent,
]

# --- speech ------------------------------------------------------------------------------------------


class SpeechRequest(MistralModel):
    """The body of ``POST /v1/audio/speech``."""

    input: str
    model: str | None = None
    voice_id: str | None = None
    #: A reference recording (base64) to speak like, instead of a ``voice_id``.
    ref_audio: str | None = None
    response_format: SpeechOutputFormat | None = None
    metadata: dict[str, Any] | None = None
    prompt_cache_key: str | None = None
    stream: bool | None = None


class SpeechResponse(ResponseModel):
    """Generated speech (``POST /v1/audio/speech``): ``audio_bytes()`` is the audio, in the
    ``response_format`` asked for (mp3 by default); ``write_to(path)`` saves it."""

    _essential = frozenset({"audio_data"})
    #: The audio, base64-encoded, as the API sends it.
    audio_data: str
    #: Not in the spec's ``SpeechResponse``: a streamed answer's final event carries it.
    usage: UsageInfo | None = None

    def audio_bytes(self) -> bytes:
        """The audio, decoded."""
        return base64.b64decode(self.audio_data)

    def write_to(self, path: str | os.PathLike[str]) -> int:
        """Write the audio to ``path``; returns the bytes written."""
        return Path(path).write_bytes(self.audio_bytes())


class SpeechStreamAudioDelta(LenientModel):
    """More of the audio (base64); ``audio_bytes()`` decodes it."""

    _essential = frozenset({"audio_data"})
    type: Literal["speech.audio.delta"] = "speech.audio.delta"
    audio_data: str

    def audio_bytes(self) -> bytes:
        return base64.b64decode(self.audio_data)


class SpeechStreamDone(LenientModel):
    """The end of the stream, with its usage."""

    type: Literal["speech.audio.done"] = "speech.audio.done"
    usage: UsageInfo = Field(default_factory=UsageInfo)


class UnknownSpeechStreamEvent(MistralModel):
    """An event of a type this SDK does not know yet (its fields kept in ``model_extra``)."""

    type: str = ""


SpeechStreamEvent = Union[SpeechStreamAudioDelta, SpeechStreamDone, UnknownSpeechStreamEvent]

# --- voices -----------------------------------------------------------------------------------------


class VoiceResponse(ResponseModel):
    """A voice (``VoiceResponse``): a preset or one of yours."""

    id: str
    name: str = ""
    slug: str | None = None
    languages: list[str] = Field(default_factory=list)
    gender: str | None = None
    age: int | None = None
    tags: list[str] | None = None
    color: str | None = None
    description: str | None = None
    retention_notice: int = 30
    created_at: datetime | None = None
    user_id: str | None = None
    trimmed_seconds: float | None = None


class VoiceListResponse(ResponseModel):
    """A page of voices (``GET /v1/audio/voices``)."""

    items: list[VoiceResponse] = Field(default_factory=list)
    total: int = 0
    page: int = 0
    page_size: int = 0
    total_pages: int = 0


class VoiceListQuery(QueryModel):
    """The query of ``GET /v1/audio/voices``."""

    limit: Annotated[int, Field(ge=1, le=100, strict=True)] | None = None
    offset: Annotated[int, Field(ge=0, strict=True)] | None = None
    type: VoiceType | None = None


class VoiceCreateRequest(MistralModel):
    """The body of ``POST /v1/audio/voices``: a name and a sample recording (base64)."""

    name: str
    sample_audio: str
    slug: str | None = None
    languages: list[str] | None = None
    gender: str | None = None
    age: int | None = None
    tags: list[str] | None = None
    color: str | None = None
    description: Annotated[str, Field(max_length=500)] | None = None
    retention_notice: int | None = None
    sample_filename: str | None = None


class VoiceUpdateRequest(MistralModel):
    """The body of ``PATCH /v1/audio/voices/{voice_id}``: the metadata to change."""

    name: str | None = None
    languages: list[str] | None = None
    gender: str | None = None
    age: int | None = None
    tags: list[str] | None = None
    description: Annotated[str, Field(max_length=500)] | None = None


# --- the keyword arguments of each method ----------------------------------------------------------


class TranscriptionParams(RequestOptionsParam, total=False):
    """Keyword arguments of ``client.audio.transcriptions.complete`` and ``.stream``: exactly one of
    ``file``, ``file_url`` and ``file_id``."""

    model: Required[str]
    file: FileInput | None
    file_url: str | None
    file_id: str | None
    language: str | None
    temperature: float | None
    diarize: bool | None
    context_bias: Sequence[str] | None
    timestamp_granularities: Sequence[TimestampGranularity] | None


class SpeechParams(RequestOptionsParam, total=False):
    """Keyword arguments of ``client.audio.speech.complete`` and ``.stream``."""

    input: Required[str]
    model: str | None
    voice_id: str | None
    ref_audio: str | None
    response_format: SpeechOutputFormat | None
    metadata: Mapping[str, Any] | None
    prompt_cache_key: str | None


class VoiceListParams(RequestOptionsParam, total=False):
    """Keyword arguments of ``client.audio.voices.list``."""

    limit: int | None
    offset: int | None
    type: VoiceType | None


#: What ``voices.create(sample_audio=...)`` takes: base64 text as the spec has it, or the recording
#: itself (bytes, or a path), encoded for you.
SampleAudio = Union[str, bytes, "os.PathLike[str]"]


class VoiceCreateParams(RequestOptionsParam, total=False):
    """Keyword arguments of ``client.audio.voices.create``."""

    name: Required[str]
    sample_audio: Required[SampleAudio]
    slug: str | None
    languages: Sequence[str] | None
    gender: str | None
    age: int | None
    tags: Sequence[str] | None
    color: str | None
    description: str | None
    retention_notice: int | None
    sample_filename: str | None


class VoiceUpdateParams(RequestOptionsParam, total=False):
    """Keyword arguments of ``client.audio.voices.update`` besides ``voice_id``: what is given changes."""

    name: str | None
    languages: Sequence[str] | None
    gender: str | None
    age: int | None
    tags: Sequence[str] | None
    description: str | None
