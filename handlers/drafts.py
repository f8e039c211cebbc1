"""Drafts: the saved state of a form, one per person and form, written at every step."""

from __future__ import annotations

from datetime import datetime

from handlers.forms.base import FormState
from models.database import Session
from models.repositories.drafts import DraftConflictError, Drafts
from models.tables import Draft

__all__ = ["DraftConflictError", "discard", "find_draft", "latest_draft", "open_draft", "save"]


async def find_draft(session: Session, contact_id: int, form_id: str) -> Draft | None:
    """The person's draft of one form, if any."""
    return await Drafts(session).find(contact_id, form_id)


async def latest_draft(session: Session, contact_id: int) -> Draft | None:
    """The person's most recently touched draft, if any."""
    return await Drafts(session).latest(contact_id)


async def open_draft(session: Session, contact_id: int, form_id: str, state: FormState, now: datetime) -> None:
    """Start a draft, replacing an old one of the same form (one statement)."""
    await Drafts(session).open(contact_id, form_id, state.step, state.to_json(), now)


async def save(session: Session, draft: Draft, state: FormState, now: datetime) -> None:
    """Save the new state, failing with DraftConflictError if the row changed since it was read."""
    await Drafts(session).save(draft, state.step, state.to_json(), now)


async def discard(session: Session, contact_id: int, form_id: str) -> None:
    """Forget a draft."""
    await Drafts(session).discard(contact_id, form_id)
