"""``mistral-client transcribe FILE`` against the loopback audio API."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mistral_client.cli import cli

from .audio_server import AudioAPI, Part
from .conftest import SpecValidator
from .loopback import Conn, LoopbackServer, Request

Serve = Callable[[Callable[[Request, Conn], None]], LoopbackServer]


@pytest.fixture
def api(validate_request: SpecValidator, spec: dict[str, Any]) -> AudioAPI:
    return AudioAPI(validate=validate_request, spec=spec, words=["Bon", "jour."])


def run(args: list[str], server: LoopbackServer | None = None) -> Result:
    env = {"MISTRAL_API_KEY": "sk-test", "MISTRAL_BASE_URL": server.url if server else None}
    return CliRunner().invoke(cli, args, env=env)


def fields(parts: list[Part]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in parts:
        out.setdefault(part.name, []).append(part.filename or part.content.decode())
    return out


def test_transcribe_prints_the_text_as_it_streams(serve: Serve, api: AudioAPI, tmp_path: Path) -> None:
    audio = tmp_path / "talk.mp3"
    audio.write_bytes(b"ID3audio")
    result = run(["transcribe", str(audio), "-l", "fr", "--context-bias", "Mistral"], serve(api))
    assert result.exit_code == 0, result.output
    assert result.output == "Bonjour.\n"
    assert fields(api.forms[0]) == {
        "model": ["voxtral-mini-latest"],
        "language": ["fr"],
        "stream": ["true"],
        "context_bias": ["Mistral"],
        "file": ["talk.mp3"],
    }


def test_transcribe_json_prints_the_whole_transcription(serve: Serve, api: AudioAPI) -> None:
    result = run(
        ["transcribe", "https://example.com/talk.mp3", "--json", "--diarize", "--timestamps", "segment"],
        serve(api),
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["text"] == "Bonjour." and printed["segments"][0]["end"] == 1.5
    assert fields(api.forms[0]) == {
        "model": ["voxtral-mini-latest"],
        "file_url": ["https://example.com/talk.mp3"],
        "diarize": ["true"],
        "timestamp_granularities": ["segment"],
    }


def test_transcribe_refuses_a_missing_file_and_the_local_backend(tmp_path: Path) -> None:
    missing = run(["transcribe", str(tmp_path / "nope.wav")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"RIFF")
    local = run(["transcribe", str(audio), "--local", str(tmp_path)])
    assert local.exit_code == 2
    assert "audio.transcriptions.stream: the local backend (LocalBackend) does not serve" in local.output
    bad = run(["transcribe", str(audio), "--language", "french"], None)
    assert bad.exit_code == 2 and "language" in bad.output
