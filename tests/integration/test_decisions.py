"""Staff decisions are compare-and-set: of two staff deciding the same record at once, exactly one wins, and the
other is told who decided; nothing of the loser's is applied, audited or sent (issue 11, item 8)."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
import sqlalchemy as sa
from chat_driver import ChatDriver
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from handlers.inputs import Incoming, Person
from handlers.router import handle
from models.clock import utcnow
from models.database import Database
from models.repositories.entities import Entities
from models.repositories.pledges import Pledges
from models.tables import AuditLog, Contact, Entity, Outbox, Pledge, ProgressReport
from models.values import EntityStatus, PledgeStatus, ReviewStatus, Role

BEA, CARL, FOCAL = 9201, 9202, 9203
ROUNDS = 6
_numbers = itertools.count(1)
_updates = itertools.count(500_000)


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with two staff members who have written to the bot (so their names are known)."""
    driver = ChatDriver(database, deps, renderer)
    for telegram_id, name in ((BEA, "Bea"), (CARL, "Carl")):
        await grant_role(GrantRole(telegram_id, Role.staff), database.uow(), utcnow())
        await driver.send(driver.person(telegram_id, name), "/help")
    return driver


async def pending_entity(database: Database) -> tuple[int, int]:
    """A pending organisation with one focal point; returns (entity id, its submitted pledge's id)."""
    number = next(_numbers)
    async with database.uow() as uow:
        entity = Entity(name=f"Org {number}", name_key=f"org {number}", sector="other")
        uow.session.add(entity)
        await uow.session.flush()
        assert entity.id is not None
        focal = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == FOCAL))).scalar()
        if focal is None:
            focal = Contact(telegram_id=FOCAL, chat_id=FOCAL, first_name="Awa", full_name="Awa Diop")
        focal.entity_id, focal.role = entity.id, Role.focal_point
        uow.session.add(focal)
        pledge = Pledge(ref=f"P2C-2026-{number:05d}", entity_id=entity.id, title="Connect schools",
                        description="Connect 500 rural schools to broadband.", focus_area="access",
                        pledge_type="programmatic", status=PledgeStatus.submitted)
        uow.session.add(pledge)
        await uow.session.flush()
        assert pledge.id is not None
        await uow.commit()
        return entity.id, pledge.id


async def rejected(database: Database, entity_id: int) -> None:
    """Make the organisation rejected, as if by staff some time ago (not audited: only what follows is counted)."""
    async with database.uow() as uow:
        await uow.session.execute(sa.update(Entity).where(col(Entity.id) == entity_id)
                                  .values(status=EntityStatus.rejected))
        await uow.commit()


async def current_report(database: Database, pledge_id: int) -> int:
    """A current progress report, waiting for review, on the pledge (made validated)."""
    async with database.uow() as uow:
        await uow.session.execute(sa.update(Pledge).where(col(Pledge.id) == pledge_id)
                                  .values(status=PledgeStatus.validated))
        report = ProgressReport(pledge_id=pledge_id, period="2025", status="in_progress",
                                steps_taken="We connected 120 schools in Kolda.")
        uow.session.add(report)
        await uow.session.flush()
        assert report.id is not None
        await uow.commit()
        return report.id


def press(person: Person, code: str) -> Incoming:
    """A button press, as an update."""
    return Incoming(next(_updates), person, utcnow(), code=code)


async def decisions(database: Database, target_type: str, target_id: int) -> list[tuple[Any, str]]:
    """The audited decisions on a record: (actor id, action)."""
    async with database.uow() as uow:
        rows = await uow.session.execute(select(AuditLog.actor_id, AuditLog.action).where(
            col(AuditLog.target_type) == target_type, col(AuditLog.target_id) == target_id,
            col(AuditLog.action) != "denied"))
        return [tuple(row) for row in rows]


async def outbox_keys(database: Database, prefix: str) -> list[str]:
    """Keys of the outbox rows whose key starts with `prefix`."""
    async with database.uow() as uow:
        return list((await uow.session.execute(select(Outbox.key).where(col(Outbox.key).startswith(prefix))))
                    .scalars())


