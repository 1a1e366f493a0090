"""``client.beta.conversations``: conversations the API keeps, with a model or an agent
(``/v1/conversations``): start, append, restart (whole or streamed), list, get, delete, history
and messages; and ``run`` / ``run_stream``, which run the model's function calls with your
``@tool`` functions until it is done.

Each method names its operation's record and hands its arguments to the resource door; the
streams are :class:`~mistral_client.ConversationStream` (events by ``type``, adding up to the
``ConversationResponse``). ``with_raw_response`` gives the one-request methods returning an
:class:`~mistral_client.APIResponse`.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from .._lazy import lazy_module
from ._base import AsyncAPIResource, SyncAPIResource, async_raw, async_raw_stream, endpoints, raw

if TYPE_CHECKING:
    from .. import _conversation_run as runs
    from .. import _conversation_stream as conversation_streams
    from .._conversation_run import AsyncRunStream, RunStream
    from .._conversation_stream import AsyncConversationStream, ConversationStream
    from ..types.agent_params import (
        ConversationAppendParams,
        ConversationRestartParams,
        ConversationRunParams,
        ConversationStartParams,
    )
    from ..types.conversations import (
        Conversation,
        ConversationHistory,
        ConversationMessages,
        ConversationResponse,
        RunResult,
    )
    from ..types.params import AnyToolParam, RequestOptionsParam
else:
    runs = lazy_module("mistral_client._conversation_run")
    conversation_streams = lazy_module("mistral_client._conversation_stream")


def _conversation(conversation_id: str) -> dict[str, object]:
    return {"conversation_id": conversation_id}


class Conversations(SyncAPIResource):
    workflows = frozenset({"run", "run_stream"})

    def start(self, **params: Unpack[ConversationStartParams]) -> ConversationResponse:
        """Start a conversation with a ``model`` or an ``agent_id`` (``POST /v1/conversations``):
        ``inputs`` (a message's text, or entries) and the answer's new entries."""
        return self._call(endpoints.CONVERSATIONS_START, params)

    def start_stream(self, **params: Unpack[ConversationStartParams]) -> ConversationStream:
        """Start a conversation, streamed. Nothing is sent until the stream is entered or iterated."""
        return self._stream(
            endpoints.CONVERSATIONS_START_STREAM, params, conversation_streams.ConversationStream
        )

    def append(
        self, *, conversation_id: str, **params: Unpack[ConversationAppendParams]
    ) -> ConversationResponse:
        """Add entries (a message, function results) to a conversation and get the answer
        (``POST /v1/conversations/{conversation_id}``)."""
        return self._call(endpoints.CONVERSATIONS_APPEND, params, path=_conversation(conversation_id))

    def append_stream(
        self, *, conversation_id: str, **params: Unpack[ConversationAppendParams]
    ) -> ConversationStream:
        """:meth:`append`, streamed."""
        return self._stream(
            endpoints.CONVERSATIONS_APPEND_STREAM,
            params,
            conversation_streams.ConversationStream,
            path=_conversation(conversation_id),
        )

    def restart(
        self, *, conversation_id: str, **params: Unpack[ConversationRestartParams]
    ) -> ConversationResponse:
        """A new conversation that branches off ``conversation_id`` at ``from_entry_id``
        (``POST /v1/conversations/{conversation_id}/restart``)."""
        return self._call(endpoints.CONVERSATIONS_RESTART, params, path=_conversation(conversation_id))

    def restart_stream(
        self, *, conversation_id: str, **params: Unpack[ConversationRestartParams]
    ) -> ConversationStream:
        """:meth:`restart`, streamed."""
        return self._stream(
            endpoints.CONVERSATIONS_RESTART_STREAM,
            params,
            conversation_streams.ConversationStream,
            path=_conversation(conversation_id),
        )

    def list(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        metadata: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> builtins.list[Conversation]:
        """A page of your conversations, newest first (``GET /v1/conversations``)."""
        query = {"page": page, "page_size": page_size, "metadata": metadata, **options}
        return self._call(endpoints.CONVERSATIONS_LIST, query)

    def get(self, *, conversation_id: str, **options: Unpack[RequestOptionsParam]) -> Conversation:
        """A conversation's metadata (``GET /v1/conversations/{conversation_id}``)."""
        return self._call(endpoints.CONVERSATIONS_GET, options, path=_conversation(conversation_id))

    def delete(self, *, conversation_id: str, **options: Unpack[RequestOptionsParam]) -> None:
        """Delete a conversation (``DELETE /v1/conversations/{conversation_id}``)."""
        return self._call(endpoints.CONVERSATIONS_DELETE, options, path=_conversation(conversation_id))

    def get_history(
        self, *, conversation_id: str, **options: Unpack[RequestOptionsParam]
    ) -> ConversationHistory:
        """Every entry of a conversation, in order (``GET .../{conversation_id}/history``)."""
        return self._call(endpoints.CONVERSATIONS_GET_HISTORY, options, path=_conversation(conversation_id))

    def get_messages(
        self, *, conversation_id: str, **options: Unpack[RequestOptionsParam]
    ) -> ConversationMessages:
        """A conversation's messages, without the tool entries
        (``GET /v1/conversations/{conversation_id}/messages``)."""
        return self._call(endpoints.CONVERSATIONS_GET_MESSAGES, options, path=_conversation(conversation_id))

    def run(
        self,
        *,
        tools: Sequence[AnyToolParam] = (),
        max_iterations: int = 10,
        **params: Unpack[ConversationRunParams],
    ) -> RunResult:
        """Start a conversation and run it to its end: each ``function.call`` the model makes is
        run with the ``@tool`` function of its name, and the results appended, until the model
        answers without a call. A failing tool (or an unknown one, or bad arguments) is reported to
        the model as its result. Built-in tools in ``tools`` run on the server. With ``agent_id``,
        ``tools`` are the functions that run the agent's function tools (its definition lists them).

        Raises :class:`~mistral_client.MaxToolIterationsError` when the model still calls tools
        after ``max_iterations`` requests. Arguments are checked before anything is sent.
        """
        return runs.run(self, params, tools, max_iterations)

    def run_stream(
        self,
        *,
        tools: Sequence[AnyToolParam] = (),
        max_iterations: int = 10,
        **params: Unpack[ConversationRunParams],
    ) -> RunStream:
        """:meth:`run`, streamed: the events of every turn, and a ``FunctionResultEntry`` for each
        function run between them; ``get_final_result()`` is the ``RunResult``."""
        return runs.RunStream(self, params, tools, max_iterations)

    @functools.cached_property
    def with_raw_response(self) -> ConversationsWithRawResponse:
        return ConversationsWithRawResponse(self)


class ConversationsWithRawResponse:
    """``client.beta.conversations``' one-request methods returning the
    :class:`~mistral_client.APIResponse` (a stream's once it is open)."""

    def __init__(self, conversations: Conversations) -> None:
        conversations = conversations._raw_copy()
        self.start = raw(conversations.start)
        self.start_stream = raw(conversations.start_stream)
        self.append = raw(conversations.append)
        self.append_stream = raw(conversations.append_stream)
        self.restart = raw(conversations.restart)
        self.restart_stream = raw(conversations.restart_stream)
        self.list = raw(conversations.list)
        self.get = raw(conversations.get)
        self.delete = raw(conversations.delete)
        self.get_history = raw(conversations.get_history)
        self.get_messages = raw(conversations.get_messages)


class AsyncConversations(AsyncAPIResource):
    workflows = frozenset({"run", "run_stream"})

    async def start(self, **params: Unpack[ConversationStartParams]) -> ConversationResponse:
        """Start a conversation with a ``model`` or an ``agent_id`` (``POST /v1/conversations``)."""
        return await self._call(endpoints.CONVERSATIONS_START, params)

    def start_stream(self, **params: Unpack[ConversationStartParams]) -> AsyncConversationStream:
        """Start a conversation, streamed; use with ``async for`` or ``async with`` (no ``await``)."""
        return self._stream(
            endpoints.CONVERSATIONS_START_STREAM, params, conversation_streams.AsyncConversationStream
        )

    async def append(
        self, *, conversation_id: str, **params: Unpack[ConversationAppendParams]
    ) -> ConversationResponse:
        """Add entries to a conversation and get the answer (``POST /v1/conversations/{conversation_id}``)."""
        return await self._call(endpoints.CONVERSATIONS_APPEND, params, path=_conversation(conversation_id))

    def append_stream(
        self, *, conversation_id: str, **params: Unpack[ConversationAppendParams]
    ) -> AsyncConversationStream:
        """:meth:`append`, streamed."""
        return self._stream(
            endpoints.CONVERSATIONS_APPEND_STREAM,
            params,
            conversation_streams.AsyncConversationStream,
            path=_conversation(conversation_id),
        )

    async def restart(
        self, *, conversation_id: str, **params: Unpack[ConversationRestartParams]
    ) -> ConversationResponse:
        """A new conversation that branches off ``conversation_id`` at ``from_entry_id``."""
        return await self._call(endpoints.CONVERSATIONS_RESTART, params, path=_conversation(conversation_id))

    def restart_stream(
        self, *, conversation_id: str, **params: Unpack[ConversationRestartParams]
    ) -> AsyncConversationStream:
        """:meth:`restart`, streamed."""
        return self._stream(
            endpoints.CONVERSATIONS_RESTART_STREAM,
            params,
            conversation_streams.AsyncConversationStream,
            path=_conversation(conversation_id),
        )

    async def list(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        metadata: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> builtins.list[Conversation]:
        """A page of your conversations, newest first (``GET /v1/conversations``)."""
        query = {"page": page, "page_size": page_size, "metadata": metadata, **options}
        return await self._call(endpoints.CONVERSATIONS_LIST, query)

    async def get(self, *, conversation_id: str, **options: Unpack[RequestOptionsParam]) -> Conversation:
        """A conversation's metadata (``GET /v1/conversations/{conversation_id}``)."""
        return await self._call(endpoints.CONVERSATIONS_GET, options, path=_conversation(conversation_id))

    async def delete(self, *, conversation_id: str, **options: Unpack[RequestOptionsParam]) -> None:
        """Delete a conversation (``DELETE /v1/conversations/{conversation_id}``)."""
        return await self._call(endpoints.CONVERSATIONS_DELETE, options, path=_conversation(conversation_id))

    async def get_history(
        self, *, conversation_id: str, **options: Unpack[RequestOptionsParam]
    ) -> ConversationHistory:
        """Every entry of a conversation, in order."""
        return await self._call(
            endpoints.CONVERSATIONS_GET_HISTORY, options, path=_conversation(conversation_id)
        )

    async def get_messages(
        self, *, conversation_id: str, **options: Unpack[RequestOptionsParam]
    ) -> ConversationMessages:
        """A conversation's messages, without the tool entries."""
        return await self._call(
            endpoints.CONVERSATIONS_GET_MESSAGES, options, path=_conversation(conversation_id)
        )

    async def run(
        self,
        *,
        tools: Sequence[AnyToolParam] = (),
        max_iterations: int = 10,
        max_concurrency: int = 4,
        **params: Unpack[ConversationRunParams],
    ) -> RunResult:
        """The async :meth:`Conversations.run`: a turn's calls run concurrently, at most
        ``max_concurrency`` at a time (sync functions in worker threads)."""
        return await runs.arun(self, params, tools, max_iterations, max_concurrency)

    def run_stream(
        self,
        *,
        tools: Sequence[AnyToolParam] = (),
        max_iterations: int = 10,
        max_concurrency: int = 4,
        **params: Unpack[ConversationRunParams],
    ) -> AsyncRunStream:
        """The async :meth:`Conversations.run_stream`: ``async for``, ``await get_final_result()``."""
        return runs.AsyncRunStream(self, params, tools, max_iterations, max_concurrency)

    @functools.cached_property
    def with_raw_response(self) -> AsyncConversationsWithRawResponse:
        return AsyncConversationsWithRawResponse(self)


class AsyncConversationsWithRawResponse:
    """``client.beta.conversations``' one-request methods returning the
    :class:`~mistral_client.APIResponse`; each is awaited (a stream's sends its request)."""

    def __init__(self, conversations: AsyncConversations) -> None:
        conversations = conversations._raw_copy()
        self.start = async_raw(conversations.start)
        self.start_stream = async_raw_stream(conversations.start_stream)
        self.append = async_raw(conversations.append)
        self.append_stream = async_raw_stream(conversations.append_stream)
        self.restart = async_raw(conversations.restart)
        self.restart_stream = async_raw_stream(conversations.restart_stream)
        self.list = async_raw(conversations.list)
        self.get = async_raw(conversations.get)
        self.delete = async_raw(conversations.delete)
        self.get_history = async_raw(conversations.get_history)
        self.get_messages = async_raw(conversations.get_messages)
