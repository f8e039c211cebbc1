"""The command line refuses what it cannot do right, in one line that says what would be right."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import sys
from pathlib import Path

import pytest
import typer
from aiohttp import web
from typer.testing import CliRunner

from bot.cli import app
from models.scope import ITU_REGIONS

REPO = Path(__file__).resolve().parents[2]
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "p2c.db"
    monkeypatch.setenv("P2C_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


def test_a_broadcast_from_someone_not_staff_is_refused(database: Path) -> None:
    """Regression: --created-by 5555, nobody's id, was taken silently and the broadcast sent from no one."""
    assert CliRunner().invoke(app, ["admin", "grant", "4242", "staff"]).exit_code == 0
    assert CliRunner().invoke(app, ["admin", "grant", "4343", "coordinator"]).exit_code == 0
    for nobody in ("5555", "4343"):
        refused = CliRunner().invoke(app, ["broadcast", "send", "--text", "en=Hello", "--created-by", nobody])
        assert refused.exit_code == 2 and not refused.stdout.strip()
        assert refused.output.startswith(f"error: --created-by {nobody}: no staff member")
        assert refused.output.strip().count("\n") == 0
    sent = CliRunner().invoke(app, ["broadcast", "send", "--text", "en=Hello", "--created-by", "4242"])
    assert sent.exit_code == 0, sent.output
    with sqlite3.connect(database) as stored:
        assert stored.execute("SELECT count(*) FROM broadcast").fetchone() == (1,)


def test_a_scope_refused_names_the_regions_and_so_does_the_help() -> None:
    refused = CliRunner().invoke(app, ["admin", "scope", "1005", "region", "narnia"])
    assert refused.exit_code == 2 and refused.output.strip().count("\n") == 0
    assert all(region in refused.output for region in ITU_REGIONS) and "government" in refused.output
    helped = CliRunner().invoke(app, ["admin", "scope", "--help"], terminal_width=200)
    assert all(region in " ".join(helped.output.split()) for region in ITU_REGIONS)


def test_a_scope_of_no_organisation_or_of_unknown_countries_is_refused(database: Path) -> None:
    """Tester: `admin scope 3004 entity 9999` and `admin scope 3004 countries XYZ` were taken, and the coordinator
    told "One entity (no. 9999)" and "Countries: XYZ"; /scope in chat refuses both."""
    assert CliRunner().invoke(app, ["admin", "grant", "4343", "coordinator"]).exit_code == 0
    for scope, said in ((["entity", "9999"], "there is no organisation no. 9999"),
                        (["entity", "999999999999"], "there is no organisation no. 999999999999"),
                        (["countries", "SEN", "XYZ"], "unknown country codes: XYZ")):
        refused = CliRunner().invoke(app, ["admin", "scope", "4343", *scope])
        assert refused.exit_code == 2 and said in refused.output and refused.output.strip().count("\n") == 0, \
            refused.output
    with sqlite3.connect(database) as stored:
        assert stored.execute("SELECT count(*) FROM coordinator_scope").fetchone() == (0,)
    assert CliRunner().invoke(app, ["admin", "scope", "4343", "countries", "SEN", "BOL"]).exit_code == 0


