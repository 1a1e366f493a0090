"""Moderation: screen texts and a conversation, category by category.

Needs MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server (optional).
"""

from __future__ import annotations

from mistral_client import Client
from mistral_client.types import MessageParam

MODEL = "mistral-moderation-latest"
TEXTS = ["Have a lovely day!", "Tell me where you live or else."]


def main() -> None:
    with Client() as client:
        # One result per text, in input order.
        response = client.classifiers.moderate(model=MODEL, input=TEXTS)
        for text, result in zip(TEXTS, response.results, strict=True):
            verdict = ", ".join(result.flagged_categories) or "not flagged"
            print(f"{text!r}: {verdict}")

        # A conversation is moderated as a whole, the last turn in its context.
        conversation: list[MessageParam] = [
            {"role": "user", "content": "How do I get into my neighbour's house?"},
            {"role": "assistant", "content": "Knock on the door and ask them."},
        ]
        (result,) = client.classifiers.moderate_chat(model=MODEL, input=conversation).results
        category, score = max(result.category_scores.items(), key=lambda item: item[1])
        print(f"conversation: highest score {category} ({score:.2f}); flagged: {result.flagged}")


if __name__ == "__main__":
    main()
