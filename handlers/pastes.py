"""Long pastes made whole again: Telegram's apps send a text over 4,096 characters as several messages.

A typed text that could be the first part of such a split (HOLD_FROM UTF-16 units or more: the apps cut at a line
break or a space in the second half of 4,096), plain or a command followed by its text ("/ask …"), is held on the
person's contact, in the database, and nothing is said yet. Its update is confirmed to Telegram at once: Telegram
sends a chat's next update only once the previous one was answered (webhook) or confirmed (polling), and the
continuation may reach another instance. The person's next plain text is joined to what is held when the two could
not have been one message (together over 4,096), and the journeys see one answer (a long one is added and held
again); anything else (a button, a command, a file, a text that would have fitted with the last part) hands the held
text over alone first, so order is kept. After HOLD_SECONDS without a
continuation the instance that held it hands it over alone (bot.joining's timer), and every instance sweeps up holds
left STALE_SECONDS longer (their instance stopped or died). Whoever hands a held text over claims it by a
compare-and-set on the moment it was held (`take`), so it is handed over exactly once.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from handlers.inputs import Incoming, Person
from handlers.lengths import TEXT_LIMIT, utf16_units
from models.database import Session
from models.repositories.contacts import Contacts
from models.tables import Contact

HOLD_FROM = TEXT_LIMIT // 2
"""The length (UTF-16 units) from which a text may be the first part of a split paste."""
HOLD_SECONDS = 2.0
"""How long a held text waits for its continuation (the apps send the parts within a fraction of a second)."""
STALE_SECONDS = 3.0
"""How much longer than HOLD_SECONDS a hold may last before any instance's sweep hands it over."""
CUT_DROPS = 2
"""The whitespace the apps drop where they cut a text (a space, or the two line breaks between paragraphs): parts of
4,095 units together may be a split text of 4,097 (a review)."""
SENTENCE_ENDS = tuple(".!?:;…。！？；：")


class HeldChangedError(Exception):
    """The held text changed since it was read (taken or added to by another instance): handle the update again."""


@dataclass(frozen=True)
class Held:
    """A held text, as the timers and the sweep know it: whose, and the moment held that claims it."""

    telegram_id: int
    chat_id: int
    at: datetime


def is_plain_text(incoming: Incoming) -> bool:
    """True for typed text alone: no command, button, file, forward (never part of a split paste) or content the
    journeys do not read."""
    return (incoming.text is not None and incoming.command is None and incoming.code is None
            and incoming.file_id is None and incoming.unreadable is None and incoming.forwarded is None)


def may_be_first_part(incoming: Incoming) -> bool:
    """True for a typed text long enough to be the first part of a split paste: plain, or a command followed by its
    text (the apps split "/ask" and a long question as any text, a tester found the question's start refused)."""
    typed = is_plain_text(incoming) or (incoming.command is not None and is_plain_text(replace(incoming, command=None)))
    return typed and utf16_units(incoming.text or "") >= HOLD_FROM


def continues(parts: list[Incoming], incoming: Incoming) -> bool:
    """True when `incoming` is the next part of the held split text: plain text that, with the last part held, is
    more than one message holds (the apps split only such a text). A shorter one is a message of its own that came
    quickly (a tester's "P.S." a second after a long answer was joined to it)."""
    return bool(parts) and is_plain_text(incoming) and (
        utf16_units(parts[-1].text or "") + utf16_units(incoming.text or "") + CUT_DROPS > TEXT_LIMIT)


def joined(parts: list[Incoming]) -> Incoming:
    """One input from the parts of a split text, with the first part's update id, origin and time (so its key).

    The apps drop the whitespace at a cut: a part that fills the limit was cut inside a word (no space
    near: a link, or Chinese), one ending a sentence most likely at a line break, any other at a space.
    """
    pieces, gaps = [part.text or "" for part in parts], [""]
    for before in pieces[:-1]:
        gaps.append("" if utf16_units(before) == TEXT_LIMIT else "\n" if before.endswith(SENTENCE_ENDS) else " ")
    # formatting made in the app, in any part, is kept for a question that takes it (the rest escaped as HTML)
    formatted = "".join(gap + (part.formatted or html.escape(part.text or "", quote=False))
                        for gap, part in zip(gaps, parts, strict=True)) \
        if any(part.formatted is not None for part in parts) else None
    whole = "".join(gap + piece for gap, piece in zip(gaps, pieces, strict=True))
    first = replace(parts[0], text=whole, formatted=formatted)
    if first.command is not None and len(parts) > 1:  # the command's text goes on in the parts after it
        first = replace(first, argument=(first.argument + whole[len(pieces[0]):]).strip())
    return first


def _stored(part: Incoming, first: bool) -> dict[str, Any]:
    stored = {"update_id": part.update_id, "origin": part.origin, "text": part.text,
              "received_at": part.received_at.isoformat(), "reply_to": part.reply_to}
    if part.formatted is not None:
        stored["formatted"] = part.formatted
    if part.command is not None:
        stored |= {"command": part.command, "argument": part.argument}
    return {**stored, "first": True} if first else stored


def began_contact(contact: Contact) -> bool:
    """True when the held text is the person's very first message to the bot: handed over or joined, it is answered
    as any first message is (handlers.router: the language offer)."""
    return bool(contact.held and contact.held[0].get("first"))


def held_parts(contact: Contact, person: Person) -> list[Incoming]:
    """The parts held on the contact (none: empty), as inputs of `person`."""
    return [Incoming(int(part["update_id"]), person, datetime.fromisoformat(part["received_at"]), text=part["text"],
                     origin=str(part["origin"]), reply_to=part.get("reply_to"), formatted=part.get("formatted"),
                     command=part.get("command"), argument=part.get("argument", ""))
            for part in contact.held or ()]


def person_of(contact: Contact) -> Person:
    """The person of a contact as their last update described them (a held text handed over has no update of its
    own)."""
    return Person(contact.telegram_id, contact.chat_id, contact.first_name, contact.last_name, contact.username,
                  contact.telegram_language)


async def hold(session: Session, contact: Contact, parts: list[Incoming], *, first: bool) -> None:
    """Hold `parts` on the contact, as of the last one's arrival (`first`: the first part is the person's first
    message, `began_contact`); HeldChangedError if the held text changed since the contact was read."""
    stored = [_stored(part, first and n == 0) for n, part in enumerate(parts)]
    if not await Contacts(session).hold(contact, stored, parts[-1].received_at):
        raise HeldChangedError


async def take(session: Session, contact: Contact) -> None:
    """Claim the contact's held text for handing it over (nothing is held afterwards); HeldChangedError if somebody
    else took it or added to it since the contact was read."""
    if not await Contacts(session).hold(contact, None, None):
        raise HeldChangedError


async def held_before(session: Session, before: datetime) -> list[Held]:
    """The texts held since before `before` (the oldest first, a hundred at most)."""
    return [Held(telegram_id, chat_id, at) for telegram_id, chat_id, at in await Contacts(session).held_before(before)]
