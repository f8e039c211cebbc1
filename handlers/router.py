"""The entry point of every update: idempotency, the person, and which journey answers.

Adapters (Telegram, the sandbox's tests, the command line) build an `Incoming` and call `handle`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from handlers import (
    buttons,
    chats,
    colleagues,
    drafts,
    entities,
    fulltext,
    language,
    onboarding,
    outbox,
    own_data,
    pastes,
    pending,
    reminder_choices,
    settings,
)
from handlers.broadcasts import journey as broadcasts
from handlers.commands import help_reply, unknown_command
from handlers.conversation import (
    REPEAT_WITHIN,
    Conversation,
    Deps,
    Journey,
    SentAs,
    allows,
    ask_again,
    closed_just_now,
    proceed,
    repeated,
)
from handlers.digests import journey as digests
from handlers.forms.base import Form, FormState, Step
from handlers.forms.engine import SUMMARY, FormInput, applicable, code, resume, unconfirmed, words_not_kept
from handlers.forms.intents import typed_intent
from handlers.greetings import is_greeting, small_talk
from handlers.helpdesk import listing as helpdesk_listing
from handlers.helpdesk import threads as helpdesk
from handlers.helpdesk.compose import COMPOSE_FORM
from handlers.inputs import Incoming
from handlers.invites import pasted_token
from handlers.language_names import named_language
from handlers.messages import N_, Label, Reply, Text, text
from handlers.people import meet, refresh, role_of
from handlers.pledges import listing, lookup, review
from handlers.pledges import service as pledge_service
from handlers.references import reference_in
from handlers.reports import review as report_review
from handlers.reports import service as report_service
from models.clock import utcnow
from models.database import Session, UnitOfWork
from models.repositories.contacts import Contacts
from models.repositories.updates import ProcessedUpdates
from models.tables import Contact, Draft
from models.values import Role

JOURNEYS: dict[str, Journey] = {
    j.form.id: j for j in (onboarding.REGISTRATION, onboarding.JOINING, pledge_service.PLEDGE, review.REVIEW,
                           broadcasts.BROADCAST, report_service.REPORT, report_review.CLARIFY, settings.TIMEZONE,
                           helpdesk.COMPOSE, entities.REJECTION)
}


CommandHandler = Callable[[Conversation, Incoming], Awaitable[None]]
ButtonHandler = Callable[[Conversation, str], Awaitable[None]]


async def _give_back_the_form(conv: Conversation) -> None:
    """Back after blocking the bot: the question of the form left open, which did not reach them (QA: a registration
    blocked mid-way went on in silence, the next message answered "choose with the buttons" below a question never
    seen)."""
    waiting = await _ask_left_open(conv)
    if waiting is None or conv.contact.id is None:
        return
    shown = await drafts.find_draft(conv.session, conv.contact.id, waiting.form_id)  # not if the role no longer fits
    if shown is not None:  # Telegram's Restart sends /start right after: it is not to ask the same question again
        state = FormState.from_json(shown.state)
        marked = replace(state, scratch={**state.scratch, GIVEN_BACK: conv.now.isoformat()})
        await drafts.save(conv.session, shown, marked, conv.now)


async def _ask_left_open(conv: Conversation, closed: str | None = None) -> Draft | None:
    """The question of the form the person left open (the latest draft, not of form `closed`), asked again; its
    draft, or None when none was."""
    if conv.contact.id is None:
        return None
    waiting = await drafts.latest_draft(conv.session, conv.contact.id)
    journey = journey_of(waiting.form_id) if waiting is not None else None
    if waiting is None or journey is None or waiting.form_id == closed:
        return None
    await ask_again(conv, journey, waiting, Text(N_("Now, back to the questions you left open:")))
    return waiting


GIVEN_BACK = "$given_back"
"""When the form's question was given back to someone back after blocking the bot (its current step's scratch)."""


def _given_back_just_now(draft: Draft, now: datetime) -> bool:
    """Whether this draft's question was given back a moment ago, to someone back after blocking the bot."""
    given = FormState.from_json(draft.state).scratch.get(GIVEN_BACK)
    try:
        return isinstance(given, str) and abs(now - datetime.fromisoformat(given)) <= REPEAT_WITHIN
    except ValueError:
        return False


