"""A focal point leaving an organisation, by /leave, /forget or a move to another one by invitation: its pledges
handed over, the invitations they made to it withdrawn, their forms about its pledges discarded."""

from __future__ import annotations

from handlers import drafts, outbox
from handlers.conversation import Conversation
from handlers.forms.base import FormState
from handlers.messages import N_, Button, Code, Label, Reply, Text, plural, text
from handlers.people import audit, name_of, staff_contacts
from handlers.staff_notices import organisation_label, person_for_staff
from models.database import Session
from models.repositories.invites import Invites
from models.repositories.people import People
from models.repositories.pledges import Pledges
from models.tables import Contact, Entity

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


async def hand_over(conv: Conversation, entity: Entity, *, named: bool) -> Contact | None:
    """Hand the pledges whose primary focal point is the person to the colleague seen most recently, telling them;
    with no colleague left, tell staff (with a button that makes an invitation). The unused invitations the person
    made to the entity stop working (audited). `named`: say who left (not when the person asked to be forgotten).
    The colleague chosen, if any."""
    assert conv.contact.id is not None and entity.id is not None
    people = People(conv.session)
    colleagues = await people.colleagues(entity.id, besides=conv.contact.id)
    successor = colleagues[0] if colleagues else None
    # pledges with no primary focal point are not counted: their reminders went, and still go, to every focal point
    count = await people.hand_over(entity.id, conv.contact.id, successor.id if successor else None)
    withdrawn = await Invites(conv.session).withdraw_made_by(conv.contact.id, entity.id, conv.now)
    if withdrawn:
        await audit(conv.session, conv.contact, "invite.withdrawn", "entity", entity.id, invitations=withdrawn)
    anonymous = Text(N_("a former focal point"))
    if successor is not None:
        await outbox.enqueue(conv.session, successor, successor_news(name_of(conv.contact) if named else anonymous,
                                                                     entity, count),
                             f"handover:{conv.update_key}:{successor.id}", priority=outbox.NOTICE)
        return successor
    await tell_staff_orphaned(conv.session, entity, person_for_staff(conv.contact) if named else anonymous,
                              str(conv.update_key))
    return None


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


def left_label(entity: Entity, successor: Contact | None) -> Label:
    """What the person who left is told: who the organisation's pledges go to now, or that BDT will find someone."""
    if successor is not None:
        return text(N_("You left “{entity}”. Its pledges now go to {colleague}, who has been told."),
                    entity=entity.name, colleague=name_of(successor))
    return text(N_("You left “{entity}”. It has no other focal point: BDT has been told and will find a new one."),
                entity=entity.name)
