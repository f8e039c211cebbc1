"""Staff on progress reports: acknowledge, ask for a clarification (with a comment), and set a pledge's cadence."""

from __future__ import annotations

from handlers import buttons, outbox
from handlers.conversation import Conversation, Journey, begin
from handlers.entities import is_staff, is_staff_contact, refuse, refuse_own
from handlers.forms.base import FormState
from handlers.forms.comments import COMMENT, comment_form, readers_note
from handlers.helpdesk.settled import settle_report_questions
from handlers.messages import N_, Button, Code, Concat, Day, Label, Line, Reply, Text, text
from handlers.people import audit, decided_by, name_of, staff_member
from handlers.pledges.service import focal_points, nobody_told
from handlers.reports.cadence import (
    CADENCE_LABELS,
    CADENCES,
    OPEN_FOR_CADENCE,
    SHOWN,
    cadence_buttons,
    cadence_label,
    cadence_news,
)
from handlers.reports.cards import next_due_label, period_label
from handlers.reports.colleagues import sender_of
from handlers.reports.notices import acknowledge_button, report_copy_key
from handlers.reports.rules import due_of
from handlers.reports.service import parse_code, report_notice, report_review_notice
from handlers.staff_notices import close_staff_copies
from models.reporting import cadence_change, cadence_on, period_of
from models.repositories.audit import AuditTrail
from models.repositories.reports import Reports
from models.tables import Entity, Pledge, ProgressReport
from models.values import REVIEW_TRANSITIONS, PledgeStatus, ReviewStatus

CLARIFY_FORM = comment_form("report_review", N_("Report review"),
                            N_("Write your question for the focal point (it is sent as you write it)."))

DECISIONS = frozenset(f"report.{verdict.value}" for verdict in REVIEW_TRANSITIONS[ReviewStatus.submitted])
"""The audit actions of a staff decision on a report (not the focal point's own "report.submitted")."""



def _decidable(report: ProgressReport, verdict: ReviewStatus) -> bool:
    return report.is_current and verdict in REVIEW_TRANSITIONS[ReviewStatus(report.review_status)]


async def review_button(conv: Conversation, code: str) -> None:
    """rs:ack|ask:<report id>:<version>: acknowledge at once, or open the comment of a question; staff only. Only
    the version the button was shown with (a code without one: version 1)."""
    parsed = parse_code(code, "rs", frozenset({"ack", "ask"}))
    if not is_staff(conv) or parsed is None:
        await refuse(conv, "report.review", "report", parsed[1] if parsed else None)
        return
    verb, report_id = parsed
    button = buttons.parse(code)
    shown = button.version if button is not None and button.version is not None else 1
    report = await Reports(conv.session).get(report_id, for_update=True)
    pledge = await conv.session.get(Pledge, report.pledge_id) if report is not None else None
    if report is None or pledge is None:
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return
    verdict = ReviewStatus.acknowledged if verb == "ack" else ReviewStatus.clarification_requested
    if not _decidable(report, verdict):
        await already_decided(conv, report, pledge)
        return
    if report.version != shown:  # edited since: what they read is not what they would decide on
        await _edited_since(conv, report, pledge)
        return
    if await _sent_by_them(conv, report, pledge):
        return
    if verdict is ReviewStatus.acknowledged:
        await decide(conv, report, pledge, verdict, None)
        return
    await begin(conv, CLARIFY, {"$report_id": report.id, "$version": report.version},
                text(N_("What should the focal point clarify in the report on {ref} for {period}?"),
                     ref=Code(pledge.ref or ""), period=period_label(report.period)),
                once=readers_note(await focal_points(conv, pledge.entity_id), conv.deps.default_locale))


async def finish_clarify(conv: Conversation, state: FormState) -> None:
    """Ask the focal points for a clarification once the comment is written, unless someone decided meanwhile."""
    report_id = int(state.answers["$report_id"])
    if not is_staff(conv):
        await refuse(conv, "report.review", "report", report_id)
        return
    report = await Reports(conv.session).get(report_id, for_update=True)
    pledge = await conv.session.get(Pledge, report.pledge_id) if report is not None else None
    if report is None or pledge is None:
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return
    if report.version != state.answers.get("$version") or not _decidable(report, ReviewStatus.clarification_requested):
        await already_decided(conv, report, pledge)
        conv.say(Reply((Line(Text(N_("Comment")), str(state.answers[COMMENT])),)))  # given back: nothing typed is lost
        return
    if await _sent_by_them(conv, report, pledge):
        return
    await decide(conv, report, pledge, ReviewStatus.clarification_requested, str(state.answers[COMMENT]))


