"""Digests on both backends: figures equal a direct count for the scope, files decode, buttons are checked.

The data set is small and made by hand so that every expected figure can be counted here directly.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from chat_driver import ChatDriver, codes
from PIL import Image
from sqlmodel import col, select

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from handlers.digests.jobs import send_due_digests
from handlers.digests.service import Made, enqueue_export, make_files
from handlers.messages import reply_from_json
from models.clock import utcnow
from models.database import Database
from models.geography import load_country_table
from models.reporting import due_date, latest_due_periods, owed_periods
from models.repositories.digests import DigestFigures, pledge_in_scope
from models.repositories.outbox import INTERACTIVE
from models.repositories.pledges import Pledges
from models.repositories.subscriptions import Files, Scopes
from models.scope import EVERYTHING, Scope, ScopeKind
from models.tables import AuditLog, Contact, Entity, Outbox, Pledge, ProgressReport
from models.values import PledgeStatus, Role

# pledges started 400 days before today: from 31 January to 4 February they owe one year more
pytestmark = pytest.mark.usefixtures("autumn_2026")

STAFF, COORDINATOR, ARABIC, FOCAL_AFRICA, FOCAL_CIS = 9100, 9200, 9300, 9400, 9500
AFRICA = Scope(ScopeKind.region, ("africa",))


async def _seed(database: Database) -> dict[str, int]:
    """Two entities (Senegal, Kazakhstan), pledges in Africa and the CIS in several states, reports, focal points."""
    now = utcnow()
    old = now - timedelta(days=400)
    async with database.uow() as uow:
        s = uow.session
        sen = Entity(name="Sénégal numérique", name_key="senegal numerique", sector="government", country_iso3="SEN",
                     status="validated", created_at=old)
        kaz = Entity(name="Kazakh Telecom", name_key="kazakh telecom", sector="private_sector", country_iso3="KAZ",
                     status="validated", created_at=now)
        s.add_all([sen, kaz])
        await s.flush()
        assert sen.id is not None and kaz.id is not None
        s.add_all([Contact(telegram_id=FOCAL_AFRICA, chat_id=FOCAL_AFRICA, first_name="Awa", full_name="Awa Diop",
                           role=Role.focal_point, entity_id=sen.id, language="fr"),
                   Contact(telegram_id=FOCAL_CIS, chat_id=FOCAL_CIS, first_name="Asel", role=Role.focal_point,
                           entity_id=kaz.id, language="ru")])

        def pledge(n: int, entity: int, region: str, country: str, status: PledgeStatus, value: str | None,
                   area: str = "access", **extra: object) -> Pledge:
            fields: dict[str, object] = {
                "submitted_at": old, "validated_at": old if status != PledgeStatus.submitted else None,
                "created_at": old, "updated_at": old, **extra}
            return Pledge(ref=f"P2C-2025-{n:05d}", entity_id=entity, title=f"Pledge number {n} " + "x" * 150,
                          description="d" * 30, focus_area=area, pillars=["infrastructure"],
                          pledge_type="financial" if value else "policy", value_usd=Decimal(value) if value else None,
                          countries=[country], itu_regions=[region], status=status, start_date=old.date(),
                          targets_ldc=country == "SEN", targets_lldc=country == "KAZ", **fields)

        pledges = [pledge(1, sen.id, "africa", "SEN", PledgeStatus.validated, "45000000"),
                   pledge(2, sen.id, "africa", "SEN", PledgeStatus.validated, None, "adoption"),
                   pledge(3, sen.id, "africa", "SEN", PledgeStatus.completed, "1000000", updated_at=now),
                   pledge(4, sen.id, "africa", "SEN", PledgeStatus.submitted, "5", submitted_at=now),
                   pledge(5, kaz.id, "cis", "KAZ", PledgeStatus.validated, "700000000"),
                   pledge(6, kaz.id, "cis", "KAZ", PledgeStatus.withdrawn, "1", updated_at=now)]
        s.add_all(pledges)
        await s.flush()
        annual = latest_due_periods(now.date())["annual"]
        s.add_all([ProgressReport(pledge_id=pledges[0].id or 0, period=annual, status="in_progress",
                                  percent_complete=40, value_disbursed_usd=Decimal("18000000"), steps_taken="s" * 30,
                                  created_at=now),
                   ProgressReport(pledge_id=pledges[4].id or 0, period=annual, status="delayed", percent_complete=5,
                                  steps_taken="s" * 30, created_at=old)])
        await uow.commit()
        return {"sen": sen.id, "kaz": kaz.id, **{f"p{n + 1}": p.id or 0 for n, p in enumerate(pledges)}}


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Staff, a coordinator and an Arabic coordinator who have written to the bot, over the seeded data."""
    driver = ChatDriver(database, deps, renderer)
    for telegram_id, role in ((STAFF, Role.staff), (COORDINATOR, Role.coordinator), (ARABIC, Role.coordinator)):
        await grant_role(GrantRole(telegram_id, role), database.uow(), utcnow())
    await driver.send(driver.person(STAFF, "Bea"), "/help")
    await driver.send(driver.person(COORDINATOR, "Ivan", "ru"), "/help")
    await driver.send(driver.person(ARABIC, "Layla", "ar"), "/help")
    return driver


