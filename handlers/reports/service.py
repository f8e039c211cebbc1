"""The reporting journey: /report, the Report buttons, submitting a report, and telling staff."""

from __future__ import annotations

from datetime import date, timedelta

from handlers import buttons, drafts, outbox
from handlers.conversation import Conversation, Journey, ask_again, begin
from handlers.entities import refuse
from handlers.forms.base import FormState
from handlers.forms.engine import DEFAULTS, collected
from handlers.fulltext import long_fields
from handlers.helpdesk.compose import COMPOSE_FORM, offered_for_report
from handlers.inputs import Incoming
from handlers.lengths import LIST_TITLE, shorten
from handlers.messages import N_, Button, Code, Concat, Day, Items, Label, Line, Reply, Text, text
from handlers.people import acted_last, audit, name_of, role_of, staff_contacts
from handlers.report_reminders import withdraw_reported
from handlers.reports.cards import next_due_label, period_label, report_card, report_status_label
from handlers.reports.form import (
    FINANCIAL,
    PERIOD,
    PLEDGE_ID,
    REPLACES,
    REPORT_FORM,
    REPORT_ID,
    may_be_complete,
    percent_label,
)
from handlers.reports.rules import (
    answers_of_report,
    apply_report,
    check_report,
    defaults_of,
    due_of,
    pledge_facts,
)
from handlers.staff_notices import close_staff_copies, described, organisation_label, person_for_staff
from models.database import Session
from models.reporting import NextReport
from models.repositories.audit import AuditTrail
from models.repositories.contacts import Contacts
from models.repositories.reminders import Reminders
from models.repositories.reports import Reports
from models.tables import Contact, Draft, Entity, Pledge, ProgressReport
from models.values import EntityStatus, PledgeStatus, ReviewStatus, Role

PER_MESSAGE = 10
"""Pledges per message of the list to report on (titles cut to LIST_TITLE)."""
FULL = 100
"""The progress of a pledge complete without question; below it, closing the pledge is asked again."""
QUESTION_EXCERPT = 300
"""How much of BDT's question the reopened report shows (the message that asked it, and /mypledges, hold it whole)."""
NAME_EXCERPT = 100
"""How much of an organisation's name (up to 200 characters) a report's notice shows: beside its sender's name at
its longest and every answer at its longest, the notice fits one message in any language."""
DUE_SOON = timedelta(days=14)
"""A pledge counts as due when its report is due within this time (the first reminder's lead), or overdue."""
REPORTED_JUST_NOW = timedelta(seconds=1)
"""A report is new to the reminders' look-up if created after its own time less this (clocks of one process)."""
EDITED_VERSION, EDITED_FROM = "$edited_version", "$edited_from"
"""Hidden answers of a reopened report: the version opened and its answers then, so that an edit sent after a
colleague's (the question goes to every focal point) is refused, and what this person changed is kept."""
SENDINGS = ("report.submitted", "report.replaced", "report.resubmitted")
"""The audit actions of a report's version put before staff: their actor is who sent it (an edit after a
clarification: the focal point who edited it, who may be a colleague of its first sender)."""


def parse_code(code: str, prefix: str, verbs: frozenset[str]) -> tuple[str, int] | None:
    """(verb, id) from an untrusted button code, by the strict parser (handlers.buttons); None otherwise."""
    parsed = buttons.parse(code)
    if parsed is None or parsed.prefix != prefix or parsed.verb not in verbs:
        return None
    return parsed.verb, parsed.id or 0


