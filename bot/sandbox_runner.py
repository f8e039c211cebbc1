"""`p2c-bot sandbox`: the sandbox server, demo data, and the bot polling it, in one process."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from typing import Any

import aiohttp
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from bot.config import ConfigError, Settings
from bot.demo import PEOPLE, DemoPerson, load_demo
from bot.one_process import only_process
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer, start_server
from models.clock import utcnow
from models.database import Database
from models.migrate import current_revision, upgrade
from models.repositories.outbox import OutboxRows
from models.tables import Contact
from models.values import Role


def sandbox_clock_file(database_url: str) -> str:
    """Where `p2c-bot sandbox` keeps the seconds its page moved the bot's clock: beside an SQLite database
    ("p2c.db.clock"), whose data was made at that moved time; in the working folder for another database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return f"{url.database}.clock"
    return "p2c-sandbox.clock"


ROLES = {Role.focal_point: "Focal point", Role.coordinator: "Coordinator", Role.staff: "BDT staff",
         Role.admin: "Admin"}
"""Who a demo person is, in the page's English."""
DOES = {Role.coordinator: "digests", Role.staff: "validates", Role.admin: "validates"}


def about(person: DemoPerson) -> str:
    """The note under a demo person's name on the page: role, organisation, and what they do in the demo."""
    who = ", ".join(part for part in (ROLES[person.role], person.entity) if part)
    return f"{who}: {DOES[person.role]}" if person.role in DOES else who


async def seed_people(server: SandboxServer, settings: Settings) -> int:
    """Load the demo into the bot's database and show on the sandbox page the demo people, then every other person
    the bot's database knows (added on the page before a restart: the server itself keeps nothing); how many.

    The sandbox gives a person added on the page the next id after everyone's, so it never reuses an id the bot knows
    (which would put the newcomer in someone else's half-finished registration). Each chat's message ids go on after
    the last one the bot recorded there, so that a button pressed on a new message is never taken for one of an old
    message of the same id (a report's Submit after a restart answered "That button is from questions you already
    finished").
    """
    database = Database(settings.database_url)
    try:
        # looked at before the schema is touched: a production database is not migrated by a sandbox's checkout
        # (a review; its released code would then refuse a schema newer than its own)
        if await current_revision(database) is not None and await not_the_sandboxs(database):
            from bot.app import database_place

            raise ConfigError(
                f"the database {database_place(settings.database_url)} holds people, none of them the "
                "sandbox's demo people: it looks like one the bot serves on Telegram (P2C_DATABASE_URL, or a "
                ".env, names it). The sandbox would load its demo people and pledges into it and send its "
                "waiting messages to the offline server instead of Telegram. Give the sandbox a database of its "
                "own: p2c-bot sandbox --database-url sqlite+aiosqlite:///sandbox.db")
        await upgrade(database)
        people = await load_demo(database.uow(), utcnow())
        async with database.uow() as uow:
            known = (await uow.session.execute(select(Contact).order_by(col(Contact.id)))).scalars().all()
            last_ids = await OutboxRows(uow.session).last_message_ids()
    finally:
        await database.dispose()
    demo = {person.telegram_id for person in people}
    async with SandboxClient(server.url) as client:
        for person in people:
            await client.add_user(person.telegram_id, person.first_name, last_name=person.last_name,
                                  language_code=person.language, about=about(person))
        others = [contact for contact in known if contact.telegram_id not in demo and contact.telegram_id > 0]
        for contact in others:  # a forgotten person keeps their id (and may write again), not their name
            # someone who registered or joined and wrote nothing since has no Telegram name kept: the full name they
            # gave, which the bot's next update would otherwise store as their Telegram first name if a placeholder
            name = contact.first_name.strip() or (contact.full_name or "").strip() or f"Person {contact.telegram_id}"
            await client.add_user(contact.telegram_id, name,
                                  last_name=contact.last_name or None, username=contact.username or None,
                                  language_code=contact.telegram_language or contact.language or None)
    for chat_id, message_id in last_ids.items():
        server.sandbox.world.continue_after(chat_id, message_id)
    return len(people) + len(others)


