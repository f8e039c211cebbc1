"""Fixtures of the sandbox tests: a server on a free port, a people client, a raw Bot API caller."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import pytest

from bot.sandbox.client import SandboxClient
from bot.sandbox.limits import Limits
from bot.sandbox.server import SandboxServer, start_server

API_TABLE = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "telegram-bot-api" / "api.min.json"
CHROMIUM = Path("/usr/lib/chromium/chromium")


class BotCall(Protocol):
    async def __call__(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]: ...


@pytest.fixture(scope="session")
def api_table() -> dict[str, Any]:
    """The official Bot API table, read from ../shared (never copied into the project)."""
    if not API_TABLE.is_file():
        pytest.skip(f"the official Bot API table is missing at {API_TABLE}: cannot check faithfulness")
    table: dict[str, Any] = json.loads(API_TABLE.read_text())
    return table


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    """A fresh sandbox with Telegram's default limits on a free port."""
    server = await start_server("127.0.0.1", 0)
    yield server
    await server.stop()


@pytest.fixture
async def free_sandbox() -> AsyncIterator[SandboxServer]:
    """A fresh sandbox without rate limits, for tests that send a lot."""
    server = await start_server("127.0.0.1", 0, limits=Limits.unlimited())
    yield server
    await server.stop()


@pytest.fixture
async def people(sandbox: SandboxServer) -> AsyncIterator[SandboxClient]:
    """The client API of `sandbox`, with Ana (Spanish) and Omar (Arabic) already there."""
    async with SandboxClient(sandbox.url) as client:
        await client.add_user(101, "Ana", language_code="es", username="ana_p2c")
        await client.add_user(102, "Omar", language_code="ar")
        yield client


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP session."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def call(sandbox: SandboxServer, http: aiohttp.ClientSession) -> BotCall:
    """Call a Bot API method with a JSON body; returns (HTTP status, decoded answer)."""

    async def invoke(method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        async with http.post(sandbox.api_url + method, json=params) as response:
            return response.status, await response.json()

    return invoke


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run browser tests last: Playwright's sync API keeps an event loop running in the main thread
    until the session ends, and pytest-asyncio cannot run async tests after that."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium as root on a closed network."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium fonts-noto-cjk)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
    }
