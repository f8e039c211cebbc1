"""SQLModel tables: what the bot stores. Times are naive UTC."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.clock import utcnow
from models.values import BroadcastStatus, EntityStatus, OutboxStatus, PledgeStatus, ReportingCadence, ThreadStatus


def _json(default: Any = None) -> Any:
    """A JSON column that is never NULL."""
    return Field(default_factory=lambda: default() if callable(default) else default,
                 sa_column=sa.Column(sa.JSON, nullable=False))


def _bigint(**kw: Any) -> Any:
    """A 64-bit integer column (Telegram ids exceed 32 bits)."""
    return Field(sa_type=sa.BigInteger, **kw)


class Entity(SQLModel, table=True):
    """A pledging organisation; validated by staff before its pledges are published."""

    # one organisation of a name in a country ("Ministry of ICT" is one in Ghana, another in Kenya); one
    # international organisation of a name is kept so by the registration only (NULLs are distinct in a unique
    # index, and an index on coalesce(country_iso3, '') is one SQLite's reflection skips, so that a later batch
    # migration of this table would drop it without a word)
    __table_args__ = (sa.Index("uq_entity_name_key_country", "name_key", "country_iso3", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200, index=True)
    sector: str = Field(max_length=32)
    country_iso3: str | None = Field(default=None, max_length=3)
    status: str = Field(default=EntityStatus.pending, max_length=16, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    validated_at: datetime | None = None


class Contact(SQLModel, table=True):
    """A person who talks to the bot (one Telegram user, one private chat)."""

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = _bigint(unique=True, index=True)
    chat_id: int = _bigint()
    first_name: str = Field(default="", max_length=128)
    last_name: str | None = Field(default=None, max_length=128)
    username: str | None = Field(default=None, max_length=64)
    full_name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=8)
    telegram_language: str | None = Field(default=None, max_length=16)
    timezone: str | None = Field(default=None, max_length=64)
    """The IANA zone the person chose with /settings; None: guessed from their entity's country."""
    optional_reminders: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    """False when the person turned off the reminders that can be missed (/settings)."""
    role: str | None = Field(default=None, max_length=16, index=True)
    entity_id: int | None = Field(default=None, foreign_key="entity.id", index=True)
    consent_at: datetime | None = None
    consent_withdrawn_at: datetime | None = None
    """Set when the person withdrew their consent to non-essential messages (announcements, digests) in /settings."""
    forgotten_at: datetime | None = None
    """Set when the person asked to be forgotten (/forget): the row stays, without anything that names them, so
    that the pledges, reports and audit rows it is the author of stay whole ("a former focal point")."""
    blocked: bool = Field(default=False, index=True)
    last_seen_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    held: list[dict[str, Any]] | None = Field(default=None, sa_column=sa.Column(sa.JSON(none_as_null=True)))
    """The parts of a long text the person pasted, kept until its continuation comes or the hold runs out
    (handlers.pastes): each part's update id, origin, text, time received and the message it replied to."""
    held_at: datetime | None = Field(default=None, index=True)
    """When the last part of `held` was received: whoever hands the text over claims it with this value unchanged."""
    menu: str | None = Field(default=None, max_length=40)
    """The command menu last set in the person's chat (bot.telegram.ChatMenus.key: its role, language and a digest of
    its commands), so that a restart does not set it again; None: none set, or not known to be."""


