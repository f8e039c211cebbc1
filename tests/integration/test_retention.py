"""Operational rows go after their retention, in small batches; what is still to be sent, and the audit
trail by default, stay (models.retention)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from models.clock import utcnow
from models.database import Database
from models.retention import Retention, purge
from models.tables import AuditLog, Outbox, ProcessedUpdate

DAY = timedelta(days=1)


async def test_old_rows_go_and_the_rest_stays(database: Database) -> None:
    now = utcnow()
    async with database.uow() as uow:
        for key, age in ((1, 8 * DAY), (2, 8 * DAY), (3, 6 * DAY)):
            uow.session.add(ProcessedUpdate(update_key=key, processed_at=now - age))
        for n, (status, age) in enumerate((("sent", 91 * DAY), ("failed", 100 * DAY), ("unreachable", 200 * DAY),
                                           ("pending", 120 * DAY), ("sending", 120 * DAY), ("sent", 89 * DAY))):
            uow.session.add(Outbox(key=f"k{n}", chat_id=1, payload={}, status=status, created_at=now - age,
                                   not_before=now - age))
        uow.session.add(AuditLog(action="pledge.validate", at=now - 3000 * DAY))
        await uow.commit()

    deleted = await purge(database.uow, Retention(), now, batch=2)  # several batches of two

    assert deleted == {"processed_update": 2, "outbox": 3, "audit_log": 0, "sent_once": 0}
    async with database.uow() as uow:
        assert (await uow.session.execute(select(ProcessedUpdate.update_key))).scalars().all() == [3]
        left = (await uow.session.execute(select(Outbox.key).order_by(col(Outbox.key)))).scalars().all()
        assert left == ["k3", "k4", "k5"], "rows still to be sent, and recent ones, stay"
        assert len((await uow.session.execute(select(AuditLog))).scalars().all()) == 1, "audit is kept by default"


async def test_an_audit_limit_when_configured(database: Database) -> None:
    now = utcnow()
    async with database.uow() as uow:
        uow.session.add(AuditLog(action="old", at=now - 400 * DAY))
        uow.session.add(AuditLog(action="recent", at=now - 10 * DAY))
        await uow.commit()
    deleted = await purge(database.uow, Retention(audit=timedelta(days=365)), now)
    assert deleted["audit_log"] == 1
    async with database.uow() as uow:
        assert (await uow.session.execute(select(AuditLog.action))).scalars().all() == ["recent"]
