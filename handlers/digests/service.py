"""Building a digest for one person and writing it to the outbox: text, then chart, then spreadsheet.

Every figure, list and file is limited to the reader's scope (`scope_for`, checked here, in the service
layer). The chart and the spreadsheet are made once per scope and language in a run and stored
(models.repositories.subscriptions.Files); delivery uploads them when it sends the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers import outbox
from handlers.digests.chart import has_chart, render_chart
from handlers.digests.content import digest_reply, scope_label
from handlers.digests.sheet import CSV_TYPE, XLSX_TYPE, separator, write_csv, write_xlsx
from handlers.messages import N_, Label, Reply, Text, reply_to_json
from handlers.report_reminders import rescope_escalations
from models.database import Session
from models.reporting import latest_due_periods
from models.repositories.digests import (
    DIGEST_PARTS,
    WRITTEN_IN,
    DigestFigures,
    Figures,
    drop_unbegun,
    held_languages,
    lock_pending_digests,
)
from models.repositories.entities import Entities
from models.repositories.outbox import BULK, NOTICE, OutboxRows
from models.repositories.people import SCHEDULED_DIGEST_KEY_PREFIX
from models.repositories.reminders import Reminders
from models.repositories.subscriptions import Files, Scopes, Subscriptions
from models.scope import EVERYTHING, Scope, ScopeKind, is_entity_number
from models.tables import Contact
from models.values import Role

Translate = Callable[[Label, str], str]
RTL = frozenset({"ar"})


async def scope_name(session: Session, scope: Scope) -> Label:
    """What a scope covers, in the reader's language, an organisation by its name."""
    entity = await Entities(session).get(int(scope.values[0])) \
        if scope.kind is ScopeKind.entity and is_entity_number(scope.values[0]) else None
    return scope_label(scope, entity.name if entity is not None else None)


async def tell_scope(session: Session, coordinator: Contact, scope: Scope, key: str) -> None:
    """Tell a coordinator, in their language, that staff set the scope their digests and exports cover. Not one who
    never wrote to the bot (a role granted from the command line): Telegram delivers nothing to a person who has not
    started the bot, and the language they read is not known yet; /digest shows them the scope when they come.
    What was written for the scope they had and waits for their working hours is brought to this one
    (`rescope_held`)."""
    await rescope_held(session, coordinator, scope)
    if coordinator.last_seen_at is None:
        return
    message = Text(N_("BDT set the scope of your digests to: {scope}. From now on your digests and /export cover "
                      "these pledges."), {"scope": await scope_name(session, scope)})
    await outbox.enqueue(session, coordinator, Reply((message,)), key, priority=NOTICE)


async def rescope_held(session: Session, contact: Contact, scope: Scope | None) -> None:
    """After staff changed what the person may see (`scope`: now; None: nothing, their role gone), what was written
    for what they could see before and waits for their working hours is not sent: a tester's coordinator, given one
    organisation, then read a whole sector's digest, and one whose role was revoked read everything's. Their
    scheduled digests not begun are dropped, and the period is written again for the scope they have now (from
    where the dropped one began); their escalations keep only the pledges of the scope."""
    if contact.id is None:
        return
    await drop_held(session, contact)
    await rescope_escalations(Reminders(session), contact.id, scope)


async def drop_held(session: Session, contact: Contact, *, chosen_at: datetime | None = None,
                    language: str | None = None) -> None:
    """Drop the person's scheduled digest written and not begun (waiting for their working hours), and count the
    next one from where the dropped one began: nothing it would have said is lost. `chosen_at`: the moment the
    person chose a new cadence (the next digest is owed under it from then); without it, the dropped period is owed
    again, written for what the person may see now. `language`: the person chose it; only a digest written in
    another is dropped, and only when its period can be written again (from where it began: a subscription kept
    from before 0022 cannot say, and keeps it)."""
    if contact.id is None:
        return
    subscriptions = Subscriptions(session)
    # the subscription first, as the digest job locks it, then the rows: the other order could deadlock (a review)
    subscription = await subscriptions.of(contact.id, for_update=True)
    prefix = f"{SCHEDULED_DIGEST_KEY_PREFIX}{contact.id}:"
    if language is not None and (subscription is None or subscription.covering_from is None
                                 or await held_languages(session, contact.chat_id, prefix) <= {language}):
        return
    await lock_pending_digests(session, contact.chat_id, prefix)
    if not await drop_unbegun(session, contact.chat_id, prefix):
        return
    if subscription is not None and subscription.covering_from is not None:
        began = subscription.covering_from
        subscription.last_sent_at, subscription.last_period = began, None
        subscription.updated_at = chosen_at or began
        await subscriptions.save(subscription)


