"""Result records, targets and the per-repetition ratio arithmetic."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Target:
    """Goal for mistral_client on one scenario; every bound given must hold."""

    max_ratio: float | None = None
    min_ratio: float | None = None
    max_seconds: float | None = None
    max_timed_connections: int | None = None  # new TCP connections after warm-up (reconnect churn)
    max_kib: float | None = None  # peak memory

    def describe(self) -> str:
        parts = []
        if self.max_ratio is not None:
            parts.append(f"<= {self.max_ratio:g}x")
        if self.min_ratio is not None:
            parts.append(f">= {self.min_ratio:g}x")
        if self.max_seconds is not None:
            parts.append(f"<= {self.max_seconds * 1000:g} ms")
        if self.max_timed_connections is not None:
            parts.append("no reconnects")
        if self.max_kib is not None:
            parts.append(f"<= {self.max_kib / 1024:g} MiB")
        return ", ".join(parts)

    def check(self, m: Measurement) -> bool | None:
        """True/False once measured; None when the needed numbers are missing."""
        ratio, seconds = m.median_ratio, m.median
        if m.skipped or (ratio is None and (self.max_ratio or self.min_ratio)):
            return None
        ok = True
        # A ratio target holds against every baseline measured (raw httpx2, and raw httpx if it ran).
        for r in (ratio, m.second_ratio):
            if self.max_ratio is not None and r is not None:
                ok &= r <= self.max_ratio
            if self.min_ratio is not None and r is not None:
                ok &= r >= self.min_ratio
        if self.max_seconds is not None and seconds is not None:
            ok &= seconds <= self.max_seconds
        if self.max_kib is not None and seconds is not None:
            ok &= seconds <= self.max_kib  # the median, in KiB
        if self.max_timed_connections is not None:
            timed = m.extra.get("timed_connections")
            ok &= timed is not None and max(timed) <= self.max_timed_connections
        return ok


@dataclass(frozen=True)
class Scenario:
    key: str  # "a", "b-sync", ...
    title: str
    unit: str  # "s" (lower is better), "KiB" or "tok/s"
    target: Target | None = None
    # For throughput units the ratio is baseline/client time, so "higher is better" stays explicit.
    higher_is_better: bool = False


@dataclass
class Measurement:
    scenario: Scenario
    client: str
    samples: list[float] = field(default_factory=list)  # one per repetition, in `scenario.unit`
    ratios: list[float] = field(default_factory=list)  # per repetition, to the baseline's same repetition
    second_ratios: list[float] = field(default_factory=list)  # the same, to the second baseline
    server_cpu: list[float] = field(default_factory=list)  # server CPU share per repetition
    extra: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None
    note: str = ""
    is_baseline: bool = False
    is_second_baseline: bool = False

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def median_ratio(self) -> float | None:
        return statistics.median(self.ratios) if self.ratios else None

    @property
    def second_ratio(self) -> float | None:
        return statistics.median(self.second_ratios) if self.second_ratios else None

    def passed(self) -> bool | None:
        return self.scenario.target.check(self) if self.scenario.target else None


def fill_ratios(measurements: list[Measurement], baseline: str, second: str | None = None) -> None:
    """Ratio per repetition to the baseline's same repetition, so drift between reps cancels out;
    ``second`` names another baseline, whose ratios go to ``second_ratios``."""
    base = next((m for m in measurements if m.client == baseline and not m.skipped), None)
    if base is not None:
        base.is_baseline = True
        for m in measurements:
            if not m.skipped:
                m.ratios = _per_rep(m.samples, base.samples)
    other = next((m for m in measurements if m.client == second and not m.skipped), None)
    if other is not None:
        other.is_second_baseline = True
        for m in measurements:
            if not m.skipped and m is not other:
                m.second_ratios = _per_rep(m.samples, other.samples)


def _per_rep(samples: list[float], reference: list[float]) -> list[float]:
    return [value / ref for value, ref in zip(samples, reference, strict=False) if ref > 0]


def rotated(items: list[Any], shift: int) -> list[Any]:
    """Rotate run order between repetitions so no client always runs first (cold) or last."""
    if not items:
        return items
    k = shift % len(items)
    return items[k:] + items[:k]
