"""Entities: the organisations that pledge, found by a duplicate-proof form of their name."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models.tables import Entity

_BY_NAME_KEY = select(Entity).where(col(Entity.name_key) == bindparam("name_key"))


class Entities:
    """Organisations."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, entity_id: int) -> Entity | None:
        """The entity with this id, if any."""
        return await self.session.get(Entity, entity_id)

    async def by_name_key(self, name_key: str) -> Entity | None:
        """The entity registered under this name key, if any."""
        return (await self.session.execute(_BY_NAME_KEY, {"name_key": name_key})).scalar_one_or_none()

    async def add(self, entity: Entity) -> None:
        """Insert a new entity now, so its id is known."""
        self.session.add(entity)
        await self.session.flush()
