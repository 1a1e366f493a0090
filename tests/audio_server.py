"""A loopback stand-in for the audio API (``/v1/audio``), checking each request against the spec.

Multipart forms are parsed part by part (an array is one part per item, under the field's name) and
validated against the spec's ``AudioTranscriptionRequest`` (or ``...Stream``) with each value read
as its schema's type; a part the schema does not name fails too. JSON bodies are validated against
``SpeechRequest``, ``VoiceCreateRequest`` and ``VoiceUpdateRequest``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from .loopback import Conn, Request

SSE = bytes


@dataclass
class Part:
    name: str
    content: bytes
    filename: str | None = None
    content_type: str | None = None


def parse_form(request: Request) -> list[Part]:
    """The parts of a ``multipart/form-data`` body, in order."""
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data"), content_type
    match = re.search(r"boundary=([^;]+)", content_type)
    assert match, content_type
    boundary = b"--" + match.group(1).strip('"').encode()
    body = request.body
    assert body.endswith(boundary + b"--\r\n"), body[-80:]
    parts = []
    for raw in body.split(boundary)[1:-1]:
        assert raw.startswith(b"\r\n") and raw.endswith(b"\r\n"), raw[:80]
        head, _, content = raw[2:-2].partition(b"\r\n\r\n")
        headers = dict(
            (name.strip().lower(), value.strip())
            for name, _, value in (line.partition(":") for line in head.decode().split("\r\n"))
        )
        disposition = headers["content-disposition"]
        name = re.search(r'\bname="([^"]*)"', disposition)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        assert name, disposition
        parts.append(
            Part(name.group(1), content, filename.group(1) if filename else None, headers.get("content-type"))
        )
    return parts


def _types(schema: dict[str, Any]) -> set[str]:
    kinds = {schema["type"]} if "type" in schema else set()
    for option in schema.get("anyOf", []):
        if "type" in option:
            kinds.add(option["type"])
        if "$ref" in option:
            kinds.add("file")
    if "$ref" in schema:
        kinds.add("file")
    return kinds


def form_instance(parts: list[Part], schema: dict[str, Any]) -> dict[str, Any]:
    """The form as the JSON document its schema describes: each part read as its property's type."""
    properties = schema["properties"]
    unknown = sorted({p.name for p in parts} - set(properties))
    assert not unknown, f"parts the spec's form does not have: {unknown}"
    instance: dict[str, Any] = {}
    for name, prop in properties.items():
        values = [p for p in parts if p.name == name]
        if not values:
            continue
        kinds = _types(prop)
        if "file" in kinds:
            assert len(values) == 1 and values[0].filename, f"{name}: one file part with a filename"
            instance[name] = "<binary>"
            continue
        texts = [p.content.decode() for p in values]
        if "array" in kinds:
            instance[name] = texts
            continue
        assert len(texts) == 1, f"{name}: sent {len(texts)} times"
        text = texts[0]
        if "boolean" in kinds:
            instance[name] = {"true": True, "false": False}.get(text, text)
        elif "number" in kinds or "integer" in kinds:
            instance[name] = float(text) if "." in text else int(text)
        else:
            instance[name] = text
    return instance


