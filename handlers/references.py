"""Pledge references as people write them ("P2C-2025-00001", "p2c-2026-2", "#1"), and what a member reads of one
that is none of their pledges: read by /find, a reference sent alone (handlers.pledges.lookup) and /report."""

from __future__ import annotations

import re
import unicodedata

from handlers.conversation import Conversation
from handlers.messages import N_
from models.repositories.pledges import Pledges
from models.values import MAX_RECORD_ID, Role

REFERENCE = re.compile(r"\s*(P2C-[0-9]{4}-[0-9]{5,7})\s*[.!]?\s*\Z", re.IGNORECASE)
"""A message that is one pledge reference (pasted with spaces, a full stop, or in small letters). Not one followed
by "?": that is a question about it, which the offer to ask BDT takes."""


def reference_in(message: str) -> str | None:
    """The pledge reference a message consists of, in capitals (None: the message says something else). Copied
    from an Arabic message it carries the direction marks that keep it left to right (invisible), and it may be
    typed with Arabic-Indic digits: both are read as the reference."""
    plain = "".join(_ascii_digit(char) for char in message if unicodedata.category(char) != "Cf")
    found = REFERENCE.match(plain)
    return found.group(1).upper() if found else None


def _ascii_digit(char: str) -> str:
    value = unicodedata.decimal(char, None)
    return str(value) if value is not None else char


SHORT_REFERENCE = re.compile(r"\s*(?:(?:P2C-)?([0-9]{4})-|#)?([0-9]{1,7})\s*[.!]?\s*\Z", re.IGNORECASE)
"""What /find also reads: a reference with its number unpadded ("p2c-2026-2", "2026-2"), or the number alone
("00001", "#1")."""


async def found_reference(conv: Conversation, argument: str, *, by_number: bool = True) -> str | None:
    """The reference /find (or /report) is given, written in full or short (SHORT_REFERENCE). The number alone
    ("#5") is the pledge's id, read unless not `by_number`: its reference then names a pledge that exists, which only
    those who may see any pledge's should learn of."""
    ref = reference_in(argument)
    if ref is not None:
        return ref
    plain = "".join(_ascii_digit(char) for char in argument if unicodedata.category(char) != "Cf")
    short = SHORT_REFERENCE.match(plain)
    if short is None:
        return None
    year, number = short.group(1), int(short.group(2))
    if year is not None:
        return f"P2C-{year}-{number:05d}"
    if not by_number:
        return None
    pledge = await Pledges(conv.session).get(number) if 0 < number <= MAX_RECORD_ID else None
    return pledge.ref if pledge is not None else None


def number_alone(argument: str) -> bool:
    """Whether what /find is given is a number alone ("5", "#5"): the pledge's id, not a reference."""
    plain = "".join(_ascii_digit(char) for char in argument if unicodedata.category(char) != "Cf")
    short = SHORT_REFERENCE.match(plain)
    return short is not None and short.group(1) is None


NOT_SHOWN = {
    Role.focal_point: N_("{ref} is not a pledge of your organisation. A focal point sees their own organisation's "
                         "pledges only: they are in /mypledges."),
    Role.coordinator: N_("{ref} is neither a pledge of your organisation nor a published pledge of your scope. "
                         "/digest and /export list the pledges of your scope."),
}
"""What a focal point or coordinator reads of a reference that is none of the pledges they may see (or of none)."""