class Invite(SQLModel, table=True):
    """A single-use, expiring invitation that binds a person to an entity and role."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    entity_id: int = Field(foreign_key="entity.id")
    role: str = Field(max_length=16)
    created_by: int | None = Field(default=None, foreign_key="contact.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    used_by: int | None = Field(default=None, foreign_key="contact.id")


class Pledge(SQLModel, table=True):
    """A commitment made to P2C by an entity, with its lifecycle."""

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, max_length=20, unique=True)
    entity_id: int = Field(foreign_key="entity.id", index=True)
    created_by: int | None = Field(default=None, foreign_key="contact.id")
    primary_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    """The focal point reminders go to first (the submitter unless handed over); None: the submitter."""
    title: str = Field(max_length=200)
    description: str = Field(max_length=4000)
    focus_area: str = Field(max_length=32)
    pillars: list[str] = _json(list)
    pledge_type: str = Field(max_length=16)
    value_usd: Decimal | None = Field(default=None, sa_type=sa.Numeric(18, 2))
    countries: list[str] = _json(list)
    beneficiary_groups: list[str] = _json(list)
    target_value: Decimal | None = Field(default=None, sa_type=sa.Numeric(20, 2))
    target_unit: str | None = Field(default=None, max_length=100)
    target_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    sdgs: list[int] = _json(list)
    wsis_action_lines: list[str] = _json(list)
    status: str = Field(default=PledgeStatus.draft, max_length=20, index=True)
    language: str = Field(default="en", max_length=8)
    reporting_cadence: str = Field(default=ReportingCadence.annual, max_length=16)
    previous_cadence: str | None = Field(default=None, max_length=16)
    """The cadence of the periods before `cadence_since` (models.reporting.cadence_change); None: no change."""
    cadence_since: date | None = None
    """The first day of the first period in `reporting_cadence`, after a change; None: from the start."""
    targets_ldc: bool = False
    targets_lldc: bool = False
    targets_sids: bool = False
    itu_regions: list[str] = _json(list)
    staff_comment: str | None = Field(default=None, max_length=4000)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None
    validated_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class ProgressReport(SQLModel, table=True):
    """What an entity reports on a pledge for one period."""

    __tablename__ = "progress_report"

    # one current report per pledge and period; a replaced one stays in the history (is_current false)
    __table_args__ = (sa.Index("uq_progress_report_current", "pledge_id", "period", unique=True,
                               sqlite_where=sa.text("is_current"), postgresql_where=sa.text("is_current")),)

    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True)
    period: str = Field(max_length=10)
    status: str = Field(max_length=16)
    percent_complete: int = 0
    value_disbursed_usd: Decimal | None = Field(default=None, sa_type=sa.Numeric(18, 2))
    target_achieved: Decimal | None = Field(default=None, sa_type=sa.Numeric(20, 2))
    beneficiaries_reached: int | None = Field(default=None, sa_type=sa.BigInteger)
    women_share_percent: int | None = None
    steps_taken: str = Field(max_length=4000)
    challenges: str | None = Field(default=None, max_length=4000)
    partnership_needs: str | None = Field(default=None, max_length=4000)
    evidence: list[dict[str, Any]] = _json(list)
    submitted_by: int | None = Field(default=None, foreign_key="contact.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    is_current: bool = True
    replaced_by: int | None = Field(default=None, foreign_key="progress_report.id")
    review_status: str = Field(default="submitted", max_length=24)
    """submitted, acknowledged or clarification_requested (models.values.ReviewStatus)."""
    staff_comment: str | None = Field(default=None, max_length=1500)
    version: int = 1
    updated_at: datetime | None = None


class Draft(SQLModel, table=True):
    """A half-filled form, saved at every step so that it survives restarts and can be resumed."""

    __table_args__ = (sa.UniqueConstraint("contact_id", "form_id"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    form_id: str = Field(max_length=32)
    step_id: str = Field(max_length=64)
    state: dict[str, Any] = _json(dict)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)
    reminded_at: datetime | None = None


OUTBOX_OPEN = "status IN ('pending', 'sending')"
"""The condition of the partial index of open outbox rows (ix_outbox_open), as a query must say it word for word for
SQLite to use that index (models.repositories.outbox.is_open)."""


class Outbox(SQLModel, table=True):
    """One message to send; written in the transaction of the change it follows from."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=128, unique=True)
    chat_id: int = _bigint()
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    priority: int = Field(default=0)
    payload: dict[str, Any] = _json(dict)
    status: str = Field(default=OutboxStatus.pending, max_length=16)
    attempts: int = 0
    not_before: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    telegram_message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    last_error: str | None = Field(default=None, max_length=500)
    broadcast_id: int | None = Field(default=None, index=True)
    taken_by: str | None = Field(default=None, max_length=64)
    """The delivery instance that took the row for sending (models.database.Database.instance)."""

    __table_args__ = (sa.Index("ix_outbox_due", "status", "priority", "not_before"),
                      sa.Index("ix_outbox_chat_id", "chat_id", "id"),
                      sa.Index("ix_outbox_open", "chat_id", "id", sqlite_where=sa.text(OUTBOX_OPEN),
                               postgresql_where=sa.text(OUTBOX_OPEN)))
    """ix_outbox_chat_id: a chat's rows newest first (its latest message, the message a Telegram id names), read
    backwards from the end without sorting them; ix_outbox_open: a chat's open rows, the few that the order of its
    messages depends on (the earlier rows a claim or a pushed reply must not overtake, models.repositories.outbox),
    without reading the sent ones kept 90 days."""