async def reporter_entity(conv: Conversation, action: str, target_id: int | None = None) -> Entity | None:
    """The validated entity this person reports for (focal points only); otherwise says why and audits."""
    contact = conv.contact
    role = role_of(contact)
    if role is Role.coordinator:
        await audit(conv.session, contact, "denied", "pledge", target_id, attempted=action)
        conv.say(Reply((Text(N_("Progress reports are written by the focal points of organisations. You follow "
                                "them with /digest (who reported, who is overdue) and read every report in the "
                                "spreadsheet of /export.")),)))
        return None
    if role is not Role.focal_point or contact.entity_id is None:
        if target_id is not None:
            await refuse(conv, action, "pledge", target_id)
        elif role is not None and role.is_staff:
            conv.say(Reply((Text(N_("Progress reports are written by the focal points of organisations; as BDT "
                                    "staff you acknowledge them (see /pending).")),)))
        else:
            conv.say(Reply((Text(N_("Progress reports are written by the focal points of organisations. To "
                                    "register yours, send /start.")),)))
        return None
    entity = await conv.session.get(Entity, contact.entity_id)
    if entity is None or entity.status != EntityStatus.validated:
        conv.say(Reply((Text(N_("Your organisation is waiting for validation by BDT. You can report as soon as "
                                "it is validated.")),)))
        return None
    return entity


async def report_command(conv: Conversation, incoming: Incoming | None = None) -> None:
    """/report: open the one pledge due, or list the pledges to report on, the most overdue first."""
    entity = await reporter_entity(conv, "report.open")
    if entity is None or entity.id is None:
        return
    assert conv.contact.id is not None
    draft = await drafts.find_draft(conv.session, conv.contact.id, REPORT_FORM.id)
    if draft is not None and await drafts.elsewhere(conv.session, conv.contact.id, REPORT_FORM.id):
        # typed in the middle of another form: go on with the report, one question at a time (that form waits)
        await resume(conv, draft, Text(N_("You started this earlier: here is where you left off. To start "
                                          "afresh, press Cancel.")))
        return
    if draft is not None:
        conv.say(Reply((await in_progress(conv, draft),), continue_or_restart(draft)))
        return
    await _choose(conv, entity.id)


async def in_progress(conv: Conversation, draft: Draft) -> Label:
    """"You have a report in progress", naming its pledge and period (the draft's hidden answers hold them)."""
    answers = FormState.from_json(draft.state).answers
    pledge_id, period = answers.get(PLEDGE_ID), answers.get(PERIOD)
    pledge = await conv.session.get(Pledge, int(pledge_id)) if pledge_id is not None else None
    if pledge is None or pledge.entity_id != conv.contact.entity_id or not period:
        return Text(N_("You have a report in progress. Continue where you left off, or start over?"))
    return text(N_("You have a report in progress on {ref} “{title}” for {period}. Continue where you left off, "
                   "or start over?"), ref=Code(pledge.ref or ""), title=shorten(pledge.title, LIST_TITLE),
                period=period_label(str(period)))


async def resume(conv: Conversation, draft: Draft, *notes: Label) -> None:
    """Ask the report draft's current question again (after `notes`); it becomes the form in progress, the one
    left behind (if any) waiting until it is sent or cancelled."""
    assert conv.contact.id is not None
    kept = await drafts.kept_note(conv.session, conv.contact.id, REPORT_FORM.id)
    await ask_again(conv, REPORT, draft, *kept, *notes)
    conv.opened = REPORT_FORM.id  # taken up again: the form left behind is not asked again after it


async def start_report(conv: Conversation, answers: dict[str, object], heading: Label) -> None:
    """Open a report form, saying first that a form left open meanwhile is kept and how to go back to it."""
    assert conv.contact.id is not None
    kept = await drafts.kept_note(conv.session, conv.contact.id, REPORT_FORM.id)
    if kept:  # its own message: what begin is given is the form's heading, said again with every question
        conv.say(Reply(kept))
    await begin(conv, REPORT, answers, heading)


def continue_or_restart(draft: Draft) -> tuple[tuple[Button, ...], ...]:
    """▶️ Continue and 🔄 Start over; Start over names the draft as shown (its id and version), so that pressed
    later, once more answers were given, it asks again instead of deleting them."""
    return ((Button(Text(N_("▶️ Continue")), "rp:resume"),
             Button(Text(N_("🔄 Start over")), f"rp:restart:{draft.id}:{draft.version}")),)


