"""``embeddings.create_many``: many texts in batches, concurrently, in order, resumable.

Sync (worker threads) and async (tasks) share everything but the waiting: the batching
(:func:`plan_batches`), the per-batch retry policy with one backoff shared by the whole run
(:class:`SharedBackoff`), the bookkeeping of results and failures (:class:`_Run`) and progress.
"""

from __future__ import annotations

import contextvars
import dataclasses
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._backend import APIRequest
from .._endpoints import EMBEDDINGS_CREATE
from .._exceptions import (
    APIError,
    APIResponseValidationError,
    InvalidRequestError,
    MistralError,
    RateLimitError,
)
from .._logging import logger
from .._retry import RetryPolicy
from ..types.params import RequestOptionsParam  # _bulk loads on first create_many: pydantic is fine
from ._errors import EmbeddingBatchError
from ._progress import Progress, ProgressArg

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ..resources.embeddings import AsyncEmbeddings, Embeddings
    from ..types.chat import UsageInfo
    from ..types.embeddings import EmbeddingDtype, EmbeddingResponse, EncodingFormat

#: Inputs per request. The spec sets no limit on ``input``; the API refuses requests with too many
#: inputs ("Too many inputs in request, split into more batches") above a cap it does not publish,
#: reported by users at around 150-512: 128 stays under it.
DEFAULT_BATCH_SIZE = 128
#: Estimated tokens per request: twice mistral-embed's 8,192-token context, so one long input fits
#: alone. Neither the spec nor the API publishes a per-request token cap; set ``max_batch_tokens``
#: for your server.
DEFAULT_MAX_BATCH_TOKENS = 16_384
DEFAULT_MAX_CONCURRENCY = 8


class EmbeddingManyParams(RequestOptionsParam, total=False):
    """The keyword arguments ``create_many`` passes on to every request (``embeddings.create``'s
    but ``model`` and ``input``)."""

    metadata: Mapping[str, Any] | None
    output_dimension: int | None
    output_dtype: EmbeddingDtype
    encoding_format: EncodingFormat


def estimate_tokens(text: str) -> int:
    """A deliberately high token count without a tokenizer: one token per 3 UTF-8 bytes (Mistral's
    tokenizers average about 4 bytes per token on English text), so batches stay under budget."""
    return len(text.encode("utf-8")) // 3 + 1


@dataclass(slots=True)
class InputBatch:
    """Some of the inputs, sent as one request: their indices in the input, and their texts."""

    indices: list[int]
    texts: list[str]


def plan_batches(
    inputs: Iterable[str],
    *,
    batch_size: int,
    max_batch_tokens: int,
    skip: Mapping[int, Any],
    counter: list[int],
) -> Iterator[InputBatch]:
    """Cut ``inputs`` into batches of at most ``batch_size`` texts and ``max_batch_tokens`` estimated
    tokens (a longer text goes alone), lazily: a generator is read once, a batch at a time. Indices in
    ``skip`` (a resumed run's results) are left out. ``counter[0]`` tracks how many inputs were read."""
    indices: list[int] = []
    texts: list[str] = []
    tokens = 0
    for index, text in enumerate(inputs):
        counter[0] = index + 1
        if not isinstance(text, str):
            raise InvalidRequestError(
                f"inputs[{index}]: must be a string, got {type(text).__name__}",
                errors=[(f"inputs.{index}", "must be a string")],
            )
        if index in skip:
            continue
        cost = estimate_tokens(text)
        if texts and (len(texts) >= batch_size or tokens + cost > max_batch_tokens):
            yield InputBatch(indices, texts)
            indices, texts, tokens = [], [], 0
        indices.append(index)
        texts.append(text)
        tokens += cost
    if texts:
        yield InputBatch(indices, texts)