class ProcessedUpdate(SQLModel, table=True):
    """Updates already handled, by their key (handlers.inputs.Incoming.key), so a redelivered update is not
    processed twice; kept a week (models.retention)."""

    __tablename__ = "processed_update"

    update_key: int = Field(sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    processed_at: datetime = Field(default_factory=utcnow, index=True)


class AuditLog(SQLModel, table=True):
    """Who did what to which record, and when; also refused attempts."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    action: str = Field(max_length=64, index=True)
    target_type: str | None = Field(default=None, max_length=32)
    target_id: int | None = None
    at: datetime = Field(default_factory=utcnow, index=True)
    details: dict[str, Any] = _json(dict)


class Country(SQLModel, table=True):
    """The project's dated country table: groups and regions, correctable by staff."""

    iso3: str = Field(primary_key=True, max_length=3)
    iso2: str = Field(max_length=2)
    m49: int
    ldc: bool = False
    lldc: bool = False
    sids: bool = False
    region_code: int | None = None
    subregion_code: int | None = None
    itu_region: str | None = Field(default=None, max_length=16)
    ldc_until: date | None = None
    """The day the country left the LDC category, when `ldc` is still set: an LDC before it, not from it on."""
    as_of: date
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="contact.id")

    def in_group(self, group: str, day: date) -> bool:
        """Whether the country is of the group ("ldc", "lldc", "sids") on `day`."""
        if group == "ldc":
            return self.ldc and (self.ldc_until is None or day < self.ldc_until)
        return bool(getattr(self, group))


class Broadcast(SQLModel, table=True):
    """An announcement by staff to a segment of stakeholders, each reading it in their own language."""

    id: int | None = Field(default=None, primary_key=True)
    created_by: int | None = Field(default=None, foreign_key="contact.id")
    audience: list[str] = _json(list)
    texts: dict[str, str] = _json(dict)
    fallback: str = Field(default="en", max_length=8)
    attachment: dict[str, str] | None = Field(default=None, sa_column=sa.Column(sa.JSON, nullable=True))
    status: str = Field(default=BroadcastStatus.scheduled, max_length=16, index=True)
    scheduled_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    recipients: int = 0
    progress: dict[str, int] = _json(dict)


class PledgeReminder(SQLModel, table=True):
    """Which of a period's scheduled reminders a pledge's focal points were given, and when to look again: one
    row per pledge, read beside it; the kinds of an earlier period are forgotten when the next begins."""

    __tablename__ = "pledge_reminder"

    pledge_id: int = Field(foreign_key="pledge.id", primary_key=True)
    period: str = Field(max_length=10)
    kinds: str = Field(default="", max_length=64)
    """The kinds given for `period`, comma-separated (before, due, week1, week2)."""
    next_on: date | None = None
    """The next day planning must look at this pledge, unless a report or an edit comes first."""
    updated_at: datetime = Field(default_factory=utcnow)
    """When planning last looked at the pledge (reports and edits after it make it look again)."""


