"""A report among the focal points of one organisation: who sent it, telling the others when BDT's question is
answered, and a copy (an edit, a replacement) sent after the report changed under it, rebuilt on the report as it is
now with the person's changes kept."""

from __future__ import annotations

from dataclasses import dataclass

from handlers import drafts, outbox
from handlers.conversation import Conversation
from handlers.forms.base import FormState
from handlers.forms.engine import collected
from handlers.lengths import shorten
from handlers.messages import N_, Code, Day, Items, Label, Reply, Text, text
from handlers.people import acted_last, name_of
from handlers.reports.cards import period_label
from handlers.reports.form import PLEDGE_ID, REPLACES, REPORT_FORM, REPORT_ID
from handlers.reports.rules import answers_of_report, pledge_facts
from models.database import Session
from models.repositories.audit import AuditTrail
from models.repositories.contacts import Contacts
from models.repositories.reports import Reports
from models.tables import Contact, Pledge, ProgressReport
from models.values import ReviewStatus

QUESTION_EXCERPT = 300
"""How much of BDT's question the reopened report shows (the message that asked it, and /mypledges, hold it whole)."""
EDITED_VERSION, EDITED_FROM = "$edited_version", "$edited_from"
"""Hidden answers of a reopened report: the version opened and its answers then, so that an edit sent after a
colleague's (the question goes to every focal point) is refused, and what this person changed is kept. A replacement
keeps EDITED_FROM too: the answers of the report it was built on."""
REPLACED_VERSION, REPLACED_STATUS = "$replaced_version", "$replaced_status"
"""Hidden answers of a report replacing another: the version and review status of the replaced report when the form
was opened, so that one answered by a colleague or asked about by BDT meanwhile is not replaced unseen."""
SENDINGS = ("report.submitted", "report.replaced", "report.resubmitted")
"""The audit actions of a report's version put before staff: their actor is who sent it (an edit after a
clarification: the focal point who edited it, who may be a colleague of its first sender)."""


DISCARDED_WITH_PLEDGE = N_("Your report on {pledge} in progress was discarded: reports on it are no longer taken.")
"""Said to whoever was filling a report on a pledge that has just stopped taking them (discard_reports_on)."""


async def discard_reports_on(session: Session, pledge: Pledge) -> set[int]:
    """Discard the report forms in progress on a pledge that takes no more reports (withdrawn, or completed by a
    colleague's report), of anyone of its organisation: a report, or one reopened for BDT's question. The ids of their
    people, whom the notice of the pledge's end tells so (DISCARDED_WITH_PLEDGE): else they went on answering every
    question of a form whose Submit then refused it, and /report offered to continue it."""
    assert pledge.id is not None
    discarded: set[int] = set()
    for member in await Contacts(session).members_of(pledge.entity_id):
        if member.id is None:
            continue
        draft = await drafts.find_draft(session, member.id, REPORT_FORM.id)
        if draft is not None and str(FormState.from_json(draft.state).answers.get(PLEDGE_ID)) == str(pledge.id):
            await drafts.discard(session, member.id, REPORT_FORM.id)
            discarded.add(member.id)
    return discarded


@dataclass(frozen=True)
class Reopening:
    """A report form to open again: its answers and its heading."""

    answers: dict[str, object]
    heading: Label


async def colleagues(conv: Conversation, entity_id: int) -> list[Contact]:
    """The other reachable focal points of the person's organisation."""
    return [c for c in await Contacts(conv.session).focal_points_of(entity_id) if c.id != conv.contact.id]


async def sender_of(session: Session, report: ProgressReport) -> Contact | None:
    """Who sent the report's current version: the last to submit or edit it, else its submitter (None when neither
    is known)."""
    return await acted_last(session, "report", report.id, SENDINGS, report.submitted_by)


