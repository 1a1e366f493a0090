"""The ``mistral-client`` command line (``python -m mistral_client``).

Nothing here is imported by ``import mistral_client``; the commands import what they use when run,
so ``mistral-client --help`` costs little more than starting Python.

Exit codes: see :mod:`mistral_client.cli._errors`.
"""

from __future__ import annotations

from typing import Any

from ._app import cli

__all__ = ["cli", "main"]


def main(args: list[str] | None = None, prog_name: str = "mistral-client", **extra: Any) -> None:
    """The console script's entry point."""
    cli.main(args=args, prog_name=prog_name, **extra)
