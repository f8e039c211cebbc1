"""The reporting journey: /report, the Report buttons, submitting a report, and telling staff."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from handlers import buttons, drafts
from handlers.conversation import Conversation, Journey, begin, open_form, resume_form
from handlers.entities import refuse
from handlers.forms.base import FormState
from handlers.forms.changes import changed_fields, changed_ids
from handlers.forms.engine import DEFAULTS, collected
from handlers.helpdesk.compose import COMPOSE_FORM, content_of, offered_for_report
from handlers.inputs import Incoming
from handlers.lengths import LIST_TITLE, shorten
from handlers.messages import N_, NP_, Button, Code, Concat, Day, Label, Reply, Text, plural, text
from handlers.onboarding import waiting_reply
from handlers.paging import FIRST_PAGE, SHOWN, Page, navigation, where
from handlers.people import audit, role_of
from handlers.references import NOT_SHOWN, found_reference
from handlers.reminder_messages import when_due
from handlers.report_reminders import withdraw_changed
from handlers.reports.cards import MORE, next_due_label, period_label
from handlers.reports.colleagues import (
    EDITED_FROM,
    EDITED_VERSION,
    SENDINGS,
    answered_by,
    changed_since,
    changes_of,
    copy_of,
    edit_answers,
    edit_intro,
    edited_meanwhile,
    replacing,
    tell_colleagues_answered,
    up_to_date,
)
from handlers.reports.colleagues import sender_of as sender_of  # where the staff review and listings look for it
from handlers.reports.completion import FULL, complete_pledge, confirm_completed
from handlers.reports.form import (
    FINANCIAL,
    PERIOD,
    PLEDGE_ID,
    REPLACES,
    REPORT_FORM,
    REPORT_ID,
    percent_label,
)
from handlers.reports.notices import notify_staff_of_report
from handlers.reports.notices import report_notice as report_notice  # where the staff review and pending look
from handlers.reports.notices import report_review_notice as report_review_notice
from handlers.reports.rules import (
    answers_of_report,
    apply_report,
    behind,
    check_report,
    defaults_of,
    due_of,
    pledge_facts,
)
from models.reminding import Reminding
from models.reporting import NextReport, due_date, next_report, period_end, period_start
from models.repositories.audit import AuditTrail
from models.repositories.pledges import Pledges
from models.repositories.reminders import Reminders
from models.repositories.reports import Reports
from models.tables import Draft, Entity, Pledge, ProgressReport
from models.values import EntityStatus, PledgeStatus, ReviewStatus, Role

POSITION = NP_("These are numbers {first} to {last} of {count} pledge, the most overdue first.",
               "These are numbers {first} to {last} of {count} pledges, the most overdue first.")
ALONE = NP_("This is number {first} of {count} pledge, the most overdue first.",
            "This is number {first} of {count} pledges, the most overdue first.")
"""Where a later page of /report's list stands in it (POSITION; ALONE when it lists one)."""
DUE_SOON = timedelta(days=14)
"""A pledge counts as due when its report is due within this time (the first reminder's lead), or overdue."""


def parse_code(code: str, prefix: str, verbs: frozenset[str]) -> tuple[str, int] | None:
    """(verb, id) from an untrusted button code, by the strict parser (handlers.buttons); None otherwise."""
    parsed = buttons.parse(code)
    if parsed is None or parsed.prefix != prefix or parsed.verb not in verbs:
        return None
    return parsed.verb, parsed.id or 0


async def reporter_entity(conv: Conversation, action: str, target_id: int | None = None) -> Entity | None:
    """The validated entity this person reports for (focal points only); otherwise says why and audits."""
    contact = conv.contact
    role = role_of(contact)
    if role is Role.coordinator:
        await audit(conv.session, contact, "denied", "pledge", target_id, attempted=action)
        conv.say(Reply((Text(N_("Progress reports are written by the focal points of organisations. You follow "
                                "them with /digest (who reported, who is overdue) and read every report in the "
                                "spreadsheet of /export.")),)))
        return None
    if role is not Role.focal_point or contact.entity_id is None:
        if target_id is not None:
            await refuse(conv, action, "pledge", target_id)
        elif role is not None and role.is_staff:
            conv.say(Reply((Text(N_("Progress reports are written by the focal points of organisations; as BDT "
                                    "staff you acknowledge them (see /pending).")),)))
        else:
            conv.say(await waiting_reply(conv.session, contact)
                     or Reply((Text(N_("Progress reports are written by the focal points of organisations. To "
                                       "register yours, send /start.")),)))
        return None
    entity = await conv.session.get(Entity, contact.entity_id)
    if entity is None or entity.status != EntityStatus.validated:
        conv.say(Reply((Text(N_("Your organisation is waiting for validation by BDT. You can report as soon as "
                                "it is validated.")),)))
        return None
    return entity


