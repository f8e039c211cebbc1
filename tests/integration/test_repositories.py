"""Repositories on both backends: what each method reads and writes, as the journeys and delivery rely on it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update

from models.clock import utcnow
from models.database import INSTANCE, Database
from models.repositories.audit import AuditTrail
from models.repositories.base import among, table_of
from models.repositories.contacts import Contacts
from models.repositories.drafts import DraftConflictError, Drafts
from models.repositories.outbox import (
    INTERACTIVE,
    SENDING_LEASE,
    Attempt,
    OutboxRows,
    Queued,
    open_earlier,
    working_hours,
)
from models.repositories.updates import ProcessedUpdates
from models.tables import AuditLog, Contact, Draft, Entity, Outbox
from models.values import OutboxStatus, Role


async def add_contact(database: Database, telegram_id: int = 5, **values: object) -> Contact:
    async with database.uow() as uow:
        contact = Contact(telegram_id=telegram_id, chat_id=telegram_id, first_name="Awa", **values)  # type: ignore[arg-type]
        await Contacts(uow.session).add(contact)
        await uow.commit()
        return contact


async def test_an_update_is_marked_once(database: Database) -> None:
    async with database.uow() as uow:
        updates = ProcessedUpdates(uow.session)
        assert await updates.mark(7, utcnow())
        assert not await updates.mark(7, utcnow()), "the same update id again"
        await uow.commit()
    async with database.uow() as uow:
        assert await ProcessedUpdates(uow.session).mark_and_meet(7, 5, utcnow()) is None


async def test_marking_meets_the_person_with_their_latest_draft(database: Database) -> None:
    async with database.uow() as uow:
        assert await ProcessedUpdates(uow.session).mark_and_meet(1, 5, utcnow()) == ((None, None, None), None), \
            "a new person"
        await uow.commit()
    contact = await add_contact(database)
    assert contact.id is not None
    async with database.uow() as uow:
        assert await ProcessedUpdates(uow.session).mark_and_meet(2, 5, utcnow()) == ((contact, None, None), None)
        drafts = Drafts(uow.session)
        await drafts.open(contact.id, "pledge", "title", {"answers": {}}, utcnow() - timedelta(hours=1))
        await drafts.open(contact.id, "join", "full_name", {"answers": {"x": "é"}}, utcnow())
        await uow.commit()
    async with database.uow() as uow:
        met = await ProcessedUpdates(uow.session).mark_and_meet(3, 5, utcnow())
        assert met is not None
        (found, draft, country), pressed = met
        assert country is None, "in no organisation"
        assert pressed is None, "no button pressed"
        assert found is not None and found.id == contact.id and found.first_name == "Awa"
        assert draft is not None and draft.form_id == "join" and draft.state == {"answers": {"x": "é"}}
        assert await uow.session.get(Contact, contact.id) is found, "loaded in the session, as the ORM keeps it"



async def test_the_person_is_met_with_their_organisations_country(database: Database) -> None:
    """Whose capital's zone is theirs until they choose one: the day a form calls today (Conversation.today)."""
    async with database.uow() as uow:
        entity = Entity(name="Ministerio", name_key="ministerio", sector="government", country_iso3="BOL",
                        status="validated")
        uow.session.add(entity)
        await uow.commit()
    await add_contact(database, entity_id=entity.id)
    async with database.uow() as uow:
        met = await ProcessedUpdates(uow.session).mark_and_meet(1, 5, utcnow())
        assert met is not None and met[0][2] == "BOL"
        assert (await Contacts(uow.session).with_latest_draft(5))[2] == "BOL"