def journey_of(form_id: str) -> Journey | None:
    """The journey a draft belongs to."""
    return JOURNEYS.get(form_id)


async def mark_and_meet(session: Session, incoming: Incoming
                        ) -> tuple[Contact, Draft | None, bool, SentAs, str | None] | None:
    """Record the update's key (Incoming.key), then meet the person (`people.refresh`) with their latest draft and
    whether this is their first visit (no contact yet, or one made for them, by `admin grant`, that never wrote),
    the outbox key of the message whose button they pressed, read with them (`Conversation.sent_as`), and their
    organisation's country (`Conversation.country`); None for an update handled before (Telegram may deliver one
    twice)."""
    pressed = (incoming.person.chat_id, incoming.message_id) if incoming.message_id is not None else None
    met = await ProcessedUpdates(session).mark_and_meet(incoming.key, incoming.person.telegram_id, utcnow(), pressed)
    if met is None:
        return None
    (contact, draft, country), key = met
    first = contact is None or contact.last_seen_at is None  # a contact made by `admin grant` was never seen
    return (await refresh(session, contact, incoming.person, incoming.received_at), draft, first,
            {pressed: key} if pressed is not None else {}, country)


async def handle(incoming: Incoming, uow: UnitOfWork, deps: Deps) -> Conversation | None:
    """Answer one update in one transaction; None when the update was a duplicate.

    A long plain text is held instead (`Conversation.held`), and a text held before is joined to the person's next
    plain text or handed over before anything else they send (handlers.pastes).

    Not a person's words in their chat (handlers.chats): the bot blocked or unblocked, and anything in a group."""
    if incoming.chat_type != "private":
        await chats.in_group(incoming, uow, deps)
        return None
    if incoming.membership is not None:
        return await chats.membership(incoming, uow, deps, resume=_give_back_the_form)
    async with uow:
        met = await mark_and_meet(uow.session, incoming)
        if met is None:
            return None
        contact, draft, first, sent_as, country = met
        earlier = None
        if contact.held is not None or (deps.hold_pastes and pastes.may_be_first_part(incoming)):
            parts = pastes.held_parts(contact, incoming.person)
            first = first or pastes.began_contact(contact)  # a held first message is answered as a first message
            if pastes.continues(parts, incoming):
                if deps.hold_pastes and pastes.may_be_first_part(incoming):
                    await pastes.hold(uow.session, contact, [*parts, incoming], first=first)
                    await uow.commit()
                    return _held(uow.session, contact, incoming, deps, country)
                await pastes.take(uow.session, contact)
                incoming = pastes.joined([*parts, incoming])
            else:
                if parts:  # a button, a command, a file, a text of its own: the held text first, alone
                    await pastes.take(uow.session, contact)
                    earlier = await _answer(uow.session, contact, pastes.joined(parts), draft, deps, first=first,
                                            country=country)
                    first = False
                    draft = await drafts.latest_draft(uow.session, contact.id) if contact.id is not None else None
                if deps.hold_pastes and pastes.may_be_first_part(incoming):  # itself the start of a split text
                    await pastes.hold(uow.session, contact, [incoming], first=first)
                    conv = _held(uow.session, contact, incoming, deps, country)
                    if earlier is not None:
                        conv.pushed[:0] = earlier.pushed
                    await uow.commit()
                    return conv
        conv = await _answer(uow.session, contact, incoming, draft, deps, first=first, sent_as=sent_as,
                             country=country)
        if earlier is not None:
            conv.pushed[:0] = earlier.pushed
        await uow.commit()
        return conv


async def hand_over(held: pastes.Held, uow: UnitOfWork, deps: Deps) -> Conversation | None:
    """Hand a held text over alone, its hold having run out, in a transaction of its own; None when it is no longer
    held as it was (a continuation, a sweep or a timer took it first)."""
    async with uow:
        contact, draft, country = await Contacts(uow.session).with_latest_draft(held.telegram_id)
        if contact is None or contact.held is None or contact.held_at != held.at:
            return None
        parts, first = pastes.held_parts(contact, pastes.person_of(contact)), pastes.began_contact(contact)
        try:
            await pastes.take(uow.session, contact)
        except pastes.HeldChangedError:
            return None
        conv = await _answer(uow.session, contact, pastes.joined(parts), draft, deps, first=first, country=country)
        await uow.commit()
        return conv


