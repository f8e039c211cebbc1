"""Questions to BDT: asking, answering, replying, taking and closing a thread; roles checked here, every message
stored and audited.

A thread is `open` while it waits for staff, `answered` while it waits for the person, `closed` at the end.
Its owner is the staff member who took it (compare-and-set, handlers.helpdesk.ownership): only the owner answers
it; answering a thread nobody owns takes it, and cancelling that answer (or leaving it for another) gives it back; a
colleague can take it over, and an answer written meanwhile waits for that. An answer whose question closed while it
was written is never dropped: its owner may still send it (the question stays closed), a colleague's ends with its
text given back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from handlers import drafts, outbox
from handlers.conversation import Conversation, Journey, begin, open_form, resume_form
from handlers.entities import is_staff_contact, refuse
from handlers.forms.base import FormState, InvalidAnswerError
from handlers.greetings import acknowledges, is_wordless
from handlers.helpdesk import copies, ownership
from handlers.helpdesk.compose import COMPOSE_FORM, MAX_TEXT, STEP, given_back, thread_ref, too_long_note
from handlers.helpdesk.ownership import (
    KEPT_MESSAGE,
    answer_cancelled,
    closed_for_staff,
    end_unsendable_answers,
    held_facts,
    kept_note,
    offer_only,
    owns,
    replacing,
    sendable_closed,
    took_on_opening,
    unsent_elsewhere,
    unsent_message,
)
from handlers.helpdesk.report_answers import added_note, with_message
from handlers.inputs import Incoming
from handlers.lengths import shorten
from handlers.messages import N_, NP_, Code, Items, Label, Reply, Text, plural, text
from handlers.onboarding import join_request
from handlers.people import audit, name_of, role_of, staff_contacts
from handlers.personal_data import ERASED_MESSAGE, erased_edit_key
from handlers.reports.cards import period_label
from handlers.reports.colleagues import (
    changes_of,
    copy_of,
    edit_answers,
    edit_intro,
    edited_meanwhile,
    sender_of,
    up_to_date,
)
from handlers.reports.form import REPORT_FORM
from handlers.reports.notices import acknowledge_button
from handlers.reports.service import REPORT, closed_to_edits, edit_report, reporter_entity
from models.repositories.contacts import Contacts
from models.repositories.entities import Entities
from models.repositories.outbox import OutboxRows
from models.repositories.questions import COPY_PREFIX, Questions
from models.tables import Contact, Entity, Pledge, ProgressReport, QuestionThread
from models.values import ReviewStatus, Role, ThreadStatus

ASKERS = frozenset({Role.focal_point, Role.coordinator})
"""Who asks BDT questions: the people of entities and the coordinators (staff answer them)."""
QUOTED = 300
"""How much of BDT's question on a report, or of the person's message, is quoted back (UTF-16 units)."""
FORGOTTEN_TOLD = 200
"""How many of a forgotten person's threads (the latest) are looked at for those not closed, whose staff are told."""


MAX_WAITING = 10
"""Questions of one person waiting for BDT at once; beyond them a new one is refused, with how to add it to one of
them. Registering needs no validation, and twenty /ask sent twenty notices to every staff member (security review)."""


def may_ask(contact: Contact) -> bool:
    """True when the person's role lets them ask BDT a question (see may_ask_now for everyone who may)."""
    return role_of(contact) in ASKERS


async def may_ask_now(conv: Conversation) -> bool:
    """True when the person may ask BDT a question: by their role, or while they wait to join an organisation
    already registered (a tester: told "we have told BDT you asked", they could not write to BDT, and /ask said to
    register first)."""
    return may_ask(conv.contact) or (role_of(conv.contact) is None
                                     and await join_request(conv.session, conv.contact) is not None)


async def ask_command(conv: Conversation, incoming: Incoming) -> None:
    """/ask [text]: a question at once when text follows the command, else the composer."""
    if not await may_ask_now(conv):
        if is_staff_contact(conv.contact):
            conv.say(Reply((Text(N_("Staff answer questions rather than ask them: /questions lists them.")),)))
        else:
            conv.say(Reply((Text(N_("Please register first with /start: then you can ask the P2C team.")),)))
        return
    refused = bool(incoming.argument) and too_long(conv, incoming.argument or "")
    if incoming.argument and not refused:
        await submit(conv, {"text": incoming.argument, "files": []})
        return
    if await at_most_waiting(conv):
        return
    await begin(conv, COMPOSE, {"$mode": "ask", "$thread": 0, "$start": {"text": "", "files": [],
                                                                         "refused": int(refused)}})


def too_long(conv: Conversation, written: str) -> bool:
    """True (and the person told how to send it instead, their message staying in their chat) when a text is over
    MAX_TEXT."""
    if len(written.strip()) <= MAX_TEXT:
        return False
    conv.say(Reply((too_long_note(len(written.strip())),)))
    return True


