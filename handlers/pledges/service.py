"""The pledge journey: /pledge, resuming a draft, submitting, and telling staff."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from handlers import buttons, drafts, outbox
from handlers.conversation import Conversation, Journey, begin, open_form, resume_form
from handlers.forms.base import FormState
from handlers.forms.countries import places_label
from handlers.forms.engine import DEFAULT_GROUP, DEFAULTS, DEFAULTS_FROM, collected
from handlers.inputs import Incoming
from handlers.lengths import LIST_TITLE, shorten
from handlers.messages import N_, Button, Code, Day, Label, Line, Money, Reply, Text, text
from handlers.onboarding import ONBOARDING, waiting_reply
from handlers.people import audit, name_of, role_of, staff_contacts
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
from handlers.settings import current_zone
from handlers.staff_notices import organisation_label, when_label
from handlers.vocabulary import PLEDGE_TYPE_LABELS, labeller
from models.repositories.audit import AuditTrail
from models.repositories.contacts import Contacts
from models.repositories.entities import Entities
from models.repositories.pledges import Pledges
from models.repositories.reminders import Reminders
from models.tables import Contact, Draft, Entity, Pledge
from models.values import EntityStatus, PledgeStatus, Role

EDITING = "$pledge_id"
"""Hidden answer of a draft that edits an existing pledge (changes requested) instead of creating one."""
EDITED_VERSION = "$edited_version"
"""Hidden answer of a pledge's edit: the version of the pledge it was opened on (a colleague's resubmission since is
told by the version, not by clocks: an audit row is dated before its transaction commits, on whichever instance)."""
UNCHANGED = "$unchanged_ok"
"""Hidden answer: the person was told their edit changes nothing, and may send it so."""
EVER = datetime(1970, 1, 1, tzinfo=UTC)
"""Before any audit row: every resubmission of a pledge is read, to pick those of versions after the one opened."""
CARRIED_OVER = ("countries", "beneficiary_groups", "sdgs", "wsis_action_lines")
"""What an organisation's next pledge is offered from its previous one, each with one tap or all four together."""


MEANWHILE = {PledgeStatus.submitted: RESUBMITTED, PledgeStatus.changes_requested: RESUBMITTED,
             PledgeStatus.withdrawn: "pledge.withdrawn", PledgeStatus.validated: "pledge.validated",
             PledgeStatus.rejected: "pledge.rejected"}
"""The audit action that says what became of a pledge, by its status, once an edit of it was sent too late."""
SAID_MEANWHILE = {
    PledgeStatus.submitted: N_("{person} sent changes to {ref} on {when}; it now waits for BDT's decision."),
    PledgeStatus.changes_requested: N_("{person} sent changes to {ref} on {when}, and BDT has since asked for "
                                       "changes again."),
    PledgeStatus.withdrawn: N_("{person} withdrew {ref} on {when}."),
    PledgeStatus.validated: N_("BDT validated {ref} on {when}."),
    PledgeStatus.rejected: N_("BDT rejected {ref} on {when}."),
}
"""What an edit sent too late says of the pledge ({person} acted on it, {when})."""


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
    if role is None and contact.id is not None and await drafts.find_draft(conv.session, contact.id, ONBOARDING.id):
        conv.say(Reply((Text(N_("Your organisation's registration is in progress. Finish it first: /start takes you "
                                "back to its questions. Once BDT has validated your organisation, you can register "
                                "pledges.")),)))
        return None
    if role is not Role.focal_point or contact.entity_id is None:
        conv.say(await waiting_reply(conv.session, contact)
                 or Reply((Text(NOT_A_FOCAL_POINT.get(role, NOT_A_FOCAL_POINT[None])),)))
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
    edited = await edited_pledge(conv, draft)
    question = Text(N_("You have a pledge in progress. Continue where you left off, or start over?")) \
        if edited is None else text(N_("You have changes to {ref} in progress, not sent yet. Continue them, or start "
                                       "a new pledge? A new pledge deletes those changes."), ref=Code(edited.ref or ""))
    conv.say(Reply((question,), continue_or_restart(draft)))


