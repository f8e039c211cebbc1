"""`p2c-bot sandbox` tells its page what the bot's outbox holds for later (GET /sandbox/held), for "Next delivery"."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import bot.app
from bot.config import Settings
from bot.sandbox.client import SandboxClient
from bot.sandbox_runner import run_sandbox
from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade
from models.repositories.outbox import BULK, OutboxRows, working_hours

TOKEN = "123456789:AAHsandboxP2CdefaultTokenOfflineBot"


async def test_the_page_is_told_what_waits_for_working_hours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (t3 #2): outside 09:00-18:00 the week advanced on the page brought nothing, and nothing said that
    reminders and digests waited for their readers' working hours, nor until when."""
    settings = Settings(bot_token=TOKEN, database_url=f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}")
    database = Database(settings.database_url)
    now = utcnow()
    try:
        await upgrade(database)
        async with database.uow() as uow:
            rows = OutboxRows(uow.session)
            hours = working_hours("Asia/Shanghai", "CHN")
            for key, chat, later in (("d:1", 1006, 5), ("rm:1", 1006, 3), ("d:2", 1002, 9), ("now", 1003, 0)):
                await rows.enqueue(key, chat, None, {"text": key, **hours}, priority=BULK, now=now,
                                   not_before=now + timedelta(hours=later))
            await uow.commit()
    finally:
        await database.dispose()
    seen: dict[str, Any] = {}

    async def bot_runs(app: Settings, *, fonts_required: bool) -> None:  # instead of the bot: look at the page's view
        async with SandboxClient(str(app.api_base)) as page:
            seen.update(await page.held())

    monkeypatch.setattr(bot.app, "build_app", lambda bot_settings: bot_settings)
    monkeypatch.setattr(bot.app, "run", bot_runs)
    await run_sandbox(settings, host="127.0.0.1", port=0, token=None)
    moment = datetime.fromisoformat(seen["now"])
    assert abs((moment - utcnow()).total_seconds()) < 60
    chats = {chat["chat_id"]: (chat["count"], datetime.fromisoformat(chat["next"])) for chat in seen["chats"]}
    assert set(chats) == {1002, 1006}  # a message due now is not held
    assert chats[1006][0] == 2 and abs(chats[1006][1] - (now + timedelta(hours=3))) < timedelta(seconds=1)
    assert chats[1002][0] == 1 and abs(chats[1002][1] - (now + timedelta(hours=9))) < timedelta(seconds=1)
