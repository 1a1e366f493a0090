"""The endpoint groups a client exposes: one module per group, sync and async side by side."""

from .batch import AsyncBatch, Batch
from .beta import AsyncBeta, Beta
from .chat import AsyncChat, Chat
from .embeddings import AsyncEmbeddings, Embeddings
from .files import AsyncFiles, Files
from .fim import AsyncFim, Fim
from .models import AsyncModels, Models
from .tokens import AsyncTokens, Tokens

__all__ = [
    "AsyncBatch",
    "AsyncBeta",
    "AsyncChat",
    "AsyncEmbeddings",
    "AsyncFiles",
    "AsyncFim",
    "AsyncModels",
    "AsyncTokens",
    "Batch",
    "Beta",
    "Chat",
    "Embeddings",
    "Files",
    "Fim",
    "Models",
    "Tokens",
]
