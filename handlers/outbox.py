"""Writing messages to the outbox, in the caller's transaction; delivery sends them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.messages import Reply, reply_to_json
from models.clock import utcnow
from models.statements import Prepared, bound, table_of
from models.tables import Contact, Outbox

_OUTBOX = table_of(Outbox)
_ENQUEUED = ("key", "chat_id", "contact_id", "priority", "payload", "status", "attempts", "not_before", "created_at")
_ENQUEUE = Prepared(lambda insert: insert(_OUTBOX).values(bound(*_ENQUEUED))
                    .on_conflict_do_nothing(index_elements=["key"]).returning(_OUTBOX.c.id))

SENDING_LEASE = timedelta(minutes=2)
"""A row taken for sending is its worker's for this long (its `not_before` says until when); if the
worker dies, the row is taken again after that, by whichever instance sweeps first."""

INTERACTIVE = 100
"""Replies to what a person just did go out first."""
NOTICE = 50
"""Notifications to staff and other people."""
BULK = 0
"""Reminders, digests and broadcasts."""


@dataclass(frozen=True, slots=True)
class Queued:
    """An outbox row taken for sending, with what delivery needs to send it outside any transaction."""

    id: int
    chat_id: int
    contact_id: int | None
    payload: dict[str, Any]
    locale: str
    attempts: int = 1
    bulk: bool = False
    """True for rows claimed from the outbox (pushed replies are not)."""
    message: Reply | None = None
    """A pushed reply as the journey wrote it (its payload in the row is the same message as JSON)."""


async def enqueue(
    session: AsyncSession,
    contact: Contact,
    message: Reply,
    key: str,
    *,
    priority: int = INTERACTIVE,
    not_before: datetime | None = None,
    sending: bool = False,
    edit_of: str | None = None,
    extra: dict[str, Any] | None = None,
) -> int | None:
    """Add one message for `contact`; a row with the same unique `key` already there wins (None).

    With `sending`, the row is written as already taken by delivery, which the caller hands the
    row to once its transaction commits (the fast path of interactive replies). With `edit_of`,
    delivery edits the message sent for that other key instead of sending a new one. `extra` is stored
    beside the message for whoever enqueued it (delivery ignores it).
    """
    payload: dict[str, Any] = {**(extra or {}), "reply": reply_to_json(message)}
    if edit_of is not None:
        payload["edit_of"] = edit_of  # replace the text of the message sent for that outbox key
    now = utcnow()
    values: dict[str, Any] = {
        "key": key,
        "chat_id": contact.chat_id,
        "contact_id": contact.id,
        "priority": priority,
        "payload": payload,
        "status": "sending" if sending else "pending",
        "attempts": 1 if sending else 0,
        "not_before": now + SENDING_LEASE if sending else (not_before or now),
        "created_at": now,
    }
    added: int | None = (await _ENQUEUE.run(session, values)).scalar()
    if added is not None and not sending:
        leave_for_delivery(session)
    return added


_LEFT_FOR_DELIVERY = "p2c.left_for_delivery"


def leave_for_delivery(session: AsyncSession) -> None:
    """Note that this session wrote rows for delivery to claim, so delivery is told to look once it commits."""
    session.info[_LEFT_FOR_DELIVERY] = True


def left_for_delivery(session: AsyncSession) -> bool:
    """True when the session enqueued rows for delivery to claim (not only rows handed to it as sending)."""
    return bool(session.info.get(_LEFT_FOR_DELIVERY))
