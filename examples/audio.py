"""Audio: transcribe a recording (whole, then streamed), and speak a sentence.

    python examples/audio.py [RECORDING]

Without RECORDING it writes a second of silence to a WAV file and transcribes that. Needs
MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server (optional).
"""

from __future__ import annotations

import sys
import tempfile
import wave
from pathlib import Path

from mistral_client import Client
from mistral_client.types import TranscriptionStreamSegmentDelta


def silence(path: Path, seconds: float = 1.0, rate: int = 16_000) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(rate * seconds))
    return path


def main() -> None:
    workdir = Path(tempfile.mkdtemp())
    recording = Path(sys.argv[1]) if len(sys.argv) > 1 else silence(workdir / "silence.wav")
    with Client() as client:
        # The file is streamed from disk, never read whole.
        result = client.audio.transcriptions.complete(
            model="voxtral-mini-latest", file=recording, timestamp_granularities=["segment"]
        )
        print(f"text: {result.text!r} (language {result.language}, {len(result.segments)} segments)")

        with client.audio.transcriptions.stream(model="voxtral-mini-latest", file=recording) as stream:
            for event in stream:
                if isinstance(event, TranscriptionStreamSegmentDelta):
                    print(f"  segment {event.start:.1f}-{event.end:.1f}s: {event.text}")
            final = stream.get_final_response()
        print(f"streamed: {final.text!r}, {final.usage.prompt_audio_seconds} s of audio")

        speech = client.audio.speech.complete(input=final.text or "Bonjour.", response_format="wav")
        written = speech.write_to(workdir / "speech.wav")
        print(f"speech: {written} bytes written to speech.wav")


if __name__ == "__main__":
    main()