async def offer(conv: Conversation, incoming: Incoming, once: tuple[Label, ...] = ()) -> bool:
    """Free text or a file outside any form: offered as a question with one tap (after the notes said `once`); False
    when the person may not ask.

    A focal point whose report waits for the clarification BDT asked is offered the two ways it can go: into that
    report, or to BDT as a message about it. Staff replying to a message that is no question's copy are told how
    to answer instead.
    """
    if is_staff_contact(conv.contact) and incoming.reply_to is not None:
        conv.say(Reply((Text(N_("That message is not a question I can answer from this chat. Nothing was sent. To "
                                "answer a question, reply to its copy or press ✍️ Answer (/questions lists them).")),)))
        return True
    if not await may_ask_now(conv):
        return False
    if await kept_instead(conv, {"$mode": "offer"}):  # a reply to a copy, typed while writing another message
        return True
    files = [{"kind": incoming.file_kind or "document", "file_id": incoming.file_id, "name": incoming.file_name}] \
        if incoming.file_id else []
    refused = too_long(conv, incoming.text or "")
    written = "" if refused else (incoming.text or "").strip()
    start = {"text": written, "files": files, "refused": int(refused)}
    asked = await Questions(conv.session).awaiting_clarification(conv.contact.entity_id) \
        if role_of(conv.contact) == Role.focal_point and conv.contact.entity_id and (written or files) else None
    if asked is not None:
        report, pledge = asked
        await begin(conv, COMPOSE, {"$mode": "report", "$thread": 0, "$report": report.id, "$start": start},
                    clarification_asked(report, pledge, await sender_of(conv.session, report), conv.contact),
                    once=once)
        return True
    if await at_most_waiting(conv):
        return True
    await begin(conv, COMPOSE, {"$mode": "offer" if written or files else "ask", "$thread": 0, "$start": start,
                                **await copies.replied_to(conv.session, conv.contact.chat_id, incoming.reply_to)},
                once=(*once, *await _still_open(conv, incoming)))
    return True


async def _still_open(conv: Conversation, incoming: Incoming) -> tuple[Label, ...]:
    """Under an offer of something sent outside any reply, the person's question still open, and how to add to it (a
    tester: a screenshot sent just after replying on Q-1 was offered as a new question, Q-1 unnamed)."""
    if incoming.reply_to is not None or conv.contact.id is None or not (incoming.text or incoming.file_id):
        return ()  # a reply goes where it replies; with nothing sent (the composer of /ask), no "this" to add
    latest = next(iter(await Questions(conv.session).of_asker(conv.contact.id, 1)), None)
    if latest is None or latest.id is None or latest.status == ThreadStatus.closed:
        return ()
    return (text(N_("Your question {ref} is still open: to add this to it instead, send it as a reply to one of its "
                    "messages (touch and hold the message, then Reply)."), ref=thread_ref(latest.id)),)


def clarification_asked(report: ProgressReport, pledge: Pledge, sender: Contact | None, reader: Contact) -> Label:
    """The report BDT asked about (who sent it, when not the reader), and their question: what a message typed
    meanwhile may be for."""
    where = {"ref": Code(pledge.ref or ""), "period": period_label(report.period)}
    if sender is not None and sender.id != reader.id:  # a colleague's report: the question went to every focal point
        if not report.staff_comment:
            return text(N_("BDT asked for a clarification on the report on {ref} for {period} sent by {person}."),
                        person=name_of(sender), **where)
        return text(N_("BDT asked about the report on {ref} for {period} sent by {person}: “{question}”"),
                    person=name_of(sender), question=shorten(report.staff_comment, QUOTED), **where)
    if not report.staff_comment:
        return text(N_("BDT asked for a clarification on your report on {ref} for {period}."), **where)
    return text(N_("BDT asked about your report on {ref} for {period}: “{question}”"),
                question=shorten(report.staff_comment, QUOTED), **where)


async def for_report(conv: Conversation, report_id: int, content: dict[str, Any]) -> None:
    """A message offered for the report BDT asked about: into the report's edit (`add_to_report`), or sent to BDT as
    a question naming the report. A report no longer open to an edit (a colleague answered meanwhile) is said, and
    the message offered again, to send to BDT: nothing typed is lost."""
    report = await conv.session.get(ProgressReport, report_id) if report_id else None
    pledge = await conv.session.get(Pledge, report.pledge_id) if report is not None else None
    if content.get("into_report"):
        entity = await reporter_entity(conv, "report.edit", report_id)
        if entity is None:
            return
        if report is None or pledge is None or pledge.entity_id != entity.id:
            await edit_report(conv, entity, report_id)  # refused there
            return
        closed = await closed_to_edits(conv, pledge, report)
        if closed is None:
            await add_to_report(conv, entity, report, pledge, content)
            return
        # answered by a colleague meanwhile (or acknowledged): said why, the message is offered again to send to BDT
        start = {"text": content.get("text") or "", "files": list(content.get("files") or []), "refused": 0}
        await begin(conv, COMPOSE, {"$mode": "offer", "$thread": 0, "$report": report.id, "$start": start},
                    once=(closed,))
        return
    ours = report is not None and pledge is not None and pledge.entity_id == conv.contact.entity_id
    about = text(N_("About the report on {ref} for {period}, on which BDT asked for a clarification."),
                 ref=Code(pledge.ref or ""), period=period_label(report.period)) \
        if ours and report is not None and pledge is not None else None
    # the answer may satisfy staff: the report's Acknowledge comes with it (its notice lost it when they asked)
    asked = report if ours and report is not None and report.is_current \
        and report.review_status == ReviewStatus.clarification_requested else None
    await submit(conv, {"text": content["text"], "files": content["files"]}, about, acknowledge=asked,
                 answering=ours)


