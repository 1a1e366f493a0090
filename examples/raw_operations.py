"""Raw operations: reach any operation of the API with client.request (here, workflows), typed with
your own pydantic models, with the client's retries and errors.

Needs MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server (optional).
"""

from __future__ import annotations

import pydantic

from mistral_client import Client, NotFoundError


class Workflow(pydantic.BaseModel):
    id: str
    name: str


class WorkflowList(pydantic.BaseModel):
    workflows: list[Workflow]
    next_cursor: str | None = None


def main() -> None:
    with Client() as client:
        # Decoded JSON, as the server sent it.
        page = client.request("GET", "/v1/workflows", query={"limit": 5, "include_shared": False})
        print(f"{len(page['workflows'])} workflows, next cursor {page['next_cursor']!r}")

        # The same answer as your own model.
        typed = client.request("GET", "/v1/workflows", query={"limit": 5}, cast_to=WorkflowList)
        for workflow in typed.workflows:
            print(f"- {workflow.name} ({workflow.id})")

        # An operation that answers 204 No Content returns None; the raw form shows the status.
        raw = client.with_raw_response.request("DELETE", "/v1/conversations/conv-123")
        print(f"deleted: HTTP {raw.status_code}, returned {raw.parse()!r}")

        try:
            client.request("GET", "/v1/conversations/no-such-conversation")
        except NotFoundError as error:
            print(f"NotFoundError: HTTP {error.status_code}")


if __name__ == "__main__":
    main()
