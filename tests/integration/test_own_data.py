"""Each person's data (issue 15): /privacy in six languages with the retention settings, /mydata (summary and JSON
file), /forget (no table keeps the person's name or Telegram id, pledges and reports stay), and consent withdrawal
stopping announcements and digests but not answers; on both backends."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from chat_driver import ChatDriver, codes, confirm, unstamped
from sqlalchemy import update
from sqlmodel import SQLModel, col, select

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.broadcasts.service import CreateBroadcast, create_broadcast
from handlers.buttons import CONFIRM_WITHIN, stamp
from handlers.conversation import Deps
from handlers.digests.jobs import send_due_digests
from handlers.inputs import Person
from handlers.personal_data import PERSONAL_DATA
from models.clock import utcnow
from models.database import Database
from models.repositories.subscriptions import Files
from models.retention import Retention, purge
from models.tables import AuditLog, Contact, Draft, GeneratedFile, Outbox, Pledge, ProgressReport
from models.values import LANGUAGES, PledgeStatus, Role

STAFF = 9500
TELEGRAM_ID = 987654321987  # distinctive: no other number of the database contains it
NAME, ORG = "Quentin Xylander", "Zephyrine Quokka Networks"
TELEGRAM_NAMES = ("Tiberius", "Quaxley", "tquax_77")


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with a staff member who validates organisations."""
    driver = await ChatDriver.with_staff(database, deps, renderer, STAFF)
    driver.mailbox.clear()
    return driver


def quentin(language: str = "es") -> Person:
    return Person(TELEGRAM_ID, TELEGRAM_ID, *TELEGRAM_NAMES, language)


async def register(chat: ChatDriver, person: Person) -> Contact:
    """Quentin registers his organisation (staff are told his name), staff validate it."""
    await chat.send(person, "/start")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, ORG)
    await chat.press(person, "f:sector:c:academia")
    await chat.send(person, "Kenya")
    await chat.send(person, NAME)
    await chat.press(person, "f:$sum:submit")
    staff = await chat.collect(STAFF)
    assert any(NAME in m.text for m in staff)  # an outbox row names him
    (validate,) = [c for m in staff for c in codes(m) if c.startswith("ent:ok:")]
    await chat.press(chat.person(STAFF, "Bea"), validate)
    async with chat.database.uow() as uow:
        return (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == TELEGRAM_ID))).scalar_one()


async def with_pledge_and_report(database: Database, contact: Contact) -> tuple[int, int]:
    async with database.uow() as uow:
        assert contact.entity_id is not None
        pledge = Pledge(ref="P2C-2026-00042", entity_id=contact.entity_id, created_by=contact.id,
                        title="Schools online in Kisumu", description="Connect forty schools in Kisumu county.",
                        focus_area="access", pillars=["infrastructure"], pledge_type="programmatic",
                        countries=["KEN"], status=PledgeStatus.validated)
        uow.session.add(pledge)
        await uow.flush()
        assert pledge.id is not None
        report = ProgressReport(pledge_id=pledge.id, period="2026", status="in_progress",
                                steps_taken="Twenty schools connected so far.", submitted_by=contact.id)
        uow.session.add(report)
        await uow.flush()
        await uow.commit()
        assert report.id is not None
        return pledge.id, report.id


async def tables_holding(database: Database, *needles: str) -> dict[str, list[str]]:
    """Every table and column in which some row holds one of `needles` (compared as text, case-insensitive)."""
    found: dict[str, list[str]] = {}
    async with database.uow() as uow:
        for table in SQLModel.metadata.sorted_tables:
            for row in await uow.session.execute(select(table)):
                for column, value in row._mapping.items():
                    shown = (value.decode("utf-8", "replace") if isinstance(value, bytes)
                             else json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, dict | list)
                             else str(value))
                    if any(needle.casefold() in shown.casefold() for needle in needles):
                        found.setdefault(table.name, []).append(str(column))
    return found


async def test_privacy_note_in_six_languages_states_the_retention(chat: ChatDriver, deps: Deps) -> None:
    from dataclasses import replace

    chat.deps = replace(deps, log_retention_days=30)  # as deploy/p2c-bot.env sets it
    texts = {}
    for index, language in enumerate(LANGUAGES):
        (note,) = await chat.send(chat.person(9600 + index, "Ana", language), "/privacy")
        texts[language] = note.text
        assert "/mydata" in note.text and "/forget" in note.text and "/settings" in note.text
        for days in ("7", "90", "14", "30"):  # updates, outbox, files, logs (the audit trail is kept)
            assert days in note.text, (language, days)
    assert len(set(texts.values())) == 6
    assert "7 days" in texts["en"] and "90 days" in texts["en"] and "7 дней" in texts["ru"]
    assert "kept" in texts["en"].split("Audit trail")[1].split("\n")[0]
    # the questions said kept have their time too (a tester found none)
    assert "<b>Your questions to the P2C team, and their answers</b>: until you ask to be forgotten" in texts["en"]


