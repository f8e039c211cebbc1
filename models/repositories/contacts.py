"""Contacts: who talks to the bot, with their latest draft read in the same statement on every update."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from models.repositories.base import table_of
from models.repositories.drafts import none_known
from models.session import Session
from models.tables import Contact, Draft, Entity
from models.values import Role

_CONTACTS = table_of(Contact)
_BY_TELEGRAM_ID = select(Contact).where(col(Contact.telegram_id) == bindparam("telegram_id"))
_COUNTRY = (select(Entity.country_iso3).where(col(Entity.id) == col(Contact.entity_id))
            .scalar_subquery().label("country"))
WITH_LATEST_DRAFT = (select(Contact, Draft, _COUNTRY).outerjoin(Draft, col(Draft.contact_id) == col(Contact.id))
                     .where(col(Contact.telegram_id) == bindparam("telegram_id"))
                     .order_by(col(Draft.updated_at).desc().nulls_last()).limit(1))
"""The contact of a Telegram user (`telegram_id`), their most recently touched draft and their organisation's
country (whose capital's zone is theirs until they choose one: models.timezones.zone_of), in one row."""

Met = tuple[Contact | None, Draft | None, str | None]
"""The person's contact, latest draft and organisation's country, as read (None when not there)."""
_STAFF = (select(Contact).where(or_(col(Contact.role) == Role.staff, col(Contact.role) == Role.admin),
                                col(Contact.blocked).is_(False)).order_by(col(Contact.id)))
_FOCAL_POINTS = select(Contact).where(col(Contact.entity_id) == bindparam("entity_id"),
                                      col(Contact.role) == Role.focal_point, col(Contact.blocked).is_(False))
_COORDINATORS = select(Contact).where(col(Contact.entity_id) == bindparam("entity_id"),
                                      col(Contact.role) == Role.coordinator, col(Contact.blocked).is_(False))
_MEMBERS = select(Contact).where(col(Contact.entity_id) == bindparam("entity_id"))
_TOUCH = update(_CONTACTS).where(_CONTACTS.c.id == bindparam("contact_id"))
_MENU = update(_CONTACTS).where(_CONTACTS.c.id == bindparam("contact_id")).values(menu=bindparam("menu"))
_NO_MENUS = update(_CONTACTS).where(_CONTACTS.c.menu.is_not(None)).values(menu=None)
_BLOCK = (update(_CONTACTS).where(_CONTACTS.c.id.in_(bindparam("ids", expanding=True))).values(blocked=True))
_UNREACHABLE = (update(_CONTACTS)
                .where(_CONTACTS.c.id == bindparam("contact_id"),
                       or_(_CONTACTS.c.last_seen_at.is_(None),
                           _CONTACTS.c.last_seen_at < bindparam("tried_at", type_=_CONTACTS.c.last_seen_at.type)))
                .values(blocked=True))
"""A person a send found unreachable is blocked unless seen since it was begun: an unblock (handlers.chats) or a
message received meanwhile says they are reachable again, whatever order the outcome is recorded in."""
_HOLD = (update(_CONTACTS)
         .where(_CONTACTS.c.id == bindparam("contact_id"),
                _CONTACTS.c.held_at.is_not_distinct_from(bindparam("expected", type_=_CONTACTS.c.held_at.type)))
         .values(held=bindparam("parts", type_=_CONTACTS.c.held.type),
                 held_at=bindparam("at", type_=_CONTACTS.c.held_at.type)))
"""Compare-and-set of a contact's held text: written only if it is still as read (`expected`, None for none)."""
_HELD_BEFORE = (select(col(Contact.telegram_id), col(Contact.chat_id), col(Contact.held_at))
                .where(col(Contact.held_at) < bindparam("before")).order_by(col(Contact.held_at))
                .limit(bindparam("limit")))
_WITH_ROLES = (select(Contact, Entity).join(Entity, col(Entity.id) == col(Contact.entity_id), isouter=True)
               .where(col(Contact.role).is_not(None)).order_by(col(Contact.id)))


class Contacts:
    """The people the bot knows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def get(self, contact_id: int) -> Contact | None:
        """The contact with this id, if any."""
        return await self.session.get(Contact, contact_id)

    async def by_telegram_id(self, telegram_id: int) -> Contact | None:
        """The contact of a Telegram user, if known."""
        return (await self.session.execute(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})).scalar_one_or_none()

    async def with_latest_draft(self, telegram_id: int) -> Met:
        """The contact of a Telegram user, their most recently touched draft and their organisation's country (one
        statement)."""
        row = (await self.session.execute(WITH_LATEST_DRAFT, {"telegram_id": telegram_id})).first()
        if row is None:
            return None, None, None
        if row[1] is None:
            none_known(self.session, row[0].id)
        return row[0], row[1], row[2]

    async def add(self, contact: Contact) -> None:
        """Insert a new contact now, so its id is known."""
        self.session.add(contact)
        await self.session.flush()

    async def touch(self, contact: Contact, values: Mapping[str, Any]) -> None:
        """Write these columns of a known contact (one UPDATE); the loaded object follows, unmarked as changed."""
        # the SET clause is the parameters' columns: one compiled statement for each set of columns written
        await self.session.execute(_TOUCH, {**values, "contact_id": contact.id})
        for key, value in values.items():
            set_committed_value(contact, key, value)

    async def menu_set(self, contact_id: int, menu: str | None) -> None:
        """Say which command menu is now set in the person's chat (bot.telegram.ChatMenus.key)."""
        await self.session.execute(_MENU, {"contact_id": contact_id, "menu": menu})

    async def menus_forgotten(self) -> int:
        """Say of every contact that no command menu is known to be set in their chat (a Bot API server that kept
        none); how many had one."""
        result = await self.session.execute(_NO_MENUS)
        return int(result.rowcount)  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult

    async def hold(self, contact: Contact, parts: list[dict[str, Any]] | None, at: datetime | None) -> bool:
        """Replace the contact's held text (None: nothing held) if nobody changed it since it was read; False when
        somebody did (another instance took it or added to it). The loaded object follows."""
        result = await self.session.execute(_HOLD, {"contact_id": contact.id, "expected": contact.held_at,
                                                    "parts": parts, "at": at})
        if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult
            return False
        set_committed_value(contact, "held", parts)
        set_committed_value(contact, "held_at", at)
        return True

    async def held_before(self, before: datetime, limit: int = 100) -> list[tuple[int, int, datetime]]:
        """Telegram id, chat and moment held of the people whose held text was held before `before`, oldest first."""
        rows = await self.session.execute(_HELD_BEFORE, {"before": before, "limit": limit})
        return [(int(telegram), int(chat), at) for telegram, chat, at in rows if at is not None]

    async def staff(self) -> list[Contact]:
        """Everyone who validates and answers: staff and admins who can be reached."""
        return list((await self.session.execute(_STAFF)).scalars())

    async def focal_points_of(self, entity_id: int) -> list[Contact]:
        """The reachable focal points of an entity."""
        return list((await self.session.execute(_FOCAL_POINTS, {"entity_id": entity_id})).scalars())

    async def coordinators_of(self, entity_id: int) -> list[Contact]:
        """The reachable coordinators attached to an entity."""
        return list((await self.session.execute(_COORDINATORS, {"entity_id": entity_id})).scalars())

    async def members_of(self, entity_id: int) -> list[Contact]:
        """Everyone attached to an entity, reachable or not."""
        return list((await self.session.execute(_MEMBERS, {"entity_id": entity_id})).scalars())

    async def with_roles(self) -> Sequence[tuple[Contact, Entity | None]]:
        """Everyone with a role, with their entity (if any), in id order: the widest audience of a broadcast."""
        return [(contact, entity) for contact, entity in await self.session.execute(_WITH_ROLES)]

    async def mark_blocked(self, contact_ids: Iterable[int]) -> None:
        """These people blocked the bot (or their chat is gone): nothing more is sent to them."""
        ids = sorted(set(contact_ids))
        if ids:
            await self.session.execute(_BLOCK, {"ids": ids})

    async def mark_unreachable(self, tried: Iterable[tuple[int, datetime]]) -> None:
        """These people's sends were refused as unreachable ((contact id, when the send was begun) pairs): they are
        marked blocked unless seen since (_UNREACHABLE)."""
        earliest: dict[int, datetime] = {}
        for contact_id, at in tried:
            earliest[contact_id] = min(at, earliest.get(contact_id, at))
        if earliest:
            await self.session.execute(_UNREACHABLE, [{"contact_id": contact_id, "tried_at": at}
                                                      for contact_id, at in sorted(earliest.items())])
