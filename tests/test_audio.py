"""client.audio against a loopback server: transcriptions (multipart forms checked against the spec's
schemas, part by part), their stream, speech, voices; errors, retries, the local backend's refusal."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from mistral_client import (
    APIConnectionError,
    AuthenticationError,
    Client,
    IncompleteStreamError,
    InternalServerError,
    InvalidRequestError,
    RateLimitError,
    TranscriptionStream,
    UnprocessableEntityError,
    UnsupportedOperationError,
)
from mistral_client.types import (
    SpeechResponse,
    TranscriptionResponse,
    TranscriptionStreamDone,
    TranscriptionStreamLanguage,
    TranscriptionStreamSegmentDelta,
    TranscriptionStreamTextDelta,
    UnknownTranscriptionStreamEvent,
    VoiceListResponse,
    VoiceResponse,
)

from .audio_server import VOICE, AudioAPI, Part, parse_form, sse, transcription, transcription_events
from .conftest import SpecValidator
from .loopback import Conn, LoopbackServer, Request

Serve = Callable[[Callable[[Request, Conn], None]], LoopbackServer]
MODEL = "voxtral-mini-latest"


@pytest.fixture
def api(validate_request: SpecValidator, spec: dict[str, Any]) -> AudioAPI:
    return AudioAPI(validate=validate_request, spec=spec)


def client_for(server: LoopbackServer, **options: Any) -> Client:
    return Client(api_key="k", base_url=server.url, **options)


def named(parts: list[Part]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in parts:
        if part.filename is None:
            out.setdefault(part.name, []).append(part.content.decode())
    return out


def file_part(parts: list[Part]) -> Part | None:
    return next((p for p in parts if p.filename is not None), None)


# --- transcriptions ---------------------------------------------------------------------------------


def test_a_path_is_sent_as_the_spec_form_with_every_option(
    serve: Serve, api: AudioAPI, tmp_path: Path
) -> None:
    audio = tmp_path / "meeting.mp3"
    audio.write_bytes(b"ID3" + bytes(range(256)) * 40)
    client = client_for(serve(api))
    result = client.audio.transcriptions.complete(
        model=MODEL,
        file=audio,
        language="en",
        temperature=0.2,
        diarize=True,
        context_bias=["Mistral", "Voxtral"],
        timestamp_granularities=["segment", "word"],
    )
    assert isinstance(result, TranscriptionResponse)
    assert (result.text, result.language, result.model) == ("Hello world.", "en", "voxtral-mini-2507")
    assert result.segments[0].end == 1.5 and result.usage.prompt_audio_seconds == 2
    assert result.request_id == "req-t1"
    (parts,) = api.forms
    assert named(parts) == {
        "model": [MODEL],
        "language": ["en"],
        "temperature": ["0.2"],
        "diarize": ["true"],
        "context_bias": ["Mistral", "Voxtral"],  # an array: one part per item, under its own name
        "timestamp_granularities": ["segment", "word"],
    }
    upload = file_part(parts)
    assert upload is not None and upload.name == "file"
    assert (upload.filename, upload.content_type, upload.content) == (
        "meeting.mp3",
        "audio/mpeg",
        audio.read_bytes(),
    )


@pytest.mark.parametrize(
    ("source", "filename", "content"),
    [
        (b"RIFFbytes", "upload", b"RIFFbytes"),
        (("take1.wav", b"RIFFpair"), "take1.wav", b"RIFFpair"),
        (io.BytesIO(b"RIFFobject"), "upload", b"RIFFobject"),
    ],
    ids=["bytes", "filename-and-bytes", "file-object"],
)
def test_each_kind_of_file(serve: Serve, api: AudioAPI, source: Any, filename: str, content: bytes) -> None:
    client_for(serve(api)).audio.transcriptions.complete(model=MODEL, file=source)
    upload = file_part(api.forms[0])
    assert upload is not None and (upload.filename, upload.content) == (filename, content)


@pytest.mark.parametrize(
    ("source", "field"),
    [({"file_url": "https://example.com/a.mp3"}, "file_url"), ({"file_id": "f-1"}, "file_id")],
)
def test_a_url_or_file_id_is_a_form_without_a_file_part(
    serve: Serve, api: AudioAPI, source: dict[str, str], field: str
) -> None:
    server = serve(api)
    client_for(server).audio.transcriptions.complete(model=MODEL, **source)
    assert server.requests[0].headers["content-type"].startswith("multipart/form-data")
    assert named(api.forms[0]) == {"model": [MODEL], field: [source[field]]}
    assert file_part(api.forms[0]) is None


def test_a_file_object_keeps_its_own_name(serve: Serve, api: AudioAPI, tmp_path: Path) -> None:
    path = tmp_path / "voice.ogg"
    path.write_bytes(b"OggS")
    with path.open("rb") as handle:
        client_for(serve(api)).audio.transcriptions.complete(model=MODEL, file=handle)
    upload = file_part(api.forms[0])
    assert upload is not None and (upload.filename, upload.content_type) == ("voice.ogg", "audio/ogg")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "file"),
        ({"file": b"x", "file_url": "https://example.com/a.mp3"}, "file"),
        ({"file_url": "https://example.com/a.mp3", "file_id": "f"}, "file_url"),
        ({"file": "/no/such/recording.mp3"}, "file"),
        ({"file": ("a.wav",)}, "file"),
        ({"file": 42}, "file"),
        ({"file": b"x", "language": "english"}, "language"),
        ({"file": b"x", "timestamp_granularities": ["sentence"]}, "timestamp_granularities.0"),
        ({"file": b"x", "context_bias": ["two words"]}, "context_bias.0"),
        ({"file": b"x", "diarize": "yes"}, "diarize"),
        ({"file": b"x", "stream": True}, "stream"),
        ({"file": b"x", "prompt": "hello"}, "prompt"),
    ],
    ids=lambda v: "-".join(v) if isinstance(v, dict) else v,
)
def test_bad_input_fails_before_anything_is_sent(
    serve: Serve, api: AudioAPI, kwargs: dict[str, Any], field: str
) -> None:
    server = serve(api)
    client = client_for(server)
    with pytest.raises(InvalidRequestError) as caught:
        client.audio.transcriptions.complete(model=MODEL, **kwargs)
    assert field in [name for name, _ in caught.value.errors], caught.value.errors
    with pytest.raises(InvalidRequestError):
        client.audio.transcriptions.stream(model=MODEL, **kwargs)
    assert server.requests == []


def test_a_text_mode_file_is_refused(serve: Serve, api: AudioAPI, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not audio")
    server = serve(api)
    with path.open(encoding="utf-8") as text, pytest.raises(InvalidRequestError, match="binary"):
        client_for(server).audio.transcriptions.complete(model=MODEL, file=text)  # type: ignore[arg-type]
    assert server.requests == []


# --- the transcription stream -----------------------------------------------------------------------


def test_the_stream_yields_typed_events_and_the_final_transcription(serve: Serve, api: AudioAPI) -> None:
    client = client_for(serve(api))
    with client.audio.transcriptions.stream(model=MODEL, file=b"RIFF", diarize=True) as stream:
        assert isinstance(stream, TranscriptionStream)
        events = list(stream)
        final = stream.get_final_response()
    assert [type(e) for e in events] == [
        TranscriptionStreamLanguage,
        TranscriptionStreamTextDelta,
        TranscriptionStreamTextDelta,
        TranscriptionStreamSegmentDelta,
        TranscriptionStreamDone,
    ]
    assert isinstance(final, TranscriptionResponse)
    assert final.text == "Hello world." and final.usage.total_tokens == 7 and final.segments[0].start == 0.0
    assert named(api.forms[0])["stream"] == ["true"]  # the spec's AudioTranscriptionRequestStream


def test_text_deltas_then_the_final_response(serve: Serve, api: AudioAPI) -> None:
    stream = client_for(serve(api)).audio.transcriptions.stream(model=MODEL, file_id="f")
    assert list(stream.text_deltas()) == ["Hello", " world."]
    assert stream.get_final_response().language == "en"


def events_handler(events: list[bytes]) -> Callable[[Request, Conn], None]:
    def handler(request: Request, conn: Conn) -> None:
        conn.stream_events(events)

    return handler


def test_unknown_event_types_and_fields_and_a_type_left_to_the_event_name(serve: Serve) -> None:
    events = [
        b'event: transcription.text.delta\ndata: {"text": "Bon"}\n\n',  # the type only in the event name
        sse({"type": "transcription.text.delta", "text": "jour", "confidence": 0.9}),
        sse({"type": "transcription.speaker", "speaker_id": "s1"}),  # a type this SDK does not know
        sse({"type": "transcription.done", "model": "m", "text": "Bonjour", "language": None, "usage": {}}),
    ]
    stream = client_for(serve(events_handler(events))).audio.transcriptions.stream(model=MODEL, file=b"x")
    received = list(stream)
    assert [getattr(e, "text", None) for e in received[:2]] == ["Bon", "jour"]
    assert received[1].model_extra == {"confidence": 0.9}
    assert isinstance(received[2], UnknownTranscriptionStreamEvent)
    assert (received[2].type, received[2].model_extra) == ("transcription.speaker", {"speaker_id": "s1"})
    final = stream.get_final_response()
    assert final.text == "Bonjour" and final.language is None


def test_the_final_response_fills_in_what_the_done_event_leaves_out(serve: Serve) -> None:
    events = transcription_events(["Hi", " there"], done=False)
    events.append(
        sse({"type": "transcription.done", "model": "m", "text": "", "language": None, "usage": {}})
    )
    final = client_for(serve(events_handler(events))).audio.transcriptions.stream(model=MODEL, file=b"x")
    response = final.get_final_response()
    assert (response.text, response.language, len(response.segments)) == ("Hi there", "en", 1)


@pytest.mark.parametrize(
    ("event", "error", "status"),
    [
        (b'event: error\ndata: {"message": "slow down", "code": 429}\n\n', RateLimitError, 429),
        (
            sse({"type": "transcription.error", "message": "model crashed", "code": 500}),
            InternalServerError,
            500,
        ),
        (sse({"type": "error", "error": {"message": "bad key", "code": 401}}), AuthenticationError, 401),
    ],
    ids=["sse-error-event", "typed-error-event", "error-document"],
)
def test_an_error_event_mid_stream_raises_its_status_error(
    serve: Serve, event: bytes, error: type[Exception], status: int
) -> None:
    events = [sse({"type": "transcription.text.delta", "text": "Hel"}), event]

    def handler(request: Request, conn: Conn) -> None:
        conn.start_chunked(headers={"x-request-id": "req-err"})
        for item in events:
            conn.chunk(item)
        conn.end_chunked()

    received = []
    with pytest.raises(error) as caught:
        for item in client_for(serve(handler)).audio.transcriptions.stream(model=MODEL, file=b"x"):
            received.append(item)
    assert len(received) == 1
    assert getattr(caught.value, "status_code", None) == status
    assert getattr(caught.value, "request_id", None) == "req-err"


def test_a_stream_cut_mid_event_is_incomplete(serve: Serve) -> None:
    def handler(request: Request, conn: Conn) -> None:
        conn.start_chunked()
        conn.chunk(sse({"type": "transcription.text.delta", "text": "Hel"}))
        conn.chunk(b'event: transcription.text.delta\ndata: {"type": "transcription.te')  # half an event
        conn.end_chunked()

    received = []
    with pytest.raises(IncompleteStreamError):
        for event in client_for(serve(handler)).audio.transcriptions.stream(model=MODEL, file=b"x"):
            received.append(event)
    assert [getattr(e, "text", None) for e in received] == ["Hel"]


def test_a_connection_reset_mid_event_is_a_connection_error(serve: Serve) -> None:
    def handler(request: Request, conn: Conn) -> None:
        conn.start_chunked()
        conn.chunk(sse({"type": "transcription.text.delta", "text": "Hel"}))
        conn.chunk(b'event: transcription.text.delta\ndata: {"ty')
        time.sleep(0.05)
        conn.reset()

    with pytest.raises(APIConnectionError):
        list(client_for(serve(handler), max_retries=3).audio.transcriptions.stream(model=MODEL, file=b"x"))


def test_breaking_out_closes_the_stream_and_returns_the_connection(serve: Serve) -> None:
    ended = threading.Event()

    def long(request: Request, conn: Conn) -> None:
        if not request.path.startswith("/v1/audio/transcriptions"):
            return
        if b'name="stream"' not in request.body:
            conn.respond_json(200, transcription())
            return
        try:
            conn.start_chunked()
            for i in range(1000):
                conn.chunk(sse({"type": "transcription.text.delta", "text": f"w{i} "}))
                time.sleep(0.002)
            conn.end_chunked()
        except OSError:
            pass
        finally:
            ended.set()

    server = serve(long)
    client = client_for(server, http_client=httpx2.Client(limits=httpx2.Limits(max_connections=1)))
    for _ in client.audio.transcriptions.stream(model=MODEL, file=b"x"):
        break
    assert ended.wait(5)  # the server's writes failed: the response was really closed
    started = time.perf_counter()
    assert client.audio.transcriptions.complete(model=MODEL, file=b"x").text == "Hello world."
    assert time.perf_counter() - started < 1  # the one pooled connection is free


# --- retries and error classes -------------------------------------------------------------------------


def flaky(api: AudioAPI, failures: list[int]) -> Callable[[Request, Conn], None]:
    def handler(request: Request, conn: Conn) -> None:
        if failures:
            status = failures.pop(0)
            conn.respond_json(status, {"message": "try again"}, {"retry-after-ms": "1"})
            return
        api(request, conn)

    return handler


def test_a_503_is_retried_and_the_whole_file_sent_again(serve: Serve, api: AudioAPI, tmp_path: Path) -> None:
    audio = tmp_path / "a.flac"
    audio.write_bytes(b"fLaC" * 50_000)
    server = serve(flaky(api, [503, 429]))
    result = client_for(server).audio.transcriptions.complete(model=MODEL, file=audio)
    assert result.text == "Hello world."
    assert len(server.requests) == 3
    contents = [part.content for r in server.requests for part in parse_form(r) if part.filename]
    assert contents == [audio.read_bytes()] * 3


def test_a_stream_that_cannot_rewind_is_not_retried(serve: Serve, api: AudioAPI) -> None:
    class OneWay(io.RawIOBase):
        def __init__(self) -> None:
            self._data = io.BytesIO(b"RIFF" * 100)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            return self._data.readinto(buffer)

    server = serve(flaky(api, [503]))
    with pytest.raises(InternalServerError):
        client_for(server).audio.transcriptions.complete(model=MODEL, file=OneWay())  # type: ignore[arg-type]
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthenticationError), (422, UnprocessableEntityError), (500, InternalServerError)],
)
def test_error_statuses_raise_their_class(serve: Serve, status: int, error: type[Exception]) -> None:
    def handler(request: Request, conn: Conn) -> None:
        body = {"detail": [{"loc": ["body", "file"], "msg": "not audio", "type": "value_error"}]}
        conn.respond_json(status, body, {"x-request-id": "req-9"})

    client = client_for(serve(handler), max_retries=0)
    with pytest.raises(error) as caught:
        client.audio.transcriptions.complete(model=MODEL, file=b"x")
    assert getattr(caught.value, "request_id", None) == "req-9"
    with pytest.raises(error):
        list(client.audio.transcriptions.stream(model=MODEL, file=b"x"))
    with pytest.raises(error):
        client.audio.speech.complete(input="hi")
    if isinstance(caught.value, UnprocessableEntityError):
        assert caught.value.detail[0]["msg"] == "not audio"


# --- speech ---------------------------------------------------------------------------------------------


def test_speech_is_decoded_and_written(serve: Serve, api: AudioAPI, tmp_path: Path) -> None:
    server = serve(api)
    speech = client_for(server).audio.speech.complete(
        input="Bonjour", voice_id="v-1", response_format="wav", model="voxtral-tts"
    )
    assert isinstance(speech, SpeechResponse)
    assert speech.audio_bytes() == b"RIFFBonjour"
    assert (
        speech.write_to(tmp_path / "out.wav") == 11 and (tmp_path / "out.wav").read_bytes() == b"RIFFBonjour"
    )
    assert server.requests[0].json() == {
        "input": "Bonjour",
        "voice_id": "v-1",
        "response_format": "wav",
        "model": "voxtral-tts",
    }


def test_the_speech_stream_yields_audio_chunks_and_the_whole_speech(serve: Serve, api: AudioAPI) -> None:
    server = serve(api)
    with client_for(server).audio.speech.stream(input="Bonjour", voice_id="v-1") as stream:
        chunks = list(stream.audio_chunks())
        final = stream.get_final_response()
    assert b"".join(chunks) == b"RIFFBonjour" and len(chunks) == 2
    assert final.audio_bytes() == b"RIFFBonjour" and final.usage is not None and final.usage.total_tokens == 3
    assert server.requests[0].json()["stream"] is True
    assert server.requests[0].headers["accept"] == "text/event-stream"


# --- voices ---------------------------------------------------------------------------------------------


def test_every_voices_operation(serve: Serve, api: AudioAPI, tmp_path: Path) -> None:
    server = serve(api)
    voices = client_for(server).audio.voices
    page = voices.list(limit=5, offset=10, type="custom")
    assert isinstance(page, VoiceListResponse) and page.items[0].id == VOICE["id"]
    assert server.requests[-1].path == "/v1/audio/voices?limit=5&offset=10&type=custom"

    sample = tmp_path / "narrator.wav"
    sample.write_bytes(b"RIFFsample")
    created = voices.create(name="Narrator", sample_audio=sample, languages=["fr"], retention_notice=7)
    assert isinstance(created, VoiceResponse) and created.created_at is not None
    body = server.requests[-1].json()
    assert body == {
        "name": "Narrator",
        "sample_audio": base64.b64encode(b"RIFFsample").decode(),
        "languages": ["fr"],
        "retention_notice": 7,
        "sample_filename": "narrator.wav",
    }
    voices.create(name="Raw", sample_audio=b"RIFF")
    assert server.requests[-1].json()["sample_audio"] == "UklGRg=="
    voices.create(name="Encoded", sample_audio="UklGRg==", sample_filename="x.wav")
    assert server.requests[-1].json() == {
        "name": "Encoded",
        "sample_audio": "UklGRg==",
        "sample_filename": "x.wav",
    }

    assert voices.get(VOICE["id"]).name == "Narrator"
    updated = voices.update(VOICE["id"], name="Storyteller", tags=["calm"])
    assert updated.name == "Storyteller"
    assert (server.requests[-1].method, server.requests[-1].json()) == (
        "PATCH",
        {"name": "Storyteller", "tags": ["calm"]},
    )
    assert voices.delete(VOICE["id"]).id == VOICE["id"]
    assert server.requests[-1].method == "DELETE"
    assert voices.get_sample_audio(VOICE["id"]) == b"RIFF-sample"
    assert server.requests[-1].path == f"/v1/audio/voices/{VOICE['id']}/sample"

    with pytest.raises(InvalidRequestError):
        voices.list(limit=500)
    with pytest.raises(InvalidRequestError):
        voices.create(name="x", sample_audio=tmp_path / "missing.wav")
    with pytest.raises(InvalidRequestError):
        voices.get("")


# --- raw responses, the local backend -----------------------------------------------------------------


def test_raw_responses(serve: Serve, api: AudioAPI) -> None:
    client = client_for(serve(api))
    raw = client.audio.transcriptions.with_raw_response.complete(model=MODEL, file=b"x")
    assert raw.status_code == 200 and raw.request_id == "req-t1" and raw.parse().text == "Hello world."
    opened = client.audio.transcriptions.with_raw_response.stream(model=MODEL, file=b"x")
    assert opened.headers["content-type"] == "text/event-stream"
    assert opened.parse().get_final_response().text == "Hello world."
    assert client.audio.voices.with_raw_response.get_sample_audio("v").parse() == b"RIFF-sample"


def test_the_local_backend_refuses_audio_naming_the_operation(tmp_path: Path) -> None:
    from mistral_client.local import LocalBackend

    client = Client(backend=LocalBackend(tmp_path))  # nothing is loaded to refuse
    calls: list[tuple[str, Callable[[], object]]] = [
        (
            "audio.transcriptions.complete",
            lambda: client.audio.transcriptions.complete(model=MODEL, file=b"x"),
        ),
        (
            "audio.transcriptions.stream",
            lambda: list(client.audio.transcriptions.stream(model=MODEL, file=b"x")),
        ),
        ("audio.speech.complete", lambda: client.audio.speech.complete(input="hi")),
        ("audio.speech.stream", lambda: list(client.audio.speech.stream(input="hi"))),
        ("audio.voices.list", client.audio.voices.list),
    ]
    for operation, call in calls:
        with pytest.raises(UnsupportedOperationError) as caught:
            call()
        assert (caught.value.operation, caught.value.backend) == (
            operation,
            "the local backend (LocalBackend)",
        )
        assert operation in str(caught.value)


def test_json_bodies_never_carry_the_form_as_json(serve: Serve, api: AudioAPI) -> None:
    # The transcription form is never serialized as a JSON body, even though it is the request's body.
    server = serve(api)
    client_for(server).audio.transcriptions.complete(model=MODEL, file=b"x")
    with pytest.raises(ValueError):
        json.loads(server.requests[0].body)