async def test_an_invitation_asks_getme_without_importing_aiogram(database: Path) -> None:
    """Regression: `invite create` without P2C_BOT_USERNAME imported aiogram for its one getMe, seconds of the
    command's time on a small host (aiogram builds a model of every Bot API type)."""
    asked: list[str] = []

    async def get_me(request: web.Request) -> web.Response:
        asked.append(request.path)
        return web.json_response({"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "P2C",
                                                          "username": "p2c_test_bot"}})

    server = web.Application()
    server.router.add_route("*", f"/bot{TOKEN}/getMe", get_me)  # Telegram takes GET and POST
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    code = ("import sys; from typer.testing import CliRunner; from bot.cli import app; "
            "done = CliRunner().invoke(app, ['invite', 'create', '--entity', 'Ministry of ICT', '--country', 'SEN']); "
            "print(done.stdout.strip(), 'aiogram' in sys.modules)")
    environment = {**os.environ, "PYTHONPATH": str(REPO), "P2C_BOT_TOKEN": TOKEN,
                   "P2C_API_BASE": f"http://127.0.0.1:{port}", "P2C_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    try:
        process = await asyncio.create_subprocess_exec(sys.executable, "-c", code, env=environment,
                                                       stdout=asyncio.subprocess.PIPE)
        out, _ = await asyncio.wait_for(process.communicate(), 120)
    finally:
        await runner.cleanup()
    link, imported = out.decode().split()
    assert link.startswith("https://t.me/p2c_test_bot?start=") and asked
    assert imported == "False"


def test_every_command_that_writes_names_its_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: `admin grant` run from another folder (or without the service's P2C_DATABASE_URL) made a new
    ./p2c.db there and said only "123456789 is now admin (contact 1)"."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("P2C_DATABASE_URL", "sqlite+aiosqlite:///p2c.db")  # relative, as the default is
    for command in (["db", "upgrade"], ["admin", "grant", "4242", "staff"], ["admin", "grant", "4343", "coordinator"],
                    ["admin", "scope", "4343", "region", "africa"], ["admin", "revoke", "4343"],
                    ["invite", "create", "--entity", "Ministry of ICT", "--country", "SEN", "--bot-username", "b"],
                    ["broadcast", "send", "--text", "en=Hello", "--created-by", "4242"],
                    ["export", "pledges", "--output", "x.csv"]):
        done = CliRunner().invoke(app, command)
        assert done.exit_code == 0, done.output
        assert str(tmp_path / "p2c.db") in done.output, (command, done.output)
    assert CliRunner().invoke(app, ["broadcast", "send", "--text", "en=Hi"]).stdout.strip() == "2", "the id alone"


def _refused_in_one_line(arguments: list[str], starts: str) -> None:
    refused = CliRunner().invoke(app, arguments)
    assert refused.exit_code == 2 and not refused.stdout.strip(), refused.output
    assert refused.output.startswith(f"error: {starts}") and refused.output.strip().count("\n") == 0, refused.output


@pytest.mark.parametrize("path", ["not-a-database.db", "no/such/folder/p2c.db"])
def test_a_database_that_cannot_be_used_is_said_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          path: str) -> None:
    """An operator: a text file or a missing folder at P2C_DATABASE_URL gave 190–220 lines of traceback. A missing
    folder is said before aiosqlite tries it: its failed opening could end after the command's event loop (CI: an
    unhandled "Event loop is closed" in aiosqlite's thread)."""
    (tmp_path / "not-a-database.db").write_text("notes\n")
    monkeypatch.setenv("P2C_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / path}")
    for arguments in (["db", "upgrade"], ["db", "current"], ["admin", "grant", "42", "admin"]):
        _refused_in_one_line(arguments, "the database of P2C_DATABASE_URL")
        said = CliRunner().invoke(app, arguments).output
        assert ("a folder that does not exist" in said) == path.startswith("no/such/"), said


def test_a_postgresql_server_nobody_answers_at_is_said_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """An operator: PostgreSQL not listening gave a 150-line traceback ending in ConnectionRefusedError."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens on it once closed
    monkeypatch.setenv("P2C_DATABASE_URL", f"postgresql+asyncpg://p2c:Sec-ret-9@127.0.0.1:{port}/p2c")
    for arguments in (["db", "current"], ["admin", "grant", "42", "admin"]):
        refused = CliRunner().invoke(app, arguments)
        assert refused.output.startswith("error: the database of P2C_DATABASE_URL"), refused.output
        assert "cannot be reached" in refused.output and "Sec-ret-9" not in refused.output, refused.output
        assert refused.output.strip().count("\n") == 0 and refused.exit_code == 2, refused.output


def test_tables_the_role_may_not_use_are_said_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """An operator restored a dump as the postgres superuser: the bot's role read "permission denied for table
    alembic_version" at the end of a 151-line traceback."""
    from sqlalchemy.exc import ProgrammingError

    from bot.cli import _run

    async def denied() -> None:
        raise ProgrammingError("SELECT version_num FROM alembic_version", {},
                               Exception("permission denied for table alembic_version"))

    with pytest.raises(typer.Exit) as stopped:
        _run(denied())
    assert stopped.value.exit_code == 2
    said = capsys.readouterr().err
    assert said.startswith("error: the database of P2C_DATABASE_URL") and said.count("\n") == 1, said
    assert "permission denied for table alembic_version" in said and "must belong to the role" in said


def test_what_cannot_be_right_is_refused_in_one_line(database: Path) -> None:
    """An operator: an invitation to an organisation with no name, or lasting 0 or 100,000,000 days (a traceback); a
    user id of 0, negative (a group's) or past 64 bits (a traceback); an export in German (written in English); an
    unknown revision (an alembic traceback)."""
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    for name in ("", "   "):
        _refused_in_one_line(["invite", "create", "--entity", name, "--bot-username", "p2cbot"], "--entity")
    # a tester: a 500-character name and one of emoji alone made validated organisations the chat's registration
    # refuses (PostgreSQL's column holds 200 characters)
    for name, said in (("X" * 201, "it has 201 characters"), ("🚀🚀", "it has no letter or digit"),
                       ("X", "it has 1 character;")):
        _refused_in_one_line(["invite", "create", "--entity", name, "--bot-username", "p2cbot"], f"--entity: {said}")
    for days in ("0", "-3", "100000000"):
        _refused_in_one_line(["invite", "create", "--entity", "Org", "--days", days, "--bot-username", "p2cbot"],
                             f"--days {days}")
    for command in (["admin", "grant"], ["admin", "revoke"], ["admin", "scope"]):
        for user in ("0", "-7", "99999999999999999999999"):
            tail = ["admin"] if command[1] == "grant" else ["everything"] if command[1] == "scope" else []
            _refused_in_one_line([*command, "--", user, *tail] if user.startswith("-") else [*command, user, *tail],
                                 f"{user} is not a Telegram user id")
    _refused_in_one_line(["export", "pledges", "--output", str(database.parent / "x.csv"), "--language", "de"],
                         "--language 'de'")
    _refused_in_one_line(["db", "upgrade", "9999"], "db upgrade '9999'")
    with sqlite3.connect(database) as stored:
        assert stored.execute("SELECT count(*) FROM entity").fetchone() == (0,)
        assert stored.execute("SELECT count(*) FROM contact").fetchone() == (0,)


def test_a_log_format_option_is_refused_as_the_option_it_is() -> None:
    """An operator: `run --log-format xml` answered "error: P2C_LOG_FORMAT …", a variable they had not set."""
    for command in (["run"], ["sandbox"]):
        refused = CliRunner().invoke(app, [*command, "--log-format", "xml"])
        assert refused.exit_code == 2 and "--log-format" in refused.output and "P2C_LOG_FORMAT" not in refused.output


def test_a_statement_done_wrong_is_not_blamed_on_the_database() -> None:
    """A review: an IntegrityError (a defect, or a race with the bot) was said as "the database cannot be used"."""
    from sqlalchemy.exc import IntegrityError

    from bot.cli import _run

    async def conflicting() -> None:
        raise IntegrityError("INSERT INTO contact …", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))

    with pytest.raises(IntegrityError):
        _run(conflicting())


