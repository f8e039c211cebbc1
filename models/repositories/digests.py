"""The figures of digests and exports, aggregated in SQL and limited to a scope (never a loop over all rows)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from models.clock import utcnow
from models.reminding import where_reporting_stands
from models.reporting import (
    Reportable,
    covering_periods,
    due_date,
    is_covered,
    latest_period_due,
    owed_periods,
    period_end,
    period_start,
    quarters_of,
)
from models.repositories.base import dialect_of, json_items, listed, table_of
from models.repositories.outbox import released
from models.repositories.pledges import (
    GROUPS,
    in_group_on,
    in_region_on,
    reaches,
    regions_by_token,
    regions_of,
    targets_on,
)
from models.scope import GLOBAL_TOKEN, GROUP_TOKENS, ITU_REGIONS, REGION_TOKEN, Scope, ScopeKind, is_entity_number
from models.session import Session
from models.tables import Contact, Country, Entity, Outbox, Pledge, ProgressReport, ReminderHold
from models.values import NOT_MINE, OutboxStatus, PledgeStatus, ReportingCadence, Role

log = logging.getLogger(__name__)

P = table_of(Pledge)
E = table_of(Entity)
R = table_of(ProgressReport)
C = table_of(Country)
K = table_of(Contact)
H = table_of(ReminderHold)
OUT = table_of(Outbox)

PUBLISHED = (PledgeStatus.validated, PledgeStatus.completed)
"""Pledges counted in the headline figures: validated, and completed ones."""
LISTED = tuple(status for status in PledgeStatus if status is not PledgeStatus.draft)
"""Pledges a spreadsheet lists: everything submitted at least once."""


def _lists(column: Any, token: str) -> ColumnElement[bool]:
    """True when a JSON list column of plain codes holds `token`: a match on the quoted code in its text works alike
    on SQLite and PostgreSQL and needs no JSON operators."""
    return sa.cast(column, sa.String).like(f'%"{token}"%')


def _in_countries(codes: tuple[str, ...], day: date) -> ColumnElement[bool]:
    """Pledges implemented in one of the countries: named, or through a shortcut that covers one of them (all LDCs,
    an ITU region, global), read from the staff-correctable country table on `day` (a country that graduated from
    the LDCs is no longer covered by "all LDCs"). The shortcuts' conditions do not depend on the pledge: each is
    computed once a statement."""
    chosen = C.alias("chosen")
    named = chosen.c.iso3.in_(codes)
    groups = [sa.and_(sa.exists().where(named, in_group_on(chosen.c, flag, day)), _lists(P.c.countries, token))
              for token, flag in GROUP_TOKENS.items()]
    regions = [sa.and_(sa.exists().where(named, chosen.c.itu_region == region),
                       _lists(P.c.countries, REGION_TOKEN + region)) for region in ITU_REGIONS]
    return sa.or_(*(_lists(P.c.countries, code) for code in codes), _lists(P.c.countries, GLOBAL_TOKEN),
                  *groups, *regions)


def in_scope(session: Session, scope: Scope, day: date | None = None) -> ColumnElement[bool]:
    """The condition on the pledge table that keeps a scope's pledges, its countries' groups read on `day` (by
    default today, in UTC); a region's, those in a country of the region as the country table places them
    (in_region_on), not as it did when they were submitted."""
    if scope.kind is ScopeKind.region:
        return in_region_on(session, P.c.countries, scope.values[0], day or utcnow().date())
    if scope.kind is ScopeKind.countries:
        return _in_countries(scope.values, day or utcnow().date())
    if scope.kind is ScopeKind.sector:
        return P.c.entity_id.in_(sa.select(E.c.id).where(E.c.sector == scope.values[0]))
    if scope.kind is ScopeKind.entity:  # a number no organisation can have (stored before it was checked) is none
        return P.c.entity_id == int(scope.values[0]) if is_entity_number(scope.values[0]) else sa.false()
    return sa.true()


async def own_regions(session: Session, scope: Scope) -> list[str]:
    """The ITU regions a scope's "By ITU region" gives a line (when it has pledges): a region's scope its own, a
    scope of countries the regions of its countries (as "in N countries" counts its own countries), any other scope
    every region of the country table."""
    if scope.kind is ScopeKind.region:
        return [scope.values[0]]
    return await regions_of(session, scope.values if scope.kind is ScopeKind.countries else None)


def _own_countries(scope: Scope) -> ColumnElement[bool] | None:
    """The condition on the country table that keeps a scope's own countries: a region's, or those of a scope of
    countries. None: every country is the scope's (everything, a sector, an organisation)."""
    if scope.kind is ScopeKind.region:
        return C.c.itu_region == scope.values[0]
    if scope.kind is ScopeKind.countries:
        return C.c.iso3.in_(scope.values)
    return None


def _covers(token: Any, day: date) -> ColumnElement[bool]:
    """The condition on the country table that keeps the countries a stored token names: its own code, or every
    country of the group (on `day`), region or world it stands for."""
    return sa.or_(C.c.iso3 == token, token == GLOBAL_TOKEN,
                  *(sa.and_(token == group, in_group_on(C.c, flag, day)) for group, flag in GROUP_TOKENS.items()),
                  sa.and_(C.c.itu_region.is_not(None), token == sa.literal(REGION_TOKEN) + C.c.itu_region))


