"""Run the sandbox server and the bot as real processes, for end-to-end tests and benchmarks."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import DEFAULT_TOKEN

REPO = Path(__file__).resolve().parents[2]

ANNOUNCEMENT: dict[str, str] = {
    "en": "P2C announcement: the coalition meets on 3 June in Geneva.",
    "fr": "Annonce P2C : la coalition se réunit le 3 juin à Genève.",
    "es": "Anuncio de P2C: la coalición se reúne el 3 de junio en Ginebra.",
    "ru": "Объявление P2C: коалиция собирается 3 июня в Женеве.",
    "ar": "إعلان P2C: يجتمع التحالف في 3 يونيو في جنيف.",
    "zh": "P2C 公告：联盟将于6月3日在日内瓦开会。",
}
"""A broadcast's text in the six languages, for the benchmarks and end-to-end tests that send one."""


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BotStack:
    """A sandbox server process and a bot process polling it, with a people client."""

    def __init__(self, workdir: Path, *, database_url: str | None = None, token: str = DEFAULT_TOKEN,
                 env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.token = token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url or f"sqlite+aiosqlite:///{workdir / 'bot.db'}"
        self.extra_env = env or {}
        self.sandbox: asyncio.subprocess.Process | None = None
        self.bot: asyncio.subprocess.Process | None = None
        self.people = SandboxClient(self.url)

    def env(self) -> dict[str, str]:
        """The bot's environment: the sandbox as its Bot API, its own database."""
        keep = {k: v for k, v in os.environ.items() if not k.startswith("P2C_")}
        return {**keep, "P2C_BOT_TOKEN": self.token, "P2C_API_BASE": self.url, "P2C_DATABASE_URL": self.database_url,
                "PYTHONPATH": str(REPO), **self.extra_env}

    async def _spawn(self, *args: str, log: str) -> asyncio.subprocess.Process:
        handle = (self.workdir / log).open("ab")
        try:
            return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", *args, cwd=self.workdir,
                                                        env=self.env(), stdout=handle, stderr=handle)
        finally:
            handle.close()

    async def start_sandbox(self) -> None:
        """Start the sandbox server and wait until it answers."""
        self.sandbox = await self._spawn("sandbox", "--server-only", "--host", "127.0.0.1", "--port", str(self.port),
                                         "--token", self.token, log="sandbox.log")
        for _ in range(1200):
            try:
                await self.people.users()
                return
            except OSError:
                await asyncio.sleep(0.05)
        raise RuntimeError(f"the sandbox did not start; see {self.workdir / 'sandbox.log'}")

    async def cli(self, *args: str) -> str:
        """Run a p2c-bot command against the bot's database; its standard output."""
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", *args, cwd=self.workdir,
                                                       env=self.env(), stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.PIPE)
        out, err = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"p2c-bot {' '.join(args)} failed: {err.decode()[-500:]}")
        return out.decode()

    async def start_bot(self, *args: str, ready_call: str | None = "getUpdates") -> None:
        """Start the bot (`run` with `args`) and wait until it makes `ready_call` to the sandbox (None: no wait)."""
        if ready_call is None:
            self.bot = await self._spawn("run", "--log-format", "json", *args, log="bot.log")
            return
        before = (await self.people.stats())["calls"].get(ready_call, 0)
        self.bot = await self._spawn("run", "--log-format", "json", *args, log="bot.log")
        for _ in range(1200):
            if self.bot.returncode is not None:
                raise RuntimeError(f"the bot exited; see {self.workdir / 'bot.log'}")
            if (await self.people.stats())["calls"].get(ready_call, 0) > before:
                return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"the bot did not start polling; see {self.workdir / 'bot.log'}")

    async def stop_bot(self, sig: int = signal.SIGTERM) -> int | None:
        """Stop the bot (SIGTERM: gracefully; SIGKILL: as a crash); its exit code."""
        if self.bot is None:
            return None
        if self.bot.returncode is None:
            self.bot.send_signal(sig)
            try:
                await asyncio.wait_for(self.bot.wait(), timeout=15)
            except TimeoutError:
                self.bot.kill()
                await self.bot.wait()
        code, self.bot = self.bot.returncode, None
        return code

    async def restart_bot(self) -> None:
        """Stop the bot gracefully and start it again on the same database."""
        await self.stop_bot()
        await self.start_bot()

    async def close(self) -> None:
        """Stop everything."""
        await self.stop_bot()
        if self.sandbox is not None and self.sandbox.returncode is None:
            self.sandbox.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.sandbox.wait(), timeout=10)
            except TimeoutError:
                self.sandbox.kill()
        await self.people.close()


class WebhookInstances:
    """Several bot processes in webhook mode on the stack's database, each on its own port (behind one proxy, such
    as bot.sandbox.proxy.RoundRobinProxy, whose URL is the stack's P2C_WEBHOOK_URL), named bot0, bot1, ..."""

    def __init__(self, stack: BotStack, ports: list[int],
                 env: Callable[[int], dict[str, str]] = lambda number: {}) -> None:
        self.stack, self.ports, self.env = stack, ports, env
        self.processes: list[asyncio.subprocess.Process | None] = [None] * len(ports)

    async def start(self, number: int) -> None:
        """Start instance `number` and wait until it registered the webhook (its server listens by then)."""
        before = (await self.stack.people.stats())["calls"].get("setWebhook", 0)
        log = (self.stack.workdir / f"bot{number}.log").open("ab")
        self.processes[number] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--webhook", "--log-format", "json", cwd=self.stack.workdir,
            env={**self.stack.env(), "P2C_INSTANCE_ID": f"bot{number}", "P2C_WEBHOOK_PORT": str(self.ports[number]),
                 **self.env(number)},
            stdout=log, stderr=log)
        log.close()
        for _ in range(1200):  # ready once it registered the webhook (after its server listens)
            process = self.processes[number]
            if process is None or process.returncode is not None:
                raise RuntimeError(f"instance {number} exited; see {self.stack.workdir / f'bot{number}.log'}")
            if (await self.stack.people.stats())["calls"].get("setWebhook", 0) > before:
                return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"instance {number} did not start; see {self.stack.workdir / f'bot{number}.log'}")

    async def stop(self, number: int, sig: int = signal.SIGTERM) -> int | None:
        """Stop instance `number` (SIGTERM: gracefully; SIGKILL: as a crash); its exit code."""
        process = self.processes[number]
        if process is None:
            return None
        if process.returncode is None:
            process.send_signal(sig)
            await asyncio.wait_for(process.wait(), 60)
        self.processes[number] = None
        return process.returncode

    async def close(self) -> None:
        """Stop every instance still running."""
        for number in range(len(self.ports)):
            if self.processes[number] is not None:
                await self.stop(number)