async def add_to_report(conv: Conversation, entity: Entity, report: ProgressReport, pledge: Pledge,
                        content: dict[str, Any]) -> None:
    """Put the message in the report's edit, which opens at its summary: its text at the end of “Steps taken”, its
    files with the evidence, shown before anything is sent, to change or submit. The person's copy of the report
    opened before it changed (an edit of an earlier version, or a report replacing it) is rebuilt on it as it is now
    with their changes, then the message added. The message is offered again, to send to BDT, when it does not fit
    or another report is in progress (its draft is not replaced)."""
    assert conv.contact.id is not None and report.id is not None
    draft = await drafts.find_draft(conv.session, conv.contact.id, REPORT_FORM.id)
    state = FormState.from_json(draft.state) if draft is not None else None
    if state is not None and not copy_of(state, report):
        await _offer_again(conv, report, pledge, content, Text(N_(
            "You have another report in progress, which is kept: this message did not go into the report BDT asked "
            "about. Press 📨 Send to BDT to send it now, or send /report to finish the other report first; this "
            "message waits here until then.")))
        return
    current = state is not None and up_to_date(state, report)
    # a copy opened on an earlier version (or replacing it) is rebuilt on the report as it is now with the person's
    # own changes first: the message then goes after the steps taken as they are now, not over a colleague's
    base = state.answers if state is not None and current else \
        edit_answers(report, pledge, changes_of(state, report) if state is not None else None)
    try:
        changes = with_message(base, content)
    except InvalidAnswerError as refusal:
        await _offer_again(conv, report, pledge, content, refusal.message)
        return
    if draft is not None and state is not None and current:  # this report's edit: the message joins its answers
        conv.say(Reply(added_note(content)))
        await drafts.save(conv.session, draft, replace(state, answers={**state.answers, **changes}), conv.now)
        await edit_report(conv, entity, report.id)
        return
    reopening = await edited_meanwhile(conv, pledge, report, state) if state is not None else None
    conv.say(Reply(added_note(content)))
    if reopening is not None:  # who sent what since, and the person's changes kept: said by edited_meanwhile
        await open_form(conv, REPORT, {**reopening.answers, **changes}, reopening.heading)
        return
    await open_form(conv, REPORT, edit_answers(report, pledge, changes),
                    edit_intro(report, pledge, await sender_of(conv.session, report), conv.contact))


async def _offer_again(conv: Conversation, report: ProgressReport, pledge: Pledge, content: Mapping[str, Any],
                       why: Label) -> None:
    """The message offered again for the report (nothing of it lost), after `why` it did not go in."""
    start = {"text": content.get("text") or "", "files": list(content.get("files") or []), "refused": 0}
    await begin(conv, COMPOSE, {"$mode": "report", "$thread": 0, "$report": report.id, "$start": start},
                clarification_asked(report, pledge, await sender_of(conv.session, report), conv.contact), once=(why,))


async def finish(conv: Conversation, state: FormState) -> None:
    """Send what was composed: a new question (about a report BDT asked about, or into that report's edit), a staff
    answer, or the person's reply."""
    content: dict[str, Any] = dict(state.answers[STEP])
    mode, thread_id = str(state.answers.get("$mode")), int(state.answers.get("$thread") or 0)
    report_id = int(state.answers.get("$report") or 0)
    if mode == "report" or (mode == "offer" and report_id):  # about a report (staff are told which), or into it
        await for_report(conv, report_id, content)
        return
    if mode in ("ask", "offer"):  # staff are told what it follows: a broadcast, a closed question (told its owner)
        await submit(conv, content, *await copies.origin(conv.session, state.answers))
        return
    thread = await Questions(conv.session).get(thread_id, for_update=True)
    if thread is None:
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
    elif mode == "answer":
        await answer(conv, thread, content, composed=True)
    else:
        await reply(conv, thread, content)


async def at_most_waiting(conv: Conversation) -> bool:
    """True (and the person told, the attempt audited) when MAX_WAITING of their questions wait for BDT: no new one
    until one is answered. Checked when they begin one too, not only when they send it (a tester composed a question
    in full to be told at Send)."""
    assert conv.contact.id is not None
    waiting = [thread for thread in await Questions(conv.session).of_asker(conv.contact.id, MAX_WAITING * 5)
               if thread.status == ThreadStatus.open]
    if len(waiting) < MAX_WAITING:
        return False
    await audit(conv.session, conv.contact, "denied", attempted="question.ask", waiting=len(waiting))
    conv.say(Reply((plural("You have {count} question waiting for the P2C team's answer. To add this one, "
                           "reply to it in this chat, or send it once it is answered.",
                           "You have {count} questions waiting for the P2C team's answer. To add this one, "
                           "reply to one of them in this chat, or send it once they are answered.",
                           len(waiting)),)))
    return True


