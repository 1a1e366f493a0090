"""``client.audio``: transcriptions (whole or streamed), speech (whole or streamed) and voices.

``client.audio.transcriptions.complete(model=..., file=...)`` sends the audio as a multipart form: a
path is streamed from disk (in async too, read in a worker thread), so a long recording is never
held in memory. Exactly one audio source is given: ``file=``, ``file_url=`` or ``file_id=`` (a file
uploaded with ``client.files.upload``). Each method names its operation's record and hands its
arguments to the resource door (:mod:`._base`); ``with_raw_response`` gives the same methods
returning an :class:`~mistral_client.APIResponse`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from .._lazy import lazy_module
from ._base import AsyncAPIResource, SyncAPIResource, async_raw, async_raw_stream, endpoints, raw
from ._uploads import upload_of

if TYPE_CHECKING:
    from .. import _audio_streams as audio_streams
    from .._audio_streams import (
        AsyncSpeechStream,
        AsyncTranscriptionStream,
        SpeechStream,
        TranscriptionStream,
    )
    from .._client import AsyncClient, Client
    from .._requests import Upload
    from ..types.audio import (
        SpeechParams,
        SpeechResponse,
        TranscriptionParams,
        TranscriptionResponse,
        VoiceCreateParams,
        VoiceListParams,
        VoiceListResponse,
        VoiceResponse,
        VoiceUpdateParams,
    )
    from ..types.params import RequestOptionsParam
else:
    audio_streams = lazy_module("mistral_client._audio_streams")


def _transcription(params: Mapping[str, Any]) -> tuple[dict[str, Any], Upload | None]:
    """The form's fields and the file part, after checking that exactly one audio source is given."""
    fields = dict(params)
    file = fields.pop("file", None)
    sources = {"file": file, "file_url": fields.get("file_url"), "file_id": fields.get("file_id")}
    given = [name for name, value in sources.items() if value is not None]
    if len(given) != 1:
        from .._exceptions import InvalidRequestError

        found = f"got {' and '.join(given)}" if given else "got none"
        raise InvalidRequestError(
            f"give exactly one audio source: file=, file_url= or file_id= ({found}); nothing was sent",
            errors=[(name, "exactly one audio source") for name in given or ["file"]],
        )
    return fields, upload_of(file) if file is not None else None


class Transcriptions(SyncAPIResource):
    def complete(self, **params: Unpack[TranscriptionParams]) -> TranscriptionResponse:
        """Transcribe audio (``POST /v1/audio/transcriptions``): ``file`` (a path, bytes, a binary file
        object or ``(filename, bytes)``), ``file_url`` or ``file_id``; exactly one."""
        fields, upload = _transcription(params)
        return self._call(endpoints.AUDIO_TRANSCRIPTIONS_COMPLETE, fields, upload=upload)

    def stream(self, **params: Unpack[TranscriptionParams]) -> TranscriptionStream:
        """Stream a transcription's events (the language, text deltas, segments, then the whole
        transcription). Nothing is sent until the stream is entered or iterated."""
        fields, upload = _transcription(params)
        make = audio_streams.TranscriptionStream
        return self._stream(endpoints.AUDIO_TRANSCRIPTIONS_STREAM, fields, make, upload=upload)

    @functools.cached_property
    def with_raw_response(self) -> TranscriptionsWithRawResponse:
        return TranscriptionsWithRawResponse(self)


class TranscriptionsWithRawResponse:
    """``client.audio.transcriptions``' methods returning the :class:`~mistral_client.APIResponse`."""

    def __init__(self, transcriptions: Transcriptions) -> None:
        transcriptions = transcriptions._raw_copy()
        self.complete = raw(transcriptions.complete)
        self.stream = raw(transcriptions.stream)


class Speech(SyncAPIResource):
    def complete(self, **params: Unpack[SpeechParams]) -> SpeechResponse:
        """Speak ``input`` (``POST /v1/audio/speech``) with a preset or custom ``voice_id`` (or like the
        ``ref_audio`` recording); ``.audio_bytes()`` / ``.write_to(path)`` on the result."""
        return self._call(endpoints.AUDIO_SPEECH_COMPLETE, params)

    def stream(self, **params: Unpack[SpeechParams]) -> SpeechStream:
        """Stream the speech: ``audio_chunks()`` as it is generated. Nothing is sent until the stream
        is entered or iterated."""
        return self._stream(endpoints.AUDIO_SPEECH_STREAM, params, audio_streams.SpeechStream)

    @functools.cached_property
    def with_raw_response(self) -> SpeechWithRawResponse:
        return SpeechWithRawResponse(self)