async def _choose(conv: Conversation, entity_id: int) -> None:
    """Open the one pledge due (or the only one), or list them with the most overdue first."""
    reports = Reports(conv.session)
    pledges = await reports.reportable_pledges(entity_id)
    if not pledges:
        conv.say(Reply((Text(N_("Your organisation has no validated pledge to report on yet. See /mypledges.")),)))
        return
    reported = await reports.reported_periods(p.id for p in pledges if p.id is not None)
    dues = sorted(((due_of(p, reported.get(p.id or 0, set()), conv.today), p) for p in pledges),
                  key=lambda pair: (pair[0].covered, pair[0].due or date.max, pair[1].id or 0))
    owed = [(due, pledge) for due, pledge in dues
            if not due.covered and due.due is not None and due.due - conv.today <= DUE_SOON]
    if len(owed) == 1 or len(dues) == 1:
        await open_report(conv, (owed or dues)[0][1])
        return
    for message in choice_replies(dues):
        conv.say(message)


def choice_replies(dues: list[tuple[NextReport, Pledge]]) -> list[Reply]:
    """Any number of pledges to report on, in messages of PER_MESSAGE that each fit in any language."""
    replies: list[Reply] = []
    for start in range(0, len(dues), PER_MESSAGE):
        chunk = dues[start:start + PER_MESSAGE]
        lines: list[Label] = [Text(N_("Which pledge do you report on?"))] if start == 0 else []
        for due, pledge in chunk:
            lines.append(Concat((Code(pledge.ref or "—"), " — ", shorten(pledge.title, LIST_TITLE), "\n",
                                 _due_label(due))))
        buttons = tuple((Button(Concat(("📝 ", Code(p.ref or str(p.id)))), f"rp:open:{p.id}"),) for _, p in chunk)
        replies.append(Reply(tuple(lines), buttons))
    return replies


def _due_label(due: NextReport) -> Label:
    if due.covered or due.due is None:  # its period is reported: a new report would replace it
        return next_due_label(due)
    if due.overdue:
        return text(N_("⚠️ report for {period} overdue since {date}"), period=period_label(due.period),
                    date=Day(due.due))
    return text(N_("report for {period} due {date}"), period=period_label(due.period), date=Day(due.due))


async def report_button(conv: Conversation, code: str) -> None:
    """Buttons rp:open|repl|edit|ev|resume|restart:<id>; every id is checked against the person's entity."""
    parsed = buttons.parse(code)
    if parsed is None or parsed.prefix != "rp":
        await buttons.refuse_malformed(conv, code)
        return
    verb, target = parsed.verb, (parsed.id or 0) if parsed.verb != "restart" else 0  # restart's id is a draft's
    if verb == "ev":
        from handlers.reports.evidence import send_evidence

        await send_evidence(conv, target)
        return
    entity = await reporter_entity(conv, f"report.{verb}", target or None)
    if entity is None:
        return
    assert conv.contact.id is not None
    if verb in ("resume", "restart"):
        draft = await drafts.find_draft(conv.session, conv.contact.id, REPORT_FORM.id)
        if verb == "resume" and draft is not None:
            await resume(conv, draft)
            return
        if verb == "resume":  # sent or cancelled since: a report for another period only when asked for
            conv.say(await nothing_to_continue(conv, entity))
            return
        if verb == "restart" and draft is not None and (parsed.id, parsed.version) != (draft.id, draft.version) \
                and _answered(draft):  # an earlier message's button: only a confirmation deletes what was answered
            conv.say(Reply((Text(N_("That “Start over” button is from an earlier message. Start over and delete "
                                    "the answers of your report in progress, or continue where you left off?")),),
                           continue_or_restart(draft)))
            return
        await drafts.discard(conv.session, conv.contact.id, REPORT_FORM.id)  # else opening would resume it
        if entity.id is not None:
            await _choose(conv, entity.id)
        return
    if verb == "edit":
        await edit_report(conv, entity, target)
        return
    if verb == "done":
        await confirm_completed(conv, entity, target)
        return
    pledge = await conv.session.get(Pledge, target)
    if pledge is None or pledge.entity_id != entity.id:
        await refuse(conv, f"report.{verb}", "pledge", target)
        return
    await open_report(conv, pledge, confirmed=verb == "repl")


