"""/pending: what waits for a staff decision, oldest first, with a button to open each one's notification again; and,
for information, the pledges returned for changes that wait for their organisation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handlers import buttons
from handlers.conversation import Conversation
from handlers.entities import is_staff, refuse, registrant_of
from handlers.inputs import Incoming
from handlers.lengths import shorten
from handlers.messages import N_, Button, Code, Concat, Day, Label, Number, Reply, Text, plural, text
from handlers.onboarding import entity_copy_key, entity_notice
from handlers.pledges.notices import shown_again
from handlers.reports.cards import period_label
from handlers.reports.notices import report_copy_key
from handlers.reports.review import replaced
from handlers.reports.service import report_review_notice, sender_of
from models.repositories.contacts import Contacts
from models.repositories.entities import Entities
from models.repositories.reports import Reports
from models.repositories.waiting import Oldest, Waiting
from models.tables import Entity, Pledge, ProgressReport
from models.values import EntityStatus, PledgeStatus, ReviewStatus

SHOWN = 8
"""How many of each kind /pending lists (the oldest): three kinds of eight lines and buttons fit one message."""
NAME = 60
"""How much of a name or title a line shows."""
PAGES = frozenset({"pn:ent:after:<id>", "pn:pl:after:<id>", "pn:rs:after:<id>"})
"""The next page of one kind: the ones that come after record <id>, the last one the page before listed."""
FIRST_PAGE = "pn:list"


@dataclass(frozen=True, slots=True)
class Section:
    """What waits of one kind on one page: its paragraphs, a button per record, a button for the next page."""

    parts: tuple[Label, ...]
    rows: tuple[tuple[Button, ...], ...]
    following: Button | None


async def pending_command(conv: Conversation, incoming: Incoming | None = None) -> None:
    """/pending (staff): organisations, pledges and reports waiting for a decision, oldest first."""
    if not is_staff(conv):
        await refuse(conv, "pending.list")
        return
    waiting = Waiting(conv.session)
    conv.say(pending_reply(await waiting.organisations(SHOWN), await waiting.pledges(SHOWN),
                           await waiting.reports(SHOWN), await waiting.awaiting_changes(SHOWN)))


def _since(moment: datetime | None) -> Label:
    return Day(moment.date()) if moment is not None else "—"


def _section(heading: Text, lines: list[Label], listed: Oldest[Any], rows: Sequence[tuple[Button, ...]],
             following: Text, code: str) -> Section:
    position = (text(N_("These are numbers {first} to {last} in the queue, oldest first."),
                     first=Number(listed.before + 1), last=Number(listed.before + len(lines))),) \
        if listed.before and lines else ()
    more = (plural("… and {count} more.", "… and {count} more.", listed.more),) if listed.more else ()
    parts = (heading, Concat(tuple(piece for index, line in enumerate(lines)
                                   for piece in (("\n", line) if index else (line,)))), *position, *more)
    return Section(parts, tuple(rows), Button(following, code) if listed.more and lines else None)


def organisations_section(organisations: Oldest[Entity]) -> Section:
    """The organisations waiting for validation on this page, with a button each."""
    heading = plural("{count} organisation waits for validation:", "{count} organisations wait for validation:",
                     organisations.count)
    lines: list[Label] = [text(N_("• “{name}” (no. {number}), since {date}"), name=shorten(e.name, NAME),
                               number=Code(str(e.id)), date=_since(e.created_at)) for e in organisations.oldest]
    rows = [(Button(Concat(("🏢 ", shorten(e.name, 30))), f"pn:ent:{e.id}"),) for e in organisations.oldest]
    last = organisations.oldest[-1].id if organisations.oldest else 0
    return _section(heading, lines, organisations, rows, plural(
        "Next {count} organisation ▸", "Next {count} organisations ▸", min(SHOWN, organisations.more)),
        f"pn:ent:after:{last}")


def pledges_section(pledges: Oldest[tuple[Pledge, Entity]]) -> Section:
    """The pledges waiting for a decision on this page, with a button each."""
    heading = plural("{count} pledge waits for a decision:", "{count} pledges wait for a decision:", pledges.count)
    lines: list[Label] = [text(N_("• {ref} “{title}” of “{entity}” (no. {number}), since {date}"),
                               ref=Code(p.ref or ""), title=shorten(p.title, NAME), entity=shorten(e.name, NAME),
                               number=Code(str(e.id)), date=_since(p.submitted_at)) for p, e in pledges.oldest]
    rows = [(Button(Concat(("📄 ", Code(p.ref or ""))), f"pn:pl:{p.id}"),) for p, _ in pledges.oldest]
    last = pledges.oldest[-1][0].id if pledges.oldest else 0
    return _section(heading, lines, pledges, rows, plural(
        "Next {count} pledge ▸", "Next {count} pledges ▸", min(SHOWN, pledges.more)), f"pn:pl:after:{last}")


def reports_section(reports: Oldest[tuple[ProgressReport, Pledge]]) -> Section:
    """The progress reports waiting for acknowledgement on this page, with a button each."""
    heading = plural("{count} progress report waits for acknowledgement:",
                     "{count} progress reports wait for acknowledgement:", reports.count)
    lines: list[Label] = [text(N_("• {ref}, {period}, since {date}"), ref=Code(p.ref or ""),
                               period=period_label(r.period), date=_since(r.created_at)) for r, p in reports.oldest]
    rows = [(Button(Concat(("📊 ", Code(p.ref or ""), " ", period_label(r.period))), f"pn:rs:{r.id}"),)
            for r, p in reports.oldest]
    last = reports.oldest[-1][0].id if reports.oldest else 0
    return _section(heading, lines, reports, rows, plural(
        "Next {count} report ▸", "Next {count} reports ▸", min(SHOWN, reports.more)), f"pn:rs:after:{last}")


def returned_section(returned: Oldest[tuple[Pledge, Entity, datetime]]) -> tuple[Label, ...]:
    """The pledges returned for changes that their organisation has not resubmitted, the longest waiting first, each
    with since when (no button: nothing waits for staff; a reference pasted alone shows the pledge)."""
    if not returned.count:
        return ()
    heading = plural("{count} pledge waits for its organisation's changes:",
                     "{count} pledges wait for their organisations' changes:", returned.count)
    lines = [text(N_("• {ref} of “{entity}” (no. {number}), since {date}"), ref=Code(p.ref or ""),
                  entity=shorten(e.name, NAME // 2), number=Code(str(e.id)), date=_since(asked))
             for p, e, asked in returned.oldest]
    more = (plural("… and {count} more.", "… and {count} more.", returned.more),) if returned.more else ()
    return (heading, Concat(tuple(piece for index, line in enumerate(lines)
                                  for piece in (("\n", line) if index else (line,)))), *more)


PRESS = N_("Press one to see it again with its buttons.")


def pending_reply(organisations: Oldest[Entity], pledges: Oldest[tuple[Pledge, Entity]],
                  reports: Oldest[tuple[ProgressReport, Pledge]],
                  returned: Oldest[tuple[Pledge, Entity, datetime]] | None = None) -> Reply:
    """The /pending answer: a counted section per kind that waits, a line and a button for each of its oldest,
    and a button for the next ones of a kind when more wait; then the pledges `returned` for changes, which wait for
    their organisations."""
    after = returned_section(returned) if returned is not None else ()
    if not (organisations.count or pledges.count or reports.count):
        return Reply((Text(N_("Nothing waits for a decision: every organisation, pledge and report is decided.")),
                      *after))
    parts: list[Label] = []
    rows: list[tuple[Button, ...]] = []
    for waits, section in ((organisations.count, organisations_section(organisations)),
                           (pledges.count, pledges_section(pledges)), (reports.count, reports_section(reports))):
        if waits:
            parts += section.parts
            rows += [*section.rows, *(((section.following,),) if section.following else ())]
    parts.append(Text(PRESS))
    return Reply((*parts, *after), tuple(rows))


def page_reply(section: Section) -> Reply:
    """A later page of one kind: its lines and buttons, the next page's button while more wait, and the first
    page's; nothing listed when none waits after the page before."""
    back = (Button(Text(N_("⏮ Back to the oldest")), FIRST_PAGE),)
    if not section.rows:
        return Reply((Text(N_("Nothing more of that kind waits after those: press below for what still waits, "
                              "oldest first.")),), (back,))
    following = ((section.following,),) if section.following else ()
    return Reply((*section.parts, Text(PRESS)), (*section.rows, *following, back))


