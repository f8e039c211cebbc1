"""Databases for the benchmarks: each PostgreSQL run works in an empty database of its own on the server it is given.

A benchmark seeds the people and pledges it measures; on a database that a previous run had seeded, the same names
and ids are taken and the seed fails. So a PostgreSQL URL names the server (with an account allowed to create
databases, and to connect to the database the URL names): each run creates a new database there, and drops it
when it ends, whether it succeeded or not.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


def is_postgres(database_url: str | None) -> bool:
    """Whether the URL is PostgreSQL's (any driver)."""
    return database_url is not None and make_url(database_url).get_backend_name() == "postgresql"


@asynccontextmanager
async def own_database(database_url: str | None) -> AsyncIterator[str | None]:
    """The URL a run works on: for a PostgreSQL server, a new empty database there, dropped at the end; any other
    URL (or None, the caller's own fresh SQLite file) as it is."""
    if not is_postgres(database_url):
        yield database_url
        return
    assert database_url is not None
    made = await fresh_postgres(database_url)
    try:
        yield made
    finally:
        await drop_postgres(database_url, made)


async def fresh_postgres(server_url: str) -> str:
    """A new empty database on the server of `server_url` (connected to through that URL's database); its URL."""
    name = f"p2c_bench_{uuid.uuid4().hex[:12]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_postgres(server_url: str, made_url: str) -> None:
    """Drop a database that `fresh_postgres(server_url)` made, once nothing is connected to it any more."""
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{make_url(made_url).database}"')


async def _admin(server_url: str, statement: str) -> None:
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(sa.text(statement))
    finally:
        await admin.dispose()
