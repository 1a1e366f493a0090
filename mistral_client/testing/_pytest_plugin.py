"""The ``fake_backend`` pytest fixture, registered as a ``pytest11`` plugin by the package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import FakeBackend


@pytest.fixture
def fake_backend() -> Iterator[FakeBackend]:
    """A fresh :class:`~mistral_client.testing.FakeBackend`: ``Client(backend=fake_backend)``."""
    yield FakeBackend()
