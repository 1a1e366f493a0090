"""Async chat under asyncio: two questions at once, then a streamed answer.

Needs MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server (optional).
AsyncClient runs under trio too: replace asyncio.run(main()) with trio.run(main).
"""

from __future__ import annotations

import asyncio

from mistral_client import AsyncClient

MODEL = "mistral-small-latest"


async def main() -> None:
    async with AsyncClient() as client:
        # Concurrent requests share one connection pool.
        paris, rome = await asyncio.gather(
            client.chat.complete(model=MODEL, messages=[{"role": "user", "content": "Paris in one word?"}]),
            client.chat.complete(model=MODEL, messages=[{"role": "user", "content": "Rome in one word?"}]),
        )
        print(f"Paris: {paris.text}")
        print(f"Rome: {rome.text}")

        # stream() is not awaited: `async with` opens it, `async for` reads it.
        async with client.chat.stream(
            model=MODEL, messages=[{"role": "user", "content": "Count from one to five."}]
        ) as stream:
            async for text in stream.text_deltas():
                print(text, end="", flush=True)
            print()
            final = await stream.get_final_response()
        if final.usage:  # None from a server that reports no usage in streams
            print(f"[{final.usage.total_tokens} tokens]")


if __name__ == "__main__":
    asyncio.run(main())
