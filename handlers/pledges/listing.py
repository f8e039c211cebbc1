"""/mypledges: the entity's pledges, one pledge in full, withdrawing, and editing when changes are requested."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from handlers import buttons, drafts, outbox
from handlers.conversation import Conversation, begin, resume_form
from handlers.entities import is_staff, refuse
from handlers.forms.units import unit_count
from handlers.fulltext import long_fields
from handlers.inputs import Incoming
from handlers.lengths import LIST_TITLE, shorten
from handlers.messages import N_, NP_, Button, Code, Concat, Day, Items, Label, Line, Money, Reply, Text, plural, text
from handlers.paging import FIRST_PAGE, SHOWN, Page, navigation, where
from handlers.people import audit, name_of, role_of, staff_contacts
from handlers.pledges.form import PLEDGE_FORM
from handlers.pledges.history import every_report, senders_of
from handlers.pledges.review import REJECTED_NEXT, close_notices
from handlers.pledges.rules import Reach, answers_of, derive_reach
from handlers.pledges.service import (
    EDITED_VERSION,
    EDITING,
    PLEDGE,
    answered,
    coordinators,
    pledge_card,
    pledge_entity,
)
from handlers.report_reminders import withdraw_changed
from handlers.reports.cadence import cadence_line
from handlers.reports.cards import (
    REMINDERS_STOPPED_SHORT,
    next_due_label,
    period_label,
    replace_button,
    report_line,
    report_status_word,
)
from handlers.reports.colleagues import DISCARDED_WITH_PLEDGE, colleagues, discard_reports_on
from handlers.reports.form import percent_label
from handlers.reports.rules import due_of, owed_after, reminders_stopped
from handlers.settings import current_zone
from handlers.staff_notices import person_for_staff, when_label
from handlers.vocabulary import (
    BENEFICIARY_LABELS,
    FOCUS_AREA_LABELS,
    PILLAR_LABELS,
    WSIS_LABELS,
    labeller,
    sdg_label,
    status_label,
    status_value,
)
from models.repositories.audit import AuditTrail
from models.repositories.contacts import Contacts
from models.repositories.entities import Entities
from models.repositories.pledges import Pledges
from models.repositories.reminders import Reminders
from models.repositories.reports import Reports
from models.tables import Contact, Draft, Entity, Pledge, ProgressReport
from models.values import MEMBER_ROLES, PLEDGE_TRANSITIONS, PledgeStatus, ReviewStatus, Role

POSITION = NP_("These are numbers {first} to {last} of {count} pledge, the newest first.",
               "These are numbers {first} to {last} of {count} pledges, the newest first.")
ALONE = NP_("This is number {first} of {count} pledge, the newest first.",
            "This is number {first} of {count} pledges, the newest first.")
"""Where a later page of /mypledges stands in the list (POSITION; ALONE when it lists one)."""
MANAGING = frozenset({"wd", "wdy", "edit"})
"""Buttons that change a pledge: its entity's focal points only."""
HISTORY_LIMIT = 5
"""Reports the details list, the latest period first: with the pledge's fields and its long texts shortened, five keep
the message within Telegram's limit in every language (tests/unit/test_message_lengths.py); the earlier ones are
counted, and 📜 (mp:hist) lists them all."""
COMMENT_EXCERPT = 300
"""How much of the description, BDT's comment or question the details show (the 📖 buttons send them whole)."""
WITHDRAWABLE = frozenset(s for s, targets in PLEDGE_TRANSITIONS.items() if PledgeStatus.withdrawn in targets)
CONFIRMED = "mp:wdy:<id>:<ver>:<word>"
""""Yes, withdraw" as asked: the pledge's version and status then (a staff decision changes its status, not its
version); the bare mp:wdy:<id> was sent before, and asks again."""


