"""A broadcast cancelled by a colleague: whoever created it and whoever last edited it hear who cancelled it, in
their language and time zone (one who had just corrected it would otherwise believe it goes out)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from handlers import outbox
from handlers.broadcasts.moments import moment_label
from handlers.broadcasts.service import close_edits
from handlers.conversation import Conversation
from handlers.entities import is_staff_contact
from handlers.language import negotiate
from handlers.messages import N_, Code, Label, Reply, plural, text
from handlers.people import acted_last, name_of
from models.repositories.contacts import Contacts
from models.tables import Broadcast, Contact


async def tell_authors(conv: Conversation, broadcast: Broadcast, scheduled: bool, stopped: int) -> None:
    """After the person of `conv` cancelled the broadcast (`scheduled`, or while it was being sent: `stopped`
    messages not sent): a colleague who had an edit of it open is told at once that their edit is closed (they
    heard it only at Submit, a tester); its creator and its last editor, unless that is the person themselves or
    one just told, are told; staff only (one who left the staff follows no broadcast), not one who blocked the
    bot."""
    assert broadcast.id is not None
    closed = await close_edits(conv.session, broadcast, text(N_(
        "{person} cancelled broadcast {ref}: nobody will receive it. Your edit of it is closed, and nothing you "
        "changed in it was saved."), person=name_of(conv.contact), ref=Code(f"#{broadcast.id}")),
        but=conv.contact.id)
    editor = await acted_last(conv.session, "broadcast", broadcast.id, ("broadcast.edited",))
    creator = await Contacts(conv.session).get(broadcast.created_by) if broadcast.created_by is not None else None
    told: dict[int, Contact] = {}
    for person in (creator, editor):
        if person is not None and person.id is not None and person.id != conv.contact.id \
                and person.id not in closed and is_staff_contact(person) and not person.blocked:
            told.setdefault(person.id, person)
    for person in told.values():
        said = _news(conv, broadcast, person, created=person.id == broadcast.created_by, scheduled=scheduled,
                     stopped=stopped)
        await outbox.enqueue(conv.session, person, Reply((said,)), f"bc-cancelled:{broadcast.id}:{person.id}",
                             priority=outbox.NOTICE)


def _news(conv: Conversation, broadcast: Broadcast, reader: Contact, *, created: bool, scheduled: bool,
          stopped: int) -> Label:
    """What the creator (`created`) or the last editor of the broadcast is told of its cancellation."""
    ref, person = Code(f"#{broadcast.id}"), name_of(conv.contact)
    if not scheduled or broadcast.scheduled_at is None:
        return plural("{person} cancelled broadcast {ref} while it was being sent; {count} message will not be sent.",
                      "{person} cancelled broadcast {ref} while it was being sent; {count} messages will not be sent.",
                      stopped, person=person, ref=ref)
    locale = negotiate(reader.language, reader.telegram_language, conv.deps.default_locale)
    moment = moment_label(broadcast.scheduled_at, ZoneInfo(reader.timezone or conv.deps.timezone), locale)
    if created:
        return text(N_("{person} cancelled your broadcast {ref}, scheduled for {moment}: nobody will receive it."),
                    person=person, ref=ref, moment=moment)
    return text(N_("{person} cancelled broadcast {ref}, which you edited, scheduled for {moment}: nobody will receive "
                   "it."), person=person, ref=ref, moment=moment)