async def drop_held(held: pastes.Held, uow: UnitOfWork) -> None:
    """After a held text failed to be handed over, let it go (so that no sweep tries it for ever) and tell the person
    something went wrong, once."""
    async with uow:
        contact = await Contacts(uow.session).by_telegram_id(held.telegram_id)
        if contact is None or contact.held is None or contact.held_at != held.at:
            return
        key = pastes.held_parts(contact, pastes.person_of(contact))[0].key
        try:
            await pastes.take(uow.session, contact)
        except pastes.HeldChangedError:
            return
        sorry = Reply((Text(N_("Sorry, something went wrong on my side. Please try again.")),))
        await outbox.enqueue(uow.session, contact, sorry, f"err:{key}")
        await uow.commit()


async def stale_holds(uow: UnitOfWork, before: datetime) -> list[pastes.Held]:
    """The texts held since before `before`, which their instance's timer did not hand over (bot.joining's sweep)."""
    async with uow:
        return await pastes.held_before(uow.session, before)


def _held(session: Session, contact: Contact, incoming: Incoming, deps: Deps, country: str | None) -> Conversation:
    locale = language.negotiate(contact.language, contact.telegram_language, deps.default_locale)
    return Conversation(session, contact, locale, incoming.received_at, incoming.key, deps, held=contact.held_at,
                        country=country)


async def _answer(session: Session, contact: Contact, incoming: Incoming, draft: Draft | None, deps: Deps, *,
                  first: bool = False, sent_as: SentAs | None = None, country: str | None = None) -> Conversation:
    """Dispatch one input and write its replies, keyed by the input (`Incoming.key`: a joined text's is its first
    part's)."""
    locale = language.negotiate(contact.language, contact.telegram_language, deps.default_locale)
    conv = Conversation(session, contact, locale, incoming.received_at, incoming.key, deps,
                        pressed=incoming.message_id, album=incoming.album, first_visit=first, code=incoming.code,
                        replied_to=incoming.reply_to, sent_as=dict(sent_as or {}), country=country)
    if first and not language.speaks(contact.telegram_language) and incoming.code is None:
        conv.say(language.language_offer())  # none of the six in their Telegram: let them choose at once
    await dispatch(conv, incoming, draft)
    await conv.flush_replies()
    return conv


async def dispatch(conv: Conversation, incoming: Incoming, draft: Draft | None) -> None:
    """Send the input to the journey that expects it; a form it closes gives way to one left open before."""
    await _dispatch(conv, incoming, draft)
    if conv.closed is not None and conv.opened is None:
        await _ask_left_open(conv, closed=conv.closed)


def _may_mean_joining(conv: Conversation, draft: Draft | None) -> bool:
    """Whether an invitation link among words is the person's way in: someone with no place yet, in no form (one
    with a place who quotes a link writes about it, for someone else: a review found a staff answer "Send them this
    link: …" taken for the staff member's own joining, and lost)."""
    return draft is None and role_of(conv.contact) is None  # staff have a role too