async def nothing_to_continue(conv: Conversation, entity: Entity) -> Reply:
    """What ▶️ Continue says once the report it continued is no longer in progress: the person's latest report (its
    pledge and period) and where to see it."""
    assert conv.contact.id is not None
    last = await AuditTrail(conv.session).last_of_actor(conv.contact.id, SENDINGS)
    report = await Reports(conv.session).get(last[1]) if last is not None and last[1] is not None else None
    pledge = await conv.session.get(Pledge, report.pledge_id) if report is not None else None
    if report is None or pledge is None or pledge.entity_id != entity.id:
        return Reply((Text(N_("There is no report in progress to continue. See your pledges and their reports with "
                              "/mypledges; to write a report, send /report.")),))
    return Reply((text(N_("There is no report in progress to continue: your latest report, on {ref} for {period}, "
                          "was sent to BDT. See it with /mypledges; to write another, send /report."),
                       ref=Code(pledge.ref or ""), period=period_label(report.period)),))


def _answered(draft: Draft) -> bool:
    """True when the draft holds an answer the person gave (not only the pledge's facts or last time's defaults)."""
    answers = FormState.from_json(draft.state).answers
    return any(answers.get(step.id) is not None for step in REPORT_FORM.steps)


async def open_report(conv: Conversation, pledge: Pledge, *, confirmed: bool = False) -> None:
    """Open the form for the pledge's next period; a period already reported needs a confirmation first."""
    if pledge.status != PledgeStatus.validated or pledge.id is None:
        conv.say(Reply((text(N_("{ref} is not open for progress reports."), ref=Code(pledge.ref or "")),)))
        return
    assert conv.contact.id is not None
    draft = await drafts.find_draft(conv.session, conv.contact.id, REPORT_FORM.id)
    if draft is not None and draft.state.get("answers", {}).get(PLEDGE_ID) == pledge.id and not confirmed:
        await resume(conv, draft, Text(N_("Welcome back! Let's continue where you left off.")))
        return
    reports = Reports(conv.session)
    reported = (await reports.reported_periods([pledge.id])).get(pledge.id, set())
    period = due_of(pledge, reported, conv.today).period
    existing = await reports.current_for(pledge.id, period)
    if existing is not None and not confirmed:
        conv.say(Reply((text(N_("You already reported on {ref} for {period} (sent {date}). Send a new report that "
                                "replaces it? Both stay in the history."), ref=Code(pledge.ref or ""),
                             period=period_label(period), date=Day(existing.created_at.date())),),
                       ((Button(Text(N_("Yes, replace it")), f"rp:repl:{pledge.id}"),
                         Button(Text(N_("No, keep it")), f"mp:open:{pledge.id}")),)))
        return
    # a replacement starts from the report it replaces; else from the latest earlier period, never a later one:
    # figures "so far" of a later period are wrong for an earlier one
    previous = existing or await reports.latest_before(pledge.id, period)
    answers: dict[str, object] = {**pledge_facts(pledge, period), DEFAULTS: defaults_of(previous)}
    if existing is not None:
        answers[REPLACES] = existing.id
    await start_report(conv, answers, text(N_("Progress report on {ref} “{title}” for {period}."),
                                           ref=Code(pledge.ref or ""), title=pledge.title,
                                           period=period_label(period)))


async def edit_report(conv: Conversation, entity: Entity, report_id: int) -> None:
    """Reopen a report on which staff asked for a clarification, at its summary."""
    report = await Reports(conv.session).get(report_id)
    pledge = await conv.session.get(Pledge, report.pledge_id) if report is not None else None
    if report is None or pledge is None or pledge.entity_id != entity.id:
        await refuse(conv, "report.edit", "report", report_id)
        return
    if report.review_status != ReviewStatus.clarification_requested or not report.is_current:
        if report.review_status == ReviewStatus.submitted and report.version > 1:  # a colleague answered first
            conv.say(Reply((await answered_by(conv, pledge, report),)))
            return
        conv.say(Reply((Text(N_("This report can no longer be edited.")),)))
        return
    assert conv.contact.id is not None
    offer = await drafts.find_draft(conv.session, conv.contact.id, COMPOSE_FORM.id)
    if offer is not None and offered_for_report(offer.state, report_id):  # its message goes into this edit
        await drafts.discard(conv.session, conv.contact.id, COMPOSE_FORM.id)
    draft = await drafts.find_draft(conv.session, conv.contact.id, REPORT_FORM.id)
    if draft is not None and draft.state.get("answers", {}).get(REPORT_ID) == report.id:  # the same edit: keep it
        await resume(conv, draft, Text(N_("Welcome back! Let's continue where you left off.")))
        return
    await start_report(conv, edit_answers(report, pledge),
                       edit_intro(report, pledge, await sender_of(conv.session, report), conv.contact))


