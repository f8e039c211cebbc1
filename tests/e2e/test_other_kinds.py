"""Stickers, voice notes, locations, contacts, edits, replies and forwards through the sandbox: never silence."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]
ONLY = {"en": "I can only read text, documents and photos here.",
        "fr": "Je ne sais lire ici que du texte, des documents et des photos.",
        "ar": "لا يمكنني هنا إلا قراءة النصوص والمستندات والصور."}


@pytest.mark.parametrize("kind, spec", [
    ("sticker", {"emoji": "🎉"}), ("voice", {"duration": 2}), ("location", {"latitude": 14.69, "longitude": -17.44}),
    ("contact", {"phone_number": "+221 77 000 00 00", "first_name": "Awa"}),
])
@pytest.mark.parametrize("language", ["en", "fr", "ar"])
async def test_other_kinds_get_a_localized_answer(person_factory: Any, kind: str, spec: dict[str, Any],
                                                  language: str) -> None:
    person = await person_factory(language)
    await person.stack.people.send(person.id, kind, spec)
    replies = await person.replies()
    assert replies and ONLY[language] in replies[0]["text"]


async def test_a_location_shared_at_the_time_zone_question_offers_its_zone(person_factory: Any) -> None:
    """Through Telegram's updates: a location shared at /settings' "Where are you?" offers the zone kept there."""
    person = await person_factory("es")
    await person.say("/settings")
    asked = await person.press("st:tz")
    assert "comparta su ubicación" in asked[-1]["text"]
    await person.stack.people.send(person.id, "location", {"latitude": 14.69, "longitude": -17.44})
    offered = await person.replies()
    assert "Según la ubicación que ha compartido" in offered[-1]["text"] and "Dakar" in offered[-1]["text"]
    done = await person.press("f:zone:c:Africa/Dakar")
    assert "Africa/Dakar" in done[-1]["text"]


async def test_in_a_form_the_question_comes_again_and_an_edit_is_explained(person_factory: Any) -> None:
    person = await person_factory("en")
    await person.say("/start")
    started = await person.press("f:consent:c:yes")
    assert "name of your organisation" in started[-1]["text"]
    replies = await person.stack.people.send(person.id, "sticker", {"emoji": "👍"})
    answers = await person.replies()
    assert replies["update_id"] and "This question needs a typed answer or a button." in answers[0]["text"]
    assert "name of your organisation" in answers[0]["text"]
    sent = await person.stack.people.send_text(person.id, "Ministry of ICT")
    sector = await person.replies()
    assert "sector" in sector[-1]["text"]
    await person.stack.people.edit_text(person.id, sent["message_id"], "Ministry of Digital Economy")
    edited = await person.replies()
    assert "I do not read edited messages" in edited[0]["text"] and "sector" in edited[0]["text"]


async def test_replies_and_forwards_are_read_as_text(person_factory: Any) -> None:
    person = await person_factory("en")
    await person.say("/start")
    started = await person.press("f:consent:c:yes")
    await person.stack.people.send_text(person.id, "Ministry of ICT", reply_to=int(started[-1]["message_id"]))
    assert "sector" in (await person.replies())[-1]["text"]
    await person.stack.people.send_text(person.id, "/help", forward_from={"sender_user_name": "Someone"})
    assert await person.replies()