async def report_command(conv: Conversation, incoming: Incoming | None = None) -> None:
    """/report: open the one pledge due, or list the pledges to report on, the most overdue first. `/report REF`
    opens the report on that pledge of the organisation; another one's reference is said to be none of theirs (a
    tester's was ignored without a word), before the list of theirs (none opened)."""
    entity = await reporter_entity(conv, "report.open")
    if entity is None or entity.id is None:
        return
    assert conv.contact.id is not None
    # a number alone is no reference here: "#5" of another organisation would tell that pledge 5 exists, and its year
    ref = await found_reference(conv, incoming.argument, by_number=False) \
        if incoming is not None and incoming.argument.strip() else None
    if ref is not None:
        pledge = await Pledges(conv.session).by_ref(ref)
        if pledge is not None and pledge.entity_id == entity.id:
            await open_report(conv, pledge)
            return
        conv.say(Reply((text(NOT_SHOWN[Role.focal_point], ref=Code(ref)),)))
        # then their own to choose from, none opened: a tester's report on another organisation's pledge opened one
        # of theirs, setting aside the pledge they were writing
        begun = await drafts.find_draft(conv.session, conv.contact.id, REPORT_FORM.id)
        if begun is None:
            await _choose(conv, entity.id, open_one=False)
        else:  # the report they began, to go on with or start over, as /report alone offers it
            conv.say(Reply((await in_progress(conv, begun),), continue_or_restart(begun)))
        return
    draft = await drafts.find_draft(conv.session, conv.contact.id, REPORT_FORM.id)
    if draft is not None and await drafts.elsewhere(conv.session, conv.contact.id, REPORT_FORM.id):
        # typed in the middle of another form: go on with the report, one question at a time (that form waits)
        await resume_form(conv, REPORT, draft, Text(N_("You started this earlier: here is where you left off. To "
                                                       "start afresh, press Cancel.")))
        return
    if draft is not None:
        conv.say(Reply((await in_progress(conv, draft),), continue_or_restart(draft)))
        return
    await _choose(conv, entity.id)


async def in_progress(conv: Conversation, draft: Draft) -> Label:
    """"You have a report in progress", naming its pledge and period (the draft's hidden answers hold them)."""
    answers = FormState.from_json(draft.state).answers
    pledge_id, period = answers.get(PLEDGE_ID), answers.get(PERIOD)
    pledge = await conv.session.get(Pledge, int(pledge_id)) if pledge_id is not None else None
    if pledge is None or pledge.entity_id != conv.contact.entity_id or not period:
        return Text(N_("You have a report in progress. Continue where you left off, or start over?"))
    return text(N_("You have a report in progress on {ref} “{title}” for {period}. Continue where you left off, "
                   "or start over?"), ref=Code(pledge.ref or ""), title=shorten(pledge.title, LIST_TITLE),
                period=period_label(str(period)))


def continue_or_restart(draft: Draft, then: int | None = None, *,
                        replacing: bool = False) -> tuple[tuple[Button, ...], ...]:
    """▶️ Continue and 🔄 Start over; Start over names the draft as shown (its id and version), so that pressed
    later, once more answers were given, it asks again instead of deleting them, and the pledge whose report was
    asked for (`then`: a 📝 pressed on another pledge), which it then opens rather than the list; `replacing`: `then`
    is a report whose ✏️ Replace was pressed (rp:refix), whose replacement it then asks about."""
    verb = "refix" if replacing else "restart"
    restart = f"rp:{verb}:{draft.id}:{draft.version}" + (f":{then}" if then is not None else "")
    return ((Button(Text(N_("▶️ Continue")), "rp:resume"), Button(Text(N_("🔄 Start over")), restart)),)


def all_completed(statuses: set[str]) -> bool:
    """Whether an organisation's pledges are done with: some completed, the others withdrawn or rejected (none
    waiting for BDT, returned for changes or still a draft, which may yet be reported on)."""
    return PledgeStatus.completed in statuses and statuses <= {PledgeStatus.completed, PledgeStatus.withdrawn,
                                                               PledgeStatus.rejected}


