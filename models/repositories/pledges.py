"""Pledges, and the country table their reach is derived from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from models.repositories.base import json_items, table_of
from models.scope import GLOBAL_TOKEN, GROUP_TOKENS, REGION_TOKEN
from models.session import Session
from models.tables import Country, Pledge
from models.values import PledgeStatus

_OF_ENTITY = select(Pledge).where(col(Pledge.entity_id) == bindparam("entity_id")).order_by(col(Pledge.id).desc())
_COUNT_OF_ENTITY = select(sa.func.count()).select_from(Pledge).where(col(Pledge.entity_id) == bindparam("entity_id"))
_OF_ENTITY_FIRST = _OF_ENTITY.limit(bindparam("limit", type_=sa.Integer))
"""The newest of an entity's pledges, built once (a /pledge reads the latest, to offer its answers again)."""
_BY_REF = select(Pledge).where(col(Pledge.ref) == bindparam("ref"))
_FOCUS_AREAS = select(Pledge.entity_id, Pledge.focus_area)
_P = table_of(Pledge).c
_DECIDE = (sa.update(table_of(Pledge))
           .where(_P.id == bindparam("pledge_id"), _P.status == bindparam("seen"),
                  _P.version == bindparam("seen_version"))
           .values(status=bindparam("new_status"), staff_comment=bindparam("comment"),
                   updated_at=bindparam("decided_at"), validated_at=bindparam("new_validated_at")))
"""Compare-and-set: a staff decision applies only to the pledge as the staff member saw it (status and version)."""
_VALIDATED = select(Pledge).where(col(Pledge.status) == PledgeStatus.validated)
_LIVE = _P.status.not_in([PledgeStatus.draft, PledgeStatus.rejected, PledgeStatus.withdrawn])
GROUPS = ("ldc", "lldc", "sids")
"""The country groups of the country table's flags (models.scope.GROUP_TOKENS: the pledges' shortcuts for them)."""

_C = table_of(Country).c


def in_group_on(country: Any, group: str, day: Any) -> sa.ColumnElement[bool]:
    """The condition on the country table's columns (`country`: a table's or an alias's `.c`) that keeps the
    countries of a group ("ldc", "lldc", "sids") on `day` (a date or a bound parameter): a country that graduated
    from the LDC category (`ldc_until`) is an LDC before that day only."""
    if group != "ldc":
        return sa.and_(country[group].is_(True))
    return sa.and_(country.ldc.is_(True), sa.or_(country.ldc_until.is_(None), country.ldc_until > day))


def targets_on(session: Session, countries: Any, group: str, day: date) -> sa.ColumnElement[bool]:
    """The condition on a pledge's `countries` (its JSON list column) that it is implemented in a country of the
    group on `day`: a country of it named, or a shortcut covering one (a group's, a region's, the world's). "All
    LLDCs" covers Mali and Nepal, LDCs too, as the pledge's card (derive_reach), a scope of countries and "in N
    countries" read it: a shortcut is its countries, whichever group it is named after."""
    return reaches(session, countries, in_group_on(_C, group, day), day)


def in_region_on(session: Session, countries: Any, region: str, day: date) -> sa.ColumnElement[bool]:
    """The condition on a pledge's `countries` that it is implemented in a country of the ITU region, as the
    (staff-correctable) country table places them now, its groups read on `day`: a country of the region named, or
    a shortcut covering one ("all LDCs" is in Africa's region, not Europe's). Not the regions written on the pledge
    when it was submitted (Pledge.itu_regions): a country staff moved to another region moves its pledges with it,
    in a region's scope as in "in N countries" and a scope of countries."""
    return reaches(session, countries, _C.itu_region == region, day)


def reaches(session: Session, countries: Any, member: sa.ColumnElement[bool], day: date) -> sa.ColumnElement[bool]:
    """The condition on a pledge's `countries` that one of the countries `member` keeps (a condition on the country
    table) is among them: named, or covered by a shortcut (a group's on `day`, a region's, the world's), as
    derive_reach reads a pledge's tokens. The tokens that do so are found once a statement (a few dozen), whatever the
    number of pledges."""
    item = json_items(session, countries)
    return sa.exists(sa.select(sa.literal(1)).select_from(item).where(item.c.value.in_(_covering(member, day))))


def _covering(member: sa.ColumnElement[bool], day: date) -> Any:
    """The tokens a pledge may name that cover one of the countries `member` keeps (its `token` column): their codes,
    their regions' shortcuts, the shortcut of a group one of them is in on `day`, and the world's."""
    return sa.union_all(
        sa.select(_C.iso3.label("token")).where(member),
        sa.select(sa.literal(REGION_TOKEN) + _C.itu_region).where(member, _C.itu_region.is_not(None)),
        *(sa.select(sa.literal(token)).where(sa.exists().where(member, in_group_on(_C, flag, day)))
          for token, flag in GROUP_TOKENS.items()),
        sa.select(sa.literal(GLOBAL_TOKEN)).where(sa.exists().where(member)))


async def regions_by_token(session: Session, day: date) -> dict[str, frozenset[str]]:
    """The ITU regions each token a pledge may name is in, by in_region_on's rule (one statement, a few hundred
    rows): to list each pledge's regions without a condition a region for each (the sheet's column)."""
    regions = await regions_of(session)
    if not regions:
        return {}
    parts = []
    for region in regions:
        tokens = _covering(_C.itu_region == region, day).subquery()
        parts.append(sa.select(tokens.c.token, sa.literal(region)))
    found: dict[str, set[str]] = {}
    for token, region in (await session.execute(sa.union_all(*parts))).all():
        found.setdefault(token, set()).add(region)
    return {token: frozenset(regions) for token, regions in found.items()}


