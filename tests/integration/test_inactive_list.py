"""/inactive with many silent pledges of long titles and long organisation names, in the wordiest languages: every
message fits Telegram's 4,096 characters without the renderer's shortening or last-resort cut, and every pledge is
either listed or counted (never lost at the end of a cut message); on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from chat_driver import ChatDriver
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.lengths import TEXT_LIMIT, visible_length
from handlers.messages import reply_from_json
from handlers.reminder_choices import INACTIVE_LISTED
from models.database import Database
from models.tables import Contact, Entity, Outbox, Pledge
from models.values import EntityStatus, PledgeStatus

STAFF = 9700
SILENT = INACTIVE_LISTED + 7
"""More silent pledges than /inactive lists: the rest must be counted."""
WIDE = "\U0001f680"  # outside the BMP: two UTF-16 units, as Telegram counts it
TITLE = ("توصيل المدارس الريفية بالإنترنت " + WIDE) * 10
NAME = "وزارة الاتصالات وتكنولوجيا المعلومات والتحول الرقمي " * 5


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


def validated(n: int) -> datetime:
    """Pledge n's validation, in January 2020: not in the order of the pledges' numbers."""
    return datetime(2020, 1, n % 28 + 1, tzinfo=UTC)


async def silent_pledges(database: Database) -> list[str]:
    """SILENT validated pledges never reported on since 2020, each of its own organisation, with a 200-character
    title and a 200-character name (the most the forms accept); their refs, oldest first."""
    refs = []
    async with database.uow() as uow:
        for n in range(1, SILENT + 1):
            name = f"{n} {NAME}"[:200]
            entity = Entity(name=name, name_key=f"{n}", sector="government", country_iso3="EGY",
                            status=EntityStatus.validated)
            uow.session.add(entity)
            await uow.flush()
            assert entity.id is not None
            ref = f"P2C-2020-{n:05d}"
            uow.session.add(Pledge(ref=ref, entity_id=entity.id, title=f"{n} {TITLE}"[:200],
                                   description="A pledge nobody reported on.", focus_area="access",
                                   pillars=["infrastructure"], pledge_type="programmatic", countries=["EGY"],
                                   start_date=date(2020, 1, 1), end_date=date(2030, 12, 31),
                                   status=PledgeStatus.validated, validated_at=validated(n),
                                   reporting_cadence="annual"))
            refs.append(ref)
        await uow.commit()
    return sorted(refs, key=lambda ref: (validated(int(ref[-5:])), int(ref[-5:])))  # as /inactive orders them


async def bodies(database: Database, renderer: Renderer, locale: str, after: int) -> list[str]:
    """The staff member's messages since outbox row `after`, rendered before the renderer's shortening (what the
    journey itself wrote, each line marked in the language's direction as the renderer marks it)."""
    async with database.uow() as uow:
        rows = (await uow.session.execute(
            select(Outbox).join(Contact, col(Contact.id) == col(Outbox.contact_id))
            .where(Contact.telegram_id == STAFF, col(Outbox.id) > after).order_by(col(Outbox.id)))).scalars().all()
    return [renderer.body(reply_from_json(row.payload["reply"]), locale) for row in rows]


@pytest.mark.parametrize("locale", ["ar", "ru"])
async def test_a_long_inactive_list_fits_and_loses_no_pledge(chat: ChatDriver, database: Database,
                                                           renderer: Renderer, locale: str) -> None:
    refs = await silent_pledges(database)
    async with database.uow() as uow:  # what was said before /inactive is not this test's
        before = (await uow.session.execute(select(sa.func.max(Outbox.id)))).scalar_one() or 0
    answers = await chat.send(chat.person(STAFF, "Bea", locale), "/inactive")
    written = await bodies(database, renderer, locale, before)
    assert len(written) == len(answers) > 1
    for body, answer in zip(written, answers, strict=True):
        assert visible_length(body) <= TEXT_LIMIT, visible_length(body)  # no shortening by the renderer
        assert body == answer.text  # nor its last-resort cut
    shown = [ref for answer in answers for ref in refs if ref in answer.text]
    assert shown == refs[:INACTIVE_LISTED]  # each listed once, the longest silent first
    assert all(answer.text.count("P2C-") <= 10 for answer in answers)
    last = answers[-1].text
    assert str(SILENT - INACTIVE_LISTED) in last[last.index(refs[INACTIVE_LISTED - 1]):]  # the rest counted
    assert "/export" in last  # and where to see them
    assert str(SILENT) in answers[0].text.split("\n")[0]
    # titles quoted as the reader's language quotes them (a tester: “…” in Arabic)
    assert "«" in answers[0].text and "“" not in answers[0].text, answers[0].text
