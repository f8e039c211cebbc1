"""Drafts: the saved state of a form, one per person and form, written at every step."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from handlers.forms.base import FormState
from models.tables import Draft


class DraftConflictError(Exception):
    """Another instance changed the draft since it was read; the update is retried."""


async def active_draft(session: AsyncSession, contact_id: int) -> Draft | None:
    """The person's most recently touched draft, if any."""
    result = await session.execute(
        select(Draft).where(Draft.contact_id == contact_id).order_by(col(Draft.updated_at).desc()).limit(1)
    )
    return result.scalar_one_or_none()


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
    result = await session.execute(
        update(Draft)
        .where(col(Draft.id) == draft.id, col(Draft.version) == draft.version)
        .values(step_id=state.step, state=state.to_json(), version=draft.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 1) != 1:
        raise DraftConflictError(draft.form_id)
    draft.version += 1
    draft.step_id, draft.state, draft.updated_at = state.step, state.to_json(), now


async def discard(session: AsyncSession, contact_id: int, form_id: str) -> None:
    """Forget a draft."""
    await session.execute(delete(Draft).where(col(Draft.contact_id) == contact_id, col(Draft.form_id) == form_id))
