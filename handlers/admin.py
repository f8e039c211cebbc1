"""Operator actions from the command line: roles and invitations (never through chat)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.canonical import canonical_name
from handlers.invites import DEFAULT_LIFETIME, create_invite
from handlers.onboarding import name_key
from handlers.people import audit, find_contact
from models.database import UnitOfWork
from models.repositories.contacts import Contacts
from models.repositories.entities import Entities
from models.tables import Contact, Entity
from models.values import EntityStatus, Role, Sector


@dataclass(frozen=True)
class GrantRole:
    """Give a Telegram user a role (staff or admin are only given this way)."""

    telegram_id: int
    role: Role


@dataclass(frozen=True)
class RevokeRole:
    """Take a Telegram user's role away."""

    telegram_id: int


@dataclass(frozen=True)
class CreateInvite:
    """Invite someone to an entity, creating the entity (validated) if it is new."""

    entity_name: str
    role: Role
    sector: Sector = Sector.other
    country_iso3: str | None = None
    lifetime: timedelta = DEFAULT_LIFETIME


async def grant_role(command: GrantRole, uow: UnitOfWork, now: datetime) -> Contact:
    """Grant the role, creating the contact if the person has not written to the bot yet."""
    async with uow:
        contact = await find_contact(uow.session, command.telegram_id)
        if contact is None:
            contact = Contact(telegram_id=command.telegram_id, chat_id=command.telegram_id, created_at=now)
            await Contacts(uow.session).add(contact)
        previous = contact.role
        contact.role = command.role
        await audit(uow.session, None, "role.granted", "contact", contact.id, role=command.role, previous=previous,
                    via="cli")
        await uow.commit()
        return contact


async def revoke_role(command: RevokeRole, uow: UnitOfWork) -> Contact | None:
    """Remove the role; None when the person is unknown."""
    async with uow:
        contact = await find_contact(uow.session, command.telegram_id)
        if contact is None:
            return None
        previous, contact.role = contact.role, None
        await audit(uow.session, None, "role.revoked", "contact", contact.id, previous=previous, via="cli")
        await uow.commit()
        return contact


class WhichOrganisation(Exception):
    """Organisations of that name are registered, none of them in the country given (or none given): which one?"""

    def __init__(self, candidates: list[Entity]) -> None:
        super().__init__("; ".join(f"no. {e.id} {e.name} ({e.country_iso3 or 'international'})" for e in candidates))
        self.candidates = candidates


async def invite(command: CreateInvite, uow: UnitOfWork, now: datetime) -> tuple[str, Entity, bool]:
    """Issue an invitation; returns the secret token, the entity, and whether the entity was created. A name
    registered already, but not in the country given (registration's rule, Entities.same_organisation), raises
    WhichOrganisation rather than creating another of that name."""
    async with uow:
        key = name_key(command.entity_name)
        entity = await Entities(uow.session).same_organisation(key, command.country_iso3)
        if entity is None and (named := await Entities(uow.session).named(key)) and command.country_iso3 is None:
            raise WhichOrganisation(named)
        created = entity is None
        if entity is None:
            entity = Entity(name=canonical_name(command.entity_name), name_key=name_key(command.entity_name),
                            sector=command.sector, country_iso3=command.country_iso3, status=EntityStatus.validated,
                            created_at=now, validated_at=now)
            await Entities(uow.session).add(entity)
        issued = await create_invite(uow.session, entity, command.role, now, lifetime=command.lifetime)
        await audit(uow.session, None, "invite.created", "invite", issued.invite.id, entity_id=entity.id,
                    role=command.role, via="cli")
        await uow.commit()
        return issued.token, entity, created
