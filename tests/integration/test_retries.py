"""Updates undone by something transient are handled again, a bounded number of times (bot.app.handle_retrying)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from bot.app import ATTEMPTS, handle_retrying
from bot.i18n import Renderer
from handlers import drafts
from handlers.conversation import Deps
from handlers.forms.base import FormState
from handlers.inputs import Incoming
from models.clock import utcnow
from models.database import Database
from models.repositories.entities import Entities
from models.tables import Draft, Entity
from tests.chat_driver import ChatDriver
from tests.integration.test_pledges import focal_point


async def test_a_draft_saved_meanwhile_by_another_instance_is_read_again_and_the_answer_kept(
        database: Database, deps: Deps, renderer: Renderer, monkeypatch: pytest.MonkeyPatch) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite runs one process, one writer at a time: no other instance saves meanwhile")
    chat = ChatDriver(database, deps, renderer)
    await focal_point(chat, 1)
    person = chat.person(1)
    await chat.send(person, "/pledge")
    other = Database(database.url)  # a second instance, with its own connections
    real_save = drafts.save
    writes = 0

    async def save_after_the_other_instance(session: Any, draft: Draft, state: FormState, now: Any) -> None:
        nonlocal writes
        writes += 1
        if writes == 1:  # the other instance saves the same draft between this one's read and save
            async with other.uow() as uow:
                held = (await uow.session.execute(select(Draft).where(Draft.id == draft.id))).scalar_one()
                await real_save(uow.session, held, FormState.from_json(held.state), utcnow())
                await uow.commit()
        await real_save(session, draft, state, now)

    monkeypatch.setattr(drafts, "save", save_after_the_other_instance)
    try:
        conv = await handle_retrying(Incoming.from_text(10_001, person, "Connect 500 rural schools", utcnow()),
                                     database, deps)
    finally:
        await other.dispose()
    assert writes == 2, "the conflict undid the first attempt and the second saved"
    assert conv is not None and conv.pushed, "the person is answered, not apologised to"
    async with database.uow() as uow:
        draft = (await uow.session.execute(select(Draft))).scalar_one()
        assert draft.step_id == "description"
        assert draft.state["answers"]["title"] == "Connect 500 rural schools"


async def test_a_conflict_every_time_gives_up_after_the_bounded_attempts(
        database: Database, deps: Deps, renderer: Renderer, monkeypatch: pytest.MonkeyPatch) -> None:
    chat = ChatDriver(database, deps, renderer)
    await focal_point(chat, 1)
    person = chat.person(1)
    await chat.send(person, "/pledge")
    attempts = 0

    async def always_conflicting(session: Any, draft: Draft, state: FormState, now: Any) -> None:
        nonlocal attempts
        attempts += 1
        raise drafts.DraftConflictError(draft.form_id)

    monkeypatch.setattr(drafts, "save", always_conflicting)
    with pytest.raises(drafts.DraftConflictError):
        await handle_retrying(Incoming.from_text(10_002, person, "Connect 500 rural schools", utcnow()),
                              database, deps)
    assert attempts == ATTEMPTS


async def test_an_update_id_seen_before_with_another_message_is_answered(database: Database, deps: Deps) -> None:
    person = ChatDriver(database, deps, None).person(77)  # type: ignore[arg-type]
    first = Incoming.from_text(1, person, "/help", utcnow(), origin="m:77:1:1764576000")
    again = Incoming.from_text(1, person, "/help", utcnow(), origin="m:77:1:1764576000")
    after_reset = Incoming.from_text(1, person, "/help", utcnow(), origin="m:77:1:1764590000")
    assert await handle_retrying(first, database, deps) is not None
    assert await handle_retrying(again, database, deps) is None, "a redelivered update is handled once"
    answered = await handle_retrying(after_reset, database, deps)
    assert answered is not None and answered.pushed, "a reset server's reused id does not silence the bot"


async def test_one_organisation_registered_by_two_people_at_once_is_said_registered_to_the_second(
        database: Database, deps: Deps, renderer: Renderer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tester, with three instances on PostgreSQL: two people submitted the same new organisation at once; the
    second was apologised to ("something went wrong") over a unique-key error, and the log had an ERROR."""
    if database.is_sqlite:
        pytest.skip("SQLite runs one process, one writer at a time: no other instance inserts meanwhile")
    chat = ChatDriver(database, deps, renderer)
    person = chat.person(2002, "Ama")
    for typed in ("/start", "f:consent:c:yes", "Ministry of Digital Economy", "f:sector:c:government", "Ghana",
                  "Ama Owusu"):
        await (chat.press(person, typed) if typed.startswith("f:") else chat.send(person, typed))
    other = Database(database.url)  # a second instance, with its own connections
    real_add, adds = Entities.add, 0

    async def add_after_the_other_instance(self: Entities, entity: Entity) -> None:
        nonlocal adds
        adds += 1
        if adds == 1:  # the other instance registers the same organisation between this one's look and insert
            async with other.uow() as uow:
                await real_add(Entities(uow.session), Entity(name=entity.name, name_key=entity.name_key,
                                                             sector=entity.sector, country_iso3=entity.country_iso3))
                await uow.commit()
        await real_add(self, entity)

    monkeypatch.setattr(Entities, "add", add_after_the_other_instance)
    try:
        conv = await handle_retrying(Incoming(10_003, person, utcnow(), code="f:$sum:submit"), database, deps)
    finally:
        await other.dispose()
    assert adds == 1 and conv is not None, "the second attempt found the organisation: nothing to insert"
    said = [message.text for message in await chat.collect(2002)]
    assert any("“Ministry of Digital Economy” is already registered" in text for text in said), said
    async with database.uow() as uow:
        assert len((await uow.session.execute(select(Entity))).scalars().all()) == 1
