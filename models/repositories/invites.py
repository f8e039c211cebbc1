"""Invitations: stored by the hash of their token."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import col, select

from models.session import Session
from models.tables import Invite

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
