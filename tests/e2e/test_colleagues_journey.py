"""Colleagues and each person's data through the sandbox, the bot a real process with its clock moved (issue 15).

A French focal point invites a colleague from chat; the colleague (Spanish) joins with the link; the first focal
point leaves and the colleague is told; when the report falls due the reminder goes to the colleague only. Then
a person uses /mydata (a summary and a JSON document), then /forget, and the database is scanned, every table and
column, for their name and Telegram id.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from conftest import JOB_SECONDS, Person, advance_to, bot_messages, buttons, moved_now
from sqlmodel import SQLModel, col, select

from bot.sandbox.harness import BotStack
from handlers.admin import CreateInvite, invite
from models.clock import utcnow
from models.database import Database
from models.reporting import due_date, period_of
from models.retention import Retention, purge
from models.tables import Contact, Pledge
from models.values import PledgeStatus, Role

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

STAFF, AWA, BRUNO, QUENTIN, AMINATA = 920001, 920101, 920102, 7_770_003_141_592, 920103
LINK = re.compile(r"\?start=([A-Za-z0-9_-]+)")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotStack]:
    """The sandbox and the bot with a test clock and reminders planned every second."""
    workdir: Path = tmp_path_factory.mktemp("e2e-colleagues")
    stack = BotStack(workdir, env={"P2C_TEST_CLOCK_FILE": str(workdir / "clock"),
                                   "P2C_REMINDER_INTERVAL_SECONDS": str(JOB_SECONDS)})
    await stack.start_sandbox()
    await stack.cli("db", "upgrade")
    await stack.cli("admin", "grant", str(STAFF), "staff")
    await stack.start_bot()
    await stack.people.add_user(STAFF, "Bea", language_code="en")
    await Person(stack, STAFF).say("/help")
    yield stack
    await stack.close()


class _db:
    """A handle on the bot's database for the length of a block."""

    def __init__(self, stack: BotStack) -> None:
        self.database = Database(stack.database_url)

    async def __aenter__(self) -> Database:
        return self.database

    async def __aexit__(self, *_: object) -> None:
        await self.database.dispose()


async def joined(stack: BotStack, user_id: int, token: str, name: str, language: str, first_name: str) -> Person:
    """Someone opens an invitation link, consents and gives their name."""
    await stack.people.add_user(user_id, first_name, language_code=language)
    person = Person(stack, user_id)
    await person.say(f"/start {token}")
    await person.press("f:consent:c:yes")
    await person.say(name)
    await bot_messages(person, settle=0.3)
    return person


async def cli_invitation(stack: BotStack, organisation: str, country: str) -> str:
    async with _db(stack) as database:
        token, _, _ = await invite(CreateInvite(organisation, Role.focal_point, country_iso3=country),
                                   database.uow(), await moved_now(stack))
    return token


async def contact_of(stack: BotStack, telegram_id: int) -> Contact:
    async with _db(stack) as database, database.uow() as uow:
        return (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == telegram_id))).scalar_one()


def local(day: date, hour: int, minute: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(zone)).astimezone(UTC)


async def told_of(person: Person, needle: str, timeout: float = 15.0) -> list[dict[str, Any]]:
    """The bot's new messages to the person, waiting (up to `timeout` seconds) for one that names `needle`: a notice
    goes through the outbox, which a loaded machine (CI's) may deliver after the sandbox has looked quiet once."""
    told: list[dict[str, Any]] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while not any(needle in str(m.get("text")) for m in told) and asyncio.get_running_loop().time() < deadline:
        told += await bot_messages(person, settle=0.3)
    return told


