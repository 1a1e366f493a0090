"""Libraries API types (``/v1/libraries``: libraries, their documents, who they are shared with), as
the spec defines them.

Responses keep the spec's enums open (``Literal[...] | str``): a status or role newer than this SDK
parses. A field the spec requires but marks deprecated defaults to ``None``, so a server that stops
sending it does not break parsing.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr

from ._base import MistralModel, QueryModel, ResponseModel

#: A document's processing state (``ProcessStatus``).
ProcessStatus = Literal[
    "self_managed",
    "missing_content",
    "noop",
    "done",
    "todo",
    "in_progress",
    "error",
    "waiting_for_capacity",
]
#: The states a document is still being processed in; ``wait_until_processed`` polls through them
#: (and through any status newer than this SDK).
PENDING_STATUSES = frozenset({"todo", "in_progress", "waiting_for_capacity"})
#: The states a document's processing failed in: it will not be searchable as it is.
FAILED_STATUSES = frozenset({"error", "missing_content"})
#: The states a document is ready in (``noop``: there was nothing to do; ``self_managed``: its content
#: is managed by its owner).
PROCESSED_STATUSES = frozenset({"done", "noop", "self_managed"})

#: Who owns a new library: ``"User"`` (private) or ``"Workspace"`` (shared with the workspace).
OwnerType = Literal["User", "Workspace"]
#: An access level (``ShareEnum``).
ShareLevel = Literal["Viewer", "Editor"]
#: The kind of entity a library is shared with (``EntityType``).
EntityType = Literal["User", "Workspace", "Org"]

#: A value of a document's ``attributes`` (``UpdateDocumentRequest``).
AttributeValue = Union[
    StrictBool,
    StrictStr,
    StrictInt,
    StrictFloat,
    datetime.datetime,
    list[StrictStr],
    list[StrictInt],
    list[StrictFloat],
    list[StrictBool],
]


class PaginationInfo(MistralModel):
    """Offset pagination of a listing (``PaginationInfo``)."""

    total_items: int
    total_pages: int
    current_page: int
    page_size: int
    has_more: bool


class Library(ResponseModel):
    """A library (``Library``): a searchable set of documents agents read with the document library tool."""

    id: str
    name: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    owner_id: str | None = None
    owner_type: str
    total_size: int
    nb_documents: int
    description: str | None = None
    #: Deprecated by the API.
    chunk_size: int | None = None
    #: Deprecated by the API.
    emoji: str | None = None
    #: Deprecated by the API.
    generated_description: str | None = None
    #: Deprecated by the API.
    explicit_user_members_count: int | None = None
    #: Deprecated by the API.
    explicit_workspace_members_count: int | None = None
    #: Deprecated by the API.
    org_sharing_role: str | None = None
    #: Deprecated by the API.
    generated_name: str | None = None


class ListLibrariesResponse(ResponseModel):
    """A page of libraries (``GET /v1/libraries``): pass ``next_page_token`` back as ``page_token``."""

    data: list[Library]
    next_page_token: str | None = None
    #: Deprecated by the API: only sent for the deprecated ``page`` parameter.
    pagination: PaginationInfo | None = None


class Document(ResponseModel):
    """A document of a library (``Document``): its metadata and processing status."""

    id: str
    library_id: str
    name: str
    mime_type: str | None = None
    extension: str | None = None
    size: int | None = None
    summary: str | None = None
    created_at: datetime.datetime
    last_processed_at: datetime.datetime | None = None
    number_of_pages: int | None = None
    process_status: ProcessStatus | str
    uploaded_by_id: str | None = None
    uploaded_by_type: str
    url: str | None = None
    attributes: dict[str, Any] | None = None
    #: When set, the document is deleted automatically after this date.
    expires_at: datetime.datetime | None = None
    tokens_processing_total: int
    #: Deprecated by the API.
    hash: str | None = None
    #: Deprecated by the API.
    tokens_processing_main_content: int | None = None
    #: Deprecated by the API.
    tokens_processing_summary: int | None = None
    #: Deprecated by the API: ``process_status``.
    processing_status: str | None = None


class ListDocumentsResponse(ResponseModel):
    """A page of a library's documents (``GET /v1/libraries/{library_id}/documents``)."""

    pagination: PaginationInfo
    data: list[Document]