async def edited_pledge(conv: Conversation, draft: Draft) -> Pledge | None:
    """The pledge a pledge draft edits (changes requested), if it is an edit and the pledge is still there."""
    editing = FormState.from_json(draft.state).answers.get(EDITING)
    return await Pledges(conv.session).get(int(editing)) if editing is not None else None


async def start_pledge(conv: Conversation, entity: Entity) -> None:
    """Open a new pledge form, saying first that a form left open meanwhile is kept and how to go back to it."""
    await open_form(conv, PLEDGE, await carried_over(conv, entity))


def continue_or_restart(draft: Draft) -> tuple[tuple[Button, ...], ...]:
    """▶️ Continue and 🔄 Start over (for an edit, 🗑 Delete them and start a new pledge: what is lost is said); Start
    over names the draft as shown (its id and version), so that pressed later, once more answers were given, it asks
    again instead of deleting them."""
    editing = FormState.from_json(draft.state).answers.get(EDITING) is not None
    restart = N_("🗑 Delete them and start a new pledge") if editing else N_("🔄 Start over")
    return ((Button(Text(N_("▶️ Continue")), "pl:resume"),
             Button(Text(restart), f"pl:restart:{draft.id}:{draft.version}")),)


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
        edited = await edited_pledge(conv, draft)
        if edited is not None:  # the edit's changes go with its draft: said, not silently
            conv.say(Reply((text(N_("Your changes to {ref} are deleted; the pledge itself is unchanged."),
                                 ref=Code(edited.ref or "")),)))
        await start_pledge(conv, entity)
    else:  # an earlier message's button: answers may have been given since, and only a confirmation deletes them
        edited = await edited_pledge(conv, draft)
        question = Text(N_("That “Start over” button is from an earlier message. Start over and delete the answers of "
                           "your pledge in progress, or continue where you left off?")) if edited is None else \
            text(N_("That button is from an earlier message. Delete your changes to {ref} and start a new pledge, or "
                    "continue them?"), ref=Code(edited.ref or ""))
        conv.say(Reply((question,), continue_or_restart(draft)))


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
    reach = await derive_reach(conv.session, list(answers["countries"]), conv.now.date())
    editing = state.answers.get(EDITING)
    before: dict[str, object] | None = None
    if editing is not None:
        pledge = await Pledges(conv.session).get(int(editing), for_update=True)
        if pledge is None or pledge.entity_id != entity.id:
            conv.say(Reply((Text(N_("This pledge can no longer be edited.")),)))
            return
        opened, since = await edited_from(conv, pledge, state)
        if pledge.status != PledgeStatus.changes_requested or since:  # a colleague or BDT acted since it was opened
            await edited_meanwhile(conv, pledge, opened, answers)
            return
        before = answers_of(pledge)
        if not changed_ids(before, answers) and not state.answers.get(UNCHANGED):
            # nothing changed since BDT's request (a staff tester received the same version again, unasked): said,
            # and the summary shown again; a second Submit sends it as it is
            await begin(conv, PLEDGE, {**state.answers, UNCHANGED: True}, *state.heading, once=(Text(N_(
                "You changed nothing since BDT asked for changes. Change an answer with ✏️, or press ✅ Submit again "
                "to send the pledge as it is (tell BDT why with /ask).")),))
            return
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
    if editing is not None:  # BDT has its changes: its reminders that it waits for them go
        await Reminders(conv.session).drop_changes_reminders(pledge.id)
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


async def edited_from(conv: Conversation, pledge: Pledge, state: FormState) -> tuple[dict[str, Any], int]:
    """The answers of the version the finished edit was opened on, and how many versions colleagues sent since: the
    pledge as it is now, each resubmission of a version after the one opened undone (latest first). An edit saved
    before drafts recorded their version is dated instead (resubmissions audited after the draft was opened)."""
    assert pledge.id is not None
    opened = answers_of(pledge)
    version = state.answers.get(EDITED_VERSION)
    trail = AuditTrail(conv.session)
    if isinstance(version, int):
        if version >= pledge.version:
            return opened, 0
        every = await trail.entries_since("pledge", pledge.id, (RESUBMITTED,), EVER)
        since = [details for _, _, details in every if int(details.get("version") or 0) > version]
        sent = pledge.version - version
    elif conv.finished is not None:  # a draft saved before edits recorded their version
        since = [details for _, _, details in
                 await trail.entries_since("pledge", pledge.id, (RESUBMITTED,), conv.finished.created_at)]
        sent = len(since)
    else:
        return opened, 0
    for details in since:
        before = details.get("before")
        if isinstance(before, dict):
            opened.update(before)
    return opened, sent