async def _choose(conv: Conversation, entity_id: int, *, open_one: bool = True) -> None:
    """Open the one pledge due (or the only one) if `open_one`, or list them with the most overdue first; the person
    has no report in progress (the callers saw none, or discarded it)."""
    reports = Reports(conv.session)
    pledges = await reports.reportable_pledges(entity_id)
    if not pledges and all_completed(await reports.pledge_statuses(entity_id)):
        conv.say(Reply((Text(N_("Every pledge of your organisation is completed: there is no report left to make. "
                                "Thank you! See /mypledges.")),)))
        return
    if not pledges:
        conv.say(Reply((Text(N_("Your organisation has no validated pledge to report on yet. See /mypledges.")),)))
        return
    reported = await reports.reported_periods(p.id for p in pledges if p.id is not None)
    dues = _dues(conv, pledges, reported)
    owed = [(due, pledge) for due, pledge, _ in dues
            if not due.covered and due.due is not None and due.due - conv.today <= DUE_SOON]
    if open_one and (len(owed) == 1 or len(dues) == 1):
        opened = (owed or [(due, pledge) for due, pledge, _ in dues])[0][1]
        await open_report(conv, opened, draft=None, reported=reported.get(opened.id or 0, set()))
        return
    conv.say(choice_reply(dues[:SHOWN], Page(len(dues), 0, min(SHOWN, len(dues))), conv.today))


def _dues(conv: Conversation, pledges: list[Pledge], reported: dict[int, set[str]]
          ) -> list[tuple[NextReport, Pledge, Reminding | None]]:
    """What is due for each pledge (the periods `reported` of each, Reports.reported_periods), and the later reports
    it owes too (rules.behind), the most overdue first (by `place`): the order of every page of the list."""
    dues = []
    for pledge in pledges:
        periods = reported.get(pledge.id or 0, set())
        due = due_of(pledge, periods, conv.today)
        dues.append((due, pledge, behind(pledge, periods, conv.today, due)))
    return sorted(dues, key=lambda listed: (place(listed[0]), listed[1].id or 0))


def place(due: NextReport) -> int:
    """Where a pledge comes in /report's list (the most overdue first): by its due date, those whose period is
    reported (a new report would replace it) and those with no report due last. A page's ▸ button carries the
    place of its last pledge: the next page starts after that place even if that pledge was reported since."""
    day = (due.due or date.max).toordinal()  # 1 to 3,652,059
    return day + (date.max.toordinal() if due.covered else 0)


async def _choice_page(conv: Conversation, entity_id: int, after: tuple[int, int] | None) -> None:
    """A page of the pledges to report on, read afresh: the first, or the one after `after` (the place and id of the
    last pledge the page before listed)."""
    reports = Reports(conv.session)
    pledges = await reports.reportable_pledges(entity_id)
    dues = _dues(conv, pledges, await reports.reported_periods(p.id for p in pledges if p.id is not None))
    before = sum(1 for due, pledge, _ in dues if after is not None and (place(due), pledge.id or 0) <= after)
    listed = dues[before:before + SHOWN]
    if not listed:
        conv.say(Reply((Text(N_("No more pledges to report on after those: press below for the list from the "
                                "most overdue.")),), ((Button(Text(FIRST_PAGE), "rp:list"),),)))
        return
    conv.say(choice_reply(listed, Page(len(dues), before, len(listed)), conv.today))


def choice_reply(dues: list[tuple[NextReport, Pledge, Reminding | None]], page: Page, today: date) -> Reply:
    """A page of the pledges to report on, titles cut to LIST_TITLE so that it fits in any language: where it stands
    in the whole list and how many come after it, a button per pledge, and buttons for the next page and the first."""
    lines: list[Label] = [Text(N_("Which pledge do you report on?"))]
    for due, pledge, owing in dues:
        lines.append(Concat((Code(pledge.ref or "—"), " — ", shorten(pledge.title, LIST_TITLE), "\n",
                             _due_label(due, owing, today))))
    rows = tuple((Button(Concat(("📝 ", Code(p.ref or str(p.id)))), f"rp:open:{p.id}"),) for _, p, _ in dues)
    last_due, last, _ = dues[-1]
    following = f"rp:after:{last.id}:{place(last_due)}"
    return Reply((*lines, *where(page, POSITION, ALONE)), (*rows, *navigation(page, following, "rp:list")))