async def test_figures_equal_a_direct_count_for_each_scope(database: Database) -> None:
    ids = await _seed(database)
    now = utcnow()
    async with database.uow() as uow:
        africa = await DigestFigures(uow.session).figures(AFRICA, now - timedelta(days=7),
                                                          latest_due_periods(now.date()))
        everything = await DigestFigures(uow.session).figures(EVERYTHING, now - timedelta(days=7),
                                                              latest_due_periods(now.date()))
        pledges = (await uow.session.execute(select(Pledge))).scalars().all()
    published = [p for p in pledges if p.status in ("validated", "completed")]
    in_africa = [p for p in published if "africa" in p.itu_regions]
    assert (africa.pledges, africa.entities, africa.countries) == (len(in_africa), 1, 1)
    assert africa.value_usd == sum((p.value_usd or Decimal(0) for p in in_africa), Decimal(0))
    assert everything.pledges == len(published) and everything.entities == 2 and everything.countries == 2
    assert africa.changes == {"submitted": 1, "validated": 0, "completed": 1, "withdrawn": 0, "reports": 1,
                              "entities": 0}
    assert everything.changes["withdrawn"] == 1 and everything.changes["entities"] == 1
    # due: validated pledges (1, 2 in Africa; 5 in the CIS); 1 and 5 reported
    assert (africa.due, africa.reported, africa.overdue_total) == (2, 1, 1)
    assert [o.pledge_id for o in africa.overdue] == [ids["p2"]]
    assert africa.overdue[0].focal_point == "Awa Diop"
    assert (everything.due, everything.reported) == (3, 2)
    regions = {share.key: share.pledges for share in everything.breakdowns["region"]}
    assert regions == {"africa": 3, "cis": 1}
    targeting = {share.key: share.pledges for share in africa.breakdowns["targeting"]}
    assert targeting == {"ldc": 3, "lldc": 0, "sids": 0}
    areas = {share.key: share.value_usd for share in africa.breakdowns["focus_area"]}
    assert areas == {"access": Decimal("46000000"), "adoption": None}  # a policy pledge carries no value, not 0


