"""MkDocs hook: render the Sphinx roles in the package's docstrings (``:class:`~x.Y` ``) as code links.

mkdocstrings renders Markdown docstrings, where a role would show up verbatim (":class:~x.Y").
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:class|meth|func|attr|mod|exc|data|obj):<code>(~?)([\w.]+)(\(\))?</code>")


def _replace(match: re.Match[str]) -> str:
    tilde, target, call = match.groups()
    shown = (target.rsplit(".", 1)[-1] if tilde else target) + (call or "")
    if "." not in target:
        return f"<code>{shown}</code>"  # a relative name: no full path to link to
    # Resolved (or left as plain code, being optional) by mkdocs-autorefs after rendering.
    return f'<autoref identifier="{target}" optional><code>{shown}</code></autoref>'


def on_page_content(html: str, **kwargs: Any) -> str:
    return _ROLE.sub(_replace, html)
