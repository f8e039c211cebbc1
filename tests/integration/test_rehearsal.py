"""The start-up rehearsal (bot.rehearsal): it goes through a whole report and a whole pledge, as a focal point of
its own making, and leaves nothing behind, on each backend; a rehearsal that fails does not stop the start."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from bot.rehearsal import COMMON, REPORT, pledge_answers, rehearse, rehearse_or_log
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.values import Role


async def _rows(database: Database) -> dict[str, int]:
    async with database.engine.connect() as connection:
        return {table.name: (await connection.execute(sa.select(sa.func.count()).select_from(table))).scalar_one()
                for table in SQLModel.metadata.sorted_tables}


async def test_the_rehearsal_ends_both_forms_and_writes_nothing(database: Database, deps: Deps) -> None:
    await grant_role(GrantRole(2001, Role.staff), database.uow(), utcnow())  # told of every submission
    before = await _rows(database)
    assert before["contact"] == 1

    done = await rehearse(database, deps)

    assert (done.pledged, done.reported) == (True, True)
    assert done.updates == len(COMMON) + len(REPORT) + len(pledge_answers(utcnow().date()))
    assert await _rows(database) == before
    again = await rehearse(database, deps)  # the next start's
    assert (again.pledged, again.reported) == (True, True)
    assert await _rows(database) == before


async def test_a_failed_rehearsal_is_logged_and_let_go(empty_database: Database, deps: Deps,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.rehearsal"):
        await rehearse_or_log(empty_database, deps)  # no tables: its first statement fails
    assert [record.message for record in caplog.records] == [
        "the start-up rehearsal of the journeys failed: the first people after this start may wait a little longer"]