async def test_digest_now_in_scope_with_chart_and_sheet(chat: ChatDriver, database: Database) -> None:
    ids = await _seed(database)
    staff = chat.person(STAFF)
    await chat.send(staff, f"/scope {COORDINATOR} region africa")
    assert len(await chat.collect(COORDINATOR)) == 1  # told of the new scope
    coordinator = chat.person(COORDINATOR, "Ivan", "ru")
    answers = await chat.send(coordinator, "/digest now")
    text = answers[0].text
    assert len(text) < 4096 and "Сводка" in text
    assert "P2C-2025-00002" in text and "P2C-2025-00005" not in text  # the CIS pledge is out of scope
    assert f"dg:nudge:{ids['p2']}" in [code for row in answers[0].buttons for _, code in row]
    async with database.uow() as uow:
        rows = (await uow.session.execute(select(Outbox).where(col(Outbox.key).like("dgn:%"))
                                          .order_by(col(Outbox.id)))).scalars().all()
        files = await Files(uow.session).get([row.payload["upload"]["file"] for row in rows if "upload" in row.payload])
    assert [row.key.rsplit(":", 1)[1] for row in rows] == ["t", "c", "x"]
    (png, sheet) = [files[row.payload["upload"]["file"]] for row in rows[1:]]
    assert Image.open(io.BytesIO(png[2])).size[0] >= 1000
    book = openpyxl.load_workbook(io.BytesIO(sheet[2]), read_only=True)
    pledges_sheet = book.worksheets[0]
    values = list(pledges_sheet.iter_rows(values_only=True))
    assert values[0][0] == "Номер"
    refs = [row[0] for row in values[1:]]
    assert sorted(refs) == ["P2C-2025-00001", "P2C-2025-00002", "P2C-2025-00003", "P2C-2025-00004"]
    first = next(row for row in values[1:] if row[0] == "P2C-2025-00001")
    assert first[9] == 45000000 and first[23] == 18000000
    assert first[20] == latest_due_periods(utcnow().date())["annual"] + " год"  # the period as messages say it
    assert values[0][25] == "Отчёт просрочен с"
    due = latest_due_periods(utcnow().date())
    async with database.uow() as uow:  # since when each owes a report (a date cell), else an empty cell
        for ref, key, reported in (("P2C-2025-00001", "p1", (due["annual"],)), ("P2C-2025-00002", "p2", ())):
            pledge = await Pledges(uow.session).get(ids[key])
            assert pledge is not None
            owed = owed_periods(pledge, reported, due)
            row = next(row for row in values[1:] if row[0] == ref)
            since = datetime.combine(due_date(owed[0]), datetime.min.time()) if owed else None
            assert row[25:] in ([(since,)] if owed else [(), (None,)])
            assert key == "p1" or owed  # the second, never reported, owes one


async def test_arabic_sheet_is_right_to_left(chat: ChatDriver, database: Database) -> None:
    await _seed(database)
    await chat.send(chat.person(ARABIC, "Layla", "ar"), "/export")
    async with database.uow() as uow:
        row = (await uow.session.execute(select(Outbox).where(col(Outbox.key).like("ex:%")))).scalars().one()
        content = (await Files(uow.session).get([row.payload["upload"]["file"]]))[row.payload["upload"]["file"]][2]
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    assert sheet.sheet_view.rightToLeft and sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert sheet["J2"].number_format.endswith('"USD"') and sheet["Q2"].is_date
    assert len([r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]]) == 6


async def test_export_csv_sends_both_tables_and_other_words_get_the_usage(chat: ChatDriver, database: Database) -> None:
    await _seed(database)
    arabic = chat.person(ARABIC, "Layla", "ar")
    answers = await chat.send(arabic, "/export csv")
    assert sum("(CSV)" in answer.text for answer in answers) == 2 and "CSV" in answers[-1].text
    async with database.uow() as uow:
        rows = (await uow.session.execute(select(Outbox).where(col(Outbox.key).like("ex:%"))
                                          .order_by(col(Outbox.key)))).scalars().all()
        files = await Files(uow.session).get([row.payload["upload"]["file"] for row in rows])
    assert [row.key.rsplit(":", 1)[1] for row in rows] == ["pledges", "reports"]
    pledges, reports = (files[row.payload["upload"]["file"]] for row in rows)
    assert pledges[0].endswith(".csv") and pledges[1] == "text/csv" and reports[0].startswith("p2c-reports-")
    table = pledges[2].decode("utf-8-sig").splitlines()
    assert len(table) == 7 and "، " in pledges[2].decode("utf-8-sig")  # a header and the six pledges, in Arabic
    assert len(reports[2].decode("utf-8-sig").splitlines()) > 1
    refused = await chat.send(arabic, "/export pdf")
    assert len(refused) == 1 and "XLSX" in refused[0].text and "/export\u2069 csv" in refused[0].text
    async with database.uow() as uow:
        assert len((await uow.session.execute(select(Outbox).where(col(Outbox.key).like("ex:%")))).all()) == 2


