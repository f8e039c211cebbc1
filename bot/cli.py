"""The command line: `p2c-bot run | sandbox | db | admin | invite | broadcast | export`."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn, TypeVar

import typer

from bot.config import ConfigError, Settings, bare_username, load_settings, warn_unknown_names
from models.clock import utcnow
from models.scope import ITU_REGIONS, SCOPE_FORMS
from models.values import LANGUAGES, Role, Sector

if TYPE_CHECKING:
    from handlers.admin import InvitationLine, RoleChange
    from models.database import Database
    from models.tables import Contact

T = TypeVar("T")

# Plain tracebacks: rich ones print local variables, which may hold the bot token.
app = typer.Typer(help="Partner2Connect engagement bot (ITU BDT).", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
admin_app = typer.Typer(help="Roles of staff and administrators.", no_args_is_help=True)
invite_app = typer.Typer(help="Invitations for focal points and coordinators.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(admin_app, name="admin")
app.add_typer(invite_app, name="invite")
broadcast_app = typer.Typer(help="Announcements to segments of stakeholders.", no_args_is_help=True)
app.add_typer(broadcast_app, name="broadcast")

LogFormat = Annotated[Literal["text", "json"] | None, typer.Option(
    "--log-format", help="text or json (default: P2C_LOG_FORMAT, else text)")]


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _settings(*, names_later: bool = False, **overrides: Any) -> Settings:
    try:
        return load_settings(names_later=names_later, **{k: v for k, v in overrides.items() if v is not None})
    except ConfigError as error:
        _fail(str(error))
        raise  # unreachable: _fail exits


def _database() -> Database:
    """The database of the settings (through PgBouncer's transaction mode when P2C_PGBOUNCER says so)."""
    from models.database import Database, missing_folder

    settings = _settings()
    folder = missing_folder(settings.database_url)
    if folder is not None:  # aiosqlite, failing to open it, could report to a loop already closed (a thread's error)
        _fail(f"the database of P2C_DATABASE_URL ({_database_named()}) cannot be used: it names a file in {folder}, "
              "a folder that does not exist: create it, or name another file")
    return Database(settings.database_url, pgbouncer=settings.pgbouncer)


def _database_named() -> str:
    """Which database the commands use, as an operator recognises it: an SQLite file by its absolute path, PostgreSQL
    by its URL without the password. Every command that writes says it: a command run from another folder, or
    without the service's P2C_DATABASE_URL, silently made a new SQLite file there and reported success."""
    from sqlalchemy.engine import make_url

    url = make_url(_settings().database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        return str(Path(url.database).absolute())
    return url.render_as_string(hide_password=True)


def loop_factory(choice: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The event loop `p2c-bot run` runs on: uvloop's for "auto" when it is installed (and for "uvloop", which
    fails when it is not), None (the standard library's) for "asyncio"."""
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise ConfigError("P2C_EVENT_LOOP=uvloop but uvloop is not installed (pip install uvloop).") from None
        return None
    return uvloop.new_event_loop


def _run(coroutine: Coroutine[Any, Any, T], event_loop: str = "asyncio") -> T:
    from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InternalError, NotSupportedError, ProgrammingError

    try:
        with asyncio.Runner(loop_factory=loop_factory(event_loop)) as runner:
            return runner.run(coroutine)
    except ConfigError as error:
        _fail(str(error))
        raise
    except ProgrammingError as error:
        if PERMISSION_DENIED not in str(error.orig):
            raise  # what a statement did wrong is a defect to see whole, not the database's fault
        # the bot's role may not use the tables (a dump restored by another role): the operator's to grant
        _fail(f"the database of P2C_DATABASE_URL ({_database_named()}) cannot be used: {_first_line(error)} (the "
              "tables must belong to the role the bot connects as: see docs/operations.md, Backups)")
        raise
    except (IntegrityError, DataError, InternalError, NotSupportedError):
        raise  # what a statement did wrong is a defect to see whole, not the database's fault
    except DBAPIError as error:  # not a database, no such folder, refused: one line naming the setting, no traceback
        _fail(f"the database of P2C_DATABASE_URL ({_database_named()}) cannot be used: {_first_line(error)}")
        raise
    except OSError as error:  # asyncpg's own: nothing listens there (one address or several), no such host, timeout
        from bot.outage import through_the_database

        if not through_the_database(error):
            raise
        _fail(f"the database of P2C_DATABASE_URL ({_database_named()}) cannot be reached: "
              f"{str(error) or type(error).__name__}")
        raise


PERMISSION_DENIED = "permission denied"
"""PostgreSQL's words for a table the role may not use (SQLSTATE 42501)."""


def _first_line(error: Any) -> str:
    """A DBAPIError's driver error, its first line."""
    return str(error.orig).splitlines()[0] if error.orig is not None else type(error).__name__


TELEGRAM_IDS = range(1, 2**53)
"""The ids Telegram gives users: positive (a negative id is a group chat's), under 2⁵³ (Bot API: "at most 52
significant bits")."""


def _telegram_id(value: int) -> int:
    """A Telegram user id given on the command line, refused in one line when it cannot be one."""
    if value not in TELEGRAM_IDS:
        _fail(f"{value} is not a Telegram user id (a positive number under 2^53)")
    return value


@app.command()
def run(
    webhook: Annotated[bool, typer.Option(help="Receive updates by webhook instead of long polling.")] = False,
    log_format: LogFormat = None,
) -> None:
    """Run the bot against P2C_API_BASE (Telegram by default)."""
    from bot.app import build_app
    from bot.app import run as run_app
    from bot.logs import configure_logging
    from bot.ports import ensure_free

    settings = _settings(log_format=log_format, names_later=True)
    try:
        settings.token()  # a missing or malformed token stops start-up here, with its one line
        if webhook:
            settings.webhook()  # fail closed: a missing or weak secret stops start-up before anything is opened
            ensure_free(settings.webhook_host, settings.webhook_port, "P2C_WEBHOOK")
        if settings.metrics_port is not None:
            ensure_free(settings.metrics_host, settings.metrics_port, "P2C_METRICS")
    except ConfigError as error:
        warn_unknown_names()
        _fail(str(error))
        return
    configure_logging(settings.log_format, settings.log_level, secrets=settings.secrets(),
                      instance=settings.instance_id)
    warn_unknown_names()  # in the log's format, now that it is set up
    _run(run_app(build_app(settings), webhook=webhook), settings.event_loop)


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535,
                                      help="Port of the sandbox (Bot API, client API and web page).")] = 8080,
    database_url: Annotated[str | None, typer.Option(help="Bot database (default: P2C_DATABASE_URL).")] = None,
    server_only: Annotated[bool, typer.Option("--server-only", help="Run only the sandbox server.")] = False,
    token: Annotated[str | None, typer.Option(help="Token the sandbox accepts (default: a fixed one).")] = None,
    clock: Annotated[bool, typer.Option(
        help="Let the page move the bot's clock ahead (its Advance one week and Next delivery buttons), so that "
             "reminders and digests can be seen at once; the moved time is kept in a file beside the database.",
    )] = True,
    log_format: LogFormat = None,
) -> None:
    """Run the offline sandbox: a local Bot API server, the web chat page, and the bot with demo data."""
    from bot.logs import configure_logging

    if server_only:  # no bot: skip importing it (aiogram is slow to import)
        from bot.sandbox.server import run_server

        try:
            run_server(host, port, token)
        except (OSError, ValueError) as error:
            _fail(f"cannot run the sandbox on {host}:{port}: {error}")
        return
    from bot.sandbox_runner import run_sandbox, sandbox_clock_file
    from models.clock import TEST_CLOCK_ENV

    # the bot runs on the sandbox, not on Telegram (its address is known once the server listens): the test clock
    # is refused with the real Telegram only
    settings = _settings(log_format=log_format, database_url=database_url, api_base=f"http://{host}:{port or 1}",
                         names_later=True)
    if clock and not settings.test_clock_file:
        os.environ[TEST_CLOCK_ENV] = sandbox_clock_file(settings.database_url)  # models.clock and the page read it
        settings = _settings(log_format=log_format, database_url=database_url, api_base=settings.api_base,
                             test_clock_file=os.environ[TEST_CLOCK_ENV], names_later=True)
    configure_logging(settings.log_format, settings.log_level)
    warn_unknown_names()  # in the log's format, now that it is set up
    _run(run_sandbox(settings, host=host, port=port, token=token))


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the migrations (creates the database if needed)."""
    from alembic.util.exc import CommandError

    from models.migrate import HEAD_REVISION, current_revision, is_newer_revision, upgrade

    async def go() -> tuple[str | None, bool]:
        database = _database()
        try:
            found = await current_revision(database)
            if is_newer_revision(found):  # a rollback: this version's instances run on it (migrations only add)
                return found, False
            try:
                await upgrade(database, revision)
            except CommandError as error:  # no such revision: said in one line
                _fail(f"db upgrade {revision[:40]!r}: {error}")
            return await current_revision(database), True
        finally:
            await database.dispose()

    reached, upgraded = _run(go())
    if not upgraded:
        typer.echo(f"database at revision {reached}, newer than this version's {HEAD_REVISION}: left as it is; this "
                   f"version runs on it ({_database_named()})")
        return
    typer.echo(f"database at revision {reached} ({_database_named()})")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and of this code."""
    from models.migrate import current_revision, head_revision

    async def go() -> str | None:
        database = _database()
        try:
            return await current_revision(database)
        finally:
            await database.dispose()

    typer.echo(f"database: {_run(go()) or 'empty'}; code: {head_revision()} ({_database_named()})")


