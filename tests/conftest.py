"""Shared fixtures: a migrated database on every backend, and a chat driver for journeys."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import create_async_engine

from bot.i18n import Catalogs, Renderer
from handlers.conversation import Deps
from models.clock import TEST_CLOCK_ENV, move_test_clock_to
from models.database import Database
from models.migrate import upgrade

POSTGRES_URL = os.environ.get("P2C_TEST_POSTGRES_URL")
REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The six catalogs, loaded once."""
    return Catalogs()


@pytest.fixture(scope="session")
def renderer(catalogs: Catalogs) -> Renderer:
    """A renderer over the real catalogs."""
    return Renderer(catalogs)


@pytest.fixture
def clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test clock's file, enabled (models.clock): move_test_clock_to and advance_test_clock move the bot's time
    without sleeping; unmoved, it reads the real time."""
    path = tmp_path / "clock"
    monkeypatch.setenv(TEST_CLOCK_ENV, str(path))
    return path


MID_YEAR = datetime(2030, 6, 5, 12, tzinfo=UTC)
"""A Wednesday noon (UTC) far from any year's, quarter's or month's turn and from any clock change."""


@pytest.fixture
def mid_year(clock: Path) -> datetime:
    """The bot's clock set to MID_YEAR (and running on from there), for tests whose outcome would otherwise depend
    on the day CI runs: a broadcast set for "15 January next year" is over a year away on 1–14 January; a weekly
    digest chosen on a Monday has this week's moment still to come. Use it before the fixtures that write
    (`pytestmark = pytest.mark.usefixtures("mid_year")`, or first among a test's arguments)."""
    move_test_clock_to(str(clock), MID_YEAR)
    return MID_YEAR


AUTUMN_2026 = datetime(2026, 11, 4, 12, tzinfo=UTC)
"""A Wednesday noon (UTC) in the last quarter of 2026, when the journeys with fixed years were written: a pledge
started in 2024 with its annual reports of 2024 and 2025 owed, ending in 2029, reads the same whatever day it is."""


@pytest.fixture
def autumn_2026(clock: Path) -> datetime:
    """The bot's clock set to AUTUMN_2026 (and running on from there), for tests with fixed years and quarters (in
    the first quarter of a year the quarter in progress is the year's first, and no annual period is left to come)."""
    move_test_clock_to(str(clock), AUTUMN_2026)
    return AUTUMN_2026


@pytest.fixture
def deps(renderer: Renderer) -> Deps:
    """Journey dependencies as build_app wires them."""
    return Deps(translate=lambda label, locale: renderer.label(label, locale, markup=False), default_locale="en",
                timezone="UTC", bot_username="p2c_test_bot")


async def _fresh_postgres() -> str:
    assert POSTGRES_URL is not None
    name = f"p2c_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(sql(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database on each backend (PostgreSQL needs P2C_TEST_POSTGRES_URL; skipped loudly without)."""
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("PostgreSQL tests need P2C_TEST_POSTGRES_URL (make test and .ci/run provide it)")
        database = Database(await _fresh_postgres())
    else:
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}")
    yield database
    await database.dispose()


@pytest.fixture
async def database(empty_database: Database) -> Database:
    """A database migrated to the head revision, on each backend."""
    await upgrade(empty_database)
    return empty_database


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite database, for tests of journeys that do not depend on the backend."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}")
    await upgrade(database)
    yield database
    await database.dispose()


@pytest.fixture
async def postgres_url() -> str:
    """The URL of a new empty PostgreSQL database (skipped loudly without P2C_TEST_POSTGRES_URL)."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need P2C_TEST_POSTGRES_URL (make test and .ci/run provide it)")
    return await _fresh_postgres()