@pytest.mark.parametrize("code", ["dg:nudge:01", "dg:at:999", "dg:day:8", "dg:nudge:٣", "dg:evil", "dg:at:110x"])
async def test_forged_digest_buttons_are_refused(chat: ChatDriver, database: Database, code: str) -> None:
    answers = await chat.press(chat.person(COORDINATOR, "Ivan", "ru"), code)
    assert len(answers) == 1 and not answers[0].buttons
    async with database.uow() as uow:
        denied = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "denied"))).scalars().all()
    assert denied


async def test_scope_is_for_staff_only(chat: ChatDriver, database: Database) -> None:
    answers = await chat.send(chat.person(COORDINATOR, "Ivan", "ru"), f"/scope {COORDINATOR} everything")
    assert "нет прав" in answers[0].text
    focal = await chat.send(chat.person(4242, "Zed"), "/digest now")
    assert "not allowed" in focal[0].text


async def test_a_day_and_a_time_are_answered_in_place(chat: ChatDriver, database: Database) -> None:
    """Tester: two days tapped one after the other asked "At what time?" twice, and two times saved twice. The time
    replaces the days it was asked from, and the choice saved replaces the times: one message all along."""
    await _seed(database)
    coordinator = chat.person(COORDINATOR, "Ivan", "en")
    days = await chat.press(coordinator, "dg:week")
    assert chat.edited == [False] and "dg:day:2" in codes(days[-1])
    hours = await chat.press(coordinator, "dg:day:2", chat.sent_ids[-1])
    assert chat.edited == [True] and "At what time" in hours[-1].text and "dg:day:3" not in codes(hours[-1])
    saved = await chat.press(coordinator, "dg:at:210", chat.sent_ids[-1])
    assert chat.edited == [True] and "10:00" in saved[-1].text and not codes(saved[-1]), saved[-1].text