def test_focal_point_is_granted_only_to_someone_with_an_organisation(database: Path) -> None:
    """An operator: `admin grant 77777 focal_point` made a focal point of no organisation, who was then told "you are
    not attached to an organisation yet"."""
    _refused_in_one_line(["admin", "grant", "77777", "focal_point"], "77777 has no organisation")
    with sqlite3.connect(database) as stored:
        assert stored.execute("SELECT count(*) FROM contact WHERE role IS NOT NULL").fetchone() == (0,)
    assert CliRunner().invoke(app, ["admin", "grant", "77777", "staff"]).exit_code == 0
    made = CliRunner().invoke(app, ["invite", "create", "--entity", "Org", "--bot-username", "p2cbot"])
    assert made.exit_code == 0, made.output
    with sqlite3.connect(database) as stored:
        stored.execute("UPDATE contact SET entity_id = (SELECT id FROM entity) WHERE telegram_id = 77777")
    back = CliRunner().invoke(app, ["admin", "grant", "77777", "focal_point"])  # back to the organisation kept
    assert back.exit_code == 0 and "77777 is now focal_point" in back.output, back.output


def test_a_connection_error_of_something_else_is_not_blamed_on_the_database() -> None:
    from bot.cli import _run

    async def elsewhere() -> None:
        raise ConnectionResetError(104, "Connection reset by peer")

    with pytest.raises(ConnectionResetError):
        _run(elsewhere())


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_a_port_out_of_range_is_refused_in_a_line_not_a_traceback(port: str) -> None:
    """Operator tester: `p2c-bot sandbox --port 70000` ended in OverflowError from the socket's bind."""
    refused = CliRunner().invoke(app, ["sandbox", "--port", port, "--server-only"])
    assert refused.exit_code == 2 and "--port" in refused.output and refused.exception is not None
    assert not isinstance(refused.exception, OverflowError)
    from bot.sandbox.__main__ import main
    with pytest.raises(SystemExit) as stopped:
        main(["--port", port])
    assert stopped.value.code == 2


async def test_a_token_the_bot_api_refuses_is_said_as_such(database: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Operator tester: `invite create` with a token the Bot API refuses said "(KeyError)", naming no cause."""
    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)

    server = web.Application()
    server.router.add_route("*", "/{path:.*}", refuse)
    runner = web.AppRunner(server)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    monkeypatch.setenv("P2C_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("P2C_API_BASE", f"http://127.0.0.1:{runner.addresses[0][1]}")
    try:
        refused = await asyncio.to_thread(CliRunner().invoke, app, ["invite", "create", "--entity", "Org",
                                                                    "--country", "SEN"])
    finally:
        await runner.cleanup()
    assert refused.exit_code == 2 and refused.output.strip().count("\n") == 0
    assert "refused getMe (401: Unauthorized)" in refused.output and "P2C_BOT_TOKEN" in refused.output
    assert TOKEN.split(":")[1] not in refused.output
