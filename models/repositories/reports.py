"""Progress reports of pledges, and the pledges a focal point may report on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlmodel import col, select

from models.reporting import is_period, period_end, period_start
from models.repositories.base import table_of
from models.session import Session
from models.tables import Pledge, ProgressReport
from models.values import PledgeStatus

_PERIODS = select(ProgressReport.pledge_id, ProgressReport.period)
_PERIODS_OF = _PERIODS.where(col(ProgressReport.pledge_id).in_(bindparam("pledge_ids", expanding=True)))
_CURRENT_FOR = select(ProgressReport).where(col(ProgressReport.pledge_id) == bindparam("pledge_id"),
                                           col(ProgressReport.period) == bindparam("period"),
                                           col(ProgressReport.is_current).is_(True))
_HISTORY = select(ProgressReport).where(col(ProgressReport.pledge_id) == bindparam("pledge_id"))
_LOCKED = (select(ProgressReport).where(col(ProgressReport.id) == bindparam("report_id")).with_for_update()
           .execution_options(populate_existing=True))
_LAST_SENT = (select(sa.func.max(ProgressReport.created_at))
              .where(col(ProgressReport.pledge_id) == bindparam("pledge_id")))
_LAST_SENT_OF = (select(ProgressReport.pledge_id, sa.func.max(ProgressReport.created_at))
                 .where(col(ProgressReport.pledge_id).in_(bindparam("pledge_ids", expanding=True)))
                 .group_by(col(ProgressReport.pledge_id)))
_CURRENT_OF = select(ProgressReport).where(col(ProgressReport.pledge_id) == bindparam("pledge_id"),
                                           col(ProgressReport.is_current).is_(True))
_LATEST_OF = select(ProgressReport).where(col(ProgressReport.pledge_id).in_(bindparam("pledge_ids", expanding=True)),
                                         col(ProgressReport.is_current).is_(True))
_REPORTABLE = (select(Pledge).where(col(Pledge.entity_id) == bindparam("entity_id"),
                                    col(Pledge.status) == PledgeStatus.validated)
               .order_by(col(Pledge.id)))
_STATUSES = select(Pledge.status).where(col(Pledge.entity_id) == bindparam("entity_id")).distinct()
_RETIRE = (sa.update(ProgressReport).where(col(ProgressReport.id) == bindparam("old_id"))
           .values(is_current=False))
_LINK = (sa.update(ProgressReport).where(col(ProgressReport.id) == bindparam("old_id"))
         .values(replaced_by=bindparam("new_id")))
_REPORTS = table_of(ProgressReport)
_STORED = [column.key for column in _REPORTS.columns if column.key != "id"]
_INSERT = sa.insert(_REPORTS).returning(_REPORTS.c.id)
"""A new report, its id returned: one statement, where the ORM's flush of the object cost as much as six."""
_REPLACED = (select(ProgressReport).where(col(ProgressReport.pledge_id) == bindparam("pledge_id"),
                                         col(ProgressReport.replaced_by) == bindparam("new_id"))
             .order_by(col(ProgressReport.id).desc()).limit(1))
"""The report another replaced (through the pledge's index: replaced_by has none)."""


def recency(report: ProgressReport) -> tuple[date, datetime, int]:
    """How recent a report is, the latest greatest: its period's last day (periods of another cadence, after a
    change, count by their dates: "2026" ends after "2026-Q1"), then when it was sent."""
    end = period_end(report.period) if is_period(report.period) else date.min
    return end, report.created_at, report.id or 0


