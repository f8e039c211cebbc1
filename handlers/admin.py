"""Operator actions from the command line: roles, invitations and the country table (never through chat)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from handlers import outbox
from handlers.canonical import canonical_name
from handlers.departures import leave_focal_points, withdraw_unissuable
from handlers.digests.service import scope_changed, scope_for
from handlers.forms.base import FormState
from handlers.forms.steps import has_letters
from handlers.invites import DEFAULT_LIFETIME, InviteProblem, create_invite, may_still_issue, usable
from handlers.messages import Items, Reply, Text, plural
from handlers.onboarding import ENTITY_NAME_LENGTH, name_key
from handlers.people import audit, find_contact
from handlers.router import journey_of
from handlers.vocabulary import role_label
from models.clock import utcnow
from models.database import Session, UnitOfWork
from models.repositories.contacts import Contacts
from models.repositories.drafts import Drafts
from models.repositories.entities import Entities
from models.repositories.invites import Invites
from models.repositories.pledges import Countries
from models.tables import Contact, Country, Entity, Invite
from models.values import EntityStatus, Role, Sector


@dataclass(frozen=True)
class GrantRole:
    """Give a Telegram user a role (staff or admin are only given this way)."""

    telegram_id: int
    role: Role
    default_zone: str = "UTC"
    """The zone of a successor of no known zone whose reminders a departure hands on (P2C_TIMEZONE)."""


@dataclass(frozen=True)
class RevokeRole:
    """Take a Telegram user's role away."""

    telegram_id: int
    default_zone: str = "UTC"
    """As GrantRole's."""


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
    staff were told); `withdrawn`: how many invitations they made stopped working; `changed`: False when the
    command found things as it would leave them (a revocation of someone with no role) and did nothing."""

    contact: Contact
    left: Entity | None = None
    successor: Contact | None = None
    withdrawn: int = 0
    changed: bool = True
    closed: tuple[str, ...] = ()
    """The forms the person had begun that their new role does not fill in, closed (they were told)."""


async def grant_role(command: GrantRole, uow: UnitOfWork, now: datetime) -> RoleChange:
    """Grant the role, creating the contact if the person has not written to the bot yet. A focal point given
    another role leaves their organisation's focal points as /leave does (departures.leave_focal_points), and the
    invitations their new role would not let them make stop working (departures.withdraw_unissuable), and the forms
    they had begun that the new role does not fill in are closed, the person told (`close_unfit_forms`). Their
    organisation stays on their contact, so that a grant of focal_point back returns them to it."""
    async with uow:
        contact = await find_contact(uow.session, command.telegram_id)
        if contact is None:
            contact = Contact(telegram_id=command.telegram_id, chat_id=command.telegram_id, created_at=now)
            await Contacts(uow.session).add(contact)
        previous, seen = contact.role, await scope_for(uow.session, contact)
        contact.role = command.role
        await audit(uow.session, None, "role.granted", "contact", contact.id, role=command.role, previous=previous,
                    via="cli")
        withdrawn = await withdraw_unissuable(uow.session, contact, None, now, "role.changed", role=command.role,
                                              previous=previous, via="cli") if previous not in (None, command.role) \
            else []
        change = RoleChange(contact)
        if previous == Role.focal_point and command.role != Role.focal_point and contact.entity_id is not None:
            change = await _leave_focal_points(uow.session, contact, now, "granted", command.default_zone)
        closed = await close_unfit_forms(uow.session, contact, now) if previous != command.role else ()
        await scope_changed(uow.session, contact, seen)  # what waits, made for what they saw, is not theirs now
        change = replace(change, withdrawn=change.withdrawn + len(withdrawn), closed=closed)
        await uow.commit()
        return change


async def _unfit(session: Session, contact: Contact, form_id: str) -> bool:
    """Whether the person's draft of this form is one their role does not fill in (the journey's `may`, and its
    `may_draft` with the draft's answers: a staff answer in the help desk's composer)."""
    journey = journey_of(form_id)
    if journey is None or contact.id is None:
        return False
    if journey.may is not None and not journey.may(contact):
        return True
    if journey.may_draft is None:
        return False
    draft = await Drafts(session).find(contact.id, form_id)
    return draft is not None and not journey.may_draft(contact, FormState.from_json(draft.state).answers)


async def close_unfit_forms(session: Session, contact: Contact, now: datetime) -> tuple[str, ...]:
    """Close the forms the person had begun that their new role does not fill in (the journey's `may`: a pledge or
    a report for someone made staff, the registration of an organisation, a broadcast for staff made coordinator),
    and tell them in one message, with their new role and where to go on; the form ids closed.

    Left open, the draft kept taking what they wrote: an answer typed after the grant met only "you are not allowed"
    (and the pledge begun vanished unsaid), and a registration of an organisation came back after every staff
    command until it was discarded, finishing it making them a focal point."""
    if contact.id is None:
        return ()
    closed = [form_id for form_id in await Drafts(session).forms_of(contact.id)
              if await _unfit(session, contact, form_id)]
    for form_id in closed:
        await Drafts(session).discard(contact.id, form_id)
    if closed:
        await audit(session, None, "draft.closed", "contact", contact.id, forms=closed, role=contact.role, via="cli")
    if closed and not contact.blocked and contact.role is not None:
        titles = tuple(Text(journey.form.title) for form_id in closed if (journey := journey_of(form_id)) is not None)
        told = plural("Your role is now: {role}. The form you had begun ({forms}) is closed, as it is not part of "
                      "this role, and nothing of it was kept. /help shows what you can do now.",
                      "Your role is now: {role}. The forms you had begun ({forms}) are closed, as they are not part "
                      "of this role, and nothing of them was kept. /help shows what you can do now.",
                      len(titles), role=role_label(contact.role), forms=Items(titles))
        await outbox.enqueue(session, contact, Reply((told,)), f"role-closed:{contact.id}:{now.timestamp():.0f}",
                             priority=outbox.NOTICE)
    return tuple(closed)


async def revoke_role(command: RevokeRole, uow: UnitOfWork, now: datetime | None = None) -> RoleChange | None:
    """Remove the role; None when the person is unknown. A focal point leaves their organisation's focal points as
    /leave does (departures.leave_focal_points), and every invitation they made stops working
    (departures.withdraw_unissuable), in this transaction; their organisation stays on their contact, as after a
    grant. Someone with no role is left as they are (no audit row: the role.revoked of their role stays the last,
    which tells them what they had, handlers.people.not_allowed)."""
    now = now or utcnow()
    async with uow:
        contact = await find_contact(uow.session, command.telegram_id)
        if contact is None:
            return None
        if contact.role is None:
            return RoleChange(contact, changed=False)
        seen = await scope_for(uow.session, contact)
        previous, contact.role = contact.role, None
        await audit(uow.session, None, "role.revoked", "contact", contact.id, previous=previous, via="cli")
        await scope_changed(uow.session, contact, seen)  # what waits, made for what they saw, is not theirs now
        # first: the links their role made are said withdrawn with it, not as by a focal point who left
        withdrawn = await withdraw_unissuable(uow.session, contact, None, now, "role.revoked", previous=previous,
                                              via="cli")
        change = RoleChange(contact)
        if previous == Role.focal_point and contact.entity_id is not None:
            change = await _leave_focal_points(uow.session, contact, now, "revoked", command.default_zone)
        change = replace(change, withdrawn=change.withdrawn + len(withdrawn))
        await uow.commit()
        return change


async def _leave_focal_points(session: Session, contact: Contact, now: datetime, how: str,
                              default_zone: str) -> RoleChange:
    """The person, a focal point no more (`how`: their role granted another or revoked), leaves their
    organisation's focal points by the rule /leave follows (departures.leave_focal_points)."""
    assert contact.id is not None and contact.entity_id is not None
    entity = await Entities(session).get(contact.entity_id)
    if entity is None or entity.id is None:
        return RoleChange(contact)
    departure = await leave_focal_points(session, contact, entity, now, f"{how}:{contact.id}:{now.isoformat()}",
                                         via="cli", default_zone=default_zone)
    return RoleChange(contact, entity, departure.successor, withdrawn=departure.withdrawn)


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
            _check_name(canonical_name(command.entity_name))
            entity = Entity(name=canonical_name(command.entity_name), name_key=name_key(command.entity_name),
                            sector=command.sector, country_iso3=command.country_iso3, status=EntityStatus.validated,
                            created_at=now, validated_at=now)
            await Entities(uow.session).add(entity)
        issued = await create_invite(uow.session, entity, command.role, now, lifetime=command.lifetime)
        await audit(uow.session, None, "invite.created", "invite", issued.invite.id, entity_id=entity.id,
                    role=command.role, via="cli")
        await uow.commit()
        return issued.token, entity, created


