"""Reminders, enqueued (never sent) by scheduled jobs: a draft pledge left untouched for three days.

It is an optional reminder: people who turned those off in /settings do not get it, and it waits for
working hours in the person's zone (models.working_hours). Report reminders: handlers.report_reminders.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from handlers import outbox
from handlers.messages import N_, Button, Reply, Text
from models.database import UnitOfWork
from models.tables import Contact, Draft, Entity
from models.timezones import zone_of
from models.working_hours import next_allowed

DRAFT_REMINDER_AFTER = timedelta(days=3)
REMINDED_FORMS = ("pledge",)
BATCH = 500


async def remind_stale_drafts(uow: UnitOfWork, now: datetime, default_zone: str = "UTC") -> int:
    """Remind once each person whose pledge draft has been untouched for three days; how many were reminded."""
    async with uow:
        rows = await uow.session.execute(
            select(Draft, Contact, Entity.country_iso3).join(Contact, col(Contact.id) == col(Draft.contact_id))
            .outerjoin(Entity, col(Entity.id) == col(Contact.entity_id))
            .where(col(Draft.form_id).in_(REMINDED_FORMS), col(Draft.reminded_at).is_(None),
                   col(Draft.updated_at) <= now - DRAFT_REMINDER_AFTER, col(Contact.blocked).is_(False))
            .order_by(col(Draft.id)).limit(BATCH)
        )
        count = 0
        message = Reply((Text(N_("You started a pledge a few days ago. Your answers are saved: continue whenever "
                                 "you are ready.")),), ((Button(Text(N_("▶️ Continue")), "pl:resume"),),))
        for draft, contact, country in rows.all():
            draft.reminded_at = now
            if not contact.optional_reminders:
                continue
            key = f"draft-reminder:{draft.id}:{int(draft.created_at.timestamp())}"
            send_at = next_allowed(now, zone_of(contact.timezone, country, default_zone))
            await outbox.enqueue(uow.session, contact, message, key, priority=outbox.BULK, not_before=send_at)
            count += 1
        await uow.commit()
        return count
