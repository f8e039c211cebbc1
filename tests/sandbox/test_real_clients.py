"""Real bot libraries (aiogram's HTTP client and python-telegram-bot's) work against the sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
)

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer

from .media_samples import png_bytes


@pytest.fixture
async def bot(sandbox: SandboxServer) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(sandbox.url))
    async with Bot(sandbox.token, session=session) as client:
        yield client


async def test_aiogram_conversation(bot: Bot, people: SandboxClient) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "p2c_sandbox_bot"
    await people.send_text(101, "/start")
    [update] = await bot.get_updates(timeout=1)
    assert update.message is not None and update.message.text == "/start"
    assert update.message.from_user is not None and update.message.from_user.language_code == "es"
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Pledge", callback_data="pledge")]])
    sent = await bot.send_message(101, "<b>Welcome</b>", parse_mode="HTML", reply_markup=markup)
    await people.press(101, sent.message_id, "pledge")
    [press] = await bot.get_updates(offset=update.update_id + 1, timeout=1)
    assert press.callback_query is not None and press.callback_query.data == "pledge"
    assert await bot.answer_callback_query(press.callback_query.id, text="OK")
    edited = await bot.edit_message_text("Done", chat_id=101, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.text == "Done"
    await bot.send_chat_action(101, "typing")
    assert await bot.delete_message(101, sent.message_id)
    assert (await people.callback_answers(101))[0]["text"] == "OK"


async def test_aiogram_files(bot: Bot, people: SandboxClient) -> None:
    sent = await bot.send_document(101, BufferedInputFile(b"col\n1\n", filename="export.csv"), caption="export")
    assert sent.document is not None and sent.document.file_name == "export.csv"
    photo = await bot.send_photo(102, BufferedInputFile(png_bytes(8, 5), filename="chart.png"))
    assert photo.photo is not None and (photo.photo[-1].width, photo.photo[-1].height) == (8, 5)
    file = await bot.get_file(sent.document.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b"col\n1\n"
    again = await bot.send_document(102, sent.document.file_id)
    assert again.document is not None and again.document.file_id == sent.document.file_id


async def test_aiogram_commands_and_menu(bot: Bot, people: SandboxClient) -> None:
    commands = [BotCommand(command="start", description="Commencer"), BotCommand(command="help", description="Aide")]
    assert await bot.set_my_commands(commands, language_code="fr")
    assert await bot.set_my_commands(commands[:1], scope=BotCommandScopeChat(chat_id=101))
    assert [c.command for c in await bot.get_my_commands(language_code="fr")] == ["start", "help"]
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(chat_id=101))] == ["start"]
    assert await bot.get_my_commands() == []
    assert await bot.delete_my_commands(language_code="fr")
    assert await bot.get_my_commands(language_code="fr") == []
    assert await bot.set_chat_menu_button(chat_id=101, menu_button=MenuButtonCommands())
    assert (await bot.get_chat_menu_button(chat_id=101)).type == "commands"


async def test_aiogram_sees_telegram_errors(bot: Bot, people: SandboxClient) -> None:
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(101, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(4242, "hi")
    await people.block(102)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(102, "hi")
    with pytest.raises(TelegramRetryAfter) as caught:
        for _ in range(10):
            await bot.send_message(101, "flood")
    assert caught.value.retry_after >= 1


async def test_aiogram_webhook_methods(bot: Bot) -> None:
    assert await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="abc", drop_pending_updates=True)
    info = await bot.get_webhook_info()
    assert info.url == "http://127.0.0.1:9/hook"
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""


async def test_python_telegram_bot_client(sandbox: SandboxServer, people: SandboxClient) -> None:
    import telegram

    async with telegram.Bot(sandbox.token, base_url=f"{sandbox.url}/bot",
                            base_file_url=f"{sandbox.url}/file/bot") as ptb:
        assert (await ptb.get_me()).username == "p2c_sandbox_bot"
        await people.send_text(102, "مرحبا /start")
        updates = await ptb.get_updates(timeout=1)
        assert updates[0].message is not None and updates[0].message.text == "مرحبا /start"
        keyboard = telegram.InlineKeyboardMarkup([[telegram.InlineKeyboardButton("نعم", callback_data="yes")]])
        sent = await ptb.send_message(102, "<i>أهلا</i>", parse_mode="HTML", reply_markup=keyboard)
        assert sent.text == "أهلا"
        document = await ptb.send_document(102, b"data", filename="d.txt")
        file = await ptb.get_file(document.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"data"
        with pytest.raises(telegram.error.BadRequest, match="Message is too long"):
            await ptb.send_message(102, "x" * 4097)


async def test_aiogram_long_poll_wakes_on_update(bot: Bot, people: SandboxClient) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.1)
    await people.send_text(101, "ping")
    updates = await asyncio.wait_for(poll, 3)
    assert [u.message.text for u in updates if u.message] == ["ping"]
