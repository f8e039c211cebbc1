"""What the digests take from reporting, on both backends: only current reports count (a replaced one is history),
overdue follows models.reporting, and the nudge button is a report reminder (working hours, one a day, holds)."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from chat_driver import ChatDriver
from sqlmodel import col, select
from test_digests import AFRICA, COORDINATOR, FOCAL_AFRICA, STAFF, _seed, chat  # noqa: F401 (the fixture)

from bot.i18n import Renderer
from handlers.digests.admin import export
from handlers.messages import Text, reply_from_json
from handlers.report_reminders import NUDGE_INTRO, nudge, plan_report_reminders, reminder_waiting
from models.clock import utcnow
from models.database import Database
from models.reminding import where_reporting_stands
from models.reporting import (
    cadence_change,
    due_date,
    latest_due_periods,
    next_report,
    owed_periods,
    period_start,
    previous_period,
)
from models.repositories.digests import DigestFigures
from models.repositories.pledges import Pledges
from models.repositories.reminders import NOT_MINE, Reminders
from models.repositories.reports import Reports
from models.scope import EVERYTHING
from models.tables import Contact, Entity, Outbox, Pledge, ProgressReport

pytestmark = pytest.mark.usefixtures("autumn_2026")  # pledges started 400 days before today, reminders from 16 January

EXCEL_DAY_ZERO = date(1899, 12, 30)
"""The day an Excel day number counts from (the sheet's dates as the database hands them over)."""


async def _report(database: Database, pledge_id: int, period: str, percent: int, *, replacing: int | None = None,
                  at: datetime | None = None) -> int:
    async with database.uow() as uow:
        report = ProgressReport(pledge_id=pledge_id, period=period, status="in_progress", percent_complete=percent,
                                value_disbursed_usd=Decimal(percent * 1000), steps_taken="s" * 30,
                                created_at=at or utcnow())
        await Reports(uow.session).add(report, replacing)
        await uow.commit()
        assert report.id is not None
        return report.id


async def test_the_last_report_is_the_current_one_of_the_latest_period(database: Database) -> None:
    ids = await _seed(database)
    due = latest_due_periods(utcnow().date())["annual"]
    older = previous_period(due, "annual")
    first = await _report(database, ids["p2"], older, 10, at=utcnow() - timedelta(days=300))
    await _report(database, ids["p2"], due, 60)
    await _report(database, ids["p2"], older, 20, replacing=first)  # a correction of the older period, made last
    content = await export("pledges", "xlsx", EVERYTHING, "en", database.uow(), lambda label, locale: "x")
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    pledges = {row[0]: row for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    # a status cell begins with a capital, as it stands alone; the period is in words ("x"), its code in the reports
    assert pledges["P2C-2025-00002"][20:23] == ("X", "X", 60)
    async with database.uow() as uow:
        pledge = await Pledges(uow.session).get(ids["p2"])
    assert pledge is not None and pledge.validated_at is not None and pledge.start_date is not None
    assert pledges["P2C-2025-00002"][16] == datetime.combine(pledge.start_date, datetime.min.time())
    assert pledges["P2C-2025-00002"][19] == datetime.combine(pledge.validated_at.astimezone(UTC).date(),
                                                             datetime.min.time())  # the UTC day, as a date
    reports = [row for row in book.worksheets[1].iter_rows(min_row=2, values_only=True) if row[0] == "P2C-2025-00002"]
    assert sorted((row[3], row[5]) for row in reports) == sorted([(older, 20), (due, 60)])  # the replaced one is not
    csv = (await export("pledges", "csv", EVERYTHING, "en", database.uow(), lambda label, locale: "x")).decode()
    line = next(line for line in csv.splitlines() if line.startswith("P2C-2025-00002"))
    assert ",X,X,60," in line


async def test_a_replaced_report_alone_does_not_count(database: Database) -> None:
    ids = await _seed(database)
    now = utcnow()
    async with database.uow() as uow:  # history without its replacement (as an import could leave it)
        uow.session.add(ProgressReport(pledge_id=ids["p2"], period=latest_due_periods(now.date())["annual"],
                                       status="completed", percent_complete=100, steps_taken="s" * 30,
                                       created_at=now, is_current=False))
        await uow.commit()
        figures = await DigestFigures(uow.session).figures(AFRICA, now - timedelta(days=7),
                                                           latest_due_periods(now.date()))
    assert (figures.due, figures.reported) == (2, 1) and [o.pledge_id for o in figures.overdue] == [ids["p2"]]
    assert figures.changes["reports"] == 1  # the current report of pledge 1 only


async def test_halves_reported_cover_the_year(database: Database) -> None:
    ids = await _seed(database)
    now = utcnow()
    year = latest_due_periods(now.date())["annual"]
    for half in ("H1", "H2"):
        await _report(database, ids["p2"], f"{year}-{half}", 50)
    async with database.uow() as uow:
        figures = await DigestFigures(uow.session).figures(AFRICA, now, latest_due_periods(now.date()))
    assert (figures.due, figures.reported, figures.overdue_total) == (2, 2, 0)


async def _overdue_after_change(database: Database, pledge_id: int, cadence: str, previous: str | None,
                                since: date | None, reported: tuple[str, ...]) -> list[tuple[int, str]]:
    """The digest's overdue pledges on 1 December 2026 (with their periods) once a pledge started in 2024 has these
    cadences and reports."""
    async with database.uow() as uow:
        pledge = await Pledges(uow.session).get(pledge_id)
        assert pledge is not None
        pledge.start_date, pledge.reporting_cadence = date(2024, 1, 1), cadence
        pledge.previous_cadence, pledge.cadence_since = previous, since
        await uow.commit()
    for period in reported:
        await _report(database, pledge_id, period, 50)
    async with database.uow() as uow:
        figures = await DigestFigures(uow.session).figures(AFRICA, utcnow(), latest_due_periods(date(2026, 12, 1)))
    return [(o.pledge_id, o.period) for o in figures.overdue]


async def test_made_quarterly_in_december_the_year_is_still_due_as_a_year(database: Database) -> None:
    """models.reporting.cadence_change keeps the periods before the change in the previous cadence: the digest
    asks for 2025 as a year (reported), not for 2026-Q3 (never asked for: 2026 is still due as a year)."""
    ids = await _seed(database)
    overdue = await _overdue_after_change(database, ids["p2"], "quarterly", "annual", date(2027, 1, 1),
                                          ("2024", "2025"))
    assert ids["p2"] not in [pledge for pledge, _ in overdue]


async def test_made_quarterly_from_the_start_the_quarter_is_overdue(database: Database) -> None:
    ids = await _seed(database)
    overdue = await _overdue_after_change(database, ids["p2"], "quarterly", None, None, ("2025",))
    assert (ids["p2"], "2026-Q3") in overdue


async def test_made_annual_the_quarters_reported_cover_the_year(database: Database) -> None:
    ids = await _seed(database)
    quarters = ("2024", "2025-Q1", "2025-Q2", "2025-Q3")  # 2024 reported as a year covers its quarters
    overdue = await _overdue_after_change(database, ids["p2"], "annual", "quarterly", date(2026, 1, 1), quarters)
    assert (ids["p2"], "2025-Q4") in overdue  # quarterly before 2026, as the reminders ask for it
    await _report(database, ids["p2"], "2025-Q4", 60)
    async with database.uow() as uow:
        figures = await DigestFigures(uow.session).figures(AFRICA, utcnow(), latest_due_periods(date(2026, 12, 1)))
    assert ids["p2"] not in [o.pledge_id for o in figures.overdue]


async def test_made_annual_in_january_the_rate_counts_the_quarters_still_owed(database: Database) -> None:
    """A tester's digest said "no pledge has a report due yet" above a pledge overdue for the second quarter: made
    annual from 2027 on 16 January, its latest period due is 2026's third quarter (quarterly until then), not the
    year 2025 (reported), which the annual cadence alone would name."""
    ids = await _seed(database)
    await _overdue_after_change(database, ids["p2"], "annual", "quarterly", date(2027, 1, 1),
                                ("2024", "2025", "2026-Q1"))
    due = latest_due_periods(date(2027, 1, 16))

    async def figures() -> tuple[int, int, list[tuple[int, str]]]:
        async with database.uow() as uow:
            found = await DigestFigures(uow.session).figures(AFRICA, utcnow(), due)
        return found.due, found.reported, [(o.pledge_id, o.period) for o in found.overdue]

    assert await figures() == (2, 1, [(ids["p2"], "2026-Q3")])  # pledge 1 reported its year 2025
    await _report(database, ids["p2"], "2026-Q2", 30)
    await _report(database, ids["p2"], "2026-Q3", 40)
    assert await figures() == (2, 2, [])


async def test_a_pledge_begun_in_may_is_covered_for_its_year_by_its_quarters(database: Database) -> None:
    """Coverage counts from the pledge's first day, as models.reporting.is_covered does for the reminders: an annual
    pledge begun in May 2025 and reported for Q2, Q3 and Q4 is not overdue for 2025."""
    ids = await _seed(database)
    async with database.uow() as uow:
        pledge = await Pledges(uow.session).get(ids["p2"])
        assert pledge is not None
        pledge.start_date, pledge.reporting_cadence = date(2025, 5, 1), "annual"
        await uow.commit()
    for quarter in ("2025-Q2", "2025-Q3"):
        await _report(database, ids["p2"], quarter, 50)

    async def overdue() -> list[int]:
        async with database.uow() as uow:
            figures = await DigestFigures(uow.session).figures(AFRICA, utcnow(),
                                                               latest_due_periods(date(2026, 12, 1)))
        return [o.pledge_id for o in figures.overdue]

    assert ids["p2"] in await overdue()  # Q4 is missing
    await _report(database, ids["p2"], "2025-Q4", 60)
    assert ids["p2"] not in await overdue()


async def test_the_last_report_is_the_latest_period_by_its_dates(database: Database, renderer: Renderer) -> None:
    """A year ends after its third quarter, though "2025-Q3" sorts after "2025" by name (a cadence change)."""
    ids = await _seed(database)
    await _report(database, ids["p2"], "2025", 70, at=utcnow() - timedelta(days=2))
    await _report(database, ids["p2"], "2025-Q3", 40)
    content = await export("pledges", "xlsx", EVERYTHING, "en", database.uow(),
                           lambda label, locale: renderer.label(label, locale, markup=False))
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    pledges = {row[0]: row for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert pledges["P2C-2025-00002"][20:23] == ("2025", "In progress", 70)  # not "July–September 2025"


async def _rows(database: Database, prefix: str) -> list[Outbox]:
    async with database.uow() as uow:
        return list((await uow.session.execute(select(Outbox).where(col(Outbox.key).like(f"{prefix}%"))
                                               .order_by(col(Outbox.id)))).scalars())


async def _focal(database: Database) -> Contact:
    async with database.uow() as uow:
        return (await uow.session.execute(select(Contact).where(Contact.telegram_id == FOCAL_AFRICA))).scalar_one()


async def test_a_nudge_is_the_days_reminder_of_its_focal_point(chat: ChatDriver, database: Database) -> None:  # noqa: F811
    ids = await _seed(database)
    await chat.send(chat.person(STAFF), f"/scope {COORDINATOR} region africa")
    assert len(await chat.collect(COORDINATOR)) == 1  # told of the new scope
    coordinator = chat.person(COORDINATOR, "Ivan", "ru")
    refused = await chat.press(coordinator, f"dg:nudge:{ids['p5']}")  # a CIS pledge: out of scope
    assert "не входит в число обязательств" in refused[0].text and "напоминание не отправлено" in refused[0].text, \
        refused[0].text
    forged = await chat.press(coordinator, f"dg:nudge:{ids['p6']}")  # withdrawn: in no digest, not to be named
    assert len(forged) == 1 and "P2C-2025-00006" not in forged[0].text and "не входит" not in forged[0].text, \
        forged[0].text
    answer = await chat.press(coordinator, f"dg:nudge:{ids['p2']}")
    focal = await _focal(database)
    rows = await _rows(database, "rm:")
    assert [row.key.rsplit(":", 1)[0] for row in rows] == [f"rm:{focal.id}"] and "P2C-2025-00002" in answer[0].text
    message = reply_from_json(rows[0].payload["reply"])
    assert message.parts[0] == Text(NUDGE_INTRO)
    assert rows[0].payload["reminder"]["items"][0][0] == ids["p2"]
    again = await chat.press(coordinator, f"dg:nudge:{ids['p2']}")
    assert len(await _rows(database, "rm:")) == 1 and "уже" in again[0].text
    planned = await plan_report_reminders(database.uow(), utcnow())
    # the day's reminder of the focal point went as the nudge: the plan adds only the coordinators' escalation of
    # a pledge overdue for weeks (issue 15)
    assert planned == len(await _rows(database, "esc:"))
    assert len(await _rows(database, "rm:")) == 1
    await _report(database, ids["p2"], latest_due_periods(utcnow().date())["annual"], 30)
    later = await chat.press(coordinator, f"dg:nudge:{ids['p2']}")
    assert "P2C-2025-00002" in later[0].text and len(await _rows(database, "rm:")) == 1


async def test_a_nudge_waits_for_working_hours_and_respects_not_mine(chat: ChatDriver,  # noqa: F811
                                                                      database: Database) -> None:
    ids = await _seed(database)
    focal = await _focal(database)
    today = utcnow()
    saturday = (today + timedelta(days=5 - today.weekday() + 7)).replace(hour=3, minute=0, second=0, microsecond=0)
    async with database.uow() as uow:
        target = await Pledges(uow.session).get(ids["p2"])
        assert target is not None
        done = await nudge(Reminders(uow.session), target, saturday)
        await uow.commit()
    assert done.sent == 1
    (row,) = await _rows(database, "rm:")
    monday = (saturday + timedelta(days=2)).replace(hour=9)  # Dakar is on UTC
    assert row.not_before.astimezone(UTC) == monday and row.key == f"rm:{focal.id}:{monday.date().isoformat()}"
    async with database.uow() as uow:
        await Reminders(uow.session).hold(focal.id or 0, ids["p2"], NOT_MINE, None, saturday)
        target = await Pledges(uow.session).get(ids["p2"])
        assert target is not None
        assert (await nudge(Reminders(uow.session), target, saturday + timedelta(days=7))).sent == 0


async def test_the_digest_owes_what_the_reminders_ask_for(database: Database) -> None:
    """The digest's SQL and models.reporting (the reminders' rule) agree on which pledges owe a report and which
    periods, over 300 pledges of random starts, ends, cadences, cadence changes and reports of any cadence. Before,
    a pledge with its latest period reported and an earlier one not was reminded of the earlier one and left out of
    the digest's overdue list."""
    chance = random.Random(88)
    today = date(2026, 12, 1)
    parts = ("", "-H1", "-H2", "-Q1", "-Q2", "-Q3", "-Q4")
    cadences = ("annual", "semi_annual", "quarterly")
    async with database.uow() as uow:
        entity = Entity(name="Random", name_key="random", sector="government", country_iso3="SEN",
                        status="validated", created_at=utcnow())
        uow.session.add(entity)
        await uow.flush()
        assert entity.id is not None
        made: list[Pledge] = []
        for n in range(300):
            start = date(2021, 1, 1) + timedelta(days=chance.randrange(6 * 365))
            shape = Pledge(ref=f"P2C-2026-{n:05d}", entity_id=entity.id, title=f"Random {n}", description="d" * 30,
                           focus_area="access", pillars=["infrastructure"], pledge_type="policy",
                           countries=["SEN"], itu_regions=["africa"], status="validated", start_date=start,
                           end_date=chance.choice([None, start + timedelta(days=chance.randrange(60, 2000))]),
                           reporting_cadence=chance.choice(cadences), created_at=utcnow())
            if chance.random() < 0.4:
                change = cadence_change(shape, chance.choice(cadences),
                                        start + timedelta(days=chance.randrange(0, 1500)))
                shape.reporting_cadence, shape.previous_cadence = change.cadence, change.previous
                shape.cadence_since = change.since
            uow.session.add(shape)
            made.append(shape)
        await uow.flush()
        reported: dict[int, set[str]] = {}
        for pledge in made:
            assert pledge.id is not None
            periods = {f"{chance.randrange(2020, 2028)}{chance.choice(parts)}" for _ in range(chance.randrange(8))}
            reported[pledge.id] = periods
            uow.session.add_all([ProgressReport(pledge_id=pledge.id, period=period, status="in_progress",
                                                steps_taken="s" * 30, created_at=utcnow()) for period in periods])
        await uow.commit()
    due = latest_due_periods(today)
    async with database.uow() as uow:
        figures = await DigestFigures(uow.session).figures(EVERYTHING, utcnow(), due, overdue_limit=1000)
    expected = {}
    for pledge in made:
        assert pledge.id is not None
        owed = owed_periods(pledge, reported[pledge.id], due)
        upcoming = next_report(pledge, reported[pledge.id], today)
        assert upcoming is not None and bool(owed) == upcoming.overdue
        if owed:
            expected[pledge.id] = (owed[0], owed[-1], len(owed))
    assert 60 < len(expected) < 290  # the draw owes some and not others
    assert figures.overdue_total == len(expected)
    assert {o.pledge_id: (o.first_period, o.period, o.owed) for o in figures.overdue} == expected
    async with database.uow() as uow:  # the spreadsheet says since when each of them is overdue, and only them
        sheet = [row async for rows in DigestFigures(uow.session).pledge_rows(EVERYTHING, due) for row in rows]
    by_ref = {pledge.ref: pledge.id for pledge in made}
    since = {by_ref[row[0]]: EXCEL_DAY_ZERO + timedelta(days=row[-1]) for row in sheet if row[-1] is not None}
    assert since == {pledge: due_date(first) for pledge, (first, _, _) in expected.items()}


async def test_pledges_begun_after_every_period_due_owe_nothing(database: Database) -> None:
    ids = await _seed(database)
    async with database.uow() as uow:
        for key in ("p1", "p2", "p5"):
            pledge = await Pledges(uow.session).get(ids[key])
            assert pledge is not None
            pledge.start_date, pledge.reporting_cadence = date(2026, 11, 1), "quarterly"
        await uow.commit()
    async with database.uow() as uow:
        figures = await DigestFigures(uow.session).figures(EVERYTHING, utcnow(), latest_due_periods(date(2026, 12, 1)))
    assert (figures.overdue_total, figures.overdue) == (0, [])


async def test_the_overdue_pledges_a_nudge_reaches_come_first(database: Database) -> None:
    """Regression (k_loop #1): the list, cut at a few lines, was ordered by value alone; pledges of organisations
    without a focal point filled it, with no Nudge button, and the pledge a coordinator had just been warned about
    (its focal points reminded in vain) was left out."""
    ids = await _seed(database)
    async with database.uow() as uow:
        unfollowed = Entity(name="Nobody follows", name_key="nobody follows", sector="government",
                            country_iso3="SEN", status="validated", created_at=utcnow())
        uow.session.add(unfollowed)
        await uow.flush()
        assert unfollowed.id is not None
        start = period_start(previous_period(latest_due_periods(utcnow().date())["annual"], "annual"))
        for n in range(12):
            uow.session.add(Pledge(ref=f"P2C-2026-{n:05d}", entity_id=unfollowed.id, title=f"Big {n}",
                                   description="d" * 30, focus_area="access", pillars=["infrastructure"],
                                   pledge_type="financial", value_usd=Decimal(10**9 + n), countries=["SEN"],
                                   itu_regions=["africa"], status="validated", start_date=start,
                                   created_at=utcnow()))
        await uow.commit()
    async with database.uow() as uow:
        figures = await DigestFigures(uow.session).figures(AFRICA, utcnow(), latest_due_periods(utcnow().date()),
                                                           overdue_limit=5)
    assert figures.overdue_total == 13
    assert figures.overdue[0].pledge_id == ids["p2"] and figures.overdue[0].focal_point == "Awa Diop"
    assert [o.focal_point_id is None for o in figures.overdue] == [False, True, True, True, True]
    assert [o.title for o in figures.overdue[1:]] == ["Big 11", "Big 10", "Big 9", "Big 8"]  # then by value


async def test_an_overdue_line_counts_the_reports_owed_as_the_reminder_does(database: Database) -> None:
    """Review s26 #1: in the 14 days before a period falls due its reminders have begun and count it; the digest
    counted only the periods past due. An annual pledge from 2024 with nothing reported, on 20 January 2027: the
    reminder says "2024 … and 2 more reports after it" (2025, and 2026 due on 30 January), and so does the digest."""
    ids = await _seed(database)
    async with database.uow() as uow:
        pledge = await Pledges(uow.session).get(ids["p2"])
        assert pledge is not None
        pledge.start_date, pledge.end_date, pledge.reporting_cadence = date(2024, 1, 1), None, "annual"
        await uow.commit()
    today = date(2027, 1, 20)
    async with database.uow() as uow:
        figures = await DigestFigures(uow.session).figures(AFRICA, utcnow(), latest_due_periods(today), today=today)
    line = next(o for o in figures.overdue if o.pledge_id == ids["p2"])
    assert (line.first_period, line.owed) == ("2024", 3)
    stands = where_reporting_stands(pledge, (), today)
    assert stands is not None and stands[1] is not None and stands[1].owed == 3  # the reminder's own count


async def test_a_nudge_never_adds_a_second_reminder_of_a_pledge_already_waiting(database: Database) -> None:
    """Demo tester: a reminder of the pledge waited for the person's working hours when a coordinator nudged it; the
    person, whose zone had changed meanwhile, got both at the same moment."""
    ids = await _seed(database)
    focal = await _focal(database)
    today = utcnow()
    thursday = (today + timedelta(days=3 - today.weekday() + 7)).replace(hour=12, minute=0, second=0, microsecond=0)
    async with database.uow() as uow:
        target = await Pledges(uow.session).get(ids["p2"])
        assert target is not None
        assert (await nudge(Reminders(uow.session), target, thursday)).sent == 1
        await uow.commit()
    async with database.uow() as uow:  # /settings: now on Kiritimati's clock, where it is Friday already
        person = await uow.session.get(Contact, focal.id)
        assert person is not None
        person.timezone = "Pacific/Kiritimati"
        await uow.commit()
    async with database.uow() as uow:
        target = await Pledges(uow.session).get(ids["p2"])
        assert target is not None
        assert (await nudge(Reminders(uow.session), target, thursday + timedelta(minutes=30))).sent == 0
        await uow.commit()
    assert [row.key for row in await _rows(database, "rm:")] == [f"rm:{focal.id}:{thursday.date().isoformat()}"]


async def test_a_nudge_adds_its_pledge_to_the_reminder_waiting_for_the_persons_hours(database: Database) -> None:
    """A second overdue pledge of the same focal point nudged while the first's reminder waits for their Monday: one
    message lists both (it answered "already has today's reminder", which did not name that pledge)."""
    ids = await _seed(database)
    focal = await _focal(database)
    async with database.uow() as uow:
        first = await Pledges(uow.session).get(ids["p2"])
        assert first is not None
        second = Pledge(**{**first.model_dump(exclude={"id"}), "ref": "P2C-2025-00098", "title": "Second pledge"})
        uow.session.add(second)
        await uow.commit()
        second_id = second.id
    today = utcnow()
    saturday = (today + timedelta(days=5 - today.weekday() + 7)).replace(hour=3, minute=0, second=0, microsecond=0)
    for pledge_id in (ids["p2"], second_id):
        async with database.uow() as uow:
            target = await Pledges(uow.session).get(pledge_id or 0)
            assert target is not None
            assert (await nudge(Reminders(uow.session), target, saturday)).sent == 1
            await uow.commit()
    (row,) = await _rows(database, "rm:")
    assert [item[0] for item in row.payload["reminder"]["items"]] == [ids["p2"], second_id]
    async with database.uow() as uow:  # a tester: a nudge then said "already has today's reminder", sent Monday
        target = await Pledges(uow.session).get(second_id or 0)
        assert target is not None and await reminder_waiting(Reminders(uow.session), target)
        sent = await uow.session.get(Outbox, row.id)
        assert sent is not None
        sent.status = "sent"
        await uow.flush()
        assert not await reminder_waiting(Reminders(uow.session), target)
    assert row.key.startswith(f"rm:{focal.id}:")
    message = reply_from_json(row.payload["reply"])
    assert message.parts[0] == Text(NUDGE_INTRO)
