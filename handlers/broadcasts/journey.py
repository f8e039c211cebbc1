"""/broadcast and /broadcasts in chat: staff compose, send or schedule, follow and cancel announcements."""

from __future__ import annotations

import logging
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from handlers import buttons, drafts
from handlers.broadcasts.audience import resolve
from handlers.broadcasts.cancellation import tell_authors
from handlers.broadcasts.composer import BROADCAST_FORM, EDITING, fallback_of, out_of_date, texts_of, translating
from handlers.broadcasts.edits import edit, finish_edit, not_editable, refitted, unchanged_translations, unfit, zone_of
from handlers.broadcasts.moments import local_moment, moment_label
from handlers.broadcasts.service import (
    BroadcastError,
    CreateBroadcast,
    cancel_broadcast,
    create_broadcast,
    delivery_counts,
    left_to_send,
)
from handlers.conversation import Conversation, Journey, begin
from handlers.entities import is_staff, is_staff_contact, refuse
from handlers.forms.base import FormState
from handlers.forms.engine import collected
from handlers.inputs import Incoming
from handlers.lengths import plain, shorten
from handlers.messages import (
    N_,
    Button,
    Code,
    Concat,
    Day,
    Label,
    Number,
    Reply,
    Text,
    plural,
    text,
)
from handlers.people import audit, name_of
from models.repositories.broadcasts import Broadcasts
from models.repositories.contacts import Contacts
from models.tables import Broadcast
from models.values import BroadcastStatus

log = logging.getLogger(__name__)

LIST_LIMIT = 10
"""Finished broadcasts /broadcasts lists (the latest; how many older ones there are is said)."""
OPEN_PER_MESSAGE = 10
"""Broadcasts scheduled or being sent per message of /broadcasts: ten lines of figures and twenty buttons, with the
ten finished ones, fit one message in any language, whatever number are scheduled."""
OPEN = (BroadcastStatus.scheduled, BroadcastStatus.sending)
GRACE = timedelta(minutes=1)
"""A scheduled time passed by less than this at submission is as good as now: it goes out at once."""
DELIVERED = N_("Broadcast {ref} was already delivered: there was nothing left to cancel.")
REFUSED = N_("Nothing was sent: the broadcast cannot go out as it is. Check the answers, then press Submit.")


async def composer_facts(conv: Conversation, state: FormState) -> dict[str, object]:
    """What the questions check the answers against: the writer's time now (a local ISO moment), the translations
    that may no longer say what the message says, and how many people the chosen audience reaches and which
    languages they read."""
    facts: dict[str, object] = {"now": conv.now.astimezone(zone_of(conv)).replace(tzinfo=None).isoformat(),
                                "zone": str(zone_of(conv))}
    # the translations accepted on their step so far count as written, for the message as it is now
    answers = translating(state.answers, state.scratch) if state.step == "translations" else state.answers
    stale = out_of_date(answers, unchanged_translations(answers))
    if stale:
        facts["stale"] = stale
    tokens = state.scratch.get("picked") if state.step == "audience" else None
    tokens = tokens if tokens is not None else state.answers.get("audience") or []
    if not tokens:
        return facts
    audience = await resolve(conv.session, list(tokens), conv.today, conv.deps.default_locale)
    return {**facts, "reachable": len(audience.contacts), "unreachable": audience.unreachable,
            "languages": dict(audience.languages)}


async def broadcast_command(conv: Conversation, incoming: Incoming | None = None) -> None:
    """/broadcast: staff and admins only; anyone else is refused and the attempt audited."""
    if not is_staff(conv):
        await refuse(conv, "broadcast.compose")
        return
    await begin(conv, BROADCAST)


