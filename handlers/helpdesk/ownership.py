"""Who answers a question: the staff member who took it (compare-and-set), a colleague who takes it over once they
confirm (the one they take it from is told), nobody again when the answer whose opening took it is cancelled.

A small team covers for each other: a question taken by someone on leave must not wait for them. Taking over is
offered at once, with what the colleague needs to decide (how long it has waited, an answer the owner is writing),
and is compare-and-set on the thread as it was shown: of two staff pressing at once exactly one wins, and a thread
answered or replied to since it was shown is offered again as it is now.

An answer is never dropped without a word: one typed after "taken by" waits in a composer held for the take-over
(`$held`); a composer of an answer with something written in it is never replaced by one for another thread (it is
kept, and the person told: `unsent_elsewhere`); an empty one replaced before it was sent gives back the thread its
opening took, as a cancel does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers import drafts, outbox
from handlers.conversation import Conversation
from handlers.entities import is_staff_contact, refuse
from handlers.forms.base import FormState
from handlers.helpdesk.compose import (
    COMPOSE_FORM,
    HELD,
    MAX_FILES,
    MAX_TEXT,
    age,
    content_of,
    given_back,
    refused_of,
    thread_ref,
)
from handlers.messages import N_, Button, Label, Reply, Text, text
from handlers.people import audit, name_of, staff_contacts
from models.database import Session
from models.repositories.contacts import Contacts
from models.repositories.questions import Questions
from models.tables import Contact, QuestionThread
from models.values import ThreadStatus


async def owns(conv: Conversation, thread: QuestionThread, *, sending: bool = True, holding: bool = False) -> bool:
    """True when the staff member owns the thread, taking it if nobody does (or its owner is no longer staff); else
    they are told who does (and, `sending`, that nothing of theirs was sent; `holding`, that an answer they write
    waits for the take-over), and offered to take it over."""
    assert thread.id is not None and conv.contact.id is not None
    if thread.owner_id == conv.contact.id:
        return True
    owner = await Contacts(conv.session).get(thread.owner_id) if thread.owner_id else None
    stale = thread.owner_id if owner is not None and not is_staff_contact(owner) else None
    if (thread.owner_id is None or stale is not None) and \
            await Questions(conv.session).take(thread, conv.contact.id, conv.now, replacing=stale):
        await audit(conv.session, conv.contact, "question.taken", "question", thread.id,
                    **({"from_former_staff": stale} if stale is not None else {}))
        return True
    owner = await Contacts(conv.session).get(thread.owner_id) if thread.owner_id else None
    await _offer(conv, thread, owner, sending=sending, holding=holding)
    return False


async def offer_only(conv: Conversation, thread: QuestionThread, note: Label) -> bool:
    """True when a colleague who is still staff has the thread: they are shown it with the offer to take it over,
    and `note` (nothing is taken, and what the person types next is not held for it); False, nothing said, else."""
    if thread.owner_id is None or thread.owner_id == conv.contact.id:
        return False
    owner = await Contacts(conv.session).get(thread.owner_id)
    if owner is None or not is_staff_contact(owner):
        return False
    await _offer(conv, thread, owner, sending=False, note=note)
    return True


async def _offer(conv: Conversation, thread: QuestionThread, owner: Contact | None, *, sending: bool,
                 holding: bool = False, note: Label | None = None) -> None:
    """Who has the thread, how long it has waited (or that it was answered), an answer they are writing, and a
    button to take it over from them (then `note`)."""
    assert thread.id is not None
    ref, person = thread_ref(thread.id), name_of(owner)
    parts: list[Label] = [
        text(N_("Question {ref} was taken by {person}. Nothing of yours was sent."), ref=ref, person=person)
        if sending else text(N_("Question {ref} was taken by {person}."), ref=ref, person=person)]
    if owner is None:  # cleared meanwhile (the owner was forgotten): pressing Take again takes it
        conv.say(Reply(tuple(parts)))
        return
    since = age(conv.now - thread.waiting_since)
    parts.append(text(N_("It has waited for an answer for {age}."), age=since) if thread.status == ThreadStatus.open
                 else text(N_("It was answered {age} ago and waits for the person who asked."), age=since))
    if await writing(conv, owner, thread):
        parts.append(text(N_("{person} has an answer to it in progress."), person=person))
    parts.append(text(N_("If {person} cannot answer it, take it over: {person} is told."), person=person))
    if holding:
        parts.append(Text(HELD))
    if note is not None:
        parts.append(note)
    conv.say(Reply(tuple(parts), ((take_over_button(thread),),)))


def take_over_button(thread: QuestionThread) -> Button:
    """🙋 Take it over, for the thread as it is now (qa:over:<thread>:<version>: compare-and-set on that version)."""
    return Button(Text(N_("🙋 Take it over")), f"qa:over:{thread.id}:{thread.version}")


async def held_facts(conv: Conversation, state: FormState) -> dict[str, object]:
    """What the composer of an answer held for a take-over shows while a colleague has its thread: who
    (`held_by`) and the button to take it over (`take_over`); nothing for any other composer."""
    answers = state.answers
    if answers.get("$mode") != "answer":
        return {}
    thread = await Questions(conv.session).get(int(answers.get("$thread") or 0))
    if thread is not None and thread.status == ThreadStatus.closed:  # closed since it opened: Send it anyway
        return {"closed": True} if await sendable_closed(conv, thread, conv.contact) else {}
    if not answers.get("$held") or thread is None or thread.owner_id in (None, conv.contact.id):
        return {}
    owner = await Contacts(conv.session).get(thread.owner_id)
    if owner is None or not is_staff_contact(owner):  # a former colleague's: 📨 Send takes it at once (owns)
        return {}
    return {"held_by": name_of(owner), "take_over": take_over_button(thread)}


async def sendable_closed(conv: Conversation, thread: QuestionThread, member: Contact) -> bool:
    """True when the staff member may still send an answer to this closed thread: its asker is there (not
    forgotten) and it is theirs (or nobody's, or a former colleague's). A colleague's answer to a colleague's thread
    cannot: it waited for a take-over, which a closed thread no longer allows."""
    return await sendable_when_closed(conv.session, thread, member)


async def sendable_when_closed(session: Session, thread: QuestionThread, member: Contact) -> bool:
    """`sendable_closed` in a session of its own (the scheduled jobs have no conversation)."""
    if thread.asker_id is None or thread.owner_id in (None, member.id):
        return thread.asker_id is not None
    owner = await Contacts(session).get(thread.owner_id)
    return owner is None or not is_staff_contact(owner)


async def writing(conv: Conversation, member: Contact, thread: QuestionThread) -> bool:
    """True when the staff member has the composer of an answer to this thread open."""
    answers = await _composing(conv, member)
    return answers.get("$mode") == "answer" and answers.get("$thread") == thread.id


async def _composing(conv: Conversation, member: Contact) -> Mapping[str, Any]:
    """The answers of the staff member's open composer (of a question, an answer or a reply), empty if none."""
    state = await composer_of(conv, member)
    return state.answers if state is not None else {}


