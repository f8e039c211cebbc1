"""Start, language, help and invitations, through the sandbox and the real bot process."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import STAFF, buttons

from bot.sandbox.harness import BotStack

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_start_greets_in_the_telegram_language_and_asks(person_factory: Any) -> None:
    person = await person_factory("fr")
    replies = await person.say("/start")
    assert "Bonjour" in replies[0]["text"]
    assert {"f:consent:c:yes", "f:consent:cancel"} <= set(buttons(replies[-1]))  # consent before anything personal


async def test_language_button_switches_language(person_factory: Any) -> None:
    person = await person_factory("en")
    menu = await person.say("/language")
    assert {"lang:ar", "lang:zh", "lang:en", "lang:fr", "lang:ru", "lang:es"} == set(buttons(menu[0]))
    replies = await person.press("lang:ar")
    assert "العربية" in replies[0]["text"]
    help_replies = await person.say("/help")
    assert "/language" in help_replies[0]["text"] and re.search("[\u0600-\u06ff]", help_replies[0]["text"])


async def test_unknown_text_gets_help(person_factory: Any) -> None:
    person = await person_factory("ru")
    replies = await person.say("что это?")
    assert "/help" in replies[0]["text"]


async def test_invitation_deep_link_binds_the_person(stack: BotStack, person_factory: Any) -> None:
    link = await stack.cli("invite", "create", "--entity", "UNICEF Giga", "--role", "coordinator",
                           "--bot-username", "p2c_sandbox_bot")
    token = link.strip().rsplit("=", 1)[1]
    person = await person_factory("es")
    await person.say(f"/start {token}")
    await person.press("f:consent:c:yes")
    replies = await person.say("María Pérez")
    assert "UNICEF Giga" in replies[-1]["text"]
    other = await person_factory("es")
    used = await other.say(f"/start {token}")
    assert "ya se ha utilizado" in used[0]["text"] or "utiliz" in used[0]["text"]


async def test_registration_reaches_staff_who_validate(stack: BotStack, person_factory: Any) -> None:
    staff = await person_factory("en", "Bea", user_id=STAFF)
    focal = await person_factory("en", "Kofi")
    await focal.say("/start")
    await focal.press("f:consent:c:yes")
    await focal.say("Ghana Digital Agency")
    await focal.press("f:sector:c:government")
    await focal.say("Ghana")
    await focal.say("Kofi Mensah")
    done = await focal.press("f:$sum:submit")
    assert "waits for validation" in done[-1]["text"]
    notices = await staff.replies()
    notice = next(m for m in notices if "Ghana Digital Agency" in (m["text"] or ""))  # a photo has no text
    validate = next(code for code in buttons(notice) if code.startswith("ent:ok:"))
    await staff.press(validate, notice)
    news = await focal.replies()
    assert any("validated" in m["text"] for m in news)


async def test_command_menus_are_registered_per_language(stack: BotStack) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        for language, word in (("fr", "langue"), ("ar", "اللغة"), ("zh", "语言")):
            async with http.post(f"{stack.url}/bot{stack.token}/getMyCommands", json={"language_code": language}) as r:
                data = await r.json()
            assert data["ok"] and any(word in c["description"] for c in data["result"]), (language, data)
        # a language outside the six (pt, say) gets the default menu, in the default locale
        async with http.post(f"{stack.url}/bot{stack.token}/getMyCommands", json={}) as r:
            data = await r.json()
        assert data["ok"] and any("language" in c["description"] for c in data["result"]), data
