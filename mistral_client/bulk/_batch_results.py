"""Batch results: the item and result types, and output lines read into items in input order."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import pydantic

from .._endpoints import Endpoint
from ..types.batch import BatchJob
from ._errors import BatchJobError

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class BatchItemError:
    """Why one request of a batch failed."""

    message: str
    status_code: int | None = None
    #: The error as the server reported it.
    body: Any = None


@dataclass(frozen=True, slots=True)
class BatchRunItem(Generic[R]):
    """One request's outcome: ``response`` (typed for the endpoint) or ``error``."""

    custom_id: str
    response: R | None = None
    error: BatchItemError | None = None


@dataclass(frozen=True, slots=True)
class BatchRunResult(Generic[R]):
    """A finished batch: the final ``job`` and one item per request that finished, in input order."""

    job: BatchJob
    items: list[BatchRunItem[R]] = field(default_factory=list)

    @property
    def responses(self) -> list[R]:
        """The successful responses, in input order."""
        return [item.response for item in self.items if item.response is not None]

    @property
    def errors(self) -> list[BatchRunItem[R]]:
        """The items that failed."""
        return [item for item in self.items if item.error is not None]


def parse_line(line: Mapping[str, Any], endpoint: Endpoint[Any]) -> BatchRunItem[Any]:
    """One line of an output or error file (or one inline output) as an item, its response parsed as
    ``endpoint``'s."""
    custom_id = str(line.get("custom_id", ""))
    response = line.get("response")
    error = line.get("error")
    status: int | None = None
    body: Any = None
    if isinstance(response, Mapping):
        status = response.get("status_code") if isinstance(response.get("status_code"), int) else None
        body = response.get("body")
    if not error and isinstance(body, Mapping) and (status is None or 200 <= status < 300):
        try:
            return BatchRunItem(custom_id, response=endpoint.parse(json.dumps(body)))
        except pydantic.ValidationError as exc:
            return BatchRunItem(
                custom_id, error=BatchItemError(f"could not parse the response: {exc}", status, body)
            )
    reported = error if error else body
    return BatchRunItem(custom_id, error=BatchItemError(_message(reported), status, reported))


def _message(reported: Any) -> str:
    if isinstance(reported, Mapping):
        inner = reported.get("error", reported)
        if isinstance(inner, Mapping):
            return str(inner.get("message") or inner.get("detail") or json.dumps(inner))
        return str(inner)
    return str(reported) if reported else "failed without a message"


def read_lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as lines:
        for raw in lines:
            if raw.strip():
                yield json.loads(raw)


def order_items(
    items: Iterable[BatchRunItem[Any]], custom_ids: Sequence[str] | None
) -> list[BatchRunItem[Any]]:
    """Items in input order: by ``custom_ids`` when known (the handle knows them), else by the default
    ids' numbers (``"0"``, ``"1"``, ...) after a resume, else as the server listed them."""
    unique: dict[str, BatchRunItem[Any]] = {}
    for item in items:
        # An item in both files (a retried request): its success wins.
        if item.custom_id not in unique or item.response is not None:
            unique[item.custom_id] = item
    if custom_ids is not None:
        position = {cid: i for i, cid in enumerate(custom_ids)}
        return sorted(unique.values(), key=lambda item: position.get(item.custom_id, len(position)))
    if all(cid.isdigit() for cid in unique):
        return sorted(unique.values(), key=lambda item: int(item.custom_id))
    return list(unique.values())


def finish(job: BatchJob, items: list[BatchRunItem[Any]]) -> BatchRunResult[Any]:
    if job.status == "SUCCESS":
        return BatchRunResult(job, items)
    finished = [item for item in items if item.response is not None or item.error is not None]
    reasons = "; ".join(error.message for error in job.errors) or "no reason given"
    raise BatchJobError(
        f"Batch job {job.id} ended {job.status} ({job.completed_requests}/{job.total_requests} done, "
        f"{job.failed_requests} failed): {reasons}",
        job=job,
        items=finished,
    )


__all__ = ["BatchItemError", "BatchRunItem", "BatchRunResult"]
