"""``client.batch.start`` / ``run`` / ``resume``: the sync and async handles that create, poll and read a job.

Checking and serializing the requests lives in :mod:`._batch_prepare`, the result types and reading
output lines in :mod:`._batch_results`, and the in-process run for a backend that is not HTTP (the
local backend, a test fake) in :mod:`._batch_local`; their public names are re-exported here.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._endpoints import BATCHABLE
from .._exceptions import InvalidRequestError, MistralError
from .._logging import logger
from ..types.batch import BatchJob
from ._batch_local import async_run_local, local_job, recall, remember, run_local
from ._batch_prepare import Prepared, prepare
from ._batch_results import (
    BatchItemError,
    BatchRunItem,
    BatchRunResult,
    finish,
    order_items,
    parse_line,
    read_lines,
)
from ._progress import Progress, ProgressArg

if TYPE_CHECKING:
    from ..resources.batch import AsyncBatch, Batch

DEFAULT_POLL_INTERVAL = 2.0
#: Polling slows by this factor per poll while the job runs, up to ``MAX_POLL_INTERVAL``.
POLL_BACKOFF = 1.5
MAX_POLL_INTERVAL = 60.0


def next_interval(interval: float, poll_interval: float) -> float:
    return min(interval * POLL_BACKOFF, max(MAX_POLL_INTERVAL, poll_interval))


def check_wait_args(poll_interval: float, timeout: float | None) -> None:
    if not isinstance(poll_interval, (int, float)) or poll_interval <= 0:
        raise InvalidRequestError(
            f"poll_interval: seconds > 0, got {poll_interval!r}", errors=[("poll_interval", "seconds > 0")]
        )
    if timeout is not None and (not isinstance(timeout, (int, float)) or timeout < 0):
        raise InvalidRequestError(
            f"timeout: seconds >= 0, got {timeout!r}", errors=[("timeout", "seconds >= 0")]
        )


def _timed_out(job: BatchJob, timeout: float) -> TimeoutError:
    return TimeoutError(
        f"Batch job {job.id} still {job.status} after {timeout:g} s; it keeps running: "
        f"client.batch.resume({job.id!r}) picks it up"
    )


def _interrupted(job_id: str, cancel: bool) -> None:
    if cancel:
        logger.warning("interrupted: cancelling batch job %s", job_id)
    else:
        logger.warning(
            "interrupted: batch job %s keeps running on the server; client.batch.resume(%r) picks it up",
            job_id,
            job_id,
        )


@contextlib.contextmanager
def _temporary_path() -> Iterator[Path]:
    handle, name = tempfile.mkstemp(prefix="mistral-batch-out-", suffix=".jsonl")
    os.close(handle)
    path = Path(name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


# --- sync -------------------------------------------------------------------------------------------


class BatchRunHandle:
    """A started batch: ``job_id`` at once, :meth:`wait` for the result."""

    def __init__(
        self, batch: Batch, job: BatchJob, custom_ids: list[str] | None, prepared: Prepared | None = None
    ) -> None:
        self._batch = batch
        #: The job as created (``wait`` returns the final one in the result).
        self.job = job
        self.job_id = job.id
        self._custom_ids = custom_ids
        self._local = prepared
        self._result: BatchRunResult[Any] | None = None

    def __repr__(self) -> str:
        return f"<BatchRunHandle job_id={self.job_id!r}>"

    def wait(
        self,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float | None = None,
        progress: ProgressArg = False,
        cancel_on_interrupt: bool = False,
    ) -> BatchRunResult[Any]:
        """Poll until the job ends (the interval grows from ``poll_interval`` by 1.5x per poll, up to
        60 s), then read its outputs. Raises :class:`~mistral_client.BatchJobError` if it ended
        ``FAILED``, ``CANCELLED`` or ``TIMEOUT_EXCEEDED``, ``TimeoutError`` after ``timeout`` seconds
        (the job keeps running). Ctrl-C leaves the job running unless ``cancel_on_interrupt``."""
        check_wait_args(poll_interval, timeout)
        if self._local is not None:
            return self._run_local(progress)
        jobs = self._batch.jobs
        started = time.monotonic()
        interval = float(poll_interval)
        bar = Progress(
            progress, total=self.job.total_requests or None, desc=f"batch {self.job_id}", unit="req"
        )
        try:
            while True:
                job = jobs.get(self.job_id)
                bar.update(job.completed_requests, failed=job.failed_requests, total=job.total_requests)
                if job.done:
                    break
                if timeout is not None and time.monotonic() - started + interval > timeout:
                    raise _timed_out(job, timeout)
                time.sleep(interval)
                interval = next_interval(interval, poll_interval)
        except KeyboardInterrupt:
            _interrupted(self.job_id, cancel_on_interrupt)
            if cancel_on_interrupt:
                jobs.cancel(self.job_id)
            raise
        finally:
            bar.close()
        return finish(job, self._items(job))

    def _items(self, job: BatchJob) -> list[BatchRunItem[Any]]:
        record = BATCHABLE.get(job.endpoint)
        if record is None:
            raise MistralError(
                f"Batch job {job.id} is for {job.endpoint}: batch.run reads only {', '.join(BATCHABLE)}"
            )
        if not job.input_files and job.outputs is None:
            job = self._batch.jobs.get(job.id, inline=True)
        items = [parse_line(line, record) for line in job.outputs or []]
        for file_id in (job.output_file, job.error_file):
            if file_id:
                with _temporary_path() as path:
                    self._batch._client.files.download_to(file_id, path)
                    items.extend(parse_line(line, record) for line in read_lines(path))
        return order_items(items, self._custom_ids)

    def _run_local(self, progress: ProgressArg) -> BatchRunResult[Any]:
        if self._result is None:
            assert self._local is not None
            self._result = run_local(self._batch._transport, self._local, self.job_id, progress)
        return self._result


def start(
    batch: Batch,
    *,
    endpoint: str,
    model: str,
    requests: Iterable[Mapping[str, Any]],
    custom_ids: Sequence[str] | None,
    inline_limit: int,
    job_params: Mapping[str, Any],
) -> BatchRunHandle:
    in_process = not batch._transport.remote_batches
    prepared = prepare(
        endpoint=endpoint,
        model=model,
        requests=requests,
        custom_ids=custom_ids,
        inline_limit=inline_limit,
        build=batch._request,
        in_process=in_process,
    )
    if in_process:
        job_id = f"local-{uuid.uuid4()}"
        handle = BatchRunHandle(
            batch, local_job(prepared, job_id, "QUEUED", []), prepared.custom_ids, prepared
        )
        remember(batch._client.backend, handle)
        logger.info("batch job %s: %d requests, run in-process", job_id, len(prepared.custom_ids))
        return handle
    try:
        create: dict[str, Any] = {"endpoint": endpoint, "model": model, **job_params}
        if prepared.path is not None:
            upload = batch._client.files.upload(file=prepared.path, purpose="batch")
            create["input_files"] = [upload.id]
        else:
            create["requests"] = prepared.inline
        job = batch.jobs.create(**create)
    finally:
        prepared.discard()
    _log_created(job, prepared)
    return BatchRunHandle(batch, job, prepared.custom_ids)


def _log_created(job: BatchJob, prepared: Prepared) -> None:
    how = "from a JSONL file" if prepared.path is not None else "inline"
    logger.info(
        "batch job %s created: %d requests %s; client.batch.resume(%r) picks it up after a crash",
        job.id,
        len(prepared.custom_ids),
        how,
        job.id,
    )


def resume(batch: Batch, job_id: str, custom_ids: Sequence[str] | None) -> BatchRunHandle:
    if not batch._transport.remote_batches:
        handle: BatchRunHandle = recall(batch._client.backend, job_id)
        return handle
    job = batch.jobs.get(job_id)
    return BatchRunHandle(batch, job, list(custom_ids) if custom_ids is not None else None)


# --- async ------------------------------------------------------------------------------------------


class AsyncBatchRunHandle:
    """The async form of :class:`BatchRunHandle`: ``job_id`` at once, ``await handle.wait()``."""

    def __init__(
        self,
        batch: AsyncBatch,
        job: BatchJob,
        custom_ids: list[str] | None,
        prepared: Prepared | None = None,
    ) -> None:
        self._batch = batch
        self.job = job
        self.job_id = job.id
        self._custom_ids = custom_ids
        self._local = prepared
        self._result: BatchRunResult[Any] | None = None

    def __repr__(self) -> str:
        return f"<AsyncBatchRunHandle job_id={self.job_id!r}>"

    async def wait(
        self,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float | None = None,
        progress: ProgressArg = False,
        cancel_on_interrupt: bool = False,
    ) -> BatchRunResult[Any]:
        """See :meth:`BatchRunHandle.wait`; cancellation counts as an interrupt."""
        import anyio

        check_wait_args(poll_interval, timeout)
        if self._local is not None:
            return await self._run_local(progress)
        jobs = self._batch.jobs
        started = time.monotonic()
        interval = float(poll_interval)
        bar = Progress(
            progress, total=self.job.total_requests or None, desc=f"batch {self.job_id}", unit="req"
        )
        try:
            while True:
                job = await jobs.get(self.job_id)
                bar.update(job.completed_requests, failed=job.failed_requests, total=job.total_requests)
                if job.done:
                    break
                if timeout is not None and time.monotonic() - started + interval > timeout:
                    raise _timed_out(job, timeout)
                await anyio.sleep(interval)
                interval = next_interval(interval, poll_interval)
        except (KeyboardInterrupt, anyio.get_cancelled_exc_class()):
            _interrupted(self.job_id, cancel_on_interrupt)
            if cancel_on_interrupt:
                with anyio.CancelScope(shield=True):
                    await jobs.cancel(self.job_id)
            raise
        finally:
            bar.close()
        return finish(job, await self._items(job))

    async def _items(self, job: BatchJob) -> list[BatchRunItem[Any]]:
        record = BATCHABLE.get(job.endpoint)
        if record is None:
            raise MistralError(
                f"Batch job {job.id} is for {job.endpoint}: batch.run reads only {', '.join(BATCHABLE)}"
            )
        if not job.input_files and job.outputs is None:
            job = await self._batch.jobs.get(job.id, inline=True)
        items = [parse_line(line, record) for line in job.outputs or []]
        for file_id in (job.output_file, job.error_file):
            if file_id:
                with _temporary_path() as path:
                    await self._batch._client.files.download_to(file_id, path)
                    items.extend(parse_line(line, record) for line in read_lines(path))
        return order_items(items, self._custom_ids)

    async def _run_local(self, progress: ProgressArg) -> BatchRunResult[Any]:
        if self._result is None:
            assert self._local is not None
            self._result = await async_run_local(self._batch._transport, self._local, self.job_id, progress)
        return self._result


async def async_start(
    batch: AsyncBatch,
    *,
    endpoint: str,
    model: str,
    requests: Iterable[Mapping[str, Any]],
    custom_ids: Sequence[str] | None,
    inline_limit: int,
    job_params: Mapping[str, Any],
) -> AsyncBatchRunHandle:
    in_process = not batch._transport.remote_batches
    prepared = prepare(
        endpoint=endpoint,
        model=model,
        requests=requests,
        custom_ids=custom_ids,
        inline_limit=inline_limit,
        build=batch._request,
        in_process=in_process,
    )
    if in_process:
        job_id = f"local-{uuid.uuid4()}"
        job = local_job(prepared, job_id, "QUEUED", [])
        handle = AsyncBatchRunHandle(batch, job, prepared.custom_ids, prepared)
        remember(batch._client.backend, handle)
        logger.info("batch job %s: %d requests, run in-process", job_id, len(prepared.custom_ids))
        return handle
    try:
        create: dict[str, Any] = {"endpoint": endpoint, "model": model, **job_params}
        if prepared.path is not None:
            upload = await batch._client.files.upload(file=prepared.path, purpose="batch")
            create["input_files"] = [upload.id]
        else:
            create["requests"] = prepared.inline
        job = await batch.jobs.create(**create)
    finally:
        prepared.discard()
    _log_created(job, prepared)
    return AsyncBatchRunHandle(batch, job, prepared.custom_ids)


async def async_resume(
    batch: AsyncBatch, job_id: str, custom_ids: Sequence[str] | None
) -> AsyncBatchRunHandle:
    if not batch._transport.remote_batches:
        handle: AsyncBatchRunHandle = recall(batch._client.backend, job_id)
        return handle
    job = await batch.jobs.get(job_id)
    return AsyncBatchRunHandle(batch, job, list(custom_ids) if custom_ids is not None else None)


__all__ = [
    "AsyncBatchRunHandle",
    "BatchItemError",
    "BatchRunHandle",
    "BatchRunItem",
    "BatchRunResult",
]
