"""``client.request`` against the local backend: refused, with the operation and the backend named."""

from __future__ import annotations

from pathlib import Path

import pytest

from mistral_client import AsyncClient, Client, UnsupportedOperationError
from mistral_client.local import LocalBackend


def test_the_local_backend_refuses_raw_requests(tiny_spm_dir: Path) -> None:
    backend = LocalBackend(tiny_spm_dir, model_name="tiny")
    with pytest.raises(UnsupportedOperationError) as error:
        Client(backend=backend).request("POST", "/v1/chat/completions", body={"model": "tiny"})
    assert (error.value.operation, error.value.backend) == ("request", "the local backend (LocalBackend)")


@pytest.mark.anyio
async def test_the_async_local_backend_refuses_raw_requests(tiny_spm_dir: Path) -> None:
    client = AsyncClient(backend=LocalBackend(tiny_spm_dir, model_name="tiny"))
    with pytest.raises(UnsupportedOperationError, match="request"):
        await client.request("GET", "/v1/workflows")
