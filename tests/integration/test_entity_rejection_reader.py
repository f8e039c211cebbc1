"""The person an organisation's rejection is written to, and what becomes of the registration of another
organisation they began once BDT validates theirs after all (exploratory findings i_langs 2 and 3: the reason
prompt said neither who reads it nor in which language, and called them "the focal point"; after "↩️ Validate after
all", the next /pledge was headed "BDT could not validate …, register another organisation")."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver
from sqlmodel import col, select

from bot.i18n import Rendered, Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from handlers.inputs import Person
from models.clock import utcnow
from models.database import Database
from models.tables import Draft, Entity
from models.values import Role

BEA, OLEG = 9411, 9412
NAME = "Ministry of Digital Development of Tajikistan"
REASON = "A duplicate: this ministry is registered already."
DROPPED = "The registration of another organisation that you had begun is closed: it is no longer needed."


async def register(driver: ChatDriver, oleg: Person) -> list[Rendered]:
    """Oleg registers his ministry: what the bot answers his Submit."""
    await driver.send(oleg, "/start")
    await driver.press(oleg, "f:consent:c:yes")
    await driver.send(oleg, NAME)
    await driver.press(oleg, "f:sector:c:government")
    await driver.send(oleg, "Tajikistan")
    await driver.send(oleg, "Oleg Petrov")
    return await driver.press(oleg, "f:$sum:submit")


async def registered(database: Database, deps: Deps, renderer: Renderer, language: str) -> ChatDriver:
    """A staff member, and Oleg (Telegram app in `language`), who registered an organisation waiting for
    validation."""
    driver = ChatDriver(database, deps, renderer)
    await grant_role(GrantRole(BEA, Role.staff), database.uow(), utcnow())
    await driver.send(driver.person(BEA, "Bea"), "/help")
    await register(driver, driver.person(OLEG, "Oleg", language))
    for telegram_id in (BEA, OLEG):
        await driver.collect(telegram_id)
    return driver


async def entity_id(database: Database) -> int:
    async with database.uow() as uow:
        entity = (await uow.session.execute(select(Entity).where(col(Entity.name) == NAME))).scalar_one()
        assert entity.id is not None
        return entity.id


async def forms_open(database: Database) -> list[str]:
    """The forms anybody has a draft of (Bea's reason was sent: only Oleg could have one)."""
    async with database.uow() as uow:
        return list((await uow.session.execute(select(Draft.form_id))).scalars())


async def test_the_reason_prompt_says_who_reads_it_and_in_which_language(
        database: Database, deps: Deps, renderer: Renderer) -> None:
    chat = await registered(database, deps, renderer, "ru")
    asked = await chat.press(chat.person(BEA, "Bea"), f"ent:no:{await entity_id(database)}")
    prompt = asked[-1].text
    assert "Oleg Petrov reads Russian. Write your comment in that language." in prompt
    assert "focal point" not in prompt  # his organisation is the one being rejected: he is not one yet
    assert "Write the reason for the person who registered the organisation" in prompt


@pytest.fixture
async def rejected(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Oleg's organisation rejected, and the news of it read."""
    chat = await registered(database, deps, renderer, "en")
    bea = chat.person(BEA, "Bea")
    await chat.press(bea, f"ent:no:{await entity_id(database)}")
    await chat.send(bea, REASON)
    await chat.collect(BEA)
    await chat.collect(OLEG)
    return chat


async def test_validated_after_all_the_registration_of_another_organisation_is_dropped(
        rejected: ChatDriver) -> None:
    chat, oleg = rejected, rejected.person(OLEG, "Oleg", "en")
    offered = await chat.send(oleg, "/start")
    assert "register another organisation" in offered[-1].text
    await chat.press(oleg, "f:consent:c:yes")  # begun, then left when the good news comes
    await chat.press(chat.person(BEA, "Bea"), f"ent:re:{await entity_id(chat.database)}")

    [news] = await chat.collect(OLEG)
    assert await forms_open(chat.database) == []
    pledging = await chat.send(oleg, "/pledge")
    assert not any("could not validate" in m.text or "⏸" in m.text for m in pledging)
    cancelled = await chat.press(oleg, "f:title:cancel")  # nothing answered: cancelled at once
    assert "Cancelled. Nothing was kept." in cancelled[0].text, cancelled[0].text
    assert not any("organisation" in m.text.lower() and "Question" in m.text for m in cancelled)  # not back
    assert "Welcome back" in (await chat.send(oleg, "/start"))[-1].text
    assert f"“{NAME}” has been validated by BDT" in news.text and DROPPED in news.text  # and he was told


async def test_validated_after_all_with_nothing_begun_says_nothing_of_it(rejected: ChatDriver) -> None:
    await rejected.press(rejected.person(BEA, "Bea"), f"ent:re:{await entity_id(rejected.database)}")
    [news] = await rejected.collect(OLEG)
    assert "has been validated by BDT" in news.text and DROPPED not in news.text


async def test_its_focal_point_registering_it_again_is_not_sent_to_its_focal_point(rejected: ChatDriver) -> None:
    """A tester's ministry, rejected, registered again by himself: he was told "its focal point can write to BDT"."""
    told = " ".join(m.text for m in await register(rejected, rejected.person(OLEG, "Oleg", "en")))
    assert f"“{NAME}” is your organisation, and BDT could not validate it." in told, told
    assert "its focal point" not in told and "write to BDT with /ask" in told, told


async def test_a_notice_of_an_organisation_nobody_is_left_in_says_so(rejected: ChatDriver) -> None:
    """Tester: Amina, rejected, registered another organisation (no longer a member of the first); "Validate after
    all" of the first re-rendered every staff copy as "…(no. 15; Civil society, Jordan), registered by ."."""
    chat, oleg = rejected, rejected.person(OLEG, "Oleg", "en")
    first = await entity_id(chat.database)
    await chat.send(oleg, "/start")  # "register another organisation"
    await chat.press(oleg, "f:consent:c:yes")
    await chat.send(oleg, "Tajik Telecom Academy")
    await chat.press(oleg, "f:sector:c:academia")
    await chat.send(oleg, "Tajikistan")
    await chat.send(oleg, "Oleg Petrov")
    await chat.press(oleg, "f:$sum:submit")
    await chat.collect(BEA)
    done = " ".join(m.text for m in await chat.press(chat.person(BEA, "Bea"), f"ent:re:{first}"))
    assert "is validated" in done and "registered by ." not in done, done
    assert "whoever registered it is no longer its focal point" in done, done