NO_ORGANISATION: dict[Role | None, str] = {
    None: N_("You are not attached to an organisation yet. Send /start to register."),
    Role.focal_point: N_("You are not attached to an organisation yet. Send /start to register."),
    Role.coordinator: N_("You are not attached to an organisation: /digest gives you the figures and the pledges "
                         "of your scope."),
    Role.staff: N_("/mypledges lists an organisation's pledges for its focal points. As BDT staff, see what waits "
                   "for your decision with /pending."),
    Role.admin: N_("/mypledges lists an organisation's pledges for its focal points. As BDT staff, see what waits "
                   "for your decision with /pending."),
}
"""What /mypledges says to someone with no organisation's pledges to list, by role: what they can do instead."""


async def my_pledges(conv: Conversation, incoming: Incoming | None = None) -> None:
    """List the pledges of the person's entity, newest first, with status, value and next report due: the first
    page."""
    await pledges_page(conv)


async def _none_yet(conv: Conversation) -> Text:
    """No pledge yet, said to a focal point: register one, or, with one begun and not submitted (the very first
    pledge form, in the middle of which /mypledges was sent), that one and the way back to it."""
    assert conv.contact.id is not None
    if await drafts.find_draft(conv.session, conv.contact.id, PLEDGE_FORM.id) is None:
        return Text(N_("Your organisation has no pledges yet. Register one with /pledge."))
    if await drafts.elsewhere(conv.session, conv.contact.id, PLEDGE_FORM.id):
        return Text(N_("Your organisation has no pledges yet: the one you began is not submitted. Send /pledge to go "
                       "back to it."))
    # the question comes back after it ("Now, back to the current question:", handlers.router), said once
    return Text(N_("Your organisation has no pledges yet: the one you are registering is not submitted yet."))


async def _no_organisation(conv: Conversation, role: Role | None) -> Text:
    """NO_ORGANISATION for the role; to someone joining an organisation by invitation or registering one, the form
    whose question follows (a tester joining was told to send /start, which would have led him away from it)."""
    if role is None and conv.contact.id is not None:
        for form_id, said in (("join", N_("You are not attached to an organisation yet: answer the question below "
                                          "to finish joining it.")),
                              ("onboarding", N_("You are not attached to an organisation yet: answer the question "
                                                "below to finish registering yours."))):
            if await drafts.find_draft(conv.session, conv.contact.id, form_id) is not None \
                    and not await drafts.elsewhere(conv.session, conv.contact.id, form_id):
                return Text(said)
    return Text(NO_ORGANISATION.get(role, NO_ORGANISATION[None]))


async def pledges_page(conv: Conversation, older_than: int | None = None) -> None:
    """A page of SHOWN pledges of the person's entity, newest first: the first, or the one after pledge
    `older_than` (the last one the page before listed), read afresh, with buttons for the next page and the first."""
    contact = conv.contact
    role = role_of(contact)
    if contact.entity_id is None or role not in (Role.focal_point, Role.coordinator):
        conv.say(Reply((await _no_organisation(conv, role),)))
        return
    found = Pledges(conv.session)
    pledges = await found.of_entity(contact.entity_id, SHOWN, older_than)
    if not pledges and older_than is not None:  # the ones listed last were the oldest (or left since)
        conv.say(Reply((Text(N_("No more pledges after those: press below for the list from the newest.")),),
                       ((Button(Text(FIRST_PAGE), "mp:list"),),)))
        return
    if not pledges and role is Role.focal_point:
        # an organisation not validated yet (or rejected) cannot register one: /pledge's own answer says why
        if await pledge_entity(conv) is not None:
            conv.say(Reply((await _none_yet(conv),)))
        return
    if not pledges:  # l_trust #9: a coordinator follows the pledges of a scope, not only of their organisation
        conv.say(Reply((Text(N_("Your organisation has no pledges yet: its focal points register them, and I will "
                                "tell you when one is validated. The pledges of your scope are in /digest and "
                                "/export.")),)))
        return
    count = await found.count_of_entity(contact.entity_id)
    later = await found.count_of_entity(contact.entity_id, older_than) if older_than is not None else count
    ids = [p.id for p in pledges if p.id is not None]
    reports = Reports(conv.session)
    reported, latest, sent = (await reports.reported_periods(ids), await reports.latest_of(ids),
                              await reports.last_sent_of(ids))
    stopped = frozenset(p.id for p in pledges if p.id is not None and reminders_stopped(p, sent.get(p.id), conv.now))
    conv.say(list_reply(pledges, reported, latest, conv.today, Page(count, count - later, len(pledges)),
                        reporter=role is Role.focal_point, stopped=stopped))