def edit_answers(report: ProgressReport, pledge: Pledge, changes: dict[str, object] | None = None) -> dict[str, object]:
    """The answers of a report reopened to answer BDT's question (with `changes` applied on top): its own, the
    pledge's facts, and the version opened with its answers (what the person changes is told apart from them)."""
    own = answers_of_report(report)
    return {**own, **(changes or {}), **pledge_facts(pledge, report.period), REPORT_ID: report.id,
            EDITED_VERSION: report.version, EDITED_FROM: own}


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


async def answered_by(conv: Conversation, pledge: Pledge, report: ProgressReport) -> Label:
    """Who sent the report's current version after BDT's question, and when: BDT has it again (or has asked again
    since)."""
    assert report.id is not None
    entry = await AuditTrail(conv.session).last_entry("report", report.id, SENDINGS)
    sender = await Contacts(conv.session).get(entry[0]) if entry is not None and entry[0] is not None else None
    when = entry[1] if entry is not None else report.updated_at or report.created_at
    where = {"person": _who(sender), "ref": Code(pledge.ref or ""), "period": period_label(report.period),
             "date": Day(when.date())}
    if report.review_status == ReviewStatus.clarification_requested:
        return text(N_("{person} already answered BDT's question on the report on {ref} for {period}: they sent it "
                       "again on {date}. BDT has since asked again."), **where)
    return text(N_("{person} already answered BDT's question on the report on {ref} for {period}: they sent it "
                   "again on {date}, and BDT has it now."), **where)


def _who(contact: Contact | None) -> Label:
    """A focal point named to a colleague; "A colleague" when the audit trail does not say who."""
    return name_of(contact) if contact is not None else Text(N_("A colleague"))


async def finish_report(conv: Conversation, state: FormState) -> None:
    """Store the report (or the edited one), audit it, mark a finished pledge completed, confirm, tell staff."""
    hidden = state.answers
    pledge_id = int(hidden[PLEDGE_ID])
    entity = await reporter_entity(conv, "report.submit", pledge_id)
    if entity is None:
        return
    pledge = await conv.session.get(Pledge, pledge_id, with_for_update=True)
    if pledge is None or pledge.entity_id != entity.id:
        await refuse(conv, "report.submit", "pledge", pledge_id)
        return
    if pledge.status != PledgeStatus.validated:
        conv.say(Reply((text(N_("{ref} is not open for progress reports."), ref=Code(pledge.ref or "")),)))
        return
    answers = {**collected(REPORT_FORM, state), FINANCIAL: hidden.get(FINANCIAL)}
    stored = await _store(conv, pledge, state, answers)
    if stored is None:
        return
    report, action = stored
    await audit(conv.session, conv.contact, action, "report", report.id, pledge=pledge.ref, period=report.period,
                version=report.version)
    await withdraw_reported(Reminders(conv.session), report.created_at - REPORTED_JUST_NOW, conv.now)
    parts: list[Label] = [text(N_("Thank you! Your report on {ref} for {period} is sent to BDT. See it any time "
                                  "with /mypledges."), ref=Code(pledge.ref or ""), period=period_label(report.period))]
    closing: tuple[tuple[Button, ...], ...] = ()
    if answers.get("pledge_complete") == "yes" and report.percent_complete >= FULL:
        await complete_pledge(conv, pledge, report)
        parts.append(Text(N_("Congratulations: the pledge is now marked completed, and no more reports will be "
                             "asked for it.")))
    elif answers.get("pledge_complete") == "yes":  # complete at 75 %? closing cannot be undone: ask, naming it
        parts.append(text(N_("You said the whole pledge is complete, but its progress is {percent}. Mark {ref} "
                             "completed all the same? No more reports will be asked for it, and it cannot be "
                             "reopened."), percent=percent_label(report.percent_complete), ref=Code(pledge.ref or "")))
        closing = ((Button(Text(N_("🏁 Yes, it is complete")), f"rp:done:{report.id}"),
                    Button(Text(N_("No, not yet")), f"mp:open:{pledge.id}")),)
    conv.say(Reply(tuple(parts), closing))
    await notify_staff_of_report(conv, report, pledge, entity)
    if action == "report.resubmitted":
        await tell_colleagues_answered(conv, report, pledge)