class Reports:
    """Progress reports: one current report per pledge and period, replaced ones kept as history."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def reported_periods(self, pledge_ids: Iterable[int] | None = None) -> dict[int, set[str]]:
        """The periods reported for these pledges (all pledges when None), by pledge id."""
        if pledge_ids is None:
            rows = await self.session.execute(_PERIODS)
        else:
            rows = await self.session.execute(_PERIODS_OF, {"pledge_ids": sorted(set(pledge_ids))})
        found: dict[int, set[str]] = {}
        for pledge_id, period in rows:
            found.setdefault(pledge_id, set()).add(period)
        return found

    async def get(self, report_id: int, *, for_update: bool = False) -> ProgressReport | None:
        """The report with this id; with `for_update`, read afresh and locked till the transaction ends (PostgreSQL)."""
        if not for_update:
            return await self.session.get(ProgressReport, report_id)
        # afresh: a copy this session read earlier may have been replaced since (is_current) by another transaction
        return (await self.session.execute(_LOCKED, {"report_id": report_id})).scalars().first()

    async def current_for(self, pledge_id: int, period: str) -> ProgressReport | None:
        """The current report of a pledge for a period, if any."""
        return (await self.session.execute(_CURRENT_FOR, {"pledge_id": pledge_id, "period": period})).scalars().first()

    async def last_sent(self, pledge_id: int) -> datetime | None:
        """When the pledge's latest report was sent, replaced ones included (None: never reported)."""
        return (await self.session.execute(_LAST_SENT, {"pledge_id": pledge_id})).scalar()

    async def last_sent_of(self, pledge_ids: Iterable[int]) -> dict[int, datetime]:
        """When each of these pledges' latest report was sent, replaced ones included (absent: never reported)."""
        ids = sorted(set(pledge_ids))
        if not ids:
            return {}
        return {pledge_id: sent for pledge_id, sent in await self.session.execute(_LAST_SENT_OF, {"pledge_ids": ids})}

    async def latest_before(self, pledge_id: int, period: str) -> ProgressReport | None:
        """The current report of the pledge's latest period that ended before `period` starts (None: no such report).

        What a report for `period` may offer as its previous answers: figures "so far" of a later period are wrong
        for an earlier one. Periods of another cadence (it was changed) count by their dates.
        """
        starts = period_start(period)
        earlier = [report for report in (await self.session.execute(_CURRENT_OF, {"pledge_id": pledge_id})).scalars()
                   if is_period(report.period) and period_end(report.period) < starts]
        return max(earlier, key=lambda r: (period_end(r.period), period_start(r.period), r.id or 0), default=None)

    async def latest_of(self, pledge_ids: Iterable[int]) -> dict[int, ProgressReport]:
        """The current report of each pledge's latest reported period, by pledge id."""
        ids = sorted(set(pledge_ids))
        if not ids:
            return {}
        found: dict[int, ProgressReport] = {}
        for report in (await self.session.execute(_LATEST_OF, {"pledge_ids": ids})).scalars():
            if report.pledge_id not in found or recency(report) > recency(found[report.pledge_id]):
                found[report.pledge_id] = report
        return found

    async def history(self, pledge_id: int, limit: int | None = 20) -> list[ProgressReport]:
        """The pledge's `limit` latest reports (all of them when None), the latest period first (its newest report
        first), replaced ones included. (Ordered here: a period's end is not its name's order, and a pledge has a
        few dozen reports.)"""
        reports = (await self.session.execute(_HISTORY, {"pledge_id": pledge_id})).scalars()
        return sorted(reports, key=recency, reverse=True)[:limit]

    async def predecessor(self, report: ProgressReport) -> ProgressReport | None:
        """The report that `report` replaced, if it replaced one."""
        return (await self.session.execute(_REPLACED, {"pledge_id": report.pledge_id, "new_id": report.id})
                ).scalars().first()

    async def add(self, report: ProgressReport, replacing: int | None = None) -> None:
        """Insert a report now and set its id (the object stays out of the session: a later read of the report in
        this transaction loads it as stored); `replacing` names the current report it retires."""
        if replacing is not None:
            # retired first: the partial unique index allows one current report per pledge and period
            await self.session.execute(_RETIRE, {"old_id": replacing})
        report.id = (await self.session.execute(_INSERT, {key: getattr(report, key) for key in _STORED})).scalar_one()
        if replacing is not None:
            await self.session.execute(_LINK, {"old_id": replacing, "new_id": report.id})

    async def pledge_statuses(self, entity_id: int) -> set[str]:
        """The statuses the entity's pledges are in."""
        return set((await self.session.execute(_STATUSES, {"entity_id": entity_id})).scalars())

    async def reportable_pledges(self, entity_id: int) -> list[Pledge]:
        """Every validated pledge of the entity, oldest first (what is due orders them, and an entity has a few
        hundred at most: /report sorts them all before it lists a page)."""
        return list((await self.session.execute(_REPORTABLE, {"entity_id": entity_id})).scalars())