class InvalidName(ValueError):
    """An organisation's name registration would refuse (the operator's words: the command line is in English)."""


def _check_name(name: str) -> None:
    """Refuse a new organisation's name that registration refuses: only symbols or emoji, too short or too long (a
    500-character name went in from the command line; PostgreSQL's column holds 200)."""
    if not has_letters(name):
        raise InvalidName("it has no letter or digit (only symbols or emoji)")
    if len(name) not in ENTITY_NAME_LENGTH:
        counted = f"{len(name)} character{'' if len(name) == 1 else 's'}"
        raise InvalidName(f"it has {counted}; an organisation's name has {min(ENTITY_NAME_LENGTH)} to "
                          f"{max(ENTITY_NAME_LENGTH)}, as registration asks")


class UnknownEntity(Exception):
    """No organisation has that number."""


@dataclass(frozen=True)
class InvitationLine:
    """An invitation as staff list it: what it is for, who made it (None: the operator, or a maker since gone),
    its status (open, used, withdrawn, expired, or refused: open, but its maker may no longer invite, so opening it
    says so) and who used it."""

    invite: Invite
    entity: Entity
    made_by: Contact | None
    status: str
    used_by: Contact | None = None


def invitation_status(invite: Invite, maker: Contact | None, now: datetime) -> str:
    """open, used, withdrawn, expired, or refused (open, its maker no longer allowed to make it:
    handlers.invites.may_still_issue), as opening it would find it."""
    found = usable(invite, now)
    if isinstance(found, InviteProblem):
        return found.value
    if invite.created_by is not None and not may_still_issue(invite, maker):
        return "refused"
    return "open"


async def list_invitations(uow: UnitOfWork, entity_id: int | None, now: datetime) -> list[InvitationLine]:
    """Every invitation, newest first, or those to one organisation (UnknownEntity when no organisation has that
    number), with its status on `now`."""
    async with uow:
        if entity_id is not None and await Entities(uow.session).get(entity_id) is None:
            raise UnknownEntity(entity_id)
        return [InvitationLine(invite, entity, maker, invitation_status(invite, maker, now), user)
                for invite, entity, maker, user in await Invites(uow.session).listing(entity_id)]
