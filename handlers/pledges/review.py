"""Staff review of submitted pledges: validate, request changes (with a comment), or reject (with a reason)."""

from __future__ import annotations

from handlers import buttons, outbox
from handlers.conversation import Conversation, Journey, begin
from handlers.entities import is_staff, is_staff_contact, refuse, refuse_own
from handlers.forms.base import FormState
from handlers.forms.comments import COMMENT, comment_form, readers_note
from handlers.messages import N_, Button, Code, Label, Line, Reply, Text, text
from handlers.people import acted_last, audit, decided_by, staff_member
from handlers.pledges.notices import review_notice, shown_again, staff_copy_key, submitter_of
from handlers.pledges.service import coordinators, focal_points, nobody_told
from handlers.reports.cadence import cadence_buttons, cadence_news
from handlers.reports.cards import next_due_label
from handlers.reports.rules import due_of
from handlers.staff_notices import close_staff_copies, person_for_staff
from handlers.vocabulary import status_label
from models.repositories.entities import Entities
from models.repositories.pledges import Pledges
from models.tables import Pledge
from models.values import PLEDGE_TRANSITIONS, PledgeStatus, ReportingCadence

DECISIONS = frozenset(f"pledge.{verdict.value}" for verdict in (
    PledgeStatus.validated, PledgeStatus.changes_requested, PledgeStatus.rejected, PledgeStatus.withdrawn))
"""The audit actions that decide a submitted pledge (a focal point's withdrawal included)."""

VERDICTS = {"ok": PledgeStatus.validated, "chg": PledgeStatus.changes_requested, "rej": PledgeStatus.rejected}

REVIEW_FORM = comment_form("review", N_("Pledge review"),
                           N_("Write the comment for the focal point (it is sent as you write it)."))

REJECTED_NEXT = N_("What you can do now: ask BDT about this decision with /ask, or register a new pledge with /pledge.")
"""What a focal point can do about a rejected pledge (its notice and its card in /mypledges say it)."""

CONFIRMATIONS = {
    PledgeStatus.validated: N_("Done: {ref} is validated. Its focal points have been told."),
    PledgeStatus.changes_requested: N_("Done: you asked for changes to {ref}. Its focal points have been told."),
    PledgeStatus.rejected: N_("Done: {ref} is rejected. Its focal points have been told."),
}
"""What the staff member who decided reads: one message per decision, grammatical in every language."""

UNTOLD = {
    PledgeStatus.validated: N_("Done: {ref} is validated."),
    PledgeStatus.changes_requested: N_("Done: you asked for changes to {ref}."),
    PledgeStatus.rejected: N_("Done: {ref} is rejected."),
}
"""The same, when the pledge's organisation has no focal point to tell (what to do about it follows)."""

ALREADY = {
    PledgeStatus.validated: N_("{person} already validated {ref}. Nothing of yours was applied or sent."),
    PledgeStatus.changes_requested: N_("{person} already asked for changes to {ref}. Nothing of yours was applied "
                                       "or sent."),
    PledgeStatus.rejected: N_("{person} already rejected {ref}. Nothing of yours was applied or sent."),
    PledgeStatus.withdrawn: N_("{person} withdrew {ref}. Nothing of yours was applied or sent."),
}

FOOTERS = {
    PledgeStatus.validated: N_("✅ Validated by {person} on {when}."),
    PledgeStatus.changes_requested: N_("✏️ Changes requested by {person} on {when}."),
    PledgeStatus.rejected: N_("❌ Rejected by {person} on {when}."),
    PledgeStatus.withdrawn: N_("↩️ Withdrawn by {person} on {when}."),
}
"""The line a decided notification ends with, in every staff member's copy."""


def parse_code(code: str) -> tuple[PledgeStatus, int, int] | None:
    """(verdict, pledge id, version shown) from an untrusted button code ("pv:<verdict>:<id>[:<version>]"; a code
    sent before versions were written in it was shown with version 1, or with a version staff must see again)."""
    parsed = buttons.parse(code)
    if parsed is None or parsed.prefix != "pv" or parsed.id is None:
        return None
    return VERDICTS[parsed.verb], parsed.id, parsed.version or 1