def _due_label(due: NextReport, owing: Reminding | None, today: date) -> Label:
    """When the pledge's report is due; behind on several (`owing`), how many more it owes and up to which period, as
    its reminders say it."""
    if due.covered or due.due is None:  # its period is reported: a new report would replace it
        return next_due_label(due)
    if owing is not None and due.overdue:
        return text(N_("⚠️ report for {period} overdue since {date}, and {more} after it, up to {last}: {last_when}"),
                    period=period_label(due.period), date=Day(due.due), more=plural(*MORE, owing.owed - 1),
                    last=period_label(owing.period), last_when=when_due(due_date(owing.period), today))
    if due.overdue:
        return text(N_("⚠️ report for {period} overdue since {date}"), period=period_label(due.period),
                    date=Day(due.due))
    return text(N_("report for {period} due {date}"), period=period_label(due.period), date=Day(due.due))


async def report_button(conv: Conversation, code: str) -> None:
    """Buttons rp:open|repl|edit|ev|resume|restart|fix|fixok:<id>; every id is checked against the person's
    entity."""
    parsed = buttons.parse(code)
    if parsed is None or parsed.prefix != "rp":
        await buttons.refuse_malformed(conv, code)
        return
    verb, target = parsed.verb, (parsed.id or 0) if parsed.verb != "restart" else 0  # restart's id is a draft's
    if verb in ("list", "after"):  # a page of the pledges to report on
        listing = await reporter_entity(conv, "report.list")
        if listing is not None and listing.id is not None:
            await _choice_page(conv, listing.id, (parsed.version or 0, target) if verb == "after" else None)
        return
    if verb == "ev":
        from handlers.reports.evidence import send_evidence

        await send_evidence(conv, target)
        return
    entity = await reporter_entity(conv, f"report.{verb}", target or None)
    if entity is None:
        return
    assert conv.contact.id is not None
    if verb in ("resume", "restart", "refix"):
        draft = await drafts.find_draft(conv.session, conv.contact.id, REPORT_FORM.id)
        if verb == "resume" and draft is not None:
            await resume_form(conv, REPORT, draft)
            return
        if verb == "resume":  # sent or cancelled since: a report for another period only when asked for
            conv.say(await nothing_to_continue(conv, entity))
            return
        # what the 📝 or ✏️ that offered to start over was pressed for (restart: a pledge, whose report opens then;
        # refix: a report, to be replaced), checked as any 📝 or ✏️ is, before anything is discarded
        fixed = await Reports(conv.session).get(parsed.then) if verb == "refix" and parsed.then is not None else None
        wanted = await conv.session.get(Pledge, fixed.pledge_id if fixed is not None else parsed.then) \
            if parsed.then is not None and (verb == "restart" or fixed is not None) else None
        if parsed.then is not None and (wanted is None or wanted.entity_id != entity.id):
            await refuse(conv, f"report.{verb}", "report" if verb == "refix" else "pledge", parsed.then)
            return
        if draft is not None and (parsed.id, parsed.version) != (draft.id, draft.version) \
                and _answered(draft):  # an earlier message's button: only a confirmation deletes what was answered
            conv.say(Reply((Text(N_("That “Start over” button is from an earlier message. Start over and delete "
                                    "the answers of your report in progress, or continue where you left off?")),),
                           continue_or_restart(draft, parsed.then, replacing=verb == "refix")))
            return
        await drafts.discard(conv.session, conv.contact.id, REPORT_FORM.id)  # else opening would resume it
        if wanted is not None:
            await open_report(conv, wanted, draft=None, period=fixed.period if fixed is not None else None)
            return
        if entity.id is not None:
            await _choose(conv, entity.id)
        return
    if verb == "edit":
        await edit_report(conv, entity, target)
        return
    if verb == "done":
        await confirm_completed(conv, entity, target)
        return
    if verb in ("fix", "fixok"):  # replace the report of an earlier period (the pledge's details offer it)
        report = await Reports(conv.session).get(target)
        replaced = await conv.session.get(Pledge, report.pledge_id) if report is not None else None
        if report is None or replaced is None or replaced.entity_id != entity.id:
            await refuse(conv, f"report.{verb}", "report", target)
            return
        # replaced since it was asked about: asked again, about the report there is now
        await open_report(conv, replaced, confirmed=verb == "fixok" and report.is_current, period=report.period)
        return
    pledge = await conv.session.get(Pledge, target)
    if pledge is None or pledge.entity_id != entity.id:
        await refuse(conv, f"report.{verb}", "pledge", target)
        return
    await open_report(conv, pledge, confirmed=verb == "repl")