def list_reply(pledges: list[Pledge], reported: dict[int, set[str]], latest: dict[int, ProgressReport],
               today: date, page: Page, *, reporter: bool, stopped: frozenset[int] = frozenset()) -> Reply:
    """A page of the list, titles cut to LIST_TITLE so that it fits in any language: where it stands in the whole
    list and how many come after it, a button per pledge, and buttons for the next page and the first; the pledges
    `stopped` (no report for 24 months) say that their reminders stopped."""
    lines: list[Label] = [Text(N_("Your organisation's pledges:"))]
    rows: list[tuple[Button, ...]] = []
    for pledge in pledges:
        facts: list[Label] = [Code(pledge.ref or "—"), " — ", shorten(pledge.title, LIST_TITLE), "\n",
                              status_value(pledge.status)]
        if pledge.value_usd is not None:
            facts += [" · ", Money(pledge.value_usd)]
        facts += _reporting_facts(today, pledge, reported.get(pledge.id or 0, set()), latest.get(pledge.id or 0),
                                  (pledge.id or 0) in stopped)
        lines.append(Concat(tuple(facts)))
        row = [Button(Code(pledge.ref or str(pledge.id)), f"mp:open:{pledge.id}")]
        if pledge.status == PledgeStatus.validated and reporter:
            row.append(Button(Text(N_("📝 Report")), f"rp:open:{pledge.id}"))
        rows.append(tuple(row))
    following = f"mp:after:{pledges[-1].id}" if pledges else ""
    return Reply((*lines, *where(page, POSITION, ALONE)), (*rows, *navigation(page, following, "mp:list")))


def _reporting_facts(today: date, pledge: Pledge, reported: set[str], last: ProgressReport | None,
                     stopped: bool = False) -> list[Label]:
    """The last report (period, status, percent), the next due date, overdue said plainly with how many reports are
    owed after it, and that reminders stopped (`stopped`: no report for 24 months)."""
    facts: list[Label] = []
    if last is not None:
        facts += ["\n", text(N_("last report: {period}, {status}, {percent}"), period=period_label(last.period),
                             status=report_status_word(last.status), percent=percent_label(last.percent_complete))]
    if pledge.status == PledgeStatus.validated:
        due = due_of(pledge, reported, today)
        facts += ["\n", next_due_label(due, owed_after(pledge, reported, today, due))]
        if stopped:
            facts += ["\n", Text(REMINDERS_STOPPED_SHORT)]
    return facts


async def _own_pledge(conv: Conversation, pledge_id: int | None, action: str) -> Pledge | None:
    """The pledge if it belongs to the person's entity and they still hold a role there (a role revoked by the
    operator leaves the entity recorded); a forged id is refused and audited."""
    pledge = await Pledges(conv.session).get(pledge_id) if pledge_id is not None else None
    if pledge is None or conv.contact.entity_id is None or pledge.entity_id != conv.contact.entity_id \
            or role_of(conv.contact) not in MEMBER_ROLES:
        await refuse(conv, action, "pledge", pledge_id)
        return None
    return pledge


