"""``client.beta.libraries`` (and its ``documents`` and ``accesses``) end to end against a loopback server
that implements the Libraries API per the spec (tests/libraries_server.py: every query, JSON body and
multipart upload checked against the spec's schemas, every answer too); sync and async (asyncio and
trio); the FakeBackend and the local backend's refusal."""

from __future__ import annotations

import datetime
import io
import itertools
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mistral_client import (
    APIResponse,
    AsyncClient,
    Client,
    DocumentProcessingError,
    DocumentProcessingTimeoutError,
    InvalidRequestError,
    NotFoundError,
    UnsupportedOperationError,
)
from mistral_client.testing import FakeBackend
from mistral_client.types import (
    Document,
    DocumentTextContent,
    Library,
    ListDocumentsResponse,
    ListLibrariesResponse,
    ListSharingResponse,
    ProcessingStatus,
    Sharing,
)

from .libraries_server import LibrariesAPI
from .loopback import LoopbackServer
from .test_files_batch import _ReadSizes  # a non-seekable stream that records its reads

Serve = Callable[[Any], LoopbackServer]
USER = "0f8fad5b-d9cb-469f-a165-70867728950e"
FAST = 0.002  # poll interval: the tests wait milliseconds, not seconds


@pytest.fixture
def api() -> LibrariesAPI:
    return LibrariesAPI()


