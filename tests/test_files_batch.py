"""The Files and Batch APIs, and ``batch.start`` / ``run`` / ``resume`` end to end against a loopback
server that implements them per the spec (tests/bulk_server.py); sync and async (asyncio and trio)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mistral_client import (
    APIRequest,
    APIResponse,
    AsyncBackend,
    AsyncClient,
    AsyncStreamResponse,
    Backend,
    BatchJobError,
    BatchRunResult,
    Client,
    InvalidRequestError,
    NotFoundError,
    ProgressEvent,
    StreamResponse,
)
from mistral_client.types.batch import BatchJob
from mistral_client.types.chat import ChatCompletionResponse
from mistral_client.types.embeddings import EmbeddingResponse
from mistral_client.types.files import CreateFileResponse, GetFileResponse, ListFilesResponse

from .bulk_server import BulkAPI, parse_multipart, vector
from .conftest import SpecValidator
from .loopback import LoopbackServer

Serve = Callable[[Any], LoopbackServer]
POLL = 0.005


@pytest.fixture
def api(validate_request: SpecValidator) -> BulkAPI:
    return BulkAPI(validate=validate_request)


def chats(n: int) -> list[dict[str, Any]]:
    return [{"messages": [{"role": "user", "content": f"q{i}"}], "max_tokens": 5} for i in range(n)]


def answers(result: BatchRunResult[Any]) -> list[str | None]:
    return [item.response.text if item.response else None for item in result.items]


class _ReadSizes(io.RawIOBase):
    """A non-seekable binary stream that records how much each read asked for."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.reads: list[int] = []

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.reads.append(size)
        return self._data.read(size)


# --- files --------------------------------------------------------------------------------------


def test_files_upload_list_retrieve_download_delete(serve: Serve, api: BulkAPI, tmp_path: Path) -> None:
    server = serve(api)
    source = tmp_path / "input.jsonl"
    source.write_bytes(b'{"a": 1}\n' * 50_000)  # 450 kB
    with Client(api_key="k", base_url=server.url) as client:
        uploaded = client.files.upload(file=source, purpose="batch")
        assert isinstance(uploaded, CreateFileResponse)
        assert (uploaded.filename, uploaded.purpose, uploaded.bytes) == ("input.jsonl", "batch", 450_000)
        fields, (_, content) = parse_multipart(server.requests[-1])
        assert fields == {"purpose": "batch"} and content == source.read_bytes()
        assert "content-length" in server.requests[-1].headers  # a file's length is sent up front

        stream = _ReadSizes(b"line\n" * 100_000)
        from_stream = client.files.upload(file=stream, filename="s.jsonl")  # type: ignore[arg-type]
        assert api.contents[from_stream.id] == b"line\n" * 100_000
        assert max(stream.reads) < 500_000  # read in chunks, never whole
        from_bytes = client.files.upload(file=b"raw", filename="r.txt", purpose="ocr", visibility="user")
        assert parse_multipart(server.requests[-1])[0] == {"purpose": "ocr", "visibility": "user"}

        listing = client.files.list(purpose="batch", page_size=10, sample_type=["batch_request"])
        assert isinstance(listing, ListFilesResponse) and listing.total == 3
        assert "sample_type=batch_request" in server.requests[-1].path
        retrieved = client.files.retrieve(uploaded.id)
        assert isinstance(retrieved, GetFileResponse) and retrieved.deleted is False
        assert client.files.download(from_bytes.id) == b"raw"
        target = tmp_path / "copy.jsonl"
        assert client.files.download_to(uploaded.id, target) == 450_000
        assert target.read_bytes() == source.read_bytes()
        assert client.files.url(uploaded.id, expiry=2).startswith("https://files.example/")
        assert "expiry=2" in server.requests[-1].path
        assert client.files.delete(uploaded.id).deleted
        with pytest.raises(NotFoundError):
            client.files.download_to(uploaded.id, tmp_path / "gone.jsonl")
        assert not (tmp_path / "gone.jsonl").exists() and not (tmp_path / "gone.jsonl.part").exists()
        sent = len(server.requests)
        with pytest.raises(InvalidRequestError, match="purpose"):
            client.files.upload(file=b"x", purpose="nope")  # type: ignore[arg-type]
        with source.open(encoding="utf-8") as text_file, pytest.raises(InvalidRequestError, match="binary"):
            client.files.upload(file=text_file, purpose="batch")  # type: ignore[arg-type]
        with pytest.raises(InvalidRequestError, match="expiry"):
            client.files.url(uploaded.id, expiry=500)
        with pytest.raises(InvalidRequestError, match="file_id"):
            client.files.retrieve("")
        assert len(server.requests) == sent


