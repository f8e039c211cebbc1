"""What `p2c-bot admin revoke` and `admin grant` print and do on a database, beyond the tests of
test_role_changes_leave_focal_points: a second revoke says the person had no role and changes nothing (no second
`role.revoked` row), and a focal point granted another role that may not invite (coordinator) has the invitations
they made withdrawn in the grant's transaction, audited `role.changed`, and the command says how many."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from chat_driver import ChatDriver
from sqlmodel import col, select
from test_colleagues import LINK
from test_form_switches import said
from test_pledges import focal_point
from typer.testing import CliRunner

from bot.cli import app
from bot.i18n import Renderer
from handlers.conversation import Deps
from models.database import Database
from models.migrate import upgrade
from models.tables import AuditLog, Contact, Invite
from models.values import Role

BEA, GRACE = 9761, 9762
T = TypeVar("T")


def command_line_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deps: Deps, renderer: Renderer,
                          build: Callable[[ChatDriver], Awaitable[T]]) -> T:
    """A database file made as in chat (staff Bea, then `build`, whose answer is returned), the command line
    pointed at it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}"

    async def prepare() -> T:
        database = Database(url)
        await upgrade(database)
        try:
            return await build(await ChatDriver.with_staff(database, deps, renderer, BEA))
        finally:
            await database.dispose()

    made = asyncio.run(prepare())
    monkeypatch.setenv("P2C_DATABASE_URL", url)
    return made


def _prepared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deps: Deps, renderer: Renderer) -> str:
    """Staff Bea and Grace, focal point of the Ministry of ICT, who made an invitation for a colleague (its
    token)."""
    async def build(driver: ChatDriver) -> str:
        await focal_point(driver, GRACE, "Ministry of ICT")
        found = LINK.search(said(await driver.send(driver.person(GRACE, "Grace"), "/invite")))
        assert found is not None
        return found.group(1)

    return command_line_database(tmp_path, monkeypatch, deps, renderer, build)


def _rows(url_path: Path, action: str) -> tuple[list[AuditLog], list[Invite], Contact]:
    async def read() -> tuple[list[AuditLog], list[Invite], Contact]:
        database = Database(f"sqlite+aiosqlite:///{url_path}")
        async with database.uow() as uow:
            audited = list((await uow.session.execute(select(AuditLog).where(col(AuditLog.action) == action)
                                                      .order_by(col(AuditLog.id)))).scalars())
            invites = list((await uow.session.execute(select(Invite))).scalars())
            grace = (await uow.session.execute(select(Contact).where(col(Contact.telegram_id) == GRACE))).scalar_one()
        await database.dispose()
        return audited, invites, grace

    return asyncio.run(read())


def test_a_second_revoke_says_the_person_had_no_role(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deps: Deps,
                                                    renderer: Renderer) -> None:
    _prepared(tmp_path, monkeypatch, deps, renderer)
    first = CliRunner().invoke(app, ["admin", "revoke", str(GRACE)])
    assert first.exit_code == 0 and f"{GRACE} has no role any more" in first.output, first.output
    again = CliRunner().invoke(app, ["admin", "revoke", str(GRACE)])
    assert again.exit_code == 0, again.output
    assert f"{GRACE} had no role: nothing changed" in again.output, again.output
    assert "has no role any more" not in again.output and "no longer" not in again.output, again.output
    revoked, _, grace = _rows(tmp_path / "p2c.db", "role.revoked")
    assert [row.details.get("previous") for row in revoked] == [Role.focal_point] and grace.role is None


def test_a_focal_point_made_coordinator_has_their_invitations_withdrawn(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch, deps: Deps,
                                                                        renderer: Renderer) -> None:
    """A coordinator may not invite: the link Grace made as focal point stops working with the grant, audited on
    her with the reason role.changed and her previous role, and the command says so."""
    _prepared(tmp_path, monkeypatch, deps, renderer)
    granted = CliRunner().invoke(app, ["admin", "grant", str(GRACE), "coordinator"])
    assert granted.exit_code == 0, granted.output
    assert f"{GRACE} is now coordinator" in granted.output, granted.output
    assert "1 unused invitation(s) they made no longer work (withdrawn, audited)." in granted.output, granted.output
    withdrawn, invites, grace = _rows(tmp_path / "p2c.db", "invite.withdrawn")
    made = [invite for invite in invites if invite.created_by == grace.id]
    assert len(made) == 1 and made[0].used_at is not None and made[0].used_by is None  # withdrawn
    assert [(row.target_type, row.target_id, row.details.get("reason"), row.details.get("previous"),
             row.details.get("role"), row.details.get("invitations")) for row in withdrawn] == [
        ("contact", grace.id, "role.changed", Role.focal_point, Role.coordinator, [made[0].id])]
    assert grace.role == Role.coordinator
