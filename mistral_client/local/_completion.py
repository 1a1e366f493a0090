"""Per-completion decoding state: from sampled token ids to text deltas, finish reasons and tool calls."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Sequence

from mistral_client.local._detokenizer import Decode, IncrementalDetokenizer
from mistral_client.local._response_parsing import ResponseTemplateParsing, TemplateResponse
from mistral_client.local._stop_strings import StopStringMatcher
from mistral_client.local._tokenizer import PromptEncoder
from mistral_client.local._tool_calls import (
    TOOL_CALL_END,
    TOOL_CALL_TAG,
    ToolCallParseError,
    ToolCallTokens,
    parse_finished_tagged_calls,
    parse_finished_tool_calls,
    parse_tagged_tool_calls,
    parse_template_tool_calls,
    parse_tool_call_tokens,
)
from mistral_client.local._types import FinishReason, GenerationEvent, ToolCall


class CompletionState:
    """One completion's bookkeeping: token count, text deltas, stop strings, tool-call capture.

    The engine feeds it each sampled token; it answers with the event to emit and knows when the
    completion is finished. It never touches torch.
    """

    __slots__ = (
        "budget",
        "budget_reason",
        "count",
        "detok",
        "encoder",
        "finished",
        "index",
        "max_calls",
        "prompt_len",
        "rng",
        "stops",
        "tag",
        "tag_close",
        "template",
        "tool_ids",
        "tool_text",
        "tool_tokens",
    )

    def __init__(
        self,
        index: int,
        encoder: PromptEncoder,
        stop: Sequence[str],
        tool_tokens: ToolCallTokens | None,
        prompt_len: int,
        rng: random.Random,
        budget: tuple[int, FinishReason],
        parse_tagged: bool = False,
        parsing: ResponseTemplateParsing | None = None,
        parallel_calls: bool = True,
    ) -> None:
        self.index = index
        self.max_calls = None if parallel_calls else 1
        self.budget, self.budget_reason = budget
        self.encoder = encoder
        self.stops = StopStringMatcher(stop)
        self.tool_tokens = tool_tokens
        self.tool_ids: list[int] | None = None  # set once [TOOL_CALLS] is generated
        # A tokenizer that declares its response format is read with it; it sees special tokens.
        self.template: TemplateResponse | None = None
        decode: Decode = encoder.decode
        if parsing is not None and tool_tokens is None:
            self.template, decode = parsing.start(stop), parsing.decode
        self.detok = IncrementalDetokenizer(decode)
        # Chat-template models write calls as text: held back from <tool_call> on, parsed at the end.
        parse_tags = tool_tokens is None and parse_tagged and self.template is None
        self.tag = StopStringMatcher((TOOL_CALL_TAG,)) if parse_tags else None
        self.tool_text: list[str] | None = None
        self.tag_close: StopStringMatcher | None = None  # finds the end of the first block
        self.prompt_len = prompt_len
        self.rng = rng
        self.count = 0
        self.finished = False

    def advance(self, token: int, eos: frozenset[int]) -> GenerationEvent:
        self.count += 1
        if token in eos:
            return self._finish(token, "", "stop")
        if self.tool_ids is not None:
            if self._one_call_done(token):
                return self._finish(token, "", "stop")
            self.tool_ids.append(token)
            text = ""
        elif self.tool_tokens is not None and token == self.tool_tokens.tool_calls:
            # Content before the call is final: release what the detokenizer and stop matcher held.
            self.tool_ids = [token]
            text, _ = self._flush_content()
        else:
            delta = self.detok.push(token)
            closed = False  # the one call allowed is written: the answer ends with this token
            if self.template is not None:
                delta = self.template.feed(delta) if delta else ""
                if self.template.stopped:  # in content after a call or reasoning: it ends here
                    return self._finish(token, "", "stop")
                closed = self.max_calls is not None and self.template.calls_closed >= self.max_calls
            elif self.tool_text is not None:
                self.tool_text.append(delta)
                closed = self._closed_tag(delta)
                delta = ""
            elif self.tag is not None and delta:
                delta, tagged = self.tag.push(delta)
                if tagged:
                    self.tool_text = [TOOL_CALL_TAG, self.tag.tail]
                    closed = self._closed_tag(self.tag.tail)
            text, stopped = self.stops.push(delta) if delta else ("", False)
            if stopped:
                return self._finish(token, text, "stop", content_done=True)
            if closed:
                return self._finish(token, text, "stop")
        if self.count >= self.budget:
            return self._finish(token, text, self.budget_reason)
        return GenerationEvent(self.index, text, (token,), self.count, self.prompt_len)

    def _one_call_done(self, token: int) -> bool:
        """With one call allowed, a second ``[TOOL_CALLS]`` (v11+ writes one per call) ends the answer."""
        tokens = self.tool_tokens
        return (
            self.max_calls is not None
            and tokens is not None
            and tokens.args is not None
            and token == tokens.tool_calls
        )

    def _closed_tag(self, delta: str) -> bool:
        """With one call allowed, whether ``delta`` closes the first ``<tool_call>`` block."""
        if self.max_calls is None:
            return False
        if self.tag_close is None:
            self.tag_close = StopStringMatcher((TOOL_CALL_END,))
        return self.tag_close.push(delta)[1]

    def _finish(
        self, token: int, text: str, reason: FinishReason, *, content_done: bool = False
    ) -> GenerationEvent:
        self.finished = True
        tool_calls: tuple[ToolCall, ...] = ()
        # Cut short by the budget, an output keeps the calls it finished (a forced call that a small
        # model repeats until max_tokens still counts once written); the unfinished one is dropped,
        # never returned as markup in the content. finish_reason stays "length".
        cut = reason != "stop"
        if self.tool_ids is not None:
            calls, payload_text = self._tool_calls(complete=not cut)
            if calls:
                tool_calls, reason = tuple(calls), "tool_calls" if not cut else reason
            text += payload_text
        elif self.tool_text is not None:
            assert self.tag is not None
            self.tool_text.append(self.detok.flush())
            payload = "".join(self.tool_text)
            calls = []
            if cut:
                _, calls = parse_finished_tagged_calls(payload, self.rng)
            else:
                with contextlib.suppress(ToolCallParseError):
                    _, calls = parse_tagged_tool_calls(payload, self.rng)
            if calls:
                tool_calls, reason = tuple(calls), "tool_calls" if not cut else reason
            else:  # malformed: the raw text is the content; cut inside the first call: no call
                text += self.stops.flush() + ("" if cut else payload)
        elif self.template is not None and not content_done:
            rest, tool_calls, reason = self._finish_template(reason)
            text += rest
        elif not content_done:
            # Cut while a "<tool_call>" tag may be starting: that unfinished markup is not content.
            rest, stopped = self._flush_content(partial_tag=not cut)
            text += rest
            if stopped:  # the held text completed a stop string after all
                reason = "stop"
        if self.max_calls is not None:
            # parallel_tool_calls=False: the first call only, as vLLM does when the model wrote more
            # (a forced call is also limited to one by its grammar).
            tool_calls = tool_calls[: self.max_calls]
        return GenerationEvent(self.index, text, (token,), self.count, self.prompt_len, reason, tool_calls)

    def _finish_template(self, reason: FinishReason) -> tuple[str, tuple[ToolCall, ...], FinishReason]:
        """The rest of the content, the tool calls and the finish reason, as the template reads them."""
        assert self.template is not None
        cut = reason != "stop"
        released, outcome = self.template.finish(self.detok.flush(), cut=cut)
        text, stopped = self.stops.push(released)
        if stopped:  # the content before the held text completed a stop string
            return text, (), "stop"
        text += self.stops.flush()
        if outcome is not None:
            try:
                calls = parse_template_tool_calls(outcome.tool_calls, self.rng)
            except ToolCallParseError:
                calls = None
            if calls is not None and not cut:
                return text + outcome.content, tuple(calls), "tool_calls" if calls else reason
            if cut:
                # The calls the template saw finished (none when cut in reasoning or in the call),
                # and the content it found; the unfinished region is dropped.
                return text + outcome.content, tuple(calls or ()), reason
        # The parser failed (or its calls are unusable): do what is done without a template, on the
        # output it did not release, so a model whose template is wrong or too strict still answers.
        payload = self.template.held
        if cut:
            before, calls = parse_finished_tagged_calls(payload, self.rng)
            return (text + before, tuple(calls), reason) if calls else (text + payload, (), reason)
        with contextlib.suppress(ToolCallParseError):
            before, calls = parse_tagged_tool_calls(payload, self.rng)
            return text + before, tuple(calls), "tool_calls"
        return text + payload, (), reason

    def _flush_content(self, *, partial_tag: bool = True) -> tuple[str, bool]:
        """Release held content; ``True`` when it contains a stop string (the text ends before it).

        ``partial_tag=False``: a held start of ``<tool_call>`` is dropped, not released.
        """
        rest = self.detok.flush()
        if self.tag is not None:
            rest = self.tag.push(rest)[0] + (self.tag.flush() if partial_tag else "")
        text, stopped = self.stops.push(rest)
        return (text, True) if stopped else (text + self.stops.flush(), False)

    def _tool_calls(self, *, complete: bool) -> tuple[list[ToolCall], str]:
        """Parsed calls, or (when malformed) the raw payload returned as content; cut short, the
        calls finished before the cut and no text."""
        assert self.tool_ids is not None and self.tool_tokens is not None
        decode = self.encoder.decode
        if not complete:
            return parse_finished_tool_calls(self.tool_ids, self.tool_tokens, decode, self.rng), ""
        try:
            return parse_tool_call_tokens(self.tool_ids, self.tool_tokens, decode, self.rng), ""
        except ToolCallParseError:
            return [], decode(self.tool_ids)
