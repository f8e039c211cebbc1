"""Contacts: who is talking to the bot, in which language and role; and the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from handlers.inputs import Person
from models.tables import AuditLog, Contact, Draft
from models.values import Role

_BY_TELEGRAM_ID = select(Contact).where(col(Contact.telegram_id) == bindparam("telegram_id"))
_WITH_LATEST_DRAFT = (select(Contact, Draft).outerjoin(Draft, col(Draft.contact_id) == col(Contact.id))
                      .where(col(Contact.telegram_id) == bindparam("telegram_id"))
                      .order_by(col(Draft.updated_at).desc().nulls_last()).limit(1))

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
    found = (await session.execute(_WITH_LATEST_DRAFT, {"telegram_id": person.telegram_id})).first()
    contact, draft = (found[0], found[1]) if found is not None else (None, None)
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
        for key, value in fresh.items():
            setattr(contact, key, value)
        contact.last_seen_at = now
        await session.flush()
    return contact


def role_of(contact: Contact) -> Role | None:
    """The contact's role, if they have one."""
    return Role(contact.role) if contact.role is not None and contact.role in Role.__members__ else None


async def staff_contacts(session: AsyncSession) -> list[Contact]:
    """Everyone who validates and answers: staff and admins who can be reached."""
    result = await session.execute(
        select(Contact).where(col(Contact.role).in_([Role.staff, Role.admin]), col(Contact.blocked).is_(False))
        .order_by(col(Contact.id))
    )
    return list(result.scalars())


def audit(session: AsyncSession, actor: Contact | None, action: str, target_type: str | None = None,
          target_id: int | None = None, **details: Any) -> None:
    """Record who did (or tried) what to which record."""
    session.add(AuditLog(actor_id=actor.id if actor else None, action=action, target_type=target_type,
                         target_id=target_id, details=details))
