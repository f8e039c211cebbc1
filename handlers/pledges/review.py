"""Staff review of submitted pledges: validate, request changes (with a comment), or reject (with a reason)."""

from __future__ import annotations

from handlers import buttons, outbox
from handlers.conversation import Conversation, Journey, begin
from handlers.entities import is_staff, is_staff_contact, refuse
from handlers.forms.base import Form, FormState
from handlers.forms.steps import TextStep
from handlers.messages import N_, Button, Code, Reply, Text, text
from handlers.people import audit
from handlers.pledges.service import focal_points
from handlers.vocabulary import status_label
from models.repositories.pledges import Pledges
from models.tables import Pledge
from models.values import PLEDGE_TRANSITIONS, PledgeStatus

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
        conv.say(Reply((text(N_("{ref} was already decided."), ref=Code(pledge.ref or "")),)))
        return
    if verdict is PledgeStatus.validated:
        await decide(conv, pledge, verdict, None)
        return
    question = {PledgeStatus.changes_requested: N_("What should the focal point change in {ref}?"),
                PledgeStatus.rejected: N_("Why is {ref} rejected? The focal point will read your reason.")}[verdict]
    await begin(conv, REVIEW, {"$pledge_id": pledge.id, "$verdict": verdict.value},
                text(question, ref=Code(pledge.ref or "")))


async def finish_review(conv: Conversation, state: FormState) -> None:
    """Apply a decision that needed a comment, once the comment is written."""
    if not is_staff(conv):
        await refuse(conv, "pledge.review", "pledge", state.answers.get("$pledge_id"))
        return
    pledge = await Pledges(conv.session).get(int(state.answers["$pledge_id"]), for_update=True)
    verdict = PledgeStatus(state.answers["$verdict"])
    if pledge is None or verdict not in PLEDGE_TRANSITIONS[PledgeStatus(pledge.status)]:
        conv.say(Reply((Text(N_("That pledge was already decided by someone else.")),)))
        return
    await decide(conv, pledge, verdict, state.answers["comment"])


async def decide(conv: Conversation, pledge: Pledge, verdict: PledgeStatus, comment: str | None) -> None:
    """Record the decision, audit it, and tell the entity's focal points in their language."""
    pledge.status, pledge.staff_comment, pledge.updated_at = verdict, comment, conv.now
    if verdict is PledgeStatus.validated:
        pledge.validated_at = conv.now
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
