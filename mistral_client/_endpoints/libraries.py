"""The Libraries API's operations (``client.beta.libraries``, its ``documents`` and ``accesses``)."""

from __future__ import annotations

import json

from ..types.libraries import (
    CreateLibraryRequest,
    Document,
    DocumentTextContent,
    DocumentUploadForm,
    Library,
    ListDocumentsQuery,
    ListDocumentsResponse,
    ListLibrariesQuery,
    ListLibrariesResponse,
    ListSharingResponse,
    ProcessingStatus,
    Sharing,
    SharingDelete,
    SharingRequest,
    TextContentQuery,
    UpdateDocumentRequest,
    UpdateLibraryRequest,
)
from ._record import Endpoint

_LIBRARY = "/v1/libraries/{library_id}"
_DOCUMENT = "/v1/libraries/{library_id}/documents/{document_id}"


def _library_or_none(data: str | bytes) -> Library | None:
    # 200 with the deleted library today; the spec announces 204 No Content.
    return Library.model_validate_json(data) if data else None


def _sharing_or_none(data: str | bytes) -> Sharing | None:
    return Sharing.model_validate_json(data) if data else None


def _no_content(data: str | bytes) -> None:
    """A 204 No Content answer (any body a server sends along is not part of the spec)."""
    return None


def _url(data: str | bytes) -> str:
    """A signed URL, sent as a JSON string."""
    url = json.loads(data)
    if not isinstance(url, str):
        raise ValueError(f"a signed URL must be a JSON string, got {type(url).__name__}")
    return url


LIBRARIES_LIST: Endpoint[ListLibrariesResponse] = Endpoint(
    "beta.libraries.list",
    "GET",
    "/v1/libraries",
    ListLibrariesResponse.model_validate_json,
    query=ListLibrariesQuery,
)
LIBRARIES_CREATE: Endpoint[Library] = Endpoint(
    "beta.libraries.create", "POST", "/v1/libraries", Library.model_validate_json, body=CreateLibraryRequest
)
LIBRARIES_GET: Endpoint[Library] = Endpoint(
    "beta.libraries.get", "GET", _LIBRARY, Library.model_validate_json
)
LIBRARIES_UPDATE: Endpoint[Library] = Endpoint(
    "beta.libraries.update", "PATCH", _LIBRARY, Library.model_validate_json, body=UpdateLibraryRequest
)
LIBRARIES_DELETE: Endpoint[Library | None] = Endpoint(
    "beta.libraries.delete", "DELETE", _LIBRARY, _library_or_none
)

DOCUMENTS_LIST: Endpoint[ListDocumentsResponse] = Endpoint(
    "beta.libraries.documents.list",
    "GET",
    _LIBRARY + "/documents",
    ListDocumentsResponse.model_validate_json,
    query=ListDocumentsQuery,
)
DOCUMENTS_UPLOAD: Endpoint[Document] = Endpoint(
    "beta.libraries.documents.upload",
    "POST",
    _LIBRARY + "/documents",
    Document.model_validate_json,
    query=DocumentUploadForm,
    multipart=True,
)
DOCUMENTS_GET: Endpoint[Document] = Endpoint(
    "beta.libraries.documents.get", "GET", _DOCUMENT, Document.model_validate_json
)
DOCUMENTS_UPDATE: Endpoint[Document] = Endpoint(
    "beta.libraries.documents.update",
    "PATCH",
    _DOCUMENT,
    Document.model_validate_json,
    body=UpdateDocumentRequest,
)
DOCUMENTS_DELETE: Endpoint[None] = Endpoint(
    "beta.libraries.documents.delete", "DELETE", _DOCUMENT, _no_content
)
DOCUMENTS_TEXT_CONTENT: Endpoint[DocumentTextContent] = Endpoint(
    "beta.libraries.documents.text_content",
    "GET",
    _DOCUMENT + "/text_content",
    DocumentTextContent.model_validate_json,
    query=TextContentQuery,
)
DOCUMENTS_STATUS: Endpoint[ProcessingStatus] = Endpoint(
    "beta.libraries.documents.status", "GET", _DOCUMENT + "/status", ProcessingStatus.model_validate_json
)
DOCUMENTS_SIGNED_URL: Endpoint[str] = Endpoint(
    "beta.libraries.documents.get_signed_url", "GET", _DOCUMENT + "/signed-url", _url
)
DOCUMENTS_EXTRACTED_TEXT_SIGNED_URL: Endpoint[str] = Endpoint(
    "beta.libraries.documents.extracted_text_signed_url",
    "GET",
    _DOCUMENT + "/extracted-text-signed-url",
    _url,
)
DOCUMENTS_REPROCESS: Endpoint[None] = Endpoint(
    "beta.libraries.documents.reprocess", "POST", _DOCUMENT + "/reprocess", _no_content
)

ACCESSES_LIST: Endpoint[ListSharingResponse] = Endpoint(
    "beta.libraries.accesses.list", "GET", _LIBRARY + "/share", ListSharingResponse.model_validate_json
)
ACCESSES_UPDATE_OR_CREATE: Endpoint[Sharing] = Endpoint(
    "beta.libraries.accesses.update_or_create",
    "PUT",
    _LIBRARY + "/share",
    Sharing.model_validate_json,
    body=SharingRequest,
)
ACCESSES_DELETE: Endpoint[Sharing | None] = Endpoint(
    "beta.libraries.accesses.delete", "DELETE", _LIBRARY + "/share", _sharing_or_none, body=SharingDelete
)
