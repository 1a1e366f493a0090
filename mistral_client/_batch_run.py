"""``client.batch.start`` / ``run`` / ``resume``: many requests as one Batch API job, end to end.

Shared by sync and async (only the waiting and the I/O differ): checking and serializing the requests
(:func:`prepare`), reading a finished job's outputs into items in input order (:func:`collect`), and
the result types. On a backend that is not HTTP (the local backend, a test fake) the same calls run
the requests in-process through the backend's ``handle_request``, from worker threads or tasks, and
return the same result type.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Generic, TypeVar

import pydantic

from . import _requests as build
from . import _tracing
from ._backend import REQUEST_CONTEXT, APIRequest, Backend
from ._bulk_errors import BatchJobError
from ._exceptions import InvalidRequestError, MistralError
from ._logging import logger
from ._progress import Progress, ProgressArg
from .types.batch import BatchJob
from .types.chat import ChatCompletionResponse, FIMCompletionResponse
from .types.embeddings import EmbeddingResponse

if TYPE_CHECKING:
    from ._client import AsyncClient, Client, ClientDefaults

R = TypeVar("R")

#: More requests than this go up as a JSONL file rather than inline in the create call: one JSON body
#: of thousands of chats is megabytes that must be sent again on a retry, while a file is streamed once.
#: The spec allows up to 10,000 inline.
DEFAULT_INLINE_LIMIT = 1000
MAX_INLINE = 10_000
DEFAULT_POLL_INTERVAL = 2.0
#: Polling slows by this factor per poll while the job runs, up to ``MAX_POLL_INTERVAL``.
POLL_BACKOFF = 1.5
MAX_POLL_INTERVAL = 60.0
#: Requests run at once when a non-HTTP backend runs the batch in-process (its engine batches them).
LOCAL_CONCURRENCY = 8

_Builder = Callable[[Mapping[str, Any], "ClientDefaults"], APIRequest[Any]]
#: The endpoints whose results come back typed: path -> (request builder, response type).
ENDPOINTS: dict[str, tuple[_Builder, type[pydantic.BaseModel]]] = {
    "/v1/chat/completions": (build.chat_complete, ChatCompletionResponse),
    "/v1/fim/completions": (build.fim_complete, FIMCompletionResponse),
    "/v1/embeddings": (build.embeddings, EmbeddingResponse),
}
_OPTIONS = ("timeout", "max_retries", "extra_headers", "extra_query", "extra_body")


# --- results ----------------------------------------------------------------------------------------


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


# --- preparing ------------------------------------------------------------------------------------


@dataclass
class Prepared:
    """A batch's requests, checked: inline lines, a JSONL file, or (in-process) the requests."""

    endpoint: str
    model: str
    custom_ids: list[str]
    inline: list[dict[str, Any]] | None = None
    path: Path | None = None
    requests: list[APIRequest[Any]] | None = None

    def discard(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def _check_endpoint(endpoint: str) -> tuple[_Builder, type[pydantic.BaseModel]]:
    entry = ENDPOINTS.get(endpoint)
    if entry is None:
        raise InvalidRequestError(
            f"endpoint: one of {', '.join(ENDPOINTS)}, got {endpoint!r} (client.batch.jobs.create takes any)",
            errors=[("endpoint", f"one of {', '.join(ENDPOINTS)}")],
        )
    return entry


def prepare(
    *,
    endpoint: str,
    model: str,
    requests: Iterable[Mapping[str, Any]],
    custom_ids: Sequence[str] | None,
    inline_limit: int,
    defaults: ClientDefaults,
    in_process: bool,
) -> Prepared:
    """Check every request as the single call would (nothing is sent if one is bad) and serialize it:
    inline while there are at most ``inline_limit``, else into a temporary JSONL file, written as the
    requests are read so that a generator of requests is never held whole."""
    builder, _ = _check_endpoint(endpoint)
    if not isinstance(model, str) or not model:
        raise InvalidRequestError(
            "model: must be a non-empty string", errors=[("model", "must be a non-empty string")]
        )
    if type(inline_limit) is not int or not 0 <= inline_limit <= MAX_INLINE:
        raise InvalidRequestError(
            f"inline_limit: an integer from 0 to {MAX_INLINE}, got {inline_limit!r}",
            errors=[("inline_limit", f"an integer from 0 to {MAX_INLINE}")],
        )
    if custom_ids is not None:
        custom_ids = list(custom_ids)
        if len(set(custom_ids)) != len(custom_ids) or not all(isinstance(c, str) and c for c in custom_ids):
            raise InvalidRequestError(
                "custom_ids: must be distinct non-empty strings", errors=[("custom_ids", "distinct strings")]
            )
    prepared = Prepared(endpoint=endpoint, model=model, custom_ids=[])
    lines: list[dict[str, Any]] = []
    calls: list[APIRequest[Any]] = []
    sink: IO[str] | None = None
    try:
        for index, params in enumerate(requests):
            request = _check_request(builder, index, params, model, defaults)
            custom_id = (
                custom_ids[index] if custom_ids is not None and index < len(custom_ids) else str(index)
            )
            prepared.custom_ids.append(custom_id)
            if in_process:
                calls.append(request)
                continue
            assert request.body is not None
            body = request.body.model_dump(
                mode="json", exclude_unset=True, by_alias=True, context=REQUEST_CONTEXT
            )
            if body.get("model") == model:
                del body["model"]  # the job's model applies
            line = {"custom_id": custom_id, "body": body}
            if sink is None and len(lines) < inline_limit:
                lines.append(line)
                continue
            if sink is None:
                handle, name = tempfile.mkstemp(prefix="mistral-batch-", suffix=".jsonl")
                prepared.path = Path(name)
                sink = os.fdopen(handle, "w", encoding="utf-8")
                for earlier in lines:
                    sink.write(json.dumps(earlier, separators=(",", ":"), ensure_ascii=False) + "\n")
                lines = []
            sink.write(json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n")
        if sink is not None:
            sink.close()
            sink = None
    except BaseException:
        if sink is not None:
            sink.close()
        prepared.discard()
        raise
    count = len(prepared.custom_ids)
    if custom_ids is not None and len(custom_ids) != count:
        prepared.discard()
        raise InvalidRequestError(
            f"custom_ids: {len(custom_ids)} ids for {count} requests",
            errors=[("custom_ids", "one id per request")],
        )
    if count == 0:
        raise InvalidRequestError(
            "requests: no requests given", errors=[("requests", "at least one request")]
        )
    if in_process:
        prepared.requests = calls
    elif prepared.path is None:
        prepared.inline = lines
    return prepared


def _check_request(
    builder: _Builder, index: int, params: Mapping[str, Any], model: str, defaults: ClientDefaults
) -> APIRequest[Any]:
    if not isinstance(params, Mapping):
        raise InvalidRequestError(
            f"requests[{index}]: a dict of the endpoint's parameters, got {type(params).__name__}",
            errors=[(f"requests.{index}", "a dict of parameters")],
        )
    options = [name for name in _OPTIONS if name in params]
    if options:
        raise InvalidRequestError(
            f"requests[{index}].{options[0]}: per-call options do not apply inside a batch",
            errors=[(f"requests.{index}.{name}", "not a batch request parameter") for name in options],
        )
    try:
        return builder({"model": model, **params}, defaults)
    except InvalidRequestError as exc:
        errors = [(f"requests.{index}.{name}", message) for name, message in exc.errors]
        detail = "; ".join(f"{name}: {message}" for name, message in errors)
        raise InvalidRequestError(f"Invalid request, nothing was sent: {detail}", errors=errors) from None


# --- reading results ----------------------------------------------------------------------------


def parse_line(line: Mapping[str, Any], response_type: type[pydantic.BaseModel]) -> BatchRunItem[Any]:
    """One line of an output or error file (or one inline output) as an item."""
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
            return BatchRunItem(custom_id, response=response_type.model_validate(body))
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


# --- in-process runs (a backend that is not HTTP) --------------------------------------------------


def _local_job(prepared: Prepared, job_id: str, status: str, items: Sequence[BatchRunItem[Any]]) -> BatchJob:
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
        return BatchRunItem(custom_id, response=_tracing.handle_request(backend, request).parse())
    except MistralError as exc:
        status = getattr(exc, "status_code", None)
        return BatchRunItem(custom_id, error=BatchItemError(str(exc), status, None))


#: In-process jobs by backend, so that ``resume(job_id)`` finds one started in this process.
_local_jobs: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
_local_lock = threading.Lock()


def _remember(backend: Any, handle: Any) -> None:
    with _local_lock:
        _local_jobs.setdefault(backend, {})[handle.job_id] = handle


def _recall(backend: Any, job_id: str) -> Any:
    with _local_lock:
        handle = _local_jobs.get(backend, {}).get(job_id)
    if handle is None:
        raise MistralError(
            f"No batch job {job_id!r} in this process: this client's backend runs batches in-process, "
            "so a job does not outlive the process that started it"
        )
    return handle


# --- sync -------------------------------------------------------------------------------------------


class BatchRunHandle:
    """A started batch: ``job_id`` at once, :meth:`wait` for the result."""

    def __init__(
        self, client: Client, job: BatchJob, custom_ids: list[str] | None, prepared: Prepared | None = None
    ) -> None:
        self._client = client
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
        jobs = self._client.batch.jobs
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
        _, response_type = ENDPOINTS.get(job.endpoint, (None, None))
        if response_type is None:
            raise MistralError(
                f"Batch job {job.id} is for {job.endpoint}: batch.run reads only {', '.join(ENDPOINTS)}"
            )
        if not job.input_files and job.outputs is None:
            job = self._client.batch.jobs.get(job.id, inline=True)
        items = [parse_line(line, response_type) for line in job.outputs or []]
        for file_id in (job.output_file, job.error_file):
            if file_id:
                with _temporary_path() as path:
                    self._client.files.download_to(file_id, path)
                    items.extend(parse_line(line, response_type) for line in read_lines(path))
        return order_items(items, self._custom_ids)

    def _run_local(self, progress: ProgressArg) -> BatchRunResult[Any]:
        if self._result is not None:
            return self._result
        prepared = self._local
        assert prepared is not None and prepared.requests is not None
        backend = self._client._backend
        bar = Progress(progress, total=len(prepared.requests), desc=f"batch {self.job_id}", unit="req")
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
        self._result = BatchRunResult(_local_job(prepared, self.job_id, "SUCCESS", items), items)
        return self._result


def start(
    client: Client,
    *,
    endpoint: str,
    model: str,
    requests: Iterable[Mapping[str, Any]],
    custom_ids: Sequence[str] | None,
    inline_limit: int,
    job_params: Mapping[str, Any],
) -> BatchRunHandle:
    from ._http import _HTTPCore

    in_process = not isinstance(client._backend, _HTTPCore)
    prepared = prepare(
        endpoint=endpoint,
        model=model,
        requests=requests,
        custom_ids=custom_ids,
        inline_limit=inline_limit,
        defaults=client._defaults,
        in_process=in_process,
    )
    if in_process:
        job_id = f"local-{uuid.uuid4()}"
        handle = BatchRunHandle(
            client, _local_job(prepared, job_id, "QUEUED", []), prepared.custom_ids, prepared
        )
        _remember(client._backend, handle)
        logger.info("batch job %s: %d requests, run in-process", job_id, len(prepared.custom_ids))
        return handle
    try:
        create: dict[str, Any] = {"endpoint": endpoint, "model": model, **job_params}
        if prepared.path is not None:
            upload = client.files.upload(file=prepared.path, purpose="batch")
            create["input_files"] = [upload.id]
        else:
            create["requests"] = prepared.inline
        job = client.batch.jobs.create(**create)
    finally:
        prepared.discard()
    _log_created(job, prepared)
    return BatchRunHandle(client, job, prepared.custom_ids)


def _log_created(job: BatchJob, prepared: Prepared) -> None:
    how = "from a JSONL file" if prepared.path is not None else "inline"
    logger.info(
        "batch job %s created: %d requests %s; client.batch.resume(%r) picks it up after a crash",
        job.id,
        len(prepared.custom_ids),
        how,
        job.id,
    )


def resume(client: Client, job_id: str, custom_ids: Sequence[str] | None) -> BatchRunHandle:
    from ._http import _HTTPCore

    if not isinstance(client._backend, _HTTPCore):
        handle: BatchRunHandle = _recall(client._backend, job_id)
        return handle
    job = client.batch.jobs.get(job_id)
    return BatchRunHandle(client, job, list(custom_ids) if custom_ids is not None else None)


# --- async ------------------------------------------------------------------------------------------


class AsyncBatchRunHandle:
    """The async form of :class:`BatchRunHandle`: ``job_id`` at once, ``await handle.wait()``."""

    def __init__(
        self,
        client: AsyncClient,
        job: BatchJob,
        custom_ids: list[str] | None,
        prepared: Prepared | None = None,
    ) -> None:
        self._client = client
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
        jobs = self._client.batch.jobs
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
        _, response_type = ENDPOINTS.get(job.endpoint, (None, None))
        if response_type is None:
            raise MistralError(
                f"Batch job {job.id} is for {job.endpoint}: batch.run reads only {', '.join(ENDPOINTS)}"
            )
        if not job.input_files and job.outputs is None:
            job = await self._client.batch.jobs.get(job.id, inline=True)
        items = [parse_line(line, response_type) for line in job.outputs or []]
        for file_id in (job.output_file, job.error_file):
            if file_id:
                with _temporary_path() as path:
                    await self._client.files.download_to(file_id, path)
                    items.extend(parse_line(line, response_type) for line in read_lines(path))
        return order_items(items, self._custom_ids)

    async def _run_local(self, progress: ProgressArg) -> BatchRunResult[Any]:
        import anyio

        if self._result is not None:
            return self._result
        prepared = self._local
        assert prepared is not None and prepared.requests is not None
        backend = self._client._backend
        bar = Progress(progress, total=len(prepared.requests), desc=f"batch {self.job_id}", unit="req")
        results: list[BatchRunItem[Any] | None] = [None] * len(prepared.requests)
        slots = anyio.Semaphore(LOCAL_CONCURRENCY)
        finished = [0, 0]

        async def one(index: int, custom_id: str, request: APIRequest[Any]) -> None:
            async with slots:
                try:
                    item: BatchRunItem[Any] = BatchRunItem(
                        custom_id, response=(await _tracing.handle_async_request(backend, request)).parse()
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
                for index, (cid, request) in enumerate(
                    zip(prepared.custom_ids, prepared.requests, strict=True)
                ):
                    tasks.start_soon(one, index, cid, request)
        finally:
            bar.close()
        items = [item for item in results if item is not None]
        self._result = BatchRunResult(_local_job(prepared, self.job_id, "SUCCESS", items), items)
        return self._result


async def async_start(
    client: AsyncClient,
    *,
    endpoint: str,
    model: str,
    requests: Iterable[Mapping[str, Any]],
    custom_ids: Sequence[str] | None,
    inline_limit: int,
    job_params: Mapping[str, Any],
) -> AsyncBatchRunHandle:
    from ._http import _HTTPCore

    in_process = not isinstance(client._backend, _HTTPCore)
    prepared = prepare(
        endpoint=endpoint,
        model=model,
        requests=requests,
        custom_ids=custom_ids,
        inline_limit=inline_limit,
        defaults=client._defaults,
        in_process=in_process,
    )
    if in_process:
        job_id = f"local-{uuid.uuid4()}"
        job = _local_job(prepared, job_id, "QUEUED", [])
        handle = AsyncBatchRunHandle(client, job, prepared.custom_ids, prepared)
        _remember(client._backend, handle)
        logger.info("batch job %s: %d requests, run in-process", job_id, len(prepared.custom_ids))
        return handle
    try:
        create: dict[str, Any] = {"endpoint": endpoint, "model": model, **job_params}
        if prepared.path is not None:
            upload = await client.files.upload(file=prepared.path, purpose="batch")
            create["input_files"] = [upload.id]
        else:
            create["requests"] = prepared.inline
        job = await client.batch.jobs.create(**create)
    finally:
        prepared.discard()
    _log_created(job, prepared)
    return AsyncBatchRunHandle(client, job, prepared.custom_ids)


async def async_resume(
    client: AsyncClient, job_id: str, custom_ids: Sequence[str] | None
) -> AsyncBatchRunHandle:
    from ._http import _HTTPCore

    if not isinstance(client._backend, _HTTPCore):
        handle: AsyncBatchRunHandle = _recall(client._backend, job_id)
        return handle
    job = await client.batch.jobs.get(job_id)
    return AsyncBatchRunHandle(client, job, list(custom_ids) if custom_ids is not None else None)


__all__ = [
    "AsyncBatchRunHandle",
    "BatchItemError",
    "BatchRunHandle",
    "BatchRunItem",
    "BatchRunResult",
]