class DocumentTextContent(ResponseModel):
    """A document's text (for PDF, DOCX, PPTX...: what Mistral OCR read from it)."""

    text: str


class ProcessingStatus(ResponseModel):
    """A document's processing status (``GET .../documents/{document_id}/status``)."""

    document_id: str
    process_status: ProcessStatus | str
    #: Deprecated by the API: ``process_status``.
    processing_status: str | None = None

    @property
    def pending(self) -> bool:
        """Still being processed: one of :data:`PENDING_STATUSES`, or a status newer than this SDK."""
        return self.process_status not in PROCESSED_STATUSES and self.process_status not in FAILED_STATUSES

    @property
    def failed(self) -> bool:
        """Processing failed (``error``, ``missing_content``)."""
        return self.process_status in FAILED_STATUSES


class Sharing(ResponseModel):
    """One entity's access to a library (``Sharing``)."""

    library_id: str
    role: str
    share_with_type: str
    share_with_uuid: str | None = None
    #: Deprecated by the API.
    org_id: str | None = None
    #: Deprecated by the API.
    user_id: str | None = None


class ListSharingResponse(ResponseModel):
    """Who has access to a library, and at which level (``GET /v1/libraries/{library_id}/share``)."""

    data: list[Sharing]


# --- requests -------------------------------------------------------------------------------------


class CreateLibraryRequest(MistralModel):
    """``POST /v1/libraries``."""

    name: StrictStr
    description: StrictStr | None = None
    #: Deprecated by the API: characters per chunk, 256 to 32768.
    chunk_size: Annotated[int, Field(ge=256, le=32768, strict=True)] | None = None
    owner_type: OwnerType | None = None


class UpdateLibraryRequest(MistralModel):
    """``PATCH /v1/libraries/{library_id}``."""

    name: StrictStr | None = None
    description: StrictStr | None = None


class UpdateDocumentRequest(MistralModel):
    """``PATCH /v1/libraries/{library_id}/documents/{document_id}``."""

    name: StrictStr | None = None
    attributes: dict[str, AttributeValue] | None = None
    #: When set, the document is deleted automatically after this date.
    expires_at: datetime.datetime | None = None


class SharingRequest(MistralModel):
    """``PUT /v1/libraries/{library_id}/share``: give an entity an access level."""

    level: ShareLevel
    share_with_uuid: StrictStr
    share_with_type: EntityType
    #: Deprecated by the API.
    org_id: StrictStr | None = None


class SharingDelete(MistralModel):
    """``DELETE /v1/libraries/{library_id}/share``: take an entity's access away."""

    share_with_uuid: StrictStr
    share_with_type: EntityType
    #: Deprecated by the API.
    org_id: StrictStr | None = None


class ListLibrariesQuery(QueryModel):
    """The query of ``GET /v1/libraries``."""

    page_size: Annotated[int, Field(ge=1, le=100, strict=True)] | None = None
    page_token: StrictStr | None = None
    #: Deprecated by the API: ``page_token``.
    page: Annotated[int, Field(ge=0, strict=True)] | None = None
    search: StrictStr | None = None
    #: Deprecated by the API.
    filter_owned_by_me: StrictBool | None = None


class ListDocumentsQuery(QueryModel):
    """The query of ``GET /v1/libraries/{library_id}/documents``."""

    search: StrictStr | None = None
    page_size: Annotated[int, Field(ge=1, le=100, strict=True)] | None = None
    page: Annotated[int, Field(ge=0, strict=True)] | None = None
    #: Deprecated by the API.
    filters_attributes: StrictStr | None = None
    sort_by: StrictStr | None = None
    sort_order: StrictStr | None = None


class TextContentQuery(QueryModel):
    """The query of ``GET .../documents/{document_id}/text_content``: a page range."""

    page_start: StrictInt | None = None
    page_end: StrictInt | None = None


class DocumentUploadForm(QueryModel):
    """The text fields of ``POST /v1/libraries/{library_id}/documents``' form: none, only the file."""