async def pledge_button(conv: Conversation, code: str) -> None:
    """Buttons of /mypledges: mp:open|wd|wdy|edit:<id> (mp:wdy:<id>:<version>:<status> as asked), mp:list (the
    first page), mp:after:<id> (the page after pledge <id>) and mp:hist:<id> (every report of the pledge)."""
    parsed = buttons.parse(code)
    verb, pledge_id = (parsed.verb, parsed.id) if parsed is not None and parsed.prefix == "mp" else ("", None)
    if verb in ("list", "after"):
        await pledges_page(conv, pledge_id)
        return
    if verb == "hist":  # staff too (/find), unlike the other buttons here
        await every_report(conv, pledge_id)
        return
    if verb not in ("open", "wd", "wdy", "edit"):
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return
    if verb in MANAGING and role_of(conv.contact) is not Role.focal_point:  # coordinators only read
        await refuse(conv, f"pledge.{verb}", "pledge", pledge_id)
        return
    pledge = await _own_pledge(conv, pledge_id, f"pledge.{verb}")
    if pledge is None:
        return
    if verb == "open":
        conv.say(await pledge_details(conv, pledge))
    elif verb == "wd" and pledge.status not in WITHDRAWABLE:  # an old card's button: say why, before asking
        conv.say(await cannot_withdraw(conv, pledge))
    elif verb == "wd":
        conv.say(withdraw_question(pledge))
    elif verb == "wdy":
        await withdraw(conv, pledge, _asked(code) if parsed is not None and parsed.pattern == CONFIRMED else None)
    else:
        await edit_pledge(conv, pledge, parsed.version if parsed is not None else None)


async def edit_pledge(conv: Conversation, pledge: Pledge, confirmed: int | None) -> None:
    """✏️ Edit (mp:edit:<id>, or mp:edit:<id>:<draft version> once asked): open a pledge returned for changes in the
    pledge form. Its draft is the one a new pledge uses too: one with answers (a new pledge, or changes to another)
    is replaced only once the person said so, pressing the button that names the draft as shown."""
    if pledge.status != PledgeStatus.changes_requested:
        conv.say(await cannot_edit(conv, pledge))
        return
    assert conv.contact.id is not None
    draft = await drafts.find_draft(conv.session, conv.contact.id, PLEDGE_FORM.id)
    if draft is not None and draft.state.get("answers", {}).get(EDITING) == pledge.id:  # its own edit: go on
        await resume_form(conv, PLEDGE, draft, Text(N_("Welcome back! Let's continue where you left off.")))
        return
    if draft is not None and answered(draft) and confirmed != draft.version:
        conv.say(await replace_or_continue(conv, draft, pledge))
        return
    # BDT's comment heads the edit (said again when it is resumed): what the changes must answer
    asked = (Line(Text(N_("BDT's comment")), shorten(pledge.staff_comment, COMMENT_EXCERPT)),) \
        if pledge.staff_comment else ()
    await begin(conv, PLEDGE, {**answers_of(pledge), EDITING: pledge.id, EDITED_VERSION: pledge.version}, *asked)


async def replace_or_continue(conv: Conversation, draft: Draft, pledge: Pledge) -> Reply:
    """Asked before a pledge's edit replaces the pledge draft in progress: continue it, or delete it and edit."""
    ref = Code(pledge.ref or "")
    other_id = draft.state.get("answers", {}).get(EDITING)
    other = await Pledges(conv.session).get(int(other_id)) if other_id is not None else None
    if other is not None:
        question = text(N_("You are already editing {other}. Editing {ref} now would delete your changes to {other}. "
                           "Continue editing {other}, or delete those changes and edit {ref}?"),
                        other=Code(other.ref or ""), ref=ref)
    else:
        question = text(N_("You have a new pledge in progress. Editing {ref} now would delete its answers. Continue "
                           "the new pledge, or delete it and edit {ref}?"), ref=ref)
    return Reply((question,), ((Button(Text(N_("▶️ Continue")), "pl:resume"),
                                Button(text(N_("🗑 Delete it and edit {ref}"), ref=ref),
                                       f"mp:edit:{pledge.id}:{draft.version}")),))


