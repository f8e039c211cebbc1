"""Reminders, enqueued (never sent) by scheduled jobs: a draft pledge left untouched for three days."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers import outbox
from handlers.messages import N_, Button, Reply, Text
from models.database import UnitOfWork
from models.repositories.drafts import Drafts

DRAFT_REMINDER_AFTER = timedelta(days=3)
REMINDED_FORMS = ("pledge",)
BATCH = 500


async def remind_stale_drafts(uow: UnitOfWork, now: datetime) -> int:
    """Remind once each person whose pledge draft has been untouched for three days; how many were reminded."""
    async with uow:
        stale = await Drafts(uow.session).untouched(REMINDED_FORMS, now - DRAFT_REMINDER_AFTER, BATCH)
        count = 0
        message = Reply((Text(N_("You started a pledge a few days ago. Your answers are saved: continue whenever "
                                 "you are ready.")),), ((Button(Text(N_("▶️ Continue")), "pl:resume"),),))
        for draft, contact in stale:
            key = f"draft-reminder:{draft.id}:{int(draft.created_at.timestamp())}"
            await outbox.enqueue(uow.session, contact, message, key, priority=outbox.BULK)
            draft.reminded_at = now
            count += 1
        await uow.commit()
        return count