async def _edited_since(conv: Conversation, report: ProgressReport, pledge: Pledge) -> None:
    """Tell a staff member that the report was edited since the version their button showed, and show it now."""
    conv.say(Reply((text(N_("The report on {ref} for {period} was edited since the version you saw: nothing of yours "
                            "was applied or sent. Here is the current version."), ref=Code(pledge.ref or ""),
                         period=period_label(report.period)),)))
    entity = await conv.session.get(Entity, pledge.entity_id)
    if entity is not None:
        reports = Reports(conv.session)
        conv.say(report_review_notice(report, pledge, entity, await sender_of(conv.session, report),
                                      await reports.predecessor(report)), copy_of=report_copy_key(report))


async def _sent_by_them(conv: Conversation, report: ProgressReport, pledge: Pledge) -> bool:
    """True (and the staff member refused) when they submitted the report or sent its current version."""
    sender = await sender_of(conv.session, report)
    if conv.contact.id not in (report.submitted_by, sender.id if sender is not None else None):
        return False
    await refuse_own(conv, "report.review", "report", report.id,
                     text(N_("You sent the report on {ref} for {period} yourself."), ref=Code(pledge.ref or ""),
                          period=period_label(report.period)))
    return True


async def already_decided(conv: Conversation, report: ProgressReport, pledge: Pledge) -> None:
    """Tell a staff member that someone else reviewed the report first (the row lock of `Reports.get(...,
    for_update=True)` makes the second of two simultaneous reviews see the first), and who; or that its focal point
    replaced it, showing the current report when it waits for a decision."""
    assert report.id is not None
    if not report.is_current:
        await replaced(conv, report, pledge)
        return
    who = await decided_by(conv.session, "report", report.id, DECISIONS)
    if report.review_status == ReviewStatus.clarification_requested:  # a question is no decision: it can still be
        conv.say(Reply((text(N_("{person} already asked for a clarification of the report on {ref} for {period}: it "
                                "waits for the focal point's answer. Nothing of yours was sent. Once the answer "
                                "satisfies you, acknowledge the report."), ref=Code(pledge.ref or ""),
                             period=period_label(report.period), person=who),), ((acknowledge_button(report),),)),
                 copy_of=asked_copy_key(report))  # its ✅ Acknowledge goes once someone acknowledged (decide)
        return
    conv.say(Reply((text(N_("The report on {ref} for {period} was already decided by {person}. Nothing of yours was "
                            "applied or sent."), ref=Code(pledge.ref or ""), period=period_label(report.period),
                         person=who),)))


async def replaced(conv: Conversation, report: ProgressReport, pledge: Pledge) -> None:
    """Tell a staff member that the report they decided on was replaced by a newer one (and when); show the
    current report of that period if it waits for a decision."""
    reports = Reports(conv.session)
    current = await reports.current_for(pledge.id or 0, report.period)
    newer = (await reports.get(report.replaced_by) if report.replaced_by is not None else None) or current
    sent = newer.created_at if newer is not None else report.updated_at or report.created_at  # none found
    conv.say(Reply((text(N_("The report on {ref} for {period} was replaced by a newer report, sent on {date}. Nothing "
                            "of yours was applied or sent."), ref=Code(pledge.ref or ""),
                         period=period_label(report.period), date=Day(sent.date())),)))
    entity = await conv.session.get(Entity, pledge.entity_id)
    if current is not None and entity is not None and current.review_status == ReviewStatus.submitted:
        conv.say(report_review_notice(current, pledge, entity, await sender_of(conv.session, current),
                                      await reports.predecessor(current)), copy_of=report_copy_key(current))


