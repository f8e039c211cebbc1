"""Reminders, enqueued (never sent) by scheduled jobs: a draft pledge left untouched for three days.

It is an optional reminder: people who turned those off in /settings do not get it, and it waits for
working hours in the person's zone (models.working_hours). Report reminders: handlers.report_reminders.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers import outbox
from handlers.messages import N_, Button, Reply, Text
from models.database import UnitOfWork
from models.repositories.drafts import Drafts
from models.repositories.reminders import Reminders
from models.timezones import zone_of
from models.working_hours import next_allowed

DRAFT_REMINDER_AFTER = timedelta(days=3)
REMINDED_FORMS = ("pledge",)
BATCH = 500


async def remind_stale_drafts(uow: UnitOfWork, now: datetime, default_zone: str = "UTC") -> int:
    """Remind once each person whose pledge draft has been untouched for three days; how many were reminded."""
    async with uow:
        stale = await Drafts(uow.session).untouched(REMINDED_FORMS, now - DRAFT_REMINDER_AFTER, BATCH)
        countries = await Reminders(uow.session).countries_of({c.entity_id for _, c in stale if c.entity_id})
        count = 0
        message = Reply((Text(N_("You started a pledge a few days ago. Your answers are saved: continue whenever "
                                 "you are ready.")),), ((Button(Text(N_("▶️ Continue")), "pl:resume"),),))
        for draft, contact in stale:
            draft.reminded_at = now
            if not contact.optional_reminders:
                continue
            key = f"draft-reminder:{draft.id}:{int(draft.created_at.timestamp())}"
            zone = zone_of(contact.timezone, countries.get(contact.entity_id or 0), default_zone)
            await outbox.enqueue(uow.session, contact, message, key, priority=outbox.BULK,
                                 not_before=next_allowed(now, zone))
            count += 1
        await uow.commit()
        return count
