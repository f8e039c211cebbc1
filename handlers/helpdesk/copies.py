"""What each side is sent of a thread message: staff see who asked and their pledges; the person sees BDT's answer.

Each copy is an outbox row keyed `hd:<message id>:<recipient id>` (its files follow, `...:f<n>`), so that a
reply-to on it leads back to its thread (models.repositories.questions).
"""

from __future__ import annotations

from typing import Any

from handlers import outbox
from handlers.helpdesk.compose import thread_ref
from handlers.language import negotiate
from handlers.messages import N_, Button, Code, Concat, CountryName, Items, Label, Line, Reply, Text, text
from handlers.staff_notices import described, organisation_label, person_for_staff
from models.database import Session
from models.repositories.pledges import Pledges
from models.repositories.questions import COPY_PREFIX
from models.tables import Contact, Entity, QuestionMessage, QuestionThread

RECENT_PLEDGES = 3

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


def staff_buttons(thread_id: int) -> tuple[tuple[Button, ...], ...]:
    """Take, Answer and Close, for staff."""
    return ((Button(Text(N_("🙋 Take")), f"qa:take:{thread_id}"),
             Button(Text(N_("✍️ Answer")), f"qa:ans:{thread_id}"),
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
                     entity: Entity | None, *, follow_up: bool, about: Label | None = None) -> Reply:
    """The copy staff get of a question or of the person's reply: who, where from, what about (a report BDT asked
    about, say), the language they read the bot in, recent pledges, the text as written, and how to answer."""
    assert thread.id is not None
    ref = thread_ref(thread.id)
    head = text(N_("💬 The person replied on question {ref}:"), ref=ref) if follow_up else \
        text(N_("❓ New question {ref} to the P2C team."), ref=ref)
    parts: list[Label] = [head, asker_line(asker, entity), *((about,) if about is not None else ()),
                          reads_in(thread, asker)]
    if not follow_up:
        pledges = await Pledges(session).of_entity(entity.id, RECENT_PLEDGES) if entity and entity.id else []
        shown: Label = Items(tuple(Concat((Code(p.ref or "—"), " ", p.title)) for p in pledges)) if pledges else \
            Text(N_("none yet"))
        parts.append(Line(Text(N_("Recent pledges")), shown))
    if message.text:
        parts.append(message.text)
    parts += [*files_note(message.files), Text(N_("Reply to this message to answer, or use the buttons."))]
    return Reply(tuple(parts), staff_buttons(thread.id))


def asker_copy(thread: QuestionThread, message: QuestionMessage) -> Reply:
    """The copy the person gets of BDT's answer, with Reply and Close."""
    assert thread.id is not None
    parts: list[Label] = [text(N_("💬 BDT answered your question {ref}:"), ref=thread_ref(thread.id))]
    if message.text:
        parts.append(message.text)
    parts += [*files_note(message.files),
              Text(N_("Reply to this message to continue, or close the question if it is settled."))]
    return Reply(tuple(parts), asker_buttons(thread.id))


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
