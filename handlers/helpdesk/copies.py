"""What each side is sent of a thread message: staff see who asked (their pledges, or a coordinator's scope) and
what the question follows; the person sees BDT's answer.

Each copy is an outbox row keyed `hd:<message id>:<recipient id>` (its files follow, `...:f<n>`; a thread's history
shown by /questions is keyed after its first message's, `...:u<update>:<n>`), so that a reply-to on it leads back
to its thread (models.repositories.questions).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from handlers import outbox
from handlers.digests.service import scope_name
from handlers.helpdesk.compose import thread_ref
from handlers.language import negotiate
from handlers.messages import N_, Button, Code, Concat, CountryName, Day, Items, Label, Line, Reply, Text, text
from handlers.onboarding import join_request
from handlers.people import role_of
from handlers.staff_notices import described, organisation_label, person_for_staff
from models.database import Session
from models.repositories.broadcasts import Broadcasts
from models.repositories.outbox import OutboxRows
from models.repositories.pledges import Pledges
from models.repositories.questions import COPY_PREFIX, Questions
from models.repositories.subscriptions import Scopes
from models.tables import Contact, Entity, QuestionMessage, QuestionThread
from models.values import Role, ThreadStatus

RECENT_PLEDGES = 3
FILE_COPY = re.compile(r":f\d+$")

READS_IN: dict[str, str] = {
    "ar": N_("Reads the bot in Arabic. Their messages are shown as written (no machine translation)."),
    "en": N_("Reads the bot in English. Their messages are shown as written (no machine translation)."),
    "es": N_("Reads the bot in Spanish. Their messages are shown as written (no machine translation)."),
    "fr": N_("Reads the bot in French. Their messages are shown as written (no machine translation)."),
    "ru": N_("Reads the bot in Russian. Their messages are shown as written (no machine translation)."),
    "zh": N_("Reads the bot in Chinese. Their messages are shown as written (no machine translation)."),
}
"""The language the person reads the bot in, which is not always the one they write in (the text is not read)."""


def reads_in(thread: QuestionThread, asker: Contact | None) -> Text:
    """The language the person who asked reads the bot in now (the one they asked in, once they are forgotten)."""
    language = negotiate(asker.language, asker.telegram_language, thread.language) if asker else thread.language
    return Text(READS_IN.get(language, READS_IN["en"]))


def asker_line(contact: Contact | None, entity: Entity | None) -> Label:
    """Who asked, as staff see them: name and Telegram id, organisation and its number, country (staff copies
    only)."""
    details: list[Label] = []
    if entity is not None:
        details.append(organisation_label(entity))
        if entity.country_iso3:
            details.append(CountryName(entity.country_iso3))
    return Line(Text(N_("From")), described(person_for_staff(contact), *details))


async def standing(session: Session, contact: Contact | None, entity: Entity | None) -> Label:
    """What staff are told of a new asker beside who they are: a coordinator's scope (they pledge nothing, they
    follow pledges), one waiting to join an organisation that one, else their organisation's recent pledges."""
    if contact is not None and contact.id is not None and contact.role == Role.coordinator:
        return Line(Text(N_("Coordinator")), await scope_name(session, await Scopes(session).of(contact.id)))
    if contact is not None and entity is None and role_of(contact) is None and \
            (waiting := await join_request(session, contact)) is not None:  # no place yet: the one they asked for
        return Line(Text(N_("Asks to join")), organisation_label(waiting))
    pledges = await Pledges(session).of_entity(entity.id, RECENT_PLEDGES) if entity and entity.id else []
    shown: Label = Items(tuple(Concat((Code(p.ref or "—"), " ", p.title)) for p in pledges)) if pledges else \
        Text(N_("none yet"))
    return Line(Text(N_("Recent pledges")), shown)


async def replied_to(session: Session, chat_id: int, message_id: int | None) -> dict[str, int]:
    """The composer's note of a broadcast a person's message replies to (`$broadcast`), for the staff copy of the
    question it becomes; nothing when it replies to something else."""
    key = await OutboxRows(session).key_at(chat_id, message_id) if message_id is not None else None
    fields = (key or "").split(":")  # a broadcast's copy and its file: bc:<id>:<contact>, bcf:<id>:<contact>
    return {"$broadcast": int(fields[1])} if fields[0] in ("bc", "bcf") and fields[1:2] and fields[1].isdigit() \
        else {}


async def origin(session: Session, answers: Mapping[str, Any]) -> tuple[Label | None, QuestionThread | None]:
    """What a new question follows, as its staff copy says: the closed question the person replied on (returned
    too: its former owner hears of the new one first), or the broadcast they replied to."""
    follows = await Questions(session).get(int(answers["$follows"])) if answers.get("$follows") else None
    if follows is not None and follows.id is not None:
        return text(N_("Follows question {ref}, which is closed."), ref=thread_ref(follows.id)), follows
    broadcast = await Broadcasts(session).get(int(answers["$broadcast"])) if answers.get("$broadcast") else None
    if broadcast is not None and broadcast.id is not None:
        sent = broadcast.started_at or broadcast.scheduled_at or broadcast.created_at
        return text(N_("In reply to broadcast {ref} ({day})."), ref=Code(f"#{broadcast.id}"),
                    day=Day(sent.date())), None
    return None, None


