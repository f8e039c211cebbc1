"""A pledge brought up by its reference, pasted or with /find: staff see it whole with its reporting and the
cadence buttons (k_loop #4: those were only on the notice of its validation, far up the chat or in a colleague's);
a member of its organisation sees it as /mypledges does; nobody else learns anything of it."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import select
from test_reports import STAFF, member, validated_pledge

from bot.i18n import Renderer
from handlers.admin import GrantRole, grant_role
from handlers.conversation import Deps
from handlers.pledges.lookup import reference_in
from models.clock import utcnow
from models.database import Database
from models.tables import Pledge
from models.values import Role


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    return await ChatDriver.with_staff(database, deps, renderer, STAFF)


@pytest.mark.parametrize(("message", "ref"), [
    ("P2C-2025-00001", "P2C-2025-00001"), ("  p2c-2025-00001. ", "P2C-2025-00001"),
    ("P2C-2026-123456", "P2C-2026-123456"),
    ("\u2068P2C-2025-00001\u2069", "P2C-2025-00001"), ("P2C-٢٠٢٥-٠٠٠٠١", "P2C-2025-00001"),
    ("P2C-２０２５-００００１", "P2C-2025-00001"),
    ("see P2C-2025-00001", None), ("P2C-2025-00001?", None), ("P2C-2025-1", None), ("P2C-25-00001", None),
    ("", None),
])
def test_a_message_that_is_one_reference(message: str, ref: str | None) -> None:
    assert reference_in(message) == ref


async def _ref(database: Database, pledge_id: int) -> str:
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None and pledge.ref is not None
        return pledge.ref


async def test_staff_bring_up_a_validated_pledge_and_set_its_cadence(chat: ChatDriver, database: Database) -> None:
    await member(chat, 8)
    pledge_id = await validated_pledge(chat, 8)
    ref = await _ref(database, pledge_id)
    staff = chat.person(STAFF)
    year, number = ref.split("-")[1], int(ref.split("-")[2])
    # a tester's "/find p2c-2026-2" and "/find 00001" got the usage: short forms of a reference are read
    for typed in (ref, ref.lower() + ".", f"/find {ref}", f"/find p2c-{year}-{number}", f"/find {number:05d}",
                  f"/find #{number}", f"/find {year}-{number}"):
        shown = await chat.send(staff, typed)
        assert len(shown) == 1 and ref in shown[0].text, shown
        assert "<b>Reports</b>: once a year · ⚠️ OVERDUE: the report for 2024 was due" in shown[0].text
        assert {f"pc:a:{pledge_id}:1", f"pc:h:{pledge_id}:1", f"pc:q:{pledge_id}:1"} <= set(codes(shown[0]))
        assert "mp:list" not in codes(shown[0])  # staff have no list of their own to go back to
    done = await chat.press(staff, f"pc:h:{pledge_id}")
    assert "now reports twice a year" in done[-1].text
    missing = await chat.send(staff, "P2C-2019-00999")
    assert "No pledge has the reference" in missing[0].text and "P2C-2019-00999" in missing[0].text
    usage = await chat.send(staff, "/find")
    assert "Send /find with a pledge's reference" in usage[0].text


async def test_members_see_their_own_pledge_and_nothing_of_another(chat: ChatDriver, database: Database) -> None:
    await member(chat, 8)
    await member(chat, 9, entity="Conecta Andes")
    pledge_id = await validated_pledge(chat, 8)
    ref = await _ref(database, pledge_id)
    own = await chat.send(chat.person(8), ref)
    assert ref in own[0].text and f"rp:open:{pledge_id}" in codes(own[0])  # as /mypledges shows it
    assert "<b>Reports</b>: once a year · ⚠️ OVERDUE: the report for 2024 was due" in own[0].text  # m_staff #7
    assert not any(code.startswith("pc:") for code in codes(own[0]))
    other = await chat.send(chat.person(9), ref)
    assert all("Connect 500" not in message.text for message in other), other  # (their own words may be echoed)
    found = await chat.send(chat.person(9), f"/find {ref}")
    assert all("Connect 500" not in message.text for message in found)
    # a tester read the usage as a typing mistake: a reference of another organisation's is said to be none of theirs,
    # in the same words as one that does not exist (nothing tells which)
    nowhere = await chat.send(chat.person(9), "/find P2C-2019-00999")
    for answer in (found, nowhere):  # (then the question their pasted reference opened, asked again)
        assert answer[0].text.split(" has the reference")[0] == "No pledge of your organisation", answer
    async with database.uow() as uow:
        assert (await uow.session.execute(select(Pledge))).scalars().one().reporting_cadence == "annual"


async def test_an_empty_mypledges_points_where_the_person_can_go(chat: ChatDriver, database: Database) -> None:
    """l_trust #9: a focal point of an organisation not validated yet was sent to /pledge, which refuses it; a
    coordinator, who follows a scope, was not told where its pledges are."""
    from test_onboarding import register

    await register(chat, 31)
    waiting = await chat.send(chat.person(31), "/mypledges")
    assert "waiting for validation by BDT" in waiting[-1].text and "/pledge" not in waiting[-1].text
    await member(chat, 32, entity="Agence du numérique", role=Role.coordinator)
    following = await chat.send(chat.person(32), "/mypledges")
    assert "/digest and /export" in following[-1].text
    await member(chat, 33, entity="Agence du numérique")
    ready = await chat.send(chat.person(33), "/mypledges")
    assert ready[-1].text == "Your organisation has no pledges yet. Register one with /pledge."


async def test_staff_decide_on_a_pledge_under_review_from_its_card(chat: ChatDriver, database: Database) -> None:
    """m_staff #6: /find on a pledge waiting for validation offered only the cadence buttons, and a cadence set for
    a later period did not show."""
    await member(chat, 8)
    pledge_id = await validated_pledge(chat, 8, validate=False)
    ref = await _ref(database, pledge_id)
    staff = chat.person(STAFF)
    await chat.collect(STAFF)  # the notice of the submission
    card = await chat.send(staff, f"/find {ref}")
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        version = pledge.version
    assert {f"pv:ok:{pledge_id}:{version}", f"pv:chg:{pledge_id}:{version}", f"pv:rej:{pledge_id}:{version}",
            f"pc:q:{pledge_id}:1"} <= set(codes(card[0]))
    assert "<b>Reports</b>: once a year" in card[0].text
    await chat.press(staff, f"pc:q:{pledge_id}")
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
        assert pledge is not None
        scheduled = pledge.cadence_since is not None and pledge.cadence_since > utcnow().date()
    card = await chat.send(staff, ref)
    expected = "every quarter from" if scheduled else "<b>Reports</b>: every quarter"
    assert expected in card[0].text, card[0].text
    await chat.press(staff, f"pv:ok:{pledge_id}:{version}")
    card = await chat.send(staff, ref)
    assert not any(code.startswith("pv:") for code in codes(card[0]))  # decided: no decision buttons


async def test_a_colleagues_cadence_change_is_not_undone_by_an_older_card(chat: ChatDriver, database: Database) -> None:
    """l_trust #5, m_staff #4: two staff with the same card; the second press silently overrode the first's change,
    and the focal point was told twice, contradicting. Now the older card's press says what the colleague set."""
    await member(chat, 8)
    pledge_id = await validated_pledge(chat, 8)
    ref = await _ref(database, pledge_id)
    await grant_role(GrantRole(9102, Role.staff), database.uow(), utcnow())
    petr, bea = chat.person(9102, "Petr"), chat.person(STAFF)
    seen = await chat.send(petr, ref)
    assert f"pc:q:{pledge_id}:1" in codes(seen[0])
    await chat.press(bea, f"pc:h:{pledge_id}:1")
    await chat.collect(8)
    late = await chat.press(petr, f"pc:q:{pledge_id}:1")
    assert "Since your card was shown, Ada" in late[-1].text and "to report twice a year" in late[-1].text
    assert f"pc:q:{pledge_id}:2" in codes(late[-1]) and not await chat.collect(8)
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, pledge_id)
    assert pledge is not None and pledge.reporting_cadence == "semi_annual"
    done = await chat.press(petr, f"pc:q:{pledge_id}:2")  # seen now: it applies
    assert "now reports every quarter" in done[-1].text
    # a tester's Bea, correcting her own mis-click from the same card, was told "Since your card was shown, Bea
    # has set…": her own change is none of a colleague's
    card = await chat.send(bea, ref)
    assert f"pc:a:{pledge_id}:3" in codes(card[0])
    await chat.press(bea, f"pc:a:{pledge_id}:3")
    mine = await chat.press(bea, f"pc:h:{pledge_id}:3")
    assert "Since your card was shown" not in mine[-1].text and "now reports twice a year" in mine[-1].text, mine
