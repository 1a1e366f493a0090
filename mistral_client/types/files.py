"""Files API types (``/v1/files``), as the spec defines them."""

from __future__ import annotations

import os
from typing import IO, Annotated, Literal, Union

from pydantic import Field, StrictBool, StrictStr

from ._base import MistralModel, QueryModel, ResponseModel

#: The spec's enums are kept open (``str``) in responses: a newer server's value must not break parsing.
FilePurpose = Literal["fine-tune", "batch", "ocr"]
FileVisibility = Literal["workspace", "user"]
SampleType = Literal["pretrain", "instruct", "batch_request", "batch_result", "batch_error"]
FileSource = Literal["upload", "repository", "mistral"]

#: A file to send (``files.upload``, ``audio.transcriptions``): a path (``str`` or ``os.PathLike``,
#: streamed from disk), the bytes themselves, a binary file object, or ``(filename, bytes)``.
FileInput = Union[str, "os.PathLike[str]", bytes, IO[bytes], tuple[str, bytes]]


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


# --- what the requests send besides a JSON body ----------------------------------------------------


class ListFilesQuery(QueryModel):
    """The query of ``GET /v1/files``."""

    page: Annotated[int, Field(ge=0, strict=True)] | None = None
    page_size: Annotated[int, Field(ge=1, strict=True)] | None = None
    include_total: StrictBool | None = None
    sample_type: list[SampleType] | None = None
    source: list[FileSource] | None = None
    search: StrictStr | None = None
    purpose: FilePurpose | None = None
    mimetypes: list[StrictStr] | None = None


class UploadFileForm(QueryModel):
    """The text fields of ``POST /v1/files``'s multipart form (the file is its own part)."""

    purpose: FilePurpose | None = None
    expiry: Annotated[int, Field(ge=1, strict=True)] | None = None
    visibility: FileVisibility | None = None


class SignedUrlQuery(QueryModel):
    """The query of ``GET /v1/files/{file_id}/url``: hours the URL stays valid (server default 24)."""

    expiry: Annotated[int, Field(ge=1, le=168, strict=True)] | None = None