class SharedBackoff:
    """The run's one backoff: a 429 from any worker pauses every worker's next request for the wait
    the server asked (``Retry-After``) or the policy's backoff, instead of all of them hammering."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self._until = 0.0
        self._lock = threading.Lock()

    def pause_left(self) -> float:
        return max(0.0, self._until - time.monotonic())

    def retry_delay(self, retry_number: int, error: APIError) -> float:
        """How long this worker waits before retrying; a 429 extends the pause of the whole run."""
        delay = self.policy.delay(retry_number, error)
        if isinstance(error, RateLimitError):
            with self._lock:
                self._until = max(self._until, time.monotonic() + delay)
            logger.info("rate limited: every create_many worker pauses %.2f s", delay)
            return 0.0  # the shared pause, taken at the top of the next attempt
        return delay

    def should_retry(self, attempt: int, max_retries: int, error: MistralError) -> bool:
        return isinstance(error, APIError) and attempt <= max_retries and self.policy.is_retryable(error)


class EmbeddingBatchResult:
    """What ``create_many`` returns: the vectors in input order and the summed usage."""

    __slots__ = ("embeddings", "model", "usage")

    def __init__(self, embeddings: list[list[float]], usage: UsageInfo, model: str) -> None:
        #: One vector per input, in input order.
        self.embeddings = embeddings
        #: The usage of every request, summed.
        self.usage = usage
        self.model = model

    def __len__(self) -> int:
        return len(self.embeddings)

    def to_numpy(self, dtype: npt.DTypeLike = "float32") -> np.ndarray[Any, Any]:
        """The vectors as one ``(len(inputs), dimension)`` array (numpy is imported here)."""
        try:
            import numpy as np
        except ImportError:
            raise MistralError("to_numpy() needs numpy: pip install numpy") from None
        if not self.embeddings:
            return np.empty((0, 0), dtype=dtype)
        return np.asarray(self.embeddings, dtype=dtype)

    def __repr__(self) -> str:
        dim = len(self.embeddings[0]) if self.embeddings else 0
        return f"<EmbeddingBatchResult {len(self.embeddings)} x {dim} model={self.model!r}>"


class _Run:
    """One ``create_many`` call's state, shared by the sync and async drivers."""

    def __init__(
        self,
        template: APIRequest[EmbeddingResponse],
        inputs: Iterable[str],
        *,
        batch_size: int,
        max_batch_tokens: int,
        max_concurrency: int,
        max_retries: int,
        policy: RetryPolicy,
        progress: ProgressArg,
        resume_from: EmbeddingBatchError | Mapping[int, list[float]] | None,
    ) -> None:
        for name, value in (
            ("batch_size", batch_size),
            ("max_batch_tokens", max_batch_tokens),
            ("max_concurrency", max_concurrency),
        ):
            if type(value) is not int or value < 1:
                raise InvalidRequestError(
                    f"{name}: must be a positive integer, got {value!r}",
                    errors=[(name, "must be a positive integer")],
                )
        if isinstance(inputs, str):
            raise InvalidRequestError(
                "inputs: an iterable of strings, not one string (use embeddings.create for one text)",
                errors=[("inputs", "an iterable of strings")],
            )
        self.total = len(inputs) if isinstance(inputs, Sized) else None
        if isinstance(inputs, Sequence):
            # Checked up front so that a bad input fails before anything is sent.
            for index, text in enumerate(inputs):
                if not isinstance(text, str):
                    raise InvalidRequestError(
                        f"inputs[{index}]: must be a string, got {type(text).__name__}",
                        errors=[(f"inputs.{index}", "must be a string")],
                    )
        previous = resume_from.completed if isinstance(resume_from, EmbeddingBatchError) else resume_from
        self.completed: dict[int, list[float]] = dict(previous or {})
        self.template = template
        self.max_concurrency = max_concurrency
        self.max_retries = max_retries
        self.backoff = SharedBackoff(policy)
        self.read = [0]
        self.batches = plan_batches(
            inputs,
            batch_size=batch_size,
            max_batch_tokens=max_batch_tokens,
            skip=self.completed,
            counter=self.read,
        )
        self.prompt_tokens = 0
        self.total_tokens = 0
        self.model = ""
        self.error: MistralError | None = None
        self.progress = Progress(progress, total=self.total, desc="embeddings", unit="input")
        self.progress.update(len(self.completed))

    def next_batch(self) -> InputBatch | None:
        """The next batch to send, or ``None`` when done or stopped (reading a bad input stops the run)."""
        if self.error is not None:
            return None
        try:
            return next(self.batches, None)
        except InvalidRequestError as exc:
            self.error = exc
            return None

    def request(self, batch: InputBatch) -> APIRequest[EmbeddingResponse]:
        body = self.template.body
        assert body is not None
        return dataclasses.replace(self.template, body=body.model_copy(update={"input": batch.texts}))

    def record(self, batch: InputBatch, response: EmbeddingResponse) -> None:
        vectors = response.embeddings
        if len(vectors) != len(batch.texts):
            raise APIResponseValidationError(
                f"Expected {len(batch.texts)} embeddings in the response, got {len(vectors)}", field="data"
            )
        self.completed.update(zip(batch.indices, vectors, strict=True))
        self.prompt_tokens += response.usage.prompt_tokens or 0
        self.total_tokens += response.usage.total_tokens or 0
        self.model = self.model or response.model
        self.progress.update(len(self.completed), tokens=self.total_tokens)

    def fail(self, error: MistralError) -> None:
        if self.error is None:
            self.error = error
            logger.warning("create_many: a batch failed (%s); finishing the batches in flight", error)

    def result(self) -> EmbeddingBatchResult:
        if self.error is not None:
            self.progress.close()
            known = self.total if self.total is not None else self.read[0]
            failed = [i for i in range(known) if i not in self.completed]
            raise EmbeddingBatchError(
                f"{len(failed)} of {known} inputs not embedded ({type(self.error).__name__}: {self.error}); "
                "pass this error as create_many(..., resume_from=error) to embed only those",
                completed=self.completed,
                failed_indices=failed,
            ) from self.error
        count = len(self.completed)
        # The total is known now even for a generator: the bar shows it before it closes.
        self.progress.update(count, total=count, tokens=self.total_tokens)
        self.progress.close()
        from ..types.chat import UsageInfo

        usage = UsageInfo(
            prompt_tokens=self.prompt_tokens, completion_tokens=0, total_tokens=self.total_tokens
        )
        return EmbeddingBatchResult([self.completed[i] for i in range(count)], usage, self.model)