async def submit(conv: Conversation, content: dict[str, Any], about: Label | None = None,
                 follows: QuestionThread | None = None, *, acknowledge: ProgressReport | None = None,
                 answering: bool = False) -> None:
    """A new thread from the person, sent to every staff member (`about`: what it is about, for staff, with the
    button that acknowledges the report it answers BDT's question on, `acknowledge`); one following a closed
    question goes to that question's owner, if they are still staff, as a reply would, and is theirs (nobody else
    is told of it to take it). One `answering` BDT's question about a report is confirmed as an answer."""
    if not await may_ask_now(conv):
        await refuse(conv, "question.ask")
        return
    questions = Questions(conv.session)
    assert conv.contact.id is not None
    if follows is None and not answering and await at_most_waiting(conv):
        return
    thread = await questions.open_thread(conv.contact, conv.locale, conv.now,
                                         acknowledge.id if acknowledge is not None else None)
    message = await questions.add_message(thread, conv.contact, from_staff=False, text=content["text"],
                                          files=content["files"], now=conv.now)
    await audit(conv.session, conv.contact, "question.asked", "question", thread.id, message=message.id,
                files=len(content["files"]))
    entity = await Entities(conv.session).get(conv.contact.entity_id) if conv.contact.entity_id else None
    told = await followers(conv, follows) if follows is not None else await staff_contacts(conv.session)
    owner = follows.owner_id if follows is not None and [member.id for member in told] == [follows.owner_id] else None
    if owner is not None:
        await questions.take(thread, owner, conv.now)
    copy = await copies.staff_copy(conv.session, thread, message, conv.contact, entity, follow_up=False, about=about,
                                   to_owner=owner is not None)
    if acknowledge is not None:
        copy = Reply(copy.parts, (*copy.buttons, (acknowledge_button(acknowledge),)))
    for member in told:
        await copies.send_copy(conv.session, member, thread, message, copy)
    assert thread.id is not None
    if answering:
        conv.say(Reply((text(N_("Your answer is sent to the P2C team at BDT, as message {ref}. Their reply will come "
                                "here, in this chat."), ref=thread_ref(thread.id)),)))
        return
    conv.say(Reply((text(N_("Your question {ref} is sent to the P2C team at BDT. Their answer will come here, in "
                            "this chat."), ref=thread_ref(thread.id)),)))


async def answer(conv: Conversation, thread: QuestionThread, content: dict[str, Any], *,
                 composed: bool = False) -> None:
    """A staff answer: the owner's (or the first staff member's, who takes the thread), sent to the person. One to
    a thread a colleague has (`composed` with ✍️ Answer, the thread taken over meanwhile, or a reply to a copy of
    it) comes back in its composer: nothing written is lost, to send once the thread is taken over, or to cancel."""
    assert thread.id is not None and conv.contact.id is not None
    if not is_staff_contact(conv.contact):
        await refuse(conv, "question.answer", "question", thread.id)
        return
    closed = thread.status == ThreadStatus.closed
    if closed and not (content.get("anyway") and await sendable_closed(conv, thread, conv.contact)):
        await closed_meanwhile(conv, thread, content, composed=composed)
        return
    if not closed and not await owns(conv, thread):
        start = {"text": content.get("text") or "", "files": list(content.get("files") or []), "refused": 0}
        # held for the take-over (held_facts): its only button is 🙋 Take it over, a Send there could only fail
        await open_composer(conv, {"$mode": "answer", "$thread": thread.id, "$start": start, "$held": 1})
        return
    questions = Questions(conv.session)
    message = await questions.add_message(thread, conv.contact, from_staff=True, text=content["text"],
                                          files=content["files"], now=conv.now)
    if not closed:  # one sent after its asker closed it stays closed: their reply to it is offered as a new question
        thread.status, thread.waiting_since = ThreadStatus.answered, conv.now
    thread.updated_at, thread.version = conv.now, thread.version + 1
    await audit(conv.session, conv.contact, "question.answered", "question", thread.id, message=message.id,
                files=len(content["files"]), **({"after_close": True} if closed else {}))
    asker = await Contacts(conv.session).get(thread.asker_id) if thread.asker_id else None
    if asker is None:
        conv.say(Reply((text(N_("Your answer to {ref} is kept, but the person asked to be forgotten: nobody "
                                "receives it."), ref=thread_ref(thread.id)),)))
        return
    if asker.blocked:  # Telegram refuses whatever is sent to them: nothing enqueued, the thread keeps the answer
        conv.say(Reply((text(N_("Your answer to {ref} is kept, but {person} has blocked the bot: it cannot be "
                                "delivered. If they write to the bot again, they can read it with /questions."),
                             ref=thread_ref(thread.id), person=name_of(asker)),)))
        return
    await copies.send_copy(conv.session, asker, thread, message, copies.asker_copy(thread, message))
    conv.say(Reply((text(N_("Your answer to {ref} is sent."), ref=thread_ref(thread.id)),
                    *((text(N_("Question {ref} is closed."), ref=thread_ref(thread.id)),) if closed else ()))))


