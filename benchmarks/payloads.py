"""Mistral wire-format bodies shared by the mock server and the client adapters.

Everything here is deterministic so that every run, and every client, sees byte-identical traffic.
"""

from __future__ import annotations

import json
import random
from typing import Any

CHAT_MODEL = "mistral-small-latest"
FIM_MODEL = "codestral-latest"
EMBED_MODEL = "mistral-embed"
EMBED_DIM = 1024
CREATED = 1702256327

# What every client sends: one short user turn, as a typical chat call would.
CHAT_MESSAGES: list[dict[str, str]] = [
    {"role": "user", "content": "What is the best French cheese? Answer in two sentences."}
]
FIM_PROMPT = "def fibonacci(n: int) -> int:\n    "
FIM_SUFFIX = "\n\nprint(fibonacci(10))\n"

_ANSWER = (
    "There is no single best French cheese: Comté, Roquefort and Camembert de Normandie are each "
    "celebrated for very different reasons. If you want one to start with, a well-aged Comté is "
    "nutty, approachable and pairs with almost anything."
)
_USAGE = {"prompt_tokens": 16, "completion_tokens": 48, "total_tokens": 64}


def _dumps(obj: Any) -> bytes:
    # Compact separators, like the real API, so body sizes are realistic.
    return json.dumps(obj, separators=(",", ":")).encode()


def chat_completion(model: str = CHAT_MODEL, content: str = _ANSWER) -> bytes:
    return _dumps(
        {
            "id": "cmpl-e5cc70bb28c444948073e77776eb30ef",
            "object": "chat.completion",
            "created": CREATED,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "tool_calls": None, "prefix": False},
                    "finish_reason": "stop",
                }
            ],
            "usage": _USAGE,
        }
    )


def fim_completion() -> bytes:
    return chat_completion(
        model=FIM_MODEL, content="if n < 2:\n        return n\n    return fibonacci(n - 1)"
    )


def _chunk(index: int, total: int, model: str) -> dict[str, Any]:
    # First chunk carries the role, last one the finish reason and usage, as the real API does.
    delta: dict[str, Any] = (
        {"role": "assistant", "content": ""} if index == 0 else {"content": f" tok{index}"}
    )
    chunk: dict[str, Any] = {
        "id": "cmpl-3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": "stop" if index == total - 1 else None}],
    }
    if index == total - 1:
        chunk["usage"] = {"prompt_tokens": 16, "completion_tokens": total, "total_tokens": 16 + total}
    return chunk


def sse_events(n_chunks: int, model: str = CHAT_MODEL) -> list[bytes]:
    """One `data: ...\\n\\n` event per chunk, then the `[DONE]` sentinel."""
    events = [b"data: " + _dumps(_chunk(i, n_chunks, model)) + b"\n\n" for i in range(n_chunks)]
    events.append(b"data: [DONE]\n\n")
    return events


CONVERSATION_ID = "conv_0195f3c2a1b07e4d8c9a2b3c4d5e6f70"


def conversation_events(n_events: int) -> list[bytes]:
    """A conversation stream of ``n_events`` typed SSE events (``event:`` + JSON ``data`` with a
    ``type``): the response started, message output deltas, the response done (no [DONE] sentinel)."""

    def event(data: dict[str, Any]) -> bytes:
        return b"event: " + data["type"].encode() + b"\ndata: " + _dumps(data) + b"\n\n"

    started = {"type": "conversation.response.started", "created_at": "2025-05-27T12:00:00Z"}
    events = [event({**started, "conversation_id": CONVERSATION_ID})]
    for i in range(1, n_events - 1):
        delta = {
            "type": "message.output.delta",
            "created_at": "2025-05-27T12:00:00Z",
            "output_index": 0,
            "id": "msg_0195f3c2a1b07e4d8c9a2b3c4d5e6f71",
            "content_index": 0,
            "model": CHAT_MODEL,
            "role": "assistant",
            "content": f" tok{i}",
        }
        events.append(event(delta))
    usage = {"prompt_tokens": 16, "completion_tokens": n_events, "total_tokens": 16 + n_events}
    events.append(
        event({"type": "conversation.response.done", "created_at": "2025-05-27T12:00:01Z", "usage": usage})
    )
    return events


