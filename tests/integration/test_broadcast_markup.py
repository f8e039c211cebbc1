"""A broadcast's HTML is checked by the service, whichever door it comes through (the chat composer or
`p2c-bot broadcast send`): Telegram would refuse it, and every recipient got an apology instead (h_sandbox #3)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from handlers.broadcasts.service import BroadcastError, CreateBroadcast, create_broadcast, edit_broadcast
from models.clock import utcnow
from models.database import Database
from models.tables import Broadcast, Outbox

REPO = Path(__file__).resolve().parents[2]
PHOTO = {"kind": "photo", "file_id": "AgAD-photo"}


@pytest.mark.parametrize(("texts", "attachment", "said"), [
    ({"en": "<b>Broken"}, None, "the en text would be refused by Telegram: <b> is not closed"),
    ({"en": "Fine", "fr": "<i>Rejoignez</b>"}, None, "the fr text would be refused by Telegram"),
    ({"en": "<marquee>Hi</marquee>"}, None, "the tag <marquee> is not allowed"),
    ({"en": '<a href="https://itu.int" target="_blank">ITU</a>'}, None, "attribute"),
    ({"en": "x" * 4001}, None, "4,001 characters, and a broadcast may have 4,000"),
    ({"en": "x" * 901}, PHOTO, "901 characters, and a broadcast may have 900 under a file"),
])
async def test_a_text_telegram_would_refuse_creates_nothing(sqlite_database: Database, texts: dict[str, str],
                                                            attachment: dict[str, str] | None, said: str) -> None:
    """Regression (h_sandbox #3): `broadcast send --text "en=<b>Broken"` was accepted and sent to everyone."""
    now = utcnow()
    async with sqlite_database.uow() as uow:
        with pytest.raises(BroadcastError, match=said) as error:
            await create_broadcast(uow.session, CreateBroadcast(["everyone"], texts, attachment=attachment), now,
                                   now.date(), "en")
        assert "\n" not in str(error.value)
        assert (await uow.session.execute(select(Broadcast))).first() is None
        assert (await uow.session.execute(select(Outbox))).first() is None


async def test_well_formed_texts_are_kept_as_written(sqlite_database: Database) -> None:
    """Telegram's tags, a long text sent apart from its file, and a caption within 900 characters pass."""
    now = utcnow()
    texts = {"en": '<b>Join</b> the <a href="https://itu.int">webinar</a> &amp; <tg-spoiler>more</tg-spoiler>',
             "fr": "<blockquote expandable>Rejoignez</blockquote>"}
    async with sqlite_database.uow() as uow:
        made = await create_broadcast(uow.session, CreateBroadcast(["everyone"], texts), now, now.date(), "en")
        assert made.texts == texts
        apart = {**PHOTO, "separate": True}
        long = await create_broadcast(uow.session, CreateBroadcast(["everyone"], {"en": "x" * 4000}, attachment=apart),
                                      now, now.date(), "en")
        captioned = await create_broadcast(uow.session, CreateBroadcast(["everyone"], {"en": "y" * 900},
                                                                        attachment=PHOTO), now, now.date(), "en")
        assert long.id and captioned.id


async def test_an_edit_with_a_text_telegram_would_refuse_changes_nothing(sqlite_database: Database) -> None:
    """The same check on an edit of a scheduled broadcast: it stays as it was."""
    now = utcnow()
    later = now + timedelta(days=1)
    async with sqlite_database.uow() as uow:
        scheduled = await create_broadcast(uow.session, CreateBroadcast(["everyone"], {"en": "Hello"},
                                                                        scheduled_at=later), now, now.date(), "en")
        with pytest.raises(BroadcastError, match="the en text would be refused by Telegram"):
            await edit_broadcast(uow.session, scheduled, CreateBroadcast(["everyone"], {"en": "<b>Hello"},
                                                                         scheduled_at=later), now, now.date(), "en")
        assert scheduled.texts == {"en": "Hello"}


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "PYTHONPATH": str(REPO),
           "P2C_DATABASE_URL": f"sqlite+aiosqlite:///{cwd / 'cli.db'}"}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, timeout=60,
                          env=env, cwd=cwd)


def test_broadcast_send_refuses_broken_html_in_one_line_and_falls_back_to_the_first_text(tmp_path: Path) -> None:
    """Regression (h_sandbox #3): the command printed an id and exited 0 for "<b>Broken"; and its --fallback still
    defaulted to "en", so a broadcast with no English text was refused although the service now takes the first
    text when no fallback is given."""
    refused = _cli("broadcast", "send", "--text", "en=<b>Broken", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith("error: the en text would be refused by Telegram")
    assert refused.stderr.strip().count("\n") == 0 and "Traceback" not in refused.stderr
    sent = _cli("broadcast", "send", "--text", "fr=<b>Bonjour</b>", "--text", "es=Hola", cwd=tmp_path)
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.strip() == "1"
    chosen = _cli("broadcast", "send", "--text", "fr=Bonjour", "--text", "es=Hola", "--fallback", "es", cwd=tmp_path)
    assert chosen.returncode == 0 and chosen.stdout.strip() == "2"
    with sqlite3.connect(tmp_path / "cli.db") as stored:
        assert stored.execute("SELECT id, fallback FROM broadcast ORDER BY id").fetchall() == [(1, "fr"), (2, "es")]


@pytest.mark.parametrize(("texts", "said"), [
    (["Hello everyone"], "--text takes LANG=TEXT"),
    (["pt=Olá"], "--text 'pt': the language must be one of ar, en, es, fr, ru, zh"),
    (["en=Hello", "en=Hi"], "--text en is given twice"),
    (["en=Hello", "fr=  "], "--text fr is empty"),
])
def test_broadcast_send_refuses_a_text_it_would_drop(tmp_path: Path, texts: list[str], said: str) -> None:
    """Regression: a --text without "=", in an unknown language or empty was dropped without a word, and the
    broadcast went out without it (or, with none left, failed on something else)."""
    refused = _cli("broadcast", "send", *(arg for item in texts for arg in ("--text", item)), cwd=tmp_path)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith(f"error: {said}"), refused.stderr