@db_app.command("backup")
def db_backup(output: Annotated[Path, typer.Argument(help="The copy to write (a new SQLite file).")]) -> None:
    """Copy the SQLite database while the bot runs (SQLite's online backup); PostgreSQL: use pg_dump."""
    from sqlalchemy.engine import make_url

    from models.backup import backup_sqlite

    url = make_url(_settings().database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        _fail("db backup copies an SQLite file; for PostgreSQL use pg_dump (docs/operations.md, Backups)")
        return
    try:
        pages = backup_sqlite(Path(url.database), output)
    except (OSError, ValueError, sqlite3.Error) as error:
        _fail(f"backup failed: {error}")
        return
    typer.echo(f"{output}: {pages} pages copied from {_database_named()}")


@admin_app.command("grant")
def admin_grant(telegram_id: int, role: Role) -> None:
    """Give a Telegram user a role (staff and admin are granted only here)."""
    from handlers.admin import GrantRole, grant_role

    _telegram_id(telegram_id)
    zone = _settings().timezone
    if role is Role.focal_point:
        _has_organisation(telegram_id)
    granted = _run(_with_uow(lambda uow: grant_role(GrantRole(telegram_id, role, zone), uow, utcnow())))
    typer.echo(f"{telegram_id} is now {role.value} (contact {granted.contact.id}, database {_database_named()})")
    _say_left(telegram_id, granted)


def _has_organisation(telegram_id: int) -> None:
    """Refuse focal_point to someone with no organisation (an operator's grant made a focal point of nothing, told
    "you are not attached to an organisation yet"): an organisation is given by an invitation; the grant gives the
    role back to someone who still has theirs (a staff member returning to it)."""
    from handlers.people import find_contact

    async def organisation(uow: Any) -> int | None:
        async with uow:
            contact = await find_contact(uow.session, telegram_id)
            return contact.entity_id if contact is not None else None

    if _run(_with_uow(organisation)) is None:
        _fail(f"{telegram_id} has no organisation to be a focal point of: invite them to it instead "
              "(`p2c-bot invite create --entity NAME`, or /invite in the chat)")


@admin_app.command("revoke")
def admin_revoke(telegram_id: int) -> None:
    """Take a Telegram user's role away."""
    from handlers.admin import RevokeRole, revoke_role

    _telegram_id(telegram_id)
    zone = _settings().timezone
    revoked = _run(_with_uow(lambda uow: revoke_role(RevokeRole(telegram_id, zone), uow, utcnow())))
    if revoked is None:
        _fail(f"no contact with Telegram id {telegram_id}")
    if not revoked.changed:
        typer.echo(f"{telegram_id} had no role: nothing changed (database {_database_named()})")
        return
    typer.echo(f"{telegram_id} has no role any more (database {_database_named()})")
    _say_left(telegram_id, revoked)


INVITATION_STATUSES = ("open", "used", "withdrawn", "expired", "refused")


@admin_app.command("invitations")
def admin_invitations(
    entity: Annotated[int | None, typer.Option(help="Only the invitations to this organisation (its number).")] = None,
    status: Annotated[str | None, typer.Option(
        help="Only those with this status: " + ", ".join(INVITATION_STATUSES) + ".")] = None,
) -> None:
    """List the invitations (newest first): for which organisation and role, who made it, its status and expiry."""
    from handlers.admin import UnknownEntity, list_invitations

    if status is not None and status not in INVITATION_STATUSES:
        _fail(f"--status: {status!r} is not one of {', '.join(INVITATION_STATUSES)}")
    now = utcnow()
    try:
        lines = _run(_with_uow(lambda uow: list_invitations(uow, entity, now)))
    except UnknownEntity:
        _fail(f"no organisation no. {entity}")
        raise
    shown = [line for line in lines if status is None or line.status == status]
    for line in shown:
        typer.echo(_invitation(line))
    counts = ", ".join(f"{sum(line.status == name for line in lines)} {name}" for name in INVITATION_STATUSES)
    typer.echo(f"{len(shown)} invitation(s) listed ({counts}; database {_database_named()})")


def _person(contact: Contact | None) -> str:
    """A person as the command line names them: their name and Telegram id."""
    if contact is None:
        return "someone since gone"
    if contact.telegram_id <= 0:
        return "a person who asked to be forgotten"
    name = contact.full_name or " ".join(filter(None, (contact.first_name, contact.last_name))) or "no name"
    return f"{name} (id {contact.telegram_id})"


def _utc(moment: datetime | None) -> str:
    """A stored moment in UTC (SQLite hands naive ones over, in UTC)."""
    if moment is None:
        return "?"
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(UTC).strftime(
        "%Y-%m-%d %H:%M")


def _invitation(line: InvitationLine) -> str:
    """One invitation: number, status, role and organisation, maker, dates (UTC)."""
    invite = line.invite
    maker = "the command line" if invite.created_by is None else _person(line.made_by)
    if line.status == "used":
        what = f"used {_utc(invite.used_at)} by {_person(line.used_by)}"
    elif line.status == "withdrawn":
        what = f"withdrawn {_utc(invite.used_at)}"
    elif line.status == "expired":
        what = f"expired {_utc(invite.expires_at)}"
    elif line.status == "refused":
        what = f"refused when opened: its maker may no longer invite (expires {_utc(invite.expires_at)})"
    else:
        what = f"expires {_utc(invite.expires_at)}"
    return (f"#{invite.id} {line.status}: {invite.role} of “{line.entity.name}” (no. {line.entity.id}), made "
            f"{_utc(invite.created_at)} UTC by {maker}; {what}")


def _say_left(telegram_id: int, change: RoleChange) -> None:
    """What a grant or a revocation that took a focal point from their organisation did, as /leave says it in chat:
    whom its pledges' reminders go to now, or that it has none (staff were told in chat); and how many invitations
    the person made stopped working."""
    if change.withdrawn:
        typer.echo(f"{change.withdrawn} unused invitation(s) they made no longer work (withdrawn, audited).")
    if change.closed:
        typer.echo(f"The form(s) they had begun that the new role does not fill in were closed, and they are told: "
                   f"{', '.join(change.closed)}.")
    if change.left is None:
        return
    entity = f"“{change.left.name}” (no. {change.left.id})"
    if change.successor is not None:
        typer.echo(f"{telegram_id} is no longer a focal point of {entity}: its pledges now go to "
                   f"{change.successor.full_name or change.successor.first_name or 'a colleague'} "
                   f"(id {change.successor.telegram_id}), who is told.")
    else:
        typer.echo(f"{entity} has no focal point left: its pledges remind nobody until one joins (staff are told in "
                   f"chat). Invite one with /invite {change.left.id} in chat, or `p2c-bot invite create`.")


@admin_app.command("scope")
def admin_scope(telegram_id: int,
                scope: Annotated[list[str], typer.Argument(help=SCOPE_FORMS)]) -> None:
    """Set what a coordinator's digests and exports cover."""
    from handlers.digests.admin import ScopeTargetError, set_scope
    from models.geography import load_country_table
    from models.scope import ScopeError, parse_scope

    _telegram_id(telegram_id)
    known = frozenset(load_country_table())
    words = " ".join(scope).replace(",", " ").split()
    if words and words[0].lower() == "countries" and (unknown := [w for w in words[1:] if w.upper() not in known]):
        _fail(f"unknown country codes: {', '.join(unknown)} (ISO 3166 alpha-3, e.g. SEN)")
    try:  # countries checked against the country table, as /scope does in chat
        parsed = parse_scope(" ".join(scope), known)
        _run(_with_uow(lambda uow: set_scope(telegram_id, parsed, uow, utcnow())))
    except (ScopeError, ScopeTargetError) as error:
        _fail(str(error))
    typer.echo(f"{telegram_id} now sees: {parsed.key} (database {_database_named()})")


@admin_app.command("country")
def admin_country(
        iso3: Annotated[str, typer.Argument(help="ISO 3166 alpha-3 code, e.g. NPL.")],
        ldc: Annotated[bool | None, typer.Option("--ldc/--no-ldc", help="A Least Developed Country (or not).")] = None,
        ldc_until: Annotated[str | None, typer.Option(
            help="The day its graduation from the LDCs takes effect (YYYY-MM-DD): an LDC before it, not from it on; "
                 "'none' takes the date away.")] = None,
        lldc: Annotated[bool | None, typer.Option("--lldc/--no-lldc", help="A Landlocked Developing Country.")] = None,
        sids: Annotated[bool | None, typer.Option("--sids/--no-sids", help="A Small Island Developing State.")] = None,
        itu_region: Annotated[str | None, typer.Option(help="ITU-D region: " + ", ".join(ITU_REGIONS) + ".")] = None,
) -> None:
    """Show a country's row of the country table, or correct its LDC/LLDC/SIDS flags, LDC graduation date or ITU-D
    region (digests, exports and announcements follow at once)."""
    from datetime import date

    from handlers.admin import CorrectCountry, UnknownCountry, correct_country

    until: date | None = None
    if ldc_until is not None and ldc_until.strip().lower() != "none":
        try:
            until = date.fromisoformat(ldc_until.strip())
        except ValueError:
            _fail(f"--ldc-until: {ldc_until!r} is not a date written YYYY-MM-DD (or 'none')")
    if itu_region is not None and itu_region not in ITU_REGIONS:
        _fail(f"--itu-region: {itu_region!r} is not one of {', '.join(ITU_REGIONS)}")
    command = CorrectCountry(iso3.strip().upper(), ldc=ldc, ldc_until=until,
                             clear_ldc_until=ldc_until is not None and until is None, lldc=lldc, sids=sids,
                             itu_region=itu_region)
    try:
        country = _run(_with_uow(lambda uow: correct_country(command, uow, utcnow())))
    except UnknownCountry:
        _fail(f"{command.iso3} is not an ISO 3166 alpha-3 code in the country table")
    graduation = ""
    if country.ldc and country.ldc_until:  # the date said as past once it is (operator tester: "until" a day gone)
        graduation = (f", an LDC until {country.ldc_until.isoformat()}" if country.in_group("ldc", utcnow().date())
                      else f", graduated from the LDCs on {country.ldc_until.isoformat()} (an LDC before that day)")
    typer.echo(f"{country.iso3}: ldc={int(country.ldc)}{graduation}, lldc={int(country.lldc)}, "
               f"sids={int(country.sids)}, itu_region={country.itu_region or '-'} (database {_database_named()})")


EXPORT_FORMATS = ("xlsx", "csv")


@app.command("export")
def export_command(
    kind: Annotated[str, typer.Argument(help="pledges or reports")],
    output: Annotated[Path, typer.Option("--output", help="File to write (a new one unless --force).")],
    file_format: Annotated[str | None, typer.Option(
        "--format", help="xlsx or csv (default: the output's suffix, .csv or .xlsx; else xlsx)")] = None,
    scope: Annotated[str, typer.Option("--scope", help="e.g. 'region africa' (default: everything)")] = "everything",
    language: Annotated[str, typer.Option("--language", help="ar, en, es, fr, ru or zh")] = "en",
    force: Annotated[bool, typer.Option("--force", help="Overwrite the output if it exists.")] = False,
) -> None:
    """Write the pledges (with their last report) or the reports of a scope to a file."""
    from bot.i18n import Catalogs, Renderer
    from handlers.digests.admin import export
    from models.scope import ScopeError, parse_scope

    if language not in LANGUAGES:
        _fail(f"--language {language[:10]!r}: one of {', '.join(LANGUAGES)}")
    suffix = output.suffix.lower().removeprefix(".")
    file_format = file_format or (suffix if suffix in EXPORT_FORMATS else "xlsx")
    if kind not in ("pledges", "reports") or file_format not in EXPORT_FORMATS:
        _fail("export pledges|reports --format xlsx|csv --output FILE")
    if suffix in EXPORT_FORMATS and suffix != file_format:
        _fail(f"--format {file_format} but {output} ends in .{suffix}: give a file ending in .{file_format}")
    if output.exists() and not force:
        _fail(f"{output} exists already: give a new file, or --force to overwrite it")
    if not output.parent.is_dir():
        _fail(f"the folder {output.parent} does not exist: create it first")
    try:
        parsed = parse_scope(scope)
    except ScopeError as error:
        _fail(str(error))
    renderer = Renderer(Catalogs())
    content = _run(_with_uow(lambda uow: export(kind, file_format, parsed, language, uow,
                                                lambda label, locale: renderer.label(label, locale, markup=False))))
    try:
        _write_private(output, content, replace=force)
    except OSError as error:
        _fail(f"cannot write {output}: {error.strerror}")
    typer.echo(f"{output}: {len(content)} bytes (database {_database_named()})")


def _write_private(path: Path, content: bytes, *, replace: bool) -> None:
    """Write a file only its owner may read (0600: exports name people and organisations); an existing one only
    if `replace`, and then made 0600 too (an operator's --force over a file readable by all kept it so), never
    through a symbolic link where the system can refuse one (POSIX). O_BINARY where there is one (Windows): without
    it every newline byte of the spreadsheet (a zip) was written as two (a review)."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0) \
        | (os.O_TRUNC if replace else os.O_EXCL)
    with os.fdopen(os.open(path, flags, 0o600), "wb") as file:
        if hasattr(os, "fchmod"):  # POSIX (Windows has no owner-only mode to set this way)
            os.fchmod(file.fileno(), 0o600)
        file.write(content)


INVITATION_DAYS = range(1, 366)
"""How long an invitation made on the command line may last: a day to a year."""


@invite_app.command("create")
def invite_create(
    entity: Annotated[str, typer.Option(help="Name of the entity (created, validated, if new in that country).")],
    role: Annotated[Role, typer.Option(help="focal_point or coordinator")] = Role.focal_point,
    sector: Annotated[Sector, typer.Option(help="Sector, when the entity is new.")] = Sector.other,
    country: Annotated[str | None, typer.Option(
        help="ISO 3166 alpha-3 code: which organisation of that name (one a country), or the new one's.")] = None,
    days: Annotated[int, typer.Option(help="Days before the invitation expires.")] = 14,
    bot_username: Annotated[str | None, typer.Option(help="Bot username for the link (default: ask getMe).")] = None,
) -> None:
    """Print a single-use deep link that binds whoever opens it to the entity and role."""
    from handlers.admin import CreateInvite, InvalidName, WhichOrganisation, invite
    from handlers.invites import INVITABLE, deep_link
    from models.geography import load_country_table
    from models.repositories.base import InsertedMeanwhileError

    if role not in INVITABLE:
        _fail("invitations are for focal_point or coordinator; use `p2c-bot admin grant` for staff and admin")
    if not entity.strip():
        _fail("--entity: give the organisation's name")
    if days not in INVITATION_DAYS:
        _fail(f"--days {days}: an invitation lasts {INVITATION_DAYS.start} to {INVITATION_DAYS.stop - 1} days")
    if country is not None and country.upper() not in load_country_table():
        _fail(f"{country} is not an ISO 3166 alpha-3 code in the country table")
    settings = _settings()
    username = bare_username(bot_username) or settings.bot_username or _run(_ask_username(settings))
    command = CreateInvite(entity, role, sector, country.upper() if country else None, timedelta(days=days))
    try:
        token, found, created = _run(_with_uow(lambda uow: invite(command, uow, utcnow())))
    except WhichOrganisation as which:
        _fail(f"organisations of that name are registered in other countries ({which}): give --country, the one "
              "meant or the new one's")
        raise
    except InvalidName as refused:
        _fail(f"--entity: {refused}")
        raise
    except InsertedMeanwhileError:  # a registration in the chat at that very moment
        _fail("--entity: an organisation of that name and country was registered meanwhile: run the command again "
              "to invite to it")
        raise
    if created:  # in which country: a code mistyped makes a new organisation of a name known elsewhere
        typer.echo(f"created entity no. {found.id} “{found.name}” ({found.country_iso3 or 'international'}, "
                   "validated)", err=True)
    typer.echo(f"invitation recorded in the database {_database_named()}", err=True)  # the link alone on stdout
    typer.echo(deep_link(username, token))


AUDIENCE_HELP = ("Segments: everyone, role:staff, sector:academia, group:ldc (organisations based in LDCs; also "
                 "lldc, sids), targets:ldc (organisations with a pledge that targets LDCs; also lldc, sids), "
                 "itu:africa, focus:access, lang:fr, overdue.")


@broadcast_app.command("send")
def broadcast_send(
    text: Annotated[list[str], typer.Option(help="LANG=TEXT (Telegram HTML), once per language.")],
    audience: Annotated[list[str] | None, typer.Option(help=AUDIENCE_HELP)] = None,
    fallback: Annotated[str | None, typer.Option(
        help="Language for people whose language has no text: one of the --text languages (default: the first).")
    ] = None,
    created_by: Annotated[int | None, typer.Option(help="Telegram id of the staff member it is from.")] = None,
) -> None:
    """Send a broadcast now, through the same service as the chat composer; prints its id."""
    from handlers.broadcasts.audience import SEGMENTS
    from handlers.broadcasts.service import BroadcastError, CreateBroadcast, create_broadcast
    from handlers.colleagues import is_staff
    from handlers.people import find_contact

    texts = _broadcast_texts(text)
    audience = audience or ["everyone"]
    unknown = [segment for segment in audience if segment not in SEGMENTS]
    if unknown:
        _fail(f"unknown audience segment(s): {', '.join(unknown)}")

    async def go(uow: Any) -> int:
        async with uow:
            creator = await find_contact(uow.session, created_by) if created_by is not None else None
            if created_by is not None and (creator is None or not is_staff(creator)):
                raise BroadcastError(f"--created-by {created_by}: no staff member or admin has this Telegram id "
                                     "(`p2c-bot admin grant ID staff` makes one)")
            command = CreateBroadcast(list(audience), texts, fallback, created_by=creator.id if creator else None)
            now = utcnow()
            broadcast = await create_broadcast(uow.session, command, now, now.date(), _settings().default_locale)
            await uow.commit()
            assert broadcast.id is not None
            return broadcast.id

    try:
        broadcast_id = _run(_with_uow(go))
    except BroadcastError as error:
        _fail(str(error))
    typer.echo(f"broadcast recorded in the database {_database_named()}", err=True)  # its id alone on stdout
    typer.echo(broadcast_id)


def _broadcast_texts(items: list[str]) -> dict[str, str]:
    """The --text options as language → text; a malformed one stops the command (nothing silently dropped)."""
    texts: dict[str, str] = {}
    for item in items:
        language, equals, body = item.partition("=")
        language = language.strip()
        if not equals:
            _fail(f"--text takes LANG=TEXT, e.g. --text 'en=Hello': got {item[:40]!r}")
        elif language not in LANGUAGES:
            _fail(f"--text {language[:10]!r}: the language must be one of {', '.join(LANGUAGES)}")
        elif language in texts:
            _fail(f"--text {language} is given twice")
        elif not body.strip():
            _fail(f"--text {language} is empty")
        texts[language] = body
    return texts


@broadcast_app.command("status")
def broadcast_status(broadcast_id: int) -> None:
    """Print a broadcast's delivery figures as one JSON object."""
    import json

    from handlers.broadcasts.service import delivery_counts
    from models.repositories.broadcasts import Broadcasts

    async def go(uow: Any) -> dict[str, Any]:
        async with uow:
            broadcast = await Broadcasts(uow.session).get(broadcast_id)
            if broadcast is None:
                return {}
            counts = await delivery_counts(uow.session, broadcast_id)
            return {"id": broadcast_id, "status": broadcast.status, "recipients": broadcast.recipients,
                    "sent": counts.get("sent", 0), "failed": counts.get("failed", 0),
                    "unreachable": counts.get("unreachable", 0) + broadcast.progress.get("unreachable_at_start", 0),
                    "pending": counts.get("pending", 0) + counts.get("sending", 0),
                    "cancelled": counts.get("cancelled", 0)}

    figures = _run(_with_uow(go))
    if not figures:
        _fail(f"no broadcast {broadcast_id}")
    typer.echo(json.dumps(figures))


async def _ask_username(settings: Settings) -> str:
    """The bot's username, from the Bot API's getMe over plain HTTP: importing aiogram for this one call took most of
    `invite create`'s time (it builds a model of every Bot API type, seconds on a small host)."""
    import aiohttp

    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session, \
                session.get(f"{settings.api_base}/bot{settings.token()}/getMe") as response:
            answer = await response.json(content_type=None)
            status = response.status
        if isinstance(answer, dict) and answer.get("ok") is False:
            said = " ".join(str(answer.get("description") or "no description").split())[:120]
            raise ConfigError(f"the Bot API refused getMe ({status}: {said}): check "
                              "P2C_BOT_TOKEN, or pass --bot-username or set P2C_BOT_USERNAME")
        return str(answer["result"]["username"])
    except (aiohttp.ClientError, TimeoutError, ValueError, LookupError, TypeError) as error:
        # the error's name only: the URL holds the token
        raise ConfigError(f"could not ask the Bot API for the bot's username ({type(error).__name__}); "
                          "pass --bot-username or set P2C_BOT_USERNAME") from None


async def _with_uow(work: Any) -> Any:

    database = _database()
    try:
        from bot.schema import ensure_schema

        await ensure_schema(database, _settings().auto_upgrade)
        return await work(database.uow())
    finally:
        await database.dispose()


def main() -> None:
    """Console entry point."""
    app(prog_name="p2c-bot")


if __name__ == "__main__":
    main()
