"""Issue #14, forms: lists of countries, typed intents, commands mid-form, natural answers, edits in place,
Cancel on an older question, and a second pledge that starts from the first one's answers."""

from __future__ import annotations

import itertools

import pytest
from chat_driver import ChatDriver, button, codes
from sqlmodel import select

from bot.i18n import Renderer
from handlers.admin import CreateInvite, invite
from handlers.conversation import Deps
from handlers.inputs import Incoming
from handlers.router import handle
from models.clock import utcnow
from models.database import Database
from models.tables import Draft, Outbox, Pledge
from models.values import Role

STAFF = 9100
_ids = itertools.count(9_000_000)


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    """A chat driver with one staff member."""
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


async def focal_point(chat: ChatDriver, telegram_id: int, language: str = "en") -> None:
    token, _, _ = await invite(CreateInvite(f"Ministry {telegram_id}", Role.focal_point, country_iso3="SEN"),
                               chat.database.uow(), utcnow())
    person = chat.person(telegram_id, language_code=language)
    await chat.send(person, f"/start {token}")
    await chat.press(person, "f:consent:c:yes")
    await chat.send(person, "Awa Diop")


async def to_countries(chat: ChatDriver, telegram_id: int, language: str = "en") -> None:
    """Answer the pledge's questions up to its countries."""
    await focal_point(chat, telegram_id, language)
    person = chat.person(telegram_id, language_code=language)
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 500 rural schools")
    await chat.send(person, "We will connect 500 rural schools to broadband and train their teachers.")
    await chat.press(person, "f:focus_area:c:access")
    await chat.press(person, "f:pillars:c:infrastructure")
    await chat.press(person, "f:pillars:done")
    await chat.press(person, "f:pledge_type:c:policy")
    await chat.press(person, "f:value_usd:skip")


async def state_of(chat: ChatDriver, telegram_id: int) -> dict[str, object]:
    async with chat.database.uow() as uow:
        draft = (await uow.session.execute(select(Draft).order_by(Draft.id.desc()).limit(1))).scalar_one()  # type: ignore[union-attr]
        return dict(draft.state)


async def test_a_list_of_countries_in_one_message_selects_each_and_names_the_words_not_recognised(
        chat: ChatDriver) -> None:
    await to_countries(chat, 301, "fr")
    person = chat.person(301, language_code="fr")
    replies = await chat.send(person, "Mali, Côte d'Ivoire et Niger, Zzyzx")
    state = await state_of(chat, 301)
    assert state["scratch"]["picked"] == ["MLI", "CIV", "NER"]  # type: ignore[index]
    assert "Zzyzx" in replies[-1].text and "Mali" in replies[-1].text and "Nigeria" not in replies[-1].text


async def test_an_exact_name_is_selected_at_once_and_a_misspelling_is_offered_as_suggestions(chat: ChatDriver) -> None:
    await to_countries(chat, 302)
    person = chat.person(302)
    await chat.send(person, "Mali")
    assert (await state_of(chat, 302))["scratch"]["picked"] == ["MLI"]  # type: ignore[index]
    replies = await chat.send(person, "Nige")
    assert "f:countries:c:NGA" in codes(replies[-1]) and chat.edited == [False]
    replies = await chat.send(person, "Senegall")
    assert "f:countries:c:SEN" in codes(replies[-1]) and "f:countries:c:NGA" not in codes(replies[-1])
    assert chat.edited == [True, False] and not codes(replies[0]), "stale matches disappear from the copy above"
    replies = await chat.press(person, "f:countries:c:SEN")
    assert chat.edited == [True], "a selection edits the question in place"
    assert (await state_of(chat, 302))["scratch"]["picked"] == ["MLI", "SEN"]  # type: ignore[index]


async def test_toggles_edit_the_question_and_new_questions_are_new_messages(chat: ChatDriver) -> None:
    await to_countries(chat, 303)
    person = chat.person(303)
    await chat.send(person, "Senegal")
    await chat.press(person, "f:countries:done")
    assert chat.edited == [False]
    await chat.press(person, "f:beneficiary_groups:c:schools")
    await chat.press(person, "f:beneficiary_groups:c:youth")
    assert chat.edited == [True]
    replies = await chat.press(person, "f:beneficiary_groups:done")
    assert chat.edited == [False] and "Question" in replies[-1].text


@pytest.mark.parametrize(("language", "word", "back"), [
    ("fr", "annuler", "retour"), ("en", "cancel", "back"), ("ru", "отмена", "назад"), ("ar", "إلغاء", "رجوع"),
    ("zh", "取消", "返回"), ("es", "cancelar", "atrás")])