async def closed_meanwhile(conv: Conversation, thread: QuestionThread, content: dict[str, Any], *,
                           composed: bool) -> None:
    """An answer to a closed thread: one its writer may still send (theirs, its asker not forgotten) comes back in
    its composer, which offers 📨 Send it anyway; any other is refused, the composed text given back (nothing
    written is lost)."""
    assert thread.id is not None
    if await sendable_closed(conv, thread, conv.contact):
        start = {"text": content.get("text") or "", "files": list(content.get("files") or []), "refused": 0}
        await open_composer(conv, {"$mode": "answer", "$thread": thread.id, "$start": start})
        return
    refusal = text(N_("Question {ref} is closed. Nothing of yours was sent."), ref=thread_ref(thread.id)) \
        if thread.asker_id is not None else \
        text(N_("Question {ref} is closed, and the person who asked it asked to be forgotten: nothing can be sent to "
                "them. Nothing of yours was sent."), ref=thread_ref(thread.id))
    conv.say(Reply((refusal, *(given_back(content) if composed else ()))))


async def reply(conv: Conversation, thread: QuestionThread, content: dict[str, Any]) -> None:
    """The person writes again on their own thread: it waits for staff again (its owner, or everyone)."""
    assert thread.id is not None
    if thread.asker_id != conv.contact.id:
        await refuse(conv, "question.reply", "question", thread.id)
        return
    if thread.status == ThreadStatus.closed:
        if not await kept_instead(conv, {"$mode": "offer"}):
            await begin(conv, COMPOSE, {"$mode": "offer", "$thread": 0, "$follows": thread.id, "$start": content})
        return
    if thread.status == ThreadStatus.answered and not content["files"] and is_wordless(content["text"]) \
            and not acknowledges(content["text"]):  # "?", "👎": nothing BDT could answer, nor thanks
        conv.say(Reply((text(N_("To add to question {ref}, write what you need in words, not only symbols or emoji."),
                             ref=thread_ref(thread.id)),), copies.asker_buttons(thread.id)))
        return
    questions = Questions(conv.session)
    message = await questions.add_message(thread, conv.contact, from_staff=False, text=content["text"],
                                          files=content["files"], now=conv.now)
    if thread.status == ThreadStatus.answered and not content["files"] and acknowledges(content["text"]):
        await _thanked(conv, thread, message.id)
        return
    thread.status, thread.waiting_since, thread.updated_at = ThreadStatus.open, conv.now, conv.now
    thread.reminded_on, thread.version = None, thread.version + 1
    await audit(conv.session, conv.contact, "question.replied", "question", thread.id, message=message.id,
                files=len(content["files"]))
    entity = await Entities(conv.session).get(thread.entity_id) if thread.entity_id else None
    told = await followers(conv, thread)
    copy = await copies.staff_copy(conv.session, thread, message, conv.contact, entity, follow_up=True,
                                   to_owner=[member.id for member in told] == [thread.owner_id])
    for member in told:
        await copies.send_copy(conv.session, member, thread, message, copy)
    conv.say(Reply((text(N_("Your reply on {ref} is sent to the P2C team."), ref=thread_ref(thread.id)),)))


async def _thanked(conv: Conversation, thread: QuestionThread, message_id: int | None) -> None:
    """The person thanks for BDT's answer ("Merci", "👍"): kept in the thread's history, which still waits for the
    person (nobody at BDT is called back to it, and it closes by itself as an answered one does); they are offered to
    close it, or to say in words what they still need."""
    assert thread.id is not None
    thread.updated_at, thread.version = conv.now, thread.version + 1
    await audit(conv.session, conv.contact, "question.thanked", "question", thread.id, message=message_id)
    conv.say(Reply((text(N_("Glad to help! If question {ref} is settled, close it; if you still need something, "
                            "reply with it in words."), ref=thread_ref(thread.id)),),
                   copies.asker_buttons(thread.id)))


async def followers(conv: Conversation, thread: QuestionThread) -> list[Contact]:
    """Who hears of the person's new message: the owner if they are still staff, else every staff member."""
    owner = await Contacts(conv.session).get(thread.owner_id) if thread.owner_id else None
    if owner is not None and is_staff_contact(owner) and not owner.blocked:
        return [owner]
    return await staff_contacts(conv.session)


