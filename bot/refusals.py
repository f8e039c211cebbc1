"""A message Telegram refused (400) is never dropped in silence: its reader is told, and can go on.

Journeys keep their messages within Telegram's limits and delivery measures them again, so a refusal
means something unforeseen (a formatting Telegram reads differently, a file it no longer has). The row
is recorded failed as before; this adds one short explanation for the person it was for, in their
language, saying that nothing of theirs is lost and how to go on (/start resumes a form where it was).
A journey that knows better what to say about one of its messages (a piece of evidence whose file Telegram
no longer has) writes it in the message itself (`Reply.if_refused`), and that is said instead.
"""

from __future__ import annotations

import logging

from handlers import outbox
from handlers.messages import N_, Reply, Text, reply_from_json
from models.database import Database
from models.repositories.contacts import Contacts
from models.repositories.outbox import Queued

log = logging.getLogger(__name__)

EXPLANATION = N_("I could not show you a message: Telegram refused it. Nothing you wrote is lost. Send /start to "
                 "continue where you left off, or /help to see what I can do.")


def explanation(item: Queued | None = None) -> Reply:
    """What the person is told instead of the message Telegram refused: what its journey wrote for that case, if
    anything, else the general explanation."""
    message = _message(item) if item is not None else None
    if message is not None and message.if_refused is not None:
        return message.if_refused
    return Reply((Text(EXPLANATION),))


def _message(item: Queued) -> Reply | None:
    if isinstance(item.message, Reply):
        return item.message
    return reply_from_json(item.payload["reply"]) if "reply" in item.payload else None


def is_explanation(item: Queued) -> bool:
    """True for a row that is itself an explanation (one refused in turn is not explained again)."""
    message = _message(item)
    return message is not None and [getattr(part, "msgid", None) for part in message.parts] == [EXPLANATION]


async def explain_refusal(database: Database, item: Queued) -> bool:
    """Queue the explanation for the person a refused row was for (once per row); True when one was queued."""
    if item.contact_id is None or is_explanation(item):
        return False
    async with database.uow() as uow:
        contact = await Contacts(uow.session).get(item.contact_id)
        if contact is None or contact.blocked:
            return False
        added = await outbox.enqueue(uow.session, contact, explanation(item), f"refused:{item.id}")
        await uow.commit()
    return added is not None