async def finish_broadcast(conv: Conversation, state: FormState) -> None:
    """Create the broadcast: sent now, or scheduled in the staff member's time zone; a time that passed while
    the summary waited is not sent silently: the person is asked again whether to send it now or when."""
    if not is_staff(conv):
        await refuse(conv, "broadcast.create")
        return
    answers = collected(BROADCAST_FORM, state)
    zone = zone_of(conv)
    scheduled = local_moment(answers["send_at"], zone) if answers.get("when") == "later" else None
    if scheduled is not None and scheduled < conv.now - GRACE:  # the summary sat unsubmitted past its time
        again = {key: value for key, value in state.answers.items() if key not in ("when", "send_at")}
        passed = text(N_("The time you chose, {moment}, has already passed: nothing was sent."),
                      moment=moment_label(scheduled, zone, conv.locale))
        await begin(conv, BROADCAST, again, passed)  # "Send it now, or schedule it?" asked again
        return
    command = CreateBroadcast(list(answers["audience"]), texts_of(answers), fallback_of(answers), scheduled,
                              conv.contact.id, answers.get("attachment"))
    edited = state.answers.get(EDITING)
    try:
        if edited is not None:
            await finish_edit(conv, BROADCAST, int(edited), state, command)
            return
        broadcast = await create_broadcast(conv.session, command, conv.now, conv.today, conv.deps.default_locale)
    except BroadcastError as error:  # the steps and `unfit` let through what the service refuses: nothing written
        log.warning("broadcast refused at submit: %s", error)
        again, _ = refitted(state.answers)  # an answer that no longer fits is asked again, else the summary
        await begin(conv, BROADCAST, again, *state.heading, once=(Text(REFUSED),))
        return
    ref = Code(f"#{broadcast.id}")
    if broadcast.status == BroadcastStatus.scheduled and scheduled is not None:
        conv.say(Reply((text(N_("Broadcast {ref} is scheduled for {moment}."), ref=ref,
                             moment=moment_label(scheduled, zone, conv.locale)),)))
    else:
        conv.say(Reply((plural("Broadcast {ref} is on its way to {count} person.",
                               "Broadcast {ref} is on its way to {count} people.", broadcast.recipients, ref=ref),)))


async def list_broadcasts(conv: Conversation, incoming: Incoming | None = None) -> None:
    """/broadcasts: every broadcast scheduled or being sent, with ✏️ and ✖️ (however many newer ones finished since:
    they are the ones something can be done about), OPEN_PER_MESSAGE a message; then the latest finished ones with
    their figures, and how many older ones are not listed."""
    if not is_staff(conv):
        await refuse(conv, "broadcast.list")
        return
    found = Broadcasts(conv.session)
    unfinished = await found.unfinished()
    count, finished = await found.finished(LIST_LIMIT)
    if not unfinished and not finished:
        conv.say(Reply((Text(N_("No broadcasts yet. Start one with /broadcast.")),)))
        return
    chunks = [unfinished[start:start + OPEN_PER_MESSAGE]
              for start in range(0, len(unfinished), OPEN_PER_MESSAGE)] or [[]]
    for index, chunk in enumerate(chunks):
        lines: list[Label] = [Text(N_("Scheduled or being sent:"))] if index == 0 and chunk else []
        buttons: list[Button] = []
        for broadcast in chunk:
            lines += [await _line(conv, broadcast), await _whose(conv, broadcast)]
            if broadcast.status == BroadcastStatus.scheduled:
                buttons.append(Button(Concat(("✏️ ", Code(f"#{broadcast.id}"))), f"bc:edit:{broadcast.id}"))
            buttons.append(Button(Concat(("✖️ ", Code(f"#{broadcast.id}"))), f"bc:cancel:{broadcast.id}"))
        if index == len(chunks) - 1 and finished:
            lines += [Text(N_("Latest finished broadcasts:")), *[await _line(conv, b) for b in finished]]
            if count > len(finished):
                lines.append(plural("… and {count} more.", "… and {count} more.", count - len(finished)))
        conv.say(Reply(tuple(lines), tuple(tuple(buttons[i:i + 3]) for i in range(0, len(buttons), 3))))


async def _line(conv: Conversation, broadcast: Broadcast) -> Label:
    """A broadcast in /broadcasts: its number, the day it went out and where it stands."""
    return Concat((Code(f"#{broadcast.id}"), " · ", *_day_sent(broadcast, zone_of(conv)),
                   await _figures(conv, broadcast)))


async def _whose(conv: Conversation, broadcast: Broadcast) -> Label:
    """Who wrote a broadcast not finished yet, and how its message begins (in the reader's language when it has a
    text in it): a tester cancelled a colleague's from a list of numbers and figures, not knowing whose or what."""
    words = broadcast.texts.get(conv.locale) or broadcast.texts.get(broadcast.fallback) or \
        next(iter(broadcast.texts.values()), "")
    excerpt = shorten(" ".join(plain(words).split()), BROADCAST_EXCERPT)
    if broadcast.created_by is None:
        return text(N_("↳ from the command line: “{excerpt}”"), excerpt=excerpt)
    author = await Contacts(conv.session).get(broadcast.created_by)
    return text(N_("↳ by {person}: “{excerpt}”"), person=shorten_label(name_of(author)), excerpt=excerpt)