def test_libraries_documents_and_accesses(serve: Serve, api: LibrariesAPI, tmp_path: Path) -> None:
    server = serve(api)
    source = tmp_path / "notes.md"
    source.write_bytes(b"alpha beta\n" * 40_000)  # 440 kB
    with Client(api_key="k", base_url=server.url) as client:
        libraries = client.beta.libraries
        library = libraries.create(name="Handbook", description="HR", owner_type="User")
        assert isinstance(library, Library) and library.owner_type == "User" and library.nb_documents == 0
        assert isinstance(library.created_at, datetime.datetime)
        other = libraries.create(name="Other")
        page = libraries.list(page_size=1)
        assert isinstance(page, ListLibrariesResponse) and [lib.id for lib in page.data] == [library.id]
        rest = libraries.list(page_size=1, page_token=page.next_page_token)
        assert [lib.id for lib in rest.data] == [other.id] and rest.next_page_token is None
        assert api.calls[-1][2] == {"page_size": 1, "page_token": "1"}
        assert [lib.id for lib in libraries.list(search="hand").data] == [library.id]
        assert libraries.get(library_id=library.id).name == "Handbook"
        assert libraries.update(library_id=library.id, name="Handbook 2").name == "Handbook 2"
        assert api.calls[-1][3] == {"name": "Handbook 2"}  # the unset description is not sent

        documents = libraries.documents
        uploaded = documents.upload(library_id=library.id, file=source)
        assert isinstance(uploaded, Document) and (uploaded.name, uploaded.size) == ("notes.md", 440_000)
        assert api.contents[uploaded.id] == source.read_bytes()
        assert "content-length" in server.requests[-1].headers  # a file's length is sent up front
        stream = _ReadSizes(b"line\n" * 100_000)
        streamed = documents.upload(library_id=library.id, file=stream, filename="s.txt")  # type: ignore[arg-type]
        assert api.contents[streamed.id] == b"line\n" * 100_000
        assert max(stream.reads) < 500_000  # read in chunks, never whole
        from_bytes = documents.upload(library_id=library.id, file=b"one\ntwo\nthree", filename="n.txt")
        again = documents.upload(library_id=library.id, file=b"one\ntwo\nthree", filename="copy.txt")
        assert again.id == from_bytes.id  # the API answers 200 with the document it already has

        listing = documents.list(library_id=library.id, page_size=2, page=1, sort_by="name", sort_order="asc")
        assert isinstance(listing, ListDocumentsResponse)
        assert listing.pagination.total_items == 3 and [d.id for d in listing.data] == [from_bytes.id]
        assert documents.get(library_id=library.id, document_id=uploaded.id).id == uploaded.id
        expires = datetime.datetime(2031, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
        updated = documents.update(
            library_id=library.id,
            document_id=uploaded.id,
            name="renamed.md",
            attributes={"team": "hr", "year": 2025, "score": 0.5, "tags": ["a", "b"], "draft": False},
            expires_at=expires,
        )
        assert updated.name == "renamed.md" and updated.expires_at == expires
        assert updated.attributes == {
            "team": "hr",
            "year": 2025,
            "score": 0.5,
            "tags": ["a", "b"],
            "draft": False,
        }
        assert api.calls[-1][3]["expires_at"] == "2031-01-02T03:04:05Z"

        status = documents.status(library_id=library.id, document_id=from_bytes.id)
        assert (
            isinstance(status, ProcessingStatus) and status.process_status == "in_progress" and status.pending
        )
        processed = documents.wait_until_processed(
            library_id=library.id, document_id=from_bytes.id, timeout=5, poll_interval=FAST
        )
        assert isinstance(processed, Document) and processed.process_status == "done"
        assert processed.last_processed_at is not None
        text = documents.text_content(
            library_id=library.id, document_id=from_bytes.id, page_start=1, page_end=3
        )
        assert isinstance(text, DocumentTextContent) and text.text == "two\nthree"
        assert api.calls[-1][2] == {"page_start": 1, "page_end": 3}
        url = documents.get_signed_url(library_id=library.id, document_id=from_bytes.id)
        assert url == f"https://files.example/{from_bytes.id}?sig=1"
        extracted = documents.extracted_text_signed_url(library_id=library.id, document_id=from_bytes.id)
        assert extracted.endswith(".txt?sig=1")
        assert documents.reprocess(library_id=library.id, document_id=from_bytes.id) is None
        assert (
            documents.status(library_id=library.id, document_id=from_bytes.id).process_status == "in_progress"
        )

        accesses = libraries.accesses
        share = accesses.update_or_create(
            library_id=library.id, level="Editor", share_with_uuid=USER, share_with_type="User"
        )
        assert isinstance(share, Sharing) and (share.role, share.share_with_uuid) == ("Editor", USER)
        assert (
            accesses.update_or_create(
                library_id=library.id, level="Viewer", share_with_uuid=USER, share_with_type="User"
            ).role
            == "Viewer"
        )
        shared = accesses.list(library_id=library.id)
        assert isinstance(shared, ListSharingResponse) and [s.role for s in shared.data] == ["Viewer"]
        removed = accesses.delete(library_id=library.id, share_with_uuid=USER, share_with_type="User")
        assert removed is not None and removed.share_with_uuid == USER
        assert accesses.list(library_id=library.id).data == []

        assert documents.delete(library_id=library.id, document_id=streamed.id) is None
        with pytest.raises(NotFoundError):
            documents.get(library_id=library.id, document_id=streamed.id)
        deleted = libraries.delete(library_id=library.id)
        assert deleted is not None and deleted.id == library.id
        with pytest.raises(NotFoundError):
            libraries.get(library_id=library.id)


@pytest.mark.anyio
async def test_async_libraries(serve: Serve, api: LibrariesAPI, anyio_backend: str) -> None:
    server = serve(api)
    async with AsyncClient(api_key="k", base_url=server.url) as client:
        libraries = client.beta.libraries
        library = await libraries.create(name="Async")
        assert (await libraries.list()).data[0].id == library.id
        assert (await libraries.update(library_id=library.id, description="d")).description == "d"
        document = await libraries.documents.upload(
            library_id=library.id, file=io.BytesIO(b"abc def"), filename="a.txt"
        )
        assert api.contents[document.id] == b"abc def"
        processed = await libraries.documents.wait_until_processed(
            library_id=library.id, document_id=document.id, poll_interval=FAST
        )
        assert processed.process_status == "done" and processed.tokens_processing_total == 2
        assert (await libraries.documents.text_content(library_id=library.id, document_id=document.id)).text
        ids = {"library_id": library.id, "document_id": document.id}
        assert (await libraries.documents.get_signed_url(**ids)).startswith("https://files.example/")
        assert (await libraries.documents.extracted_text_signed_url(**ids)).endswith("sig=1")
        assert (await libraries.documents.status(**ids)).process_status == "done"
        assert (await libraries.documents.update(**ids, name="b.txt")).name == "b.txt"
        assert (await libraries.documents.list(library_id=library.id)).pagination.total_items == 1
        assert (await libraries.documents.get(**ids)).name == "b.txt"
        assert await libraries.documents.reprocess(**ids) is None
        await libraries.accesses.update_or_create(
            library_id=library.id, level="Viewer", share_with_uuid=USER, share_with_type="Workspace"
        )
        assert (await libraries.accesses.list(library_id=library.id)).data[0].share_with_type == "Workspace"
        assert await libraries.accesses.delete(
            library_id=library.id, share_with_uuid=USER, share_with_type="Workspace"
        )
        assert await libraries.documents.delete(**ids) is None
        assert (await libraries.get(library_id=library.id)).nb_documents == 0
        assert (await libraries.delete(library_id=library.id)) is not None


def test_deletes_answered_204_no_content_give_none(serve: Serve) -> None:
    """The spec announces 204 No Content for deleting a library or an access: both give None."""
    server = serve(LibrariesAPI(no_content_deletes=True))
    with Client(api_key="k", base_url=server.url) as client:
        library = client.beta.libraries.create(name="L")
        client.beta.libraries.accesses.update_or_create(
            library_id=library.id, level="Viewer", share_with_uuid=USER, share_with_type="Org"
        )
        assert (
            client.beta.libraries.accesses.delete(
                library_id=library.id, share_with_uuid=USER, share_with_type="Org"
            )
            is None
        )
        raw = client.beta.libraries.with_raw_response.delete(library_id=library.id)
        assert isinstance(raw, APIResponse) and raw.status_code == 204 and raw.parse() is None


def test_raw_responses(serve: Serve, api: LibrariesAPI) -> None:
    server = serve(api)
    with Client(api_key="k", base_url=server.url) as client:
        raw = client.beta.libraries.with_raw_response.create(name="Raw")
        assert raw.status_code == 201 and isinstance(raw.parse(), Library)
        library_id = raw.parse().id
        documents = client.beta.libraries.documents.with_raw_response
        uploaded = documents.upload(library_id=library_id, file=b"x", filename="x.txt")
        assert uploaded.status_code == 201
        ids = {"library_id": library_id, "document_id": uploaded.parse().id}
        url = documents.get_signed_url(**ids)
        assert url.status_code == 200 and url.parse().startswith("https://")
        deleted = documents.delete(**ids)
        assert deleted.status_code == 204 and deleted.parse() is None
        assert client.beta.libraries.accesses.with_raw_response.list(library_id=library_id).status_code == 200


def test_unknown_fields_and_statuses_are_kept(serve: Serve) -> None:
    """A server newer than the SDK: unknown fields on every object, and a processing status this SDK does
    not know (treated as still pending, so waiting goes on until a status it knows)."""
    api = LibrariesAPI(
        extra={"brand_new": {"a": 1}}, processing=["todo", "indexing_v2", "done"], check_answers=False
    )
    server = serve(api)
    with Client(api_key="k", base_url=server.url) as client:
        library = client.beta.libraries.create(name="L")
        assert library.model_extra == {"brand_new": {"a": 1}}
        document = client.beta.libraries.documents.upload(library_id=library.id, file=b"a", filename="a.txt")
        ids = {"library_id": library.id, "document_id": document.id}
        status = client.beta.libraries.documents.status(**ids)
        assert status.process_status == "indexing_v2" and status.pending and not status.failed
        assert status.model_extra == {"brand_new": {"a": 1}}
        done = client.beta.libraries.documents.wait_until_processed(**ids, poll_interval=FAST)
        assert done.process_status == "done" and done.model_extra == {"brand_new": {"a": 1}}
        assert [s for _, _, s in api.status_reads] == ["indexing_v2", "done"]


# --- wait_until_processed -----------------------------------------------------------------------


def _uploaded(client: Client) -> dict[str, str]:
    library = client.beta.libraries.create(name="W")
    document = client.beta.libraries.documents.upload(library_id=library.id, file=b"w", filename="w.txt")
    return {"library_id": library.id, "document_id": document.id}


def test_wait_backs_off_between_status_reads(serve: Serve) -> None:
    api = LibrariesAPI(processing=["todo"] + ["in_progress"] * 5 + ["done"])
    server = serve(api)
    with Client(api_key="k", base_url=server.url) as client:
        ids = _uploaded(client)
        document = client.beta.libraries.documents.wait_until_processed(**ids, poll_interval=0.01)
        assert document.process_status == "done"
    times = [t for t, _, _ in api.status_reads]
    assert len(times) == 6
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # 10 ms growing 1.5x per poll: the wait before the fifth read is about 34 ms.
    assert gaps[0] >= 0.009 and gaps[-1] >= 0.03 and sum(gaps) < 2


@pytest.mark.parametrize("failure", ["error", "missing_content"])
def test_wait_raises_when_processing_fails(serve: Serve, failure: str) -> None:
    server = serve(LibrariesAPI(processing=["todo", "in_progress", failure]))
    with Client(api_key="k", base_url=server.url) as client:
        ids = _uploaded(client)
        with pytest.raises(DocumentProcessingError) as info:
            client.beta.libraries.documents.wait_until_processed(**ids, poll_interval=FAST)
    error = info.value
    assert (error.library_id, error.document_id) == (ids["library_id"], ids["document_id"])
    assert error.status.process_status == failure and failure in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is DocumentProcessingError and copy.status.process_status == failure


def test_wait_times_out_with_the_last_status(serve: Serve) -> None:
    api = LibrariesAPI(processing=["todo", "waiting_for_capacity"])
    server = serve(api)
    with Client(api_key="k", base_url=server.url) as client:
        ids = _uploaded(client)
        started = time.monotonic()
        with pytest.raises(DocumentProcessingTimeoutError) as info:
            client.beta.libraries.documents.wait_until_processed(**ids, timeout=0.05, poll_interval=FAST)
        elapsed = time.monotonic() - started
    assert isinstance(info.value, TimeoutError)
    assert info.value.status.process_status == "waiting_for_capacity" and "0.05 s" in str(info.value)
    assert 0.05 <= elapsed < 1.0
    # The last read is at the deadline (2, 3, 4.5... ms apart: a read at 41 ms, a shorter sleep, a read
    # at 50 ms), not given up one interval short of it.
    assert api.status_reads[-1][0] - started >= 0.045
    with Client(api_key="k", base_url=server.url) as client, pytest.raises(DocumentProcessingTimeoutError):
        client.beta.libraries.documents.wait_until_processed(**ids, timeout=0)  # one read, no sleep


@pytest.mark.anyio
async def test_async_wait_failure_and_timeout(serve: Serve, anyio_backend: str) -> None:
    failing = serve(LibrariesAPI(processing=["todo", "error"]))
    stuck = serve(LibrariesAPI(processing=["in_progress"]))
    for server, error in ((failing, DocumentProcessingError), (stuck, DocumentProcessingTimeoutError)):
        async with AsyncClient(api_key="k", base_url=server.url) as client:
            library = await client.beta.libraries.create(name="W")
            document = await client.beta.libraries.documents.upload(
                library_id=library.id, file=b"w", filename="w.txt"
            )
            with pytest.raises(error):
                await client.beta.libraries.documents.wait_until_processed(
                    library_id=library.id, document_id=document.id, timeout=0.05, poll_interval=FAST
                )


def test_wait_arguments_are_checked_before_anything_is_sent(serve: Serve, api: LibrariesAPI) -> None:
    server = serve(api)
    with Client(api_key="k", base_url=server.url) as client:
        documents = client.beta.libraries.documents
        with pytest.raises(InvalidRequestError, match="poll_interval"):
            documents.wait_until_processed(library_id="l", document_id="d", poll_interval=0)
        with pytest.raises(InvalidRequestError, match="timeout"):
            documents.wait_until_processed(library_id="l", document_id="d", timeout=-1)
        with pytest.raises(InvalidRequestError, match="timeout"):
            documents.wait_until_processed(library_id="l", document_id="d", timeout=True)
    assert server.requests == []


# --- validation ---------------------------------------------------------------------------------


def test_bad_arguments_fail_before_anything_is_sent(serve: Serve, api: LibrariesAPI, tmp_path: Path) -> None:
    server = serve(api)
    with Client(api_key="k", base_url=server.url) as client:
        libraries = client.beta.libraries
        cases: list[tuple[str, Callable[[], Any]]] = [
            ("page_size", lambda: libraries.list(page_size=101)),
            ("page_size", lambda: libraries.documents.list(library_id="l", page_size=0)),
            ("name", lambda: libraries.create(name=7)),  # type: ignore[arg-type]
            ("owner_type", lambda: libraries.create(name="n", owner_type="Team")),  # type: ignore[arg-type]
            ("chunk_size", lambda: libraries.create(name="n", chunk_size=10)),
            ("library_id", lambda: libraries.get(library_id="")),
            ("document_id", lambda: libraries.documents.status(library_id="l", document_id="")),
            (
                "attributes",
                lambda: libraries.documents.update(
                    library_id="l",
                    document_id="d",
                    attributes={"x": {"nested": 1}},  # type: ignore[dict-item]
                ),
            ),
            (
                "level",
                lambda: libraries.accesses.update_or_create(
                    library_id="l",
                    level="Owner",
                    share_with_uuid=USER,
                    share_with_type="User",  # type: ignore[arg-type]
                ),
            ),
            (
                "share_with_type",
                lambda: libraries.accesses.delete(
                    library_id="l",
                    share_with_uuid=USER,
                    share_with_type="Team",  # type: ignore[arg-type]
                ),
            ),
            ("file", lambda: libraries.documents.upload(library_id="l", file=42)),  # type: ignore[arg-type]
        ]
        for field, call in cases:
            with pytest.raises(InvalidRequestError, match=field):
                call()
        with (
            (tmp_path / "t.txt").open("w+", encoding="utf-8") as text_file,
            pytest.raises(InvalidRequestError, match="binary"),
        ):
            libraries.documents.upload(library_id="l", file=text_file)  # type: ignore[arg-type]
    assert server.requests == []


# --- offline: the FakeBackend, the local backend ------------------------------------------------

LIBRARY = {
    "id": "lib-1",
    "name": "Handbook",
    "created_at": "2025-01-01T00:00:00Z",
    "updated_at": "2025-01-01T00:00:00Z",
    "owner_id": None,
    "owner_type": "Workspace",
    "total_size": 0,
    "nb_documents": 0,
    "chunk_size": None,
}


def test_fake_backend_answers_and_records_library_calls() -> None:
    fake = FakeBackend()
    client = Client(backend=fake)
    fake.add_response(LIBRARY)
    fake.add_response(Library.model_validate(LIBRARY))
    fake.add_response({"document_id": "doc-1", "process_status": "done", "processing_status": "done"})
    fake.add_response("https://signed.example/doc-1")
    fake.add_response({})  # an operation answering 204 No Content takes any body
    assert client.beta.libraries.create(name="Handbook").id == "lib-1"
    assert client.beta.libraries.update(library_id="lib-1", description="HR").name == "Handbook"
    assert (
        client.beta.libraries.documents.status(library_id="lib-1", document_id="doc-1").process_status
        == "done"
    )
    assert client.beta.libraries.documents.get_signed_url(library_id="lib-1", document_id="doc-1").startswith(
        "https://signed.example/"
    )
    assert client.beta.libraries.documents.delete(library_id="lib-1", document_id="doc-1") is None
    assert [r.operation for r in fake.requests] == [
        "beta.libraries.create",
        "beta.libraries.update",
        "beta.libraries.documents.status",
        "beta.libraries.documents.get_signed_url",
        "beta.libraries.documents.delete",
    ]
    assert fake.requests[0].params == {"name": "Handbook"}
    assert fake.requests[1].params == {"library_id": "lib-1", "description": "HR"}
    assert fake.requests[2].params == {"library_id": "lib-1", "document_id": "doc-1"}


@pytest.mark.anyio
async def test_fake_backend_upload_and_wait(anyio_backend: str) -> None:
    statuses = iter(["todo", "in_progress", "done"])

    def responder(request: Any) -> Any:
        if request.operation == "beta.libraries.documents.status":
            status = next(statuses)
            return {"document_id": "doc-1", "process_status": status, "processing_status": status}
        return {
            "id": "doc-1",
            "library_id": "lib-1",
            "hash": None,
            "mime_type": "text/plain",
            "extension": "txt",
            "size": 3,
            "name": request.params.get("filename", "a.txt"),
            "created_at": "2025-01-01T00:00:00Z",
            "process_status": "done",
            "uploaded_by_id": None,
            "uploaded_by_type": "User",
            "processing_status": "done",
            "tokens_processing_total": 1,
        }

    fake = FakeBackend(responder)
    client = AsyncClient(backend=fake)
    documents = client.beta.libraries.documents
    uploaded = await documents.upload(library_id="lib-1", file=b"abc", filename="notes.txt")
    assert uploaded.name == "notes.txt"
    assert fake.requests[0].params == {"library_id": "lib-1", "filename": "notes.txt"}
    await documents.wait_until_processed(library_id="lib-1", document_id="doc-1", poll_interval=FAST)
    assert [r.operation for r in fake.requests].count("beta.libraries.documents.status") == 3
    assert fake.requests[-1].operation == "beta.libraries.documents.get"


def test_the_local_backend_refuses_every_library_operation(tmp_path: Path) -> None:
    from mistral_client.local import LocalBackend

    client = Client(backend=LocalBackend(tmp_path))
    libraries = client.beta.libraries
    ids = {"library_id": "l", "document_id": "d"}
    calls: list[Callable[[], Any]] = [
        lambda: libraries.create(name="n"),
        lambda: libraries.list(),
        lambda: libraries.get(library_id="l"),
        lambda: libraries.update(library_id="l", name="n"),
        lambda: libraries.delete(library_id="l"),
        lambda: libraries.documents.upload(library_id="l", file=b"x"),
        lambda: libraries.documents.list(library_id="l"),
        lambda: libraries.documents.get(**ids),
        lambda: libraries.documents.update(**ids, name="n"),
        lambda: libraries.documents.delete(**ids),
        lambda: libraries.documents.text_content(**ids),
        lambda: libraries.documents.status(**ids),
        lambda: libraries.documents.get_signed_url(**ids),
        lambda: libraries.documents.extracted_text_signed_url(**ids),
        lambda: libraries.documents.reprocess(**ids),
        lambda: libraries.documents.wait_until_processed(**ids),
        lambda: libraries.accesses.list(library_id="l"),
        lambda: libraries.accesses.update_or_create(
            library_id="l", level="Viewer", share_with_uuid=USER, share_with_type="User"
        ),
        lambda: libraries.accesses.delete(library_id="l", share_with_uuid=USER, share_with_type="User"),
    ]
    refused = []
    for call in calls:
        with pytest.raises(UnsupportedOperationError) as info:
            call()
        assert "LocalBackend" in str(info.value)
        refused.append(info.value.operation)
    from mistral_client._endpoints import libraries as records

    every = {value.name for value in vars(records).values() if isinstance(value, records.Endpoint)}
    assert set(refused) == every


def test_an_odd_value_where_the_caller_does_not_look_keeps_the_document(serve: Serve) -> None:
    document = {
        "id": "d",
        "library_id": "l",
        "hash": None,
        "mime_type": None,
        "extension": None,
        "size": None,
        "name": "a.txt",
        "created_at": "2025-01-01T00:00:00Z",
        "process_status": "done",
        "uploaded_by_id": None,
        "uploaded_by_type": "User",
        "processing_status": "done",
        "tokens_processing_total": 3,
        "number_of_pages": "many",
    }
    server = serve(lambda request, conn: conn.respond_json(200, document))
    with Client(api_key="k", base_url=server.url) as client:
        parsed = client.beta.libraries.documents.get(library_id="l", document_id="d")
    assert parsed.name == "a.txt" and parsed.number_of_pages is None
    assert parsed.model_extra == {"number_of_pages": "many"}
