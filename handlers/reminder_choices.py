"""What a person does with a report reminder ("remind me in 3 days", "not my pledge any more"), and /inactive."""

from __future__ import annotations

from datetime import timedelta

from handlers import buttons, outbox
from handlers.conversation import Conversation
from handlers.entities import is_staff, refuse
from handlers.inputs import Incoming
from handlers.messages import N_, Code, Concat, Day, Label, Reply, Text, plural, text
from handlers.people import audit, role_of, staff_contacts
from handlers.report_reminders import withdraw_stale
from handlers.settings import current_zone
from models.reporting import INACTIVE_AFTER_MONTHS, add_months, as_day
from models.repositories.reminders import LATER, NOT_MINE, Reminders
from models.tables import Entity, Pledge
from models.values import Role
from models.working_hours import local_day, next_allowed

SNOOZE = timedelta(days=3)
INACTIVE_LISTED = 30


async def reminder_button(conv: Conversation, data: str) -> None:
    """Buttons of a reminder: rm:later:<pledge id> and rm:notmine:<pledge id> (parsed strictly)."""
    parsed = buttons.parse(data)
    if parsed is None or parsed.prefix != "rm" or parsed.verb not in ("later", "notmine") or parsed.id is None:
        await buttons.refuse_malformed(conv, data)
        return
    pledge = await conv.session.get(Pledge, parsed.id)
    contact = conv.contact
    if (pledge is None or role_of(contact) is not Role.focal_point or contact.entity_id is None
            or pledge.entity_id != contact.entity_id or contact.id is None):
        await refuse(conv, f"reminder.{parsed.verb}", "pledge", parsed.id)
        return
    repo = Reminders(conv.session)
    ref = Code(pledge.ref or "")
    if await repo.hold_of(contact.id, parsed.id) == NOT_MINE:
        conv.say(Reply((text(N_("You told us {ref} is not your pledge any more: you get no reminders for it."),
                             ref=ref),)))
        return
    if parsed.verb == "later":
        zone = await current_zone(conv)
        until = conv.now + SNOOZE
        await repo.hold(contact.id, parsed.id, LATER, until, conv.now)
        await withdraw_stale(repo, conv.now, await repo.pending(contact_id=contact.id))
        when = local_day(next_allowed(until, zone), zone)
        conv.say(Reply((text(N_("All right: I will remind you about {ref} again on {date}."), ref=ref,
                             date=Day(when)),)))
        return
    await repo.hold(contact.id, parsed.id, NOT_MINE, None, conv.now)
    await withdraw_stale(repo, conv.now, await repo.pending(contact_id=contact.id))
    await audit(conv.session, contact, "reminder.not_mine", "pledge", pledge.id, ref=pledge.ref)
    conv.say(Reply((text(N_("Noted: no more reminders about {ref} for you. BDT staff are told, so that they can "
                            "find who follows it now."), ref=ref),)))
    entity = await conv.session.get(Entity, pledge.entity_id)
    who = " ".join(part for part in (contact.full_name or contact.first_name, f"({entity.name})" if entity else "")
                   if part)
    notice = Reply((text(N_("{person} says {ref} “{title}” is not their pledge any more. They get no more reminders "
                            "for it; please find who follows it now."), person=who, ref=ref, title=pledge.title),))
    for member in await staff_contacts(conv.session):
        await outbox.enqueue(conv.session, member, notice, f"notmine:{pledge.id}:{contact.id}:{member.id}",
                             priority=outbox.NOTICE)


async def inactive_command(conv: Conversation, incoming: Incoming | None = None) -> None:
    """/inactive (staff): validated pledges with no report for 24 months, the longest silent first."""
    if not is_staff(conv):
        await refuse(conv, "pledge.inactive")
        return
    cutoff = add_months(conv.now.date(), -INACTIVE_AFTER_MONTHS)
    moment = conv.now.replace(year=cutoff.year, month=cutoff.month, day=cutoff.day)
    count, rows = await Reminders(conv.session).inactive(moment, INACTIVE_LISTED)
    if not count:
        conv.say(Reply((Text(N_("No validated pledge has gone 24 months without a report.")),)))
        return
    lines: list[Label] = [plural("{count} validated pledge has had no report for 24 months (no more reminders "
                                 "go to it):",
                                 "{count} validated pledges have had no report for 24 months (no more reminders go to "
                                 "them):", count)]
    listed: list[Label] = []
    for row in rows:
        last = as_day(row.last_report)
        since = (text(N_("last report {date}"), date=Day(last)) if last is not None
                 else text(N_("no report since validation on {date}"), date=Day(as_day(row.validated_at)
                                                                              or conv.now.date())))
        listed += ["\n" if listed else "", "• ", Code(row.ref or str(row.id)), " “", row.title, "” — ", row.name,
                   " — ", since]
    lines.append(Concat(tuple(listed)))
    if count > len(rows):
        lines.append(plural("… and {count} more.", "… and {count} more.", count - len(rows)))
    conv.say(Reply(tuple(lines)))
