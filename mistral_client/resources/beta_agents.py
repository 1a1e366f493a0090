"""``client.beta.agents``: agents (a model with instructions, tools and completion arguments, kept by
the API under an id), their versions and version aliases (``/v1/agents``).

``tools=`` takes ``@tool`` functions and ``FunctionTool``s (sent as their definitions) alongside tool
dicts, models and the built-in tools, as ``client.chat`` does. Each method names its operation's
record; ``with_raw_response`` gives the same methods returning an :class:`~mistral_client.APIResponse`.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from typing_extensions import Unpack

from ._base import AsyncAPIResource, SyncAPIResource, async_raw, endpoints, raw

if TYPE_CHECKING:
    from ..types.agent_params import AgentCreateParams, AgentUpdateParams
    from ..types.agents import Agent, AgentAliasResponse
    from ..types.params import RequestOptionsParam

Source = Literal["api", "playground", "agent_builder_v1"]


def _agent(agent_id: str) -> dict[str, object]:
    return {"agent_id": agent_id}


def _version(agent_id: str, version: int | str) -> dict[str, object]:
    # The path takes a version number or an alias; a number is sent as its digits.
    return {"agent_id": agent_id, "version": str(version) if isinstance(version, int) else version}


class BetaAgents(SyncAPIResource):
    def create(self, **params: Unpack[AgentCreateParams]) -> Agent:
        """Create an agent (``POST /v1/agents``): ``model`` and ``name`` required."""
        return self._call(endpoints.AGENTS_CREATE, params)

    def list(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        deployment_chat: bool | None = None,
        sources: Sequence[Source] | None = None,
        name: str | None = None,
        search: str | None = None,
        id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> builtins.list[Agent]:
        """A page of your agents (``GET /v1/agents``; ``page`` from 0, ``page_size`` up to 1000)."""
        query = {
            "page": page,
            "page_size": page_size,
            "deployment_chat": deployment_chat,
            "sources": sources,
            "name": name,
            "search": search,
            "id": id,
            "metadata": metadata,
        }
        return self._call(endpoints.AGENTS_LIST, {**query, **options})

    def get(
        self, *, agent_id: str, agent_version: int | str | None = None, **options: Unpack[RequestOptionsParam]
    ) -> Agent:
        """An agent (``GET /v1/agents/{agent_id}``): its current version, or ``agent_version`` (a
        number or an alias)."""
        return self._call(
            endpoints.AGENTS_GET, {"agent_version": agent_version, **options}, path=_agent(agent_id)
        )

    def update(self, *, agent_id: str, **params: Unpack[AgentUpdateParams]) -> Agent:
        """Change an agent (``PATCH /v1/agents/{agent_id}``): a new version with the fields given."""
        return self._call(endpoints.AGENTS_UPDATE, params, path=_agent(agent_id))

    def delete(self, *, agent_id: str, **options: Unpack[RequestOptionsParam]) -> None:
        """Delete an agent (``DELETE /v1/agents/{agent_id}``)."""
        return self._call(endpoints.AGENTS_DELETE, options, path=_agent(agent_id))

    def update_version(self, *, agent_id: str, version: int, **options: Unpack[RequestOptionsParam]) -> Agent:
        """Make ``version`` the agent's current version (``PATCH /v1/agents/{agent_id}/version``)."""
        return self._call(
            endpoints.AGENTS_UPDATE_VERSION, {"version": version, **options}, path=_agent(agent_id)
        )

    def list_versions(
        self,
        *,
        agent_id: str,
        page: int | None = None,
        page_size: int | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> builtins.list[Agent]:
        """A page of an agent's versions (``GET /v1/agents/{agent_id}/versions``)."""
        query = {"page": page, "page_size": page_size, **options}
        return self._call(endpoints.AGENTS_LIST_VERSIONS, query, path=_agent(agent_id))

    def get_version(
        self, *, agent_id: str, version: int | str, **options: Unpack[RequestOptionsParam]
    ) -> Agent:
        """One version of an agent, by number or alias (``GET /v1/agents/{agent_id}/versions/{version}``)."""
        return self._call(endpoints.AGENTS_GET_VERSION, options, path=_version(agent_id, version))

    def create_version_alias(
        self, *, agent_id: str, alias: str, version: int, **options: Unpack[RequestOptionsParam]
    ) -> AgentAliasResponse:
        """Point ``alias`` at ``version``, creating or moving it (``PUT /v1/agents/{agent_id}/aliases``)."""
        query = {"alias": alias, "version": version, **options}
        return self._call(endpoints.AGENTS_CREATE_VERSION_ALIAS, query, path=_agent(agent_id))

    def list_version_aliases(
        self, *, agent_id: str, **options: Unpack[RequestOptionsParam]
    ) -> builtins.list[AgentAliasResponse]:
        """An agent's version aliases (``GET /v1/agents/{agent_id}/aliases``)."""
        return self._call(endpoints.AGENTS_LIST_VERSION_ALIASES, options, path=_agent(agent_id))

    def delete_version_alias(
        self, *, agent_id: str, alias: str, **options: Unpack[RequestOptionsParam]
    ) -> None:
        """Delete a version alias (``DELETE /v1/agents/{agent_id}/aliases``)."""
        query = {"alias": alias, **options}
        return self._call(endpoints.AGENTS_DELETE_VERSION_ALIAS, query, path=_agent(agent_id))

    @functools.cached_property
    def with_raw_response(self) -> BetaAgentsWithRawResponse:
        return BetaAgentsWithRawResponse(self)


class BetaAgentsWithRawResponse:
    """``client.beta.agents``' methods returning the :class:`~mistral_client.APIResponse`."""

    def __init__(self, agents: BetaAgents) -> None:
        agents = agents._raw_copy()
        self.create = raw(agents.create)
        self.list = raw(agents.list)
        self.get = raw(agents.get)
        self.update = raw(agents.update)
        self.delete = raw(agents.delete)
        self.update_version = raw(agents.update_version)
        self.list_versions = raw(agents.list_versions)
        self.get_version = raw(agents.get_version)
        self.create_version_alias = raw(agents.create_version_alias)
        self.list_version_aliases = raw(agents.list_version_aliases)
        self.delete_version_alias = raw(agents.delete_version_alias)


class AsyncBetaAgents(AsyncAPIResource):
    async def create(self, **params: Unpack[AgentCreateParams]) -> Agent:
        """Create an agent (``POST /v1/agents``): ``model`` and ``name`` required."""
        return await self._call(endpoints.AGENTS_CREATE, params)

    async def list(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        deployment_chat: bool | None = None,
        sources: Sequence[Source] | None = None,
        name: str | None = None,
        search: str | None = None,
        id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> builtins.list[Agent]:
        """A page of your agents (``GET /v1/agents``; ``page`` from 0, ``page_size`` up to 1000)."""
        query = {
            "page": page,
            "page_size": page_size,
            "deployment_chat": deployment_chat,
            "sources": sources,
            "name": name,
            "search": search,
            "id": id,
            "metadata": metadata,
        }
        return await self._call(endpoints.AGENTS_LIST, {**query, **options})

    async def get(
        self, *, agent_id: str, agent_version: int | str | None = None, **options: Unpack[RequestOptionsParam]
    ) -> Agent:
        """An agent (``GET /v1/agents/{agent_id}``): its current version, or ``agent_version``."""
        return await self._call(
            endpoints.AGENTS_GET, {"agent_version": agent_version, **options}, path=_agent(agent_id)
        )

    async def update(self, *, agent_id: str, **params: Unpack[AgentUpdateParams]) -> Agent:
        """Change an agent (``PATCH /v1/agents/{agent_id}``): a new version with the fields given."""
        return await self._call(endpoints.AGENTS_UPDATE, params, path=_agent(agent_id))

    async def delete(self, *, agent_id: str, **options: Unpack[RequestOptionsParam]) -> None:
        """Delete an agent (``DELETE /v1/agents/{agent_id}``)."""
        return await self._call(endpoints.AGENTS_DELETE, options, path=_agent(agent_id))

    async def update_version(
        self, *, agent_id: str, version: int, **options: Unpack[RequestOptionsParam]
    ) -> Agent:
        """Make ``version`` the agent's current version (``PATCH /v1/agents/{agent_id}/version``)."""
        return await self._call(
            endpoints.AGENTS_UPDATE_VERSION, {"version": version, **options}, path=_agent(agent_id)
        )

    async def list_versions(
        self,
        *,
        agent_id: str,
        page: int | None = None,
        page_size: int | None = None,
        **options: Unpack[RequestOptionsParam],
    ) -> builtins.list[Agent]:
        """A page of an agent's versions (``GET /v1/agents/{agent_id}/versions``)."""
        query = {"page": page, "page_size": page_size, **options}
        return await self._call(endpoints.AGENTS_LIST_VERSIONS, query, path=_agent(agent_id))

    async def get_version(
        self, *, agent_id: str, version: int | str, **options: Unpack[RequestOptionsParam]
    ) -> Agent:
        """One version of an agent, by number or alias."""
        return await self._call(endpoints.AGENTS_GET_VERSION, options, path=_version(agent_id, version))

    async def create_version_alias(
        self, *, agent_id: str, alias: str, version: int, **options: Unpack[RequestOptionsParam]
    ) -> AgentAliasResponse:
        """Point ``alias`` at ``version``, creating or moving it (``PUT /v1/agents/{agent_id}/aliases``)."""
        query = {"alias": alias, "version": version, **options}
        return await self._call(endpoints.AGENTS_CREATE_VERSION_ALIAS, query, path=_agent(agent_id))

    async def list_version_aliases(
        self, *, agent_id: str, **options: Unpack[RequestOptionsParam]
    ) -> builtins.list[AgentAliasResponse]:
        """An agent's version aliases (``GET /v1/agents/{agent_id}/aliases``)."""
        return await self._call(endpoints.AGENTS_LIST_VERSION_ALIASES, options, path=_agent(agent_id))

    async def delete_version_alias(
        self, *, agent_id: str, alias: str, **options: Unpack[RequestOptionsParam]
    ) -> None:
        """Delete a version alias (``DELETE /v1/agents/{agent_id}/aliases``)."""
        query = {"alias": alias, **options}
        return await self._call(endpoints.AGENTS_DELETE_VERSION_ALIAS, query, path=_agent(agent_id))

    @functools.cached_property
    def with_raw_response(self) -> AsyncBetaAgentsWithRawResponse:
        return AsyncBetaAgentsWithRawResponse(self)


class AsyncBetaAgentsWithRawResponse:
    """``client.beta.agents``' methods returning the :class:`~mistral_client.APIResponse`; each is awaited."""

    def __init__(self, agents: AsyncBetaAgents) -> None:
        agents = agents._raw_copy()
        self.create = async_raw(agents.create)
        self.list = async_raw(agents.list)
        self.get = async_raw(agents.get)
        self.update = async_raw(agents.update)
        self.delete = async_raw(agents.delete)
        self.update_version = async_raw(agents.update_version)
        self.list_versions = async_raw(agents.list_versions)
        self.get_version = async_raw(agents.get_version)
        self.create_version_alias = async_raw(agents.create_version_alias)
        self.list_version_aliases = async_raw(agents.list_version_aliases)
        self.delete_version_alias = async_raw(agents.delete_version_alias)