async def nothing_to_continue(conv: Conversation, entity: Entity) -> Reply:
    """What ▶️ Continue says once the report it continued is no longer in progress: the person's latest report (its
    pledge and period) and where to see it."""
    assert conv.contact.id is not None
    last = await AuditTrail(conv.session).last_of_actor(conv.contact.id, SENDINGS)
    report = await Reports(conv.session).get(last[1]) if last is not None and last[1] is not None else None
    pledge = await conv.session.get(Pledge, report.pledge_id) if report is not None else None
    if report is None or pledge is None or pledge.entity_id != entity.id:
        return Reply((Text(N_("There is no report in progress to continue. See your pledges and their reports with "
                              "/mypledges; to write a report, send /report.")),))
    return Reply((text(N_("There is no report in progress to continue: your latest report, on {ref} for {period}, "
                          "was sent to BDT. See it with /mypledges; to write another, send /report."),
                       ref=Code(pledge.ref or ""), period=period_label(report.period)),))


def _answered(draft: Draft) -> bool:
    """True when the draft holds an answer the person gave (not only the pledge's facts or last time's defaults)."""
    answers = FormState.from_json(draft.state).answers
    return any(answers.get(step.id) is not None for step in REPORT_FORM.steps)


NOT_OPEN = {
    PledgeStatus.withdrawn: N_("{ref} was withdrawn, so it takes no more progress reports."),
    PledgeStatus.completed: N_("{ref} is completed, so no more progress reports are asked for it."),
    PledgeStatus.rejected: N_("{ref} was not validated by BDT, so it takes no progress reports."),
    PledgeStatus.submitted: N_("{ref} is waiting for BDT's validation: its progress reports begin once it is "
                               "validated."),
    PledgeStatus.changes_requested: N_("{ref} is waiting for the changes BDT asked for: its progress reports begin "
                                       "once it is validated."),
}
"""Why a pledge takes no report, by its status (an old Report button of a pledge withdrawn since, say)."""


def not_open(pledge: Pledge) -> Label:
    """Why the pledge takes no progress report now."""
    said = NOT_OPEN.get(PledgeStatus(pledge.status)) if pledge.status in PledgeStatus.__members__ else None
    return text(said or N_("{ref} is not open for progress reports."), ref=Code(pledge.ref or ""))


async def open_report(conv: Conversation, pledge: Pledge, *, confirmed: bool = False,
                      draft: Draft | drafts.Unread | None = drafts.UNREAD, reported: set[str] | None = None,
                      period: str | None = None) -> None:
    """Open the form for the pledge's next period (or `period`, one reported, to replace its report); a period
    already reported needs a confirmation first, and one whose report BDT asked about opens that report's edit. The
    person's report in progress (`draft`) and the periods of the pledge `reported` are read here unless the caller
    read them already."""
    if pledge.status != PledgeStatus.validated or pledge.id is None:
        conv.say(Reply((not_open(pledge),)))
        return
    assert conv.contact.id is not None
    if draft is drafts.UNREAD:
        draft = await drafts.find_draft(conv.session, conv.contact.id, REPORT_FORM.id)
    reports = Reports(conv.session)
    chosen = period is not None  # a period of the pledge's details, not the one due: its Yes names the report
    if period is None:
        if reported is None:
            reported = (await reports.reported_periods([pledge.id])).get(pledge.id, set())
        period = due_of(pledge, reported, conv.today).period
    drafted = draft.state.get("answers", {}) if draft is not None else {}
    this_one = drafted.get(PLEDGE_ID) == pledge.id and drafted.get(PERIOD) == period
    if draft is not None and this_one and not confirmed:
        await resume_form(conv, REPORT, draft, Text(N_("Welcome back! Let's continue where you left off.")))
        return
    existing = await reports.current_for(pledge.id, period)
    if draft is not None and not this_one and _answered(draft):
        # another report in progress (another pledge's, or this one's for another period: a reminder's 📝, the
        # list's or ✏️ Replace pressed): offered as /report offers it, never replaced by this one without a word;
        # Start over opens this one (the report whose replacement was asked for, if one was)
        replaced = existing.id if chosen and existing is not None else None
        conv.say(Reply((await in_progress(conv, draft),), continue_or_restart(
            draft, replaced if replaced is not None else pledge.id, replacing=replaced is not None)))
        return
    if existing is not None and existing.id is not None \
            and existing.review_status == ReviewStatus.clarification_requested:
        # BDT waits for an answer on that report: it is answered in the report (an edit of it, which BDT's question
        # heads), not by a replacement that would leave the question open; so is an old "Yes, replace it"
        entity = await conv.session.get(Entity, pledge.entity_id)
        if entity is not None:
            await edit_report(conv, entity, existing.id)
            return
    if existing is not None and not confirmed:
        conv.say(Reply((text(N_("You already reported on {ref} for {period} (sent {date}). Send a new report that "
                                "replaces it? Both stay in the history."), ref=Code(pledge.ref or ""),
                             period=period_label(period), date=Day(existing.created_at.date())),),
                       ((Button(Text(N_("Yes, replace it")),
                                f"rp:fixok:{existing.id}" if chosen else f"rp:repl:{pledge.id}"),
                         Button(Text(N_("No, keep it")), f"mp:open:{pledge.id}")),)))
        return
    # a replacement starts from the report it replaces; else from the latest earlier period, never a later one:
    # figures "so far" of a later period are wrong for an earlier one
    previous = existing or await reports.latest_before(pledge.id, period)
    answers: dict[str, object] = {**pledge_facts(pledge, period),
                                  DEFAULTS: defaults_of(previous, replaced=existing is not None)}
    if existing is not None:  # what the person changes is told apart from it, should it change meanwhile
        answers.update({**replacing(existing), EDITED_FROM: answers_of_report(existing)})
    early: tuple[Label, ...] = ()
    if existing is None and (conv.today < period_start(period) or (
            pledge.start_date is not None and conv.today < pledge.start_date)):  # nothing done yet: said so
        early = (text(N_("{ref} starts on {start}: this report is for {period}, due on {date}. You can send it now, "
                         "or come back later."), ref=Code(pledge.ref or ""),
                      start=Day(pledge.start_date or period_start(period)), period=period_label(period),
                      date=Day(due_date(period))),)
    elif existing is None and conv.today <= period_end(period):  # an early report, said so
        early = (text(N_("This report is for {period}, which is still in progress: it is due on {date}. You can send "
                         "it now, or come back when the period ends."),
                      period=period_label(period), date=Day(due_date(period))),)
    await open_form(conv, REPORT, answers, text(N_("Progress report on {ref} “{title}” for {period}."),
                                                ref=Code(pledge.ref or ""), title=pledge.title,
                                                period=period_label(period)), once=early)


