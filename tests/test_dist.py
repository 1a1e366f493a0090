"""The package as users get it: the sdist and wheel `make dist` builds, the wheel installed into a fresh
virtual environment (no checkout on sys.path, no development packages) and used there as a user would.

The wheel's dependencies are pinned at the versions this environment runs (under ``make test``, the
lock's), so the install is quick from pip's cache, and ``make test-latest`` checks the newest releases.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import subprocess
import sys
import venv
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

from mistral_client import __version__ as VERSION

from .loopback import DONE, Conn, LoopbackServer, Request, chat_response, chunk_event

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mistral_client"

#: Modules that need more than the wheel's own dependencies: the ``local`` extra, and the pytest
#: plugin (loaded by pytest only). Every other module must import in the bare environment.
NEEDS_MORE = ("mistral_client.local", "mistral_client.testing._pytest_plugin")


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    command = " ".join(str(a) for a in args)[:100]
    assert result.returncode == 0, f"{command} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@dataclass
class Dist:
    sdist: Path
    wheel: Path  # built from the sdist, as `make dist` and pip build it
    tree_wheel: Path  # built straight from the checkout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: the environment's (locked) hatchling, no download of the newest one.
    build = (sys.executable, "-m", "build", "--no-isolation")
    _run(*build, "--outdir", out / "from-sdist", ROOT, cwd=out)
    _run(*build, "--wheel", "--outdir", out / "from-tree", ROOT, cwd=out)
    (sdist,) = (out / "from-sdist").glob("*.tar.gz")
    (wheel,) = (out / "from-sdist").glob("*.whl")
    (tree_wheel,) = (out / "from-tree").glob("*.whl")
    return Dist(sdist, wheel, tree_wheel)


def _members(wheel: Path) -> dict[str, str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: hashlib.sha256(archive.read(name)).hexdigest() for name in archive.namelist()}


def test_the_wheel_holds_every_file_of_the_package(dist: Dist) -> None:
    assert dist.wheel.name == f"mistral_client-{VERSION}-py3-none-any.whl"
    source = {
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert "mistral_client/py.typed" in source
    packaged = {name for name in _members(dist.wheel) if name.startswith("mistral_client/")}
    assert packaged == source


def test_the_sdist_builds_the_same_wheel_as_the_checkout(dist: Dist) -> None:
    assert dist.sdist.name == f"mistral_client-{VERSION}.tar.gz"
    assert _members(dist.wheel) == _members(dist.tree_wheel)


@pytest.fixture(scope="module")
def env_bin(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel and what its metadata asks for, nothing else."""
    root = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(root / "venv")
    python = root / "venv" / "bin" / "python"
    installed = {d.metadata["Name"]: d.version for d in metadata.distributions()}
    pins = sorted(f"{name}=={version}" for name, version in installed.items() if name != "mistral-client")
    constraints = root / "constraints.txt"
    constraints.write_text("\n".join(pins) + "\n")
    # This environment's pip installs into the new one (no pip of its own to set up there).
    pip = (sys.executable, "-m", "pip", "--python", python, "--disable-pip-version-check")
    _run(*pip, "install", "-q", "-c", constraints, dist.wheel, cwd=root)
    _run(*pip, "check", cwd=root)
    return python.parent


class ChatAPI:
    """Chat completions whose every first attempt is refused with a 503, so the retry loop runs too."""

    def __init__(self) -> None:
        self.requests = itertools.count()

    def __call__(self, request: Request, conn: Conn) -> None:
        assert request.path == "/v1/chat/completions", request.path
        if next(self.requests) % 2 == 0:
            conn.respond_json(
                503, {"message": "Busy", "type": "service_unavailable"}, {"retry-after-ms": "1"}
            )
        elif request.json().get("stream"):
            conn.stream_events([chunk_event(role="assistant", content=""), chunk_event("Paris."), DONE])
        else:
            conn.respond_json(200, chat_response("Paris."))


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a user's shell: nothing of this checkout or its virtual environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MISTRAL_", "PYTHON", "VIRTUAL_ENV"))}
    return {**env, "MISTRAL_API_KEY": "test-key", "HOME": str(tmp_path)}


# A user's first lines: the version, the public names, every module that needs no extra, a tool
# (its docstring parsed), and a chat, sync and async (each retried once), against the server in argv[1].
USER_SCRIPT = f"""
import asyncio, importlib, pathlib, pkgutil, sys
import mistral_client
from mistral_client import AsyncClient, Client, MistralError, tool

assert mistral_client.__version__ == {VERSION!r}, mistral_client.__version__
here = pathlib.Path(mistral_client.__file__).parent
assert "site-packages" in here.parts, here
assert (here / "py.typed").is_file()
for module in pkgutil.walk_packages(mistral_client.__path__, "mistral_client."):
    if not module.name.startswith({NEEDS_MORE!r}):
        importlib.import_module(module.name)

@tool
def weather(city: str) -> str:
    '''The weather now.

    Args:
        city: Where.
    '''
    return "sunny"

assert weather.definition["function"]["parameters"]["properties"]["city"]["description"] == "Where."
messages = [{{"role": "user", "content": "What is the capital of France?"}}]
print(Client(base_url=sys.argv[1]).chat.complete(model="mistral-small-latest", messages=messages).text)

async def main() -> None:
    async with AsyncClient(base_url=sys.argv[1]) as client:
        print((await client.chat.complete(model="mistral-small-latest", messages=messages)).text)

asyncio.run(main())
"""


def test_the_installed_wheel_works_as_a_user_runs_it(
    env_bin: Path, user_env: dict[str, str], tmp_path: Path
) -> None:
    with LoopbackServer(ChatAPI()) as server:
        out = _run(env_bin / "python", "-c", USER_SCRIPT, server.url, cwd=tmp_path, env=user_env)
    assert out.splitlines() == ["Paris.", "Paris."]
    assert len(server.requests) == 4  # each question retried once


def test_the_installed_console_script_chats(env_bin: Path, user_env: dict[str, str], tmp_path: Path) -> None:
    help_text = _run(env_bin / "mistral-client", "--help", cwd=tmp_path, env=user_env)
    assert "chat" in help_text and "embed" in help_text
    with LoopbackServer(ChatAPI()) as server:
        env = {**user_env, "MISTRAL_BASE_URL": server.url}
        out = _run(
            env_bin / "mistral-client", "chat", "What is the capital of France?", cwd=tmp_path, env=env
        )
    assert out.strip() == "Paris."
    assert [r.json()["stream"] for r in server.requests] == [True, True]  # retried once
