"""A pledge found by its reference ("P2C-2025-00001") sent as a message, or with /find: staff see it whole, with how
it reports and the buttons that set how often; a member of its organisation sees it as /mypledges shows it, and a
coordinator whose scope holds it published sees it the same, without the buttons that change it.

The references are in every list staff read (/pending, /inactive, the digests, the notices): pasting one back is how
staff bring up a pledge validated long ago, or by a colleague, to change its reporting cadence (the notice of its
validation, which has those buttons, is far up the chat or in someone else's).
"""

from __future__ import annotations

from handlers.conversation import Conversation
from handlers.entities import is_staff
from handlers.inputs import Incoming
from handlers.messages import N_, Code, Reply, Text, text
from handlers.people import role_of
from handlers.pledges.listing import pledge_details
from handlers.pledges.notices import decision_buttons, staff_copy_key, submitter_of
from handlers.readers import in_coordinators_scope, is_own
from handlers.references import NOT_SHOWN, found_reference, number_alone
from handlers.reports.cadence import OPEN_FOR_CADENCE, cadence_buttons
from handlers.staff_notices import person_for_staff
from handlers.vocabulary import status_label
from models.repositories.pledges import Pledges
from models.tables import Pledge
from models.values import MEMBER_ROLES, PledgeStatus, Role


async def show_by_reference(conv: Conversation, ref: str | None, *, named: str | None = None) -> bool:
    """Answer a pledge's reference: the pledge to staff, to a member of its organisation, and to a coordinator whose
    scope holds it published (read-only, handlers.readers); to any other member, that it is none of their pledges
    (the same words whether it exists or not: a pledge not published is nobody else's to know of), naming it as
    `named` when given (what they typed: a pledge's number found its reference, which is not theirs to learn; None
    for a number that names no pledge). False for someone with no role: the message is then answered as any
    other."""
    staff = is_staff(conv)
    role = role_of(conv.contact)
    if not staff and role not in MEMBER_ROLES:
        return False
    pledge = await Pledges(conv.session).by_ref(ref) if ref is not None else None
    if pledge is None and staff and ref is not None:
        conv.say(Reply((text(N_("No pledge has the reference {ref}."), ref=Code(ref)),)))
        return True
    if pledge is not None and staff:  # with decision buttons, a copy of the staff notification: closed like it
        waits = pledge.status == PledgeStatus.submitted
        conv.say(await staff_view(conv, pledge), copy_of=staff_copy_key(pledge) if waits else None)
        return True
    if pledge is not None and is_own(conv, pledge):
        conv.say(await pledge_details(conv, pledge))
        return True
    if pledge is not None and await in_coordinators_scope(conv, pledge):  # another organisation's: read only
        conv.say(await pledge_details(conv, pledge, listed=False))
        return True
    if pledge is not None and await in_coordinators_scope(conv, pledge, listed=True):
        # a row of their spreadsheet, not published: its status, not "neither … nor a pledge of your scope" (a tester)
        conv.say(Reply((text(N_("{ref} is a pledge of your scope that is not published: {status}. Only published "
                                "pledges are shown here in full; /export lists every pledge of your scope."),
                             ref=Code(pledge.ref or ""), status=status_label(pledge.status)),)))
        return True
    conv.say(Reply((text(NOT_SHOWN[Role.coordinator if role is Role.coordinator else Role.focal_point],
                         ref=Code(named or ref or "")),)))
    return True


UNVALIDATED = frozenset({PledgeStatus.submitted, PledgeStatus.changes_requested})
"""The statuses of a pledge BDT has not validated yet: waiting for a decision, or for its organisation's changes."""

async def staff_view(conv: Conversation, pledge: Pledge) -> Reply:
    """The pledge in full for staff: its answers, how often it reports and what is due, its report history; the
    decision buttons while it waits for validation, and the buttons that set how often it reports."""
    assert pledge.id is not None
    # who submitted a pledge not yet validated, as its notification says: whom staff ask, or must not be (their own)
    submitter = await submitter_of(conv.session, pledge) if pledge.status in UNVALIDATED else None
    details = await pledge_details(conv, pledge, listed=False,
                                   submitted_by=person_for_staff(submitter) if submitter is not None else None)
    buttons = details.buttons
    if pledge.status == PledgeStatus.submitted:
        buttons = (*decision_buttons(pledge), *buttons)
    if pledge.status in OPEN_FOR_CADENCE:
        buttons = (*buttons, cadence_buttons(pledge))
    return Reply(details.parts, buttons)


async def find_command(conv: Conversation, incoming: Incoming) -> None:
    """/find REF: the pledge with this reference (show_by_reference says who may see it); short forms are read."""
    argument = (incoming.argument or "").strip()
    ref = await found_reference(conv, argument)
    named = argument if number_alone(argument) and not is_staff(conv) else None
    if (ref is not None or named is not None) and await show_by_reference(conv, ref, named=named):
        return
    conv.say(Reply((Text(N_("Send /find with a pledge's reference, for example /find P2C-2025-00001: staff see "
                            "any pledge, a member of an organisation sees its own, and a coordinator the published "
                            "pledges of their scope.")),)))