def _money(column: Any) -> Any:
    """A money column as a float: the sheet writes it as a number, without a Decimal made for each cell."""
    return sa.cast(column, sa.Float)


_LAST_MONTH = {"": 12, "-H1": 6, "-H2": 12, "-Q1": 3, "-Q2": 6, "-Q3": 9, "-Q4": 12}
"""A period's last month by what follows its year."""
_IS_PERIOD = sa.and_(*(sa.func.substr(R.c.period, place, 1).in_(list("0123456789")) for place in range(1, 5)),
                     sa.func.substr(R.c.period, 5).in_(list(_LAST_MONTH)))
"""A well-formed period label (models.reporting.is_period): four digits 0-9, then nothing or a half or quarter."""
_PERIOD_END = sa.case((_IS_PERIOD, sa.cast(sa.func.substr(R.c.period, 1, 4), sa.Integer) * 100
                       + sa.case(_LAST_MONTH, value=sa.func.substr(R.c.period, 5))), else_=0)
"""A report's period by its last month (yyyymm): "2026" ends after "2026-Q3", which a sort by name inverts. A
malformed label (an import's: "abcd", "2025x") is 0, before every period, as Reports' recency puts it; only
well-formed labels are cast, so PostgreSQL never meets a year it cannot read."""
LAST_REPORT = (sa.select(R.c.id).where(R.c.pledge_id == P.c.id, R.c.is_current)
               .order_by(_PERIOD_END.desc(), R.c.created_at.desc(), R.c.id.desc()).limit(1).correlate(P)
               .scalar_subquery())
"""A pledge's last report: the current report of its latest reported period, by its last day, then the latest sent
(as Reports.latest_of, models.repositories.reports.recency; a replaced report is history)."""


@dataclass(frozen=True)
class Share:
    """How many pledges, worth how much, fall in one group of a breakdown."""

    key: str
    pledges: int
    value_usd: Decimal | None
    """None: no pledge of the group carries a value (non-financial pledges), which is not a value of 0."""


@dataclass(frozen=True)
class Overdue:
    """A pledge whose report is overdue, with its entity and first focal point."""

    pledge_id: int
    ref: str
    title: str
    entity: str
    period: str
    """The latest period owed: overdue, and not covered by current reports (models.reporting.owed_periods)."""
    focal_point_id: int | None
    focal_point: str | None
    first_period: str | None = None
    """The oldest period owed, the one the reminders and a nudge ask for (next_report): `period` itself, or an
    earlier one when several are owed (None: taken as `period`)."""
    owed: int = 1
    """How many reports are owed from `first_period` on, as the focal point's reminder counts them on the reader's
    day (models.reminding: up to the period whose reminders have begun, 14 days before it is due)."""


@dataclass(frozen=True)
class Figures:
    """Everything a digest shows, for one scope at one moment."""

    pledges: int = 0
    entities: int = 0
    countries: int = 0
    value_usd: Decimal = Decimal(0)
    changes: dict[str, int] = field(default_factory=dict)
    breakdowns: dict[str, list[Share]] = field(default_factory=dict)
    due: int = 0
    reported: int = 0
    overdue: list[Overdue] = field(default_factory=list)
    overdue_total: int = 0
    shared: int = 0
    """Published pledges implemented in several countries: counted whole in each region line and each regional or
    country digest (the usual convention, said under the breakdowns)."""


CHANGES = ("submitted", "validated", "completed", "withdrawn", "reports", "entities")
BREAKDOWNS = ("focus_area", "pledge_type", "sector", "targeting", "region")


REPORTABLE = ("start_date", "end_date", "reporting_cadence", "previous_cadence", "cadence_since", "status")
"""The pledge's columns models.reporting's rules read (Reportable)."""


def _quarters(first: date, last: date) -> Any:
    """The quarters from the one containing `first` to the one containing `last`, as a VALUES table: each with its
    first and last day, the first days of its half and its year, the due dates of its quarter, half and year (30
    days after each ends), and the three periods whose report covers it."""
    rows = []
    year, quarter = first.year, (first.month - 1) // 3
    while (year, quarter * 3 + 1) <= (last.year, last.month):
        label = f"{year}-Q{quarter + 1}"
        half, whole = f"{year}-H{1 if quarter < 2 else 2}", str(year)
        rows.append((period_start(label), period_end(label), period_start(half), period_start(whole),
                     due_date(label), due_date(half), due_date(whole), label, half, whole))
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)
    days = ("first_day", "last_day", "half_start", "year_start", "quarter_due", "half_due", "year_due")
    columns = [sa.column(name, sa.Date) for name in days] + [sa.column(name, sa.String)
                                                              for name in ("quarter", "half", "year")]
    name = f"quarters_{first.year}_{(first.month - 1) // 3 + 1}"  # one a table: several in one statement
    return sa.values(*columns, name=name).data(rows).cte(name)  # SQLite names VALUES' columns in a CTE


