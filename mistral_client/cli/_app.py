"""The commands. Each imports the SDK's heavier parts only when it runs."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click
from click.core import ParameterSource

from .._limits import MAX_TOKENS_MIN, TEMPERATURE_MAX, TEMPERATURE_MIN
from .._version import __version__
from ._errors import EXIT_AUTH, EXIT_INTERRUPTED, EXIT_TOO_LONG, EXIT_USAGE, CLIError, describe

if TYPE_CHECKING:
    from .._client import Client

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_CHAT_MODEL = "mistral-small-latest"
DEFAULT_FIM_MODEL = "codestral-latest"
DEFAULT_EMBED_MODEL = "mistral-embed"

_EPILOG = (
    "The API key comes from MISTRAL_API_KEY or --api-key-file, never from the command line. "
    "Exit codes: 0 ok, 1 error, 2 bad usage, 3 authentication, 4 rate limited, 5 connection, "
    "6 does not fit the context window (tokens count --check), 130 interrupted."
)


# --- what every command shares ----------------------------------------------------------------------


def _connection_flags() -> list[Callable[[F], F]]:
    """The options that pick where requests go: taken by every command, and by ``mistral-client``
    itself before the command's name (``mistral-client --base-url URL models list``)."""
    return [
        click.option(
            "--local",
            "local",
            metavar="PATH",
            type=click.Path(exists=True, path_type=Path),
            help="Run on open weights in-process (a model directory or .gguf file) instead of the API.",
        ),
        click.option(
            "--engine",
            type=click.Choice(["auto", "torch", "llama.cpp"]),
            default="auto",
            show_default=True,
            help="With --local: what runs the weights (auto: llama.cpp for a .gguf when installed).",
        ),
        click.option(
            "--api-key-file",
            metavar="FILE",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Read the API key from FILE (default: the MISTRAL_API_KEY environment variable).",
        ),
        click.option(
            "--base-url", metavar="URL", help="The API server (default: MISTRAL_BASE_URL, then Mistral's)."
        ),
        click.option(
            "--timeout", type=click.FloatRange(min=0), metavar="SECONDS", help="Per-request timeout."
        ),
        click.option("--max-retries", type=click.IntRange(min=0), default=2, show_default=True),
        click.option("--debug", is_flag=True, help="Log requests and show tracebacks."),
    ]


def connection_options(command: F) -> F:
    """The connection options, and error handling for the command."""
    return _global_options(_handling_errors(command))  # type: ignore[no-any-return]


def _with_global_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The command's connection options, where not given to it, from those given before its name."""
    context = click.get_current_context()
    given: dict[str, Any] = context.find_root().obj or {}
    for name, value in given.items():
        if context.get_parameter_source(name) in (ParameterSource.DEFAULT, None):
            kwargs[name] = value
    return kwargs


