"""/pending a page at a time: past the oldest eight of a kind, a button shows the next ones, read afresh on each
press (the ones decided meanwhile drop out, none is skipped); staff only; a bad page button crashes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from chat_driver import ChatDriver, button, codes
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.pending import SHOWN
from models.clock import utcnow
from models.database import Database
from models.repositories.waiting import Waiting
from models.tables import AuditLog, Entity, Pledge, ProgressReport
from models.values import EntityStatus, PledgeStatus

STAFF, STRANGER = 9411, 9412
REFS = [f"P2C-2026-{n:05d}" for n in range(101, 121)]
"""Twenty submitted pledges, oldest submitted first."""
ORGS = [f"Waiting Org {n:02d}" for n in range(1, 11)]
"""Ten organisations waiting for validation, oldest first."""


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


def pledge(ref: str, entity_id: int, status: str = PledgeStatus.submitted, **kw: object) -> Pledge:
    return Pledge(ref=ref, entity_id=entity_id, title=f"Title of {ref}", description="Connect rural schools.",
                  focus_area="access", pledge_type="programmatic", status=status, **kw)


async def waiting_records(database: Database) -> dict[str, int]:
    """REFS submitted and ORGS pending (each added newest first, so that id order is not age order), and nine
    reports waiting, all sent at the same moment (their order is their ids')."""
    now = utcnow()
    async with database.uow() as uow:
        ministry = Entity(name="Ministry of ICT", name_key="ministry of ict", sector="government",
                          status=EntityStatus.validated)
        uow.session.add(ministry)
        await uow.session.flush()
        assert ministry.id is not None
        orgs = {name: Entity(name=name, name_key=name.lower(), sector="other", created_at=now - timedelta(days=20 - n))
                for n, name in enumerate(ORGS)}
        pledges = {ref: pledge(ref, ministry.id, submitted_at=now - timedelta(days=30 - n))
                   for n, ref in enumerate(REFS)}
        for record in [*reversed(orgs.values()), *reversed(pledges.values())]:
            uow.session.add(record)
            await uow.session.flush()
        validated = [pledge(f"P2C-2026-{n:05d}", ministry.id, PledgeStatus.validated) for n in range(201, 210)]
        uow.session.add_all(validated)
        await uow.session.flush()
        reports = [ProgressReport(pledge_id=p.id or 0, period="2025", status="in_progress", steps_taken="Steps.",
                                  created_at=now - timedelta(days=3)) for p in validated]
        uow.session.add_all(reports)
        await uow.session.flush()
        ids = {**{k: v.id for k, v in orgs.items()}, **{k: v.id for k, v in pledges.items()},
               **{f"report {n}": r.id for n, r in enumerate(sorted(reports, key=lambda r: r.id or 0), 1)}}
        await uow.commit()
    return {key: int(value or 0) for key, value in ids.items()}


def listed(text: str, names: list[str]) -> list[str]:
    """The names of `names` that a message shows, in the order given."""
    return [name for name in names if name in text]


async def test_staff_page_through_each_kind_oldest_first(chat: ChatDriver, database: Database) -> None:
    ids = await waiting_records(database)
    bea = chat.person(STAFF, "Bea")
    first = (await chat.send(bea, "/pending"))[0]
    assert "20 pledges wait" in first.text and "… and 12 more." in first.text
    assert listed(first.text, REFS) == REFS[:SHOWN]
    assert button(first, "Next 8 pledges") == f"pn:pl:after:{ids[REFS[7]]}"
    second = (await chat.press(bea, button(first, "Next 8 pledges")))[0]
    assert listed(second.text, REFS) == REFS[8:16] and listed(second.text, ORGS) == []
    assert "20 pledges wait" in second.text and "numbers 9 to 16" in second.text and "… and 4 more." in second.text
    assert codes(second)[:SHOWN] == [f"pn:pl:{ids[ref]}" for ref in REFS[8:16]]
    last = (await chat.press(bea, button(second, "Next 4 pledges")))[0]
    assert listed(last.text, REFS) == REFS[16:] and "numbers 17 to 20" in last.text and "more" not in last.text
    assert codes(last) == [*(f"pn:pl:{ids[ref]}" for ref in REFS[16:]), "pn:list"], "no next button on the last"
    back = (await chat.press(bea, button(last, "Back to the oldest")))[0]
    assert listed(back.text, REFS) == REFS[:SHOWN] and "Next 8 pledges" in str(back.buttons)

    organisations = (await chat.press(bea, button(first, "Next 2 organisations")))[0]
    assert listed(organisations.text, ORGS) == ORGS[8:] and "10 organisations wait" in organisations.text
    assert codes(organisations) == [f"pn:ent:{ids[ORGS[8]]}", f"pn:ent:{ids[ORGS[9]]}", "pn:list"]
    reports = (await chat.press(bea, button(first, "Next 1 report")))[0]
    assert "9 progress reports wait" in reports.text and "numbers 9 to 9" in reports.text
    assert codes(reports) == [f"pn:rs:{ids['report 9']}", "pn:list"]


async def test_a_pledge_decided_between_pages_drops_out_and_none_is_skipped(chat: ChatDriver,
                                                                            database: Database) -> None:
    ids = await waiting_records(database)
    bea = chat.person(STAFF, "Bea")
    following = button((await chat.send(bea, "/pending"))[0], "Next 8 pledges")
    await chat.press(bea, f"pv:ok:{ids[REFS[2]]}:1")  # one of the first page
    await chat.press(bea, f"pv:ok:{ids[REFS[9]]}:1")  # one of the next page
    second = (await chat.press(bea, following))[0]
    assert listed(second.text, REFS) == [REFS[8], *REFS[10:17]], "from the 9th on: a row number would skip it"
    assert "18 pledges wait" in second.text and "numbers 8 to 15" in second.text and "… and 3 more." in second.text


async def test_past_the_last_one_nothing_more_waits(chat: ChatDriver, database: Database) -> None:
    ids = await waiting_records(database)
    answer = (await chat.press(chat.person(STAFF, "Bea"), f"pn:pl:after:{ids[REFS[-1]]}"))[0]
    assert "Nothing more of that kind waits" in answer.text and codes(answer) == ["pn:list"]


async def test_a_page_button_of_a_record_that_does_not_exist_shows_the_oldest(chat: ChatDriver,
                                                                              database: Database) -> None:
    await waiting_records(database)
    answer = (await chat.press(chat.person(STAFF, "Bea"), "pn:pl:after:2147483647"))[0]
    assert listed(answer.text, REFS) == REFS[:SHOWN] and "Next 8 pledges" in str(answer.buttons)


async def test_page_buttons_are_for_staff_only(chat: ChatDriver, database: Database) -> None:
    await waiting_records(database)
    following = button((await chat.send(chat.person(STAFF, "Bea"), "/pending"))[0], "Next 8 pledges")
    stranger = chat.person(STRANGER)
    for code in (following, "pn:list", "pn:ent:after:1", "pn:rs:after:1"):
        answers = await chat.press(stranger, code)
        assert len(answers) == 1 and answers[0].text.startswith("Sorry, you are not allowed to do that."), code
    async with database.uow() as uow:
        denied = (await uow.session.execute(select(AuditLog).where(col(AuditLog.action) == "denied")
                                            .order_by(col(AuditLog.id)))).scalars().all()
    assert [row.details.get("attempted") for row in denied[-4:]] == ["pending.list"] * 4


async def test_a_malformed_page_button_is_refused_as_no_longer_valid(chat: ChatDriver, database: Database) -> None:
    await waiting_records(database)
    bea = chat.person(STAFF, "Bea")
    following = button((await chat.send(bea, "/pending"))[0], "Next 8 pledges")
    for code in (following + "0" * 12, following.replace("after:", "after:0"), following.replace("after:", "after:-"),
                 following + ":1", following.replace(":pl:", ":zz:"), "pn:pl:after:", "pn:pl:after:١٢",
                 "pn:list:1", "pn:pl:after:0", "pn:pl:after:2147483648", "pn:pl:after:999999999999"):
        answers = await chat.press(bea, code)
        assert [a.text for a in answers] == ["That button is no longer valid."], code


async def test_pages_of_the_repository_cover_every_waiting_record_once(database: Database) -> None:
    """Walking the pages, ties of moment and a pledge without a submission moment included, lists each once."""
    now = utcnow()
    async with database.uow() as uow:
        entity = Entity(name="Ministry", name_key="ministry", sector="government", status=EntityStatus.validated)
        uow.session.add(entity)
        await uow.session.flush()
        assert entity.id is not None
        moments = [now - timedelta(days=n % 3) for n in range(7)] + [None]
        uow.session.add_all([pledge(f"P2C-2026-{n:05d}", entity.id, submitted_at=at) for n, at in enumerate(moments)])
        await uow.commit()
    async with database.uow() as uow:
        waiting = Waiting(uow.session)
        whole = [p.id for p, _ in (await waiting.pledges(100)).oldest]
        walked: list[int | None] = []
        after: int | None = None
        while page := (await waiting.pledges(3, after)).oldest:
            walked += [p.id for p, _ in page]
            after = page[-1][0].id
    assert walked == whole and len(set(walked)) == 8
    assert whole[0] == max(whole), "the pledge without a submission moment comes first"
