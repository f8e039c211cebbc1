"""How long operational rows are kept, and their deletion in small batches (run by the scheduler every six hours).

What is deleted, and why it can go:
- processed update keys after a week: they only guard against Telegram delivering an update twice,
  which it does within a day;
- outbox rows that reached an end (sent, failed, unreachable, cancelled) after 90 days: the message is
  in the person's chat; broadcasts keep their own figures (Broadcast.progress);
- audit rows are kept unless a limit is configured (they are the trail of who decided what);
- messages that must not outlive their delivery, at the first purge after they were sent (DELETED_ONCE_SENT):
  the farewell to a person who asked to be forgotten (/forget), the one row still holding their chat, and
  invitation links made in chat (only the hash of a token is stored, so a copy of the database must not
  hold working links);
- files the bot made (digest charts, spreadsheets, a /mydata export) after 14 days: delivery uploads them
  within minutes, and the person keeps them in their chat; a file still named by a message not sent yet stays.
Rows still to be sent are never deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import delete, or_, select
from sqlmodel import col

from models.database import UnitOfWork
from models.tables import AuditLog, GeneratedFile, Outbox, ProcessedUpdate

UNFINISHED = ("pending", "sending")
"""Outbox states a row can still leave; every other state is final."""
FAREWELL_KEY_PREFIX = "bye:"
"""Outbox keys of the message confirming /forget: deleted once sent, whatever the outbox retention."""
INVITATION_KEY_PREFIX = "inv:"
"""Outbox keys of messages holding an invitation link: deleted once sent, whatever the outbox retention."""
DELETED_ONCE_SENT = (FAREWELL_KEY_PREFIX, INVITATION_KEY_PREFIX)
BATCH = 1000
"""Rows deleted per transaction: short transactions keep the database free for the people using the bot."""


@dataclass(frozen=True, slots=True)
class Retention:
    """How long each kind of operational row is kept (None: kept)."""

    updates: timedelta | None = timedelta(days=7)
    outbox: timedelta | None = timedelta(days=90)
    audit: timedelta | None = None
    files: timedelta | None = timedelta(days=14)
    """Charts, spreadsheets and data exports: long after delivery uploaded them, short enough to stay small (and to
    keep a person's exported data no longer than needed)."""


def _deleting(model: Any, where: Any) -> Any:
    """DELETE of the rows `where` selects; nothing is loaded, so no identity map to keep in step (which would
    make SQLite return every deleted id)."""
    return delete(model).where(where).execution_options(synchronize_session=False)


def _updates(cutoff: datetime, batch: int) -> Any:
    old = select(col(ProcessedUpdate.update_key)).where(col(ProcessedUpdate.processed_at) < cutoff).limit(batch)
    return _deleting(ProcessedUpdate, col(ProcessedUpdate.update_key).in_(old.scalar_subquery()))


def _outbox(cutoff: datetime, batch: int) -> Any:
    # oldest ids first: old rows sit at the low end of the primary key, so no index on dates is needed
    old = (select(col(Outbox.id)).where(col(Outbox.status).not_in(UNFINISHED), col(Outbox.created_at) < cutoff)
           .order_by(col(Outbox.id)).limit(batch))
    return _deleting(Outbox, col(Outbox.id).in_(old.scalar_subquery()))


def _sent_once(cutoff: datetime, batch: int) -> Any:
    # the cutoff is ignored: such a row goes as soon as it reached an end
    done = (select(col(Outbox.id)).where(col(Outbox.status).not_in(UNFINISHED),
                                         or_(*(col(Outbox.key).startswith(prefix, autoescape=True)
                                               for prefix in DELETED_ONCE_SENT)))
            .order_by(col(Outbox.id)).limit(batch))
    return _deleting(Outbox, col(Outbox.id).in_(done.scalar_subquery()))


def _audit(cutoff: datetime, batch: int) -> Any:
    old = select(col(AuditLog.id)).where(col(AuditLog.at) < cutoff).order_by(col(AuditLog.id)).limit(batch)
    return _deleting(AuditLog, col(AuditLog.id).in_(old.scalar_subquery()))


async def _files_to_send(units: Callable[[], UnitOfWork]) -> set[int]:
    """The files named by messages not sent yet (a backlog after an outage, say): they stay whatever their age."""
    unsent = (select(col(Outbox.payload)).where(col(Outbox.status).in_(UNFINISHED),
                                                 sa.cast(col(Outbox.payload), sa.String).like('%"upload"%')))
    async with units() as uow:
        payloads = (await uow.session.execute(unsent)).scalars().all()
    return {int(payload["upload"]["file"]) for payload in payloads if "upload" in payload}


async def _purge_files(units: Callable[[], UnitOfWork], cutoff: datetime, batch: int) -> int:
    """Delete the files made before `cutoff` that no unsent message names, `batch` at a time, oldest first."""
    keep = await _files_to_send(units)
    deleted, after = 0, 0
    while True:
        async with units() as uow:
            found = (await uow.session.execute(
                select(col(GeneratedFile.id)).where(col(GeneratedFile.created_at) < cutoff,
                                                    col(GeneratedFile.id) > after)
                .order_by(col(GeneratedFile.id)).limit(batch))).scalars()
            ids = [file_id for file_id in found if file_id is not None]
            gone = [file_id for file_id in ids if file_id not in keep]
            if gone:
                result: Any = await uow.session.execute(_deleting(GeneratedFile, col(GeneratedFile.id).in_(gone)))
                deleted += result.rowcount
            await uow.commit()
        if len(ids) < batch:
            return deleted
        after = ids[-1]


async def purge(units: Callable[[], UnitOfWork], retention: Retention, now: datetime,
                batch: int = BATCH) -> dict[str, int]:
    """Delete what is past its retention, `batch` rows per transaction; how many rows of each kind went."""
    kinds = (("processed_update", retention.updates, _updates), ("outbox", retention.outbox, _outbox),
             ("audit_log", retention.audit, _audit), ("sent_once", timedelta(0), _sent_once))
    deleted: dict[str, int] = {}
    if retention.files is not None:
        deleted["generated_file"] = await _purge_files(units, now - retention.files, batch)
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
