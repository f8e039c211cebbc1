"""Reminders, enqueued (never sent) by scheduled jobs: a draft pledge left untouched for three days, and a pledge
returned for changes that its focal points have not resubmitted.

Both are optional reminders: people who turned those off in /settings do not get them, and they wait for working
hours in the person's zone (models.working_hours). Report reminders: handlers.report_reminders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from handlers import outbox
from handlers.lengths import shorten
from handlers.messages import N_, Button, Code, Day, Label, Line, Reply, Text, reply_to_json, text
from handlers.pledges.service import EDITING
from models.database import UnitOfWork
from models.repositories.drafts import Drafts
from models.repositories.outbox import working_hours
from models.repositories.pledges import Pledges
from models.repositories.reminders import CHANGES_KEY_PREFIX, DRAFT_KEY_PREFIX, REMINDER_KEY_PREFIX, Reminders
from models.tables import Draft
from models.timezones import zone_of
from models.values import PledgeStatus
from models.working_hours import local_day, next_allowed

DRAFT_REMINDER_AFTER = timedelta(days=3)
REMINDED_FORMS = ("pledge",)
BATCH = 500
CHANGES_REMINDER_EVERY = timedelta(days=7)
"""A pledge returned for changes is reminded of a week after BDT asked, then weekly while not resubmitted..."""
CHANGES_REMINDERS = 3
"""... three times at most: round n is due from n weeks after the request until the next round's (a round missed,
its whole week long, is not made up: the next one comes in its time)."""
COMMENT_EXCERPT = 300
CONTINUE = N_("▶️ Continue")


async def remind_stale_drafts(uow: UnitOfWork, now: datetime, default_zone: str = "UTC") -> int:
    """Remind once each person whose pledge draft has been untouched for three days, then the focal points of pledges
    waiting for their changes (remind_awaiting_changes); how many were reminded."""
    async with uow:
        stale = await Drafts(uow.session).untouched(REMINDED_FORMS, now - DRAFT_REMINDER_AFTER, BATCH)
        countries = await Reminders(uow.session).countries_of({c.entity_id for _, c in stale if c.entity_id})
        count = 0
        for draft, contact in stale:
            draft.reminded_at = now
            country = countries.get(contact.entity_id or 0)
            zone = zone_of(contact.timezone, country, default_zone)
            message = await _draft_reminder(uow, draft, local_day(draft.created_at, zone)) \
                if contact.optional_reminders else None
            if message is None:
                continue
            key = draft_key(draft)
            await outbox.enqueue(uow.session, contact, message, key, priority=outbox.BULK,
                                 not_before=next_allowed(now, zone, country), hours=(zone, country))
            count += 1
        await uow.commit()
    return count + await remind_awaiting_changes(uow, now, default_zone)


async def _draft_reminder(uow: UnitOfWork, draft: Draft, begun: date) -> Reply | None:
    """The reminder of an untouched pledge draft begun on the person's day `begun`: a new pledge, or the changes to a
    pledge returned for them (None when that pledge is no longer open to changes: the draft has nothing left to
    finish). The day, not "a few days ago": a draft found after a long outage was weeks old (a tester)."""
    editing = draft.state.get("answers", {}).get(EDITING)
    resume = ((Button(Text(CONTINUE), "pl:resume"),),)
    if editing is None:
        return Reply((text(N_("You started a pledge on {day}. Your answers are saved: continue whenever you are "
                              "ready."), day=Day(begun)),), resume)
    pledge = await Pledges(uow.session).get(int(editing))
    if pledge is None or pledge.status != PledgeStatus.changes_requested:
        return None
    return Reply((text(N_("You started your changes to {ref} on {day}. Your answers are saved: continue whenever "
                          "you are ready."), ref=Code(pledge.ref or ""), day=Day(begun)),), resume)


def draft_key(draft: Draft) -> str:
    """The outbox key of the reminder of this draft (a draft started over is a new one: its own key)."""
    return f"{DRAFT_KEY_PREFIX}{draft.id}:{int(draft.created_at.timestamp())}"


def changes_key(pledge: Any, round_: int, contact_id: int | None = None) -> str:
    """The outbox key of one round of the reminder of a pledge returned for changes, to one person (without
    `contact_id`: the beginning of the keys of that round, whoever was reminded)."""
    return f"{CHANGES_KEY_PREFIX}{pledge.id}:v{pledge.version}:r{round_}:{'' if contact_id is None else contact_id}"


async def remind_awaiting_changes(uow: UnitOfWork, now: datetime, default_zone: str = "UTC") -> int:
    """Remind the focal points of each pledge returned for changes and not resubmitted: a week after BDT asked, then
    weekly, three times at most; how many messages were enqueued.

    Each round goes to the pledge's primary focal point (else, when it is not one of its organisation's reachable focal
    points any more, to every one), as report reminders choose, with the button that opens the edit. A person is left
    for a later plan while the stale-draft reminder covers them (their edit of that pledge open and touched, or
    reminded of, in the last week) or when they were already reminded that day (a report reminder, or this reminder
    of another pledge): one reminder a day, as report reminders keep it."""
    async with uow:
        repo = Reminders(uow.session)
        oldest = now - CHANGES_REMINDER_EVERY * (CHANGES_REMINDERS + 1)
        waiting = await repo.awaiting_changes(oldest, now - CHANGES_REMINDER_EVERY)
        if not waiting:
            return 0
        people: dict[int, list[Any]] = defaultdict(list)
        for person in await repo.focal_points({pledge.entity_id for pledge in waiting}):
            people[person.entity_id].append(person)
        zones = {person.id: zone_of(person.timezone, person.country_iso3, default_zone)
                 for persons in people.values() for person in persons}
        countries = {person.id: person.country_iso3 for persons in people.values() for person in persons}
        days = {person_id: local_day(next_allowed(now, zone, countries[person_id]), zone)
                for person_id, zone in zones.items()}
        written = await repo.written(
            [changes_key(pledge, n, person.id) for pledge in waiting for person in people[pledge.entity_id]
             for n in range(1, CHANGES_REMINDERS + 1)]
            + [f"{REMINDER_KEY_PREFIX}{person_id}:{day.isoformat()}" for person_id, day in days.items()])
        keys = {row.key for row in written}
        reminded = {row.contact_id for row in written if row.contact_id in days and (
            row.key.startswith(REMINDER_KEY_PREFIX)
            or local_day(row.not_before, zones[row.contact_id]) == days[row.contact_id])}
        drafts = Drafts(uow.session)
        messages: list[dict[str, Any]] = []
        for pledge in waiting:
            round_ = min(int((now - pledge.asked_at) / CHANGES_REMINDER_EVERY), CHANGES_REMINDERS)
            if any(key.startswith(changes_key(pledge, round_)) for key in keys):
                continue  # this round was given
            for person in _recipients(pledge.primary, people[pledge.entity_id]):
                if person.id in reminded:  # not an optional reminder: BDT waits for them (README, /settings)
                    continue
                draft = await drafts.find(person.id, REMINDED_FORMS[0])
                # the unfinished form's reminder, optional, covers them only if they take optional reminders
                if person.optional_reminders and (_drafting(draft, pledge.id, now) or await _reminded_on(
                        repo, draft, days[person.id], zones[person.id], countries[person.id])):
                    continue
                reminded.add(person.id)
                zone = zones[person.id]
                messages.append({"key": changes_key(pledge, round_, person.id), "chat_id": person.chat_id,
                                 "contact_id": person.id, "priority": outbox.BULK,
                                 "payload": {"reply": reply_to_json(changes_reminder(pledge, zone)),
                                             **working_hours(zone, countries[person.id])},
                                 "not_before": next_allowed(now, zone, countries[person.id]), "created_at": now})
        count = len(await repo.add_messages(messages))
        await uow.commit()
        return count


def _recipients(primary: int | None, focal_points: Sequence[Any]) -> Sequence[Any]:
    """The pledge's primary focal point alone while it is one of its organisation's reachable focal points; else
    every one of them."""
    chosen = [person for person in focal_points if person.id == primary]
    return chosen or focal_points


def _drafting(draft: Draft | None, pledge_id: int, now: datetime) -> bool:
    """True while the stale-draft reminder covers the person: their pledge draft is the edit of this pledge, and it
    was not reminded of yet, or touched or reminded of in the last week."""
    if draft is None or draft.state.get("answers", {}).get(EDITING) != pledge_id:
        return False
    return draft.reminded_at is None or max(draft.updated_at, draft.reminded_at) > now - CHANGES_REMINDER_EVERY


async def _reminded_on(repo: Reminders, draft: Draft | None, day: date, zone: str, country_iso3: str | None) -> bool:
    """True when the person's draft reminder goes on that day (one reminder a day).

    A draft is marked reminded even when its reminder sent nothing (nothing left to finish, reminders turned off),
    so that it is not looked at again: only the outbox row of a reminder enqueued takes the day."""
    if draft is None or draft.reminded_at is None or \
            local_day(next_allowed(draft.reminded_at, zone, country_iso3), zone) != day:
        return False  # most drafts: no query
    return any(local_day(row.not_before, zone) == day for row in await repo.written([draft_key(draft)]))


def changes_reminder(pledge: Any, zone: str) -> Reply:
    """The reminder that BDT is still waiting for the changes it asked for, with BDT's comment and the button that
    opens the edit, as /mypledges has it."""
    parts: tuple[Label, ...] = (text(N_("BDT is still waiting for your changes to your pledge {ref} “{title}”, "
                                        "asked for on {date}."), ref=Code(pledge.ref or ""), title=pledge.title,
                                     date=Day(local_day(pledge.asked_at, zone))),)
    if pledge.staff_comment:
        parts += (Line(Text(N_("BDT's comment")), shorten(pledge.staff_comment, COMMENT_EXCERPT)),)
    return Reply(parts, ((Button(Text(N_("✏️ Edit the pledge")), f"mp:edit:{pledge.id}"),),))
