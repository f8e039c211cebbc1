"""Broadcasts: creating one, fanning it out to the outbox, following its delivery, cancelling it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from handlers import outbox
from handlers.broadcasts.audience import resolve, unknown_segments
from handlers.broadcasts.composer import BROADCAST_FORM, CAPTION, EDITING, refusal
from handlers.forms.base import FormState
from handlers.forms.markup import Reason, Refusal, literal
from handlers.forms.steps import has_letters
from handlers.lengths import CAPTION_LIMIT, TEXT_LIMIT, plain
from handlers.messages import N_, Code, Concat, Items, Label, Line, Number, Reply, Text, plural, reply_to_json, text
from handlers.people import audit
from models.database import Session
from models.repositories.broadcasts import Broadcasts
from models.repositories.contacts import Contacts
from models.repositories.drafts import Drafts
from models.repositories.entities import Entities
from models.repositories.outbox import OutboxRows
from models.tables import Broadcast
from models.timezones import zone_of
from models.values import LANGUAGES, BroadcastStatus, OutboxStatus
from models.working_hours import local_day

BAR_WIDTH = 12
INSERT_CHUNK = 1000


class BroadcastError(ValueError):
    """A broadcast that cannot be created as asked (one English line, for `p2c-bot broadcast send`)."""


MARKUP_REFUSALS: dict[Reason, str] = {
    "tag": "the tag {tag} is not allowed (use b, i, u, s, a href, code, pre or blockquote)",
    "unbalanced": "{tag} is not closed, or closed in the wrong order",
    "attribute": "a tag has an attribute Telegram does not allow ({detail})",
    "length": "it has {count:,} characters, and a broadcast may have {limit:,}",
    "empty": "it has formatting but no text",
}


@dataclass(frozen=True)
class CreateBroadcast:
    """Send `texts` (language → Telegram HTML) to an audience; people without their language get `fallback`, which
    must be one of the texts (None: the first one)."""

    audience: list[str]
    texts: dict[str, str]
    fallback: str | None = None
    scheduled_at: datetime | None = None
    created_by: int | None = None
    attachment: dict[str, str] | None = None
    """{"kind": "photo" | "document", "file_id": ...}: sent with the text as its caption."""


def _check_audience(audience: list[str]) -> None:
    """Every segment one this release knows: an unknown one would reach nobody (audience.resolve)."""
    if unknown := unknown_segments(audience):
        raise BroadcastError(f"unknown audience segments: {', '.join(unknown)[:200]}")


def _texts_and_fallback(command: CreateBroadcast) -> tuple[dict[str, str], str]:
    """The broadcast's texts in known languages, and its fallback: the one given, which must have a text (what is
    stored is what readers of other languages get), or the first text when none is given."""
    texts = {lang: literal(body) for lang, body in command.texts.items() if lang in LANGUAGES and body.strip()}
    if not texts:
        raise BroadcastError("a broadcast needs a text in at least one of ar, en, es, fr, ru, zh")
    for lang, body in texts.items():
        _check_html(lang, body, command.attachment)
    if command.fallback is None:
        return texts, next(iter(texts))
    if command.fallback not in texts:
        raise BroadcastError(f"the fallback language {command.fallback} has no text: choose one of "
                             f"{', '.join(texts)}")
    return texts, command.fallback


def _check_html(lang: str, body: str, attachment: dict[str, str] | None) -> None:
    """Refuse a text Telegram would refuse, with the composer's check and limits (which leave room for the header
    above it, composer.HEADER): every recipient would get an apology instead of the broadcast."""
    wrong = refusal(body, {"attachment": attachment})
    if wrong is not None:
        raise BroadcastError(f"the {lang} text would be refused by Telegram: {refusal_line(wrong)}")
    if not has_letters(plain(body)):  # as the composer refuses it: readers would get a header over nothing
        raise BroadcastError(f"the {lang} text has no letter or digit: only symbols, emoji or invisible characters")


def refusal_line(wrong: Refusal) -> str:
    """What Telegram would refuse in a text, in plain English for `p2c-bot broadcast send`."""
    tag = f"<{wrong.detail}>" if re.fullmatch(r"[\w-]+", wrong.detail) else "a formatting tag"
    why = MARKUP_REFUSALS[wrong.reason].format(tag=tag, detail=wrong.detail, count=wrong.length, limit=wrong.limit)
    if wrong.reason == "length":  # the header above every broadcast (composer.HEADER) takes the rest
        caption = wrong.limit == CAPTION
        why += f"{' under a file' if caption else ''} (Telegram allows {CAPTION_LIMIT if caption else TEXT_LIMIT:,}, " \
               f"less the announcement line above it{'; or send the file separately' if caption else ''})"
    return why


async def create_broadcast(session: Session, command: CreateBroadcast, now: datetime, today: date,
                           default_locale: str) -> Broadcast:
    """Store the broadcast and, unless it is scheduled for later, fan it out now (caller commits)."""
    texts, fallback = _texts_and_fallback(command)
    _check_audience(command.audience)
    later = command.scheduled_at is not None and command.scheduled_at > now
    broadcast = Broadcast(created_by=command.created_by, audience=list(command.audience), texts=texts,
                          fallback=fallback, attachment=command.attachment,
                          status=BroadcastStatus.scheduled if later else BroadcastStatus.sending,
                          scheduled_at=command.scheduled_at, created_at=now)
    await Broadcasts(session).add(broadcast)
    creator = await Contacts(session).get(command.created_by) if command.created_by else None
    await audit(session, creator, "broadcast.created", "broadcast", broadcast.id, audience=broadcast.audience,
                languages=sorted(texts), scheduled=later)
    if not later:
        await start_broadcast(session, broadcast, now, today, default_locale)
    return broadcast


async def edit_broadcast(session: Session, broadcast: Broadcast, command: CreateBroadcast, now: datetime,
                         today: date, default_locale: str) -> bool:
    """Replace a scheduled broadcast's audience, texts, fallback, file and time, audited; sent at once when its new
    time is now. False, and nothing changed, when it started or was cancelled meanwhile (caller commits)."""
    texts, fallback = _texts_and_fallback(command)
    _check_audience(command.audience)
    before = {"audience": broadcast.audience, "texts": broadcast.texts, "fallback": broadcast.fallback,
              "attachment": broadcast.attachment, "scheduled_at": broadcast.scheduled_at}
    later = command.scheduled_at is not None and command.scheduled_at > now
    after = {"audience": list(command.audience), "texts": texts, "fallback": fallback,
             "attachment": command.attachment, "scheduled_at": command.scheduled_at}
    if not await Broadcasts(session).revise_scheduled(broadcast, after):
        return False
    editor = await Contacts(session).get(command.created_by) if command.created_by else None
    changed = sorted(key for key, value in after.items() if _comparable(value) != _comparable(before[key]))
    await audit(session, editor, "broadcast.edited", "broadcast", broadcast.id, changed=changed,
                languages=sorted(texts), scheduled=later)
    if not later:
        await start_broadcast(session, broadcast, now, today, default_locale)
    return True


def _comparable(value: Any) -> Any:
    """A moment as stored (naive UTC), anything else as it is."""
    return value.astimezone(UTC).replace(tzinfo=None) if isinstance(value, datetime) and value.tzinfo else value


async def start_broadcast(session: Session, broadcast: Broadcast, now: datetime, today: date,
                          default_locale: str) -> None:
    """One outbox row per reachable recipient (unique broadcast × recipient), and the progress message."""
    audience = await resolve(session, broadcast.audience, today, default_locale)
    assert broadcast.id is not None
    rows = [{"key": f"bc:{broadcast.id}:{c.id}", "chat_id": c.chat_id, "contact_id": c.id,
             "priority": outbox.BULK, "payload": {"broadcast": broadcast.id}, "status": OutboxStatus.pending,
             "attempts": 0, "not_before": now, "created_at": now, "broadcast_id": broadcast.id}
            for c in audience.contacts]
    files = _separate_files(broadcast, rows)
    for start in range(0, len(rows), INSERT_CHUNK):
        # a file sent apart goes just before its message: written first, it has the lower id in that chat
        chunk = [row for pair in zip(files[start:start + INSERT_CHUNK], rows[start:start + INSERT_CHUNK],
                                     strict=False) for row in pair] if files else rows[start:start + INSERT_CHUNK]
        await OutboxRows(session).add_many(chunk)
    broadcast.status, broadcast.started_at, broadcast.recipients = BroadcastStatus.sending, now, len(rows)
    broadcast.progress = {"unreachable_at_start": audience.unreachable}
    creator = await Contacts(session).get(broadcast.created_by) if broadcast.created_by else None
    if creator is not None:
        counts = {OutboxStatus.pending.value: len(rows)}
        await outbox.enqueue(session, creator, progress_reply(broadcast, counts, now), progress_key(broadcast),
                             priority=outbox.INTERACTIVE)
    await close_edits(session, broadcast, text(N_(
        "Broadcast {ref} has started, so your edit of it is closed: nothing you changed in it was saved. /broadcasts "
        "shows how far it is."), ref=Code(f"#{broadcast.id}")))


async def close_edits(session: Session, broadcast: Broadcast, said: Label, *, but: int | None = None) -> set[int]:
    """Drop the edits of a broadcast left open by staff once it started or was cancelled, and tell each editor at
    once (`said`; not `but`, whose own edit the caller ends): a submit could only be refused now, after they changed
    everything again. The contacts told."""
    drafts, told = Drafts(session), set()
    for contact_id in sorted(await drafts.contacts_drafting(BROADCAST_FORM.id)):
        draft = await drafts.find(contact_id, BROADCAST_FORM.id)
        if contact_id == but or draft is None or FormState.from_json(draft.state).answers.get(EDITING) != broadcast.id:
            continue
        await drafts.discard(contact_id, BROADCAST_FORM.id)
        editor = await Contacts(session).get(contact_id)
        if editor is None or editor.blocked:
            continue
        await outbox.enqueue(session, editor, Reply((said,)), f"bc-closed:{broadcast.id}:{contact_id}",
                             priority=outbox.NOTICE)
        told.add(contact_id)
    return told


def _separate_files(broadcast: Broadcast, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per recipient for a file sent apart from a message too long for its caption, else none.

    They carry no broadcast id: the broadcast's figures count its messages, one per recipient.
    """
    attachment = broadcast.attachment or {}
    if not attachment.get("separate"):
        return []
    file = reply_to_json(Reply((), attachment=(str(attachment["kind"]), str(attachment["file_id"]))))
    return [{**row, "key": f"bcf:{broadcast.id}:{row['contact_id']}", "payload": {"reply": file},
             "broadcast_id": None} for row in rows]


