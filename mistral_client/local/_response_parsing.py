"""Generated text read back into a message with the tokenizer's declared response template.

A Hugging Face tokenizer can declare how its model's output maps onto a message: a
``response_template`` entry in ``tokenizer_config.json`` (recent transformers 5 releases) names
regions such as ``content``, ``tool_calls`` and ``reasoning_content``, with their delimiters and how
each region's text is parsed. ``tokenizer.parse_response(text, prefix=prompt, tools=tools)`` applies
it to a whole output; we run the streaming form of the same parser (``tokenizer.get_response_parser``),
fed as tokens arrive, so the text before the first structured region streams as content, as on the
API. From that region on, the text is held back and handed to the parser once, when generation ends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mistral_client.local._detokenizer import Decode
from mistral_client.local._stop_strings import StopStringMatcher

#: The regions of a parsed message the API has a place for.
CONTENT, TOOL_CALLS = "content", "tool_calls"


@dataclass(frozen=True)
class ResponseTemplateParsing:
    """A tokenizer's response template bound to one request's prompt and tools."""

    #: A fresh transformers ``ResponseParser`` that has already read the prompt (``prefix=``).
    new_parser: Callable[[], Any]
    #: Generated tokens to text with special tokens kept: a template's delimiters may be special tokens.
    decode: Decode
    #: Removes special tokens from text returned to the user, as the plain decode does.
    strip_special: Callable[[str], str]

    def start(self, stop: Sequence[str] = ()) -> TemplateResponse:
        return TemplateResponse(self, stop)


@dataclass(frozen=True)
class TemplateOutcome:
    """What the parser made of the held text: the content in it, and the raw ``tool_calls`` items."""

    content: str
    tool_calls: Any


class TemplateResponse:
    """One completion read through a transformers ``ResponseParser``.

    Until the parser reports anything but ``content`` text, that text is released as it comes; the
    first other event (a tool call, reasoning, the content region closing) starts the hold. Released
    text is checked to be the verbatim start of the output, so :attr:`held` is exactly the output the
    user has not seen: what the fallback works on when the parser fails.

    The parser still reads every token while holding, so ``stop`` strings apply to the content found
    after a call or a reasoning block too (:attr:`stopped`); released content is checked by the caller.
    """

    __slots__ = (
        "_ends_in_text",
        "_failed",
        "_held_start",
        "_late",
        "_late_stops",
        "_parser",
        "_pending",
        "_separator",
        "_skip",
        "_strip",
        "_unfed",
        "calls_closed",
        "closed_calls",
        "stopped",
    )

    def __init__(self, parsing: ResponseTemplateParsing, stop: Sequence[str] = ()) -> None:
        self._strip = parsing.strip_special
        self._late_stops = StopStringMatcher(stop)
        # What stands where a block was: a paragraph break, unless the caller stops on that.
        self._separator = next((s for s in ("\n\n", "\n", " ") if not any(x in s for x in stop)), "")
        self._ends_in_text = False  # the content released so far ends in a non-space character
        #: A stop string ended the content held after the first structured region.
        self.stopped = False
        #: Tool-call regions the parser has seen end, and the calls they held (as it parsed them).
        self.calls_closed = 0
        self.closed_calls: list[Any] = []
        self._pending = ""  # output fed to the parser but not released
        self._unfed: list[str] | None = None  # set at the hold: output kept for one parse at the end
        self._held_start = ""
        self._late: list[str] = []  # content the parser found after the hold
        self._failed = False
        self._parser: Any = None
        self._skip = 0  # leading characters of _pending that are prompt text, not output
        try:
            self._parser = parsing.new_parser()
        except Exception:  # a prompt the template cannot read: the output is handled the default way
            self._fail()
            return
        self._pending = _unread_prompt(self._parser)
        self._skip = len(self._pending)

    @property
    def held(self) -> str:
        """The output not released as content, special tokens removed."""
        raw = self._pending[self._skip :] if self._unfed is None else self._held_start + "".join(self._unfed)
        return self._strip(raw)

    def feed(self, text: str) -> str:
        """Add generated text; return the content it releases (``""`` once holding)."""
        if self._unfed is not None:
            self._unfed.append(text)  # what the fallback reads if the parser fails later
            if not self._failed and not self.stopped:
                try:
                    self._release(self._parser.feed(text))  # holding: only collects late content
                except Exception:
                    self._fail()
            return ""
        self._pending += text
        try:
            events = self._parser.feed(text)
        except Exception:
            self._fail()
            return ""
        return self._release(events)

    def finish(self, tail: str, *, cut: bool = False) -> tuple[str, TemplateOutcome | None]:
        """Feed the last text and end the parse: ``(content released now, outcome)``.

        The outcome is ``None`` when the parser failed; :attr:`held` then holds what it left. For an
        output ``cut`` short inside a region the parser cannot end (a call's JSON), the outcome holds
        the calls of the regions closed before it.
        """
        released = self.feed(tail) if not self.stopped else ""  # after a stop string: not output
        if self._failed:
            return released, None
        try:
            message, final = self._parser.finalize()
        except Exception:  # malformed or cut-short regions: the parser raises ValueError
            if not cut:
                return released, None
            message, final = {TOOL_CALLS: list(self.closed_calls)}, []
        released += self._release(final)
        if not self.stopped:
            self._late.append(self._late_stops.flush())
        # Whitespace around regions is layout (the parser strips its text regions too); a paragraph
        # break stands where a block was, so "Sure." and "Then I will answer." do not run together.
        content = self._strip("".join(self._late)).strip()
        if content and self._ends_in_text:
            content = self._separator + content
        tool_calls = message.get(TOOL_CALLS) if isinstance(message, dict) else None
        return released, TemplateOutcome(content, tool_calls or [])

    def _release(self, events: list[dict[str, Any]]) -> str:
        """The content these parser events release; the first event that is not output starts the hold."""
        out = []
        for event in events:
            kind, field, text = event.get("type"), event.get("field"), event.get("text") or ""
            if self._unfed is None and field == CONTENT and self._is_next_output(kind, text):
                out.append(text[self._skip :])
                self._pending = self._pending[len(text) :]
                self._skip = max(0, self._skip - len(text))
                continue
            if self._unfed is None:
                self._hold()
            if kind == "region_close" and field == TOOL_CALLS:
                self.calls_closed += 1
                if "value" in event:
                    self.closed_calls.append(event["value"])
            if kind == "region_chunk" and field == CONTENT and not self.stopped:
                kept, self.stopped = self._late_stops.push(text)
                self._late.append(kept)
        if not out:
            return ""
        released = self._strip("".join(out))
        if released:
            self._ends_in_text = not released[-1].isspace()
        return released

    def _is_next_output(self, kind: Any, text: str) -> bool:
        """A content event that continues the released text exactly (no delimiter was skipped)."""
        if kind == "region_open":
            return True  # an open that consumed a delimiter shows as a mismatch on the next chunk
        return kind == "region_chunk" and self._pending.startswith(text)

    def _hold(self) -> None:
        self._held_start, self._unfed = self._pending[self._skip :], []

    def _fail(self) -> None:
        self._failed = True
        if self._unfed is None:
            self._hold()


def _unread_prompt(parser: Any) -> str:
    """The end of the prompt the parser has read but not placed yet, which its first chunk will carry.

    Templates that pre-write an empty ``<think>\n\n</think>\n\n`` (Qwen3) leave the last newlines
    waiting on a ``\\s*``-led delimiter. transformers has no public accessor for them; without these
    attributes the first chunk looks out of place and the output is released at the end instead.
    """
    buffer, pos = getattr(parser, "_buffer", None), getattr(parser, "_pos", None)
    return buffer[pos:] if isinstance(buffer, str) and isinstance(pos, int) else ""
