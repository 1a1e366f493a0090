"""``mistral-client chat``: one question, or a conversation that keeps its history."""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from .._client import Client

_HELP = "Type a message; /reset forgets the conversation, /exit (or Ctrl-D) leaves, Ctrl-C stops an answer."


class Conversation:
    def __init__(
        self,
        client: Client,
        model: str,
        system: str | None,
        temperature: float | None,
        max_tokens: int | None,
        as_json: bool,
    ) -> None:
        self.client = client
        self.model = model
        self.system = system
        self.params: dict[str, Any] = {"temperature": temperature, "max_tokens": max_tokens}
        self.as_json = as_json
        self.history: list[dict[str, Any]] = []
        self.reset()

    def reset(self) -> None:
        self.history = [{"role": "system", "content": self.system}] if self.system else []

    def ask(self, question: str) -> str:
        """Send the question with the history so far; print the answer as it streams."""
        messages: Any = [*self.history, {"role": "user", "content": question}]
        if self.as_json:
            response = self.client.chat.complete(model=self.model, messages=messages, **self.params)
            click.echo(response.model_dump_json(indent=2, exclude_none=True))
            answer = response.text
        else:
            pieces = []
            with self.client.chat.stream(model=self.model, messages=messages, **self.params) as stream:
                for text in stream.text_deltas():
                    pieces.append(text)
                    sys.stdout.write(text)
                    sys.stdout.flush()
            sys.stdout.write("\n")
            answer = "".join(pieces)
        # Only a whole exchange joins the history: an interrupted one is dropped with its question.
        self.history = [*messages, {"role": "assistant", "content": answer}]
        return answer

    def repl(self) -> None:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401 - line editing and history for input(), where available
        interactive = sys.stdin.isatty()
        if interactive:
            click.echo(f"{self.model}. {_HELP}", err=True)
        while True:
            try:
                line = input("> " if interactive else "")
            except EOFError:
                if interactive:
                    click.echo(err=True)
                return
            except KeyboardInterrupt:  # at the prompt: a fresh line, as a shell does
                click.echo(err=True)
                continue
            command = line.strip()
            if not command:
                continue
            if command in ("/exit", "/quit"):
                return
            if command == "/reset":
                self.reset()
                click.echo("(conversation cleared)", err=True)
                continue
            try:
                self.ask(line)
            except KeyboardInterrupt:
                click.echo("\n(answer interrupted)", err=True)
