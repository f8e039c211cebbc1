"""Drafts: the saved state of a form, one per person and form, written at every step."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from handlers.forms.base import FormState
from handlers.messages import N_, Label, Text
from models.database import Session
from models.repositories.drafts import DraftConflictError, Drafts
from models.tables import Draft

__all__ = ["UNREAD", "DraftConflictError", "Unread", "discard", "elsewhere", "find_draft", "kept_note", "kept_of",
           "latest_draft", "open_draft", "save"]

KEPT: dict[str, str] = {
    "pledge": N_("Your pledge in progress is kept: send /pledge to go back to it."),
    "report": N_("Your report in progress is kept: send /report to go back to it."),
    "question": N_("Your question in progress is kept: send /ask to go back to it."),
}
"""What opening another form says of the one in progress (by form id): it is kept, and the command back to it."""
KEPT_OTHER = N_("The questions you left open are kept: they come back once you finish or cancel these.")
"""The same of a form with no command of its own to go back to it (it comes back once the other is done)."""


class Unread(Enum):
    """A draft not read yet, as opposed to one read and found to be None."""

    UNREAD = "unread"


UNREAD = Unread.UNREAD
"""Given for a draft the callee reads itself (the caller did not read it in this update)."""


async def find_draft(session: Session, contact_id: int, form_id: str) -> Draft | None:
    """The person's draft of one form, if any."""
    return await Drafts(session).find(contact_id, form_id)


async def latest_draft(session: Session, contact_id: int) -> Draft | None:
    """The person's most recently touched draft, if any."""
    return await Drafts(session).latest(contact_id)


async def elsewhere(session: Session, contact_id: int, form_id: str) -> bool:
    """True when the person is in the middle of another form: their latest draft, where their answers go, is not
    one of `form_id`."""
    current = await latest_draft(session, contact_id)
    return current is not None and current.form_id != form_id


async def kept_note(session: Session, contact_id: int, opening: str) -> tuple[Label, ...]:
    """One line saying that the form in progress (the latest draft) is kept while the form `opening` is opened or
    resumed over it, and the command back to it. Nothing when no other form is in progress, or when it has a
    heading: the form shown then names it by its heading ("⏸ Waiting until you finish or cancel this one")."""
    return kept_of(await latest_draft(session, contact_id), opening)


def kept_of(current: Draft | None, opening: str) -> tuple[Label, ...]:
    """kept_note, the person's latest draft (`current`) read already."""
    if current is None or current.form_id == opening or FormState.from_json(current.state).heading:
        return ()
    return (Text(KEPT.get(current.form_id, KEPT_OTHER)),)


async def open_draft(session: Session, contact_id: int, form_id: str, state: FormState, now: datetime) -> None:
    """Start a draft, replacing an old one of the same form (one statement)."""
    await Drafts(session).open(contact_id, form_id, state.step, state.to_json(), now)


async def save(session: Session, draft: Draft, state: FormState, now: datetime) -> None:
    """Save the new state, failing with DraftConflictError if the row changed since it was read."""
    await Drafts(session).save(draft, state.step, state.to_json(), now)


async def discard(session: Session, contact_id: int, form_id: str) -> None:
    """Forget a draft."""
    await Drafts(session).discard(contact_id, form_id)
