"""``client.beta.libraries``: libraries of documents that agents search (``/v1/libraries``), their
``documents`` (uploaded, processed, read back) and their ``accesses`` (who they are shared with).

Uploads stream from disk, as ``client.files.upload`` does. ``documents.wait_until_processed`` polls a
new document's status until it is searchable. ``with_raw_response`` gives each group's methods that make
one request, returning an :class:`~mistral_client.APIResponse`.
"""

from __future__ import annotations

import datetime
import functools
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from typing_extensions import Unpack

from .._lazy import lazy_module
from ._base import AsyncAPIResource, SyncAPIResource, async_raw, raw
from ._uploads import upload_of

if TYPE_CHECKING:
    from .. import _document_wait as waits
    from .._client import AsyncClient, Client
    from .._endpoints import libraries as records
    from ..types.files import FileInput
    from ..types.libraries import (
        AttributeValue,
        Document,
        DocumentTextContent,
        EntityType,
        Library,
        ListDocumentsResponse,
        ListLibrariesResponse,
        ListSharingResponse,
        OwnerType,
        ProcessingStatus,
        ShareLevel,
        Sharing,
    )
    from ..types.params import RequestOptionsParam
else:
    records = lazy_module("mistral_client._endpoints.libraries")
    waits = lazy_module("mistral_client._document_wait")

#: ``wait_until_processed``'s first interval, in seconds (it grows 1.5x per poll, up to 10 s).
_POLL_INTERVAL = 1.0


def _library(library_id: str) -> dict[str, object]:
    return {"library_id": library_id}


def _document(library_id: str, document_id: str) -> dict[str, object]:
    return {"library_id": library_id, "document_id": document_id}