@pytest.mark.anyio
async def test_async_files(serve: Serve, api: BulkAPI, tmp_path: Path, anyio_backend: str) -> None:
    server = serve(api)
    async with AsyncClient(api_key="k", base_url=server.url) as client:
        uploaded = await client.files.upload(
            file=io.BytesIO(b"abc" * 1000), filename="a.bin", purpose="batch"
        )
        assert (await client.files.retrieve(uploaded.id)).bytes == 3000
        assert await client.files.download(uploaded.id) == b"abc" * 1000
        assert await client.files.download_to(uploaded.id, tmp_path / "a.bin") == 3000
        assert (tmp_path / "a.bin").read_bytes() == b"abc" * 1000
        assert (await client.files.list()).data[0].id == uploaded.id
        assert (await client.files.url(uploaded.id)).endswith("sig=1")
        assert (await client.files.delete(uploaded.id)).deleted


# --- batch jobs ---------------------------------------------------------------------------------


def test_batch_jobs_endpoints(serve: Serve, api: BulkAPI) -> None:
    server = serve(api)
    with Client(api_key="k", base_url=server.url) as client:
        requests = [{"custom_id": "a", "body": {"input": ["x"]}}]
        job = client.batch.jobs.create(
            endpoint="/v1/embeddings", model="mistral-embed", requests=requests, metadata={"run": "1"}
        )
        assert isinstance(job, BatchJob) and job.status == "QUEUED" and job.total_requests == 1
        assert client.batch.jobs.get(job.id).status == "RUNNING"
        listing = client.batch.jobs.list(status=["RUNNING", "QUEUED"], created_by_me=True, page=0)
        assert listing.total == 1 and listing.data[0].id == job.id
        assert "status=RUNNING&status=QUEUED" in server.requests[-1].path
        assert "created_by_me=true" in server.requests[-1].path
        assert client.batch.jobs.cancel(job.id).status == "CANCELLATION_REQUESTED"
        assert client.batch.jobs.get(job.id).status == "CANCELLED"
        sent = len(server.requests)
        with pytest.raises(InvalidRequestError, match="timeout_hours"):
            client.batch.jobs.create(endpoint="/v1/embeddings", requests=requests, timeout_hours=500)
        with pytest.raises(InvalidRequestError, match="endpoint"):
            client.batch.jobs.create(endpoint="/v1/nope", requests=requests)  # type: ignore[arg-type]
        with pytest.raises(InvalidRequestError, match="input_files or requests"):
            client.batch.jobs.create(endpoint="/v1/embeddings")
        with pytest.raises(InvalidRequestError, match="status"):
            client.batch.jobs.list(status=["DONE"])  # type: ignore[list-item]
        assert len(server.requests) == sent


# --- batch.run ----------------------------------------------------------------------------------


def test_run_inline_gives_typed_items_in_input_order(
    serve: Serve, api: BulkAPI, caplog: pytest.LogCaptureFixture
) -> None:
    api.running_polls = 2
    server = serve(api)
    requests = [*chats(6), {"messages": [{"role": "user", "content": "fail"}]}, *chats(2)]
    events: list[ProgressEvent] = []
    with (
        caplog.at_level(logging.INFO, logger="mistral_client"),
        Client(api_key="k", base_url=server.url) as client,
    ):
        result = client.batch.run(
            endpoint="/v1/chat/completions",
            model="mistral-small-latest",
            requests=requests,
            poll_interval=POLL,
            progress=events.append,
        )
    assert result.job.status == "SUCCESS"
    assert [item.custom_id for item in result.items] == [str(i) for i in range(9)]
    assert answers(result) == [*(f"re: q{i}" for i in range(6)), None, "re: q0", "re: q1"]
    assert all(isinstance(r, ChatCompletionResponse) for r in result.responses) and len(result.responses) == 8
    failed = result.items[6].error
    assert failed is not None and failed.message == "refused: fail" and failed.status_code == 400
    create = json.loads(next(r.body for r in server.requests if r.path == "/v1/batch/jobs"))
    assert create["model"] == "mistral-small-latest" and len(create["requests"]) == 9
    assert "model" not in create["requests"][0]["body"]
    # The job id is logged once the job exists, before the first poll.
    created = next(r for r in caplog.records if "created" in r.getMessage())
    assert result.job.id in created.getMessage()
    assert events[-1].done == events[-1].total == 9 and events[-1].failed == 1