async def pending_button(conv: Conversation, code: str) -> None:
    """pn:ent|pl|rs:<id>: the notification of one waiting record again, with its decision buttons;
    pn:ent|pl|rs:after:<id>: the next page of a kind; pn:list: the first page. Staff only."""
    parsed = buttons.parse(code)
    if parsed is not None and (parsed.pattern in PAGES or parsed.pattern == FIRST_PAGE):
        await _page(conv, parsed.verb, parsed.id)
        return
    if not is_staff(conv) or parsed is None or parsed.id is None:
        await refuse(conv, "pending.open", None, parsed.id if parsed else None)
        return
    if parsed.verb == "rs" and await _replaced(conv, parsed.id):
        return
    notices = await notices_of(conv, parsed.verb, parsed.id)
    if not notices:
        conv.say(Reply((Text(N_("That one is decided already: /pending shows what still waits.")),)))
    for notice, copy_of in notices:  # a copy of the staff notification: closed with the others on a decision
        conv.say(notice, copy_of=copy_of)


async def _page(conv: Conversation, kind: str, after: int | None) -> None:
    """A page of /pending read afresh: the first (after None), or the ones of a kind after record `after`."""
    if after is None or not is_staff(conv):
        await pending_command(conv)
        return
    waiting = Waiting(conv.session)
    if kind == "ent":
        section = organisations_section(await waiting.organisations(SHOWN, after))
    elif kind == "pl":
        section = pledges_section(await waiting.pledges(SHOWN, after))
    else:
        section = reports_section(await waiting.reports(SHOWN, after))
    conv.say(page_reply(section))