def _prepare(
    embeddings: Embeddings | AsyncEmbeddings, model: str, params: Mapping[str, Any]
) -> tuple[APIRequest[EmbeddingResponse], int, RetryPolicy]:
    """The validated request every batch is a copy of, the retries per batch, and the policy: the
    client's, else the backend's, else the default."""
    if "input" in params:
        raise InvalidRequestError(
            "input: create_many takes inputs=... (an iterable of texts)", errors=[("input", "use inputs=")]
        )
    template = embeddings._request(EMBEDDINGS_CREATE, {**params, "model": model, "input": [""]})
    options = template.options
    policy = options.retry_policy or embeddings._transport.retry_policy or RetryPolicy()
    # The batches' retries run here, with the shared backoff, not inside the backend.
    template = dataclasses.replace(template, options=dataclasses.replace(options, max_retries=0))
    return template, options.max_retries, policy


def create_many(
    embeddings: Embeddings,
    *,
    model: str,
    inputs: Iterable[str],
    batch_size: int,
    max_batch_tokens: int,
    max_concurrency: int,
    progress: ProgressArg,
    resume_from: EmbeddingBatchError | Mapping[int, list[float]] | None,
    params: Mapping[str, Any],
) -> EmbeddingBatchResult:
    template, max_retries, policy = _prepare(embeddings, model, params)
    run = _Run(
        template,
        inputs,
        batch_size=batch_size,
        max_batch_tokens=max_batch_tokens,
        max_concurrency=max_concurrency,
        max_retries=max_retries,
        policy=policy,
        progress=progress,
        resume_from=resume_from,
    )
    backend = embeddings._transport

    def embed(batch: InputBatch) -> EmbeddingResponse:
        request = run.request(batch)
        attempt = 0
        while True:
            pause = run.backoff.pause_left()
            if pause:
                time.sleep(pause)
            try:
                return backend.handle_request(request).parse()
            except MistralError as exc:
                attempt += 1
                if not run.backoff.should_retry(attempt, run.max_retries, exc):
                    raise
                assert isinstance(exc, APIError)
                time.sleep(run.backoff.retry_delay(attempt, exc))

    # Threads, not processes: the work is I/O (or a local backend that batches internally).
    executor = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="create_many")
    pending: dict[Future[EmbeddingResponse], InputBatch] = {}
    try:
        while True:
            # Read ahead only a little: a generator's texts are held just while their batch is in flight.
            while len(pending) < 2 * max_concurrency:
                batch = run.next_batch()
                if batch is None:
                    break
                # In the caller's context: each request's span is a child of the caller's current span.
                pending[executor.submit(contextvars.copy_context().run, embed, batch)] = batch
            if not pending:
                break
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                batch = pending.pop(future)
                try:
                    run.record(batch, future.result())
                except MistralError as exc:
                    run.fail(exc)
    except BaseException:
        run.progress.close()
        for future in pending:
            future.cancel()
        raise
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    return run.result()


async def async_create_many(
    embeddings: AsyncEmbeddings,
    *,
    model: str,
    inputs: Iterable[str],
    batch_size: int,
    max_batch_tokens: int,
    max_concurrency: int,
    progress: ProgressArg,
    resume_from: EmbeddingBatchError | Mapping[int, list[float]] | None,
    params: Mapping[str, Any],
) -> EmbeddingBatchResult:
    import anyio

    template, max_retries, policy = _prepare(embeddings, model, params)
    run = _Run(
        template,
        inputs,
        batch_size=batch_size,
        max_batch_tokens=max_batch_tokens,
        max_concurrency=max_concurrency,
        max_retries=max_retries,
        policy=policy,
        progress=progress,
        resume_from=resume_from,
    )
    backend = embeddings._transport
    slots = anyio.Semaphore(max_concurrency)

    async def embed(batch: InputBatch) -> None:
        try:
            request = run.request(batch)
            attempt = 0
            while True:
                pause = run.backoff.pause_left()
                if pause:
                    await anyio.sleep(pause)
                try:
                    response = (await backend.handle_async_request(request)).parse()
                    run.record(batch, response)
                    return
                except MistralError as exc:
                    attempt += 1
                    if not run.backoff.should_retry(attempt, run.max_retries, exc):
                        run.fail(exc)
                        return
                    assert isinstance(exc, APIError)
                    await anyio.sleep(run.backoff.retry_delay(attempt, exc))
        finally:
            slots.release()

    try:
        async with anyio.create_task_group() as tasks:
            while True:
                await slots.acquire()
                batch = run.next_batch()
                if batch is None:
                    slots.release()
                    break
                tasks.start_soon(embed, batch)
    except BaseException:
        run.progress.close()
        raise
    return run.result()