class SpeechWithRawResponse:
    """``client.audio.speech``' methods returning the :class:`~mistral_client.APIResponse`."""

    def __init__(self, speech: Speech) -> None:
        speech = speech._raw_copy()
        self.complete = raw(speech.complete)
        self.stream = raw(speech.stream)


class Voices(SyncAPIResource):
    def list(self, **params: Unpack[VoiceListParams]) -> VoiceListResponse:
        """A page of voices, presets and yours (``GET /v1/audio/voices``)."""
        return self._call(endpoints.AUDIO_VOICES_LIST, params)

    def create(self, **params: Unpack[VoiceCreateParams]) -> VoiceResponse:
        """Create a voice from a sample recording (``POST /v1/audio/voices``): ``sample_audio`` is base64
        text, or the recording itself (bytes, or a path), encoded for you."""
        return self._call(endpoints.AUDIO_VOICES_CREATE, params)

    def get(self, voice_id: str, **options: Unpack[RequestOptionsParam]) -> VoiceResponse:
        """One voice (``GET /v1/audio/voices/{voice_id}``), without its sample."""
        return self._call(endpoints.AUDIO_VOICES_GET, options, path={"voice_id": voice_id})

    def update(self, voice_id: str, **params: Unpack[VoiceUpdateParams]) -> VoiceResponse:
        """Change a voice's metadata (``PATCH /v1/audio/voices/{voice_id}``); what is not given stays."""
        return self._call(endpoints.AUDIO_VOICES_UPDATE, params, path={"voice_id": voice_id})

    def delete(self, voice_id: str, **options: Unpack[RequestOptionsParam]) -> VoiceResponse:
        """Delete one of your voices (``DELETE /v1/audio/voices/{voice_id}``)."""
        return self._call(endpoints.AUDIO_VOICES_DELETE, options, path={"voice_id": voice_id})

    def get_sample_audio(self, voice_id: str, **options: Unpack[RequestOptionsParam]) -> bytes:
        """A voice's sample recording, as WAV bytes (``GET /v1/audio/voices/{voice_id}/sample``)."""
        return self._call(endpoints.AUDIO_VOICES_GET_SAMPLE_AUDIO, options, path={"voice_id": voice_id})

    @functools.cached_property
    def with_raw_response(self) -> VoicesWithRawResponse:
        return VoicesWithRawResponse(self)


class VoicesWithRawResponse:
    """``client.audio.voices``' methods returning the :class:`~mistral_client.APIResponse`."""

    def __init__(self, voices: Voices) -> None:
        voices = voices._raw_copy()
        self.list = raw(voices.list)
        self.create = raw(voices.create)
        self.get = raw(voices.get)
        self.update = raw(voices.update)
        self.delete = raw(voices.delete)
        self.get_sample_audio = raw(voices.get_sample_audio)


class Audio(SyncAPIResource):
    """``client.audio``: ``transcriptions``, ``speech`` and ``voices``."""

    def __init__(self, client: Client) -> None:
        super().__init__(client)
        self.transcriptions = Transcriptions(client)
        self.speech = Speech(client)
        self.voices = Voices(client)


# --- async ----------------------------------------------------------------------------------------------


class AsyncTranscriptions(AsyncAPIResource):
    async def complete(self, **params: Unpack[TranscriptionParams]) -> TranscriptionResponse:
        """Transcribe audio (``POST /v1/audio/transcriptions``): ``file`` (a path, bytes, a binary file
        object or ``(filename, bytes)``), ``file_url`` or ``file_id``; exactly one."""
        fields, upload = _transcription(params)
        return await self._call(endpoints.AUDIO_TRANSCRIPTIONS_COMPLETE, fields, upload=upload)

    def stream(self, **params: Unpack[TranscriptionParams]) -> AsyncTranscriptionStream:
        """Stream a transcription's events (the language, text deltas, segments, then the whole
        transcription). Nothing is sent until the stream is entered or iterated."""
        fields, upload = _transcription(params)
        make = audio_streams.AsyncTranscriptionStream
        return self._stream(endpoints.AUDIO_TRANSCRIPTIONS_STREAM, fields, make, upload=upload)

    @functools.cached_property
    def with_raw_response(self) -> AsyncTranscriptionsWithRawResponse:
        return AsyncTranscriptionsWithRawResponse(self)