async def not_the_sandboxs(database: Database) -> bool:
    """Whether the database (with a schema) holds people and none of the demo's: a database the bot serves on
    Telegram, not one the sandbox made (an operator's `make sandbox` beside a .env naming the production database
    filled it with the demo and marked its waiting broadcast sent to the offline server). Read with the columns every
    revision has: nothing is migrated first."""
    async with database.engine.connect() as connection:
        someone = (await connection.execute(select(_PEOPLE.c.id).where(_PEOPLE.c.telegram_id > 0).limit(1))).first()
        if someone is None:
            return False
        demo = [person.telegram_id for person in PEOPLE]
        return (await connection.execute(select(_PEOPLE.c.id).where(_PEOPLE.c.telegram_id.in_(demo)).limit(1))
                ).first() is None


_PEOPLE = sa.table("contact", sa.column("id"), sa.column("telegram_id"))
"""The contact table as its first revision had it (the check runs before any migration)."""


async def held_messages(database: Database) -> dict[str, Any]:
    """What the bot's outbox holds for a later moment (reminders and digests wait for their reader's working hours),
    per chat, at the bot's time: the sandbox page's "Next delivery" moves the test clock to the first of them."""
    now = utcnow()
    async with database.uow() as uow:
        chats = await OutboxRows(uow.session).held(now)
    return {"now": now.isoformat(), "chats": [{"chat_id": chat_id, "count": count, "next": first.isoformat()}
                                             for chat_id, count, first in chats]}


PR_SET_PDEATHSIG = 1


def stop_with_make() -> bool:
    """Under make (`make sandbox`: MAKELEVEL is set), ask Linux for SIGTERM when make ends: make waits for the sandbox
    on SIGINT and forwards it no signal but SIGTERM, so make killed (an IDE's or a task runner's stop) left the
    sandbox running, and the next `make sandbox` found its port taken. Whether it was asked."""
    if "MAKELEVEL" not in os.environ or not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0:
            if os.getppid() == 1:  # make ended already, before we asked
                os.kill(os.getpid(), signal.SIGTERM)
            return True
    return False


async def sandbox_at(host: str, port: int) -> bool:
    """Whether a sandbox answers on host:port (its client API's /sandbox/bot)."""
    shown = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    url = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}/sandbox/bot"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http, http.get(url) as response:
            return bool((await response.json(content_type=None)).get("bot"))
    except (aiohttp.ClientError, TimeoutError, ValueError, AttributeError):
        return False


async def run_sandbox(settings: Settings, *, host: str, port: int, token: str | None) -> None:
    """Run the sandbox and the bot on it, with demo data, until Ctrl-C (or SIGTERM, or the end of make); refused
    while another bot runs on its SQLite file (a sandbox on another port: bot.one_process)."""
    with only_process(settings.database_url):
        await _run_sandbox(settings, host=host, port=port, token=token)


async def _run_sandbox(settings: Settings, *, host: str, port: int, token: str | None) -> None:
    from bot.app import build_app, run

    try:
        server = await start_server(host, port, token)
    except OSError as error:
        other = port + 1 if 0 < port < 65535 else 8081
        if await sandbox_at(host, port):
            raise ConfigError(
                f"a sandbox is already running on {host}:{port}: open http://{host}:{port}/ (or stop it first: Ctrl-C "
                f"where it runs); another port (make sandbox PORT={other}) would run a second bot on the same "
                "database.") from None
        raise ConfigError(f"cannot listen on {host}:{port} ({error.strerror}): a sandbox may already be running there "
                          f"(stop it first), or another program uses the port; choose another port: "
                          f"p2c-bot sandbox --port {other}, or make sandbox PORT={other}.") from None
    stop_with_make()
    database = Database(settings.database_url)
    try:
        count = await seed_people(server, settings)
        server.sandbox.held = lambda: held_messages(database)
        bot_settings = settings.model_copy(update={"bot_token": SecretStr(server.token), "api_base": server.url})
        print(f"P2C bot running on the sandbox: open {server.url}/ to chat as one of {count} people "
              "(Ctrl-C stops).", flush=True)
        await run(build_app(bot_settings), fonts_required=False)
    finally:
        await server.stop()
        await database.dispose()