async def pledge_details(conv: Conversation, pledge: Pledge, *, listed: bool = True,
                         submitted_by: Label | None = None) -> Reply:
    """Every field of a pledge, with the actions its status allows (and back to /mypledges' list when `listed`);
    `submitted_by`: who submitted it, shown after its organisation (staff, of a pledge not validated yet)."""
    entity = await Entities(conv.session).get(pledge.entity_id)
    everything = await Reports(conv.session).history(pledge.id or 0, None)
    history = everything[:HISTORY_LIMIT]
    senders = await senders_of(conv, history)  # a colleague's report says who sent it
    reported = (await Reports(conv.session).reported_periods([pledge.id or 0])).get(pledge.id or 0, set())
    stopped = reminders_stopped(pledge, await Reports(conv.session).last_sent(pledge.id or 0), conv.now)
    # the groups its countries are in today, as the digests count them (Nepal left the LDCs on 24 Nov 2026), not the
    # flags written when it was submitted
    reach = await derive_reach(conv.session, list(pledge.countries), conv.today)
    # the latest report, when 📝 opens another period's: replacing it (a mistake seen after its period ended) is
    # asked for here, since /report and 📝 open the period due now
    latest = next((report for report in everything if report.is_current), None)
    replaceable = latest if latest is not None and pledge.status == PledgeStatus.validated \
        and latest.period != due_of(pledge, reported, conv.today).period else None
    return details_reply(pledge, entity, history, manages=role_of(conv.contact) is Role.focal_point, senders=senders,
                         listed=listed, reporting=cadence_line(pledge, reported, conv.today, stopped=stopped),
                         earlier=len(everything) - len(history), for_staff=is_staff(conv),
                         submitted_by=submitted_by, reach=reach, replaceable=replaceable)


