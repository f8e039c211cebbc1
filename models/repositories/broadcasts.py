"""Broadcasts: announcements by staff, fanned out to the outbox."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam, update
from sqlmodel import col, select

from models.session import Session
from models.tables import Broadcast
from models.values import BroadcastStatus

_OPEN = col(Broadcast.status).in_((BroadcastStatus.scheduled, BroadcastStatus.sending))
_UNFINISHED = select(Broadcast).where(_OPEN).order_by(col(Broadcast.status) != BroadcastStatus.sending,
                                                     col(Broadcast.scheduled_at), col(Broadcast.id))
_FINISHED = select(Broadcast).where(~_OPEN).order_by(col(Broadcast.id).desc()).limit(bindparam("limit"))
_COUNT_FINISHED = select(sa.func.count()).select_from(Broadcast).where(~_OPEN)
_RUNNING = (select(Broadcast).where(col(Broadcast.status) == BroadcastStatus.sending).order_by(col(Broadcast.id))
            .with_for_update(skip_locked=True))
"""Locked while their progress is followed (PostgreSQL): one staff are cancelling is left to the cancellation, and
a cancellation waits for a follow-up under way, then reads what it wrote; neither's edit of the creator's progress
message, nor its figures, is overwritten by the other's older ones."""
_DUE = select(Broadcast).where(col(Broadcast.status) == BroadcastStatus.scheduled,
                               col(Broadcast.scheduled_at) <= bindparam("now")).with_for_update(skip_locked=True)
"""Locked while they are started (PostgreSQL; SQLite has one writer): one being edited is started once edited."""
_LOCKED = select(Broadcast).where(col(Broadcast.id) == bindparam("id")).with_for_update().execution_options(
    populate_existing=True)
"""Read afresh and locked until the transaction ends (PostgreSQL; SQLite has one writer): two staff submitting
edits of one broadcast at once are taken one after the other, the second seeing the first."""
_TEXTS = select(Broadcast.id, Broadcast.texts, Broadcast.fallback, Broadcast.attachment).where(
    col(Broadcast.id).in_(bindparam("ids", expanding=True)))

Texts = tuple[dict[str, str], str, dict[str, str] | None]
"""A broadcast's texts by language, its fallback language, and its attachment."""


class Broadcasts:
    """Broadcasts."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """The broadcast with this id, if any."""
        return await self.session.get(Broadcast, broadcast_id)

    async def add(self, broadcast: Broadcast) -> None:
        """Insert a new broadcast now, so its id is known."""
        self.session.add(broadcast)
        await self.session.flush()

    async def locked(self, broadcast_id: int) -> Broadcast | None:
        """The broadcast with this id as stored now, locked until the transaction ends, if any."""
        return (await self.session.execute(_LOCKED, {"id": broadcast_id})).scalar_one_or_none()

    async def revise_scheduled(self, broadcast: Broadcast, values: dict[str, Any]) -> bool:
        """Change a broadcast that has not started, in one statement that checks it still has not (the scheduler
        may start it meanwhile); False, and nothing changed, when it has started or was cancelled."""
        revised = await self.session.execute(
            update(Broadcast).where(col(Broadcast.id) == broadcast.id,
                                    col(Broadcast.status) == BroadcastStatus.scheduled).values(**values))
        await self.session.refresh(broadcast)
        return bool(getattr(revised, "rowcount", 0))

    async def unfinished(self) -> list[Broadcast]:
        """Every broadcast scheduled or being sent: those being sent first, then the next to go."""
        return list((await self.session.execute(_UNFINISHED)).scalars())

    async def finished(self, limit: int) -> tuple[int, list[Broadcast]]:
        """How many broadcasts are done or cancelled, and the `limit` latest of them, newest first."""
        count = int((await self.session.execute(_COUNT_FINISHED)).scalar_one())
        return count, list((await self.session.execute(_FINISHED, {"limit": limit})).scalars())

    async def running(self) -> list[Broadcast]:
        """Broadcasts being sent, locked until the transaction ends (one locked by a cancellation left out)."""
        return list((await self.session.execute(_RUNNING)).scalars())

    async def due(self, now: datetime) -> list[Broadcast]:
        """Scheduled broadcasts whose time has come."""
        return list((await self.session.execute(_DUE, {"now": now})).scalars())

    async def texts(self, ids: Iterable[int]) -> dict[int, Texts]:
        """The texts of these broadcasts (they no longer change once a broadcast has started)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = await self.session.execute(_TEXTS, {"ids": wanted})
        # a file sent apart (its own outbox rows, just before) does not go with the text as its caption
        return {broadcast_id: (texts, fallback, None if (attachment or {}).get("separate") else attachment)
                for broadcast_id, texts, fallback, attachment in rows}