class ReminderHold(SQLModel, table=True):
    """A person's wish about a pledge's reminders: later (until a time) or never (not their pledge any more)."""

    __tablename__ = "reminder_hold"
    __table_args__ = (sa.UniqueConstraint("contact_id", "pledge_id"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True)
    reason: str = Field(max_length=16)
    until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
class CoordinatorScope(SQLModel, table=True):
    """What a coordinator sees: everything, an ITU region, some countries, a sector or one entity (set by staff)."""

    __tablename__ = "coordinator_scope"
    contact_id: int = Field(foreign_key="contact.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    kind: str = Field(max_length=16)
    values: list[str] = _json(list)
    set_by: int | None = Field(default=None, foreign_key="contact.id")
    set_at: datetime = Field(default_factory=utcnow)


class DigestSubscription(SQLModel, table=True):
    """A person's digest: weekly (a day and hour of their zone), monthly (first working day) or off."""

    __tablename__ = "digest_subscription"
    contact_id: int = Field(foreign_key="contact.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    cadence: str = Field(max_length=8)
    weekday: int = 0
    hour: int = 9
    last_period: str | None = Field(default=None, max_length=16)
    last_sent_at: datetime | None = None
    """The moment the previous digest's figures were taken: the next one tells what changed since."""
    covering_from: datetime | None = None
    """Where the previous digest's count of changes began: the next one begins there instead when it replaces the
    previous one, still held unsent (models.repositories.digests.drop_superseded)."""
    updated_at: datetime = Field(default_factory=utcnow)


class GeneratedFile(SQLModel, table=True):
    """A file the bot made for one person (a digest's chart or spreadsheet), uploaded by delivery when sent."""

    __tablename__ = "generated_file"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    mime_type: str = Field(max_length=100)
    content: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class QuestionThread(SQLModel, table=True):
    """A question a person asked BDT, and the conversation that follows it (handlers.helpdesk)."""

    __tablename__ = "question_thread"
    __table_args__ = (sa.Index("ix_question_thread_status_waiting", "status", "waiting_since"),)

    id: int | None = Field(default=None, primary_key=True)
    asker_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    """The person who asked; None once they asked to be forgotten (the thread stays, unattributed)."""
    entity_id: int | None = Field(default=None, foreign_key="entity.id")
    language: str = Field(default="en", max_length=8)
    """The language the person asked in (staff read it as written: no machine translation)."""
    status: str = Field(default=ThreadStatus.open, max_length=16)
    """open (waiting for staff), answered (waiting for the person) or closed (models.values.ThreadStatus)."""
    owner_id: int | None = Field(default=None, foreign_key="contact.id")
    """The staff member who took the question (compare-and-set: one owner at a time)."""
    waiting_since: datetime = Field(default_factory=utcnow)
    """Since when the thread waits for its current side (the last message of the other side)."""
    reminded_on: date | None = None
    """The last day staff were reminded of this question (once a day at most)."""
    report_id: int | None = Field(default=None, foreign_key="progress_report.id", index=True)
    """The report whose clarification BDT asked for and this question answers (its copies carry the report's
    Acknowledge): the report's acknowledgement settles it."""
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None


class QuestionMessage(SQLModel, table=True):
    """One message of a question thread, from the person or from staff, as written (with its files)."""

    __tablename__ = "question_message"

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="question_thread.id", index=True)
    author_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    """Who wrote it; None once they asked to be forgotten."""
    from_staff: bool = False
    text: str = Field(default="", max_length=4000)
    files: list[dict[str, Any]] = _json(list)
    """[{"kind": "photo" | "document", "file_id": ..., "name": ...}] sent with the message."""
    created_at: datetime = Field(default_factory=utcnow)


class SendBudget(SQLModel, table=True):
    """Telegram's global limit shared by the instances on PostgreSQL: how many messages each tenth of a second
    has handed out (a ring of slots, each reused by a later slice; models.repositories.pacing)."""

    __tablename__ = "send_budget"
    slot: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    slice: int = _bigint()
    """Tenths of a second since the epoch, on PostgreSQL's clock."""
    used: int = 0
    granted: int = 0
    """What the last lease of this slice was given."""


class ChatPace(SQLModel, table=True):
    """Telegram's per-chat limit shared by the instances: the chat's theoretical arrival time (GCRA), in epoch
    seconds on PostgreSQL's clock."""

    __tablename__ = "chat_pace"
    chat_id: int = _bigint(primary_key=True, sa_column_kwargs={"autoincrement": False})
    tat: float = Field(index=True)


class DeliveryInstance(SQLModel, table=True):
    """The instances delivering now (each says so every few seconds): more than one, and the limits are shared."""

    __tablename__ = "delivery_instance"
    name: str = Field(max_length=64, primary_key=True)
    seen_at: float
    """Epoch seconds on PostgreSQL's clock."""
    run: str | None = Field(default=None, max_length=32)
    """The process that last said so under this name (two live ones under one name are a mistake: warned)."""