def details_reply(pledge: Pledge, entity: Entity | None, history: list[ProgressReport], *, manages: bool,
                  senders: Mapping[int, Label] | None = None, listed: bool = True,
                  reporting: Label | None = None, earlier: int = 0, for_staff: bool = False,
                  submitted_by: Label | None = None, reach: Reach | None = None,
                  replaceable: ProgressReport | None = None) -> Reply:
    """The pledge in full, its long texts shortened with 📖 buttons to read them whole (one message must hold
    the description, BDT's comment and question, and the history of reports, each naming its sender when
    `senders` has them by report id, `earlier` ones counted with a 📜 button that lists them all); with how often
    it reports and what is due (`reporting`), and a button back to /mypledges' list when `listed`; `for_staff`: the
    organisation with its number (staff_notices.organisation_label); `reach`: the country groups it reaches on the
    reader's day (rules.derive_reach), said when given; `replaceable`: a report of a validated pledge, of another
    period than 📝 opens, offered to whoever `manages` the pledge to replace."""
    senders = senders or {}
    lines: list[Label] = [*pledge_card(pledge, entity, for_staff=for_staff, submitted_by=submitted_by),
                          Line(Text(N_("Status")), status_value(pledge.status)),
                          Line(Text(N_("Focus area")), labeller(FOCUS_AREA_LABELS)(pledge.focus_area)),
                          Line(Text(N_("Pillars")), Items(tuple(labeller(PILLAR_LABELS)(p) for p in pledge.pillars))),
                          Line(Text(N_("Beneficiaries")),
                               Items(tuple(labeller(BENEFICIARY_LABELS)(b) for b in pledge.beneficiary_groups)))]
    if pledge.target_value is not None and pledge.target_date is not None:
        # the unit in the form its count governs ("300 школ", not "300 школы"); a unit of no list, the number alone
        target = text(N_("{target} by {date}"), target=unit_count(int(pledge.target_value), pledge.target_unit or ""),
                      date=Day(pledge.target_date))
        lines.append(Line(Text(N_("Target")), target))
    if pledge.start_date and pledge.end_date:
        lines.append(Line(Text(N_("Period")), Concat((Day(pledge.start_date), " – ", Day(pledge.end_date)))))
    if reporting is not None:
        lines.append(reporting)
    if pledge.sdgs:
        lines.append(Line(Text(N_("SDGs")), Items(tuple(sdg_label(str(n)) for n in pledge.sdgs))))
    if pledge.wsis_action_lines:
        lines.append(Line(Text(N_("WSIS action lines")),
                          Items(tuple(labeller(WSIS_LABELS)(c) for c in pledge.wsis_action_lines))))
    lines.append(Line(Text(N_("Description")), shorten(pledge.description, COMMENT_EXCERPT)))
    wholes = long_fields(pledge, ("pd",), COMMENT_EXCERPT)
    if pledge.staff_comment and pledge.status in (PledgeStatus.changes_requested, PledgeStatus.rejected):
        lines.append(Line(Text(N_("BDT's comment")), shorten(pledge.staff_comment, COMMENT_EXCERPT)))
        wholes += long_fields(pledge, ("pc",), COMMENT_EXCERPT)
    groups = [Text(label) for flag, label in ((reach.ldc, N_("LDCs")), (reach.lldc, N_("LLDCs")),
                                              (reach.sids, N_("SIDS"))) if flag] if reach is not None else []
    if groups:
        lines.append(Line(Text(N_("Reaches")), Items(tuple(groups))))
    if history:
        lines.append(Line(Text(N_("Progress reports")), Concat(tuple(
            part for report in history for part in ("\n• ", report_line(report, senders.get(report.id or 0)))))))
        if earlier:
            lines.append(plural("{count} earlier report is not listed here: 📜 lists every report.",
                                "{count} earlier reports are not listed here: 📜 lists every report.", earlier))
        current = next((r for r in history if r.is_current and r.staff_comment
                        and r.review_status == ReviewStatus.clarification_requested), None)
        if current is not None:
            lines.append(Line(Text(N_("BDT's question")), shorten(current.staff_comment or "", COMMENT_EXCERPT)))
            wholes += long_fields(current, ("rq",), COMMENT_EXCERPT)
    if manages and pledge.status == PledgeStatus.rejected:  # no button to press: what is left to do
        lines.append(Text(REJECTED_NEXT))
    actions: list[Button] = []
    if manages and pledge.status == PledgeStatus.validated:
        actions.append(Button(Text(N_("📝 Report")), f"rp:open:{pledge.id}"))
    replace = ((replace_button(replaceable),),) if manages and replaceable is not None else ()
    if manages and pledge.status == PledgeStatus.changes_requested:
        actions.append(Button(Text(N_("✏️ Edit the pledge")), f"mp:edit:{pledge.id}"))
    if manages and pledge.status in WITHDRAWABLE:
        actions.append(Button(Text(N_("🗑 Withdraw")), f"mp:wd:{pledge.id}"))
    if listed:
        actions.append(Button(Text(N_("⬅️ All pledges")), "mp:list"))
    evidence = [Button(Concat(("📎 ", period_label(r.period))), f"rp:ev:{r.id}") for r in history if r.evidence]
    every = ((Button(plural("📜 All {count} report", "📜 All {count} reports", len(history) + earlier),
                     f"mp:hist:{pledge.id}"),),) if earlier else ()
    return Reply(tuple(lines), (*((tuple(actions),) if actions else ()), *replace, *((w,) for w in wholes),
                                *(tuple(evidence[i:i + 2]) for i in range(0, len(evidence), 2)), *every))


def _asked(code: str) -> tuple[str, int] | None:
    """(status, version) of the pledge as "Yes, withdraw" asked about it, from a code parsed as CONFIRMED (None for
    a status no pledge has: forged)."""
    _, _, _, version, status = code.split(":")
    return (status, int(version)) if status in {s.value for s in PledgeStatus} else None


