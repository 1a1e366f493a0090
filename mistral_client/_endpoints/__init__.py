"""The API's operations, one record each: everything else reads them.

A record says what an operation is: its name (``APIRequest.operation``, what backends that are not
HTTP dispatch on), its HTTP method and path template, whether it answers with a stream of events,
the types of its body, query or form and of its response, its OpenTelemetry GenAI operation name
(``None``: not a GenAI call), and whether the Batch API accepts it. Request building
(:mod:`._requests`), the HTTP backends (stream headers), tracing, the Batch API helpers, the
:class:`~mistral_client.testing.FakeBackend` and the local backend's dispatch read these records;
adding an operation is adding its record (and its types and resource method).

One module per endpoint group holds its records (``chat``, ``embeddings``, ``models``, ``files``,
``batch``...); this package names them all and indexes them. It imports the API types (pydantic): it
loads with the first request, not with the package.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

from . import audio, batch, chat, classifiers, embeddings, files, libraries, models, ocr
from ._record import Endpoint, Parser
from .audio import (
    AUDIO_SPEECH_COMPLETE,
    AUDIO_SPEECH_STREAM,
    AUDIO_TRANSCRIPTIONS_COMPLETE,
    AUDIO_TRANSCRIPTIONS_STREAM,
    AUDIO_VOICES_CREATE,
    AUDIO_VOICES_DELETE,
    AUDIO_VOICES_GET,
    AUDIO_VOICES_GET_SAMPLE_AUDIO,
    AUDIO_VOICES_LIST,
    AUDIO_VOICES_UPDATE,
)
from .batch import BATCH_JOBS_CANCEL, BATCH_JOBS_CREATE, BATCH_JOBS_DELETE, BATCH_JOBS_GET, BATCH_JOBS_LIST
from .chat import CHAT_COMPLETE, CHAT_STREAM, FIM_COMPLETE, FIM_STREAM
from .classifiers import (
    CLASSIFIERS_CLASSIFY,
    CLASSIFIERS_CLASSIFY_CHAT,
    CLASSIFIERS_MODERATE,
    CLASSIFIERS_MODERATE_CHAT,
)
from .embeddings import EMBEDDINGS_CREATE
from .files import FILES_DELETE, FILES_DOWNLOAD, FILES_LIST, FILES_RETRIEVE, FILES_UPLOAD, FILES_URL
from .models import MODELS_DELETE, MODELS_LIST, MODELS_RETRIEVE
from .ocr import OCR_PROCESS

if TYPE_CHECKING:
    from .agents import (
        AGENTS_COMPLETE,
        AGENTS_CREATE,
        AGENTS_CREATE_VERSION_ALIAS,
        AGENTS_DELETE,
        AGENTS_DELETE_VERSION_ALIAS,
        AGENTS_GET,
        AGENTS_GET_VERSION,
        AGENTS_LIST,
        AGENTS_LIST_VERSION_ALIASES,
        AGENTS_LIST_VERSIONS,
        AGENTS_STREAM,
        AGENTS_UPDATE,
        AGENTS_UPDATE_VERSION,
    )
    from .conversations import (
        CONVERSATIONS_APPEND,
        CONVERSATIONS_APPEND_STREAM,
        CONVERSATIONS_DELETE,
        CONVERSATIONS_GET,
        CONVERSATIONS_GET_HISTORY,
        CONVERSATIONS_GET_MESSAGES,
        CONVERSATIONS_LIST,
        CONVERSATIONS_RESTART,
        CONVERSATIONS_RESTART_STREAM,
        CONVERSATIONS_START,
        CONVERSATIONS_START_STREAM,
    )

    #: The records by operation name.
    BY_NAME: Mapping[str, Endpoint[Any]]
    #: The operations the Batch API accepts, by the path ``batch.run(endpoint=...)`` names them with.
    BATCHABLE: Mapping[str, Endpoint[Any]]
    #: Each stream's operation, by the operation answering the same call whole.
    STREAMED: Mapping[Endpoint[Any], Endpoint[Any]]

#: The endpoint groups, each a module of records: a new group is one module, and its name here.
GROUPS: tuple[ModuleType, ...] = (chat, embeddings, models, files, batch, ocr, classifiers, libraries, audio)
#: Groups whose types most programs never touch (dozens of models): imported on first use of one of
#: their records (``endpoints.CONVERSATIONS_START``) or of an index below, not with the first request.
LAZY_GROUPS: tuple[str, ...] = ("agents", "conversations")


def _lazy_group(name: str) -> ModuleType:
    return importlib.import_module(f".{name}", __name__)


def all_endpoints() -> Iterator[Endpoint[Any]]:
    """Every record, group by group, in the order declared."""
    for group in (*GROUPS, *map(_lazy_group, LAZY_GROUPS)):
        yield from (value for value in vars(group).values() if isinstance(value, Endpoint))


def _index(name: str) -> Any:
    by_name = {endpoint.name: endpoint for endpoint in all_endpoints()}
    indexes = {
        "BY_NAME": by_name,
        "BATCHABLE": {e.path: e for e in by_name.values() if e.batch},
        "STREAMED": {e.whole: e for e in by_name.values() if e.whole is not None},
    }
    globals().update(indexes)  # later reads do not come back here
    return indexes[name]


def __getattr__(name: str) -> Any:
    if name in ("BY_NAME", "BATCHABLE", "STREAMED"):
        return _index(name)
    for group in LAZY_GROUPS:
        value = getattr(_lazy_group(group), name, None) if name.isupper() else None
        if isinstance(value, Endpoint):
            globals()[name] = value
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AGENTS_COMPLETE",
    "AGENTS_CREATE",
    "AGENTS_CREATE_VERSION_ALIAS",
    "AGENTS_DELETE",
    "AGENTS_DELETE_VERSION_ALIAS",
    "AGENTS_GET",
    "AGENTS_GET_VERSION",
    "AGENTS_LIST",
    "AGENTS_LIST_VERSIONS",
    "AGENTS_LIST_VERSION_ALIASES",
    "AGENTS_STREAM",
    "AGENTS_UPDATE",
    "AGENTS_UPDATE_VERSION",
    "AUDIO_SPEECH_COMPLETE",
    "AUDIO_SPEECH_STREAM",
    "AUDIO_TRANSCRIPTIONS_COMPLETE",
    "AUDIO_TRANSCRIPTIONS_STREAM",
    "AUDIO_VOICES_CREATE",
    "AUDIO_VOICES_DELETE",
    "AUDIO_VOICES_GET",
    "AUDIO_VOICES_GET_SAMPLE_AUDIO",
    "AUDIO_VOICES_LIST",
    "AUDIO_VOICES_UPDATE",
    "BATCHABLE",
    "BATCH_JOBS_CANCEL",
    "BATCH_JOBS_CREATE",
    "BATCH_JOBS_DELETE",
    "BATCH_JOBS_GET",
    "BATCH_JOBS_LIST",
    "BY_NAME",
    "CHAT_COMPLETE",
    "CHAT_STREAM",
    "CLASSIFIERS_CLASSIFY",
    "CLASSIFIERS_CLASSIFY_CHAT",
    "CLASSIFIERS_MODERATE",
    "CLASSIFIERS_MODERATE_CHAT",
    "CONVERSATIONS_APPEND",
    "CONVERSATIONS_APPEND_STREAM",
    "CONVERSATIONS_DELETE",
    "CONVERSATIONS_GET",
    "CONVERSATIONS_GET_HISTORY",
    "CONVERSATIONS_GET_MESSAGES",
    "CONVERSATIONS_LIST",
    "CONVERSATIONS_RESTART",
    "CONVERSATIONS_RESTART_STREAM",
    "CONVERSATIONS_START",
    "CONVERSATIONS_START_STREAM",
    "EMBEDDINGS_CREATE",
    "FILES_DELETE",
    "FILES_DOWNLOAD",
    "FILES_LIST",
    "FILES_RETRIEVE",
    "FILES_UPLOAD",
    "FILES_URL",
    "FIM_COMPLETE",
    "FIM_STREAM",
    "GROUPS",
    "MODELS_DELETE",
    "MODELS_LIST",
    "MODELS_RETRIEVE",
    "OCR_PROCESS",
    "STREAMED",
    "Endpoint",
    "Parser",
    "all_endpoints",
]