def _owed_quarters(due: dict[str, str], first: date) -> tuple[Any, Any, ColumnElement[bool]]:
    """The quarters of a pledge's periods whose report is overdue (by cadence, the latest in `due` and those
    before) that no current report covers (one of the quarter, its half or its year): the quarters table, the due
    date of each quarter's period, and the condition, correlated to the pledge. A pledge owes a report when it has
    one (models.reporting.owed_periods, and so next_report, the reminders' rule: a later period reported leaves an
    earlier one owed). The table begins with the quarter of `first`: it answers for pledges begun since (_by_start)."""
    quarters = _quarters(first, max(period_end(period) for period in due.values()))
    changed = sa.and_(P.c.cadence_since.is_not(None), P.c.previous_cadence.is_not(None),
                      quarters.c.first_day < P.c.cadence_since)
    cadence = sa.case((changed, P.c.previous_cadence), else_=P.c.reporting_cadence)  # reporting.cadence_on

    def by(values: dict[str, Any]) -> Any:
        return sa.case(*((cadence == name, value) for name, value in values.items()), else_=sa.null())

    annual, semi_annual, quarterly = (cadence.value for cadence in (ReportingCadence.annual,
                                                                    ReportingCadence.semi_annual,
                                                                    ReportingCadence.quarterly))
    last_due_day = by({name: period_end(period) for name, period in due.items()})
    period_first_day = by({annual: quarters.c.year_start, semi_annual: quarters.c.half_start,
                           quarterly: quarters.c.first_day})
    period_due = by({annual: quarters.c.year_due, semi_annual: quarters.c.half_due, quarterly: quarters.c.quarter_due})
    reported = sa.exists().where(R.c.pledge_id == P.c.id, R.c.is_current,
                                 R.c.period.in_([quarters.c.quarter, quarters.c.half, quarters.c.year])
                                 ).correlate(P, quarters)
    owed = sa.and_(quarters.c.last_day >= P.c.start_date, quarters.c.last_day <= last_due_day,
                   sa.or_(P.c.end_date.is_(None), period_first_day <= P.c.end_date), sa.not_(reported))
    return quarters, period_due, owed


def _by_start(due: dict[str, str], earliest: date, ask: Callable[[Any, Any, ColumnElement[bool]], Any]) -> Any:
    """`ask` of the quarters a pledge may owe (_owed_quarters), each pledge against a table of the quarters since the
    first day of a year not long before its start: 2, 4, 8, 16... years before the last period due, the whole table
    from `earliest` (the first start date of the pledges asked about) for the pledges begun before all of those (a
    table is made only when the whole one is at least twice as long: else one table, as before).

    The same answers as the whole table for every pledge: a quarter that ended before the pledge began is never owed.
    Without it, one pledge begun in 1990 had the sheet check every pledge against every quarter since 1990 (8.2 s
    instead of 2.6 s at 100,000 pledges on PostgreSQL, 3.2 s with it): each is now checked against at most about four
    times the quarters since its start (two years' at least)."""
    last = max(period_end(period) for period in due.values())
    branches, years = [], 2
    while (first := date(last.year - years + 1, 1, 1)) > earliest and (last - earliest) >= 2 * (last - first):
        branches.append((P.c.start_date >= first, ask(*_owed_quarters(due, first))))
        years *= 2
    whole = ask(*_owed_quarters(due, earliest))
    return sa.case(*branches, else_=whole) if branches else whole


def _owing(due: dict[str, str], earliest: date) -> ColumnElement[bool]:
    """True for a pledge that owes a report (_owed_quarters). One table from `earliest` for all the pledges: PostgreSQL
    joins it to them (a semi-join, which stops at the first quarter owed and skips the quarters before a pledge's start
    cheaply); split by start (_by_start), the EXISTS is a subplan a pledge and took twice as long."""
    quarters, _, owed = _owed_quarters(due, earliest)
    return sa.exists(sa.select(sa.literal(1)).select_from(quarters).where(owed).correlate(P))


def _overdue_since(due: dict[str, str], earliest: date) -> Any:
    """The due date of the oldest period a validated pledge owes (_owed_quarters; NULL: none): since when its report
    is overdue, as its reminders say."""
    def oldest(quarters: Any, period_due: Any, owed: ColumnElement[bool]) -> Any:
        return sa.select(sa.func.min(period_due)).select_from(quarters).where(owed).correlate(P).scalar_subquery()

    since = _by_start(due, earliest, oldest)
    return sa.type_coerce(sa.case((P.c.status == PledgeStatus.validated, since), else_=sa.null()), sa.Date)