async def test_scheduled_digest_once_per_period(chat: ChatDriver, database: Database, deps: Deps) -> None:
    """A Tuesday 10:00 digest chosen on a Wednesday goes next Tuesday, once. (Chosen on a Monday, this week's Tuesday
    would come first: CI failed on a Monday with the real clock; the module's clock is on a Wednesday.)"""
    await _seed(database)
    coordinator = chat.person(COORDINATOR, "Ivan", "ru")
    await chat.press(coordinator, "dg:week")
    await chat.press(coordinator, "dg:day:2")
    saved = await chat.press(coordinator, "dg:at:210")
    assert "10" in saved[0].text
    now = utcnow()
    monday = (now + timedelta(days=7 - now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    assert await send_due_digests(database.uow, now, deps.translate) == 0  # this week's moments came before they chose
    assert await send_due_digests(database.uow, monday + timedelta(hours=9, minutes=59), deps.translate) == 1  # staff
    assert await send_due_digests(database.uow, monday + timedelta(days=1, hours=10, minutes=1), deps.translate) == 1
    assert await send_due_digests(database.uow, monday + timedelta(days=1, hours=11), deps.translate) == 0
    async with database.uow() as uow:
        keys = (await uow.session.execute(select(Outbox.key).where(col(Outbox.key).like("dg:%")))).scalars().all()
    contact_keys = {key.rsplit(":", 1)[0] for key in keys}
    assert len(contact_keys) == 2 and len(keys) == 6


async def test_demo_coordinators_are_subscribed_and_see_their_region(database: Database, deps: Deps,
                                                                     renderer: Renderer) -> None:
    from bot.demo import load_demo

    await load_demo(database.uow(), utcnow())
    await load_demo(database.uow(), utcnow())  # idempotent
    chat = ChatDriver(database, deps, renderer)
    answers = await chat.send(chat.person(1004, "Layla", "ar"), "/digest now")
    assert 200 < len(answers[0].text) < 4096 and "موجز" in answers[0].text
    async with database.uow() as uow:
        arab = await DigestFigures(uow.session).figures(Scope(ScopeKind.region, ("arab_states",)), utcnow(),
                                                        latest_due_periods(utcnow().date()))
        every = await DigestFigures(uow.session).figures(EVERYTHING, utcnow(), latest_due_periods(utcnow().date()))
        pledges = (await uow.session.execute(select(Pledge))).scalars().all()
    assert arab.pledges == len([p for p in pledges if "arab_states" in p.itu_regions
                                and p.status in ("validated", "completed")]) > 3
    assert every.pledges > 40 and every.overdue_total > 5


async def test_readers_of_one_scope_share_aggregates_but_not_changes(database: Database) -> None:
    await _seed(database)
    now = utcnow()
    async with database.uow() as uow:
        aggregates = DigestFigures(uow.session)
        first = await aggregates.figures(AFRICA, now - timedelta(days=7), latest_due_periods(now.date()))
        later = await aggregates.changes_since(first, AFRICA, now + timedelta(minutes=1))
        fresh = await aggregates.figures(AFRICA, now + timedelta(minutes=1), latest_due_periods(now.date()))
    assert later == fresh and later.changes != first.changes


async def test_readers_of_one_scope_on_different_days_get_their_own_spreadsheet(database: Database,
                                                                                  deps: Deps) -> None:
    """Review s26 #8: the sheet says which reports are overdue on its reader's day; two readers of one scope and
    language whose days differ in one run (across the date line) shared the first one's."""
    await _seed(database)
    now, made = utcnow(), Made()
    async with database.uow() as uow:
        figures = await DigestFigures(uow.session).figures(AFRICA, now, latest_due_periods(now.date()))
        one = await make_files(uow.session, AFRICA, figures, "en", now.date(), now, deps.translate, made)
        again = await make_files(uow.session, AFRICA, figures, "en", now.date(), now, deps.translate, made)
        other = await make_files(uow.session, AFRICA, figures, "en", now.date() + timedelta(days=1), now,
                                 deps.translate, made)
    assert one == again and other[1] != one[1]  # built once a day, not once a reader


async def test_staff_get_the_weekly_default_and_can_turn_it_off(chat: ChatDriver, database: Database,
                                                                deps: Deps) -> None:
    staff = chat.person(STAFF)
    shown = await chat.send(staff, "/digest")
    assert "weekly" in shown[0].text and "Monday" in shown[0].text
    now = utcnow()
    monday = (now + timedelta(days=7 - now.weekday())).replace(hour=9, minute=1, second=0, microsecond=0)
    assert await send_due_digests(database.uow, monday, deps.translate) == 1
    assert "dg:off" in codes(shown[-1])
    off = await chat.send(staff, "/digest off")
    assert any("no digest" in message.text for message in off)
    assert await send_due_digests(database.uow, monday + timedelta(days=7), deps.translate) == 0
    again = await chat.send(staff, "/digest")
    assert "dg:off" not in codes(again[-1]) and "dg:week" in codes(again[-1]), "no Stop once stopped (a tester)"


async def _shortcut_pledges(database: Database, entity: int) -> dict[str, int]:
    """Validated pledges recorded with the country step's shortcuts: all LDCs, the CIS region; a draft to the world."""
    old = utcnow() - timedelta(days=400)
    async with database.uow() as uow:
        made = {name: Pledge(ref=f"P2C-2025-{n:05d}", entity_id=entity, title=name, description="d" * 30,
                             focus_area="access", pillars=["infrastructure"], pledge_type="policy", countries=tokens,
                             status=status, start_date=old.date(), submitted_at=old, validated_at=old,
                             created_at=old, updated_at=old)
                for n, (name, tokens, status) in enumerate((
                    ("ldc", ["LDC"], PledgeStatus.validated), ("cis", ["ITU:cis", "NOR"], PledgeStatus.validated),
                    ("world", ["GLOBAL"], PledgeStatus.submitted)), start=20)}
        uow.session.add_all(made.values())
        await uow.commit()
    return {name: pledge.id or 0 for name, pledge in made.items()}


async def test_shortcut_countries_are_counted_and_matched_as_their_countries(database: Database) -> None:
    """Regression: "in N countries" left out pledges to "all LDCs" or an ITU region, and a Senegal scope missed them
    (the tokens were joined to the country table as if they were codes, and matched as text)."""
    ids = await _seed(database)
    shortcuts = await _shortcut_pledges(database, ids["kaz"])
    now, due = utcnow(), latest_due_periods(utcnow().date())
    table = load_country_table()
    ldc = {code for code, facts in table.items() if facts.ldc_on(now.date())}
    cis = {code for code, facts in table.items() if facts.itu_region == "cis"}
    senegal, kazakhstan = Scope(ScopeKind.countries, ("SEN",)), Scope(ScopeKind.countries, ("KAZ",))
    async with database.uow() as uow:
        figures = DigestFigures(uow.session)
        everything = await figures.figures(EVERYTHING, now, due)
        in_senegal = await figures.figures(senegal, now, due)
        in_kazakhstan = await figures.figures(kazakhstan, now, due)
        in_norway = await figures.figures(Scope(ScopeKind.countries, ("NOR",)), now, due)
        world = [await pledge_in_scope(uow.session, shortcuts["world"], Scope(ScopeKind.countries, (code,)))
                 for code in ("NOR", "ATA")]
        ldc_in_bolivia = await pledge_in_scope(uow.session, shortcuts["ldc"], Scope(ScopeKind.countries, ("BOL",)))
    assert everything.countries == len({"SEN", "KAZ", "NOR"} | ldc | cis)
    # pledges 1, 2, 3 and "all LDCs"; a scope of countries counts its own (a tester's "Mali and Senegal" read "in
    # 3 countries", Niger of a pledge in both counted)
    assert (in_senegal.pledges, in_senegal.countries) == (4, 1)
    assert (in_kazakhstan.pledges, in_kazakhstan.countries) == (2, 1)  # pledge 5 and "the CIS"
    async with database.uow() as uow:
        in_the_cis = await DigestFigures(uow.session).figures(Scope(ScopeKind.region, ("cis",)), now, due)
    # pledge 5 (Kazakhstan) and the one to "the CIS and Norway", whose regions are its countries': its own
    # countries, not Norway
    assert (in_the_cis.pledges, in_the_cis.countries) == (2, len(cis)), "its own countries: not Norway"
    assert in_norway.pledges == 1 and world == [True, True] and not ldc_in_bolivia


@pytest.mark.parametrize(("typed", "said"), [
    ("99999999999999999999 everything", "Write /scope, a coordinator's Telegram id"),  # was an OverflowError
    (f"{COORDINATOR} entity 99999999999999999999", "That is not a scope"),
    (f"{COORDINATOR} entity 999", "There is no organisation no. 999"),
    (f"{COORDINATOR} entity 3000000000", "There is no organisation no. 3000000000"),  # PostgreSQL: an apology
    (f"{COORDINATOR} countries XXX SEN QQQ", "I do not know these countries: XXX and QQQ"),
    (f"{COORDINATOR} countries Senegal, Atlantis", "I do not know these countries: Atlantis"),
])
async def test_scope_refuses_what_does_not_exist_by_name(chat: ChatDriver, database: Database, typed: str,
                                                         said: str) -> None:
    """Regression: a 20-digit id crashed /scope; unknown organisations and country codes were "set"."""
    await _seed(database)
    answers = await chat.send(chat.person(STAFF), f"/scope {typed}")
    assert said in answers[-1].text and "set" not in answers[-1].text
    async with database.uow() as uow:
        assert await Scopes(uow.session).of(await _contact_id(database, COORDINATOR)) == EVERYTHING


async def _contact_id(database: Database, telegram_id: int) -> int:
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == telegram_id))).scalar_one()
        return contact.id or 0


