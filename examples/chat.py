"""Sync chat: one question, one answer.

Needs MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server (optional).
"""

from __future__ import annotations

from mistral_client import Client


def main() -> None:
    # Client() reads MISTRAL_API_KEY and MISTRAL_BASE_URL; `with` closes its connection pool.
    with Client() as client:
        response = client.chat.complete(
            model="mistral-small-latest",
            messages=[
                {"role": "system", "content": "Answer in one short sentence."},
                {"role": "user", "content": "What is the capital of France?"},
            ],
            temperature=0.2,
            max_tokens=64,
        )
        print(response.text)
        if response.usage:  # the API always reports it; some self-hosted servers do not
            print(f"[{response.usage.total_tokens} tokens, request id {response.request_id}]")

        # The same call with the HTTP metadata: status, headers, rate limits, retries.
        raw = client.chat.with_raw_response.complete(
            model="mistral-small-latest",
            messages=[{"role": "user", "content": "And of Italy?"}],
            max_tokens=64,
        )
        print(raw.parse().text)
        print(
            f"[HTTP {raw.status_code} in {raw.elapsed:.2f} s, {raw.retries_taken} retries, "
            f"tokens left this window: {raw.rate_limit.remaining_tokens}]"
        )


if __name__ == "__main__":
    main()
