"""Testers' findings on digests, on both backends: a digest held over the weekend went out beside the next one; a
scope's "Targeting LDCs, LLDCs and SIDS" counted groups of countries outside it; non-financial pledges were worth
"USD 0" in the breakdowns and the chart; the sheet listed shortcuts as countries, with the form's button emoji."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from chat_driver import ChatDriver
from sqlmodel import col, select
from test_digest_figures_review import _pledges as review_pledges

from bot.i18n import Renderer
from handlers.admin import GrantRole, RevokeRole, grant_role, revoke_role
from handlers.conversation import Deps
from handlers.digests.admin import set_scope
from handlers.digests.chart import has_chart, render_chart
from handlers.digests.jobs import _send_one, send_due_digests
from handlers.digests.schedule import latest_due
from handlers.digests.service import Made, export_xlsx
from handlers.forms.base import FormState
from handlers.messages import CountryName, Day, Label, Money, Text
from models.clock import TEST_CLOCK_ENV, move_test_clock_to, utcnow
from models.database import Database
from models.migrate import upgrade
from models.reporting import latest_due_periods
from models.repositories.digests import DigestFigures, Figures
from models.repositories.outbox import OutboxRows
from models.repositories.subscriptions import Files, Subscriptions
from models.scope import EVERYTHING, Scope, ScopeKind
from models.tables import Contact, DigestSubscription, Draft, Outbox
from models.values import Role

DAY = date(2026, 12, 7)
SUBMITTED = datetime(2026, 6, 1, tzinfo=UTC)
STAFF = 9300
EGYPT = Scope(ScopeKind.countries, ("EGY",))
CIS = Scope(ScopeKind.region, ("cis",))


async def _pledges(database: Database, places: list[tuple[list[str], str | None]], area: str = "access",
                   pillar: str = "infrastructure") -> None:
    """Validated pledges of one organisation, each (countries, value: None for a non-financial pledge)."""
    await review_pledges(database, [(countries, [], value) for countries, value in places], area, pillar)


async def _figures(database: Database, scope: Scope = EVERYTHING) -> Figures:
    async with database.uow() as uow:
        return await DigestFigures(uow.session, DAY).figures(scope, SUBMITTED, latest_due_periods(DAY), today=DAY)


# B: a digest held past the moment the next one falls due


def _monday_ahead() -> datetime:
    """09:00 UTC on a Monday more than a week ahead: the week before it is after the staff member became staff."""
    later = utcnow() + timedelta(days=8)
    return (later + timedelta(days=7 - later.weekday())).replace(hour=9, minute=0, second=0, microsecond=0)


async def _digests(chat: ChatDriver) -> list[str]:
    """The digest texts delivered to the staff member since the last look (delivery sends every row due)."""
    return [message.text for message in await chat.collect(STAFF) if "Partner2Connect digest" in message.text]


async def test_a_digest_held_over_the_weekend_does_not_go_out_beside_the_next_one(database: Database, deps: Deps,
                                                                                  renderer: Renderer) -> None:
    """Tester: Monday's digest, due on a Saturday at 10:00 (a clock moved on), was held for Monday 09:00, the moment
    the next one falls due; delivery sent it then, the digest job wrote the next one at 09:05, which found nothing
    to drop: two digests a second apart ("digest, Dec 12", "Since Dec 5"; "digest, Dec 14", "Since Dec 12")."""
    await _pledges(database, [(["SEN"], "1000")])
    chat = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    monday = _monday_ahead()
    saturday = monday - timedelta(days=2) + timedelta(hours=1)
    await send_due_digests(database.uow, saturday, deps.translate)
    delivered = await _digests(chat)  # delivery at Monday 09:00
    assert await send_due_digests(database.uow, monday + timedelta(minutes=30), deps.translate) == 1
    delivered += await _digests(chat)
    assert len(delivered) == 1, delivered
    assert renderer.label(Day(monday.date()), "en") in delivered[0]
    assert await send_due_digests(database.uow, monday + timedelta(hours=1), deps.translate) == 0


async def _friday_subscriber(database: Database, deps: Deps, renderer: Renderer, *, chosen_at: datetime
                             ) -> ChatDriver:
    """A pledge of the scope, and the staff member subscribed to a weekly digest on Friday at 17:00 (UTC), chosen
    at `chosen_at`."""
    await _pledges(database, [(["SEN"], "1000")])
    chat = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == STAFF))).scalar_one()
        uow.session.add(DigestSubscription(contact_id=contact.id or 0, cadence="weekly", weekday=4, hour=17,
                                           updated_at=chosen_at))
        await uow.commit()
    return chat


async def test_a_digest_held_over_the_weekend_and_not_superseded_goes_once(database: Database, deps: Deps,
                                                                            renderer: Renderer) -> None:
    """A digest due on Friday at 17:00 and written at 18:30 waits for Monday 09:00, before the next Friday's: it is
    written, with its chart and sheet, and goes once."""
    monday = _monday_ahead()
    chat = await _friday_subscriber(database, deps, renderer, chosen_at=utcnow())
    friday = monday - timedelta(days=3) + timedelta(hours=9, minutes=30)
    assert await send_due_digests(database.uow, friday, deps.translate) == 1
    assert await send_due_digests(database.uow, monday + timedelta(minutes=30), deps.translate) == 0
    async with database.uow() as uow:
        held = (await uow.session.execute(select(Outbox.not_before).where(col(Outbox.key).like("dg:%")))).all()
    assert len(held) == 3 and all(row.not_before.replace(tzinfo=None) == monday.replace(tzinfo=None) for row in held)
    assert len(await _digests(chat)) == 1


async def test_a_fridays_digest_missed_over_the_weekend_goes_on_monday(database: Database, deps: Deps,
                                                                        renderer: Renderer) -> None:
    """Tester: a digest set for Friday 17:00, the bot down (the clock moved) from Friday morning to Monday, never
    came: the job looked at Monday's week only, whose Friday had not come. Last week's is written on Monday, once,
    and this week's on Friday."""
    monday = _monday_ahead()
    # chosen on the Friday morning: the Friday before is not owed, that day's is
    chat = await _friday_subscriber(database, deps, renderer, chosen_at=monday - timedelta(days=3, hours=1))
    assert await send_due_digests(database.uow, monday - timedelta(days=3), deps.translate) == 0  # Friday 09:00
    async with database.uow() as uow:  # not due yet (not marked done as superseded)
        chosen = (await uow.session.execute(select(DigestSubscription))).scalar_one()
        assert chosen.last_period is None
    assert await send_due_digests(database.uow, monday + timedelta(hours=1), deps.translate) == 1
    assert await send_due_digests(database.uow, monday + timedelta(hours=2), deps.translate) == 0
    assert len(await _digests(chat)) == 1
    assert await send_due_digests(database.uow, monday + timedelta(days=4, hours=8, minutes=5), deps.translate) == 1


