"""Every object the sandbox hands out is complete per the official table and parses in aiogram and PTB."""

from __future__ import annotations

from typing import Any

import aiogram.types as ag
import aiohttp
import pytest
import telegram

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from bot.sandbox.validation import detect_entities

from .conftest import BotCall
from .media_samples import png_bytes

SCALARS = {"Integer", "String", "Boolean", "Float", "True"}


def check_object(value: Any, type_name: str, table: dict[str, Any], where: str = "") -> None:
    """Fail unless `value` has every required field of `type_name`, and only known fields, recursively."""
    if type_name.startswith("Array of "):
        assert isinstance(value, list), f"{where}: expected {type_name}"
        for index, item in enumerate(value):
            check_object(item, type_name[len("Array of "):], table, f"{where}[{index}]")
        return
    if type_name in SCALARS:
        return
    spec = table["types"][type_name]
    if spec.get("subtypes"):
        problems = []
        for subtype in spec["subtypes"]:
            try:
                check_object(value, subtype, table, where)
                return
            except AssertionError as exc:
                problems.append(str(exc))
        raise AssertionError(f"{where}: matches no subtype of {type_name}: {problems}")
    assert isinstance(value, dict), f"{where}: expected a {type_name} object"
    fields = {f["name"]: f for f in spec.get("fields", [])}
    assert set(value) <= set(fields), f"{where}: {type_name} has unknown fields {set(value) - set(fields)}"
    for name, field in fields.items():
        if name not in value:
            assert not field["required"], f"{where}: {type_name}.{name} is required"
            continue
        alternatives = field["types"]
        errors = []
        for alternative in alternatives:
            try:
                check_object(value[name], alternative, table, f"{where}.{name}")
                break
            except AssertionError as exc:
                errors.append(str(exc))
        else:
            raise AssertionError("; ".join(errors))


async def produce_everything(sandbox: SandboxServer, people: SandboxClient, call: BotCall,
                             http: aiohttp.ClientSession) -> dict[str, Any]:
    """Drive a conversation that makes the sandbox return every kind of object it has."""
    out: dict[str, Any] = {}
    await people.send_text(101, "/start pledge_42 see https://itu.int and write to a.b@itu.int #P2C @someone")
    await people.send_text(102, "مرحبا، أريد أن أتعهد 😀 /help")
    await people.send_document(101, b"a,b\n1,2\n", "report.csv", "text/csv", caption="my report")
    await people.send_photo(102, png_bytes(4, 3), caption="site")
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}, {"text": "ITU", "url": "https://itu.int"}]]}
    _, sent = await call("sendMessage", chat_id=101, text="<b>Hi</b> <i>Ana</i> <a href='https://itu.int'>ITU</a>",
                         parse_mode="HTML", reply_markup=keyboard)
    out["messages"] = [sent["result"]]
    await people.press(101, sent["result"]["message_id"], "yes")
    undo = {"inline_keyboard": [[{"text": "Undo", "callback_data": "undo"}]]}
    _, edited = await call("editMessageText", chat_id=101, message_id=sent["result"]["message_id"],
                           text="Thanks", reply_markup=undo)
    out["messages"].append(edited["result"])
    form = aiohttp.FormData({"chat_id": "102", "caption": "<u>file</u>", "parse_mode": "HTML"})
    form.add_field("document", b"%PDF-1.4 tiny", filename="pledge.pdf", content_type="application/pdf")
    async with http.post(sandbox.api_url + "sendDocument", data=form) as response:
        document = (await response.json())["result"]
    out["messages"].append(document)
    form = aiohttp.FormData({"chat_id": "102"})
    form.add_field("photo", png_bytes(5, 7), filename="p.png", content_type="image/png")
    async with http.post(sandbox.api_url + "sendPhoto", data=form) as response:
        out["messages"].append((await response.json())["result"])
    _, by_id = await call("sendDocument", chat_id=101, document=document["document"]["file_id"])
    out["messages"].append(by_id["result"])
    _, reply = await call("sendMessage", chat_id=101, text="re", reply_parameters={"message_id": 1})
    out["messages"].append(reply["result"])
    await people.block(102)
    await people.unblock(102)
    await call("getUpdates", allowed_updates=["message", "edited_message", "callback_query", "my_chat_member"])
    await people.send(101, "sticker", {"emoji": "🎉"})
    await people.send(101, "voice", {"duration": 4})
    await people.send(101, "location", {"latitude": 14.69, "longitude": -17.44}, reply_to_message_id=1)
    await people.send(101, "contact", {"phone_number": "+221 77 000 00 00", "first_name": "Awa", "user_id": 102})
    own = await people.send_text(101, "Bold and a link", entities=[
        {"type": "bold", "offset": 0, "length": 4}, {"type": "text_link", "offset": 11, "length": 4,
                                                     "url": "https://itu.int"}])
    await people.edit_text(101, own["message_id"], "Bold and a link, edited https://itu.int")
    await people.send_text(101, "forwarded", forward_from={"user_id": 102})
    await people.send_text(101, "forwarded from a hidden account", forward_from={"sender_user_name": "Anon"},
                           reply_to=own["message_id"])
    await people.send_text(101, ("word " * 1000).strip())
    _, updates = await call("getUpdates")
    out["updates"] = updates["result"]
    out["file"] = (await call("getFile", file_id=document["document"]["file_id"]))[1]["result"]
    out["me"] = (await call("getMe"))[1]["result"]
    out["webhook_off"] = (await call("getWebhookInfo"))[1]["result"]
    await call("setWebhook", url="http://127.0.0.1:9/hook", secret_token="s3cret")
    out["webhook_on"] = (await call("getWebhookInfo"))[1]["result"]
    await call("deleteWebhook")
    await call("setMyCommands", commands=[{"command": "start", "description": "Start"}], language_code="fr")
    out["commands"] = (await call("getMyCommands", language_code="fr"))[1]["result"]
    out["menu"] = (await call("getChatMenuButton", chat_id=101))[1]["result"]
    return out


