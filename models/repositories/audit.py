"""The audit trail: who did (or tried) what to which record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.clock import utcnow
from models.repositories.base import table_of
from models.tables import AuditLog

_RECORD = insert(table_of(AuditLog)).inline()
"""Inline: the new row's id is not read back (nothing needs it)."""


class AuditTrail:
    """Audit rows, written at once in the caller's transaction (nothing changes them after)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, actor_id: int | None, action: str, target_type: str | None, target_id: int | None,
                     details: dict[str, Any]) -> None:
        """Add one row (a Core INSERT: no object is kept in the session)."""
        await self.session.execute(_RECORD, {"actor_id": actor_id, "action": action, "target_type": target_type,
                                             "target_id": target_id, "at": utcnow(), "details": details})
