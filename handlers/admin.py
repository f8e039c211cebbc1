"""Operator actions from the command line: roles, invitations and the country table (never through chat)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from handlers import outbox
from handlers.canonical import canonical_name
from handlers.departures import successor_news, tell_staff_orphaned
from handlers.invites import DEFAULT_LIFETIME, create_invite
from handlers.onboarding import name_key
from handlers.people import audit, find_contact, name_of
from handlers.staff_notices import person_for_staff
from models.clock import utcnow
from models.database import Session, UnitOfWork
from models.repositories.contacts import Contacts
from models.repositories.entities import Entities
from models.repositories.people import People
from models.repositories.pledges import Countries
from models.tables import Contact, Country, Entity
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


@dataclass(frozen=True)
class CorrectCountry:
    """Correct a row of the country table (its groups and ITU region); None leaves a column as it is."""

    iso3: str
    ldc: bool | None = None
    ldc_until: date | None = None
    clear_ldc_until: bool = False
    """Take the LDC graduation date away (the country is an LDC, or not, whatever the day)."""
    lldc: bool | None = None
    sids: bool | None = None
    itu_region: str | None = None


class UnknownCountry(LookupError):
    """No row of the country table has that code."""


COUNTRY_COLUMNS = ("ldc", "ldc_until", "lldc", "sids", "itu_region")
"""The columns of the country table staff may correct."""


def country_row(country: Country) -> dict[str, Any]:
    """The correctable columns of a country, as they are."""
    return {column: getattr(country, column) for column in COUNTRY_COLUMNS}


async def correct_country(command: CorrectCountry, uow: UnitOfWork, now: datetime) -> Country:
    """Set the columns given, audited with what they were (the digests, exports and broadcast audiences read the
    table on each use: the correction counts at once); with none given, only show the row."""
    async with uow:
        country = await Countries(uow.session).get(command.iso3.upper())
        if country is None:
            raise UnknownCountry(command.iso3)
        before = country_row(country)
        changes: dict[str, Any] = {"ldc": command.ldc, "lldc": command.lldc, "sids": command.sids,
                                   "itu_region": command.itu_region, "ldc_until": command.ldc_until}
        changes = {column: value for column, value in changes.items() if value is not None}
        if command.clear_ldc_until:
            changes["ldc_until"] = None
        for column, value in changes.items():
            setattr(country, column, value)
        if country_row(country) != before:
            country.updated_at = now
            await audit(uow.session, None, "country.corrected", "country", None, iso3=country.iso3,
                        before={k: str(v) if isinstance(v, date) else v for k, v in before.items()},
                        after={k: str(v) if isinstance(v, date) else v for k, v in country_row(country).items()},
                        via="cli")
        await uow.commit()
        return country


@dataclass(frozen=True)
class RoleChange:
    """A role granted or revoked: the contact, and the organisation they stopped being a focal point of by it (if
    any) with the colleague its pledges went to (None: it has no focal point left, its pledges remind nobody, and
    staff were told)."""

    contact: Contact
    left: Entity | None = None
    successor: Contact | None = None


async def grant_role(command: GrantRole, uow: UnitOfWork, now: datetime) -> RoleChange:
    """Grant the role, creating the contact if the person has not written to the bot yet. A focal point given
    another role leaves their organisation's focal points as /leave does (_leave_focal_points). Their organisation
    stays on their contact, so that a grant of focal_point back returns them to it."""
    async with uow:
        contact = await find_contact(uow.session, command.telegram_id)
        if contact is None:
            contact = Contact(telegram_id=command.telegram_id, chat_id=command.telegram_id, created_at=now)
            await Contacts(uow.session).add(contact)
        previous = contact.role
        contact.role = command.role
        await audit(uow.session, None, "role.granted", "contact", contact.id, role=command.role, previous=previous,
                    via="cli")
        change = RoleChange(contact)
        if previous == Role.focal_point and command.role != Role.focal_point and contact.entity_id is not None:
            change = await _leave_focal_points(uow.session, contact, now, "granted")
        await uow.commit()
        return change


async def revoke_role(command: RevokeRole, uow: UnitOfWork, now: datetime | None = None) -> RoleChange | None:
    """Remove the role; None when the person is unknown. A focal point leaves their organisation's focal points as
    /leave does (_leave_focal_points); their organisation stays on their contact, as after a grant."""
    now = now or utcnow()
    async with uow:
        contact = await find_contact(uow.session, command.telegram_id)
        if contact is None:
            return None
        previous, contact.role = contact.role, None
        await audit(uow.session, None, "role.revoked", "contact", contact.id, previous=previous, via="cli")
        change = RoleChange(contact)
        if previous == Role.focal_point and contact.entity_id is not None:
            change = await _leave_focal_points(uow.session, contact, now, "revoked")
        await uow.commit()
        return change


async def _leave_focal_points(session: Session, contact: Contact, now: datetime, how: str) -> RoleChange:
    """The person, a focal point no more (`how`: their role granted another or revoked), leaves their
    organisation's focal points as /leave does: the pledges that reminded them first go to the colleague seen most
    recently, who is told; with no colleague left, staff are told, with the button that makes an invitation
    (audited as `entity.left`)."""
    assert contact.id is not None and contact.entity_id is not None
    entity = await Entities(session).get(contact.entity_id)
    if entity is None or entity.id is None:
        return RoleChange(contact)
    people = People(session)
    colleagues = await people.colleagues(entity.id, besides=contact.id)
    successor = colleagues[0] if colleagues else None
    count = await people.hand_over(entity.id, contact.id, successor.id if successor else None)
    await audit(session, contact, "entity.left", "entity", entity.id, successor=successor.id if successor else None,
                via="cli")
    key = f"{how}:{contact.id}:{now.isoformat()}"
    if successor is not None:
        await outbox.enqueue(session, successor, successor_news(name_of(contact), entity, count),
                             f"handover:{key}:{successor.id}", priority=outbox.NOTICE)
    else:
        await tell_staff_orphaned(session, entity, person_for_staff(contact), key, besides=contact.id)
    return RoleChange(contact, entity, successor)


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
