"""One update's conversation: who, in which language, what the bot answers; and running forms."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers import drafts, outbox
from handlers.forms.base import SHOWN_KEPT, Form, FormContext, FormState
from handlers.forms.engine import (
    NOT_CANCELLED,
    SUMMARY,
    FormInput,
    Outcome,
    Status,
    advance,
    prompt,
    start,
    submitted,
    unconfirmed,
)
from handlers.messages import N_, Concat, Label, Line, Reply, Text
from handlers.people import audit, not_allowed
from models.database import Session
from models.repositories.updates import ProcessedUpdates
from models.retention import Retention
from models.tables import Contact, Draft
from models.timezones import zone_of

Translate = Callable[[Label, str], str]


SentAs = dict[tuple[int, int], str | None]
"""Outbox keys by chat and Telegram's message id (None: a message the outbox did not send)."""


@dataclass(frozen=True)
class Deps:
    """What journeys need from the outside world, wired once in build_app."""

    translate: Translate
    default_locale: str = "en"
    timezone: str = "UTC"
    bot_username: str | None = None
    retention: Retention = field(default_factory=Retention)
    """How long operational rows are kept, as configured (stated by /privacy)."""
    log_retention_days: int | None = None
    """How long the operator keeps logs, as configured (stated by /privacy; None: not stated)."""
    hold_pastes: bool = False
    """Whether a long plain text is held as the possible first part of a paste Telegram's apps split, until its
    continuation comes (handlers.pastes): on for updates from Telegram (build_app); off where texts come whole."""