class DigestFigures:
    """Aggregates for digests and exports, each one statement."""

    def __init__(self, session: Session, today: date | None = None) -> None:
        self.session = session
        self.today = today or utcnow().date()
        """The day the country table's groups are read on: a country that graduated from the LDCs before it is
        none (default: today in UTC)."""

    def _in(self, scope: Scope) -> ColumnElement[bool]:
        return in_scope(self.session, scope, self.today)

    def _targets(self, scope: Scope, group: str) -> ColumnElement[bool]:
        """The condition that a pledge reaches a country of the group (on the figures' day) that is the scope's own,
        as "By ITU region" and "in N countries" count only the scope's own places: Egypt's digest counted an LLDC
        for a pledge in Egypt and Kazakhstan, and the CIS's an LDC and a SIDS for a world-wide pledge."""
        own = _own_countries(scope)
        if own is None:
            return targets_on(self.session, P.c.countries, group, self.today)
        return reaches(self.session, P.c.countries, sa.and_(in_group_on(C.c, group, self.today), own), self.today)

    async def figures(self, scope: Scope, since: datetime, due: dict[str, str], overdue_limit: int = 10, *,
                      today: date | None = None) -> Figures:
        """Headline totals, changes since `since`, breakdowns, reporting rate and the first overdue pledges.

        `due` gives, per reporting cadence, the latest period whose report is overdue
        (models.reporting.latest_due_periods); `today`, the reader's day, counts the reports each listed pledge owes
        as its reminder counts them that day (without it: the periods overdue).
        """
        totals = await self._totals(scope)
        due_count, reported, overdue_total, overdue = await self._reporting(scope, due, overdue_limit, today)
        return Figures(pledges=totals[0], entities=totals[1], value_usd=totals[2],
                       countries=await self._countries(scope), changes=await self._changes(scope, since),
                       breakdowns={name: await self._breakdown(scope, name) for name in BREAKDOWNS},
                       due=due_count, reported=reported, overdue=overdue, overdue_total=overdue_total,
                       shared=await self._shared(scope))

    async def changes_since(self, figures: Figures, scope: Scope, since: datetime) -> Figures:
        """The same figures with the changes since another moment (for readers of one scope due together)."""
        return replace(figures, changes=await self._changes(scope, since))

    async def _totals(self, scope: Scope) -> tuple[int, int, Decimal]:
        query = (sa.select(sa.func.count(), sa.func.count(sa.distinct(P.c.entity_id)),
                           sa.func.coalesce(sa.func.sum(P.c.value_usd), 0))
                 .where(P.c.status.in_(PUBLISHED), self._in(scope)))
        pledges, entities, value = (await self.session.execute(query)).one()
        return int(pledges), int(entities), Decimal(value)

    async def _countries(self, scope: Scope) -> int:
        """Countries the published pledges are implemented in, shortcuts ("all LDCs") counted as their countries:
        the distinct tokens first (a few hundred at most, whatever the number of pledges), then their countries."""
        item = json_items(self.session, P.c.countries)
        tokens = (sa.select(item.c.value.label("token")).select_from(P).join(item, sa.true())
                  .where(P.c.status.in_(PUBLISHED), self._in(scope)).distinct().subquery("tokens"))
        query = (sa.select(sa.func.count(sa.distinct(C.c.iso3))).select_from(C)
                 .join(tokens, _covers(tokens.c.token, self.today)))
        # a scope of countries or a region counts its own: a pledge in Mali and Niger is one of "Mali and Senegal",
        # whose digest said "in 3 countries" under a heading naming two
        if scope.kind is ScopeKind.countries:
            query = query.where(C.c.iso3.in_(scope.values))
        elif scope.kind is ScopeKind.region:
            query = query.where(C.c.itu_region == scope.values[0])
        return int((await self.session.execute(query)).scalar_one())

    async def _shared(self, scope: Scope) -> int:
        """How many published pledges of the scope are implemented in several countries (several named, or a
        shortcut: all LDCs, a region, the world): each counts whole in every region line, and in every regional or
        country digest, it belongs to."""
        item = json_items(self.session, P.c.countries)
        shortcut = sa.or_(item.c.value == GLOBAL_TOKEN, item.c.value.in_(list(GROUP_TOKENS)),
                          sa.func.substr(item.c.value, 1, len(REGION_TOKEN)) == REGION_TOKEN)
        several = (sa.select(P.c.id).select_from(P).join(item, sa.true())
                   .where(P.c.status.in_(PUBLISHED), self._in(scope)).group_by(P.c.id)
                   .having(sa.or_(sa.func.count() > 1, sa.func.max(sa.case((shortcut, 1), else_=0)) == 1))
                   .subquery("several"))
        return int((await self.session.execute(sa.select(sa.func.count()).select_from(several))).scalar_one())

    async def own_places(self, scope: Scope) -> tuple[frozenset[str], frozenset[str]] | None:
        """The ITU regions and the countries (ISO codes) that are the scope's own, as its digest's "By ITU region" and
        "in N countries" count them: a region's scope its region and its countries; a scope of countries those and
        their regions. None: every region and country is the scope's (everything, a sector, an organisation)."""
        own = _own_countries(scope)
        if own is None:
            return None
        rows = (await self.session.execute(sa.select(C.c.iso3, C.c.itu_region).where(own))).all()
        regions = frozenset(scope.values) if scope.kind is ScopeKind.region else frozenset(
            region for _, region in rows if region)
        return regions, frozenset(code for code, _ in rows)

    async def _changes(self, scope: Scope, since: datetime) -> dict[str, int]:
        def counted(condition: ColumnElement[bool]) -> Any:
            return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

        pledges = sa.select(
            counted(P.c.submitted_at >= since), counted(P.c.validated_at >= since),
            counted(sa.and_(P.c.status == PledgeStatus.completed, P.c.updated_at >= since)),
            counted(sa.and_(P.c.status == PledgeStatus.withdrawn, P.c.updated_at >= since)),
        ).where(self._in(scope))
        submitted, validated, completed, withdrawn = (await self.session.execute(pledges)).one()
        reports = (sa.select(sa.func.count()).select_from(R).join(P, P.c.id == R.c.pledge_id)
                   .where(R.c.created_at >= since, R.c.is_current.is_(True), self._in(scope)))
        # new entities as "from N entities" counts them, in every scope: organisations with a published pledge of
        # the scope (the everything digest counted every entity row, coordinators' own offices with no pledge too)
        pledging = sa.select(P.c.entity_id).where(P.c.status.in_(PUBLISHED), self._in(scope))
        entities = sa.select(sa.func.count()).select_from(E).where(E.c.created_at >= since, E.c.id.in_(pledging))
        return {"submitted": int(submitted), "validated": int(validated), "completed": int(completed),
                "withdrawn": int(withdrawn), "reports": int((await self.session.execute(reports)).scalar_one()),
                "entities": int((await self.session.execute(entities)).scalar_one())}

    async def _breakdown(self, scope: Scope, name: str) -> list[Share]:
        value = sa.func.sum(P.c.value_usd)  # NULL when no pledge of the group carries a value: not "USD 0"
        published = sa.and_(P.c.status.in_(PUBLISHED), self._in(scope))
        if name == "targeting":
            # the pledges' countries in the groups of the digest's day, not the flags frozen when they were submitted:
            # a Council report counts the LDCs of its date (Nepal's pledges are no LDC's from its graduation on)
            flags = [sa.select(sa.literal(flag), sa.func.count(), value).where(published, self._targets(scope, flag))
                     for flag in GROUPS]
            rows = (await self.session.execute(sa.union_all(*flags))).all()
        elif name == "region":
            # the regions of the pledges' countries in the country table (on the digest's day for the groups'
            # shortcuts), as the region's scope and "in N countries" read them: a pledge counted whole in each
            regions = [sa.select(sa.literal(region), sa.func.count(), value)
                       .where(published, in_region_on(self.session, P.c.countries, region, self.today))
                       for region in await own_regions(self.session, scope)]
            rows = [row for row in (await self.session.execute(sa.union_all(*regions))).all() if row[1]] \
                if regions else []
        else:
            key = E.c.sector if name == "sector" else P.c[name]
            query = (sa.select(key, sa.func.count(), value).select_from(P).join(E, E.c.id == P.c.entity_id)
                     .where(published).group_by(key))
            rows = (await self.session.execute(query)).all()
        shares = [Share(str(key), int(count), None if total is None else Decimal(total)) for key, count, total in rows]
        return sorted(shares, key=lambda share: (-(share.value_usd or 0), -share.pledges, share.key))

    def _due_pledges(self, scope: Scope, due: dict[str, str]) -> tuple[ColumnElement[bool], ColumnElement[bool],
                                                                       ColumnElement[bool]]:
        """Validated pledges of the scope whose latest overdue period (by cadence) fell inside their span (the
        condition on the pledge table), and whether current reports cover that period (models.reporting.is_covered):
        the reporting rate of the latest periods due. Third, the condition of the scope's pledges whose latest period
        due is another cadence's (models.reporting.latest_period_due: that period began before a change of cadence
        took effect), which the first leaves out: the few there are are counted one by one (_changed_cadence_due).
        """
        def by(cadence_of: Any, values: dict[str, Any]) -> Any:
            return sa.case(*((cadence_of == cadence, value) for cadence, value in values.items()), else_=sa.null())

        cadence = P.c.reporting_cadence
        starts = by(cadence, {name: period_start(period) for name, period in due.items()})
        ends = by(cadence, {name: period_end(period) for name, period in due.items()})
        changed = sa.and_(P.c.cadence_since.is_not(None), P.c.previous_cadence.is_not(None),
                          starts < P.c.cadence_since)
        validated = sa.and_(P.c.status == PledgeStatus.validated, self._in(scope), P.c.start_date.is_not(None))
        condition = sa.and_(validated, starts.is_not(None), sa.not_(changed), P.c.start_date <= ends,
                            sa.or_(P.c.end_date.is_(None), P.c.end_date >= starts))
        # Covered: each quarter of the period has a current report for it, its half or its year, or ended before
        # the pledge began (is_covered from the pledge's first day). One correlated aggregate a pledge, read through
        # the index on pledge_id: a plan that needs no statistics (a join to grouped reports was a nested loop of
        # 28 s on a freshly loaded PostgreSQL).
        quarters: list[Any] = []
        periods: set[str] = set()
        for name, period in due.items():
            for quarter in quarters_of(period):
                around = covering_periods(quarter)
                periods.update(around)
                reported = sa.or_(R.c.period.in_(around), P.c.start_date > period_end(quarter))
                quarters.append(sa.func.max(sa.case((sa.and_(cadence == name, reported), 1), else_=0)))
        covered = (sa.select(sa.func.coalesce(sum(quarters[1:], quarters[0]), 0))
                   .where(R.c.pledge_id == P.c.id, R.c.is_current, R.c.period.in_(sorted(periods)))
                   .correlate(P).scalar_subquery())
        whole = by(cadence, {name: len(quarters_of(period)) for name, period in due.items()})
        return condition, covered >= whole, sa.and_(validated, changed)

    async def _changed_cadence_due(self, changed: ColumnElement[bool], due: dict[str, str]) -> tuple[int, int]:
        """How many of the pledges whose cadence changed (the condition) are due in this round, and how many of those
        reported, by models.reporting's rules (latest_period_due, is_covered)."""
        rows = (await self.session.execute(sa.select(P.c.id, *(P.c[name] for name in REPORTABLE)).where(changed))).all()
        periods = await self._reported_periods([row.id for row in rows])
        due_count = reported = 0
        for row in rows:
            pledge = cast(Reportable, row)
            period = latest_period_due(pledge, due)
            if period is not None:
                due_count += 1
                reported += is_covered(period, periods.get(row.id, ()), pledge.start_date)
        return due_count, reported

    async def _reporting(self, scope: Scope, due: dict[str, str], limit: int,
                         today: date | None) -> tuple[int, int, int, list[Overdue]]:
        """The reporting rate of the latest periods due (pledges due, reported), how many pledges owe a report (of
        those periods or earlier ones), and the first `limit` of them: those with a focal point to nudge first, then
        by value. Each is named by its oldest period owed and, as its reminder on `today` counts them, how many."""
        condition, reported, changed = self._due_pledges(scope, due)
        counts = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((reported, 1), else_=0)), 0)
                           ).select_from(P).where(condition)
        due_count, reported_count = (await self.session.execute(counts)).one()
        changed_due, changed_reported = await self._changed_cadence_due(changed, due)
        due_count, reported_count = int(due_count) + changed_due, int(reported_count) + changed_reported
        earliest = await self._earliest_due(scope, due)
        if earliest is None:
            return int(due_count), int(reported_count), 0, []
        owing = sa.and_(P.c.status == PledgeStatus.validated, self._in(scope), P.c.start_date.is_not(None),
                        _owing(due, earliest))
        # who follows it: its primary focal point (its submitter until one is set, as reminders have it), else the
        # first other; never one who said it is not theirs
        following = sa.and_(K.c.entity_id == P.c.entity_id, K.c.role == Role.focal_point,
                            # correlated to the pledge two levels up by name: auto-correlation looks one level up
                            ~sa.exists().where(H.c.contact_id == K.c.id, H.c.pledge_id == P.c.id,
                                               H.c.reason == NOT_MINE).correlate(K, P))
        focal = sa.func.coalesce(
            sa.select(K.c.id).where(K.c.id == sa.func.coalesce(P.c.primary_contact_id, P.c.created_by),
                                    following).scalar_subquery(),
            sa.select(sa.func.min(K.c.id)).where(following).scalar_subquery())
        focal_id = focal.label("focal_id")
        # the pledges alone are ordered and cut, then the few kept are joined to their organisation: joined before,
        # PostgreSQL, misjudging how many pledges owe a report, looped over organisations x pledges (review s26 #2)
        listing = (sa.select(P.c.id, P.c.ref, P.c.title, P.c.entity_id, P.c.value_usd, focal_id,
                             *(P.c[name] for name in REPORTABLE), sa.func.count().over().label("owing"))
                   .where(owing).order_by(focal_id.is_(None), P.c.value_usd.desc().nulls_last(), P.c.id)
                   .limit(limit)).subquery()
        named = (sa.select(listing, E.c.name.label("entity"), K.c.full_name, K.c.first_name)
                 .join(E, E.c.id == listing.c.entity_id).outerjoin(K, K.c.id == listing.c.focal_id)
                 .order_by(listing.c.focal_id.is_(None), listing.c.value_usd.desc().nulls_last(), listing.c.id))
        rows = (await self.session.execute(named)).all()
        periods = await self._reported_periods([row.id for row in rows])
        overdue = []
        for row in rows:
            pledge, reports = cast(Reportable, row), periods.get(row.id, ())
            owed = owed_periods(pledge, reports, due)
            if not owed:  # the SQL and the rule disagree: a defect to fix, not a line to show
                log.error("pledge %s owes a report by the digest's SQL but no period by models.reporting", row.id)
                continue
            stands = where_reporting_stands(pledge, reports, today) if today is not None else None
            count = stands[1].owed if stands is not None and stands[1] is not None else len(owed)
            overdue.append(Overdue(row.id, row.ref or "", row.title, row.entity, owed[-1], row.focal_id,
                                   row.full_name or row.first_name, owed[0], max(count, len(owed))))
        owing_count = rows[0].owing if rows else 0  # counted before the limit: the condition is evaluated once
        return int(due_count), int(reported_count), int(owing_count), overdue

    async def _earliest_due(self, scope: Scope, due: dict[str, str]) -> date | None:
        """The first start date of the scope's validated pledges, when one began before a period due ended (None: no
        pledge of the scope can owe a report)."""
        query = sa.select(sa.func.min(P.c.start_date)).where(P.c.status == PledgeStatus.validated, self._in(scope))
        earliest = (await self.session.execute(query)).scalar()
        if earliest is None or earliest > max(period_end(period) for period in due.values()):
            return None
        return cast(date, earliest)

    async def _reported_periods(self, pledge_ids: list[int]) -> dict[int, list[str]]:
        """The periods each of these few pledges has a current report for (a replaced report alone is history, as in
        the figures; in the bot's own use a replaced report always has its current replacement)."""
        found: dict[int, list[str]] = {}
        if pledge_ids:
            query = sa.select(R.c.pledge_id, R.c.period).where(R.c.pledge_id.in_(pledge_ids), R.c.is_current)
            rows = await self.session.execute(query)
            for pledge_id, period in rows.all():
                found.setdefault(pledge_id, []).append(period)
        return found

    async def lists_any(self, scope: Scope) -> bool:
        """Whether the scope's spreadsheet lists a pledge (LISTED: submitted at least once, published or not)."""
        query = (sa.select(P.c.id).select_from(P.join(E, E.c.id == P.c.entity_id))
                 .where(P.c.status.in_(LISTED), self._in(scope)).limit(1))
        return (await self.session.execute(query)).first() is not None

    async def pledge_rows(self, scope: Scope, due: dict[str, str], chunk: int = 5000) -> AsyncIterator[Sequence[Any]]:
        """Every listed pledge of the scope (its pillars, countries and ITU regions as lists) with its entity, last
        current report and, when it owes a report, since when (`due`: the latest periods due,
        models.reporting.latest_due_periods), ready to write (money as floats, dates as Excel day numbers), streamed
        in chunks, by id. Its LDC, LLDC and SIDS columns and its ITU regions are those of its countries on the
        figures' day, as the digest's counts (not the flags and regions of the day it was submitted); the groups, of
        the scope's own countries (_targets)."""
        day, money = self._day, _money
        earliest = await self._earliest_due(scope, due)
        overdue_since = day(_overdue_since(due, earliest)) if earliest is not None else sa.null()
        regions = await regions_by_token(self.session, self.today)
        query = (sa.select(P.c.ref, P.c.title, E.c.name, E.c.sector, P.c.status, P.c.focus_area, P.c.pillars,
                           P.c.pledge_type, money(P.c.value_usd), P.c.countries,
                           *(self._targets(scope, flag) for flag in GROUPS),
                           day(P.c.start_date), day(P.c.end_date), day(P.c.submitted_at),
                           day(P.c.validated_at), R.c.period, R.c.status, R.c.percent_complete,
                           money(R.c.value_disbursed_usd), day(R.c.created_at), overdue_since)
                 .join(E, E.c.id == P.c.entity_id).outerjoin(R, R.c.id == LAST_REPORT)
                 .where(P.c.status.in_(LISTED), self._in(scope))
                 .order_by(P.c.id))
        none: frozenset[str] = frozenset()
        async for rows in self._stream(query, chunk):  # each pledge's regions: those of its tokens (in_region_on)
            yield [(*row[:10], sorted(none.union(*(regions.get(token, none) for token in listed(row[9])))),
                    *row[10:]) for row in rows]

    async def report_rows(self, scope: Scope, chunk: int = 5000) -> AsyncIterator[Sequence[Any]]:
        """Every current report of the scope's pledges, ready to write, streamed in chunks, by pledge then id
        (a replaced report is history: its replacement stands for it)."""
        day, money = self._day, _money
        query = (sa.select(P.c.ref, P.c.title, R.c.period, R.c.status, R.c.percent_complete,
                           money(R.c.value_disbursed_usd), R.c.beneficiaries_reached, day(R.c.created_at))
                 .join(P, P.c.id == R.c.pledge_id)
                 .where(P.c.status.in_(LISTED), self._in(scope), R.c.is_current.is_(True))
                 .order_by(R.c.pledge_id, R.c.id))
        async for rows in self._stream(query, chunk):
            yield rows

    def _day(self, column: Any) -> Any:
        """A date or timestamp column as an Excel day number (days since 1899-12-30), computed by the database."""
        if dialect_of(self.session) == "postgresql":
            if not isinstance(column.type, sa.Date):  # a timestamp: its UTC day, whatever the session's time zone
                column = sa.func.timezone("UTC", column)
            return sa.type_coerce(sa.cast(column, sa.Date) - sa.literal_column("DATE '1899-12-30'"), sa.Integer)
        return sa.cast(sa.func.julianday(column) - 2415018.5, sa.Integer)

    async def _stream(self, query: Any, chunk: int) -> AsyncIterator[Sequence[Any]]:
        result = await self.session.stream(query.execution_options(yield_per=chunk))
        async for rows in result.partitions(chunk):
            yield rows


