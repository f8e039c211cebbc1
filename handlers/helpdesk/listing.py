"""/questions and a thread's history: staff see every thread, a person only their own; and the qa: buttons."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers import buttons
from handlers.conversation import Conversation
from handlers.entities import is_staff_contact, refuse
from handlers.helpdesk import copies, threads
from handlers.helpdesk.compose import age, thread_ref
from handlers.inputs import Incoming
from handlers.lengths import shorten
from handlers.messages import N_, Button, Concat, Label, Line, Number, Reply, Text, plural, text
from handlers.people import name_of
from handlers.staff_notices import described, organisation_label, person_for_staff
from models.repositories.contacts import Contacts
from models.repositories.questions import Questions
from models.tables import QuestionMessage, QuestionThread
from models.values import ThreadStatus

LISTED = 20
"""Open threads listed by /questions (a count says how many more there are)."""
CLOSED_LISTED = 5
CLOSED_SHOWN_FOR = timedelta(days=30)
"""/questions also shows the threads closed in the last 30 days (the latest five)."""
MINE_LISTED = 10
BUTTON_ROWS = 8
HISTORY_MESSAGES = 10
"""Messages a thread's history shows: its first (the question) and the latest, the others counted."""
HISTORY_EXCERPT = 250
"""How much of each message the history shows (UTF-16 units): ten, each with its author and files, beside the
asker's names of 200 characters, fit Telegram's limit in every language without the renderer's cut."""

STATUS: dict[str, str] = {
    ThreadStatus.open: N_("waiting for BDT"),
    ThreadStatus.answered: N_("answered"),
    ThreadStatus.closed: N_("closed"),
}


def _status(thread: QuestionThread) -> Text:
    return Text(STATUS.get(thread.status, STATUS[ThreadStatus.open]))


async def questions_command(conv: Conversation, incoming: Incoming) -> None:
    """/questions: staff get the threads not closed (those waiting for BDT first) with their age, and the recently
    closed ones; a person who asks gets their own threads."""
    if is_staff_contact(conv.contact):
        await _staff_list(conv)
    elif await threads.may_ask_now(conv) or (
            conv.contact.id is not None and await Questions(conv.session).of_asker(conv.contact.id, 1)):
        # one waiting to join an organisation may ask, so may list (a tester was refused "register first" just after
        # registering); one who left an organisation keeps their own questions, as their buttons do
        await _own_list(conv)
    else:
        await refuse(conv, "question.list")


async def _staff_list(conv: Conversation, after: int | None = None, *, answered: bool = False,
                      shown: datetime | None = None) -> None:
    """The threads not closed, LISTED at a time: those waiting for BDT first, then those waiting for the person,
    oldest first in each, so that an answered thread the person never closes keeps no question of theirs off the
    first page. The first page with the recently closed, or the one after thread `after` (the last one a page
    before listed, with the answered ones when `answered`), read afresh; a button for the next ones.

    A page lists what comes after `after` in the queue as it is now. A thread that began waiting for BDT since the
    page before was `shown` (the person replied to an answered one, or a new question) and sorts before `after` is
    on no later page: the page says how many there are, and ⏮ lists them. A thread answered since it was listed
    among those waiting may be listed again, among the answered ones and saying so."""
    questions = Questions(conv.session)
    waiting = await questions.not_closed(LISTED, after, answered=answered)
    counts = await questions.count_not_closed()
    total = counts.total
    later = (await questions.count_not_closed(after, answered=answered)).total if after is not None else total
    back = (Button(Text(N_("⏮ Back to the oldest")), "qa:list"),)
    passed = await questions.began_waiting_before(after, shown, answered=answered) \
        if after is not None and shown is not None else 0
    passed_note: tuple[Label, ...] = (plural(
        "Since the previous page, {count} question earlier in the queue began waiting for BDT (asked, or replied "
        "to by the person): ⏮ Back to the oldest lists it.",
        "Since the previous page, {count} questions earlier in the queue began waiting for BDT (asked, or replied "
        "to by the person): ⏮ Back to the oldest lists them.", passed),) if passed else ()
    if after is not None and not waiting:
        conv.say(Reply((*passed_note,
                        Text(N_("No more questions after those: press below for the list from the oldest."))),
                       (back,)))
        return
    closed = await questions.closed_since(conv.now - CLOSED_SHOWN_FOR, CLOSED_LISTED) if after is None else []
    askers = await questions.askers([t.id for t in waiting if t.id is not None])
    contacts = Contacts(conv.session)
    owners = {owner_id: await contacts.get(owner_id) for owner_id in {t.owner_id for t in waiting if t.owner_id}}
    parts: list[Label] = [_queue_heading(counts.waiting, counts.answered), *passed_note]
    for thread in waiting:
        assert thread.id is not None
        asker, entity = askers.get(thread.id, (None, None))
        owner = owners.get(thread.owner_id or 0)
        who = described(person_for_staff(asker), organisation_label(entity)) if entity else person_for_staff(asker)
        # the reader's own: "taken by you", as their reminder says it (a tester read their own name)
        taken: Label = Text(N_("taken by you")) if owner is not None and owner.id == conv.contact.id else \
            text(N_("taken by {person}"), person=name_of(owner)) if owner else Text(N_("not taken"))
        parts.append(Concat((thread_ref(thread.id), " · ", _status(thread), " · ",
                             text(N_("asked {age} ago"), age=age(conv.now - thread.created_at)), " · ", who, " · ",
                             taken)))
    if total > later and len(waiting) == 1:  # "numbers 21 to 21": one alone is named as one
        parts.append(text(N_("This is number {first} in the queue: the questions waiting for BDT first, then the "
                             "answered ones, oldest first."), first=Number(total - later + 1)))
    elif total > later:
        parts.append(text(N_("These are numbers {first} to {last} in the queue: the questions waiting for BDT "
                             "first, then the answered ones, oldest first."),
                          first=Number(total - later + 1), last=Number(total - later + len(waiting))))
    more = later - len(waiting)
    if more > 0:
        parts.append(plural("…and {count} more.", "…and {count} more.", more))
    if closed:
        parts.append(Text(N_("Recently closed:")))
        for thread in closed:
            assert thread.id is not None
            parts.append(Concat((thread_ref(thread.id), " · ", _status(thread), " · ",
                                 text(N_("{age} ago"), age=age(conv.now - (thread.closed_at or thread.updated_at))))))
    following = ((Button(plural("Next {count} question ▸", "Next {count} questions ▸", min(LISTED, more)),
                         _next_page(waiting[-1], conv.now)),),) if more > 0 and waiting else ()
    conv.say(Reply(tuple(parts), (*_open_buttons([*waiting, *closed]), *following,
                                  *((back,) if after is not None else ()))))


