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
from handlers.digests.admin import set_scope
from handlers.references import reference_in
from models.clock import utcnow
from models.database import Database
from models.scope import Scope, ScopeKind
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
    own_by_number = await chat.send(chat.person(8), f"/find {pledge_id}")
    assert own_by_number[0].text == own[0].text
    assert "<b>Reports</b>: once a year · ⚠️ OVERDUE: the report for 2024 was due" in own[0].text  # m_staff #7
    assert not any(code.startswith("pc:") for code in codes(own[0]))
    other = await chat.send(chat.person(9), ref)
    assert all("Connect 500" not in message.text for message in other), other  # (their own words may be echoed)
    found = await chat.send(chat.person(9), f"/find {ref}")
    assert all("Connect 500" not in message.text for message in found)
    # a tester read the usage as a typing mistake: a reference of another organisation's is said to be none of theirs,
    # in the same words as one that does not exist (nothing tells which); pasted alone, it was offered to BDT as a
    # question (t1 #10): the same answer now
    nowhere = await chat.send(chat.person(9), "/find P2C-2019-00999")
    pasted = await chat.send(chat.person(9), ref)
    # a pledge's number alone is its id: the refusal named the reference it found, which told another organisation
    # that the pledge exists and its year; it names what was typed, as for a number that is no pledge's
    by_number = await chat.send(chat.person(9), f"/find #{pledge_id}")
    no_pledge = await chat.send(chat.person(9), "/find 999")
    for answer, shown in ((found, ref), (nowhere, "P2C-2019-00999"), (pasted, ref), (by_number, f"#{pledge_id}"),
                          (no_pledge, "999")):
        assert len(answer) == 1 and answer[0].text == (
            f"{shown} is not a pledge of your organisation. A focal point sees their own "
            "organisation's pledges only: they are in /mypledges."), answer
        assert not codes(answer[0])
    async with database.uow() as uow:
        assert (await uow.session.execute(select(Pledge))).scalars().one().reporting_cadence == "annual"


async def test_coordinators_read_the_published_pledges_of_their_scope(chat: ChatDriver, database: Database) -> None:
    """t1 #10: a coordinator's digest lists pledges of other organisations in their scope, and /find answered "your
    organisation has no pledge with reference …". They read them now, without a button that changes anything; a
    pledge outside their scope, or not published, stays unseen."""
    await member(chat, 8)
    await member(chat, 31, entity="Regional Office for Africa", role=Role.coordinator)
    await member(chat, 32, entity="Regional Office for CIS", role=Role.coordinator)
    await set_scope(31, Scope(ScopeKind.countries, ("SEN",)), database.uow(), utcnow())
    await set_scope(32, Scope(ScopeKind.region, ("cis",)), database.uow(), utcnow())
    waiting = await _ref(database, await validated_pledge(chat, 8, validate=False))
    pledge_id = await validated_pledge(chat, 8)
    ref = await _ref(database, pledge_id)
    africa, cis = chat.person(31), chat.person(32)
    await chat.collect(31)
    await chat.collect(32)  # the notices of their scope
    for typed in (f"/find {ref}", ref):
        card = await chat.send(africa, typed)
        assert len(card) == 1 and "Connect 500 rural schools" in card[0].text, card
        assert "<b>Organisation</b>: Ministry of ICT" in card[0].text and "(no. " not in card[0].text  # not staff's
        assert "<b>Reports</b>: once a year · ⚠️ OVERDUE" in card[0].text
        assert not any(code.startswith(("rp:open", "mp:wd", "mp:edit", "mp:list", "pc:", "pv:"))
                       for code in codes(card[0])), codes(card[0])
    history = await chat.press(africa, f"mp:hist:{pledge_id}")  # what the card's 📜 does: no refusal
    assert history[-1].text == "No progress report has been sent for this pledge yet."
    for person, typed in ((cis, ref), (africa, "P2C-2019-00999")):
        answer = await chat.send(person, f"/find {typed}")
        assert len(answer) == 1 and answer[0].text == (
            f"{typed} is neither a pledge of your organisation nor a published pledge of your scope. "
            "/digest and /export list the pledges of your scope."), answer
    # a tester: a pledge waiting for validation is a row of the coordinator's spreadsheet, and /find said it was
    # none of their scope's; it says it is not published, and why
    (answer,) = await chat.send(africa, f"/find {waiting}")
    assert answer.text == (f"{waiting} is a pledge of your scope that is not published: submitted, awaiting "
                           "validation. Only published pledges are shown here in full; /export lists every pledge of "
                           "your scope."), answer.text
    assert "Connect 500" not in answer.text
    refused = await chat.press(cis, f"mp:hist:{pledge_id}")
    assert "Connect 500" not in refused[-1].text and "progress report" not in refused[-1].text


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
