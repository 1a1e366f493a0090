"""``LocalBackend``: the API's endpoints answered in-process by open weights.

It implements both sides of the backend seam, so ``Client(backend=...)`` and
``AsyncClient(backend=...)`` take it alike. The engine works in plain Python types
(:mod:`._types`); this module dispatches the API's typed requests to it and loads the weights, while
:mod:`._request_mapping` maps requests onto the engine and :mod:`._responses` builds its results into
the API's response types, so the same code and the same types serve the API and the local weights.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from .. import _endpoints as endpoints
from .._backend import (
    REQUEST_CONTEXT,
    APIRequest,
    APIResponse,
    AsyncBackend,
    AsyncStreamResponse,
    Backend,
    StreamResponse,
    TokenCountRequest,
)
from .._exceptions import (
    InvalidRequestError,
    NotFoundError,
    UnsupportedOperationError,
    UnsupportedParameterError,
)
from ..types.chat import (
    ChatCompletionResponse,
    CompletionChunk,
    FIMCompletionResponse,
    ToolChoice,
    UsageInfo,
)
from ..types.embeddings import EmbeddingResponse, EmbeddingResponseData
from ..types.models import BaseModelCard, DeleteModelResponse, ModelCapabilities, ModelList
from ..types.requests import ChatCompletionRequest, EmbeddingRequest, FIMCompletionRequest
from ..types.tokens import TokenCount
from ._errors import LocalModelError
from ._model_kind import ModelKind, Task, model_kind
from ._request_mapping import (
    generation_params,
    reject_http_options,
    reject_unsupported_chat,
    with_safe_prompt,
)
from ._responses import build_chunks, build_response, encode_vector, new_id
from ._types import GenerationEvent, GenerationParams, GenerationResult, collect

T = TypeVar("T")
#: Which engine runs the weights: ``torch`` (transformers), ``llama.cpp`` (GGUF files), ``auto``.
EngineName = Literal["auto", "torch", "llama.cpp"]
_ENGINES = ("auto", "torch", "llama.cpp")

logger = logging.getLogger("mistral_client.local")

#: The conversation operations (the records' names; their group loads lazily, so not read from it
#: here), answered by the backend's in-memory store (``LocalBackend.conversations``).
_CONVERSATION_OPERATIONS = tuple(
    f"beta.conversations.{name}"
    for name in ("start", "append", "restart", "list", "get", "delete", "get_history", "get_messages")
)
_CONVERSATION_STREAMS = (
    "beta.conversations.start_stream",
    "beta.conversations.append_stream",
    "beta.conversations.restart_stream",
)


class LocalBackend(Backend, AsyncBackend):
    """Runs a model directory (Hugging Face layout, safetensors) or a ``.gguf`` file in-process.

    ``device`` is ``"cpu"``, ``"cuda"``, ``"cuda:1"``... (default: CUDA when available); ``dtype`` is
    ``"float32"``, ``"bfloat16"`` or ``"float16"``; ``num_threads`` sets torch's CPU threads.
    The weights load on first use of what needs them: a chat model for chat and FIM, a
    sentence-embedding model for embeddings. ``model_name`` is what ``models.list()`` reports.
    Concurrent requests (threads, asyncio or trio tasks) are decoded together, up to
    ``max_batch_size`` completions at a time; prompts joining are read ``prefill_chunk`` tokens per
    step, between the others' decode steps. ``cache_dir`` holds de-quantized GGUF weights.

    ``engine`` picks what runs the weights: ``"torch"`` (transformers: any Hugging Face model, GPUs,
    GGUF de-quantized), ``"llama.cpp"`` (a ``.gguf`` file's quantized weights through llama-cpp-python,
    no torch; ``num_threads`` sets llama.cpp's threads, ``context_length`` its KV cache, shared by
    concurrent requests, default the smaller of the model's window and 4,096) or ``"auto"``:
    llama.cpp for a GGUF file when llama-cpp-python is installed and neither ``device`` nor
    ``dtype`` (torch settings) is given, else torch.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        device: str | None = None,
        dtype: str | None = None,
        num_threads: int | None = None,
        model_name: str | None = None,
        max_batch_size: int = 8,
        cache_dir: str | os.PathLike[str] | None = None,
        prefill_chunk: int = 256,  # _scheduler.PREFILL_CHUNK, without importing torch here
        engine: EngineName = "auto",
        context_length: int | None = None,
    ) -> None:
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")
        if prefill_chunk < 1:
            raise ValueError("prefill_chunk must be at least 1")
        self.prefill_chunk = prefill_chunk
        self.path = Path(path)
        if not self.path.exists():
            from ._model_files import ModelPathError  # a LocalModelError and a FileNotFoundError

            raise ModelPathError(self.path, "no such file or directory")
        self.device = device
        self.dtype = dtype
        self.num_threads = num_threads
        self.max_batch_size = max_batch_size
        self.cache_dir = None if cache_dir is None else str(cache_dir)
        if context_length is not None and context_length < 1:
            raise ValueError("context_length must be at least 1")
        self.context_length = context_length
        #: The engine that runs (or will run) the weights: ``"torch"`` or ``"llama.cpp"``.
        self.engine_name: Literal["torch", "llama.cpp"] = _choose_engine(engine, self.path, device, dtype)
        self.model_name = model_name or (self.path.name if self.path.is_dir() else self.path.stem)
        self._engine: Any = None
        self._encoder: Any = None  # the tokenizer alone, for token counts and the model card
        self._embedder: Any = None
        self._load_lock = threading.Lock()
        # Embedding batches run one at a time; generation is batched by the engine's scheduler.
        self._step_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<LocalBackend path={str(self.path)!r} engine={self.engine_name!r} device={self.device!r}>"

    # --- loading ------------------------------------------------------------------------------

    def _options(self) -> Any:
        from ._loader import LoadOptions

        return LoadOptions(
            device=self.device, dtype=self.dtype, num_threads=self.num_threads, cache_dir=self.cache_dir
        )

    @functools.cached_property
    def kind(self) -> ModelKind:
        """What the model serves (chat or embeddings), from its metadata: no weights are read."""
        return model_kind(self.path)

    def _check_kind(self, task: Task) -> None:
        refusal = self.kind.refusal(task)
        if refusal is not None:
            raise LocalModelError(self.path, refusal)

    @property
    def engine(self) -> Any:
        """The generation engine (loaded on first use)."""
        if self._engine is None:
            with self._load_lock:
                if self._engine is not None:
                    return self._engine
                self._check_kind("chat")
                logger.info(
                    "loading %s in-process (%s): %s", self.path, self.engine_name, self.kind.description
                )
                if self.engine_name == "llama.cpp":
                    from .llama_cpp._engine import LlamaCppEngine

                    with _load_errors(self.path):
                        self._engine = LlamaCppEngine.load(
                            self.path,
                            num_threads=self.num_threads,
                            max_batch_size=self.max_batch_size,
                            prefill_chunk=self.prefill_chunk,
                            context_length=self.context_length,
                        )
                else:
                    from ._engine import Engine

                    with _load_errors(self.path):
                        self._engine = Engine.load(
                            self.path,
                            self._options(),
                            max_batch_size=self.max_batch_size,
                            prefill_chunk=self.prefill_chunk,
                        )
        return self._engine

    @property
    def tokenizer(self) -> Any:
        """The chat model's :class:`~mistral_client.local.PromptEncoder`: ``encode_chat``,
        ``count_tokens``, ``decode`` (loads the model on first use)."""
        return self.engine.encoder

    def _prompt_encoder(self) -> Any:
        """The chat model's prompt encoder: the engine's once loaded, else the tokenizer alone."""
        if self._engine is not None:
            return self._engine.encoder
        if self._encoder is None:
            with self._load_lock:
                if self._encoder is None:
                    from ._model_files import resolve_model_files
                    from ._tokenizer import load_prompt_encoder

                    with _load_errors(self.path):
                        self._encoder = load_prompt_encoder(resolve_model_files(self.path))
        return self._encoder

    @property
    def embedder(self) -> Any:
        """The embedding model (loaded on first use)."""
        if self._embedder is None:
            with self._load_lock:
                if self._embedder is not None:
                    return self._embedder
                self._check_kind("embeddings")
                logger.info(
                    "loading %s in-process (%s): %s", self.path, self.engine_name, self.kind.description
                )
                if self.engine_name == "llama.cpp":
                    from .llama_cpp._embeddings import GGUFEmbeddingModel

                    with _load_errors(self.path):
                        self._embedder = GGUFEmbeddingModel.load(
                            self.path, num_threads=self.num_threads, context_length=self.context_length
                        )
                else:
                    from ._embeddings import EmbeddingModel

                    with _load_errors(self.path):
                        self._embedder = EmbeddingModel.load(
                            self.path, device=self.device, dtype=self.dtype, num_threads=self.num_threads
                        )
        return self._embedder

    # --- what the backend declares -------------------------------------------------------------

    #: Batch jobs run here, each request through handle_request (there is no server to send them to).
    remote_batches = False

    def count_tokens(self, request: TokenCountRequest) -> TokenCount:
        """The prompt tokens with the model's own tokenizer (loaded without the weights if need be)."""
        from ._token_counts import count_tokens

        return count_tokens(self, request)

    # --- the sync seam ------------------------------------------------------------------------

    def handle_request(self, request: APIRequest[T]) -> APIResponse[T]:
        return self._respond(request, None)

    def handle_stream(self, request: APIRequest[T]) -> StreamResponse[T]:
        cancel = threading.Event()
        chunks = self._stream_chunks(request, cancel)
        return StreamResponse(cast("Iterator[T]", chunks), cancel.set, **_info())

    # --- the async seam: the work runs in worker threads, the event loop never blocks ----------

    async def handle_async_request(self, request: APIRequest[T]) -> APIResponse[T]:
        import anyio

        cancel = threading.Event()
        try:
            return await anyio.to_thread.run_sync(self._respond, request, cancel, abandon_on_cancel=True)
        except anyio.get_cancelled_exc_class():
            cancel.set()  # the abandoned thread stops before its next token
            raise

    async def handle_async_stream(self, request: APIRequest[T]) -> AsyncStreamResponse[T]:
        import anyio
        import anyio.lowlevel

        cancel = threading.Event()
        # Loading the weights (first use) and encoding the prompt happen in a worker thread, so the
        # event loop never waits on them; errors in the request still surface here, before any event.
        chunks = await anyio.to_thread.run_sync(self._stream_chunks, request, cancel)
        send, receive = anyio.create_memory_object_stream[Any](max_buffer_size=16)
        token = anyio.lowlevel.current_token()

        def hand_over(item: Any) -> bool:
            """Send to the consumer; False once it has gone (closed, cancelled, loop ended)."""
            try:
                anyio.from_thread.run(send.send, item, token=token)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError, RuntimeError):
                cancel.set()
                return False
            return True

        def produce() -> None:
            # A plain thread, not a task: a stream object may outlive any task group of the caller.
            try:
                for chunk in chunks:
                    if not hand_over(chunk):
                        return
            except BaseException as exc:  # an engine failure: raised in the consumer, not swallowed
                hand_over(_Failure(exc))
            finally:
                with contextlib.suppress(Exception):  # the event loop is already gone
                    anyio.from_thread.run_sync(send.close, token=token)

        threading.Thread(target=produce, name="mistral-local-stream", daemon=True).start()

        async def events() -> AsyncIterator[Any]:
            async with receive:
                async for item in receive:
                    if isinstance(item, _Failure):
                        raise item.error
                    yield item

        async def close() -> None:
            cancel.set()
            await receive.aclose()

        return AsyncStreamResponse(cast("AsyncIterator[T]", events()), close, **_info())

    # --- dispatch -----------------------------------------------------------------------------

    def _respond(self, request: APIRequest[T], cancel: threading.Event | None) -> APIResponse[T]:
        reject_http_options(request)
        handler = self._HANDLERS.get(request.operation)
        if handler is None:
            raise UnsupportedOperationError(request.operation, "the local backend (LocalBackend)")
        result = handler(self, request, cancel)
        return APIResponse(lambda: result, **_info())

    def _chat(self, request: APIRequest[Any], cancel: threading.Event | None) -> ChatCompletionResponse:
        return self._complete_chat(cast(ChatCompletionRequest, request.body), cancel)

    def _complete_chat(
        self, body: ChatCompletionRequest, cancel: threading.Event | None
    ) -> ChatCompletionResponse:
        prompt, params = self._chat_prompt(body)
        result = self._generate(prompt, params, cancel)
        return build_response(ChatCompletionResponse, body.model, result)

    def _stream_chat(self, body: ChatCompletionRequest, cancel: threading.Event) -> Iterator[CompletionChunk]:
        prompt, params = self._chat_prompt(body)
        return build_chunks(self._events(prompt, params, cancel), body.model, len(prompt), params.n)

    @functools.cached_property
    def conversations(self) -> Any:
        """The conversations this backend runs (``client.beta.conversations``): an in-memory
        :class:`~mistral_client.local._conversations.ConversationStore`, kept for the backend's life."""
        from ._conversations import ConversationStore

        return ConversationStore(self._complete_chat, self._stream_chat)

    def _conversation(self, request: APIRequest[Any], cancel: threading.Event | None) -> Any:
        return self.conversations.respond(request, cancel)

    def _fim(self, request: APIRequest[Any], cancel: threading.Event | None) -> FIMCompletionResponse:
        body = cast(FIMCompletionRequest, request.body)
        prompt, params = self._fim_prompt(body)
        result = self._generate(prompt, params, cancel)
        return build_response(FIMCompletionResponse, body.model, result)

    def _embeddings(self, request: APIRequest[Any], cancel: threading.Event | None) -> EmbeddingResponse:
        body = cast(EmbeddingRequest, request.body)
        if body.output_dtype != "float":
            raise UnsupportedParameterError("output_dtype", "the local backend returns float embeddings only")
        texts = [body.input] if isinstance(body.input, str) else list(body.input)
        embedder = self.embedder  # load failures are LocalModelError, not a bad request
        try:
            with self._step_lock:
                result = embedder.embed(texts, output_dimension=body.output_dimension)
        except ValueError as exc:
            raise InvalidRequestError(
                f"Invalid request: {exc}", errors=[("output_dimension", str(exc))]
            ) from None
        vectors, prompt_tokens = result.vectors, result.prompt_tokens
        data = [
            EmbeddingResponseData(index=i, embedding=encode_vector(vector, body.encoding_format))
            for i, vector in enumerate(vectors)
        ]
        return EmbeddingResponse(
            id=new_id(),
            model=body.model,
            data=data,
            usage=UsageInfo(prompt_tokens=prompt_tokens, completion_tokens=0, total_tokens=prompt_tokens),
        )

    def _models_list(self, request: APIRequest[Any], cancel: threading.Event | None) -> ModelList:
        return ModelList(data=[self._card()])

    def _models_retrieve(self, request: APIRequest[Any], cancel: threading.Event | None) -> BaseModelCard:
        model_id = request.path_params.get("model_id")
        if model_id != self.model_name:
            raise NotFoundError(
                f"Error code: 404 - no model {model_id!r} here; this backend serves {self.model_name!r}",
                status_code=404,
            )
        return self._card()

    def _models_delete(self, request: APIRequest[Any], cancel: threading.Event | None) -> DeleteModelResponse:
        raise UnsupportedParameterError("model_id", "the local backend cannot delete models")

    #: What this backend answers, by operation (the records' names).
    _HANDLERS: dict[str, Callable[[LocalBackend, APIRequest[Any], threading.Event | None], Any]] = {
        endpoints.CHAT_COMPLETE.name: _chat,
        endpoints.FIM_COMPLETE.name: _fim,
        endpoints.EMBEDDINGS_CREATE.name: _embeddings,
        endpoints.MODELS_LIST.name: _models_list,
        endpoints.MODELS_RETRIEVE.name: _models_retrieve,
        endpoints.MODELS_DELETE.name: _models_delete,
        **dict.fromkeys(_CONVERSATION_OPERATIONS, _conversation),
    }

    def _card(self) -> BaseModelCard:
        """The model's card, with what this backend does with it (read from its files: no weights)."""
        from ._model_files import declared_context_length, resolve_model_files

        with _load_errors(self.path):
            files = resolve_model_files(self.path)
        chat = (
            files.native
            or files.gguf_file is not None
            or (files.directory / "config.json").is_file()
            or self._engine is not None
        )
        capabilities: dict[str, bool] = {"completion_chat": chat}
        extra: dict[str, Any] = {}
        if chat:
            encoder = self._prompt_encoder()
            capabilities["function_calling"] = encoder.supports_tools
            capabilities["completion_fim"] = encoder.supports_fim
            context = self._engine.context_length if self._engine is not None else None
            context = context or declared_context_length(files)
            if context:
                extra["max_context_length"] = context
        return BaseModelCard(
            id=self.model_name,
            owned_by="local",
            created=int(self.path.stat().st_mtime),
            capabilities=ModelCapabilities(**capabilities),
            **extra,
        )

    # --- generation ---------------------------------------------------------------------------

    def _chat_prompt(self, body: ChatCompletionRequest) -> tuple[list[int], GenerationParams]:
        reject_unsupported_chat(body)
        messages = [
            m.model_dump(mode="json", exclude_none=True, context=REQUEST_CONTEXT) for m in body.messages
        ]
        if body.safe_prompt:
            messages = with_safe_prompt(messages)
        tools = None
        if body.tools and body.tool_choice != "none":
            tools = [t.model_dump(mode="json", exclude_none=True, by_alias=True) for t in body.tools]
        engine = self.engine
        try:
            prompt = engine.encoder.encode_chat(messages, tools)
        except Exception as exc:  # mistral-common's own errors, templates' ValueErrors: all bad input
            raise InvalidRequestError(f"Invalid request: {exc}", errors=[("messages", str(exc))]) from None
        grammar, parse_tool_calls, banned = self._constraint(body, tools)
        params = generation_params(body, parse_tool_calls=parse_tool_calls)
        parsing = None
        if parse_tool_calls and grammar is None:
            # A forced call is written in the grammar's format (<tool_call> blocks for chat-template
            # models), not necessarily the one the response template describes: the parser made for
            # that format reads it. Free answers are read with the model's own declared format.
            parsing = engine.encoder.response_parsing(prompt, tools)
        return prompt, dataclasses.replace(
            params, grammar=grammar, banned_tokens=banned, response_parsing=parsing
        )

    def _constraint(
        self, body: ChatCompletionRequest, tools: list[dict[str, Any]] | None
    ) -> tuple[str | None, bool, tuple[int, ...]]:
        """(grammar, parse tool calls, banned token ids) for the request's tool_choice and response_format."""
        engine = self.engine
        tool_tokens = engine.encoder.tool_call_tokens
        choice = body.tool_choice
        forced = tools is not None and (choice in ("any", "required") or isinstance(choice, ToolChoice))
        fmt = body.response_format
        json_mode = fmt is not None and fmt.type in ("json_object", "json_schema")
        if not forced and not json_mode:
            # "none" forbids tool calls outright: the model cannot even start one.
            banned = (tool_tokens.tool_calls,) if choice == "none" and tool_tokens is not None else ()
            return None, tools is not None, banned
        from ._constraints import (
            MAX_FORCED_CALLS,
            GrammarError,
            check_grammar,
            json_grammar,
            tool_call_grammar,
        )

        field = "tool_choice" if forced else "response_format"
        try:
            if forced:
                assert tools is not None
                if isinstance(choice, ToolChoice):
                    tools = [
                        t for t in tools if (t.get("function") or {}).get("name") == choice.function.name
                    ]
                    if not tools:
                        raise GrammarError(
                            f"no tool named {choice.function.name!r} among the request's tools"
                        )
                grammar = tool_call_grammar(
                    tools,
                    tool_tokens,
                    chat_template=tool_tokens is None,
                    max_calls=MAX_FORCED_CALLS if body.parallel_tool_calls is not False else 1,
                )
            else:
                assert fmt is not None
                schema = (
                    fmt.json_schema.schema_definition
                    if fmt.type == "json_schema" and fmt.json_schema
                    else None
                )
                grammar = json_grammar(schema)
            check_grammar(grammar, engine.llg_tokenizer)
        except GrammarError as exc:
            raise InvalidRequestError(
                f"Invalid request: {field}: {exc}", errors=[(field, str(exc))]
            ) from None
        # With a JSON response format the answer is the JSON content: no tool call can start.
        banned = (tool_tokens.tool_calls,) if not forced and tool_tokens is not None else ()
        return grammar, forced, banned

    def _fim_prompt(self, body: FIMCompletionRequest) -> tuple[list[int], GenerationParams]:
        try:
            prompt = self.engine.encoder.encode_fim(body.prompt, body.suffix)
        except ValueError as exc:  # FIM needs a Mistral tokenizer with FIM control tokens
            raise UnsupportedParameterError("model", str(exc)) from None
        return prompt, generation_params(body, parse_tool_calls=False)

    def _events(
        self, prompt: list[int], params: GenerationParams, cancel: threading.Event | None
    ) -> Iterator[GenerationEvent]:
        # Not a generator itself: an empty or too long prompt must fail here, before a stream
        # has sent anything.
        try:
            generator: Iterator[GenerationEvent] = self.engine.generate(prompt, params, cancel)
        except ValueError as exc:
            raise InvalidRequestError(f"Invalid request: {exc}", errors=[("messages", str(exc))]) from None
        return generator

    def _generate(
        self, prompt: list[int], params: GenerationParams, cancel: threading.Event | None
    ) -> GenerationResult:
        return collect(self._events(prompt, params, cancel), params.n, len(prompt))

    def _stream_chunks(self, request: APIRequest[Any], cancel: threading.Event) -> Iterator[CompletionChunk]:
        reject_http_options(request)

        if request.operation in _CONVERSATION_STREAMS:
            return cast("Iterator[CompletionChunk]", self.conversations.stream(request, cancel))
        if request.operation == endpoints.CHAT_STREAM.name:
            prompt, params = self._chat_prompt(cast(ChatCompletionRequest, request.body))
        elif request.operation == endpoints.FIM_STREAM.name:
            prompt, params = self._fim_prompt(cast(FIMCompletionRequest, request.body))
        else:
            raise UnsupportedOperationError(request.operation, "the local backend (LocalBackend)")
        model = cast(Any, request.body).model
        return build_chunks(self._events(prompt, params, cancel), model, len(prompt), params.n)