BROADCAST_EXCERPT = 48
"""Characters of a broadcast's message /broadcasts shows under its figures (ten such lines fit one message)."""
AUTHOR_EXCERPT = 40
"""Characters of its author's name there."""


def shorten_label(label: Label) -> Label:
    """A person's name cut to AUTHOR_EXCERPT, a phrase ("a person who asked to be forgotten") as it is."""
    return shorten(label, AUTHOR_EXCERPT) if isinstance(label, str) else label


def _day_sent(broadcast: Broadcast, zone: ZoneInfo) -> tuple[Label, ...]:
    """The day in the reader's zone a broadcast went out, followed by the separator; nothing for one not sent (a
    scheduled one's figures say when it goes, and one cancelled first never went)."""
    moment = broadcast.started_at
    if moment is None:
        return ()
    local = (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(zone)
    return (Day(local.date()), " · ")


async def _figures(conv: Conversation, broadcast: Broadcast) -> Label:
    """Where a broadcast stands: when a scheduled one goes and to how many people (its audience as of now), or
    how many of its messages were sent, failed or found nobody."""
    assert broadcast.id is not None
    if broadcast.status == BroadcastStatus.scheduled and broadcast.scheduled_at is not None:
        audience = await resolve(conv.session, broadcast.audience, conv.today, conv.deps.default_locale)
        return plural("scheduled for {moment}, to {count} person as of now",
                      "scheduled for {moment}, to {count} people as of now", len(audience.contacts),
                      moment=moment_label(broadcast.scheduled_at, zone_of(conv), conv.locale))
    if broadcast.status == BroadcastStatus.cancelled and broadcast.started_at is None:
        return Text(N_("cancelled before it was sent"))
    counts = await delivery_counts(conv.session, broadcast.id)
    if broadcast.status not in OPEN:  # old rows leave the outbox (models.retention); the figures stay
        counts = {k: max(counts.get(k, 0), int(broadcast.progress.get(k, 0))) for k in ("sent", "failed",
                                                                                      "unreachable", "cancelled")}
    # those known unreachable when it started got no message (broadcast.recipients counts the messages): they are
    # counted among the unreachable, and so in the total
    left_out = int(broadcast.progress.get("unreachable_at_start", 0))
    if broadcast.status == BroadcastStatus.cancelled and counts.get("cancelled"):  # the rest, counted (a tester)
        return text(N_("{status}: {sent} sent, {failed} failed, {unreachable} unreachable, {cancelled} not sent of "
                       "{total}"), status=Text(STATUS[broadcast.status]), sent=Number(counts.get("sent", 0)),
                    failed=Number(counts.get("failed", 0)),
                    unreachable=Number(counts.get("unreachable", 0) + left_out),
                    cancelled=Number(counts.get("cancelled", 0)), total=Number(broadcast.recipients + left_out))
    return text(N_("{status}: {sent} sent, {failed} failed, {unreachable} unreachable of {total}"),
                status=Text(STATUS[broadcast.status]), sent=Number(counts.get("sent", 0)),
                failed=Number(counts.get("failed", 0)), unreachable=Number(counts.get("unreachable", 0) + left_out),
                total=Number(broadcast.recipients + left_out))


STATUS: dict[str, str] = {BroadcastStatus.scheduled: N_("scheduled"), BroadcastStatus.sending: N_("sending"),
                          BroadcastStatus.done: N_("done"), BroadcastStatus.cancelled: N_("cancelled")}


async def broadcast_button(conv: Conversation, code: str) -> None:
    """bc:edit:<id> reopens a scheduled broadcast's summary, bc:cancel:<id> asks to confirm, bc:stop:<id> cancels,
    bc:keep:<id> does not; staff only, forged codes refused and audited."""
    parsed = buttons.parse(code)
    verb, broadcast_id = (parsed.verb, parsed.id) if parsed is not None and parsed.prefix == "bc" else ("", None)
    if not is_staff(conv):
        await refuse(conv, f"broadcast.{verb or 'button'}", "broadcast", broadcast_id)
        return
    # read locked where it may be cancelled or closed here: the progress job may be following it
    repository = Broadcasts(conv.session)
    broadcast = await (repository.locked if verb in ("stop", "cancel") else repository.get)(broadcast_id) \
        if broadcast_id is not None else None
    if broadcast is None or verb not in ("edit", "cancel", "stop", "keep"):
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return
    if verb == "edit":
        if broadcast.status == BroadcastStatus.scheduled and broadcast.scheduled_at is not None:
            await edit(conv, BROADCAST, broadcast)
        else:
            conv.say(Reply((not_editable(broadcast, broadcast_id or 0),)))
        return
    ref = Code(f"#{broadcast.id}")
    scheduled = broadcast.status == BroadcastStatus.scheduled
    if broadcast.status == BroadcastStatus.cancelled:
        await _answer(conv, verb, text(N_("Broadcast {ref} is already cancelled."), ref=ref))
    elif broadcast.status not in OPEN:
        await _answer(conv, verb, text(N_("Broadcast {ref} is already finished."), ref=ref))
    elif verb in ("cancel", "stop") and not await left_to_send(conv.session, broadcast):
        await _nothing_to_stop(conv, verb, broadcast)
    elif verb == "cancel":
        question = (text(N_("Cancel broadcast {ref}, scheduled for {moment}? Nobody will receive it."), ref=ref,
                         moment=moment_label(broadcast.scheduled_at, zone_of(conv), conv.locale))
                    if scheduled and broadcast.scheduled_at is not None
                    else text(N_("Cancel broadcast {ref}? Messages already sent stay sent."), ref=ref))
        conv.say(Reply((question,), ((Button(Text(N_("Yes, cancel it")), f"bc:stop:{broadcast.id}"),
                                      Button(Text(N_("No, keep it")), f"bc:keep:{broadcast.id}")),)))
    elif verb == "keep":
        await _answer(conv, verb, text(N_("Broadcast {ref} is not cancelled: nothing changed."), ref=ref))
    else:
        stopped = await cancel_broadcast(conv.session, broadcast, conv.now)
        if stopped is None:  # the last messages were taken for sending, or went out, since the question
            await _nothing_to_stop(conv, verb, broadcast, followed=True)
            return
        await audit(conv.session, conv.contact, "broadcast.cancelled", "broadcast", broadcast.id,
                    scheduled=scheduled, stopped=stopped)
        await _answer(conv, verb, text(N_("Broadcast {ref} is cancelled: it will not be sent to anyone."), ref=ref)
                      if scheduled else
                      plural("Broadcast {ref} is cancelled; {count} message will not be sent.",
                             "Broadcast {ref} is cancelled; {count} messages will not be sent.", stopped, ref=ref))
        await tell_authors(conv, broadcast, scheduled, stopped)
        await _end_edit_of(conv, broadcast)


async def _nothing_to_stop(conv: Conversation, verb: str, broadcast: Broadcast, *, followed: bool = False) -> None:
    """Cancel pressed on a running broadcast with no message waiting: those the delivery worker took are going out
    now (a batch of them at once, which it sends at the global rate), and cannot be stopped; else it was delivered,
    and is closed as the follow-up job closes it (cancel_broadcast does, unless it ran already: `followed`)."""
    assert broadcast.id is not None
    ref = Code(f"#{broadcast.id}")
    going = (await delivery_counts(conv.session, broadcast.id)).get("sending", 0)
    if going:
        await _answer(conv, verb, plural(
            "The last message of broadcast {ref} is being sent now: it can no longer be stopped.",
            "The last {count} messages of broadcast {ref} are being sent now: they can no longer be stopped.",
            going, ref=ref))
        return
    if not followed:
        await cancel_broadcast(conv.session, broadcast, conv.now)
    await _answer(conv, verb, text(DELIVERED, ref=ref))


async def _answer(conv: Conversation, verb: str, said: Label) -> None:
    """Answer a press: the confirmation pressed (bc:stop, bc:keep) is replaced by the answer, its buttons going with
    it; /broadcasts' ✖️ keeps its list."""
    if verb in ("stop", "keep"):
        await conv.say_in_place(Reply((said,)))
    else:
        conv.say(Reply((said,)))


async def _end_edit_of(conv: Conversation, broadcast: Broadcast) -> None:
    """The person's edit of a broadcast they just cancelled ends with it (it could only be refused at Submit)."""
    assert conv.contact.id is not None
    draft = await drafts.find_draft(conv.session, conv.contact.id, BROADCAST_FORM.id)
    if draft is not None and FormState.from_json(draft.state).answers.get(EDITING) == broadcast.id:
        await drafts.discard(conv.session, draft.contact_id, draft.form_id)
        conv.closed = draft.form_id


BROADCAST = Journey(BROADCAST_FORM, finish_broadcast, check=unfit, facts=composer_facts, may=is_staff_contact)
