"""A round-robin HTTP proxy for tests and benchmarks of several bot instances in webhook mode.

It stands where nginx stands in compose.yaml (deploy/nginx.conf.template): each POST goes to the next instance in turn;
an instance that refuses the connection, drops it, or answers 502/503/504 is skipped and the same request posted
to the next one (nginx's `proxy_next_upstream error timeout http_502 http_503 http_504 non_idempotent`). When
every instance fails, the proxy answers 502 and the sandbox posts the update again later, as Telegram does.
"""

from __future__ import annotations

import itertools
from collections import Counter

import aiohttp
from aiohttp import web

FORWARDED = ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")
RETRIED = frozenset({502, 503, 504})


class RoundRobinProxy:
    """Forwards requests to `targets` (base URLs) in turn."""

    def __init__(self, targets: list[str], *, timeout: float = 8.0) -> None:
        """`timeout` per target: under the sandbox's webhook timeout (10 s), so that a slow instance is given up by
        the proxy before the sandbox posts the update again."""
        self.targets = targets
        self._turns = itertools.cycle(range(len(targets)))
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.forwarded: Counter[str] = Counter()
        """Requests each target answered (not 502-504)."""
        self.skipped: Counter[str] = Counter()
        """Requests a target failed and the next one got."""
        self.failed = 0
        """Requests no target could take (answered 502)."""

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen; the proxy's base URL."""
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        return f"http://{bound_host}:{bound_port}"

    async def close(self) -> None:
        """Stop listening and forwarding."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        body = await request.read()
        headers = {name: request.headers[name] for name in FORWARDED if name in request.headers}
        first = next(self._turns)
        for offset in range(len(self.targets)):
            target = self.targets[(first + offset) % len(self.targets)]
            try:
                async with self._session.request(request.method, target + request.path_qs, data=body,
                                                 headers=headers) as answer:
                    payload = await answer.read()
                    if answer.status in RETRIED:
                        self.skipped[target] += 1
                        continue
                    self.forwarded[target] += 1
                    return web.Response(status=answer.status, body=payload,
                                        content_type=answer.content_type or "application/octet-stream")
            except (aiohttp.ClientError, TimeoutError):
                self.skipped[target] += 1
        self.failed += 1
        return web.Response(status=502, text="no instance could take the request")