async def test_privacy_follows_the_configured_retention(chat: ChatDriver, deps: Deps) -> None:
    from dataclasses import replace

    chat.deps = replace(deps, retention=Retention(timedelta(days=3), timedelta(days=45), timedelta(days=400)),
                        log_retention_days=None)
    (note,) = await chat.send(chat.person(9610, "Ana"), "/privacy")
    assert "3 days" in note.text and "45 days" in note.text and "400 days" in note.text
    assert "as long as the operator keeps them" in note.text


async def test_my_data_sends_a_summary_and_a_json_file(chat: ChatDriver, database: Database) -> None:
    person = quentin("es")
    contact = await register(chat, person)
    await with_pledge_and_report(database, contact)
    await chat.send(person, "/ask ¿Cuándo vence nuestro primer informe?")  # a question to BDT
    await chat.send(person, "/pledge")  # a draft
    await chat.send(person, "Conectar 300 escuelas rurales")
    answers = await chat.send(Person(TELEGRAM_ID, TELEGRAM_ID, *TELEGRAM_NAMES, "es"), "/mydata")
    *answers, question = answers  # in the middle of the pledge, its question comes back after the file
    assert any(code == "f:description:cancel" for row in question.buttons for _, code in row), question.text
    summary = answers[-2].text
    assert NAME in summary and ORG in summary and "@tquax_77" in summary and str(TELEGRAM_ID) in summary
    assert "1 compromiso que usted presentó" in summary and "1 informe de avance presentado" in summary
    assert "1 formulario sin terminar" in summary
    assert "1 conversación con el equipo de P2C" in summary, summary
    assert "Sus datos" in answers[-1].text
    async with database.uow() as uow:
        row = (await uow.session.execute(select(Outbox).where(col(Outbox.key).endswith(":mydata")))).scalar_one()
        files = await Files(uow.session).get([int(row.payload["upload"]["file"])])
    (name, mime_type, content), = files.values()
    data = json.loads(content)
    assert mime_type == "application/json" and name.endswith(".json")
    assert data["profile"]["telegram_id"] == TELEGRAM_ID and data["profile"]["full_name"] == NAME
    assert data["role"] == "focal_point" and data["entity"]["name"] == ORG
    assert data["consents"]["announcements_and_digests"] is True and data["consents"]["registration_consent_at"]
    assert [p["ref"] for p in data["pledges_submitted"]] == ["P2C-2026-00042"]
    assert [r["period"] for r in data["reports_submitted"]] == ["2026"]
    assert [d["form_id"] for d in data["drafts"]] == ["pledge"]
    asked = [[m["text"] for m in q["messages"]] for q in data["questions"]]
    assert asked == [["¿Cuándo vence nuestro primer informe?"]]
    # what the audit trail recorded them doing (a tester: /privacy says it is kept, and /mydata left it out)
    assert {"question.asked"} <= {a["action"] for a in data["actions"]} and all("details" not in a
                                                                             for a in data["actions"])
    assert {a.name for a in PERSONAL_DATA} >= {"drafts", "pledges_submitted", "reports_submitted", "messages"}


async def test_forget_leaves_no_name_nor_telegram_id_in_any_table(chat: ChatDriver, database: Database) -> None:
    person = quentin("fr")
    contact = await register(chat, person)
    pledge_id, report_id = await with_pledge_and_report(database, contact)
    await chat.send(person, "/mydata")  # a file holding everything
    await chat.press(person, "st:consent:off")  # an audit row
    await chat.send(person, f"/ask Ici {NAME} : qui relit notre rapport ?")  # a question naming them
    await chat.send(person, "/pledge")  # a draft
    await chat.send(person, "Conectar 300 escuelas rurales")
    needles = (NAME, *TELEGRAM_NAMES, str(TELEGRAM_ID))
    assert set(await tables_holding(database, *needles)) >= {"contact", "outbox", "generated_file", "question_message"}

    asked = await chat.send(person, "/forget")
    assert unstamped(codes(asked[-1])) == ["me:forget:yes", "me:forget:no"] and "ancien point focal" in asked[-1].text
    kept = await chat.press(person, confirm("me:forget:no"))
    assert "Rien n’a été effacé" in kept[0].text
    assert "Question 2 sur 15" in kept[-1].text  # then back to the pledge left open
    async with database.uow() as uow:  # the command menu the adapter set for them (bot.telegram.ChatMenus)
        (await uow.session.get(Contact, contact.id)).menu = "focal_point.fr.0123456789ab"  # type: ignore[union-attr]
        await uow.commit()
    await chat.send(person, "/forget")
    farewell = await chat.press(person, confirm("me:forget:yes"))
    assert "effacées" in farewell[-1].text  # in their language, to their chat

    # the farewell (sent) is the one row left holding their chat; the next purge takes it
    assert await tables_holding(database, *needles) == {"outbox": ["chat_id"]}
    await purge(database.uow, Retention(), utcnow())
    assert await tables_holding(database, *needles) == {}

    async with database.uow() as uow:
        forgotten = await uow.session.get(Contact, contact.id)
        assert forgotten is not None and forgotten.forgotten_at is not None and forgotten.telegram_id < 0
        assert (forgotten.role, forgotten.entity_id, forgotten.full_name, forgotten.menu) == (None, None, None, None)
        pledge, report = await uow.session.get(Pledge, pledge_id), await uow.session.get(ProgressReport, report_id)
        assert pledge is not None and pledge.created_by == contact.id and pledge.entity_id == contact.entity_id
        assert report is not None and report.submitted_by == contact.id
        actions = (await uow.session.execute(select(AuditLog.action).where(AuditLog.actor_id == contact.id))).scalars()
        assert {"entity.registered", "consent.withdrawn", "person.forgotten"} <= set(actions)
        assert (await uow.session.execute(select(Draft))).first() is None
        assert (await uow.session.execute(select(GeneratedFile))).first() is None
    again = await chat.send(person, "/start")
    assert "f:consent:c:yes" in codes(again[-1])  # someone new: asked for consent again
    async with database.uow() as uow:
        fresh = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == TELEGRAM_ID))).scalar_one()
        assert fresh.id != contact.id and fresh.full_name is None