async def _held_digest_rows(database: Database) -> int:
    async with database.uow() as uow:
        return len((await uow.session.execute(select(Outbox.id).where(col(Outbox.key).like("dg:%"),
                                                                      col(Outbox.status) == "pending"))).all())


@pytest.mark.parametrize("change", ["revoked", "coordinator", "scope", "registered"])
async def test_a_digest_held_for_working_hours_follows_a_change_of_role_or_scope(
        database: Database, deps: Deps, renderer: Renderer, change: str) -> None:
    """Tester: a digest written on Friday evening, held for Monday 09:00, went out on Monday to someone whose role
    staff had revoked meanwhile (the figures and spreadsheet of everything), or whose scope staff had narrowed (a
    whole sector's digest after "your digests now cover one organisation"). Made for what they could see, it is
    dropped when that changes, and the period written again for the scope they have now; a staff member made
    coordinator of everything keeps it."""
    monday = _monday_ahead()
    chat = await _friday_subscriber(database, deps, renderer, chosen_at=utcnow())
    if change in ("scope", "registered"):
        await grant_role(GrantRole(STAFF, Role.coordinator), database.uow(), utcnow())
        await set_scope(STAFF, Scope(ScopeKind.countries, ("SEN",)), database.uow(), utcnow())
    friday = monday - timedelta(days=3) + timedelta(hours=9, minutes=30)
    assert await send_due_digests(database.uow, friday, deps.translate) == 1
    assert await _held_digest_rows(database) == 3
    if change == "revoked":
        await revoke_role(RevokeRole(STAFF), database.uow(), utcnow())
    elif change == "coordinator":
        await grant_role(GrantRole(STAFF, Role.coordinator), database.uow(), utcnow())
    elif change == "registered":  # a coordinator registering an organisation becomes its focal point (a review)
        async with database.uow() as uow:  # the registration they began, at its summary (asking to join, say)
            bea = (await uow.session.execute(select(Contact).where(Contact.telegram_id == STAFF))).scalar_one()
            answers = {"consent": "yes", "entity_name": "Agence du numérique", "sector": "government",
                       "country": "SEN", "full_name": "Bea Staff"}
            uow.session.add(Draft(contact_id=bea.id or 0, form_id="onboarding", step_id="$sum",
                                  state=FormState(step="$sum", answers=answers, shown_all=False).to_json()))
            await uow.commit()
        done = await chat.press(chat.person(STAFF, "Bea"), "f:$sum:submit")
        assert "is registered and waits for validation" in done[-1].text, done[-1].text
        assert not any("Partner2Connect digest" in reply.text for reply in done), [reply.text for reply in done]
    else:
        await set_scope(STAFF, EGYPT, database.uow(), utcnow())
    if change == "coordinator":  # everything before and after: nothing to change
        assert await _held_digest_rows(database) == 3
        return
    assert await _held_digest_rows(database) == 0
    assert await send_due_digests(database.uow, friday + timedelta(hours=1), deps.translate) == (
        1 if change == "scope" else 0)
    again = await _digests(chat)
    if change == "scope":  # the week's digest, of Egypt's pledges (none published: one line, no files)
        assert len(again) == 1 and "Egypt" in again[0] and "Senegal" not in again[0], again
    else:
        assert again == []