async def _dispatch(conv: Conversation, incoming: Incoming, draft: Draft | None) -> None:
    journey = journey_of(draft.form_id) if draft else None
    # the invitation link pasted, not opened; not in a reply, which answers the message it replies to (a staff
    # answer that is a link for the person who asked)
    if incoming.text and incoming.command is None and incoming.file_id is None and incoming.reply_to is None \
            and (token := pasted_token(incoming.text, conv.deps.bot_username,
                                       in_words=_may_mean_joining(conv, draft))) is not None:
        incoming = replace(incoming, command="start", argument=token)
    if incoming.location is not None and draft is not None and journey is not None \
            and (step := journey.form.step(FormState.from_json(draft.state).step)) is not None and step.takes_location:
        await proceed(conv, journey, draft, FormInput(location=incoming.location))  # "Where are you?" (time zone)
        return
    if incoming.unreadable is not None:
        await _on_unreadable(conv, incoming, draft, journey)
        return
    if incoming.forwarded == "bot" and incoming.code is None:
        await _on_own_message(conv, draft, journey)
        return
    if incoming.forwarded is not None and draft is not None and journey is not None and incoming.command is None \
            and incoming.text and incoming.file_id is None and incoming.reply_to is None:
        # somebody else's words forwarded at a question: read as the answer, but said so, for the person to check
        # (⬅️, ✏️); "read", not "taken": the question may still refuse them (a tester read "I take it", then "no")
        conv.say(Reply((Text(N_("You forwarded this message: its text is read as your answer to the question.")),)))
    if incoming.code is not None:
        await _on_button(conv, incoming.code, draft, journey)
    elif incoming.command is not None:
        await _on_command(conv, incoming, draft, journey)
    elif incoming.reply_to is not None and await helpdesk.on_reply_to(conv, incoming):
        # a reply to a question's or an answer's copy continues that thread, even in the middle of a form; one that
        # opened a composer (a reply on a closed question, offered as a new one) leaves it the question to answer:
        # asked again below it, the form's question made its 📨 Send "not open now" (a tester)
        if draft is not None and journey is not None and journey is not helpdesk.COMPOSE and conv.asked is None:
            await ask_again(conv, journey, draft, Text(N_("Now, back to the current question:")))
    elif draft is not None and journey is not None and (incoming.text or incoming.file_id):
        attached = (incoming.file_kind or "document", incoming.file_id) if incoming.file_id else None
        await proceed(conv, journey, draft, FormInput(text=incoming.text or "", file=attached,
                                                      file_name=incoming.file_name, formatted=incoming.formatted,
                                                      reply=incoming.reply_to is not None))
    elif incoming.text and (named := named_language(incoming.text)) is not None:
        # "English", "français", "中文" typed after the menu, or instead of it
        await language.choose_language(conv, named)
    elif (incoming.text and is_greeting(incoming.text)) or (
            role_of(conv.contact) is None and not await helpdesk.may_ask_now(conv)):
        conv.say(await greet(conv))  # a newcomer's first words, in any language: who we are and how to begin
    elif incoming.text and (intent := typed_intent(incoming.text)) in ("cancel", "back", "help"):
        # a form's word ("help", "帮助", "annuler", "назад") with no form open: /cancel's answer, or /help's
        await (_cancel if intent == "cancel" else _help)(conv, incoming)
    elif incoming.text and (answer := small_talk(incoming.text, asks=helpdesk.may_ask(conv.contact))) is not None:
        conv.say(answer)  # "Merci", "👍" after an answer: not a new question
    elif (incoming.text and (ref := reference_in(incoming.text)) is not None
          and await lookup.show_by_reference(conv, ref)):
        pass  # a pledge's reference pasted: the pledge (staff, or a member of its organisation)
    elif not (incoming.text or incoming.file_id) or not await helpdesk.offer(conv, incoming):
        role = role_of(conv.contact)
        if incoming.file_id and role in (Role.staff, Role.admin):  # a tester's photo sent after her answer, alone
            conv.say(Reply((Text(N_("I do not know what this file is for. To send it to someone who asked BDT a "
                                    "question, reply to their question with it, or press ✍️ Answer on the question "
                                    "first and then send it.")),)))
        else:
            conv.say(help_reply(role, Text(N_("I did not understand that."))))


async def greet(conv: Conversation) -> Reply:
    """The answer to "Hello": hello back, and what this person can do next (one waiting to join an organisation:
    that they wait, and that /ask reaches BDT meanwhile)."""
    role = role_of(conv.contact)
    if role is not None:
        name = conv.contact.full_name or conv.contact.first_name
        return help_reply(role, text(N_("Hello, {name}!"), name=name) if name else Text(N_("Hello!")))
    hello = onboarding.greeting(conv)
    waiting = await onboarding.join_request(conv.session, conv.contact)
    if waiting is not None:
        asked = onboarding.join_reminder(waiting)
        return Reply((*hello.parts, *asked.parts, Text(N_("Meanwhile, /ask sends a question to the P2C team at BDT."))),
                     asked.buttons)
    return Reply((*hello.parts, Text(N_("To register your organisation, send /start; /help lists what I can do."))))


EDITED = N_("I do not read edited messages: if you meant to change something, please send it again as a new "
            "message.")
EDITED_WITH_BACK = N_("I do not read edited messages. To change an earlier answer, press ⬅️ Back; otherwise send a "
                      "new message.")