async def test_consent_withdrawal_stops_announcements_and_digests_not_answers(chat: ChatDriver, database: Database,
                                                                             deps: Deps) -> None:
    other = 9501
    await grant_role(GrantRole(other, Role.staff), database.uow(), utcnow())
    person = chat.person(other, "Olga", "ru")
    await chat.send(person, "/help")
    async with database.uow() as uow:  # an announcement still waiting for delivery when she withdraws
        await create_broadcast(uow.session, CreateBroadcast(["everyone"], {"en": "Earlier news"}), utcnow(),
                               utcnow().date(), "en")
        await uow.commit()
    shown = await chat.press(person, "st:consent:off")
    assert "st:consent:on" in codes(shown[0]) and "отозвано" in shown[0].text
    async with database.uow() as uow:  # both were staff (weekly digest by default) long before
        await uow.session.execute(update(Contact).values(created_at=utcnow() - timedelta(days=30)))
        await uow.commit()
        ids = {c.telegram_id: c.id for c in (await uow.session.execute(select(Contact))).scalars()}
    async with database.uow() as uow:
        await create_broadcast(uow.session, CreateBroadcast(["everyone"], {"en": "Hello, coalition"}), utcnow(),
                               utcnow().date(), "en")
        await uow.commit()
    now = utcnow()
    monday = (now + timedelta(days=7 - now.weekday())).replace(hour=10, minute=0, second=0, microsecond=0)
    assert await send_due_digests(database.uow, monday, deps.translate) == 1  # Bea's only
    async with database.uow() as uow:
        rows = (await uow.session.execute(select(Outbox.key, Outbox.contact_id)
                                          .where(col(Outbox.key).like("bc:%") | col(Outbox.key).like("dg:%")))).all()
    assert {contact_id for _, contact_id in rows} == {ids[STAFF]}
    answer = await chat.send(person, "/digest now")  # what they ask for still comes
    assert any(m.text for m in answer)
    async with database.uow() as uow:
        asked = (await uow.session.execute(select(Outbox.key).where(col(Outbox.contact_id) == ids[other],
                                                                    col(Outbox.key).like("dgn:%")))).scalars().all()
    assert asked
    given = await chat.press(person, "st:consent:on")
    assert "st:consent:off" in codes(given[0])


async def test_an_erasure_declined_or_asked_long_ago_cannot_be_confirmed_by_mistake(chat: ChatDriver,
                                                                                  database: Database) -> None:
    """A tester pressed "No, keep my data", then the "Yes, erase" still under it: erased. "No" now replaces the
    question, and a Yes from a question asked more than half an hour ago (or with no moment) erases nothing."""
    person = chat.person(TELEGRAM_ID, "Aminata", "fr")
    await register(chat, person)
    asked = await chat.send(person, "/forget")
    prompt, (yes, no) = chat.sent_ids[-1], codes(asked[-1])
    kept = await chat.press(person, no, on=prompt)
    assert chat.edited[0] and codes(kept[0]) == [] and "Rien n’a été effacé" in kept[0].text
    stale = stamp(utcnow() - CONFIRM_WITHIN - timedelta(minutes=1))
    for late in ("me:forget:yes", f"me:forget:yes:{stale}"):
        expired = await chat.press(person, late, on=prompt)
        assert "/forget" in expired[0].text and "rien n’a été effacé" in expired[0].text, expired[0].text
    async with database.uow() as uow:
        still = (await uow.session.execute(select(Contact).where(Contact.telegram_id == TELEGRAM_ID))).scalar_one()
    assert still.forgotten_at is None and still.full_name is not None
    farewell = await chat.press(person, yes, on=prompt)
    assert "effacées" in farewell[-1].text
    async with database.uow() as uow:  # and it replaces the question: its "No" cannot say "nothing was erased" after
        bye = (await uow.session.execute(select(Outbox).where(col(Outbox.key).startswith("bye:")))).scalar_one()
    assert bye.payload.get("edit_message_id") == prompt
