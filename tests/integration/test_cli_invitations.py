"""`p2c-bot admin invitations`: staff saw the invitations that exist (open, used, withdrawn, expired) only in the
database. The command lists them, newest first, all or an organisation's: for which role and organisation, who made
it, its status and expiry; and one its maker may no longer make (an older database's) as refused when opened."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from chat_driver import ChatDriver
from test_cli_role_lines import BEA, command_line_database
from test_colleagues import LINK
from test_form_switches import said
from test_pledges import focal_point
from typer.testing import CliRunner

from bot.cli import app
from bot.i18n import Renderer
from handlers.admin import CreateInvite, RevokeRole, invite, revoke_role
from handlers.conversation import Deps
from models.clock import utcnow
from models.tables import Contact
from models.values import Role

GRACE, KOFI = 9772, 9773


@pytest.fixture
def listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deps: Deps, renderer: Renderer) -> None:
    """Invitations of every status: Grace's to the Ministry of ICT (no. 1), made by the command line and used by
    her; the link she made for a colleague, open; staff Bea's for a coordinator of it, withdrawn when her role was
    revoked; an expired one to Fibre Co (no. 2); and Kofi's to Fibre Co, left open by an older version when his role
    was taken away (refused when opened)."""
    async def build(driver: ChatDriver) -> None:
        database = driver.database
        await focal_point(driver, GRACE, "Ministry of ICT")
        assert LINK.search(said(await driver.send(driver.person(GRACE, "Grace"), "/invite")))
        assert LINK.search(said(await driver.send(driver.person(BEA, "Bea"), "/invite 1 coordinator")))
        await revoke_role(RevokeRole(BEA), database.uow(), utcnow())
        await invite(CreateInvite("Fibre Co", Role.focal_point, country_iso3="KEN", lifetime=timedelta(days=-1)),
                     database.uow(), utcnow())
        token, _, _ = await invite(CreateInvite("Fibre Co", Role.focal_point, country_iso3="KEN"), database.uow(),
                                   utcnow())
        kofi = driver.person(KOFI, "Kofi")
        await driver.send(kofi, f"/start {token}")
        await driver.press(kofi, "f:consent:c:yes")
        await driver.send(kofi, "Kofi Mensah")
        assert LINK.search(said(await driver.send(kofi, "/invite")))
        async with database.uow() as uow:  # as an older version's `admin revoke` left it: his link still open
            await uow.session.execute(sa.update(Contact).where(Contact.telegram_id == KOFI).values(role=None))
            await uow.commit()

    command_line_database(tmp_path, monkeypatch, deps, renderer, build)


def _lines(*options: str) -> list[str]:
    result = CliRunner().invoke(app, ["admin", "invitations", *options])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


@pytest.mark.usefixtures("listed")
def test_every_invitation_is_listed_with_its_status_maker_and_expiry() -> None:
    lines = _lines()
    assert [line.split(":")[0] for line in lines[:-1]] == ["#6 refused", "#5 used", "#4 expired", "#3 withdrawn",
                                                         "#2 open", "#1 used"], lines
    six, five, four, three, two, one = lines[:-1]
    assert "focal_point of “Fibre Co” (no. 2)" in six and f"by Kofi Mensah (id {KOFI})" in six, six
    assert "refused when opened: its maker may no longer invite (expires " in six, six
    assert "by the command line; used " in five and f"by Kofi Mensah (id {KOFI})" in five, five
    assert "“Fibre Co” (no. 2)" in four and "by the command line; expired " in four, four
    assert "#3 withdrawn: coordinator of “Ministry of ICT” (no. 1)" in three and f"(id {BEA}); withdrawn " in three
    assert "#2 open: focal_point of “Ministry of ICT” (no. 1), made " in two, two
    assert f"by Awa Diop (id {GRACE}); expires " in two, two
    assert "by the command line; used " in one and f"by Awa Diop (id {GRACE})" in one, one
    assert lines[-1].startswith("6 invitation(s) listed (1 open, 2 used, 1 withdrawn, 1 expired, 1 refused; "), lines


@pytest.mark.usefixtures("listed")
def test_an_organisation_s_invitations_or_a_status_alone() -> None:
    assert [line.split(":")[0] for line in _lines("--entity", "1")[:-1]] == ["#3 withdrawn", "#2 open", "#1 used"]
    assert [line.split(":")[0] for line in _lines("--status", "used")[:-1]] == ["#5 used", "#1 used"]
    assert _lines("--entity", "2", "--status", "open")[-1].startswith("0 invitation(s) listed (0 open, 1 used, ")


@pytest.mark.usefixtures("listed")
def test_an_unknown_organisation_or_status_is_said() -> None:
    unknown = CliRunner().invoke(app, ["admin", "invitations", "--entity", "99"])
    assert unknown.exit_code == 2 and "no organisation no. 99" in unknown.output, unknown.output
    wrong = CliRunner().invoke(app, ["admin", "invitations", "--status", "pending"])
    assert wrong.exit_code == 2 and "'pending' is not one of open, used" in wrong.output, wrong.output
