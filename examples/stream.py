"""Sync streaming: print the answer as it is generated, then the merged final response.

Needs MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server (optional).
"""

from __future__ import annotations

from mistral_client import Client


def main() -> None:
    # Nothing is sent until the stream is entered; leaving the block closes the connection.
    with (
        Client() as client,
        client.chat.stream(
            model="mistral-small-latest",
            messages=[{"role": "user", "content": "Write a haiku about the sea."}],
        ) as stream,
    ):
        for text in stream.text_deltas():
            print(text, end="", flush=True)
        print()
        # The chunks folded into the type chat.complete returns: text, usage, finish reason.
        final = stream.get_final_response()

    # usage is None only from a server that reports none (see docs/local.md)
    tokens = final.usage.completion_tokens if final.usage else "?"
    print(f"[finish_reason={final.choices[0].finish_reason}, {tokens} tokens]")


if __name__ == "__main__":
    main()
