"""How the command line fails: one line on stderr and an exit code that says what went wrong.

==== =====================================================================================
Code Meaning
==== =====================================================================================
0    success
1    any other error (a server error, an unexpected failure)
2    bad usage: unknown options, bad arguments, a request the API's schema rejects,
     a missing file, a malformed --base-url or MISTRAL_BASE_URL, a model of the wrong kind
3    authentication: no API key, a key HTTP cannot carry, or the API refused it (401, 403)
4    rate limited (429), after the automatic retries
5    connection: the server could not be reached, timed out, or broke off
6    ``tokens count --check``: the request does not fit the model's context window
130  interrupted (Ctrl-C)
==== =====================================================================================
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_RATE_LIMIT = 4
EXIT_CONNECTION = 5
EXIT_TOO_LONG = 6
EXIT_INTERRUPTED = 130


#: The client's argument names, as the options that set them.
_OPTIONS = {"base_url=": "--base-url", "timeout=": "--timeout", "max_retries=": "--max-retries"}


class CLIError(Exception):
    """A failure the command line explains itself, with its exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def describe(exc: BaseException) -> tuple[int, str]:
    """The exit code and the one line to print for an error."""
    # Imported here: the errors module is light, but --help should not even pay for that.
    from .. import _exceptions as errors

    if isinstance(exc, CLIError):
        return exc.code, str(exc)
    if isinstance(exc, errors.ConfigurationError):
        # The client names its arguments ("base_url="); here they are options.
        option = _OPTIONS.get(exc.source or "")
        message = str(exc).replace(f"(from {exc.source})", f"(from {option})") if option else str(exc)
        return EXIT_USAGE, message
    from ..bulk._errors import EmbeddingBatchError

    if isinstance(exc, EmbeddingBatchError):
        # Its message advises Python callers (resume_from=); a command line user needs the cause.
        failed, total = len(exc.failed_indices), len(exc.failed_indices) + len(exc.completed)
        code, cause = describe(exc.__cause__) if exc.__cause__ is not None else (EXIT_ERROR, str(exc))
        return code, f"{failed} of {total} lines not embedded: {cause}"
    request_id = getattr(exc, "request_id", None)
    suffix = f" (request id {request_id})" if request_id else ""
    if isinstance(exc, (errors.AuthenticationError, errors.PermissionDeniedError)):
        hint = "; check MISTRAL_API_KEY or --api-key-file"
        return EXIT_AUTH, f"authentication failed: {exc}{suffix}{hint}"
    if isinstance(exc, errors.RateLimitError):
        wait = f"; the server asks to wait {exc.retry_after:g} s" if exc.retry_after else ""
        return EXIT_RATE_LIMIT, f"rate limited: {exc}{suffix}{wait}"
    if isinstance(exc, errors.APIConnectionError):
        return EXIT_CONNECTION, f"connection failed: {exc}"
    if isinstance(exc, (errors.InvalidRequestError, errors.UnsupportedParameterError)):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, errors.MistralError):
        return EXIT_ERROR, f"{exc}{suffix}"
    if isinstance(exc, FileNotFoundError):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, ImportError):
        return EXIT_ERROR, f"{exc} (--local needs the local extra: pip install 'mistral-client[local]')"
    return EXIT_ERROR, f"{type(exc).__name__}: {exc} (run with --debug for the traceback)"
