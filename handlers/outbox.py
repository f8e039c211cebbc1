"""Writing messages to the outbox, in the caller's transaction; delivery sends them (models.repositories.outbox
holds the protocol: priorities, leases, claims and outcomes)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from handlers.messages import Reply, reply_to_json
from models.clock import utcnow
from models.database import Session
from models.repositories.outbox import (
    BULK,
    INTERACTIVE,
    NOTICE,
    Earlier,
    HandedOver,
    OutboxRows,
    Queued,
    working_hours,
)
from models.tables import Contact

__all__ = ["BULK", "INTERACTIVE", "NOTICE", "Earlier", "Queued", "enqueue", "enqueue_first_pushed",
           "forget_conversation", "sent_message_ids"]


async def enqueue(
    session: Session,
    contact: Contact,
    message: Reply,
    key: str,
    *,
    priority: int = INTERACTIVE,
    not_before: datetime | None = None,
    sending: bool = False,
    edit_of: str | None = None,
    hours: tuple[str, str | None] | None = None,
) -> int | None:
    """Add one message for `contact`; a row with the same unique `key` already there wins (None).

    With `sending`, the row is written as already taken by delivery, which the caller hands the
    row to once its transaction commits (the fast path of interactive replies). With `edit_of`,
    delivery edits the message sent for that other key instead of sending a new one. With `hours` (the reader's
    zone and country), it goes only in their working hours, even if claimed late (OutboxRows.claim).
    """
    return await OutboxRows(session).enqueue(key, contact.chat_id, contact.id, _payload(message, edit_of, hours),
                                             priority=priority, now=utcnow(), not_before=not_before, sending=sending)


async def enqueue_first_pushed(session: Session, contact: Contact, message: Reply, key: str, *,
                               edit_of: str | None = None) -> tuple[int, Earlier | None] | None:
    """`enqueue` the first interactive reply of an update as `sending` (delivery is handed it after the commit), with
    its chat's earlier open rows that it must not overtake, read in the same statement on PostgreSQL (None: not read).
    """
    return await OutboxRows(session).enqueue_sending(key, contact.chat_id, contact.id, _payload(message, edit_of, None),
                                                     priority=INTERACTIVE, now=utcnow())


def handing_over(session: Session, chat_id: int) -> contextlib.AbstractContextManager[HandedOver]:
    """Rows of `chat_id` due now that are enqueued meanwhile are taken by delivery, to hand to it once the transaction
    commits (OutboxRows.handing_over)."""
    return OutboxRows(session).handing_over(chat_id)


def _payload(message: Reply, edit_of: str | None, hours: tuple[str, str | None] | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"reply": reply_to_json(message)}
    if hours is not None:
        payload.update(working_hours(*hours))
    if edit_of is not None:
        payload["edit_of"] = edit_of  # replace the text of the message sent for that outbox key
    return payload


async def forget_conversation(session: Session, contact: Contact, since: datetime) -> None:
    """Keep nothing of what a person typed in a conversation they cancelled: the replies since it began (which
    may repeat their answers, a summary above all) lose their text."""
    assert contact.id is not None
    await OutboxRows(session).forget_replies(contact.id, since)


async def key_of(session: Session, chat_id: int, message_id: int) -> str | None:
    """The outbox key of the message Telegram knows as `message_id` in this chat (None: not one the outbox sent)."""
    return await OutboxRows(session).key_at(chat_id, message_id)


async def latest_new(session: Session, chat_id: int, now: datetime) -> str | None:
    """The outbox key of the latest new message of this chat sent or due now (an edit of an earlier one is not)."""
    return await OutboxRows(session).latest_new(chat_id, now)


async def sent_message_ids(session: Session, keys: Iterable[str]) -> dict[str, int | None]:
    """Telegram's message id of the messages sent for these outbox keys (None while not sent)."""
    return await OutboxRows(session).sent_message_ids(keys)
