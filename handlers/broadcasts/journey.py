"""/broadcast and /broadcasts in chat: staff compose, send or schedule, follow and cancel announcements."""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers import buttons, outbox
from handlers.broadcasts.audience import resolve
from handlers.broadcasts.composer import BROADCAST_FORM, EDITING, local_moment, texts_of
from handlers.broadcasts.service import (
    CreateBroadcast,
    cancel_broadcast,
    create_broadcast,
    delivery_counts,
    edit_broadcast,
)
from handlers.conversation import Conversation, Journey, begin
from handlers.entities import is_staff, is_staff_contact, refuse
from handlers.forms.base import FormState
from handlers.forms.engine import collected
from handlers.inputs import Incoming
from handlers.language import negotiate
from handlers.messages import (
    N_,
    Button,
    Clock,
    Code,
    Concat,
    Day,
    Items,
    Label,
    Line,
    Number,
    Reply,
    Text,
    plural,
    text,
)
from handlers.people import decided_by, name_of
from models.city_zones import is_place_zone
from models.repositories.broadcasts import Broadcasts
from models.repositories.contacts import Contacts
from models.tables import Broadcast
from models.timezones import city_of, offset_label
from models.values import BroadcastStatus

LIST_LIMIT = 10
OPEN = (BroadcastStatus.scheduled, BroadcastStatus.sending)
GRACE = timedelta(minutes=1)
"""A scheduled time passed by less than this at submission is as good as now: it goes out at once."""
OPENED = "$opened"
"""Hidden answer of an edit: the broadcast's answers when the editor opened it, and the time zone they are in. A
submit after someone else's edit then writes nothing over it unseen, and the message's translations that were not
changed with it are pointed out."""
ANSWERED = ("audience", "attachment", "language", "text", "translations", "fallback", "when", "send_at")
"""The composer's answers that make a broadcast."""
TEXTS = ("language", "text", "translations")
"""Answers that change together: the message and its translations are written in and for the first language."""


async def composer_facts(conv: Conversation, state: FormState) -> dict[str, object]:
    """What the questions check the answers against: the writer's time now (a local ISO moment), and how many
    people the chosen audience reaches and which languages they read."""
    facts: dict[str, object] = {"now": conv.now.astimezone(_zone(conv)).replace(tzinfo=None).isoformat()}
    writing = state.step == "translations" and "texts" in state.scratch  # those accepted on the step so far
    stale = unchanged_translations({**state.answers, "translations": state.scratch["texts"]} if writing
                                   else state.answers)
    if stale:
        facts["stale"] = stale
    tokens = state.scratch.get("picked") if state.step == "audience" else None
    tokens = tokens if tokens is not None else state.answers.get("audience") or []
    if not tokens:
        return facts
    audience = await resolve(conv.session, list(tokens), conv.today, conv.deps.default_locale)
    return {**facts, "reachable": len(audience.contacts), "unreachable": audience.unreachable,
            "languages": dict(audience.languages)}


def unchanged_translations(answers: Mapping[str, object]) -> list[str]:
    """The languages of an edited broadcast whose translation is as it was when the editor opened it although the
    message they translate changed since: they may say what the message said before."""
    opened = answers.get(OPENED)
    translations = answers.get("translations")
    if not isinstance(opened, Mapping) or not isinstance(translations, Mapping) or not translations:
        return []
    then = opened.get("answers")
    if not isinstance(then, Mapping) or (answers.get("language"), answers.get("text")) == (then.get("language"),
                                                                                            then.get("text")):
        return []
    before = then.get("translations")
    before = before if isinstance(before, Mapping) else {}
    return [code for code, body in translations.items() if before.get(code) == body]


def _zone(conv: Conversation) -> ZoneInfo:
    return ZoneInfo(conv.contact.timezone or conv.deps.timezone)


