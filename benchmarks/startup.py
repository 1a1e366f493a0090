"""Scenario (e): import plus first client construction, each sample in a fresh interpreter."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from clients import ClientSpec
from results import Measurement, Scenario, fill_ratios, rotated

REFERENCE = "httpx2 (import only)"
REFERENCE_CODE = "import httpx2"
REPO_ROOT = Path(__file__).resolve().parent.parent
# Timed inside the child: interpreter start-up and `site` are the same for every client, so they
# would only dilute the difference; the whole-process wall time is reported as a note instead.
_PROGRAM = """\
import time
_t0 = time.perf_counter()
BASE_URL = "http://127.0.0.1:9"
{code}
print(time.perf_counter() - _t0)
"""


def _sample(code: str) -> tuple[float, float]:
    """(in-process import+construct seconds, whole-process wall seconds) of one fresh interpreter."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _PROGRAM.format(code=code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        check=False,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed")
    return float(proc.stdout.strip().splitlines()[-1]), wall


def run(scenario: Scenario, specs: list[ClientSpec], runs: int) -> list[Measurement]:
    codes = {REFERENCE: REFERENCE_CODE, **{spec.name: spec.startup_code for spec in specs}}
    results = {name: Measurement(scenario, name) for name in codes}
    walls: dict[str, list[float]] = {name: [] for name in codes}
    for name, code in codes.items():
        try:
            _sample(code)  # first run may compile .pyc files; later runs measure the usual warm case
        except Exception as exc:
            results[name].skipped = f"error: {exc}"[:200]
    for rep in range(runs):
        for name in rotated(list(codes), rep):
            m = results[name]
            if m.skipped:
                continue
            try:
                seconds, wall = _sample(codes[name])
            except Exception as exc:
                m.skipped = f"error: {exc}"[:200]
                continue
            m.samples.append(seconds)
            walls[name].append(wall)
    measurements = list(results.values())
    fill_ratios(measurements, REFERENCE)
    for m in measurements:
        if walls[m.client] and not m.skipped:
            m.note = f"whole process {statistics.median(walls[m.client]) * 1000:.0f} ms"
    return measurements
