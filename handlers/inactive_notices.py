"""Telling focal points that a pledge went inactive: 24 months without a progress report (models.reporting's
inactive_cutoff), after which its reminders stop and staff list it in /inactive.

Planned by the report reminders' job (handlers.report_reminders decides which pledges crossed their mark, and
records each crossing in the ledger, pledge_reminder.kinds, in the same transaction as the messages), and enqueued,
never sent, as the reminders are: in each focal point's working hours and language, every one of the pledge's
organisation but those who said it is not theirs. One message a person and day (outbox key
inactive:<contact id>:<their day>) lists every pledge of theirs that went inactive: one crossing while that message
waits is added to it; once it is sent, the next day's takes it. Each line says when the pledge was last reported
on (else validated), and its 📝 button opens a report, which makes the pledge active again: a report (or a pledge
completed or withdrawn) while the notice waits takes the pledge out of it (withdraw_revived), as for reminders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from handlers import outbox
from handlers.lengths import LIST_TITLE, shorten
from handlers.messages import N_, NP_, Button, Code, Concat, Day, Label, Reply, Text, plural, reply_to_json, text
from handlers.reminder_messages import MAX_BUTTON_ROWS, MAX_LISTED, REMINDER_REST
from models.reporting import inactive_cutoff
from models.repositories.outbox import hours_kept, working_hours
from models.repositories.reminders import INACTIVE_KEY_PREFIX, NOT_MINE, Reminders
from models.timezones import zone_of
from models.values import PledgeStatus
from models.working_hours import allowed_the_day_after, local_day, next_allowed

LAST_REPORT = N_("last report {date}")
SINCE_VALIDATION = N_("no report since validation on {date}")
"""When a pledge went silent (a notice's line, /inactive's): its last report's day, or its validation's."""
LINE = N_("{ref} “{title}” — {since}")
"""A pledge in an inactive notice: its reference, title, and when it was last reported on (else validated)."""
HEADER = NP_("📭 {count} pledge of your organisation has had no progress report for 24 months. It is now listed as "
             "inactive in ITU's tracking of Partner2Connect pledges, and its reminders have stopped:",
             "📭 {count} pledges of your organisation have had no progress report for 24 months. They are now listed "
             "as inactive in ITU's tracking of Partner2Connect pledges, and their reminders have stopped:")
BACK_ONE = N_("A progress report brings it back: the pledge is active again at once, and its reminders resume. "
              "Report with the button below, or any time with /report.")
BACK_MANY = N_("A progress report brings each of them back: the pledge is active again at once, and its reminders "
               "resume. Report with the buttons below, or any time with /report.")
DAYS_TRIED = 7
"""A person's notices of the next days tried when that of their day was sent already (pledges going inactive at
several plans of one day): after a week of them, the pledge is not announced to that person."""


def silent_since(since: date, reported: bool) -> Label:
    """When a pledge went silent: its last report's day ("last report 12 March 2024"), or its validation's."""
    return text(LAST_REPORT if reported else SINCE_VALIDATION, date=Day(since))


@dataclass(frozen=True, slots=True)
class Silent:
    """A pledge in an inactive notice: what its line shows."""

    pledge_id: int
    ref: str
    title: str
    since: date
    """Its last report's day, else its validation's."""
    reported: bool
    """True when `since` is a report's day."""

    def to_json(self) -> list[Any]:
        """As stored in the outbox row beside the message, to add a pledge to it while it waits."""
        return [self.pledge_id, self.ref, self.title, self.since.isoformat(), self.reported]

    @classmethod
    def from_json(cls, data: list[Any]) -> Silent:
        return cls(int(data[0]), str(data[1]), str(data[2]), date.fromisoformat(data[3]), bool(data[4]))


def notice(items: Sequence[Silent]) -> Reply:
    """The message telling a focal point that these pledges went inactive, with a 📝 button for each (the first
    MAX_BUTTON_ROWS; the first MAX_LISTED listed, titles cut to LIST_TITLE, the rest counted)."""
    listed: list[Label] = []
    for item in items[:MAX_LISTED]:
        listed += ["\n" if listed else "", "• ", text(LINE, ref=Code(item.ref), title=shorten(item.title, LIST_TITLE),
                                                      since=silent_since(item.since, item.reported))]
    if len(items) > MAX_LISTED:
        listed += ["\n", plural(*REMINDER_REST, len(items) - MAX_LISTED)]
    if len(items) == 1:
        rows: tuple[tuple[Button, ...], ...] = ((Button(Text(N_("📝 Report now")), f"rp:open:{items[0].pledge_id}"),),)
    else:
        rows = tuple((Button(Concat(("📝 ", Code(item.ref))), f"rp:open:{item.pledge_id}"),)
                     for item in items[:MAX_BUTTON_ROWS])
    return Reply((plural(*HEADER, len(items)), Concat(tuple(listed)), Text(BACK_ONE if len(items) == 1 else BACK_MANY)),
                 rows)