async def edit_report(conv: Conversation, entity: Entity, report_id: int) -> None:
    """Reopen a report on which staff asked for a clarification, at its summary: the person's edit of this very
    version goes on; their copy opened before a colleague answered and BDT asked again (an edit of an earlier version,
    or a report replacing it) is rebuilt on the report as it is now, under the question asked now, with their
    changes applied. Another report in progress is kept: the edit does not open over it."""
    report = await Reports(conv.session).get(report_id)
    pledge = await conv.session.get(Pledge, report.pledge_id) if report is not None else None
    if report is None or pledge is None or pledge.entity_id != entity.id:
        await refuse(conv, "report.edit", "report", report_id)
        return
    closed = await closed_to_edits(conv, pledge, report)
    if closed is not None:
        conv.say(Reply((closed,)))
        return
    assert conv.contact.id is not None
    offer = await drafts.find_draft(conv.session, conv.contact.id, COMPOSE_FORM.id)
    if offer is not None and offered_for_report(offer.state, report_id):  # its message goes into this edit
        from handlers.helpdesk.threads import add_to_report  # deferred: the helpdesk's threads import this module

        offered = FormState.from_json(offer.state)
        await drafts.discard(conv.session, conv.contact.id, COMPOSE_FORM.id)
        await add_to_report(conv, entity, report, pledge, content_of(offered.answers, offered.scratch))
        return
    draft = await drafts.find_draft(conv.session, conv.contact.id, REPORT_FORM.id)
    state = FormState.from_json(draft.state) if draft is not None else None
    if draft is not None and state is not None and up_to_date(state, report):  # the edit of this very question
        await resume_form(conv, REPORT, draft, Text(N_("Welcome back! Let's continue where you left off.")))
        return
    if draft is not None and state is not None and copy_of(state, report):
        if changes_of(state, report):  # an edit or replacement opened before BDT's new question: rebuilt on it
            await _reopen(conv, pledge, report, state)
            return
    elif draft is not None:  # another report in progress: kept, not replaced unseen
        conv.say(Reply((await kept_instead(conv, draft),), ((Button(Text(N_("▶️ Continue")), "rp:resume"),),)))
        return
    await open_form(conv, REPORT, edit_answers(report, pledge),
                    edit_intro(report, pledge, await sender_of(conv.session, report), conv.contact))


async def closed_to_edits(conv: Conversation, pledge: Pledge, report: ProgressReport) -> Label | None:
    """Why the report is no longer open to an edit (a colleague answered BDT's question first, or it was
    acknowledged or replaced); None while BDT waits for its clarification."""
    if report.review_status == ReviewStatus.clarification_requested and report.is_current:
        return None
    if report.review_status == ReviewStatus.submitted and report.version > 1:  # a colleague answered first
        return await answered_by(conv, pledge, report)
    return Text(N_("This report can no longer be edited."))