async def colleagues(conv: Conversation, entity_id: int) -> list[Contact]:
    """The other reachable focal points of the person's organisation."""
    return [c for c in await Contacts(conv.session).focal_points_of(entity_id) if c.id != conv.contact.id]


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


async def complete_pledge(conv: Conversation, pledge: Pledge, report: ProgressReport) -> None:
    """Mark a validated pledge completed as its focal point said in `report` (no more reports), and audit it."""
    pledge.status, pledge.updated_at = PledgeStatus.completed, conv.now
    await audit(conv.session, conv.contact, "pledge.completed", "pledge", pledge.id, ref=pledge.ref,
                period=report.period, percent=report.percent_complete)
    notice = Reply((text(N_("🏁 {person} marked {ref} “{title}” completed, in the report for {period} ({percent}). No "
                            "more reports will be asked for it."), person=name_of(conv.contact),
                         ref=Code(pledge.ref or ""), title=pledge.title, period=period_label(report.period),
                         percent=percent_label(report.percent_complete)),))
    for member in await colleagues(conv, pledge.entity_id):
        await outbox.enqueue(conv.session, member, notice, f"completed-colleague:{pledge.id}:{member.id}",
                             priority=outbox.NOTICE)


async def confirm_completed(conv: Conversation, entity: Entity, report_id: int) -> None:
    """Button rp:done:<report id>: the focal point confirms the pledge complete at less than 100 %; staff are told."""
    reports = Reports(conv.session)
    found = await reports.get(report_id)  # which pledge: a report never moves to another
    pledge = await conv.session.get(Pledge, found.pledge_id, with_for_update=True) if found is not None else None
    # read again under the pledge's lock, which a replacing report takes first: replaced meanwhile, it is not current
    report = await reports.get(report_id, for_update=True) if pledge is not None else None
    if report is None or pledge is None or pledge.entity_id != entity.id:
        await refuse(conv, "report.done", "report", report_id)
        return
    ref = Code(pledge.ref or "")
    if pledge.status == PledgeStatus.completed:
        conv.say(Reply((text(N_("{ref} is already marked completed."), ref=ref),)))
        return
    if pledge.status != PledgeStatus.validated or not report.is_current:
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return
    if not may_be_complete(answers_of_report(report)):  # corrected since the question, or a button never offered
        conv.say(Reply((text(N_("The report on {ref} for {period} does not say the work is complete "
                                "(its status is “{status}”, {percent}), so {ref} stays open. To close it, send a "
                                "report that says it is completed."), ref=ref, period=period_label(report.period),
                           status=report_status_label(report.status),
                           percent=percent_label(report.percent_complete)),)))
        return
    await complete_pledge(conv, pledge, report)
    conv.say(Reply((text(N_("{ref} is now marked completed, and no more reports will be asked for it."), ref=ref),)))
    notice = Reply((text(N_("🏁 {ref} “{title}” was marked completed by its focal point {person}, with its progress "
                            "at {percent} in the report for {period}. No more reports will be asked for it."),
                         ref=ref, title=pledge.title,
                         person=described(person_for_staff(conv.contact), organisation_label(entity)),
                         percent=percent_label(report.percent_complete), period=period_label(report.period)),))
    for member in await staff_contacts(conv.session):
        await outbox.enqueue(conv.session, member, notice, f"completed:{pledge.id}:{member.id}",
                             priority=outbox.NOTICE)


