"""Database.autocommit: a lone read without BEGIN and ROLLBACK around it (the order check of every pushed reply on
PostgreSQL), and a pooled connection that units of work then use as before, in transactions."""

from __future__ import annotations

from sqlalchemy import text

from models.database import Database

XACT = text("SELECT pg_backend_pid(), pg_current_xact_id()::text")


async def test_statements_on_an_autocommit_connection_stand_alone_and_units_of_work_keep_their_transactions(
        postgres_url: str) -> None:
    database = Database(postgres_url)
    try:
        async with database.autocommit() as connection:
            (pid, first), (same_pid, second) = [tuple((await connection.execute(XACT)).one()) for _ in range(2)]
        assert pid == same_pid and first != second  # each statement its own transaction: no BEGIN was sent
        async with database.uow() as uow:  # used one at a time, the pool holds one connection: the same one
            (uow_pid, third), (_, fourth) = [tuple((await uow.session.execute(XACT)).one()) for _ in range(2)]
        assert uow_pid == pid and third == fourth  # back in the pool, the connection is transactional again
    finally:
        await database.dispose()
