"""Files API types (``/v1/files``), as the spec defines them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import MistralModel, ResponseModel

#: The spec's enums are kept open (``str``) in responses: a newer server's value must not break parsing.
FilePurpose = Literal["fine-tune", "batch", "ocr"]
FileVisibility = Literal["workspace", "user"]
SampleType = Literal["pretrain", "instruct", "batch_request", "batch_result", "batch_error"]
FileSource = Literal["upload", "repository", "mistral"]


class FileSchema(MistralModel):
    """One file's metadata (``FileSchema``)."""

    id: str
    object: str = "file"
    #: The spec requires it, yet its own examples send ``null``.
    bytes: int | None = None
    created_at: int
    filename: str
    purpose: FilePurpose | str
    sample_type: SampleType | str | None = None
    source: FileSource | str | None = None
    num_lines: int | None = None
    mimetype: str | None = None
    signature: str | None = None
    expires_at: int | None = None
    visibility: FileVisibility | str | None = None


class CreateFileResponse(FileSchema, ResponseModel):
    """The uploaded file (``POST /v1/files``)."""


class GetFileResponse(FileSchema, ResponseModel):
    """One file (``GET /v1/files/{file_id}``)."""

    deleted: bool = False


class ListFilesResponse(ResponseModel):
    """A page of files (``GET /v1/files``)."""

    data: list[FileSchema] = Field(default_factory=list)
    object: str = "list"
    total: int | None = None


class DeleteFileResponse(ResponseModel):
    """``DELETE /v1/files/{file_id}``."""

    id: str
    object: str = "file"
    deleted: bool


class GetSignedUrlResponse(ResponseModel):
    """A signed download URL (``GET /v1/files/{file_id}/url``)."""

    url: str
