"""The mistral-client command line against the loopback server: in-process through click's runner,
and as a real subprocess where starting the program is the point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mistral_client.cli import cli, main
from tests.loopback import DONE, Conn, LoopbackServer, Request, chat_response, chunk_event

Serve = Callable[[Callable[[Request, Conn], None]], LoopbackServer]
KEY = "sk-test-secret-0123456789"
MODELS = {"object": "list", "data": [{"id": "mistral-small-latest"}, {"id": "codestral-latest"}]}


def api(request: Request, conn: Conn) -> None:
    """A small stand-in for the API: streams when asked, answers JSON otherwise."""
    if request.path == "/v1/models":
        conn.respond_json(200, MODELS)
        return
    body = request.json()
    if body.get("stream"):
        conn.stream_events(
            [chunk_event("Bon", role="assistant"), chunk_event("jour"), chunk_event("", "stop"), DONE]
        )
    else:
        conn.respond_json(200, chat_response("Bonjour"))


def status(code: int, message: str) -> Callable[[Request, Conn], None]:
    def handler(request: Request, conn: Conn) -> None:
        conn.respond_json(code, {"message": message}, {"x-request-id": "req-42"})

    return handler


def run(
    args: list[str], server: LoopbackServer | None = None, input: str | None = None, key: str | None = KEY
) -> Result:
    env = {"MISTRAL_API_KEY": key, "MISTRAL_BASE_URL": server.url if server else None, "MISTRAL_MODEL": None}
    return CliRunner().invoke(cli, args, input=input, env=env)


def test_chat_streams_the_answer_and_sends_the_options(serve: Serve) -> None:
    server = serve(api)
    result = run(
        [
            "chat",
            "-m",
            "mistral-large-latest",
            "--system",
            "Be brief.",
            "--temperature",
            "0.2",
            "--max-tokens",
            "20",
            "Capital",
            "of",
            "France?",
        ],
        server,
    )
    assert (result.exit_code, result.output) == (0, "Bonjour\n")
    request = server.requests[0]
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = request.json()
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
    ]
    assert (body["model"], body["temperature"], body["max_tokens"], body["stream"]) == (
        "mistral-large-latest",
        0.2,
        20,
        True,
    )


def test_chat_reads_stdin_and_prints_json(serve: Serve) -> None:
    server = serve(api)
    result = run(["chat", "--json"], server, input="Capital of France?\n")
    assert result.exit_code == 0
    assert json.loads(result.output)["choices"][0]["message"]["content"] == "Bonjour"
    assert server.requests[0].json()["messages"][-1]["content"] == "Capital of France?\n"


def test_the_conversation_keeps_its_history(serve: Serve) -> None:
    server = serve(api)
    result = run(["chat", "-i"], server, input="Hi\nAnd again\n/reset\nFresh\n/exit\nnever sent\n")
    assert result.exit_code == 0
    assert result.stdout.count("Bonjour") == 3
    second, third = server.requests[1].json()["messages"], server.requests[2].json()["messages"]
    assert [m["content"] for m in second] == ["Hi", "Bonjour", "And again"]
    assert [m["content"] for m in third] == ["Fresh"]
    assert len(server.requests) == 3


def test_the_key_file(serve: Serve, tmp_path: Path) -> None:
    server = serve(api)
    (tmp_path / "key").write_text(f"{KEY}\n")
    result = run(["models", "list", "--api-key-file", str(tmp_path / "key")], server, key=None)
    assert (result.exit_code, result.output) == (0, "mistral-small-latest\ncodestral-latest\n")
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("content", [f"{KEY}\nsecond-line\n", f"sk-é{KEY}", f"{KEY} {KEY}"])
def test_a_key_http_cannot_carry_is_refused_without_printing_it(
    serve: Serve, tmp_path: Path, content: str
) -> None:
    server = serve(api)
    (tmp_path / "key").write_text(content, encoding="utf-8")
    result = run(["models", "list", "--api-key-file", str(tmp_path / "key")], server, key=None)
    assert result.exit_code == 3, result.output
    assert "printable ASCII" in result.output and KEY not in result.output
    result = run(["models", "list"], server, key=content)
    assert result.exit_code == 3 and "MISTRAL_API_KEY" in result.output and KEY not in result.output
    assert server.requests == []


@pytest.mark.parametrize(
    ("args", "handler", "code", "message"),
    [
        (["chat", "hi"], None, 3, "no API key: set MISTRAL_API_KEY or pass --api-key-file"),
        (["chat", "hi"], status(401, "Unauthorized"), 3, "authentication failed"),
        (["chat", "--max-retries", "0", "hi"], status(429, "slow down"), 4, "rate limited"),
        (
            ["chat", "--max-retries", "0", "hi"],
            status(500, "boom"),
            1,
            "Error code: 500 - boom (request id req-42)",
        ),
        (["chat", "--temperature", "9", "hi"], None, 2, "Invalid value for '--temperature'"),
        (["chat", "--api-key", KEY, "hi"], None, 2, "No such option '--api-key'"),
    ],
)
def test_errors_are_one_line_with_an_exit_code(
    serve: Serve, args: list[str], handler: Any, code: int, message: str
) -> None:
    server = serve(handler) if handler else None
    result = run(args, server, key=KEY if handler else None)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output and KEY not in result.output


def test_connection_errors_exit_5() -> None:
    result = CliRunner().invoke(
        cli,
        ["models", "list", "--base-url", "http://127.0.0.1:9", "--max-retries", "0"],
        env={"MISTRAL_API_KEY": KEY},
    )
    assert result.exit_code == 5 and "connection failed" in result.output


def test_fim_streams(serve: Serve) -> None:
    server = serve(api)
    result = run(["fim", "--suffix", "print(add(1, 2))", "def add(a, b):"], server)
    assert (result.exit_code, result.output) == (0, "Bonjour\n")
    assert server.requests[0].path == "/v1/fim/completions"
    body = server.requests[0].json()
    assert (body["model"], body["prompt"], body["suffix"]) == (
        "codestral-latest",
        "def add(a, b):",
        "print(add(1, 2))",
    )


def test_tokens_count_offline_and_the_context_check(tmp_path: Path) -> None:
    pytest.importorskip("mistral_common")
    result = run(
        ["tokens", "count", "-m", "mistral-large-2411", "--json", "What is the capital of France?"], key=None
    )
    assert result.exit_code == 0, result.output
    count = json.loads(result.output)
    assert count["exact"] and count["tokens"] > 5 and count["fits"] and count["context_window"] == 131072

    (tmp_path / "request.json").write_text(
        json.dumps({"messages": [{"role": "user", "content": "word " * 40000}]})
    )
    result = run(
        [
            "tokens",
            "count",
            "-m",
            "mistral-small-2402",
            "--messages-file",
            str(tmp_path / "request.json"),
            "--check",
        ],
        key=None,
    )
    assert result.exit_code == 6
    assert "does NOT fit mistral-small-2402's context window of 32768 tokens" in result.output


def test_embed_lines_to_jsonl_and_npy(serve: Serve, tmp_path: Path) -> None:
    def embeddings(request: Request, conn: Conn) -> None:
        inputs = request.json()["input"]
        data = [{"index": i, "embedding": [float(len(text)), 1.0]} for i, text in enumerate(inputs)]
        conn.respond_json(
            200, {"data": data, "model": "mistral-embed", "usage": {"prompt_tokens": 1, "total_tokens": 1}}
        )

    server = serve(embeddings)
    (tmp_path / "lines.txt").write_text("one\n\nthree\nfour\n")
    result = run(["embed", "--batch-size", "2", "--no-progress", str(tmp_path / "lines.txt")], server)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["text"], r["embedding"]) for r in rows] == [
        ("one", [3.0, 1.0]),
        ("three", [5.0, 1.0]),
        ("four", [4.0, 1.0]),
    ]
    # Batches run concurrently: their sizes are fixed, their arrival order is not.
    assert sorted(len(r.json()["input"]) for r in server.requests) == [1, 2]

    result = run(["embed", "-o", str(tmp_path / "v.npy"), "--no-progress"], server, input="a\nbb\n")
    assert result.exit_code == 0, result.output
    import numpy as np

    assert np.load(tmp_path / "v.npy").tolist() == [[1.0, 1.0], [2.0, 1.0]]


def test_the_default_progress_bar_needs_a_terminal_and_tqdm(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from mistral_client.cli import _app

    class Terminal:
        def isatty(self) -> bool:
            return True

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert _app._default_progress() is True
    # Without the progress extra, the default is no bar (not an error asking for tqdm).
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "tqdm" else find_spec(name))
    assert _app._default_progress() is False


def test_the_entry_point_function() -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0


def _subprocess(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MISTRAL_")} | env
    return subprocess.run(
        [sys.executable, "-m", "mistral_client", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )


def test_the_program_starts_fast_and_lists_every_command() -> None:
    started = time.perf_counter()
    result = _subprocess(["--help"])
    elapsed = time.perf_counter() - started
    assert result.returncode == 0
    for command in ("chat", "fim", "embed", "models", "tokens"):
        assert f"  {command} " in result.stdout
    assert elapsed < 3  # well under 300 ms on an idle machine; this only catches a heavy import


def test_the_program_streams_and_fails_cleanly(serve: Serve) -> None:
    server = serve(api)
    ok = _subprocess(["chat", "hi"], MISTRAL_API_KEY=KEY, MISTRAL_BASE_URL=server.url)
    assert (ok.returncode, ok.stdout) == (0, "Bonjour\n")
    refused = serve(status(401, "Unauthorized"))
    failed = _subprocess(["chat", "hi"], MISTRAL_API_KEY=KEY, MISTRAL_BASE_URL=refused.url)
    assert failed.returncode == 3
    assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr and KEY not in failed.stderr
    debug = _subprocess(["chat", "--debug", "hi"], MISTRAL_API_KEY=KEY, MISTRAL_BASE_URL=refused.url)
    assert "Traceback" in debug.stderr and KEY not in debug.stderr


def test_import_mistral_client_loads_none_of_the_tools() -> None:
    code = "import sys, mistral_client; mistral_client.Client(api_key='k'); print(' '.join(sys.modules))"
    modules = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    for heavy in ("click", "mistral_client.cli", "mistral_client.testing", "opentelemetry", "mistral_common"):
        assert heavy not in modules, heavy


# --- one source for limits, options before the command, configuration errors ----------------------------


def test_option_ranges_are_the_request_validations_own() -> None:
    from mistral_client.types.requests import ChatCompletionRequest, FIMCompletionRequest

    def bounds(model: Any, field: str) -> dict[str, Any]:
        # What the validation applies, read from the schema pydantic builds of the request type.
        schema = model.model_json_schema()["properties"][field]
        number = next(s for s in schema.get("anyOf", [schema]) if s.get("type") in ("number", "integer"))
        return {"ge": number.get("minimum"), "le": number.get("maximum")}

    for command in ("chat", "fim"):
        options = {p.name: p for p in cli.commands[command].params}  # type: ignore[union-attr]
        temperature, max_tokens = options["temperature"].type, options["max_tokens"].type
        for model in (ChatCompletionRequest, FIMCompletionRequest):
            assert (temperature.min, temperature.max) == (  # type: ignore[attr-defined]
                bounds(model, "temperature")["ge"],
                bounds(model, "temperature")["le"],
            )
            assert max_tokens.min == bounds(model, "max_tokens")["ge"]  # type: ignore[attr-defined]
    refused = run(["chat", "--temperature", "1.8", "hi"])
    assert refused.exit_code == 2 and "0.0<=x<=1.5" in refused.output


def test_an_empty_question_is_refused_like_empty_stdin(serve: Serve) -> None:
    server = serve(api)
    for args, stdin in (
        (["chat", ""], None),
        (["chat", " ", ""], None),
        (["fim", ""], None),
        (["chat"], "  \n"),
    ):
        result = run(args, server, input=stdin)
        assert result.exit_code == 2 and "is empty" in result.output, (args, result.output)
    assert server.requests == []


def test_connection_options_work_before_the_command(serve: Serve, tmp_path: Path) -> None:
    server = serve(api)
    key_file = tmp_path / "key"
    key_file.write_text(KEY)
    result = run(["--base-url", server.url, "--api-key-file", str(key_file), "models", "list"], key=None)
    assert (result.exit_code, result.output) == (0, "mistral-small-latest\ncodestral-latest\n")
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    # Given in both places, the command's own wins.
    other = serve(api)
    both = run(["--base-url", "http://127.0.0.1:9", "chat", "--base-url", other.url, "hi"])
    assert (both.exit_code, both.stdout) == (0, "Bonjour\n") and len(other.requests) == 1
    # --debug before the command shows the traceback of a failure.
    refused = serve(status(401, "Unauthorized"))
    debug = run(["--debug", "--base-url", refused.url, "chat", "hi"])
    assert debug.exit_code != 0 and isinstance(debug.exception, Exception)


def test_a_malformed_base_url_is_a_usage_error_naming_its_source(serve: Serve) -> None:
    option = run(["--base-url", "garbage", "models", "list"])
    assert option.exit_code == 2
    assert "base_url 'garbage' (from --base-url) is not an absolute http(s) URL" in option.stderr
    env = CliRunner().invoke(
        cli, ["models", "list"], env={"MISTRAL_API_KEY": KEY, "MISTRAL_BASE_URL": "localhost:8000"}
    )
    assert env.exit_code == 2
    assert "(from MISTRAL_BASE_URL) has no scheme: did you mean 'http://localhost:8000'?" in env.stderr


def test_an_embedding_failure_says_what_failed_without_python_advice() -> None:
    from mistral_client import APIConnectionError, EmbeddingBatchError
    from mistral_client.cli._errors import EXIT_CONNECTION, describe

    error = EmbeddingBatchError(
        "1 of 3 inputs not embedded; pass this error as create_many(..., resume_from=error)",
        completed={0: [0.1], 2: [0.2]},
        failed_indices=[1],
    )
    error.__cause__ = APIConnectionError("Connection error: refused")
    code, message = describe(error)
    assert code == EXIT_CONNECTION
    assert message == "1 of 3 lines not embedded: connection failed: Connection error: refused"