async def test_a_press_meets_the_person_with_the_key_of_the_message_pressed(database: Database) -> None:
    contact = await add_contact(database)
    reply: dict[str, object] = {"reply": {"parts": ["hi"]}}
    async with database.uow() as uow:
        rows = OutboxRows(uow.session)
        await rows.enqueue("u:1:0", 5, contact.id, reply, priority=INTERACTIVE, now=utcnow())
        # an edit of it, which records the same message id and names the row it edits
        await rows.enqueue("u:2:0", 5, contact.id, {**reply, "edit_of": "u:1:0"}, priority=INTERACTIVE, now=utcnow())
        await uow.session.execute(update(Outbox).values(status=OutboxStatus.sent, telegram_message_id=77))
        await uow.commit()
    async with database.uow() as uow:
        updates = ProcessedUpdates(uow.session)
        assert await updates.mark_and_meet(3, 5, utcnow(), (5, 77)) == ((contact, None, None), "u:1:0")
        assert await updates.mark_and_meet(4, 5, utcnow(), (5, 78)) == ((contact, None, None), None), "not the outbox's"
        assert await updates.mark_and_meet(5, 6, utcnow(), (6, 77)) == ((None, None, None), None), "nobody there"
        assert await updates.mark_and_meet(3, 5, utcnow(), (5, 77)) is None, "handled before"
        # the Bot API numbering the chat afresh: message 77 is now another one
        await OutboxRows(uow.session).enqueue("u:6:0", 5, contact.id, reply, priority=INTERACTIVE, now=utcnow())
        await uow.session.execute(update(Outbox).where(col(Outbox.key) == "u:6:0")
                                  .values(status=OutboxStatus.sent, telegram_message_id=77))
        assert await updates.mark_and_meet(7, 5, utcnow(), (5, 77)) == ((contact, None, None), "u:6:0")
        assert await OutboxRows(uow.session).key_at(5, 77) == "u:6:0", "the same rule as a key read alone"


async def test_a_draft_saved_over_a_newer_version_is_refused(database: Database) -> None:
    contact = await add_contact(database)
    assert contact.id is not None
    async with database.uow() as uow:
        await Drafts(uow.session).open(contact.id, "pledge", "title", {}, utcnow())
        await uow.commit()
    async with database.uow() as first, database.uow() as second:
        mine = await Drafts(first.session).find(contact.id, "pledge")
        assert mine is not None and mine.version == 1
        await Drafts(first.session).save(mine, "description", {"answers": {"title": "Fibre"}}, utcnow())
        assert mine.version == 2 and not first.session.dirty, "the object follows the row, unmarked as changed"
        await first.commit()
        stale = await Drafts(second.session).find(contact.id, "pledge")
        assert stale is not None
        stale_copy = Draft(id=stale.id, contact_id=contact.id, form_id="pledge", step_id="title", version=1)
        with pytest.raises(DraftConflictError):
            await Drafts(second.session).save(stale_copy, "x", {}, utcnow())


async def test_opening_a_draft_again_replaces_it_with_a_new_version(database: Database) -> None:
    contact = await add_contact(database)
    assert contact.id is not None
    async with database.uow() as uow:
        drafts = Drafts(uow.session)
        await drafts.open(contact.id, "pledge", "title", {"answers": {"a": 1}}, utcnow())
        await drafts.open(contact.id, "pledge", "title", {"answers": {}}, utcnow())
        await uow.commit()
    async with database.uow() as uow:
        (draft,) = (await uow.session.execute(select(Draft))).scalars().all()
        assert draft.version == 2 and draft.state == {"answers": {}}
        await Drafts(uow.session).discard(contact.id, "pledge")
        assert await Drafts(uow.session).find(contact.id, "pledge") is None


async def test_touching_a_contact_writes_without_marking_it_changed(database: Database) -> None:
    contact = await add_contact(database, role=Role.staff)
    async with database.uow() as uow:
        contacts = Contacts(uow.session)
        found = await contacts.by_telegram_id(5)
        assert found is not None
        await contacts.touch(found, {"first_name": "Awa Bintou", "username": "awa"})
        assert not uow.session.dirty and found.first_name == "Awa Bintou"
        assert [c.id for c in await contacts.staff()] == [contact.id]
        await contacts.mark_blocked([contact.id or 0])
        await uow.commit()
    async with database.uow() as uow:
        again = await Contacts(uow.session).get(contact.id or 0)
        assert again is not None and again.first_name == "Awa Bintou" and again.blocked
        assert await Contacts(uow.session).staff() == [], "a blocked person is not reachable"