def withdraw_question(pledge: Pledge) -> Reply:
    """Asked before withdrawing: "Yes, withdraw" names the pledge's version and status as asked about."""
    return Reply((text(N_("Withdraw {ref}? It will no longer count towards P2C."), ref=Code(pledge.ref or "")),),
                 ((Button(Text(N_("Yes, withdraw")),
                          f"mp:wdy:{pledge.id}:{pledge.version}:{PledgeStatus(pledge.status).value}"),
                   Button(Text(N_("No, keep it")), f"mp:open:{pledge.id}")),))


async def withdraw(conv: Conversation, pledge: Pledge, asked: tuple[str, int] | None) -> None:
    """Withdraw a pledge whose status allows it, if it is still as the person was asked about it (`asked`: status and
    version; None asks again); audit it, and tell staff, the organisation's other focal points and its coordinators
    who withdrew it. Changed meanwhile (a colleague's resubmission or withdrawal, staff deciding on it), nothing is
    withdrawn: the person is told, and asked again when it can still be withdrawn."""
    if pledge.status not in WITHDRAWABLE:
        conv.say(await cannot_withdraw(conv, pledge))
        return
    if asked is None:  # a button sent before it named what it asked about
        conv.say(withdraw_question(pledge))
        return
    seen = (str(pledge.status), pledge.version)
    if seen != asked or not await Pledges(conv.session).decide(pledge, seen, PledgeStatus.withdrawn,
                                                               pledge.staff_comment, conv.now):
        conv.say(await changed_since_asked(conv, pledge))
        return
    await audit(conv.session, conv.contact, "pledge.withdrawn", "pledge", pledge.id, ref=pledge.ref)
    await withdraw_changed(Reminders(conv.session), pledge.entity_id, conv.now)
    await Reminders(conv.session).drop_changes_reminders(pledge.id or 0)
    discarded = await discard_reports_on(conv.session, pledge)
    ref = Code(pledge.ref or "")

    def report_discarded(member: Contact) -> tuple[Label, ...]:
        return (text(DISCARDED_WITH_PLEDGE, pledge=ref),) if member.id in discarded else ()

    conv.say(Reply((text(N_("{ref} is withdrawn."), ref=ref), *report_discarded(conv.contact))))
    notice = Reply((text(N_("{ref} “{title}” was withdrawn by {person}."), ref=ref, title=pledge.title,
                         person=person_for_staff(conv.contact)),))
    staff = await staff_contacts(conv.session)
    for member in staff:
        await outbox.enqueue(conv.session, member, notice, f"withdrawn:{pledge.id}:{member.id}", priority=outbox.NOTICE)
    withdrew = text(N_("{person} withdrew {ref} “{title}”: it no longer counts towards P2C."),
                    person=name_of(conv.contact), ref=ref, title=pledge.title)
    news = Reply((withdrew,))
    told = {conv.contact.id, *(member.id for member in staff)}
    for member in await colleagues(conv, pledge.entity_id):
        told.add(member.id)
        await outbox.enqueue(conv.session, member, Reply((withdrew, *report_discarded(member))),
                             f"withdrawn-told:{conv.update_key}:{member.id}", priority=outbox.NOTICE)
    for member in await coordinators(conv, pledge.entity_id):  # told of its validation: told of its withdrawal
        if member.id not in told:
            await outbox.enqueue(conv.session, member, news, f"withdrawn-coordinator:{pledge.id}:{member.id}",
                                 priority=outbox.NOTICE)
    if seen[0] == PledgeStatus.submitted:  # its notification waited for a decision: no staff member should take one
        await close_notices(conv, pledge, PledgeStatus.withdrawn, person_for_staff(conv.contact))


