"""What a person does with a report reminder ("remind me in 3 days", "not my pledge any more"), and /inactive."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from handlers import buttons, outbox
from handlers.conversation import Conversation
from handlers.entities import is_staff, refuse
from handlers.inactive_notices import silent_since
from handlers.inputs import Incoming
from handlers.lengths import LIST_TITLE, shorten
from handlers.messages import N_, Button, Code, Concat, Day, Label, Reply, Text, plural, text
from handlers.people import audit, role_of, staff_contacts
from handlers.report_reminders import followers, pass_on, withdraw_stale
from handlers.reports.cards import next_due_label
from handlers.settings import current_country, current_zone
from handlers.staff_notices import described, organisation_label, person_for_staff
from models.reminding import reminder_due
from models.reporting import as_day, inactive_cutoff, next_report
from models.repositories.reminders import LATER, NOT_MINE, Reminders
from models.repositories.reports import Reports
from models.tables import Entity, Pledge
from models.values import PledgeStatus, Role
from models.working_hours import local_day, next_allowed

SNOOZE = timedelta(days=3)
VERBS = ("later", "notmine", "mine")
INACTIVE_LISTED = 30
"""Pledges /inactive lists, the longest silent first (the rest are counted, and /export has them all)."""
PER_MESSAGE = 10
"""Pledges per message of /inactive: ten lines with titles and names cut to LIST_TITLE fit Telegram's limit in any
language."""


async def reminder_button(conv: Conversation, data: str) -> None:
    """Buttons of a reminder: rm:later:<pledge id>, rm:notmine:<pledge id>, and rm:mine:<pledge id> to take a "not
    mine" back (parsed strictly)."""
    parsed = buttons.parse(data)
    if parsed is None or parsed.prefix != "rm" or parsed.verb not in VERBS or parsed.id is None:
        await buttons.refuse_malformed(conv, data)
        return
    pledge = await conv.session.get(Pledge, parsed.id)
    contact = conv.contact
    if (pledge is None or role_of(contact) is not Role.focal_point or contact.entity_id is None
            or pledge.entity_id != contact.entity_id or contact.id is None):
        await refuse(conv, f"reminder.{parsed.verb}", "pledge", parsed.id)
        return
    repo = Reminders(conv.session)
    if parsed.verb == "mine":
        await _take_back(conv, repo, pledge)
        return
    ref = Code(pledge.ref or "")
    if await repo.hold_of(contact.id, parsed.id) == NOT_MINE:
        conv.say(Reply((text(N_("You told us {ref} is not your pledge any more: you get no reminders for it."),
                             ref=ref),), _take_back_button(parsed.id)))
        return
    if parsed.verb == "later":
        await _later(conv, repo, pledge)
        return
    await repo.claim([parsed.id], wait=True)  # the pledge first, then the reminders' rows: a report's order
    await repo.hold(contact.id, parsed.id, NOT_MINE, None, conv.now)
    await withdraw_stale(repo, conv.now, await repo.pending(contact_id=contact.id))
    passed = await pass_on(repo, pledge, contact.id, conv.now, conv.deps.timezone)
    await audit(conv.session, contact, "reminder.not_mine", "pledge", pledge.id, ref=pledge.ref, passed_on=passed)
    said: tuple[Label, ...] = (Text(N_("Your colleagues who follow it get its reminder instead.")),) if passed else ()
    conv.say(Reply((text(N_("Noted: no more reminders about {ref} for you. BDT staff are told, so that they can "
                            "find who follows it now."), ref=ref), *said), _take_back_button(parsed.id)))
    # staff were asked to find who follows a pledge colleagues still follow (a tester)
    if following := len(await followers(repo, pledge)):
        await _tell_staff(conv, pledge, "notmine", plural(
            "{person} says {ref} “{title}” is not their pledge any more. They get no more reminders for it; its "
            "other focal point still does.",
            "{person} says {ref} “{title}” is not their pledge any more. They get no more reminders for it; its "
            "{count} other focal points still do.", following))
        return
    await _tell_staff(conv, pledge, "notmine", Text(N_(
        "{person} says {ref} “{title}” is not their pledge any more. They get no more reminders for it; please find "
        "who follows it now.")))


def _take_back_button(pledge_id: int) -> tuple[tuple[Button, ...], ...]:
    return ((Button(Text(N_("↩️ It is my pledge after all")), f"rm:mine:{pledge_id}"),),)


async def _later(conv: Conversation, repo: Reminders, pledge: Pledge) -> None:
    """Hold the pledge's reminders for three days, when one would come at all (else say why none will)."""
    assert conv.contact.id is not None and pledge.id is not None
    unheld = await _nothing_to_hold(conv, repo, pledge)
    if unheld is not None:
        conv.say(Reply((unheld,)))
        return
    zone = await current_zone(conv)
    until = conv.now + SNOOZE
    await repo.hold(conv.contact.id, pledge.id, LATER, until, conv.now)
    await withdraw_stale(repo, conv.now, await repo.pending(contact_id=conv.contact.id))
    when = local_day(next_allowed(until, zone, await current_country(conv)), zone)
    conv.say(Reply((text(N_("All right: I will remind you about {ref} again on {date}."), ref=Code(pledge.ref or ""),
                         date=Day(when)),)))