async def scope_changed(session: Session, contact: Contact, before: Scope | None) -> None:
    """After the person's role changed: `rescope_held` when what they may see is no longer `before`."""
    after = await scope_for(session, contact)
    if after != before:
        await rescope_held(session, contact, after)


async def scope_for(session: Session, contact: Contact) -> Scope | None:
    """What the person may see: everything for staff and admins, their scope for coordinators, else None."""
    if contact.role in (Role.staff, Role.admin):
        return EVERYTHING
    if contact.role == Role.coordinator and contact.id is not None:
        return await Scopes(session).of(contact.id)
    return None


@dataclass
class Made:
    """Files already made in this run, by (scope, language, the readers' day): a thousand digests share a few charts."""

    files: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    figures: dict[tuple[str, date], Figures] = field(default_factory=dict)
    """What depends on the scope alone (totals, breakdowns, reporting), by scope and day; changes are per reader."""
    names: dict[str, Label] = field(default_factory=dict)
    """Each scope's name (scope_name), by scope."""

    async def name(self, session: Session, scope: Scope) -> Label:
        """scope_name, read once a run for each scope."""
        if scope.key not in self.names:
            self.names[scope.key] = await scope_name(session, scope)
        return self.names[scope.key]


async def make_files(session: Session, scope: Scope, figures: Figures, locale: str, today: date, now: datetime,
                     translate: Translate, made: Made) -> tuple[int, int]:
    """The ids of the chart and spreadsheet of this scope in this language, made and stored unless already."""
    return (await make_chart(session, scope, figures, locale, today, now, translate, made),
            await make_sheet(session, scope, locale, today, now, translate, made))


async def make_chart(session: Session, scope: Scope, figures: Figures, locale: str, today: date, now: datetime,
                     translate: Translate, made: Made) -> int:
    """The id of the chart of this scope in this language, made and stored unless already."""
    key = (scope.key, locale, today.isoformat(), "chart")  # the reader's day: it decides which reports are overdue
    if (chart := made.files.get(key)) is None:
        title = translate(Text(N_("Partner2Connect: {scope}"), {"scope": await made.name(session, scope)}), locale)
        png = render_chart(figures, locale, lambda label: translate(label, locale), title)
        chart = made.files[key] = await Files(session).add(f"p2c-chart-{today.isoformat()}.png", "image/png", png,
                                                           now)
    return chart


async def make_sheet(session: Session, scope: Scope, locale: str, today: date, now: datetime, translate: Translate,
                     made: Made) -> int:
    """The id of the spreadsheet of this scope in this language, made and stored unless already."""
    key = (scope.key, locale, today.isoformat(), "sheet")
    if (sheet := made.files.get(key)) is None:
        content = await export_xlsx(session, scope, locale, translate, today)
        sheet = made.files[key] = await Files(session).add(f"p2c-pledges-{today.isoformat()}.xlsx", XLSX_TYPE,
                                                           content, now)
    return sheet


async def export_xlsx(session: Session, scope: Scope, locale: str, translate: Translate, today: date) -> bytes:
    """The scope's pledges and reports as an XLSX in the reader's language, on the reader's `today` (which reports
    are overdue)."""
    figures = DigestFigures(session, today)
    pledges = figures.pledge_rows(scope, latest_due_periods(today))
    return await write_xlsx((("pledges", pledges), ("reports", figures.report_rows(scope))),
                            lambda label: translate(label, locale), locale in RTL, separator(locale),
                            await figures.own_places(scope))


async def export_csv(session: Session, scope: Scope, kind: str, locale: str, translate: Translate,
                     today: date) -> bytes:
    """One table of the scope as CSV in the reader's language: "pledges" (which owe a report on `today`) or
    "reports"."""
    figures = DigestFigures(session, today)
    rows = figures.pledge_rows(scope, latest_due_periods(today)) if kind == "pledges" else figures.report_rows(scope)
    return await write_csv(rows, kind, lambda label: translate(label, locale), separator(locale))


