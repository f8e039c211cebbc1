"""Drafts: the saved state of a form, one per person and form, written at every step."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from handlers.forms.base import FormState
from models.statements import table_of
from models.tables import Draft

_DRAFTS = table_of(Draft)
_SAVE = update(_DRAFTS).where(_DRAFTS.c.id == bindparam("draft_id"), _DRAFTS.c.version == bindparam("read_version"))


class DraftConflictError(Exception):
    """Another instance changed the draft since it was read; the update is retried."""


async def find_draft(session: AsyncSession, contact_id: int, form_id: str) -> Draft | None:
    """The person's draft of one form, if any."""
    result = await session.execute(select(Draft).where(Draft.contact_id == contact_id, Draft.form_id == form_id))
    return result.scalar_one_or_none()


async def open_draft(session: AsyncSession, contact_id: int, form_id: str, state: FormState, now: datetime) -> Draft:
    """Start a draft (replacing an old one of the same form)."""
    await discard(session, contact_id, form_id)
    draft = Draft(contact_id=contact_id, form_id=form_id, step_id=state.step, state=state.to_json(),
                  created_at=now, updated_at=now)
    session.add(draft)
    await session.flush()
    return draft


async def save(session: AsyncSession, draft: Draft, state: FormState, now: datetime) -> None:
    """Save the new state, failing if the row changed since it was read (optimistic lock)."""
    saved = state.to_json()
    result = await session.execute(_SAVE, {"draft_id": draft.id, "read_version": draft.version, "step_id": state.step,
                                           "state": saved, "version": draft.version + 1, "updated_at": now})
    if getattr(result, "rowcount", 1) != 1:
        raise DraftConflictError(draft.form_id)
    # the row now holds these values; the loaded object follows without being marked as changed
    set_committed_value(draft, "version", draft.version + 1)
    for name, value in (("step_id", state.step), ("state", saved), ("updated_at", now)):
        set_committed_value(draft, name, value)


async def discard(session: AsyncSession, contact_id: int, form_id: str) -> None:
    """Forget a draft."""
    await session.execute(delete(Draft).where(col(Draft.contact_id) == contact_id, col(Draft.form_id) == form_id))
