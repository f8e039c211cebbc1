"""One update's conversation: who, in which language, what the bot answers; and running forms."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers import drafts, outbox
from handlers.forms.base import Form, FormContext, FormState
from handlers.forms.engine import FormInput, Outcome, Status, advance, prompt, start
from handlers.messages import N_, Label, Reply, Text
from handlers.people import audit
from models.database import Session
from models.retention import Retention
from models.tables import Contact, Draft

Translate = Callable[[Label, str], str]


@dataclass(frozen=True)
class Deps:
    """What journeys need from the outside world, wired once in build_app."""

    translate: Translate
    default_locale: str = "en"
    timezone: str = "UTC"
    bot_username: str | None = None
    retention: Retention = field(default_factory=Retention)
    """How long operational rows are kept, as configured (stated by /privacy)."""
    log_retention_days: int | None = 30
    """How long the operator keeps logs, as configured (stated by /privacy; None: not stated)."""


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
    replies: list[Reply] = field(default_factory=list)
    menu_changed: bool = False
    """Set when the person's role or language changed (or they asked for /start or /help), so the adapter
    registers their command menu again."""
    pushed: list[outbox.Queued] = field(default_factory=list)
    """Replies written as already taken by delivery: hand them to it once the transaction commits."""

    def say(self, message: Reply) -> None:
        """Answer the person (written to the outbox when the update's work commits)."""
        self.replies.append(message)

    @property
    def today(self) -> date:
        """Today's date where the person is."""
        zone = ZoneInfo(self.contact.timezone or self.deps.timezone)
        return self.now.astimezone(zone).date()

    def form_context(self) -> FormContext:
        """The context a form step sees."""
        return FormContext(self.locale, self.today, lambda label: self.deps.translate(label, self.locale))

    async def flush_replies(self, *, fast: bool = True) -> None:
        """Write the replies to the outbox, keyed by update so a retried update cannot send twice.

        With `fast`, they are written as taken by delivery and listed in `pushed` for the adapter.
        """
        assert self.contact.id is not None
        for index, message in enumerate(self.replies):
            row_id = await outbox.enqueue(self.session, self.contact, message, f"u:{self.update_key}:{index}",
                                          sending=fast)
            if fast and row_id is not None:
                self.pushed.append(outbox.Queued(row_id, self.contact.chat_id, self.contact.id, {}, self.locale,
                                                 message=message))
        self.replies.clear()


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


async def still_allowed(conv: Conversation, journey: Journey, draft: Draft) -> bool:
    """False (the draft discarded, the attempt audited, the person told) when the person's role no longer
    allows the journey: roles are checked at every step, not only when the form was opened."""
    if journey.may is None or journey.may(conv.contact):
        return True
    await drafts.discard(conv.session, draft.contact_id, draft.form_id)
    await audit(conv.session, conv.contact, "denied", attempted=f"{journey.form.id}.continue")
    conv.say(Reply((Text(N_("Sorry, you are not allowed to do that.")),)))
    return False


async def begin(conv: Conversation, journey: Journey, answers: dict[str, object] | None = None,
                *notes: Label) -> None:
    """Open a form for the person and ask its first question (after `notes`); the draft is saved at once."""
    assert conv.contact.id is not None
    outcome = start(journey.form, conv.form_context(), dict(answers or {}), notes)
    if journey.facts is not None:
        context = replace(conv.form_context(), facts=await journey.facts(conv, outcome.state))
        outcome = start(journey.form, context, dict(answers or {}), notes)
    await drafts.open_draft(conv.session, conv.contact.id, journey.form.id, outcome.state, conv.now)
    for message in outcome.replies:
        conv.say(message)


async def proceed(conv: Conversation, journey: Journey, draft: Draft, given: FormInput) -> Outcome:
    """Apply an input to the person's draft: save the new state, or finish or cancel the form."""
    state = FormState.from_json(draft.state)
    if not await still_allowed(conv, journey, draft):
        return Outcome(state, (), Status.cancelled)
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
    for message in outcome.replies:
        conv.say(message)
    if outcome.status is Status.open:
        await drafts.save(conv.session, draft, outcome.state, conv.now)
    else:
        await drafts.discard(conv.session, draft.contact_id, draft.form_id)
        if outcome.status is Status.done:
            await journey.finish(conv, outcome.state)
        elif outcome.status is Status.cancelled:
            # "Nothing was kept": neither the draft nor the replies that showed its answers back
            await outbox.forget_conversation(conv.session, conv.contact, draft.created_at)
    return outcome


async def ask_again(conv: Conversation, journey: Journey, draft: Draft, *notes: Label) -> None:
    """Repeat the current question of a draft, after a note (a command in the middle, say)."""
    if not await still_allowed(conv, journey, draft):
        return
    state = FormState.from_json(draft.state)
    context = conv.form_context()
    if journey.facts is not None:
        context = replace(context, facts=await journey.facts(conv, state))
    conv.say(prompt(journey.form, state, context, tuple(notes)))
