"""Structured outputs: the answer as a typed object, whole or streamed.

Needs MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server (optional).
"""

from __future__ import annotations

from typing import assert_type

from pydantic import BaseModel

from mistral_client import Client, LengthFinishReasonError, json_schema
from mistral_client.types import MessageParam

MODEL = "mistral-small-latest"


class City(BaseModel):
    name: str
    country: str
    population: int


def main() -> None:
    messages: list[MessageParam] = [{"role": "user", "content": "Describe the capital of France."}]
    print("schema sent:", json_schema(City))
    with Client() as client:
        response = client.chat.parse(model=MODEL, messages=messages, response_format=City)
        city = response.parsed
        assert_type(city, City)  # mypy --strict knows the type
        print(f"{city.name}, {city.country}: {city.population:,} people")

        # Streamed: partial JSON as it arrives, then the validated object.
        with client.chat.parse_stream(model=MODEL, messages=messages, response_format=City) as stream:
            for partial in stream.partials():
                print("so far:", partial)
            final = stream.get_final_response()
        assert_type(final.parsed, City)
        print("streamed:", final.parsed)

        # A cut-off answer is an error that keeps what arrived.
        try:
            client.chat.parse(model=MODEL, messages=messages, response_format=City, max_tokens=5)
        except LengthFinishReasonError as error:
            usage = error.response.usage  # None only from a server that reports no usage
            print(f"cut off after {usage and usage.completion_tokens} tokens: {error.content!r}")


if __name__ == "__main__":
    main()
