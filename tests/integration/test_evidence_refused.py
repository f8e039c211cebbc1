"""Evidence Telegram refuses to show (a file id it no longer knows): its reader is told which piece, and what to do."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from chat_driver import ChatDriver
from sqlmodel import col, select
from test_delivery import FakeTelegram, people, worker
from test_reports import STAFF, Counter, first_report, member, validated_pledge

from bot.delivery import RejectedError
from bot.i18n import Rendered, Renderer
from bot.refusals import EXPLANATION
from handlers import outbox
from handlers.conversation import Deps
from handlers.messages import Reply, Text, reply_from_json
from models.clock import utcnow
from models.database import Database
from models.tables import Outbox, ProgressReport
from models.values import Role


class RefusingFiles(FakeTelegram):
    """Refuses every message with a file, as Telegram does for a file id it does not know."""

    async def send(self, chat_id: int, message: Rendered) -> int:
        if message.attachment is not None:
            raise RejectedError("Bad Request: wrong file identifier/HTTP URL specified")
        return await super().send(chat_id, message)


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def test_staff_are_told_which_piece_of_evidence_could_not_be_shown(chat: ChatDriver, database: Database,
                                                                         renderer: Renderer) -> None:
    await member(chat, 3)
    await validated_pledge(chat, 3)
    await first_report(Counter(chat, 3))
    await chat.collect(STAFF)
    async with database.uow() as uow:
        report_id = (await uow.session.execute(select(ProgressReport.id))).scalars().one()
        before = (await uow.session.execute(select(sa.func.max(Outbox.id)))).scalar_one()
    shown = await chat.press(chat.person(STAFF), f"rp:ev:{report_id}")
    assert [message.attachment for message in shown] == [("photo", "AgACAgQAAxkBAAIBQ2photo")]
    async with database.uow() as uow:  # the driver only read them: now Telegram is to send them
        await uow.session.execute(sa.update(Outbox).where(col(Outbox.id) > before).values(
            status="pending", attempts=0, not_before=utcnow() - timedelta(seconds=1)))
        await uow.commit()
    telegram = RefusingFiles()
    delivery = worker(database, renderer, telegram)
    await delivery.send_due()  # the evidence: refused by Telegram
    await delivery.drain()
    await delivery.send_due()
    told = [text for _, text in telegram.sent]
    assert not any("/start" in text for text in told), told
    refused = [text for text in told if "could not be shown" in text]
    assert len(refused) == 1, told
    assert "Evidence 1 of 1 (photo), report on P2C-" in refused[0]
    assert "Ask the organisation's focal point to send it again." in refused[0]


async def test_a_message_without_its_own_words_gets_the_general_explanation(database: Database,
                                                                             renderer: Renderer) -> None:
    contacts = await people(database, 1)
    async with database.uow() as uow:
        await outbox.enqueue(uow.session, contacts[0], Reply((Text("Yes"),), attachment=("photo", "gone")), "t:1")
        await outbox.enqueue(uow.session, contacts[0], Reply((Text("Yes"),), attachment=("photo", "gone"),
                                                             if_refused=Reply((Text("No"),))), "t:2")
        await uow.commit()
    telegram = RefusingFiles()
    delivery = worker(database, renderer, telegram)
    await delivery.send_due()
    await delivery.drain()
    await delivery.send_due()
    assert sorted(text for _, text in telegram.sent) == sorted([renderer.reply(Reply((Text(EXPLANATION),)), "fr").text,
                                                                "Non"])


@pytest.mark.parametrize(("role", "advice"), [
    (Role.focal_point, "To attach it again, replace this report."),
    (Role.coordinator, "Ask the organisation's focal point to send it again."),
])
async def test_the_advice_fits_who_reads_the_evidence(chat: ChatDriver, database: Database, renderer: Renderer,
                                                      role: Role, advice: str) -> None:
    """review2 #5: a coordinator of the organisation was told to replace the report with /report, which /report
    refuses to coordinators. A focal point gets ✏️ to replace this very report: /report opens the period due, a later
    one once this report's period has ended (it was a dead end)."""
    await member(chat, 3)
    await member(chat, 4, role=role)
    await validated_pledge(chat, 3)
    await first_report(Counter(chat, 3))
    async with database.uow() as uow:
        report_id = (await uow.session.execute(select(ProgressReport.id))).scalars().one()
    await chat.press(chat.person(4), f"rp:ev:{report_id}")
    async with database.uow() as uow:
        rows = (await uow.session.execute(select(Outbox).where(col(Outbox.chat_id) == 4))).scalars().all()
    refused = [reply.if_refused for row in rows if (reply := reply_from_json(row.payload["reply"])).if_refused]
    said = [renderer.reply(reply, "en").text for reply in refused if reply is not None]
    assert said and all(advice in text for text in said), said
    fixes = [button.code for reply in refused if reply is not None for row in reply.buttons for button in row]
    assert fixes == ([f"rp:fix:{report_id}"] if role is Role.focal_point else []), fixes


async def test_a_replaced_report_gives_no_advice_to_replace_it(chat: ChatDriver, database: Database,
                                                              renderer: Renderer) -> None:
    """A report already replaced (history) cannot be replaced again: its refused evidence is named, without the
    advice to send /report and replace it."""
    await member(chat, 3)
    await validated_pledge(chat, 3)
    await first_report(Counter(chat, 3))
    async with database.uow() as uow:
        report = (await uow.session.execute(select(ProgressReport))).scalars().one()
        report.is_current = False  # as a replacement leaves it
        await uow.commit()
        report_id = report.id
    for reader in (3, STAFF):  # nor to ask the focal point to send it again (review s26 #11)
        await chat.press(chat.person(reader), f"rp:ev:{report_id}")
        async with database.uow() as uow:
            rows = (await uow.session.execute(select(Outbox).where(col(Outbox.chat_id) == reader))).scalars().all()
        refused = [reply.if_refused for row in rows if (reply := reply_from_json(row.payload["reply"])).if_refused]
        said = [renderer.reply(reply, "en").text for reply in refused if reply is not None]
        assert said and all("could not be shown" in text and "/report" not in text and "Ask the" not in text
                            for text in said), said