async def decide(conv: Conversation, report: ProgressReport, pledge: Pledge, verdict: ReviewStatus,
                 comment: str | None) -> None:
    """Record the decision, audit it, tell the entity's focal points in their language, and close every staff copy of
    the report's notification."""
    entity = await conv.session.get(Entity, pledge.entity_id)
    sender = await sender_of(conv.session, report)
    # the notice as staff were sent it, read before the decision: an edit answering BDT's question names that
    # question, not the one asked now
    notice = report_notice(report, pledge, entity, sender, await Reports(conv.session).predecessor(report)) \
        if entity is not None else None
    report.review_status, report.updated_at = verdict, conv.now
    if comment is not None:
        report.staff_comment = comment
    await audit(conv.session, conv.contact, f"report.{verdict.value}", "report", report.id, pledge=pledge.ref,
                period=report.period, version=report.version)
    ref, period = Code(pledge.ref or ""), period_label(report.period)
    told = await focal_points(conv, pledge.entity_id)
    buttons: tuple[tuple[Button, ...], ...] = ()
    if verdict is ReviewStatus.acknowledged:
        done = text(N_("Done: the report on {ref} for {period} is acknowledged."), ref=ref, period=period)
    else:
        done = text(N_("Done: your question on the report on {ref} for {period} is sent."), ref=ref, period=period) \
            if told else text(N_("Done: your question on the report on {ref} for {period} is recorded."), ref=ref,
                              period=period)
        buttons = ((Button(Text(N_("✏️ Edit the report")), f"rp:edit:{report.id}"),),)
    for member in told:
        news = decision_news(verdict, ref, period, comment, None if sender is None or sender.id == member.id
                             else name_of(sender))
        await outbox.enqueue(conv.session, member, Reply(news, buttons),
                             f"report-decision:{report.id}:v{report.version}:{verdict.value}:{member.id}",
                             priority=outbox.NOTICE)
    # the questions that answered BDT's about it, settled after the focal points heard of the acknowledgement
    settled = await settle_report_questions(conv, report) if verdict is ReviewStatus.acknowledged else ()
    said = Reply((done,)) if told else await nobody_told(conv, pledge.entity_id, done)
    conv.say(Reply((*said.parts, *settled), said.buttons))
    if notice is not None:  # every staff copy of the report's notification: no buttons left to press, who and when
        footer = N_("✅ Acknowledged by {person} on {when}.") if verdict is ReviewStatus.acknowledged else \
            N_("💬 Clarification asked by {person} on {when}.")
        kept = (((Button(Text(N_("📎 Show the evidence")), f"rp:ev:{report.id}"),),) if report.evidence else ()) \
            + notice.buttons
        # each verdict an edit of its own: acknowledged after a clarification was asked, the notification said only
        # "💬 Clarification asked" (a tester; the acknowledgement's edit had the key of the first)
        await close_staff_copies(conv.session, report_copy_key(report), notice, footer,
                                 staff_member(conv.contact), conv.now, conv.deps.timezone, kept, stage=verdict.value)
        if verdict is ReviewStatus.acknowledged:  # and the ✅ Acknowledge offered to a question asked too late
            await close_staff_copies(conv.session, asked_copy_key(report), notice, footer,
                                     staff_member(conv.contact), conv.now, conv.deps.timezone, kept,
                                     stage=verdict.value)


def asked_copy_key(report: ProgressReport) -> str:
    """What the answer to a question on a report already asked about (its ✅ Acknowledge) is said as a copy of
    (Conversation.say's `copy_of`), whichever version it was about: closed when the report is acknowledged."""
    return f"report-asked:{report.id}"


def decision_news(verdict: ReviewStatus, ref: Label, period: Label, comment: str | None,
                  sender: Label | None) -> tuple[Label, ...]:
    """What a focal point is told of BDT's decision on a report: "your report" when they sent it (or who did is not
    known), else the report "sent by" the colleague who did, so that it is true for every focal point told."""
    if verdict is ReviewStatus.acknowledged:
        if sender is None:
            return (text(N_("BDT has acknowledged your report on {ref} for {period}. Thank you!"), ref=ref,
                         period=period),)
        return (text(N_("BDT has acknowledged the report on {ref} for {period} sent by {person}. Thank you!"),
                     ref=ref, period=period, person=sender),)
    if sender is None:
        return (text(N_("BDT asks for a clarification on your report on {ref} for {period}:"), ref=ref,
                     period=period), comment or "")
    return (text(N_("BDT asks for a clarification on the report on {ref} for {period} sent by {person}:"), ref=ref,
                 period=period, person=sender), comment or "")


