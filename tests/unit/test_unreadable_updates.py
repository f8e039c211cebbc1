"""Tester t2 #10: an update aiogram cannot build (a Bot API newer than aiogram's models) was confirmed with a log line
and its person met silence. Its private chat and person are read from the JSON by hand, and they are told."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.app import chats_of_raw, press_of_raw, webhook_handler
from bot.telegram import build_dispatcher
from handlers.inputs import Incoming, Person

POLL = {"update_id": 41, "message": {"message_id": 1, "date": 1, "chat": {"id": 7, "type": "private"},
                                     "from": {"id": 7, "is_bot": False, "first_name": "Awa", "language_code": "fr"},
                                     "poll": {"id": "p", "question": "secret words"}}}


def test_the_private_chat_and_language_of_an_unreadable_update_are_read_by_hand() -> None:
    assert chats_of_raw(POLL) == (41, Person(7, 7, "", None, None, "fr"))
    press = {"update_id": 5, "callback_query": {"id": "q", "from": {"id": 8, "is_bot": False},
                                                "message": {"chat": {"id": 8, "type": "private"}}}}
    assert chats_of_raw(press) == (5, Person(8, 8, "", None, None, None)), "a button's: the chat it is under"
    assert press_of_raw(press) == "q" and press_of_raw(POLL) is None
    under_group = {"message": {"chat": {"id": -1, "type": "group"}}}
    in_group = {**press, "callback_query": {**press["callback_query"], **under_group}}
    assert chats_of_raw(in_group) is None and press_of_raw(in_group) == "q"
    group = {"update_id": 6, "message": {"chat": {"id": -100, "type": "group"}, "from": {"id": 8}}}
    assert chats_of_raw(group) is None, "never to a group"
    assert chats_of_raw({"update_id": 7, "message": 3}) is None
    assert chats_of_raw({"message": POLL["message"]}) is None
    assert chats_of_raw([1]) is None


async def test_the_webhook_hands_an_unreadable_update_over_and_confirms_it(caplog: pytest.LogCaptureFixture) -> None:
    from aiogram import Bot
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    told: list[dict[str, Any]] = []

    async def handle(item: Incoming) -> None:
        raise AssertionError("not readable")

    async def acknowledge(query_id: str, text: str | None = None) -> None:
        return None

    async def unreadable(raw: dict[str, Any]) -> None:
        told.append(raw)

    bot_ = Bot("123456:" + "A" * 35)
    web_app = web.Application()
    web_app.router.add_post("/hook", webhook_handler(build_dispatcher(handle, acknowledge), bot_, "s" * 40, unreadable))
    broken = {**POLL, "message": {**POLL["message"], "date": "not a date"}}
    caplog.set_level(logging.INFO)
    async with TestClient(TestServer(web_app)) as client:
        headers = {"X-Telegram-Bot-Api-Secret-Token": "s" * 40}
        assert (await client.post("/hook", json=broken, headers=headers)).status == 200
    await bot_.session.close()
    assert [raw["update_id"] for raw in told] == [41]
    assert "secret words" not in caplog.text
