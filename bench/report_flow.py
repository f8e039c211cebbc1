"""Benchmark of the report journey: `python bench/report_flow.py --users N [--database-url URL]`.

The pledge-flow benchmark's method (bench/pledge_flow.py) for progress reports: N focal points, each
with one validated pledge, all write a first report at once through the sandbox's client API (every
answer waits for the bot's reply, as a person would); then a bare aiogram echo bot answers the same
number of people and messages on the same sandbox, and the two are compared. Prints human lines,
then one JSON object as the last line.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pledge_flow import FIRST_ID, flow_main, measure_flow

from bot.sandbox.client import SandboxClient
from models.clock import utcnow
from models.database import Database
from models.tables import Contact, Pledge
from models.values import PledgeStatus, PledgeType

SCRIPT: tuple[tuple[str, str], ...] = (
    ("say", "/report"),
    ("press", "f:status:c:in_progress"),
    ("say", "40"),
    ("say", "120"),
    ("say", "3000"),
    ("press", "f:women_share:c:50"),
    ("say", "We connected 120 schools in Kolda and Tambacounda and trained 300 teachers."),
    ("say", "Power cuts delayed the works in two regions."),
    ("press", "f:partnership_needs:skip"),
    ("say", "https://example.org/p2c/report-2024.pdf"),
    ("press", "f:evidence:done"),
    ("press", "f:$sum:submit"),
)


async def seed_pledges(database_url: str) -> None:
    """One validated programmatic pledge per focal point, started in 2024 (its 2024 report is overdue)."""
    database = Database(database_url)
    try:
        async with database.uow() as uow:
            now = utcnow()
            contacts = (await uow.session.execute(select(Contact).where(Contact.telegram_id >= FIRST_ID))).scalars()
            for contact in contacts:
                uow.session.add(Pledge(entity_id=contact.entity_id or 0, created_by=contact.id,
                                       title="Connect 500 rural schools", description="We will connect schools.",
                                       focus_area="access", pledge_type=PledgeType.programmatic, target_value=500,
                                       target_unit="schools", start_date=date(2024, 1, 1),
                                       end_date=date(2029, 6, 30), status=PledgeStatus.validated, validated_at=now,
                                       ref=f"P2C-2024-{contact.telegram_id}", created_at=now))
            await uow.commit()
    finally:
        await database.dispose()


async def reporter(people: SandboxClient, user_id: int, latencies: list[float]) -> bool:
    """One person writes a report; True when the thanks came back (the last step waits for them: the summary
    submitted is edited first, its buttons going, then the thanks come)."""
    since = (await people.chat(user_id))["last_seq"]
    seen: list[dict[str, Any]] = []  # the bot's answers (a reminder arriving meanwhile is not one)
    for index, (kind, value) in enumerate(SCRIPT):
        started = time.perf_counter()
        if kind == "say":
            await people.send_text(user_id, value)
        else:
            target = next(m for m in reversed(seen) if value in _codes(m))
            await people.press(user_id, int(target["message_id"]), value)
        settle: float | None = None
        while True:
            answer = await people.chat(user_id, since=since, wait=30)
            since = answer["last_seq"]
            replies = [m for m in answer["messages"] if m["from_bot"] and not _is_reminder(m)]
            seen += replies
            if replies and (index < len(SCRIPT) - 1 or any(_thanked(m) for m in replies)):
                break
            if replies and settle is None:
                settle = time.monotonic() + 30
            if settle is not None and time.monotonic() > settle:
                break
        latencies.append((time.perf_counter() - started) * 1000)
    return any(_thanked(m) for m in seen[-3:])


def _thanked(message: dict[str, Any]) -> bool:
    return "sent to BDT" in str(message.get("text"))


def _is_reminder(message: dict[str, Any]) -> bool:
    return any(code.startswith("rm:") for code in _codes(message))


def _codes(message: dict[str, Any]) -> set[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {button.get("callback_data", "") for row in rows for button in row}


async def run(users: int, database_url: str | None, event_loop: str = "auto") -> dict[str, Any]:
    """Measure the report journey, then the echo bot, on one sandbox."""
    return await measure_flow(users, database_url, event_loop, reporter, len(SCRIPT), seed_more=seed_pledges,
                              label={"flow": "report"})


def main() -> None:
    """Command-line entry."""
    flow_main(__doc__.splitlines()[0], "report flow", "reports", run)


if __name__ == "__main__":
    main()
