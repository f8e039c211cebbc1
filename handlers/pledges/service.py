"""The pledge journey: /pledge, resuming a draft, submitting, and telling staff."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from handlers import drafts, outbox
from handlers.conversation import Conversation, Journey, ask_again, begin
from handlers.forms.base import FormContext, FormState, Step
from handlers.forms.countries import places_label
from handlers.forms.engine import DEFAULT_GROUP, DEFAULTS, DEFAULTS_FROM, collected
from handlers.forms.steps import TextStep
from handlers.fulltext import long_fields
from handlers.inputs import Incoming
from handlers.lengths import shorten
from handlers.messages import N_, Button, Code, Concat, Items, Label, Line, Money, Reply, Text, plural, text
from handlers.people import audit, role_of, staff_contacts
from handlers.pledges.form import PLEDGE_FORM
from handlers.pledges.rules import answers_of, apply_answers, check_answers, derive_reach, pledge_ref
from handlers.reports.cadence import cadence_buttons
from handlers.vocabulary import PLEDGE_TYPE_LABELS, labeller
from models.repositories.contacts import Contacts
from models.repositories.entities import Entities
from models.repositories.pledges import Pledges
from models.tables import Contact, Entity, Pledge
from models.values import EntityStatus, PledgeStatus, Role

NAME_EXCERPT = 100
"""How much of an organisation's name (up to 200 characters) a pledge's card shows."""
EDITING = "$pledge_id"
"""Hidden answer of a draft that edits an existing pledge (changes requested) instead of creating one."""
CARRIED_OVER = ("countries", "beneficiary_groups", "sdgs", "wsis_action_lines")
"""What an organisation's next pledge is offered from its previous one, each with one tap or all four together."""


NOT_A_FOCAL_POINT: dict[Role | None, str] = {
    None: N_("Pledges are registered by the focal points of organisations. To register yours, send /start."),
    Role.coordinator: N_("Pledges are registered by the focal points of organisations; as a coordinator you follow "
                         "them with /mypledges and /digest."),
    Role.staff: N_("Pledges are registered by the focal points of organisations; as BDT staff you decide on them "
                   "(see /pending)."),
    Role.admin: N_("Pledges are registered by the focal points of organisations; as BDT staff you decide on them "
                   "(see /pending)."),
}
"""What /pledge says to someone who is not a focal point: what their own role can do instead."""


async def pledge_entity(conv: Conversation) -> Entity | None:
    """The validated entity for which this person may register pledges; otherwise says what to do."""
    contact = conv.contact
    role = role_of(contact)
    if role is not Role.focal_point or contact.entity_id is None:
        conv.say(Reply((Text(NOT_A_FOCAL_POINT.get(role, NOT_A_FOCAL_POINT[None])),)))
        return None
    entity = await Entities(conv.session).get(contact.entity_id)
    if entity is None or entity.status != EntityStatus.validated:
        conv.say(Reply((Text(N_("Your organisation is waiting for validation by BDT. You can register pledges "
                                "as soon as it is validated.")),)))
        return None
    return entity


async def pledge_command(conv: Conversation, incoming: Incoming) -> None:
    """/pledge: start a pledge, or offer to continue the one left half-way."""
    entity = await pledge_entity(conv)
    if entity is None:
        return
    assert conv.contact.id is not None
    draft = await drafts.find_draft(conv.session, conv.contact.id, PLEDGE_FORM.id)
    if draft is None:
        await begin(conv, PLEDGE, await carried_over(conv, entity))
        return
    conv.say(Reply((Text(N_("You have a pledge in progress. Continue where you left off, or start over?")),),
                   ((Button(Text(N_("▶️ Continue")), "pl:resume"), Button(Text(N_("🔄 Start over")), "pl:restart")),)))


async def pledge_button(conv: Conversation, code: str) -> None:
    """The answer to "continue or start over" (codes pl:resume and pl:restart)."""
    entity = await pledge_entity(conv)
    if entity is None:
        return
    assert conv.contact.id is not None
    draft = await drafts.find_draft(conv.session, conv.contact.id, PLEDGE_FORM.id)
    if code == "pl:restart" or draft is None:
        await begin(conv, PLEDGE, await carried_over(conv, entity))
    elif code == "pl:resume":
        draft.updated_at = conv.now
        await ask_again(conv, PLEDGE, draft)
    else:
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))