def _queue_heading(waiting: int, answered: int) -> Label:
    """How many threads are not closed, and of those how many wait for BDT and how many for the person."""
    if not waiting + answered:
        return Text(N_("No question is waiting."))
    lines: list[Label] = [
        plural("{count} question is not closed.", "{count} questions are not closed.", waiting + answered), "\n",
        plural("{count} waits for BDT.", "{count} wait for BDT.", waiting) if waiting
        else Text(N_("None waits for BDT."))]
    if answered:
        lines += ["\n", plural("{count} was answered and waits for the person.",
                                "{count} were answered and wait for the person.", answered)]
    return Concat(tuple(lines))


def _next_page(last: QuestionThread, now: datetime) -> str:
    """The code of the button listing the threads after `last`, saying in which part of the queue it was listed
    and when (this page's moment, buttons.stamp)."""
    part = "after:ans" if last.status != ThreadStatus.open else "after"
    return f"qa:{part}:{last.id}:{buttons.stamp(now)}"


async def _own_list(conv: Conversation) -> None:
    assert conv.contact.id is not None
    found = await Questions(conv.session).of_asker(conv.contact.id, MINE_LISTED + 1)
    if not found:
        conv.say(Reply((Text(N_("You have not asked the P2C team anything yet. Send /ask to ask a question.")),)))
        return
    mine = found[:MINE_LISTED]  # those not closed first: an open one is never hidden behind newer closed ones
    parts: list[Label] = [Text(N_("Your questions to the P2C team:"))]
    for thread in mine:
        assert thread.id is not None
        parts.append(Concat((thread_ref(thread.id), " · ", _status(thread), " · ",
                             text(N_("asked {age} ago"), age=age(conv.now - thread.created_at)))))
    if len(found) > MINE_LISTED:
        parts.append(Text(N_("Older questions are not listed; their answers are still in this chat.")))
    conv.say(Reply(tuple(parts), _open_buttons(mine)))


ERASED_WORDS = N_("(erased: a person who asked to be forgotten wrote or received it)")
"""What a thread's history shows of a message /forget emptied: the asker's words, or BDT's answer to them."""


def _open_buttons(listed: list[QuestionThread]) -> tuple[tuple[Button, ...], ...]:
    cells = [Button(Concat(("🔎 ", thread_ref(t.id))), f"qa:open:{t.id}") for t in listed if t.id is not None]
    rows = [tuple(cells[i:i + 3]) for i in range(0, len(cells), 3)]
    return tuple(rows[:BUTTON_ROWS])


