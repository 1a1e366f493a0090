"""What the numbers were measured on: CPU, cores, Python and package versions, date."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "mistral-client",
    "httpx",
    "httpcore",
    "pydantic",
    "pydantic-core",
    "mistralai",
    "openai",
    "httpx2",
    "torch",
    "transformers",
    "mistral-common",
    "matplotlib",
)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = _source_version(name) or "not installed"
    return versions


def _source_version(name: str) -> str | None:
    # Running from a source checkout that is importable but not pip-installed.
    if name != "mistral-client":
        return None
    version_file = Path(__file__).resolve().parent.parent / "mistral_client" / "_version.py"
    try:
        text = version_file.read_text()
    except OSError:
        return None
    return text.split("=", 1)[1].strip().strip("\"'") + " (source tree)" if "=" in text else None


def describe() -> dict[str, str]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "Date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": cpu_model(),
        "Cores": f"{usable} usable ({os.cpu_count()} online)",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        # Other work on a 2-core box skews timings; the load average shows whether there was any.
        "Load average at start (1/5/15 min)": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
