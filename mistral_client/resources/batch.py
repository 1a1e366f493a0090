"""``client.batch``: the Batch API (``client.batch.jobs``) and whole runs on it (``start``, ``run``,
``resume``).

``jobs`` maps the endpoints one to one. ``start`` checks every request as the single call would,
sends them inline or as a JSONL file, and creates the job; ``wait`` polls it and reads the results
into typed items in input order; ``run`` is both. The logic lives in :mod:`mistral_client.bulk._batch_run`.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from .._lazy import lazy_module
from ._base import AsyncAPIResource, SyncAPIResource, async_raw, endpoints, raw

if TYPE_CHECKING:
    from .._client import AsyncClient, Client
    from ..bulk import _batch_run as runs
    from ..bulk._batch_run import AsyncBatchRunHandle, BatchRunHandle, BatchRunResult
    from ..bulk._progress import ProgressArg
    from ..types.batch import (
        ApiEndpoint,
        BatchJob,
        BatchJobStatus,
        BatchRequest,
        DeleteBatchJobResponse,
        ListBatchJobsResponse,
    )
    from ..types.params import RequestOptionsParam
else:
    runs = lazy_module("mistral_client.bulk._batch_run")

_INLINE_LIMIT = 1000  # _batch_prepare.DEFAULT_INLINE_LIMIT, repeated to keep this module import-light
_POLL_INTERVAL = 2.0  # _batch_run.DEFAULT_POLL_INTERVAL


def _given(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


class BatchJobs(SyncAPIResource):
    def create(
        self,
        *,
        endpoint: ApiEndpoint,
        model: str | None = None,
        input_files: Sequence[str] | None = None,
        requests: Sequence[BatchRequest | Mapping[str, Any]] | None = None,
        metadata: Mapping[str, str] | None = None,
        timeout_hours: int | None = None,
        agent_id: str | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> BatchJob:
        """Create a batch job (``POST /v1/batch/jobs``) from uploaded JSONL ``input_files`` or inline
        ``requests`` (up to 10,000 ``{"custom_id": ..., "body": {...}}``)."""
        fields = _given(
            endpoint=endpoint,
            model=model,
            input_files=input_files,
            requests=requests,
            metadata=metadata,
            timeout_hours=timeout_hours,
            agent_id=agent_id,
        )
        return self._call(endpoints.BATCH_JOBS_CREATE, {**fields, **options})

    def get(
        self, job_id: str, *, inline: bool | None = None, **options: Unpack[RequestOptionsParam]
    ) -> BatchJob:
        """A job's state (``GET /v1/batch/jobs/{job_id}``); ``inline=True`` includes inline outputs."""
        params = {"inline": inline, **options}
        return self._call(endpoints.BATCH_JOBS_GET, params, path={"job_id": job_id})

    def list(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        model: str | None = None,
        agent_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        created_after: datetime.datetime | None = None,
        created_by_me: bool | None = None,
        status: Sequence[BatchJobStatus] | None = None,
        order_by: str | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> ListBatchJobsResponse:
        """A page of your batch jobs (``GET /v1/batch/jobs``)."""
        fields = _given(
            page=page,
            page_size=page_size,
            model=model,
            agent_id=agent_id,
            metadata=metadata,
            created_after=created_after,
            created_by_me=created_by_me,
            status=status,
            order_by=order_by,
        )
        return self._call(endpoints.BATCH_JOBS_LIST, {**fields, **options})

    def cancel(self, job_id: str, **options: Unpack[RequestOptionsParam]) -> BatchJob:
        """Ask to cancel a job (``POST /v1/batch/jobs/{job_id}/cancel``)."""
        return self._call(endpoints.BATCH_JOBS_CANCEL, options, path={"job_id": job_id})

    def delete(self, job_id: str, **options: Unpack[RequestOptionsParam]) -> DeleteBatchJobResponse:
        """Ask to delete a job (``DELETE /v1/batch/jobs/{job_id}``)."""
        return self._call(endpoints.BATCH_JOBS_DELETE, options, path={"job_id": job_id})

    @functools.cached_property
    def with_raw_response(self) -> BatchJobsWithRawResponse:
        return BatchJobsWithRawResponse(self)


class BatchJobsWithRawResponse:
    """``client.batch.jobs``' methods returning the :class:`~mistral_client.APIResponse`."""

    def __init__(self, jobs: BatchJobs) -> None:
        jobs = jobs._raw_copy()
        self.create = raw(jobs.create)
        self.get = raw(jobs.get)
        self.list = raw(jobs.list)
        self.cancel = raw(jobs.cancel)
        self.delete = raw(jobs.delete)


class Batch(SyncAPIResource):
    """``client.batch``: ``jobs`` (the Batch API's endpoints, each with ``with_raw_response``) and the
    workflows over them."""

    workflows = frozenset({"start", "run", "resume"})
    jobs: BatchJobs

    def __init__(self, client: Client) -> None:
        super().__init__(client)
        self.jobs = BatchJobs(client)

    def start(
        self,
        *,
        endpoint: str,
        model: str,
        requests: Iterable[Mapping[str, Any]],
        custom_ids: Sequence[str] | None = None,
        inline_limit: int = _INLINE_LIMIT,
        metadata: Mapping[str, str] | None = None,
        timeout_hours: int | None = None,
    ) -> BatchRunHandle:
        """Check every request (each a dict of the endpoint's parameters, ``model`` from here unless
        given), send them inline (at most ``inline_limit``) or as a streamed JSONL upload, create the
        job and return at once: ``handle.job_id`` is logged before any polling. ``custom_ids`` default
        to ``"0"``, ``"1"``, ... On a backend that is not HTTP (the local backend) the requests run
        in-process when waited for."""
        job_params = _given(metadata=metadata, timeout_hours=timeout_hours)
        return runs.start(
            self,
            endpoint=endpoint,
            model=model,
            requests=requests,
            custom_ids=custom_ids,
            inline_limit=inline_limit,
            job_params=job_params,
        )

    def run(
        self,
        *,
        endpoint: str,
        model: str,
        requests: Iterable[Mapping[str, Any]],
        custom_ids: Sequence[str] | None = None,
        inline_limit: int = _INLINE_LIMIT,
        metadata: Mapping[str, str] | None = None,
        timeout_hours: int | None = None,
        poll_interval: float = _POLL_INTERVAL,
        timeout: float | None = None,
        progress: ProgressArg = False,
        cancel_on_interrupt: bool = False,
    ) -> BatchRunResult[Any]:
        """:meth:`start`, then :meth:`BatchRunHandle.wait <mistral_client.BatchRunHandle.wait>`."""
        handle = self.start(
            endpoint=endpoint,
            model=model,
            requests=requests,
            custom_ids=custom_ids,
            inline_limit=inline_limit,
            metadata=metadata,
            timeout_hours=timeout_hours,
        )
        return handle.wait(
            poll_interval=poll_interval,
            timeout=timeout,
            progress=progress,
            cancel_on_interrupt=cancel_on_interrupt,
        )

    def resume(
        self,
        job_id: str,
        *,
        poll_interval: float = _POLL_INTERVAL,
        timeout: float | None = None,
        progress: ProgressArg = False,
        cancel_on_interrupt: bool = False,
        custom_ids: Sequence[str] | None = None,
    ) -> BatchRunResult[Any]:
        """Pick up a job started earlier (after a crash, in another process) and wait for its result.
        Items come in ``custom_ids`` order if given, else by the default ids' numbers."""
        handle = runs.resume(self, job_id, custom_ids)
        return handle.wait(
            poll_interval=poll_interval,
            timeout=timeout,
            progress=progress,
            cancel_on_interrupt=cancel_on_interrupt,
        )


class AsyncBatchJobs(AsyncAPIResource):
    async def create(
        self,
        *,
        endpoint: ApiEndpoint,
        model: str | None = None,
        input_files: Sequence[str] | None = None,
        requests: Sequence[BatchRequest | Mapping[str, Any]] | None = None,
        metadata: Mapping[str, str] | None = None,
        timeout_hours: int | None = None,
        agent_id: str | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> BatchJob:
        """Create a batch job (``POST /v1/batch/jobs``); see :meth:`BatchJobs.create`."""
        fields = _given(
            endpoint=endpoint,
            model=model,
            input_files=input_files,
            requests=requests,
            metadata=metadata,
            timeout_hours=timeout_hours,
            agent_id=agent_id,
        )
        return await self._call(endpoints.BATCH_JOBS_CREATE, {**fields, **options})

    async def get(
        self, job_id: str, *, inline: bool | None = None, **options: Unpack[RequestOptionsParam]
    ) -> BatchJob:
        """A job's state (``GET /v1/batch/jobs/{job_id}``); ``inline=True`` includes inline outputs."""
        params = {"inline": inline, **options}
        return await self._call(endpoints.BATCH_JOBS_GET, params, path={"job_id": job_id})

    async def list(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        model: str | None = None,
        agent_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        created_after: datetime.datetime | None = None,
        created_by_me: bool | None = None,
        status: Sequence[BatchJobStatus] | None = None,
        order_by: str | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> ListBatchJobsResponse:
        """A page of your batch jobs (``GET /v1/batch/jobs``)."""
        fields = _given(
            page=page,
            page_size=page_size,
            model=model,
            agent_id=agent_id,
            metadata=metadata,
            created_after=created_after,
            created_by_me=created_by_me,
            status=status,
            order_by=order_by,
        )
        return await self._call(endpoints.BATCH_JOBS_LIST, {**fields, **options})

    async def cancel(self, job_id: str, **options: Unpack[RequestOptionsParam]) -> BatchJob:
        """Ask to cancel a job (``POST /v1/batch/jobs/{job_id}/cancel``)."""
        return await self._call(endpoints.BATCH_JOBS_CANCEL, options, path={"job_id": job_id})

    async def delete(self, job_id: str, **options: Unpack[RequestOptionsParam]) -> DeleteBatchJobResponse:
        """Ask to delete a job (``DELETE /v1/batch/jobs/{job_id}``)."""
        return await self._call(endpoints.BATCH_JOBS_DELETE, options, path={"job_id": job_id})

    @functools.cached_property
    def with_raw_response(self) -> AsyncBatchJobsWithRawResponse:
        return AsyncBatchJobsWithRawResponse(self)


class AsyncBatchJobsWithRawResponse:
    """``client.batch.jobs``' methods returning the :class:`~mistral_client.APIResponse`; awaited."""

    def __init__(self, jobs: AsyncBatchJobs) -> None:
        jobs = jobs._raw_copy()
        self.create = async_raw(jobs.create)
        self.get = async_raw(jobs.get)
        self.list = async_raw(jobs.list)
        self.cancel = async_raw(jobs.cancel)
        self.delete = async_raw(jobs.delete)


class AsyncBatch(AsyncAPIResource):
    """The async ``client.batch``."""

    workflows = frozenset({"start", "run", "resume"})
    jobs: AsyncBatchJobs

    def __init__(self, client: AsyncClient) -> None:
        super().__init__(client)
        self.jobs = AsyncBatchJobs(client)

    async def start(
        self,
        *,
        endpoint: str,
        model: str,
        requests: Iterable[Mapping[str, Any]],
        custom_ids: Sequence[str] | None = None,
        inline_limit: int = _INLINE_LIMIT,
        metadata: Mapping[str, str] | None = None,
        timeout_hours: int | None = None,
    ) -> AsyncBatchRunHandle:
        """See :meth:`Batch.start`; ``await handle.wait()`` for the result."""
        job_params = _given(metadata=metadata, timeout_hours=timeout_hours)
        return await runs.async_start(
            self,
            endpoint=endpoint,
            model=model,
            requests=requests,
            custom_ids=custom_ids,
            inline_limit=inline_limit,
            job_params=job_params,
        )

    async def run(
        self,
        *,
        endpoint: str,
        model: str,
        requests: Iterable[Mapping[str, Any]],
        custom_ids: Sequence[str] | None = None,
        inline_limit: int = _INLINE_LIMIT,
        metadata: Mapping[str, str] | None = None,
        timeout_hours: int | None = None,
        poll_interval: float = _POLL_INTERVAL,
        timeout: float | None = None,
        progress: ProgressArg = False,
        cancel_on_interrupt: bool = False,
    ) -> BatchRunResult[Any]:
        """:meth:`start`, then ``wait``."""
        handle = await self.start(
            endpoint=endpoint,
            model=model,
            requests=requests,
            custom_ids=custom_ids,
            inline_limit=inline_limit,
            metadata=metadata,
            timeout_hours=timeout_hours,
        )
        return await handle.wait(
            poll_interval=poll_interval,
            timeout=timeout,
            progress=progress,
            cancel_on_interrupt=cancel_on_interrupt,
        )

    async def resume(
        self,
        job_id: str,
        *,
        poll_interval: float = _POLL_INTERVAL,
        timeout: float | None = None,
        progress: ProgressArg = False,
        cancel_on_interrupt: bool = False,
        custom_ids: Sequence[str] | None = None,
    ) -> BatchRunResult[Any]:
        """See :meth:`Batch.resume`."""
        handle = await runs.async_resume(self, job_id, custom_ids)
        return await handle.wait(
            poll_interval=poll_interval,
            timeout=timeout,
            progress=progress,
            cancel_on_interrupt=cancel_on_interrupt,
        )
