"""Editing a scheduled broadcast: its answers reopened, a colleague's edit made meanwhile merged with the editor's,
the merged answers checked again step by step, and its creator told when someone else changed it."""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from datetime import UTC, date
from zoneinfo import ZoneInfo

from handlers import outbox
from handlers.broadcasts.composer import BROADCAST_FORM, EDITING, checked
from handlers.broadcasts.moments import moment_label
from handlers.broadcasts.service import CreateBroadcast, edit_broadcast
from handlers.conversation import Conversation, Journey, begin
from handlers.forms.base import FormState, InvalidAnswerError
from handlers.forms.engine import PREFILLED, applicable, collected
from handlers.language import negotiate
from handlers.messages import N_, Code, Items, Label, Line, Reply, Text, plural, text
from handlers.people import decided_by, name_of
from models.repositories.broadcasts import Broadcasts
from models.repositories.contacts import Contacts
from models.tables import Broadcast
from models.values import BroadcastStatus

OPENED = "$opened"
"""Hidden answer of an edit: the broadcast's answers when the editor opened it, and the time zone they are in. A
submit after someone else's edit then writes nothing over it unseen, and the message's translations that were not
changed with it are pointed out."""
ANSWERED = ("audience", "attachment", "language", "text", "translations", "fallback", "when", "send_at")
"""The composer's answers that make a broadcast."""
TEXTS = ("language", "text", "translations")
"""Answers that change together: the message and its translations are written in and for the first language."""
MISFITS = {
    "fallback": N_("People whose language has no text must receive it in a language the broadcast has a text in. "
                   "Choose one of them."),
}
"""Why an answer no longer fits the others, for the steps whose own refusal does not say it."""
MISFIT = N_("This answer no longer fits your other answers. Please give it again.")


def zone_of(conv: Conversation) -> ZoneInfo:
    """The time zone the person reads and writes times in."""
    return ZoneInfo(conv.contact.timezone or conv.deps.timezone)


def misfit(answers: Mapping[str, object]) -> tuple[str, Text] | None:
    """The first of the composer's answers it would no longer accept given the others, and why: answers put
    together without passing its steps (an edit merged with a colleague's, a draft kept from older rules) can hold
    a message too long to go under a file attached since, or a fallback language left without a text."""
    for step in applicable(BROADCAST_FORM, dict(answers)):
        value = answers.get(step.id)
        if value is None:
            continue
        bodies = [value] if step.id == "text" else \
            list(value.values()) if step.id == "translations" and isinstance(value, Mapping) else []
        for body in bodies:  # the texts as their step checks them: the caption's limit under a file, the HTML
            try:
                checked(str(body), answers)
            except InvalidAnswerError as error:
                return step.id, error.message
        if not step.still_valid(value, answers):
            return step.id, Text(MISFITS.get(step.id, MISFIT))
    return None


def refitted(answers: Mapping[str, object]) -> tuple[dict[str, object], list[str]]:
    """The answers without those the composer would no longer accept given the others (see `misfit`), and the
    steps dropped, in the form's order: they are asked again, and only they (the answers kept are not asked again
    on the way to the summary)."""
    kept, dropped = dict(answers), []
    while (found := misfit(kept)) is not None:
        kept.pop(found[0])
        dropped.append(found[0])
    if dropped:
        ahead = kept.get(PREFILLED)
        earlier = [str(key) for key in ahead] if isinstance(ahead, list) else []
        kept[PREFILLED] = sorted({*earlier, *(step.id for step in BROADCAST_FORM.steps if step.id in kept)})
    return kept, dropped


def unfit(state: FormState, today: date) -> tuple[str, Text] | None:
    """The composer's check at Submit: the step to ask again, and why, when an answer no longer fits the others
    (the service would refuse the broadcast)."""
    return misfit(collected(BROADCAST_FORM, state))


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


async def finish_edit(conv: Conversation, journey: Journey, broadcast_id: int, state: FormState,
                      command: CreateBroadcast) -> None:
    """Update the scheduled broadcast edited, unless it started or was cancelled while the composer was open, or
    someone else changed it meanwhile (then it is shown again as it is now, with this person's changes applied);
    its creator is told when someone else edited it."""
    zone = zone_of(conv)
    broadcast = await Broadcasts(conv.session).locked(broadcast_id)
    if broadcast is None or broadcast.status != BroadcastStatus.scheduled or broadcast.scheduled_at is None:
        conv.say(Reply((not_editable(broadcast, broadcast_id),)))
        return
    opened = state.answers.get(OPENED)
    if isinstance(opened, dict):  # drafts opened before it was kept are taken as they come
        then = dict(opened.get("answers") or {})
        theirs = changes(composed(broadcast, ZoneInfo(str(opened.get("zone") or zone.key))), then)
        if theirs:
            await _edited_meanwhile(conv, journey, broadcast, state, then, theirs)
            return
    changed = changes(collected(BROADCAST_FORM, state), composed(broadcast, zone))
    if not await edit_broadcast(conv.session, broadcast, command, conv.now, conv.today, conv.deps.default_locale):
        conv.say(Reply((not_editable(broadcast, broadcast_id),)))
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