async def _store(conv: Conversation, pledge: Pledge, state: FormState,
                 answers: dict[str, object]) -> tuple[ProgressReport, str] | None:
    """Insert the new report (retiring the one it replaces) or update the edited one; None when refused."""
    reports = Reports(conv.session)
    editing = state.answers.get(REPORT_ID)
    if editing is not None:
        report = await reports.get(int(editing), for_update=True)
        if report is None or report.pledge_id != pledge.id:
            conv.say(Reply((Text(N_("This report can no longer be edited.")),)))
            return None
        if not report.is_current or report.review_status != ReviewStatus.clarification_requested \
                or state.answers.get(EDITED_VERSION, report.version) != report.version:
            await edited_meanwhile(conv, pledge, report, state)
            return None
        apply_report(report, answers)
        report.version += 1
        report.review_status, report.updated_at = ReviewStatus.submitted, conv.now
        await conv.session.flush()
        return report, "report.resubmitted"
    period = str(state.answers[PERIOD])
    existing = await reports.current_for(pledge.id or 0, period)
    if existing is not None and existing.id != state.answers.get(REPLACES):
        # reported meanwhile (another focal point, another device): replacing needs a confirmation
        again = {**state.answers, REPLACES: existing.id}
        await begin(conv, REPORT, again, text(N_("A report for {period} arrived meanwhile (sent {date}). Submit "
                                                 "again to replace it; both stay in the history."),
                                              period=period_label(period), date=Day(existing.created_at.date())))
        return None
    report = ProgressReport(pledge_id=pledge.id or 0, period=period, status="", steps_taken="",
                            submitted_by=conv.contact.id, created_at=conv.now, updated_at=conv.now)
    apply_report(report, answers)
    await reports.add(report, replacing=existing.id if existing is not None else None)
    return report, "report.replaced" if existing is not None else "report.submitted"


async def edited_meanwhile(conv: Conversation, pledge: Pledge, report: ProgressReport, state: FormState) -> None:
    """An edit sent after the report changed (a colleague answered BDT's question first, or sent a newer report):
    who sent what is there now and when, and what this person changed, kept: the report as it is now, with their
    changes applied, is opened at its summary, to send (as an edit if BDT asked again, else as a report replacing it)
    or to cancel. Nothing is sent without their word."""
    current = report if report.is_current else await Reports(conv.session).current_for(pledge.id or 0, report.period)
    if current is None:
        conv.say(Reply((Text(N_("This report can no longer be edited.")),)))
        return
    where = {"ref": Code(pledge.ref or ""), "period": period_label(report.period)}
    if current.id == report.id:
        said = await answered_by(conv, pledge, current)
    else:
        said = text(N_("{person} sent a newer report on {ref} for {period} on {date}, and BDT has it now."),
                    person=_who(await sender_of(conv.session, current)), date=Day(current.created_at.date()), **where)
    opened = state.answers.get(EDITED_FROM)
    # a draft opened before its answers were kept with it: what differs from the report as it is now
    before = opened if isinstance(opened, dict) else answers_of_report(current)
    changes = {key: value for key, value in collected(REPORT_FORM, state).items() if value != before.get(key)}
    if not changes:
        conv.say(Reply((said, Text(N_("You had changed nothing in your copy, so nothing of yours is lost.")))))
        return
    conv.say(Reply((said, Text(N_("Your changes were not sent, but they are kept: here is the report as it is now, "
                                  "with your changes applied.")))))
    named = Items(tuple(Text(step.label) for step in REPORT_FORM.steps if step.id in changes))
    if current.review_status == ReviewStatus.clarification_requested:  # BDT asked again: answer it, as an edit
        await start_report(conv, edit_answers(current, pledge, changes), text(
            N_("BDT asked about the report on {ref} for {period} again:\n“{question}”\nYour changes ({fields}) are "
               "applied below. Edit what needs clarifying, then submit."),
            question=shorten(current.staff_comment or "", QUESTION_EXCERPT), fields=named, **where))
        return
    answers = {**answers_of_report(current), **changes, **pledge_facts(pledge, current.period), REPLACES: current.id}
    await start_report(conv, answers, text(
        N_("The report on {ref} for {period} as it is now, with your changes ({fields}). Submit it to send your "
           "changes to BDT as a report that replaces it (both stay in the history), or cancel."),
        fields=named, **where))