class AsyncTranscriptionsWithRawResponse:
    """``client.audio.transcriptions``' methods returning the :class:`~mistral_client.APIResponse`;
    each is awaited."""

    def __init__(self, transcriptions: AsyncTranscriptions) -> None:
        transcriptions = transcriptions._raw_copy()
        self.complete = async_raw(transcriptions.complete)
        self.stream = async_raw_stream(transcriptions.stream)


class AsyncSpeech(AsyncAPIResource):
    async def complete(self, **params: Unpack[SpeechParams]) -> SpeechResponse:
        """Speak ``input`` (``POST /v1/audio/speech``) with a preset or custom ``voice_id`` (or like the
        ``ref_audio`` recording); ``.audio_bytes()`` / ``.write_to(path)`` on the result."""
        return await self._call(endpoints.AUDIO_SPEECH_COMPLETE, params)

    def stream(self, **params: Unpack[SpeechParams]) -> AsyncSpeechStream:
        """Stream the speech: ``audio_chunks()`` as it is generated. Nothing is sent until the stream
        is entered or iterated."""
        return self._stream(endpoints.AUDIO_SPEECH_STREAM, params, audio_streams.AsyncSpeechStream)

    @functools.cached_property
    def with_raw_response(self) -> AsyncSpeechWithRawResponse:
        return AsyncSpeechWithRawResponse(self)


class AsyncSpeechWithRawResponse:
    """``client.audio.speech``' methods returning the :class:`~mistral_client.APIResponse`; each is
    awaited."""

    def __init__(self, speech: AsyncSpeech) -> None:
        speech = speech._raw_copy()
        self.complete = async_raw(speech.complete)
        self.stream = async_raw_stream(speech.stream)


class AsyncVoices(AsyncAPIResource):
    async def list(self, **params: Unpack[VoiceListParams]) -> VoiceListResponse:
        """A page of voices, presets and yours (``GET /v1/audio/voices``)."""
        return await self._call(endpoints.AUDIO_VOICES_LIST, params)

    async def create(self, **params: Unpack[VoiceCreateParams]) -> VoiceResponse:
        """Create a voice from a sample recording (``POST /v1/audio/voices``): ``sample_audio`` is base64
        text, or the recording itself (bytes, or a path), encoded for you."""
        return await self._call(endpoints.AUDIO_VOICES_CREATE, params)

    async def get(self, voice_id: str, **options: Unpack[RequestOptionsParam]) -> VoiceResponse:
        """One voice (``GET /v1/audio/voices/{voice_id}``), without its sample."""
        return await self._call(endpoints.AUDIO_VOICES_GET, options, path={"voice_id": voice_id})

    async def update(self, voice_id: str, **params: Unpack[VoiceUpdateParams]) -> VoiceResponse:
        """Change a voice's metadata (``PATCH /v1/audio/voices/{voice_id}``); what is not given stays."""
        return await self._call(endpoints.AUDIO_VOICES_UPDATE, params, path={"voice_id": voice_id})

    async def delete(self, voice_id: str, **options: Unpack[RequestOptionsParam]) -> VoiceResponse:
        """Delete one of your voices (``DELETE /v1/audio/voices/{voice_id}``)."""
        return await self._call(endpoints.AUDIO_VOICES_DELETE, options, path={"voice_id": voice_id})

    async def get_sample_audio(self, voice_id: str, **options: Unpack[RequestOptionsParam]) -> bytes:
        """A voice's sample recording, as WAV bytes (``GET /v1/audio/voices/{voice_id}/sample``)."""
        return await self._call(endpoints.AUDIO_VOICES_GET_SAMPLE_AUDIO, options, path={"voice_id": voice_id})

    @functools.cached_property
    def with_raw_response(self) -> AsyncVoicesWithRawResponse:
        return AsyncVoicesWithRawResponse(self)


class AsyncVoicesWithRawResponse:
    """``client.audio.voices``' methods returning the :class:`~mistral_client.APIResponse`; each is
    awaited."""

    def __init__(self, voices: AsyncVoices) -> None:
        voices = voices._raw_copy()
        self.list = async_raw(voices.list)
        self.create = async_raw(voices.create)
        self.get = async_raw(voices.get)
        self.update = async_raw(voices.update)
        self.delete = async_raw(voices.delete)
        self.get_sample_audio = async_raw(voices.get_sample_audio)


class AsyncAudio(AsyncAPIResource):
    """``client.audio``: ``transcriptions``, ``speech`` and ``voices``."""

    def __init__(self, client: AsyncClient) -> None:
        super().__init__(client)
        self.transcriptions = AsyncTranscriptions(client)
        self.speech = AsyncSpeech(client)
        self.voices = AsyncVoices(client)
