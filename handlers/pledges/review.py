"""Staff review of submitted pledges: validate, request changes (with a comment), or reject (with a reason)."""

from __future__ import annotations

from handlers import buttons, outbox
from handlers.conversation import Conversation, Journey, begin
from handlers.entities import is_staff, is_staff_contact, refuse
from handlers.forms.base import Form, FormState
from handlers.forms.steps import TextStep
from handlers.messages import N_, Button, Code, Reply, Text, text
from handlers.people import audit, decided_by
from handlers.pledges.service import focal_points
from handlers.vocabulary import status_label
from models.repositories.pledges import Pledges
from models.tables import Pledge
from models.values import PLEDGE_TRANSITIONS, PledgeStatus

DECISIONS = frozenset(f"pledge.{verdict.value}" for verdict in (
    PledgeStatus.validated, PledgeStatus.changes_requested, PledgeStatus.rejected, PledgeStatus.withdrawn))
"""The audit actions that decide a submitted pledge (a focal point's withdrawal included)."""

VERDICTS = {"ok": PledgeStatus.validated, "chg": PledgeStatus.changes_requested, "rej": PledgeStatus.rejected}

REVIEW_FORM = Form(
    id="review",
    title=N_("Pledge review"),
    summary=False,
    steps=(TextStep(id="comment", label=N_("Comment"), min_length=5, max_length=1500,
                    question=N_("Write the comment for the focal point (it is sent as you write it).")),),
)


def parse_code(code: str) -> tuple[PledgeStatus, int] | None:
    """("pv", verdict, pledge id) from an untrusted button code."""
    parsed = buttons.parse(code)
    if parsed is None or parsed.prefix != "pv" or parsed.id is None:
        return None
    return VERDICTS[parsed.verb], parsed.id


async def review_button(conv: Conversation, code: str) -> None:
    """A staff decision button on a submitted pledge (pv:ok|chg|rej:<id>); staff only."""
    parsed = parse_code(code)
    if not is_staff(conv):
        await refuse(conv, "pledge.review", "pledge", parsed[1] if parsed else None)
        return
    pledge = await Pledges(conv.session).get(parsed[1]) if parsed else None
    if parsed is None or pledge is None:
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return
    verdict = parsed[0]
    if verdict not in PLEDGE_TRANSITIONS[PledgeStatus(pledge.status)]:
        await already_decided(conv, pledge)
        return
    if verdict is PledgeStatus.validated:
        await decide(conv, pledge, (pledge.status, pledge.version), verdict, None)
        return
    question = {PledgeStatus.changes_requested: N_("What should the focal point change in {ref}?"),
                PledgeStatus.rejected: N_("Why is {ref} rejected? The focal point will read your reason.")}[verdict]
    # what the staff member saw when they chose: the decision applies to that, or not at all
    await begin(conv, REVIEW, {"$pledge_id": pledge.id, "$verdict": verdict.value, "$status": pledge.status,
                               "$version": pledge.version},
                text(question, ref=Code(pledge.ref or "")))


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
    await decide(conv, pledge, seen, verdict, state.answers["comment"])


async def already_decided(conv: Conversation, pledge: Pledge, seen: tuple[str, int] | None = None) -> None:
    """Tell a staff member that someone else decided the pledge first, and who (or that it changed since)."""
    assert pledge.id is not None
    if seen is not None and pledge.status == seen[0] and pledge.version != seen[1]:
        conv.say(Reply((text(N_("{ref} was changed by its focal point while you were deciding: please look at it "
                                "again. Nothing of yours was applied or sent."), ref=Code(pledge.ref or "")),)))
        return
    who = await decided_by(conv.session, "pledge", pledge.id, DECISIONS)
    conv.say(Reply((text(N_("{ref} was already decided by {person}: it is now {status}. Nothing of yours was "
                            "applied or sent."), ref=Code(pledge.ref or ""), person=who,
                         status=status_label(PledgeStatus(pledge.status))),)))


async def decide(conv: Conversation, pledge: Pledge, seen: tuple[str, int], verdict: PledgeStatus,
                 comment: str | None) -> None:
    """Record the decision if the pledge is still as the staff member saw it (`seen`: status and version), audit
    it, and tell the entity's focal points in their language; else tell the staff member who decided first."""
    if verdict not in PLEDGE_TRANSITIONS[PledgeStatus(seen[0])] or not await Pledges(conv.session).decide(
            pledge, seen, verdict, comment, conv.now):
        await already_decided(conv, pledge, seen)
        return
    await audit(conv.session, conv.contact, f"pledge.{verdict.value}", "pledge", pledge.id, ref=pledge.ref)
    ref = Code(pledge.ref or "")
    conv.say(Reply((text(N_("Done: {ref} is now {status}."), ref=ref, status=status_label(verdict)),)))
    news = {
        PledgeStatus.validated: N_("Good news: your pledge {ref} “{title}” has been validated by BDT."),
        PledgeStatus.changes_requested: N_("BDT asks for changes to your pledge {ref} “{title}”:"),
        PledgeStatus.rejected: N_("BDT could not accept your pledge {ref} “{title}”. The reason:"),
    }[verdict]
    parts: tuple[Text | str, ...] = (text(news, ref=ref, title=pledge.title),)
    if comment:
        parts += (comment,)
    buttons = ((Button(Text(N_("✏️ Edit the pledge")), f"mp:edit:{pledge.id}"),),) \
        if verdict is PledgeStatus.changes_requested else ()
    for member in await focal_points(conv, pledge.entity_id):
        await outbox.enqueue(conv.session, member, Reply(parts, buttons),
                             f"decision:{pledge.id}:v{pledge.version}:{verdict.value}:{member.id}",
                             priority=outbox.NOTICE)


REVIEW = Journey(REVIEW_FORM, finish_review, may=is_staff_contact)
