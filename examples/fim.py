"""Fill in the middle: Codestral writes the code between a prompt and a suffix.

Needs MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server (optional).
"""

from __future__ import annotations

from mistral_client import Client

PROMPT = "def fibonacci(n: int) -> int:\n"
SUFFIX = "\n\nprint(fibonacci(10))\n"


def main() -> None:
    with Client() as client:
        response = client.fim.complete(
            model="codestral-latest", prompt=PROMPT, suffix=SUFFIX, temperature=0, max_tokens=128
        )
        print(PROMPT + response.text + SUFFIX)

        # FIM streams like chat does.
        with client.fim.stream(model="codestral-latest", prompt="# A one-line hello world\n") as stream:
            for text in stream.text_deltas():
                print(text, end="", flush=True)
        print()


if __name__ == "__main__":
    main()
