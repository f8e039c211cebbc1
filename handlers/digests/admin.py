"""Operator actions on digests from the command line: a coordinator's scope, and exports to a file."""

from __future__ import annotations

from datetime import datetime

from handlers.digests.service import RTL, Translate, export_csv, export_xlsx, tell_scope
from handlers.digests.sheet import separator, write_xlsx
from handlers.messages import Label
from handlers.people import audit, find_contact
from models.clock import utcnow
from models.database import UnitOfWork
from models.repositories.digests import DigestFigures
from models.repositories.entities import Entities
from models.repositories.subscriptions import Scopes
from models.scope import Scope, ScopeKind
from models.values import Role


class ScopeTargetError(ValueError):
    """The person named is unknown or not a coordinator."""


async def set_scope(telegram_id: int, scope: Scope, uow: UnitOfWork, now: datetime) -> None:
    """Set a coordinator's scope (staff and admins always see everything), and tell them when it changes."""
    async with uow:
        contact = await find_contact(uow.session, telegram_id)
        if contact is None or contact.id is None or contact.role != Role.coordinator:
            raise ScopeTargetError(f"{telegram_id} is not a coordinator")
        if scope.kind is ScopeKind.entity and await Entities(uow.session).get(int(scope.values[0])) is None:
            raise ScopeTargetError(f"there is no organisation no. {scope.values[0]} (p2c-bot invite create makes one, "
                                   "or see its number in the bot's /pending or /find)")
        scopes = Scopes(uow.session)
        changed = await scopes.of(contact.id) != scope
        await scopes.set(contact.id, scope, None, now)
        await audit(uow.session, None, "scope.set", "contact", contact.id, scope=scope.key, via="cli")
        if changed:
            await tell_scope(uow.session, contact, scope, f"scope:cli:{contact.id}:{now.isoformat()}")
        await uow.commit()


async def export(kind: str, file_format: str, scope: Scope, locale: str, uow: UnitOfWork,
                 translate: Translate) -> bytes:
    """The scope's pledges or reports as XLSX (both sheets, pledges first) or CSV (the one asked for); the reports
    overdue are those of today in UTC."""
    async with uow:
        today = utcnow().date()
        if file_format == "csv":
            return await export_csv(uow.session, scope, kind, locale, translate, today)
        if kind == "pledges":  # the XLSX a coordinator's /export sends, its Summary limited to the scope's places
            return await export_xlsx(uow.session, scope, locale, translate, today)

        def say(label: Label) -> str:
            return translate(label, locale)

        rows = DigestFigures(uow.session, today).report_rows(scope)
        return await write_xlsx((("reports", rows),), say, locale in RTL, separator(locale))
