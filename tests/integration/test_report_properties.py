"""Property: whatever people send at whatever step of a report, the bot answers and stores only valid reports."""

from __future__ import annotations

import asyncio
import itertools
import re
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
from models.clock import utcnow
from models.database import Database
from models.migrate import upgrade
from models.tables import Contact, Draft, Pledge, ProgressReport
from models.values import PledgeStatus, PledgeType, ReportStatus

STEPS = "We connected 120 schools in Kolda and trained 300 teachers."
JUNK = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="🎉🙂🚀👍🏽❤️", min_size=1, max_size=10),
    st.text(alphabet="مرحبا بكم في الاتحاد ٠١٢٣٤٥٦٧٨٩%٪", min_size=1, max_size=60),
    st.just("x" * 5000), st.just("https://example.org/" + "a" * 600), st.just("see http://a.b/c and https://d.e"),
    st.sampled_from(["/report", "/start", "/mypledges", "/help", "/cancel", "/language", "/pledge", "-5", "101",
                     "1e999", "50 %", "١٠٠"]),
)
STALE = st.sampled_from([
    "f:$sum:submit", "f:$sum:edit:status", "f:$sum:edit:evidence", "f:$cancel:no", "f:status:back",
    "f:status:same", "f:status:sameall", "f:status:c:completed", "f:status:c:not_started", "f:status:c:zzz",
    "f:percent_complete:c:100", "f:percent_complete:c:77", "f:evidence:done", "f:women_share:c:50",
    "f:pledge_complete:c:yes", "f:steps_taken:skip", "f:challenges:skip", "rp:open:1", "rp:repl:1", "rp:edit:1",
    "rs:ack:1", "rs:ask:1", "pc:q:1", "rp:ev:1", "rp:resume", "rp:open:٣",
])
FILES = st.sampled_from([("photo", "AgACAgQ" + "p" * 20), ("document", "BQACAgQ" + "d" * 20)])
BAD = st.one_of(JUNK.map(lambda t: ("text", t)), STALE.map(lambda c: ("press", c)),
                FILES.map(lambda f: ("file", f"{f[0]}:{f[1]}")))
TURN = st.one_of(st.none(), st.none(), st.none(), BAD)
"""None: answer the current question well; otherwise a bad (or merely unexpected) input."""

GOOD_BY_STEP: dict[str, list[tuple[str, str]]] = {
    "status": [("press", "f:status:c:in_progress")],
    "percent_complete": [("text", "40")],
    "pledge_complete": [("press", "f:pledge_complete:c:no")],
    "value_disbursed": [("text", "1000")],
    "target_achieved": [("text", "120")],
    "beneficiaries_reached": [("text", "3000")],
    "women_share": [("text", "50")],
    "steps_taken": [("text", STEPS)],
    "challenges": [("press", "f:challenges:skip")],
    "partnership_needs": [("press", "f:partnership_needs:skip")],
    "evidence": [("press", "f:evidence:skip")],
    "$sum": [("press", "f:$sum:submit")],
    "$cancel": [("press", "f:$cancel:no")],
}
WITH_EVIDENCE: dict[str, list[tuple[str, str]]] = {
    "evidence": [("file", "photo:AgACAgQgoodphoto"), ("text", "https://example.org/kolda-report.pdf"),
                 ("press", "f:evidence:done")],
}
"""The good answers that keep evidence, which the other good path skips (a review: no stored report ever had any)."""
PERIOD = re.compile(r"^[0-9]{4}(-H[12]|-Q[1-4])?$")
_people = itertools.count(80_000)


def check_rules(report: ProgressReport, pledge: Pledge) -> None:
    """DOMAIN.md's rules of a progress report."""
    assert PERIOD.match(report.period) and report.status in ReportStatus.__members__
    assert 0 <= report.percent_complete <= 100
    assert report.value_disbursed_usd is None or (report.value_disbursed_usd >= 0
                                                  and pledge.pledge_type == PledgeType.financial)
    assert report.target_achieved is None or report.target_achieved >= 0
    assert report.beneficiaries_reached is None or report.beneficiaries_reached >= 0
    assert report.women_share_percent is None or (0 <= report.women_share_percent <= 100
                                                  and report.beneficiaries_reached)
    assert 20 <= len(report.steps_taken) <= 4000
    assert all(item["kind"] in ("photo", "document", "link") for item in report.evidence)
    assert len(report.evidence) <= 10
    if pledge.status == PledgeStatus.completed:
        assert report.percent_complete == 100 or report.status == ReportStatus.completed