async def test_audit_rows_are_written_in_the_callers_transaction(database: Database) -> None:
    async with database.uow() as uow:
        await AuditTrail(uow.session).record(None, "role.granted", "contact", 1, {"role": "staff"})
    async with database.uow() as uow:
        assert (await uow.session.execute(select(AuditLog))).all() == [], "not committed: rolled back"
        await AuditTrail(uow.session).record(None, "role.granted", "contact", 1, {"role": "staff"})
        await uow.commit()
    async with database.uow() as uow:
        (row,) = (await uow.session.execute(select(AuditLog))).scalars().all()
        assert (row.action, row.target_id, row.details) == ("role.granted", 1, {"role": "staff"})


async def test_the_outbox_protocol_from_enqueue_to_outcome(database: Database) -> None:
    contact = await add_contact(database, language="fr")
    other = await add_contact(database, 6, language="fr")  # an earlier row waiting for its retry would hold a chat
    now = utcnow()
    async with database.uow() as uow:
        rows = OutboxRows(uow.session)
        first = await rows.enqueue("k:1", contact.chat_id, contact.id, {"reply": 1}, priority=0, now=now)
        assert first is not None and rows.left_for_delivery()
        assert await rows.enqueue("k:1", contact.chat_id, contact.id, {"reply": 2}, priority=0, now=now) is None
        urgent = await rows.enqueue("k:2", other.chat_id, other.id, {"reply": 3}, priority=INTERACTIVE, now=now)
        edit = await rows.enqueue("k:3", contact.chat_id, contact.id, {"reply": 4, "edit_of": "k:1"}, priority=0,
                                  now=now)
        await uow.commit()
    async with database.uow() as uow:
        taken = await OutboxRows(uow.session).claim(now, 10, lambda row: True)
        await uow.commit()
    assert [row.id for row in taken] == [urgent, first], "by priority; the edit waits for the message it edits"
    assert taken[0].language == "fr" and taken[0].attempts == 0
    async with database.uow() as uow:
        assert await OutboxRows(uow.session).claim(now, 10, lambda row: True) == [], "taken rows are leased"
        item = Queued(first, contact.chat_id, contact.id, {}, "fr", attempts=1)
        failed = Queued(urgent or 0, contact.chat_id, contact.id, {}, "fr", attempts=1)
        await OutboxRows(uow.session).record([Attempt(item, OutboxStatus.sent, message_id=99),
                                              Attempt(failed, OutboxStatus.pending, error="timeout", retry_in=60)],
                                             now)
        await uow.commit()
    async with database.uow() as uow:
        (edited,) = await OutboxRows(uow.session).claim(now + timedelta(seconds=2), 10, lambda row: True)
        assert edited.id == edit and edited.payload["edit_message_id"] == 99
        await uow.commit()
    async with database.uow() as uow:
        found = {row.key: row for row in (await uow.session.execute(select(Outbox))).scalars()}
        assert found["k:1"].status == OutboxStatus.sent and found["k:1"].telegram_message_id == 99
        assert found["k:2"].status == OutboxStatus.pending and found["k:2"].last_error == "timeout"
        assert found["k:3"].status == OutboxStatus.sending
        assert await OutboxRows(uow.session).release(now, expired_only=True) == 0, "its lease runs"
        assert await OutboxRows(uow.session).release(now + SENDING_LEASE * 2, expired_only=True) == 1
        await uow.commit()


