"""Several files sent at once (an album: one message each, sharing Telegram's media_group_id) get one answer that
is kept up to date, not one question asked again per file. Before, an album of five photos at the evidence question
brought five copies of the question, each listing what had come so far."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_helpdesk import ANA, chat, threads  # noqa: F401  (the fixture: two staff members, two focal points)
from test_reports import STAFF, Counter, member, validated_pledge

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.inputs import Incoming
from handlers.router import handle
from models.clock import utcnow
from models.database import Database
from models.tables import ProgressReport

ALBUM, OTHER = "13540233489123456", "13540233489123999"


@pytest.fixture
async def reporting(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A focal point (1201) with a validated pledge, and the staff member."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    await member(driver, 1201)
    await validated_pledge(driver, 1201)
    return driver


async def at_evidence(driver: ChatDriver) -> Counter:
    """The focal point's report, answered up to its evidence question."""
    who = Counter(driver, 1201)
    await who.send("/report")
    await who.press("f:status:c:in_progress")
    for value in ("40", "120", "3000"):
        await who.send(value)
    await who.press("f:women_share:c:50")
    await who.send("We connected 120 schools.")
    await who.press("f:challenges:skip")
    asked = await who.press("f:partnership_needs:skip")
    assert "Send evidence" in asked[-1].text
    return who


async def test_an_album_at_the_evidence_question_gets_one_answer_kept_up_to_date(reporting: ChatDriver,
                                                                              database: Database) -> None:
    who = await at_evidence(reporting)
    first = await reporting.send_file(who.person, "photo", "PHOTO-1", caption="Schools in Kolda", album=ALBUM)
    assert len(first) == 1 and reporting.edited == [False] and "Received: 1 item." in first[0].text
    for n in (2, 3, 4):
        shown = await reporting.send_file(who.person, "photo", f"PHOTO-{n}", album=ALBUM)
        assert len(shown) == 1 and reporting.edited == [True], [m.text for m in shown]
        assert f"Received: {n} items." in shown[0].text and "f:evidence:done" in codes(shown[0])
    # a file sent on its own afterwards is answered below it, as anything typed is
    alone = await reporting.send_file(who.person, "document", "DOC-1", "budget.pdf")
    assert reporting.edited == [False] and "Received: 5 items." in alone[0].text
    # and so is the next album's first file
    again = await reporting.send_file(who.person, "photo", "PHOTO-6", album=OTHER)
    assert reporting.edited == [False] and "Received: 6 items." in again[0].text
    await reporting.press(who.person, "f:evidence:done")
    await reporting.press(who.person, "f:$sum:submit")
    async with database.uow() as uow:
        report = (await uow.session.execute(select(ProgressReport).order_by(col(ProgressReport.id).desc()))) \
            .scalars().first()
    assert report is not None
    assert [item["file_id"] for item in report.evidence] == [
        "PHOTO-1", "PHOTO-2", "PHOTO-3", "PHOTO-4", "DOC-1", "PHOTO-6"]
    assert report.evidence[0]["caption"] == "Schools in Kolda"


async def test_an_album_whose_file_is_refused_keeps_one_answer(reporting: ChatDriver) -> None:
    who = await at_evidence(reporting)
    await reporting.send_file(who.person, "photo", "PHOTO-1", album=ALBUM)
    twice = await reporting.send_file(who.person, "photo", "PHOTO-1", album=ALBUM)  # the same file twice
    assert reporting.edited == [True] and "received already" in twice[0].text
    shown = await reporting.send_file(who.person, "photo", "PHOTO-2", album=ALBUM)
    assert reporting.edited == [True] and "Received: 2 items." in shown[0].text


async def test_an_album_typed_at_a_question_of_words_is_told_once(reporting: ChatDriver) -> None:
    """An album at a question of words: one answer, for its first file and its caption. A tester: the album's next
    files edited that answer, and the line saying the caption was not kept went with the edit."""
    who = Counter(reporting, 1201)
    await who.send("/report")
    await who.press("f:status:c:in_progress")
    told = await reporting.send_file(who.person, "photo", "PHOTO-1", album=ALBUM, caption="Escuelas conectadas")
    assert reporting.edited == [False] and len(told) == 1 and "“Escuelas conectadas”" in told[0].text
    for n in (2, 3):
        assert await reporting.send_file(who.person, "photo", f"PHOTO-{n}", album=ALBUM) == []
    again = await reporting.send_file(who.person, "photo", "PHOTO-4", album=OTHER)  # another album: told again
    assert len(again) == 1 and reporting.edited == [False] and "percent" in again[0].text.lower()


async def test_an_album_sent_outside_a_form_is_offered_to_bdt_as_one_message(chat: ChatDriver,  # noqa: F811
                                                                           database: Database) -> None:
    ana = chat.person(ANA, "Ana", "es")
    offered = await chat.send_file(ana, "photo", "PHOTO-1", caption="La antena del techo.", album=ALBUM)
    assert len(offered) == 1 and chat.edited == [False] and "f:message:send" in codes(offered[0])
    for n in (2, 3):
        shown = await chat.send_file(ana, "photo", f"PHOTO-{n}", album=ALBUM)
        assert len(shown) == 1 and chat.edited == [True] and f"{n} archivos adjuntos" in shown[0].text
    done = await chat.press(ana, "f:message:send")
    assert "Su pregunta Q-" in done[0].text
    [thread] = await threads(database)
    assert thread.id is not None


async def test_a_location_or_sticker_is_told_what_the_question_takes(reporting: ChatDriver) -> None:
    """Demo tester: a location sent at a question of words was told "I can only read text, documents and photos",
    which that question does not take either."""
    who = Counter(reporting, 1201)
    await who.send("/report")
    await who.press("f:status:c:in_progress")
    sticker = Incoming(990_001, who.person, utcnow(), unreadable="sticker")
    await handle(sticker, reporting.database.uow(), reporting.deps)
    [told] = await reporting.collect(who.person.chat_id)
    assert told.text.startswith("This question needs a typed answer or a button.") and "percent" in told.text.lower()
    await at_evidence_from_percent(who)
    location = Incoming(990_002, who.person, utcnow(), unreadable="location")
    await handle(location, reporting.database.uow(), reporting.deps)
    [evidence] = await reporting.collect(who.person.chat_id)
    assert evidence.text.startswith("Please send a document, a photo or a video, or type a link.")  # what it takes


async def at_evidence_from_percent(who: Counter) -> None:
    for value in ("40", "120", "3000"):
        await who.send(value)
    await who.press("f:women_share:c:50")
    await who.send("We connected 120 schools.")
    await who.press("f:challenges:skip")
    await who.press("f:partnership_needs:skip")


async def test_a_link_typed_without_its_scheme_is_evidence(reporting: ChatDriver, database: Database) -> None:
    """A tester's "www.ejemplo.bo/x" was refused for want of "https://" (and "http://ejemplo.bo/x" taken): a link as
    people type it is kept, with https:// before it."""
    who = await at_evidence(reporting)
    kept = await who.send("Informe en www.ejemplo.bo/informe-2027.")
    assert "ejemplo.bo/informe-2027" in kept[-1].text and "f:evidence:done" in codes(kept[-1]), kept[-1].text
    await who.press("f:evidence:done")
    await who.press("f:$sum:submit")
    async with database.uow() as uow:
        report = (await uow.session.execute(select(ProgressReport))).scalar_one()
    assert report.evidence == [{"kind": "link", "url": "https://www.ejemplo.bo/informe-2027", "caption": "Informe en"}]