@pytest.fixture(scope="module")
def database_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report-props") / "p2c.db"

    async def migrate() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        await upgrade(database)
        await database.dispose()

    asyncio.run(migrate())
    return path


async def seed_pledge(database: Database, telegram_id: int, financial: bool) -> int:
    """A validated pledge of the person's entity, written directly (the pledge journey has its own tests)."""
    async with database.uow() as uow:
        contact = (await uow.session.execute(select(Contact).where(Contact.telegram_id == telegram_id))).scalar_one()
        assert contact.entity_id is not None
        pledge = Pledge(entity_id=contact.entity_id, created_by=contact.id, title="Connect schools",
                        description="We will connect 500 rural schools.", focus_area="access",
                        pledge_type=PledgeType.financial if financial else PledgeType.programmatic,
                        value_usd=2_500_000 if financial else None, target_value=500, target_unit="schools",
                        start_date=date(2024, 1, 1), end_date=date(2029, 6, 30), status=PledgeStatus.validated,
                        validated_at=utcnow(), ref=f"P2C-2026-{telegram_id}")
        uow.session.add(pledge)
        await uow.session.flush()
        assert pledge.id is not None
        await uow.commit()
        return pledge.id


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(turns=st.lists(TURN, min_size=30, max_size=70), financial=st.booleans(), evidence=st.booleans())
@example(turns=[None] * 30, financial=True, evidence=True)  # the good path alone, with evidence: stored as given
def test_random_input_never_breaks_a_report(database_file: Path, deps: Deps, renderer: Renderer,
                                            turns: list[tuple[str, str] | None], financial: bool,
                                            evidence: bool) -> None:
    good = {**GOOD_BY_STEP, **WITH_EVIDENCE} if evidence else GOOD_BY_STEP

    async def play() -> None:
        database = Database(f"sqlite+aiosqlite:///{database_file}")
        chat = ChatDriver(database, deps, renderer)
        person_id = next(_people)
        try:
            await focal_point(chat, person_id, entity=f"Entity {person_id}")
            pledge_id = await seed_pledge(database, person_id, financial)
            person = chat.person(person_id)
            await chat.send(person, "/report")
            for turn in turns:
                async with database.uow() as uow:
                    step = (await uow.session.execute(
                        select(Draft.step_id).join(Contact, col(Contact.id) == col(Draft.contact_id))
                        .where(Draft.form_id == "report", Contact.telegram_id == person_id))).scalar_one_or_none()
                if step is None:
                    break
                for kind, value in [turn] if turn else good[step]:
                    if kind == "file":
                        file_kind, file_id = value.split(":", 1)
                        answers = await chat.send_file(person, file_kind, file_id, "proof.pdf")
                    elif kind == "press":
                        answers = await chat.press(person, value)
                    else:
                        answers = await chat.send(person, value)
                    assert answers or value == "f:$sum:submit", f"no answer to {kind} {value[:40]!r}"
                    assert all(m.text.strip() for m in answers)
            async with database.uow() as uow:
                pledge = await uow.session.get(Pledge, pledge_id)
                assert pledge is not None
                reports = (await uow.session.execute(
                    select(ProgressReport).where(ProgressReport.pledge_id == pledge_id))).scalars().all()
                for report in reports:
                    check_rules(report, pledge)
                current = [(r.period) for r in reports if r.is_current]
                assert len(current) == len(set(current))
                if evidence and not any(turns):
                    assert [(r.steps_taken, [(e["kind"], e.get("file_id") or e.get("url")) for e in r.evidence])
                            for r in reports] == [(STEPS, [("photo", "AgACAgQgoodphoto"),
                                                           ("link", "https://example.org/kolda-report.pdf")])]
        finally:
            await database.dispose()

    asyncio.run(play())