def moment_label(moment: datetime, zone: ZoneInfo, locale: str) -> Label:
    """A moment (naive ones are UTC, as the database stores them) in the reader's time zone, named by its city in
    their language and its offset, laid out as their language writes it: "Dec 15, 2026 2:30 PM (UTC)",
    "… (Geneva, UTC+01:00)", "…（日内瓦，UTC+01:00）". Not the IANA id /settings adds to tell zones apart: in a
    sentence it is a technical word in Latin letters, and it nested a second pair of parentheses."""
    local = (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(zone)
    day, clock = Day(local.date()), Clock(local.time().replace(second=0, microsecond=0))
    offset = offset_label(zone.key, local)
    if not is_place_zone(zone.key):
        return text(N_("{day} {time} ({offset})"), day=day, time=clock, offset=offset)
    return text(N_("{day} {time} ({city}, {offset})"), day=day, time=clock, city=city_of(zone.key, locale),
                offset=offset)


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
    zone = _zone(conv)
    scheduled = local_moment(answers["send_at"], zone) if answers.get("when") == "later" else None
    if scheduled is not None and scheduled < conv.now - GRACE:  # the summary sat unsubmitted past its time
        again = {key: value for key, value in state.answers.items() if key not in ("when", "send_at")}
        passed = text(N_("The time you chose, {moment}, has already passed: nothing was sent."),
                      moment=moment_label(scheduled, zone, conv.locale))
        await begin(conv, BROADCAST, again, passed)  # "Send it now, or schedule it?" asked again
        return
    command = CreateBroadcast(list(answers["audience"]), texts_of(answers), str(answers["fallback"]), scheduled,
                              conv.contact.id, answers.get("attachment"))
    edited = state.answers.get(EDITING)
    if edited is not None:
        await _finish_edit(conv, int(edited), state, command, zone)
        return
    broadcast = await create_broadcast(conv.session, command, conv.now, conv.today, conv.deps.default_locale)
    ref = Code(f"#{broadcast.id}")
    if broadcast.status == BroadcastStatus.scheduled and scheduled is not None:
        conv.say(Reply((text(N_("Broadcast {ref} is scheduled for {moment}."), ref=ref,
                             moment=moment_label(scheduled, zone, conv.locale)),)))
    else:
        conv.say(Reply((plural("Broadcast {ref} is on its way to {count} person.",
                               "Broadcast {ref} is on its way to {count} people.", broadcast.recipients, ref=ref),)))


async def _finish_edit(conv: Conversation, broadcast_id: int, state: FormState, command: CreateBroadcast,
                       zone: ZoneInfo) -> None:
    """Update the scheduled broadcast edited, unless it started or was cancelled while the composer was open, or
    someone else changed it meanwhile (then it is shown again as it is now, with this person's changes applied);
    its creator is told when someone else edited it."""
    broadcast = await Broadcasts(conv.session).locked(broadcast_id)
    if broadcast is None or broadcast.status != BroadcastStatus.scheduled or broadcast.scheduled_at is None:
        conv.say(Reply((_not_editable(broadcast, broadcast_id),)))
        return
    opened = state.answers.get(OPENED)
    if isinstance(opened, dict):  # drafts opened before it was kept are taken as they come
        then = dict(opened.get("answers") or {})
        theirs = changes(composed(broadcast, ZoneInfo(str(opened.get("zone") or zone.key))), then)
        if theirs:
            await _edited_meanwhile(conv, broadcast, state, then, theirs)
            return
    changed = changes(collected(BROADCAST_FORM, state), composed(broadcast, zone))
    if not await edit_broadcast(conv.session, broadcast, command, conv.now, conv.today, conv.deps.default_locale):
        conv.say(Reply((_not_editable(broadcast, broadcast_id),)))
        return
    ref = Code(f"#{broadcast_id}")
    if broadcast.status == BroadcastStatus.scheduled and command.scheduled_at is not None:
        conv.say(Reply((text(N_("Broadcast {ref} is updated: it is scheduled for {moment}."), ref=ref,
                             moment=moment_label(command.scheduled_at, zone, conv.locale)),)))
    else:
        conv.say(Reply((plural("Broadcast {ref} is on its way to {count} person.",
                               "Broadcast {ref} is on its way to {count} people.", broadcast.recipients, ref=ref),)))
    if changed:
        await _tell_creator(conv, broadcast, changed)


async def _edited_meanwhile(conv: Conversation, broadcast: Broadcast, state: FormState, then: dict[str, object],
                            theirs: list[str]) -> None:
    """Someone else changed the broadcast since this person opened it: nothing of theirs is written over it. What
    they changed is kept: the broadcast as it is now, with their changes applied, is opened at its summary, with
    what the other person changed (and their version of what both changed) said above it."""
    assert broadcast.id is not None
    zone = _zone(conv)
    mine = changes(collected(BROADCAST_FORM, state), then)
    person = await decided_by(conv.session, "broadcast", broadcast.id, ("broadcast.edited",))
    ref, fields = Code(f"#{broadcast.id}"), field_labels(theirs)
    if not mine:
        conv.say(Reply((text(N_("{person} changed broadcast {ref} while you had it open: {fields}. You had changed "
                                "nothing, so nothing of yours is lost. /broadcasts shows it as it is now."),
                             person=person, ref=ref, fields=fields),)))
        return
    current = composed(broadcast, zone)
    answers = {**current, EDITING: broadcast.id, OPENED: {"zone": zone.key, "answers": deepcopy(current)}}
    for key in mine:
        if key in state.answers:
            answers[key] = state.answers[key]
        else:
            answers.pop(key, None)
    said: list[Label] = [text(N_("{person} changed broadcast {ref} while you were editing it: {fields}. Nothing of "
                                 "yours was saved yet, but your changes ({changes}) are kept: below is the broadcast "
                                 "as it is now, with your changes applied. Check it, then press Submit."),
                              person=person, ref=ref, fields=fields, changes=field_labels(mine))]
    context = conv.form_context()
    for key in (key for key in mine if key in theirs):
        step = BROADCAST_FORM.step(key)
        value = current.get(key)
        if step is not None:
            said.append(Line(text(N_("{field}, as {person} left it"), field=Text(step.label), person=person),
                             step.show(value, context) if value is not None else Text(N_("none"))))
    await begin(conv, BROADCAST, answers, _editing_note(conv, broadcast), once=tuple(said))


async def _tell_creator(conv: Conversation, broadcast: Broadcast, changed: list[str]) -> None:
    """Tell the broadcast's creator, who follows its delivery, that someone else edited it: what and when it goes."""
    if broadcast.created_by is None or broadcast.created_by == conv.contact.id:
        return
    creator = await Contacts(conv.session).get(broadcast.created_by)
    if creator is None or creator.blocked:
        return
    ref, person, fields = Code(f"#{broadcast.id}"), name_of(conv.contact), field_labels(changed)
    if broadcast.status == BroadcastStatus.scheduled and broadcast.scheduled_at is not None:
        locale = negotiate(creator.language, creator.telegram_language, conv.deps.default_locale)
        zone = ZoneInfo(creator.timezone or conv.deps.timezone)
        said = text(N_("{person} changed your broadcast {ref}: {fields}. It is now scheduled for {moment}. "
                       "/broadcasts shows it."), person=person, ref=ref, fields=fields,
                    moment=moment_label(broadcast.scheduled_at, zone, locale))
    else:
        said = text(N_("{person} changed your broadcast {ref}: {fields}. It is on its way now."), person=person,
                    ref=ref, fields=fields)
    await outbox.enqueue(conv.session, creator, Reply((said,)), f"bc-edited:{broadcast.id}:{conv.update_key}",
                         priority=outbox.NOTICE)


def changes(answers: Mapping[str, object], before: Mapping[str, object]) -> list[str]:
    """The composer's answers that differ from `before`, in the form's order; a new first language takes its
    message and translations with it (they are written in it and for it)."""
    changed = [key for key in ANSWERED if answers.get(key) != before.get(key)]
    if "language" in changed:
        changed = [key for key in ANSWERED if key in changed or key in TEXTS]
    return changed


def field_labels(keys: list[str]) -> Label:
    """The composer's questions named as its summary names them: "Message and Scheduled for"."""
    return Items(tuple(Text(step.label) for step in BROADCAST_FORM.steps if step.id in keys))


def _not_editable(broadcast: Broadcast | None, broadcast_id: int) -> Label:
    """Why a broadcast can no longer be edited: it started (or finished), or it was cancelled."""
    ref = Code(f"#{broadcast_id}")
    if broadcast is None or broadcast.status == BroadcastStatus.cancelled:
        return text(N_("Broadcast {ref} was cancelled, so it can no longer be edited: nothing was changed. Start a "
                       "new one with /broadcast."), ref=ref)
    return text(N_("Broadcast {ref} has already started, so it can no longer be edited: nothing was changed. "
                   "/broadcasts shows how far it is."), ref=ref)


def composed(broadcast: Broadcast, zone: ZoneInfo) -> dict[str, object]:
    """The composer's answers that made a scheduled broadcast, its time in `zone`."""
    language, *others = broadcast.texts  # the first language written comes first, as texts_of stored it
    assert broadcast.scheduled_at is not None
    moment = broadcast.scheduled_at if broadcast.scheduled_at.tzinfo else broadcast.scheduled_at.replace(tzinfo=UTC)
    return {"audience": list(broadcast.audience), "attachment": broadcast.attachment, "language": language,
            "text": broadcast.texts[language], "translations": {code: broadcast.texts[code] for code in others},
            "fallback": broadcast.fallback, "when": "later",
            "send_at": moment.astimezone(zone).replace(tzinfo=None).isoformat(timespec="minutes")}


def answers_of(broadcast: Broadcast, zone: ZoneInfo) -> dict[str, object]:
    """The composer's answers that made a scheduled broadcast, its time in the editor's zone, to edit it: with which
    broadcast it is and the answers as opened (what others change meanwhile is told apart from the editor's)."""
    assert broadcast.id is not None
    answers = composed(broadcast, zone)
    return {**answers, EDITING: broadcast.id, OPENED: {"zone": zone.key, "answers": deepcopy(answers)}}


def _editing_note(conv: Conversation, broadcast: Broadcast) -> Label:
    """What the reopened composer is about: which broadcast, and that submitting updates it."""
    assert broadcast.id is not None and broadcast.scheduled_at is not None
    return text(N_("Editing broadcast {ref}, scheduled for {moment}. Change what you need, then press Submit: the "
                   "broadcast is updated, not sent twice."), ref=Code(f"#{broadcast.id}"),
                moment=moment_label(broadcast.scheduled_at, _zone(conv), conv.locale))


async def _edit(conv: Conversation, broadcast: Broadcast) -> None:
    """Reopen the composer on a scheduled broadcast's summary, with every answer as given (the file kept)."""
    await begin(conv, BROADCAST, answers_of(broadcast, _zone(conv)), _editing_note(conv, broadcast))


async def list_broadcasts(conv: Conversation, incoming: Incoming | None = None) -> None:
    """/broadcasts: the latest broadcasts with their figures; scheduled ones can be edited, open ones cancelled."""
    if not is_staff(conv):
        await refuse(conv, "broadcast.list")
        return
    broadcasts = await Broadcasts(conv.session).recent(LIST_LIMIT)
    if not broadcasts:
        conv.say(Reply((Text(N_("No broadcasts yet. Start one with /broadcast.")),)))
        return
    lines: list[Label] = [Text(N_("Latest broadcasts:"))]
    buttons: list[Button] = []
    for broadcast in broadcasts:
        assert broadcast.id is not None
        lines.append(Concat((Code(f"#{broadcast.id}"), " · ", *_day_sent(broadcast, _zone(conv)),
                             await _figures(conv, broadcast))))
        if broadcast.status == BroadcastStatus.scheduled:
            buttons.append(Button(Concat(("✏️ ", Code(f"#{broadcast.id}"))), f"bc:edit:{broadcast.id}"))
        if broadcast.status in OPEN:
            buttons.append(Button(Concat(("✖️ ", Code(f"#{broadcast.id}"))), f"bc:cancel:{broadcast.id}"))
    conv.say(Reply(tuple(lines), tuple(tuple(buttons[i:i + 3]) for i in range(0, len(buttons), 3))))


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
                      moment=moment_label(broadcast.scheduled_at, _zone(conv), conv.locale))
    if broadcast.status == BroadcastStatus.cancelled and broadcast.started_at is None:
        return Text(N_("cancelled before it was sent"))
    counts = await delivery_counts(conv.session, broadcast.id)
    if broadcast.status not in OPEN:  # old rows leave the outbox (models.retention); the figures stay
        counts = {k: max(counts.get(k, 0), int(broadcast.progress.get(k, 0))) for k in ("sent", "failed",
                                                                                      "unreachable")}
    return text(N_("{status}: {sent} sent, {failed} failed, {unreachable} unreachable of {total}"),
                status=Text(STATUS[broadcast.status]), sent=Number(counts.get("sent", 0)),
                failed=Number(counts.get("failed", 0)),
                unreachable=Number(counts.get("unreachable", 0) + broadcast.progress.get("unreachable_at_start", 0)),
                total=Number(broadcast.recipients))


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
    broadcast = await Broadcasts(conv.session).get(broadcast_id) if broadcast_id is not None else None
    if broadcast is None or verb not in ("edit", "cancel", "stop", "keep"):
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return
    if verb == "edit":
        if broadcast.status == BroadcastStatus.scheduled and broadcast.scheduled_at is not None:
            await _edit(conv, broadcast)
        else:
            conv.say(Reply((_not_editable(broadcast, broadcast_id or 0),)))
        return
    ref = Code(f"#{broadcast.id}")
    scheduled = broadcast.status == BroadcastStatus.scheduled
    if broadcast.status == BroadcastStatus.cancelled:
        conv.say(Reply((text(N_("Broadcast {ref} is already cancelled."), ref=ref),)))
    elif broadcast.status not in OPEN:
        conv.say(Reply((text(N_("Broadcast {ref} is already finished."), ref=ref),)))
    elif verb == "cancel":
        question = (text(N_("Cancel broadcast {ref}, scheduled for {moment}? Nobody will receive it."), ref=ref,
                         moment=moment_label(broadcast.scheduled_at, _zone(conv), conv.locale))
                    if scheduled and broadcast.scheduled_at is not None
                    else text(N_("Cancel broadcast {ref}? Messages already sent stay sent."), ref=ref))
        conv.say(Reply((question,), ((Button(Text(N_("Yes, cancel it")), f"bc:stop:{broadcast.id}"),
                                      Button(Text(N_("No, keep it")), f"bc:keep:{broadcast.id}")),)))
    elif verb == "keep":
        conv.say(Reply((text(N_("Broadcast {ref} is not cancelled: nothing changed."), ref=ref),)))
    else:
        stopped = await cancel_broadcast(conv.session, broadcast, conv.now)
        conv.say(Reply((text(N_("Broadcast {ref} is cancelled: it will not be sent to anyone."), ref=ref)
                        if scheduled else
                        plural("Broadcast {ref} is cancelled; {count} message will not be sent.",
                               "Broadcast {ref} is cancelled; {count} messages will not be sent.", stopped, ref=ref),)))


BROADCAST = Journey(BROADCAST_FORM, finish_broadcast, facts=composer_facts, may=is_staff_contact)
