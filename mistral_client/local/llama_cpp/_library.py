"""llama-cpp-python's low-level API, loaded once: backend initialised, logs routed to ``logging``.

llama.cpp prints every load step to stderr unless told otherwise; its messages go to the
``mistral_client.local.llama_cpp`` logger instead (errors as warnings, the rest at debug level).
"""

from __future__ import annotations

import ctypes
import functools
import logging
from typing import Any

logger = logging.getLogger("mistral_client.local.llama_cpp")

# ggml's levels: 1 debug, 2 info, 3 warn, 4 error, 5 a continuation of the previous message. Its
# warnings are about tuning (a context shorter than trained), not failures: debug, with its info.
_GGML_LOG_ERROR, _GGML_LOG_CONT = 4, 5
_LEVELS = {_GGML_LOG_ERROR: logging.WARNING}
_callback: Any = None  # kept alive: llama.cpp holds only the C pointer


@functools.cache
def library() -> Any:
    """The ``llama_cpp`` module (its ctypes bindings), initialised."""
    import llama_cpp

    global _callback
    last = [logging.DEBUG]

    def forward(level: int, text: bytes, _user_data: Any) -> None:
        if level != _GGML_LOG_CONT:
            last[0] = _LEVELS.get(level, logging.DEBUG)
        if logger.isEnabledFor(last[0]):
            logger.log(last[0], "%s", text.decode("utf-8", errors="replace").rstrip("\n"))

    _callback = llama_cpp.llama_log_callback(forward)
    llama_cpp.llama_log_set(_callback, ctypes.c_void_p(0))
    llama_cpp.llama_backend_init()
    return llama_cpp