async def on_reply_to(conv: Conversation, incoming: Incoming) -> bool:
    """A message replying to a copy of a thread message this person was sent: it continues that thread. A copy of
    someone else's question (sent while they were staff) is no thread of theirs: what they wrote is offered as a new
    question of theirs when they may ask, else refused.

    False when the replied-to message is no such copy (an ordinary reply; someone else's copy cannot be
    found from this chat: copies are looked up by this chat and keyed by this person).
    """
    if incoming.reply_to is None or (not incoming.text and not incoming.file_id) or incoming.command:
        return False
    key = await Questions(conv.session).copy_at(conv.contact.chat_id, incoming.reply_to)
    fields = key[len(COPY_PREFIX):].split(":") if key else []
    if len(fields) < 2 or not fields[0].isdigit() or fields[1] != str(conv.contact.id):
        return False
    message = await Questions(conv.session).message(int(fields[0]))
    thread = await Questions(conv.session).get(message.thread_id, for_update=True) if message else None
    if thread is None:
        return False
    if too_long(conv, incoming.text or ""):
        return True  # nothing stored nor sent: the person shortens the message still in their chat
    files = [{"kind": incoming.file_kind or "document", "file_id": incoming.file_id, "name": incoming.file_name}] \
        if incoming.file_id else []
    content = {"text": (incoming.text or "").strip(), "files": files}
    if thread.asker_id is not None and thread.asker_id == conv.contact.id:
        await reply(conv, thread, content)
    elif is_staff_contact(conv.contact):
        await answer(conv, thread, content)
    elif may_ask(conv.contact) and thread.id is not None:  # a copy they had as staff: offered as their own question
        await offer(conv, incoming, (text(N_("Question {ref} was asked by someone else: this goes to BDT as a new "
                                             "question of yours."), ref=thread_ref(thread.id)),))
    else:
        await refuse(conv, "question.reply", "question", thread.id)
    return True


async def thread_for(conv: Conversation, thread_id: int | None, action: str) -> QuestionThread | None:
    """The thread a button names, if this person may act on it (staff: any; others: their own); else refused."""
    thread = await Questions(conv.session).get(thread_id, for_update=True) if thread_id else None
    if thread is None:
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return None
    if is_staff_contact(conv.contact) or (thread.asker_id is not None and thread.asker_id == conv.contact.id):
        return thread
    await refuse(conv, action, "question", thread_id)
    return None


async def start_answer(conv: Conversation, thread: QuestionThread) -> None:
    """Open the composer of an answer (staff; the thread taken on the way if nobody owns it, and marked so: a cancel
    gives it back). An unsent answer to another thread with something written in it stays open instead, nothing
    taken (keep_unsent)."""
    assert thread.id is not None
    owner_before = thread.owner_id
    if not is_staff_contact(conv.contact):
        await refuse(conv, "question.answer", "question", thread.id)
    elif thread.status == ThreadStatus.closed:
        conv.say(Reply((closed_for_staff(thread),)))
    elif (kept := await unsent_elsewhere(conv, {"$mode": "answer", "$thread": thread.id})) is not None:
        if not await offer_only(conv, thread, kept_note(kept)):  # a colleague's: the offer, and the note
            await keep_unsent(conv, kept)
    elif await owns(conv, thread, sending=False, holding=True):  # nothing written yet: "nothing sent" is not said
        took = await took_on_opening(conv, thread, owner_before)
        await open_composer(conv, {"$mode": "answer", "$thread": thread.id, **({"$took": 1} if took else {})})
    elif thread.owner_id is not None:  # a colleague's, offered to take over (owns): what is typed next waits for it
        await hold_answer(conv, thread)


async def hold_answer(conv: Conversation, thread: QuestionThread) -> None:
    """The composer of an answer to a thread a colleague has (`$held`), opened behind the offer to take it over
    without a question of its own: what the person types next is kept there, shown with who has the thread and the
    take-over (held_facts), never answered with the command list and lost."""
    assert conv.contact.id is not None
    answers, notes = await replacing(conv, {"$mode": "answer", "$thread": thread.id, "$held": 1})
    if notes:
        conv.say(Reply(notes))
    await drafts.open_draft(conv.session, conv.contact.id, COMPOSE_FORM.id, FormState(step=STEP, answers=answers),
                            conv.now)


async def open_composer(conv: Conversation, answers: dict[str, object], *heading: Label,
                        once: tuple[Label, ...] = ()) -> None:
    """Open the composer (staff answers, people's replies), replacing the one in progress as `replacing` says; an
    unsent answer to another thread with something written in it is kept open instead (keep_unsent). `heading` is
    said with each of its prompts, `once` when it opens."""
    kept = await unsent_elsewhere(conv, answers)
    if kept is not None:
        await keep_unsent(conv, kept)
        return
    if await kept_instead(conv, answers):
        return
    answers, notes = await replacing(conv, answers)
    await begin(conv, COMPOSE, answers, *heading, once=(*notes, *once))


