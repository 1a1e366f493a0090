"""Scenario (f): peak RSS of a fresh process per client running a mixed workload.

The parent calls `run()`; each sample is `python benchmarks/memory.py CLIENT BASE_URL ...` which
imports only that client, runs the workload and prints its VmHWM, so clients never share a heap.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from clients import BASELINE, LEGACY, ClientSpec
from results import Measurement, Scenario, fill_ratios, rotated
from server_process import ServerProcess
from settings import Settings

_SELF = Path(__file__).resolve()


def _sample(spec: ClientSpec, server: ServerProcess, s: Settings) -> int:
    args = [spec.name, server.base_url, str(s.memory_chats), str(s.memory_embed_calls), str(s.embed_batch)]
    proc = subprocess.run(
        [sys.executable, str(_SELF), *args], capture_output=True, text=True, timeout=600, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed")
    return int(json.loads(proc.stdout.strip().splitlines()[-1])["vmhwm_kib"])


def run(scenario: Scenario, specs: list[ClientSpec], server: ServerProcess, s: Settings) -> list[Measurement]:
    server.set_chunks(s.memory_stream_chunks)
    results = {spec.name: Measurement(scenario, spec.name) for spec in specs}
    for rep in range(s.memory_reps):
        for spec in rotated(specs, rep):
            m = results[spec.name]
            if m.skipped:
                continue
            try:
                m.samples.append(_sample(spec, server, s))
            except Exception as exc:
                m.skipped = f"error: {exc}"[:200]
    measurements = list(results.values())
    fill_ratios(measurements, BASELINE, LEGACY)
    for m in measurements:
        if m.median:
            m.note = (
                f"{s.memory_chats} chats + 1 stream of {s.memory_stream_chunks:,} chunks"
                f" + {s.memory_embed_calls} x {s.embed_batch} embeddings"
            )
    return measurements


def _worker() -> None:
    import payloads
    import procstat
    from clients import by_name

    parser = argparse.ArgumentParser()
    parser.add_argument("client")
    parser.add_argument("base_url")
    parser.add_argument("chats", type=int)
    parser.add_argument("embed_calls", type=int)
    parser.add_argument("embed_batch", type=int)
    args = parser.parse_args()
    adapter = by_name(args.client).make_sync(args.base_url)
    inputs = payloads.embedding_inputs(args.embed_batch)
    for _ in range(args.chats):
        adapter.chat()
    adapter.stream()
    for _ in range(args.embed_calls):
        adapter.embed(inputs)
    adapter.close()
    print(json.dumps({"vmhwm_kib": procstat.peak_rss_kib()}))


if __name__ == "__main__":
    _worker()
