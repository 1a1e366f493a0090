"""A GGUF's chat template rendered as transformers renders it, without transformers.

The torch engine renders a chat-template model's prompt with ``tokenizer.apply_chat_template``; the
llama.cpp engine reads the same Jinja template from the GGUF metadata and must produce the same text,
so it renders it in the environment transformers builds: a sandbox with ``trim_blocks`` and
``lstrip_blocks``, loop controls, its ``tojson`` (no HTML escaping, ``ensure_ascii=False``),
``raise_exception``, ``strftime_now`` and the ``{% generation %}`` tag (rendered as its body), and the
tokenizer's special tokens as variables. ``continue_final_message`` is done as transformers does it:
a tag after the final message's text, the rendered chat cut there.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

#: transformers' marker for the end of the message to continue (``render_jinja_template``).
_CONTINUE_TAG = "CONTINUE_FINAL_MESSAGE_TAG "


def render_chat(
    template: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    tools: Sequence[Mapping[str, Any]] | None,
    add_generation_prompt: bool,
    continue_final_message: bool,
    special_tokens: Mapping[str, str],
) -> str:
    """The prompt text of ``messages`` (and ``tools``) as ``apply_chat_template(tokenize=False)`` gives it."""
    chat = [dict(m) for m in messages]
    final = ""
    if continue_final_message:
        final = str(chat[-1].get("content") or "")
        chat[-1]["content"] = final + _CONTINUE_TAG
    rendered: str = _compile(template).render(
        messages=chat,
        tools=[dict(t) for t in tools] if tools else None,
        documents=None,
        add_generation_prompt=add_generation_prompt,
        **special_tokens,
    )
    if not continue_final_message:
        return str(rendered)
    tag = _CONTINUE_TAG.strip()
    if final.strip() not in rendered or tag not in rendered:
        raise ValueError(
            "the prefix assistant message does not appear in the prompt the chat template renders"
        )
    at = rendered.rindex(tag)
    # A template that trims the message's trailing space also trims the tag's: cut before the spaces.
    return (
        rendered[:at] if rendered[at : at + len(_CONTINUE_TAG)] == _CONTINUE_TAG else rendered[:at].rstrip()
    )


@functools.lru_cache(maxsize=8)
def _compile(template: str) -> Any:
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Generation(jinja2.ext.Extension):
        """``{% generation %}...{% endgeneration %}``: transformers tracks assistant spans with it."""

        tags = {"generation"}

        def parse(self, parser: Any) -> Any:
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return jinja2.nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

        def _body(self, caller: Any) -> str:
            return str(caller())

    def raise_exception(message: str) -> None:
        raise jinja2.exceptions.TemplateError(message)

    def tojson(
        value: Any,
        ensure_ascii: bool = False,
        indent: int | None = None,
        separators: tuple[str, str] | None = None,
        sort_keys: bool = False,
    ) -> str:
        return json.dumps(
            value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
        )

    def strftime_now(fmt: str) -> str:
        return datetime.now().strftime(fmt)

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[Generation, jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env.from_string(template)
