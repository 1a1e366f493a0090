"""Catching the precise errors: bad input, rate limits, missing models, unreachable servers.

Needs MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server (optional).
Every error derives from mistral_client.MistralError; catch the narrowest class that you handle.
"""

from __future__ import annotations

from mistral_client import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    Client,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
)

MODEL = "mistral-small-latest"


def bad_input(client: Client) -> None:
    # Arguments are validated before sending: no request, no cost, and the field is named.
    try:
        client.chat.complete(model=MODEL, messages=[{"role": "user", "content": "Hi"}], temperature=3.0)
    except InvalidRequestError as error:
        print(f"InvalidRequestError (nothing was sent): {error.errors}")


def ask(client: Client, question: str) -> None:
    # 429s, 5xx and connection errors are retried first (max_retries=2 by default); what is left lands here.
    try:
        response = client.chat.complete(model=MODEL, messages=[{"role": "user", "content": question}])
    except RateLimitError as error:
        print(f"RateLimitError: still limited after retries; the server asked for {error.retry_after} s")
    except AuthenticationError:
        print("AuthenticationError: check MISTRAL_API_KEY")
    except APIStatusError as error:
        print(f"{type(error).__name__} (request id {error.request_id}): {error.message}")
    except APITimeoutError:
        print("APITimeoutError: no answer in time; raise the timeout with client.with_options(timeout=...)")
    except APIConnectionError as error:
        print(f"APIConnectionError: {error.message}")
    else:
        print(f"Answer: {response.text}")


def missing_model(client: Client) -> None:
    try:
        client.models.retrieve("no-such-model")
    except NotFoundError as error:
        print(f"NotFoundError: HTTP {error.status_code}: no model 'no-such-model'")


def unreachable() -> None:
    # Port 9 (discard) is closed almost everywhere: the connection is refused at once.
    with Client(base_url="http://127.0.0.1:9", max_retries=0) as client:
        try:
            client.models.list()
        except APIConnectionError as error:
            print(f"APIConnectionError: {error.message}")


def main() -> None:
    with Client() as client:
        bad_input(client)
        ask(client, "Say hello.")
        missing_model(client)
    unreachable()


if __name__ == "__main__":
    main()
