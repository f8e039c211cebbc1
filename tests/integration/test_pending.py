"""/pending (issue 14, item 11): staff see what waits for them, oldest first, counted in each language's plural
forms, within one message; each line opens the notification again with its buttons."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from chat_driver import ChatDriver, codes

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.lengths import TEXT_LIMIT, visible_length
from handlers.pending import SHOWN, pending_reply
from models.clock import utcnow
from models.database import Database
from models.repositories.waiting import Oldest
from models.tables import Entity, Pledge, ProgressReport
from models.values import LANGUAGES, EntityStatus, PledgeStatus

STAFF, STRANGER = 9401, 9402


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def waiting_records(database: Database) -> dict[str, int]:
    """Two pending organisations, three submitted pledges (the newest first in id order), one report waiting."""
    now = utcnow()
    async with database.uow() as uow:
        validated = Entity(name="Ministry of ICT", name_key="ministry of ict", sector="government",
                           status=EntityStatus.validated)
        older = Entity(name="Older Org", name_key="older org", sector="other", created_at=now - timedelta(days=9))
        newer = Entity(name="Newer Org", name_key="newer org", sector="other", created_at=now - timedelta(days=2))
        uow.session.add_all([validated, newer, older])
        await uow.session.flush()
        assert validated.id is not None
        pledges = [Pledge(ref=f"P2C-2026-0000{n}", entity_id=validated.id, title=f"Pledge {n}",
                          description="Connect rural schools to broadband.", focus_area="access",
                          pledge_type="programmatic", status=PledgeStatus.submitted,
                          submitted_at=now - timedelta(days=days)) for n, days in ((1, 1), (2, 20), (3, 5))]
        done = Pledge(ref="P2C-2026-00004", entity_id=validated.id, title="Pledge 4", description="Validated.",
                      focus_area="access", pledge_type="programmatic", status=PledgeStatus.validated)
        uow.session.add_all([*pledges, done])
        await uow.session.flush()
        assert done.id is not None
        report = ProgressReport(pledge_id=done.id, period="2025", status="in_progress",
                                steps_taken="We connected 120 schools in Kolda.")
        uow.session.add(report)
        await uow.session.flush()
        ids = {"older": older.id, "report": report.id, **{p.ref or "": p.id for p in pledges}}
        await uow.commit()
    return {key: int(value or 0) for key, value in ids.items()}


async def test_staff_see_what_waits_oldest_first_and_open_it_again(chat: ChatDriver, database: Database) -> None:
    ids = await waiting_records(database)
    answer = (await chat.send(chat.person(STAFF, "Bea"), "/pending"))[0]
    body = answer.text
    assert "2 organisations wait for validation" in body and "3 pledges wait for a decision" in body
    assert "1 progress report waits for acknowledgement" in body
    assert body.index("Older Org") < body.index("Newer Org")
    assert body.index("00002") < body.index("00003") < body.index("00001")  # oldest submitted first
    assert codes(answer)[:2] == [f"pn:ent:{ids['older']}", f"pn:ent:{ids['older'] + 1}"] or \
        codes(answer)[0] == f"pn:ent:{ids['older']}"
    opened = await chat.press(chat.person(STAFF, "Bea"), f"pn:pl:{ids['P2C-2026-00002']}")
    assert f"pv:ok:{ids['P2C-2026-00002']}:1" in codes(opened[0])
    report = await chat.press(chat.person(STAFF, "Bea"), f"pn:rs:{ids['report']}")
    assert f"rs:ack:{ids['report']}:1" in codes(report[0])
    await chat.press(chat.person(STAFF, "Bea"), f"pv:ok:{ids['P2C-2026-00002']}:1")
    again = await chat.press(chat.person(STAFF, "Bea"), f"pn:pl:{ids['P2C-2026-00002']}")
    assert "decided already" in again[0].text
    assert "2 pledges wait" in (await chat.send(chat.person(STAFF, "Bea"), "/pending"))[0].text


async def test_pending_is_for_staff_only(chat: ChatDriver, database: Database) -> None:
    ids = await waiting_records(database)
    stranger = chat.person(STRANGER)
    assert "not allowed" in (await chat.send(stranger, "/pending"))[-1].text
    assert "not allowed" in (await chat.press(stranger, f"pn:pl:{ids['P2C-2026-00001']}"))[-1].text


async def test_nothing_waiting_is_said_plainly(chat: ChatDriver) -> None:
    assert "Nothing waits" in (await chat.send(chat.person(STAFF, "Bea"), "/pending"))[0].text


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_the_longest_pending_list_fits_one_message(renderer: Renderer, locale: str) -> None:
    name = "Organisation " + "W" * 187
    entities = [Entity(id=n, name=name, name_key=str(n), sector="other", created_at=datetime(2026, 1, 1))
                for n in range(1, SHOWN + 1)]
    pledges = [(Pledge(id=n, ref=f"P2C-2026-{n:05d}", entity_id=n, title="T" * 200, description="", focus_area="",
                       pledge_type="", submitted_at=datetime(2026, 1, 1)), entities[0]) for n in range(1, SHOWN + 1)]
    reports = [(ProgressReport(id=n, pledge_id=n, period="2026-Q3", status="", steps_taken="",
                               created_at=datetime(2026, 1, 1)), pledges[0][0]) for n in range(1, SHOWN + 1)]
    message = pending_reply(Oldest(12_345, entities), Oldest(23_456, pledges), Oldest(1_001, reports))
    rendered = renderer.reply(message, locale)
    assert visible_length(rendered.text) <= TEXT_LIMIT
    assert "…" not in rendered.text[-5:]  # not cut by the renderer's last resort
    assert len(rendered.buttons) == 3 * SHOWN + 3  # a button per record, and one per kind for its next ones
    assert [row[0][1] for row in rendered.buttons[SHOWN::SHOWN + 1]] == \
        ["pn:ent:after:8", "pn:pl:after:8", "pn:rs:after:8"]


@pytest.mark.parametrize(("locale", "count", "expected"), [
    ("en", 1, "1 pledge waits"), ("fr", 1, "1 engagement attend"), ("fr", 2, "2 engagements attendent"),
    ("ru", 1, "1 обязательство ожидает"), ("ru", 3, "3 обязательства ожидают"), ("ru", 5, "5 обязательств ожидают"),
])
def test_counts_use_each_languages_plural_forms(renderer: Renderer, locale: str, count: int, expected: str) -> None:
    pledges = [(Pledge(id=1, ref="P2C-2026-00001", entity_id=1, title="T", description="", focus_area="",
                       pledge_type="", submitted_at=datetime(2026, 1, 1)), Entity(id=1, name="E", name_key="e",
                                                                                   sector="other"))]
    message = pending_reply(Oldest(0, []), Oldest(count, pledges[:count]), Oldest(0, []))
    assert expected in renderer.reply(message, locale).text