async def carried_over(conv: Conversation, entity: Entity) -> dict[str, object]:
    """Hidden answers offering the entity's latest pledge's countries, beneficiaries, SDGs and WSIS lines as
    one-tap defaults ("Same as P2C-2026-00004: Senegal, Mali"), each or all together."""
    latest = await Pledges(conv.session).of_entity(entity.id or 0, 1)
    if not latest or not latest[0].countries:
        return {}
    previous = answers_of(latest[0])
    return {DEFAULTS: {key: previous[key] for key in CARRIED_OVER}, DEFAULTS_FROM: latest[0].ref or "",
            DEFAULT_GROUP: list(CARRIED_OVER)}


async def finish_pledge(conv: Conversation, state: FormState) -> None:
    """Store the pledge as submitted (or resubmit an edited one), audit it, confirm, and tell staff."""
    entity = await pledge_entity(conv)
    if entity is None:
        return
    answers = collected(PLEDGE_FORM, state)
    # derived before an edited pledge changes: the query would otherwise flush it half-filled
    reach = await derive_reach(conv.session, list(answers["countries"]))
    editing = state.answers.get(EDITING)
    before: dict[str, object] | None = None
    if editing is not None:
        pledge = await Pledges(conv.session).get(int(editing), for_update=True)
        if pledge is None or pledge.entity_id != entity.id or pledge.status != PledgeStatus.changes_requested:
            conv.say(Reply((Text(N_("This pledge can no longer be edited.")),)))
            return
        before = answers_of(pledge)
        pledge.version += 1
    else:
        pledge = Pledge(entity_id=entity.id or 0, created_by=conv.contact.id, title="", description="",
                        focus_area="", pledge_type="", language=conv.locale, created_at=conv.now)
    apply_answers(pledge, answers)
    pledge.targets_ldc, pledge.targets_lldc, pledge.targets_sids = reach.ldc, reach.lldc, reach.sids
    pledge.itu_regions = reach.itu_regions
    pledge.status, pledge.submitted_at, pledge.updated_at = PledgeStatus.submitted, conv.now, conv.now
    pledges = Pledges(conv.session)
    if editing is None:
        await pledges.add(pledge)
        assert pledge.id is not None
        pledge.ref = pledge_ref(conv.now.year, pledge.id)
    await pledges.save(pledge)
    assert pledge.id is not None and pledge.ref is not None
    await audit(conv.session, conv.contact, "pledge.resubmitted" if editing else "pledge.submitted", "pledge",
                pledge.id, ref=pledge.ref, version=pledge.version)
    conv.say(Reply((text(N_("Thank you! Your pledge is submitted with the reference {ref}. BDT will review it and "
                            "I will tell you the outcome. See it any time with /mypledges."), ref=Code(pledge.ref)),)))
    changes = changed_fields(before, answers_of(pledge)) if before is not None else None
    await notify_staff_of_pledge(conv, pledge, entity, changes)


DIFF_EXCERPT = 100
"""How much of an old and a new text a resubmission's list of changes shows (the card shows the new one)."""
DIFF_ITEMS = 6
"""How many added and removed items of a list it names (the rest are counted)."""


def _same(step_id: str, old: object, new: object) -> bool:
    if step_id == "value_usd" and old is not None and new is not None:
        return Decimal(str(old)) == Decimal(str(new))  # 2500000 and 2500000.00 are one amount
    return (old or None) == (new or None)


def _some(step: Step, values: list[str], context: FormContext) -> Label:
    named: list[Label] = [step.show([value], context) for value in values[:DIFF_ITEMS]]
    if len(values) > DIFF_ITEMS:
        named.append(plural("{count} more", "{count} more", len(values) - DIFF_ITEMS))
    return Items(tuple(named))


def _difference(step: Step, old: object, new: object, context: FormContext) -> Label:
    if isinstance(old, list) or isinstance(new, list):  # what was added and what was removed, not both lists
        before = [str(v) for v in old] if isinstance(old, list) else []
        after = [str(v) for v in new] if isinstance(new, list) else []
        added, removed = [v for v in after if v not in before], [v for v in before if v not in after]
        pieces: list[Label] = []
        if added:
            pieces += ["+ ", _some(step, added, context)]
        if removed:
            pieces += ["  − " if added else "− ", _some(step, removed, context)]
        return Concat(tuple(pieces))
    shown = [shorten(str(value), DIFF_EXCERPT) if isinstance(value, str) and isinstance(step, TextStep)
             else step.show(value, context) if value not in (None, "") else "—" for value in (old, new)]
    return Concat((shown[0], " → ", shown[1]))