@pytest.mark.parametrize("kind", ["entity", "rejected entity", "pledge", "report"])
async def test_two_staff_deciding_at_once_exactly_one_wins(chat: ChatDriver, database: Database, deps: Deps,
                                                          kind: str) -> None:
    """Two instances (two Database objects on one URL) decide the same record at the same moment, several rounds."""
    second = Database(database.url)
    try:
        await second.open_pool()  # else its first connection takes longer than the whole decision on the other
        bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
        for _ in range(ROUNDS):
            entity_id, pledge_id = await pending_entity(database)
            if kind == "entity":  # a rejection asks its reason first: the decision is when it is given (below)
                codes, target = (f"ent:ok:{entity_id}", f"ent:ok:{entity_id}"), ("entity", entity_id)
                news = f"entity:{entity_id}:"
            elif kind == "rejected entity":  # validated after all, by both at once
                await rejected(database, entity_id)
                codes, target = (f"ent:re:{entity_id}", f"ent:re:{entity_id}"), ("entity", entity_id)
                news = f"entity:{entity_id}:"
            elif kind == "pledge":
                codes, target = (f"pv:ok:{pledge_id}", f"pv:ok:{pledge_id}"), ("pledge", pledge_id)
                news = f"decision:{pledge_id}:"
            else:
                report_id = await current_report(database, pledge_id)
                codes, target = (f"rs:ack:{report_id}", f"rs:ack:{report_id}"), ("report", report_id)
                news = f"report-decision:{report_id}:"
            await asyncio.gather(handle(press(bea, codes[0]), database.uow(), deps),
                                 handle(press(carl, codes[1]), second.uow(), deps))
            assert len(await decisions(database, *target)) == 1, f"both won on {target}"
            assert len(await outbox_keys(database, news)) == 1, "the loser's decision was sent too"
            answers = [m.text for m in await chat.collect(BEA) + await chat.collect(CARL)]
            assert len(answers) == 2
            assert sum("Nothing of yours was applied or sent" in answer for answer in answers) == 1, answers
            if kind != "report":
                assert any(f"{who} already validated" in a or f"already decided by {who}" in a
                           for a in answers for who in ("Bea", "Carl")), answers
    finally:
        await second.dispose()


async def decided_meanwhile(monkeypatch: pytest.MonkeyPatch, repository: Any, table: Any,
                            status: str, actor: int, action: str, target_type: str) -> None:
    """Make the next `repository.get` return the record as it was read, while another staff member's decision
    lands in the database before this one is written: the race, made deterministic on every backend."""
    original = repository.get

    async def stale_get(self: Any, record_id: int, **kw: Any) -> Any:
        record = await original(self, record_id, **kw)
        actor_id = (await self.session.execute(select(Contact.id).where(col(Contact.telegram_id) == actor))).scalar()
        # the other decision, written in this very transaction so that SQLite's single connection can take it
        await self.session.execute(sa.update(table).where(table.id == record_id).values(status=status))
        await self.session.execute(sa.insert(AuditLog).values(actor_id=actor_id, action=action,
                                                              target_type=target_type, target_id=record_id,
                                                              at=utcnow(), details={}))
        monkeypatch.setattr(repository, "get", original)
        return record

    monkeypatch.setattr(repository, "get", stale_get)


