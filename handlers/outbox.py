"""Writing messages to the outbox, in the caller's transaction; delivery sends them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.messages import Reply, reply_to_json
from models.clock import utcnow
from models.tables import Contact, Outbox

INTERACTIVE = 100
"""Replies to what a person just did go out first."""
NOTICE = 50
"""Notifications to staff and other people."""
BULK = 0
"""Reminders, digests and broadcasts."""


async def enqueue(
    session: AsyncSession,
    contact: Contact,
    message: Reply,
    key: str,
    *,
    priority: int = INTERACTIVE,
    not_before: datetime | None = None,
) -> None:
    """Add one message for `contact`; a row with the same unique `key` already there wins."""
    values: dict[str, Any] = {
        "key": key,
        "chat_id": contact.chat_id,
        "contact_id": contact.id,
        "priority": priority,
        "payload": {"reply": reply_to_json(message)},
        "status": "pending",
        "attempts": 0,
        "not_before": not_before or utcnow(),
        "created_at": utcnow(),
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(Outbox).values(**values).on_conflict_do_nothing(index_elements=["key"]))
