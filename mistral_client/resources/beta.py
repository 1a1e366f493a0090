"""``client.beta``: the API's beta endpoint groups, each a resource of its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._base import AsyncAPIResource, SyncAPIResource
from .beta_agents import AsyncBetaAgents, BetaAgents
from .conversations import AsyncConversations, Conversations
from .libraries import AsyncLibraries, Libraries

if TYPE_CHECKING:
    from .._client import AsyncClient, Client


class Beta(SyncAPIResource):
    """``client.beta``: ``agents`` (agents, their versions and aliases), ``conversations`` and
    ``libraries`` (documents agents search, and who they are shared with)."""

    agents: BetaAgents
    conversations: Conversations
    libraries: Libraries

    def __init__(self, client: Client) -> None:
        super().__init__(client)
        self.agents = BetaAgents(client)
        self.conversations = Conversations(client)
        self.libraries = Libraries(client)


class AsyncBeta(AsyncAPIResource):
    """``client.beta``: ``agents`` (agents, their versions and aliases), ``conversations`` and
    ``libraries`` (documents agents search, and who they are shared with)."""

    agents: AsyncBetaAgents
    conversations: AsyncConversations
    libraries: AsyncLibraries

    def __init__(self, client: AsyncClient) -> None:
        super().__init__(client)
        self.agents = AsyncBetaAgents(client)
        self.conversations = AsyncConversations(client)
        self.libraries = AsyncLibraries(client)