@pytest.mark.parametrize("choice", ["dg:month", "dg:off", "dg:at:210"])
async def test_a_digest_held_for_working_hours_is_not_sent_after_a_change_of_cadence(
        database: Database, deps: Deps, renderer: Renderer, choice: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Tester (a year of reporting): Friday's weekly digest, written at 18:30 and held for Monday 09:00, went out on
    Monday to someone who had chosen monthly digests on the Saturday. A new cadence (monthly, or off) drops it, and
    the first monthly one counts from where the dropped one began; a new day or hour keeps it (the week's digest)."""
    clock = str(tmp_path / "clock")  # a June far from a month's first working day: no monthly digest falls due
    monkeypatch.setenv(TEST_CLOCK_ENV, clock)
    move_test_clock_to(clock, datetime(2030, 6, 5, 10, tzinfo=UTC))
    monday = _monday_ahead()
    chat = await _friday_subscriber(database, deps, renderer, chosen_at=utcnow())
    friday = monday - timedelta(days=3) + timedelta(hours=9, minutes=30)
    assert await send_due_digests(database.uow, friday, deps.translate) == 1
    assert await _held_digest_rows(database) == 3
    async with database.uow() as uow:
        began = (await uow.session.execute(select(DigestSubscription))).scalar_one().covering_from
    saturday = friday + timedelta(hours=16)
    move_test_clock_to(clock, saturday)
    # the driver's delivery takes every row left, held or not: what would go on Monday comes with the answer
    left = [reply.text for reply in await chat.press(chat.person(STAFF, "Bea"), choice)
            if "Partner2Connect digest" in reply.text]
    if choice == "dg:at:210":  # weekly still, on Tuesdays at 10:00
        assert len(left) == 1, left
        return
    assert left == []
    assert await send_due_digests(database.uow, monday + timedelta(minutes=30), deps.translate) == 0
    assert await _digests(chat) == []
    async with database.uow() as uow:
        chosen = (await uow.session.execute(select(DigestSubscription))).scalar_one()
    assert chosen.cadence == choice.removeprefix("dg:").replace("month", "monthly")
    assert began is not None and chosen.last_sent_at == began


async def test_a_digest_taken_only_after_working_hours_waits_for_the_next_morning(database: Database, deps: Deps,
                                                                                    renderer: Renderer) -> None:
    """Found on review of my own leftovers: a digest written at 09:30, in its reader's working hours, and taken by
    delivery only at 19:00 (the bot was down all day) went out at once, in the evening. Its three parts are bound to
    the reader's hours as reminders are: taken at 19:00, none goes; they wait for 09:00 the next working day, and
    then go in order."""
    await _pledges(database, [(["SEN"], "1000")])
    await ChatDriver.with_staff(database, deps, renderer, STAFF)
    monday = _monday_ahead()
    assert await send_due_digests(database.uow, monday + timedelta(minutes=30), deps.translate) == 1
    async with database.uow() as uow:
        assert await OutboxRows(uow.session).claim(monday.replace(hour=19), 10, lambda row: True) == []
        await uow.commit()
    async with database.uow() as uow:
        held = (await uow.session.execute(select(Outbox.not_before).where(col(Outbox.key).like("dg:%")))).all()
        assert len(held) == 3
        assert {row.not_before.replace(tzinfo=None) for row in held} == {(monday + timedelta(days=1)).replace(
            tzinfo=None)}
        taken = await OutboxRows(uow.session).claim(monday + timedelta(days=1), 10, lambda row: True)
    assert [row.payload.get("upload", {}).get("kind") for row in taken] == [None, "photo", "document"]


# C: groups of countries counted through the scope's own countries only


def _targeting(figures: Figures) -> dict[str, int]:
    return {share.key: share.pledges for share in figures.breakdowns["targeting"]}


async def _group_cells(database: Database, scope: Scope) -> list[tuple[bool, ...]]:
    """The sheet's LDCs, LLDCs and SIDS columns of the scope's pledges, by id."""
    async with database.uow() as uow:
        rows = [row async for chunk in DigestFigures(uow.session, DAY).pledge_rows(scope, latest_due_periods(DAY))
                for row in chunk]
    return [tuple(bool(flag) for flag in row[11:14]) for row in rows]


async def test_a_scope_counts_the_groups_of_its_own_countries(database: Database) -> None:
    """Tester: Egypt's digest read "landlocked developing countries: 1 pledge, USD 10,000,000" for a pledge in Egypt
    and Kazakhstan, and the CIS's counted an LDC and a SIDS for a world-wide pledge (no CIS country is either); the
    sheet's columns said True alike. A group counts through a country of the group inside the scope."""
    await _pledges(database, [(["EGY", "KAZ"], "10000000"), (["GLOBAL"], "2000000")])
    assert _targeting(await _figures(database, EGYPT)) == {"ldc": 0, "lldc": 0, "sids": 0}
    assert await _group_cells(database, EGYPT) == [(False, False, False)] * 2
    cis = await _figures(database, CIS)
    assert _targeting(cis) == {"ldc": 0, "lldc": 2, "sids": 0}
    assert {share.key: share.value_usd for share in cis.breakdowns["targeting"]}["lldc"] == Decimal(12000000)
    assert await _group_cells(database, CIS) == [(False, True, False)] * 2
    # everything: every country of the pledges, as before
    assert _targeting(await _figures(database)) == {"ldc": 1, "lldc": 2, "sids": 1}
    assert await _group_cells(database, EVERYTHING) == [(False, True, False), (True, True, True)]


# G: pledges without a value


async def test_a_group_of_non_financial_pledges_has_no_value(database: Database) -> None:
    """Tester: "• Programmatic — 1 pledge, 0 $": the breakdown added the values of pledges that carry none as 0."""
    await _pledges(database, [(["SEN"], "1000"), (["SEN"], None)], area="adoption")
    figures = await _figures(database)
    assert {share.key: share.value_usd for share in figures.breakdowns["focus_area"]} == {
        "access": Decimal(1000), "adoption": None}
    assert {share.key: (share.pledges, share.value_usd) for share in figures.breakdowns["pledge_type"]} == {
        "financial": (1, Decimal(1000)), "programmatic": (1, None)}


def _chart_texts(renderer: Renderer, figures: Figures, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the chart draws: its bars' names and the values written beside them."""
    from matplotlib.axes import Axes

    drawn: list[str] = []
    text, ticks = Axes.text, Axes.set_yticks

    def spy_text(self: Axes, x: float, y: float, s: str, *args: Any, **kwargs: Any) -> Any:
        drawn.append(s)
        return text(self, x, y, s, *args, **kwargs)

    def spy_ticks(self: Axes, positions: Any, labels: Any = None, *args: Any, **kwargs: Any) -> Any:
        drawn.extend(labels or ())
        return ticks(self, positions, labels, *args, **kwargs)

    monkeypatch.setattr(Axes, "text", spy_text)
    monkeypatch.setattr(Axes, "set_yticks", spy_ticks)
    render_chart(figures, "en", lambda label: renderer.label(label, "en", markup=False), "P2C")
    return drawn


@pytest.mark.parametrize("financial", [True, False], ids=["beside-a-financial-one", "alone"])
async def test_the_chart_draws_no_bar_of_zero_for_pledges_without_a_value(database: Database, renderer: Renderer,
                                                                          monkeypatch: pytest.MonkeyPatch,
                                                                          financial: bool) -> None:
    """Tester: the chart drew a labelled "US$ 0" bar for the focus area of a non-financial pledge; with none but
    non-financial pledges, a made-up one."""
    await _pledges(database, [(["SEN"], "1000")] * financial + [(["SEN"], None)], area="adoption")
    figures = await _figures(database)
    drawn = _chart_texts(renderer, figures, monkeypatch)
    assert renderer.label(Money(Decimal(0)), "en", markup=False) not in drawn
    assert "Adoption" not in drawn
    # the reporting bars only with a report due (review); no chart at all with neither
    assert ("Access" in drawn) is financial and ("Reported" in drawn) is (figures.due > 0)
    assert has_chart(figures) is (financial or figures.due > 0)


async def test_the_summary_gives_no_value_to_a_group_without_one(database: Database, renderer: Renderer) -> None:
    """The Summary sheet's pillar of non-financial pledges read 0 in "Value (USD)", as their cells leave it blank."""
    await _pledges(database, [(["SEN"], "1000"), (["SEN"], None)], pillar="skills")
    summary = (await _book(database, renderer, "en")).worksheets[2]
    values = {row[2]: row[4] for row in summary.iter_rows(min_row=2, values_only=True) if row[0] == "Pillar"}
    assert values == {"infrastructure": 1000, "skills": None}


# H: shortcuts in the sheet


async def _book(database: Database, renderer: Renderer, locale: str) -> Any:
    async with database.uow() as uow:
        content = await export_xlsx(uow.session, EVERYTHING, locale,
                                    lambda label, into: renderer.label(label, into, markup=False), DAY)
    return openpyxl.load_workbook(io.BytesIO(content))


SHORTCUT_PLEDGES: list[tuple[list[str], str | None]] = [(["GLOBAL"], "1"), (["LDC", "SEN"], "2"),
                                                         (["ITU:africa"], "3")]


async def test_the_pledges_sheet_names_the_world_without_the_button_emoji(database: Database,
                                                                         renderer: Renderer) -> None:
    """Tester: the Pledges sheet's Countries column read "🌍 Весь мир", the pledge form's button."""
    await _pledges(database, SHORTCUT_PLEDGES)
    pledges = list((await _book(database, renderer, "ru")).worksheets[0].iter_rows(min_row=2, values_only=True))

    def say(label: Label) -> str:
        return renderer.label(label, "ru", markup=False)

    assert [row[10] for row in pledges] == ["Весь мир", f"{say(Text('All LDCs'))}, {say(CountryName('SEN'))}",
                                            say(Text("ITU region: Africa"))]
    assert [row[11] for row in pledges] == ["GLOBAL", "LDC, SEN", "ITU:africa"]  # the codes, as stored


async def test_the_summary_lists_no_shortcut_as_a_country(database: Database, renderer: Renderer) -> None:
    """Tester: the Summary sheet listed "🌍 World" and "All LDCs" as "Country" rows. A shortcut counts in the
    regions of its countries (the "ITU region" rows) and in no country row."""
    await _pledges(database, SHORTCUT_PLEDGES)
    summary = list((await _book(database, renderer, "en")).worksheets[2].iter_rows(min_row=2, values_only=True))
    assert [(row[1], row[2], row[3]) for row in summary if row[0] == "Country"] == [("Senegal", "SEN", 1)]
    assert ("Africa", "africa", 3) in [(row[1], row[2], row[3]) for row in summary if row[0] == "ITU region"]


async def test_a_digest_replacing_a_held_one_counts_from_where_the_held_one_began(database: Database, deps: Deps,
                                                                                  renderer: Renderer) -> None:
    """Tester: a digest held for the reader's hours (written on a Monday evening), still unsent a week on (an outage,
    a clock moved on), is dropped for the next week's, which counted the changes since that Monday evening: what only
    the dropped one told ("Since" the Monday before) reached the reader in no digest."""
    await _pledges(database, [(["SEN"], "1000")])
    chat = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    monday = _monday_ahead()
    assert await send_due_digests(database.uow, monday + timedelta(hours=11), deps.translate) == 1  # held: 20:00
    assert await send_due_digests(database.uow, monday + timedelta(days=7, hours=1), deps.translate) == 1
    delivered = await _digests(chat)
    assert len(delivered) == 1, delivered
    assert renderer.label(Day((monday - timedelta(days=7)).date()), "en") in delivered[0], delivered[0]
    assert renderer.label(Day(monday.date()), "en") not in delivered[0], delivered[0]


async def test_a_held_digest_of_a_subscription_from_before_0022_goes_beside_the_next(database: Database, deps: Deps,
                                                                                     renderer: Renderer) -> None:
    """Review: a subscription written before migration 0022 keeps no start of its last digest; replacing its held
    digest would lose what only that one told. Both go: the held one, then the next from where the held one ended."""
    await _pledges(database, [(["SEN"], "1000")])
    chat = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    monday = _monday_ahead()
    assert await send_due_digests(database.uow, monday + timedelta(hours=11), deps.translate) == 1  # held: 20:00
    async with database.uow() as uow:
        subscription = (await uow.session.execute(select(DigestSubscription))).scalar_one()
        subscription.covering_from = None
        await uow.commit()
    assert await send_due_digests(database.uow, monday + timedelta(days=7, hours=1), deps.translate) == 1
    delivered = await _digests(chat)
    assert len(delivered) == 2, delivered
    assert renderer.label(Day((monday - timedelta(days=7)).date()), "en") in delivered[0], delivered[0]
    assert renderer.label(Day(monday.date()), "en") in delivered[1], delivered[1]


async def test_a_digest_planned_before_the_person_chose_another_cadence_is_not_written(
        database: Database, deps: Deps, renderer: Renderer) -> None:
    """A review: the digest job read the candidates, then the person turned digests off while it wrote their weekly
    one (PostgreSQL: neither saw the other). The job locks the subscription and writes nothing for a cadence that is
    no longer the person's; the person's choice, locking it too, waits for a digest being written and then drops it
    (test_a_digest_held_for_working_hours_is_not_sent_after_a_change_of_cadence)."""
    monday = _monday_ahead()
    await _friday_subscriber(database, deps, renderer, chosen_at=utcnow())
    async with database.uow() as uow:
        subscription = (await uow.session.execute(select(DigestSubscription))).scalar_one()
        subscription.cadence = "off"  # chosen after the job read it as weekly
        await uow.commit()
    friday = monday - timedelta(days=3) + timedelta(hours=9, minutes=30)
    due = latest_due("weekly", 4, 17, friday, "UTC")
    assert due is not None
    async with database.uow() as uow:
        assert await _send_one(uow, subscription.contact_id, "weekly", due, friday, ("UTC", "SEN"), deps.translate,
                               "en", Made()) == 0
        await uow.commit()
    assert await _held_digest_rows(database) == 0


async def test_two_first_writes_of_a_subscription_wait_for_each_other(postgres_url: str) -> None:
    """A review: the lock of the subscription needs a row; a staff member on the default has none, so the digest job
    and the person's choice each found none and inserted one: the second failed on the key (the person got an
    apology and lost their choice, or the job stopped its round). Now the second waits for the first's row and
    reads it as stored."""
    database = Database(postgres_url)
    try:
        await upgrade(database)
        async with database.uow() as uow:
            staff = Contact(telegram_id=4242, chat_id=4242, first_name="Staff", role=Role.staff)
            uow.session.add(staff)
            await uow.session.flush()
            assert staff.id is not None
            staff_id = staff.id
            await uow.commit()
        job = database.uow()
        async with job:
            written = await Subscriptions(job.session).locked(
                DigestSubscription(contact_id=staff_id, cadence="weekly", weekday=0, hour=9))
            assert written.cadence == "weekly"

            async def choose() -> str:
                async with database.uow() as uow:
                    chosen = await Subscriptions(uow.session).locked(
                        DigestSubscription(contact_id=staff_id, cadence="off", weekday=0, hour=9))
                    seen = f"{chosen.cadence} {chosen.last_period}"
                    chosen.cadence = "monthly"
                    await uow.commit()
                    return seen

            person = asyncio.create_task(choose())
            await asyncio.sleep(0.5)
            assert not person.done(), "the second insert waits for the first's row"
            written.last_period = "2026-W49"
            await Subscriptions(job.session).save(written)
            await job.commit()
        assert await asyncio.wait_for(person, 10) == "weekly 2026-W49"
        async with database.uow() as uow:
            assert (await Subscriptions(uow.session).of(staff_id)).cadence == "monthly"  # type: ignore[union-attr]
    finally:
        await database.dispose()


async def test_a_digest_held_for_working_hours_is_written_again_in_the_language_chosen_meanwhile(
        database: Database, deps: Deps, renderer: Renderer) -> None:
    """Tester: a weekly digest written in Chinese and held overnight went out after its reader chose Arabic with its
    text in Arabic (rendered at sending) but its chart and spreadsheet in Chinese (made when it was written). A new
    language drops it and the period is written again in that language; the same language keeps it."""
    monday = _monday_ahead()
    chat = await _friday_subscriber(database, deps, renderer, chosen_at=utcnow())
    friday = monday - timedelta(days=3) + timedelta(hours=9, minutes=30)
    assert await send_due_digests(database.uow, friday, deps.translate) == 1
    assert await _held_digest_rows(database) == 3
    bea = chat.person(STAFF, "Bea")
    kept = await chat.press(bea, "lang:en")  # the language it was written in: kept (and delivered by the driver)
    assert any("Partner2Connect digest" in reply.text for reply in kept), [reply.text for reply in kept]
    async with database.uow() as uow:
        assert len((await uow.session.execute(select(Outbox.id).where(col(Outbox.key).like("dg:%")))).all()) == 3
    assert await send_due_digests(database.uow, friday + timedelta(days=7), deps.translate) == 1
    assert await _held_digest_rows(database) == 3
    answered = await chat.press(bea, "lang:fr")
    assert not any("Partner2Connect" in reply.text for reply in answered), [reply.text for reply in answered]
    assert await _held_digest_rows(database) == 0
    assert await send_due_digests(database.uow, friday + timedelta(days=7, hours=1), deps.translate) == 1
    async with database.uow() as uow:
        rows = (await uow.session.execute(select(Outbox).where(col(Outbox.key).like("dg:%"),
                                                               col(Outbox.status) == "pending"))).scalars().all()
        sheets = [row.payload["upload"]["file"] for row in rows if row.payload.get("upload", {}).get("kind")
                  == "document"]
        content = (await Files(uow.session).get(sheets))[sheets[0]][2]
    assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames[0] == renderer.label(Text("Pledges"), "fr")


async def test_a_digest_held_until_its_successor_fell_due_waits_for_the_job_to_replace_it(
        database: Database, deps: Deps, renderer: Renderer) -> None:
    """Tester: after a gap (the bot down, a clock moved a week), delivery took the digest held for working hours
    before the digest job wrote the next one, and both went out, the first with its old figures. Its parts wait from
    the moment the next digest falls due until the job replaces it (at most SUPERSEDED_GRACE), then only the new one
    goes; one the job does not replace goes after the grace."""
    monday = _monday_ahead()
    await _friday_subscriber(database, deps, renderer, chosen_at=utcnow())
    friday = monday - timedelta(days=3) + timedelta(hours=9, minutes=30)  # 18:30, held for Monday 09:00
    assert await send_due_digests(database.uow, friday, deps.translate) == 1
    next_friday = monday + timedelta(days=4, hours=8, minutes=2)  # 17:02, its successor due at 17:00

    async def claimed(now: datetime) -> list[str]:
        async with database.uow() as uow:
            taken = await OutboxRows(uow.session).claim(now, 50, lambda row: True)
            keys = [row.payload.get("upload", {}).get("kind", "text") for row in taken]
            await uow.commit()
        return keys

    assert await claimed(next_friday) == [], "delivery looked before the digest job: the stale digest waits"
    assert await _held_digest_rows(database) == 3
    assert await send_due_digests(database.uow, next_friday + timedelta(minutes=3), deps.translate) == 1
    assert await _held_digest_rows(database) == 3, "the new digest's three parts, the old one's dropped"
    async with database.uow() as uow:
        periods = {row.key.split(":")[2] for row in (await uow.session.execute(
            select(Outbox).where(col(Outbox.key).like("dg:%")))).scalars()}
    assert len(periods) == 1
    assert await claimed(next_friday + timedelta(minutes=4)) == ["text", "photo", "document"]


async def test_a_digest_no_job_replaces_goes_after_the_grace(database: Database, deps: Deps,
                                                            renderer: Renderer) -> None:
    """Counted from the moment delivery first held it, not from its successor's moment: a bot back hours after that
    moment (a review) sent it at once, before the job could replace it."""
    monday = _monday_ahead()
    await _friday_subscriber(database, deps, renderer, chosen_at=utcnow())
    assert await send_due_digests(database.uow, monday - timedelta(days=3, hours=-9, minutes=-30), deps.translate) == 1
    back = monday + timedelta(days=7, hours=8)  # Monday 17:00, three days after its successor's moment
    for minutes, expected in ((0, 0), (29, 0), (30, 3)):
        async with database.uow() as uow:
            taken = await OutboxRows(uow.session).claim(back + timedelta(minutes=minutes), 50, lambda row: True)
            await uow.commit()
        assert len(taken) == expected, minutes


async def test_a_digest_begun_before_its_successor_fell_due_goes_whole_before_it(database: Database, deps: Deps,
                                                                                 renderer: Renderer) -> None:
    """A review: the text of a held digest went, the bot stopped before its chart and sheet; back after the next one
    fell due, the job wrote the next one (a digest begun goes whole, nothing dropped) while the old chart and sheet
    waited for a replacement that never comes: they went half an hour after the new digest. The job lets them go at
    once, before the new one."""
    monday = _monday_ahead()
    await _friday_subscriber(database, deps, renderer, chosen_at=utcnow())
    assert await send_due_digests(database.uow, monday - timedelta(days=3, hours=-9, minutes=-30), deps.translate) == 1
    async with database.uow() as uow:
        text_part = (await uow.session.execute(select(Outbox).where(col(Outbox.key).like("dg:%:t")))).scalar_one()
        text_part.status = "sent"
        await uow.commit()
    successor = monday + timedelta(days=4, hours=8)
    async with database.uow() as uow:
        assert await OutboxRows(uow.session).claim(successor + timedelta(minutes=2), 50, lambda row: True) == []
        await uow.commit()
    assert await send_due_digests(database.uow, successor + timedelta(minutes=3), deps.translate) == 1
    async with database.uow() as uow:
        taken = await OutboxRows(uow.session).claim(successor + timedelta(minutes=4), 50, lambda row: True)
        keys = [(await uow.session.get(Outbox, row.id)).key for row in taken]  # type: ignore[union-attr]
        await uow.commit()
    periods = [key.split(":")[2] for key in keys]
    assert [key[-1] for key in keys] == ["c", "x", "t", "c", "x"] and periods[0] == periods[1] != periods[2], keys


async def test_a_held_digest_that_could_not_be_written_again_is_kept_on_a_language_change(
        database: Database, deps: Deps, renderer: Renderer) -> None:
    """A review: a subscription kept from before 0022 does not say where its held digest began, so a dropped one could
    not be written again: its period was lost. Kept, in the language it was written in."""
    monday = _monday_ahead()
    chat = await _friday_subscriber(database, deps, renderer, chosen_at=utcnow())
    assert await send_due_digests(database.uow, monday - timedelta(days=3, hours=-9, minutes=-30), deps.translate) == 1
    async with database.uow() as uow:
        subscription = (await uow.session.execute(select(DigestSubscription))).scalar_one()
        subscription.covering_from = None
        await uow.commit()
    kept = await chat.press(chat.person(STAFF, "Bea"), "lang:fr")
    assert any("Partner2Connect" in reply.text for reply in kept), [reply.text for reply in kept]
