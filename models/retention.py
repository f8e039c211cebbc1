"""How long operational rows are kept, and their deletion in small batches (run daily by the scheduler).

What is deleted, and why it can go:
- processed update keys after a week: they only guard against Telegram delivering an update twice,
  which it does within a day;
- outbox rows that reached an end (sent, failed, unreachable, cancelled) after 90 days: the message is
  in the person's chat; broadcasts keep their own figures (Broadcast.progress);
- audit rows are kept unless a limit is configured (they are the trail of who decided what);
- messages that must not outlive their delivery, at the first purge after they were sent (DELETED_ONCE_SENT):
  the farewell to a person who asked to be forgotten (/forget), the one row still holding their chat, and
  invitation links made in chat (only the hash of a token is stored, so a copy of the database must not
  hold working links).
Rows still to be sent are never deleted. Files the bot made for a person (digest charts and spreadsheets, a
/mydata export) are kept GENERATED_FILES_KEPT (bot.scheduler.forget_generated_files).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlmodel import col

from models.database import UnitOfWork
from models.tables import AuditLog, Outbox, ProcessedUpdate

UNFINISHED = ("pending", "sending")
"""Outbox states a row can still leave; every other state is final."""
FAREWELL_KEY_PREFIX = "bye:"
"""Outbox keys of the message confirming /forget: deleted once sent, whatever the outbox retention."""
INVITATION_KEY_PREFIX = "inv:"
"""Outbox keys of messages holding an invitation link: deleted once sent, whatever the outbox retention."""
DELETED_ONCE_SENT = (FAREWELL_KEY_PREFIX, INVITATION_KEY_PREFIX)
GENERATED_FILES_KEPT = timedelta(days=14)
"""Charts, spreadsheets and data exports are kept two weeks: long after delivery uploaded them, short enough to
stay small (and to keep a person's exported data no longer than needed)."""
BATCH = 1000
"""Rows deleted per transaction: short transactions keep the database free for the people using the bot."""


@dataclass(frozen=True, slots=True)
class Retention:
    """How long each kind of operational row is kept (None: kept)."""

    updates: timedelta | None = timedelta(days=7)
    outbox: timedelta | None = timedelta(days=90)
    audit: timedelta | None = None


def _updates(cutoff: datetime, batch: int) -> Any:
    old = select(col(ProcessedUpdate.update_key)).where(col(ProcessedUpdate.processed_at) < cutoff).limit(batch)
    return delete(ProcessedUpdate).where(col(ProcessedUpdate.update_key).in_(old.scalar_subquery()))


def _outbox(cutoff: datetime, batch: int) -> Any:
    # oldest ids first: old rows sit at the low end of the primary key, so no index on dates is needed
    old = (select(col(Outbox.id)).where(col(Outbox.status).not_in(UNFINISHED), col(Outbox.created_at) < cutoff)
           .order_by(col(Outbox.id)).limit(batch))
    return delete(Outbox).where(col(Outbox.id).in_(old.scalar_subquery()))


def _sent_once(cutoff: datetime, batch: int) -> Any:
    # the cutoff is ignored: such a row goes as soon as it reached an end
    done = (select(col(Outbox.id)).where(col(Outbox.status).not_in(UNFINISHED),
                                         or_(*(col(Outbox.key).startswith(prefix, autoescape=True)
                                               for prefix in DELETED_ONCE_SENT)))
            .order_by(col(Outbox.id)).limit(batch))
    return delete(Outbox).where(col(Outbox.id).in_(done.scalar_subquery()))


def _audit(cutoff: datetime, batch: int) -> Any:
    old = select(col(AuditLog.id)).where(col(AuditLog.at) < cutoff).order_by(col(AuditLog.id)).limit(batch)
    return delete(AuditLog).where(col(AuditLog.id).in_(old.scalar_subquery()))


async def purge(units: Callable[[], UnitOfWork], retention: Retention, now: datetime,
                batch: int = BATCH) -> dict[str, int]:
    """Delete what is past its retention, `batch` rows per transaction; how many rows of each kind went."""
    kinds = (("processed_update", retention.updates, _updates), ("outbox", retention.outbox, _outbox),
             ("audit_log", retention.audit, _audit), ("sent_once", timedelta(0), _sent_once))
    deleted: dict[str, int] = {}
    for name, kept, statement in kinds:
        deleted[name] = 0
        if kept is None:
            continue
        while True:
            async with units() as uow:
                result: Any = await uow.session.execute(statement(now - kept, batch))
                await uow.commit()
            deleted[name] += result.rowcount
            if result.rowcount < batch:
                break
    return deleted
