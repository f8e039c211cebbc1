"""Contacts: who is talking to the bot, in which language and role; and the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from handlers.inputs import Person
from models.statements import Adding, Prepared, bound, loaded, table_of
from models.tables import AuditLog, Contact, Draft
from models.values import Role

_BY_TELEGRAM_ID = select(Contact).where(col(Contact.telegram_id) == bindparam("telegram_id"))
_CONTACTS, _DRAFTS = table_of(Contact), table_of(Draft)
WITH_LATEST_DRAFT = (core_select(_CONTACTS, _DRAFTS).outerjoin(_DRAFTS, _DRAFTS.c.contact_id == _CONTACTS.c.id)
                     .where(_CONTACTS.c.telegram_id == bindparam("telegram_id"))
                     .order_by(_DRAFTS.c.updated_at.desc().nulls_last()).limit(1))
"""The contact of a Telegram user (`telegram_id`) and their most recently touched draft, in one row."""
_WITH_LATEST_DRAFT = Prepared(lambda _: WITH_LATEST_DRAFT)

_STAFF = Prepared(lambda _: core_select(_CONTACTS)
                  .where(or_(_CONTACTS.c.role == Role.staff, _CONTACTS.c.role == Role.admin),
                         _CONTACTS.c.blocked.is_(False)).order_by(_CONTACTS.c.id))

_AUDIT = Adding(AuditLog)
_TOUCH = Prepared(lambda _: update(_CONTACTS).values(bound("chat_id", "first_name", "last_name", "username",
                                                          "telegram_language", "blocked", "last_seen_at"))
                  .where(_CONTACTS.c.id == bindparam("contact_id")))

LAST_SEEN_RESOLUTION = timedelta(minutes=5)
"""last_seen_at is refreshed at most this often, sparing a write on most updates."""


async def find_contact(session: AsyncSession, telegram_id: int) -> Contact | None:
    """The contact of a Telegram user, if known."""
    return (await session.execute(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})).scalar_one_or_none()


async def meet(session: AsyncSession, person: Person, now: datetime) -> Contact:
    """The contact for this person, created on first contact, refreshed (and reachable again) after."""
    return await _refresh(session, await find_contact(session, person.telegram_id), person, now)


async def meet_with_draft(session: AsyncSession, person: Person, now: datetime) -> tuple[Contact, Draft | None]:
    """`meet`, and the person's most recently touched draft, read together (one statement on every update)."""
    found = (await _WITH_LATEST_DRAFT.run(session, {"telegram_id": person.telegram_id})).rows
    return await meet_row(session, found[0] if found else None, person, now)


async def meet_row(session: AsyncSession, row: Sequence[Any] | None, person: Person,
                   now: datetime) -> tuple[Contact, Draft | None]:
    """`meet_with_draft` from a row of WITH_LATEST_DRAFT's columns that another statement read (None: no contact)."""
    contact = draft = None
    if row is not None:
        split = len(_CONTACTS.c)
        contact = loaded(session, Contact, row[:split])
        if row[split] is not None:
            draft = loaded(session, Draft, row[split:])
    return await _refresh(session, contact, person, now), draft


async def _refresh(session: AsyncSession, contact: Contact | None, person: Person, now: datetime) -> Contact:
    if contact is None:
        contact = Contact(telegram_id=person.telegram_id, chat_id=person.chat_id, first_name=person.first_name[:128],
                          created_at=now)
        session.add(contact)
    fresh = {
        "chat_id": person.chat_id,
        "first_name": person.first_name[:128],
        "last_name": (person.last_name or "")[:128] or None,
        "username": (person.username or "")[:64] or None,
        "telegram_language": (person.language_code or "")[:16] or None,
        "blocked": False,
    }
    changed = any(getattr(contact, key) != value for key, value in fresh.items())
    if changed or contact.last_seen_at is None or now - contact.last_seen_at > LAST_SEEN_RESOLUTION:
        if contact.id is None:  # first contact: the ORM inserts it
            for key, value in fresh.items():
                setattr(contact, key, value)
            contact.last_seen_at = now
            await session.flush()
        else:
            touched = {**fresh, "last_seen_at": now}
            await _TOUCH.run(session, {**touched, "contact_id": contact.id})
            for key, value in touched.items():  # as the row is now, not a change
                set_committed_value(contact, key, value)
    return contact


def role_of(contact: Contact) -> Role | None:
    """The contact's role, if they have one."""
    return Role(contact.role) if contact.role is not None and contact.role in Role.__members__ else None


async def staff_contacts(session: AsyncSession) -> list[Contact]:
    """Everyone who validates and answers: staff and admins who can be reached."""
    rows = (await _STAFF.run(session, {})).rows
    return [loaded(session, Contact, row) for row in rows]


async def audit(session: AsyncSession, actor: Contact | None, action: str, target_type: str | None = None,
                target_id: int | None = None, **details: Any) -> None:
    """Record who did (or tried) what to which record (written at once, in the caller's transaction)."""
    await _AUDIT.add(session, AuditLog(actor_id=actor.id if actor else None, action=action, target_type=target_type,
                                       target_id=target_id, details=details))