async def regions_of(session: Session, countries: Sequence[str] | None = None) -> list[str]:
    """The ITU regions of the country table (of these countries, when given), by code."""
    query = sa.select(_C.itu_region).where(_C.itu_region.is_not(None)).distinct()
    if countries is not None:
        query = query.where(_C.iso3.in_(list(countries)))
    return sorted(str(region) for region in (await session.execute(query)).scalars())


_REACHED = sa.select(in_group_on(_C, "ldc", bindparam("day")).label("ldc"), _C.lldc, _C.sids,
                     _C.itu_region).where(sa.or_(
    _C.iso3.in_(bindparam("codes", expanding=True)), _C.itu_region.in_(bindparam("regions", expanding=True)),
    sa.and_(bindparam("ldc"), in_group_on(_C, "ldc", bindparam("day"))), sa.and_(bindparam("lldc"), _C.lldc),
    sa.and_(bindparam("sids"), _C.sids), bindparam("everywhere")))
"""The countries a pledge's tokens name, and nothing else: a few rows for most pledges; the LDCs as of `day`."""


class Pledges:
    """Pledges of entities."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def get(self, pledge_id: int, *, for_update: bool = False) -> Pledge | None:
        """The pledge with this id, if any; with `for_update`, locked until the transaction ends (PostgreSQL)."""
        return await self.session.get(Pledge, pledge_id, with_for_update=for_update)

    async def by_ref(self, ref: str) -> Pledge | None:
        """The pledge with this public reference, if any."""
        return (await self.session.execute(_BY_REF, {"ref": ref})).scalar_one_or_none()

    async def add(self, pledge: Pledge) -> None:
        """Insert a new pledge now, so its id is known."""
        self.session.add(pledge)
        await self.session.flush()

    async def save(self, pledge: Pledge) -> None:
        """Write a pledge's changes now."""
        self.session.add(pledge)
        await self.session.flush()

    async def decide(self, pledge: Pledge, seen: tuple[str, int], status: str, comment: str | None,
                     now: datetime) -> bool:
        """Set a staff decision if the pledge is still at `seen` (status, version): True when this call won.

        One conditional UPDATE: when someone else changed the pledge first (another staff member, or its focal
        point withdrawing or editing it), nothing is written and `pledge` is reloaded with what they did.
        """
        validated_at = now if status == PledgeStatus.validated else pledge.validated_at
        result = await self.session.execute(_DECIDE, {
            "pledge_id": pledge.id, "seen": seen[0], "seen_version": seen[1], "new_status": status,
            "comment": comment, "decided_at": now, "new_validated_at": validated_at})
        if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult
            await self.session.refresh(pledge)
            return False
        for key, value in (("status", status), ("staff_comment", comment), ("updated_at", now),
                           ("validated_at", validated_at)):
            set_committed_value(pledge, key, value)
        return True

    async def of_entity(self, entity_id: int, limit: int, older_than: int | None = None) -> list[Pledge]:
        """An entity's pledges, newest first; with `older_than`, those after pledge `older_than` in that order (a
        page after the one that listed it last)."""
        query = _OF_ENTITY_FIRST if older_than is None else _OF_ENTITY.where(col(Pledge.id) < older_than).limit(limit)
        return list((await self.session.execute(query, {"entity_id": entity_id, "limit": limit})).scalars())

    async def count_of_entity(self, entity_id: int, older_than: int | None = None) -> int:
        """How many pledges the entity has (older than pledge `older_than`, when given)."""
        query = _COUNT_OF_ENTITY if older_than is None else _COUNT_OF_ENTITY.where(col(Pledge.id) < older_than)
        return int((await self.session.execute(query, {"entity_id": entity_id})).scalar_one())

    async def validated(self) -> list[Pledge]:
        """Every validated pledge."""
        return list((await self.session.execute(_VALIDATED)).scalars())

    async def entities_targeting(self, day: date) -> dict[str, set[int]]:
        """Per group ("ldc", "lldc", "sids"), the entities with a live pledge (not a draft, rejected or withdrawn)
        implemented in at least one of its countries on `day` (a country that left the LDCs since the pledge was
        submitted no longer counts)."""
        found: dict[str, set[int]] = {}
        for group in GROUPS:
            query = sa.select(_P.entity_id).distinct().where(_LIVE, targets_on(self.session, _P.countries, group, day))
            found[group] = set((await self.session.execute(query)).scalars())
        return found

    async def focus_areas(self) -> dict[int, set[str]]:
        """The focus areas each entity pledged in."""
        areas: dict[int, set[str]] = {}
        for entity_id, area in await self.session.execute(_FOCUS_AREAS):
            areas.setdefault(entity_id, set()).add(area)
        return areas


class Countries:
    """The project's country table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def get(self, iso3: str) -> Country | None:
        """The country with this ISO 3166 alpha-3 code, if the table has it."""
        return await self.session.get(Country, iso3)

    async def all(self) -> dict[str, Country]:
        """Every country, by ISO 3166 alpha-3 code."""
        return {country.iso3: country for country in (await self.session.execute(select(Country))).scalars()}

    async def reached(self, codes: Sequence[str], regions: Sequence[str], *, ldc: bool, lldc: bool, sids: bool,
                      everywhere: bool, day: date) -> list[tuple[bool, bool, bool, str | None]]:
        """(ldc, lldc, sids, ITU region) of each country named by code, ITU region or group, or of all, on `day`."""
        rows = await self.session.execute(_REACHED, {"codes": list(codes), "regions": list(regions), "ldc": ldc,
                                                     "lldc": lldc, "sids": sids, "everywhere": everywhere,
                                                     "day": day})
        return [(row.ldc, row.lldc, row.sids, row.itu_region) for row in rows]