EDITED_AT_SUMMARY = N_("I do not read edited messages. To change an answer, press its ✏️ button below.")
EDITED_IN_MESSAGE = N_("I do not read edited messages: your message keeps the text as first sent, and what you send "
                       "now is added to it. To write it again from the start, press ✖️ Cancel.")
"""An edit while a message to BDT (or a staff answer) is being written, which adds each text sent: "send it again"
put the corrected text after the first (a tester)."""
ONLY_READABLE = N_("I can only read text, documents and photos here.")


async def _on_unreadable(conv: Conversation, incoming: Incoming, draft: Draft | None,
                         journey: Journey | None) -> None:
    """Content the journeys do not read (`Incoming.unreadable`): an edit, a sticker, a voice note, a video... A
    video goes to a question that takes videos (a report's evidence) as a file; anything else is told, in words
    that fit where the person is, what to do instead, and the words sent with it (a caption) are said to be lost."""
    kind = incoming.unreadable or ""
    state = _asked_state(journey, draft)
    receiving = _receiving_step(journey, unconfirmed(journey.form, state) if journey and state else None)
    if journey is not None and draft is not None and receiving is not None and incoming.file_id is not None \
            and incoming.file_kind in receiving.file_kinds:
        await proceed(conv, journey, draft, FormInput(text=incoming.text or "", file=(incoming.file_kind or "",
                                                                                       incoming.file_id),
                                                      file_name=incoming.file_name))
        return
    lost = words_not_kept(incoming.text) if kind != "edit" else ()
    if journey is None or draft is None or state is None:
        if kind == "edit":  # one line: an old message's typo fixed weeks later is no reason for the command list
            conv.say(Reply((Text(EDITED),)))
        else:
            conv.say(help_reply(role_of(conv.contact), Text(ONLY_READABLE), *lost))
        return
    if kind == "edit":
        note: Label = Text(_edited(journey.form, state))
    elif receiving is None or not receiving.takes_files:  # a location at "Where are you?", say
        note = Text(N_("This question needs a typed answer or a button."))
    else:  # a voice note at the evidence: what to send instead
        note = receiving.unreadable(kind) or Text(ONLY_READABLE)
    await ask_again(conv, journey, draft, note, *lost)


def _asked_state(journey: Journey | None, draft: Draft | None) -> FormState | None:
    """The state of the form as its question is asked again (ask_again: a cancel waiting for its confirmation is
    asked again, and its note speaks of that question, which has no ⬅️ Back)."""
    if journey is None or draft is None:
        return None
    return resume(journey.form, FormState.from_json(draft.state))


def _receiving_step(journey: Journey | None, state: FormState | None) -> Step | None:
    """The question a file sent now goes to: the current one, or at the summary the one that gathers files (a
    report's evidence: the engine adds the file to it); `state` is without a pending cancel, which a file sent
    answers as the question Cancel was pressed at (the engine: "Not cancelled")."""
    if journey is None or state is None:
        return None
    if state.step == SUMMARY:
        return next((step for step in reversed(applicable(journey.form, state.answers)) if step.collects_files), None)
    return journey.form.step(state.step)


def _edited(form: Form, state: FormState) -> str:
    """What an edit is told in a form: the ✏️ buttons at the summary, ⬅️ Back at a question that has it (one after
    the first, not an answer being changed from the summary), else to send it again."""
    if state.step == SUMMARY:
        return EDITED_AT_SUMMARY
    if form is COMPOSE_FORM:
        return EDITED_IN_MESSAGE
    ids = [step.id for step in applicable(form, state.answers)]
    if state.reviewed is None and state.step in ids and ids.index(state.step) > 0:
        return EDITED_WITH_BACK
    return EDITED


async def _on_own_message(conv: Conversation, draft: Draft | None, journey: Journey | None) -> None:
    """One of the bot's own messages forwarded back to it: never an answer, nor a question for BDT."""
    note = Text(N_("That is one of my own messages, forwarded back to me: I do not take it as an answer."))
    if draft is not None and journey is not None:
        await ask_again(conv, journey, draft, note)
    else:
        conv.say(help_reply(role_of(conv.contact), note))