def _payload(items: Sequence[Silent]) -> dict[str, Any]:
    return {"inactive": [item.to_json() for item in items], "reply": reply_to_json(notice(items))}


async def announce(repo: Reminders, crossing: dict[int, tuple[int, Silent]], now: datetime,
                   default_zone: str = "UTC") -> int:
    """Enqueue the notices of these pledges (pledge id: (entity id, its line)) gone inactive to their focal points
    (not to those who said a pledge is not theirs); how many messages were enqueued. A pledge no focal point can
    be told of is announced to nobody: its staff see it in /inactive."""
    if not crossing:
        return 0
    disowned = {(hold.contact_id, hold.pledge_id) for hold in await repo.holds(crossing) if hold.reason == NOT_MINE}
    wanted: dict[int, tuple[Any, list[Silent]]] = {}
    by_entity: dict[int, list[int]] = defaultdict(list)
    for pledge_id, (entity_id, _) in sorted(crossing.items()):
        by_entity[entity_id].append(pledge_id)
    for person in await repo.focal_points(by_entity):
        items = [crossing[p][1] for p in by_entity[person.entity_id] if (person.id, p) not in disowned]
        if items:
            wanted[person.id] = (person, items)
    enqueued = 0
    waiting = {}
    for person, items in wanted.values():
        zone = zone_of(person.timezone, person.country_iso3, default_zone)
        waiting[person.id] = (person, zone, next_allowed(now, zone, person.country_iso3), items)
    for _ in range(DAYS_TRIED):  # the person's message of their day; that one sent already, the next day's
        messages: list[dict[str, Any]] = []
        keyed: dict[str, int] = {}
        for person, zone, send_at, items in waiting.values():
            key = f"{INACTIVE_KEY_PREFIX}{person.id}:{local_day(send_at, zone).isoformat()}"
            keyed[key] = person.id
            messages.append({"key": key, "chat_id": person.chat_id, "contact_id": person.id,
                             "priority": outbox.BULK, "payload": {**_payload(items),
                                                                  **working_hours(zone, person.country_iso3)},
                             "not_before": send_at, "created_at": now})
        written = await repo.add_messages(messages)
        enqueued += len(written)
        added = await _add_to_waiting(repo, {key: waiting[person_id][3] for key, person_id in keyed.items()
                                             if key not in written})
        late = {}
        for key, person_id in keyed.items():
            if key in written or key in added:
                continue
            person, zone, send_at, items = waiting[person_id]
            late[person_id] = (person, zone, allowed_the_day_after(send_at, zone, person.country_iso3), items)
        waiting = late
        if not waiting:
            break
    return enqueued


async def _add_to_waiting(repo: Reminders, adding: dict[str, list[Silent]]) -> set[str]:
    """Add these pledges to the notices of the same key not sent yet (each pledge listed once); the keys of those
    that list them now."""
    added: set[str] = set()
    for row in await repo.pending_notices(adding):
        items = {item.pledge_id: item for item in map(Silent.from_json, row.payload.get("inactive", []))}
        merged = {**items, **{item.pledge_id: item for item in adding[row.key]}}
        if merged != items:
            await repo.rewrite(row.id, {**_payload(list(merged.values())), **hours_kept(row.payload)})
        added.add(row.key)
    return added


async def withdraw_revived(repo: Reminders, now: datetime, rows: Sequence[Any]) -> int:
    """Take out of these notices not sent yet (Reminders.waiting_notices) the pledges no longer inactive (reported on
    meanwhile) or no longer validated (completed, withdrawn): a notice never tells of a pledge a report brought back
    before it went. How many rows changed (a row left with nothing is deleted)."""
    listings = [(row, [Silent.from_json(data) for data in row.payload.get("inactive", [])]) for row in rows]
    if not listings:
        return 0
    standing = await repo.reportable({item.pledge_id for _, items in listings for item in items})
    since = inactive_cutoff(now)

    def still_inactive(item: Silent) -> bool:
        pledge = standing.get(item.pledge_id)
        return pledge is not None and pledge.status == PledgeStatus.validated and pledge.active_at <= since

    changed = [(row, keep) for row, items in listings if (keep := list(filter(still_inactive, items))) != items]
    for row, keep in changed:  # a row left with nothing is deleted
        await (repo.rewrite(row.id, {**_payload(keep), **hours_kept(row.payload)}) if keep else repo.drop(row.id))
    return len(changed)
