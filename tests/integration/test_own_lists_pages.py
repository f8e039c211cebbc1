"""/mypledges and /report with more pledges than a page: every pledge of the organisation is reached a page at a
time, and /report lists the most overdue first over all of them. Before, /mypledges kept the newest 20 and /report
the oldest 50 (limited before it sorted by due date), saying nothing of the rest: with 71 pledges some were in
neither list."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from chat_driver import ChatDriver, button, codes
from sqlmodel import select

from bot.i18n import Rendered, Renderer
from handlers.conversation import Deps
from handlers.paging import SHOWN
from models.database import Database
from models.tables import Contact, Pledge
from models.values import PledgeStatus

FOCAL = 300
PLEDGES = 71
REF = re.compile(r"P2C-\d{4}-\d{5}")


def start_of(n: int) -> date:
    """Pledge n's start: the newer the pledge, the longer ago it started, so the most overdue are the newest."""
    return date(2025 - n // 4, 1, 1)


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A focal point whose organisation has PLEDGES validated pledges, none reported on."""
    driver = await ChatDriver(database, deps, renderer).with_focal_points(("en",), FOCAL)
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == FOCAL))).scalar_one()
        assert contact.entity_id is not None
        for n in range(1, PLEDGES + 1):
            uow.session.add(Pledge(ref=f"P2C-2020-{n:05d}", entity_id=contact.entity_id, title=f"Pledge number {n}",
                                   description="Schools.", focus_area="access", pillars=["infrastructure"],
                                   pledge_type="programmatic", countries=["SEN"], start_date=start_of(n),
                                   end_date=date(2030, 12, 31), status=PledgeStatus.validated,
                                   validated_at=datetime(2020, 1, 1, tzinfo=UTC), reporting_cadence="annual"))
        await uow.commit()
    return driver


async def pages(chat: ChatDriver, command: str) -> list[Rendered]:
    """Every page of a list, from the command's first through its ▸ buttons (one message each)."""
    person = chat.person(FOCAL)
    shown = await chat.send(person, command)
    found = list(shown)
    while len(shown) == 1 and any("▸" in label for row in shown[0].buttons for label, _ in row):
        shown = await chat.press(person, button(shown[0], "▸"))
        found += shown
    return found


async def test_mypledges_reaches_every_pledge_a_page_at_a_time(chat: ChatDriver) -> None:
    found = await pages(chat, "/mypledges")
    assert len(found) == -(-PLEDGES // SHOWN)
    assert "… and 61 more." in found[0].text
    assert "These are numbers 11 to 20 of 71 pledges, the newest first." in found[1].text
    refs = [ref for page in found for ref in REF.findall(page.text)]
    assert refs == [f"P2C-2020-{n:05d}" for n in range(PLEDGES, 0, -1)]  # newest first, each once
    assert "mp:list" in codes(found[-1]) and "more." not in found[-1].text


async def test_report_lists_every_pledge_the_most_overdue_first(chat: ChatDriver) -> None:
    found = await pages(chat, "/report")
    refs = [ref for page in found for ref in REF.findall(page.text)]
    assert sorted(refs) == sorted(f"P2C-2020-{n:05d}" for n in range(1, PLEDGES + 1)) and len(set(refs)) == PLEDGES
    starts = [start_of(int(ref[-5:])) for ref in refs]
    assert starts == sorted(starts)  # the longest overdue first, over all the pledges: the newest lead
    assert "P2C-2020-00071" in found[0].text and "… and 61 more." in found[0].text
    assert "This is number 71 of 71 pledges, the most overdue first." in found[-1].text
    assert codes(found[-1])[-1] == "rp:list"
    assert len(await chat.press(chat.person(FOCAL), "rp:list")) == 1


async def test_a_page_after_the_last_says_so_and_goes_back(chat: ChatDriver) -> None:
    person = chat.person(FOCAL)
    async with chat.database.uow() as uow:
        oldest = min((await uow.session.execute(select(Pledge.id))).scalars())
    answer = await chat.press(person, f"mp:after:{oldest}")
    assert "No more pledges after those" in answer[0].text and codes(answer[0]) == ["mp:list"]
    answer = await chat.press(person, f"rp:after:{oldest}:{date.max.toordinal() * 2}")
    assert "No more pledges to report on" in answer[0].text and codes(answer[0]) == ["rp:list"]
