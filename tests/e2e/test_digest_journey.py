"""Digests through the sandbox and a real bot process whose clock a test file moves (P2C_TEST_CLOCK_FILE).

Staff set a coordinator's scope to one ITU region; the coordinator subscribes in Russian; after a week of
activity the clock reaches the chosen hour and the digest arrives once, inside working hours, with figures
equal to a direct count for that region, the chart as a photo and the spreadsheet as a document. An
Arabic reader's digest, chart and sheet are right-to-left and legible.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import openpyxl
import pytest
import pytest_asyncio
from conftest import Person, buttons
from PIL import Image
from sqlmodel import col, select

from bot.i18n import Catalogs, Renderer
from bot.sandbox.harness import BotStack
from handlers.digests.content import goal_share, percent
from handlers.messages import N_, Label, Money, Number, Text, plural
from models.clock import advance_test_clock, clock_offset
from models.database import Database
from models.reporting import latest_due_periods
from models.repositories.reports import Reports
from models.tables import Entity, Outbox, Pledge, ProgressReport
from models.values import PledgeStatus

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


def due_period(moment: datetime) -> str:
    """The annual period whose report is overdue on that day (what the digest counts)."""
    return latest_due_periods(moment.date())["annual"]
STAFF, COORDINATOR, ARABIC = 910_001, 910_002, 910_003


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def clocked(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotStack]:
    """A bot of its own whose clock starts on the coming Monday at 08:00 UTC and checks digests every second."""
    workdir: Path = tmp_path_factory.mktemp("digest-e2e")
    clock = workdir / "clock"
    now = datetime.now(UTC)
    monday = (now + timedelta(days=7 - now.weekday())).replace(hour=8, minute=0, second=0, microsecond=0)
    clock.write_text(f"{(monday - now).total_seconds()}\n", encoding="utf-8")
    stack = BotStack(workdir, env={"P2C_TEST_CLOCK_FILE": str(clock), "P2C_DIGEST_CHECK_SECONDS": "1"})
    await stack.start_sandbox()
    await stack.cli("db", "upgrade")
    await stack.cli("admin", "grant", str(STAFF), "staff")
    await stack.cli("admin", "grant", str(COORDINATOR), "coordinator")
    await stack.cli("admin", "grant", str(ARABIC), "coordinator")
    await _seed(Database(stack.database_url), monday)
    await stack.start_bot()
    yield stack
    await stack.close()


async def _seed(database: Database, monday: datetime) -> None:
    """Pledges in the CIS and in Africa, validated a week before Monday, some with reports."""
    try:
        async with database.uow() as uow:
            s = uow.session
            kaz = Entity(name="Kazakhtelecom", name_key="kazakhtelecom", sector="private_sector",
                         country_iso3="KAZ", status="validated", created_at=monday - timedelta(days=30))
            sen = Entity(name="Sénégal numérique", name_key="senegal numerique", sector="government",
                         country_iso3="SEN", status="validated", created_at=monday - timedelta(days=30))
            s.add_all([kaz, sen])
            await s.flush()
            week = monday - timedelta(days=6)
            for n in range(12):
                cis = n % 3 != 0
                pledge = Pledge(ref=f"P2C-2026-{n + 1:05d}", entity_id=(kaz.id if cis else sen.id) or 0,
                                title=f"Обязательство {n}", description="d" * 30, focus_area="access",
                                pillars=["infrastructure"], pledge_type="financial",
                                value_usd=Decimal(1_000_000 * (n + 1)), countries=["KAZ" if cis else "SEN"],
                                itu_regions=["cis" if cis else "africa"], targets_lldc=cis, targets_ldc=not cis,
                                status=PledgeStatus.validated, submitted_at=week, validated_at=week,
                                created_at=week, updated_at=week, start_date=(week - timedelta(days=400)).date())
                s.add(pledge)
                await s.flush()
                if n % 2:
                    report = ProgressReport(pledge_id=pledge.id or 0, period=due_period(monday), status="in_progress",
                                            percent_complete=30, steps_taken="s" * 30, created_at=week)
                    await Reports(s).add(report)
                    if n == 1:  # corrected two days later: the first one is history, counted nowhere
                        await Reports(s).add(ProgressReport(
                            pledge_id=pledge.id or 0, period=due_period(monday), status="in_progress",
                            percent_complete=35, steps_taken="s" * 30, created_at=week + timedelta(days=2)),
                            replacing=report.id)
            await uow.commit()
    finally:
        await database.dispose()


async def _person(stack: BotStack, user_id: int, language: str, name: str) -> Person:
    await stack.people.add_user(user_id, name, language_code=language)
    return Person(stack, user_id)


async def _file(stack: BotStack, url: str) -> bytes:
    async with aiohttp.ClientSession() as session, session.get(stack.url + url) as answer:
        assert answer.status == 200
        return await answer.read()


async def _wait_for(person: Person, count: int, timeout: float = 40.0) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while len(got) < count and asyncio.get_running_loop().time() < deadline:
        chat = await person.stack.people.chat(person.id, since=person.seen)
        person.seen = chat["last_seq"]
        got += [m for m in chat["messages"] if m["from_bot"]]
        await asyncio.sleep(0.3)
    return got


async def test_weekly_digest_arrives_once_in_scope_in_working_hours(clocked: BotStack) -> None:
    stack = clocked
    staff = await _person(stack, STAFF, "en", "Bea")
    coordinator = await _person(stack, COORDINATOR, "ru", "Иван")
    set_scope = await staff.say(f"/scope {COORDINATOR} region cis")
    assert "CIS" in set_scope[0]["text"]
    # not told: they never wrote to the bot (Telegram would deliver nothing); /digest shows the scope when they come
    assert await _wait_for(coordinator, 1, timeout=2.0) == []
    menu = await coordinator.say("/digest")
    assert "dg:week" in buttons(menu[-1]) and "СНГ" in menu[-1]["text"], menu[-1]["text"]
    await coordinator.press("dg:week")
    await coordinator.press("dg:day:1")
    saved = await coordinator.press("dg:at:110")
    assert "10:00" in saved[0]["text"]
    assert not await _wait_for(coordinator, 1, timeout=3)  # 08:00 on Monday: not yet
    advance_test_clock(str(stack.workdir / "clock"), 2 * 3600 + 30)  # 10:00:30
    arrived = await _wait_for(coordinator, 4)  # the digest, and the escalation of the scope's overdue pledges
    (escalation,) = [m for m in arrived if (m.get("text") or "").startswith("⚠️")]  # reminders' escalation (#15)
    digest = [m for m in arrived if m is not escalation]
    assert [bool(m.get("photo")) for m in digest] == [False, True, False] and digest[2]["document"]
    text = digest[0]["text"]
    database = Database(stack.database_url)
    try:
        async with database.uow() as uow:
            in_cis = [p for p in (await uow.session.execute(select(Pledge))).scalars()
                      if "cis" in p.itu_regions and p.status == "validated"]
            refs = sorted(p.ref or "" for p in in_cis)
            reports = [r for r in (await uow.session.execute(select(ProgressReport))).scalars()
                       if r.pledge_id in {p.id for p in in_cis}]
            sent = (await uow.session.execute(select(Outbox).where(col(Outbox.key).like("dg:%")))).scalars().all()
    finally:
        await database.dispose()
    renderer = Renderer(Catalogs())

    def shown(label: Label) -> str:
        return re.sub("<[^>]+>", "", renderer.label(label, "ru", markup=False))

    current = [r for r in reports if r.is_current]
    reported = len({r.pledge_id for r in current if r.period == current[0].period})  # the seeded due_period(monday)
    value = sum((p.value_usd or Decimal(0) for p in in_cis), Decimal(0))
    for line in (plural("{count} pledge", "{count} pledges", len(refs)),
                 Text(N_("{value} pledged: {share}% of the USD 100 billion goal"),
                      {"value": Money(value), "share": goal_share(value)}),
                 plural("{count} progress report received and in force",
                        "{count} progress reports received and in force", len(current)),
                 plural("<b>Reporting on the latest periods due</b>: {reported} of {count} pledge due reported "
                        "({rate}%)",
                        "<b>Reporting on the latest periods due</b>: {reported} of {count} pledges due reported "
                        "({rate}%)", len(refs),
                        reported=Number(reported), rate=percent(reported, len(refs)))):
        assert shown(line) in text  # each figure equals a direct count in the database, for the CIS only
    assert len(current) == 4 and len(reports) == 5 and reported == 4
    assert "P2C-2026-00001" not in text  # an African pledge, outside the scope
    sheet = openpyxl.load_workbook(io.BytesIO(await _file(stack, digest[2]["document"]["url"])))
    rows = list(sheet.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert sorted(row[0] for row in rows) == refs
    assert next(row for row in rows if row[0] == "P2C-2026-00002")[22] == 35  # the corrected report, not the first
    assert len(list(sheet.worksheets[1].iter_rows(min_row=2))) == 4
    assert Image.open(io.BytesIO(await _file(stack, digest[1]["photo"]["url"]))).size[0] >= 1000
    mine = [row for row in sent if row.chat_id == COORDINATOR]
    assert len(mine) == 3 and all(row.sent_at is not None for row in mine)
    for row in mine:
        assert row.sent_at is not None
        local = row.sent_at.astimezone(UTC)
        assert local.weekday() == 0 and 10 <= local.hour < 18  # the chosen hour, inside working hours
    advance_test_clock(str(stack.workdir / "clock"), 3600)
    assert not await _wait_for(coordinator, 1, timeout=4)  # once per period
    assert clock_offset(str(stack.workdir / "clock")) > 0


async def test_arabic_digest_chart_and_sheet_are_right_to_left(clocked: BotStack) -> None:
    reader = await _person(clocked, ARABIC, "ar", "ليلى")
    await reader.stack.people.send_text(ARABIC, "/digest now")
    digest = await _wait_for(reader, 3)
    assert "موجز" in digest[0]["text"] and digest[1]["photo"] and digest[2]["document"]
    book = openpyxl.load_workbook(io.BytesIO(await _file(clocked, digest[2]["document"]["url"])))
    header = Renderer(Catalogs()).label(Text(N_("Reference")), "ar", markup=False)
    assert book.worksheets[0].sheet_view.rightToLeft and book.worksheets[0]["A1"].value == header
    image = Image.open(io.BytesIO(await _file(clocked, digest[1]["photo"]["url"])))
    assert image.size[0] >= 1000