@dataclass
class Conversation:
    """The context of one update: the person, their language, the time, and the replies so far."""

    session: Session
    contact: Contact
    locale: str
    now: datetime
    update_key: int
    """The update's identity (Incoming.key), which keys its replies in the outbox."""
    deps: Deps
    pressed: int | None = None
    """Telegram's id of the message whose button was pressed, if a button was."""
    code: str | None = None
    """The data of the button pressed, if one was."""
    replied_to: int | None = None
    """Telegram's id of the message (in this chat) the person's message replies to, if it replies to one."""
    sent_as: SentAs = field(default_factory=dict)
    """The outbox keys of messages read so far in this update (`key_of`), by chat and Telegram's message id: a
    pressed button's message is read with the person (handlers.router.mark_and_meet)."""
    album: str | None = None
    """The album (Telegram's media_group_id) of the file this update brought, if it came in one."""
    country: str | None = None
    """The country of the person's organisation, read with them: whose capital's zone is theirs until they choose one
    (`today`)."""
    first_visit: bool = False
    """Set when the person never wrote to the bot before this update (a role given by `admin grant` included)."""
    replies: list[Reply] = field(default_factory=list)
    menu_changed: bool = False
    """Set when the person's role or language changed (or they asked for /start or /help), so the adapter
    registers their command menu again."""
    pushed: list[outbox.Queued] = field(default_factory=list)
    """Replies written as already taken by delivery: hand them to it once the transaction commits."""
    edits: dict[int, tuple[str, int | None]] = field(default_factory=dict)
    """Replies (by position) that replace the message sent for another outbox key instead of being sent anew."""
    copies: dict[int, str] = field(default_factory=dict)
    """Replies (by position) that are a copy of a staff notification (its copy key), keyed as its copies are."""
    flushed: int = 0
    """Replies written to the outbox so far in this update (their keys are numbered on)."""
    opened: str | None = None
    """The form this update opened, if it opened one."""
    closed: str | None = None
    """The form this update finished or cancelled, if it did (another one left open is then asked again)."""
    finished: Draft | None = None
    """The draft of the form this update finished, as read (already discarded when its journey's finish runs):
    when it was opened tells what the person started from."""
    asked: str | None = None
    """The form whose question this update showed, if it showed one."""
    forgotten_chat: int | None = None
    """The chat of the person this update forgot (/forget): its command menu goes back to a stranger's."""
    held: datetime | None = None
    """Set when this update's text was held as the possible first part of a split paste, nothing said yet: the
    moment held, with which the hold is claimed when it runs out (handlers.pastes)."""

    def say(self, message: Reply, *, edit_of: str | None = None, message_id: int | None = None,
            copy_of: str | None = None) -> str:
        """Answer the person (written to the outbox when the update's work commits); the reply's outbox key.

        With `edit_of`, the reply replaces the message sent for that outbox key (a question edited in place);
        `message_id`, when known (the message whose button was pressed), saves waiting until that key is sent.
        With `copy_of`, the reply is a copy of the staff notification whose copies are keyed `<copy_of>:<member id>`
        (shown again by /pending, say): keyed after them, it is closed with them once someone decided
        (handlers.staff_notices.close_staff_copies), and still sent at once.
        """
        if edit_of is not None:
            self.edits[len(self.replies)] = (edit_of, message_id)
        if copy_of is not None:
            self.copies[len(self.replies)] = copy_of
        self.replies.append(message)
        return self.key_at(len(self.replies) - 1)

    def take_note(self, first: int) -> Reply | None:
        """The last reply, taken back, when it is the one new message of the replies from position `first` on (the
        others edit messages sent before) and a plain note: text alone, no button, file, edit or copy. What follows
        says it in the same message (a decision's "Done", then the question it interrupted)."""
        new = [index for index in range(first, len(self.replies)) if index not in self.edits]
        last = len(self.replies) - 1
        if new != [last] or last in self.copies:
            return None
        note = self.replies[last]
        if note.buttons or note.attachment is not None or note.if_refused is not None or note.locale is not None:
            return None
        return self.replies.pop()

    def key_at(self, index: int) -> str:
        """The outbox key of the reply at `index` of those not written yet: numbered on within the update."""
        number, copy_of = self.flushed + index, self.copies.get(index)
        if copy_of is not None:
            return f"{copy_of}:{self.contact.id}:u{self.update_key}:{number}"
        return f"u:{self.update_key}:{number}"

    async def key_of(self, message_id: int) -> str | None:
        """The outbox key of the message Telegram knows as `message_id` in the person's chat (None: not one the outbox
        sent), read at most once an update: only delivery records which message a row became, in transactions of its
        own."""
        where = (self.contact.chat_id, message_id)
        if where not in self.sent_as:
            self.sent_as[where] = await outbox.key_of(self.session, *where)
        return self.sent_as[where]

    async def say_in_place(self, message: Reply) -> None:
        """Answer a pressed button by replacing the message that held it, whose buttons go with it (a question
        answered cannot be answered again); a new message when that one is not known."""
        key = await self.key_of(self.pressed) if self.pressed is not None else None
        if key is None:
            self.say(message)
        else:
            self.say(message, edit_of=key, message_id=self.pressed)

    @property
    def today(self) -> date:
        """Today's date where the person is: in the zone they chose, else their organisation's capital's, as their
        reminders and /settings say (a tester in La Paz at 22:30 was told the day she typed "has already passed")."""
        zone = ZoneInfo(zone_of(self.contact.timezone, self.country, self.deps.timezone))
        return self.now.astimezone(zone).date()

    def form_context(self) -> FormContext:
        """The context a form step sees."""
        return FormContext(self.locale, self.today, lambda label: self.deps.translate(label, self.locale))

    async def flush_replies(self, *, fast: bool = True) -> None:
        """Write the replies to the outbox, keyed by update so a retried update cannot send twice.

        With `fast`, they are written as taken by delivery and listed in `pushed` for the adapter.
        """
        assert self.contact.id is not None
        unknown = [key for key, message_id in self.edits.values() if message_id is None]
        sent = await outbox.sent_message_ids(self.session, unknown) if unknown else {}
        for index, message in enumerate(self.replies):
            key = self.key_at(index)
            edit_of, edited = self.edits.get(index, (None, None))
            edited = edited or (sent.get(edit_of) if edit_of is not None else None)
            # an edit of a message not sent yet waits in the outbox for its message id (delivery resolves it)
            push = fast and (edit_of is None or edited is not None)
            earlier: outbox.Earlier | None = None
            if push and not self.pushed:  # the first: delivery looks for earlier rows it must not overtake
                written = await outbox.enqueue_first_pushed(self.session, self.contact, message, key, edit_of=edit_of)
                row_id, earlier = written if written is not None else (None, None)
            else:
                row_id = await outbox.enqueue(self.session, self.contact, message, key, sending=push, edit_of=edit_of)
            if push and row_id is not None:
                payload = {"edit_message_id": edited} if edited is not None else {}
                self.pushed.append(outbox.Queued(row_id, self.contact.chat_id, self.contact.id, payload, self.locale,
                                                 message=message, earlier=earlier))
        self.flushed += len(self.replies)
        self.replies.clear()
        self.edits.clear()
        self.copies.clear()

    async def queue_apart(self, write: Callable[[], Awaitable[object]]) -> None:
        """Write rows of this chat to the outbox apart from the replies (files, a link stored apart), after the
        replies said so far and before those to come. Those due now are handed to delivery with the replies, in
        their turn: left for a claim, they were overtaken by the replies to the person's next messages."""
        await self.flush_replies()
        with outbox.handing_over(self.session, self.contact.chat_id) as handed:
            await write()
        self.pushed += [outbox.Queued(row_id, self.contact.chat_id, contact_id, payload, self.locale)
                        for row_id, contact_id, payload in handed.rows]