async def kept_instead(conv: Conversation, draft: Draft) -> Label:
    """Why the report BDT asked about did not open: the report in progress (named by its pledge and period) is kept,
    and how to go back to it before editing."""
    answers = FormState.from_json(draft.state).answers
    pledge_id, period = answers.get(PLEDGE_ID), answers.get(PERIOD)
    pledge = await conv.session.get(Pledge, int(pledge_id)) if pledge_id is not None else None
    if pledge is None or pledge.entity_id != conv.contact.entity_id or not period:
        return Text(drafts.KEPT[REPORT_FORM.id])
    return text(N_("Your report in progress on {ref} for {period} is kept: the report BDT asked about did not open "
                   "over it. Finish or cancel it first (send /report to go back to it), then press ✏️ Edit the "
                   "report again."), ref=Code(pledge.ref or ""), period=period_label(str(period)))


async def finish_report(conv: Conversation, state: FormState) -> None:
    """Store the report (or the edited one), audit it, mark a finished pledge completed, confirm, tell staff."""
    hidden = state.answers
    pledge_id = int(hidden[PLEDGE_ID])
    entity = await reporter_entity(conv, "report.submit", pledge_id)
    if entity is None:
        return
    pledge = await conv.session.get(Pledge, pledge_id, with_for_update=True)
    if pledge is None or pledge.entity_id != entity.id:
        await refuse(conv, "report.submit", "pledge", pledge_id)
        return
    if pledge.status != PledgeStatus.validated:
        conv.say(Reply((not_open(pledge),)))
        return
    answers = {**collected(REPORT_FORM, state), FINANCIAL: hidden.get(FINANCIAL)}
    before = await _edited_before(conv, state)
    stored = await _store(conv, pledge, state, answers)
    if stored is None:
        return
    report, action = stored
    after = answers_of_report(report)
    earlier = {} if before is None else {"before": {key: before.get(key)
                                                     for key in changed_ids(REPORT_FORM, before, after)}}
    await audit(conv.session, conv.contact, action, "report", report.id, pledge=pledge.ref, period=report.period,
                version=report.version, **earlier)
    completed = answers.get("pledge_complete") == "yes" and report.percent_complete >= FULL
    if completed:  # first: bringing the reminders up to date for the report then takes the pledge out of them too
        await complete_pledge(conv, pledge, report, reminders=False)
    await withdraw_changed(Reminders(conv.session), entity.id or 0, conv.now, conv.contact.id)
    parts: list[Label] = [text(N_("Thank you! Your report on {ref} for {period} is sent to BDT. See it any time "
                                  "with /mypledges."), ref=Code(pledge.ref or ""), period=period_label(report.period))]
    closing: tuple[tuple[Button, ...], ...] = ()
    if completed:
        parts.append(Text(N_("Congratulations: the pledge is now marked completed, and no more reports will be "
                             "asked for it.")))
    elif answers.get("pledge_complete") == "yes":  # complete at 75 %? closing cannot be undone: ask, naming it
        parts.append(text(N_("You said the whole pledge is complete, but its progress is {percent}. Mark {ref} "
                             "completed all the same? No more reports will be asked for it, and it cannot be "
                             "reopened."), percent=percent_label(report.percent_complete), ref=Code(pledge.ref or "")))
        closing = ((Button(Text(N_("🏁 Yes, it is complete")), f"rp:done:{report.id}"),
                    Button(Text(N_("No, not yet")), f"mp:open:{pledge.id}")),)
    else:  # a report for an earlier period: the next one owed is said now (no reminder of it follows at once)
        reported = (await Reports(conv.session).reported_periods([pledge_id])).get(pledge_id, set())
        parts.extend(still_owed(next_report(pledge, reported, conv.today), conv.today))
    conv.say(Reply(tuple(parts), closing))
    await notify_staff_of_report(conv, report, pledge, entity,
                                 changed_fields(REPORT_FORM, before, after) if before is not None else None,
                                 replaces_none=action == "report.submitted")
    if action == "report.resubmitted":
        await tell_colleagues_answered(conv, report, pledge)


