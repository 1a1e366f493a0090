"""Beyond one machine: embed a dataset with Ray Data, each worker feeding create_many.

Needs Ray (``pip install 'ray[data]'``), MISTRAL_API_KEY, and optionally MISTRAL_BASE_URL. Ray splits
the dataset into blocks and hands them to a pool of actors; each actor holds one client and embeds
its block with ``create_many`` (batched, concurrent, retried, in order). Swap ``from_items`` for
``ray.data.read_parquet("s3://...")`` and ``take_all`` for ``write_parquet(...)`` on a cluster.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from mistral_client import Client

MODEL = "mistral-embed"
#: Requests in flight per actor: with ACTORS actors, ACTORS x MAX_CONCURRENCY in all. Each actor backs
#: off on its own 429s, so keep the product within your rate limit.
MAX_CONCURRENCY = 4
ACTORS = 2


class Embed:
    """The ``map_batches`` callable: built once per actor (one client, one connection pool), then
    called with one block at a time as ``{"column": array}``."""

    def __init__(self) -> None:
        self.client = Client()

    def __call__(self, batch: dict[str, np.ndarray[Any, Any]]) -> dict[str, np.ndarray[Any, Any]]:
        texts = [str(text) for text in batch["text"]]
        # A failure raises EmbeddingBatchError; Ray then retries the block (max_task_retries).
        result = self.client.embeddings.create_many(
            model=MODEL, inputs=texts, batch_size=64, max_concurrency=MAX_CONCURRENCY
        )
        return {**batch, "embedding": result.to_numpy()}


def main() -> None:
    import ray

    # Workers are separate processes: they take the key and server from the environment too.
    env = {k: v for k, v in os.environ.items() if k.startswith("MISTRAL_")}
    ray.init(num_cpus=ACTORS, include_dashboard=False, runtime_env={"env_vars": env})
    try:
        ds = ray.data.from_items([{"id": i, "text": f"Document {i}"} for i in range(2_000)])
        embedded = ds.map_batches(Embed, batch_size=500, concurrency=ACTORS, batch_format="numpy")
        rows = sorted(embedded.take_all(), key=lambda row: row["id"])
        print(f"{len(rows)} rows embedded; dimension {len(rows[0]['embedding'])}")
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
