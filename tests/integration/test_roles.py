"""Role x action: every action's role is checked where it is done (not only by hiding buttons), at every step."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver
from sqlmodel import select
from test_pledges import fill_pledge, focal_point

from bot.i18n import Renderer
from handlers.admin import CreateInvite, GrantRole, RevokeRole, grant_role, invite, revoke_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.database import Database
from models.tables import AuditLog, Draft, Pledge
from models.values import PledgeStatus, Role

STRANGER, FP_A, COORD_A, FP_B, STAFF, ADMIN, REVOKED = 7001, 7002, 7003, 7004, 7005, 7006, 7007
EVERYONE = (STRANGER, FP_A, COORD_A, FP_B, STAFF, ADMIN, REVOKED)
REFUSALS = ("not allowed", "Pledges are registered by", "not attached to an organisation",
            "lists an organisation's pledges for its focal points")


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """Entity A with a focal point (who submitted a pledge) and a coordinator; entity B's focal point; staff,
    an admin, a staff member whose role was revoked, and a stranger."""
    driver = ChatDriver(database, deps, renderer)
    for telegram_id, role in ((STAFF, Role.staff), (ADMIN, Role.admin), (REVOKED, Role.staff)):
        await grant_role(GrantRole(telegram_id, role), database.uow(), utcnow())
        await driver.send(driver.person(telegram_id), "/help")
    await revoke_role(RevokeRole(REVOKED), database.uow())
    await driver.send(driver.person(STRANGER), "hello")
    await focal_point(driver, FP_A, "Entity A")
    await fill_pledge(driver, FP_A)
    token, _, _ = await invite(CreateInvite("Entity A", Role.coordinator), database.uow(), utcnow())
    await driver.send(driver.person(COORD_A), f"/start {token}")
    await driver.press(driver.person(COORD_A), "f:consent:c:yes")
    await driver.send(driver.person(COORD_A), "Cora Ordinator")
    await focal_point(driver, FP_B, "Entity B")
    for telegram_id in EVERYONE:
        await driver.collect(telegram_id)
    return driver


# (action, who may do it); {pledge} and {entity} are entity A's. Roles allowed go last: an action that
# changes something (withdrawing, validating) is first tried by everyone who may not.
ACTIONS = [
    ("/pledge", {FP_A, FP_B}),
    ("/mypledges", {FP_A, COORD_A, FP_B}),
    ("mp:open:{pledge}", {FP_A, COORD_A}),
    ("mp:wd:{pledge}", {FP_A}),
    ("mp:edit:{pledge}", {FP_A}),
    ("mp:wdy:{pledge}", {FP_A}),
    ("pv:ok:{pledge}", {STAFF, ADMIN}),
    ("ent:no:{entity}", {STAFF, ADMIN}),
    ("/broadcast", {STAFF, ADMIN}),
    ("/broadcasts", {STAFF, ADMIN}),
]


@pytest.mark.parametrize(("action", "allowed"), ACTIONS, ids=[a for a, _ in ACTIONS])
async def test_role_by_action(chat: ChatDriver, database: Database, action: str, allowed: set[int]) -> None:
    async with database.uow() as uow:
        pledge = (await uow.session.execute(select(Pledge))).scalar_one()
    data = action.format(pledge=pledge.id, entity=pledge.entity_id)
    for telegram_id in sorted(EVERYONE, key=lambda t: t in allowed):
        person = chat.person(telegram_id)
        answers = await (chat.send(person, data) if data.startswith("/") else chat.press(person, data))
        assert answers, (action, telegram_id)
        refused = any(marker in answers[0].text for marker in REFUSALS)
        assert refused == (telegram_id not in allowed), (action, telegram_id, answers[0].text)
        if refused:
            async with database.uow() as uow:
                still = await uow.session.get(Pledge, pledge.id)
                assert still is not None and still.status == PledgeStatus.submitted


async def test_a_coordinator_sees_no_button_to_change_a_pledge(chat: ChatDriver, database: Database) -> None:
    async with database.uow() as uow:
        pledge_id = (await uow.session.execute(select(Pledge.id))).scalar_one()
    details = await chat.press(chat.person(COORD_A), f"mp:open:{pledge_id}")
    assert [code for row in details[0].buttons for _, code in row] == ["mp:list"]
    mine = await chat.press(chat.person(FP_A), f"mp:open:{pledge_id}")
    assert f"mp:wd:{pledge_id}" in [code for row in mine[0].buttons for _, code in row]


async def test_revoked_staff_cannot_continue_a_broadcast_draft(chat: ChatDriver, database: Database) -> None:
    staff = chat.person(STAFF)
    opened = await chat.send(staff, "/broadcast")
    assert "Question 1" in opened[-1].text
    await revoke_role(RevokeRole(STAFF), database.uow())
    denied = await chat.press(staff, "f:audience:c:everyone")
    assert len(denied) == 1 and denied[0].text.startswith("Sorry, you are not allowed to do that.")
    for attempt in ("f:audience:done", "Hello everyone"):  # the draft is gone
        answers = await (chat.press(staff, attempt) if attempt.startswith("f:") else chat.send(staff, attempt))
        assert not any("Question" in a.text or "audience" in a.text.lower() for a in answers), attempt
    async with database.uow() as uow:
        assert (await uow.session.execute(select(Draft))).first() is None
        audited = (await uow.session.execute(select(AuditLog).where(AuditLog.action == "denied"))).scalars().all()
        assert [d.details.get("attempted") for d in audited][-1] == "broadcast.continue"


async def test_someone_whose_role_was_withdrawn_is_told_so_not_how_to_register(chat: ChatDriver,
                                                                              database: Database) -> None:
    """Tester round of two staff: a revoked staff member trying /pending read the registration hint meant for
    strangers ("To register, send /start…"); it is said only to strangers now."""
    [stranger] = await chat.send(chat.person(STRANGER), "/pending")
    assert "Sorry, you are not allowed to do that." in stranger.text and "To register, send /start" in stranger.text
    [revoked] = await chat.send(chat.person(REVOKED), "/pending")
    assert revoked.text.startswith("Sorry, you are not allowed to do that."), revoked.text
    assert "Your BDT staff role was withdrawn" in revoked.text and "ask the operator of the bot" in revoked.text
    assert "To register" not in revoked.text, revoked.text
    [french] = await chat.send(chat.person(REVOKED, language_code="fr"), "/pending")
    assert "Votre rôle de membre du personnel du BDT vous a été retiré" in french.text, french.text
    await revoke_role(RevokeRole(FP_B), database.uow())
    [former] = await chat.send(chat.person(FP_B), "/pending")
    assert "Your role with your organisation was withdrawn" in former.text and "invitation link" in former.text
    assert "To register" not in former.text, former.text