async def test_typed_cancel_and_back_words_are_the_buttons(chat: ChatDriver, language: str, word: str,
                                                           back: str) -> None:
    await focal_point(chat, 304, language)
    person = chat.person(304, language_code=language)
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 500 rural schools")
    await chat.send(person, back)
    assert (await state_of(chat, 304))["step"] == "title"
    replies = await chat.send(person, word)
    assert "f:$cancel:yes" in codes(replies[-1])
    assert (await state_of(chat, 304))["answers"]["title"] == "Connect 500 rural schools"  # type: ignore[index]
    await chat.press(person, "f:$cancel:no")
    assert (await state_of(chat, 304))["step"] == "title"


async def test_typed_help_explains_and_asks_again(chat: ChatDriver) -> None:
    await focal_point(chat, 305, "fr")
    person = chat.person(305, language_code="fr")
    await chat.send(person, "/pledge")
    replies = await chat.send(person, "aide")
    assert "f:title:cancel" in codes(replies[-1]) and (await state_of(chat, 305))["answers"] == {}


async def test_mypledges_mid_form_is_answered_then_the_question_asked_again(chat: ChatDriver) -> None:
    await focal_point(chat, 306)
    person = chat.person(306)
    await chat.send(person, "/pledge")
    replies = await chat.send(person, "/mypledges")
    assert len(replies) >= 2 and "no pledges yet" in replies[0].text and "f:title:cancel" in codes(replies[-1])
    replies = await chat.send(person, "/language")  # the picker alone: the question comes once, after the choice
    assert len(replies) == 1 and any(code.startswith("lang:") for code in codes(replies[0]))
    replies = await chat.press(person, "lang:fr")
    assert "f:title:cancel" in codes(replies[-1]) and "Quel est le titre" in replies[-1].text
    replies = await chat.send(person, "/help")
    assert "/pledge" in replies[0].text and "f:title:cancel" in codes(replies[-1])
    replies = await chat.send(person, "/pledge")
    assert codes(replies[-1])[0] == "pl:resume" and codes(replies[-1])[1].startswith("pl:restart:")


async def test_another_journey_mid_form_keeps_the_draft_and_gives_its_question_back(chat: ChatDriver) -> None:
    """A focal point half-way through a pledge asks BDT a question, sets their time zone, and lists their
    questions: each is answered, and the pledge's question comes back once the other journey is over."""
    await focal_point(chat, 308)
    person = chat.person(308)
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 500 rural schools")
    composing = await chat.send(person, "/ask")
    assert "f:message:cancel" in codes(composing[-1]), composing[-1].text
    await chat.send(person, "Can one pledge cover two countries?")
    sent = await chat.press(person, "f:message:send")
    assert "Q-1" in sent[0].text and "left open" in sent[-1].text and "f:description:cancel" in codes(sent[-1])
    await chat.send(person, "/settings")
    await chat.press(person, "st:tz")
    zone = await chat.send(person, "Dakar")
    assert "Dakar" in zone[0].text and "f:description:cancel" in codes(zone[-1])
    listed = await chat.send(person, "/questions")
    assert "Q-1" in listed[0].text and "f:description:cancel" in codes(listed[-1])
    unknown = await chat.send(person, "/frobnicate")
    assert "f:description:cancel" in codes(unknown[-1])
    replies = await chat.send(person, "We will connect 500 rural schools to broadband and train their teachers.")
    assert "f:focus_area:c:access" in codes(replies[-1]), "the pledge went on where it was left"


async def test_a_command_whose_questions_were_begun_goes_on_with_them_and_loses_nothing(chat: ChatDriver) -> None:
    """/ask typed again while a question is being written (or left under a pledge) goes on with it; /broadcast
    likewise for staff; /privacy in a form gives the question back."""
    await focal_point(chat, 309)
    person = chat.person(309)
    await chat.send(person, "/ask")
    await chat.send(person, "Can one pledge cover two countries?")
    again = await chat.send(person, "/ask")
    assert "two countries" in again[-1].text and "f:message:send" in codes(again[-1]), again[-1].text
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 500 rural schools")
    under = await chat.send(person, "/ask")
    assert "two countries" in under[-1].text and "f:message:send" in codes(under[-1]), under[-1].text
    sent = await chat.press(person, "f:message:send")
    assert "f:description:cancel" in codes(sent[-1]), "the pledge comes back once the question is sent"
    privacy = await chat.send(person, "/privacy")
    assert len(privacy) >= 2 and "f:description:cancel" in codes(privacy[-1])
    staff = chat.person(STAFF, "Bea")
    await chat.send(staff, "/broadcast")
    ticked = await chat.press(staff, "f:audience:c:everyone")
    assert "f:audience:done" in codes(ticked[-1])
    resumed = await chat.send(staff, "/broadcast")
    assert "f:audience:done" in codes(resumed[-1]), "the ticked audience is still there"


