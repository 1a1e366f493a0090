"""The Batch API's operations."""

from __future__ import annotations

from ..types.batch import (
    BatchJob,
    CreateBatchJobRequest,
    DeleteBatchJobResponse,
    GetBatchJobQuery,
    ListBatchJobsQuery,
    ListBatchJobsResponse,
)
from ._record import Endpoint


def _one_batch_source(body: CreateBatchJobRequest) -> None:
    if not body.input_files and not body.requests:
        from .._exceptions import InvalidRequestError

        raise InvalidRequestError(
            "Invalid request, nothing was sent: input_files or requests: one is required",
            errors=[("input_files", "input_files or requests is required")],
        )


BATCH_JOBS_CREATE: Endpoint[BatchJob] = Endpoint(
    "batch.jobs.create",
    "POST",
    "/v1/batch/jobs",
    BatchJob.model_validate_json,
    body=CreateBatchJobRequest,
    check=_one_batch_source,
)
BATCH_JOBS_LIST: Endpoint[ListBatchJobsResponse] = Endpoint(
    "batch.jobs.list",
    "GET",
    "/v1/batch/jobs",
    ListBatchJobsResponse.model_validate_json,
    query=ListBatchJobsQuery,
)
BATCH_JOBS_GET: Endpoint[BatchJob] = Endpoint(
    "batch.jobs.get", "GET", "/v1/batch/jobs/{job_id}", BatchJob.model_validate_json, query=GetBatchJobQuery
)
BATCH_JOBS_CANCEL: Endpoint[BatchJob] = Endpoint(
    "batch.jobs.cancel", "POST", "/v1/batch/jobs/{job_id}/cancel", BatchJob.model_validate_json
)
BATCH_JOBS_DELETE: Endpoint[DeleteBatchJobResponse] = Endpoint(
    "batch.jobs.delete", "DELETE", "/v1/batch/jobs/{job_id}", DeleteBatchJobResponse.model_validate_json
)