def _handling_errors(command: Callable[..., Any]) -> Any:
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        kwargs = _with_global_options(kwargs)
        debug = kwargs.pop("debug")
        try:
            with _log_lines(debug):
                return command(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click's own: it prints and exits with its codes
        except KeyboardInterrupt:
            if debug:
                raise
            click.echo("\nmistral-client: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            # The reader went away (`| head`): nothing left to say, and nobody to say it to.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except Exception as exc:
            if debug:
                raise
            code, message = describe(exc)
            click.echo(f"mistral-client: error: {message}", err=True)
            sys.exit(code)

    return run


def _global_options(command: F) -> F:
    for option in reversed(_connection_flags()):
        command = option(command)
    return command


@click.group(epilog=_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mistral-client")
@_global_options
@click.pass_context
def cli(context: click.Context, /, **connection: Any) -> None:
    """Chat, complete code, embed, list models and count tokens with Mistral's API, or with open
    weights in-process (--local PATH). The connection options go before or after the command."""
    context.obj = {
        name: value
        for name, value in connection.items()
        if context.get_parameter_source(name) not in (ParameterSource.DEFAULT, None)
    }


class _StderrLines(logging.Handler):
    """Log records as lines on stderr (looked up when written: click's test runner swaps it)."""

    def __init__(self, level: int, debug: bool) -> None:
        super().__init__(level)
        self._debug = debug

    def emit(self, record: logging.LogRecord) -> None:
        if self._debug:
            click.echo(f"[{record.name} {record.levelname}] {record.getMessage()}", err=True)
        else:
            click.echo(f"mistral-client: {record.getMessage()}", err=True)


@contextlib.contextmanager
def _log_lines(debug: bool) -> Iterator[None]:
    """For the command's run: every log record with --debug, else the local backend's progress (what
    loads, where a GGUF's copy is cached), one line each."""
    name, level = ("mistral_client", logging.DEBUG) if debug else ("mistral_client.local", logging.INFO)
    target = logging.getLogger(name)
    handler, previous = _StderrLines(level, debug), target.level
    target.addHandler(handler)
    if target.getEffectiveLevel() > level:
        target.setLevel(level)
    try:
        yield
    finally:
        target.removeHandler(handler)
        target.setLevel(previous)


def make_client(
    *,
    local: Path | None,
    engine: Literal["auto", "torch", "llama.cpp"] = "auto",
    api_key_file: Path | None,
    base_url: str | None,
    timeout: float | None,
    max_retries: int,
    need_key: bool = True,
    needs: Literal["chat", "embeddings"] | None = None,
) -> Client:
    """The client the options describe; with ``--local``, ``needs`` is what the command asks of the model."""
    from .._client import Client

    if local is not None:
        if base_url or api_key_file:
            raise click.UsageError("--local runs in-process: it takes no --base-url or --api-key-file")
        from ..local import LocalBackend

        backend = LocalBackend(local, engine=engine)
        refusal = backend.kind.refusal(needs) if needs is not None else None
        if refusal is not None:
            raise CLIError(f"--local {local}: {refusal}", EXIT_USAGE)
        _quiet_libraries()
        click.get_current_context().meta[_LOCAL_MODEL] = backend.model_name
        return Client(backend=backend, timeout=timeout, max_retries=max_retries)
    if engine != "auto":
        raise click.UsageError("--engine picks what runs the weights of --local PATH: give --local too")
    key = _read_key(api_key_file) if api_key_file is not None else os.environ.get("MISTRAL_API_KEY")
    if not key:
        if need_key:
            raise CLIError("no API key: set MISTRAL_API_KEY or pass --api-key-file FILE", EXIT_AUTH)
        key = "unused"  # an offline command: nothing is sent
    elif not all("!" <= char <= "~" for char in key):
        # HTTP would refuse it in the Authorization header with an error quoting the header, the key
        # included: refuse it here, without printing it.
        where = f"the API key file {str(api_key_file)!r}" if api_key_file is not None else "MISTRAL_API_KEY"
        raise CLIError(
            f"{where} holds a space, a line break or a non-ASCII character inside the key: "
            "an API key is one line of printable ASCII",
            EXIT_AUTH,
        )
    return Client(api_key=key, base_url=base_url, timeout=timeout, max_retries=max_retries)


def _quiet_libraries() -> None:
    """None of the libraries' load reports and weight-loading bars: the local backend's own lines
    say what loads (--debug shows everything). The bar of a GGUF's first de-quantization stays: it is
    the one step that takes long."""
    if logging.getLogger("mistral_client").getEffectiveLevel() > logging.DEBUG:
        # Read by transformers and huggingface_hub when they are first imported, with the weights.
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def _read_key(path: Path) -> str:
    try:
        key = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise CLIError(f"cannot read the API key file {str(path)!r}: {exc.strerror}", EXIT_USAGE) from None
    if not key:
        raise CLIError(f"the API key file {str(path)!r} is empty", EXIT_AUTH)
    return key


_LOCAL_MODEL = "mistral_client.local_model"


def _default_model(client: Client, fallback: str) -> str:
    # On the local backend the model name is the weights' own; over the API, MISTRAL_MODEL or ours.
    name = click.get_current_context().meta.get(_LOCAL_MODEL)
    return name if isinstance(name, str) else os.environ.get("MISTRAL_MODEL") or fallback


def _text_argument(words: tuple[str, ...], what: str) -> str:
    """The words given, else stdin (when it is not a terminal)."""
    if words:
        text = " ".join(words)
        if not text.strip():
            raise click.UsageError(f"the {what} is empty")
        return text
    if sys.stdin.isatty():
        raise click.UsageError(f"give the {what} as an argument or on stdin")
    text = sys.stdin.read()
    if not text.strip():
        raise click.UsageError(f"the {what} on stdin is empty")
    return text


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


# --- chat -------------------------------------------------------------------------------------------

_sampling = [
    click.option(
        "--temperature",
        type=click.FloatRange(TEMPERATURE_MIN, TEMPERATURE_MAX),
        help="Sampling temperature (0: most likely).",
    ),
    click.option(
        "--max-tokens",
        type=click.IntRange(min=MAX_TOKENS_MIN),
        help="Stop the answer after this many tokens.",
    ),
    click.option("--json", "as_json", is_flag=True, help="Print the whole response as JSON (not streamed)."),
]


def sampling_options(command: F) -> F:
    for option in reversed(_sampling):
        command = option(command)
    return command


@cli.command(short_help="Ask a question, or start a conversation; streamed.")
@click.argument("question", nargs=-1)
@click.option("-m", "--model", help=f"The model (default: MISTRAL_MODEL, then {DEFAULT_CHAT_MODEL}).")
@click.option("-s", "--system", help="A system prompt.")
@sampling_options
@click.option("-i", "--interactive", is_flag=True, help="Start a conversation even with stdin redirected.")
@connection_options
def chat(
    question: tuple[str, ...],
    model: str | None,
    system: str | None,
    temperature: float | None,
    max_tokens: int | None,
    as_json: bool,
    interactive: bool,
    **connection: Any,
) -> None:
    """Ask a QUESTION (or read it from stdin) and stream the answer; with neither, start a
    conversation that keeps its history (/reset clears it, /exit or Ctrl-D leaves)."""
    from ._chat import Conversation

    client = make_client(**connection, needs="chat")
    conversation = Conversation(
        client, model or _default_model(client, DEFAULT_CHAT_MODEL), system, temperature, max_tokens, as_json
    )
    if interactive or (not question and sys.stdin.isatty()):
        conversation.repl()
    else:
        conversation.ask(_text_argument(question, "question"))


# --- fim --------------------------------------------------------------------------------------------


@cli.command(short_help="Fill in the middle of code; streamed.")
@click.argument("prompt", nargs=-1)
@click.option("-m", "--model", help=f"The model (default: {DEFAULT_FIM_MODEL}).")
@click.option("--suffix", help="The code after the gap.")
@sampling_options
@connection_options
def fim(
    prompt: tuple[str, ...],
    model: str | None,
    suffix: str | None,
    temperature: float | None,
    max_tokens: int | None,
    as_json: bool,
    **connection: Any,
) -> None:
    """Fill in the middle: stream the code between PROMPT (or stdin) and --suffix."""
    client = make_client(**connection, needs="chat")
    params: dict[str, Any] = {
        "model": model or _default_model(client, DEFAULT_FIM_MODEL),
        "prompt": _text_argument(prompt, "prompt"),
        "suffix": suffix,
        "temperature": temperature,
        "max_tokens": max_tokens,
    }
    if as_json:
        _print_json(client.fim.complete(**params).model_dump(mode="json", exclude_none=True))
        return
    with client.fim.stream(**params) as stream:
        for text in stream.text_deltas():
            _write(text)
    _write("\n")


# --- embed ------------------------------------------------------------------------------------------


@cli.command(short_help="Embed lines to JSON Lines or .npy.")
@click.argument("input_file", metavar="[FILE]", default="-", type=click.File("r", encoding="utf-8"))
@click.option("-m", "--model", help=f"The model (default: {DEFAULT_EMBED_MODEL}).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write: a .npy file (one row per line), else JSON Lines (default: stdout).",
)
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="A progress bar (default: when stderr is a terminal and tqdm is installed).",
)
@connection_options
def embed(
    input_file: Any,
    model: str | None,
    output: Path | None,
    batch_size: int,
    progress: bool | None,
    **connection: Any,
) -> None:
    """Embed each line of FILE (or stdin), in batches."""
    from ._embed import embed_lines

    client = make_client(**connection, needs="embeddings")
    embed_lines(
        client,
        model or _default_model(client, DEFAULT_EMBED_MODEL),
        (line.rstrip("\r\n") for line in input_file),
        output,
        batch_size,
        _default_progress() if progress is None else progress,
    )


def _default_progress() -> bool:
    """A bar when stderr is a terminal and tqdm (the ``progress`` extra) is installed: without it, the
    default must not turn into an error (``--progress`` asks for the bar, and says how to get it)."""
    import importlib.util

    return sys.stderr.isatty() and importlib.util.find_spec("tqdm") is not None


# --- models -----------------------------------------------------------------------------------------


@cli.group()
def models() -> None:
    """The models available: models list."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the model cards as JSON.")
@connection_options
def models_list(as_json: bool, **connection: Any) -> None:
    """List the models you can use, one id per line."""
    cards = make_client(**connection).models.list().data
    if as_json:
        _print_json([card.model_dump(mode="json", exclude_none=True) for card in cards])
        return
    for card in cards:
        click.echo(card.id)


# --- tokens -----------------------------------------------------------------------------------------


@cli.group()
def tokens() -> None:
    """Offline token counts: tokens count."""


@tokens.command("count")
@click.argument("text", nargs=-1)
@click.option("-m", "--model", help=f"The model whose tokenizer counts (default: {DEFAULT_CHAT_MODEL}).")
@click.option("-s", "--system", help="A system prompt before TEXT.")
@click.option(
    "--messages-file",
    type=click.File("r", encoding="utf-8"),
    help="A JSON file with a list of messages, or a request with messages and tools, to count instead.",
)
@click.option("--fim", "as_fim", is_flag=True, help="Count TEXT as a FIM prompt (with --suffix).")
@click.option("--suffix", help="The FIM suffix.")
@click.option("--max-tokens", type=click.IntRange(min=MAX_TOKENS_MIN), help="Room to leave for the answer.")
@click.option("--check", is_flag=True, help="Exit with 6 when the request does not fit the context window.")
@click.option("--json", "as_json", is_flag=True, help="Print the count as JSON.")
@connection_options
def tokens_count(
    text: tuple[str, ...],
    model: str | None,
    system: str | None,
    messages_file: Any,
    as_fim: bool,
    suffix: str | None,
    max_tokens: int | None,
    check: bool,
    as_json: bool,
    **connection: Any,
) -> None:
    """Count the prompt tokens of TEXT (or stdin) as a user message, and check it against the
    model's context window. Nothing is sent."""
    client = make_client(**connection, need_key=False)
    model = model or _default_model(client, DEFAULT_CHAT_MODEL)
    if as_fim:
        count = client.tokens.count(model=model, prompt=_text_argument(text, "FIM prompt"), suffix=suffix)
    else:
        messages, tools = _messages(text, system, messages_file)
        count = client.tokens.count(model=model, messages=messages, tools=tools)
    fits = None if count.context_window is None else count.fits(max_tokens)
    if as_json:
        _print_json(
            {
                "model": model,
                "tokens": count.tokens,
                "exact": count.exact,
                "tokenizer": count.tokenizer,
                "note": count.note,
                "context_window": count.context_window,
                "fits": fits,
            }
        )
    else:
        click.echo(f"{count.tokens} tokens ({count.tokenizer}; {'exact' if count.exact else 'approximate'})")
        if count.note:
            click.echo(f"note: {count.note}")
        if count.context_window is not None:
            room = f" with {max_tokens} for the answer" if max_tokens else ""
            verdict = "fits" if fits else "does NOT fit"
            click.echo(f"{verdict} {model}'s context window of {count.context_window} tokens{room}")
    if check and fits is False:
        sys.exit(EXIT_TOO_LONG)


def _messages(
    text: tuple[str, ...], system: str | None, messages_file: Any
) -> tuple[list[dict[str, Any]], Any]:
    if messages_file is not None:
        try:
            data = json.load(messages_file)
        except ValueError as exc:
            raise CLIError(f"--messages-file: not JSON: {exc}", EXIT_USAGE) from None
        if isinstance(data, dict):
            return list(data.get("messages") or []), data.get("tools")
        if isinstance(data, list):
            return data, None
        raise CLIError("--messages-file: expected a list of messages or an object with messages", EXIT_USAGE)
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": _text_argument(text, "text")})
    return messages, None


# --- commands in modules of their own (imported last: they use the helpers above) --------------------

from ._documents import moderate, ocr  # noqa: E402
from ._transcribe import transcribe  # noqa: E402

cli.add_command(ocr)
cli.add_command(moderate)
cli.add_command(transcribe)