async def _on_button(conv: Conversation, data: str, draft: Draft | None, journey: Journey | None) -> None:
    if draft is not None and repeated(conv, draft, data):
        return  # a double tap: its first tap was answered (Telegram acknowledges this one, the spinner stops)
    parsed = buttons.parse(data)
    if parsed is not None and parsed.prefix == "f":
        if draft is not None and journey is not None:
            await proceed(conv, journey, draft, FormInput(code=data))
        elif not await closed_just_now(conv, data):  # a double tap of the form's last button: answered once
            # one line: a later tap on a form's last button is common, and the whole command list would bury it
            conv.say(Reply((Text(N_("Those questions are already finished. /help lists what I can do.")),)))
        return
    said, flushed = len(conv.replies), conv.flushed
    if parsed is None:
        await buttons.refuse_malformed(conv, data)
    elif parsed.prefix == "lang" and await language.choose_language(conv, parsed.verb):
        if draft is not None and journey is not None:
            await ask_again(conv, journey, draft)  # the question, now in the language chosen
    elif (handler := BUTTONS.get(parsed.prefix)) is not None:
        await handler(conv, data)
    else:
        await buttons.refuse_malformed(conv, data)
    if draft is not None and not any(reply.buttons for reply in conv.replies[said:]):
        # replies written to the outbox meanwhile (a file queued apart) are new messages: `said` no longer counts
        await _back_to_question(conv, draft.form_id, said if conv.flushed == flushed else None)


async def _back_to_question(conv: Conversation, form_id: str, said: int | None) -> None:
    """After a button that is not the form's and whose answer offers nothing to press (a refused or forged button,
    a decision done), the open form's question again, as after a command: the person's next words answer it, so
    it must be the last thing they read. Not when the button showed a form's question, or opened or closed one
    (which gives the question back itself); nor when the button's answer only edited messages (`said`: the first
    of its replies; None when some were written to the outbox already) and the question is still the chat's latest
    message. A plain note the button said (a decision's "Done") leads the question's message: staff deciding one
    notification after another, a form open, read one message a decision, not two."""
    if conv.asked is not None or conv.opened is not None or conv.closed is not None or conv.contact.id is None:
        return
    draft = await drafts.find_draft(conv.session, conv.contact.id, form_id)  # the button may have changed it
    journey = journey_of(form_id)
    if draft is None or journey is None:
        return
    note = conv.take_note(said) if said is not None else None
    if note is None and said is not None:
        asked = FormState.from_json(draft.state).asked
        if asked is not None and all(index in conv.edits for index in range(said, len(conv.replies))) \
                and await outbox.latest_new(conv.session, conv.contact.chat_id, utcnow()) == asked:
            return
    if note is not None and not allows(conv, journey, draft):  # not asked again (the role no longer allows the
        conv.say(note)  # form): the button's outcome said alone, before the refusal that closes the form
        note = None
    await ask_again(conv, journey, draft, *(note.parts if note is not None else ()),
                    Text(N_("Now, back to the current question:")))