def progress_key(broadcast: Broadcast) -> str:
    """The outbox key of a broadcast's progress message (later edited in place)."""
    return f"bcp:{broadcast.id}"


async def delivery_counts(session: Session, broadcast_id: int) -> dict[str, int]:
    """How many of the broadcast's rows are in each state."""
    return await OutboxRows(session).broadcast_counts(broadcast_id)


def progress_reply(broadcast: Broadcast, counts: dict[str, int], now: datetime) -> Reply:
    """One message that says how far the broadcast is: a bar, sent / failed / unreachable, time left."""
    total = max(1, broadcast.recipients)
    sent, failed = counts.get("sent", 0), counts.get("failed", 0)
    unreachable = counts.get("unreachable", 0) + broadcast.progress.get("unreachable_at_start", 0)
    done = sent + failed + counts.get("unreachable", 0)
    filled = round(BAR_WIDTH * done / total)
    bar = Code("▓" * filled + "░" * (BAR_WIDTH - filled) + f" {100 * done // total}%")
    lines: list[Any] = [text(N_("Broadcast {ref}"), ref=Code(f"#{broadcast.id}")), bar,
                        Line(Text(N_("Sent")), Number(sent)), Line(Text(N_("Failed")), Number(failed)),
                        Line(Text(N_("Unreachable")), Number(unreachable))]
    left = total - done
    if broadcast.status == BroadcastStatus.sending and left > 0 and broadcast.started_at is not None and done > 0:
        elapsed = max(1.0, (now - broadcast.started_at).total_seconds())
        seconds = int(left * elapsed / done)
        lines.append(Line(Text(N_("Time left")), text(N_("about {duration}"), duration=Items((
            plural("{count} minute", "{count} minutes", seconds // 60),
            plural("{count} second", "{count} seconds", seconds % 60))))))
    if broadcast.status == BroadcastStatus.done:
        lines.append(Text(N_("✅ Finished.")))
    if broadcast.status == BroadcastStatus.cancelled:
        if counts.get("sending", 0):  # taken for sending before the cancellation: they go, and are no "Not sent"
            lines.append(Line(Text(N_("Being sent, too late to stop")), Number(counts["sending"])))
        lines.append(Line(Text(N_("Not sent (cancelled)")), Number(counts.get("cancelled", 0))))
        lines.append(Text(N_("✖️ Cancelled.")))
    return Reply((Concat(tuple(part for line in lines for part in ("\n", line))[1:]),))


async def follow_broadcasts(session: Session, now: datetime) -> int:
    """Update each running broadcast's progress message, and close those fully delivered (caller commits)."""
    running = await Broadcasts(session).running()
    for broadcast in running:
        await follow_broadcast(session, broadcast, now)
    return len(running)


async def follow_broadcast(session: Session, broadcast: Broadcast, now: datetime) -> None:
    """Update a running broadcast's progress message, and close it when fully delivered (caller commits)."""
    assert broadcast.id is not None
    counts = await delivery_counts(session, broadcast.id)
    if counts.get("pending", 0) + counts.get("sending", 0) == 0:
        broadcast.status, broadcast.finished_at = BroadcastStatus.done, now
    snapshot = {k: counts.get(k, 0) for k in ("sent", "failed", "unreachable", "pending", "sending")}
    if snapshot == {k: broadcast.progress.get(k) for k in snapshot} and broadcast.status == BroadcastStatus.sending:
        return
    broadcast.progress = {**broadcast.progress, **snapshot}
    finished = 1 if broadcast.status == BroadcastStatus.done else 0
    await _show_progress(session, broadcast, counts, now, str(sum(snapshot.values()) + len(broadcast.progress)
                                                              + finished))


async def _show_progress(session: Session, broadcast: Broadcast, counts: dict[str, int], now: datetime,
                         step: str) -> None:
    """Edit the creator's progress message to say `counts` (`step` tells one edit of a moment from another)."""
    creator = await Contacts(session).get(broadcast.created_by) if broadcast.created_by else None
    if creator is not None:
        await outbox.enqueue(session, creator, progress_reply(broadcast, counts, now),
                             f"bcp:{broadcast.id}:{now.timestamp():.1f}:{step}", priority=outbox.INTERACTIVE,
                             edit_of=progress_key(broadcast))


async def start_due_broadcasts(session: Session, now: datetime, default_locale: str,
                               default_zone: str = "UTC") -> int:
    """Fan out the scheduled broadcasts whose time has come (caller commits), each to the audience of its creator's
    day, as the composer counted it (UTC's differs near midnight: "overdue", the groups of countries on a date)."""
    due = await Broadcasts(session).due(now)
    for broadcast in due:
        if unknown := unknown_segments(broadcast.audience):
            await _not_started(session, broadcast, unknown, now)
            continue
        await start_broadcast(session, broadcast, now, await _creators_day(session, broadcast, now, default_zone),
                              default_locale)
    return len(due)


async def _not_started(session: Session, broadcast: Broadcast, unknown: list[str], now: datetime) -> None:
    """A scheduled broadcast whose audience names segments this release does not know (renamed since it was
    scheduled): cancelled, audited, and its creator told, where it went to nobody without a word (a review)."""
    broadcast.status, broadcast.finished_at = BroadcastStatus.cancelled, now
    creator = await Contacts(session).get(broadcast.created_by) if broadcast.created_by else None
    await audit(session, creator, "broadcast.not_started", "broadcast", broadcast.id, unknown=unknown[:10])
    if creator is not None and not creator.blocked:
        await outbox.enqueue(session, creator, Reply((text(N_(
            "Broadcast {ref} was not sent: its audience names groups this version of the bot does not know ({groups})."
            " Please compose it again with /broadcast."), ref=Code(f"#{broadcast.id}"),
            groups=Items(tuple(Code(segment[:40]) for segment in unknown))),)),
            f"bc-unknown:{broadcast.id}", priority=outbox.NOTICE)


async def _creators_day(session: Session, broadcast: Broadcast, now: datetime, default_zone: str) -> date:
    """The day it is for the broadcast's creator: their zone, else their organisation's country's, else the
    deployment's."""
    creator = await Contacts(session).get(broadcast.created_by) if broadcast.created_by else None
    entity = await Entities(session).get(creator.entity_id) if creator is not None and creator.entity_id else None
    zone = zone_of(creator.timezone if creator else None, entity.country_iso3 if entity else None, default_zone)
    return local_day(now, zone)


async def left_to_send(session: Session, broadcast: Broadcast) -> bool:
    """False when a running broadcast has no message left waiting: cancelling it would stop nothing."""
    assert broadcast.id is not None
    return broadcast.status != BroadcastStatus.sending or (await delivery_counts(session, broadcast.id)).get(
        "pending", 0) > 0


async def cancel_broadcast(session: Session, broadcast: Broadcast, now: datetime) -> int | None:
    """Stop a scheduled or running broadcast: its unsent rows are cancelled; how many were. None, and nothing
    changed but its progress, when a running one had no message left to send: it was delivered, and is closed as
    the follow-up job closes it (or left to it while a message is in the hands of the delivery worker)."""
    assert broadcast.id is not None
    stopped = await OutboxRows(session).cancel_broadcast(broadcast.id,
                                                         files_apart=bool((broadcast.attachment or {}).get("separate")))
    if stopped == 0 and broadcast.status == BroadcastStatus.sending:
        await follow_broadcast(session, broadcast, now)
        return None
    running = broadcast.status == BroadcastStatus.sending
    broadcast.status, broadcast.finished_at = BroadcastStatus.cancelled, now
    if running:  # its progress message said "0 %" for good (a tester): it says where the broadcast stopped
        counts = await delivery_counts(session, broadcast.id)
        broadcast.progress = {**broadcast.progress, **{k: counts.get(k, 0) for k in ("sent", "failed",
                                                                                     "unreachable", "cancelled")}}
        await _show_progress(session, broadcast, counts, now, "cancelled")
    return stopped

