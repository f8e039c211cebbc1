"""Questions to BDT through the sandbox and the real bot process (issue 15).

A Spanish focal point asks a question with a photo; two staff members see it; one takes it and answers by
replying to it in English; the person answers back by replying to the answer; the thread closes; /questions
shows it closed.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from conftest import STAFF, buttons
from test_pledge_journey import make_focal_point
from test_report_journey import wait_for

from bot.sandbox.harness import BotStack
from models.database import Database
from models.repositories.questions import Questions
from tests.sandbox.media_samples import png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]
QUESTION = "¿Cómo declaro una promesa financiera en euros?"
ANSWER = "Please give the amount in US dollars; we convert at the UN operational rate."
BACK = "Entendido, gracias. ¿Qué tasa usan para 2026?"
READING = 0.6
"""A person reads a message before replying to it; delivery records Telegram's message ids every 0.25 s on SQLite,
and a reply-to is traced to its thread by them."""


async def photo_of(stack: BotStack, user_id: int, thread_id: int) -> bool:
    """True once the person's chat holds the photo of the thread (it follows the question's copy)."""
    for _ in range(50):
        assert await stack.people.wait_idle(timeout=15.0, quiet_ms=150)
        messages = (await stack.people.chat(user_id))["messages"]
        if any(m.get("photo") and f"Q-{thread_id}" in (m.get("caption") or "") for m in messages):
            return True
        await asyncio.sleep(0.1)
    return False


async def test_a_spanish_question_with_a_photo_answered_by_reply_to(stack: BotStack, person_factory: Any) -> None:
    bea = await person_factory("en", "Bea", user_id=STAFF)
    carl = await person_factory("en", "Carl")
    await stack.cli("admin", "grant", str(carl.id), "staff")
    await carl.say("/help")
    ana = await make_focal_point(stack, person_factory, "es")

    composer = await ana.say("/ask")
    assert "P2C" in composer[-1]["text"]
    await ana.say(QUESTION)
    await stack.people.send_photo(ana.id, png_bytes(), caption="Adjunto la captura de pantalla.")
    gathered = await ana.replies()
    assert "f:message:send" in buttons(gathered[-1]), gathered[-1]["text"]
    sent = await ana.press("f:message:send")
    found = re.search(r"Q-(\d+)", sent[-1]["text"])
    assert found is not None, sent[-1]["text"]
    thread_id = int(found.group(1))

    copies = {}
    for staff in (bea, carl):  # both see it, with who asked, in which language, and the photo
        copy = await wait_for(staff, f"qa:take:{thread_id}")
        assert QUESTION in copy["text"] and "Reads the bot in Spanish" in copy["text"] and "Focal Point" in copy["text"]
        assert await photo_of(stack, staff.id, thread_id), "the photo reached staff"
        copies[staff.id] = copy

    taken = await carl.press(f"qa:take:{thread_id}", copies[carl.id])
    assert "yours" in taken[-1]["text"]
    second = await bea.press(f"qa:take:{thread_id}", copies[bea.id])
    assert "taken by Carl" in second[-1]["text"]

    await asyncio.sleep(READING)
    await stack.people.send_text(carl.id, ANSWER, reply_to=int(copies[carl.id]["message_id"]))
    assert "is sent" in (await carl.replies())[-1]["text"]
    answer = await wait_for(ana, f"qa:re:{thread_id}")
    assert ANSWER in answer["text"] and "La BDT respondió a su pregunta" in answer["text"]  # her language, his words

    await asyncio.sleep(READING)
    await stack.people.send_text(ana.id, BACK, reply_to=int(answer["message_id"]))
    assert f"Q-{thread_id}" in (await ana.replies())[-1]["text"]
    follow_up = await wait_for(carl, f"qa:close:{thread_id}")
    assert BACK in follow_up["text"]

    closed = await carl.press(f"qa:close:{thread_id}", follow_up)
    assert "closed" in closed[-1]["text"]
    told = await ana.replies()
    assert any(f"Q-{thread_id}" in m["text"] for m in told)
    listing = await carl.say("/questions")
    assert re.search(rf"Q-{thread_id}\S* · closed", listing[-1]["text"]), listing[-1]["text"]

    database = Database(stack.database_url)
    try:
        async with database.uow() as uow:
            thread = await Questions(uow.session).get(thread_id)
            messages = await Questions(uow.session).messages(thread_id)
    finally:
        await database.dispose()
    assert thread is not None and thread.status == "closed" and thread.language == "es"
    assert [(m.from_staff, m.text.split("\n\n")[0], len(m.files)) for m in messages] == [
        (False, QUESTION, 1), (True, ANSWER, 0), (False, BACK, 0)]


async def test_an_album_sent_at_once_is_offered_as_one_message(stack: BotStack, person_factory: Any) -> None:
    """Three photos sent together reach the bot as three messages sharing a media_group_id: the person sees one
    offer, brought up to date, not three."""
    ana = await make_focal_point(stack, person_factory, "es")
    await ana.replies(at_least=0, timeout=2)
    before = ana.seen
    await stack.people.send_album(ana.id, [("photo", png_bytes(), None)] * 3, caption="La antena del techo.")
    shown: list[dict[str, Any]] = []
    for _ in range(60):
        assert await stack.people.wait_idle(timeout=15.0, quiet_ms=150)
        shown = [m for m in (await stack.people.chat(ana.id, since=before))["messages"] if m["from_bot"]]
        if shown and "3 archivos adjuntos" in shown[-1]["text"]:
            break
        await asyncio.sleep(0.25)
    assert len({m["message_id"] for m in shown}) == 1, [m["text"] for m in shown]
    assert "3 archivos adjuntos" in shown[-1]["text"] and "f:message:send" in buttons(shown[-1])
