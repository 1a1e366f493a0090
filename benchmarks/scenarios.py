"""In-process scenarios (a)-(d): every available client, same server, rotated order, per-rep timing."""

from __future__ import annotations

import asyncio
import functools
import gc
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import payloads
from clients import BASELINE, LEGACY, AsyncAdapter, ClientSpec, SyncAdapter
from results import Measurement, Scenario, fill_ratios, rotated
from server_process import CpuMeter, ServerProcess
from settings import Settings

WARMUP_CHATS = 20
WARMUP_STREAM_CHUNKS = 200


@dataclass
class RunResult:
    seconds: float
    server_cpu: float
    connections: int  # TCP connections the server accepted during the timed part
    warmup_connections: int | None = None


class ScenarioError(RuntimeError):
    pass


# What every in-process scenario (and memory.run) looks like to run.py.
ScenarioFn = Callable[[Scenario, list[ClientSpec], ServerProcess, Settings], list[Measurement]]


def _expect(what: str, got: int, want: int) -> None:
    # A client that silently does less work would look fast; refuse such a result.
    if got != want:
        raise ScenarioError(f"{what}: expected {want}, got {got}")


def _timed(server: ServerProcess, work: Callable[[], None]) -> RunResult:
    gc.collect()
    server.reset()
    meter = CpuMeter(server)
    t0 = time.perf_counter()
    work()
    seconds = time.perf_counter() - t0
    cpu = meter.share()
    return RunResult(seconds, cpu, int(server.stats()["connections"]))


async def _atimed(server: ServerProcess, work: Callable[[], Awaitable[None]]) -> RunResult:
    gc.collect()
    server.reset()  # a quick blocking pipe round-trip; nothing else is running on the loop yet
    meter = CpuMeter(server)
    t0 = time.perf_counter()
    await work()
    seconds = time.perf_counter() - t0
    cpu = meter.share()
    return RunResult(seconds, cpu, int(server.stats()["connections"]))


def _record(m: Measurement, r: RunResult) -> None:
    m.samples.append(r.seconds)
    m.server_cpu.append(r.server_cpu)
    m.extra.setdefault("timed_connections", []).append(r.connections)
    if r.warmup_connections is not None:
        m.extra.setdefault("warmup_connections", []).append(r.warmup_connections)


def _finish(measurements: list[Measurement]) -> list[Measurement]:
    fill_ratios(measurements, BASELINE, LEGACY)
    return measurements


# --- sync scenarios: one adapter per client, reused across repetitions -----------------------------


SyncWork = Callable[[SyncAdapter], None]


def _run_sync(
    scenario: Scenario,
    specs: list[ClientSpec],
    server: ServerProcess,
    reps: int,
    warmup: SyncWork,
    work: SyncWork,
) -> list[Measurement]:
    results = {spec.name: Measurement(scenario, spec.name) for spec in specs}
    adapters: dict[str, SyncAdapter] = {}
    for spec in specs:
        try:
            adapters[spec.name] = adapter = spec.make_sync(server.base_url)
            warmup(adapter)
        except Exception as exc:
            results[spec.name].skipped = f"error: {type(exc).__name__}: {exc}"[:200]
    try:
        for rep in range(reps):
            for spec in rotated(specs, rep):
                ready = adapters.get(spec.name)
                m = results[spec.name]
                if ready is None or m.skipped:
                    continue
                try:
                    _record(m, _timed(server, functools.partial(work, ready)))
                except Exception as exc:
                    m.skipped = f"error: {type(exc).__name__}: {exc}"[:200]
    finally:
        for adapter in adapters.values():
            adapter.close()
    return _finish(list(results.values()))


def sequential_chats(
    scenario: Scenario, specs: list[ClientSpec], server: ServerProcess, s: Settings
) -> list[Measurement]:
    def warmup(a: SyncAdapter) -> None:
        for _ in range(WARMUP_CHATS):
            if not a.chat():
                raise ScenarioError("chat returned no content")

    def work(a: SyncAdapter) -> None:
        for _ in range(s.chats):
            a.chat()

    return _run_sync(scenario, specs, server, s.reps, warmup, work)


def sync_stream(
    scenario: Scenario, specs: list[ClientSpec], server: ServerProcess, s: Settings
) -> list[Measurement]:
    def warmup(a: SyncAdapter) -> None:
        server.set_chunks(WARMUP_STREAM_CHUNKS)
        try:
            _expect("warm-up stream chunks", a.stream(), WARMUP_STREAM_CHUNKS)
        finally:
            server.set_chunks(s.stream_chunks)

    def work(a: SyncAdapter) -> None:
        _expect("stream chunks", a.stream(), s.stream_chunks)

    results = _run_sync(scenario, specs, server, s.reps, warmup, work)
    _add_throughput(results, s.stream_chunks)
    return results


