"""Progress reports of pledges."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.tables import ProgressReport

_PERIODS = select(ProgressReport.pledge_id, ProgressReport.period)
_PERIODS_OF = _PERIODS.where(col(ProgressReport.pledge_id).in_(bindparam("pledge_ids", expanding=True)))


class Reports:
    """Progress reports."""

    def __init__(self, session: AsyncSession) -> None:
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