def staff_buttons(thread_id: int, *, take: bool = True) -> tuple[tuple[Button, ...], ...]:
    """Take (unless the copy goes to the thread's owner only), Answer and Close, for staff."""
    taking = (Button(Text(N_("🙋 Take")), f"qa:take:{thread_id}"),) if take else ()
    return ((*taking, Button(Text(N_("✍️ Answer")), f"qa:ans:{thread_id}"),
             Button(Text(N_("✅ Close")), f"qa:close:{thread_id}")),)


def asker_buttons(thread_id: int) -> tuple[tuple[Button, ...], ...]:
    """Reply and Close, for the person who asked."""
    return ((Button(Text(N_("↩️ Reply")), f"qa:re:{thread_id}"),
             Button(Text(N_("✅ Close the question")), f"qa:close:{thread_id}")),)


def files_note(files: list[dict[str, Any]]) -> tuple[Label, ...]:
    """A line saying that files follow the message, if any do."""
    if not files:
        return ()
    return (Text(N_("📎 Its files follow this message.")),)


async def staff_copy(session: Session, thread: QuestionThread, message: QuestionMessage, asker: Contact | None,
                     entity: Entity | None, *, follow_up: bool, about: Label | None = None,
                     to_owner: bool = False) -> Reply:
    """The copy staff get of a question or of the person's reply: who, where from, what about (a report BDT asked
    about, say), the language they read the bot in, recent pledges (a coordinator's scope), the text as written, and
    how to answer (no Take for the copy that goes to the thread's owner only, `to_owner`: it is theirs)."""
    assert thread.id is not None
    ref = thread_ref(thread.id)
    head = text(N_("💬 The person replied on question {ref}:"), ref=ref) if follow_up else \
        text(N_("❓ New question {ref} to the P2C team."), ref=ref)
    parts: list[Label] = [head, asker_line(asker, entity), *((about,) if about is not None else ()),
                          reads_in(thread, asker)]
    if not follow_up:
        parts.append(await standing(session, asker, entity))
    if message.text:
        parts.append(message.text)
    parts += [*files_note(message.files), Text(N_("Reply to this message to answer, or use the buttons."))]
    return Reply(tuple(parts), staff_buttons(thread.id, take=not to_owner))


def asker_copy(thread: QuestionThread, message: QuestionMessage) -> Reply:
    """The copy the person gets of BDT's answer, with Reply and Close; one sent after the question closed has no
    buttons: a reply to it is offered as a new question following it."""
    assert thread.id is not None
    parts: list[Label] = [text(N_("💬 BDT answered your question {ref}:"), ref=thread_ref(thread.id))]
    if message.text:
        parts.append(message.text)
    parts += files_note(message.files)
    if thread.status == ThreadStatus.closed:
        return Reply((*parts, Text(N_("This question is closed: to ask more about it, reply to this message."))))
    parts.append(Text(N_("Reply to this message to continue, or close the question if it is settled.")))
    return Reply(tuple(parts), asker_buttons(thread.id))


def history_copy_of(first: QuestionMessage) -> str:
    """What a thread's history (/questions' 🔎) is said as a copy of (Conversation.say's `copy_of`): its first message,
    so that its outbox key, `hd:<message id>:<reader id>:u…`, leads a reply-to on it back to the thread as a copy's
    does."""
    return f"{COPY_PREFIX}{first.id}"


def is_file_copy(key: str) -> bool:
    """Whether an outbox key of a copy is one of its files' (`hd:<message id>:<recipient id>:f<n>`, send_copy), not
    a message of text (the copy itself, or a card of the thread keyed after it, `...:u<update>:<n>`)."""
    return FILE_COPY.search(key) is not None


async def send_copy(session: Session, recipient: Contact, thread: QuestionThread, message: QuestionMessage,
                    copy: Reply) -> None:
    """Enqueue the copy and its files for one recipient (keys make a second enqueue harmless)."""
    assert thread.id is not None and message.id is not None
    key = f"{COPY_PREFIX}{message.id}:{recipient.id}"
    await outbox.enqueue(session, recipient, copy, key, priority=outbox.NOTICE)
    for index, file in enumerate(message.files, start=1):
        caption = Reply((text(N_("📎 File {n} of question {ref}"), n=index, ref=thread_ref(thread.id)),),
                        attachment=(str(file["kind"]), str(file["file_id"])))
        await outbox.enqueue(session, recipient, caption, f"{key}:f{index}", priority=outbox.NOTICE)
