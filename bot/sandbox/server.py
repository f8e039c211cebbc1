"""The sandbox server: the aiohttp application, and functions to run it in-process or blocking."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.sandbox.bot_api import SANDBOX, call_method, handle_bot_api, handle_file
from bot.sandbox.client_api import add_routes
from bot.sandbox.limits import Limits
from bot.sandbox.runtime import BODY_BYTES, Sandbox
from bot.sandbox.webhook import WebhookSender

DEFAULT_TOKEN = "123456789:AAHsandboxP2CdefaultTokenOfflineBot"
STATIC = Path(__file__).parent / "static"


def create_app(
    token: str | None = None, *, limits: Limits | None = None, max_upload_bytes: int = BODY_BYTES
) -> web.Application:
    """Build the sandbox: Bot API at /bot<token>/, files at /file/bot<token>/, people at /sandbox/, page at /."""
    token = token or DEFAULT_TOKEN
    if ":" not in token or not token.split(":", 1)[0].isdigit():
        raise ValueError("a bot token looks like 123456789:AA... (digits, a colon, then the secret)")
    sb = Sandbox(token, limits or Limits(), max_upload_bytes)
    app = web.Application(client_max_size=max_upload_bytes)
    app[SANDBOX] = sb
    app.router.add_route("*", "/bot{token}/{method}", handle_bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", handle_file)
    add_routes(app)
    app.router.add_get("/", _index)
    app.router.add_static("/static", STATIC)
    app.cleanup_ctx.append(_webhook_delivery)
    app.on_shutdown.append(_release_long_polls)
    return app


async def _release_long_polls(app: web.Application) -> None:
    app[SANDBOX].release_waiters()


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def _webhook_delivery(app: web.Application) -> AsyncIterator[None]:
    sb = app[SANDBOX]

    async def execute(method: str, args: dict[str, Any]) -> Any:
        return await call_method(sb, method, args)

    task = asyncio.create_task(WebhookSender(sb, execute).run())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@dataclass
class SandboxServer:
    """A sandbox running in this event loop."""

    url: str
    token: str
    app: web.Application
    runner: web.AppRunner

    @property
    def sandbox(self) -> Sandbox:
        """The live sandbox state, for tests that look inside."""
        return self.app[SANDBOX]

    @property
    def api_url(self) -> str:
        """The Bot API base for this bot: `<url>/bot<token>/`."""
        return f"{self.url}/bot{self.token}/"

    async def stop(self) -> None:
        """Stop serving and release the port."""
        await self.runner.cleanup()


async def start_server(
    host: str, port: int, token: str | None = None, *, limits: Limits | None = None,
    max_upload_bytes: int = BODY_BYTES,
) -> SandboxServer:
    """Start the sandbox in the running loop; port 0 picks a free port, shown in `.url`."""
    app = create_app(token, limits=limits, max_upload_bytes=max_upload_bytes)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    real_port = runner.addresses[0][1]
    shown_host = f"[{host}]" if ":" in host else host
    return SandboxServer(f"http://{shown_host}:{real_port}", app[SANDBOX].token, app, runner)


def run_server(host: str = "127.0.0.1", port: int = 8080, token: str | None = None,
               *, limits: Limits | None = None) -> None:
    """Run the sandbox until Ctrl-C or SIGTERM (`p2c-bot sandbox --server-only`), printing URL and token."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_forever(host, port, token, limits))


async def _serve_forever(host: str, port: int, token: str | None, limits: Limits | None) -> None:
    server = await start_server(host, port, token, limits=limits)
    print(f"Sandbox Telegram on {server.url}/  (bot token {server.token})", flush=True)
    stop = asyncio.Event()
    with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()
