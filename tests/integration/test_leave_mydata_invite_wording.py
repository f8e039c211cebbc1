"""Wording found by a tester: /leave by an organisation's only focal point says before the choice that nobody takes
its pledges over (not "another focal point of it"), /mydata names the Telegram id in the reader's language, and an
invitation link names its organisation's country (two ministries may share a name)."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes, confirm, unstamped
from test_colleagues import add_pledge, contact

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.values import Role

STAFF = 9700
MINISTRY = "وزارة الاتصالات"


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    driver.mailbox.clear()
    return driver


async def test_the_only_focal_point_is_told_before_leaving_that_nobody_takes_the_pledges(chat: ChatDriver) -> None:
    await chat.with_focal_points(("zh",), first_id=101)
    await chat.with_focal_points(("en",), first_id=201, organisation="GSMA", country_iso3="GBR")
    said = {"zh": ("该组织没有其他联络人", "电信发展局将收到通知"), "en": ("no other focal point", "BDT will be told")}
    for telegram_id, language in ((101, "zh"), (201, "en")):
        (asked,) = await chat.send(chat.person(telegram_id, language_code=language), "/leave")
        assert unstamped(codes(asked)) == ["lv:yes", "lv:no"]
        assert "其承诺将转交给该组织的另一位联络人" not in asked.text and "another focal point" not in asked.text
        assert all(part in asked.text for part in said[language]), asked.text
    left = await chat.press(chat.person(201), confirm("lv:yes"))  # and it is so: BDT is told, nobody takes them over
    assert "no other focal point" in left[0].text
    assert any("lv:inv:" in code for m in await chat.collect(STAFF) for code in codes(m))


async def test_a_focal_point_with_a_colleague_is_still_told_the_colleague_takes_over(chat: ChatDriver) -> None:
    await chat.with_focal_points(("en", "en"), first_id=301)
    first = await contact(chat.database, 301)  # a pledge in their charge (without one, nothing changes hands)
    assert first.id is not None and first.entity_id is not None
    await add_pledge(chat.database, first.entity_id, first.id)
    (asked,) = await chat.send(chat.person(301), "/leave")
    assert "Its pledges will go to another focal point of it" in asked.text
    assert "no other focal point" not in asked.text


async def test_my_data_names_the_telegram_id_in_the_readers_language(chat: ChatDriver) -> None:
    await chat.with_focal_points(("zh", "ar", "fr"), first_id=987654321)
    expected = {987654321: ("zh", "ID"), 987654322: ("ar", "المعرّف"), 987654323: ("fr", "identifiant")}
    for telegram_id, (language, word) in expected.items():
        summary = (await chat.send(chat.person(telegram_id, language_code=language), "/mydata"))[0].text
        assert " · id " not in summary, summary
        assert word in summary and str(telegram_id) in summary, summary  # an id: its digits never grouped


async def test_an_invitation_link_names_the_country_of_an_organisation_that_shares_its_name(
        chat: ChatDriver) -> None:
    entities = {}
    for iso3 in ("EGY", "JOR"):
        _, entity, _ = await invite(CreateInvite(MINISTRY, Role.focal_point, country_iso3=iso3),
                                    chat.database.uow(), utcnow())
        entities[iso3] = entity.id
    staff = chat.person(STAFF, "Bea")
    for iso3, country, other in (("EGY", "Egypt", "Jordan"), ("JOR", "Jordan", "Egypt")):
        (answer,) = await chat.send(staff, f"/invite {entities[iso3]} coordinator")
        assert MINISTRY in answer.text and country in answer.text and other not in answer.text, answer.text
        assert "t.me/" in answer.text
