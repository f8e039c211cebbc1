"""Drafts: the saved state of a form, one per person and form, written at every step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, update
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from handlers.forms.base import FormState
from models.statements import Insert, Prepared, bound, loaded, table_of
from models.tables import Draft

_DRAFTS = table_of(Draft)


def _replacing_insert(insert: Insert) -> Any:
    statement = insert(_DRAFTS).values(bound("contact_id", "form_id", "step_id", "state", "version", "created_at",
                                             "updated_at", "reminded_at"))
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["contact_id", "form_id"],
        set_={"step_id": excluded.step_id, "state": excluded.state, "version": _DRAFTS.c.version + 1,
              "created_at": excluded.created_at, "updated_at": excluded.updated_at, "reminded_at": None})


_OPEN = Prepared(_replacing_insert)
_FIND = Prepared(lambda _: core_select(_DRAFTS).where(_DRAFTS.c.contact_id == bindparam("contact_id"),
                                                    _DRAFTS.c.form_id == bindparam("form_id")))
_DISCARD = Prepared(lambda _: delete(_DRAFTS).where(_DRAFTS.c.contact_id == bindparam("contact_id"),
                                                    _DRAFTS.c.form_id == bindparam("form_id")))
_SAVE = Prepared(lambda _: update(_DRAFTS).values(bound("step_id", "state", "version", "updated_at"))
                 .where(_DRAFTS.c.id == bindparam("draft_id"), _DRAFTS.c.version == bindparam("read_version")))


class DraftConflictError(Exception):
    """Another instance changed the draft since it was read; the update is retried."""


async def find_draft(session: AsyncSession, contact_id: int, form_id: str) -> Draft | None:
    """The person's draft of one form, if any."""
    rows = (await _FIND.run(session, {"contact_id": contact_id, "form_id": form_id})).rows
    return loaded(session, Draft, rows[0]) if rows else None


async def open_draft(session: AsyncSession, contact_id: int, form_id: str, state: FormState, now: datetime) -> None:
    """Start a draft, replacing an old one of the same form (one statement).

    A replaced row keeps its id but not its version, so an instance still holding the old draft
    cannot save over the new one.
    """
    await _OPEN.run(session, {"contact_id": contact_id, "form_id": form_id, "step_id": state.step,
                              "state": state.to_json(), "version": 1, "created_at": now, "updated_at": now,
                              "reminded_at": None})


async def save(session: AsyncSession, draft: Draft, state: FormState, now: datetime) -> None:
    """Save the new state, failing if the row changed since it was read (optimistic lock)."""
    saved = state.to_json()
    result = await _SAVE.run(session, {"draft_id": draft.id, "read_version": draft.version, "step_id": state.step,
                                       "state": saved, "version": draft.version + 1, "updated_at": now})
    if result.rowcount != 1:
        raise DraftConflictError(draft.form_id)
    # the row now holds these values; the loaded object follows without being marked as changed
    set_committed_value(draft, "version", draft.version + 1)
    for name, value in (("step_id", state.step), ("state", saved), ("updated_at", now)):
        set_committed_value(draft, name, value)


async def discard(session: AsyncSession, contact_id: int, form_id: str) -> None:
    """Forget a draft."""
    await _DISCARD.run(session, {"contact_id": contact_id, "form_id": form_id})
