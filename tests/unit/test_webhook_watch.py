"""Webhook mode: a webhook deleted at Telegram (a process polling with the same token) is noticed and set again; before,
the webhook instances received nothing, said nothing, and /readyz answered ok (an operator)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.webhook_watch import WebhookWatch

OURS = "https://p2c.example.org/telegram"


class Telegram:
    """Which webhook is set; setting it may fail."""

    def __init__(self, url: str) -> None:
        self.url, self.sets, self.refuse = url, 0, False

    async def current(self) -> str:
        return self.url

    async def set_again(self) -> None:
        self.sets += 1
        if self.refuse:
            raise OSError("Cannot connect to host")
        self.url = OURS


async def test_ours_is_left_alone() -> None:
    telegram = Telegram(OURS)
    watch = WebhookWatch(OURS, telegram.current, telegram.set_again)
    await watch.check()
    assert (watch.state(), telegram.sets) == ("ok", 0)


@pytest.mark.parametrize(("found", "said"), [("", "no webhook"), ("https://other.example/hook", "another URL's")])
async def test_a_webhook_gone_or_replaced_is_set_again_and_said(caplog: pytest.LogCaptureFixture, found: str,
                                                                said: str) -> None:
    telegram = Telegram(found)
    watch = WebhookWatch(OURS, telegram.current, telegram.set_again)
    with caplog.at_level(logging.ERROR, logger="bot.webhook_watch"):
        await watch.check()
    assert telegram.sets == 1 and telegram.url == OURS and watch.state() == "ok"
    assert said in caplog.text and "setting it again" in caplog.text
    assert "other.example" not in caplog.text  # another bot's URL is not this log's to keep


async def test_a_failed_setting_is_said_by_readyz_until_the_next_check() -> None:
    telegram = Telegram("")
    telegram.refuse = True
    watch = WebhookWatch(OURS, telegram.current, telegram.set_again)
    await watch.check()
    assert watch.state() == "no webhook set at Telegram; setting it again failed (OSError)"
    telegram.refuse = False
    await watch.check()
    assert watch.state() == "ok" and telegram.sets == 2


async def test_telegram_away_is_left_to_the_bot_api_check() -> None:
    async def away() -> str:
        raise OSError("Cannot connect to host")

    async def never() -> None:
        raise AssertionError("nothing to set while nothing is known")

    watch = WebhookWatch(OURS, away, never)
    await watch.check()
    assert watch.state() == "ok"


async def test_it_checks_until_stopped() -> None:
    telegram = Telegram("")
    watch = WebhookWatch(OURS, telegram.current, telegram.set_again)
    stop = asyncio.Event()
    running = asyncio.create_task(watch.run(stop, every=0.01))
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(running, 1)
    assert telegram.sets == 1 and telegram.url == OURS


@pytest.mark.parametrize("echoed", ["https://P2C.example.org/telegram", "https://p2c.example.org:443/telegram"])
async def test_the_same_url_written_otherwise_is_ours(echoed: str) -> None:
    """A review: an exact comparison would set the webhook again every minute, with an error line, were Telegram to
    give the URL back with its host in capitals or its default port."""
    telegram = Telegram(echoed)
    watch = WebhookWatch(OURS, telegram.current, telegram.set_again)
    await watch.check()
    assert telegram.sets == 0 and watch.state() == "ok"