async def review_button(conv: Conversation, code: str) -> None:
    """A staff decision button on a submitted pledge (pv:ok|chg|rej:<id>:<version>); staff only. The decision
    applies to the version the notification showed, or not at all."""
    parsed = parse_code(code)
    if not is_staff(conv):
        await refuse(conv, "pledge.review", "pledge", parsed[1] if parsed else None)
        return
    pledge = await Pledges(conv.session).get(parsed[1]) if parsed else None
    if parsed is None or pledge is None:
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return
    verdict, _, version = parsed
    seen = (PledgeStatus.submitted.value, version)  # decision buttons are only ever shown on a submitted version
    if (pledge.status, pledge.version) != seen:
        await already_decided(conv, pledge, seen)
        return
    if await _submitted_by_them(conv, pledge):
        return
    if verdict is PledgeStatus.validated:
        await decide(conv, pledge, seen, verdict, None)
        return
    question = {PledgeStatus.changes_requested: N_("What should the focal point change in {ref}?"),
                PledgeStatus.rejected: N_("Why is {ref} rejected? The focal point will read your reason.")}[verdict]
    # what the staff member saw when they chose: the decision applies to that, or not at all
    await begin(conv, REVIEW, {"$pledge_id": pledge.id, "$verdict": verdict.value, "$status": seen[0],
                               "$version": version},
                text(question, ref=Code(pledge.ref or "")),
                once=readers_note(await focal_points(conv, pledge.entity_id), conv.deps.default_locale))


async def finish_review(conv: Conversation, state: FormState) -> None:
    """Apply a decision that needed a comment, once the comment is written."""
    if not is_staff(conv):
        await refuse(conv, "pledge.review", "pledge", state.answers.get("$pledge_id"))
        return
    pledge = await Pledges(conv.session).get(int(state.answers["$pledge_id"]))
    verdict = PledgeStatus(state.answers["$verdict"])
    if pledge is None:
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return
    seen = (str(state.answers.get("$status", PledgeStatus.submitted)),
            int(state.answers.get("$version", pledge.version)))
    if await _submitted_by_them(conv, pledge):
        return
    await decide(conv, pledge, seen, verdict, state.answers[COMMENT])


async def _submitted_by_them(conv: Conversation, pledge: Pledge) -> bool:
    """True (and the staff member refused) when they wrote the pledge or submitted its current version."""
    submitter = await submitter_of(conv.session, pledge)
    if conv.contact.id not in (pledge.created_by, submitter.id if submitter is not None else None):
        return False
    await refuse_own(conv, "pledge.review", "pledge", pledge.id,
                     text(N_("You submitted {ref} yourself."), ref=Code(pledge.ref or "")))
    return True


async def already_decided(conv: Conversation, pledge: Pledge, seen: tuple[str, int] | None = None) -> None:
    """Tell a staff member that someone else decided the pledge first, and who; or, when its focal point changed it
    since the version they saw, show them the new version to decide on."""
    assert pledge.id is not None
    ref = Code(pledge.ref or "")
    if seen is not None and pledge.status == PledgeStatus.submitted and pledge.version != seen[1]:
        conv.say(Reply((text(N_("{ref} changed since the version you saw: nothing of yours was applied or sent. "
                                "Here is the new version."), ref=ref),)))
        entity = await Entities(conv.session).get(pledge.entity_id)
        if entity is not None:
            for message, copy_of in await shown_again(conv.session, pledge, entity):
                conv.say(message, copy_of=copy_of)
        return
    status = PledgeStatus(pledge.status)
    if status is PledgeStatus.withdrawn:  # by one of its focal points: named as staff name people
        actor = await acted_last(conv.session, "pledge", pledge.id, (f"pledge.{status.value}",))
        said = text(ALREADY[status], ref=ref, person=person_for_staff(actor)) if actor is not None else \
            text(N_("{ref} was withdrawn by its focal point. Nothing of yours was applied or sent."), ref=ref)
        conv.say(Reply((said,)))
        return
    who = await decided_by(conv.session, "pledge", pledge.id, DECISIONS)
    if status in ALREADY:
        conv.say(Reply((text(ALREADY[status], ref=ref, person=who),)))
        return
    conv.say(Reply((text(N_("{ref} was already decided by {person}: its status is now “{status}”. Nothing of yours "
                            "was applied or sent."), ref=ref, person=who, status=status_label(status)),)))