async def test_rows_handed_over_are_those_of_the_chat_due_now(database: Database) -> None:
    contact = await add_contact(database)
    other = await add_contact(database, 6)
    now = utcnow()
    async with database.uow() as uow:
        rows = OutboxRows(uow.session)
        await rows.enqueue("k:0", contact.chat_id, contact.id, {"reply": 0}, priority=INTERACTIVE, now=now)
        with rows.handing_over(contact.chat_id) as handed:
            file = await rows.enqueue("k:1", contact.chat_id, contact.id, {"reply": 1, "upload": {"file": 7}},
                                      priority=INTERACTIVE, now=now)
            assert await rows.enqueue("k:0", contact.chat_id, contact.id, {"reply": 2}, priority=INTERACTIVE,
                                      now=now) is None, "a key already there: nothing to hand over twice"
            later = await rows.enqueue("k:2", contact.chat_id, contact.id, {"reply": 3}, priority=INTERACTIVE, now=now,
                                       not_before=now + timedelta(hours=1))
            notice = await rows.enqueue("k:3", other.chat_id, other.id, {"reply": 4}, priority=INTERACTIVE, now=now)
        after = await rows.enqueue("k:4", contact.chat_id, contact.id, {"reply": 5}, priority=INTERACTIVE, now=now)
        await uow.commit()
    assert handed.rows == [(file, contact.id, {"reply": 1, "upload": {"file": 7}})]
    async with database.uow() as uow:
        status = {row.id: row.status for row in (await uow.session.execute(select(Outbox))).scalars()}
    assert status[file] == OutboxStatus.sending, "taken by delivery, to be handed to it after the commit"
    assert {status[later], status[notice], status[after]} == {OutboxStatus.pending}, \
        "one due later, another chat's, one written once it closed: left for a claim"


async def test_a_row_handed_over_after_an_outage_is_leased_from_when_it_is_written(database: Database) -> None:
    """Review: an update's `now` is the moment it came, kept across its retries while the database was away; a row
    handed over after a three-minute outage was written with its lease already run out, released by the next sweep
    of expired leases (or as taken and lost) while delivery still held it, and sent twice."""
    contact = await add_contact(database)
    came = utcnow() - timedelta(minutes=3)
    async with database.uow() as uow:
        uow.session.info[INSTANCE] = "me"
        rows = OutboxRows(uow.session)
        with rows.handing_over(contact.chat_id) as handed:
            await rows.enqueue("k:1", contact.chat_id, contact.id, {"reply": 1}, priority=INTERACTIVE, now=came)
        await uow.commit()
    assert len(handed.rows) == 1
    async with database.uow() as uow:
        uow.session.info[INSTANCE] = "me"
        rows = OutboxRows(uow.session)
        assert await rows.release(utcnow(), expired_only=True) == 0, "its lease runs from now"
        assert await rows.release_own("me", utcnow(), keep=set()) == 0, "taken just now: on its way to delivery"
        await uow.commit()