async def test_scope_names_the_organisation_and_reads_country_names(chat: ChatDriver, database: Database) -> None:
    """Regression: the confirmation gave only the organisation's number; country names were refused."""
    ids = await _seed(database)
    staff = chat.person(STAFF)
    answers = await chat.send(staff, f"/scope {COORDINATOR} entity {ids['kaz']}")
    assert f"“Kazakh Telecom” (no. {ids['kaz']})" in answers[-1].text
    answers = await chat.send(staff, f"/scope {COORDINATOR} countries Sénégal, Kazakhstan")
    assert "Kazakhstan and Senegal" in answers[-1].text
    async with database.uow() as uow:
        scope = await Scopes(uow.session).of(await _contact_id(database, COORDINATOR))
    assert scope == Scope(ScopeKind.countries, ("KAZ", "SEN"))
    # a tester's "country Colombia" and "sector gobierno" got "That is not a scope", and no sector code was listed
    for typed, expected in (("country Colombia", Scope(ScopeKind.countries, ("COL",))),
                            ("sector gobierno", Scope(ScopeKind.sector, ("government",))),
                            ("sector Academia", Scope(ScopeKind.sector, ("academia",))),
                            ("sector civil society", Scope(ScopeKind.sector, ("civil_society",)))):
        answers = await chat.send(staff, f"/scope {COORDINATOR} {typed}")
        assert "set" in answers[-1].text, answers[-1].text
        async with database.uow() as uow:
            assert await Scopes(uow.session).of(await _contact_id(database, COORDINATOR)) == expected
    refused = await chat.send(staff, f"/scope {COORDINATOR} sector telecoms")
    assert "That is not a scope" in refused[-1].text and "Sector codes: government, private_sector" in refused[-1].text


