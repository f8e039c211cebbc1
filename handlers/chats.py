"""Answers outside a person's private conversation: the bot in a group, a person back after blocking it, and an
update Telegram sent that could not be read.

Nothing of a group is kept: its line goes to the outbox (keyed by the update, so a redelivery sends nothing more),
in the sender's language when the bot knows them, else in their Telegram's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers import outbox
from handlers.conversation import Conversation, Deps
from handlers.inputs import Incoming, Person
from handlers.language import negotiate
from handlers.messages import N_, Reply, Text, reply_to_json, text
from handlers.people import find_contact, refresh, role_of
from models.clock import utcnow
from models.database import Session, UnitOfWork
from models.repositories.contacts import Contacts
from models.repositories.entities import Entities
from models.repositories.outbox import INTERACTIVE, OutboxRows
from models.repositories.updates import ProcessedUpdates
from models.tables import Contact
from models.values import Role

PRIVATE_ONLY = N_("I only work in a private chat: open {link} to talk to me.")
PRIVATE_ONLY_NO_LINK = N_("I only work in a private chat: open a chat with me to talk to me.")
NOT_READ = N_("I could not read that message. Please send it again as text or as a file.")
PRESS_NOT_READ = N_("I could not read that button press. Please try it again; if it still does not work, send /help.")
# "if": whether anything was sent meanwhile is not known (what is not sent to a blocked person, an announcement or a
# reminder, leaves no row), and a tester blocked and unblocked with nothing sent was told something did not reach him
BACK_MEMBER = N_("Welcome back! If I sent you anything while you had blocked me, it did not reach you: /mypledges "
                 "shows your organisation's pledges, the decisions on them and their latest reports, and /questions "
                 "your questions to BDT and their answers.")
BACK_STAFF = N_("Welcome back! If I sent you anything while you had blocked me, it did not reach you: /pending lists "
                "what waits for a decision.")


def private_only(bot_username: str | None) -> Text:
    """The one line said in a group: the bot works in a private chat, and where to open it."""
    return text(PRIVATE_ONLY, link=f"t.me/{bot_username}") if bot_username else Text(PRIVATE_ONLY_NO_LINK)


async def locale_of(session: Session, person: Person, default_locale: str) -> str:
    """The language to answer someone in outside their conversation: theirs if the bot knows them (nothing is
    written), else their Telegram's."""
    contact = await find_contact(session, person.telegram_id)
    if contact is not None and contact.telegram_id > 0:
        return negotiate(contact.language, contact.telegram_language, default_locale)
    return negotiate(None, person.language_code, default_locale)


async def _to_chat(session: Session, chat_id: int, contact: Contact | None, message: Reply, key: str,
                   locale: str) -> None:
    """One message to a chat, rendered in `locale` when it has no contact to take the language from."""
    if contact is not None and contact.chat_id == chat_id:
        await outbox.enqueue(session, contact, message, key)
        return
    payload = {"reply": reply_to_json(message), "locale": locale}
    await OutboxRows(session).enqueue(key, chat_id, None, payload, priority=INTERACTIVE, now=utcnow())


async def in_group(incoming: Incoming, uow: UnitOfWork, deps: Deps) -> None:
    """A command, mention or reply addressed to the bot in a group, or the bot added to one: one line to the group
    saying it works in a private chat."""
    async with uow:
        locale = await locale_of(uow.session, incoming.person, deps.default_locale)
        await _to_chat(uow.session, incoming.person.chat_id, None, Reply((private_only(deps.bot_username),)),
                       f"grp:{incoming.key}", locale)
        await uow.commit()


async def unreadable_update(update_id: int, person: Person, uow: UnitOfWork, deps: Deps, *,
                            pressed: bool = False) -> None:
    """An update from a private chat that could not be read at all (its shape unknown to the Bot API client): the
    person is asked to send it again (`pressed`: to press the button again), once."""
    async with uow:
        locale = await locale_of(uow.session, person, deps.default_locale)
        contact = await find_contact(uow.session, person.telegram_id)
        await _to_chat(uow.session, person.chat_id, contact, Reply((Text(PRESS_NOT_READ if pressed else NOT_READ),)),
                       f"unread:{person.chat_id}:{update_id}", locale)
        await uow.commit()


async def membership(incoming: Incoming, uow: UnitOfWork, deps: Deps,
                     resume: Callable[[Conversation], Awaitable[None]]) -> Conversation | None:
    """The person blocked the bot ("kicked") or unblocked it ("member"). Blocked, they are left out of every
    audience, as when a delivery finds them unreachable; back, they are reachable again (reminders resume by
    themselves) and someone with a role is told that what was sent meanwhile did not reach them, and where to find
    it; a form left open is given back (`resume`: its question, refused while they had blocked the bot). Nothing is
    kept about a stranger, and nothing said to someone who never started the bot, only that they are reachable (their
    first /start is their first visit: router.mark_and_meet). None when there is nothing to say."""
    async with uow:
        session = uow.session
        contact = await find_contact(session, incoming.person.telegram_id)
        if contact is None or contact.id is None or contact.telegram_id <= 0 \
                or not await ProcessedUpdates(session).mark(incoming.key, incoming.received_at):
            return None
        if incoming.membership != "member":
            await Contacts(session).mark_blocked([contact.id])
            await uow.commit()
            return None
        if contact.last_seen_at is None:  # never seen (a contact made by `admin grant`, the sandbox's demo people):
            # their first /start is to be a first visit, so nothing is said; but they are reachable again: left
            # blocked, they stayed out of every audience (a tester, with the demo's people). Should Telegram still
            # refuse to write to them, that refusal marks them blocked again (Contacts.mark_unreachable).
            if contact.blocked:
                await Contacts(session).touch(contact, {"blocked": False})
            await uow.commit()
            return None
        was_blocked = contact.blocked
        contact = await refresh(session, contact, incoming.person, incoming.received_at)
        if contact.last_seen_at != incoming.received_at:  # seen now, whatever refresh spared: a send refused before
            await Contacts(session).touch(contact, {"last_seen_at": incoming.received_at})  # leaves them reachable
        # the form given back asks its question as of the person's day: their zone, else their organisation's
        entity = await Entities(session).get(contact.entity_id) if was_blocked and contact.entity_id else None
        conv = Conversation(session, contact, negotiate(contact.language, contact.telegram_language,
                                                        deps.default_locale), incoming.received_at, incoming.key, deps,
                            country=entity.country_iso3 if entity is not None else None)
        role = role_of(contact)
        if was_blocked and role is not None:
            staff = role in (Role.staff, Role.admin)
            conv.say(Reply((Text(BACK_STAFF if staff else BACK_MEMBER),)))
        if was_blocked:
            await resume(conv)
        await conv.flush_replies()
        await uow.commit()
        return conv