def _choose_engine(
    engine: str, path: Path, device: str | None, dtype: str | None
) -> Literal["torch", "llama.cpp"]:
    """The engine ``engine`` names for this model; bad combinations fail here, before any load."""
    if engine not in _ENGINES:
        raise ValueError(f"LocalBackend: engine={engine!r}; expected one of {', '.join(map(repr, _ENGINES))}")
    if engine == "torch":
        return "torch"
    from ._model_files import ModelPathError, resolve_model_files
    from .llama_cpp import available

    try:
        gguf = resolve_model_files(path).gguf_file is not None
    except ModelPathError:
        gguf = False
    if engine == "auto":
        return "llama.cpp" if gguf and available() and device is None and dtype is None else "torch"
    if not gguf:
        raise ValueError(f"LocalBackend: engine='llama.cpp' runs .gguf files; {path} is not one")
    if device not in (None, "cpu") or dtype is not None:
        setting = f"device={device!r}" if device not in (None, "cpu") else f"dtype={dtype!r}"
        raise ValueError(
            f"LocalBackend: {setting} is a torch engine setting; the llama.cpp engine runs the GGUF's "
            "own quantized weights on the CPU (pass engine='torch' to use it)"
        )
    if not available():
        raise ImportError(
            "LocalBackend: engine='llama.cpp' needs llama-cpp-python: "
            "pip install 'mistral-client[local-gguf]'"
        )
    return "llama.cpp"


@contextlib.contextmanager
def _load_errors(path: Path) -> Iterator[None]:
    """Any failure to load the weights or tokenizer becomes a :class:`LocalModelError` naming the path."""
    try:
        yield
    except LocalModelError:
        raise
    except Exception as exc:
        raise LocalModelError(path, f"{type(exc).__name__}: {exc}") from exc


class _Failure:
    """An exception crossing from the producer thread to the consumer."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _info() -> dict[str, Any]:
    return {"status_code": 200, "request_id": new_id()}
