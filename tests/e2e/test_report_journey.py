"""A progress report through the sandbox and the real bot process, in French and in Arabic.

Staff validate a pledge; the focal point reports with a mistake, a Back and a photo; staff ask for a
clarification; the focal point edits the report; staff acknowledge it; /mypledges shows it, and its
photo is sent again on request. Interactions are counted.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import STAFF, buttons
from sqlmodel import select
from test_pledge_journey import Counter, fill, make_focal_point

from bot.sandbox.harness import BotStack
from models.database import Database
from models.tables import ProgressReport
from models.values import ReviewStatus
from tests.sandbox.media_samples import png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

WORDS: dict[str, dict[str, str]] = {
    "fr": {"wrong": "beaucoup", "people": "3 000",
           "steps": "Nous avons raccordé 120 écoles à Kolda et formé 300 enseignants au numérique.",
           "question": "Quelles régions exactement ont subi des coupures ?",
           "challenges": "Coupures d’électricité à Kolda et Sédhiou.", "overview": "dernier rapport"},
    "ar": {"wrong": "كثير", "people": "٣٠٠٠",
           "steps": "ربطنا 120 مدرسة في كولدا ودرّبنا 300 معلم على المهارات الرقمية.",
           "question": "Which regions exactly had power cuts?",
           "challenges": "انقطاع الكهرباء في كولدا وسيديو.", "overview": "آخر تقرير"},
}


async def wait_for(person: Any, code: str) -> dict[str, Any]:
    """The first message with a button `code` among the person's new messages (waiting for it)."""
    for _ in range(20):
        for message in await person.replies(at_least=1, timeout=5.0):
            if code in buttons(message):
                return message
    raise AssertionError(f"no message with {code}")


async def reported(stack: BotStack, report_id: int) -> ProgressReport:
    database = Database(stack.database_url)
    try:
        async with database.uow() as uow:
            report = await uow.session.get(ProgressReport, report_id)
    finally:
        await database.dispose()
    assert report is not None
    return report


async def last_report_id(stack: BotStack) -> int:
    database = Database(stack.database_url)
    try:
        async with database.uow() as uow:
            found = (await uow.session.execute(select(ProgressReport.id).order_by(
                ProgressReport.id.desc()).limit(1))).scalar_one()  # type: ignore[union-attr]
    finally:
        await database.dispose()
    return int(found)


@pytest.mark.parametrize("language", ["fr", "ar"])
async def test_report_review_and_edit(stack: BotStack, person_factory: Any, language: str) -> None:
    words = WORDS[language]
    staff = await person_factory("en", "Bea", user_id=STAFF)
    focal = await make_focal_point(stack, person_factory, language)
    submitted = await fill(Counter(focal), language, mistakes=False)
    ref = re.search(r"P2C-\d{4}-(\d{5})", submitted[-1]["text"])
    assert ref is not None
    pledge_id = int(ref.group(1))
    card = await wait_for(staff, f"pv:ok:{pledge_id}:1")
    await staff.press(f"pv:ok:{pledge_id}:1", card)
    await focal.replies()                                    # "validated"

    who = Counter(focal)
    opened = await who.say("/report")
    assert "f:status:c:in_progress" in buttons(opened[-1]), opened[-1]["text"]
    await who.press("f:status:c:in_progress")
    again = await who.say(words["wrong"])                     # mistake: not a number
    assert "f:percent_complete:c:50" in buttons(again[-1])
    await who.say("40")
    back = await who.press("f:value_disbursed:back")          # Back to the percentage
    assert "f:percent_complete:c:50" in buttons(back[-1])
    disbursed = await who.press("f:percent_complete:c:50")
    assert "500" in disbursed[-1]["text"]                     # of the 2,500,000 USD pledged (a financial pledge)
    target = await who.say("1200000")
    assert "500" in target[-1]["text"]                        # the question names the target
    await who.say("120")
    await who.say(words["people"])
    await who.say("52")
    await who.say(words["steps"])
    await who.press("f:challenges:skip")
    await who.press("f:partnership_needs:skip")
    who.count += 1
    await stack.people.send_photo(focal.id, png_bytes())
    received = await focal.replies()
    assert "f:evidence:done" in buttons(received[-1]), received[-1]["text"]
    summary = await who.press("f:evidence:done")
    assert "f:$sum:submit" in buttons(summary[-1])
    done = await who.press("f:$sum:submit")
    assert ref.group(0) in done[-1]["text"]
    print(f"\n{language}: first report with a mistake and a Back: {who.count} interactions")
    report_id = await last_report_id(stack)

    ask = await wait_for(staff, f"rs:ask:{report_id}:1")  # on the version shown
    await staff.press(f"rs:ask:{report_id}:1", ask)
    await staff.say(words["question"])
    clarification = await wait_for(focal, f"rp:edit:{report_id}")
    assert words["question"] in clarification["text"]
    await focal.press(f"rp:edit:{report_id}", clarification)
    await focal.press("f:$sum:edit:challenges")
    await focal.say(words["challenges"])
    await focal.press("f:$sum:submit")

    edited = await wait_for(staff, f"rs:ack:{report_id}:2")  # the edit's
    assert "edited" in edited["text"]
    await staff.press(f"rs:ack:{report_id}:2", edited)
    await focal.replies()                                    # "acknowledged"
    report = await reported(stack, report_id)
    assert report.review_status == ReviewStatus.acknowledged and report.version == 2
    assert report.percent_complete == 50 and report.beneficiaries_reached == 3000
    assert report.value_disbursed_usd == 1_200_000
    assert report.challenges == words["challenges"]
    assert [item["kind"] for item in report.evidence] == ["photo"]

    overview = await focal.say("/mypledges")
    assert words["overview"] in overview[-1]["text"] and "50" in overview[-1]["text"]
    details = await focal.press(f"mp:open:{pledge_id}")
    assert f"rp:ev:{report_id}" in buttons(details[-1])
    resent = await focal.press(f"rp:ev:{report_id}")
    assert any("photo" in message for message in resent), resent
