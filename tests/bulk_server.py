"""A loopback mock of the Files and Batch APIs (and embeddings, for ``create_many``), per the spec.

Jobs move QUEUED -> RUNNING -> (``outcome``) one step per ``GET``; a job created with inline
``requests`` returns its results in ``outputs`` when asked ``inline=true``, one created from a JSONL
file gets an output file and an error file. Requests whose body says "fail" fail. ``FAILED``,
``CANCELLED`` and ``TIMEOUT_EXCEEDED`` jobs finish only the first half of their requests.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .loopback import Conn, Request, chat_response

#: The endpoint schema of each batch endpoint, to check every request of a job against.
ENDPOINT_SCHEMAS = {
    "/v1/chat/completions": "ChatCompletionRequest",
    "/v1/fim/completions": "FIMCompletionRequest",
    "/v1/embeddings": "EmbeddingRequest",
    "/v1/ocr": "OCRRequest",
    "/v1/moderations": "ClassificationRequest",
    "/v1/chat/moderations": "ChatModerationRequest",
    "/v1/classifications": "ClassificationRequest",
    "/v1/chat/classifications": "ChatClassificationRequest",
}


def vector(text: str) -> list[float]:
    """A vector that tells which input it came from: ``"17"`` -> ``[17.0, 1.0, -1.0]``."""
    number = float(text) if text.lstrip("-").isdigit() else float(len(text))
    return [number, 1.0, -1.0]


def embedding_payload(texts: list[str], model: str = "mistral-embed") -> dict[str, Any]:
    data = [{"object": "embedding", "index": i, "embedding": vector(t)} for i, t in enumerate(texts)]
    tokens = sum(len(t) for t in texts)
    return {
        "id": "emb",
        "object": "list",
        "model": model,
        "data": data,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def parse_multipart(request: Request) -> tuple[dict[str, str], tuple[str, bytes]]:
    """The text fields and the (filename, content) of the file part of a multipart body."""
    match = re.search(r"boundary=([^;]+)", request.headers["content-type"])
    assert match, request.headers["content-type"]
    boundary = b"--" + match.group(1).strip('"').encode()
    fields: dict[str, str] = {}
    file: tuple[str, bytes] = ("", b"")
    for part in request.body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.partition(b"\r\n\r\n")
        content = content[:-2]  # the CRLF before the next boundary
        disposition = head.decode()
        name = re.search(r'name="([^"]*)"', disposition)
        filename = re.search(r'filename="([^"]*)"', disposition)
        assert name
        if filename:
            file = (filename.group(1), content)
        else:
            fields[name.group(1)] = content.decode()
    return fields, file


@dataclass
class BulkAPI:
    """The server's state and handler: pass the instance to the ``serve`` fixture."""

    #: Validates one request body against a spec schema: ``(schema_name, body)``.
    validate: Callable[[str, dict[str, Any]], None] | None = None
    #: How the next jobs end, popped one per job (SUCCESS once empty).
    outcomes: list[str] = field(default_factory=list)
    #: RUNNING polls before a job ends.
    running_polls: int = 1
    #: ``/v1/embeddings`` failures by request number (1-based): status, or (status, headers).
    embedding_failures: dict[int, Any] = field(default_factory=dict)
    #: Texts whose batch is always refused with this status (a persistent failure).
    poison: dict[str, int] = field(default_factory=dict)
    #: Random delay (seconds) before each embeddings answer, so responses arrive out of order.
    jitter: float = 0.0
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (time, texts, status) of each embeddings request, in arrival order.
    embedding_log: list[tuple[float, list[str], int]] = field(default_factory=list)
    cancels: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._plans: dict[str, dict[str, Any]] = {}

    # --- dispatch -------------------------------------------------------------------------------

    def __call__(self, request: Request, conn: Conn) -> None:
        path, _, query = request.path.partition("?")
        method = request.method
        if path == "/v1/embeddings" and method == "POST":
            return self.embeddings(request, conn)
        if path == "/v1/chat/completions" and method == "POST":
            body = request.json()
            return conn.respond_json(200, self.answer("/v1/chat/completions", body))
        if path == "/v1/files":
            return self.upload(request, conn) if method == "POST" else self.list_files(conn)
        match = re.fullmatch(r"/v1/files/([^/]+)(/content|/url)?", path)
        if match:
            return self.file(method, match.group(1), match.group(2), conn)
        if path == "/v1/batch/jobs":
            return self.create_job(request, conn) if method == "POST" else self.list_jobs(query, conn)
        match = re.fullmatch(r"/v1/batch/jobs/([^/]+)(/cancel)?", path)
        if match:
            return self.job(method, match.group(1), bool(match.group(2)), "inline=true" in query, conn)
        conn.respond_json(404, {"message": f"no route {method} {path}"})

    # --- embeddings -----------------------------------------------------------------------------

    def embeddings(self, request: Request, conn: Conn) -> None:
        body = request.json()
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        with self._lock:
            number = len(self.embedding_log) + 1
            failure = self.embedding_failures.get(number)
            if failure is None and any(t in self.poison for t in texts):
                failure = next(self.poison[t] for t in texts if t in self.poison)
            status = failure[0] if isinstance(failure, tuple) else (failure or 200)
            self.embedding_log.append((time.monotonic(), texts, status))
        if self.jitter:
            time.sleep(random.random() * self.jitter)
        if failure is not None:
            headers = failure[1] if isinstance(failure, tuple) else {}
            return conn.respond_json(status, {"message": f"injected {status}", "type": "injected"}, headers)
        conn.respond_json(200, embedding_payload(texts, body["model"]))

    # --- files ----------------------------------------------------------------------------------

    def _file_meta(
        self, file_id: str, filename: str, size: int, purpose: str, sample_type: str, source: str
    ) -> dict[str, Any]:
        return {
            "id": file_id,
            "object": "file",
            "bytes": size,
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "sample_type": sample_type,
            "source": source,
            "num_lines": None,
            "mimetype": "application/jsonl",
            "signature": None,
        }

    def add_file(self, content: bytes, *, filename: str, purpose: str, sample_type: str, source: str) -> str:
        file_id = str(uuid.uuid4())
        with self._lock:
            self.files[file_id] = self._file_meta(
                file_id, filename, len(content), purpose, sample_type, source
            )
            self.contents[file_id] = content
        return file_id

    def upload(self, request: Request, conn: Conn) -> None:
        fields, (filename, content) = parse_multipart(request)
        assert set(fields) <= {"purpose", "expiry", "visibility"}, fields
        file_id = self.add_file(
            content,
            filename=filename,
            purpose=fields.get("purpose", "fine-tune"),
            sample_type="batch_request" if fields.get("purpose") == "batch" else "instruct",
            source="upload",
        )
        conn.respond_json(200, self.files[file_id])

    def list_files(self, conn: Conn) -> None:
        data = list(self.files.values())
        conn.respond_json(200, {"data": data, "object": "list", "total": len(data)})

    def file(self, method: str, file_id: str, suffix: str | None, conn: Conn) -> None:
        if file_id not in self.files:
            return conn.respond_json(404, {"message": f"No file {file_id}"})
        if method == "DELETE":
            del self.files[file_id]
            return conn.respond_json(200, {"id": file_id, "object": "file", "deleted": True})
        if suffix == "/content":
            return conn.respond(200, self.contents[file_id], {"content-type": "application/octet-stream"})
        if suffix == "/url":
            return conn.respond_json(200, {"url": f"https://files.example/{file_id}?sig=1"})
        conn.respond_json(200, {**self.files[file_id], "deleted": False})

    # --- batch jobs -----------------------------------------------------------------------------

    def answer(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        if endpoint == "/v1/embeddings":
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            return embedding_payload(texts)
        if endpoint == "/v1/fim/completions":
            return chat_response(f"<{body['prompt']}>", model="codestral-latest")
        content = body["messages"][-1]["content"]
        return chat_response(f"re: {content}")

    def create_job(self, request: Request, conn: Conn) -> None:
        body = request.json()
        endpoint = body["endpoint"]
        if body.get("input_files"):
            lines = [
                json.loads(line)
                for file_id in body["input_files"]
                for line in self.contents[file_id].decode().splitlines()
                if line.strip()
            ]
        else:
            lines = body["requests"]
        for line in lines:
            if self.validate is not None:
                self.validate(ENDPOINT_SCHEMAS[endpoint], {"model": body.get("model"), **line["body"]})
        job_id = str(uuid.uuid4())
        job = {
            "id": job_id,
            "object": "batch",
            "input_files": body.get("input_files") or [],
            "metadata": body.get("metadata"),
            "endpoint": endpoint,
            "model": body.get("model"),
            "output_file": None,
            "error_file": None,
            "errors": [],
            "outputs": None,
            "status": "QUEUED",
            "created_at": int(time.time()),
            "total_requests": len(lines),
            "completed_requests": 0,
            "succeeded_requests": 0,
            "failed_requests": 0,
            "started_at": None,
            "completed_at": None,
        }
        with self._lock:
            self.jobs[job_id] = job
            outcome = self.outcomes.pop(0) if self.outcomes else "SUCCESS"
            self._plans[job_id] = {
                "lines": lines,
                "outcome": outcome,
                "polls": 0,
                "inline": not body.get("input_files"),
            }
        conn.respond_json(200, job)

    def list_jobs(self, query: str, conn: Conn) -> None:
        data = list(self.jobs.values())
        conn.respond_json(200, {"data": data, "object": "list", "total": len(data)})

    def job(self, method: str, job_id: str, cancel: bool, inline: bool, conn: Conn) -> None:
        if job_id not in self.jobs:
            return conn.respond_json(404, {"message": f"No batch job {job_id}"})
        with self._lock:
            job = self.jobs[job_id]
            plan = self._plans[job_id]
            if cancel:
                self.cancels.append(job_id)
                if job["status"] not in ("SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED"):
                    job["status"] = "CANCELLATION_REQUESTED"
                    plan["outcome"] = "CANCELLED"
                return conn.respond_json(200, job)
            if method == "DELETE":
                return conn.respond_json(200, {"id": job_id, "object": "batch", "deleted": True})
            self._advance(job, plan)
            payload = dict(job)
            if (
                inline
                and plan["inline"]
                and job["status"] in ("SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED")
            ):
                payload["outputs"] = plan.get("results", [])
        conn.respond_json(200, payload)

    def _advance(self, job: dict[str, Any], plan: dict[str, Any]) -> None:
        status = job["status"]
        if status == "QUEUED":
            job["status"] = "RUNNING"
            job["started_at"] = int(time.time())
        elif status in ("RUNNING", "CANCELLATION_REQUESTED"):
            plan["polls"] += 1
            lines = plan["lines"]
            if plan["polls"] >= self.running_polls or status == "CANCELLATION_REQUESTED":
                self._finish(job, plan, lines if plan["outcome"] == "SUCCESS" else lines[: len(lines) // 2])
            else:
                job["completed_requests"] = len(lines) // 2

    def _finish(self, job: dict[str, Any], plan: dict[str, Any], done: list[dict[str, Any]]) -> None:
        endpoint = job["endpoint"]
        results, errors = [], []
        for line in done:
            if "fail" in json.dumps(line["body"]):
                errors.append(
                    {
                        "id": str(uuid.uuid4()),
                        "custom_id": line.get("custom_id"),
                        "response": {
                            "status_code": 400,
                            "body": {"message": "refused: fail", "type": "invalid"},
                        },
                        "error": {"message": "refused: fail", "code": "3000"},
                    }
                )
            else:
                results.append(
                    {
                        "id": str(uuid.uuid4()),
                        "custom_id": line.get("custom_id"),
                        "response": {"status_code": 200, "body": self.answer(endpoint, line["body"])},
                        "error": None,
                    }
                )
        # The server writes its files in its own order, not the input's.
        random.shuffle(results)
        job.update(
            status=plan["outcome"],
            completed_requests=len(done),
            succeeded_requests=len(results),
            failed_requests=len(errors),
            completed_at=int(time.time()),
        )
        if plan["outcome"] != "SUCCESS":
            job["errors"] = [{"message": f"injected {plan['outcome']}", "count": 1}]
        if plan["inline"]:
            plan["results"] = results + errors
            return

        def jsonl(rows: list[dict[str, Any]]) -> bytes:
            return "".join(json.dumps(row) + "\n" for row in rows).encode()

        if results:
            job["output_file"] = self.add_file(
                jsonl(results),
                filename="out.jsonl",
                purpose="batch",
                sample_type="batch_result",
                source="mistral",
            )
        if errors:
            job["error_file"] = self.add_file(
                jsonl(errors),
                filename="err.jsonl",
                purpose="batch",
                sample_type="batch_error",
                source="mistral",
            )
