"""``mistral-client transcribe FILE``: an audio file (or URL) to its text, printed as it is transcribed;
``--json`` for the whole transcription (language, segments with timestamps and speakers, usage)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ._app import connection_options, make_client
from ._errors import EXIT_USAGE, CLIError

DEFAULT_TRANSCRIBE_MODEL = "voxtral-mini-latest"


@click.command(short_help="Transcribe an audio file.")
@click.argument("audio", metavar="FILE")
@click.option("-m", "--model", default=DEFAULT_TRANSCRIBE_MODEL, show_default=True, help="The model.")
@click.option("-l", "--language", help="The audio's language, two letters (en, fr...): can help accuracy.")
@click.option("--diarize", is_flag=True, help="Tell the speakers apart (in the segments of --json).")
@click.option(
    "--timestamps",
    "granularities",
    multiple=True,
    type=click.Choice(["segment", "word"]),
    help="Timestamps to include, per segment or word (repeatable; in --json).",
)
@click.option("--context-bias", "bias", multiple=True, metavar="TERM", help="A word to favour (repeatable).")
@click.option("--temperature", type=click.FloatRange(min=0), help="Sampling temperature.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole transcription as JSON.")
@connection_options
def transcribe(
    audio: str,
    model: str,
    language: str | None,
    diarize: bool,
    granularities: tuple[str, ...],
    bias: tuple[str, ...],
    temperature: float | None,
    as_json: bool,
    **connection: Any,
) -> None:
    """Transcribe FILE (a path, or an http(s) URL the API fetches) and print its text as it comes."""
    source: dict[str, Any]
    if audio.startswith(("http://", "https://")):
        source = {"file_url": audio}
    else:
        path = Path(audio)
        if not path.is_file():
            raise CLIError(f"{audio}: no such file", EXIT_USAGE)
        source = {"file": path}  # streamed from disk, never read whole
    client = make_client(**connection)
    params: dict[str, Any] = {
        "model": model,
        "language": language,
        "diarize": diarize or None,
        "timestamp_granularities": list(granularities) or None,
        "context_bias": list(bias) or None,
        "temperature": temperature,
        **source,
    }
    if as_json:
        result = client.audio.transcriptions.complete(**params)
        click.echo(
            json.dumps(result.model_dump(mode="json", exclude_none=True), indent=2, ensure_ascii=False)
        )
        return
    wrote = ""
    with client.audio.transcriptions.stream(**params) as stream:
        for text in stream.text_deltas():
            sys.stdout.write(text)
            sys.stdout.flush()
            wrote = text
        if not wrote:  # a server that sends the text only in its final event
            wrote = stream.get_final_response().text
            sys.stdout.write(wrote)
    if not wrote.endswith("\n"):
        sys.stdout.write("\n")
