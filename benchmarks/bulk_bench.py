"""Scenario (h): ``embeddings.create_many`` over 10,000 inputs against a plain sequential loop.

The mock is ``server.py``'s app with a fixed delay before each answer (``--latency``, default 50 ms,
standing in for the network and the model: against an instant server there is nothing for
concurrency to overlap). It runs in its own process: ``python benchmarks/bulk_bench.py --serve``.
Both sides send batches of 64 x 1024-dimension vectors; the loop is ``embeddings.create`` per batch,
one after the other; ``create_many`` runs at several ``max_concurrency`` values, sync (threads) and
async, and the best of each is reported. Standalone: ``python benchmarks/bulk_bench.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import payloads
from results import Measurement, Scenario, fill_ratios

INPUTS = 10_000
BATCH = 64
LATENCY = 0.05
SYNC_CONCURRENCY = (2, 4, 8, 16, 32)
ASYNC_CONCURRENCY = (8, 16, 32)
LOOP = "sequential loop (embeddings.create)"
SCENARIO = Scenario(
    "h", f"(h) {INPUTS:,} inputs to embed, batches of {BATCH}, {LATENCY * 1000:g} ms server", "s"
)
_SELF = Path(__file__).resolve()


# --- the server (child process) ---------------------------------------------------------------------


def _serve(latency: float) -> None:
    import threading

    from server import HttpProtocol, MockApp

    class Delayed:
        """The transport, with every write held back ``latency`` seconds (order is kept)."""

        def __init__(self, transport: Any) -> None:
            self._transport = transport
            self._loop = asyncio.get_running_loop()

        def write(self, data: bytes) -> None:
            self._loop.call_later(latency, self._write, data)

        def _write(self, data: bytes) -> None:
            if not self._transport.is_closing():
                self._transport.write(data)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._transport, name)

    class DelayedProtocol(HttpProtocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            self._transport = Delayed(transport)  # type: ignore[assignment]

    async def main() -> None:
        app = MockApp(1, [BATCH, INPUTS % BATCH or BATCH])
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: DelayedProtocol(app), "127.0.0.1", 0, backlog=1024)
        print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
        done = asyncio.Event()
        # EOF on stdin ends the server.
        threading.Thread(
            target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(done.set)), daemon=True
        ).start()
        async with server:
            await done.wait()

    asyncio.run(main())


# --- the client side --------------------------------------------------------------------------------


def _sequential(base_url: str, texts: list[str]) -> float:
    from mistral_client import Client

    with Client(api_key="bench", base_url=base_url) as client:
        client.embeddings.create(model=payloads.EMBED_MODEL, input=texts[:BATCH])  # warm-up
        started = time.perf_counter()
        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            vectors += client.embeddings.create(
                model=payloads.EMBED_MODEL, input=texts[start : start + BATCH]
            ).embeddings
        elapsed = time.perf_counter() - started
    assert len(vectors) == len(texts)
    return elapsed


def _create_many(base_url: str, texts: list[str], concurrency: int) -> float:
    from mistral_client import Client

    with Client(api_key="bench", base_url=base_url) as client:
        client.embeddings.create(model=payloads.EMBED_MODEL, input=texts[:BATCH])
        started = time.perf_counter()
        result = client.embeddings.create_many(
            model=payloads.EMBED_MODEL, inputs=texts, batch_size=BATCH, max_concurrency=concurrency
        )
        elapsed = time.perf_counter() - started
    assert len(result.embeddings) == len(texts)
    return elapsed


def _async_create_many(base_url: str, texts: list[str], concurrency: int) -> float:
    from mistral_client import AsyncClient

    async def main() -> float:
        async with AsyncClient(api_key="bench", base_url=base_url) as client:
            await client.embeddings.create(model=payloads.EMBED_MODEL, input=texts[:BATCH])
            started = time.perf_counter()
            result = await client.embeddings.create_many(
                model=payloads.EMBED_MODEL, inputs=texts, batch_size=BATCH, max_concurrency=concurrency
            )
            elapsed = time.perf_counter() - started
        assert len(result.embeddings) == len(texts)
        return elapsed

    return asyncio.run(main())


def run(reps: int = 3) -> list[Measurement]:
    """Parent side: start the delayed mock, time the loop and create_many, one row per variant."""
    proc = subprocess.Popen(
        [sys.executable, str(_SELF), "--serve", "--latency", str(LATENCY)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = f"http://127.0.0.1:{proc.stdout.readline().split()[1]}"
        texts = payloads.embedding_inputs(INPUTS)
        loop = Measurement(SCENARIO, LOOP)
        sync_runs: dict[int, list[float]] = {c: [] for c in SYNC_CONCURRENCY}
        async_runs: dict[int, list[float]] = {c: [] for c in ASYNC_CONCURRENCY}
        for _ in range(reps):
            loop.samples.append(_sequential(base_url, texts))
            for c in SYNC_CONCURRENCY:
                sync_runs[c].append(_create_many(base_url, texts, c))
            for c in ASYNC_CONCURRENCY:
                async_runs[c].append(_async_create_many(base_url, texts, c))
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=10)
    results = [loop]
    for label, runs in (("create_many, sync", sync_runs), ("create_many, async", async_runs)):
        best = min(runs, key=lambda c: sorted(runs[c])[len(runs[c]) // 2])
        m = Measurement(SCENARIO, f"{label} (best: max_concurrency={best})", samples=runs[best])
        m.note = "medians by max_concurrency: " + ", ".join(
            f"{c}: {sorted(v)[len(v) // 2]:.2f} s" for c, v in runs.items()
        )
        results.append(m)
    fill_ratios(results, LOOP)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--serve", action="store_true", help="run the delayed mock server (child side)")
    parser.add_argument("--latency", type=float, default=LATENCY)
    parser.add_argument("--quick", action="store_true", help="one repetition")
    args = parser.parse_args()
    if args.serve:
        _serve(args.latency)
        return
    for m in run(reps=1 if args.quick else 3):
        ratio = f"{m.median_ratio:.2f}x" if m.median_ratio is not None else "-"
        print(f"{m.client:<48} {m.median:7.2f} s  {ratio:>6}  {m.note}")


if __name__ == "__main__":
    main()