class LibraryDocuments(SyncAPIResource):
    """``client.beta.libraries.documents``: a library's documents."""

    workflows = frozenset({"wait_until_processed"})

    def list(
        self,
        *,
        library_id: str,
        search: str | None = None,
        page_size: int | None = None,
        page: int | None = None,
        filters_attributes: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> ListDocumentsResponse:
        """A page of the library's documents (``GET /v1/libraries/{library_id}/documents``);
        ``filters_attributes`` is deprecated by the API."""
        params = {
            "search": search,
            "page_size": page_size,
            "page": page,
            "filters_attributes": filters_attributes,
            "sort_by": sort_by,
            "sort_order": sort_order,
            **options,
        }
        return self._call(records.DOCUMENTS_LIST, params, path=_library(library_id))

    def upload(
        self,
        *,
        library_id: str,
        file: FileInput,
        filename: str | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> Document:
        """Upload a document to the library (``POST /v1/libraries/{library_id}/documents``), streamed
        from disk or the file object you pass; it is then processed (see :meth:`wait_until_processed`).
        A document with the same content already in the library is returned as it is."""
        upload = upload_of(file, filename)
        return self._call(records.DOCUMENTS_UPLOAD, options, path=_library(library_id), upload=upload)

    def get(self, *, library_id: str, document_id: str, **options: Unpack[RequestOptionsParam]) -> Document:
        """A document's metadata (``GET /v1/libraries/{library_id}/documents/{document_id}``)."""
        return self._call(records.DOCUMENTS_GET, options, path=_document(library_id, document_id))

    def update(
        self,
        *,
        library_id: str,
        document_id: str,
        name: str | None = None,
        attributes: Mapping[str, AttributeValue] | None = None,
        expires_at: datetime.datetime | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> Document:
        """Rename a document, set its attributes or its expiry (``PATCH .../documents/{document_id}``)."""
        params = {"name": name, "attributes": attributes, "expires_at": expires_at, **options}
        return self._call(records.DOCUMENTS_UPDATE, params, path=_document(library_id, document_id))

    def delete(self, *, library_id: str, document_id: str, **options: Unpack[RequestOptionsParam]) -> None:
        """Delete a document from the library and its search index
        (``DELETE .../documents/{document_id}``)."""
        return self._call(records.DOCUMENTS_DELETE, options, path=_document(library_id, document_id))

    def text_content(
        self,
        *,
        library_id: str,
        document_id: str,
        page_start: int | None = None,
        page_end: int | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> DocumentTextContent:
        """A document's text (``GET .../documents/{document_id}/text_content``); for PDF, DOCX, PPTX...
        what Mistral OCR read from it."""
        params = {"page_start": page_start, "page_end": page_end, **options}
        return self._call(records.DOCUMENTS_TEXT_CONTENT, params, path=_document(library_id, document_id))

    def status(
        self, *, library_id: str, document_id: str, **options: Unpack[RequestOptionsParam]
    ) -> ProcessingStatus:
        """A document's processing status (``GET .../documents/{document_id}/status``)."""
        return self._call(records.DOCUMENTS_STATUS, options, path=_document(library_id, document_id))

    def get_signed_url(
        self, *, library_id: str, document_id: str, **options: Unpack[RequestOptionsParam]
    ) -> str:
        """A signed URL of the document as uploaded, valid 30 minutes for anyone who has it."""
        return self._call(records.DOCUMENTS_SIGNED_URL, options, path=_document(library_id, document_id))

    def extracted_text_signed_url(
        self, *, library_id: str, document_id: str, **options: Unpack[RequestOptionsParam]
    ) -> str:
        """A signed URL of the text extracted from the document (for OCR'd documents: the OCR result)."""
        path = _document(library_id, document_id)
        return self._call(records.DOCUMENTS_EXTRACTED_TEXT_SIGNED_URL, options, path=path)

    def reprocess(self, *, library_id: str, document_id: str, **options: Unpack[RequestOptionsParam]) -> None:
        """Process the document again (``POST .../documents/{document_id}/reprocess``); billed again."""
        return self._call(records.DOCUMENTS_REPROCESS, options, path=_document(library_id, document_id))

    def wait_until_processed(
        self,
        *,
        library_id: str,
        document_id: str,
        timeout: float | None = None,
        poll_interval: float = _POLL_INTERVAL,
    ) -> Document:
        """Poll the document's status until it is processed, then return the document.

        The interval starts at ``poll_interval`` seconds and grows 1.5x per poll, up to 10 s. Raises
        :class:`~mistral_client.DocumentProcessingError` if processing fails and
        :class:`~mistral_client.DocumentProcessingTimeoutError` if it is still pending after
        ``timeout`` seconds (``None``: wait as long as it takes); the processing itself goes on.
        """
        wait = waits.DocumentWait(library_id, document_id, timeout=timeout, poll_interval=poll_interval)
        while (
            sleep := wait.next_sleep(self.status(library_id=library_id, document_id=document_id))
        ) is not None:
            time.sleep(sleep)
        return self.get(library_id=library_id, document_id=document_id)

    @functools.cached_property
    def with_raw_response(self) -> LibraryDocumentsWithRawResponse:
        return LibraryDocumentsWithRawResponse(self)


class LibraryDocumentsWithRawResponse:
    """``client.beta.libraries.documents``' methods returning the :class:`~mistral_client.APIResponse`."""

    def __init__(self, documents: LibraryDocuments) -> None:
        documents = documents._raw_copy()
        self.list = raw(documents.list)
        self.upload = raw(documents.upload)
        self.get = raw(documents.get)
        self.update = raw(documents.update)
        self.delete = raw(documents.delete)
        self.text_content = raw(documents.text_content)
        self.status = raw(documents.status)
        self.get_signed_url = raw(documents.get_signed_url)
        self.extracted_text_signed_url = raw(documents.extracted_text_signed_url)
        self.reprocess = raw(documents.reprocess)


class LibraryAccesses(SyncAPIResource):
    """``client.beta.libraries.accesses``: who a library is shared with, and at which level."""

    def list(self, *, library_id: str, **options: Unpack[RequestOptionsParam]) -> ListSharingResponse:
        """Every entity with access to the library, and its level
        (``GET /v1/libraries/{library_id}/share``)."""
        return self._call(records.ACCESSES_LIST, options, path=_library(library_id))

    def update_or_create(
        self,
        *,
        library_id: str,
        level: ShareLevel,
        share_with_uuid: str,
        share_with_type: EntityType,
        org_id: str | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> Sharing:
        """Give a user, workspace or organization an access level (``PUT .../share``); only the
        library's owner can, and not outside the organization. ``org_id`` is deprecated by the API."""
        params = {
            "level": level,
            "share_with_uuid": share_with_uuid,
            "share_with_type": share_with_type,
            "org_id": org_id,
            **options,
        }
        return self._call(records.ACCESSES_UPDATE_OR_CREATE, params, path=_library(library_id))

    def delete(
        self,
        *,
        library_id: str,
        share_with_uuid: str,
        share_with_type: EntityType,
        org_id: str | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> Sharing | None:
        """Take an entity's access away (``DELETE .../share``): the access deleted, or ``None`` once
        the API answers 204 No Content as it announces. ``org_id`` is deprecated by the API."""
        params = {"share_with_uuid": share_with_uuid, "share_with_type": share_with_type, "org_id": org_id}
        return self._call(records.ACCESSES_DELETE, {**params, **options}, path=_library(library_id))

    @functools.cached_property
    def with_raw_response(self) -> LibraryAccessesWithRawResponse:
        return LibraryAccessesWithRawResponse(self)


class LibraryAccessesWithRawResponse:
    """``client.beta.libraries.accesses``' methods returning the :class:`~mistral_client.APIResponse`."""

    def __init__(self, accesses: LibraryAccesses) -> None:
        accesses = accesses._raw_copy()
        self.list = raw(accesses.list)
        self.update_or_create = raw(accesses.update_or_create)
        self.delete = raw(accesses.delete)


class Libraries(SyncAPIResource):
    """``client.beta.libraries``: libraries, their ``documents`` and ``accesses``."""

    documents: LibraryDocuments
    accesses: LibraryAccesses

    def __init__(self, client: Client) -> None:
        super().__init__(client)
        self.documents = LibraryDocuments(client)
        self.accesses = LibraryAccesses(client)

    def list(
        self,
        *,
        page_size: int | None = None,
        page_token: str | None = None,
        page: int | None = None,
        search: str | None = None,
        filter_owned_by_me: bool | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> ListLibrariesResponse:
        """A page of the libraries you own or that are shared with you (``GET /v1/libraries``); pass
        ``next_page_token`` back as ``page_token``. ``page`` and ``filter_owned_by_me`` are deprecated
        by the API."""
        params = {
            "page_size": page_size,
            "page_token": page_token,
            "page": page,
            "search": search,
            "filter_owned_by_me": filter_owned_by_me,
            **options,
        }
        return self._call(records.LIBRARIES_LIST, params)

    def create(
        self,
        *,
        name: str,
        description: str | None = None,
        chunk_size: int | None = None,
        owner_type: OwnerType | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> Library:
        """Create a library (``POST /v1/libraries``), owned by you (``owner_type="User"``, private) or
        your workspace; ``chunk_size`` is deprecated by the API."""
        params = {
            "name": name,
            "description": description,
            "chunk_size": chunk_size,
            "owner_type": owner_type,
            **options,
        }
        return self._call(records.LIBRARIES_CREATE, params)

    def get(self, *, library_id: str, **options: Unpack[RequestOptionsParam]) -> Library:
        """One library (``GET /v1/libraries/{library_id}``)."""
        return self._call(records.LIBRARIES_GET, options, path=_library(library_id))

    def update(
        self,
        *,
        library_id: str,
        name: str | None = None,
        description: str | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> Library:
        """Rename a library or change its description (``PATCH /v1/libraries/{library_id}``)."""
        params = {"name": name, "description": description, **options}
        return self._call(records.LIBRARIES_UPDATE, params, path=_library(library_id))

    def delete(self, *, library_id: str, **options: Unpack[RequestOptionsParam]) -> Library | None:
        """Delete a library and all its documents (``DELETE /v1/libraries/{library_id}``): the library
        deleted, or ``None`` once the API answers 204 No Content as it announces."""
        return self._call(records.LIBRARIES_DELETE, options, path=_library(library_id))

    @functools.cached_property
    def with_raw_response(self) -> LibrariesWithRawResponse:
        return LibrariesWithRawResponse(self)


class LibrariesWithRawResponse:
    """``client.beta.libraries``' methods returning the :class:`~mistral_client.APIResponse`."""

    def __init__(self, libraries: Libraries) -> None:
        libraries = libraries._raw_copy()
        self.list = raw(libraries.list)
        self.create = raw(libraries.create)
        self.get = raw(libraries.get)
        self.update = raw(libraries.update)
        self.delete = raw(libraries.delete)


# --- async ----------------------------------------------------------------------------------------


class AsyncLibraryDocuments(AsyncAPIResource):
    """``client.beta.libraries.documents``: a library's documents."""

    workflows = frozenset({"wait_until_processed"})

    async def list(
        self,
        *,
        library_id: str,
        search: str | None = None,
        page_size: int | None = None,
        page: int | None = None,
        filters_attributes: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> ListDocumentsResponse:
        """A page of the library's documents (``GET /v1/libraries/{library_id}/documents``);
        ``filters_attributes`` is deprecated by the API."""
        params = {
            "search": search,
            "page_size": page_size,
            "page": page,
            "filters_attributes": filters_attributes,
            "sort_by": sort_by,
            "sort_order": sort_order,
            **options,
        }
        return await self._call(records.DOCUMENTS_LIST, params, path=_library(library_id))

    async def upload(
        self,
        *,
        library_id: str,
        file: FileInput,
        filename: str | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> Document:
        """Upload a document to the library (``POST /v1/libraries/{library_id}/documents``), streamed
        from disk or the file object you pass; it is then processed (see :meth:`wait_until_processed`).
        A document with the same content already in the library is returned as it is."""
        upload = upload_of(file, filename)
        return await self._call(records.DOCUMENTS_UPLOAD, options, path=_library(library_id), upload=upload)

    async def get(
        self, *, library_id: str, document_id: str, **options: Unpack[RequestOptionsParam]
    ) -> Document:
        """A document's metadata (``GET /v1/libraries/{library_id}/documents/{document_id}``)."""
        return await self._call(records.DOCUMENTS_GET, options, path=_document(library_id, document_id))

    async def update(
        self,
        *,
        library_id: str,
        document_id: str,
        name: str | None = None,
        attributes: Mapping[str, AttributeValue] | None = None,
        expires_at: datetime.datetime | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> Document:
        """Rename a document, set its attributes or its expiry (``PATCH .../documents/{document_id}``)."""
        params = {"name": name, "attributes": attributes, "expires_at": expires_at, **options}
        return await self._call(records.DOCUMENTS_UPDATE, params, path=_document(library_id, document_id))

    async def delete(
        self, *, library_id: str, document_id: str, **options: Unpack[RequestOptionsParam]
    ) -> None:
        """Delete a document from the library and its search index
        (``DELETE .../documents/{document_id}``)."""
        return await self._call(records.DOCUMENTS_DELETE, options, path=_document(library_id, document_id))

    async def text_content(
        self,
        *,
        library_id: str,
        document_id: str,
        page_start: int | None = None,
        page_end: int | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> DocumentTextContent:
        """A document's text (``GET .../documents/{document_id}/text_content``); for PDF, DOCX, PPTX...
        what Mistral OCR read from it."""
        params = {"page_start": page_start, "page_end": page_end, **options}
        path = _document(library_id, document_id)
        return await self._call(records.DOCUMENTS_TEXT_CONTENT, params, path=path)

    async def status(
        self, *, library_id: str, document_id: str, **options: Unpack[RequestOptionsParam]
    ) -> ProcessingStatus:
        """A document's processing status (``GET .../documents/{document_id}/status``)."""
        return await self._call(records.DOCUMENTS_STATUS, options, path=_document(library_id, document_id))

    async def get_signed_url(
        self, *, library_id: str, document_id: str, **options: Unpack[RequestOptionsParam]
    ) -> str:
        """A signed URL of the document as uploaded, valid 30 minutes for anyone who has it."""
        path = _document(library_id, document_id)
        return await self._call(records.DOCUMENTS_SIGNED_URL, options, path=path)

    async def extracted_text_signed_url(
        self, *, library_id: str, document_id: str, **options: Unpack[RequestOptionsParam]
    ) -> str:
        """A signed URL of the text extracted from the document (for OCR'd documents: the OCR result)."""
        path = _document(library_id, document_id)
        return await self._call(records.DOCUMENTS_EXTRACTED_TEXT_SIGNED_URL, options, path=path)

    async def reprocess(
        self, *, library_id: str, document_id: str, **options: Unpack[RequestOptionsParam]
    ) -> None:
        """Process the document again (``POST .../documents/{document_id}/reprocess``); billed again."""
        return await self._call(records.DOCUMENTS_REPROCESS, options, path=_document(library_id, document_id))

    async def wait_until_processed(
        self,
        *,
        library_id: str,
        document_id: str,
        timeout: float | None = None,
        poll_interval: float = _POLL_INTERVAL,
    ) -> Document:
        """Poll the document's status until it is processed, then return the document.

        The interval starts at ``poll_interval`` seconds and grows 1.5x per poll, up to 10 s. Raises
        :class:`~mistral_client.DocumentProcessingError` if processing fails and
        :class:`~mistral_client.DocumentProcessingTimeoutError` if it is still pending after
        ``timeout`` seconds (``None``: wait as long as it takes); the processing itself goes on.
        """
        import anyio

        wait = waits.DocumentWait(library_id, document_id, timeout=timeout, poll_interval=poll_interval)
        while (
            sleep := wait.next_sleep(await self.status(library_id=library_id, document_id=document_id))
        ) is not None:
            await anyio.sleep(sleep)
        return await self.get(library_id=library_id, document_id=document_id)

    @functools.cached_property
    def with_raw_response(self) -> AsyncLibraryDocumentsWithRawResponse:
        return AsyncLibraryDocumentsWithRawResponse(self)


class AsyncLibraryDocumentsWithRawResponse:
    """``client.beta.libraries.documents``' methods returning the :class:`~mistral_client.APIResponse`;
    each is awaited."""

    def __init__(self, documents: AsyncLibraryDocuments) -> None:
        documents = documents._raw_copy()
        self.list = async_raw(documents.list)
        self.upload = async_raw(documents.upload)
        self.get = async_raw(documents.get)
        self.update = async_raw(documents.update)
        self.delete = async_raw(documents.delete)
        self.text_content = async_raw(documents.text_content)
        self.status = async_raw(documents.status)
        self.get_signed_url = async_raw(documents.get_signed_url)
        self.extracted_text_signed_url = async_raw(documents.extracted_text_signed_url)
        self.reprocess = async_raw(documents.reprocess)


class AsyncLibraryAccesses(AsyncAPIResource):
    """``client.beta.libraries.accesses``: who a library is shared with, and at which level."""

    async def list(self, *, library_id: str, **options: Unpack[RequestOptionsParam]) -> ListSharingResponse:
        """Every entity with access to the library, and its level
        (``GET /v1/libraries/{library_id}/share``)."""
        return await self._call(records.ACCESSES_LIST, options, path=_library(library_id))

    async def update_or_create(
        self,
        *,
        library_id: str,
        level: ShareLevel,
        share_with_uuid: str,
        share_with_type: EntityType,
        org_id: str | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> Sharing:
        """Give a user, workspace or organization an access level (``PUT .../share``); only the
        library's owner can, and not outside the organization. ``org_id`` is deprecated by the API."""
        params = {
            "level": level,
            "share_with_uuid": share_with_uuid,
            "share_with_type": share_with_type,
            "org_id": org_id,
            **options,
        }
        return await self._call(records.ACCESSES_UPDATE_OR_CREATE, params, path=_library(library_id))

    async def delete(
        self,
        *,
        library_id: str,
        share_with_uuid: str,
        share_with_type: EntityType,
        org_id: str | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> Sharing | None:
        """Take an entity's access away (``DELETE .../share``): the access deleted, or ``None`` once
        the API answers 204 No Content as it announces. ``org_id`` is deprecated by the API."""
        params = {"share_with_uuid": share_with_uuid, "share_with_type": share_with_type, "org_id": org_id}
        return await self._call(records.ACCESSES_DELETE, {**params, **options}, path=_library(library_id))

    @functools.cached_property
    def with_raw_response(self) -> AsyncLibraryAccessesWithRawResponse:
        return AsyncLibraryAccessesWithRawResponse(self)


class AsyncLibraryAccessesWithRawResponse:
    """``client.beta.libraries.accesses``' methods returning the :class:`~mistral_client.APIResponse`;
    each is awaited."""

    def __init__(self, accesses: AsyncLibraryAccesses) -> None:
        accesses = accesses._raw_copy()
        self.list = async_raw(accesses.list)
        self.update_or_create = async_raw(accesses.update_or_create)
        self.delete = async_raw(accesses.delete)


class AsyncLibraries(AsyncAPIResource):
    """``client.beta.libraries``: libraries, their ``documents`` and ``accesses``."""

    documents: AsyncLibraryDocuments
    accesses: AsyncLibraryAccesses

    def __init__(self, client: AsyncClient) -> None:
        super().__init__(client)
        self.documents = AsyncLibraryDocuments(client)
        self.accesses = AsyncLibraryAccesses(client)

    async def list(
        self,
        *,
        page_size: int | None = None,
        page_token: str | None = None,
        page: int | None = None,
        search: str | None = None,
        filter_owned_by_me: bool | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> ListLibrariesResponse:
        """A page of the libraries you own or that are shared with you (``GET /v1/libraries``); pass
        ``next_page_token`` back as ``page_token``. ``page`` and ``filter_owned_by_me`` are deprecated
        by the API."""
        params = {
            "page_size": page_size,
            "page_token": page_token,
            "page": page,
            "search": search,
            "filter_owned_by_me": filter_owned_by_me,
            **options,
        }
        return await self._call(records.LIBRARIES_LIST, params)

    async def create(
        self,
        *,
        name: str,
        description: str | None = None,
        chunk_size: int | None = None,
        owner_type: OwnerType | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> Library:
        """Create a library (``POST /v1/libraries``), owned by you (``owner_type="User"``, private) or
        your workspace; ``chunk_size`` is deprecated by the API."""
        params = {
            "name": name,
            "description": description,
            "chunk_size": chunk_size,
            "owner_type": owner_type,
            **options,
        }
        return await self._call(records.LIBRARIES_CREATE, params)

    async def get(self, *, library_id: str, **options: Unpack[RequestOptionsParam]) -> Library:
        """One library (``GET /v1/libraries/{library_id}``)."""
        return await self._call(records.LIBRARIES_GET, options, path=_library(library_id))

    async def update(
        self,
        *,
        library_id: str,
        name: str | None = None,
        description: str | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> Library:
        """Rename a library or change its description (``PATCH /v1/libraries/{library_id}``)."""
        params = {"name": name, "description": description, **options}
        return await self._call(records.LIBRARIES_UPDATE, params, path=_library(library_id))

    async def delete(self, *, library_id: str, **options: Unpack[RequestOptionsParam]) -> Library | None:
        """Delete a library and all its documents (``DELETE /v1/libraries/{library_id}``): the library
        deleted, or ``None`` once the API answers 204 No Content as it announces."""
        return await self._call(records.LIBRARIES_DELETE, options, path=_library(library_id))

    @functools.cached_property
    def with_raw_response(self) -> AsyncLibrariesWithRawResponse:
        return AsyncLibrariesWithRawResponse(self)


class AsyncLibrariesWithRawResponse:
    """``client.beta.libraries``' methods returning the :class:`~mistral_client.APIResponse`; each is
    awaited."""

    def __init__(self, libraries: AsyncLibraries) -> None:
        libraries = libraries._raw_copy()
        self.list = async_raw(libraries.list)
        self.create = async_raw(libraries.create)
        self.get = async_raw(libraries.get)
        self.update = async_raw(libraries.update)
        self.delete = async_raw(libraries.delete)
