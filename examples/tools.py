"""Function calling: the model asks for a tool call, we run it, and send the result back.

Needs MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server (optional).
"""

from __future__ import annotations

import json
from typing import Any

from mistral_client import Client
from mistral_client.types import AssistantMessage, Function, Tool, ToolMessage, UserMessage

MODEL = "mistral-small-latest"

WEATHER_TOOL = Tool(
    function=Function(
        name="get_weather",
        description="The current weather in a city.",
        parameters={
            "type": "object",
            "properties": {"city": {"type": "string", "description": "The city name"}},
            "required": ["city"],
        },
    )
)


def get_weather(city: str) -> dict[str, Any]:
    # A real tool would call a weather service.
    return {"city": city, "temperature_c": 21, "sky": "sunny"}


def main() -> None:
    messages: list[UserMessage | AssistantMessage | ToolMessage] = [
        UserMessage(content="What's the weather in Paris right now?")
    ]
    with Client() as client:
        response = client.chat.complete(
            model=MODEL, messages=messages, tools=[WEATHER_TOOL], tool_choice="any"
        )
        reply = response.choices[0].message
        # The assistant's tool-call turn must be in the history the result answers.
        messages.append(reply)
        for call in reply.tool_calls or []:
            arguments = call.function.arguments
            # The API sends a JSON string; some servers send the decoded object.
            args = json.loads(arguments) if isinstance(arguments, str) else arguments
            print(f"Model called {call.function.name}({args})")
            result = get_weather(**args)
            messages.append(
                ToolMessage(content=json.dumps(result), tool_call_id=call.id, name=call.function.name)
            )

        final = client.chat.complete(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
    print(f"Answer: {final.text}")


if __name__ == "__main__":
    main()