async def composer_of(conv: Conversation, member: Contact) -> FormState | None:
    """The state of the person's open composer (of a question, an answer or a reply), if any."""
    return await composer_in(conv.session, member)


async def composer_in(session: Session, member: Contact) -> FormState | None:
    """`composer_of` in a session of its own (the scheduled jobs have no conversation)."""
    draft = await drafts.find_draft(session, member.id, COMPOSE_FORM.id) if member.id is not None else None
    return FormState.from_json(draft.state) if draft is not None else None


async def take(conv: Conversation, thread: QuestionThread) -> bool:
    """Take the thread (staff): one owner, whoever pressed first; a colleague's is offered to take over. True when
    it became theirs, which the caller tells them (`yours`)."""
    assert thread.id is not None and conv.contact.id is not None
    if not is_staff_contact(conv.contact):
        await refuse(conv, "question.take", "question", thread.id)
    elif thread.status == ThreadStatus.closed:
        conv.say(Reply((closed_for_staff(thread),)))
    elif thread.owner_id == conv.contact.id:
        conv.say(Reply((text(N_("Question {ref} is yours already."), ref=thread_ref(thread.id)),)))
    else:
        return await owns(conv, thread, sending=False)
    return False


def yours(thread_id: int) -> Label:
    """What a staff member who now owns the thread is told."""
    return text(N_("Question {ref} is yours: answer it by replying to it, or with ✍️ Answer."),
                ref=thread_ref(thread_id))


