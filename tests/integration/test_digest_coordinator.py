"""What a coordinator reads in digests, on both backends: the first monthly digest covers the month, an overdue
pledge is named by the periods the reminders ask for, and a change of scope is told and shown."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import select
from test_digests import AFRICA, COORDINATOR, STAFF, _seed, chat  # noqa: F401 (the fixture)

from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from handlers.digests.admin import set_scope
from handlers.digests.jobs import send_due_digests
from models.clock import utcnow
from models.database import Database
from models.reporting import latest_due_periods, next_report, period_start, previous_period
from models.repositories.digests import DigestFigures
from models.repositories.subscriptions import Subscriptions
from models.scope import Scope, ScopeKind
from models.tables import Contact, Pledge, ProgressReport
from models.values import PledgeStatus, Role

# a year ended owes its report from 16 January, is latest due from 31 January
pytestmark = pytest.mark.usefixtures("autumn_2026")

ENGLISH = 9700
"""A coordinator whose Telegram app is in English (the fixture's are in Russian and Arabic)."""


async def _english_coordinator(driver: ChatDriver, database: Database) -> int:
    await grant_role(GrantRole(ENGLISH, Role.coordinator), database.uow(), utcnow())
    await driver.send(driver.person(ENGLISH, "Lee"), "/help")
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == ENGLISH))).scalar_one()
        return contact.id or 0


async def test_the_first_monthly_digest_reports_the_changes_of_the_month(chat: ChatDriver, database: Database,  # noqa: F811
                                                                         deps: Deps) -> None:
    """Regression: the first monthly digest counted the changes of the last 7 days, so a pledge validated on
    2 December was in no digest (the January one said "Since 25 Dec: no pledge validated")."""
    ids = await _seed(database)
    contact_id = await _english_coordinator(chat, database)
    await chat.press(chat.person(ENGLISH, "Lee"), "dg:month")
    chosen, validated = datetime(2030, 11, 29, 10, tzinfo=UTC), datetime(2030, 12, 2, 10, tzinfo=UTC)
    async with database.uow() as uow:
        subscription = await Subscriptions(uow.session).of(contact_id)
        assert subscription is not None and subscription.cadence == "monthly"
        subscription.updated_at = chosen  # chosen at the end of November
        await Subscriptions(uow.session).save(subscription)
        pledge = await uow.session.get(Pledge, ids["p4"])
        assert pledge is not None
        pledge.status, pledge.validated_at = PledgeStatus.validated, validated
        uow.session.add(pledge)
        await uow.commit()
    first_working_day = datetime(2031, 1, 1, 9, 5, tzinfo=UTC)  # a Wednesday
    assert await send_due_digests(database.uow, first_working_day, deps.translate) >= 1
    digest = (await chat.collect(ENGLISH))[0].text
    assert "Since Dec 1, 2030" in digest and "1 pledge validated" in digest
    # the next one covers what came after this one, not the month again
    assert await send_due_digests(database.uow, datetime(2031, 2, 3, 9, 5, tzinfo=UTC), deps.translate) >= 1
    later = (await chat.collect(ENGLISH))[0].text
    # from the hour the last one was made: what came earlier that day was in it (a tester read "Since Dec 3" and
    # missed that day's validation, made before the hour)
    assert "Since Jan 1, 2031, 9:05\u202fAM" in later and "0 pledges validated" in later, later


async def _pledge(database: Database, entity: int, n: int, start: date, reported: tuple[str, ...]) -> int:
    async with database.uow() as uow:
        old = utcnow() - timedelta(days=800)
        pledge = Pledge(ref=f"P2C-2025-{n:05d}", entity_id=entity, title=f"Pledge {n}", description="d" * 30,
                        focus_area="access", pillars=["infrastructure"], pledge_type="financial",
                        value_usd=Decimal(10 ** 12 - n), countries=["SEN"], itu_regions=["africa"],
                        status=PledgeStatus.validated, start_date=start, submitted_at=old, validated_at=old,
                        created_at=old, updated_at=old)
        uow.session.add(pledge)
        await uow.session.flush()
        uow.session.add_all([ProgressReport(pledge_id=pledge.id or 0, period=period, status="in_progress",
                                            percent_complete=10, steps_taken="s" * 30, created_at=old)
                             for period in reported])
        await uow.commit()
        return pledge.id or 0


async def test_an_overdue_pledge_is_named_by_the_periods_the_reminders_ask_for(chat: ChatDriver,  # noqa: F811
                                                                                database: Database) -> None:
    """Regression: the reminder said "2024: overdue since 30 Jan 2025" while the digest listed the same pledge with
    "(period 2025)", the latest period due; now it names the oldest period not reported, and how many more."""
    ids = await _seed(database)
    today = utcnow().date()
    latest = latest_due_periods(today)["annual"]
    before = previous_period(latest, "annual")
    start = period_start(before)
    two = await _pledge(database, ids["sen"], 90, start, ())  # neither year reported
    one = await _pledge(database, ids["sen"], 91, start, (before,))  # the earlier year reported
    async with database.uow() as uow:
        figures = await DigestFigures(uow.session).figures(AFRICA, utcnow(), latest_due_periods(today))
        pledges = {pledge_id: await uow.session.get(Pledge, pledge_id) for pledge_id in (two, one)}
    listed = {item.pledge_id: (item.first_period, item.period) for item in figures.overdue}
    assert listed[two] == (before, latest) and listed[one] == (latest, latest)
    for pledge_id, reported in ((two, ()), (one, (before,))):  # what the reminders and a nudge ask for
        pledge = pledges[pledge_id]
        assert pledge is not None
        upcoming = next_report(pledge, reported, today)
        assert upcoming is not None and upcoming.overdue and upcoming.period == listed[pledge_id][0]
    text = (await chat.send(chat.person(STAFF, "Bea"), "/digest now"))[0].text
    assert f"P2C-2025-00090 Pledge 90: Sénégal numérique, Awa Diop (period {before}, and 1 later period still owed)" \
        in text
    assert f"P2C-2025-00091 Pledge 91: Sénégal numérique, Awa Diop (period {latest})" in text


