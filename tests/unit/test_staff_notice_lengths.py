"""The staff notice of a pledge shows every answer (exploratory finding c#8), and a resubmission's changes come in a
message of their own: each fits Telegram's limit in every language with the longest answers the form accepts, the
longest country names of that language included."""

from __future__ import annotations

import pytest
from test_message_lengths import WIDE, assert_fits, everything_pledge, pledge_of, submitter_named

from bot.i18n import Renderer
from handlers.messages import CountryName
from handlers.pledges.form import PLEDGE_FORM
from handlers.pledges.notices import Resubmission, changed_fields, changes_notice, review_notice
from models.geography import load_country_table
from models.tables import Entity
from models.values import LANGUAGES, PledgeStatus


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_the_notice_and_the_changes_fit_with_the_longest_country_names(renderer: Renderer, locale: str) -> None:
    longest = sorted(load_country_table(), key=lambda iso3: -len(renderer.label(CountryName(iso3), locale)))
    worst = (WIDE * 4000)[:4000]  # every character outside the BMP: two UTF-16 units each
    before = {**everything_pledge(worst[:200], worst), "countries": longest[:40]}
    after = {**before, "countries": longest[40:80], "title": "Connect 500 schools", "sdgs": None}
    pledge = pledge_of(before, worst)
    pledge.status = PledgeStatus.submitted
    entity = Entity(id=1, name=worst[:200], name_key="x", sector="other")
    assert_fits(renderer, review_notice(pledge, entity, submitter_named(worst)), f"the notice in {locale}")
    changes = changed_fields(before, after)
    assert len(changes) == 3
    assert_fits(renderer, changes_notice(pledge, Resubmission(worst, changes)), f"the changes in {locale}")


def test_the_notice_names_every_question_of_the_form(renderer: Renderer) -> None:
    pledge = pledge_of(everything_pledge("Connect 500 schools", "We will connect 500 schools."), "")
    shown = renderer.reply(review_notice(pledge, Entity(id=1, name="Ministry", name_key="m", sector="other"),
                                         submitter_named("Awa Diop")), "en").text
    for step in PLEDGE_FORM.steps:
        assert f"<b>{step.label}</b>: " in shown, step.id