async def edited_meanwhile(conv: Conversation, pledge: Pledge, opened: dict[str, Any],
                           answers: dict[str, Any]) -> None:
    """An edit sent after the pledge changed hands: says who did what and when, and keeps what the person changed.
    Asked for changes again, the pledge as it is now is opened with their changes applied, to check and submit;
    otherwise their changes are listed, field by field, to send to BDT with /ask. Nothing is sent unseen."""
    said = await what_happened(conv, pledge)
    changes = changed_ids(opened, answers)
    if not changes:
        conv.say(Reply((said, Text(N_("You had changed nothing, so nothing of yours is lost.")))))
    elif pledge.status == PledgeStatus.changes_requested:
        conv.say(Reply((said, Text(N_("Your changes were not sent, but they are kept: here is the pledge as it is "
                                      "now, with your changes applied. Check it, then submit.")))))
        await begin(conv, PLEDGE, {**answers_of(pledge), **{key: answers.get(key) for key in changes},
                                   EDITING: pledge.id, EDITED_VERSION: pledge.version})
    else:
        conv.say(Reply((said, Text(N_("Your changes were not sent. Here they are, to send to BDT with /ask if they "
                                      "are still needed:")), *changed_fields(opened, answers))))


async def what_happened(conv: Conversation, pledge: Pledge) -> Label:
    """What became of a pledge since an edit of it was opened, who did it and when (in the reader's time zone)."""
    assert pledge.id is not None
    action = MEANWHILE.get(PledgeStatus(pledge.status))
    entry = await AuditTrail(conv.session).last_entry("pledge", pledge.id, (action,)) if action else None
    if action is None or entry is None:
        return Text(N_("This pledge can no longer be edited."))
    actor = await Contacts(conv.session).get(entry[0]) if entry[0] is not None else None
    where = {"ref": Code(pledge.ref or ""), "when": when_label(entry[1], await current_zone(conv))}
    if pledge.status == PledgeStatus.withdrawn and actor is not None and actor.id == conv.contact.id:
        return text(N_("You withdrew {ref} on {when}."), **where)
    person = name_of(actor) if actor is not None else Text(N_("A colleague"))
    return text(SAID_MEANWHILE[PledgeStatus(pledge.status)], person=person, **where)


def pledge_card(pledge: Pledge, entity: Entity | None = None, *, for_staff: bool = False,
                submitted_by: Label | None = None) -> list[Line]:
    """The main facts of a pledge, one line each; `for_staff`: the organisation with its number, as every staff view
    shows it (organisation_label); `submitted_by`: who submitted it, after the organisation (as staff notices)."""
    lines = [Line(Text(N_("Reference")), Code(pledge.ref or "—"))]
    if entity is not None:
        lines.append(Line(Text(N_("Organisation")), organisation_label(entity, NAME_EXCERPT) if for_staff
                          else shorten(entity.name, NAME_EXCERPT)))
    if submitted_by is not None:
        lines.append(Line(Text(N_("Submitted by")), submitted_by))
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


async def cancel_said(conv: Conversation, state: FormState) -> Label | None:
    """A cancelled edit of a pledge returned for changes leaves the pledge as sent, still waiting for them (unless a
    colleague sent changes, or BDT decided, meanwhile)."""
    editing = state.answers.get(EDITING)
    if editing is None:
        return None
    pledge = await Pledges(conv.session).get(int(editing))
    if pledge is None or pledge.status != PledgeStatus.changes_requested:
        return Text(N_("Cancelled: your changes were not saved. The pledge no longer waits for changes: see where it "
                       "stands in /mypledges."))
    return Text(N_("Cancelled: your changes were not saved, and the pledge stays as you sent it. BDT still awaits "
                   "your changes: press ✏️ Edit the pledge in /mypledges when you are ready."))


PLEDGE = Journey(PLEDGE_FORM, finish_pledge, check_answers, may=lambda contact: role_of(contact) is Role.focal_point,
                 cancel_said=cancel_said)