async def kept_instead(conv: Conversation, answers: dict[str, object]) -> bool:
    """True when the person's composer of a question or a reply has something written in it that a composer with
    these `answers` would replace: it is asked again instead, after KEPT_MESSAGE (what they just did is not taken;
    a message they typed stays in their chat)."""
    if not await unsent_message(conv, answers) or conv.contact.id is None:
        return False
    draft = await drafts.find_draft(conv.session, conv.contact.id, COMPOSE_FORM.id)
    if draft is None:  # not expected: unsent_message just found it in this transaction
        return False
    await resume_form(conv, COMPOSE, draft, Text(KEPT_MESSAGE))
    return True


async def keep_unsent(conv: Conversation, thread_id: int) -> None:
    """The person's unsent answer to this thread asked again, after the note that it is kept: to send or cancel
    before another composer opens."""
    assert conv.contact.id is not None
    draft = await drafts.find_draft(conv.session, conv.contact.id, COMPOSE_FORM.id)
    if draft is None:  # not expected: unsent_elsewhere just found it in this transaction
        conv.say(Reply((kept_note(thread_id),)))
        return
    await resume_form(conv, COMPOSE, draft, kept_note(thread_id))


async def take(conv: Conversation, thread: QuestionThread, seen: int | None = None) -> None:
    """qa:take, or qa:over with the version `seen` on its button: the thread taken (handlers.helpdesk.ownership). An
    answer to it the person has in progress comes back with it to send, the one typed while a colleague had it
    included."""
    won = await (ownership.take(conv, thread) if seen is None else ownership.take_over(conv, thread, seen))
    if not won or thread.id is None or conv.contact.id is None:
        return
    draft = await drafts.find_draft(conv.session, conv.contact.id, COMPOSE_FORM.id)
    state = FormState.from_json(draft.state) if draft is not None else None
    if draft is None or state is None or state.answers.get("$mode") != "answer" or \
            state.answers.get("$thread") != thread.id:
        conv.say(Reply((ownership.yours(thread.id),)))
        return
    answers = {key: value for key, value in state.answers.items() if key != "$held"}  # Send, now it is theirs
    await drafts.save(conv.session, draft, replace(state, answers=answers), conv.now)
    await resume_form(conv, COMPOSE, draft, text(N_("Question {ref} is yours now."), ref=thread_ref(thread.id)))


async def start_reply(conv: Conversation, thread: QuestionThread) -> None:
    """Open the composer of the person's reply on their own thread; on a closed one, of a new question following it,
    as a Telegram reply to it offers (staff are told what it follows). The question closed after two weeks without
    a word says to reply to BDT's answer: its ↩️ Reply answered "closed, send /ask"."""
    assert thread.id is not None
    if thread.asker_id != conv.contact.id:
        await refuse(conv, "question.reply", "question", thread.id)
    elif thread.status == ThreadStatus.closed:
        # said once: with each text added, it read as if the question had just closed again (a tester)
        await open_composer(conv, {"$mode": "ask", "$thread": 0, "$follows": thread.id},
                            once=(text(N_("Question {ref} is closed."), ref=thread_ref(thread.id)),))
    else:
        await open_composer(conv, {"$mode": "reply", "$thread": thread.id})


async def close(conv: Conversation, thread: QuestionThread) -> None:
    """Close the thread (its asker, or staff unless another staff member owns it); the other side is told."""
    assert thread.id is not None and conv.contact.id is not None
    ref = thread_ref(thread.id)
    if thread.status == ThreadStatus.closed:
        conv.say(Reply((text(N_("Question {ref} is closed."), ref=ref),)))
        return
    by_asker = thread.asker_id == conv.contact.id
    if not by_asker and not await owns(conv, thread, sending=False):  # nothing written: "nothing sent" is not said
        return
    thread.status, thread.closed_at, thread.updated_at = ThreadStatus.closed, conv.now, conv.now
    thread.version += 1
    await audit(conv.session, conv.contact, "question.closed", "question", thread.id,
                by="asker" if by_asker else "staff")
    conv.say(Reply((text(N_("Question {ref} is closed."), ref=ref),)))
    if by_asker:
        told = await followers(conv, thread)
        news: Label = text(N_("Question {ref} was closed by the person who asked it."), ref=ref)
    else:
        asker = await Contacts(conv.session).get(thread.asker_id) if thread.asker_id else None
        told = [asker] if asker is not None else []
        news = text(N_("BDT closed your question {ref}. If you need anything else, send /ask."), ref=ref)
    for member in told:
        await outbox.enqueue(conv.session, member, Reply((news,)),
                             f"hd-closed:{thread.id}:v{thread.version}:{member.id}", priority=outbox.NOTICE)
    await end_unsendable_answers(conv.session, thread, conv.contact.id)