NOT_WITHDRAWABLE = {
    PledgeStatus.completed: N_("{ref} is completed: it can no longer be withdrawn."),
    PledgeStatus.rejected: N_("BDT rejected {ref}: it does not count towards P2C, so there is nothing to withdraw."),
}
"""Why a pledge cannot be withdrawn, by status (a withdrawn one says who withdrew it and when: withdrawn_by)."""

NOT_EDITABLE = {
    PledgeStatus.submitted: N_("{ref} is waiting for BDT's review. You can change it if BDT asks for changes; until "
                               "then, you can withdraw it, or ask BDT with /ask."),
    PledgeStatus.validated: N_("{ref} is validated: it can no longer be changed. If something in it must change, ask "
                               "BDT with /ask."),
    PledgeStatus.completed: N_("{ref} is completed: it can no longer be changed."),
    PledgeStatus.rejected: N_("BDT rejected {ref}: it can no longer be changed."),
}
"""Why a pledge cannot be edited (only BDT's request for changes opens it), by status, and what can be done."""


async def cannot_withdraw(conv: Conversation, pledge: Pledge) -> Reply:
    """Why the pledge cannot be withdrawn: already withdrawn (by whom, when), completed, rejected."""
    if pledge.status == PledgeStatus.withdrawn:
        return Reply((await withdrawn_by(conv, pledge),))
    reason = NOT_WITHDRAWABLE.get(PledgeStatus(pledge.status))
    return Reply((text(reason, ref=Code(pledge.ref or "")) if reason else
                  Text(N_("This pledge can no longer be withdrawn.")),))


async def changed_since_asked(conv: Conversation, pledge: Pledge) -> Reply:
    """The pledge changed since "Yes, withdraw" was asked: its status now, and the question again when it can still
    be withdrawn (else why not)."""
    if pledge.status not in WITHDRAWABLE:
        return await cannot_withdraw(conv, pledge)
    question = withdraw_question(pledge)
    return Reply((text(N_("{ref} changed since you were asked: its status is now “{status}”. Nothing was withdrawn."),
                       ref=Code(pledge.ref or ""), status=status_label(pledge.status)), *question.parts),
                 question.buttons)


async def cannot_edit(conv: Conversation, pledge: Pledge) -> Reply:
    """Why the pledge cannot be edited now, and what its focal point can do instead (withdraw it, ask BDT)."""
    status = PledgeStatus(pledge.status)
    if status is PledgeStatus.withdrawn:
        return Reply((await withdrawn_by(conv, pledge), Text(N_("This pledge can no longer be edited."))))
    reason = NOT_EDITABLE.get(status)
    if reason is None:
        return Reply((Text(N_("This pledge can no longer be edited.")),))
    parts: tuple[Label, ...] = (text(reason, ref=Code(pledge.ref or "")),)
    if status is PledgeStatus.rejected:
        parts += (Text(REJECTED_NEXT),)
    actions = ((Button(Text(N_("🗑 Withdraw")), f"mp:wd:{pledge.id}"),),) if status in WITHDRAWABLE else ()
    return Reply(parts, actions)


async def withdrawn_by(conv: Conversation, pledge: Pledge) -> Label:
    """Who withdrew the pledge ("you" to themselves) and when, from the audit trail (the pledge's last change when
    it has no trace of it), in the reader's time zone."""
    assert pledge.id is not None
    entry = await AuditTrail(conv.session).last_entry("pledge", pledge.id, {"pledge.withdrawn"})
    actor = await Contacts(conv.session).get(entry[0]) if entry is not None and entry[0] is not None else None
    when = when_label(entry[1] if entry is not None else pledge.updated_at, await current_zone(conv))
    ref = Code(pledge.ref or "")
    if actor is None:
        return text(N_("{ref} was withdrawn on {when}."), ref=ref, when=when)
    if actor.id == conv.contact.id:
        return text(N_("You withdrew {ref} on {when}."), ref=ref, when=when)
    return text(N_("{person} withdrew {ref} on {when}."), person=name_of(actor), ref=ref, when=when)
