"""Markdown table, PNG chart and the docs page around them."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from results import Measurement

OURS = ("mistral_client", "mistral_client local")
HEADER = ("Scenario", "Client", "Median", "Ratio", "vs raw httpx", "Target", "Result", "Server CPU", "Notes")


def _value(m: Measurement) -> str:
    v = m.median
    if v is None:
        return "-"
    if m.scenario.unit == "KiB":
        return f"{v / 1024:.1f} MiB"
    if m.scenario.unit == "tok/s":
        return f"{v:,.0f} tok/s"
    return f"{v * 1000:.1f} ms" if v < 1 else f"{v:.2f} s"


def _ratio(m: Measurement) -> str:
    if m.is_baseline:
        return "1.00x (baseline)"
    r = m.median_ratio
    return f"{r:.2f}x" if r is not None else "-"


def _second_ratio(m: Measurement) -> str:
    if m.is_second_baseline:
        return "1.00x"
    r = m.second_ratio
    return f"{r:.2f}x" if r is not None else ""


def _result(m: Measurement) -> str:
    if m.client not in OURS or m.scenario.target is None:
        return ""
    ok = m.passed()
    return "skipped" if ok is None else ("PASS" if ok else "**FAIL**")


def rows(measurements: Sequence[Measurement]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for m in measurements:
        target = m.scenario.target.describe() if m.scenario.target and m.client in OURS else ""
        cpu = f"{max(m.server_cpu) * 100:.0f}%" if m.server_cpu else ""
        if m.skipped:
            out.append(
                (m.scenario.title, m.client, "-", "-", "", target, _result(m), "", f"skipped: {m.skipped}")
            )
        else:
            out.append(
                (
                    m.scenario.title,
                    m.client,
                    _value(m),
                    _ratio(m),
                    _second_ratio(m),
                    target,
                    _result(m),
                    cpu,
                    m.note,
                )
            )
    return out


def markdown_table(measurements: Sequence[Measurement]) -> str:
    def esc(cell: str) -> str:
        return cell.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows(measurements)]
    return "\n".join(lines)


def text_table(measurements: Sequence[Measurement]) -> str:
    """Aligned plain-text version for the terminal."""
    table = [HEADER, *rows(measurements)]
    widths = [max(len(r[i]) for r in table) for i in range(len(HEADER) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in table
    )


def summary(measurements: Sequence[Measurement]) -> str:
    verdicts = [
        (m.scenario.title, m.passed()) for m in measurements if m.client in OURS and m.scenario.target
    ]
    checked = [v for v in verdicts if v[1] is not None]
    failed = [title for title, ok in checked if not ok]
    text = f"mistral_client meets {len(checked) - len(failed)} of {len(checked)} measured targets"
    if len(checked) < len(verdicts):
        text += f" ({len(verdicts) - len(checked)} not measured)"
    return text + (f"; missed: {'; '.join(failed)}." if failed else ".")


# One colour per library; the local backend is mistral_client too, so it shares that colour.
_SERIES = {
    "mistral_client": ("mistral_client", "tab:blue"),
    "mistral_client local": ("mistral_client", "tab:blue"),
    "mistralai": ("mistralai", "tab:orange"),
    "openai": ("openai", "tab:green"),
    "raw httpx2": ("raw httpx2 (import + Client, (e) only)", "tab:grey"),
    "raw httpx": ("raw httpx (legacy)", "tab:brown"),
}


def chart(measurements: Sequence[Measurement], path: Path) -> None:
    """Horizontal bars of each client's median ratio per scenario, with the targets dotted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullLocator

    ratioed = [m for m in measurements if m.median_ratio is not None and not m.is_baseline]
    titles = list(dict.fromkeys(m.scenario.title for m in ratioed))
    if not titles:
        return
    fig, ax = plt.subplots(figsize=(11, 1.0 + 0.8 * len(titles)))
    labelled: set[str] = set()
    for si, title in enumerate(titles):
        group = [m for m in ratioed if m.scenario.title == title]
        height = 0.8 / max(len(group), 3)  # a lone bar stays as thin as in a group of three
        for gi, m in enumerate(group):
            label, colour = _SERIES.get(m.client, (m.client, "tab:purple"))
            y = si + (gi - (len(group) - 1) / 2) * height
            ratio = m.median_ratio or 0.0
            ax.barh(y, ratio, height=height * 0.9, color=colour, label=None if label in labelled else label)
            ax.text(ratio * 1.03, y, f"{ratio:.2f}x", va="center", fontsize=7)
            labelled.add(label)
        target = group[0].scenario.target
        bound = target.max_ratio or target.min_ratio if target else None
        if bound:
            ax.plot([bound, bound], [si - 0.45, si + 0.45], color="black", linestyle=":", linewidth=1.5)
    ax.axvline(1.0, color="grey", linewidth=1)
    ax.set_xscale("log")
    top = max(m.median_ratio or 1.0 for m in ratioed)
    ticks = [0.25 * 2**i for i in range(12) if 0.25 * 2**i <= top * 2]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FormatStrFormatter("%gx"))
    ax.set_xlim(min(0.2, min(m.median_ratio or 1.0 for m in ratioed) * 0.8), top * 1.6)
    ax.set_yticks(range(len(titles)))
    ax.set_yticklabels(titles)
    ax.invert_yaxis()
    ax.set_xlabel(
        "median ratio to the baseline (lower is better; (g) is tokens/s: higher is better); dotted = target"
    )
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title("Ratio to raw httpx2 (to `import httpx2` for (e), to raw transformers for (g) and (i))")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def page(
    measurements: Sequence[Measurement],
    machine: dict[str, str],
    versions: dict[str, str],
    command: str,
    chart_path: Path,
    out_path: Path,
    method: str,
) -> str:
    rel = os.path.relpath(chart_path, out_path.parent)
    machine_lines = "\n".join(f"- **{k}**: {v}" for k, v in machine.items())
    version_line = ", ".join(f"{k} {v}" for k, v in versions.items())
    return f"""# Performance

Generated by the benchmark harness in `benchmarks/`; do not edit by hand.

- **Command**: `{command}`
{machine_lines}
- **Packages**: {version_line}

**{summary(measurements)}**

{markdown_table(measurements)}

![Ratios to the baseline]({rel})

## How it is measured

{method}
"""
