"""Contacts: who is talking to the bot, in which language and role; and the audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from handlers.inputs import Person
from handlers.messages import N_, Label, Reply, Text
from models.database import Session
from models.repositories.audit import AuditTrail
from models.repositories.contacts import Contacts
from models.tables import Contact
from models.values import Role

LAST_SEEN_RESOLUTION = timedelta(minutes=5)
"""last_seen_at is refreshed at most this often, sparing a write on most updates."""


async def find_contact(session: Session, telegram_id: int) -> Contact | None:
    """The contact of a Telegram user, if known."""
    return await Contacts(session).by_telegram_id(telegram_id)


async def meet(session: Session, person: Person, now: datetime) -> Contact:
    """The contact for this person, created on first contact, refreshed (and reachable again) after."""
    return await refresh(session, await find_contact(session, person.telegram_id), person, now)


async def refresh(session: Session, contact: Contact | None, person: Person, now: datetime) -> Contact:
    """The person's contact as Telegram now describes them: created when None, rewritten only when it changed
    (or was last seen more than LAST_SEEN_RESOLUTION ago). Telegram names are kept only of registered people."""
    contacts = Contacts(session)
    fresh: dict[str, Any] = {
        "chat_id": person.chat_id,  # where replies go
        "telegram_language": (person.language_code or "")[:16] or None,  # the language to reply in
        "blocked": False,
        **(telegram_names(person) if contact is not None and is_registered(contact) else STRANGER_NAMES),
    }
    if contact is None:  # first contact
        contact = Contact(telegram_id=person.telegram_id, created_at=now, last_seen_at=now, **fresh)
        await contacts.add(contact)
        return contact
    changed = any(getattr(contact, key) != value for key, value in fresh.items())
    if changed or contact.last_seen_at is None or now - contact.last_seen_at > LAST_SEEN_RESOLUTION:
        await contacts.touch(contact, {**fresh, "last_seen_at": now})
    return contact


STRANGER_NAMES: dict[str, Any] = {"first_name": "", "last_name": None, "username": None}
"""What is kept of a stranger's Telegram names: nothing (answering needs only the chat and the language)."""


def is_registered(contact: Contact) -> bool:
    """True once the person consented to being kept (registration, joining) or was given a role."""
    return contact.consent_at is not None or contact.role is not None


def telegram_names(person: Person) -> dict[str, Any]:
    """The Telegram names of a registered person, as the contact columns keep them."""
    return {"first_name": person.first_name[:128], "last_name": (person.last_name or "")[:128] or None,
            "username": (person.username or "")[:64] or None}


def name_of(contact: Contact | None) -> Label:
    """How a person is named to others: their full name, else their first and last names; a phrase when they have no
    name or were forgotten (never a number: staff see the Telegram id beside it, staff_notices.person_for_staff)."""
    if contact is None or contact.telegram_id <= 0:  # forgetting keeps the row with a negative id and no name
        return Text(N_("a person who asked to be forgotten"))
    return contact.full_name or " ".join(filter(None, (contact.first_name, contact.last_name))) or \
        Text(N_("a person without a name"))


def role_of(contact: Contact) -> Role | None:
    """The contact's role, if they have one."""
    return Role(contact.role) if contact.role is not None and contact.role in Role.__members__ else None


NOT_ALLOWED = N_("Sorry, you are not allowed to do that.")
REGISTER_FIRST = N_("This is for people registered with an organisation. To register, send /start, or open the "
                    "invitation link a colleague sent you.")


STAFF_WITHDRAWN = N_("Your BDT staff role was withdrawn, so this is no longer open to you. If you think this is a "
                     "mistake, ask the operator of the bot, who gives staff their role.")
MEMBER_WITHDRAWN = N_("Your role with your organisation was withdrawn, so this is no longer open to you. To take "
                      "part again, open a new invitation link from a colleague or from BDT staff.")


async def not_allowed(session: Session, contact: Contact) -> Reply:
    """No to something the person's role does not allow; to someone with no role, why: their role was withdrawn (the
    audit trail records it, with the role they had) and whom to ask, or, to a stranger (or someone forgotten, whose
    row starts afresh), how to register. The role they had is that of the latest revocation that names one: a
    revocation of someone with no role (recorded, with no previous role, before `admin revoke` left such a person as
    they were) revoked nothing and does not hide the one before."""
    if role_of(contact) is not None or contact.id is None:
        return Reply((Text(NOT_ALLOWED),))
    revoked = await AuditTrail(session).last_details_with("contact", contact.id, "role.revoked", "previous")
    previous = revoked.get("previous") if revoked is not None else None
    if previous is None:
        return Reply((Text(NOT_ALLOWED), Text(REGISTER_FIRST)))
    withdrawn = STAFF_WITHDRAWN if previous in (Role.staff, Role.admin) else MEMBER_WITHDRAWN
    return Reply((Text(NOT_ALLOWED), Text(withdrawn)))


async def staff_contacts(session: Session) -> list[Contact]:
    """Everyone who validates and answers: staff and admins who can be reached."""
    return await Contacts(session).staff()


async def audit(session: Session, actor: Contact | None, action: str, target_type: str | None = None,
                target_id: int | None = None, **details: Any) -> None:
    """Record who did (or tried) what to which record (written at once, in the caller's transaction)."""
    await AuditTrail(session).record(actor.id if actor else None, action, target_type, target_id, details)


def staff_member(contact: Contact | None) -> Label:
    """A staff member as colleagues are told who decided: their name (name_of), else "another staff member"."""
    if contact is None or contact.telegram_id <= 0 or not (contact.full_name or contact.first_name):
        return Text(N_("another staff member"))
    return name_of(contact)


async def acted_last(session: Session, target_type: str, target_id: int | None, actions: Iterable[str],
                     otherwise: int | None = None) -> Contact | None:
    """Who the audit trail last records doing one of `actions` on the record, else the contact `otherwise` (its
    author, say); None when neither is known."""
    actor_id = await AuditTrail(session).last_actor(target_type, target_id, actions) if target_id is not None else None
    contact_id = actor_id if actor_id is not None else otherwise
    return await Contacts(session).get(contact_id) if contact_id is not None else None


async def decided_by(session: Session, target_type: str, target_id: int, actions: Iterable[str]) -> Label:
    """Who made the decision the audit trail last records on this record (staff_member)."""
    return staff_member(await acted_last(session, target_type, target_id, actions))
