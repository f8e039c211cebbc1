"""`p2c-bot sandbox` restarted: the page shows every person the bot knows, so a new one never takes a known id."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import start_server
from bot.sandbox_runner import run_sandbox, seed_people
from models.database import Database
from models.tables import Contact

TOKEN = "123456789:AAHsandboxP2CdefaultTokenOfflineBot"


def next_id(users: list[dict[str, object]]) -> int:
    """The id the page gives the next person added ("add person" in bot/sandbox/static/app.js)."""
    return max((int(str(user["id"])) for user in users), default=1000) + 1


async def test_a_person_added_before_a_restart_is_on_the_page_after_it(tmp_path: Path) -> None:
    """Regression (h_sandbox #9): the page forgot Sara (1007) at a restart, gave Tom 1007 again, and the bot took
    Tom for Sara, in the middle of her registration."""
    settings = Settings(bot_token=TOKEN, database_url=f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}")
    server = await start_server("127.0.0.1", 0)
    try:
        await seed_people(server, settings)
        async with SandboxClient(server.url) as page:
            sara = next_id(await page.users())
    finally:
        await server.stop()
    database = Database(settings.database_url)  # Sara wrote to the bot: it knows her
    try:
        async with database.uow() as uow:
            uow.session.add(Contact(telegram_id=sara, chat_id=sara, first_name="Sara", telegram_language="fr"))
            uow.session.add(Contact(telegram_id=sara + 1, chat_id=sara + 1, first_name=""))  # forgotten
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
    assert next_id(users) == sara + 2 and shown == len(users)


async def test_a_busy_port_says_how_to_choose_another_with_make_too(tmp_path: Path) -> None:
    """`make sandbox` with port 8080 taken said "choose another --port", which make could not pass: it now can
    (make sandbox PORT=…), and the message says so."""
    settings = Settings(bot_token=TOKEN, database_url=f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}")
    taken = await start_server("127.0.0.1", 0)
    port = int(taken.url.rsplit(":", 1)[1])
    try:
        with pytest.raises(ConfigError) as refused:
            await run_sandbox(settings, host="127.0.0.1", port=port, token=None)
    finally:
        await taken.stop()
    assert f"p2c-bot sandbox --port {port + 1}, or make sandbox PORT={port + 1}." in str(refused.value)
    makefile = (Path(__file__).parents[2] / "Makefile").read_text()
    assert "PORT ?= 8080" in makefile and "p2c-bot sandbox --port $(PORT)" in makefile