Finisher = Callable[[Conversation, FormState], Awaitable[None]]
May = Callable[[Contact], bool]
Check = Callable[[FormState, date], tuple[str, Text] | None]
Facts = Callable[[Conversation, FormState], Awaitable[dict[str, object]]]


@dataclass(frozen=True)
class Journey:
    """A form, the rules its answers must keep together, and what to do with them once submitted."""

    form: Form
    finish: Finisher
    check: Check | None = None
    facts: Facts | None = None
    """Looks up what the questions show about the current answers (the engine itself reads nothing)."""
    may: May | None = None
    """Who may fill the form, checked at every step: a role taken away meanwhile ends the draft."""
    may_draft: Callable[[Contact, Mapping[str, object]], bool] | None = None
    """Beside `may`, with the draft's answers: who may go on with this draft of a form that serves several roles (the
    help desk's composer writes a staff answer or a person's question)."""
    cancelled: Finisher | None = None
    """What to undo when the person cancels the form (its draft already discarded): a claim its opening made."""
    cancel_said: Callable[[Conversation, FormState], Awaitable[Label | None]] | None = None
    """What a cancel says instead of "Nothing was kept" when something sent before stays (an edit of a pledge or a
    report: the version sent is kept, and BDT still waits for the changes, unless it acted meanwhile)."""


def allows(conv: Conversation, journey: Journey, draft: Draft) -> bool:
    """Whether the person's role still allows the journey of this draft (nothing said nor done)."""
    return (journey.may is None or journey.may(conv.contact)) and (
        journey.may_draft is None or journey.may_draft(conv.contact, FormState.from_json(draft.state).answers))


async def still_allowed(conv: Conversation, journey: Journey, draft: Draft) -> bool:
    """False (the draft discarded, the attempt audited, the person told) when the person's role no longer
    allows the journey: roles are checked at every step, not only when the form was opened."""
    if allows(conv, journey, draft):
        return True
    await drafts.discard(conv.session, draft.contact_id, draft.form_id)
    await audit(conv.session, conv.contact, "denied", attempted=f"{journey.form.id}.continue")
    conv.say(await not_allowed(conv.session, conv.contact))
    if journey.cancelled is not None:  # what opening it did is undone, as a cancel would (a question taken, given back)
        await journey.cancelled(conv, FormState.from_json(draft.state))
    return False


