"""Write docs/coverage.md: each operation of the spec, and the typed method that sends it (or client.request).

    python scripts/spec_coverage.py            # rewrite the page (``make coverage``)
    python scripts/spec_coverage.py --check    # exit 1 if the page is not what the records give

Read: ``spec/mistral-openapi.yaml`` (its operations, grouped by their first tag) and the endpoint
records (``mistral_client._endpoints.all_endpoints()``: method and path template). An operation is
typed when a record has its method and path (path parameters' names aside); the spec's ``#stream``
paths are the streamed forms of the same path, served by the records with ``stream=True``. A record's
method is ``client.<record name>`` (the house names records after their methods): a record whose name
is no method of ``Client``, or whose path is no operation of the spec, fails the script, so a mistake
shows when the page is regenerated (``tests/test_spec_coverage.py`` runs this on every ``make test``).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "mistral-openapi.yaml"
PAGE = ROOT / "docs" / "coverage.md"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
STREAM = "stream"


@dataclass(frozen=True)
class Record:
    """What the page needs of an endpoint record."""

    name: str
    method: str
    path: str
    stream: bool


@dataclass(frozen=True)
class Operation:
    tag: str
    method: str
    #: As the spec writes it, ``#stream`` and all.
    path: str
    operation_id: str
    summary: str
    deprecated: bool
    #: The typed methods that send it (``client.chat.complete``); empty: ``client.request``.
    methods: tuple[str, ...]


class CoverageError(ValueError):
    """The records and the spec disagree (a record's path or name)."""


def load_spec(path: Path = SPEC) -> dict[str, Any]:
    import yaml

    with path.open(encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return loaded


def sdk_records() -> list[Record]:
    from mistral_client._endpoints import all_endpoints

    return [Record(e.name, e.method, e.path, e.stream) for e in all_endpoints()]


def client_methods() -> set[str]:
    """Every public method of ``Client`` and its groups, as ``client.chat.complete``."""
    from mistral_client import Client

    found: set[str] = set()

    def walk(owner: Any, prefix: str) -> None:
        for name in dir(owner):
            if name.startswith("_") or name == "with_raw_response":
                continue
            value = getattr(owner, name)
            if callable(value) and not isinstance(value, type):
                found.add(f"{prefix}.{name}")
            elif type(value).__module__.startswith("mistral_client.resources"):
                walk(value, f"{prefix}.{name}")

    walk(Client(api_key="coverage"), "client")
    return found


def _template(path: str) -> str:
    """A path template without its parameters' names: the spec and a record may name them apart."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def operations(spec: Mapping[str, Any], records: Sequence[Record], methods: Iterable[str]) -> list[Operation]:
    """The spec's operations in its order, each with the typed methods that send it."""
    known = set(methods)
    by_route: dict[tuple[str, str], list[Record]] = {}
    for record in records:
        by_route.setdefault((record.method.upper(), _template(record.path)), []).append(record)
    paths: Mapping[str, Any] = spec["paths"]
    streamed = {
        (m.upper(), _template(p.partition("#")[0]))
        for p, item in paths.items()
        for m in item
        if p.endswith("#" + STREAM)
    }
    found: list[Operation] = []
    used: set[str] = set()
    for path, item in paths.items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            base, _, variant = path.partition("#")
            route = (method.upper(), _template(base))
            matches = by_route.get(route, [])
            if variant == STREAM:
                matches = [r for r in matches if r.stream]
            elif route in streamed:  # this path has a #stream twin: here, the whole answer
                matches = [r for r in matches if not r.stream]
            used.update(r.name for r in matches)
            tags = op.get("tags") or ["untagged"]
            found.append(
                Operation(
                    tag=tags[0],
                    method=method.upper(),
                    path=path,
                    operation_id=op.get("operationId", ""),
                    summary=op.get("summary", ""),
                    deprecated=bool(op.get("deprecated")),
                    methods=tuple(f"client.{r.name}" for r in matches),
                )
            )
    problems = [
        f"record {r.name} ({r.method} {r.path}): no operation of the spec has this method and path"
        for r in records
        if r.name not in used
    ]
    problems += [
        f"record {r.name}: client.{r.name} is no method of Client (records are named after their methods)"
        for r in records
        if f"client.{r.name}" not in known
    ]
    if problems:
        raise CoverageError("; ".join(problems))
    return found


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render(spec: Mapping[str, Any], records: Sequence[Record], methods: Iterable[str]) -> str:
    ops = operations(spec, records, methods)
    order = [t["name"] for t in spec.get("tags", [])]
    tags = sorted({op.tag for op in ops}, key=lambda t: (order.index(t) if t in order else len(order), t))
    typed = [op for op in ops if op.methods]
    typed_methods = sorted({m for op in ops for m in op.methods})
    lines = [
        "# API coverage",
        "",
        "<!-- Written by scripts/spec_coverage.py from spec/mistral-openapi.yaml and the endpoint records",
        "     (mistral_client/_endpoints/): run `make coverage` after adding a record. -->",
        "",
        f"The API description (`spec/mistral-openapi.yaml`) has **{len(ops)}** operations. "
        f"**{len(typed)}** have a typed method ({len(typed_methods)} methods: a stream is a method of its "
        f"own); the other **{len(ops) - len(typed)}** are sent with "
        "[`client.request`](raw-operations.md), with the same key, retries, timeouts and errors.",
        "",
        "An operation the spec lists twice, as a path and its `#stream` form, is the whole answer and the",
        "streamed one of the same call.",
        "",
        "| Group (the spec's tag) | Operations | Typed | Through `client.request` |",
        "|---|--:|--:|--:|",
    ]
    for tag in tags:
        group = [op for op in ops if op.tag == tag]
        count = sum(1 for op in group if op.methods)
        lines.append(f"| [{tag}](#{_anchor(tag)}) | {len(group)} | {count} | {len(group) - count} |")
    lines.append(f"| **Total** | **{len(ops)}** | **{len(typed)}** | **{len(ops) - len(typed)}** |")
    for tag in tags:
        lines += ["", f"## {tag}", "", "| Operation | Method and path | Sent with |", "|---|---|---|"]
        for op in (op for op in ops if op.tag == tag):
            name = _cell(op.summary or op.operation_id) + (" (deprecated)" if op.deprecated else "")
            sent = ", ".join(f"`{m}`" for m in op.methods) if op.methods else "`client.request`"
            lines.append(f"| {name} | `{op.method} {op.path}` | {sent} |")
    return "\n".join(lines) + "\n"


def _anchor(tag: str) -> str:
    # Python-Markdown's toc slugs: lowercase, dots and other punctuation dropped, spaces to hyphens.
    slug = re.sub(r"[^\w\s-]", "", tag).strip().lower()
    return re.sub(r"[-\s]+", "-", slug)


def current_page() -> str:
    return render(load_spec(), sdk_records(), client_methods())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is out of date")
    args = parser.parse_args(argv)
    try:
        page = current_page()
    except CoverageError as exc:
        print(f"spec_coverage: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if PAGE.read_text(encoding="utf-8") != page:
            print(f"{PAGE.relative_to(ROOT)} is out of date: run `make coverage`", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
