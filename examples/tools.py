"""Function calling with the tool runner: plain Python functions, run when the model asks for them.

Needs MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server (optional).
"""

from __future__ import annotations

from typing import Any

from mistral_client import Client, tool
from mistral_client.types import MessageParam

MODEL = "mistral-small-latest"


@tool
def get_weather(city: str) -> dict[str, Any]:
    """The current weather in a city.

    Args:
        city: The city name, e.g. "Paris".
    """
    # A real tool would call a weather service.
    return {"city": city, "temperature_c": 21, "sky": "sunny"}


def main() -> None:
    messages: list[MessageParam] = [{"role": "user", "content": "What's the weather in Paris right now?"}]
    with Client() as client:
        # The schema sent for get_weather comes from its signature and docstring.
        runner = client.chat.tool_runner(model=MODEL, messages=messages, tools=[get_weather])
        for response in runner:  # one assistant turn per iteration; tools run between them
            for call in response.choices[0].message.tool_calls or []:
                print(f"Model called {call.function.name}({call.function.parsed_arguments})")
        final = runner.until_done()
    print(f"Answer: {final.text}")
    print(f"{len(runner.messages)} messages in the conversation")


if __name__ == "__main__":
    main()
