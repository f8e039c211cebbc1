"""A bare aiogram echo bot on long polling: `python bench/echo_bot.py API_BASE TOKEN`.

The floor that heavier bots are compared with: one Dispatcher, one message handler that answers the
text, nothing else. It prints "ready" once polling has started and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import sys

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message


async def echo(message: Message) -> None:
    """Answer a message with its own text."""
    await message.answer(message.text or "…")


async def announce_ready() -> None:
    """Tell the parent process that polling is about to start."""
    print("ready", flush=True)


async def main(api_base: str, token: str) -> None:
    """Poll the given Bot API server until SIGTERM or SIGINT."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
    bot = Bot(token, session=session)
    dispatcher = Dispatcher()
    dispatcher.message.register(echo)
    dispatcher.startup.register(announce_ready)
    await dispatcher.start_polling(bot, polling_timeout=10, handle_signals=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
