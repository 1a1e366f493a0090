"""The Files API's operations."""

from __future__ import annotations

from ..types.files import (
    CreateFileResponse,
    DeleteFileResponse,
    GetFileResponse,
    GetSignedUrlResponse,
    ListFilesQuery,
    ListFilesResponse,
    SignedUrlQuery,
    UploadFileForm,
)
from ._record import Endpoint


def _raw_bytes(data: str | bytes) -> bytes:
    return data.encode() if isinstance(data, str) else data


FILES_UPLOAD: Endpoint[CreateFileResponse] = Endpoint(
    "files.upload",
    "POST",
    "/v1/files",
    CreateFileResponse.model_validate_json,
    query=UploadFileForm,
    multipart=True,
)
FILES_LIST: Endpoint[ListFilesResponse] = Endpoint(
    "files.list", "GET", "/v1/files", ListFilesResponse.model_validate_json, query=ListFilesQuery
)
FILES_RETRIEVE: Endpoint[GetFileResponse] = Endpoint(
    "files.retrieve", "GET", "/v1/files/{file_id}", GetFileResponse.model_validate_json
)
FILES_DELETE: Endpoint[DeleteFileResponse] = Endpoint(
    "files.delete", "DELETE", "/v1/files/{file_id}", DeleteFileResponse.model_validate_json
)
FILES_DOWNLOAD: Endpoint[bytes] = Endpoint("files.download", "GET", "/v1/files/{file_id}/content", _raw_bytes)
FILES_URL: Endpoint[GetSignedUrlResponse] = Endpoint(
    "files.url",
    "GET",
    "/v1/files/{file_id}/url",
    GetSignedUrlResponse.model_validate_json,
    query=SignedUrlQuery,
)