async def begin(conv: Conversation, journey: Journey, answers: dict[str, object] | None = None,
                *heading: Label, once: tuple[Label, ...] = (), left: Draft | drafts.Unread | None = drafts.UNREAD
                ) -> None:
    """Open a form for the person and ask its first question, after its `heading` (what the form is about, kept with
    the draft and said again whenever the question comes back) and the notes said `once`, when it opens (whom a
    comment reaches, say: not repeated with every question); the draft is saved at once. `left`: the person's
    latest draft, when the caller read it already."""
    assert conv.contact.id is not None
    shown = (*await _waiting(conv, journey.form.id, left), *heading, *once)
    outcome = start(journey.form, conv.form_context(), dict(answers or {}), shown)
    if journey.facts is not None:
        context = replace(conv.form_context(), facts=await journey.facts(conv, outcome.state))
        outcome = start(journey.form, context, dict(answers or {}), shown)
    outcome = replace(outcome, state=replace(outcome.state, heading=tuple(heading)))
    state = _show(conv, journey.form, FormState(step=outcome.state.step), outcome, conv.form_context())
    await drafts.open_draft(conv.session, conv.contact.id, journey.form.id, state, conv.now)
    conv.opened = journey.form.id


async def proceed(conv: Conversation, journey: Journey, draft: Draft, given: FormInput) -> Outcome:
    """Apply an input to the person's draft: save the new state, or finish or cancel the form."""
    state = FormState.from_json(draft.state)
    if not await still_allowed(conv, journey, draft):
        return Outcome(state, (), Status.cancelled)
    if state.shown and given.on is None:  # which message the input is about: one of this draft's, or another's
        if given.code is not None and not given.typed:  # a draft stored before it kept its messages takes any
            about = conv.pressed if state.shown_all else None  # message's buttons by step id: nothing to look up
        else:
            about = conv.replied_to if given.code is None and given.file is None else None
        if about is not None:
            given = replace(given, on=await conv.key_of(about))
    if given.file is not None and conv.album is not None and conv.album == state.album:
        given = replace(given, album_more=True)  # a later file of an album the form took a file of already
    outcome = advance(journey.form, state, given, conv.form_context())
    if journey.facts is not None:  # the engine is pure: run it again, now knowing the facts of the new state
        context = replace(conv.form_context(), facts=await journey.facts(conv, outcome.state))
        outcome = advance(journey.form, state, given, context)
    if outcome.status is Status.done and journey.check is not None:
        problem = journey.check(outcome.state, conv.today)
        if problem is not None:
            step_id, complaint = problem
            back = replace(outcome.state, step=step_id, editing=True, scratch={})
            outcome = Outcome(back, (prompt(journey.form, back, conv.form_context(), (complaint,)),))
    if outcome.status is Status.cancelled and journey.cancel_said is not None \
            and (said := await journey.cancel_said(conv, outcome.state)) is not None:
        outcome = replace(outcome, replies=(Reply((said,)),))
    shown = _show(conv, journey.form, state, outcome, conv.form_context())
    if outcome.status is Status.open:
        await drafts.save(conv.session, draft, shown, conv.now)
    else:
        await drafts.discard(conv.session, draft.contact_id, draft.form_id)
        if conv.code is not None and conv.pressed is not None:  # the draft that knew the press is gone
            await ProcessedUpdates(conv.session).mark(_closing_press(conv, conv.code), conv.now)
        conv.closed = draft.form_id
        if outcome.status is Status.done and state.step == SUMMARY:
            await _summary_closed(conv, journey.form, state)
        if outcome.status is Status.done:
            conv.finished = draft
            await journey.finish(conv, outcome.state)
        elif outcome.status is Status.cancelled:
            # "Nothing was kept": neither the draft nor the replies that showed its answers back
            await outbox.forget_conversation(conv.session, conv.contact, draft.created_at)
            if journey.cancelled is not None:
                await journey.cancelled(conv, outcome.state)
    return outcome


async def _summary_closed(conv: Conversation, form: Form, state: FormState) -> None:
    """The summary whose ✅ Submit was pressed loses its buttons, its answers kept in view: it looked live, and a
    second Submit within seconds met only an empty acknowledgement (a tester). Only the message that shows this
    draft's summary (FormState.asked): not another one whose button a draft of before those records took."""
    key = await conv.key_of(conv.pressed) if conv.pressed is not None and conv.code is not None else None
    if key is not None and key == state.asked:
        conv.say(submitted(form, state, conv.form_context()), edit_of=key, message_id=conv.pressed)


