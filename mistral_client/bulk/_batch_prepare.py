"""Checking a batch's requests as the single calls would and serializing them inline or into a JSONL file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .._backend import REQUEST_CONTEXT, APIRequest
from .._endpoints import BATCHABLE, Endpoint
from .._exceptions import InvalidRequestError

#: More requests than this go up as a JSONL file rather than inline in the create call: one JSON body
#: of thousands of chats is megabytes that must be sent again on a retry, while a file is streamed once.
#: The spec allows up to 10,000 inline.
DEFAULT_INLINE_LIMIT = 1000
MAX_INLINE = 10_000

#: Builds one call's request (the resource's door): the request is checked as the single call's.
Builder = Callable[[Endpoint[Any], Mapping[str, Any]], APIRequest[Any]]
_OPTIONS = ("timeout", "max_retries", "extra_headers", "extra_query", "extra_body")


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


def check_endpoint(endpoint: str) -> Endpoint[Any]:
    """The record of the operation a batch runs (``batch.run(endpoint="/v1/chat/completions")``)."""
    entry = BATCHABLE.get(endpoint)
    if entry is None:
        raise InvalidRequestError(
            f"endpoint: one of {', '.join(BATCHABLE)}, got {endpoint!r} (client.batch.jobs.create takes any)",
            errors=[("endpoint", f"one of {', '.join(BATCHABLE)}")],
        )
    return entry


def prepare(
    *,
    endpoint: str,
    model: str,
    requests: Iterable[Mapping[str, Any]],
    custom_ids: Sequence[str] | None,
    inline_limit: int,
    build: Builder,
    in_process: bool,
) -> Prepared:
    """Check every request as the single call would (nothing is sent if one is bad) and serialize it:
    inline while there are at most ``inline_limit``, else into a temporary JSONL file, written as the
    requests are read so that a generator of requests is never held whole."""
    record = check_endpoint(endpoint)
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
            request = _check_request(build, record, index, params, model)
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
    build: Builder, record: Endpoint[Any], index: int, params: Mapping[str, Any], model: str
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
        return build(record, {"model": model, **params})
    except InvalidRequestError as exc:
        errors = [(f"requests.{index}.{name}", message) for name, message in exc.errors]
        detail = "; ".join(f"{name}: {message}" for name, message in errors)
        raise InvalidRequestError(f"Invalid request, nothing was sent: {detail}", errors=errors) from None
