"""The ``mistral_client`` logger; ``MISTRAL_LOG=debug|info`` turns it on without code."""

from __future__ import annotations

import logging
import os

logger = logging.getLogger("mistral_client")


def _configure_from_env() -> None:
    level = os.environ.get("MISTRAL_LOG", "").strip().upper()
    if level not in ("DEBUG", "INFO"):
        return
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
        logger.addHandler(handler)


_configure_from_env()
