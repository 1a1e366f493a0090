"""Every ```python block of README.md and of each page under docs/ passes ``mypy --strict``.

The rule: a page's blocks, in page order, are one module, read as a reader reads the page: a block
may use what an earlier block of the same page defined (``client``, ``messages``), never what another
page defined. Lines outside the blocks become blank lines, so the module keeps the page's line
numbers and an error reads ``docs/chat.md:42: error: ...``. The pages are found anew on each run
(``docs/**/*.md``): a new page is checked without being listed here.

A block that cannot be part of a module (an interactive session, a deliberate error) is marked on
the line just before its fence, with the reason, and left out::

    <!-- not type-checked: an interactive session, not a module -->
    ```python

mypy runs once for all pages, in-process (``mypy.api``), with the project's configuration
(pyproject.toml) and its cache directory (``.mypy_cache``, which ``make typecheck`` fills just before
the tests). Measured on the two-core development machine: 2 s with a warm cache, 5 s after
``make typecheck`` alone filled it (as in ``make test``), about 60 s with no cache at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from mypy import api as mypy_api

ROOT = Path(__file__).resolve().parent.parent
#: An opening or closing fence: its indent, its backticks or tildes, and the info string.
_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>.*)$")
_SKIP = re.compile(r"^\s*<!--\s*not type-checked:(?P<reason>.*?)-->\s*$")
_PYTHON = {"python", "py", "python3"}


class SnippetMarkError(ValueError):
    """A ``not type-checked`` mark without a reason, or not just before a Python block."""


@dataclass(frozen=True)
class PageModule:
    source: str  # the page's Python blocks, each at its own lines; every other line blank
    blocks: int  # the Python blocks checked
    skipped: int  # the Python blocks marked ``not type-checked``


def page_module(text: str, page: str = "<page>") -> PageModule:
    """The page's Python blocks as one module that keeps the page's line numbers."""
    lines = text.splitlines()
    out = [""] * len(lines)
    blocks = skipped = 0
    i = 0
    while i < len(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if _SKIP.match(lines[i]) and not _opens_python(following):
            raise SnippetMarkError(f"{page}:{i + 1}: a not-type-checked mark goes just before a ```python")
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        indent, fence = len(match["indent"]), match["fence"]
        end = i + 1
        while end < len(lines) and not _closes(lines[end], fence):
            end += 1
        if _opens_python(lines[i]):
            mark = _SKIP.match(lines[i - 1]) if i > 0 else None
            if mark is not None:
                if not mark["reason"].strip():
                    raise SnippetMarkError(f"{page}:{i}: a not-type-checked mark needs its reason")
                skipped += 1
            else:
                blocks += 1
                for j in range(i + 1, end):
                    # A block inside a list item is indented like its fence: dedent it by as much.
                    out[j] = lines[j][min(indent, len(lines[j]) - len(lines[j].lstrip(" "))) :]
        i = end + 1
    return PageModule("\n".join(out) + "\n", blocks, skipped)


def _opens_python(line: str) -> bool:
    match = _FENCE.match(line)
    if match is None:
        return False
    words = match["info"].replace("{", " ").replace(".", " ").split()
    return bool(words) and words[0].lower() in _PYTHON


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence) and set(stripped) == {fence[0]}


def type_check(pages: dict[str, str], workdir: Path) -> list[str]:
    """mypy --strict's errors (and their notes) for each page, as ``page:line: error: ...``."""
    files: dict[str, str] = {}
    for page, text in pages.items():
        module = page_module(text, page)
        if not module.blocks:
            continue
        name = "_doc_" + re.sub(r"\W", "_", page.removesuffix(".md"))
        path = workdir / f"{name}.py"
        path.write_text(module.source, encoding="utf-8")
        files[path.name] = page
    if not files:
        return []
    stdout, stderr, _ = mypy_api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--strict",
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            "--no-error-summary",
            "--no-pretty",
            *(str(workdir / name) for name in files),
        ]
    )
    problems = []
    for line in stdout.splitlines():
        shown, sep, rest = line.partition(":")
        # mypy shows a path as given, or relative to the working directory: match on the file name.
        problems.append(f"{files.get(Path(shown).name, shown)}{sep}{rest}")
    if stderr.strip():
        problems.append(stderr.strip())
    return problems


def _doc_pages() -> dict[str, str]:
    paths = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in paths}


def test_every_readme_and_docs_snippet_passes_mypy_strict(tmp_path: Path) -> None:
    pages = _doc_pages()
    checked = {page: page_module(text, page).blocks for page, text in pages.items()}
    assert checked["README.md"] > 0 and checked["docs/chat.md"] > 0  # the extractor found the blocks
    problems = type_check(pages, tmp_path)
    assert not problems, "mypy --strict on the docs' snippets:\n" + "\n".join(problems)


# --- the extractor and the check, on small samples -------------------------------------------------

SAMPLE = """\
# A page

```python
count: int = 1
```

Some text, then a block that uses the first one's name:

```python
label: str = count
```
"""


def test_a_type_error_is_reported_with_its_page_and_line(tmp_path: Path) -> None:
    problems = type_check({"docs/sample.md": SAMPLE}, tmp_path)
    assert len(problems) == 1
    assert problems[0].startswith("docs/sample.md:10: error: Incompatible types in assignment")


def test_the_blocks_of_a_page_are_one_module_and_pages_are_separate(tmp_path: Path) -> None:
    fixed = SAMPLE.replace("label: str = count", "total: int = count + 1")
    other = "```python\nprint(count)\n```\n"
    problems = type_check({"docs/a.md": fixed, "docs/b.md": other}, tmp_path)
    assert problems == ['docs/b.md:2: error: Name "count" is not defined  [name-defined]']


def test_lines_outside_python_blocks_are_blank_and_indented_blocks_dedented() -> None:
    text = "Intro\n```bash\nexport X=1\n```\n- item:\n\n    ```python\n    x = 1\n    ```\n"
    module = page_module(text)
    assert module.source.splitlines() == ["", "", "", "", "", "", "", "x = 1", ""]
    assert module.blocks == 1


def test_a_marked_block_is_left_out_and_needs_a_reason(tmp_path: Path) -> None:
    marked = "<!-- not type-checked: a deliberate error -->\n```python\nx: int = 'a'\n```\n"
    assert page_module(marked) == PageModule("\n\n\n\n", blocks=0, skipped=1)
    assert type_check({"docs/marked.md": marked}, tmp_path) == []
    with pytest.raises(SnippetMarkError, match="needs its reason"):
        page_module(marked.replace("a deliberate error", " "))
    with pytest.raises(SnippetMarkError, match="goes just before"):
        page_module("<!-- not type-checked: stray -->\n\n```python\nx = 1\n```\n")
