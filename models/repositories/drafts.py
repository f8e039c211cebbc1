"""Drafts: the saved state of a form, one per person and form, written at every step."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from models.repositories.base import Insert, PerDialect, table_of
from models.session import Session
from models.tables import Contact, Draft

_DRAFTS = table_of(Draft)


def _replacing_insert(insert: Insert) -> Any:
    statement = insert(_DRAFTS).inline()  # the draft's id is not read back: the person's next update reads the row
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["contact_id", "form_id"],
        set_={"step_id": excluded.step_id, "state": excluded.state, "version": _DRAFTS.c.version + 1,
              "created_at": excluded.created_at, "updated_at": excluded.updated_at, "reminded_at": None})


_OPEN = PerDialect(_replacing_insert)
_FIND = select(Draft).where(col(Draft.contact_id) == bindparam("contact_id"),
                            col(Draft.form_id) == bindparam("form_id"))
_LATEST = (select(Draft).where(col(Draft.contact_id) == bindparam("contact_id"))
           .order_by(col(Draft.updated_at).desc(), col(Draft.id).desc()).limit(1))
_DISCARD = delete(_DRAFTS).where(_DRAFTS.c.contact_id == bindparam("contact_id"),
                                 _DRAFTS.c.form_id == bindparam("form_id"))
_SAVE = (update(_DRAFTS).where(_DRAFTS.c.id == bindparam("draft_id"), _DRAFTS.c.version == bindparam("read_version"))
         .values(step_id=bindparam("step_id"), state=bindparam("state"), version=bindparam("version"),
                 updated_at=bindparam("updated_at")))
_STALE = (select(Draft, Contact).join(Contact, col(Contact.id) == col(Draft.contact_id))
          .where(col(Draft.form_id).in_(bindparam("forms", expanding=True)), col(Draft.reminded_at).is_(None),
                 col(Draft.updated_at) <= bindparam("before"), col(Contact.blocked).is_(False))
          .order_by(col(Draft.id)).limit(bindparam("limit")))
_DRAFTING = select(Draft.contact_id).where(col(Draft.form_id) == bindparam("form_id"))
_FORMS_OF = (select(Draft.form_id).where(col(Draft.contact_id) == bindparam("contact_id"))
             .order_by(col(Draft.updated_at).desc(), col(Draft.id).desc()))


NONE_KNOWN = "drafts: none of"
"""`Session.info` key: the contact whose drafts were read in this session and found to be none (the meeting of an
update reads the latest one), until one is opened: `Drafts.find` and `Drafts.latest` then answer without a statement
(/report and /pledge read both, for a person who has none: two statements of their twelve). A unit of work's session
lives for one transaction (the start-up rehearsal's, whose units share one, too), and only `Drafts.open` writes a
draft."""


def none_known(session: Session, contact_id: int | None) -> None:
    """Remember, for this session, that the contact has no draft (their latest one was read and was none)."""
    if contact_id is not None:
        session.info[NONE_KNOWN] = contact_id


class DraftConflictError(Exception):
    """Another instance changed the draft since it was read; the update is retried."""


class Drafts:
    """Half-filled forms."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def find(self, contact_id: int, form_id: str) -> Draft | None:
        """The person's draft of one form, if any."""
        if self.session.info.get(NONE_KNOWN) == contact_id:
            return None
        found = await self.session.execute(_FIND, {"contact_id": contact_id, "form_id": form_id})
        return found.scalar_one_or_none()

    async def latest(self, contact_id: int) -> Draft | None:
        """The person's most recently touched draft, if any (the one their next answer goes to)."""
        if self.session.info.get(NONE_KNOWN) == contact_id:
            return None
        found = await self.session.execute(_LATEST, {"contact_id": contact_id})
        return found.scalar_one_or_none()

    async def open(self, contact_id: int, form_id: str, step_id: str, state: dict[str, Any], now: datetime) -> None:
        """Start a draft, replacing an old one of the same form (one statement).

        A replaced row keeps its id but not its version, so an instance still holding the old draft
        cannot save over the new one.
        """
        self.session.info.pop(NONE_KNOWN, None)
        await self.session.execute(_OPEN(self.session), {
            "contact_id": contact_id, "form_id": form_id, "step_id": step_id, "state": state, "version": 1,
            "created_at": now, "updated_at": now, "reminded_at": None})

    async def save(self, draft: Draft, step_id: str, state: dict[str, Any], now: datetime) -> None:
        """Save the new state, raising DraftConflictError if the row changed since it was read (optimistic lock)."""
        result = await self.session.execute(_SAVE, {
            "draft_id": draft.id, "read_version": draft.version, "step_id": step_id, "state": state,
            "version": draft.version + 1, "updated_at": now})
        if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult
            raise DraftConflictError(draft.form_id)
        # the row now holds these values; the loaded object follows without being marked as changed
        for name, value in (("version", draft.version + 1), ("step_id", step_id), ("state", state),
                            ("updated_at", now)):
            set_committed_value(draft, name, value)

    async def discard(self, contact_id: int, form_id: str) -> None:
        """Forget a draft."""
        await self.session.execute(_DISCARD, {"contact_id": contact_id, "form_id": form_id})

    async def untouched(self, forms: Sequence[str], before: datetime, limit: int) -> list[tuple[Draft, Contact]]:
        """Drafts of these forms untouched since `before` and not reminded yet, of people who can be reached."""
        rows = await self.session.execute(_STALE, {"forms": list(forms), "before": before, "limit": limit})
        return [(draft, contact) for draft, contact in rows]

    async def contacts_drafting(self, form_id: str) -> set[int]:
        """The ids of everyone with a draft of this form."""
        return set((await self.session.execute(_DRAFTING, {"form_id": form_id})).scalars())

    async def forms_of(self, contact_id: int) -> list[str]:
        """The forms the person has a draft of, the most recently touched first."""
        return list((await self.session.execute(_FORMS_OF, {"contact_id": contact_id})).scalars())