async def pledge_in_scope(session: Session, pledge_id: int, scope: Scope) -> bool:
    """True when the pledge exists and belongs to the scope (checked before any action on it)."""
    query = sa.select(sa.func.count()).select_from(P).where(P.c.id == pledge_id, in_scope(session, scope))
    return bool((await session.execute(query)).scalar_one())


DIGEST_PARTS = ("t", "c", "x")
"""The last part of the outbox keys of a digest's rows: its text, chart and spreadsheet (digests.service)."""


def _key_starts(text: str) -> ColumnElement[bool]:
    return sa.func.substr(OUT.c.key, 1, len(text)) == text


def _pending_of(chat_id: int, prefix: str) -> ColumnElement[bool]:
    """A person's rows not sent yet under these keys."""
    return sa.and_(OUT.c.chat_id == chat_id, OUT.c.status == OutboxStatus.pending, _key_starts(prefix))


def _unbegun(chat_id: int, prefix: str) -> ColumnElement[bool]:
    """A person's digest rows not sent yet, of digests none of whose rows was taken for sending."""
    other = OUT.alias("other")
    digest = sa.func.substr(OUT.c.key, 1, sa.func.length(OUT.c.key) - 1, type_=sa.String)  # "dg:7:2026-W49:"
    begun = sa.exists().where(other.c.key.in_([digest + part for part in DIGEST_PARTS]),
                              other.c.status != OutboxStatus.pending)
    return sa.and_(_pending_of(chat_id, prefix), sa.not_(begun))


