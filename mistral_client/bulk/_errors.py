"""The errors of bulk work: each keeps what was already computed, so a run can be resumed.

No pydantic here: these are exported from ``mistral_client`` eagerly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._exceptions import MistralError

if TYPE_CHECKING:
    from ..types.batch import BatchJob
    from ._batch_results import BatchRunItem


class EmbeddingBatchError(MistralError):
    """Some batches of ``embeddings.create_many`` still failed after their retries.

    ``completed`` maps each input index that was embedded to its vector; ``failed_indices`` (sorted)
    lists every other index read so far (and, for a sequence, every index not reached). Pass the
    error back as ``create_many(..., resume_from=error)`` to embed only what is missing. The error
    of the first failed batch is ``__cause__``.
    """

    def __init__(
        self, message: str, *, completed: Mapping[int, list[float]], failed_indices: Sequence[int]
    ) -> None:
        super().__init__(message)
        self.completed: dict[int, list[float]] = dict(completed)
        self.failed_indices: list[int] = sorted(failed_indices)

    def __reduce__(self) -> tuple[Any, ...]:
        # Picklable with its data, e.g. to cross processes in a distributed engine that retries tasks.
        return (
            _rebuild,
            (type(self), str(self), {"completed": self.completed, "failed_indices": self.failed_indices}),
        )


class BatchJobError(MistralError):
    """A batch job ended ``FAILED``, ``CANCELLED`` or ``TIMEOUT_EXCEEDED``.

    ``job`` is the final job; ``items`` the items that did finish (a response or an error each), in
    input order.
    """

    def __init__(self, message: str, *, job: BatchJob, items: Sequence[BatchRunItem[Any]]) -> None:
        super().__init__(message)
        self.job = job
        self.items = list(items)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), str(self), {"job": self.job, "items": self.items}))


def _rebuild(cls: type[MistralError], message: str, fields: dict[str, Any]) -> MistralError:
    return cls(message, **fields)
