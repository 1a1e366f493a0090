"""A loopback mock of the Libraries API (``/v1/libraries...``), per the spec, for tests and examples.

It keeps libraries, documents and shares in memory. Every request is checked against the spec's
operation: the path, the query parameters (names and values, by their schemas), the JSON body (by its
request schema) and the multipart upload (one ``file`` part, nothing else). Every answer it sends is
checked against the operation's response schema first, so the tests' documents are ones the spec allows.

A document's processing goes through ``processing`` (one status per status read, the last one
repeated): ``todo``, ``in_progress``, then ``done`` by default.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

import jsonschema

from .conftest import SpecValidator, load_spec
from .loopback import Conn, Request

#: The spec says ``SharingDelete`` requires ``level``, a property it does not define (nor does the
#: official SDK send it): the body is checked against the schema without that requirement.
_PHANTOM_REQUIRED = {"SharingDelete": {"level"}}


def _spec() -> dict[str, Any]:
    return load_spec()


@functools.cache
def _checked_schemas() -> dict[str, Any]:
    """The spec's components, less the phantom requirements (a copy: the spec is shared)."""
    components = _spec()["components"]
    schemas = dict(components["schemas"])
    for name, phantom in _PHANTOM_REQUIRED.items():
        schemas[name] = {
            **schemas[name],
            "required": [r for r in schemas[name]["required"] if r not in phantom],
        }
    return {"components": {**components, "schemas": schemas}}


@functools.cache
def _operations() -> list[tuple[re.Pattern[str], str, str]]:
    """(path regex, method, template) of every ``/v1/libraries`` operation of the spec."""
    out = []
    for template, item in _spec()["paths"].items():
        if template.startswith("/v1/libraries"):
            pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")
            out.extend((pattern, method.upper(), template) for method in item if method != "parameters")
    return out


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")


def _query_value(raw: str, schema: dict[str, Any]) -> Any:
    """A query string value as the JSON value its schema describes."""
    types = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
    if "integer" in types and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if "boolean" in types and raw in ("true", "false"):
        return raw == "true"
    return raw