async def test_an_entity_decided_after_it_was_read_is_not_decided_again(
        chat: ChatDriver, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    entity_id, _ = await pending_entity(database)
    await decided_meanwhile(monkeypatch, Entities, Entity, EntityStatus.validated, CARL,
                            "entity.validated", "entity")
    answers = await chat.press(chat.person(BEA, "Bea"), f"ent:ok:{entity_id}")
    assert len(answers) == 1 and "already decided by Carl" in answers[0].text
    async with database.uow() as uow:
        entity = await uow.session.get(Entity, entity_id)
        assert entity is not None and (entity.status, entity.validated_at) == (EntityStatus.validated, None)
    assert [action for _, action in await decisions(database, "entity", entity_id)] == ["entity.validated"]
    assert await outbox_keys(database, f"entity:{entity_id}:") == []


async def test_a_pledge_decided_after_it_was_read_is_not_decided_again(
        chat: ChatDriver, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _, pledge_id = await pending_entity(database)
    await decided_meanwhile(monkeypatch, Pledges, Pledge, PledgeStatus.rejected, CARL,
                            "pledge.rejected", "pledge")
    answers = await chat.press(chat.person(BEA, "Bea"), f"pv:ok:{pledge_id}")
    assert "Carl already rejected" in answers[0].text
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None and (pledge.status, pledge.validated_at) == (PledgeStatus.rejected, None)
    assert [action for _, action in await decisions(database, "pledge", pledge_id)] == ["pledge.rejected"]
    assert await outbox_keys(database, f"decision:{pledge_id}:") == []


async def test_a_comment_written_while_another_staff_member_decided_is_not_sent(
        chat: ChatDriver, database: Database) -> None:
    _, pledge_id = await pending_entity(database)
    bea, carl = chat.person(BEA, "Bea"), chat.person(CARL, "Carl")
    await chat.press(bea, f"pv:chg:{pledge_id}")
    await chat.press(carl, f"pv:ok:{pledge_id}")
    answers = await chat.send(bea, "Please give the number of schools per region.")
    assert "Carl already validated" in answers[0].text
    # and her comment is given back (a tester's was gone): to paste elsewhere, say to a question of the focal point
    assert "Please give the number of schools per region." in answers[1].text
    assert [action for _, action in await decisions(database, "pledge", pledge_id)] == ["pledge.validated"]
    assert [key.split(":")[3] for key in await outbox_keys(database, f"decision:{pledge_id}:")] == ["validated"]


async def test_a_comment_on_a_pledge_edited_meanwhile_is_not_applied(chat: ChatDriver, database: Database) -> None:
    _, pledge_id = await pending_entity(database)
    bea = chat.person(BEA, "Bea")
    await chat.press(bea, f"pv:rej:{pledge_id}")
    async with database.uow() as uow:  # the focal point edits and submits again while Bea writes
        await uow.session.execute(sa.update(Pledge).where(col(Pledge.id) == pledge_id).values(version=2))
        await uow.commit()
    answers = await chat.send(bea, "Out of scope for Partner2Connect.")
    assert "changed since the version you saw" in answers[0].text
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None and (pledge.status, pledge.staff_comment) == (PledgeStatus.submitted, None)
    assert await outbox_keys(database, f"decision:{pledge_id}:") == []


async def test_the_loser_of_a_report_review_is_told_who_decided(chat: ChatDriver, database: Database) -> None:
    _, pledge_id = await pending_entity(database)
    report_id = await current_report(database, pledge_id)
    await chat.press(chat.person(CARL, "Carl"), f"rs:ack:{report_id}")
    answers = await chat.press(chat.person(BEA, "Bea"), f"rs:ask:{report_id}")
    assert "already decided by Carl" in answers[0].text
    async with database.uow() as uow:
        report = await uow.session.get(ProgressReport, report_id)
        assert report is not None and report.review_status == ReviewStatus.acknowledged


async def test_a_question_on_a_report_acknowledged_meanwhile_is_given_back(chat: ChatDriver,
                                                                           database: Database) -> None:
    """Bea wrote her question while Carl acknowledged the report: told so, her question comes back to her."""
    _, pledge_id = await pending_entity(database)
    report_id = await current_report(database, pledge_id)
    bea = chat.person(BEA, "Bea")
    await chat.press(bea, f"rs:ask:{report_id}")
    await chat.press(chat.person(CARL, "Carl"), f"rs:ack:{report_id}")
    answers = await chat.send(bea, "How many of these schools are really online?")
    assert "already decided by Carl" in answers[0].text
    assert "How many of these schools are really online?" in answers[1].text, [a.text for a in answers]