async def take_over(conv: Conversation, thread: QuestionThread, seen: int) -> bool:
    """qa:over:<thread>:<version>: take over the thread from the colleague who owned it when it was shown at version
    `seen` (compare-and-set); they are told. A thread changed since (answered, replied to, taken by someone else,
    given back) is as a Take pressed now: taken if nobody has it, else offered again as it is now. True when it
    became theirs, which the caller tells them (`yours`)."""
    assert thread.id is not None and conv.contact.id is not None
    previous = thread.owner_id
    if not is_staff_contact(conv.contact) or thread.status == ThreadStatus.closed or previous is None or \
            previous == conv.contact.id or thread.version != seen:
        return await take(conv, thread)
    if not await Questions(conv.session).take(thread, conv.contact.id, conv.now, replacing=previous, seen_version=seen):
        return await take(conv, thread)  # another colleague was first: told who has it now
    await audit(conv.session, conv.contact, "question.taken", "question", thread.id, from_staff=previous)
    former = await Contacts(conv.session).get(previous)
    if former is not None and is_staff_contact(former) and not former.blocked:
        news = text(N_("{person} took over question {ref} from you: they answer it now, and the person's next "
                       "messages go to them."), person=name_of(conv.contact), ref=thread_ref(thread.id))
        await outbox.enqueue(conv.session, former, Reply((news,)), f"hd-over:{thread.id}:v{thread.version}",
                             priority=outbox.NOTICE)
    return True


async def answer_cancelled(conv: Conversation, state: FormState) -> None:
    """The composer cancelled: the thread that opening an answer took (it was nobody's before) is given back, unless
    its owner answered it meanwhile; what other ways in it serves (a question, a reply) leave nothing to undo."""
    released = await release_taken(conv, state.answers)
    if released is not None and is_staff_contact(conv.contact):  # not to someone whose staff role ended it
        conv.say(Reply((text(N_("Question {ref} is nobody's again: you or a colleague can take it."),
                             ref=thread_ref(released)),)))


async def unsent_elsewhere(conv: Conversation, answers: Mapping[str, object]) -> int | None:
    """The thread of the person's open composer of an answer with something written in it (text or files), when a
    composer with these `answers` would replace it (it is not an answer to that thread): that answer is kept, not
    replaced (kept_note says so). None when there is no such composer."""
    before = await composer_of(conv, conv.contact)
    if before is None or before.answers.get("$mode") != "answer" or \
            (answers.get("$mode") == "answer" and answers.get("$thread") == before.answers.get("$thread")):
        return None
    written = content_of(before.answers, before.scratch)
    return int(before.answers.get("$thread") or 0) if written["text"] or written["files"] else None


async def unsent_message(conv: Conversation, answers: Mapping[str, object]) -> bool:
    """True when the person's open composer of a question or a reply (not an answer: unsent_elsewhere) has something
    written in it and a composer with these `answers` would replace it (it is not a reply to the same thread): that
    message is kept, not replaced (KEPT_MESSAGE says so)."""
    before = await composer_of(conv, conv.contact)
    if before is None or before.answers.get("$mode") == "answer" or \
            (answers.get("$mode") == before.answers.get("$mode") == "reply"
             and answers.get("$thread") == before.answers.get("$thread")):
        return False
    written = content_of(before.answers, before.scratch)
    return bool(written["text"] or written["files"])


KEPT_MESSAGE = N_("You have an unsent message, which is kept: send or cancel it first, then try again.")
"""Said when a composer with something written in it stays instead of the one just asked for."""


def kept_note(thread_id: int) -> Label:
    """What a staff member is told when their unsent answer to this thread stays, instead of another composer."""
    return text(N_("Your unsent answer to question {ref} is kept: send or cancel it first."),
                ref=thread_ref(thread_id))


async def replacing(conv: Conversation, answers: dict[str, object]) -> tuple[dict[str, object], tuple[Label, ...]]:
    """The answers of a composer about to replace the person's open one, and what to say of that one: an answer (or a
    reply) to the same thread keeps what was written in it; an empty answer to another thread gives back the thread
    its opening took, as a cancel would (release_taken), and says so. One with something written in it is not
    replaced: callers ask unsent_elsewhere (and unsent_message) first."""
    before = await composer_of(conv, conv.contact)
    if before is None or before.answers.get("$mode") not in ("answer", "reply"):
        return answers, ()
    if answers.get("$mode") == before.answers.get("$mode") and answers.get("$thread") == before.answers.get("$thread"):
        written = content_of(before.answers, before.scratch)
        if written["text"] or written["files"]:  # what comes with the new one (a reply-to's text) goes after it
            answers = {**answers, "$start": joined(written, refused_of(before.answers, before.scratch),
                                                   answers.get("$start"))}
        return answers, ()
    released = await release_taken(conv, before.answers)  # nothing for a reply: it took nothing
    if released is None:
        return answers, ()
    return answers, (text(N_("Question {ref}, whose answer you left unsent, is nobody's again: you or a colleague can "
                             "take it."), ref=thread_ref(released)),)


