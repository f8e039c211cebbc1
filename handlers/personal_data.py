"""Each person's data, aggregate by aggregate: what /mydata exports and what /forget erases.

PERSONAL_DATA is THE registry: every aggregate holding something of a person registers one `Aggregate` here
(its name in the JSON export, an exporter, an eraser, and the plural line of the readable summary). A new
table of personal data is not finished until it is registered (tests/integration/test_own_data.py scans
every table for a forgotten person's name and Telegram id).

The helpdesk's question threads are one of them: their export is every thread the person asked or wrote in,
with its messages; their eraser is models.repositories.questions.Questions.forget_author (what the person asked
loses its text and files, BDT's answers keep theirs without an author).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from handlers.messages import N_, NP_, Reply, Text, reply_to_json
from models.clock import utcnow
from models.database import Session
from models.repositories.outbox import NOTICE, OutboxRows
from models.repositories.people import Naming, People, SentNaming
from models.repositories.questions import Questions
from models.tables import Contact


@dataclass(frozen=True, slots=True)
class Traces:
    """What identifies a person, captured before anything is erased: their names and Telegram ids."""

    contact_id: int
    names: tuple[str, ...]
    telegram_ids: tuple[int, ...]
    last_message: int | None = None
    """The latest outbox row before /forget wrote anything: the notices it writes name nobody and must stay (None:
    every row naming the person goes)."""
    shown: list[SentNaming] = field(default_factory=list)
    """The messages sent to others that named the person, still in their chats: /forget edits them once everything
    is erased (handlers.own_data.forget)."""
    answers: list[str] = field(default_factory=list)
    """The outbox keys of what the person wrote as staff to askers (read before their authorship is erased): kept
    whole, as the threads keep them."""

    @property
    def naming(self) -> Naming:
        """Where a stored document names the person: by one of the names or ids (models.repositories.people.Naming)."""
        return Naming(self.names, self.telegram_ids)


def traces_of(contact: Contact, last_message: int | None = None) -> Traces:
    """The names and Telegram ids of a contact (names of at least three characters: shorter ones would match
    unrelated words), and the latest outbox row before /forget began, if given."""
    assert contact.id is not None
    names = {contact.full_name, contact.username, contact.first_name, contact.last_name,
             " ".join(n for n in (contact.first_name, contact.last_name) if n)}
    ids = {contact.telegram_id, contact.chat_id}
    return Traces(contact.id, tuple(sorted(n for n in names if n and len(n) >= 3)), tuple(sorted(ids)), last_message)


Exporter = Callable[[Session, Contact], Awaitable[Any]]
Eraser = Callable[[Session, Contact, Traces], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Aggregate:
    """One kind of personal data: its key in the export, how to read and to erase it, and its summary line (a
    plural message counting its items; None: not counted in the summary)."""

    name: str
    export: Exporter
    erase: Eraser
    line: tuple[str, str] | None = None


def plain(value: Any) -> Any:
    """A value as JSON holds it (dates as ISO text, decimals as text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _rows(rows: Any) -> list[dict[str, Any]]:
    return [{key: plain(value) for key, value in row._mapping.items()} for row in rows]


def _id(contact: Contact) -> int:
    assert contact.id is not None
    return contact.id


async def _export_drafts(session: Session, contact: Contact) -> Any:
    return _rows(await People(session).drafts(_id(contact)))


async def _erase_drafts(session: Session, contact: Contact, traces: Traces) -> None:
    await People(session).erase_drafts(_id(contact))


async def _export_pledges(session: Session, contact: Contact) -> Any:
    return _rows(await People(session).pledges_submitted(_id(contact)))


async def _export_reports(session: Session, contact: Contact) -> Any:
    return _rows(await People(session).reports_submitted(_id(contact)))


async def _kept(session: Session, contact: Contact, traces: Traces) -> None:
    """Pledges and reports belong to the entity: they stay, their author a contact that names nobody."""


async def _export_actions(session: Session, contact: Contact) -> Any:
    return _rows(await People(session).actions(_id(contact)))


async def _kept_trail(session: Session, contact: Contact, traces: Traces) -> None:
    """The audit trail stays, as the record of who did what: its actor a contact that names nobody (its details
    naming the person are redacted: audit_details)."""


async def _export_wishes(session: Session, contact: Contact) -> Any:
    return _rows(await People(session).holds(_id(contact)))


async def _erase_wishes(session: Session, contact: Contact, traces: Traces) -> None:
    await People(session).erase_reminder_wishes(_id(contact))


async def _export_digest(session: Session, contact: Contact) -> Any:
    subscription, scope = await People(session).digest_settings(_id(contact))
    return {"subscription": _rows([subscription])[0] if subscription else None,
            "scope": _rows([scope])[0] if scope else None}


async def _erase_digest(session: Session, contact: Contact, traces: Traces) -> None:
    await People(session).erase_digest_settings(_id(contact))


async def _export_questions(session: Session, contact: Contact) -> Any:
    return [{"thread": plain(record.thread.model_dump()), "messages": [plain(m.model_dump()) for m in record.messages]}
            for record in await Questions(session).records_of(_id(contact))]


async def _erase_questions(session: Session, contact: Contact, traces: Traces) -> None:
    questions = Questions(session)
    traces.answers.extend(await questions.answer_copies_of(_id(contact)))
    await questions.forget_author(_id(contact), utcnow())


async def _export_nothing(session: Session, contact: Contact) -> Any:
    return None


async def _erase_messages(session: Session, contact: Contact, traces: Traces) -> None:
    """Messages to the person go; those to others that named them keep only ERASED_MESSAGE in the outbox, and are
    listed in `traces.shown` for /forget to edit in their chats."""
    emptied = {"reply": reply_to_json(Reply((Text(ERASED_MESSAGE),)))}
    traces.shown.extend(await People(session).erase_messages(_id(contact), traces.telegram_ids, traces.naming,
                                                              traces.last_message, emptied=emptied,
                                                              kept=traces.answers))


async def edit_shown(session: Session, traces: Traces, now: datetime) -> None:
    """Edit every message sent to someone else that named the forgotten person (`traces.shown`) into
    ERASED_MESSAGE, without its buttons: a tester found their name and Telegram id left in staff's /questions lists
    and reminders, and in "… took over question Q-1 from you". One edit a message (erased_edit_key): one written
    before for it by this /forget (a question's copy saying which question closed, a notice still waiting for a
    decision shown again) is kept. A file's caption cannot be edited as a text: it stays, as the files of their
    questions do."""
    rows, emptied = OutboxRows(session), {"reply": reply_to_json(Reply((Text(ERASED_MESSAGE),)))}
    for message in {message.shown_as: message for message in traces.shown if message.text}.values():
        if message.contact_id is not None:
            await rows.enqueue(erased_edit_key(traces.contact_id, message.shown_as), message.chat_id,
                               message.contact_id, {**emptied, "edit_of": message.shown_as}, priority=NOTICE, now=now)


ERASED_EDIT_PREFIX = "erased:"


def erased_edit_key(forgotten: int, key: str) -> str:
    """The key of the edit that erases, from a message sent to someone else (outbox `key`), the person forgotten
    (their contact id): one edit a message and a person, whoever of /forget's writers writes it first; another
    person forgotten later gets one of their own (a review: a notice edited for one still named a colleague, who
    asked to be forgotten next)."""
    return f"{ERASED_EDIT_PREFIX}{forgotten}:{key}"
ERASED_MESSAGE = N_("(This message named a person who asked to be forgotten.)")
"""What a message sent to someone else that named the person keeps of it in the outbox (People.erase_messages):
never sent again, it is there for a later edit (a staff notice closed on a decision) to find."""


async def _erase_audit_details(session: Session, contact: Contact, traces: Traces) -> None:
    await People(session).redact_audit(traces.naming)


PERSONAL_DATA: tuple[Aggregate, ...] = (
    Aggregate("drafts", _export_drafts, _erase_drafts,
              NP_("{count} unfinished form (draft)", "{count} unfinished forms (drafts)")),
    Aggregate("pledges_submitted", _export_pledges, _kept,
              NP_("{count} pledge you submitted on behalf of your organisation",
                  "{count} pledges you submitted on behalf of your organisation")),
    Aggregate("reports_submitted", _export_reports, _kept,
              NP_("{count} progress report submitted", "{count} progress reports submitted")),
    Aggregate("reminder_wishes", _export_wishes, _erase_wishes),
    Aggregate("digest", _export_digest, _erase_digest),
    Aggregate("questions", _export_questions, _erase_questions,
              NP_("{count} conversation with the P2C team (questions and answers)",
                  "{count} conversations with the P2C team (questions and answers)")),
    # the messages the bot sent are in the person's chat; the copies queued or kept for delivery go. After
    # "questions", whose eraser lists in `traces.answers` the answers a staff member signed for askers, which stay
    Aggregate("messages", _export_nothing, _erase_messages),
    Aggregate("actions", _export_actions, _kept_trail),
    Aggregate("audit_details", _export_nothing, _erase_audit_details),
)
"""Every aggregate holding personal data; /mydata exports them in this order, /forget erases them all."""
