"""Queries about one person's place and data: colleagues, pledges handed over, what /mydata shows, what /forget
erases (every statement touching a person's rows across aggregates lives here)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from models.repositories.base import table_of
from models.session import Session
from models.tables import (
    AuditLog,
    ChatPace,
    Contact,
    CoordinatorScope,
    DigestSubscription,
    Draft,
    Entity,
    GeneratedFile,
    Outbox,
    Pledge,
    ProgressReport,
    ReminderHold,
)
from models.values import OutboxStatus, Role

_C, _P, _R, _D = table_of(Contact), table_of(Pledge), table_of(ProgressReport), table_of(Draft)
_O, _A, _F, _H = table_of(Outbox), table_of(AuditLog), table_of(GeneratedFile), table_of(ReminderHold)
_S, _K, _E = table_of(DigestSubscription), table_of(CoordinatorScope), table_of(Entity)
_PACE = table_of(ChatPace)

SCHEDULED_DIGEST_KEY_PREFIX = "dg:"
"""Outbox keys of scheduled digests (handlers.digests.jobs); what a person asks for (/digest now: dgn:) stays."""

_primary = sa.func.coalesce(_P.c.primary_contact_id, _P.c.created_by)
"""A pledge's primary focal point: the one it was handed to, else its submitter."""


def _json_forms(needle: str) -> set[str]:
    """A text as it may appear inside a stored JSON document: as written, and with non-ASCII escaped."""
    return {needle, json.dumps(needle)[1:-1]}


def _holding(column: Any, needles: Iterable[str]) -> Any:
    """A condition true when the column's text holds one of the needles (in either JSON form): the database's first
    sieve, whose rows `Naming.names_in` then reads."""
    forms = sorted({form for needle in needles for form in _json_forms(needle)})
    return sa.or_(*(sa.cast(column, sa.Text).contains(form, autoescape=True) for form in forms))


def _data(node: Any) -> Iterator[str]:
    """The values a stored document holds, as texts: not its keys, the kinds of its parts ("$"), a message's wording
    (a Text's msgid and plural) nor a button's code, which are the bot's words, not anybody's data."""
    if isinstance(node, dict):
        if node.get("$") == "text" and isinstance(node.get("v"), dict):
            yield from _data(node["v"].get("p") or {})
            return
        for key, value in node.items():
            if key == "buttons" and isinstance(value, list):  # rows of [label, code]
                yield from (text for row in value for button in row if isinstance(button, list) and button
                            for text in _data(button[0]))
            elif key != "$":
                yield from _data(value)
    elif isinstance(node, list):
        for item in node:
            yield from _data(item)
    elif isinstance(node, str | int) and not isinstance(node, bool):
        yield str(node)


def _message_of(payload: Any) -> Any:
    """What an outbox row says, as people read it (its `reply`): not what delivery keeps beside it (a file's kind and
    number, the pledges a reminder lists, a broadcast's number), whose values are codes."""
    return payload.get("reply") if isinstance(payload, dict) else payload


@dataclass(frozen=True)
class Naming:
    """Where a stored document names a person: a value that is one of their names or Telegram ids, or a text holding
    a name of theirs of two words or more ("Carlos Pérez") as words of its own.

    It reads values, never keys nor the bot's wording: searching the raw JSON, a person who called themselves
    "parts", "role" or "the" matched every message and audit row, and /forget erased them all. A name of one word
    inside a longer text ("Carlos" in "Fundación Carlos Slim", "Carlos Gómez") is not them; as a value of its own it
    is (a person named by it alone). `whole_names` False (audit details): a one-word name is not looked for as a
    value either, the details' values of one word being the bot's codes ("staff", "cli")."""

    names: tuple[str, ...]
    ids: tuple[int, ...] = ()
    whole_names: bool = True

    @property
    def needles(self) -> list[str]:
        """What the database's first sieve looks for (`_holding`)."""
        return [name for name in self.names if name] + [str(i) for i in self.ids]

    def names_in(self, document: Any) -> bool:
        """Whether the document names the person."""
        wholes = {str(i) for i in self.ids}
        if self.whole_names:
            wholes |= {name.strip().casefold() for name in self.names if name.strip()}
        else:
            wholes |= {name.strip().casefold() for name in self.names if len(name.split()) > 1}
        phrases = [re.compile(rf"(?<!\w){re.escape(name.strip())}(?!\w)", re.IGNORECASE)
                   for name in self.names if len(name.split()) > 1]
        return any(value.strip().casefold() in wholes or any(phrase.search(value) for phrase in phrases)
                   for value in _data(document))


