"""Process CPU time and peak memory, read straight from /proc (Linux only)."""

from __future__ import annotations

import os
from pathlib import Path

_CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time of a whole process (all threads), in seconds.

    Sums the nanosecond on-CPU times of /proc/<pid>/task/*/schedstat, because the clock-tick
    counters in /proc/<pid>/stat (10 ms steps) are too coarse for runs of a few tens of ms.
    """
    try:
        total_ns = 0
        for task in Path(f"/proc/{pid}/task").iterdir():
            total_ns += int((task / "schedstat").read_text().split()[0])
        return total_ns / 1e9
    except (OSError, ValueError, IndexError):
        return _stat_cpu_seconds(pid)


def _stat_cpu_seconds(pid: int) -> float:
    """utime + stime from /proc/<pid>/stat, for kernels without schedstat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def peak_rss_kib(pid: int | str = "self") -> int:
    """VmHWM, the peak resident set size, in KiB (what ru_maxrss approximates less precisely)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("VmHWM not found in /proc status")