async def _replaced(conv: Conversation, report_id: int) -> bool:
    """True (and the staff member told, with the current report if it waits) when the report was replaced by a
    newer one of its focal point: not decided, which is what /pending would say of it otherwise."""
    report = await Reports(conv.session).get(report_id)
    pledge = await conv.session.get(Pledge, report.pledge_id) if report is not None else None
    if report is None or pledge is None or report.is_current:
        return False
    await replaced(conv, report, pledge)
    return True


async def notices_of(conv: Conversation, kind: str, record_id: int) -> tuple[tuple[Reply, str | None], ...]:
    """The notification of a waiting record as staff were sent it, each message with the copy key of the staff
    notification it is a copy of (None: a message no decision closes); nothing when it no longer waits."""
    session = conv.session
    if kind == "ent":
        entity = await Entities(session).get(record_id)
        if entity is None or entity.status != EntityStatus.pending:
            return ()
        return ((entity_notice(entity, registrant_of(await Contacts(session).members_of(record_id))),
                 entity_copy_key(record_id)),)
    if kind == "pl":
        pledge = await session.get(Pledge, record_id)
        owner = await Entities(session).get(pledge.entity_id) if pledge is not None else None
        if pledge is None or owner is None or pledge.status != PledgeStatus.submitted:
            return ()
        return await shown_again(session, pledge, owner)  # a resubmission's changes, then the notice
    report = await Reports(session).get(record_id)
    pledge = await session.get(Pledge, report.pledge_id) if report is not None else None
    owner = await Entities(session).get(pledge.entity_id) if pledge is not None else None
    if report is None or pledge is None or owner is None or not report.is_current \
            or report.review_status != ReviewStatus.submitted:
        return ()
    return ((report_review_notice(report, pledge, owner, await sender_of(session, report),
                                  await Reports(session).predecessor(report)), report_copy_key(report)),)
