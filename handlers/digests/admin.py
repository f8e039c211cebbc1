"""Operator actions on digests from the command line: a coordinator's scope, and exports to a file."""

from __future__ import annotations

from datetime import datetime

from handlers.digests.service import RTL, Translate, export_csv, tell_scope
from handlers.digests.sheet import separator, write_xlsx
from handlers.messages import Label
from handlers.people import audit, find_contact
from models.clock import utcnow
from models.database import UnitOfWork
from models.reporting import latest_due_periods
from models.repositories.digests import DigestFigures
from models.repositories.subscriptions import Scopes
from models.scope import Scope
from models.values import Role


class ScopeTargetError(ValueError):
    """The person named is unknown or not a coordinator."""


async def set_scope(telegram_id: int, scope: Scope, uow: UnitOfWork, now: datetime) -> None:
    """Set a coordinator's scope (staff and admins always see everything), and tell them when it changes."""
    async with uow:
        contact = await find_contact(uow.session, telegram_id)
        if contact is None or contact.id is None or contact.role != Role.coordinator:
            raise ScopeTargetError(f"{telegram_id} is not a coordinator")
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
        figures = DigestFigures(uow.session)
        due = latest_due_periods(utcnow().date())

        def say(label: Label) -> str:
            return translate(label, locale)

        if file_format == "csv":
            return await export_csv(uow.session, scope, kind, locale, translate, utcnow().date())
        if kind == "pledges":
            sheets = (("pledges", figures.pledge_rows(scope, due)), ("reports", figures.report_rows(scope)))
            return await write_xlsx(sheets, say, locale in RTL, separator(locale))
        return await write_xlsx((("reports", figures.report_rows(scope)),), say, locale in RTL, separator(locale))
