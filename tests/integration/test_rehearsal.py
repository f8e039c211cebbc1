"""The start-up rehearsal (bot.rehearsal): it goes through a whole pledge and a whole report, as a focal point of its
own making, and leaves nothing behind, on each backend; afterwards a focal point's own pledge and report find their
statements compiled; a rehearsal that fails, or would wait for a lock real work holds, does not stop the start."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from bot.rehearsal import COMMON, REPORT, pledge_answers, rehearse, rehearse_or_log
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from handlers.inputs import Incoming, Person
from handlers.router import handle
from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade
from models.tables import Contact, Entity, Pledge
from models.values import EntityStatus, PledgeStatus, Role, Sector

FOCAL = 7701
STAFF = 2001


@pytest.fixture
def production(deps: Deps) -> Deps:
    """The journeys' dependencies as `p2c-bot run` wires them (long texts held for a continuation)."""
    return replace(deps, hold_pastes=True)


async def _contents(database: Database) -> dict[str, list[str]]:
    """Every row of every table, as text, in order: what a rehearsal must leave as it found it."""
    async with database.engine.connect() as connection:
        return {table.name: sorted(map(str, (await connection.execute(sa.select(table))).all()))
                for table in SQLModel.metadata.sorted_tables}


async def _focal_point_with_a_pledge(database: Database) -> None:
    """A focal point in Senegal whose validated pledge began two years ago (a report is owed)."""
    now = utcnow()
    async with database.uow() as uow:
        entity = Entity(name="Ministère du Numérique", name_key="ministere du numerique", sector=Sector.government,
                        country_iso3="SEN", status=EntityStatus.validated, created_at=now, validated_at=now)
        uow.session.add(entity)
        await uow.flush()
        assert entity.id is not None
        uow.session.add(Contact(telegram_id=FOCAL, chat_id=FOCAL, first_name="Awa", language="en",
                                telegram_language="en", role=Role.focal_point, entity_id=entity.id, consent_at=now,
                                last_seen_at=now))
        uow.session.add(Pledge(entity_id=entity.id, title="Connect 500 rural schools", focus_area="access",
                               description="We will connect 500 rural schools.", pledge_type="programmatic",
                               target_value=Decimal(500), target_unit="schools", start_date=date(now.year - 2, 1, 1),
                               end_date=date(now.year + 3, 6, 30), status=PledgeStatus.validated, validated_at=now,
                               ref="P2C-2024-00001", created_at=now))
        await uow.commit()


async def test_the_rehearsal_ends_both_forms_and_writes_nothing(database: Database, production: Deps) -> None:
    await grant_role(GrantRole(STAFF, Role.staff), database.uow(), utcnow())  # told of every submission
    await _focal_point_with_a_pledge(database)
    before = await _contents(database)

    done = await rehearse(database, production)

    assert (done.pledged, done.reported) == (True, True)
    assert done.updates == len(COMMON) + len(REPORT) + len(pledge_answers(utcnow().date()))
    assert await _contents(database) == before
    again = await rehearse(database, production)  # the next start's
    assert (again.pledged, again.reported) == (True, True)
    assert await _contents(database) == before


async def test_after_the_rehearsal_a_pledge_and_a_report_compile_no_statement(
        sqlite_database: Database, production: Deps, caplog: pytest.LogCaptureFixture) -> None:
    """SQLAlchemy logs "[generated in …]" for a statement it compiles, "[cached since …]" for one compiled before."""
    await _focal_point_with_a_pledge(sqlite_database)
    person = Person(FOCAL, FOCAL, "Awa", language_code="en")
    report = ("/report", "f:status:c:in_progress", "40", "120", "3000", "f:women_share:c:50",
              "We connected 120 schools in Kolda and trained 300 teachers.", "Power cuts delayed the works.",
              "f:partnership_needs:skip", "https://example.org/p2c/report.pdf", "f:evidence:done", "f:$sum:submit")
    year = utcnow().year
    pledge = ("/pledge", "Train 2,000 teachers", "We will train 2,000 teachers in digital skills over three years.",
              "f:focus_area:c:access", "f:pillars:c:infrastructure", "f:pillars:done", "f:pledge_type:c:financial",
              "800000", "Senegal", "f:countries:done", "f:beneficiary_groups:c:schools", "f:beneficiary_groups:done",
              "2000", "f:target_unit:c:schools", f"30/06/{year + 2}", f"01/03/{year}",
              f"f:start_date:c:{year}-03-01",  # English reads 01/03 month first: both dates are offered
              f"31/12/{year + 2}",
              "f:sdgs:skip", "f:wsis_action_lines:skip", "f:$sum:submit")
    with caplog.at_level(logging.INFO, logger="sqlalchemy.engine.Engine"):
        fresh = Database(sqlite_database.url)  # a new engine: nothing compiled yet, as after a start
        try:
            await rehearse(fresh, production)
            compiled: list[str] = []
            for number, answer in enumerate((*report, *pledge), start=1):
                caplog.clear()
                origin, now = f"m:{FOCAL}:{number}", utcnow()
                incoming = (Incoming(number, person, now, code=answer, origin=origin, message_id=number)
                            if answer.startswith("f:") else Incoming.from_text(number, person, answer, now, origin))
                await fresh.whole(lambda uow, update=incoming: handle(update, uow, production))
                records = [r.getMessage() for r in caplog.records if r.name == "sqlalchemy.engine.Engine"]
                assert any("[cached since" in m for m in records), answer  # the log is read
                compiled += [f"{answer}: {records[n - 1][:60]}" for n, m in enumerate(records) if "[generated in" in m]
        finally:
            await fresh.dispose()
    async with sqlite_database.uow() as uow:
        pledges = (await uow.session.execute(sa.select(Pledge.ref).order_by(Pledge.id))).scalars().all()
    assert len(pledges) == 2, "the pledge was not registered: the test's answers went astray"
    assert compiled == []


async def test_a_failed_rehearsal_is_logged_and_let_go(empty_database: Database, production: Deps,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.rehearsal"):
        assert await rehearse_or_log(empty_database, production) is None  # no tables: its first statement fails
    assert [record.message for record in caplog.records] == [
        "the start-up rehearsal of the journeys failed: the first people after this start may wait a little longer"]


async def test_a_rehearsal_waits_for_no_lock_that_real_work_holds(postgres_url: str, production: Deps,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    """Another instance's unit of work holds the staff member's row: the rehearsal, which tells staff of its pledge,
    gives up within PostgreSQL's lock_timeout instead of waiting (and making others wait behind its own locks)."""
    database = Database(postgres_url)
    try:
        await upgrade(database)
        await grant_role(GrantRole(STAFF, Role.staff), database.uow(), utcnow())
        async with database.engine.connect() as other:
            await other.execute(sa.select(Contact.id).where(Contact.telegram_id == STAFF).with_for_update())
            started = time.perf_counter()
            with caplog.at_level(logging.WARNING, logger="bot.rehearsal"):
                done = await asyncio.wait_for(rehearse_or_log(database, production), timeout=10)
            waited = time.perf_counter() - started
            await other.rollback()
        assert done is None and waited < 3, waited
        assert "lock timeout" in caplog.text
    finally:
        await database.dispose()