def test_run_over_the_inline_limit_uploads_a_jsonl_file(serve: Serve, api: BulkAPI) -> None:
    server = serve(api)
    requests = ({"input": [str(i)]} for i in range(7))  # a generator
    with Client(api_key="k", base_url=server.url) as client:
        result = client.batch.run(
            endpoint="/v1/embeddings",
            model="mistral-embed",
            requests=requests,
            custom_ids=[f"doc-{i}" for i in range(7)],
            inline_limit=3,
            poll_interval=POLL,
        )
    upload = next(r for r in server.requests if r.path == "/v1/files")
    fields, (filename, content) = parse_multipart(upload)
    assert fields == {"purpose": "batch"} and filename.endswith(".jsonl")
    lines = [json.loads(line) for line in content.decode().splitlines()]
    assert [line["custom_id"] for line in lines] == [f"doc-{i}" for i in range(7)]
    assert result.job.input_files and [item.custom_id for item in result.items] == [
        f"doc-{i}" for i in range(7)
    ]
    assert all(isinstance(r, EmbeddingResponse) for r in result.responses)
    assert [r.embeddings[0] for r in result.responses] == [vector(str(i)) for i in range(7)]


def test_every_request_is_checked_before_anything_is_sent(serve: Serve, api: BulkAPI) -> None:
    server = serve(api)
    with Client(api_key="k", base_url=server.url) as client:
        with pytest.raises(InvalidRequestError, match=r"requests\.1\.temperature") as caught:
            client.batch.start(
                endpoint="/v1/chat/completions",
                model="mistral-small-latest",
                requests=[chats(1)[0], {"messages": [{"role": "user", "content": "x"}], "temperature": 9}],
            )
        assert caught.value.errors[0][0] == "requests.1.temperature"
        with pytest.raises(InvalidRequestError, match="per-call options"):
            client.batch.start(
                endpoint="/v1/chat/completions", model="m", requests=[{**chats(1)[0], "timeout": 3}]
            )
        with pytest.raises(InvalidRequestError, match="endpoint"):
            client.batch.start(endpoint="/v1/models", model="m", requests=chats(1))
        with pytest.raises(InvalidRequestError, match="custom_ids"):
            client.batch.start(
                endpoint="/v1/chat/completions", model="m", requests=chats(2), custom_ids=["a", "a"]
            )
        with pytest.raises(InvalidRequestError, match="inline_limit"):
            client.batch.start(
                endpoint="/v1/chat/completions", model="m", requests=chats(2), inline_limit=20_000
            )
    assert server.requests == []


@pytest.mark.parametrize("outcome", ["FAILED", "CANCELLED", "TIMEOUT_EXCEEDED"])
def test_a_job_that_does_not_succeed_raises_with_what_finished(
    serve: Serve, api: BulkAPI, outcome: str
) -> None:
    api.outcomes = [outcome]
    server = serve(api)
    with Client(api_key="k", base_url=server.url) as client, pytest.raises(BatchJobError) as caught:
        client.batch.run(
            endpoint="/v1/fim/completions",
            model="codestral-latest",
            requests=[{"prompt": f"p{i}"} for i in range(6)],
            inline_limit=0,  # through files: output and error files
            poll_interval=POLL,
        )
    error = caught.value
    assert error.job.status == outcome and outcome in str(error)
    assert [item.custom_id for item in error.items] == ["0", "1", "2"]
    assert [item.response.text for item in error.items if item.response] == ["<p0>", "<p1>", "<p2>"]


def test_resume_after_a_crash_gives_the_same_result(serve: Serve, api: BulkAPI) -> None:
    api.running_polls = 3
    server = serve(api)
    with Client(api_key="k", base_url=server.url) as client:
        handle = client.batch.start(endpoint="/v1/chat/completions", model="m", requests=chats(12))
        job_id = handle.job_id
        assert client.batch.jobs.get(job_id).status == "RUNNING"
    del handle  # the process that started it is gone
    with Client(api_key="k", base_url=server.url) as fresh:
        result = fresh.batch.resume(job_id, poll_interval=POLL)
    assert result.job.id == job_id and result.job.status == "SUCCESS"
    assert answers(result) == [f"re: q{i}" for i in range(12)]  # input order, from the default ids


def test_interrupt_leaves_the_job_running_unless_asked_to_cancel(serve: Serve, api: BulkAPI) -> None:
    api.running_polls = 50
    server = serve(api)

    def interrupt(event: ProgressEvent) -> None:
        if event.elapsed > 0.02:
            raise KeyboardInterrupt

    with Client(api_key="k", base_url=server.url) as client:
        handle = client.batch.start(endpoint="/v1/chat/completions", model="m", requests=chats(2))
        with pytest.raises(KeyboardInterrupt):
            handle.wait(poll_interval=POLL, progress=interrupt)
        assert api.cancels == [] and client.batch.jobs.get(handle.job_id).status == "RUNNING"
        with pytest.raises(KeyboardInterrupt):
            handle.wait(poll_interval=POLL, progress=interrupt, cancel_on_interrupt=True)
        assert api.cancels == [handle.job_id]
        with pytest.raises(BatchJobError, match="CANCELLED"):
            handle.wait(poll_interval=POLL)


