"""Behind PgBouncer in transaction mode (Debian's pgbouncer, started here like PostgreSQL): no statement stays
prepared between transactions, and the scheduler's election goes to PostgreSQL directly."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.config import ConfigError, load_settings
from bot.scheduler import run_when_elected
from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade
from models.repositories.operations import Operations
from models.repositories.outbox import BULK, OutboxRows

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
WORKERS, ROUNDS = 24, 6


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def bouncer(postgres_url: str) -> AsyncIterator[tuple[str, str]]:
    """(PostgreSQL directly, the same database through PgBouncer in transaction mode with two server connections)."""
    if not os.access(PGBOUNCER, os.X_OK):
        pytest.skip("PgBouncer is not installed (Debian's pgbouncer; .ci/run installs it): not tested behind it")
    # a folder of its own in /tmp: as root, PgBouncer runs as postgres, who cannot enter pytest's root-only folders
    tmp_path = Path(tempfile.mkdtemp(prefix="p2c-pgbouncer-"))
    direct = make_url(postgres_url)
    port = free_port()
    (tmp_path / "users.txt").write_text('"postgres" ""\n')
    (tmp_path / "pgbouncer.ini").write_text(f"""[databases]
{direct.database} = host={direct.host} port={direct.port} dbname={direct.database} user=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {tmp_path / "users.txt"}
pool_mode = transaction
default_pool_size = 2
max_client_conn = 200
logfile = {tmp_path / "pgbouncer.log"}
""")
    command = [PGBOUNCER, str(tmp_path / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        shutil.chown(tmp_path, "postgres")
        for name in ("users.txt", "pgbouncer.ini"):
            shutil.chown(tmp_path / name, "postgres")
        command[1:1] = ["-u", "postgres"]
    process = await asyncio.create_subprocess_exec(*command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                if process.returncode is not None:
                    assert process.stderr is not None
                    pytest.fail(f"PgBouncer did not start: {(await process.stderr.read()).decode()}")
                await asyncio.sleep(0.05)
        await upgrade(migrating := Database(postgres_url))
        await migrating.dispose()
        yield postgres_url, direct.set(port=port).render_as_string(hide_password=False)
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), 10)
        shutil.rmtree(tmp_path, ignore_errors=True)


async def busy(database: Database) -> int:
    """WORKERS transactions at once, ROUNDS times, each running the same few statements; open rows at the end."""
    async def one(worker: int) -> None:
        for round_ in range(ROUNDS):
            async with database.uow() as uow:
                await OutboxRows(uow.session).enqueue(f"pgb:{worker}:{round_}", worker, None, {"text": "x"},
                                                      priority=BULK, now=utcnow())
                await Operations(uow.session).outbox_depth()
                await uow.commit()

    await asyncio.gather(*(one(worker) for worker in range(WORKERS)))
    async with database.uow() as uow:
        return sum((await Operations(uow.session).outbox_depth()).values())


async def test_statements_run_behind_pgbouncer_in_transaction_mode(bouncer: tuple[str, str]) -> None:
    _, through = bouncer
    database = Database(through, pgbouncer=True)
    try:
        assert await busy(database) == WORKERS * ROUNDS
    finally:
        await database.dispose()


async def test_without_the_setting_prepared_statements_collide(bouncer: tuple[str, str]) -> None:
    """The control: the ordinary settings fail there, which is why P2C_PGBOUNCER exists."""
    _, through = bouncer
    database = Database(through)
    try:
        with pytest.raises(DBAPIError):
            await busy(database)
    finally:
        await database.dispose()


async def test_the_election_goes_to_postgresql_directly(bouncer: tuple[str, str]) -> None:
    direct, through = bouncer
    database = Database(through, pgbouncer=True, election_url=direct)
    scheduler, stop = AsyncIOScheduler(), asyncio.Event()
    election = asyncio.create_task(run_when_elected(database, lambda: scheduler, stop, retry=0.1))
    try:
        for _ in range(100):
            if scheduler.running:
                break
            await asyncio.sleep(0.05)
        assert scheduler.running
        assert make_url(str(database.election.url)).port == make_url(direct).port
    finally:
        stop.set()
        await election
        await database.dispose()


def test_pgbouncer_without_a_direct_url_for_the_election_stops_start_up() -> None:
    with pytest.raises(ConfigError, match="P2C_ELECTION_DATABASE_URL"):
        load_settings(database_url="postgresql+asyncpg://p2c@127.0.0.1:6432/p2c", pgbouncer=True)