def sync_conversation_stream(
    scenario: Scenario, specs: list[ClientSpec], server: ServerProcess, s: Settings
) -> list[Measurement]:
    """(k): one conversation stream of ``stream_chunks`` typed events, read event by event."""

    def warmup(a: SyncAdapter) -> None:
        server.set_chunks(WARMUP_STREAM_CHUNKS)
        try:
            _expect("warm-up conversation events", a.conversation_stream(), WARMUP_STREAM_CHUNKS)
        finally:
            server.set_chunks(s.stream_chunks)

    def work(a: SyncAdapter) -> None:
        _expect("conversation events", a.conversation_stream(), s.stream_chunks)

    results = _run_sync(scenario, specs, server, s.reps, warmup, work)
    _add_throughput(results, s.stream_chunks, "events")
    return results


def embeddings(
    scenario: Scenario, specs: list[ClientSpec], server: ServerProcess, s: Settings
) -> list[Measurement]:
    inputs = payloads.embedding_inputs(s.embed_batch)

    def warmup(a: SyncAdapter) -> None:
        _expect("embedding vectors", a.embed(inputs), s.embed_batch)

    def work(a: SyncAdapter) -> None:
        for _ in range(s.embed_calls):
            a.embed(inputs)

    return _run_sync(scenario, specs, server, s.reps, warmup, work)


def _add_throughput(results: list[Measurement], chunks: int, unit: str = "chunks") -> None:
    for m in results:
        if m.median:
            m.note = f"{chunks / m.median:,.0f} {unit}/s"


# --- async scenarios: a fresh client and event loop per repetition -----------------------------------
# Async clients are bound to their event loop, so each repetition builds its own inside asyncio.run().


AsyncRun = Callable[[AsyncAdapter], Awaitable[RunResult]]


def _run_async(
    scenario: Scenario, specs: list[ClientSpec], server: ServerProcess, reps: int, run: AsyncRun
) -> list[Measurement]:
    results = {spec.name: Measurement(scenario, spec.name) for spec in specs}

    async def one(spec: ClientSpec) -> RunResult:
        adapter = spec.make_async(server.base_url)
        try:
            return await run(adapter)
        finally:
            await adapter.aclose()

    for rep in range(reps):
        for spec in rotated(specs, rep):
            m = results[spec.name]
            if m.skipped:
                continue
            try:
                _record(m, asyncio.run(one(spec)))
            except Exception as exc:
                m.skipped = f"error: {type(exc).__name__}: {exc}"[:200]
    return _finish(list(results.values()))


def async_stream(
    scenario: Scenario, specs: list[ClientSpec], server: ServerProcess, s: Settings
) -> list[Measurement]:
    async def run(a: AsyncAdapter) -> RunResult:
        server.set_chunks(WARMUP_STREAM_CHUNKS)
        try:
            _expect("warm-up stream chunks", await a.stream(), WARMUP_STREAM_CHUNKS)
        finally:
            server.set_chunks(s.stream_chunks)

        async def work() -> None:
            _expect("stream chunks", await a.stream(), s.stream_chunks)

        return await _atimed(server, work)

    results = _run_async(scenario, specs, server, s.reps, run)
    _add_throughput(results, s.stream_chunks)
    return results


def async_conversation_stream(
    scenario: Scenario, specs: list[ClientSpec], server: ServerProcess, s: Settings
) -> list[Measurement]:
    async def run(a: AsyncAdapter) -> RunResult:
        server.set_chunks(WARMUP_STREAM_CHUNKS)
        try:
            _expect("warm-up conversation events", await a.conversation_stream(), WARMUP_STREAM_CHUNKS)
        finally:
            server.set_chunks(s.stream_chunks)

        async def work() -> None:
            _expect("conversation events", await a.conversation_stream(), s.stream_chunks)

        return await _atimed(server, work)

    results = _run_async(scenario, specs, server, s.reps, run)
    _add_throughput(results, s.stream_chunks, "events")
    return results


def concurrent_chats(
    scenario: Scenario, specs: list[ClientSpec], server: ServerProcess, s: Settings
) -> list[Measurement]:
    async def burst(a: AsyncAdapter, total: int) -> None:
        # `concurrency` workers share a countdown, so exactly `total` chats run with that many in flight.
        remaining = [total]

        async def worker() -> None:
            while remaining[0] > 0:
                remaining[0] -= 1
                await a.chat()

        await asyncio.gather(*(worker() for _ in range(s.concurrency)))

    async def run(a: AsyncAdapter) -> RunResult:
        # One round at full concurrency fills the pool; connections opened after it are churn.
        server.reset()
        await burst(a, s.concurrency)
        warm_connections = int(server.stats()["connections"])
        result = await _atimed(server, lambda: burst(a, s.async_chats))
        result.warmup_connections = warm_connections
        return result

    results = _run_async(scenario, specs, server, s.concurrency_reps, run)
    for m in results:
        timed, warm = m.extra.get("timed_connections"), m.extra.get("warmup_connections")
        if timed and warm and not m.skipped:
            m.note = f"TCP conns: {max(warm)} in warm-up, {max(timed)} new in timed part (max over reps)"
    return results