def joined(written: Mapping[str, Any], refused: int, more: object) -> dict[str, Any]:
    """What was written, then `more` (a composer's start: text and files) when it fits in one message (MAX_TEXT,
    MAX_FILES); else what was written, `more` counted as refused (it is still in the person's chat)."""
    add = more if isinstance(more, Mapping) else {}
    extra, files = str(add.get("text") or ""), [*written["files"], *(add.get("files") or [])]
    text_ = f"{written['text']}\n\n{extra}" if written["text"] and extra else written["text"] or extra
    if not add or len(text_) > MAX_TEXT or len(files) > MAX_FILES:
        return {**written, "refused": refused + (1 if add else 0)}
    return {"text": text_, "files": files, "refused": refused + int(add.get("refused") or 0)}


async def release_taken(conv: Conversation, answers: Mapping[str, Any]) -> int | None:
    """Give back the thread that opening this composer of an answer took (`$took`: it was nobody's before), if the
    person still has it and wrote no answer in it since (audited `question.released`); the thread's id when it
    was given back."""
    if answers.get("$mode") != "answer" or not answers.get("$took") or conv.contact.id is None:
        return None
    questions = Questions(conv.session)
    thread = await questions.get(int(answers.get("$thread") or 0), for_update=True)
    if thread is None or thread.id is None or not await questions.release(thread, conv.contact.id, conv.now):
        return None
    await audit(conv.session, conv.contact, "question.released", "question", thread.id)
    return thread.id


async def took_on_opening(conv: Conversation, thread: QuestionThread, owner_before: int | None) -> bool:
    """True when opening the answer's composer took the thread (it was not this staff member's), or when their
    composer of an answer to it, which this one replaces, had taken it."""
    if owner_before != conv.contact.id:
        return True
    return await writing(conv, conv.contact, thread) and bool((await _composing(conv, conv.contact)).get("$took"))


def closed_for_staff(thread: QuestionThread) -> Label:
    """A closed thread, as staff acting on it are told: why nothing can go to a person who asked to be forgotten."""
    assert thread.id is not None
    if thread.asker_id is None:
        return text(N_("Question {ref} is closed, and the person who asked it asked to be forgotten: nothing can be "
                       "sent to them."), ref=thread_ref(thread.id))
    return text(N_("Question {ref} is closed."), ref=thread_ref(thread.id))


async def end_unsendable_answers(session: Session, thread: QuestionThread, closer_id: int | None = None, *,
                                 forgotten: bool = False) -> set[int]:
    """Once the thread is closed, the composers of answers to it that can no longer be sent end, each writer told
    with their text given back: a colleague's, held for a take-over a closed thread no longer allows; every one
    when its asker is being forgotten (`forgotten`). Its owner's stays, to send anyway (sendable_closed); so does
    the composer of who closed it (`closer_id`: they see it closed). The ids of the writers told.

    In a session of its own: staff closing a question, /forget and the scheduled job closing answered questions
    nobody replied to all end them in the transaction that closes the thread."""
    assert thread.id is not None
    ended: set[int] = set()
    for member in await staff_contacts(session):
        if member.id is None or member.id == closer_id:
            continue
        state = await composer_in(session, member)
        if state is None or state.answers.get("$mode") != "answer" or state.answers.get("$thread") != thread.id:
            continue
        if not forgotten and await sendable_when_closed(session, thread, member):
            continue
        await drafts.discard(session, member.id, COMPOSE_FORM.id)
        ref = thread_ref(thread.id)
        why = text(N_("Question {ref} is closed, and the person who asked it asked to be forgotten: nothing can be "
                      "sent to them. Nothing of yours was sent."), ref=ref) if forgotten else \
            text(N_("Question {ref} was closed, so your answer to it was not sent."), ref=ref)
        key = f"hd-unsent:{thread.id}:{'forgotten' if forgotten else f'v{thread.version}'}:{member.id}"
        await outbox.enqueue(session, member, Reply((why, *given_back(content_of(state.answers, state.scratch)))),
                             key, priority=outbox.NOTICE)
        ended.add(member.id)
    return ended
