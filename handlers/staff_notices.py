"""What staff are shown: organisations with their numbers and people with their Telegram ids (which /invite,
/reassign and /scope take), and notifications that ask for a decision: once someone decided, every staff copy loses
its decision buttons and says who decided and when (each copy edited in place through the outbox)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers import outbox
from handlers.lengths import shorten
from handlers.messages import N_, Button, Clock, Code, Concat, Day, Label, Reply, Text, text
from handlers.people import name_of, role_of
from models.database import Session
from models.repositories.contacts import Contacts
from models.repositories.outbox import OutboxRows
from models.tables import Contact, Entity

UNKNOWN_TELEGRAM_ID = N_("Nobody with the Telegram id {id} has written to the bot.")
"""What a staff command taking a Telegram id (/reassign, /scope) says of an id nobody used to write to the bot."""


def organisation_label(entity: Entity, limit: int | None = None) -> Label:
    """An organisation as staff see it, with the number /invite, /reassign and /scope take: "Conecta Andes S.A.
    (no. 12)" (the name shortened to `limit`, if given)."""
    name = shorten(entity.name, limit) if limit is not None else entity.name
    return text(N_("{name} (no. {number})"), name=name, number=Code(str(entity.id)))


def described(first: Label, *details: Label) -> Label:
    """A name with what tells it apart, in the reader's punctuation: "Lucía Mamani, Conecta Andes S.A. (no. 12),
    Bolivia" ("，" in Chinese, "،" in Arabic)."""
    shown = first
    for detail in details:
        # TRANSLATORS: {one} is a person or an organisation, {two} a detail about it (their organisation, its
        # country), as in "Lucía Mamani, Conecta Andes S.A."; only the comma and its spacing are yours to choose.
        shown = text(N_("{one}, {two}"), one=shown, two=detail)
    return shown


def person_for_staff(contact: Contact | None, limit: int | None = None) -> Label:
    """A person as staff see them, with the Telegram id /reassign and /scope take: "Lucía Mamani (id 123456789)"
    (the name shortened to `limit`, if given). For staff and admins only: focal points and coordinators are never
    shown another person's Telegram id."""
    name = name_of(contact)
    if limit is not None and isinstance(name, str):
        name = shorten(name, limit)
    if contact is None or contact.telegram_id <= 0:
        return name
    return text(N_("{name} (id {id})"), name=name, id=Code(str(contact.telegram_id)))


def told_apart(person: Contact, colleagues: list[Contact]) -> Label:
    """A focal point as a colleague reads them: their name, with their @username when another of the organisation's
    focal points has the same name (a colleague is never shown a Telegram id: person_for_staff)."""
    name = name_of(person)
    namesake = any(other.id != person.id and name_of(other) == name for other in colleagues)
    return described(name, f"@{person.username}") if namesake and person.username else name


def when_label(moment: datetime, zone: str) -> Label:
    """A moment as a date and an hour in the reader's time zone."""
    local = moment.astimezone(ZoneInfo(zone))
    return Concat((Day(local.date()), " ", Clock(local.time().replace(second=0, microsecond=0))))


async def close_staff_copies(session: Session, copy_key: str, notice: Reply, footer: str, person: Label,
                             at: datetime, default_zone: str, kept: tuple[tuple[Button, ...], ...] = (), *,
                             stage: str = "closed") -> int:
    """Edit every copy of a staff notification (outbox keys `copy_key` + ":" + member id, and the copies shown again
    to one of them, by /pending or /find, keyed after those: Conversation.say's `copy_of`), whoever received it
    (a staff member since revoked included), into `notice` followed by `footer` ({person}, {when}) with only the
    `kept` buttons. How many copies were edited. `stage` names the edit (its outbox keys are unique): a notice closed
    once and changed again later (a decision taken back) needs another. A copy of someone no longer staff is edited
    into NO_LONGER_STAFF alone (for_member)."""
    copies = await OutboxRows(session).copies(f"{copy_key}:")
    contacts = Contacts(session)
    edited = 0
    for key, contact_id in sorted(copies.items()):
        member = await contacts.get(contact_id)
        if member is None:
            continue
        closing = text(footer, person=person, when=when_label(at, member.timezone or default_zone))
        await outbox.enqueue(session, member, for_member(member, Reply((*notice.parts, closing), kept)),
                             f"{stage}:{key}", priority=outbox.NOTICE, edit_of=key)
        edited += 1
    return edited


NO_LONGER_STAFF = N_("(This notice is closed: you no longer have a BDT staff role.)")


def for_member(member: Contact, notice: Reply) -> Reply:
    """A staff notice as its copy is edited for `member`: to someone who is no longer staff, NO_LONGER_STAFF alone.
    The notice as it now reads may name people and Telegram ids they never saw while they were staff (the focal point
    who took over an organisation, a review found), and its decision buttons are no longer theirs to press."""
    role = role_of(member)
    return notice if role is not None and role.is_staff else Reply((Text(NO_LONGER_STAFF),))
