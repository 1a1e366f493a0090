"""Parent-side handle on the mock server process: start, control, CPU accounting, stop."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import procstat

_SERVER = Path(__file__).with_name("server.py")


class ServerProcess:
    def __init__(self, stream_chunks: int, embed_counts: list[int]) -> None:
        self._proc = subprocess.Popen(
            [
                sys.executable,
                str(_SERVER),
                "--chunks",
                str(stream_chunks),
                "--embed-counts",
                *map(str, embed_counts),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self._proc.stdout is not None
        ready = self._proc.stdout.readline().split()
        if len(ready) != 2 or ready[0] != "READY":
            self.close()
            raise RuntimeError(f"mock server failed to start: {ready!r}")
        self.port = int(ready[1])
        self.base_url = f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self._proc.pid

    def command(self, line: str) -> dict[str, Any]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(line + "\n")
        self._proc.stdin.flush()
        reply: dict[str, Any] = json.loads(self._proc.stdout.readline())
        return reply

    def reset(self) -> None:
        self.command("reset")

    def set_chunks(self, n: int) -> None:
        self.command(f"chunks {n}")

    def stats(self) -> dict[str, Any]:
        return self.command("stats")

    def cpu_seconds(self) -> float:
        return procstat.cpu_seconds(self._proc.pid)

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()  # EOF on the control channel makes the server exit cleanly.
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CpuMeter:
    """Server CPU share over a measured interval: CPU seconds consumed / wall seconds elapsed."""

    def __init__(self, server: ServerProcess) -> None:
        self._server = server
        self._cpu0 = server.cpu_seconds()
        self._t0 = time.perf_counter()

    def share(self) -> float:
        wall = time.perf_counter() - self._t0
        return (self._server.cpu_seconds() - self._cpu0) / wall if wall > 0 else 0.0