@dataclass
class LibrariesAPI:
    """The server's state and handler: pass the instance to the ``serve`` fixture (or a LoopbackServer)."""

    #: Statuses a document's successive status reads return (the last one repeats).
    processing: list[str] = field(default_factory=lambda: ["todo", "in_progress", "done"])
    #: Unknown fields added to every object answered (a server newer than the SDK).
    extra: dict[str, Any] = field(default_factory=dict)
    #: Answer deletions with 204 No Content, as the spec announces for a future version.
    no_content_deletes: bool = False
    #: Check each answer against its response schema (off to send what a newer server would: a
    #: status value the spec does not list yet).
    check_answers: bool = True
    libraries: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)
    shares: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: (monotonic time, document id, status) of every status read.
    status_reads: list[tuple[float, str, str]] = field(default_factory=list)
    #: (method, template, query, body) of every request, after its checks.
    calls: list[tuple[str, str, dict[str, Any], Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._reads: dict[str, int] = {}

    @functools.cached_property
    def _validate(self) -> SpecValidator:
        return SpecValidator(_checked_schemas())  # on the first request: the spec takes seconds to read

    # --- checks against the spec -------------------------------------------------------------------

    def _operation(self, method: str, path: str) -> tuple[str, dict[str, str], dict[str, Any]]:
        for pattern, op_method, template in _operations():
            match = pattern.match(path)
            if match and op_method == method:
                operation = _spec()["paths"][template][method.lower()]
                return template, {k: unquote(v) for k, v in match.groupdict().items()}, operation
        raise AssertionError(f"no operation {method} {path} in the spec")

    def _check_query(self, operation: dict[str, Any], query: str) -> dict[str, Any]:
        declared = {p["name"]: p["schema"] for p in operation.get("parameters", []) if p["in"] == "query"}
        values: dict[str, Any] = {}
        for name, raw in parse_qsl(query, keep_blank_values=True):
            assert name in declared, f"query parameter {name!r} is not in the spec: {sorted(declared)}"
            values[name] = _query_value(raw, declared[name])
            jsonschema.validate(values[name], declared[name])
        return values

    def _check_body(self, request: Request, operation: dict[str, Any]) -> Any:
        content = (operation.get("requestBody") or {}).get("content", {})
        if not content:
            assert not request.body, f"{operation['operationId']} takes no body, got {request.body[:80]!r}"
            return None
        if "application/json" in content:
            assert request.headers.get("content-type") == "application/json", request.headers
            body = request.json()
            name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            self._validate(name, body)
            defined = _spec()["components"]["schemas"][name]["properties"]
            assert set(body) <= set(defined), (
                f"{name}: fields the spec does not define: {set(body) - set(defined)}"
            )
            return body
        schema = content["multipart/form-data"]["schema"]
        parts = _multipart(request)
        assert set(parts) == set(schema["properties"]) >= set(schema["required"]), sorted(parts)
        return parts

    def _answer(self, conn: Conn, operation: dict[str, Any], status: int, document: Any = None) -> None:
        response = operation["responses"][str(status)]
        if "content" not in response:
            assert document is None
            return conn.respond(status, b"")
        if self.check_answers:
            schema = {
                **response["content"]["application/json"]["schema"],
                "components": _spec()["components"],
            }
            jsonschema.Draft202012Validator(schema).validate(document)
        conn.respond_json(status, document)

    # --- dispatch ----------------------------------------------------------------------------------

    def __call__(self, request: Request, conn: Conn) -> None:
        path, _, query = request.path.partition("?")
        template, ids, operation = self._operation(request.method, path)
        params = self._check_query(operation, query)
        body = self._check_body(request, operation)
        with self._lock:
            self.calls.append((request.method, template, params, body))
            library = self.libraries.get(ids.get("library_id", ""))
            document = self.documents.get(ids.get("document_id", ""))
            if "library_id" in ids and library is None:
                return conn.respond_json(404, {"message": f"No library {ids['library_id']}"})
            if "document_id" in ids and (document is None or document["library_id"] != ids["library_id"]):
                return conn.respond_json(404, {"message": f"No document {ids['document_id']}"})
            status, answer = getattr(self, operation["operationId"])(params, body, library, document)
        self._answer(conn, operation, status, answer)

    def _out(self, obj: dict[str, Any]) -> dict[str, Any]:
        return {**obj, **self.extra}

    # --- libraries ---------------------------------------------------------------------------------

    def libraries_list_v1(self, params: dict[str, Any], body: Any, *_: Any) -> tuple[int, Any]:
        found = [v for v in self.libraries.values() if params.get("search", "").lower() in v["name"].lower()]
        start = int(params.get("page_token") or 0)
        size = params.get("page_size", 100)
        page = [self._out(v) for v in found[start : start + size]]
        more = start + size < len(found)
        return 200, {"data": page, "next_page_token": str(start + size) if more else None}

    def libraries_create_v1(self, params: dict[str, Any], body: Any, *_: Any) -> tuple[int, Any]:
        library_id = str(uuid.uuid4())
        self.libraries[library_id] = {
            "id": library_id,
            "name": body["name"],
            "description": body.get("description"),
            "created_at": _now(),
            "updated_at": _now(),
            "owner_id": str(uuid.uuid4()),
            "owner_type": body.get("owner_type") or "Workspace",
            "total_size": 0,
            "nb_documents": 0,
            "chunk_size": body.get("chunk_size"),
        }
        self.shares[library_id] = []
        return 201, self._out(self.libraries[library_id])

    def libraries_get_v1(self, params: Any, body: Any, library: dict[str, Any], *_: Any) -> tuple[int, Any]:
        return 200, self._out(library)

    def libraries_patch_v1(self, params: Any, body: Any, library: dict[str, Any], *_: Any) -> tuple[int, Any]:
        library.update(body, updated_at=_now())
        return 200, self._out(library)

    def libraries_delete_v1(
        self, params: Any, body: Any, library: dict[str, Any], *_: Any
    ) -> tuple[int, Any]:
        del self.libraries[library["id"]]
        for document_id in [d for d, doc in self.documents.items() if doc["library_id"] == library["id"]]:
            del self.documents[document_id]
        return (204, None) if self.no_content_deletes else (200, self._out(library))

    # --- documents ---------------------------------------------------------------------------------

    def libraries_documents_list_v1(
        self, params: dict[str, Any], body: Any, library: dict[str, Any], *_: Any
    ) -> tuple[int, Any]:
        found = [d for d in self.documents.values() if d["library_id"] == library["id"]]
        found = [d for d in found if params.get("search", "").lower() in d["name"].lower()]
        size, page = params.get("page_size", 100), params.get("page", 0)
        data = [self._out(d) for d in found[page * size : (page + 1) * size]]
        pages = max(1, -(-len(found) // size))
        pagination = {
            "total_items": len(found),
            "total_pages": pages,
            "current_page": page,
            "page_size": size,
            "has_more": page + 1 < pages,
        }
        return 200, {"pagination": pagination, "data": data}

    def libraries_documents_upload_v1(
        self, params: Any, parts: dict[str, tuple[str, bytes]], library: dict[str, Any], *_: Any
    ) -> tuple[int, Any]:
        filename, content = parts["file"]
        digest = hashlib.sha256(content).hexdigest()
        for document in self.documents.values():
            if document["library_id"] == library["id"] and document["hash"] == digest:
                return 200, self._out(document)  # the same content: the existing document
        document_id = str(uuid.uuid4())
        _, dot, extension = filename.rpartition(".")
        self.documents[document_id] = {
            "id": document_id,
            "library_id": library["id"],
            "hash": digest,
            "mime_type": "text/plain" if extension in ("txt", "md") else "application/octet-stream",
            "extension": extension if dot else None,
            "size": len(content),
            "name": filename,
            "summary": None,
            "created_at": _now(),
            "last_processed_at": None,
            "number_of_pages": None,
            "process_status": self.processing[0],
            "uploaded_by_id": str(uuid.uuid4()),
            "uploaded_by_type": "User",
            "processing_status": self.processing[0],
            "tokens_processing_total": 0,
            "attributes": None,
        }
        self.contents[document_id] = content
        self._reads[document_id] = 0
        library["nb_documents"] += 1
        library["total_size"] += len(content)
        return 201, self._out(self.documents[document_id])

    def libraries_documents_get_v1(self, params: Any, body: Any, library: Any, doc: Any) -> tuple[int, Any]:
        return 200, self._out(doc)

    def libraries_documents_patch_v1(
        self, params: Any, body: dict[str, Any], library: Any, doc: dict[str, Any]
    ) -> tuple[int, Any]:
        doc.update(body)
        return 200, self._out(doc)

    def libraries_documents_delete_v1(
        self, params: Any, body: Any, library: dict[str, Any], doc: dict[str, Any]
    ) -> tuple[int, Any]:
        del self.documents[doc["id"]]
        library["nb_documents"] -= 1
        return 204, None

    def libraries_documents_get_text_content_v1(
        self, params: dict[str, Any], body: Any, library: Any, doc: dict[str, Any]
    ) -> tuple[int, Any]:
        lines = self.contents[doc["id"]].decode("utf-8", "replace").splitlines()
        start, end = params.get("page_start"), params.get("page_end")  # a "page" is a line here
        return 200, self._out({"text": "\n".join(lines[start:end])})

    def libraries_documents_get_status_v1(
        self, params: Any, body: Any, library: Any, doc: dict[str, Any]
    ) -> tuple[int, Any]:
        reads = self._reads[doc["id"]] = self._reads.get(doc["id"], 0) + 1
        status = self.processing[min(reads, len(self.processing) - 1)]
        doc["process_status"] = doc["processing_status"] = status
        if status == "done":
            doc["last_processed_at"] = _now()
            doc["number_of_pages"] = 1
            doc["tokens_processing_total"] = len(self.contents[doc["id"]].split())
        self.status_reads.append((time.monotonic(), doc["id"], status))
        return 200, self._out(
            {"document_id": doc["id"], "process_status": status, "processing_status": status}
        )

    def libraries_documents_get_signed_url_v1(
        self, params: Any, body: Any, lib: Any, doc: Any
    ) -> tuple[int, Any]:
        return 200, f"https://files.example/{doc['id']}?sig=1"

    def libraries_documents_get_extracted_text_signed_url_v1(
        self, params: Any, body: Any, lib: Any, doc: Any
    ) -> tuple[int, Any]:
        return 200, f"https://files.example/{doc['id']}.txt?sig=1"

    def libraries_documents_reprocess_v1(
        self, params: Any, body: Any, lib: Any, doc: dict[str, Any]
    ) -> tuple[int, Any]:
        self._reads[doc["id"]] = 0
        doc["process_status"] = doc["processing_status"] = self.processing[0]
        return 204, None

    # --- sharing -----------------------------------------------------------------------------------

    def libraries_share_list_v1(
        self, params: Any, body: Any, library: dict[str, Any], *_: Any
    ) -> tuple[int, Any]:
        return 200, {"data": [self._out(s) for s in self.shares[library["id"]]]}

    def libraries_share_create_v1(
        self, params: Any, body: dict[str, Any], library: dict[str, Any], *_: Any
    ) -> tuple[int, Any]:
        shares = self.shares[library["id"]]
        shares[:] = [s for s in shares if s["share_with_uuid"] != body["share_with_uuid"]]
        share = {
            "library_id": library["id"],
            "org_id": body.get("org_id") or str(uuid.UUID(int=1)),
            "role": body["level"],
            "share_with_type": body["share_with_type"],
            "share_with_uuid": body["share_with_uuid"],
        }
        shares.append(share)
        return 200, self._out(share)

    def libraries_share_delete_v1(
        self, params: Any, body: dict[str, Any], library: dict[str, Any], *_: Any
    ) -> tuple[int, Any]:
        shares = self.shares[library["id"]]
        gone = [s for s in shares if s["share_with_uuid"] == body["share_with_uuid"]]
        if not gone:
            return 404, {"message": "no such access"}
        shares.remove(gone[0])
        return (204, None) if self.no_content_deletes else (200, self._out(gone[0]))


def _multipart(request: Request) -> dict[str, tuple[str, bytes]]:
    """Each part of a multipart body by its name: (filename, content); the filename is "" for a text field."""
    match = re.search(r"boundary=([^;]+)", request.headers["content-type"])
    assert request.headers["content-type"].startswith("multipart/form-data") and match
    boundary = b"--" + match.group(1).strip('"').encode()
    parts: dict[str, tuple[str, bytes]] = {}
    for part in request.body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.partition(b"\r\n\r\n")
        name = re.search(r'name="([^"]*)"', head.decode())
        filename = re.search(r'filename="([^"]*)"', head.decode())
        assert name, head
        parts[name.group(1)] = (filename.group(1) if filename else "", content[:-2])
    return parts
