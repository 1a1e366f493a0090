"""Models: list the models your key can use, and read one model's card.

Needs MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server (optional).
"""

from __future__ import annotations

from mistral_client import Client


def main() -> None:
    with Client() as client:
        models = client.models.list()
        for card in models.data:
            print(f"{card.id:40} chat={card.capabilities.completion_chat} context={card.max_context_length}")

        card = client.models.retrieve("mistral-small-latest")
        print(f"{card.id}: aliases {card.aliases}, function calling: {card.capabilities.function_calling}")


if __name__ == "__main__":
    main()
