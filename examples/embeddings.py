"""Embeddings: embed a few sentences and rank them by similarity to a query.

Needs MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server (optional).
"""

from __future__ import annotations

import math

from mistral_client import Client

DOCUMENTS = [
    "The Eiffel Tower is in Paris.",
    "Pasta is a staple of Italian cuisine.",
    "Mount Fuji is the highest mountain in Japan.",
]


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def main() -> None:
    with Client() as client:
        # One request for all texts: the vectors come back in input order.
        response = client.embeddings.create(
            model="mistral-embed", input=["Where is the Eiffel Tower?", *DOCUMENTS]
        )
    query, *documents = response.embeddings
    first: list[float] = response.data[0].embedding  # typed list[float]: no cast, no isinstance
    print(f"{len(response.embeddings)} vectors of dimension {len(first)}")
    ranked = sorted(zip(DOCUMENTS, documents, strict=True), key=lambda pair: -cosine(query, pair[1]))
    for text, vector in ranked:
        print(f"{cosine(query, vector):.3f}  {text}")


if __name__ == "__main__":
    main()