async def test_cancel_on_an_older_question_is_honoured(chat: ChatDriver) -> None:
    await focal_point(chat, 307)
    person = chat.person(307)
    await chat.send(person, "/pledge")
    await chat.send(person, "Connect 500 rural schools")
    replies = await chat.press(person, "f:title:cancel")  # the first question's Cancel
    assert "f:$cancel:yes" in codes(replies[-1])
    await chat.press(person, "f:$cancel:yes")
    async with chat.database.uow() as uow:
        assert (await uow.session.execute(select(Draft))).first() is None


async def test_a_count_with_its_unit_answers_the_unit_too(chat: ChatDriver) -> None:
    await to_countries(chat, 308, "fr")
    person = chat.person(308, language_code="fr")
    await chat.send(person, "Sénégal")
    await chat.press(person, "f:countries:done")
    await chat.press(person, "f:beneficiary_groups:c:schools")
    await chat.press(person, "f:beneficiary_groups:done")
    await chat.send(person, "300 écoles")
    state = await state_of(chat, 308)
    assert state["step"] == "target_date" and state["answers"]["target_unit"] == "schools"  # type: ignore[index]
    await chat.send(person, "fin 2027")
    assert (await state_of(chat, 308))["answers"]["target_date"] == "2027-12-31"  # type: ignore[index]


async def complete_pledge(chat: ChatDriver, telegram_id: int) -> int:
    """A first pledge without mistakes, counting the person's interactions."""
    person = chat.person(telegram_id)
    steps: list[tuple[str, str]] = [
        ("text", "/pledge"), ("text", "Connect 500 rural schools"),
        ("text", "We will connect 500 rural schools to broadband and train their teachers."),
        ("press", "f:focus_area:c:access"), ("press", "f:pillars:c:infrastructure"), ("press", "f:pillars:done"),
        ("press", "f:pledge_type:c:financial"), ("text", "2.5 million"), ("text", "Senegal, Mali, Niger and Chad"),
        ("press", "f:countries:done"), ("press", "f:beneficiary_groups:c:schools"),
        ("press", "f:beneficiary_groups:done"), ("text", "500"), ("press", "f:target_unit:c:schools"),
        ("text", "31/12/2027"), ("text", "2026-01-01"), ("text", "2028-06-30"), ("text", "4, 9"),
        ("press", "f:sdgs:done"), ("press", "f:wsis_action_lines:skip"), ("press", "f:$sum:submit")]
    for kind, value in steps:
        replies = await chat.press(person, value) if kind == "press" else await chat.send(person, value)
        assert replies, value
    assert "P2C-" in replies[-1].text
    return len(steps)


async def test_a_second_pledge_offers_the_first_ones_answers_and_takes_at_most_14_interactions(
        chat: ChatDriver) -> None:
    await focal_point(chat, 309)
    assert await complete_pledge(chat, 309) <= 22
    person = chat.person(309)
    count = 0

    async def say(value: str) -> list:  # type: ignore[type-arg]
        nonlocal count
        count += 1
        return await chat.send(person, value)

    async def press(value: str) -> list:  # type: ignore[type-arg]
        nonlocal count
        count += 1
        return await chat.press(person, value)

    await say("/pledge")
    await say("Train 2,000 teachers in digital skills")
    await say("We will train 2,000 teachers in digital skills in Senegal, Mali, Niger and Chad.")
    await press("f:focus_area:c:access")
    await press("f:pillars:c:infrastructure")
    await press("f:pillars:done")
    await press("f:pledge_type:c:financial")
    replies = await say("1 million")
    labels = [label for row in replies[-1].buttons for label, _ in row]
    assert any("P2C-" in label and "Senegal" in label for label in labels), labels
    await press(button(replies[-1], "⏩"))
    await say("2000 people trained")
    await say("Q3 2027")
    await say("2026-01-01")
    replies = await say("end of 2028")
    assert "f:$sum:submit" in codes(replies[-1]), replies[-1].text
    done = await press("f:$sum:submit")
    assert "P2C-" in done[-1].text
    print(f"\ninteractions for a second pledge: {count}")
    assert count <= 14
    async with chat.database.uow() as uow:
        second = (await uow.session.execute(select(Pledge).order_by(Pledge.id.desc()).limit(1))).scalar_one()  # type: ignore[union-attr]
    assert second.countries == ["SEN", "MLI", "NER", "TCD"] and second.sdgs == [4, 9]
    assert second.target_unit == "trainees" and second.target_value == 2000
    assert str(second.target_date) == "2027-09-30"