async def tell_colleagues_answered(conv: Conversation, report: ProgressReport, pledge: Pledge) -> None:
    """Tell the organisation's other focal points, who got BDT's question too, that it is answered and by whom; one
    with their own edit of it still open learns that their changes will not be lost."""
    where = {"ref": Code(pledge.ref or ""), "period": period_label(report.period)}
    answered = text(N_("{person} answered BDT's question on the report on {ref} for {period}: the edited report is "
                       "with BDT again. See it with /mypledges."), person=name_of(conv.contact), **where)
    for member in await colleagues(conv, pledge.entity_id):
        assert member.id is not None
        draft = await drafts.find_draft(conv.session, member.id, REPORT_FORM.id)
        editing = draft is not None and draft.state.get("answers", {}).get(REPORT_ID) == report.id
        parts: tuple[Label, ...] = (answered,)
        if editing:
            parts += (Text(N_("Your own edit of it is still open. If you send it, I will show you the report as it "
                              "is now with your changes applied, so that nothing you typed is lost.")),)
        await outbox.enqueue(conv.session, member, Reply(parts), f"report-answered:{report.id}:v{report.version}:"
                             f"{member.id}", priority=outbox.NOTICE)


async def answered_by(conv: Conversation, pledge: Pledge, report: ProgressReport) -> Label:
    """Who sent the report's current version after BDT's question, and when: BDT has it again (or has asked again
    since)."""
    assert report.id is not None
    entry = await AuditTrail(conv.session).last_entry("report", report.id, SENDINGS)
    sender = await Contacts(conv.session).get(entry[0]) if entry is not None and entry[0] is not None else None
    when = entry[1] if entry is not None else report.updated_at or report.created_at
    where = {"person": _who(sender), "ref": Code(pledge.ref or ""), "period": period_label(report.period),
             "date": Day(when.date())}
    asked_again = report.review_status == ReviewStatus.clarification_requested
    if sender is not None and sender.id == conv.contact.id:  # the reader sent it: told so, not in the third person
        del where["person"]
        return text(N_("You already answered BDT's question on the report on {ref} for {period}: you sent it again "
                       "on {date}. BDT has since asked again.") if asked_again else
                    N_("You already answered BDT's question on the report on {ref} for {period}: you sent it again "
                       "on {date}, and BDT has it now."), **where)
    if asked_again:
        return text(N_("{person} already answered BDT's question on the report on {ref} for {period}: they sent it "
                       "again on {date}. BDT has since asked again."), **where)
    return text(N_("{person} already answered BDT's question on the report on {ref} for {period}: they sent it "
                   "again on {date}, and BDT has it now."), **where)


def _who(contact: Contact | None) -> Label:
    """A focal point named to a colleague; "A colleague" when the audit trail does not say who."""
    return name_of(contact) if contact is not None else Text(N_("A colleague"))


def edit_answers(report: ProgressReport, pledge: Pledge, changes: dict[str, object] | None = None) -> dict[str, object]:
    """The answers of a report reopened to answer BDT's question (with `changes` applied on top): its own, the
    pledge's facts, and the version opened with its answers (what the person changes is told apart from them)."""
    own = answers_of_report(report)
    return {**own, **(changes or {}), **pledge_facts(pledge, report.period), REPORT_ID: report.id,
            EDITED_VERSION: report.version, EDITED_FROM: own}


def replacing(report: ProgressReport) -> dict[str, object]:
    """The hidden answers of a form that replaces `report`: which report, at which version and review status."""
    return {REPLACES: report.id, REPLACED_VERSION: report.version, REPLACED_STATUS: str(report.review_status)}


def copy_of(state: FormState, report: ProgressReport) -> bool:
    """True when a report form is the person's copy of `report`: its edit (of any version), or a report replacing
    it (a colleague's answer made their edit one); any other report form is another report in progress."""
    return report.id is not None and report.id in (state.answers.get(REPORT_ID), state.answers.get(REPLACES))


def up_to_date(state: FormState, report: ProgressReport) -> bool:
    """True when a report form is the edit of this very version of `report` (nothing to rebuild)."""
    return state.answers.get(REPORT_ID) == report.id \
        and state.answers.get(EDITED_VERSION, report.version) == report.version


def changed_since(state: FormState, replaced: ProgressReport) -> bool:
    """True when the report a form replaces changed since the form was opened: a colleague sent a version of it, or
    BDT asked about it (to be answered by an edit, not replaced unseen). Its acknowledgement alone changes nothing
    the replacement was built on."""
    answers = state.answers
    if answers.get(REPLACED_VERSION, replaced.version) != replaced.version:
        return True
    return replaced.review_status == ReviewStatus.clarification_requested \
        and answers.get(REPLACED_STATUS, replaced.review_status) != replaced.review_status


