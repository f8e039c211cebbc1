"""Processed updates: the keys of updates already handled (handlers.inputs.Incoming.key), so a redelivered update is
not handled twice."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import bindparam, func, literal_column, select, true
from sqlalchemy.orm import aliased

from models.repositories.base import Insert, PerDialect, dialect_of, table_of
from models.repositories.contacts import WITH_LATEST_DRAFT, Contacts, Met
from models.repositories.drafts import none_known
from models.repositories.outbox import SENT_AS
from models.session import Session
from models.tables import Contact, Draft, ProcessedUpdate

_PROCESSED = table_of(ProcessedUpdate)


def _marking(insert: Insert) -> Any:
    return insert(_PROCESSED).values(update_key=bindparam("update_key"), processed_at=bindparam("processed_at")) \
        .on_conflict_do_nothing().inline()


def _mark_and_meet(insert: Insert, *, pressed: bool = False) -> Any:
    # One row: 1 when the update key was new (0 when handled before), then the contact, their latest draft and their
    # organisation's country (None when the person is new), and with `pressed` the key of the message whose button
    # was pressed.
    # PostgreSQL runs the INSERT of a WITH clause once, whatever the query reads.
    marked = _marking(insert).returning(_PROCESSED.c.update_key).cte("marked")
    fresh = select(func.count()).select_from(marked).scalar_subquery().label("fresh")
    latest = WITH_LATEST_DRAFT.subquery("latest")
    contact, draft = aliased(Contact, latest), aliased(Draft, latest)
    one = select(literal_column("1")).subquery("one")
    met = select(fresh, contact, draft, latest.c.country).select_from(one.outerjoin(latest, true()))
    return met.add_columns(SENT_AS.scalar_subquery()) if pressed else met


_MARKED_SINCE = select(_PROCESSED.c.update_key).where(_PROCESSED.c.update_key == bindparam("update_key"),
                                                      _PROCESSED.c.processed_at >= bindparam("since"))
_MARK = PerDialect(_marking)
_MARK_AND_MEET = PerDialect(_mark_and_meet, dialects=("postgresql",))
"""Only PostgreSQL knows an INSERT in a WITH clause; SQLite runs the two statements it joins."""
_MARK_AND_MEET_PRESSED = PerDialect(partial(_mark_and_meet, pressed=True), dialects=("postgresql",))
_MEET_PRESSED = WITH_LATEST_DRAFT.add_columns(SENT_AS.scalar_subquery())
"""The person and their latest draft, and the outbox key of the message whose button they pressed (`SENT_AS`), which
the journeys read to know what the press answers: one statement for the two."""

Pressed = tuple[int, int]
"""The chat and Telegram's id of the message whose button was pressed."""


class ProcessedUpdates:
    """The keys of the updates handled so far."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def mark(self, update_key: int, now: datetime) -> bool:
        """Record the update's key; False when it was handled before (Telegram may deliver an update twice)."""
        result = await self.session.execute(_MARK(self.session), {"update_key": update_key, "processed_at": now})
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult

    async def mark_and_meet(self, update_key: int, telegram_id: int, now: datetime,
                            pressed: Pressed | None = None) -> tuple[Met, str | None] | None:
        """`mark`, then the contact of this Telegram user, their latest draft and their organisation's country
        (Contacts.with_latest_draft), and when a button was pressed the
        outbox key of its message (`pressed`: chat and message id; None when the outbox did not send it); None for an
        update handled before. On PostgreSQL in one statement (a round trip less of the four an ordinary update
        makes); on SQLite in two."""
        where = {"chat_id": pressed[0], "message_id": pressed[1]} if pressed is not None else None
        if dialect_of(self.session) != "postgresql":
            if not await self.mark(update_key, now):
                return None
            if where is None:
                return await Contacts(self.session).with_latest_draft(telegram_id), None
            found = (await self.session.execute(_MEET_PRESSED, {"telegram_id": telegram_id, **where})).first()
            if found is None:
                return (None, None, None), None
            if found[0] is not None and found[1] is None:
                none_known(self.session, found[0].id)
            return (found[0], found[1], found[2]), found[3]
        statement = _MARK_AND_MEET(self.session) if where is None else _MARK_AND_MEET_PRESSED(self.session)
        row = (await self.session.execute(statement, {
            "update_key": update_key, "processed_at": now, "telegram_id": telegram_id, **(where or {})})).one()
        if not row[0]:
            return None
        if row[1] is not None and row[2] is None:
            none_known(self.session, row[1].id)
        return (row[1], row[2], row[3]), (row[4] if where is not None else None)

    async def marked_since(self, update_key: int, since: datetime) -> bool:
        """Whether this key was recorded at `since` or later."""
        found = await self.session.execute(_MARKED_SINCE, {"update_key": update_key, "since": since})
        return found.first() is not None
