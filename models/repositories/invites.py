"""Invitations: stored by the hash of their token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlmodel import col, select

from models.repositories.base import table_of
from models.session import Session
from models.tables import Contact, Entity, Invite

_I = table_of(Invite)
Listed = tuple[Invite, Entity, Contact | None, Contact | None]
"""An invitation with its entity, the person who made it and the person who used it."""
_BY_TOKEN_HASH = select(Invite).where(col(Invite.token_hash) == bindparam("token_hash"))


class Invites:
    """Invitations to join an entity."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def add(self, invite: Invite) -> None:
        """Insert a new invitation now, so its id is known."""
        self.session.add(invite)
        await self.session.flush()

    async def by_token_hash(self, token_hash: str) -> Invite | None:
        """The invitation whose token has this hash, if any."""
        return (await self.session.execute(_BY_TOKEN_HASH, {"token_hash": token_hash})).scalar_one_or_none()

    async def get_for_update(self, invite_id: int) -> Invite | None:
        """The invitation, locked until the transaction ends (on PostgreSQL), so it is used only once."""
        return await self.session.get(Invite, invite_id, with_for_update=True)

    async def open_made_by(self, contact_id: int, now: datetime) -> list[Invite]:
        """The person's invitations still unused and unexpired, oldest first."""
        query = (select(Invite).where(col(Invite.created_by) == contact_id, col(Invite.used_at).is_(None),
                                      col(Invite.expires_at) > now).order_by(col(Invite.id)))
        return list((await self.session.execute(query)).scalars())

    async def withdraw(self, invite_ids: list[int], now: datetime) -> int:
        """Close these invitations if still unused, as withdraw_made_by does; how many."""
        if not invite_ids:
            return 0
        result: Any = await self.session.execute(
            sa.update(_I).where(_I.c.id.in_(invite_ids), _I.c.used_at.is_(None))
            .values(used_at=now, used_by=None).execution_options(synchronize_session=False))
        return int(result.rowcount)

    async def withdraw_made_by(self, contact_id: int, entity_id: int, now: datetime) -> int:
        """Close the unused invitations to the entity that the person made (they left it, or were forgotten): each is
        marked used at `now` by nobody (used_by None), which only a withdrawn invitation is, so none of them works
        any more (handlers.invites.usable); how many."""
        result: Any = await self.session.execute(
            sa.update(_I).where(_I.c.created_by == contact_id, _I.c.entity_id == entity_id, _I.c.used_at.is_(None),
                                _I.c.expires_at > now)
            .values(used_at=now, used_by=None).execution_options(synchronize_session=False))
        return int(result.rowcount)

    async def listing(self, entity_id: int | None = None) -> list[Listed]:
        """Every invitation (to the entity, when given), newest first, with its entity, the person who made it (None:
        the operator, from the command line, or a maker since gone) and the person who used it (None: unused, or
        withdrawn)."""
        maker, user = sa.orm.aliased(Contact), sa.orm.aliased(Contact)
        query = (select(Invite, Entity, maker, user).join(Entity, col(Entity.id) == col(Invite.entity_id))
                 .outerjoin(maker, col(maker.id) == col(Invite.created_by))
                 .outerjoin(user, col(user.id) == col(Invite.used_by)).order_by(col(Invite.id).desc()))
        if entity_id is not None:
            query = query.where(col(Invite.entity_id) == entity_id)
        return [(invite, entity, made_by, used_by) for invite, entity, made_by, used_by
                in (await self.session.execute(query)).all()]