async def cadence_button(conv: Conversation, code: str) -> None:
    """pc:a|h|q:<pledge id>[:<cadence shown>]: staff set how often a pledge reports; audited with the old and new
    cadence. A colleague's change made since the card was shown is said, and nothing is changed."""
    parsed = buttons.parse(code)
    if not is_staff(conv) or parsed is None or parsed.prefix != "pc" or parsed.verb not in CADENCES:
        await refuse(conv, "pledge.cadence", "pledge", parsed.id if parsed else None)
        return
    key, pledge_id = parsed.verb, parsed.id or 0
    pledge = await conv.session.get(Pledge, pledge_id, with_for_update=True)
    if pledge is None or pledge.status not in OPEN_FOR_CADENCE:
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return
    if parsed.version is not None and parsed.version != SHOWN.get(pledge.reporting_cadence) \
            and not await _set_last_by(conv, pledge_id):  # their own earlier press, corrected from the same card
        who = await decided_by(conv.session, "pledge", pledge_id, ("pledge.cadence",))
        conv.say(Reply((text(N_("Since your card was shown, {person} has set {ref} to report {cadence}. Nothing of "
                                "yours was changed; press a button again to change it."),
                             person=who, ref=Code(pledge.ref or ""),
                             cadence=cadence_label(pledge.reporting_cadence)),),
                       (cadence_buttons(pledge),)))
        return
    before = (pledge.reporting_cadence, pledge.previous_cadence, pledge.cadence_since)
    change = cadence_change(pledge, CADENCES[key], conv.today)
    ref, cadence = Code(pledge.ref or ""), Text(CADENCE_LABELS[change.cadence])
    if change.since is not None and pledge.end_date is not None and change.since > pledge.end_date:
        # the new cadence would begin after the pledge's last day: no period of it would ever be asked for
        now = cadence_label(cadence_on(pledge, pledge.end_date))
        said = (N_("{ref} ended on {date}, before a new cadence could begin: it keeps reporting {cadence} until its "
                   "last report, so nothing was changed.") if pledge.end_date < conv.today else
                N_("{ref} ends on {date}, before a new cadence could begin: it keeps reporting {cadence} until its "
                   "last report, so nothing was changed."))
        conv.say(Reply((text(said, ref=ref, date=Day(pledge.end_date), cadence=now),)))
        return
    changed = (change.cadence, change.previous, change.since) != before
    done: Label
    if not changed:  # its own button pressed: said as no change (a tester read "now reports" as one)
        done = text(N_("{ref} already reports {cadence}: nothing was changed."), ref=ref, cadence=cadence)
    elif change.since is None or change.previous is None:
        done = text(N_("{ref} now reports {cadence}."), ref=ref, cadence=cadence)
    else:
        period, previous = period_label(period_of(change.since, change.cadence)), Text(CADENCE_LABELS[change.previous])
        # TRANSLATORS: {period} is a reporting period ("first quarter of 2027", "2027 (a whole year)"); {cadence}
        # and {previous} are "once a year", "twice a year" or "every quarter".
        done = text(N_("{ref} now reports {cadence}, starting with {period}; the periods before it are still "
                       "reported {previous}, so this change makes none of them overdue."),
                    ref=ref, cadence=cadence, period=period, previous=previous)
    if changed:
        pledge.reporting_cadence, pledge.previous_cadence, pledge.cadence_since = change.cadence, change.previous, \
            change.since
        pledge.updated_at = conv.now
        await audit(conv.session, conv.contact, "pledge.cadence", "pledge", pledge.id, ref=pledge.ref,
                    before=before[0], after=change.cadence, since=change.since.isoformat() if change.since else None)
    news = await with_overdue(conv, pledge, cadence_news(pledge, conv.today))  # as staff are told: an earlier
    done = await with_overdue(conv, pledge, done)  # period left overdue is said to both
    if not changed or pledge.status != PledgeStatus.validated:  # its focal points learn it with the validation
        conv.say(Reply((done,)))
        return
    told = await focal_points(conv, pledge.entity_id)
    conv.say(Reply((done,)) if told else await nobody_told(conv, pledge.entity_id, done))
    for member in told:
        await outbox.enqueue(conv.session, member, Reply((news,)),
                             f"pledge-cadence:{pledge.id}:{conv.now.isoformat()}:{member.id}", priority=outbox.NOTICE)


async def _set_last_by(conv: Conversation, pledge_id: int) -> bool:
    """Whether the person pressing set the pledge's cadence last: a card's buttons keep the cadence it showed, and a
    staff member correcting their own mis-click from it is no colleague's change to warn of."""
    entry = await AuditTrail(conv.session).last_entry("pledge", pledge_id, ("pledge.cadence",))
    return entry is not None and entry[0] is not None and entry[0] == conv.contact.id


async def with_overdue(conv: Conversation, pledge: Pledge, done: Label) -> Label:
    """`done`, then the report already overdue (as /mypledges says it), if the validated pledge has one: a cadence
    change makes no period overdue, and leaves one already overdue as it was."""
    if pledge.status != PledgeStatus.validated or pledge.id is None:
        return done
    due = due_of(pledge, (await Reports(conv.session).reported_periods([pledge.id])).get(pledge.id, set()), conv.today)
    return Concat((done, "\n", next_due_label(due))) if due.overdue else done


CLARIFY = Journey(CLARIFY_FORM, finish_clarify, may=is_staff_contact)
