"""Running a batch in-process on a backend that is not HTTP (the local engine, a test fake)."""

from __future__ import annotations

import contextvars
import threading
import time
import weakref
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .._backend import APIRequest, AsyncBackend, Backend
from .._exceptions import MistralError
from ..types.batch import BatchJob
from ._batch_prepare import Prepared
from ._batch_results import BatchItemError, BatchRunItem, BatchRunResult
from ._progress import Progress, ProgressArg

#: Requests run at once when a non-HTTP backend runs the batch in-process (its engine batches them).
LOCAL_CONCURRENCY = 8


def local_job(prepared: Prepared, job_id: str, status: str, items: Sequence[BatchRunItem[Any]]) -> BatchJob:
    failed = sum(1 for item in items if item.error is not None)
    now = int(time.time())
    return BatchJob(
        id=job_id,
        endpoint=prepared.endpoint,
        model=prepared.model,
        status=status,
        created_at=now,
        total_requests=len(prepared.custom_ids),
        completed_requests=len(items),
        succeeded_requests=len(items) - failed,
        failed_requests=failed,
        completed_at=now if status != "RUNNING" else None,
    )


def _local_item(backend: Backend, custom_id: str, request: APIRequest[Any]) -> BatchRunItem[Any]:
    try:
        return BatchRunItem(custom_id, response=backend.handle_request(request).parse())
    except MistralError as exc:
        status = getattr(exc, "status_code", None)
        return BatchRunItem(custom_id, error=BatchItemError(str(exc), status, None))


#: In-process jobs by backend, so that ``resume(job_id)`` finds one started in this process.
_local_jobs: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
_local_lock = threading.Lock()


def remember(backend: Any, handle: Any) -> None:
    with _local_lock:
        _local_jobs.setdefault(backend, {})[handle.job_id] = handle


def recall(backend: Any, job_id: str) -> Any:
    with _local_lock:
        handle = _local_jobs.get(backend, {}).get(job_id)
    if handle is None:
        raise MistralError(
            f"No batch job {job_id!r} in this process: this client's backend runs batches in-process, "
            "so a job does not outlive the process that started it"
        )
    return handle


def run_local(
    backend: Backend, prepared: Prepared, job_id: str, progress: ProgressArg
) -> BatchRunResult[Any]:
    """Run the prepared requests from worker threads; the items come back in input order."""
    assert prepared.requests is not None
    bar = Progress(progress, total=len(prepared.requests), desc=f"batch {job_id}", unit="req")
    items: list[BatchRunItem[Any]] = []
    with ThreadPoolExecutor(LOCAL_CONCURRENCY, thread_name_prefix="batch-local") as pool:
        futures = [
            pool.submit(contextvars.copy_context().run, _local_item, backend, cid, request)
            for cid, request in zip(prepared.custom_ids, prepared.requests, strict=True)
        ]
        try:
            for future in futures:  # in input order
                items.append(future.result())
                failed = sum(1 for item in items if item.error is not None)
                bar.update(len(items), failed=failed)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        finally:
            bar.close()
    return BatchRunResult(local_job(prepared, job_id, "SUCCESS", items), items)


async def async_run_local(
    backend: AsyncBackend, prepared: Prepared, job_id: str, progress: ProgressArg
) -> BatchRunResult[Any]:
    """Run the prepared requests as tasks, at most ``LOCAL_CONCURRENCY`` at once, in input order."""
    import anyio

    assert prepared.requests is not None
    bar = Progress(progress, total=len(prepared.requests), desc=f"batch {job_id}", unit="req")
    results: list[BatchRunItem[Any] | None] = [None] * len(prepared.requests)
    slots = anyio.Semaphore(LOCAL_CONCURRENCY)
    finished = [0, 0]

    async def one(index: int, custom_id: str, request: APIRequest[Any]) -> None:
        async with slots:
            try:
                item: BatchRunItem[Any] = BatchRunItem(
                    custom_id, response=(await backend.handle_async_request(request)).parse()
                )
            except MistralError as exc:
                error = BatchItemError(str(exc), getattr(exc, "status_code", None), None)
                item = BatchRunItem(custom_id, error=error)
                finished[1] += 1
        results[index] = item
        finished[0] += 1
        bar.update(finished[0], failed=finished[1])

    try:
        async with anyio.create_task_group() as tasks:
            for index, (cid, request) in enumerate(zip(prepared.custom_ids, prepared.requests, strict=True)):
                tasks.start_soon(one, index, cid, request)
    finally:
        bar.close()
    items = [item for item in results if item is not None]
    return BatchRunResult(local_job(prepared, job_id, "SUCCESS", items), items)
