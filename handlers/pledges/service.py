"""The pledge journey: /pledge, resuming a draft, submitting, and telling staff."""

from __future__ import annotations

from handlers import buttons, drafts, outbox
from handlers.conversation import Conversation, Journey, open_form, resume_form
from handlers.forms.base import FormState
from handlers.forms.countries import places_label
from handlers.forms.engine import DEFAULT_GROUP, DEFAULTS, DEFAULTS_FROM, collected
from handlers.inputs import Incoming
from handlers.lengths import LIST_TITLE, shorten
from handlers.messages import N_, Button, Code, Day, Label, Line, Money, Reply, Text, text
from handlers.people import audit, role_of, staff_contacts
from handlers.pledges.form import PLEDGE_FORM
from handlers.pledges.notices import (
    NAME_EXCERPT,
    RESUBMITTED,
    Resubmission,
    changed_fields,
    changed_ids,
    changes_copy_key,
    review_notices,
    staff_copy_key,
)
from handlers.pledges.rules import answers_of, apply_answers, check_answers, derive_reach, pledge_ref
from handlers.vocabulary import PLEDGE_TYPE_LABELS, labeller
from models.repositories.audit import AuditTrail
from models.repositories.contacts import Contacts
from models.repositories.entities import Entities
from models.repositories.pledges import Pledges
from models.tables import Contact, Draft, Entity, Pledge
from models.values import EntityStatus, PledgeStatus, Role

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
    if entity is not None and entity.status == EntityStatus.rejected:
        conv.say(Reply((text(N_("BDT did not validate your organisation “{entity}”, so it cannot register pledges. "
                                "To learn why, or if you think this is a mistake, ask BDT with /ask."),
                             entity=shorten(entity.name, NAME_EXCERPT)),)))
        return None
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
        await start_pledge(conv, entity)
        return
    if await drafts.elsewhere(conv.session, conv.contact.id, PLEDGE_FORM.id):
        # typed in the middle of another form: go on with the pledge, one question at a time (that form waits)
        await resume_form(conv, PLEDGE, draft, Text(N_("You started this earlier: here is where you left off. To "
                                                       "start afresh, press Cancel.")))
        return
    conv.say(Reply((Text(N_("You have a pledge in progress. Continue where you left off, or start over?")),),
                   continue_or_restart(draft)))


async def start_pledge(conv: Conversation, entity: Entity) -> None:
    """Open a new pledge form, saying first that a form left open meanwhile is kept and how to go back to it."""
    await open_form(conv, PLEDGE, await carried_over(conv, entity))


def continue_or_restart(draft: Draft) -> tuple[tuple[Button, ...], ...]:
    """▶️ Continue and 🔄 Start over; Start over names the draft as shown (its id and version), so that pressed
    later, once more answers were given, it asks again instead of deleting them."""
    return ((Button(Text(N_("▶️ Continue")), "pl:resume"),
             Button(Text(N_("🔄 Start over")), f"pl:restart:{draft.id}:{draft.version}")),)


async def pledge_button(conv: Conversation, code: str) -> None:
    """The answer to "continue or start over" (pl:resume, pl:restart:<draft id>:<version>; a bare pl:restart was
    sent before the draft's version was in the code)."""
    entity = await pledge_entity(conv)
    if entity is None:
        return
    assert conv.contact.id is not None
    parsed = buttons.parse(code)
    draft = await drafts.find_draft(conv.session, conv.contact.id, PLEDGE_FORM.id)
    if parsed is None or parsed.prefix != "pl":
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
    elif draft is None and parsed.verb == "resume":  # sent or cancelled since: a new pledge only when asked for
        conv.say(await nothing_to_continue(conv, entity))
    elif draft is None:
        await start_pledge(conv, entity)
    elif parsed.verb == "resume":
        await resume_form(conv, PLEDGE, draft)
    elif (parsed.id, parsed.version) == (draft.id, draft.version) or not answered(draft):
        await start_pledge(conv, entity)
    else:  # an earlier message's button: answers may have been given since, and only a confirmation deletes them
        conv.say(Reply((Text(N_("That “Start over” button is from an earlier message. Start over and delete the "
                                "answers of your pledge in progress, or continue where you left off?")),),
                       continue_or_restart(draft)))