def transcription(text: str = "Hello world.", **overrides: Any) -> dict[str, Any]:
    return {
        "model": "voxtral-mini-2507",
        "text": text,
        "language": "en",
        "segments": [{"type": "transcription_segment", "text": text, "start": 0.0, "end": 1.5}],
        "usage": {"prompt_audio_seconds": 2, "prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7},
        **overrides,
    }


def sse(data: dict[str, Any], event: str | None = None) -> SSE:
    name = event if event is not None else data.get("type")
    head = f"event: {name}\n".encode() if name else b""
    return head + b"data: " + json.dumps(data).encode() + b"\n\n"


def transcription_events(words: list[str], done: bool = True) -> list[SSE]:
    text = "".join(words)
    events = [sse({"type": "transcription.language", "audio_language": "en"})]
    events += [sse({"type": "transcription.text.delta", "text": word}) for word in words]
    events.append(sse({"type": "transcription.segment", "text": text, "start": 0.0, "end": 1.5}))
    if done:
        events.append(sse({**transcription(text), "type": "transcription.done"}))
    return events


VOICE = {
    "id": "6f7c1c1e-1111-4a4a-9d9d-000000000001",
    "name": "Narrator",
    "languages": ["fr"],
    "created_at": "2025-06-01T12:00:00Z",
    "user_id": "user-1",
}


@dataclass
class AudioAPI:
    """The handler (pass it to ``serve``) and what it saw."""

    #: Validates a JSON document against a spec schema: ``(schema_name, document)``.
    validate: Callable[[str, Any], None] | None = None
    spec: dict[str, Any] | None = None
    #: The words of the transcription stream.
    words: list[str] = field(default_factory=lambda: ["Hello", " world."])
    forms: list[list[Part]] = field(default_factory=list)

    def _check_form(self, parts: list[Part]) -> dict[str, Any]:
        stream = any(p.name == "stream" and p.content == b"true" for p in parts)
        name = "AudioTranscriptionRequestStream" if stream else "AudioTranscriptionRequest"
        instance = form_instance(parts, self.spec["components"]["schemas"][name]) if self.spec else {}
        if self.validate is not None:
            self.validate(name, instance)
        return instance

    def __call__(self, request: Request, conn: Conn) -> None:
        try:
            self._answer(request, conn)
        except (AssertionError, jsonschema.ValidationError) as exc:
            # A request the spec does not allow fails the call, saying why.
            conn.respond_json(400, {"message": f"not the spec's request: {exc}"})

    def _answer(self, request: Request, conn: Conn) -> None:
        path = request.path.split("?")[0]
        if path == "/v1/audio/transcriptions":
            parts = parse_form(request)
            self.forms.append(parts)
            form = self._check_form(parts)
            if form.get("stream") or any(p.name == "stream" for p in parts):
                conn.stream_events(transcription_events(self.words))
            else:
                conn.respond_json(200, transcription("".join(self.words)), {"x-request-id": "req-t1"})
        elif path == "/v1/audio/speech":
            body = request.json()
            if self.validate is not None:
                self.validate("SpeechRequest", body)
            audio = b"RIFF" + body["input"].encode()
            if body.get("stream"):
                half = len(audio) // 2
                deltas = [
                    sse({"type": "speech.audio.delta", "audio_data": base64.b64encode(piece).decode()})
                    for piece in (audio[:half], audio[half:])
                ]
                done = sse({"type": "speech.audio.done", "usage": {"prompt_tokens": 3, "total_tokens": 3}})
                conn.stream_events([*deltas, done])
            else:
                conn.respond_json(200, {"audio_data": base64.b64encode(audio).decode()})
        elif path == "/v1/audio/voices" and request.method == "GET":
            page = {"items": [VOICE], "total": 1, "page": 0, "page_size": 10, "total_pages": 1}
            conn.respond_json(200, page)
        elif path == "/v1/audio/voices" and request.method == "POST":
            body = request.json()
            if self.validate is not None:
                self.validate("VoiceCreateRequest", body)
            conn.respond_json(200, {**VOICE, "name": body["name"]})
        elif path.startswith("/v1/audio/voices/") and path.endswith("/sample"):
            conn.respond(200, b"RIFF-sample", {"content-type": "audio/wav"})
        elif path.startswith("/v1/audio/voices/"):
            if request.method == "PATCH":
                body = request.json()
                if self.validate is not None:
                    self.validate("VoiceUpdateRequest", body)
                conn.respond_json(200, {**VOICE, **body})
            else:
                conn.respond_json(200, VOICE)
        else:
            conn.respond_json(404, {"message": f"no route {request.method} {path}"})
