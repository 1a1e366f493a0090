"""The endpoint groups a client exposes: one module per group, sync and async side by side."""

from .chat import AsyncChat, Chat
from .embeddings import AsyncEmbeddings, Embeddings
from .fim import AsyncFim, Fim
from .models import AsyncModels, Models
from .tokens import AsyncTokens, Tokens

__all__ = [
    "AsyncChat",
    "AsyncEmbeddings",
    "AsyncFim",
    "AsyncModels",
    "AsyncTokens",
    "Chat",
    "Embeddings",
    "Fim",
    "Models",
    "Tokens",
]