def _superseded(chat_id: int, prefix: str, latest: str) -> ColumnElement[bool]:
    return sa.and_(_unbegun(chat_id, prefix), sa.not_(_key_starts(latest + ":")))


async def drop_unbegun(session: Session, chat_id: int, prefix: str) -> int:
    """Delete the rows of a person's scheduled digests (keys `prefix`...) not sent yet, but those of a digest one of
    whose rows was taken for sending (it goes whole); lock them first (`lock_pending_digests`). How many rows."""
    query = sa.delete(OUT).where(_unbegun(chat_id, prefix)).execution_options(synchronize_session=False)
    return int(getattr(await session.execute(query), "rowcount", 0) or 0)


async def lock_pending_digests(session: Session, chat_id: int, prefix: str) -> None:
    """Lock a person's digest rows not sent yet until the transaction ends (PostgreSQL; SQLite's writer holds the
    file): delivery, which skips locked rows, cannot take one between `has_superseded` and `drop_superseded`, and a
    claim of one in progress is waited for, so that `has_superseded` then sees it taken."""
    await session.execute(sa.select(OUT.c.id).where(_pending_of(chat_id, prefix)).with_for_update())


WRITTEN_IN = "written_in"
"""Payload key of a digest's parts: the language its chart and spreadsheet were made in."""


