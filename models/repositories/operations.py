"""What an operator watches: the outbox's open rows and the broadcasts running.

Cheap on purpose (the readiness probe and the metrics ask every few seconds): only open outbox rows are
counted, through the index on (status, priority, not_before); sent rows stay countable in the logs and in
each instance's own counters.
"""

from __future__ import annotations

from sqlalchemy import func, select

from models.repositories.base import table_of
from models.session import Session
from models.tables import Broadcast, Outbox
from models.values import BroadcastStatus, OutboxStatus

_OUTBOX = table_of(Outbox)
_BROADCASTS = table_of(Broadcast)
OPEN = (OutboxStatus.pending, OutboxStatus.sending)
_DEPTH = (select(_OUTBOX.c.priority, _OUTBOX.c.status, func.count())
          .where(_OUTBOX.c.status.in_([str(status) for status in OPEN]))
          .group_by(_OUTBOX.c.priority, _OUTBOX.c.status))
_RUNNING = select(func.count()).select_from(_BROADCASTS).where(_BROADCASTS.c.status == BroadcastStatus.sending)


class Operations:
    """Read-only figures about the bot's own work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def outbox_depth(self) -> dict[tuple[int, str], int]:
        """Open outbox rows by (priority, status): pending and sending only."""
        rows = await self.session.execute(_DEPTH)
        return {(int(priority), str(status)): int(count) for priority, status, count in rows}

    async def broadcasts_running(self) -> int:
        """Broadcasts being sent now."""
        return int((await self.session.execute(_RUNNING)).scalar_one())