async def _on_command(conv: Conversation, incoming: Incoming, draft: Draft | None, journey: Journey | None) -> None:
    name = incoming.command or ""
    if draft is not None and journey is not None:
        if name == "cancel":
            await proceed(conv, journey, draft, FormInput(code=code(draft.step_id, "cancel"), typed=True))
            return
        if name == "start" and not incoming.argument:
            if _given_back_just_now(draft, conv.now):  # Restart: the unblock before it gave the question back
                return
            await ask_again(conv, journey, draft, Text(N_("Welcome back! Let's continue where you left off.")),
                            going_on=True)
            return
        if name == "forget":  # answered in a form too: it asks its own confirmation
            await COMMANDS[name](conv, incoming)
            return
        if name in ("pledge", "report") and draft.form_id == name:
            await COMMANDS[name](conv, incoming)  # the same form again: continue or start over?
            return
        started = RESUMED_BY.get(name)
        if started is not None and conv.contact.id is not None:  # its questions were begun earlier: go on with them
            earlier = draft if draft.form_id == started.form.id else await drafts.find_draft(
                conv.session, conv.contact.id, started.form.id)
            if earlier is not None:
                resumed = Text(N_("You started this earlier: here is where you left off. To start afresh, press "
                                  "Cancel."))
                if name == "ask" and incoming.argument.strip():  # "/ask TEXT": the text joins the message begun,
                    conv.say(Reply((resumed,)))                    # shown with its Send, never dropped
                    await proceed(conv, started, earlier, FormInput(text=incoming.argument))
                    return
                await ask_again(conv, started, earlier, resumed)
                return
        if name in COMMANDS:
            # another journey in the middle (/ask about a question, /settings, an invitation link that is not
            # valid): the draft is saved at every step; a command that opens no form of its own gives the question
            # back at once, and one that opens a form gives it back once that form is finished or cancelled
            # (dispatch). The language menu is the exception: the question comes back once a language is chosen,
            # in that language (_on_button), not before it in the language being left
            said = len(conv.replies)
            await COMMANDS[name](conv, incoming)
            picking = name == "language" and any(reply.buttons for reply in conv.replies[said:])
            if conv.opened is None and not picking:
                await ask_again(conv, journey, draft, Text(N_("Now, back to the current question:")))
            return
        if name not in COMMANDS:
            await ask_again(conv, journey, draft, *unknown_command(name, role_of(conv.contact)))
            return
    handler = COMMANDS.get(name)
    if handler is None:
        conv.say(help_reply(role_of(conv.contact), *unknown_command(name, role_of(conv.contact))))
        return
    await handler(conv, incoming)


async def _start(conv: Conversation, incoming: Incoming) -> None:
    conv.menu_changed = True  # a menu lost on the way (or never set) is set again by the person's next /start
    await onboarding.start_command(conv, incoming.argument)


async def _help(conv: Conversation, incoming: Incoming) -> None:
    conv.menu_changed = True
    conv.say(help_reply(role_of(conv.contact)))


async def _cancel(conv: Conversation, incoming: Incoming) -> None:
    conv.say(Reply((Text(N_("There is nothing to cancel.")),)))


COMMANDS: dict[str, CommandHandler] = {
    "start": _start, "help": _help, "language": language.language_command, "cancel": _cancel,
    "pledge": pledge_service.pledge_command, "mypledges": listing.my_pledges,
    "broadcast": broadcasts.broadcast_command, "broadcasts": broadcasts.list_broadcasts,
    "settings": settings.settings_command, "inactive": reminder_choices.inactive_command,
    "report": report_service.report_command,
    "digest": digests.digest_command, "export": digests.export_command, "scope": digests.scope_command,
    "ask": helpdesk.ask_command, "questions": helpdesk_listing.questions_command,
    "invite": colleagues.invite_command, "leave": colleagues.leave_command, "reassign": colleagues.reassign_command,
    "privacy": own_data.privacy_command, "mydata": own_data.my_data_command, "forget": own_data.forget_command,
    "pending": pending.pending_command, "find": lookup.find_command,
}
RESUMED_BY: dict[str, Journey] = {"broadcast": broadcasts.BROADCAST, "ask": helpdesk.COMPOSE}
"""Commands that open a form at once: with a draft of it already begun, they go on with it rather than replace it
(/pledge and /report ask whether to continue or start over themselves)."""
BUTTONS: dict[str, ButtonHandler] = {
    "ent": entities.decide_entity, "pl": pledge_service.pledge_button, "pv": review.review_button,
    "mp": listing.pledge_button, "bc": broadcasts.broadcast_button,
    "st": settings.settings_button, "rm": reminder_choices.reminder_button,
    "rp": report_service.report_button, "rs": report_review.review_button, "pc": report_review.cadence_button,
    "dg": digests.digest_button, "ft": fulltext.show_whole, "qa": helpdesk_listing.question_button,
    "lv": colleagues.colleagues_button, "me": own_data.forget_button, "pn": pending.pending_button,
    "jr": onboarding.join_request_button,
}


async def apologise(incoming: Incoming, uow: UnitOfWork, deps: Deps) -> None:
    """After a failure, tell the person something went wrong (once per update), in their language."""
    async with uow:
        contact = await meet(uow.session, incoming.person, incoming.received_at)
        sorry = Reply((Text(N_("Sorry, something went wrong on my side. Please try again.")),))
        await outbox.enqueue(uow.session, contact, sorry, f"err:{incoming.key}")
        await uow.commit()