def embedding_vector(seed: int) -> list[float]:
    rng = random.Random(seed)
    # Nine decimals gives float reprs of realistic length (~12 chars) for unit-norm-ish vectors.
    return [round(rng.gauss(0.0, 0.03), 9) for _ in range(EMBED_DIM)]


def embeddings(count: int) -> bytes:
    # Distinct vectors per index so that no parser can benefit from repeated substrings.
    data = [{"object": "embedding", "embedding": embedding_vector(i), "index": i} for i in range(count)]
    return _dumps(
        {
            "id": "embd-aad6fc62b17349b192ef09225058bc45",
            "object": "list",
            "model": EMBED_MODEL,
            "usage": {"prompt_tokens": 8 * count, "completion_tokens": 0, "total_tokens": 8 * count},
            "data": data,
        }
    )


def models_list() -> bytes:
    def card(model_id: str, fim: bool) -> dict[str, Any]:
        return {
            "id": model_id,
            "object": "model",
            "created": CREATED,
            "owned_by": "mistralai",
            "capabilities": {
                "completion_chat": True,
                "completion_fim": fim,
                "function_calling": True,
                "fine_tuning": False,
                "vision": False,
                "classification": False,
            },
            "name": model_id,
            "description": "Mock model for benchmarks",
            "max_context_length": 32768,
            "aliases": [],
            "deprecation": None,
            "default_model_temperature": 0.3,
            "type": "base",
        }

    cards = [card(CHAT_MODEL, False), card(FIM_MODEL, True), card("mistral-large-latest", False)]
    return _dumps({"object": "list", "data": cards})


def embedding_inputs(count: int) -> list[str]:
    return [f"Sentence number {i} to embed for the benchmark." for i in range(count)]


# --- audio transcription streams (scenario (t)) ---------------------------------------------------------

TRANSCRIBE_MODEL = "voxtral-mini-latest"
#: What every client uploads: a small WAV header and silence (the mock does not decode it).
AUDIO = b"RIFF" + b"\0" * 4092
_WORDS = ("Over", " the", " course", " of", " these", " eight", " years,", " I've", " seen", " the")
_SEGMENT_EVERY = 50  # text deltas per segment event


def _sse(event: dict[str, Any]) -> bytes:
    return b"event: " + event["type"].encode() + b"\ndata: " + _dumps(event) + b"\n\n"


def transcription_events(n_events: int) -> list[bytes]:
    """A transcription stream of ``n_events`` SSE events, as the API sends it: the language, text
    deltas with a segment event every 50, and ``transcription.done`` with the whole transcription."""
    deltas = n_events - 2 - (n_events - 2) // (_SEGMENT_EVERY + 1)
    events = [_sse({"type": "transcription.language", "audio_language": "en"})]
    words: list[str] = []
    segments: list[dict[str, Any]] = []
    start = 0
    for i in range(deltas):
        word = _WORDS[i % len(_WORDS)]
        words.append(word)
        events.append(_sse({"type": "transcription.text.delta", "text": word}))
        if (i + 1) % _SEGMENT_EVERY == 0 and len(events) < n_events - 1:
            text = "".join(words[start:])
            segment = {"text": text, "start": start * 0.3, "end": (i + 1) * 0.3}
            segments.append({"type": "transcription_segment", **segment})
            events.append(_sse({"type": "transcription.segment", **segment}))
            start = i + 1
    while len(events) < n_events - 1:  # rounding: pad with deltas
        words.append(" the")
        events.append(_sse({"type": "transcription.text.delta", "text": " the"}))
    done = {
        "type": "transcription.done",
        "model": "voxtral-mini-2507",
        "text": "".join(words),
        "language": "en",
        "segments": segments,
        "usage": {"prompt_audio_seconds": len(words) // 3, "prompt_tokens": 4, "total_tokens": 900},
    }
    events.append(_sse(done))
    return events