async def nothing_to_continue(conv: Conversation, entity: Entity) -> Reply:
    """What ▶️ Continue says once the pledge it continued is no longer in progress: the person's latest pledge
    (submitted, or resubmitted after changes), where to see it, and a button to register another."""
    assert conv.contact.id is not None
    another = ((Button(Text(N_("📝 Register another pledge")), "pl:restart"),),)
    last = await AuditTrail(conv.session).last_of_actor(conv.contact.id, ("pledge.submitted", RESUBMITTED))
    pledge = await Pledges(conv.session).get(last[1]) if last is not None and last[1] is not None else None
    if pledge is None or pledge.entity_id != entity.id or pledge.submitted_at is None:
        return Reply((Text(N_("There is no pledge in progress to continue. See your pledges with /mypledges, or "
                              "register another.")),), another)
    return Reply((text(N_("There is no pledge in progress to continue: your latest pledge, {ref} “{title}”, was "
                          "submitted on {date}. See it with /mypledges, or register another."),
                       ref=Code(pledge.ref or ""), title=shorten(pledge.title, LIST_TITLE),
                       date=Day(pledge.submitted_at.date())),), another)


def answered(draft: Draft) -> bool:
    """True when the draft holds an answer the person gave (not only what was offered to them)."""
    answers = FormState.from_json(draft.state).answers
    return any(answers.get(step.id) is not None for step in PLEDGE_FORM.steps)


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
    after = answers_of(pledge)
    if before is None:
        await audit(conv.session, conv.contact, "pledge.submitted", "pledge", pledge.id, ref=pledge.ref,
                    version=pledge.version)
    else:  # the request answered and each changed answer's old value: the notice shown again lists them too
        await audit(conv.session, conv.contact, RESUBMITTED, "pledge", pledge.id, ref=pledge.ref,
                    version=pledge.version, request=pledge.staff_comment,
                    before={key: before.get(key) for key in changed_ids(before, after)})
    conv.say(Reply((text(N_("Thank you! Your pledge is submitted with the reference {ref}. BDT will review it and "
                            "I will tell you the outcome. See it any time with /mypledges."), ref=Code(pledge.ref)),)))
    changes = Resubmission(pledge.staff_comment, changed_fields(before, after)) if before is not None else None
    await notify_staff_of_pledge(conv, pledge, entity, changes)


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


async def notify_staff_of_pledge(conv: Conversation, pledge: Pledge, entity: Entity,
                                 resubmission: Resubmission | None = None) -> None:
    """Send the submitted pledge to every staff member with Validate / Request changes / Reject (for this version);
    a resubmission's changes, field by field since the staff's request, come just before it."""
    messages = review_notices(pledge, entity, conv.contact, resubmission)
    keys = (*((changes_copy_key(pledge),) if resubmission is not None else ()), staff_copy_key(pledge))
    for member in await staff_contacts(conv.session):
        for message, key in zip(messages, keys, strict=True):
            await outbox.enqueue(conv.session, member, message, f"{key}:{member.id}", priority=outbox.NOTICE)


async def focal_points(conv: Conversation, entity_id: int) -> list[Contact]:
    """The reachable focal points of an entity."""
    return await Contacts(conv.session).focal_points_of(entity_id)


async def nobody_told(conv: Conversation, entity_id: int, done: Label) -> Reply:
    """What a staff member reads after a decision that no focal point of the entity could hear of (it has none, or
    none the bot can reach): `done`, then who to invite and how, with the button that makes the invitation."""
    entity = await Entities(conv.session).get(entity_id)
    name = shorten(entity.name, NAME_EXCERPT) if entity is not None else "—"
    return Reply((done, text(N_("Nobody could be told: “{entity}” has no focal point the bot can reach. Invite one "
                                "with the button, or with /invite {number}; they will find it in /mypledges."),
                             entity=name, number=Code(str(entity_id)))),
                 ((Button(Text(N_("✉️ Invitation for a new focal point")), f"lv:inv:{entity_id}"),),))


async def coordinators(conv: Conversation, entity_id: int) -> list[Contact]:
    """The reachable coordinators attached to an entity."""
    return await Contacts(conv.session).coordinators_of(entity_id)


PLEDGE = Journey(PLEDGE_FORM, finish_pledge, check_answers, may=lambda contact: role_of(contact) is Role.focal_point)