async def _edited_meanwhile(conv: Conversation, journey: Journey, broadcast: Broadcast, state: FormState,
                            then: dict[str, object], theirs: list[str]) -> None:
    """Someone else changed the broadcast since this person opened it: nothing of theirs is written over it. What
    they changed is kept: the broadcast as it is now, with their changes applied, is opened at its summary, with
    what the other person changed (and their version of what both changed) said above it. An answer that no longer
    fits with the others once both are put together (a long message under a file attached by the other) is
    dropped and asked again first, with what it was."""
    assert broadcast.id is not None
    zone = zone_of(conv)
    mine = changes(collected(BROADCAST_FORM, state), then)
    person = await decided_by(conv.session, "broadcast", broadcast.id, ("broadcast.edited",))
    ref, fields = Code(f"#{broadcast.id}"), field_labels(theirs)
    if not mine:
        conv.say(Reply((text(N_("{person} changed broadcast {ref} while you had it open: {fields}. You had changed "
                                "nothing, so nothing of yours is lost. /broadcasts shows it as it is now."),
                             person=person, ref=ref, fields=fields),)))
        return
    current = composed(broadcast, zone)
    merged = {**current, EDITING: broadcast.id, OPENED: {"zone": zone.key, "answers": deepcopy(current)}}
    for key in mine:
        if key in state.answers:
            merged[key] = state.answers[key]
        else:
            merged.pop(key, None)
    answers, dropped = refitted(merged)
    if dropped:
        said: list[Label] = [text(N_("{person} changed broadcast {ref} while you were editing it: {fields}. Nothing "
                                     "of yours was saved yet, but your changes ({changes}) are kept. Put together "
                                     "with theirs, these answers no longer fit and are asked again: {dropped}."),
                                  person=person, ref=ref, fields=fields, changes=field_labels(mine),
                                  dropped=field_labels(dropped))]
    else:
        said = [text(N_("{person} changed broadcast {ref} while you were editing it: {fields}. Nothing of yours was "
                        "saved yet, but your changes ({changes}) are kept: below is the broadcast as it is now, with "
                        "your changes applied. Check it, then press Submit."),
                     person=person, ref=ref, fields=fields, changes=field_labels(mine))]
    context = conv.form_context()
    for key in (key for key in mine if key in theirs):
        step = BROADCAST_FORM.step(key)
        value = current.get(key)
        if step is not None:
            said.append(Line(text(N_("{field}, as {person} left it"), field=Text(step.label), person=person),
                             step.show(value, context) if value is not None else Text(N_("none"))))
    for key in dropped:  # what was dropped, to write it again shorter or choose again
        step, value = BROADCAST_FORM.step(key), merged.get(key)
        if step is None or value is None:
            continue
        if key in mine:
            said.append(Line(text(N_("{field}, as you left it"), field=Text(step.label)), step.show(value, context)))
        else:
            said.append(Line(text(N_("{field}, as {person} left it"), field=Text(step.label), person=person),
                             step.show(value, context)))
    await begin(conv, journey, answers, editing_note(conv, broadcast), once=tuple(said))


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


def not_editable(broadcast: Broadcast | None, broadcast_id: int) -> Label:
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


def editing_note(conv: Conversation, broadcast: Broadcast) -> Label:
    """What the reopened composer is about: which broadcast, and that submitting updates it."""
    assert broadcast.id is not None and broadcast.scheduled_at is not None
    return text(N_("Editing broadcast {ref}, scheduled for {moment}. Change what you need, then press Submit: the "
                   "broadcast is updated, not sent twice."), ref=Code(f"#{broadcast.id}"),
                moment=moment_label(broadcast.scheduled_at, zone_of(conv), conv.locale))


async def edit(conv: Conversation, journey: Journey, broadcast: Broadcast) -> None:
    """Reopen the composer on a scheduled broadcast's summary, with every answer as given (the file kept)."""
    await begin(conv, journey, answers_of(broadcast, zone_of(conv)), editing_note(conv, broadcast))
