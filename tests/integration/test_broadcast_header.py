"""Every broadcast says who sends it: a header line above its text, in the reader's language ("📣 Partner2Connect
announcement (ITU/BDT)"), as delivered, as the composer previews it, and counted by the composer's length check.

Before: a focal point got a bare text from the bot, which could read as an answer to something they did; and the
composer accepted 4,096 characters, all Telegram takes, leaving no room for such a line."""

from __future__ import annotations

import pytest
from chat_driver import HEADERS, ChatDriver, announced
from test_delivery import FakeTelegram, worker

from bot.i18n import RLM, Renderer
from handlers.broadcasts.service import BroadcastError, CreateBroadcast, create_broadcast
from handlers.conversation import Deps
from handlers.lengths import CAPTION_LIMIT, TEXT_LIMIT, visible_length
from models.clock import utcnow
from models.database import Database

STAFF = 9160
READERS = {100: "en", 101: "fr", 102: "ar", 103: "zh"}


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff, and focal points reading English, French, Arabic and Chinese."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    return await driver.with_focal_points(tuple(READERS.values()))


async def delivered(chat: ChatDriver, database: Database, renderer: Renderer, command: CreateBroadcast,
                    ) -> dict[int, str]:
    """What each focal point's chat receives of the broadcast, through the delivery worker."""
    async with database.uow() as uow:
        await create_broadcast(uow.session, command, utcnow(), utcnow().date(), "en")
        await uow.commit()
    telegram = FakeTelegram()
    await worker(database, renderer, telegram).send_due()
    return {chat_id: text for chat_id, text in telegram.sent if chat_id in READERS}


async def test_a_broadcast_says_who_sends_it_in_each_readers_language(chat: ChatDriver, database: Database,
                                                                      renderer: Renderer) -> None:
    """The English text goes to everyone (the fallback) under a header in each reader's own language; the text is
    as staff wrote it, and the Arabic header reads right to left (no left-to-right mark before it)."""
    body = "Join the <b>webinar</b> on 5 May.\nمرحبا بكم"
    received = await delivered(chat, database, renderer, CreateBroadcast(["everyone"], {"en": body}))
    assert received == {chat_id: announced(body, language) for chat_id, language in READERS.items()}
    assert not received[102].startswith(("\u200e", RLM)), "the Arabic header starts with an Arabic letter"


async def test_a_text_at_the_composers_limit_is_delivered_whole_with_its_header(
        chat: ChatDriver, database: Database, renderer: Renderer) -> None:
    """4,000 characters (the composer's limit) under the longest header, the Arabic one, stay within Telegram's
    4,096 and are not shortened; 900 under a photo within its 1,024."""
    body = "x" * 4000
    received = await delivered(chat, database, renderer, CreateBroadcast(["everyone"], {"en": body}))
    for chat_id, text in received.items():
        assert text.startswith(HEADERS[READERS[chat_id]]), text[:100]
        assert text.endswith(body) and visible_length(text) <= TEXT_LIMIT, visible_length(text)
    caption = "y" * 900
    photo = {"kind": "photo", "file_id": "AgACphoto"}
    received = await delivered(chat, database, renderer, CreateBroadcast(["everyone"], {"fr": caption},
                                                                         attachment=photo))
    for chat_id, text in received.items():
        assert text.startswith(HEADERS[READERS[chat_id]]), text[:100]
        assert text.endswith(caption) and visible_length(text) <= CAPTION_LIMIT, visible_length(text)


async def test_the_composer_counts_the_header(chat: ChatDriver, database: Database) -> None:
    """A text Telegram would take alone but not under the header is refused when written, saying the real limit;
    `p2c-bot broadcast send` refuses it too."""
    staff, asked = await chat.broadcast_message_asked(STAFF)
    assert "4,000 characters at most" in asked[-1].text, asked[-1].text
    refused = await chat.send(staff, "z" * 4050)
    assert "A broadcast can have 4,000 characters, and yours has 4,050" in refused[-1].text, refused[-1].text
    accepted = await chat.send(staff, "z" * 4000)
    assert "Add translations" in accepted[-1].text, accepted[-1].text
    async with database.uow() as uow:
        with pytest.raises(BroadcastError, match="4,050 characters, and a broadcast may have 4,000"):
            await create_broadcast(uow.session, CreateBroadcast(["everyone"], {"en": "z" * 4050}), utcnow(),
                                   utcnow().date(), "en")


async def test_the_preview_shows_the_header_as_the_readers_of_its_language_get_it(chat: ChatDriver) -> None:
    staff, _ = await chat.broadcast_message_asked(STAFF)
    await chat.send(staff, "Join the webinar")
    await chat.press(staff, "f:translations:c:add:ar")
    await chat.send(staff, "انضموا إلى الندوة")
    shown = await chat.press(staff, "f:translations:c:show:ar")
    assert any(reply.text == announced("انضموا إلى الندوة", "ar") for reply in shown), [r.text for r in shown]
    shown = await chat.press(staff, "f:translations:c:show:en")
    assert any(reply.text == announced("Join the webinar") for reply in shown), [r.text for r in shown]
