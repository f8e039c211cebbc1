"""A pledge marked completed by a report: at 100 % at once, below it once its focal point confirms; its colleagues
and BDT staff are told."""

from __future__ import annotations

from handlers import outbox
from handlers.conversation import Conversation
from handlers.entities import refuse
from handlers.messages import N_, Code, Reply, Text, text
from handlers.people import audit, name_of, staff_contacts
from handlers.report_reminders import withdraw_changed
from handlers.reports.cards import period_label, report_status_label
from handlers.reports.colleagues import DISCARDED_WITH_PLEDGE, colleagues, discard_reports_on
from handlers.reports.form import may_be_complete, percent_label
from handlers.reports.rules import answers_of_report
from handlers.staff_notices import described, organisation_label, person_for_staff
from models.repositories.reminders import Reminders
from models.repositories.reports import Reports
from models.tables import Entity, Pledge, ProgressReport
from models.values import PledgeStatus

FULL = 100
"""The progress of a pledge complete without question; below it, closing the pledge is asked again."""


async def complete_pledge(conv: Conversation, pledge: Pledge, report: ProgressReport, *,
                          reminders: bool = True) -> set[int]:
    """Mark a validated pledge completed as its focal point said in `report` (no more reports), take it out of the
    reminders and notices not sent yet (unless `reminders` is False: the caller brings them up to date next, in one
    pass, rather than lock them twice), and audit it. The reports in progress on it are discarded (its colleagues are
    told so with the news); the ids of the people whose report was."""
    pledge.status, pledge.updated_at = PledgeStatus.completed, conv.now
    if reminders:
        await withdraw_changed(Reminders(conv.session), pledge.entity_id, conv.now)
    await audit(conv.session, conv.contact, "pledge.completed", "pledge", pledge.id, ref=pledge.ref,
                period=report.period, percent=report.percent_complete)
    notice = Reply((text(N_("🏁 {person} marked {ref} “{title}” completed, in the report for {period} ({percent}). No "
                            "more reports will be asked for it."), person=name_of(conv.contact),
                         ref=Code(pledge.ref or ""), title=pledge.title, period=period_label(report.period),
                         percent=percent_label(report.percent_complete)),))
    discarded = await discard_reports_on(conv.session, pledge)  # a colleague's report on it: no longer taken
    for member in await colleagues(conv, pledge.entity_id):
        lines = (text(DISCARDED_WITH_PLEDGE, pledge=Code(pledge.ref or "")),) if member.id in discarded else ()
        await outbox.enqueue(conv.session, member, Reply((*notice.parts, *lines)),
                             f"completed-colleague:{pledge.id}:{member.id}", priority=outbox.NOTICE)
    return discarded


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
    discarded = await complete_pledge(conv, pledge, report)  # the presser's own report begun since, too
    conv.say(Reply((text(N_("{ref} is now marked completed, and no more reports will be asked for it."), ref=ref),
                    *((text(DISCARDED_WITH_PLEDGE, pledge=ref),) if conv.contact.id in discarded else ()))))
    notice = Reply((text(N_("🏁 {ref} “{title}” was marked completed by its focal point {person}, with its progress "
                            "at {percent} in the report for {period}. No more reports will be asked for it."),
                         ref=ref, title=pledge.title,
                         person=described(person_for_staff(conv.contact), organisation_label(entity)),
                         percent=percent_label(report.percent_complete), period=period_label(report.period)),))
    for member in await staff_contacts(conv.session):
        await outbox.enqueue(conv.session, member, notice, f"completed:{pledge.id}:{member.id}",
                             priority=outbox.NOTICE)