async def held_languages(session: Session, chat_id: int, prefix: str) -> set[str | None]:
    """The languages of the person's digest rows not sent yet (None: written before they said it)."""
    rows = await session.execute(sa.select(OUT.c.payload).where(_pending_of(chat_id, prefix)))
    return {payload.get(WRITTEN_IN) for (payload,) in rows}


async def release_held(session: Session, chat_id: int, prefix: str, latest: str, now: datetime) -> int:
    """Let the person's digest rows not sent yet (but the `latest`'s) go now, without what held them for the job
    (outbox.SUPERSEDED_AT): the job writes `latest` and does not drop them (a part already sent: the digest goes
    whole; or one kept from before 0022), so they go before it, in order. How many rows."""
    rows = (await session.execute(sa.select(OUT.c.id, OUT.c.payload).where(
        _pending_of(chat_id, prefix), sa.not_(_key_starts(latest + ":"))))).all()
    changed = [{"row_id": row_id, "payload": released(payload), "now": now} for row_id, payload in rows
               if released(payload) != payload]
    if changed:
        await session.execute(_RELEASE, changed)
    return len(changed)


_RELEASE = sa.update(OUT).where(OUT.c.id == sa.bindparam("row_id")).values(
    payload=sa.bindparam("payload"), not_before=sa.bindparam("now"))


async def has_superseded(session: Session, chat_id: int, prefix: str, latest: str) -> bool:
    """Whether `drop_superseded` would drop a digest now: one is held, unsent, that the `latest` replaces."""
    found = await session.execute(sa.select(sa.literal(1)).where(_superseded(chat_id, prefix, latest)).limit(1))
    return found.first() is not None


async def drop_superseded(session: Session, chat_id: int, prefix: str, latest: str) -> int:
    """Delete the rows of a person's scheduled digests (keys `prefix`...:<DIGEST_PARTS>) not sent yet, but those of
    the `latest` (its key): a digest held for its reader's working hours, still there when the next one fell due (an
    outage, a clock moved), would go out first with its old figures. As reminders, the latest due goes out once. A
    digest one of whose rows was taken for sending (or sent) is left whole to go: its text went or goes, and its
    chart and sheet ("all in the spreadsheet") with it. How many rows were deleted."""
    query = (sa.delete(OUT).where(_superseded(chat_id, prefix, latest))
             .execution_options(synchronize_session=False))
    return int(getattr(await session.execute(query), "rowcount", 0) or 0)