async def test_a_digest_of_one_organisation_names_it(chat: ChatDriver, database: Database) -> None:
    """The scope notice and /scope named the organisation, but the digest's heading and its chart's caption said
    "One entity (no. 7)"."""
    ids = await _seed(database)
    await chat.send(chat.person(STAFF), f"/scope {COORDINATOR} entity {ids['kaz']}")
    await chat.collect(COORDINATOR)
    answers = await chat.send(chat.person(COORDINATOR, "Ivan", "en"), "/digest now")
    assert f"Organisation “Kazakh Telecom” (no. {ids['kaz']})" in answers[0].text, answers[0].text
    async with database.uow() as uow:
        rows = (await uow.session.execute(select(Outbox).where(col(Outbox.key).like("dgn:%:c"))
                                          .order_by(col(Outbox.id)))).scalars().all()
    caption = chat.renderer.reply(reply_from_json(rows[-1].payload["reply"]), "en").text
    assert "Kazakh Telecom" in caption and "One entity" not in caption, caption


async def test_the_weekly_setting_names_its_day_in_a_sentence_of_its_own(chat: ChatDriver) -> None:
    """Regression: the day's button label ("Понедельник", capitalised) was put inside the sentence."""
    coordinator = chat.person(COORDINATOR, "Ivan", "ru")
    await chat.press(coordinator, "dg:week")
    await chat.press(coordinator, "dg:day:3")
    saved = await chat.press(coordinator, "dg:at:310")
    assert "10:00" in saved[0].text and "Среда" not in saved[0].text



