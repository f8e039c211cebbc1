"""Staff notifications that ask for a decision: once someone decided, every staff copy loses its decision buttons
and says who decided and when (each copy edited in place through the outbox)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers import outbox
from handlers.messages import Button, Clock, Concat, Day, Label, Reply, text
from models.database import Session
from models.repositories.contacts import Contacts
from models.repositories.outbox import OutboxRows


def when_label(moment: datetime, zone: str) -> Label:
    """A moment as a date and an hour in the reader's time zone."""
    local = moment.astimezone(ZoneInfo(zone))
    return Concat((Day(local.date()), " ", Clock(local.time().replace(second=0, microsecond=0))))


async def close_staff_copies(session: Session, copy_key: str, notice: Reply, footer: str, person: Label,
                             at: datetime, default_zone: str, kept: tuple[tuple[Button, ...], ...] = ()) -> int:
    """Edit every copy of a staff notification (outbox keys `copy_key` + ":" + member id), whoever received it
    (a staff member since revoked included), into `notice` followed by `footer` ({person}, {when}) with only the
    `kept` buttons. How many copies were edited."""
    copies = await OutboxRows(session).copies(f"{copy_key}:")
    contacts = Contacts(session)
    edited = 0
    for key, contact_id in sorted(copies.items()):
        member = await contacts.get(contact_id)
        if member is None:
            continue
        closing = text(footer, person=person, when=when_label(at, member.timezone or default_zone))
        await outbox.enqueue(session, member, Reply((*notice.parts, closing), kept), f"closed:{key}",
                             priority=outbox.NOTICE, edit_of=key)
        edited += 1
    return edited