async def ask_again(conv: Conversation, journey: Journey, draft: Draft, *notes: Label, going_on: bool = False,
                    left: Draft | drafts.Unread | None = drafts.UNREAD) -> None:
    """Repeat the current question of a draft, after a note (a command in the middle, say), with the form's
    heading: something else was shown since, so the person is told again what the questions are about. A cancel
    waiting for its confirmation is asked again: what came in between (a command, another button, another form
    finished) neither discards the answers nor says No for the person; unless they said to go on (`going_on`:
    /start, ▶️ Continue), which leaves it, nothing discarded."""
    if not await still_allowed(conv, journey, draft):
        return
    state = FormState.from_json(draft.state)
    shown = unconfirmed(journey.form, state) if going_on else state
    kept: tuple[Label, ...] = (Text(NOT_CANCELLED),) if shown is not state else ()
    context = conv.form_context()
    if journey.facts is not None:
        context = replace(context, facts=await journey.facts(conv, unconfirmed(journey.form, shown)))
    parts = (*notes, *kept, *await _waiting(conv, journey.form.id, left), *shown.heading)
    again = Outcome(shown, (prompt(journey.form, shown, context, parts),))
    await drafts.save(conv.session, draft, _show(conv, journey.form, state, again, context), conv.now)


async def _waiting(conv: Conversation, form_id: str, left: Draft | drafts.Unread | None) -> tuple[Label, ...]:
    """A note naming the form the person left open by its heading (the decision whose comment waits, say), when
    another one is shown now: what they type next answers the one shown, and the one left comes back after it.
    `left`: the person's latest draft (read here if UNREAD)."""
    assert conv.contact.id is not None
    if left is drafts.UNREAD:
        left = await drafts.latest_draft(conv.session, conv.contact.id)
    if left is None or left.form_id == form_id:
        return ()
    heading = FormState.from_json(left.state).heading
    if not heading:  # nothing to name it by (a new pledge): the journey that opens the other form says it is kept
        return ()
    return (Line(Text(N_("⏸ Waiting until you finish or cancel this one")), _joined(heading)),)


def _joined(parts: tuple[Label, ...]) -> Label:
    """Paragraphs as one line, a space between them."""
    return parts[0] if len(parts) == 1 else Concat(tuple(p for part in parts for p in (" ", part))[1:])


REPEAT_WITHIN = timedelta(seconds=10)
"""A press of the same button of the same message this soon after the one that moved the form on is a second tap
of it (a double tap, a tap while the answer was on its way): not a new press."""
TOGGLE_REPEAT_WITHIN = timedelta(seconds=1)
"""The same after a press answered in place (a choice ticked): a second tap later is the person unticking it, once
they saw it ticked, which takes longer than a double tap."""


def repeated(conv: Conversation, draft: Draft, data: str) -> bool:
    """Whether this press is a second tap of the one that last showed the draft (FormState.pressed): the same data
    on the same message, just after it. What that press did was said once: nothing is said again."""
    last = FormState.from_json(draft.state).pressed
    if last is None or conv.pressed is None or last.get("on") != conv.pressed or last.get("code") != data:
        return False
    try:
        at = datetime.fromisoformat(str(last.get("at")))
    except ValueError:
        return False
    if at.tzinfo is None:
        return False
    return abs(conv.now - at) <= (TOGGLE_REPEAT_WITHIN if last.get("kept") else REPEAT_WITHIN)


async def closed_just_now(conv: Conversation, data: str) -> bool:
    """Whether this press is a second tap of the one that finished or cancelled a form (its ✅ Submit, its "Yes,
    discard") just before: `repeated` for a press whose draft is gone. The press that closed a form is recorded as
    if it were an update handled (kept as long as they are), its key made of its chat, message and data."""
    return await ProcessedUpdates(conv.session).marked_since(_closing_press(conv, data), conv.now - REPEAT_WITHIN)


def _closing_press(conv: Conversation, data: str) -> int:
    """The key (63 bits, as Incoming.key) of a press of `data` on the pressed message of this chat."""
    said = f"closed|{conv.contact.chat_id}|{conv.pressed}|{data}".encode()
    return int.from_bytes(hashlib.blake2b(said, digest_size=8).digest(), "big") >> 1


