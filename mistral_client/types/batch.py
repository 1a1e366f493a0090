"""Batch API types (``/v1/batch/jobs``), as the spec defines them."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StrictBool, StrictStr

from ._base import MistralModel, QueryModel, ResponseModel

BatchJobStatus = Literal[
    "QUEUED", "RUNNING", "SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLATION_REQUESTED", "CANCELLED"
]
#: The states a job does not leave.
TERMINAL_STATUSES = frozenset({"SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED"})
ApiEndpoint = Literal[
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/fim/completions",
    "/v1/moderations",
    "/v1/chat/moderations",
    "/v1/ocr",
    "/v1/classifications",
    "/v1/chat/classifications",
    "/v1/conversations",
    "/v1/audio/transcriptions",
]


class BatchError(MistralModel):
    message: str
    count: int = 1


class BatchJob(ResponseModel):
    """A batch job (``BatchJob``): its state, counts, and where its results are."""

    id: str
    object: str = "batch"
    input_files: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] | None = None
    endpoint: str
    model: str | None = None
    agent_id: str | None = None
    output_file: str | None = None
    error_file: str | None = None
    errors: list[BatchError] = Field(default_factory=list)
    #: Results inline, for jobs created with inline ``requests`` (``get(job_id, inline=True)``).
    outputs: list[dict[str, Any]] | None = None
    status: BatchJobStatus | str
    created_at: int
    total_requests: int = 0
    completed_requests: int = 0
    succeeded_requests: int = 0
    failed_requests: int = 0
    started_at: int | None = None
    completed_at: int | None = None

    @property
    def done(self) -> bool:
        """Whether the job reached a state it does not leave."""
        return self.status in TERMINAL_STATUSES


class ListBatchJobsResponse(ResponseModel):
    data: list[BatchJob] = Field(default_factory=list)
    object: str = "list"
    total: int = 0


class DeleteBatchJobResponse(ResponseModel):
    id: str
    object: str = "batch"
    deleted: bool = True


# --- requests -------------------------------------------------------------------------------------


class BatchRequest(MistralModel):
    """One inline request of a job: the endpoint's body, and an id to find its result by."""

    model_config = ConfigDict(extra="forbid")

    custom_id: StrictStr | None = None
    body: dict[str, Any]


MetadataKey = Annotated[str, Field(min_length=1, max_length=32)]
MetadataValue = Annotated[str, Field(min_length=1, max_length=512)]


class CreateBatchJobRequest(MistralModel):
    model_config = ConfigDict(extra="forbid")

    input_files: list[str] | None = None
    requests: Annotated[list[BatchRequest], Field(max_length=10_000)] | None = None
    endpoint: ApiEndpoint
    model: StrictStr | None = None
    agent_id: StrictStr | None = None
    metadata: dict[MetadataKey, MetadataValue] | None = None
    timeout_hours: Annotated[int, Field(ge=1, le=168, strict=True)] = 24


class ListBatchJobsQuery(QueryModel):
    """The query of ``GET /v1/batch/jobs``."""

    page: Annotated[int, Field(ge=0, strict=True)] | None = None
    page_size: Annotated[int, Field(ge=1, strict=True)] | None = None
    model: StrictStr | None = None
    agent_id: StrictStr | None = None
    metadata: dict[str, Any] | None = None
    created_after: datetime.datetime | None = None
    created_by_me: StrictBool | None = None
    status: list[BatchJobStatus] | None = None
    order_by: Literal["created", "-created"] | None = None


class GetBatchJobQuery(QueryModel):
    """The query of ``GET /v1/batch/jobs/{job_id}``: ``inline=True`` includes inline outputs."""

    inline: StrictBool | None = None