async def test_a_coordinator_is_told_of_a_new_scope_and_sees_it_in_the_digest_menu(chat: ChatDriver,  # noqa: F811
                                                                                   database: Database) -> None:
    """Regression: /scope changed what a coordinator's digests cover without a word to them, and /digest did not
    say what they cover; the scope is named with country names, not ISO codes."""
    await _seed(database)
    await _english_coordinator(chat, database)
    confirmed = await chat.send(chat.person(STAFF, "Bea"), f"/scope {ENGLISH} countries SEN KAZ")
    assert "set: Countries: Kazakhstan and Senegal" in confirmed[-1].text
    told = await chat.collect(ENGLISH)
    assert [message.text for message in told] == [
        "BDT set the scope of your digests to: Countries: Kazakhstan and Senegal. From now on your digests and "
        "/export cover these pledges."]
    menu = await chat.send(chat.person(ENGLISH, "Lee"), "/digest")
    assert "Your digests and /export cover: Countries: Kazakhstan and Senegal" in menu[0].text
    await chat.send(chat.person(STAFF, "Bea"), f"/scope {ENGLISH} countries KAZ, SEN")
    assert await chat.collect(ENGLISH) == []  # the same scope again: nothing to tell
    russian = await chat.send(chat.person(STAFF, "Bea"), f"/scope {COORDINATOR} region africa")
    assert "ITU region: Africa" in russian[-1].text and len(await chat.collect(COORDINATOR)) == 1


async def test_a_scope_set_from_the_command_line_is_told_too(chat: ChatDriver, database: Database) -> None:  # noqa: F811
    """`p2c-bot admin scope` changes what the digests cover as /scope does: the coordinator is told alike."""
    await _english_coordinator(chat, database)
    await set_scope(ENGLISH, AFRICA, database.uow(), utcnow())
    told = await chat.collect(ENGLISH)
    assert [message.text for message in told] == [
        "BDT set the scope of your digests to: ITU region: Africa. From now on your digests and /export cover these "
        "pledges."]
    await set_scope(ENGLISH, AFRICA, database.uow(), utcnow())
    assert await chat.collect(ENGLISH) == []


async def test_a_scope_with_nothing_published_gets_one_line_not_files_of_zeros(chat: ChatDriver,  # noqa: F811
                                                                              database: Database) -> None:
    """A tester: a coordinator of Iceland (no pledge) got a page of zeros, a chart with a made-up "Access" bar and a
    spreadsheet of headings, every week. The digest now says nothing is published yet, under the week's changes."""
    await _seed(database)
    await _english_coordinator(chat, database)
    await set_scope(ENGLISH, Scope(ScopeKind.countries, ("ISL",)), database.uow(), utcnow())
    await chat.collect(ENGLISH)
    sent = await chat.send(chat.person(ENGLISH, "Lee"), "/digest now")
    assert len(sent) == 1  # the text alone: no chart, no spreadsheet
    assert "Iceland" in sent[0].text and "No pledge of your scope is published now" in sent[0].text
    assert "0 pledges submitted" in sent[0].text and "By focus area" not in sent[0].text
    full = await chat.send(chat.person(STAFF, "Bea"), "/digest now")  # everything: the files still come
    assert len(full) == 3
    async with database.uow() as uow:  # a pledge waiting for BDT in Iceland: the spreadsheet lists it (a review)
        waiting = (await uow.session.execute(select(Pledge).where(Pledge.ref == "P2C-2025-00004"))).scalar_one()
        waiting.countries = ["ISL"]
        uow.session.add(waiting)
        await uow.commit()
    sent = await chat.send(chat.person(ENGLISH, "Lee"), "/digest now")
    assert len(sent) == 2 and "No pledge of your scope is published" in sent[0].text
    assert sent[1].text == "Every pledge of your scope, with its last report"  # the sheet's caption; no chart


async def test_digest_words_are_read_in_the_six_languages(chat: ChatDriver, database: Database) -> None:  # noqa: F811
    """A tester: "/digest сейчас" and "/digest 现在" showed the settings menu without a word, as any word not
    English did. The words now and off are read in the six languages; another word is said not understood, above the
    menu."""
    await _seed(database)
    contact_id = await _english_coordinator(chat, database)
    await set_scope(ENGLISH, AFRICA, database.uow(), utcnow())
    await chat.collect(ENGLISH)
    lee = chat.person(ENGLISH, "Lee")
    for word in ("сейчас", "现在", "الآن", "Maintenant"):
        sent = await chat.send(lee, f"/digest {word}")
        assert not any(code.startswith("dg:week") for reply in sent for code in codes(reply)), word
        assert "Partner2Connect digest" in sent[0].text, (word, sent[0].text)
    unknown = await chat.send(lee, "/digest weekly")  # not one of the words: the menu, saying so
    assert unknown[0].text.startswith("I did not understand “weekly”: /digest now sends a digest at once, /digest "
                                      "off stops them."), unknown[0].text
    assert "dg:week" in codes(unknown[0])
    await chat.send(lee, "/digest week")
    await chat.press(lee, "dg:week")
    await chat.press(lee, "dg:day:1")
    await chat.press(lee, "dg:at:9")
    await chat.send(lee, "/digest 关闭")
    async with database.uow() as uow:
        subscription = await Subscriptions(uow.session).of(contact_id)
    assert subscription is not None and subscription.cadence == "off"
