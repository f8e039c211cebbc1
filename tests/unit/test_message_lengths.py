"""Property: with every answer as long as the forms accept, every summary, question, notice and list of the pledge,
report and broadcast journeys fits Telegram's limits in all six languages, without the renderer's last-resort cut
(the journeys shorten long fields themselves).
/broadcasts lists at most twenty lines of figures and dates a message, with nothing written by people: it is not a
case here."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.i18n import Renderer
from handlers.broadcasts.audience import SEGMENTS
from handlers.broadcasts.composer import BROADCAST_FORM
from handlers.forms.base import Form, FormContext, FormState
from handlers.forms.engine import DEFAULTS, SUMMARY, prompt, whole_text
from handlers.lengths import CAPTION_LIMIT, TEXT_LIMIT, parts, visible_length
from handlers.messages import Label, Reply
from handlers.paging import SHOWN, Page
from handlers.pledges.form import PLEDGE_FORM
from handlers.pledges.listing import details_reply, list_reply
from handlers.pledges.notices import Resubmission, changed_fields, changes_notice, pledge_notice, review_notice
from handlers.pledges.rules import Reach
from handlers.reports.cadence import cadence_line
from handlers.reports.form import FINANCIAL, PERIOD, PLEDGE_ID, REPORT_FORM, TARGET, UNIT, VALUE
from handlers.reports.service import choice_reply, report_notice
from handlers.vocabulary import TARGET_UNITS
from models.geography import load_country_table
from models.reminding import Reminding
from models.reporting import NextReport
from models.tables import Contact, Entity, Pledge, ProgressReport
from models.values import (
    BENEFICIARY_GROUPS,
    LANGUAGES,
    PILLARS,
    SDGS,
    WSIS_ACTION_LINES,
    FocusArea,
    PledgeStatus,
    ReviewStatus,
)

TODAY = date(2026, 12, 1)
WIDE = "\U0001f680\U0001f30d"  # outside the BMP: two UTF-16 units each, what Telegram counts
ALPHABET = st.sampled_from(list("abcdefghij <>&\"'\n") + list("مرحبا") + list("互联互通") + list("Связь") + list(WIDE))


def long_text(size: int) -> st.SearchStrategy[str]:
    """Texts of exactly `size` characters (a random pattern repeated), with entities to escape, right-to-left,
    CJK and astral characters; the worst case, every character outside the BMP, always among them."""
    pattern = st.text(alphabet=ALPHABET, min_size=1, max_size=50).filter(lambda t: t.strip() != "")
    return st.one_of(st.just(WIDE), pattern).map(lambda seed: (seed * (size // len(seed) + 1))[:size])


def body_of(renderer: Renderer, message: Reply, locale: str) -> str:
    """The text as rendered before the renderer's last-resort fitting (its lines marked in the language's direction)."""
    return renderer.body(message, locale)


def assert_fits(renderer: Renderer, message: Reply, what: str) -> None:
    limit = CAPTION_LIMIT if message.attachment is not None else TEXT_LIMIT
    for locale in LANGUAGES:
        length = visible_length(body_of(renderer, message, locale))
        assert length <= limit, f"{what} in {locale}: {length} > {limit}"
        assert visible_length(renderer.reply(message, locale).text) <= limit


def ctx(renderer: Renderer, locale: str = "en") -> FormContext:
    return FormContext(locale, TODAY, lambda label: renderer.label(label, locale, markup=False))


def every_prompt(renderer: Renderer, form: Form, answers: dict[str, Any], what: str) -> None:
    """The summary, and each question asked again with every answer given (what /pledge or Back shows)."""
    for step in [SUMMARY, *(s.id for s in form.steps)]:
        state = FormState(step=step, answers=answers, editing=step != SUMMARY)
        assert_fits(renderer, prompt(form, state, ctx(renderer)), f"{what} at {step}")


def everything_pledge(title: str, description: str) -> dict[str, Any]:
    area = max(FocusArea, key=lambda a: len(PILLARS[a]))
    return {"title": title, "description": description, "focus_area": area.value, "pillars": list(PILLARS[area]),
            "pledge_type": "financial", "value_usd": "999999999999999.99", "countries": sorted(load_country_table()),
            "beneficiary_groups": list(BENEFICIARY_GROUPS), "target_value": 10**12,
            "target_unit": max(TARGET_UNITS, key=len), "target_date": "2030-12-31", "start_date": "2026-01-01",
            "end_date": "2030-12-31", "sdgs": [str(n) for n in SDGS], "wsis_action_lines": list(WSIS_ACTION_LINES)}


def everything_report(steps: str, challenges: str, needs: str, link: str) -> dict[str, Any]:
    answers = {"status": "in_progress", "percent_complete": 100, "pledge_complete": "no",
               "value_disbursed": "999999999999999.99", "target_achieved": 10**12, "beneficiaries_reached": 10**10,
               "women_share": 100, "steps_taken": steps, "challenges": challenges, "partnership_needs": needs,
               "evidence": [{"kind": "link", "url": link}] * 5 + [{"kind": "document", "file_id": "x" * 200,
                                                                    "name": link[:200]}] * 5}
    hidden = {PLEDGE_ID: 1, PERIOD: "2026-H2", UNIT: max(TARGET_UNITS, key=len), TARGET: 10**12,
              VALUE: "999999999999999.99", FINANCIAL: True}
    defaults = {key: value for key, value in answers.items() if key != "evidence"}
    return {**hidden, **answers, DEFAULTS: defaults}


def pledge_of(answers: dict[str, Any], comment: str) -> Pledge:
    return Pledge(id=999_999, ref="P2C-2026-99999", entity_id=1, title=answers["title"],
                  description=answers["description"], focus_area=answers["focus_area"], pillars=answers["pillars"],
                  pledge_type="financial", value_usd=Decimal(answers["value_usd"]), countries=answers["countries"],
                  beneficiary_groups=answers["beneficiary_groups"], target_value=Decimal(10**12),
                  target_unit=answers["target_unit"], target_date=date(2030, 12, 31), start_date=date(2026, 1, 1),
                  end_date=date(2030, 12, 31), sdgs=list(SDGS), wsis_action_lines=list(WSIS_ACTION_LINES),
                  status=PledgeStatus.changes_requested, targets_ldc=True, targets_lldc=True, targets_sids=True,
                  staff_comment=comment)


def submitter_named(name: str) -> Contact:
    """The focal point a pledge or report notice names: the longest name a contact keeps, with the longest
    Telegram id."""
    return Contact(id=1, telegram_id=2**52, chat_id=2**52, first_name=name[:128], full_name=name[:200])


def report_of(answers: dict[str, Any], number: int, comment: str) -> ProgressReport:
    return ProgressReport(id=number, pledge_id=999_999, period="2026-H2", status="in_progress", percent_complete=100,
                          value_disbursed_usd=Decimal("999999999999999.99"), target_achieved=Decimal(10**12),
                          beneficiaries_reached=10**10, women_share_percent=100, steps_taken=answers["steps_taken"],
                          challenges=answers["challenges"], partnership_needs=answers["partnership_needs"],
                          evidence=answers["evidence"], created_at=datetime(2026, 12, 1), is_current=number == 1,
                          review_status=ReviewStatus.clarification_requested, staff_comment=comment, version=9)


SETTINGS = settings(max_examples=6, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
"""No shrinking: a failing example names the message, the language and its length, which is what to know."""


@SETTINGS
@given(title=long_text(200), description=long_text(4000), comment=long_text(4000), name=long_text(200))
def test_pledge_summary_details_and_notice_fit(renderer: Renderer, title: str, description: str, comment: str,
                                               name: str) -> None:
    answers = everything_pledge(title, description)
    every_prompt(renderer, PLEDGE_FORM, answers, "pledge form")
    pledge, entity = pledge_of(answers, comment), Entity(id=1, name=name, name_key=name, sector="other")
    assert_fits(renderer, pledge_notice(pledge, entity, submitter_named(name)), "pledge notice to staff")
    history = [report_of(everything_report(description, description, description, "https://x"), n, comment[:1500])
               for n in range(1, 6)]
    status, pledge.status, pledge.start_date = pledge.status, PledgeStatus.validated, date(2020, 1, 1)
    reporting = cadence_line(pledge, set(), TODAY, stopped=True)  # six reports owed, and its reminders stopped
    pledge.status = status
    assert_fits(renderer, details_reply(pledge, entity, history, manages=True, earlier=100_000, reporting=reporting,
                                        reach=Reach(True, True, True, [])), "pledge details")


@SETTINGS
@given(steps=long_text(4000), challenges=long_text(4000), needs=long_text(4000), link=long_text(500),
       name=long_text(200), title=long_text(200))
def test_report_summary_and_notice_fit(renderer: Renderer, steps: str, challenges: str, needs: str, link: str,
                                       name: str, title: str) -> None:
    answers = everything_report(steps, challenges, needs, "https://" + link.replace(" ", "")[:490])
    every_prompt(renderer, REPORT_FORM, answers, "report form")
    pledge = pledge_of(everything_pledge(title, steps), "")
    entity = Entity(id=1, name=name, name_key=name, sector="other")
    assert_fits(renderer, report_notice(report_of(answers, 1, ""), pledge, entity, submitter_named(name),
                                        report_of(answers, 2, "")), "report notice to staff")


@SETTINGS
@given(message=long_text(4096 - 7), translation=long_text(4096))
def test_broadcast_composer_fits(renderer: Renderer, message: str, translation: str) -> None:
    escaped = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    answers = {"audience": list(SEGMENTS), "language": "en", "text": f"<b>{escaped}</b>",
               "translations": {code: translation.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                                for code in LANGUAGES if code != "en"},
               "fallback": "en", "when": "later", "send_at": "2030-12-31T23:59"}
    every_prompt(renderer, BROADCAST_FORM, answers, "broadcast composer")


@SETTINGS
@given(title=long_text(200))
def test_lists_of_pledges_fit(renderer: Renderer, title: str) -> None:
    pledges = []
    for n in range(1, SHOWN + 1):
        pledge = pledge_of(everything_pledge(title, title), "")
        pledge.id, pledge.ref, pledge.status = n, f"P2C-2026-{n:05d}", PledgeStatus.validated
        pledge.start_date = date(2020, 1, 1)  # overdue: the longest line
        pledges.append(pledge)
    latest = {p.id or 0: report_of(everything_report(title, title, title, "https://x"), 1, "") for p in pledges}
    page = Page(100_000, 10_000, SHOWN)  # a later page with more after it: every line of a page is there
    stopped = frozenset(p.id or 0 for p in pledges)  # reminders stopped: one more line each
    assert_fits(renderer, list_reply(pledges, {}, latest, TODAY, page, reporter=True, stopped=stopped), "/mypledges")
    behind = Reminding("2027-Q3", 1000, date(2027, 10, 17))  # a pledge behind on many: the longest line
    dues = [(NextReport("2026-Q4", date(2027, 1, 30), True), pledge, behind) for pledge in pledges]
    assert_fits(renderer, choice_reply(dues, page, TODAY), "the pledges to report on")


@SETTINGS
@given(value=long_text(4000))
def test_whole_texts_come_in_parts_that_fit(renderer: Renderer, value: str) -> None:
    pieces: tuple[Label, ...] = tuple(parts(value))
    assert "".join(str(p) for p in pieces).replace(" ", "").replace("\n", "") == \
        value.replace(" ", "").replace("\n", "")
    for message in whole_text("Description", pieces):
        assert_fits(renderer, message, "a part of a long text")


@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_renderer_never_hands_delivery_a_text_telegram_refuses(renderer: Renderer, locale: str) -> None:
    huge = Reply(tuple("x<&" * 1000 for _ in range(5)))
    assert visible_length(renderer.reply(huge, locale).text) <= TEXT_LIMIT
    caption = Reply(("é" * 1500,), attachment=("photo", "file"))
    assert visible_length(renderer.reply(caption, locale).text) <= CAPTION_LIMIT


@SETTINGS
@given(title=long_text(200), description=long_text(4000), comment=long_text(4000), name=long_text(200))
def test_a_resubmission_notice_with_every_field_changed_fits(renderer: Renderer, title: str, description: str,
                                                             comment: str, name: str) -> None:
    before = everything_pledge(title, description)
    area = min(FocusArea, key=lambda a: len(PILLARS[a]))
    after = {**everything_pledge(("New " + title)[:200], ("New " + description)[:4000]), "focus_area": area.value,
             "pillars": list(PILLARS[area]), "pledge_type": "programmatic", "value_usd": "1",
             "countries": sorted(load_country_table())[::2], "beneficiary_groups": list(BENEFICIARY_GROUPS)[:1],
             "target_value": 1, "target_unit": min(TARGET_UNITS, key=len), "target_date": "2027-01-01",
             "start_date": "2026-06-01", "end_date": "2027-06-30", "sdgs": ["4"], "wsis_action_lines": ["C1"]}
    changes = changed_fields(before, after)
    assert len(changes) == len(PLEDGE_FORM.steps)
    pledge, entity = pledge_of(after, comment), Entity(id=1, name=name, name_key=name, sector="other")
    pledge.status = PledgeStatus.submitted
    assert_fits(renderer, review_notice(pledge, entity, submitter_named(name)), "a resubmitted pledge's notice")
    assert_fits(renderer, changes_notice(pledge, Resubmission(comment, changes)), "a resubmission's changes")
