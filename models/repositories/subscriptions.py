"""Coordinators' scopes, digest subscriptions, and the files the bot made for people."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from models.repositories.base import PerDialect, table_of
from models.scope import EVERYTHING, Scope, ScopeKind
from models.session import Session
from models.tables import Contact, CoordinatorScope, DigestSubscription, Entity, GeneratedFile
from models.values import Role

S = table_of(DigestSubscription)
K = table_of(Contact)
E = table_of(Entity)
F = table_of(GeneratedFile)
_LOCKED = sa.select(DigestSubscription).where(S.c.contact_id == sa.bindparam("id")).with_for_update() \
    .execution_options(populate_existing=True)
_WRITE_DEFAULT = PerDialect(lambda insert: insert(S).on_conflict_do_nothing(index_elements=["contact_id"]))


class Scopes:
    """Coordinators' scopes."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def of(self, contact_id: int) -> Scope:
        """The contact's scope as stored; everything when none was set."""
        row = await self.session.get(CoordinatorScope, contact_id)
        return EVERYTHING if row is None else Scope(ScopeKind(row.kind), tuple(row.values))

    async def set(self, contact_id: int, scope: Scope, set_by: int | None, now: datetime) -> None:
        """Replace the contact's scope."""
        row = await self.session.get(CoordinatorScope, contact_id)
        if row is None:
            row = CoordinatorScope(contact_id=contact_id, kind=scope.kind, values=list(scope.values))
        row.kind, row.values, row.set_by, row.set_at = scope.kind, list(scope.values), set_by, now
        self.session.add(row)
        await self.session.flush()


class Subscriptions:
    """Digest subscriptions (staff without a row receive the weekly default)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def of(self, contact_id: int, *, for_update: bool = False) -> DigestSubscription | None:
        """The contact's subscription row, if any (`for_update`: locked, on PostgreSQL, until the transaction ends:
        the digest job writing the person's digest and the person choosing another cadence wait for each other)."""
        # a lock is asked of the database even for a row the session holds (Session.get skips its identity map then)
        return await self.session.get(DigestSubscription, contact_id, with_for_update=for_update or None)

    async def locked(self, default: DigestSubscription) -> DigestSubscription:
        """The contact's subscription row locked (on PostgreSQL) until the transaction ends, written first as
        `default` when they have none: a lock needs a row, and two transactions that each found none (the digest job
        and the person's choice) both inserted one, the second failing on the key (a review)."""
        found = await self.of(default.contact_id, for_update=True)
        if found is not None:
            return found
        values = {column.name: getattr(default, column.name) for column in S.columns}
        await self.session.execute(_WRITE_DEFAULT(self.session), values)  # waits for another's insert of the key
        # read afresh: the row as stored (the other transaction's, when it inserted first)
        row: DigestSubscription = (await self.session.execute(_LOCKED, {"id": default.contact_id})).scalar_one()
        return row

    async def save(self, subscription: DigestSubscription) -> None:
        """Write a subscription's changes now."""
        self.session.add(subscription)
        await self.session.flush()

    async def candidates(self, default_cadence: str, default_weekday: int, default_hour: int
                         ) -> Sequence[tuple[Contact, DigestSubscription, str | None]]:
        """Every reachable person whose digest may fall due, with their entity's country (their zone's guess when
        they chose none): subscribers, and staff who never chose (the default); not those who withdrew their consent
        to non-essential messages (/settings)."""
        staff = K.c.role.in_((Role.staff, Role.admin, Role.coordinator))
        query = (sa.select(Contact, DigestSubscription, E.c.country_iso3)
                 .outerjoin(DigestSubscription, DigestSubscription.contact_id == Contact.id)  # type: ignore[arg-type]
                 .outerjoin(E, E.c.id == K.c.entity_id)
                 .where(K.c.blocked.is_(False), staff, K.c.consent_withdrawn_at.is_(None),
                        sa.or_(S.c.cadence.in_(("weekly", "monthly")),
                               sa.and_(S.c.contact_id.is_(None), K.c.role.in_((Role.staff, Role.admin)))))
                 .order_by(K.c.id))
        found: list[tuple[Contact, DigestSubscription, str | None]] = []
        for contact, subscription, country in (await self.session.execute(query)).all():
            if subscription is None:
                subscription = DigestSubscription(contact_id=contact.id, cadence=default_cadence,
                                                  weekday=default_weekday, hour=default_hour,
                                                  updated_at=contact.created_at)
            found.append((contact, subscription, country))
        return found


class Files:
    """Files the bot made (charts, spreadsheets); models.retention deletes them after their retention."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def add(self, name: str, mime_type: str, content: bytes, now: datetime) -> int:
        """Store a file; its id."""
        result = await self.session.execute(sa.insert(F).values(name=name, mime_type=mime_type, content=content,
                                                                created_at=now).returning(F.c.id))
        return int(result.scalar_one())

    async def get(self, file_ids: Sequence[int]) -> dict[int, tuple[str, str, bytes]]:
        """Name, type and content of these files, by id."""
        rows = await self.session.execute(sa.select(F.c.id, F.c.name, F.c.mime_type, F.c.content)
                                          .where(F.c.id.in_(sorted(set(file_ids)))))
        return {row[0]: (row[1], row[2], bytes(row[3])) for row in rows}
