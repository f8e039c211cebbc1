"""Digests in the reader's zone as /settings shows it, paused with the consent, and a second nudge told apart; on
both backends.

Regressions: a coordinator of a Chinese organisation who never chose a zone read in /settings "Shanghai … guessed
from your organisation's country" and chose Wednesdays at 14:00 "your time", but the digest was queued at 14:05 UTC
(the deployment's zone); /digest still offered Weekly and Monthly after the consent to digests was withdrawn; a
second Nudge the same day said "already reminded today (or there is none)"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_digests import FOCAL_AFRICA, STAFF, _seed, chat  # noqa: F401 (the fixture)

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from handlers.digests.jobs import send_due_digests
from models.clock import TEST_CLOCK_ENV, move_test_clock_to, utcnow
from models.database import Database
from models.repositories.reminders import LATER, Reminders
from models.repositories.subscriptions import Subscriptions
from models.tables import Contact, Outbox
from models.values import Role


async def _coordinator(chat: ChatDriver, telegram_id: int, country: str) -> int:  # noqa: F811
    """A coordinator of an organisation of `country` who never chose a time zone; their contact id."""
    token, _, _ = await invite(CreateInvite(f"Org {telegram_id}", Role.coordinator, country_iso3=country),
                               chat.database.uow(), utcnow())
    person = chat.person(telegram_id)
    await chat.send(person, f"/start {token}")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, "Lee Wang")
    async with chat.database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == telegram_id))).scalar_one()
    assert contact.role == Role.coordinator and contact.timezone is None and contact.id is not None
    await chat.collect(telegram_id)
    return contact.id


async def _chosen_at(database: Database, contact_id: int, when: datetime) -> None:
    async with database.uow() as uow:
        subscription = await Subscriptions(uow.session).of(contact_id)
        assert subscription is not None
        subscription.updated_at = when
        await Subscriptions(uow.session).save(subscription)
        await uow.commit()


async def _digest_rows(database: Database, contact_id: int) -> list[Outbox]:
    async with database.uow() as uow:
        return list((await uow.session.execute(select(Outbox).where(col(Outbox.key).like(f"dg:{contact_id}:%"))
                                               .order_by(col(Outbox.id)))).scalars().all())


async def test_a_weekly_digest_comes_at_the_chosen_hour_of_the_zone_guessed_from_the_country(
        chat: ChatDriver, database: Database, deps: Deps) -> None:  # noqa: F811
    await _seed(database)
    contact_id = await _coordinator(chat, 9801, "CHN")
    person = chat.person(9801)
    settings = await chat.send(person, "/settings")
    assert "Asia/Shanghai" in settings[0].text and "guessed from your organisation's country" in settings[0].text
    await chat.press(person, "dg:week")
    chosen = await chat.press(person, "dg:at:314")  # Wednesday, 14:00
    assert "Wednesdays at 2:00" in chosen[0].text and "your time" in chosen[0].text
    await _chosen_at(database, contact_id, datetime(2030, 11, 29, tzinfo=UTC))
    beijing_afternoon = datetime(2030, 12, 4, 6, 5, tzinfo=UTC)  # a Wednesday, 14:05 in Beijing
    assert await send_due_digests(database.uow, beijing_afternoon, deps.translate) >= 1
    rows = await _digest_rows(database, contact_id)
    assert [row.key for row in rows] == [f"dg:{contact_id}:2030-W49:{part}" for part in "tcx"]
    # inside their working hours: nothing held back
    assert all(row.not_before is None or row.not_before <= beijing_afternoon for row in rows)
    digest = (await chat.collect(9801))[0].text
    assert "Partner2Connect digest</b>, Dec 4, 2030" in digest, digest
    # 14:05 UTC, the deployment's zone, is not their moment: this week's digest went already
    await send_due_digests(database.uow, datetime(2030, 12, 4, 14, 5, tzinfo=UTC), deps.translate)
    assert len(await _digest_rows(database, contact_id)) == 3


async def test_a_digest_is_dated_the_readers_day_in_the_zone_of_their_country(
        database: Database, deps: Deps, renderer: Renderer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """New Zealand is a day ahead of UTC on a Sunday evening: the Monday digest is dated Monday, there and then, and
    so is one asked for with /digest now."""
    clock = tmp_path / "clock"
    monkeypatch.setenv(TEST_CLOCK_ENV, str(clock))
    sunday_evening = datetime(2030, 12, 8, 20, 5, tzinfo=UTC)  # Monday 09:05 in Wellington (UTC+13 in December)
    move_test_clock_to(str(clock), sunday_evening)
    driver = ChatDriver(database, deps, renderer)
    await _seed(database)
    contact_id = await _coordinator(driver, 9802, "NZL")
    person = driver.person(9802)
    await driver.press(person, "dg:week")
    await driver.press(person, "dg:at:109")  # Monday, 09:00
    await _chosen_at(database, contact_id, datetime(2030, 12, 1, tzinfo=UTC))
    assert await send_due_digests(database.uow, sunday_evening, deps.translate) >= 1
    assert [row.key for row in await _digest_rows(database, contact_id)] == [
        f"dg:{contact_id}:2030-W50:{part}" for part in "tcx"]
    assert "Partner2Connect digest</b>, Dec 9, 2030" in (await driver.collect(9802))[0].text
    asked = await driver.send(person, "/digest now")
    assert "Partner2Connect digest</b>, Dec 9, 2030" in asked[0].text, asked[0].text


async def test_digest_says_scheduled_digests_are_paused_after_the_consent_is_withdrawn(
        chat: ChatDriver, database: Database, deps: Deps) -> None:  # noqa: F811
    await _seed(database)
    await _coordinator(chat, 9803, "SEN")
    person = chat.person(9803)
    await chat.press(person, "dg:month")
    await chat.press(person, "st:consent:off")
    shown = await chat.send(person, "/digest")
    assert "Scheduled digests are paused" in shown[0].text and "monthly" not in shown[0].text, shown[0].text
    assert codes(shown[0]) == ["st:consent:on", "dg:now", "dg:export"]
    # a cadence button of an older /digest: the choice is kept for later, and the pause said again
    old = await chat.press(person, "dg:at:110")
    assert "Mondays at 10:00" in old[0].text and "Scheduled digests are paused" in old[0].text
    assert codes(old[0]) == ["st:consent:on"]
    # a digest asked for still comes
    now = await chat.send(person, "/digest now")
    assert "Partner2Connect digest" in now[0].text
    again = await chat.press(person, "st:consent:on")
    assert "You will receive announcements and digests again" in again[0].text
    shown = await chat.send(person, "/digest")
    assert "Your digest: weekly, on Mondays at 10:00" in shown[0].text and "dg:week" in codes(shown[0])


async def test_a_second_nudge_the_same_day_says_today_s_reminder_is_there(chat: ChatDriver,  # noqa: F811
                                                                          database: Database) -> None:
    ids = await _seed(database)
    bea = chat.person(STAFF, "Bea")
    first = await chat.press(bea, f"dg:nudge:{ids['p2']}")
    assert "A polite reminder about P2C-2025-00002" in first[0].text
    second = await chat.press(bea, f"dg:nudge:{ids['p2']}")
    assert second[0].text == ("No second reminder was sent: the focal point of P2C-2025-00002 already has today's "
                              "reminder."), second[0].text


async def test_a_nudge_on_a_pledge_its_focal_point_postponed_says_so(chat: ChatDriver,  # noqa: F811
                                                                     database: Database) -> None:
    ids = await _seed(database)
    async with database.uow() as uow:
        focal = (await uow.session.execute(select(Contact).where(Contact.telegram_id == FOCAL_AFRICA))).scalar_one()
        assert focal.id is not None
        await Reminders(uow.session).hold(focal.id, ids["p2"], LATER, utcnow() + timedelta(days=3), utcnow())
        await uow.commit()
    answer = await chat.press(chat.person(STAFF, "Bea"), f"dg:nudge:{ids['p2']}")
    assert answer[0].text == ("No reminder was sent: the focal point of P2C-2025-00002 asked to be reminded of it "
                              "later."), answer[0].text


async def test_a_weekly_digest_is_offered_on_the_reader_s_working_days(
        chat: ChatDriver, database: Database, deps: Deps) -> None:  # noqa: F811
    """A reviewer: a Jordanian coordinator could pick Friday (their weekend) but not Sunday (a working day)."""
    await _seed(database)
    contact_id = await _coordinator(chat, 9811, "JOR")
    person = chat.person(9811)
    days = await chat.press(person, "dg:week")
    assert codes(days[-1]) == ["dg:day:7", "dg:day:1", "dg:day:2", "dg:day:3", "dg:day:4"]  # Sunday to Thursday
    chosen = await chat.press(person, "dg:at:710")
    assert "Your digest: weekly, on Sundays at 10:00" in chosen[0].text
    await _chosen_at(database, contact_id, datetime(2030, 11, 29, tzinfo=UTC))
    amman_sunday = datetime(2030, 12, 8, 7, 5, tzinfo=UTC)  # Sunday 8 December 2030, 10:05 in Amman
    assert await send_due_digests(database.uow, amman_sunday, deps.translate) >= 1
    rows = await _digest_rows(database, contact_id)
    assert rows[0].key == f"dg:{contact_id}:2030-W49:t"
