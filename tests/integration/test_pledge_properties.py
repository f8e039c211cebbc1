"""Property: whatever people send at whatever step, the bot answers and never stores a pledge that breaks a rule."""

from __future__ import annotations

import asyncio
import itertools
from datetime import date
from pathlib import Path

import pytest
from chat_driver import ChatDriver
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select
from test_pledges import focal_point

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.forms.scripts import least_length
from models.database import Database
from models.migrate import upgrade
from models.tables import Contact, Draft, Pledge
from models.values import BENEFICIARY_GROUPS, PILLARS, WSIS_ACTION_LINES, FocusArea, PledgeType

JUNK = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="🎉🙂🚀👍🏽❤️", min_size=1, max_size=10),
    st.text(alphabet="مرحبا بكم في الاتحاد שלום", min_size=1, max_size=60),
    st.just("x" * 5000),
    st.sampled_from(["/pledge", "/start", "/mypledges", "/help", "/cancel", "/language", "/unknown", "/"]),
)
STALE = st.sampled_from([
    "f:$sum:submit", "f:$sum:edit:title", "f:$cancel:no", "f:title:back", "f:countries:done", "f:pillars:c:skills",
    "f:focus_area:c:nonsense", "f:value_usd:skip", "pv:ok:1", "mp:wdy:1", "mp:edit:1", "pl:resume", "pl:restart",
    "lang:zz", "ent:ok:1", "f:sdgs:c:99", "f:target_unit:c:" + "x" * 50,
])
BAD = st.one_of(JUNK.map(lambda t: ("text", t)), STALE.map(lambda c: ("press", c)))
TURN = st.one_of(st.none(), st.none(), st.none(), BAD)
"""None: answer the current question well; otherwise a bad input."""

GOOD_BY_STEP: dict[str, list[tuple[str, str]]] = {
    "title": [("text", "Connect 500 rural schools")],
    "description": [("text", "We will connect 500 rural schools to broadband and train their teachers.")],
    "focus_area": [("press", "f:focus_area:c:access")],
    "pillars": [("press", "f:pillars:c:infrastructure"), ("press", "f:pillars:done")],
    "pledge_type": [("press", "f:pledge_type:c:financial")],
    "value_usd": [("text", "2.5 million")],
    "countries": [("text", "Senegal"), ("press", "f:countries:done")],
    "beneficiary_groups": [("press", "f:beneficiary_groups:c:schools"), ("press", "f:beneficiary_groups:done")],
    "target_value": [("text", "500")],
    "target_unit": [("press", "f:target_unit:c:schools")],
    "target_date": [("text", "31/12/2027")],
    "start_date": [("text", "2026-01-01")],
    "end_date": [("text", "2028-06-30")],
    "sdgs": [("press", "f:sdgs:skip")],
    "wsis_action_lines": [("press", "f:wsis_action_lines:skip")],
    "$sum": [("press", "f:$sum:submit")],
    "$cancel": [("press", "f:$cancel:no")],
}
LISTED: dict[str, list[tuple[str, str]]] = {
    "sdgs": [("press", "f:sdgs:c:4"), ("press", "f:sdgs:c:9"), ("press", "f:sdgs:done")],
    "wsis_action_lines": [("press", "f:wsis_action_lines:c:C2"), ("press", "f:wsis_action_lines:c:C7"),
                          ("press", "f:wsis_action_lines:done")],
}
"""The good answers that fill the lists the other good path skips (a review: no stored pledge ever had SDGs)."""
_people = itertools.count(70_000)


def check_rules(pledge: Pledge) -> None:
    # a minimum set in letters takes fewer characters in a denser script ("7 Chinese say 20 letters")
    assert least_length(pledge.title, 5) <= len(pledge.title) <= 200
    assert least_length(pledge.description, 20) <= len(pledge.description) <= 4000
    assert pledge.focus_area in FocusArea.__members__
    assert pledge.pillars and set(pledge.pillars) <= set(PILLARS[FocusArea(pledge.focus_area)])
    assert pledge.pledge_type in PledgeType.__members__
    assert pledge.value_usd is None or pledge.value_usd >= 0
    assert pledge.pledge_type != PledgeType.financial or pledge.value_usd is not None
    assert pledge.countries and set(pledge.beneficiary_groups) <= set(BENEFICIARY_GROUPS) and pledge.beneficiary_groups
    assert pledge.start_date and pledge.end_date and pledge.end_date >= pledge.start_date
    assert all(1 <= n <= 17 for n in pledge.sdgs) and set(pledge.wsis_action_lines) <= set(WSIS_ACTION_LINES)
    assert pledge.target_value is not None and pledge.target_value > 0 and pledge.target_date is not None
    assert pledge.ref and pledge.ref.startswith(f"P2C-{pledge.submitted_at.year if pledge.submitted_at else 0}-")


@pytest.fixture(scope="module")
def database_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("props") / "p2c.db"

    async def migrate() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        await upgrade(database)
        await database.dispose()

    asyncio.run(migrate())
    return path


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(turns=st.lists(TURN, min_size=40, max_size=80), listed=st.booleans())
@example(turns=[None] * 40, listed=True)  # the good path alone, filling the lists: they must be stored as given
def test_random_input_never_breaks_the_journey(database_file: Path, deps: Deps, renderer: Renderer,
                                               turns: list[tuple[str, str] | None], listed: bool) -> None:
    good = {**GOOD_BY_STEP, **LISTED} if listed else GOOD_BY_STEP

    async def play() -> None:
        database = Database(f"sqlite+aiosqlite:///{database_file}")
        chat = ChatDriver(database, deps, renderer)
        person_id = next(_people)
        try:
            await focal_point(chat, person_id, entity=f"Entity {person_id}")
            person = chat.person(person_id)
            await chat.send(person, "/pledge")
            for turn in turns:
                async with database.uow() as uow:
                    step = (await uow.session.execute(
                        select(Draft.step_id).join(Contact, col(Contact.id) == col(Draft.contact_id))
                        .where(Draft.form_id == "pledge", Contact.telegram_id == person_id))).scalar_one_or_none()
                if step is None:
                    break
                for kind, value in [turn] if turn else good[step]:
                    answers = await chat.press(person, value) if kind == "press" else await chat.send(person, value)
                    assert answers or value == "f:$sum:submit", f"no answer to {kind} {value[:40]!r}"
                    assert all(m.text.strip() for m in answers)
            async with database.uow() as uow:
                for pledge in (await uow.session.execute(select(Pledge))).scalars():
                    check_rules(pledge)
                    assert pledge.end_date is not None and pledge.end_date >= date(2020, 1, 1)
                if listed and not any(turns):
                    mine = (await uow.session.execute(select(Pledge).join(Contact, col(Contact.id) == col(
                        Pledge.created_by)).where(Contact.telegram_id == person_id))).scalar_one()
                    assert (mine.sdgs, mine.wsis_action_lines) == ([4, 9], ["C2", "C7"])
        finally:
            await database.dispose()

    asyncio.run(play())