async def decide(conv: Conversation, pledge: Pledge, seen: tuple[str, int], verdict: PledgeStatus,
                 comment: str | None) -> None:
    """Record the decision if the pledge is still as the staff member saw it (`seen`: status and version), audit
    it, close every staff copy of its notification, and tell the entity's focal points (and coordinators, of a
    validation) in their language; else tell the staff member who decided first."""
    if verdict not in PLEDGE_TRANSITIONS[PledgeStatus(seen[0])] or not await Pledges(conv.session).decide(
            pledge, seen, verdict, comment, conv.now):
        await already_decided(conv, pledge, seen)
        if comment is not None:  # written for nothing: given back, to use elsewhere (nothing typed is lost)
            conv.say(Reply((Line(Text(N_("Comment")), comment),)))
        return
    await audit(conv.session, conv.contact, f"pledge.{verdict.value}", "pledge", pledge.id, ref=pledge.ref,
                version=pledge.version)
    ref = Code(pledge.ref or "")
    told = await focal_points(conv, pledge.entity_id)
    if told:
        conv.say(Reply((text(CONFIRMATIONS[verdict], ref=ref),)))
    else:
        conv.say(await nobody_told(conv, pledge.entity_id, text(UNTOLD[verdict], ref=ref)))
    await close_notices(conv, pledge, verdict, staff_member(conv.contact))
    news = {
        PledgeStatus.validated: N_("Good news: your pledge {ref} “{title}” has been validated by BDT."),
        PledgeStatus.changes_requested: N_("BDT asks for changes to your pledge {ref} “{title}”:"),
        PledgeStatus.rejected: N_("BDT could not accept your pledge {ref} “{title}”. The reason:"),
    }[verdict]
    parts: tuple[Label, ...] = (text(news, ref=ref, title=pledge.title),)
    if comment:
        parts += (comment,)
    if verdict is PledgeStatus.validated and (pledge.reporting_cadence != ReportingCadence.annual
                                               or pledge.previous_cadence is not None):
        parts += (cadence_news(pledge, conv.today),)  # set while it was under review: told with the validation
    if verdict is PledgeStatus.rejected:
        parts += (Text(REJECTED_NEXT),)
    buttons: tuple[tuple[Button, ...], ...] = ()
    if verdict is PledgeStatus.changes_requested:
        buttons = ((Button(Text(N_("✏️ Edit the pledge")), f"mp:edit:{pledge.id}"),),)
    if verdict is PledgeStatus.validated:  # what comes next: its reports, the first perhaps overdue already
        parts += (Line(Text(N_("Progress reports")), next_due_label(due_of(pledge, set(), conv.today))),)
        buttons = ((Button(Text(N_("📝 Report")), f"rp:open:{pledge.id}"),),)
    for member in told:
        await outbox.enqueue(conv.session, member, Reply(parts, buttons),
                             f"decision:{pledge.id}:v{pledge.version}:{verdict.value}:{member.id}",
                             priority=outbox.NOTICE)
    if verdict is PledgeStatus.validated:
        news_of_it = Reply((text(N_("A pledge of your organisation was validated by BDT: {ref} “{title}”. See it with "
                                    "/mypledges."), ref=ref, title=pledge.title),))
        for member in await coordinators(conv, pledge.entity_id):
            await outbox.enqueue(conv.session, member, news_of_it, f"validated:{pledge.id}:{member.id}",
                                 priority=outbox.NOTICE)


async def close_notices(conv: Conversation, pledge: Pledge, status: PledgeStatus, person: Label) -> None:
    """Every staff copy of the pledge's notification (the version decided) loses its decision buttons and says who
    decided it and when; a validated pledge keeps its reporting cadence buttons."""
    entity = await Entities(conv.session).get(pledge.entity_id)
    if entity is None or pledge.id is None:
        return
    notice = review_notice(pledge, entity, await submitter_of(conv.session, pledge), decision=False)
    kept = notice.buttons + ((cadence_buttons(pledge),) if status is PledgeStatus.validated else ())
    await close_staff_copies(conv.session, staff_copy_key(pledge), notice, FOOTERS[status], person, conv.now,
                             conv.deps.timezone, kept)


REVIEW = Journey(REVIEW_FORM, finish_review, may=is_staff_contact)