async def close_for_forgotten(conv: Conversation, asker: Contact) -> None:
    """Before /forget closes the person's threads (Questions.forget_author): whoever follows each one not closed yet
    (its owner, or every staff member while nobody took it) is told it closes because the person asked to be
    forgotten, so an answer being written is not dropped without a reason; whoever is writing an answer to one is
    given its text back at once instead (ownership.end_unsendable_answers)."""
    assert asker.id is not None
    told: dict[int, tuple[Contact, list[int]]] = {}
    for thread in await Questions(conv.session).of_asker(asker.id, FORGOTTEN_TOLD):
        if thread.id is None:
            continue
        # an answer being written to it ends now, its text given back (a closed one's too: its Send it anyway)
        ended = await end_unsendable_answers(conv.session, thread, asker.id, forgotten=True)
        if thread.status == ThreadStatus.closed:
            continue
        for member in await followers(conv, thread):
            if member.id is not None and member.id != asker.id and member.id not in ended:
                told.setdefault(member.id, (member, []))[1].append(thread.id)
    # one message each, however many questions close (a tester's staff got nine)
    for member, thread_ids in told.values():
        news = Reply((_about_questions(sorted(thread_ids), N_(
            "Question {ref} was closed: the person who asked it asked to be forgotten. Their messages were erased, "
            "and nothing more can be sent to them."), NP_(
            "Questions {refs} were closed: the person who asked them asked to be forgotten. Their messages were "
            "erased, and nothing more can be sent to them.",
            "Questions {refs} were closed: the person who asked them asked to be forgotten. Their messages were "
            "erased, and nothing more can be sent to them.")),))
        await outbox.enqueue(conv.session, member, news, f"hd-forgotten:{min(thread_ids)}:{member.id}",
                             priority=outbox.NOTICE)
    await _erase_staff_copies(conv, asker.id)
    await _tell_waiting_unowned(conv, asker)


def _about_questions(thread_ids: list[int], one: str, several: tuple[str, str]) -> Label:
    """A notice naming one question (`one`, its {ref}) or several (`several`, their {refs}: every plural form names
    several questions, Russian's for 21 as well as 2)."""
    if len(thread_ids) == 1:
        return text(one, ref=thread_ref(thread_ids[0]))
    return plural(*several, len(thread_ids), refs=Items(tuple(thread_ref(t) for t in thread_ids)))


async def _tell_waiting_unowned(conv: Conversation, member: Contact) -> None:
    """A staff member asked to be forgotten: the questions they had taken that wait for an answer are nobody's now,
    and the person's messages in them went to that member alone (a tester's follow-up was stranded): every other
    staff member is told, once, with the way to take them."""
    assert member.id is not None
    waiting = await Questions(conv.session).waiting_on(member.id)
    if not waiting:
        return
    news = Reply((_about_questions(waiting, N_(
        "Question {ref} waits for an answer, and the staff member who had taken it asked to be forgotten: nobody has "
        "it now. /questions shows it, to take it."), NP_(
        "Questions {refs} wait for an answer, and the staff member who had taken them asked to be forgotten: nobody "
        "has them now. /questions shows them, to take them.",
        "Questions {refs} wait for an answer, and the staff member who had taken them asked to be forgotten: nobody "
        "has them now. /questions shows them, to take them.")),))
    for colleague in await staff_contacts(conv.session):
        if colleague.id is not None and colleague.id != member.id and not colleague.blocked:
            await outbox.enqueue(conv.session, colleague, news, f"hd-unowned:{member.id}:{colleague.id}",
                                 priority=outbox.NOTICE)


async def _erase_staff_copies(conv: Conversation, asker_id: int) -> None:
    """Edit every copy of the person's messages that staff were sent into "Question … is closed." and the line of an
    erased message, without its buttons (🙋 Take, ✍️ Answer, ✅ Close): their name, Telegram id and words leave staff
    chats as they leave the database (Questions.forget_author), and no button is left that only says the question is
    closed; the cards of the thread a staff member opened with 🔎 too. A file sent with a message cannot be edited into
    text: its copy stays as it was."""
    rows, contacts = OutboxRows(conv.session), Contacts(conv.session)
    for message_id, thread_id in await Questions(conv.session).asked_by(asker_id):
        # hd:<message>:<recipient>, and the cards of 🔎 that show the thread, hd:<message>:<reader>:u<update>:<n>;
        # not the files, hd:<message>:<recipient>:f<n>, which cannot be edited into text
        keys = {key: contact_id for key, contact_id in (await rows.copies(f"{COPY_PREFIX}{message_id}:")).items()
                if not copies.is_file_copy(key)}
        sent = await rows.sent_message_ids(keys)
        erased = Reply((text(N_("Question {ref} is closed."), ref=thread_ref(thread_id)), Text(ERASED_MESSAGE)))
        for key, contact_id in sorted(keys.items()):
            member = await contacts.get(contact_id)
            if member is not None and member.id != asker_id and sent.get(key) is not None:
                await outbox.enqueue(conv.session, member, erased, erased_edit_key(asker_id, key),
                                     priority=outbox.NOTICE, edit_of=key)


COMPOSE = Journey(COMPOSE_FORM, finish, facts=held_facts, cancelled=answer_cancelled,
                  may_draft=lambda contact, answers: answers.get("$mode") != "answer" or is_staff_contact(contact))
"""A staff answer ends with its writer's staff role (a tester: after `admin revoke`, the composer came back under
every refusal, and took what they typed)."""