async def notify_staff_of_report(conv: Conversation, report: ProgressReport, pledge: Pledge, entity: Entity) -> None:
    """Send the report to every staff member with Acknowledge / Ask for clarification (and its evidence), saying
    which report it replaces; that one's notification, still waiting for a decision, is closed."""
    earlier = await Reports(conv.session).predecessor(report)
    message = report_review_notice(report, pledge, entity, conv.contact, earlier)
    for member in await staff_contacts(conv.session):
        await outbox.enqueue(conv.session, member, message, f"report:{report.id}:v{report.version}:{member.id}",
                             priority=outbox.NOTICE)
    if earlier is not None and report.version == 1 and earlier.review_status == ReviewStatus.submitted:
        notice = report_notice(earlier, pledge, entity, await sender_of(conv.session, earlier))
        kept = (((Button(Text(N_("📎 Show the evidence")), f"rp:ev:{earlier.id}"),),) if earlier.evidence else ()) \
            + notice.buttons
        await close_staff_copies(conv.session, f"report:{earlier.id}:v{earlier.version}", notice,
                                 N_("🔄 Replaced on {when} by a newer report."), "", conv.now,
                                 conv.deps.timezone, kept)


async def sender_of(session: Session, report: ProgressReport) -> Contact | None:
    """Who sent the report's current version: the last to submit or edit it, else its submitter (None when neither
    is known)."""
    return await acted_last(session, "report", report.id, SENDINGS, report.submitted_by)


def report_review_notice(report: ProgressReport, pledge: Pledge, entity: Entity, sender: Contact | None,
                         replaced: ProgressReport | None = None) -> Reply:
    """The staff notification of a report, with Acknowledge / Ask for clarification (and its evidence)."""
    buttons: list[tuple[Button, ...]] = [(Button(Text(N_("✅ Acknowledge")), f"rs:ack:{report.id}"),
                                          Button(Text(N_("💬 Ask for clarification")), f"rs:ask:{report.id}"))]
    if report.evidence:
        buttons.append((Button(Text(N_("📎 Show the evidence")), f"rp:ev:{report.id}"),))
    message = report_notice(report, pledge, entity, sender, replaced)
    return Reply(message.parts, (*buttons, *message.buttons))


def report_notice(report: ProgressReport, pledge: Pledge, entity: Entity, sender: Contact | None,
                  replaced: ProgressReport | None = None) -> Reply:
    """What staff read of a report: who sent it (the organisation with its number, and the focal point who sent this
    version with their Telegram id: no line when unknown), its card, long texts shortened, with 📖 buttons to read
    them whole; and which report it `replaced`, if any."""
    head = N_("A progress report was sent by {entity}:") if report.version == 1 else \
        N_("A progress report was edited by {entity} after your question:")
    wholes = long_fields(report, ("rs", "rc", "rn"))
    head_parts: tuple[Label, ...] = (text(head, entity=organisation_label(entity, NAME_EXCERPT)),)
    if sender is not None:
        head_parts += (Line(Text(N_("Submitted by")), person_for_staff(sender)),)
    if replaced is not None:  # the earlier one needs no decision any more
        head_parts += (text(N_("It replaces the report for the same period sent on {date}."),
                            date=Day(replaced.created_at.date())),)
    closed: tuple[Label, ...] = ()
    if pledge.status == PledgeStatus.completed:  # only its focal point closes a pledge, with a report
        closed = (text(N_("🏁 Its focal point marked {ref} completed: no more reports will be asked for it."),
                       ref=Code(pledge.ref or "")),)
    return Reply((*head_parts, *report_card(report, pledge), *closed),
                 tuple(tuple(wholes[i:i + 2]) for i in range(0, len(wholes), 2)))


REPORT = Journey(REPORT_FORM, finish_report, check_report)
