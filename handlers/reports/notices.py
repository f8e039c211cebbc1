"""What staff read of a progress report: who sent it, its card, the buttons of their decision, and which report it
replaces (that one's notice, still waiting for a decision, closed)."""

from __future__ import annotations

from handlers import outbox
from handlers.conversation import Conversation
from handlers.fulltext import long_fields
from handlers.lengths import shorten
from handlers.messages import N_, Button, Code, Day, Label, Line, Reply, Text, text
from handlers.people import staff_contacts
from handlers.reports.cards import period_label, report_card
from handlers.reports.colleagues import QUESTION_EXCERPT, sender_of
from handlers.staff_notices import close_staff_copies, organisation_label, person_for_staff
from models.repositories.reports import Reports
from models.tables import Contact, Entity, Pledge, ProgressReport
from models.values import PledgeStatus, ReviewStatus

NAME_EXCERPT = 100
"""How much of an organisation's name (up to 200 characters) a report's notice shows: beside its sender's name at
its longest and every answer at its longest, the notice fits one message in any language."""


async def notify_staff_of_report(conv: Conversation, report: ProgressReport, pledge: Pledge, entity: Entity,
                                 changes: tuple[Label, ...] | None = None, *, replaces_none: bool = False) -> None:
    """Send the report to every staff member with Acknowledge / Ask for clarification (and its evidence), saying
    which report it replaces; that one's notification, still waiting for a decision, is closed. An edit answering
    BDT's question comes after what it changed (`changes`, one line per answer), as a pledge's resubmission does:
    a message of its own, so that each fits Telegram's limit, and the buttons are on the last message.
    `replaces_none`: the report was just stored as the first of its period (no earlier report to read)."""
    earlier = None if replaces_none else await Reports(conv.session).predecessor(report)
    message = report_review_notice(report, pledge, entity, conv.contact, earlier)
    changed = changes_since_question(report, pledge, changes) if changes is not None else None
    for member in await staff_contacts(conv.session):
        if changed is not None:  # first, as a pledge's changes are: the notice's buttons stay on the last message
            await outbox.enqueue(conv.session, member, changed,
                                 f"report-changes:{report.id}:v{report.version}:{member.id}", priority=outbox.NOTICE)
        await outbox.enqueue(conv.session, member, message, f"{report_copy_key(report)}:{member.id}",
                             priority=outbox.NOTICE)
    if earlier is not None and report.version == 1 and earlier.review_status == ReviewStatus.submitted:
        notice = report_notice(earlier, pledge, entity, await sender_of(conv.session, earlier))
        kept = (((Button(Text(N_("📎 Show the evidence")), f"rp:ev:{earlier.id}"),),) if earlier.evidence else ()) \
            + notice.buttons
        await close_staff_copies(conv.session, report_copy_key(earlier), notice,
                                 N_("🔄 Replaced on {when} by a newer report."), "", conv.now,
                                 conv.deps.timezone, kept)


def report_copy_key(report: ProgressReport) -> str:
    """The outbox key of the staff notification of the report's current version, before ":<staff member id>"."""
    return f"report:{report.id}:v{report.version}"


def changes_since_question(report: ProgressReport, pledge: Pledge, changes: tuple[Label, ...]) -> Reply:
    """What an edit answering BDT's question changed, answer by answer."""
    parts: tuple[Label, ...] = (Line(Text(N_("Reference")), Code(pledge.ref or "—")),
                                Line(Text(N_("Period")), period_label(report.period)))
    return Reply((*parts, *((Text(N_("Changed since BDT's question:")), *changes) if changes
                            else (Text(N_("Nothing was changed since BDT's question.")),))))


def acknowledge_button(report: ProgressReport) -> Button:
    """✅ Acknowledge, for staff: on a report's notice, and on what answers their question about it; for the version
    shown (a tester acknowledged from a question's copy a version edited since, which they had not read)."""
    return Button(Text(N_("✅ Acknowledge")), f"rs:ack:{report.id}:{report.version}")


def is_acknowledge_of(code: str, report_id: int) -> bool:
    """Whether a button's code is the ✅ Acknowledge of that report, of any version (or of none: sent before)."""
    return code == f"rs:ack:{report_id}" or code.startswith(f"rs:ack:{report_id}:")


def report_review_notice(report: ProgressReport, pledge: Pledge, entity: Entity, sender: Contact | None,
                         replaced: ProgressReport | None = None) -> Reply:
    """The staff notification of a report, with Acknowledge / Ask for clarification (and its evidence)."""
    buttons: list[tuple[Button, ...]] = [(acknowledge_button(report),
                                          Button(Text(N_("💬 Ask for clarification")),
                                                 f"rs:ask:{report.id}:{report.version}"))]
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
        N_("A progress report was edited by {entity} after BDT's question:")
    wholes = long_fields(report, ("rs", "rc", "rn"))
    head_parts: tuple[Label, ...] = (text(head, entity=organisation_label(entity, NAME_EXCERPT)),)
    if report.version > 1 and report.staff_comment:  # every staff member reads which question it answers
        head_parts += (Line(Text(N_("BDT's question")), shorten(report.staff_comment, QUESTION_EXCERPT)),)
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
