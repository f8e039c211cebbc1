"""`p2c-bot sandbox` restarted: the page shows every person the bot knows, so a new one never takes a known id."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from sqlmodel import select

from bot.config import ConfigError, Settings
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import start_server
from bot.sandbox_runner import run_sandbox, seed_people
from models.clock import utcnow
from models.database import Database
from models.migrate import current_revision, upgrade
from models.tables import Contact, Outbox, Pledge
from models.values import OutboxStatus

TOKEN = "123456789:AAHsandboxP2CdefaultTokenOfflineBot"


def next_id(users: list[dict[str, object]]) -> int:
    """The id the sandbox gives the next person added on the page (POST /sandbox/users without an id)."""
    return max((int(str(user["id"])) for user in users), default=1000) + 1


async def first_free_id(settings: Settings) -> int:
    """The id the page gives a new person on a sandbox just started with the demo (the server stopped again)."""
    server = await start_server("127.0.0.1", 0)
    try:
        await seed_people(server, settings)
        async with SandboxClient(server.url) as page:
            return next_id(await page.users())
    finally:
        await server.stop()


async def test_a_person_added_before_a_restart_is_on_the_page_after_it(tmp_path: Path) -> None:
    """Regression (h_sandbox #9): the page forgot Sara (1007) at a restart, gave Tom 1007 again, and the bot took
    Tom for Sara, in the middle of her registration."""
    settings = Settings(bot_token=TOKEN, database_url=f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}")
    sara = await first_free_id(settings)
    database = Database(settings.database_url)  # Sara wrote to the bot: it knows her
    try:
        async with database.uow() as uow:
            uow.session.add(Contact(telegram_id=sara, chat_id=sara, first_name="Sara", telegram_language="fr"))
            uow.session.add(Contact(telegram_id=sara + 1, chat_id=sara + 1, first_name=""))  # forgotten
            # QA: joined by invitation and said nothing since: the name they gave, not "Person 1009" (which the bot
            # then stored as their Telegram first name at their next message)
            uow.session.add(Contact(telegram_id=sara + 2, chat_id=sara + 2, first_name="", full_name="Moussa Ndiaye",
                                    consent_at=utcnow()))
            await uow.commit()
    finally:
        await database.dispose()
    server = await start_server("127.0.0.1", 0)  # restarted: the server's memory is empty
    try:
        shown = await seed_people(server, settings)
        async with SandboxClient(server.url) as page:
            users = await page.users()
    finally:
        await server.stop()
    by_id = {user["id"]: user for user in users}
    assert (by_id[sara]["first_name"], by_id[sara]["language_code"]) == ("Sara", "fr")
    assert by_id[sara + 1]["first_name"] == f"Person {sara + 1}"
    assert by_id[sara + 2]["first_name"] == "Moussa Ndiaye"
    assert next_id(users) == sara + 3 and shown == len(users)


async def test_the_page_says_who_the_demo_people_are(tmp_path: Path) -> None:
    """Regression (t3 #14): the list showed names and languages only: which one validates, which get digests?"""
    settings = Settings(bot_token=TOKEN, database_url=f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}")
    server = await start_server("127.0.0.1", 0)
    try:
        await seed_people(server, settings)
        async with SandboxClient(server.url) as page:
            users = {user["first_name"]: user for user in await page.users()}
    finally:
        await server.stop()
    assert users["Bea"]["about"] == "BDT staff: validates"
    assert users["Layla"]["about"] == "Coordinator, ITU Regional Office for the Arab States: digests"
    assert users["Lucía"]["about"] == "Focal point, Conecta Andes S.A."
    assert "about" not in server.sandbox.world.people[users["Bea"]["id"]].user  # not part of Telegram's User


async def test_a_busy_port_says_how_to_choose_another_with_make_too(tmp_path: Path) -> None:
    """`make sandbox` with port 8080 taken said "choose another --port", which make could not pass: it now can
    (make sandbox PORT=…), and the message says so, and that a sandbox may be running there (t3 #4)."""
    settings = Settings(bot_token=TOKEN, database_url=f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}")
    with socket.socket() as taken:  # another program
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError) as refused:
            await run_sandbox(settings, host="127.0.0.1", port=port, token=None)
    assert "a sandbox may already be running there" in str(refused.value)
    assert f"p2c-bot sandbox --port {port + 1}, or make sandbox PORT={port + 1}." in str(refused.value)
    makefile = (Path(__file__).parents[2] / "Makefile").read_text()
    assert "PORT ?= 8080" in makefile and "p2c-bot sandbox --port $(PORT)" in makefile


async def test_a_port_held_by_a_sandbox_says_so_rather_than_advise_a_second_bot(tmp_path: Path) -> None:
    """Regression (t3 #4): a sandbox left running by a stopped make held the port, and the restart advised another
    port, which ran a second bot on the same ./p2c.db."""
    settings = Settings(bot_token=TOKEN, database_url=f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}")
    taken = await start_server("127.0.0.1", 0)
    port = int(taken.url.rsplit(":", 1)[1])
    try:
        with pytest.raises(ConfigError) as refused:
            await run_sandbox(settings, host="127.0.0.1", port=port, token=None)
    finally:
        await taken.stop()
    assert f"a sandbox is already running on 127.0.0.1:{port}: open http://127.0.0.1:{port}/" in str(refused.value)
    assert "second bot on the same database" in str(refused.value)


CHILD = """
import sys, time
from bot.sandbox_runner import stop_with_make
print(stop_with_make(), flush=True)
time.sleep(60)
"""
PARENT = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], env=dict(os.environ, MAKELEVEL="1"))
print(child.pid, flush=True)
time.sleep(60)
"""


def test_the_sandbox_ends_with_the_make_that_runs_it() -> None:
    """Regression (t3 #4): make stopped by a task runner (SIGINT, then SIGKILL) left `p2c-bot sandbox` running."""
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux's parent-death signal")
    root = str(Path(__file__).parents[2])
    with subprocess.Popen([sys.executable, "-c", PARENT, CHILD], stdout=subprocess.PIPE, text=True, cwd=root,
                          env={**os.environ, "PYTHONPATH": root}) as make:
        assert make.stdout is not None
        child = psutil.Process(int(make.stdout.readline()))
        asked = make.stdout.readline().strip()  # the child shares make's output
        make.kill()
        make.wait()
    try:
        child.wait(10)
    except psutil.TimeoutExpired:
        child.kill()
        pytest.fail(f"the sandbox outlived the make that ran it (asked for the signal: {asked})")
    assert asked == "True"


async def test_a_chat_goes_on_with_new_message_ids_after_a_restart(tmp_path: Path) -> None:
    """Regression (fix-longhaul): restarted in the middle of a report, the sandbox gave the report's next messages
    ids 1, 2, 3… again; the bot, finding a pressed button's message by its id, took the new Skip and Submit for
    buttons of old messages of the same ids and answered "That button is from questions you already finished".
    Telegram never gives a chat's message id twice: after a restart a chat goes on after the bot's last message."""
    settings = Settings(bot_token=TOKEN, database_url=f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}")
    lucia = await first_free_id(settings)
    database = Database(settings.database_url)  # Lucía talked with the bot: its 55th message in her chat was sent
    try:
        async with database.uow() as uow:
            uow.session.add(Contact(telegram_id=lucia, chat_id=lucia, first_name="Lucía", telegram_language="es"))
            uow.session.add(Outbox(key="old-question", chat_id=lucia, status=OutboxStatus.sent, telegram_message_id=55))
            uow.session.add(Outbox(key="older", chat_id=lucia, status=OutboxStatus.sent, telegram_message_id=54))
            await uow.commit()
    finally:
        await database.dispose()
    server = await start_server("127.0.0.1", 0)  # restarted: the server's memory is empty
    try:
        await seed_people(server, settings)
        async with SandboxClient(server.url) as page:
            sent = await page.send_text(lucia, "6")
            bea = next(user["id"] for user in await page.users() if user["first_name"] == "Bea")
            other = await page.send_text(int(str(bea)), "/help")
    finally:
        await server.stop()
    assert sent["message_id"] == 56
    assert other["message_id"] == 1  # a chat the bot never wrote in starts at 1, as before


async def test_a_database_the_bot_serves_on_telegram_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    """An operator: `make sandbox` beside a .env naming the production database loaded the demo into it (63 pledges)
    and marked its waiting broadcast sent, to the offline server. A database holding people, none of them the demo's,
    is refused with one line saying what to do; nothing is written to it, its schema not migrated either (a review:
    a sandbox's checkout newer than production's released code left it a schema that code refuses)."""
    settings = Settings(bot_token=TOKEN, database_url=f"sqlite+aiosqlite:///{tmp_path / 'prod.db'}")
    database = Database(settings.database_url)
    try:
        await upgrade(database, "0024")  # production a release behind this checkout
        async with database.uow() as uow:
            uow.session.add(Contact(telegram_id=555000111, chat_id=555000111, first_name="Real",
                                    telegram_language="fr"))
            await uow.commit()
        server = await start_server("127.0.0.1", 0)
        try:
            with pytest.raises(ConfigError, match="none of them the sandbox's demo people") as refused:
                await seed_people(server, settings)
        finally:
            await server.stop()
        assert "--database-url sqlite+aiosqlite:///sandbox.db" in str(refused.value)
        async with database.uow() as uow:
            people = (await uow.session.execute(select(Contact.telegram_id))).scalars().all()
            pledges = (await uow.session.execute(select(Pledge.id))).scalars().all()
        assert (people, pledges) == ([555000111], [])
        assert await current_revision(database) == "0024"
    finally:
        await database.dispose()
    # an empty database is the sandbox's, and so is one it made (a person added on the page since, too)
    fresh = Settings(bot_token=TOKEN, database_url=f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")
    added = await first_free_id(fresh)
    made = Database(fresh.database_url)
    try:
        async with made.uow() as uow:
            uow.session.add(Contact(telegram_id=added, chat_id=added, first_name="Sara", telegram_language="fr"))
            await uow.commit()
    finally:
        await made.dispose()
    assert await first_free_id(fresh) == added + 1