def _show(conv: Conversation, form: Form, before: FormState, outcome: Outcome, ctx: FormContext) -> FormState:
    """Say an outcome's replies (`_say`); returns the new state knowing the messages it sent (FormState.shown) and
    the press that showed it, if a button was pressed (FormState.pressed)."""
    first = len(conv.replies)
    state = _say(conv, form, before, outcome, ctx)
    sent = tuple((conv.key_at(index), state.step) for index in range(first, len(conv.replies))
                 if index not in conv.edits)
    shown = (*state.shown, *sent)[-SHOWN_KEPT:]
    pressed = None
    if conv.code is not None and conv.pressed is not None:
        kept = outcome.in_place and before.asked is not None and len(outcome.replies) == 1 \
            and state.step == before.step  # a choice ticked, the question edited in place: not a move
        pressed = {"on": conv.pressed, "code": conv.code, "at": conv.now.isoformat(), "kept": kept}
    return replace(state, shown=shown, pressed=pressed)


def _say(conv: Conversation, form: Form, before: FormState, outcome: Outcome, ctx: FormContext) -> FormState:
    """Say an outcome's replies, as an edit of the question's message when the engine says so; returns the new
    state knowing which message shows its question. A question that offered matches (countries) and is asked
    anew below loses its buttons above: stale matches disappear."""
    replies = outcome.replies
    album = conv.album if outcome.status is Status.open else None
    if outcome.status is Status.open and replies:
        conv.asked = form.id
    if outcome.in_place and before.asked and len(replies) == 1:  # the question whose button was pressed
        conv.say(replies[0], edit_of=before.asked, message_id=conv.pressed)
        return replace(outcome.state, asked=before.asked, album=album)
    if album is not None and album == before.album and before.asked and len(replies) == 1 \
            and outcome.state.step == before.step:
        # the next file of an album (sent at once, one message each): the question asked after its first file is
        # brought up to date ("Received: 4 items") rather than asked again below for each
        conv.say(replies[0], edit_of=before.asked)
        return replace(outcome.state, asked=before.asked, album=album)
    if before.asked and before.scratch.get("matches") and (replies or outcome.status is not Status.open):
        conv.say(stale_copy(form, before, ctx), edit_of=before.asked)
    asked = before.asked if outcome.status is Status.open else None
    for message in replies:
        asked = conv.say(message)
    return replace(outcome.state, asked=asked, album=album)


def stale_copy(form: Form, state: FormState, ctx: FormContext) -> Reply:
    """The question of `state` as it stays in the chat once asked anew below: without buttons or matches."""
    asked = prompt(form, replace(state, scratch={k: v for k, v in state.scratch.items() if k != "matches"}), ctx)
    return Reply(asked.parts)


async def open_form(conv: Conversation, journey: Journey, answers: dict[str, object] | None = None,
                    *heading: Label, once: tuple[Label, ...] = ()) -> None:
    """Open the journey's form (with its `heading`, and the notes said `once`), saying first that a form left open
    meanwhile is kept and how to go back to it."""
    assert conv.contact.id is not None
    left = await drafts.latest_draft(conv.session, conv.contact.id)
    kept = drafts.kept_of(left, journey.form.id)
    if kept:  # its own message: what begin is given is the form's heading, said again with every question
        conv.say(Reply(kept))
    await begin(conv, journey, answers, *heading, once=once, left=left)


async def resume_form(conv: Conversation, journey: Journey, draft: Draft, *notes: Label) -> None:
    """Ask the draft's current question again (after `notes`); it becomes the form in progress, the one left
    behind (if any) waiting until it is sent or cancelled."""
    assert conv.contact.id is not None
    left = await drafts.latest_draft(conv.session, conv.contact.id)
    await ask_again(conv, journey, draft, *drafts.kept_of(left, journey.form.id), *notes, going_on=True,
                    left=left)  # ▶️ Continue: not the cancel pending
    conv.opened = journey.form.id  # taken up again: the form left behind is not asked again after it