def changes_of(state: FormState, current: ProgressReport) -> dict[str, object]:
    """What the person changed in their copy: the answers that differ from those it was built on (from the report as
    it is now, for a draft opened before they were kept with it)."""
    opened = state.answers.get(EDITED_FROM)
    before = opened if isinstance(opened, dict) else answers_of_report(current)
    return {key: value for key, value in collected(REPORT_FORM, state).items() if value != before.get(key)}


def edit_intro(report: ProgressReport, pledge: Pledge, sender: Contact | None, reader: Contact) -> Label:
    """What the reopened report is about: the pledge, the period, who sent it if not the reader, and BDT's question
    (the edit must answer it)."""
    where = {"ref": Code(pledge.ref or ""), "period": period_label(report.period)}
    theirs = sender is not None and sender.id != reader.id
    if not report.staff_comment:
        if theirs:
            return text(N_("Here is the report on {ref} for {period} sent by {person}. Edit what needs clarifying, "
                           "then submit."), person=name_of(sender), **where)
        return text(N_("Here is your report on {ref} for {period}. Edit what needs clarifying, then submit."), **where)
    question = shorten(report.staff_comment, QUESTION_EXCERPT)
    if theirs:
        return text(N_("BDT asked about the report on {ref} for {period} sent by {person}:\n“{question}”\nHere it "
                       "is. Edit what needs clarifying, then submit."), person=name_of(sender), question=question,
                    **where)
    return text(N_("BDT asked about your report on {ref} for {period}:\n“{question}”\nHere is your report. Edit what "
                   "needs clarifying, then submit."), question=question, **where)


async def edited_meanwhile(conv: Conversation, pledge: Pledge, report: ProgressReport,
                           state: FormState) -> Reopening | None:
    """A copy sent after the report changed (a colleague answered BDT's question first, or sent a newer report, or
    BDT asked about the report being replaced): who sent what is there now and when, and what this person changed,
    kept: the report as it is now, with their changes applied, is to be opened at its summary, to send (as an edit if
    BDT asked again, else as a report replacing it) or to cancel. Nothing is sent without their word."""
    current = report if report.is_current else await Reports(conv.session).current_for(pledge.id or 0, report.period)
    if current is None:
        conv.say(Reply((Text(N_("This report can no longer be edited.")),)))
        return None
    where = {"ref": Code(pledge.ref or ""), "period": period_label(report.period)}
    seen = state.answers.get(EDITED_VERSION, state.answers.get(REPLACED_VERSION))
    asked = current.review_status == ReviewStatus.clarification_requested
    said: Label
    if current.id != report.id:
        said = text(N_("{person} sent a newer report on {ref} for {period} on {date}, and BDT has it now."),
                    person=_who(await sender_of(conv.session, current)), date=Day(current.created_at.date()), **where)
    elif asked and seen == current.version:  # nobody sent it since: BDT asked about the version the copy is built on
        said = text(N_("Meanwhile, BDT asked a question about the report on {ref} for {period}."), **where)
    else:
        said = await answered_by(conv, pledge, current)
    changes = changes_of(state, current)
    if not changes:
        conv.say(Reply((said, Text(N_("You had changed nothing in your copy, so nothing of yours is lost.")))))
        return None
    conv.say(Reply((said, Text(N_("Your changes were not sent, but they are kept: here is the report as it is now, "
                                  "with your changes applied.")))))
    named = Items(tuple(Text(step.label) for step in REPORT_FORM.steps if step.id in changes))
    question = shorten(current.staff_comment or "", QUESTION_EXCERPT)
    if asked and current.version > 1:  # BDT asked again: answer it, as an edit
        return Reopening(edit_answers(current, pledge, changes), text(
            N_("BDT asked about the report on {ref} for {period} again:\n“{question}”\nYour changes ({fields}) are "
               "applied below. Edit what needs clarifying, then submit."), question=question, fields=named, **where))
    if asked:  # its first question
        return Reopening(edit_answers(current, pledge, changes), text(
            N_("BDT asked about the report on {ref} for {period}:\n“{question}”\nYour changes ({fields}) are applied "
               "below. Edit what needs clarifying, then submit."), question=question, fields=named, **where))
    own = answers_of_report(current)
    answers = {**own, **changes, **pledge_facts(pledge, current.period), **replacing(current), EDITED_FROM: own}
    return Reopening(answers, text(
        N_("The report on {ref} for {period} as it is now, with your changes ({fields}). Submit it to send your "
           "changes to BDT as a report that replaces it (both stay in the history), or cancel."),
        fields=named, **where))
