"""Re-sending a report's evidence on request: its files as they were sent, and its links."""

from __future__ import annotations

from handlers.conversation import Conversation
from handlers.entities import is_staff, refuse
from handlers.fulltext import caption_button
from handlers.lengths import is_long, shorten
from handlers.messages import N_, Code, Reply, Text, text
from handlers.people import role_of
from handlers.readers import may_read
from handlers.reports.cards import period_label, replace_button
from handlers.reports.form import evidence_label
from models.repositories.reports import Reports
from models.tables import Pledge
from models.values import PledgeStatus, Role

NAME = 100
CAPTION = 500
"""How much of a file's name and of the words sent with it its caption shows (UTF-16 units): with the heading, in
the wordiest language, within Telegram's 1,024 for a caption; a longer caption has 📖 to read it whole."""
ASK_AGAIN = N_("Ask the organisation's focal point to send it again.")
ATTACH_AGAIN = N_("To attach it again, replace this report.")


async def send_evidence(conv: Conversation, report_id: int) -> None:
    """Send each file of a report again, and its links: to whoever may read the pledge (handlers.readers)."""
    report = await Reports(conv.session).get(report_id)
    pledge = await conv.session.get(Pledge, report.pledge_id) if report is not None else None
    if report is None or pledge is None or not await may_read(conv, pledge):
        await refuse(conv, "report.evidence", "report", report_id)
        return
    if not report.evidence:
        conv.say(Reply((Text(N_("This report has no evidence attached.")),)))
        return
    total = len(report.evidence)
    # a focal point can replace the report, staff and the organisation's coordinators ask a focal point to; a report
    # already replaced is history, which nobody changes: nothing to advise
    # (/report opens the period due, which may be a later one: ✏️ replaces this very report)
    # (a pledge completed or withdrawn takes no report: nothing to advise, as for a report replaced)
    current = report.is_current and pledge.status == PledgeStatus.validated
    replaces = current and role_of(conv.contact) is Role.focal_point and not is_staff(conv)
    advice = (Text(ATTACH_AGAIN if replaces else ASK_AGAIN),) if current else ()
    fix = ((replace_button(report),),) if replaces else ()
    for index, item in enumerate(report.evidence, start=1):
        caption = text(N_("Evidence {n} of {total}, report on {ref} for {period}"), n=index, total=total,
                       ref=Code(pledge.ref or ""), period=period_label(report.period))
        # a file Telegram no longer has (sent to another bot, or long ago) is refused: say which, and what to do
        refused = Reply((text(N_("Evidence {n} of {total} ({item}), report on {ref} for {period}, could not be "
                                 "shown: Telegram refused it."), n=index, total=total, item=evidence_label(item),
                              ref=Code(pledge.ref or ""), period=period_label(report.period)), *advice), fix)
        kind, file_id = item.get("kind"), item.get("file_id")
        whole = ((caption_button(report_id, index),),) if is_long(str(item.get("caption") or ""), CAPTION) else ()
        if kind in ("photo", "document", "video") and isinstance(file_id, str) and file_id:
            said = [shorten(str(item[key]), limit) for key, limit in (("name", NAME), ("caption", CAPTION))
                    if item.get(key)]
            conv.say(Reply((caption, *said), whole, attachment=(str(kind), file_id), if_refused=refused))
        elif kind == "link":  # the words written with it, as a file's caption
            words = (shorten(str(item["caption"]), CAPTION),) if item.get("caption") else ()
            conv.say(Reply((caption, Code(str(item.get("url", ""))), *words), whole, if_refused=refused))
