"""A message Telegram refuses (400) is not dropped in silence: its reader is told, once, and can go on."""

from __future__ import annotations

from sqlmodel import col, select
from test_delivery import FakeTelegram, people, worker

from bot.delivery import RejectedError
from bot.i18n import Rendered, Renderer
from handlers import outbox
from handlers.messages import Reply, Text
from models.database import Database
from models.tables import Outbox


class RefusingLongTexts(FakeTelegram):
    """Refuses what Telegram would refuse (a text over 4,096 characters), or every message when `always`."""

    def __init__(self, always: bool = False) -> None:
        super().__init__()
        self.always = always

    async def send(self, chat_id: int, message: Rendered) -> int:
        if self.always or len(message.text) > 4096:
            raise RejectedError("Bad Request: message is too long")
        return await super().send(chat_id, message)


async def rows(database: Database) -> dict[str, str]:
    async with database.uow() as uow:
        return {row.key: row.status for row in (await uow.session.execute(select(Outbox).order_by(col(Outbox.id))))
                .scalars()}


async def test_the_reader_of_a_refused_message_is_told_in_their_language(database: Database,
                                                                         renderer: Renderer) -> None:
    contacts = await people(database, 1)  # reads French
    telegram = RefusingLongTexts(always=True)
    async with database.uow() as uow:
        await outbox.enqueue(uow.session, contacts[0], Reply((Text("Yes"),)), "t:1")
        await uow.commit()
    delivery = worker(database, renderer, telegram)
    await delivery.send_due()
    await delivery.drain()
    assert await rows(database) == {"t:1": "failed", "refused:1": "pending"}
    telegram.always = False
    await delivery.send_due()
    assert len(telegram.sent) == 1 and "/start" in telegram.sent[0][1]
    assert await rows(database) == {"t:1": "failed", "refused:1": "sent"}


async def test_an_explanation_refused_in_turn_is_not_explained_again(database: Database, renderer: Renderer) -> None:
    contacts = await people(database, 1)
    delivery = worker(database, renderer, RefusingLongTexts(always=True))
    async with database.uow() as uow:
        await outbox.enqueue(uow.session, contacts[0], Reply((Text("Yes"),)), "t:1")
        await uow.commit()
    for _ in range(3):
        await delivery.send_due()
        await delivery.drain()
    assert await rows(database) == {"t:1": "failed", "refused:1": "failed"}


class DeletedMessages(FakeTelegram):
    """Every edit is refused: its message was deleted by its reader."""

    async def edit(self, chat_id: int, message_id: int, message: Rendered) -> None:
        raise RejectedError("Bad Request: message to edit not found")


async def test_an_edit_of_a_message_its_reader_deleted_is_not_explained(database: Database,
                                                                         renderer: Renderer) -> None:
    """A review: /forget edits many messages in staff chats; one a staff member had deleted got them "I could not
    show you a message", for a message they had chosen not to keep."""
    contacts = await people(database, 1)
    telegram = DeletedMessages()
    delivery = worker(database, renderer, telegram)
    async with database.uow() as uow:
        await outbox.enqueue(uow.session, contacts[0], Reply((Text("Yes"),)), "t:1")
        await uow.commit()
    await delivery.send_due()
    async with database.uow() as uow:
        await outbox.enqueue(uow.session, contacts[0], Reply((Text("No"),)), "t:1:closed", edit_of="t:1")
        await uow.commit()
    for _ in range(3):
        await delivery.send_due()
        await delivery.drain()
    assert await rows(database) == {"t:1": "sent", "t:1:closed": "failed"}, "no explanation queued"