async def enqueue_digest(session: Session, contact: Contact, scope: Scope, locale: str, key: str, *,
                         since: datetime | None, now: datetime, zone: str, translate: Translate, made: Made,
                         priority: int = BULK, not_before: datetime | None = None,
                         hours: Mapping[str, object] | None = None) -> bool:
    """Write one digest (text, chart, spreadsheet) to the outbox under `key`; False if it was there already.
    `hours` (`working_hours`, and `superseded_at`: a scheduled digest) binds its three rows to the reader's working
    hours: delivery checks them again when it takes a row, so that one still waiting when those hours ended (the bot
    was down) waits for the next morning, with the parts that follow it; and to the next digest's moment, from which
    they wait for the digest job to replace them."""
    assert contact.id is not None
    today = now.astimezone(ZoneInfo(zone)).date()
    start = since or now - timedelta(days=7)
    aggregates = DigestFigures(session, today)
    known = made.figures.get((scope.key, today))
    if known is None:
        figures = made.figures[(scope.key, today)] = await aggregates.figures(scope, start, latest_due_periods(today),
                                                                              today=today)
    else:
        figures = await aggregates.changes_since(known, scope, start)
    named = await made.name(session, scope)
    text = digest_reply(figures, named, today, start.astimezone(ZoneInfo(zone)).replace(second=0, microsecond=0)
                        if since else None)
    rows = OutboxRows(session)
    text_part, chart_part, sheet_part = DIGEST_PARTS  # drop_superseded knows a digest by them
    held = {**(hours or {}), WRITTEN_IN: locale}  # its chart and sheet are in that language (drop_held)
    first = await rows.enqueue(f"{key}:{text_part}", contact.chat_id, contact.id,
                               {"reply": reply_to_json(text), **held}, priority=priority, now=now,
                               not_before=not_before)
    if first is None:
        return False
    files: list[tuple[str, str, int, Label]] = []
    if has_chart(figures):  # nothing to draw (no value pledged, no report due): the text says so, and no chart
        chart = await make_chart(session, scope, figures, locale, today, now, translate, made)
        files.append((chart_part, "photo", chart, Text(N_("Pledged value and reporting, {scope}"), {"scope": named})))
    if figures.pledges or await aggregates.lists_any(scope):  # those waiting for BDT, say, are listed still
        sheet = await make_sheet(session, scope, locale, today, now, translate, made)
        files.append((sheet_part, "document", sheet, Text(N_("Every pledge of your scope, with its last report"))))
    for suffix, kind, file_id, caption in files:
        payload = {"reply": reply_to_json(Reply((caption,))), "upload": {"kind": kind, "file": file_id}, **held}
        await rows.enqueue(f"{key}:{suffix}", contact.chat_id, contact.id, payload, priority=priority, now=now,
                           not_before=not_before)
    return True


async def enqueue_export(session: Session, contact: Contact, scope: Scope, locale: str, key: str, now: datetime,
                         today: date, translate: Translate, priority: int, file_format: str = "xlsx") -> None:
    """Write the scope's spreadsheet to the outbox as a document for the person (`today`: their day): one XLSX with
    both sheets, or (`file_format` "csv") the pledges and the reports as two CSV files, a CSV holding one table."""
    assert contact.id is not None
    rows, files = OutboxRows(session), Files(session)
    if file_format == "csv":
        for kind, title in (("pledges", CSV_PLEDGES), ("reports", CSV_REPORTS)):
            content = await export_csv(session, scope, kind, locale, translate, today)
            file_id = await files.add(f"p2c-{kind}-{today.isoformat()}.csv", CSV_TYPE, content, now)
            payload = {"reply": reply_to_json(Reply((Text(title),))), "upload": {"kind": "document", "file": file_id}}
            await rows.enqueue(f"{key}:{kind}", contact.chat_id, contact.id, payload, priority=priority, now=now)
        return
    content = await export_xlsx(session, scope, locale, translate, today)
    file_id = await files.add(f"p2c-pledges-{today.isoformat()}.xlsx", XLSX_TYPE, content, now)
    caption = Text(N_("Every pledge of your scope, with its last report"))
    payload = {"reply": reply_to_json(Reply((caption,))), "upload": {"kind": "document", "file": file_id}}
    await rows.enqueue(key, contact.chat_id, contact.id, payload, priority=priority, now=now)


CSV_PLEDGES = N_("Every pledge of your scope, with its last report (CSV)")
CSV_REPORTS = N_("Every progress report in force in your scope (CSV)")
