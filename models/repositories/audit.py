"""The audit trail: who did (or tried) what to which record."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select

from models.clock import utcnow
from models.repositories.base import table_of
from models.session import Session
from models.tables import AuditLog

_AUDIT = table_of(AuditLog)
_RECORD = insert(_AUDIT).inline()
"""Inline: the new row's id is not read back (nothing needs it)."""
_LAST_ACTOR = (select(_AUDIT.c.actor_id)
               .where(_AUDIT.c.target_type == bindparam("target_type"), _AUDIT.c.target_id == bindparam("target_id"),
                      _AUDIT.c.action.in_(bindparam("actions", expanding=True)))
               .order_by(_AUDIT.c.id.desc()).limit(1))
_LAST_DETAILS = (select(_AUDIT.c.details)
                 .where(_AUDIT.c.target_type == bindparam("target_type"), _AUDIT.c.target_id == bindparam("target_id"),
                        _AUDIT.c.action == bindparam("action"))
                 .order_by(_AUDIT.c.id.desc()).limit(1))
_DETAILS = (select(_AUDIT.c.details)
            .where(_AUDIT.c.target_type == bindparam("target_type"), _AUDIT.c.target_id == bindparam("target_id"),
                   _AUDIT.c.action == bindparam("action"))
            .order_by(_AUDIT.c.id.desc()))
_LAST_ENTRY = (select(_AUDIT.c.actor_id, _AUDIT.c.at, _AUDIT.c.details)
               .where(_AUDIT.c.target_type == bindparam("target_type"), _AUDIT.c.target_id == bindparam("target_id"),
                      _AUDIT.c.action.in_(bindparam("actions", expanding=True)))
               .order_by(_AUDIT.c.id.desc()).limit(1))
_SINCE = (select(_AUDIT.c.actor_id, _AUDIT.c.at, _AUDIT.c.details)
          .where(_AUDIT.c.target_type == bindparam("target_type"), _AUDIT.c.target_id == bindparam("target_id"),
                 _AUDIT.c.action.in_(bindparam("actions", expanding=True)), _AUDIT.c.at > bindparam("since"))
          .order_by(_AUDIT.c.id.desc()))
_LAST_OF_ACTOR = (select(_AUDIT.c.action, _AUDIT.c.target_id)
                  .where(_AUDIT.c.actor_id == bindparam("actor_id"),
                         _AUDIT.c.action.in_(bindparam("actions", expanding=True)))
                  .order_by(_AUDIT.c.id.desc()).limit(1))

ROLE_CHANGES = ("role.granted", "role.revoked")
"""What the operator does to a person's role (`p2c-bot admin grant|revoke`): audited on them, by nobody."""
_LAST_OF_ACTOR_OR_ROLE = (select(_AUDIT.c.action, _AUDIT.c.target_id)
                          .where(or_(and_(_AUDIT.c.actor_id == bindparam("contact_id"),
                                          _AUDIT.c.action.in_(bindparam("actions", expanding=True))),
                                     and_(_AUDIT.c.target_type == "contact",
                                          _AUDIT.c.target_id == bindparam("contact_id"),
                                          _AUDIT.c.action.in_(ROLE_CHANGES))))
                          .order_by(_AUDIT.c.id.desc()).limit(1))


class AuditTrail:
    """Audit rows, written at once in the caller's transaction (nothing changes them after)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def record(self, actor_id: int | None, action: str, target_type: str | None, target_id: int | None,
                     details: dict[str, Any]) -> None:
        """Add one row (a Core INSERT: no object is kept in the session)."""
        await self.session.execute(_RECORD, {"actor_id": actor_id, "action": action, "target_type": target_type,
                                             "target_id": target_id, "at": utcnow(), "details": details})

    async def last_actor(self, target_type: str, target_id: int, actions: Iterable[str]) -> int | None:
        """Who last did one of `actions` to this record (a contact id), if anyone did."""
        found = await self.session.execute(_LAST_ACTOR, {"target_type": target_type, "target_id": target_id,
                                                         "actions": sorted(actions)})
        return found.scalar_one_or_none()

    async def last_entry(self, target_type: str, target_id: int,
                         actions: Iterable[str]) -> tuple[int | None, datetime, dict[str, Any]] | None:
        """Who last did one of `actions` to this record (a contact id, if known), when, and the details recorded."""
        found = (await self.session.execute(_LAST_ENTRY, {"target_type": target_type, "target_id": target_id,
                                                          "actions": sorted(actions)})).first()
        if found is None:
            return None
        return found.actor_id, found.at, dict(found.details) if isinstance(found.details, dict) else {}

    async def entries_since(self, target_type: str, target_id: int, actions: Iterable[str],
                            since: datetime) -> list[tuple[int | None, datetime, dict[str, Any]]]:
        """Each of `actions` done to this record after `since`, the latest first: who (a contact id, if known), when,
        and the details recorded."""
        found = await self.session.execute(_SINCE, {"target_type": target_type, "target_id": target_id,
                                                    "actions": sorted(actions), "since": since})
        return [(row.actor_id, row.at, dict(row.details) if isinstance(row.details, dict) else {}) for row in found]

    async def last_of_actor(self, actor_id: int, actions: Iterable[str]) -> tuple[str, int | None] | None:
        """The action and target id of the last of `actions` this contact did, if they did any."""
        found = (await self.session.execute(_LAST_OF_ACTOR, {"actor_id": actor_id, "actions": sorted(actions)})).first()
        return (found.action, found.target_id) if found is not None else None

    async def last_of_person(self, contact_id: int, actions: Iterable[str]) -> tuple[str, int | None] | None:
        """The action and target id of the last of `actions` this contact did, or of a change of their role by the
        operator (ROLE_CHANGES) if that came later."""
        found = (await self.session.execute(_LAST_OF_ACTOR_OR_ROLE, {"contact_id": contact_id,
                                                                    "actions": sorted(actions)})).first()
        return (found.action, found.target_id) if found is not None else None

    async def last_details(self, target_type: str, target_id: int, action: str) -> dict[str, Any] | None:
        """The details of the latest `action` recorded on this record, if one was."""
        found = await self.session.execute(_LAST_DETAILS, {"target_type": target_type, "target_id": target_id,
                                                           "action": action})
        details = found.scalar_one_or_none()
        return dict(details) if isinstance(details, dict) else None

    async def last_details_with(self, target_type: str, target_id: int, action: str,
                                key: str) -> dict[str, Any] | None:
        """The details of the latest `action` recorded on this record whose details give `key` (not null): older
        rows that lack it (written by a defect, say) are passed over. The rows of one record are few."""
        found = await self.session.execute(_DETAILS, {"target_type": target_type, "target_id": target_id,
                                                      "action": action})
        for details in found.scalars():
            if isinstance(details, dict) and details.get(key) is not None:
                return dict(details)
        return None
