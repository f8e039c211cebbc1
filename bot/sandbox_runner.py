"""`p2c-bot sandbox`: the sandbox server, demo data, and the bot polling it, in one process."""

from __future__ import annotations

from pydantic import SecretStr

from bot.config import ConfigError, Settings
from bot.demo import load_demo
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer, start_server
from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade


async def seed_people(server: SandboxServer, settings: Settings) -> int:
    """Load the demo into the bot's database and show the same people on the sandbox page."""
    database = Database(settings.database_url)
    try:
        await upgrade(database)
        people = await load_demo(database.uow(), utcnow())
    finally:
        await database.dispose()
    async with SandboxClient(server.url) as client:
        for person in people:
            await client.add_user(person.telegram_id, person.first_name, last_name=person.last_name,
                                  language_code=person.language)
    return len(people)


async def run_sandbox(settings: Settings, *, host: str, port: int, token: str | None) -> None:
    """Run the sandbox and the bot on it, with demo data, until Ctrl-C."""
    from bot.app import build_app, run

    try:
        server = await start_server(host, port, token)
    except OSError as error:
        raise ConfigError(f"cannot listen on {host}:{port} ({error.strerror}); choose another --port.") from None
    try:
        count = await seed_people(server, settings)
        bot_settings = settings.model_copy(update={"bot_token": SecretStr(server.token), "api_base": server.url})
        print(f"P2C bot running on the sandbox: open {server.url}/ to chat as one of {count} demo people "
              "(Ctrl-C stops).", flush=True)
        await run(build_app(bot_settings))
    finally:
        await server.stop()
