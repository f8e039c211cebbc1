"""What waits for a staff decision: organisations to validate, pledges to decide, reports to acknowledge; and the
pledges returned to their organisation for changes, which wait for its focal points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, func
from sqlmodel import col, select

from models.repositories.base import table_of
from models.repositories.keyset import later_than
from models.session import Session
from models.tables import AuditLog, Entity, Pledge, ProgressReport
from models.values import EntityStatus, PledgeStatus, ReviewStatus

T = TypeVar("T")

_WAITING_ENTITY = col(Entity.status) == EntityStatus.pending
_WAITING_PLEDGE = col(Pledge.status) == PledgeStatus.submitted
_WAITING_REPORT = (col(ProgressReport.is_current).is_(True),
                   col(ProgressReport.review_status) == ReviewStatus.submitted)
_A = table_of(AuditLog).c
CHANGES_ASKED = "pledge.changes_requested"
"""The audit action of a staff request for changes to a pledge (handlers.pledges.review)."""
CHANGES_ASKED_AT = func.coalesce(
    select(func.max(_A.at)).where(_A.action == CHANGES_ASKED, _A.target_type == "pledge",
                                  _A.target_id == col(Pledge.id)).scalar_subquery(),
    col(Pledge.updated_at), type_=_A.at.type)
"""When BDT last asked for changes to a pledge (its latest request, read from the audit trail), else when the pledge
last changed (an audit trail cut short by its retention): of a pledge whose status is changes_requested, when its
focal points' changes began to be awaited. Not its updated_at alone: a cadence set meanwhile changes that."""
_AWAITING_CHANGES = col(Pledge.status) == PledgeStatus.changes_requested
_ENTITIES = select(Entity).where(_WAITING_ENTITY).order_by(col(Entity.created_at), col(Entity.id))
_PLEDGES = (select(Pledge, Entity).join(Entity, col(Entity.id) == col(Pledge.entity_id)).where(_WAITING_PLEDGE)
            .order_by(col(Pledge.submitted_at).nulls_first(), col(Pledge.id)))
_REPORTS = (select(ProgressReport, Pledge).join(Pledge, col(Pledge.id) == col(ProgressReport.pledge_id))
            .where(*_WAITING_REPORT).order_by(col(ProgressReport.created_at), col(ProgressReport.id)))


@dataclass(frozen=True, slots=True)
class Oldest(Generic[T]):
    """How many records wait, and the oldest of them (after the `before` older ones shown on earlier pages)."""

    count: int
    oldest: list[T]
    before: int = 0

    @property
    def more(self) -> int:
        """How many wait after the ones listed."""
        return max(0, self.count - self.before - len(self.oldest))


class Waiting:
    """Records waiting for a staff decision, oldest first, a page at a time.

    `after` is the id of the last record of the kind already shown: the page holds the ones that come after it in
    the order (whether it still waits or not); with no such record, the oldest.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    async def organisations(self, limit: int, after: int | None = None) -> Oldest[Entity]:
        """Organisations waiting for validation."""
        found = await self.session.get(Entity, after) if after is not None else None
        anchor = (found.created_at, found.id) if found is not None and found.id is not None else None
        later = later_than(col(Entity.created_at), col(Entity.id), anchor)
        count, before = await self._counts(Entity, (_WAITING_ENTITY,), later if anchor else None)
        page = await self.session.execute(_ENTITIES.where(later).limit(limit))
        return Oldest(count, list(page.scalars()), before)

    async def pledges(self, limit: int, after: int | None = None) -> Oldest[tuple[Pledge, Entity]]:
        """Submitted pledges, with their organisation."""
        found = await self.session.get(Pledge, after) if after is not None else None
        anchor = (found.submitted_at, found.id) if found is not None and found.id is not None else None
        later = later_than(col(Pledge.submitted_at), col(Pledge.id), anchor)
        count, before = await self._counts(Pledge, (_WAITING_PLEDGE,), later if anchor else None)
        rows = await self.session.execute(_PLEDGES.where(later).limit(limit))
        return Oldest(count, [(pledge, entity) for pledge, entity in rows], before)

    async def reports(self, limit: int, after: int | None = None) -> Oldest[tuple[ProgressReport, Pledge]]:
        """Current progress reports not acknowledged nor questioned yet, with their pledge."""
        found = await self.session.get(ProgressReport, after) if after is not None else None
        anchor = (found.created_at, found.id) if found is not None and found.id is not None else None
        later = later_than(col(ProgressReport.created_at), col(ProgressReport.id), anchor)
        count, before = await self._counts(ProgressReport, _WAITING_REPORT, later if anchor else None)
        rows = await self.session.execute(_REPORTS.where(later).limit(limit))
        return Oldest(count, [(report, pledge) for report, pledge in rows], before)

    async def awaiting_changes(self, limit: int) -> Oldest[tuple[Pledge, Entity, datetime]]:
        """Pledges returned for changes and not resubmitted yet, with their organisation and since when, the longest
        waiting first."""
        count = int((await self.session.execute(select(func.count()).select_from(Pledge).where(_AWAITING_CHANGES)))
                    .scalar_one())
        asked = CHANGES_ASKED_AT.label("asked_at")
        rows = await self.session.execute(select(Pledge, Entity, asked)
                                          .join(Entity, col(Entity.id) == col(Pledge.entity_id))
                                          .where(_AWAITING_CHANGES).order_by(asked, col(Pledge.id)).limit(limit))
        return Oldest(count, [(pledge, entity, at) for pledge, entity, at in rows])

    async def _counts(self, model: Any, waiting: tuple[ColumnElement[bool], ...],
                      later: ColumnElement[bool] | None) -> tuple[int, int]:
        """How many wait, and how many of them come before the page (none when it starts at the oldest)."""
        counted = select(func.count()).select_from(model).where(*waiting)
        count = int((await self.session.execute(counted)).scalar_one())
        if later is None:
            return count, 0
        return count, count - int((await self.session.execute(counted.where(later))).scalar_one())
