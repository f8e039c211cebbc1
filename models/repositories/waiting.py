"""What waits for a staff decision: organisations to validate, pledges to decide, reports to acknowledge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import bindparam, func
from sqlmodel import col, select

from models.session import Session
from models.tables import Entity, Pledge, ProgressReport
from models.values import EntityStatus, PledgeStatus, ReviewStatus

T = TypeVar("T")

_ENTITIES = (select(Entity).where(col(Entity.status) == EntityStatus.pending)
             .order_by(col(Entity.created_at), col(Entity.id)).limit(bindparam("limit")))
_ENTITY_COUNT = select(func.count()).select_from(Entity).where(col(Entity.status) == EntityStatus.pending)
_PLEDGES = (select(Pledge, Entity).join(Entity, col(Entity.id) == col(Pledge.entity_id))
            .where(col(Pledge.status) == PledgeStatus.submitted)
            .order_by(col(Pledge.submitted_at).nulls_first(), col(Pledge.id)).limit(bindparam("limit")))
_PLEDGE_COUNT = select(func.count()).select_from(Pledge).where(col(Pledge.status) == PledgeStatus.submitted)
_WAITING_REPORT = (col(ProgressReport.is_current).is_(True),
                   col(ProgressReport.review_status) == ReviewStatus.submitted)
_REPORTS = (select(ProgressReport, Pledge).join(Pledge, col(Pledge.id) == col(ProgressReport.pledge_id))
            .where(*_WAITING_REPORT).order_by(col(ProgressReport.created_at), col(ProgressReport.id))
            .limit(bindparam("limit")))
_REPORT_COUNT = select(func.count()).select_from(ProgressReport).where(*_WAITING_REPORT)


@dataclass(frozen=True, slots=True)
class Oldest(Generic[T]):
    """How many records wait, and the oldest of them."""

    count: int
    oldest: list[T]


class Waiting:
    """Records waiting for a staff decision, oldest first."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def organisations(self, limit: int) -> Oldest[Entity]:
        """Organisations waiting for validation."""
        count = (await self.session.execute(_ENTITY_COUNT)).scalar_one()
        return Oldest(int(count), list((await self.session.execute(_ENTITIES, {"limit": limit})).scalars()))

    async def pledges(self, limit: int) -> Oldest[tuple[Pledge, Entity]]:
        """Submitted pledges, with their organisation."""
        count = (await self.session.execute(_PLEDGE_COUNT)).scalar_one()
        rows = await self.session.execute(_PLEDGES, {"limit": limit})
        return Oldest(int(count), [(pledge, entity) for pledge, entity in rows])

    async def reports(self, limit: int) -> Oldest[tuple[ProgressReport, Pledge]]:
        """Current progress reports not acknowledged nor questioned yet, with their pledge."""
        count = (await self.session.execute(_REPORT_COUNT)).scalar_one()
        rows = await self.session.execute(_REPORTS, {"limit": limit})
        return Oldest(int(count), [(report, pledge) for report, pledge in rows])
