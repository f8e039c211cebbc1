"""Entities: the organisations that pledge, found by a duplicate-proof form of their name."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from models.geography import fold_name
from models.repositories.base import InsertedMeanwhileError, table_of
from models.session import Session
from models.tables import Entity
from models.values import MAX_RECORD_ID, Sector

INTERNATIONAL = frozenset({Sector.un_agency, Sector.intl_regional_org, Sector.ifi})
"""The sectors of bodies that are one organisation in every country they work in."""

_E = table_of(Entity).c
_BY_NAME_KEY = select(Entity).where(col(Entity.name_key) == bindparam("name_key")).order_by(col(Entity.id))
_NAME_KEYS = sa.select(_E.id, _E.name_key).order_by(_E.id)
_BY_IDS = select(Entity).where(col(Entity.id).in_(bindparam("ids", expanding=True))).order_by(col(Entity.id))
_DECIDE = (sa.update(table_of(Entity)).where(_E.id == bindparam("entity_id"), _E.status == bindparam("seen"))
           .values(status=bindparam("new_status"), validated_at=bindparam("decided_at")))
"""Compare-and-set: the decision applies only if the entity is still as the staff member saw it."""


class Entities:
    """Organisations."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def get(self, entity_id: int) -> Entity | None:
        """The entity with this id, if any (none beyond the id column: /scope's "entity 3000000000" was an apology on
        PostgreSQL, whose driver refuses such a parameter)."""
        # (within the column, negative ids included: the start-up rehearsal's organisation has one, rolled back)
        return await self.session.get(Entity, entity_id) if -MAX_RECORD_ID <= entity_id <= MAX_RECORD_ID else None

    async def named(self, name_key: str) -> list[Entity]:
        """The entities registered under this name key (one a country, and international ones), in id order."""
        return list((await self.session.execute(_BY_NAME_KEY, {"name_key": name_key})).scalars())

    async def same_folded(self, folded: str, country_iso3: str | None) -> Entity | None:
        """same_organisation for a name whose key matched none, compared folded (models.geography.fold_name: case,
        accents, punctuation, an emoji aside): the one of that folded name in that country, else an international
        body of it with no country, else (a registration with no country) the one organisation of that folded name,
        when there is only one. It reads every name key: a registration is rare."""
        ids = [entity_id for entity_id, stored in await self.folded_names() if stored == folded]
        matches = await self.by_ids(ids) if ids else []
        here = [entity for entity in matches if entity.country_iso3 == country_iso3]
        everywhere = [entity for entity in matches if entity.country_iso3 is None and entity.sector in INTERNATIONAL]
        found = here or everywhere or (matches if country_iso3 is None and len(matches) == 1 else [])
        return found[0] if found else None

    async def same_organisation(self, name_key: str, country_iso3: str | None) -> Entity | None:
        """The organisation a registration of this name in this country means, if registered: the one of that name
        in that country, else an international body of that name with no country (a UN agency, an international or
        regional organisation, a financial institution: one everywhere; a ministry registered without a country is
        not every country's); a registration with no country means the one organisation of that name, when there is
        only one."""
        named = await self.named(name_key)
        here = [entity for entity in named if entity.country_iso3 == country_iso3]
        if here:
            return here[0]
        everywhere = [entity for entity in named if entity.country_iso3 is None and entity.sector in INTERNATIONAL]
        if everywhere:
            return everywhere[0]
        return named[0] if country_iso3 is None and len(named) == 1 else None

    async def name_keys(self) -> list[tuple[int, str]]:
        """Every entity's id and name key, in id order (for a search the name key alone cannot answer)."""
        return [(entity_id, key) for entity_id, key in await self.session.execute(_NAME_KEYS)]

    async def folded_names(self) -> list[tuple[int, str]]:
        """Every entity's id and name key folded (models.geography.fold_name: case, accents, punctuation, an emoji
        aside), in id order: what a name typed without its accents is compared with."""
        return [(entity_id, fold_name(key)) for entity_id, key in await self.name_keys()]

    async def by_ids(self, entity_ids: list[int]) -> list[Entity]:
        """The entities with these ids, in id order."""
        if not entity_ids:
            return []
        return list((await self.session.execute(_BY_IDS, {"ids": entity_ids})).scalars())

    async def add(self, entity: Entity) -> None:
        """Insert a new entity now, so its id is known; InsertedMeanwhileError when another transaction inserted one
        of its name and country since the caller looked (the person then hears it is registered already, not an
        apology: a tester's two registrations at once)."""
        self.session.add(entity)
        try:
            await self.session.flush()
        except IntegrityError as error:
            said = str(error.orig)
            if "uq_entity_name_key_country" in said or "entity.name_key, entity.country_iso3" in said:
                raise InsertedMeanwhileError(said) from error
            raise

    async def decide(self, entity: Entity, seen: str, status: str, validated_at: datetime | None) -> bool:
        """Set the entity's status if it is still `seen` (one conditional UPDATE): True when this call won.

        When someone else decided first, nothing is written and `entity` is reloaded with what they decided.
        On PostgreSQL a concurrent decision waits for the first one's row lock and then finds the status
        changed, so exactly one of any number of simultaneous deciders wins.
        """
        result = await self.session.execute(_DECIDE, {"entity_id": entity.id, "seen": seen, "new_status": status,
                                                      "decided_at": validated_at})
        if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult
            await self.session.refresh(entity)
            return False
        set_committed_value(entity, "status", status)
        set_committed_value(entity, "validated_at", validated_at)
        return True