async def test_your_time_says_which_zone_while_the_readers_is_unknown(chat: ChatDriver, database: Database) -> None:
    """A tester: a coordinator of no organisation and no zone chose 10:00 "your time" and had it at 10:00 UTC, 13:00
    in Moscow. The question and the setting now say the times are UTC ones until a zone is set in /settings; once it
    is, they say nothing more."""
    coordinator = chat.person(COORDINATOR, "Ivan", "en")
    await chat.press(coordinator, "dg:week")
    asked = await chat.press(coordinator, "dg:day:1")
    saved = await chat.press(coordinator, "dg:at:110")
    for said in (asked[-1].text, saved[-1].text):
        assert "these times are UTC ones until you set yours with /settings" in said, said
    async with database.uow() as uow:
        ivan = (await uow.session.execute(select(Contact).where(Contact.telegram_id == COORDINATOR))).scalar_one()
        ivan.timezone = "Europe/Moscow"
        await uow.commit()
    again = await chat.press(coordinator, "dg:at:110")
    assert "/settings" not in again[-1].text and "10:00" in again[-1].text, again[-1].text

async def test_scope_names_a_coordinator_who_never_wrote_by_number(chat: ChatDriver, database: Database) -> None:
    """Regression: a coordinator granted before writing to the bot has no name yet: "Scope of  set: …"; they are
    named by the Telegram id /scope took."""
    await grant_role(GrantRole(9600, Role.coordinator), database.uow(), utcnow())
    answers = await chat.send(chat.person(STAFF), "/scope 9600 region africa")
    assert "Scope of a person without a name (id 9600) set" in answers[-1].text
    async with database.uow() as uow:  # not told: Telegram delivers nothing to them, and their language is unknown
        assert (await uow.session.execute(select(Outbox).where(col(Outbox.key).like("scope:%")))).first() is None
    answers = await chat.send(chat.person(9600, "Olga", "ru"), "/digest")
    assert "Африка" in answers[0].text, answers[0].text  # the scope, shown when they come


async def test_a_scope_with_nothing_submitted_gets_no_page_of_zeros_nor_an_empty_sheet(chat: ChatDriver,
                                                                                      database: Database) -> None:
    """A tester (a scope of Brazil, with no pledge): the digest led with "0 pledges, from 0 entities, in 0 countries,
    USD 0 pledged", and /export said the spreadsheet was being prepared and sent a sheet of headings alone."""
    await _seed(database)
    staff = chat.person(STAFF, "Bea")
    await chat.send(staff, f"/scope {COORDINATOR} countries BRA")
    await chat.collect(COORDINATOR)
    ivan = chat.person(COORDINATOR, "Ivan", "en")
    digest = [m.text for m in await chat.send(ivan, "/digest now")]
    assert not any("from 0 entities" in text or "pledged:" in text for text in digest), digest
    assert any("No pledge of your scope is published now" in text for text in digest), digest
    (said,) = [m.text for m in await chat.send(ivan, "/export")]
    assert said == ("No pledge of your scope has been submitted yet: there is nothing to export. Send /export again "
                    "once the first one is."), "not that a spreadsheet will come by itself (review)"
    async with database.uow() as uow:
        assert (await uow.session.execute(select(Outbox).where(col(Outbox.key).like("ex:%")))).first() is None


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
async def test_an_export_is_named_by_its_reader_s_day(chat: ChatDriver, database: Database, deps: Deps,
                                                      file_format: str) -> None:
    """Tester: at 22:00 UTC, 01:00 the next day in Cairo, /export named its file by the UTC date (…-05-02.xlsx) and
    the digest a minute later by the reader's (…-05-03.xlsx)."""
    await _seed(database)
    async with database.uow() as uow:
        layla = (await uow.session.execute(select(Contact).where(Contact.telegram_id == ARABIC))).scalar_one()
        await enqueue_export(uow.session, layla, EVERYTHING, "ar", "ex:day", datetime(2027, 5, 2, 22, tzinfo=UTC),
                             date(2027, 5, 3), deps.translate, INTERACTIVE, file_format)
        rows = (await uow.session.execute(select(Outbox).where(col(Outbox.key).like("ex:day%")))).scalars().all()
        files = await Files(uow.session).get([row.payload["upload"]["file"] for row in rows])
    names = sorted(name for name, _, _ in files.values())
    assert names == (["p2c-pledges-2027-05-03.csv", "p2c-reports-2027-05-03.csv"] if file_format == "csv"
                     else ["p2c-pledges-2027-05-03.xlsx"])
