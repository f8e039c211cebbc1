"""Every progress report of a pledge (📜, mp:hist:<id>): its details list the latest HISTORY_LIMIT and count the
earlier ones; this lists them all, ten a message, each with its evidence button."""

from __future__ import annotations

from handlers.conversation import Conversation
from handlers.entities import is_staff, refuse
from handlers.lengths import LIST_TITLE, shorten
from handlers.messages import N_, Button, Code, Concat, Label, Line, Reply, Text
from handlers.people import name_of
from handlers.readers import may_read
from handlers.reports.cards import SENDER_EXCERPT, period_label, report_line
from handlers.reports.colleagues import sender_of
from handlers.staff_notices import person_for_staff
from models.repositories.pledges import Pledges
from models.repositories.reports import Reports
from models.tables import ProgressReport

PER_MESSAGE = 10
"""Reports a message lists: ten lines, each naming its sender, with their evidence buttons fit in any language."""


async def senders_of(conv: Conversation, reports: list[ProgressReport]) -> dict[int, Label]:
    """Who sent each report, by report id, when it was someone else than the reader (the reader's own says nothing):
    to staff with their Telegram id, as every staff view names people (person_for_staff)."""
    staff = is_staff(conv)
    senders: dict[int, Label] = {}
    for report in reports:
        sender = await sender_of(conv.session, report)
        if report.id is not None and sender is not None and sender.id != conv.contact.id:
            senders[report.id] = person_for_staff(sender, SENDER_EXCERPT) if staff else name_of(sender)
    return senders


async def every_report(conv: Conversation, pledge_id: int | None) -> None:
    """The pledge's reports, the latest period first, replaced ones included: to whoever may read the
    pledge (handlers.readers; anyone else is refused and audited)."""
    pledge = await Pledges(conv.session).get(pledge_id) if pledge_id is not None else None
    if pledge is None or not await may_read(conv, pledge):
        await refuse(conv, "pledge.history", "pledge", pledge_id)
        return
    history = await Reports(conv.session).history(pledge.id or 0, None)
    if not history:
        conv.say(Reply((Text(N_("No progress report has been sent for this pledge yet.")),)))
        return
    senders = await senders_of(conv, history)
    for start in range(0, len(history), PER_MESSAGE):
        chunk = history[start:start + PER_MESSAGE]
        lines = Concat(tuple(part for report in chunk
                             for part in ("\n• ", report_line(report, senders.get(report.id or 0)))))
        heading = Concat((Code(pledge.ref or ""), " ", shorten(pledge.title, LIST_TITLE)))
        evidence = [Button(Concat(("📎 ", period_label(r.period))), f"rp:ev:{r.id}") for r in chunk if r.evidence]
        conv.say(Reply((Line(Text(N_("Progress reports")), Concat((heading, lines))),),
                       tuple(tuple(evidence[i:i + 2]) for i in range(0, len(evidence), 2))))