async def test_a_reminder_claimed_after_working_hours_waits_for_the_next_morning(database: Database) -> None:
    """A tester's reminder held for a Shanghai morning went out at 19:41 there once the bot's clock had jumped past
    that morning (as after downtime): a row bound to working hours is checked again when it is claimed."""
    shanghai, bogota = await add_contact(database), await add_contact(database, 6)
    morning = datetime(2027, 1, 18, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
    evening = datetime(2027, 1, 18, 11, 41, tzinfo=UTC)  # 19:41 in Shanghai, 06:41 in Bogotá
    async with database.uow() as uow:
        rows = OutboxRows(uow.session)
        held = await rows.enqueue("rm:1", shanghai.chat_id, shanghai.id,
                                  {"reply": 1, **working_hours("Asia/Shanghai", "CHN")}, priority=0, now=morning,
                                  not_before=morning)
        reply = await rows.enqueue("k:1", shanghai.chat_id, shanghai.id, {"reply": 2}, priority=0, now=evening)
        other = await rows.enqueue("rm:2", bogota.chat_id, bogota.id,
                                   {"reply": 3, **working_hours("America/Bogota", None)}, priority=0, now=evening)
        await uow.commit()
    async with database.uow() as uow:
        taken = await OutboxRows(uow.session).claim(evening, 10, lambda row: True)
        await uow.commit()
    assert [row.id for row in taken] == [reply], "the reply goes; neither reminder, and the first holds nobody back"
    async with database.uow() as uow:
        found = {row.key: row for row in (await uow.session.execute(select(Outbox))).scalars()}
    assert found["rm:1"].status == OutboxStatus.pending and found["rm:1"].attempts == 0
    assert found["rm:1"].not_before.replace(tzinfo=UTC) == datetime(2027, 1, 19, 1, 0, tzinfo=UTC)  # Tuesday 09:00
    assert found["rm:2"].not_before.replace(tzinfo=UTC) == datetime(2027, 1, 18, 14, 0, tzinfo=UTC)  # 09:00 Bogotá
    async with database.uow() as uow:
        later = await OutboxRows(uow.session).claim(datetime(2027, 1, 18, 14, 0, tzinfo=UTC), 10, lambda row: True)
        await uow.commit()
    assert [row.id for row in later] == [other]
    assert held is not None
    # a reviewer: a held reminder taken back after a crash (one attempt counted) held the chat's later rows back
    async with database.uow() as uow:
        await uow.session.execute(update(Outbox).where(col(Outbox.key) == "rm:1")
                                  .values(attempts=1, not_before=morning))
        await uow.session.execute(update(Outbox).where(col(Outbox.key) == "k:1").values(status=OutboxStatus.sent))
        await uow.commit()
    async with database.uow() as uow:
        assert await OutboxRows(uow.session).claim(evening, 10, lambda row: True) == []  # held again
        notice = await OutboxRows(uow.session).enqueue("k:2", shanghai.chat_id, shanghai.id, {"reply": 4},
                                                       priority=0, now=evening)
        await uow.commit()
    async with database.uow() as uow:
        taken = await OutboxRows(uow.session).claim(evening + timedelta(minutes=1), 10, lambda row: True)
        await uow.commit()
    assert [row.id for row in taken] == [notice]


async def test_an_unreachable_recipient_is_marked_blocked(database: Database) -> None:
    contact = await add_contact(database)
    async with database.uow() as uow:
        item = Queued(1, contact.chat_id, contact.id, {}, "en")
        await OutboxRows(uow.session).record([Attempt(item, OutboxStatus.unreachable, error="blocked")], utcnow())
        await uow.commit()
    async with database.uow() as uow:
        found = await Contacts(uow.session).get(contact.id or 0)
        assert found is not None and found.blocked


async def test_a_failing_statement_never_logs_what_people_wrote(database: Database,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    secret = "Écoles de Kédougou, mot de passe 4711"
    await add_contact(database)
    caplog.set_level(logging.DEBUG)
    async with database.uow() as uow:
        with pytest.raises(IntegrityError) as raised:
            await Contacts(uow.session).add(Contact(telegram_id=5, chat_id=5, first_name=secret))
        logging.getLogger("test").exception("update failed", exc_info=raised.value)
    assert "INSERT INTO contact" in caplog.text, "the statement is logged"
    assert "Kédougou" not in caplog.text and secret not in str(raised.value)


async def test_a_pushed_reply_is_written_with_the_earlier_rows_of_its_chat_that_it_must_not_overtake(
        database: Database) -> None:
    """On PostgreSQL the order check of a pushed reply is read by the statement that writes it: the same rows as the
    check read alone (open_earlier), none of the reply's own, none of other chats, none sent or merely scheduled."""
    contact = await add_contact(database)
    reply: dict[str, object] = {"reply": {"parts": ["hi"]}}
    statuses = {"taken-elsewhere": (OutboxStatus.sending, 1, "other"), "retrying": (OutboxStatus.pending, 1, None),
                "scheduled": (OutboxStatus.pending, 0, None), "sent": (OutboxStatus.sent, 1, None)}
    async with database.uow() as uow:
        rows = OutboxRows(uow.session)
        for key, (status, attempts, taken_by) in statuses.items():
            await rows.enqueue(key, 5, contact.id, reply, priority=INTERACTIVE, now=utcnow())
            await uow.session.execute(update(Outbox).where(col(Outbox.key) == key)
                                      .values(status=status, attempts=attempts, taken_by=taken_by))
        await rows.enqueue("another chat", 6, None, reply, priority=INTERACTIVE, now=utcnow(), sending=True)
        await uow.commit()
    async with database.uow() as uow:
        written = await OutboxRows(uow.session).enqueue_sending("u:9:0", 5, contact.id, reply, priority=INTERACTIVE,
                                                                now=utcnow())
        assert await OutboxRows(uow.session).enqueue_sending("u:9:0", 5, contact.id, reply, priority=INTERACTIVE,
                                                             now=utcnow()) is None, "the key is there already"
        await uow.commit()
    assert written is not None
    row_id, earlier = written
    async with database.uow() as uow:
        row = await uow.session.get(Outbox, row_id)
        assert row is not None and (row.key, row.status, row.attempts) == ("u:9:0", OutboxStatus.sending, 1)
        ids = {key: (await uow.session.execute(select(Outbox.id).where(col(Outbox.key) == key))).scalar_one()
               for key in statuses}
    if database.is_sqlite:
        assert earlier is None, "SQLite keeps a chat's order with its one process's locks: nothing read"
        return
    assert earlier == ((ids["taken-elsewhere"], "other", "sending"), (ids["retrying"], None, "pending"))
    async with database.autocommit() as connection:
        assert await open_earlier(connection, 5, row_id) == earlier, "as the check read alone finds them"


async def test_among_reads_the_rows_of_a_list_as_one_array_on_postgresql(database: Database) -> None:
    for telegram_id in range(10, 16):
        await add_contact(database, telegram_id)
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    async with database.uow() as uow:
        people = sa_select(table_of(Contact).c.telegram_id)
        asked = [11, 13, 14, 99]
        engine = database.thread_engine if database.is_sqlite else database.engine.sync_engine
        event.listen(engine, "before_cursor_execute", seen)
        try:
            found = (await uow.session.execute(
                people.where(among(uow.session, table_of(Contact).c.telegram_id, asked)))).scalars().all()
            none = (await uow.session.execute(
                people.where(among(uow.session, table_of(Contact).c.telegram_id, [])))).scalars().all()
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    assert sorted(found) == [11, 13, 14] and none == []
    if database.is_sqlite:
        assert "IN (" in statements[0]
    else:  # one parameter, whatever the list's length: not one a value rendered at each execution
        assert "= ANY ($1::BIGINT[])" in statements[0] and statements[0] == statements[1]


@pytest.mark.parametrize("pressed", [False, True])
async def test_drafts_met_as_none_are_not_read_again_until_one_is_opened(database: Database, pressed: bool) -> None:
    """The meeting of an update reads the person's latest draft: found to be none, /report's and /pledge's reads of
    their drafts are answered without a statement (two of /report's twelve), until a draft is opened."""
    contact = await add_contact(database, 41)
    assert contact.id is not None
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    engine = database.thread_engine if database.is_sqlite else database.engine.sync_engine
    async with database.uow() as uow:
        (met, draft, _), _key = await ProcessedUpdates(uow.session).mark_and_meet(
            4101, 41, utcnow(), pressed=(41, 7) if pressed else None) or ((None, None, None), None)
        assert met is not None and met.id == contact.id and draft is None
        drafts = Drafts(uow.session)
        event.listen(engine, "before_cursor_execute", seen)
        try:
            assert await drafts.find(contact.id, "report") is None and await drafts.latest(contact.id) is None
            assert statements == []
            await drafts.open(contact.id, "report", "status", {"answers": {}}, utcnow())
            found, latest = await drafts.find(contact.id, "report"), await drafts.latest(contact.id)
            other = await drafts.find(contact.id + 1, "report")  # another person's drafts are read
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert found is not None and latest is not None and found.form_id == latest.form_id == "report"
        assert other is None and len(statements) == 4, statements
