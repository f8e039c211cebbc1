"""One strict parser of button data: every callback code that comes back from a person is untrusted input.

Each code the bot sends matches one declared pattern; anything else (Unicode digits, signs, spaces, empty or
extra fields, an id no record can have, over 64 bytes, which Telegram never sends back for a button of ours) parses
to None and is refused like a forged code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from handlers.conversation import Conversation
from handlers.messages import N_, Label, Reply, Text
from handlers.people import audit
from models.values import MAX_RECORD_ID

MAX_BYTES = 64  # Telegram's limit on callback_data
MAX_ID_DIGITS = 12  # ids stay far below 10**12; more digits is forged
MAX_ID = MAX_RECORD_ID
"""A larger id or version names no record (models.values.MAX_RECORD_ID): it is forged."""

# Placeholders: <id> a positive integer written in ASCII digits without a leading zero; <word> a short ASCII
# token (step ids, language codes); <rest> what a form button carries after its step id, checked by the form
# engine against the choices the current question offers; <ver> the version of a record the button was shown with;
# <then> a second id, of what the button opens after its action. The three numbers are written alike.
_NUMBER = f"[1-9][0-9]{{0,{MAX_ID_DIGITS - 1}}}"
_FIELDS = {
    "<id>": _NUMBER,
    "<word>": "[A-Za-z0-9_$-]{1,32}",
    "<rest>": "[!-~]{1,60}",
    "<ver>": _NUMBER,
    "<then>": _NUMBER,
}

STAMP_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
"""A button that says when it was shown (a page of a list, a question asking to confirm) carries that moment as a
<ver>: seconds since STAMP_EPOCH, below 2**31 until 2092."""


def stamp(now: datetime) -> int:
    """The moment `now` as a button carries it (STAMP_EPOCH)."""
    return max(1, int((now - STAMP_EPOCH).total_seconds()))


def stamped(value: int) -> datetime:
    """The moment a button's stamp names."""
    return STAMP_EPOCH + timedelta(seconds=value)


CONFIRM_WITHIN = timedelta(minutes=30)
"""How long a question asking to confirm something that cannot be undone (/forget, /leave) may be answered Yes."""
CLOCKS_APART = timedelta(minutes=1)
"""How far ahead of this instance's clock the one that showed a button may have been."""


def fresh(code: ButtonCode, now: datetime, within: timedelta = CONFIRM_WITHIN) -> bool:
    """True when the button carries the moment it was shown (<ver>, stamp), and that was less than `within` ago."""
    return code.version is not None and -CLOCKS_APART <= now - stamped(code.version) <= within


async def confirmation(conv: Conversation, code: str, prefix: str, *, declined: Label, expired: Label) -> bool:
    """True when `code` is the Yes (`<prefix>:yes:<moment>`) of a question asking to confirm something that cannot
    be undone, asked within CONFIRM_WITHIN. Its No (`<prefix>:no:<moment>`) is answered `declined`, a Yes asked
    longer ago (or sent before the moment was in it) `expired`, both in place of the question, whose buttons go with
    it (a Yes left in the chat could be pressed later by mistake); any other code is no longer valid."""
    parsed = parse(code)
    if parsed is None or not parsed.pattern.startswith((f"{prefix}:yes", f"{prefix}:no")):
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return False
    if parsed.pattern.startswith(f"{prefix}:no"):
        await conv.say_in_place(Reply((declined,)))
        return False
    if not fresh(parsed, conv.now):
        await conv.say_in_place(Reply((expired,)))
        return False
    return True


