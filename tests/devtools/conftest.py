# The documented way to get the fixture without the installed pytest11 plugin.
from mistral_client.testing import fake_backend

__all__ = ["fake_backend"]