def test_wait_gives_up_after_its_timeout(serve: Serve, api: BulkAPI) -> None:
    api.running_polls = 10_000
    server = serve(api)
    with Client(api_key="k", base_url=server.url) as client:
        handle = client.batch.start(endpoint="/v1/chat/completions", model="m", requests=chats(1))
        with pytest.raises(TimeoutError, match=handle.job_id):
            handle.wait(poll_interval=POLL, timeout=0.05)
    polls = [r for r in server.requests if r.method == "GET"]
    assert 2 <= len(polls) < 20  # polled, with backoff


@pytest.mark.anyio
async def test_async_run_resume_and_failure(serve: Serve, api: BulkAPI, anyio_backend: str) -> None:
    server = serve(api)
    async with AsyncClient(api_key="k", base_url=server.url) as client:
        result = await client.batch.run(
            endpoint="/v1/chat/completions", model="m", requests=chats(5), poll_interval=POLL
        )
        assert answers(result) == [f"re: q{i}" for i in range(5)]
        handle = await client.batch.start(
            endpoint="/v1/embeddings", model="mistral-embed", requests=[{"input": "a"}] * 4, inline_limit=1
        )
        resumed = await client.batch.resume(handle.job_id, poll_interval=POLL)
        assert len(resumed.responses) == 4 and resumed.job.output_file
        api.outcomes = ["FAILED"]
        with pytest.raises(BatchJobError) as caught:
            await client.batch.run(
                endpoint="/v1/chat/completions", model="m", requests=chats(4), poll_interval=POLL
            )
        assert caught.value.job.status == "FAILED" and len(caught.value.items) == 2


# --- in-process (a backend that is not HTTP, like the local backend) --------------------------------


class _InProcess(Backend):
    def __init__(self) -> None:
        self.operations: list[str] = []

    def handle_request(self, request: APIRequest[Any]) -> APIResponse[Any]:
        from .loopback import chat_response

        self.operations.append(request.operation)
        content = request.body.messages[-1].content  # type: ignore[union-attr]
        if content == "fail":
            raise InvalidRequestError("the local model refuses", errors=[])
        return APIResponse(lambda: request.parse(json.dumps(chat_response(f"local: {content}"))))

    def handle_stream(self, request: APIRequest[Any]) -> StreamResponse[Any]:
        raise NotImplementedError


def test_run_in_process_on_a_non_http_backend() -> None:
    backend = _InProcess()
    client = Client(backend=backend)
    requests = [*chats(10), {"messages": [{"role": "user", "content": "fail"}]}]
    handle = client.batch.start(endpoint="/v1/chat/completions", model="local", requests=requests)
    assert handle.job_id.startswith("local-") and backend.operations == []  # nothing ran yet
    result = handle.wait()
    assert result.job.status == "SUCCESS" and result.job.failed_requests == 1
    assert answers(result) == [*(f"local: q{i}" for i in range(10)), None]
    assert backend.operations == ["chat.complete"] * 11
    assert client.batch.resume(handle.job_id).items == result.items
    from mistral_client import MistralError

    with pytest.raises(MistralError, match="in this process"):
        client.batch.resume("local-unknown")


class _AsyncInProcess(AsyncBackend):
    def __init__(self) -> None:
        self.sync = _InProcess()

    async def handle_async_request(self, request: APIRequest[Any]) -> APIResponse[Any]:
        return self.sync.handle_request(request)

    async def handle_async_stream(self, request: APIRequest[Any]) -> AsyncStreamResponse[Any]:
        raise NotImplementedError


@pytest.mark.anyio
async def test_async_run_in_process(anyio_backend: str) -> None:
    client = AsyncClient(backend=_AsyncInProcess())
    result = await client.batch.run(endpoint="/v1/chat/completions", model="local", requests=chats(20))
    assert result.job.id.startswith("local-") and answers(result) == [f"local: q{i}" for i in range(20)]


@pytest.mark.anyio
async def test_async_cancellation_cancels_the_job_only_when_asked(
    serve: Serve, api: BulkAPI, anyio_backend: str
) -> None:
    import anyio

    api.running_polls = 10_000
    server = serve(api)
    async with AsyncClient(api_key="k", base_url=server.url) as client:
        handle = await client.batch.start(endpoint="/v1/chat/completions", model="m", requests=chats(2))
        with anyio.move_on_after(0.05):
            await handle.wait(poll_interval=POLL)
        assert api.cancels == []
        with anyio.move_on_after(0.05):
            await handle.wait(poll_interval=POLL, cancel_on_interrupt=True)
        assert api.cancels == [handle.job_id]
