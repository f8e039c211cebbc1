"""A focal point leaving an organisation, by /leave, /forget or a move to another one by invitation: its pledges
handed over, the invitations they made to it withdrawn, their forms about its pledges discarded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers import drafts, outbox
from handlers.conversation import Conversation
from handlers.forms.base import FormState
from handlers.invites import may_still_issue
from handlers.messages import N_, Button, Code, Label, Reply, Text, plural, text
from handlers.people import audit, name_of, role_of, staff_contacts
from handlers.report_reminders import hand_on
from handlers.staff_notices import organisation_label, person_for_staff, told_apart
from models.database import Session
from models.repositories.audit import AuditTrail
from models.repositories.contacts import Contacts
from models.repositories.invites import Invites
from models.repositories.people import People
from models.repositories.pledges import Pledges
from models.repositories.reminders import Reminders
from models.tables import Contact, Entity, Invite, Pledge
from models.values import PledgeStatus, Role

ORGANISATION_FORMS = ("pledge", "report")
"""The forms about an organisation's pledges (a new pledge or its changes, a progress report): a person who leaves
it can no longer send them, so leaving discards them (and /leave says so first)."""


async def discard_organisation_forms(conv: Conversation) -> None:
    """Discard the person's forms about their organisation's pledges: no longer theirs to send."""
    assert conv.contact.id is not None
    for form_id in ORGANISATION_FORMS:
        await drafts.discard(conv.session, conv.contact.id, form_id)


async def in_progress(conv: Conversation) -> tuple[Label, ...]:
    """What leaving would discard, said before /leave and before a move by invitation: a line for each of the
    person's forms about the organisation's pledges."""
    assert conv.contact.id is not None
    lines: list[Label] = []
    for form_id in ORGANISATION_FORMS:
        draft = await drafts.find_draft(conv.session, conv.contact.id, form_id)
        if draft is None:
            continue
        pledge_id = FormState.from_json(draft.state).answers.get("$pledge_id")  # the report's, or the one edited
        pledge = await Pledges(conv.session).get(int(pledge_id)) \
            if isinstance(pledge_id, int) or (isinstance(pledge_id, str) and pledge_id.isdigit()) else None
        named: Label = Code(pledge.ref) if pledge is not None and pledge.ref else pledge.title if pledge else "…"
        if form_id == "report":
            lines.append(text(N_("Your report on {pledge} in progress will be discarded: send it first if BDT should "
                                 "receive it."), pledge=named))
        elif pledge is not None:
            lines.append(text(N_("Your changes to {pledge} in progress will be discarded: send them first if BDT "
                                 "should receive them."), pledge=named))
        else:
            lines.append(Text(N_("The pledge you are registering will be discarded: send it first if BDT should "
                                 "receive it.")))
    return tuple(lines)


async def hand_over(conv: Conversation, entity: Entity, *, named: bool) -> Departure:
    """leave_focal_points for the person of the conversation (/leave, /forget, a move by invitation)."""
    return await leave_focal_points(conv.session, conv.contact, entity, conv.now, str(conv.update_key),
                                    named=named, default_zone=conv.deps.timezone)


ENDED = frozenset({PledgeStatus.completed, PledgeStatus.withdrawn, PledgeStatus.rejected})
"""Pledges no reminder is about any more."""


@dataclass(frozen=True)
class Departure:
    """What a focal point's departure did: the colleague the pledges went to (None: staff were told), how many
    invitations the person made to the organisation stopped working, and how many pledges the person was the first
    focal point of (handed to the successor)."""

    successor: Contact | None
    withdrawn: int
    handed: int = 0


async def leave_focal_points(session: Session, contact: Contact, entity: Entity, now: datetime, key: str, *,
                             named: bool = True, via: str | None = None, default_zone: str = "UTC") -> Departure:
    """The one rule by which a person stops being a focal point of an organisation, whatever removes them (/leave,
    /forget, a move by invitation, `p2c-bot admin grant` of another role or `admin revoke`): the pledges whose
    primary focal point they were go to the colleague seen most recently, who is told; with no colleague left, staff
    are told (but the person, if made staff), with a button that makes an invitation. The unused invitations they
    made to the organisation stop working (audited `invite.withdrawn`), their reminders not sent yet go, and the
    successor is given the reminders they alone were given (report_reminders.hand_on, in `default_zone` for a
    successor of no known zone), and the departure is audited (`entity.left`, with the successor; `via` the command
    line). `named`: say who left (not when the person asked to be forgotten); `key` tells this departure's notices
    apart in the outbox."""
    assert contact.id is not None and entity.id is not None
    people = People(session)
    colleagues = await people.colleagues(entity.id, besides=contact.id)
    successor = colleagues[0] if colleagues else None
    # pledges with no primary focal point are not counted: their reminders went, and still go, to every focal point
    handed = await people.hand_over(entity.id, contact.id, successor.id if successor else None)
    count = len(handed)
    # the pledges first (People.hand_over locks them), then the reminders' rows: a report's order
    pledges = [pledge for pledge_id in handed if (pledge := await session.get(Pledge, pledge_id)) is not None]
    await hand_on(Reminders(session), contact.id, pledges, successor.id if successor else None, now, default_zone)
    # the successor hears of the pledges that will still remind someone: not a completed, withdrawn or rejected one
    # (a tester read "the reminders of 2 pledges" of which one was completed)
    reminding = sum(pledge.status not in ENDED for pledge in pledges)
    how = {"via": via} if via is not None else {}
    withdrawn = await Invites(session).withdraw_made_by(contact.id, entity.id, now)
    if withdrawn:
        await audit(session, contact, "invite.withdrawn", "entity", entity.id, invitations=withdrawn, reason="left",
                    **how)
    await audit(session, contact, "entity.left", "entity", entity.id, successor=successor.id if successor else None,
                **how)
    anonymous = Text(N_("a former focal point"))
    if successor is not None:
        # told apart from a colleague of the same name (the successor too) by @username, as /reassign's notice
        focal_points = [member for member in await Contacts(session).members_of(entity.id)
                        if role_of(member) is Role.focal_point]
        who = told_apart(contact, focal_points) if named else anonymous
        await outbox.enqueue(session, successor, successor_news(who, entity, reminding),
                             f"handover:{key}:{successor.id}", priority=outbox.NOTICE)
    else:
        await tell_staff_orphaned(session, entity, person_for_staff(contact) if named else anonymous, key,
                                  besides=contact.id)
    return Departure(successor, withdrawn, count)


async def withdraw_unissuable(session: Session, contact: Contact, actor: Contact | None, now: datetime, reason: str,
                              **details: object) -> list[int]:
    """Close, in the transaction that changes the person's role, the open invitations they made that their role now
    no longer lets them make (handlers.invites.may_still_issue): a revoked staff member's, a focal point's made a
    coordinator. They stop being open invitations when the role goes, not only when someone opens one; audited
    `invite.withdrawn` on the person with the invitations' ids and the `reason` (role.revoked, role.changed), which
    tells the person opening one why it no longer works (withdrawn_by_role). The ids withdrawn."""
    assert contact.id is not None
    invites = Invites(session)
    ids = [invite.id for invite in await invites.open_made_by(contact.id, now)
           if invite.id is not None and not may_still_issue(invite, contact)]
    if ids and await invites.withdraw(ids, now):
        await audit(session, actor, "invite.withdrawn", "contact", contact.id, invitations=ids, reason=reason,
                    **details)
    return ids


async def withdrawn_by_role(session: Session, invite: Invite) -> bool:
    """True when the invitation was withdrawn because its maker's role was revoked or changed (withdraw_unissuable),
    not because they left the organisation."""
    if invite.created_by is None or invite.id is None:
        return False
    details = await AuditTrail(session).last_details("contact", invite.created_by, "invite.withdrawn")
    ids = details.get("invitations") if details is not None else None
    return isinstance(ids, list) and invite.id in ids


ORPHANED = N_("{entity} has no focal point left: {person} left it. Invite a new one with the button, or with "
              "/invite {number}.")


async def tell_staff_orphaned(session: Session, entity: Entity, who: Label, key: str,
                              besides: int | None = None) -> None:
    """Tell staff (but the contact `besides`: the person who left, made staff) that the organisation has no focal
    point left and who left it, with its number and a button that makes an invitation for a new one; `key` tells
    this departure's notices apart in the outbox."""
    assert entity.id is not None
    notice = Reply((text(ORPHANED, entity=organisation_label(entity), person=who, number=Code(str(entity.id))),),
                   ((Button(Text(N_("✉️ Invitation for a new focal point")), f"lv:inv:{entity.id}"),),))
    for member in await staff_contacts(session):
        if member.id != besides:
            await outbox.enqueue(session, member, notice, f"staff:orphan:{key}:{member.id}", priority=outbox.NOTICE)


def successor_news(who: Label, entity: Entity, count: int) -> Reply:
    """What the colleague an organisation's pledges go to is told when a focal point leaves it: who left, and how many
    of its pledges now remind them first."""
    handed = (plural("The reminders of {count} pledge of it now come to you first.",
                     "The reminders of {count} pledges of it now come to you first.", count),) if count else ()
    return Reply((text(N_("{person} left “{entity}”."), person=who, entity=entity.name), *handed))


def left_label(entity: Entity, departure: Departure) -> Label:
    """What the person who left is told: who the organisation's pledges in their charge go to now (none: nothing
    changed hands; a tester was told pledges "now go to" a colleague when there were none), or that BDT will find
    someone."""
    successor = departure.successor
    if successor is not None and not departure.handed:
        return text(N_("You left “{entity}”. None of its pledges was in your charge: nothing changed hands."),
                    entity=entity.name)
    if successor is not None:
        return text(N_("You left “{entity}”. Its pledges now go to {colleague}, who has been told."),
                    entity=entity.name, colleague=name_of(successor))
    return text(N_("You left “{entity}”. It has no other focal point: BDT has been told and will find a new one."),
                entity=entity.name)