@pytest.fixture
async def produced(sandbox: SandboxServer, people: SandboxClient, call: BotCall,
                   http: aiohttp.ClientSession) -> dict[str, Any]:
    return await produce_everything(sandbox, people, call, http)


async def test_updates_cover_every_kind(produced: dict[str, Any]) -> None:
    kinds = {next(key for key in update if key != "update_id") for update in produced["updates"]}
    assert kinds == {"message", "callback_query", "my_chat_member", "edited_message"}
    messages = [u.get("message") or u["edited_message"] for u in produced["updates"]
                if "message" in u or "edited_message" in u]
    for kind in ("sticker", "voice", "location", "contact", "forward_origin", "reply_to_message", "edit_date"):
        assert any(kind in m for m in messages), kind
    assert {e["type"] for m in messages for e in m.get("entities", [])} >= {"bold", "text_link", "url"}
    long = [m["text"] for m in messages if m.get("text", "").startswith("word word")]
    assert [len(t) for t in long] == [4094, 904] and " ".join(long) == ("word " * 1000).strip()
    command = produced["updates"][0]["message"]
    assert [e["type"] for e in command["entities"]] == ["bot_command", "url", "email", "hashtag", "mention"]
    arabic = produced["updates"][1]["message"]
    assert arabic["entities"] == [{"type": "bot_command", "offset": 24, "length": 5}]  # UTF-16: the emoji counts 2


async def test_objects_are_complete_per_official_table(produced: dict[str, Any], api_table: dict[str, Any]) -> None:
    check_object(produced["updates"], "Array of Update", api_table, "updates")
    check_object(produced["messages"], "Array of Message", api_table, "messages")
    check_object(produced["file"], "File", api_table, "file")
    check_object(produced["me"], "User", api_table, "me")
    check_object(produced["webhook_off"], "WebhookInfo", api_table, "webhook")
    check_object(produced["webhook_on"], "WebhookInfo", api_table, "webhook")
    check_object(produced["commands"], "Array of BotCommand", api_table, "commands")
    check_object(produced["menu"], "MenuButton", api_table, "menu")


async def test_objects_parse_with_aiogram(produced: dict[str, Any]) -> None:
    for update in produced["updates"]:
        parsed = ag.Update.model_validate(update)
        assert parsed.update_id == update["update_id"]
    for message in produced["messages"]:
        assert ag.Message.model_validate(message).message_id == message["message_id"]
    assert ag.File.model_validate(produced["file"]).file_path
    assert ag.User.model_validate(produced["me"]).is_bot
    ag.WebhookInfo.model_validate(produced["webhook_off"])
    assert ag.WebhookInfo.model_validate(produced["webhook_on"]).url.endswith("/hook")
    assert [ag.BotCommand.model_validate(c).command for c in produced["commands"]] == ["start"]
    assert ag.MenuButtonCommands.model_validate(produced["menu"]).type == "commands"


async def test_objects_parse_with_python_telegram_bot(produced: dict[str, Any], sandbox: SandboxServer) -> None:
    bot = telegram.Bot(sandbox.token)
    for update in produced["updates"]:
        parsed = telegram.Update.de_json(update, bot)
        assert parsed is not None and parsed.update_id == update["update_id"]
        assert parsed.effective_user is not None and parsed.effective_chat is not None
    first = telegram.Update.de_json(produced["updates"][0], bot)
    assert first is not None and first.message is not None
    assert first.message.parse_entities([telegram.MessageEntity.BOT_COMMAND]) != {}
    for message in produced["messages"]:
        assert telegram.Message.de_json(message, bot).message_id == message["message_id"]
    assert telegram.File.de_json(produced["file"], bot).file_path
    assert telegram.User.de_json(produced["me"], bot).is_bot
    telegram.WebhookInfo.de_json(produced["webhook_off"], bot)
    telegram.WebhookInfo.de_json(produced["webhook_on"], bot)
    assert [telegram.BotCommand.de_json(c, bot).command for c in produced["commands"]] == ["start"]
    assert telegram.MenuButton.de_json(produced["menu"], bot).type == "commands"


def test_a_link_isolated_in_right_to_left_text_ends_where_telegram_ends_it() -> None:
    """QA: the invitation link of an Arabic /invite (kept left to right between U+2068 and U+2069) was marked with the
    closing U+2069 inside it, so the page opened it as an outside link and its token came back wrong. Telegram ends a
    link at General Punctuation but for the zero-width joiners and the dashes."""
    text = "إليكم الرابط \u200f\u2068https://t.me/p2c_bot?start=ab\u2013c_1\u2069 \u200cو"
    (link,) = detect_entities(text)
    assert link["type"] == "url"
    assert text[link["offset"]:link["offset"] + link["length"]] == "https://t.me/p2c_bot?start=ab\u2013c_1"
