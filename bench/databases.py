"""Databases for the benchmarks: each PostgreSQL run gets an empty database of its own on the server it is given.

A benchmark seeds the people and pledges it measures; on a database that a previous run had seeded, the same names
and ids are taken and the seed fails. So a PostgreSQL URL names the server (and an account allowed to create
databases), and each run works in a new database there, dropped afterwards unless asked to keep it.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


async def fresh_postgres(server_url: str) -> str:
    """A new empty database on the server of `server_url`; its URL."""
    name = f"p2c_bench_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_postgres(url: str) -> None:
    """Drop a database that `fresh_postgres` made (connected to the server's `postgres` database meanwhile)."""
    made = make_url(url)
    admin = create_async_engine(made.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{made.database}" WITH (FORCE)'))
    finally:
        await admin.dispose()