def still_owed(upcoming: NextReport | None, today: date) -> tuple[Label, ...]:
    """What a report's thank-you adds of the next report owed once it is stored: the period and its due date, when
    overdue or due within DUE_SOON; nothing otherwise."""
    if upcoming is None or upcoming.covered or upcoming.due is None:
        return ()
    where = {"period": period_label(upcoming.period), "date": Day(upcoming.due)}
    if upcoming.overdue:
        return (text(N_("Your report for {period} has been overdue since {date} too: send /report."), **where),)
    if upcoming.due - today <= DUE_SOON:
        return (text(N_("Your report for {period} is due next, on {date}: send /report."), **where),)
    return ()


async def _edited_before(conv: Conversation, state: FormState) -> dict[str, Any] | None:
    """The answers of the report an edit answering BDT's question changes, as they stand before it is stored (None:
    not such an edit); what changed is listed for staff, as a pledge's resubmission is."""
    editing = state.answers.get(REPORT_ID)
    if editing is None:
        return None
    report = await Reports(conv.session).get(int(editing))
    return answers_of_report(report) if report is not None else None


async def _store(conv: Conversation, pledge: Pledge, state: FormState,
                 answers: dict[str, object]) -> tuple[ProgressReport, str] | None:
    """Insert the new report (retiring the one it replaces) or update the edited one; None when refused."""
    reports = Reports(conv.session)
    editing = state.answers.get(REPORT_ID)
    if editing is not None:
        report = await reports.get(int(editing), for_update=True)
        if report is None or report.pledge_id != pledge.id:
            conv.say(Reply((Text(N_("This report can no longer be edited.")),)))
            return None
        if not report.is_current or report.review_status != ReviewStatus.clarification_requested \
                or state.answers.get(EDITED_VERSION, report.version) != report.version:
            await _reopen(conv, pledge, report, state)
            return None
        apply_report(report, answers)
        report.version += 1
        report.review_status, report.updated_at = ReviewStatus.submitted, conv.now
        await conv.session.flush()
        return report, "report.resubmitted"
    period = str(state.answers[PERIOD])
    existing = await reports.current_for(pledge.id or 0, period)
    if existing is not None and existing.id == state.answers.get(REPLACES) and changed_since(state, existing):
        # answered by a colleague, or asked about by BDT, since the replacement was opened: rebuilt on it as it is now
        await _reopen(conv, pledge, existing, state)
        return None
    if existing is not None and existing.id != state.answers.get(REPLACES):
        # reported meanwhile (another focal point, another device): replacing needs a confirmation
        again = {**state.answers, **replacing(existing)}
        await begin(conv, REPORT, again, text(N_("A report for {period} arrived meanwhile (sent {date}). Submit "
                                                 "again to replace it; both stay in the history."),
                                              period=period_label(period), date=Day(existing.created_at.date())))
        return None
    report = ProgressReport(pledge_id=pledge.id or 0, period=period, status="", steps_taken="",
                            submitted_by=conv.contact.id, created_at=conv.now, updated_at=conv.now)
    apply_report(report, answers)
    await reports.add(report, replacing=existing.id if existing is not None else None)
    return report, "report.replaced" if existing is not None else "report.submitted"


async def _reopen(conv: Conversation, pledge: Pledge, report: ProgressReport, state: FormState) -> None:
    """Open the person's copy again on the report as it is now (edited_meanwhile), if anything of theirs is kept."""
    reopening = await edited_meanwhile(conv, pledge, report, state)
    if reopening is not None:
        await open_form(conv, REPORT, reopening.answers, reopening.heading)


async def cancel_said(conv: Conversation, state: FormState) -> Label | None:
    """A cancelled edit of a report leaves the report as sent (still waiting for the clarification, unless a
    colleague answered or BDT acknowledged it meanwhile); a cancelled replacement, the report sent before."""
    if (editing := state.answers.get(REPORT_ID)) is not None:
        report = await Reports(conv.session).get(int(editing))
        if report is None or not report.is_current or report.review_status != ReviewStatus.clarification_requested:
            return Text(N_("Cancelled: your changes were not saved. The report no longer waits for your "
                           "clarification: see where it stands in /mypledges."))
        return Text(N_("Cancelled: your changes were not saved, and the report stays as you sent it. BDT still "
                       "awaits your clarification: press ✏️ Edit the report under its question when you are ready."))
    if state.answers.get(REPLACES) is not None:
        return Text(N_("Cancelled: nothing of this new report was kept, and the report sent before for this period "
                       "stays as it was."))
    return None


REPORT = Journey(REPORT_FORM, finish_report, check_report, cancel_said=cancel_said,
                 may=lambda contact: role_of(contact) is Role.focal_point and contact.entity_id is not None)
"""A focal point's role revoked meanwhile ends the draft at the next step: it went on showing the organisation's last
report, answer by answer (security review); submitting was refused only at the end."""
