"""Agents and conversations: an agent that searches the web and calls your Python function.

Creates an agent (a model with instructions, the built-in web search and a local function tool),
starts a conversation with it (streamed, the web search shown as it runs), asks a follow-up, runs a
conversation in which the agent calls the local function, reads the history, and deletes the agent.
Needs MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server (optional).
"""

from __future__ import annotations

from mistral_client import Client, tool
from mistral_client.types.conversations import (
    FunctionCallEntry,
    FunctionResultEntry,
    MessageOutputEvent,
    ToolExecutionStartedEvent,
    content_text,
)

MODEL = "mistral-medium-latest"


@tool
def get_order(order_id: str) -> dict[str, str]:
    """The status of a customer's order, by its id."""
    return {"order_id": order_id, "status": "shipped", "delivery": "tomorrow"}


def main() -> None:
    with Client() as client:
        agent = client.beta.agents.create(
            model=MODEL,
            name="Shop assistant",
            instructions="You help the customers of a web shop. Answer in one or two sentences.",
            tools=[{"type": "web_search"}, get_order],  # a built-in tool and one of yours
        )
        print(f"created agent {agent.name!r} ({agent.id}), version {agent.version}")

        # The server keeps the conversation: stream the first answer, event by event.
        conversations = client.beta.conversations
        question = "Do you deliver to Canada?"
        with conversations.start_stream(agent_id=agent.id, inputs=question) as stream:
            for event in stream:
                if isinstance(event, ToolExecutionStartedEvent):
                    print(f"[{event.name}: {event.arguments}]")
                elif isinstance(event, MessageOutputEvent):
                    print(content_text(event.content), end="", flush=True)
            print()
            response = stream.get_final_response()
        print(f"conversation {response.conversation_id}: {response.usage.total_tokens} tokens")

        # A follow-up needs only the conversation's id: the server has the history.
        follow_up = conversations.append(
            conversation_id=response.conversation_id, inputs="How long does it take?"
        )
        print(f"follow-up: {follow_up.text}")

        # The agent's function tool runs here: run() calls get_order for each call the agent
        # makes and sends the result back, until the agent answers.
        result = conversations.run(agent_id=agent.id, inputs="Where is my order 42?", tools=[get_order])
        for entry in result.entries:
            if isinstance(entry, FunctionCallEntry):
                print(f"the agent called {entry.name}({entry.arguments})")
            elif isinstance(entry, FunctionResultEntry):
                print(f"which returned {entry.result}")
        print(f"answer: {result.text} ({result.turns} requests)")

        history = conversations.get_history(conversation_id=result.conversation_id)
        print("history: " + ", ".join(entry.type for entry in history.entries))

        client.beta.agents.delete(agent_id=agent.id)
        print(f"deleted agent {agent.id}")


if __name__ == "__main__":
    main()
