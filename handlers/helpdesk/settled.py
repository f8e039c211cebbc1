"""A report acknowledged settles the questions that answered BDT's clarification of it (sent with 📨 rather than added
to the report): their staff copies lose the report's ✅ Acknowledge and say who acknowledged it and when, as the
report's notice does; a question holding nothing but that answer is closed by it (its asker told as when staff close
a question), so that it neither waits in /questions nor reminds anyone. One where more was said since (a staff
answer, the person's reply) stays as it is: that part may still want an answer."""

from __future__ import annotations

from handlers import outbox
from handlers.conversation import Conversation
from handlers.helpdesk.compose import thread_ref
from handlers.helpdesk.ownership import end_unsendable_answers
from handlers.messages import N_, Label, Reply, reply_from_json, text
from handlers.people import audit, staff_member
from handlers.reports.notices import is_acknowledge_of
from handlers.staff_notices import for_member, when_label
from models.repositories.contacts import Contacts
from models.repositories.outbox import OutboxRows
from models.repositories.people import People
from models.repositories.questions import COPY_PREFIX, Questions
from models.tables import ProgressReport, QuestionThread
from models.values import ThreadStatus

ACKNOWLEDGED = N_("✅ The report was acknowledged by {person} on {when}.")
"""The line a question's staff copy ends with once the report it answered about is acknowledged."""


async def settle_report_questions(conv: Conversation, report: ProgressReport) -> tuple[Label, ...]:
    """After the report's acknowledgement (by the staff member of `conv`): close the questions about it holding only
    the answer, and edit every staff copy of each question's first message; what to tell the staff member (the
    questions closed)."""
    assert report.id is not None
    questions = Questions(conv.session)
    closed: list[Label] = []
    for thread in await questions.about_report(report.id):
        assert thread.id is not None
        messages = await questions.messages(thread.id)
        if not messages or messages[0].id is None:
            continue
        ends = thread.status == ThreadStatus.open and len(messages) == 1
        if ends:
            await _close(conv, thread, report)
            closed.append(text(N_("Question {ref} is closed."), ref=thread_ref(thread.id)))
        await _close_copies(conv, thread, messages[0].id, report.id, ended=ends)
    return tuple(closed)


async def _close(conv: Conversation, thread: QuestionThread, report: ProgressReport) -> None:
    """Close a thread the acknowledgement answers; its asker is told as when staff close a question."""
    assert thread.id is not None
    thread.status, thread.closed_at, thread.updated_at = ThreadStatus.closed, conv.now, conv.now
    thread.version += 1
    await audit(conv.session, conv.contact, "question.closed", "question", thread.id, by="acknowledgement",
                report=report.id)
    asker = await Contacts(conv.session).get(thread.asker_id) if thread.asker_id else None
    if asker is not None:
        news = text(N_("BDT closed your question {ref}. If you need anything else, send /ask."),
                    ref=thread_ref(thread.id))
        await outbox.enqueue(conv.session, asker, Reply((news,)), f"hd-closed:{thread.id}:v{thread.version}:{asker.id}",
                             priority=outbox.NOTICE)
    await end_unsendable_answers(conv.session, thread, conv.contact.id)


async def _close_copies(conv: Conversation, thread: QuestionThread, message_id: int, report_id: int, *,
                        ended: bool) -> None:
    """Edit each staff copy of the question's first message (not its files) as it was sent, without the report's
    button (and, the question closed, without its own), ending with who acknowledged the report and when."""
    assert thread.id is not None
    rows = OutboxRows(conv.session)
    copies = {key: contact_id for key, contact_id in (await rows.copies(f"{COPY_PREFIX}{message_id}:")).items()
              if key.count(":") == 2}  # hd:<message>:<recipient>; its files end in :f<n>
    sent = await rows.payloads(copies)
    contacts = Contacts(conv.session)
    for key, contact_id in sorted(copies.items()):
        member = await contacts.get(contact_id)
        payload = sent.get(key, {})
        if member is None or "reply" not in payload or member.id == thread.asker_id or People.erased(payload):
            continue  # an erased copy (it named someone forgotten) keeps its buttons: nothing left to rebuild it from
        copy = reply_from_json(payload["reply"])
        kept = () if ended else tuple(row for row in (tuple(b for b in row if not is_acknowledge_of(b.code, report_id))
                                                      for row in copy.buttons) if row)
        footer = text(ACKNOWLEDGED, person=staff_member(conv.contact),
                      when=when_label(conv.now, member.timezone or conv.deps.timezone))
        closed = (text(N_("Question {ref} is closed."), ref=thread_ref(thread.id)),) if ended else ()
        await outbox.enqueue(conv.session, member, for_member(member, Reply((*copy.parts, footer, *closed), kept)),
                             f"acknowledged:{key}", priority=outbox.NOTICE, edit_of=key)