async def test_a_colleague_joins_the_first_leaves_and_reminders_go_to_the_colleague(stack: BotStack) -> None:
    awa = await joined(stack, AWA, await cli_invitation(stack, "Ministère E2E des Collègues", "SEN"),
                       "Awa Diop", "fr", "Awa")
    first = await contact_of(stack, AWA)
    start = (await moved_now(stack)).date()
    async with _db(stack) as database, database.uow() as uow:
        pledge = Pledge(entity_id=first.entity_id, created_by=first.id, title="Écoles connectées",
                        description="A pledge of the colleagues journey.", focus_area="access",
                        pillars=["infrastructure"], pledge_type="programmatic", countries=["SEN"], start_date=start,
                        end_date=start + timedelta(days=1500), status=PledgeStatus.validated,
                        validated_at=await moved_now(stack), reporting_cadence="quarterly")
        uow.session.add(pledge)
        await uow.flush()
        pledge.ref = f"P2C-E2E-{pledge.id:05d}"
        await uow.commit()
        ref = pledge.ref

    invitation = (await awa.say("/invite"))[-1]
    token = LINK.search(invitation["text"])
    assert token is not None and "Ministère E2E des Collègues" in invitation["text"]
    bruno = await joined(stack, BRUNO, token.group(1), "Bruno Colega", "es", "Bruno")
    colleague = await contact_of(stack, BRUNO)
    assert (colleague.role, colleague.entity_id) == (Role.focal_point, first.entity_id)
    told = await told_of(awa, "Bruno Colega")  # the focal point who made the invitation hears it was used
    assert [m["text"] for m in told if "Bruno Colega" in m["text"]], told

    asked = await awa.say("/leave")
    yes, no = buttons(asked[-1])  # each with the moment it was asked
    assert yes.startswith("lv:yes:") and no.startswith("lv:no:")
    left = await awa.press(yes)
    assert "Bruno Colega" in left[-1]["text"]
    told = await told_of(bruno, "Awa Diop")
    assert any("Awa Diop" in m["text"] for m in told), told

    day = due_date(period_of(start, "quarterly"))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    await advance_to(stack, local(day, 9, 30, "Africa/Dakar"))
    (reminder,) = await bot_messages(bruno, at_least=1)
    assert ref in reminder["text"] and "rp:open:" in " ".join(buttons(reminder))
    assert await bot_messages(awa, settle=0.1) == []  # she left: nothing for her


async def tables_holding(stack: BotStack, *needles: str) -> dict[str, list[str]]:
    """Every table and column in which some row holds one of `needles` (as text, case-insensitive)."""
    found: dict[str, list[str]] = {}
    async with _db(stack) as database, database.uow() as uow:
        for table in SQLModel.metadata.sorted_tables:
            for row in await uow.session.execute(select(table)):
                for column, value in row._mapping.items():
                    shown = (value.decode("utf-8", "replace") if isinstance(value, bytes)
                             else json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, dict | list)
                             else str(value))
                    if any(needle.casefold() in shown.casefold() for needle in needles):
                        found.setdefault(table.name, []).append(str(column))
    return found


async def test_an_invitation_link_comes_before_the_answers_to_the_next_commands(stack: BotStack) -> None:
    """Tester: a focal point sent `/invite 3`, then /pending and /export a moment later. The link came last, after the
    refusals of both, while the answer's first part already spoke of "this invitation": its row waited in the outbox
    for a claim, and the next replies went at once."""
    aminata = await joined(stack, AMINATA, await cli_invitation(stack, "Ministère E2E de l'Ordre", "SEN"),
                           "Aminata Fall", "fr", "Aminata")
    for command in ("/invite 3", "/pending", "/export"):
        await stack.people.send_text(AMINATA, command)
    texts = [str(message["text"]) for message in await aminata.replies(at_least=4)]
    assert len(texts) == 4 and "/invite" in texts[0], texts
    assert LINK.search(texts[1]) and "Ministère E2E de l'Ordre" in texts[1], "the link follows its note at once"
    assert all("permise" in text for text in texts[2:]), "then the answers to /pending and /export, refused"


async def test_my_data_then_forget_leaves_nothing_of_the_person(stack: BotStack) -> None:
    name = "Quentin Xylander"
    quentin = await joined(stack, QUENTIN, await cli_invitation(stack, "Zephyrine E2E Networks", "KEN"), name,
                           "es", "Tiberius")
    needles = (name, "Tiberius", str(QUENTIN))
    answers = await quentin.say("/mydata")
    answers += [m for m in await bot_messages(quentin, settle=3) if m not in answers]
    summary = next(m for m in answers if m.get("text") and name in m["text"])
    assert "Zephyrine E2E Networks" in summary["text"] and str(QUENTIN) in summary["text"]
    document = next(m for m in answers if m.get("document"))
    assert document["document"]["file_name"].endswith(".json")
    assert "Sus datos" in (document.get("caption") or "")
    assert set(await tables_holding(stack, *needles)) >= {"contact", "outbox", "generated_file"}

    asked = await quentin.say("/forget")
    yes, no = buttons(asked[-1])
    assert yes.startswith("me:forget:yes:") and no.startswith("me:forget:no:")
    farewell = await quentin.press(yes)
    assert "borrado" in farewell[-1]["text"]  # in their language, to their chat

    # the farewell's row (sent) is the one place their chat id stays, until the next purge
    assert await tables_holding(stack, *needles) in ({}, {"outbox": ["chat_id"]})
    async with _db(stack) as database:
        await purge(database.uow, Retention(), utcnow())
    assert await tables_holding(stack, *needles) == {}
