"""The endpoint groups a client exposes: one module per group, sync and async side by side."""

from .agents import Agents, AsyncAgents
from .audio import AsyncAudio, Audio
from .batch import AsyncBatch, Batch
from .beta import AsyncBeta, Beta
from .chat import AsyncChat, Chat
from .classifiers import AsyncClassifiers, Classifiers
from .embeddings import AsyncEmbeddings, Embeddings
from .files import AsyncFiles, Files
from .fim import AsyncFim, Fim
from .models import AsyncModels, Models
from .ocr import AsyncOcr, Ocr
from .tokens import AsyncTokens, Tokens

__all__ = [
    "Agents",
    "AsyncAgents",
    "AsyncAudio",
    "AsyncBatch",
    "AsyncBeta",
    "AsyncChat",
    "AsyncClassifiers",
    "AsyncEmbeddings",
    "AsyncFiles",
    "AsyncFim",
    "AsyncModels",
    "AsyncOcr",
    "AsyncTokens",
    "Audio",
    "Batch",
    "Beta",
    "Chat",
    "Classifiers",
    "Embeddings",
    "Files",
    "Fim",
    "Models",
    "Ocr",
    "Tokens",
]