async def show_thread(conv: Conversation, thread: QuestionThread) -> None:
    """A thread's history (its question and its last messages, shortened, how many in between counted), with the
    buttons this person may use."""
    assert thread.id is not None
    messages = await Questions(conv.session).messages(thread.id)
    staff = is_staff_contact(conv.contact)
    parts: list[Label] = [Concat((thread_ref(thread.id), " · ", _status(thread), " · ",
                                  text(N_("asked {age} ago"), age=age(conv.now - thread.created_at))))]
    if staff:
        askers = await Questions(conv.session).askers([thread.id])
        asker, entity = askers.get(thread.id, (None, None))
        parts += [copies.asker_line(asker, entity), copies.reads_in(thread, asker)]
    own = thread.asker_id is not None and thread.asker_id == conv.contact.id
    # the question itself always, then the latest: what was asked and where the thread stands now
    shown = messages if len(messages) <= HISTORY_MESSAGES else [messages[0], *messages[1 - HISTORY_MESSAGES:]]
    for index, message in enumerate(shown):
        if index == 1 and len(shown) < len(messages):
            parts.append(plural("… {count} message in between is not shown.",
                                "… {count} messages in between are not shown.", len(messages) - len(shown)))
        when = text(N_("{age} ago"), age=age(conv.now - message.created_at))
        body: list[Label] = []
        if message.text:
            body += ["\n", shorten(message.text, HISTORY_EXCERPT)]
        if message.files:
            body += ["\n", plural("{count} file attached.", "{count} files attached.", len(message.files))]
        if not body:  # only an erased message is empty (Questions.forget_author): a tester read an empty line
            body += ["\n", Text(ERASED_WORDS)]
        # a name and its value, laid out for the reader's script (French puts a space before the colon)
        parts.append(Line(Concat(("— ", _author(message, message is messages[0], own), " · ", when)),
                          Concat(tuple(body))))
    rows: tuple[tuple[Button, ...], ...] = ()
    if thread.status != ThreadStatus.closed:
        rows = copies.staff_buttons(thread.id) if staff else copies.asker_buttons(thread.id)
    # keyed as a copy of the question (hd:<its first message>:<reader>…): a reply to the card is traced to the thread
    # as a reply to a copy is (threads.on_reply_to), answering it or continuing it, not refused with the text lost
    conv.say(Reply(tuple(parts), rows), copy_of=copies.history_copy_of(messages[0]) if messages else None)


def _author(message: QuestionMessage, first: bool, own: bool) -> Text:
    """Who wrote a message of the thread, as its reader calls them: "Your question" when the asker reads it."""
    if message.from_staff:
        return Text(N_("BDT"))
    if own:
        return Text(N_("Your question")) if first else Text(N_("Your reply"))
    return Text(N_("Question")) if first else Text(N_("Reply"))


VERBS = frozenset({"take", "over", "ans", "close", "re", "open"})
PAGES = frozenset({"after", "list"})


async def question_button(conv: Conversation, data: str) -> None:
    """qa:take|ans|close|re|open:<thread id>, qa:over:<thread id>:<version> (take over a colleague's thread as it
    was shown); the thread is checked to be this person's (or they are staff);
    qa:after:<thread id>:<moment>, qa:after:ans:<thread id>:<moment>, qa:list: a page of /questions for staff, the
    one after that thread (listed as waiting for BDT, or as answered, on a page shown at that moment) or the first
    (buttons sent before the moment was in them have none)."""
    parsed = buttons.parse(data)
    if parsed is not None and parsed.prefix == "qa" and parsed.verb in PAGES:
        if is_staff_contact(conv.contact):
            shown = buttons.stamped(parsed.version) if parsed.version is not None else None
            await _staff_list(conv, parsed.id, answered=parsed.pattern.startswith("qa:after:ans:"), shown=shown)
        else:
            await refuse(conv, "question.list")
        return
    if parsed is None or parsed.prefix != "qa" or parsed.verb not in VERBS:
        await buttons.refuse_malformed(conv, data)
        return
    thread = await threads.thread_for(conv, parsed.id, f"question.{parsed.verb}")
    if thread is None:
        return
    if parsed.verb == "over":
        await threads.take(conv, thread, parsed.version or 0)
    elif parsed.verb == "take":
        await threads.take(conv, thread)
    elif parsed.verb == "ans":
        await threads.start_answer(conv, thread)
    elif parsed.verb == "close":
        await threads.close(conv, thread)
    elif parsed.verb == "re":
        await threads.start_reply(conv, thread)
    else:
        await show_thread(conv, thread)
