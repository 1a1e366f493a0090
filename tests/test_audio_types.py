"""Every audio response and stream event the spec allows parses: its examples, and instances generated
from its schemas (optional fields absent, unknown fields kept, odd values where the caller does not
look); the FakeBackend answers and scripts the audio operations; transcriptions and speech are traced."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import httpx2
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mistral_client as mc
from mistral_client import AsyncClient, Client
from mistral_client._endpoints.audio import parse_speech_event, parse_transcription_event
from mistral_client._http._core import _HTTPCore
from mistral_client.testing import FakeBackend
from mistral_client.types import (
    SpeechResponse,
    SpeechStreamAudioDelta,
    SpeechStreamDone,
    TranscriptionResponse,
    TranscriptionStreamDone,
    TranscriptionStreamLanguage,
    TranscriptionStreamSegmentDelta,
    TranscriptionStreamTextDelta,
    UnknownSpeechStreamEvent,
    UnknownTranscriptionStreamEvent,
    VoiceListResponse,
    VoiceResponse,
)

from . import test_seam
from .audio_server import AudioAPI
from .loopback import Conn, LoopbackServer, Request
from .test_response_schemas import FAST, _spec

hypothesis_jsonschema = pytest.importorskip("hypothesis_jsonschema")

Serve = Callable[[Callable[[Request, Conn], None]], LoopbackServer]

_WHOLE: dict[str, Callable[[str | bytes], Any]] = {
    "TranscriptionResponse": TranscriptionResponse.model_validate_json,
    "VoiceResponse": VoiceResponse.model_validate_json,
    "VoiceListResponse": VoiceListResponse.model_validate_json,
}
_EVENTS: dict[str, tuple[type[Any], Callable[[str | None, str], Any]]] = {
    "TranscriptionStreamTextDelta": (TranscriptionStreamTextDelta, parse_transcription_event),
    "TranscriptionStreamLanguage": (TranscriptionStreamLanguage, parse_transcription_event),
    "TranscriptionStreamSegmentDelta": (TranscriptionStreamSegmentDelta, parse_transcription_event),
    "TranscriptionStreamDone": (TranscriptionStreamDone, parse_transcription_event),
}


def _parse(parse: Callable[[str | bytes], Any], document: Any) -> Any:
    """Parse as the HTTP backend does (its lenient fallback included)."""
    core = _HTTPCore(api_key=None, base_url="http://x", default_headers=None, retry_policy=None)
    request: Any = type("R", (), {"parse": staticmethod(parse)})()
    response = httpx2.Response(200, request=httpx2.Request("GET", "http://x"))
    return core.parse(request, response, json.dumps(document))


def _speech_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """The speech responses' schemas, inline in the spec's path: the JSON one and the SSE envelope."""
    content = _spec()["paths"]["/v1/audio/speech"]["post"]["responses"]["200"]["content"]
    return content["application/json"]["schema"], content["text/event-stream"]["schema"]


@cache
def _strategy(schema_json: str) -> st.SearchStrategy[Any]:
    components = _spec()["components"]
    return hypothesis_jsonschema.from_schema({**json.loads(schema_json), "components": components})


def _component(name: str) -> st.SearchStrategy[Any]:
    return _strategy(json.dumps(_spec()["components"]["schemas"][name]))


@pytest.mark.parametrize("name", sorted(_WHOLE))
def test_generated_responses_parse(name: str) -> None:
    @FAST
    @given(document=_component(name))
    def check(document: Any) -> None:
        parsed = _parse(_WHOLE[name], document)
        if isinstance(parsed, TranscriptionResponse):
            assert parsed.text == document["text"]
            assert len(parsed.segments) == len(document.get("segments", []))

    check()


@pytest.mark.parametrize("name", sorted(_EVENTS))
def test_generated_transcription_events_parse_to_their_type(name: str) -> None:
    event_type, parse_event = _EVENTS[name]

    @FAST
    @given(document=_component(name))
    def check(document: Any) -> None:
        # The type may be absent from the data (it has a default): the SSE event's name tells it.
        event = parse_event(event_type.model_fields["type"].default, json.dumps(document))
        assert type(event) is event_type

    check()


def test_generated_speech_responses_and_events_parse() -> None:
    whole, events = _speech_schemas()
    defs = events["$defs"]
    delta = {**defs["SpeechStreamAudioDelta"], "$defs": defs}
    done = {**defs["SpeechStreamDone"], "$defs": defs}

    @FAST
    @given(
        document=_strategy(json.dumps(whole)),
        audio=_strategy(json.dumps(delta)),
        end=_strategy(json.dumps(done)),
    )
    def check(document: Any, audio: Any, end: Any) -> None:
        assert _parse(SpeechResponse.model_validate_json, document).audio_data == document["audio_data"]
        assert type(parse_speech_event("speech.audio.delta", json.dumps(audio))) is SpeechStreamAudioDelta
        assert type(parse_speech_event("speech.audio.done", json.dumps(end))) is SpeechStreamDone

    check()


def _examples() -> Iterator[tuple[str, Any]]:
    for path, item in _spec()["paths"].items():
        if not path.startswith("/v1/audio"):
            continue
        for method, operation in item.items():
            for status, response in operation.get("responses", {}).items():
                for media in (response.get("content") or {}).values():
                    for key, example in (media.get("examples") or {}).items():
                        yield f"{method.upper()} {path} {status} {key}", example.get("value")


def test_the_spec_s_transcription_example_parses() -> None:
    examples = list(_examples())
    assert examples, "the spec's audio examples"
    for where, example in examples:
        parsed = _parse(TranscriptionResponse.model_validate_json, example)
        assert parsed.text.startswith("This week") and parsed.usage.prompt_audio_seconds == 203, where


def test_unknown_fields_odd_values_and_unusable_text() -> None:
    document = {
        "model": "m",
        "text": "hi",
        "language": "english",  # not two letters: still parses (a response is not held to the pattern)
        "segments": [{"text": "hi", "start": 0, "end": "later"}],  # an odd end
        "usage": {"prompt_audio_seconds": {}},
        "brand_new": 1,
    }
    # A segment without a usable end: the text is kept, the segments as sent stay in model_extra.
    cut = _parse(TranscriptionResponse.model_validate_json, document)
    assert (cut.text, cut.segments) == ("hi", [])
    assert cut.model_extra is not None and cut.model_extra["segments"] == document["segments"]
    document["segments"] = [{"text": "hi", "start": 0, "end": 1, "score": "high", "speaker": "s"}]
    parsed = _parse(TranscriptionResponse.model_validate_json, document)
    assert parsed.language == "english" and parsed.model_extra == {"brand_new": 1}
    assert parsed.usage.prompt_audio_seconds is None and parsed.usage.model_extra == {
        "prompt_audio_seconds": {}
    }
    assert parsed.segments[0].score is None and parsed.segments[0].model_extra == {
        "score": "high",
        "speaker": "s",
    }
    with pytest.raises(mc.APIResponseValidationError) as caught:
        _parse(TranscriptionResponse.model_validate_json, {"model": "m", "text": 5})
    assert caught.value.field == "text"
    odd_done = parse_transcription_event(
        None, json.dumps({"type": "transcription.done", "text": "x", "usage": 3})
    )
    assert isinstance(odd_done, TranscriptionStreamDone) and odd_done.usage.total_tokens == 0
    assert isinstance(parse_transcription_event("x.y", "{}"), UnknownTranscriptionStreamEvent)
    assert isinstance(parse_speech_event(None, '{"type": "speech.audio.mark"}'), UnknownSpeechStreamEvent)
    with pytest.raises(ValueError):
        parse_transcription_event(None, "[1, 2]")


# --- the FakeBackend --------------------------------------------------------------------------------


def test_the_fake_answers_and_scripts_audio() -> None:
    fake = FakeBackend()
    client = Client(backend=fake)
    fake.add_response("Bonjour")
    assert client.audio.transcriptions.complete(model="v", file=b"x", language="fr").text == "Bonjour"
    assert fake.requests[-1].params == {"model": "v", "language": "fr", "filename": "upload"}

    fake.add_stream(["Bon", "jour"], usage={"prompt_tokens": 4})
    with client.audio.transcriptions.stream(model="v", file_url="https://example.com/a.mp3") as stream:
        assert list(stream.text_deltas()) == ["Bon", "jour"]
        final = stream.get_final_response()
    assert (final.text, final.usage.total_tokens) == ("Bonjour", 4)
    assert fake.requests[-1].operation == "audio.transcriptions.stream"

    whole = {
        "model": "v",
        "text": "Salut",
        "language": "fr",
        "usage": {},
        "segments": [{"text": "Salut", "start": 0, "end": 1}],
    }
    fake.add_response(whole)
    events = list(client.audio.transcriptions.stream(model="v", file_id="f"))
    assert [type(e).__name__ for e in events] == [
        "TranscriptionStreamLanguage",
        "TranscriptionStreamTextDelta",
        "TranscriptionStreamSegmentDelta",
        "TranscriptionStreamDone",
    ]

    segment = {"type": "transcription.segment", "text": "a", "start": 0, "end": 1}
    fake.add_stream(["a", segment, "b"])
    folded = client.audio.transcriptions.complete(model="v", file_id="f")
    assert (folded.text, len(folded.segments)) == ("ab", 1)

    fake.add_stream([], error=mc.APIConnectionError("dropped"))
    with pytest.raises(mc.APIConnectionError):
        list(client.audio.transcriptions.stream(model="v", file=b"x"))

    fake.add_response(b"RIFFaudio")
    assert client.audio.speech.complete(input="hi").audio_bytes() == b"RIFFaudio"
    fake.add_stream([b"RIFF", b"more"])
    with client.audio.speech.stream(input="hi") as speech:
        assert list(speech.audio_chunks()) == [b"RIFF", b"more"]
    fake.add_response({"id": "v1", "name": "n", "created_at": "2025-01-01T00:00:00Z", "user_id": None})
    assert client.audio.voices.create(name="n", sample_audio=b"RIFF").id == "v1"
    assert fake.requests[-1].params == {"name": "n", "sample_audio": "UklGRg=="}
    fake.add_response(b"RIFF-sample")
    assert client.audio.voices.get_sample_audio("v1") == b"RIFF-sample"


def test_the_fake_scripts_an_async_transcription_stream() -> None:
    fake = FakeBackend()
    fake.add_stream(["x", "y"])

    async def main() -> str:
        client = AsyncClient(backend=fake)
        async with client.audio.transcriptions.stream(model="v", file=b"x") as stream:
            assert [t async for t in stream.text_deltas()] == ["x", "y"]
        return (await stream.get_final_response()).text

    assert asyncio.run(main()) == "xy"


# --- tracing ----------------------------------------------------------------------------------------


spans = test_seam.spans  # the fixture: the spans finished, read back from an in-memory exporter


def test_transcriptions_and_speech_are_traced(serve: Serve, spans: Callable[[], list[Any]]) -> None:
    server = serve(AudioAPI())
    client = Client(api_key="k", base_url=server.url)
    client.audio.transcriptions.complete(model="voxtral-mini-latest", file=b"x", temperature=0.1)
    with client.audio.transcriptions.stream(model="voxtral-mini-latest", file=b"x") as stream:
        stream.get_final_response()
    client.audio.speech.complete(input="hi", model="voxtral-tts")
    list(client.audio.speech.stream(input="hi", model="voxtral-tts"))
    client.audio.voices.list()  # not a GenAI call: no span
    finished = spans()
    assert [s.name for s in finished] == [
        "transcription voxtral-mini-latest",
        "transcription voxtral-mini-latest",
        "speech voxtral-tts",
        "speech voxtral-tts",
    ]
    whole, streamed = (dict(s.attributes) for s in finished[:2])
    assert whole["gen_ai.operation.name"] == "transcription" and whole["gen_ai.request.temperature"] == 0.1
    assert whole["gen_ai.response.model"] == "voxtral-mini-2507" and whole["gen_ai.usage.input_tokens"] == 4
    assert whole["mistral_ai.request.id"] == "req-t1"
    assert streamed["gen_ai.response.model"] == "voxtral-mini-2507"
    assert streamed["gen_ai.usage.output_tokens"] == 3 and "gen_ai.response.time_to_first_chunk" in streamed
    assert dict(finished[3].attributes)["gen_ai.usage.input_tokens"] == 3