ERASED = "erased"
"""The mark of a payload `erase_messages` emptied: what reads a sent message's payload again leaves it."""


@dataclass(frozen=True)
class SentNaming:
    """A message sent to someone else that named a forgotten person, its payload now emptied (`erase_messages`): the
    one in their chat is still as it was, for the caller to edit."""

    chat_id: int
    contact_id: int | None
    shown_as: str
    """The outbox key of the message in their chat (an edit's, the key of the message it edited)."""
    text: bool
    """False for a file sent with its caption, which an edit of a message's text cannot reach."""


class People:
    """A person's colleagues, pledges and personal data, in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def colleagues(self, entity_id: int, besides: int) -> list[Contact]:
        """The entity's other reachable focal points, the most recently seen first."""
        query = (sa.select(Contact).where(_C.c.entity_id == entity_id, _C.c.role == Role.focal_point,
                                          _C.c.blocked.is_(False), _C.c.id != besides)
                 .order_by(_C.c.last_seen_at.desc().nulls_last(), _C.c.id))
        return list((await self.session.execute(query)).scalars())

    async def in_charge(self, entity_id: int, contact_id: int) -> int:
        """How many of the entity's pledges have the contact as their primary focal point (`hand_over` would hand)."""
        return (await self.session.execute(sa.select(sa.func.count()).select_from(_P).where(
            _P.c.entity_id == entity_id, _primary == contact_id))).scalar_one()

    async def hand_over(self, entity_id: int, leaving: int, successor: int | None) -> list[int]:
        """Make `successor` the primary focal point of the entity's pledges whose primary was `leaving` (None:
        nobody in particular, reminders then go to every focal point); the ids of the pledges changed. Every pledge
        of the entity is locked first, FOR UPDATE as a report locks its own: a plan of reminders then leaves them to
        its next run (models.repositories.reminders.claim) rather than writing the leaver a reminder unseen."""
        await self.session.execute(sa.select(_P.c.id).where(_P.c.entity_id == entity_id).order_by(_P.c.id)
                                   .with_for_update())
        result = await self.session.execute(
            sa.update(_P).where(_P.c.entity_id == entity_id, _primary == leaving)
            .values(primary_contact_id=successor).returning(_P.c.id).execution_options(synchronize_session=False))
        return sorted(result.scalars())

    async def reassign(self, entity_id: int, successor: int) -> dict[int | None, list[int]]:
        """Make `successor` the primary focal point of every pledge of the entity; the pledges (ids) each contact was
        the primary of before (None: pledges without one)."""
        # locked first: a colleague reassigning them at the same moment waits, and this one then sees their choice
        before = (await self.session.execute(sa.select(_P.c.id, _primary.label("primary"))
                                             .where(_P.c.entity_id == entity_id).with_for_update())).all()
        await self.session.execute(sa.update(_P).where(_P.c.entity_id == entity_id)
                                   .values(primary_contact_id=successor).execution_options(synchronize_session=False))
        held: dict[int | None, list[int]] = {}
        for row in before:
            held.setdefault(row.primary, []).append(row.id)
        return held

    async def drafts(self, contact_id: int) -> Sequence[Any]:
        """(form_id, step_id, state, created_at, updated_at) of the person's drafts."""
        return (await self.session.execute(
            sa.select(_D.c.form_id, _D.c.step_id, _D.c.state, _D.c.created_at, _D.c.updated_at)
            .where(_D.c.contact_id == contact_id).order_by(_D.c.id))).all()

    async def pledges_submitted(self, contact_id: int) -> Sequence[Any]:
        """The pledges the person submitted on behalf of their entity, with the entity's name."""
        return (await self.session.execute(
            sa.select(_P.c.id, _P.c.ref, _P.c.title, _P.c.status, _P.c.created_at, _P.c.submitted_at,
                      _E.c.name.label("entity"), (_primary == contact_id).label("primary"))
            .select_from(_P.join(_E, _E.c.id == _P.c.entity_id))
            .where(_P.c.created_by == contact_id).order_by(_P.c.id))).all()

    async def reports_submitted(self, contact_id: int) -> Sequence[Any]:
        """The progress reports the person submitted, with their pledge's reference."""
        return (await self.session.execute(
            sa.select(_R.c.id, _P.c.ref, _R.c.period, _R.c.status, _R.c.percent_complete, _R.c.created_at,
                      _R.c.is_current)
            .select_from(_R.join(_P, _P.c.id == _R.c.pledge_id))
            .where(_R.c.submitted_by == contact_id).order_by(_R.c.id))).all()

    async def actions(self, contact_id: int) -> Sequence[Any]:
        """What the audit trail recorded the person doing (or trying): action, record and when; not the details,
        which may name other people."""
        return (await self.session.execute(
            sa.select(_A.c.action, _A.c.target_type.label("record"), _A.c.target_id.label("record_id"), _A.c.at)
            .where(_A.c.actor_id == contact_id).order_by(_A.c.id))).all()

    async def holds(self, contact_id: int) -> Sequence[Any]:
        """(pledge_id, reason, until) of the person's wishes about reminders."""
        return (await self.session.execute(sa.select(_H.c.pledge_id, _H.c.reason, _H.c.until)
                                           .where(_H.c.contact_id == contact_id).order_by(_H.c.id))).all()

    async def digest_settings(self, contact_id: int) -> tuple[Any, Any]:
        """The person's digest subscription and coordinator scope rows (None each when absent)."""
        subscription = (await self.session.execute(
            sa.select(_S.c.cadence, _S.c.weekday, _S.c.hour).where(_S.c.contact_id == contact_id))).first()
        scope = (await self.session.execute(
            sa.select(_K.c.kind, _K.c["values"]).where(_K.c.contact_id == contact_id))).first()
        return subscription, scope

    async def erase_drafts(self, contact_id: int) -> None:
        """Delete the person's drafts."""
        await self.session.execute(sa.delete(_D).where(_D.c.contact_id == contact_id))

    async def erase_reminder_wishes(self, contact_id: int) -> None:
        """Delete the person's "later" and "not mine" wishes."""
        await self.session.execute(sa.delete(_H).where(_H.c.contact_id == contact_id))

    async def erase_digest_settings(self, contact_id: int) -> None:
        """Delete the person's digest subscription and coordinator scope."""
        await self.session.execute(sa.delete(_S).where(_S.c.contact_id == contact_id))
        await self.session.execute(sa.delete(_K).where(_K.c.contact_id == contact_id))

    async def last_message(self) -> int:
        """The id of the latest outbox row (0: none); rows written afterwards have greater ids."""
        return int((await self.session.execute(sa.select(sa.func.max(_O.c.id)))).scalar() or 0)

    async def erase_messages(self, contact_id: int, chat_ids: Iterable[int], naming: Naming,
                             up_to: int | None = None, emptied: dict[str, Any] | None = None,
                             kept: Iterable[str] = ()) -> list[SentNaming]:
        """Delete every outbox row to the person (whatever its state) and every row to anyone that names them
        (`naming`; among those up to the row `up_to`: what /forget itself wrote later names nobody, and must reach
        staff), with the files made for them (a /mydata export); not the rows `kept` (keys, with the files that
        follow them, `<key>:f<n>`): what the person wrote as staff to askers, their record of the answer, which
        /questions shows them too (a staff member who signed an answer was wiped from the asker's chat alone).

        With `emptied`, a row to someone else already sent keeps its key and message id with that payload instead of
        going: its message is in their chat, and a later edit must still find it (a staff notice about a person's
        organisation or pledge, closed when a colleague decides, its buttons removed). Those messages are returned,
        for the caller to edit in their chats."""
        mine = sa.or_(_O.c.contact_id == contact_id, _O.c.chat_id.in_(sorted(set(chat_ids))))
        condition = mine
        if naming.needles:
            sieve = _holding(_O.c.payload, naming.needles)
            condition = sa.or_(mine, sa.and_(sieve, _O.c.id <= up_to) if up_to is not None else sieve)
        rows = (await self.session.execute(sa.select(_O.c.id, _O.c.key, _O.c.chat_id, _O.c.contact_id, _O.c.payload,
                                                     mine.label("mine"), _O.c.status, _O.c.telegram_message_id)
                                           .where(condition))).all()
        keep = set(kept)
        rows = [row for row in rows if row.mine or (naming.names_in(_message_of(row.payload))
                                                    and row.key.split(":f")[0] not in keep)]
        files = [int(row.payload["upload"]["file"]) for row in rows
                 if isinstance(row.payload, dict) and isinstance(row.payload.get("upload"), dict)
                 and str(row.payload["upload"].get("file", "")).isdigit()]
        if files:
            await self.session.execute(sa.delete(_F).where(_F.c.id.in_(files)))
        shown: list[SentNaming] = []
        if emptied is not None:
            kept = {row.id: row for row in rows if not row.mine and row.status == OutboxStatus.sent
                    and row.telegram_message_id is not None}
            for row_id, row in kept.items():  # an edit stays one of the message it edited
                payload = row.payload if isinstance(row.payload, dict) else {}
                edit_of = payload.get("edit_of")
                await self.session.execute(sa.update(_O).where(_O.c.id == row_id).values(
                    payload={**emptied, ERASED: True, **({"edit_of": edit_of} if edit_of else {})}))
                reply = payload.get("reply")
                shown.append(SentNaming(int(row.chat_id), row.contact_id, str(edit_of or row.key),
                                        "upload" not in payload and not (isinstance(reply, dict) and reply.get("att"))))
            rows = [row for row in rows if row.id not in kept]
        ids = [row.id for row in rows]
        for start in range(0, len(ids), 900):
            await self.session.execute(sa.delete(_O).where(_O.c.id.in_(ids[start:start + 900])))
        # the pace of their chat shared by several instances (models.repositories.pacing; a minute at most)
        await self.session.execute(sa.delete(_PACE).where(_PACE.c.chat_id.in_(sorted(set(chat_ids)))))
        return shown

    @staticmethod
    def erased(payload: dict[str, Any]) -> bool:
        """Whether an outbox row's payload is one `erase_messages` emptied (its message named a forgotten person)."""
        return bool(payload.get(ERASED))

    async def drop_pending_news(self, contact_id: int) -> int:
        """Delete the announcements and scheduled digests still waiting to be sent to the person (they withdrew
        their consent to them); how many rows."""
        result: Any = await self.session.execute(
            sa.delete(_O).where(_O.c.contact_id == contact_id, _O.c.status == "pending",
                                sa.or_(_O.c.broadcast_id.is_not(None),
                                       _O.c.key.startswith(SCHEDULED_DIGEST_KEY_PREFIX, autoescape=True))))
        return int(result.rowcount)

    async def redact_audit(self, naming: Naming) -> int:
        """Empty the details of audit rows that name the person (`naming`, its one-word names aside); the action,
        its actor (a contact without a name once forgotten) and its record stay; how many rows."""
        if not naming.needles:
            return 0
        naming = replace(naming, whole_names=False)
        rows = (await self.session.execute(sa.select(_A.c.id, _A.c.details)
                                           .where(_holding(_A.c.details, naming.needles)))).all()
        ids = [row.id for row in rows if naming.names_in(row.details)]
        for start in range(0, len(ids), 900):
            await self.session.execute(sa.update(_A).where(_A.c.id.in_(ids[start:start + 900]))
                                       .values(details={"redacted": True})
                                       .execution_options(synchronize_session=False))
        return len(ids)

    async def anonymise(self, contact: Contact, now: datetime) -> None:
        """Keep the contact row (the author of pledges, reports and audit rows) without anything naming the person:
        names, Telegram ids (replaced by the row's own negative id), language, zone, role and entity."""
        assert contact.id is not None
        values = {"telegram_id": -contact.id, "chat_id": -contact.id, "first_name": "", "last_name": None,
                  "username": None, "full_name": None, "language": None, "telegram_language": None,
                  "timezone": None, "role": None, "entity_id": None, "consent_at": None,
                  "consent_withdrawn_at": None, "blocked": True, "last_seen_at": None, "forgotten_at": now,
                  "held": None, "held_at": None, "menu": None}
        await self.session.execute(sa.update(_C).where(_C.c.id == contact.id).values(values)
                                   .execution_options(synchronize_session=False))
        for key, value in values.items():
            set_committed_value(contact, key, value)