async def test_a_toggle_is_an_edit_of_the_questions_message_handed_to_delivery_at_once(chat: ChatDriver) -> None:
    await to_countries(chat, 310)
    person = chat.person(310)
    await chat.send(person, "Senegal")
    await chat.press(person, "f:countries:done")
    asked = str((await state_of(chat, 310))["asked"])
    incoming = Incoming(next(_ids), person, utcnow(), code="f:beneficiary_groups:c:schools")
    conv = await handle(incoming, chat.database.uow(), chat.deps)
    assert conv is not None and len(conv.pushed) == 1
    async with chat.database.uow() as uow:
        row = await uow.session.get(Outbox, conv.pushed[0].id)
        sent = (await uow.session.execute(select(Outbox).where(Outbox.key == asked))).scalar_one()
    assert row is not None and row.payload["edit_of"] == asked
    assert conv.pushed[0].payload == {"edit_message_id": sent.telegram_message_id}, "delivery edits that message"
    assert (await state_of(chat, 310))["asked"] == asked, "the question is still shown by the same message"


async def test_an_edit_of_a_message_not_sent_yet_waits_in_the_outbox(chat: ChatDriver) -> None:
    await to_countries(chat, 311)
    person = chat.person(311)
    await chat.send(person, "Senegal")
    incoming = Incoming(next(_ids), person, utcnow(), code="f:countries:c:LDC")  # before the question went out
    async with chat.database.uow() as uow:
        asked = str((await state_of(chat, 311))["asked"])
        sent = (await uow.session.execute(select(Outbox).where(Outbox.key == asked))).scalar_one()
        sent.telegram_message_id = None
        await uow.commit()
    conv = await handle(incoming, chat.database.uow(), chat.deps)
    assert conv is not None and conv.pushed == []
    async with chat.database.uow() as uow:
        row = (await uow.session.execute(select(Outbox).order_by(Outbox.id.desc()).limit(1))).scalar_one()  # type: ignore[union-attr]
    assert row.status == "pending" and row.payload["edit_of"] == asked


async def test_a_toggle_edits_the_message_whose_button_was_pressed_without_waiting(chat: ChatDriver) -> None:
    await to_countries(chat, 312)
    person = chat.person(312)
    await chat.send(person, "Senegal")
    async with chat.database.uow() as uow:  # the question's outcome is not recorded yet
        asked = str((await state_of(chat, 312))["asked"])
        sent = (await uow.session.execute(select(Outbox).where(Outbox.key == asked))).scalar_one()
        sent.telegram_message_id = None
        await uow.commit()
    incoming = Incoming(next(_ids), person, utcnow(), code="f:countries:c:LDC", message_id=4242)
    conv = await handle(incoming, chat.database.uow(), chat.deps)
    assert conv is not None and [q.payload for q in conv.pushed] == [{"edit_message_id": 4242}]


@pytest.mark.parametrize("command", ["mydata", "invite"])
async def test_a_file_or_link_asked_for_mid_form_comes_before_the_question_asked_again(chat: ChatDriver,
                                                                                        command: str) -> None:
    """QA: /mydata sent in the middle of a pledge: the question asked again after it was handed to delivery at once,
    while the JSON file waited in the outbox, so it came first and "the file below" pointed at the question. What is
    written after a row of its own (a file, an invitation link) goes in the chat's turn, behind it: all are handed to
    delivery together, in the order written (left for a claim, the row was overtaken by the next messages' replies)."""
    await to_countries(chat, 312 if command == "mydata" else 313)
    person = chat.person(312 if command == "mydata" else 313)
    async with chat.database.uow() as uow:
        before = (await uow.session.execute(select(Outbox.id).order_by(Outbox.id.desc()).limit(1))).scalar_one()  # type: ignore[attr-defined]
    conv = await handle(Incoming(next(_ids), person, utcnow(), text=f"/{command}", command=command),
                        chat.database.uow(), chat.deps)
    assert conv is not None
    async with chat.database.uow() as uow:
        rows = (await uow.session.execute(select(Outbox).where(Outbox.id > before).order_by(Outbox.id))).scalars().all()  # type: ignore[arg-type]
    apart = next(row for row in rows if "upload" in row.payload or row.key.startswith("inv:"))
    after = [row for row in rows if row.id > apart.id]
    assert after and "Where will it be implemented" in str(after[-1].payload), "the question asked again, last"
    assert [queued.id for queued in conv.pushed] == [row.id for row in rows], "handed to delivery in their order"
    assert {row.status for row in rows} == {"sending"}, "none left for a claim, which replies pushed later overtook"
