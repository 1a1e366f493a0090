"""Iteration counts for full and --quick runs, and the scenario definitions with their targets."""

from __future__ import annotations

from dataclasses import dataclass

from results import Scenario, Target


@dataclass(frozen=True)
class Settings:
    reps: int  # repetitions of every in-process scenario, except (c) and (f) below
    chats: int  # (a) sequential sync chats
    stream_chunks: int  # (b) chunks in the one stream
    async_chats: int  # (c) total async chats (timed, after one warm-up round)
    concurrency: int  # (c) in-flight requests
    concurrency_reps: int  # (c) repetitions (httpx's pool is CPU-bound at 100 connections: slow)
    embed_calls: int  # (d) embedding calls
    embed_batch: int  # (d) vectors per call
    startup_runs: int  # (e) fresh interpreters per client
    memory_reps: int  # (f) fresh processes per client; peak RSS barely varies between runs
    memory_chats: int  # (f) workload run in each fresh process
    memory_stream_chunks: int
    memory_embed_calls: int
    local_new_tokens: int  # (g)
    local_reps: int
    warm_start_runs: int  # (i) fresh processes per series
    llama_threads: int = 2  # (j) llama.cpp threads, ours and the raw loop alike


# Sizes are the brief's; 3 repetitions keep a full run to a few minutes, because the slowest
# competitor (mistralai for chats and streams, openai for embeddings) dominates the wall time.
FULL = Settings(
    reps=3,
    chats=2_000,
    stream_chunks=20_000,
    async_chats=1_000,
    concurrency=100,
    concurrency_reps=3,
    embed_calls=200,
    embed_batch=64,
    startup_runs=15,
    memory_reps=2,
    memory_chats=200,
    memory_stream_chunks=20_000,
    memory_embed_calls=20,
    local_new_tokens=128,
    local_reps=5,
    warm_start_runs=5,
)

# Under a minute on 2 cores: same shapes (concurrency 100, 64 x 1024 vectors), fewer iterations.
QUICK = Settings(
    reps=3,
    chats=150,
    stream_chunks=2_000,
    async_chats=100,
    concurrency=100,
    concurrency_reps=2,
    embed_calls=8,
    embed_batch=64,
    startup_runs=3,
    memory_reps=1,
    memory_chats=50,
    memory_stream_chunks=2_000,
    memory_embed_calls=4,
    local_new_tokens=64,
    local_reps=3,
    warm_start_runs=1,
)


def scenarios(s: Settings) -> dict[str, Scenario]:
    return {
        "a": Scenario("a", f"(a) {s.chats:,} sequential chats, sync", "s", Target(max_ratio=1.1)),
        "b-sync": Scenario(
            "b-sync", f"(b) {s.stream_chunks:,}-chunk stream, sync", "s", Target(max_ratio=1.15)
        ),
        "b-async": Scenario(
            "b-async", f"(b) {s.stream_chunks:,}-chunk stream, async", "s", Target(max_ratio=1.15)
        ),
        "k-sync": Scenario(
            "k-sync", f"(k) {s.stream_chunks:,}-event conversation stream, sync", "s", Target(max_ratio=1.15)
        ),
        "k-async": Scenario(
            "k-async",
            f"(k) {s.stream_chunks:,}-event conversation stream, async",
            "s",
            Target(max_ratio=1.15),
        ),
        "c": Scenario(
            "c",
            f"(c) {s.async_chats:,} async chats at concurrency {s.concurrency}",
            "s",
            Target(max_ratio=1.15, max_timed_connections=0),
        ),
        "d": Scenario(
            "d", f"(d) {s.embed_calls} embedding calls of {s.embed_batch} x 1024", "s", Target(max_ratio=0.8)
        ),
        "e": Scenario("e", "(e) import + first client (fresh process)", "s", Target(max_seconds=0.100)),
        "f": Scenario("f", "(f) peak RSS (VmHWM) running a mixed workload", "KiB"),
        "g": Scenario(
            "g",
            f"(g) local generation, 1 request, {s.local_new_tokens} new tokens (vs raw generate)",
            "tok/s",
            Target(min_ratio=0.97),
            higher_is_better=True,
        ),
        "g-batch": Scenario(
            "g-batch",
            f"(g) local generation, concurrent requests, {s.local_new_tokens} new tokens each (vs 1 request)",
            "tok/s",
            Target(min_ratio=3.0),  # on the 8-concurrent row
            higher_is_better=True,
        ),
        "j": Scenario(
            "j",
            f"(j) llama.cpp engine, 1 request, {s.local_new_tokens} new tokens (vs llama.cpp's own loop)",
            "tok/s",
            Target(min_ratio=0.95),
            higher_is_better=True,
        ),
        "j-batch": Scenario(
            "j-batch",
            f"(j) llama.cpp engine, 8 concurrent requests, {s.local_new_tokens} new tokens each (vs 1)",
            "tok/s",
            Target(min_ratio=1.9),
            higher_is_better=True,
        ),
        "j-first": Scenario(
            "j-first", "(j) llama.cpp engine: fresh process to first token", "s", Target(max_seconds=1.0)
        ),
        "j-rss": Scenario(
            "j-rss", "(j) llama.cpp engine: peak RSS (VmHWM)", "KiB", Target(max_kib=600 * 1024)
        ),
        "t-sync": Scenario(
            "t-sync", f"(t) {s.stream_chunks:,}-event transcription stream, sync", "s", Target(max_ratio=1.15)
        ),
        "t-async": Scenario(
            "t-async",
            f"(t) {s.stream_chunks:,}-event transcription stream, async",
            "s",
            Target(max_ratio=1.15),
        ),
        # The bar for a second `make demo`, here timed from the process's first statement.
        "i": Scenario(
            "i", "(i) warm local start: fresh process to first token", "s", Target(max_seconds=3.0)
        ),
    }