PATTERNS: tuple[str, ...] = (
    "ent:ok:<id>", "ent:no:<id>", "ent:re:<id>", "ent:keep:<id>",
    "pl:resume", "pl:restart:<id>:<ver>",
    "pl:restart",  # sent before the draft's id and version were in the code: asks before deleting anything
    "pv:ok:<id>:<ver>", "pv:chg:<id>:<ver>", "pv:rej:<id>:<ver>",
    "pv:ok:<id>", "pv:chg:<id>", "pv:rej:<id>",  # sent before versions were in the code: taken as version 1
    "mp:open:<id>", "mp:wd:<id>", "mp:edit:<id>", "mp:edit:<id>:<ver>", "mp:list", "mp:after:<id>", "mp:hist:<id>",
    "mp:wdy:<id>:<ver>:<word>", "mp:wdy:<id>",  # <ver>, <word>: the version and status asked about; bare: sent before
    "bc:edit:<id>", "bc:cancel:<id>", "bc:stop:<id>", "bc:keep:<id>",
    "rp:open:<id>", "rp:repl:<id>", "rp:edit:<id>", "rp:ev:<id>", "rp:done:<id>", "rp:resume",
    "rp:fix:<id>", "rp:fixok:<id>",  # replace report <id>, of an earlier period than the one due: asked, confirmed
    "rp:restart:<id>:<ver>", "rp:restart",  # bare: sent before the draft's id and version were in the code
    "rp:restart:<id>:<ver>:<then>",  # then the report of pledge <then>, the one whose 📝 offered it
    "rp:refix:<id>:<ver>:<then>",  # then the replacement of report <then>, the one whose ✏️ offered it
    "rp:list", "rp:after:<id>:<ver>",  # a page of /report's list: the first, the one after pledge <id> at place <ver>
    "rs:ack:<id>:<ver>", "rs:ask:<id>:<ver>",  # <ver>: the report's version shown
    "rs:ack:<id>", "rs:ask:<id>",  # sent before versions were in the code: taken as version 1
    "pc:a:<id>:<ver>", "pc:h:<id>:<ver>", "pc:q:<id>:<ver>",  # <ver>: the cadence the card showed (cadence.SHOWN)
    "pc:a:<id>", "pc:h:<id>", "pc:q:<id>",  # sent before the shown cadence was in the code: not checked
    "pn:ent:<id>", "pn:pl:<id>", "pn:rs:<id>", "pn:ent:after:<id>", "pn:pl:after:<id>", "pn:rs:after:<id>", "pn:list",
    "ft:pd:<id>", "ft:pc:<id>", "ft:rs:<id>", "ft:rc:<id>", "ft:rn:<id>", "ft:rq:<id>",
    "ft:ec:<id>:<ver>",  # the caption of a report's evidence: <ver> its number (handlers.fulltext.CAPTION)
    "lang:<word>",
    "st:tz", "st:lang", "st:rem:on", "st:rem:off", "st:show", "st:consent:on", "st:consent:off",
    "lv:yes", "lv:no", "lv:inv:<id>", "me:forget:yes", "me:forget:no",  # sent before the moment was in them: stale
    "lv:yes:<ver>", "lv:no:<ver>", "me:forget:yes:<ver>", "me:forget:no:<ver>",  # <ver>: when it was asked (stamp)
    "jr:reg", "jr:wait",
    "rm:later:<id>", "rm:notmine:<id>", "rm:mine:<id>",
    "f:<word>:<rest>",
    "qa:take:<id>", "qa:ans:<id>", "qa:close:<id>", "qa:re:<id>", "qa:open:<id>", "qa:after:<id>", "qa:list",
    "qa:over:<id>:<ver>",  # take over a colleague's thread, as it was shown (<ver>: the thread's version then)
    "qa:after:ans:<id>",  # the next page of /questions after an answered thread (qa:after: after one waiting for BDT)
    # the same with the moment its page was shown (<ver>: stamp), the bare ones sent before
    "qa:after:<id>:<ver>", "qa:after:ans:<id>:<ver>",
    "dg:now", "dg:off", "dg:week", "dg:month", "dg:day:<id>", "dg:at:<id>", "dg:nudge:<id>", "dg:export",
)


@dataclass(frozen=True)
class ButtonCode:
    """A parsed button: its prefix, its second field (verb, language or step id), its id and the rest."""

    pattern: str
    prefix: str
    verb: str
    id: int | None = None
    rest: str = ""
    version: int | None = None
    then: int | None = None
    """A second id (<then>): what to open after the button's action (a pledge after Start over)."""


def _compile(pattern: str) -> re.Pattern[str]:
    pieces = []
    for index, field in enumerate(pattern.split(":")):
        if field in _FIELDS:
            name = field[1:-1] if field in ("<id>", "<rest>", "<ver>", "<then>") else f"f{index}"
            pieces.append(f"(?P<{name}>{_FIELDS[field]})")
        else:
            pieces.append(f"(?P<f{index}>{re.escape(field)})")
    return re.compile(":".join(pieces), re.ASCII)


_COMPILED: tuple[tuple[str, re.Pattern[str]], ...] = tuple((p, _compile(p)) for p in PATTERNS)


def parse(data: str) -> ButtonCode | None:
    """The button `data` names, or None when it matches no declared pattern exactly."""
    if not data.isascii() or not 0 < len(data) <= MAX_BYTES:
        return None
    for pattern, regex in _COMPILED:
        found = regex.fullmatch(data)
        if found is None:
            continue
        groups = found.groupdict()
        raw_id, raw_version, raw_then = groups.get("id"), groups.get("ver"), groups.get("then")
        if any(raw is not None and int(raw) > MAX_ID for raw in (raw_id, raw_version, raw_then)):
            return None
        return ButtonCode(pattern=pattern, prefix=groups["f0"], verb=groups.get("f1") or "",
                          id=int(raw_id) if raw_id is not None else None, rest=groups.get("rest") or "",
                          version=int(raw_version) if raw_version is not None else None,
                          then=int(raw_then) if raw_then is not None else None)
    return None


async def refuse_malformed(conv: Conversation, data: str) -> None:
    """Refuse a code that matches no pattern like a forged one: audit it and say the button is no longer valid."""
    # ascii() keeps the record safe to store (no NUL, no lone surrogate, which PostgreSQL's JSON refuses)
    await audit(conv.session, conv.contact, "denied", attempted="button", code=ascii(data[:MAX_BYTES]))
    conv.say(Reply((Text(N_("That button is no longer valid.")),)))
