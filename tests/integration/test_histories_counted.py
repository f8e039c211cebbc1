"""A pledge's details and /find list its five latest reports and count the earlier ones, which 📜 lists; a question
thread's history shows its question and its latest messages, counting those in between. Before, a pledge with eight
reports showed five and a forty-message thread its last ten, with no word that more existed: the earliest reports
(and their evidence) and the question itself could not be read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from chat_driver import ChatDriver, codes
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.helpdesk.listing import HISTORY_MESSAGES
from handlers.lengths import TEXT_LIMIT, visible_length
from handlers.messages import reply_from_json
from handlers.pledges.listing import HISTORY_LIMIT
from models.clock import utcnow
from models.database import Database
from models.repositories.base import table_of
from models.tables import Contact, Entity, Outbox, Pledge, ProgressReport, QuestionMessage, QuestionThread
from models.values import LANGUAGES, PledgeStatus

STAFF = 9160
FOCAL = 410
OUTSIDER = 420
REPORTS = 8
REF = "P2C-2015-00001"


async def people(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff, a focal point and a focal point of another organisation."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    await driver.with_focal_points(("en",), FOCAL)
    return await driver.with_focal_points(("en",), OUTSIDER, organisation="Another ministry")


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    return await people(database, deps, renderer)


async def contact(database: Database, telegram_id: int) -> Contact:
    async with database.uow() as uow:
        return (await uow.session.execute(select(Contact).where(Contact.telegram_id == telegram_id))).scalar_one()


async def pledge_with_reports(database: Database) -> int:
    """A validated pledge of the focal point's organisation with REPORTS annual reports, 2015 to 2022, the first
    with a piece of evidence."""
    member = await contact(database, FOCAL)
    async with database.uow() as uow:
        assert member.entity_id is not None
        pledge = Pledge(ref=REF, entity_id=member.entity_id, title="Connect rural schools", description="Schools.",
                        focus_area="access", pillars=["infrastructure"], pledge_type="programmatic",
                        countries=["SEN"], start_date=date(2015, 1, 1), end_date=date(2030, 12, 31),
                        status=PledgeStatus.validated, validated_at=datetime(2015, 1, 1, tzinfo=UTC),
                        reporting_cadence="annual")
        uow.session.add(pledge)
        await uow.flush()
        assert pledge.id is not None
        for n in range(REPORTS):
            evidence = [{"kind": "link", "url": "https://example.org/2015"}] if n == 0 else []
            uow.session.add(ProgressReport(pledge_id=pledge.id, period=str(2015 + n), status="in_progress",
                                           percent_complete=10 * n, steps_taken=f"Steps of {2015 + n}.",
                                           evidence=evidence, submitted_by=member.id,
                                           created_at=utcnow() - timedelta(days=REPORTS - n)))
        await uow.commit()
        return pledge.id


@pytest.mark.parametrize(("who", "how"), [(FOCAL, "mp:open"), (STAFF, "/find")])
async def test_earlier_reports_are_counted_and_listed(chat: ChatDriver, database: Database, who: int,
                                                      how: str) -> None:
    pledge_id = await pledge_with_reports(database)
    person = chat.person(who)
    details = (await chat.press(person, f"mp:open:{pledge_id}") if how == "mp:open"
               else await chat.send(person, f"/find {REF}"))[0]
    earlier = REPORTS - HISTORY_LIMIT
    assert f"{earlier} earlier reports are not listed here" in details.text and "2017" not in details.text
    assert f"mp:hist:{pledge_id}" in codes(details)
    every = await chat.press(person, f"mp:hist:{pledge_id}")
    assert all(str(year) in every[0].text for year in range(2015, 2015 + REPORTS))
    report = await first_report(database)
    assert f"rp:ev:{report}" in codes(every[0])


async def first_report(database: Database) -> int:
    async with database.uow() as uow:
        return min((await uow.session.execute(select(ProgressReport.id))).scalars())


async def test_another_organisation_cannot_list_the_reports(chat: ChatDriver, database: Database) -> None:
    pledge_id = await pledge_with_reports(database)
    refused = await chat.press(chat.person(OUTSIDER), f"mp:hist:{pledge_id}")
    assert "not allowed" in refused[0].text and "2015" not in refused[0].text


async def test_a_long_thread_shows_its_question_and_counts_the_messages_in_between(chat: ChatDriver,
                                                                                  database: Database) -> None:
    asker, staff = await contact(database, FOCAL), await contact(database, STAFF)
    now = utcnow()
    async with database.engine.begin() as connection:
        await connection.execute(sa.insert(table_of(QuestionThread)), [{
            "id": 1, "asker_id": asker.id, "entity_id": asker.entity_id, "language": "en", "status": "answered",
            "owner_id": staff.id, "waiting_since": now, "version": 1, "created_at": now - timedelta(days=2),
            "updated_at": now}])
        await connection.execute(sa.insert(table_of(QuestionMessage)), [{
            "thread_id": 1, "author_id": staff.id if n % 2 else asker.id, "from_staff": bool(n % 2),
            "text": f"Message [{n}]", "files": [], "created_at": now - timedelta(hours=40 - n)} for n in range(40)])
    for who in (STAFF, FOCAL):
        history = (await chat.press(chat.person(who), "qa:open:1"))[0].text
        assert "Message [0]" in history and "Message [39]" in history and "Message [30]" not in history
        assert f"… {40 - HISTORY_MESSAGES} messages in between are not shown." in history
        assert history.index("Message [0]") < history.index("in between") < history.index("Message [31]")


WIDE = "\U0001f4c4"  # outside the BMP: two UTF-16 units, as Telegram counts it


@pytest.mark.parametrize("locale", LANGUAGES)
async def test_the_longest_thread_history_fits_without_the_renderers_cut(chat: ChatDriver, database: Database,
                                                                       renderer: Renderer, locale: str) -> None:
    """The question and nine messages of 3,000 characters, each with ten files, asked by a person of 200-character
    names: the history staff read fits Telegram's limit as the journey wrote it (before, in Arabic, Chinese and
    French, the renderer cut every excerpt further)."""
    asker, staff = await contact(database, FOCAL), await contact(database, STAFF)
    words = ("سؤال طويل عن التقرير " + WIDE) * 200
    async with database.uow() as uow:
        await uow.session.execute(sa.update(Contact).where(col(Contact.id) == asker.id).values(
            first_name=words[:128], last_name=words[:128], full_name=words[:200]))
        await uow.session.execute(sa.update(Entity).where(col(Entity.id) == asker.entity_id).values(name=words[:200]))
        await uow.commit()
    now = utcnow()
    async with database.engine.begin() as connection:
        await connection.execute(sa.insert(table_of(QuestionThread)), [{
            "id": 1, "asker_id": asker.id, "entity_id": asker.entity_id, "language": locale, "status": "answered",
            "owner_id": staff.id, "waiting_since": now, "version": 1, "created_at": now - timedelta(days=2),
            "updated_at": now}])
        await connection.execute(sa.insert(table_of(QuestionMessage)), [{
            "thread_id": 1, "author_id": staff.id if n % 2 else asker.id, "from_staff": bool(n % 2),
            "text": words[:3000], "files": [{"kind": "document", "file_id": f"F{n}{k}"} for k in range(10)],
            "created_at": now - timedelta(hours=40 - n)} for n in range(40)])
        before = (await connection.execute(sa.select(sa.func.max(col(Outbox.id))))).scalar_one()
    await chat.press(chat.person(STAFF), "qa:open:1")
    async with database.uow() as uow:
        row = (await uow.session.execute(select(Outbox).where(col(Outbox.id) > before))).scalars().one()
    assert visible_length(renderer.body(reply_from_json(row.payload["reply"]), locale)) <= TEXT_LIMIT