def changed_fields(before: Mapping[str, object], after: Mapping[str, object]) -> tuple[Label, ...]:
    """One line per field of the pledge form whose answer differs: its name, the old value and the new one (for a
    list, what was added and removed)."""
    context = FormContext("en", date.min)  # the labels are translated when the message is rendered
    return tuple(Line(Text(step.label), _difference(step, before.get(step.id), after.get(step.id), context))
                 for step in PLEDGE_FORM.steps if not _same(step.id, before.get(step.id), after.get(step.id)))


def pledge_card(pledge: Pledge, entity: Entity | None = None) -> list[Line]:
    """The main facts of a pledge, one line each."""
    lines = [Line(Text(N_("Reference")), Code(pledge.ref or "—"))]
    if entity is not None:
        lines.append(Line(Text(N_("Organisation")), shorten(entity.name, NAME_EXCERPT)))
    lines += [Line(Text(N_("Title")), pledge.title),
              Line(Text(N_("Type")), labeller(PLEDGE_TYPE_LABELS)(pledge.pledge_type))]
    if pledge.value_usd is not None:
        lines.append(Line(Text(N_("Value (USD)")), Money(pledge.value_usd)))
    lines.append(Line(Text(N_("Countries")), places_label(list(pledge.countries))))
    return lines


def staff_copy_key(pledge: Pledge) -> str:
    """The outbox key of the staff notification of the pledge's current version, before ":<staff member id>"."""
    return f"pledge:{pledge.id}:v{pledge.version}"


async def notify_staff_of_pledge(conv: Conversation, pledge: Pledge, entity: Entity,
                                 changes: tuple[Label, ...] | None = None) -> None:
    """Send the submitted pledge to every staff member with Validate / Request changes / Reject (for this version);
    a resubmission says, field by field, what changed since the staff's request."""
    message = review_notice(pledge, entity, changes=changes)
    for member in await staff_contacts(conv.session):
        await outbox.enqueue(conv.session, member, message, f"{staff_copy_key(pledge)}:{member.id}",
                             priority=outbox.NOTICE)


def review_notice(pledge: Pledge, entity: Entity, *, decision: bool = True,
                  changes: tuple[Label, ...] | None = None) -> Reply:
    """The staff notification of a submitted pledge, with its decision buttons (which carry the version shown)
    unless `decision` is False; `changes` (a resubmission's) are listed after the card."""
    message = pledge_notice(pledge, entity)
    parts = message.parts
    if changes is not None:
        if pledge.staff_comment:
            parts += (text(N_("Changes requested: {comment}"), comment=shorten(pledge.staff_comment)),)
        parts += ((Text(N_("Changed since the request for changes:")), *changes) if changes else
                  (Text(N_("Nothing was changed since the request for changes.")),))
    if not decision:
        return Reply(parts, message.buttons)
    seen = f"{pledge.id}:{pledge.version}"
    buttons = ((Button(Text(N_("✅ Validate")), f"pv:ok:{seen}"),
                Button(Text(N_("✏️ Request changes")), f"pv:chg:{seen}")),
               (Button(Text(N_("❌ Reject")), f"pv:rej:{seen}"),),
               cadence_buttons(pledge.id or 0))
    return Reply(parts, (*buttons, *message.buttons))


def pledge_notice(pledge: Pledge, entity: Entity) -> Reply:
    """What staff read of a submitted pledge: its card and description, shortened with a 📖 button to read it whole."""
    return Reply((Text(N_("A pledge was submitted for validation:")), *pledge_card(pledge, entity),
                  Line(Text(N_("Description")), shorten(pledge.description))),
                 tuple((button,) for button in long_fields(pledge, ("pd",))))


async def focal_points(conv: Conversation, entity_id: int) -> list[Contact]:
    """The reachable focal points of an entity."""
    return await Contacts(conv.session).focal_points_of(entity_id)


async def coordinators(conv: Conversation, entity_id: int) -> list[Contact]:
    """The reachable coordinators attached to an entity."""
    return await Contacts(conv.session).coordinators_of(entity_id)


PLEDGE = Journey(PLEDGE_FORM, finish_pledge, check_answers, may=lambda contact: role_of(contact) is Role.focal_point)