async def _nothing_to_hold(conv: Conversation, repo: Reminders, pledge: Pledge) -> Label | None:
    """Why no reminder of the pledge would come for "later" to hold, as the planner decides (None: one would): a
    pledge closed, silent for 24 months, or with no report due on the person's day."""
    assert pledge.id is not None
    ref = Code(pledge.ref or "")
    if pledge.status == PledgeStatus.completed:
        return text(N_("{ref} is already marked completed."), ref=ref)
    if pledge.status == PledgeStatus.withdrawn:
        return text(N_("{ref} is withdrawn."), ref=ref)
    if pledge.status != PledgeStatus.validated:
        return text(N_("{ref} is not open for progress reports."), ref=ref)
    active_at = await Reports(conv.session).last_sent(pledge.id) or pledge.validated_at or pledge.created_at
    if active_at <= inactive_cutoff(conv.now):
        return text(N_("{ref} has had no progress report for 24 months, so no more reminders are sent for it. You "
                       "can still report on it any time with /report."), ref=ref)
    reported = (await repo.reported_periods([pledge.id])).get(pledge.id, [])
    if reminder_due(pledge, reported, conv.today) is not None:
        return None
    upcoming = next_report(pledge, reported, conv.today)
    if upcoming is not None and upcoming.due is None:  # reported up to its end date: no next one
        return Concat((ref, " — ", next_due_label(upcoming)))
    return text(N_("Nothing is due for {ref} now: its progress reports are up to date, so there is nothing to remind "
                   "you of. You will get a reminder when the next one is due."), ref=ref)


async def _take_back(conv: Conversation, repo: Reminders, pledge: Pledge) -> None:
    """Take back a "not my pledge any more": the pledge's reminders reach the person again, and staff are told."""
    assert conv.contact.id is not None and pledge.id is not None
    ref = Code(pledge.ref or "")
    if not await repo.take_back(conv.contact.id, pledge.id):
        conv.say(Reply((text(N_("{ref} is among your pledges: you get its reminders."), ref=ref),)))
        return
    await audit(conv.session, conv.contact, "reminder.mine_again", "pledge", pledge.id, ref=pledge.ref)
    conv.say(Reply((text(N_("Noted: {ref} is your pledge again, and you will get its reminders. BDT staff are "
                            "told."), ref=ref),)))
    await _tell_staff(conv, pledge, "mine", Text(N_("{person} says {ref} “{title}” is their pledge after all: they get "
                                                    "its reminders again.")))


async def _tell_staff(conv: Conversation, pledge: Pledge, what: str, message: Text) -> None:
    """Tell every staff member what the person said of the pledge (`message`, given the person, the reference and
    the title), naming them with their Telegram id and their organisation with its number (which /reassign takes)."""
    contact = conv.contact
    entity = await conv.session.get(Entity, pledge.entity_id)
    who = described(person_for_staff(contact), organisation_label(entity)) if entity is not None else \
        person_for_staff(contact)
    notice = Reply((replace(message, params={**message.params, "person": who, "ref": Code(pledge.ref or ""),
                                             "title": pledge.title}),))
    for member in await staff_contacts(conv.session):  # keyed by the update too: a pledge taken back can be
        # disowned again, and staff are told again
        await outbox.enqueue(conv.session, member, notice,
                             f"{what}:{pledge.id}:{contact.id}:{member.id}:{conv.update_key}", priority=outbox.NOTICE)


async def inactive_command(conv: Conversation, incoming: Incoming | None = None) -> None:
    """/inactive (staff): validated pledges with no report for 24 months, the longest silent first."""
    if not is_staff(conv):
        await refuse(conv, "pledge.inactive")
        return
    count, rows = await Reminders(conv.session).inactive(inactive_cutoff(conv.now), INACTIVE_LISTED)
    if not count:
        conv.say(Reply((Text(N_("No validated pledge has gone 24 months without a report.")),)))
        return
    for message in inactive_replies(count, rows, conv.now.date()):
        conv.say(message)


INACTIVE_LINE = N_("{ref} “{title}” — {organisation} — {since}")
"""A pledge in /inactive: its reference, title, organisation, and when it was last reported on (else validated)."""


def inactive_replies(count: int, rows: Sequence[Any], today: date) -> list[Reply]:
    """The listed pledges in messages of PER_MESSAGE, titles and names cut to LIST_TITLE so that each fits in any
    language; the ones not listed counted in the last, with where to see them all."""
    replies: list[Reply] = []
    for start in range(0, len(rows), PER_MESSAGE):
        lines: list[Label] = [plural("{count} validated pledge has had no report for 24 months (no more reminders "
                                     "go to it):",
                                     "{count} validated pledges have had no report for 24 months (no more reminders "
                                     "go to them):", count)] if start == 0 else []
        listed: list[Label] = []
        for row in rows[start:start + PER_MESSAGE]:
            # the title quoted as the reader's language quotes (a tester read “…” in Arabic, where «» are used)
            listed += ["\n" if listed else "", "• ", text(INACTIVE_LINE, ref=Code(row.ref or str(row.id)),
                                                          title=shorten(row.title, LIST_TITLE),
                                                          organisation=organisation_label(row.Entity, LIST_TITLE),
                                                          since=_silent_since(row, today))]
        lines.append(Concat(tuple(listed)))
        replies.append(Reply(tuple(lines)))
    if count > len(rows):  # the digest's rule: the first ones, the rest counted and in the spreadsheet
        more = plural("… and {count} more: /export sends a spreadsheet of every pledge with its last report.",
                      "… and {count} more: /export sends a spreadsheet of every pledge with its last report.",
                      count - len(rows))
        replies[-1] = Reply((*replies[-1].parts, more))
    return replies


def _silent_since(row: Any, today: date) -> Label:
    """When the pledge went silent: its last report's day ("last report 12 March 2024"), or its validation's."""
    last = as_day(row.last_report)
    return silent_since(last or as_day(row.validated_at) or today, last is not None)
