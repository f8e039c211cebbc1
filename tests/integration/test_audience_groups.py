"""Broadcast audiences (issue 14, item 15): "organisations based in LDCs" and "pledges that target LDCs" (and LLDCs,
SIDS) are two segments, named so that staff cannot take one for the other."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.i18n import Renderer
from handlers.broadcasts.audience import SEGMENTS, resolve, segment_label
from handlers.broadcasts.service import BroadcastError, CreateBroadcast, create_broadcast, start_due_broadcasts
from models.database import Database, Session
from models.tables import AuditLog, Broadcast, Contact, Entity, Outbox, Pledge
from models.values import LANGUAGES, PledgeStatus, Role


async def people(database: Database) -> None:
    """Dakar (based in Senegal, an LDC, no pledge), Paris (based in France, a pledge in Senegal and Fiji:
    targeting LDCs and SIDS), Geneva (based in Switzerland, its only LDC pledge withdrawn)."""
    async with database.uow() as uow:
        for number, (name, iso3) in enumerate((("Dakar", "SEN"), ("Paris", "FRA"), ("Geneva", "CHE")), start=1):
            entity = Entity(name=name, name_key=name.lower(), sector="other", country_iso3=iso3, status="validated")
            uow.session.add(entity)
            await uow.session.flush()
            assert entity.id is not None
            uow.session.add(Contact(telegram_id=number, chat_id=number, first_name=name, role=Role.focal_point,
                                    entity_id=entity.id))
            if name != "Dakar":
                uow.session.add(Pledge(entity_id=entity.id, title="Connect", description="Connect rural schools.",
                                       focus_area="access", pledge_type="programmatic", targets_ldc=True,
                                       targets_sids=name == "Paris", countries=["SEN", "FJI"] if name == "Paris"
                                       else ["SEN"],
                                       status=PledgeStatus.validated if name == "Paris" else PledgeStatus.withdrawn))
        await uow.commit()


@pytest.mark.parametrize(("tokens", "expected"), [
    (["group:ldc"], {"Dakar"}),
    (["targets:ldc"], {"Paris"}),
    (["targets:sids"], {"Paris"}),
    (["targets:lldc"], set()),
    (["group:ldc", "targets:ldc"], set()),  # across kinds: both
])
async def test_based_in_and_targeting_are_different_audiences(database: Database, tokens: list[str],
                                                              expected: set[str]) -> None:
    await people(database)
    async with database.uow() as uow:
        audience = await resolve(uow.session, tokens, date(2026, 12, 1), "en")
    assert {contact.first_name for contact in audience.contacts} == expected


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_the_two_segments_are_named_apart_in_every_language(renderer: Renderer, locale: str) -> None:
    groups = ("ldc", "lldc", "sids")
    labels = {renderer.label(segment_label(f"{kind}:{g}"), locale) for kind in ("group", "targets") for g in groups}
    assert len(labels) == 6
    assert all(f"{kind}:{g}" in SEGMENTS for kind in ("group", "targets") for g in groups)
    if locale == "en":
        assert renderer.label(segment_label("group:ldc"), locale) == "🏢 Organisations based in LDCs"
        assert renderer.label(segment_label("targets:ldc"), locale) == "🎯 Pledges that target LDCs"


@pytest.mark.parametrize(("tokens", "expected"), [
    (["everyone"], {"Dakar", "Paris", "Geneva", "Kigali"}),  # Kigali, waiting for BDT: not Port-au-Prince, rejected
    (["role:focal_point"], {"Dakar", "Paris", "Geneva", "Kigali"}),
    (["group:ldc"], {"Dakar"}),  # the Coalition's organisations: neither Kigali's nor Port-au-Prince's
    (["itu:africa"], {"Dakar"}),
])
async def test_an_organisation_bdt_rejected_is_in_no_audience_and_one_waiting_in_none_about_organisations(
        database: Database, tokens: list[str], expected: set[str]) -> None:
    """A tester: the focal point of a Haitian organisation BDT had rejected was counted in, and received, a
    broadcast to the organisations based in LDCs (and in SIDS, and to everyone)."""
    await people(database)
    async with database.uow() as uow:
        for number, (name, iso3, status) in enumerate((("Port-au-Prince", "HTI", "rejected"),
                                                       ("Kigali", "RWA", "pending")), start=4):
            entity = Entity(name=name, name_key=name.lower(), sector="other", country_iso3=iso3, status=status)
            uow.session.add(entity)
            await uow.session.flush()
            uow.session.add(Contact(telegram_id=number, chat_id=number, first_name=name, role=Role.focal_point,
                                    entity_id=entity.id))
        await uow.commit()
        audience = await resolve(uow.session, tokens, date(2026, 12, 1), "en")
    assert {contact.first_name for contact in audience.contacts} == expected


async def test_staff_who_were_once_of_a_rejected_organisation_stay_in_the_audiences(database: Database) -> None:
    """A review: the rule on rejected organisations took out a staff member who had been the focal point of one (an
    admin grant keeps the organisation on the person)."""
    async with database.uow() as uow:
        entity = Entity(name="Old", name_key="old", sector="other", country_iso3="HTI", status="rejected")
        uow.session.add(entity)
        await uow.session.flush()
        uow.session.add(Contact(telegram_id=9, chat_id=9, first_name="Bea", role=Role.staff, entity_id=entity.id))
        await uow.commit()
        for tokens in (["everyone"], ["role:staff"]):
            audience = await resolve(uow.session, tokens, date(2026, 12, 1), "en")
            assert [contact.first_name for contact in audience.contacts] == ["Bea"]


@pytest.mark.parametrize("tokens", [["region:africa"], ["role:focal_point", "group:ldc2"]])
async def test_a_segment_this_release_does_not_know_reaches_nobody_and_is_shown_as_stored(
        database: Database, renderer: Renderer, tokens: list[str]) -> None:
    """A review: a segment unknown to this release (a draft or a scheduled broadcast older than a renaming) was
    dropped, and the broadcast went to everyone, its label reading "👥 Everyone"; a new one is refused."""
    await people(database)
    async with database.uow() as uow:
        audience = await resolve(uow.session, tokens, date(2026, 12, 1), "en")
        assert (audience.contacts, audience.unreachable) == ([], 0)
        with pytest.raises(BroadcastError, match="unknown audience segments"):
            await create_broadcast(uow.session, CreateBroadcast(tokens, {"en": "Hello"}, "en", None, None),
                                   datetime(2026, 12, 1, tzinfo=UTC), date(2026, 12, 1), "en")
    assert renderer.label(segment_label(tokens[-1]), "fr") == f"❓ {tokens[-1]}"


SCHEDULED = datetime(2026, 11, 23, 12, 5, tzinfo=UTC)


async def scheduled(session: Session, creator: Contact, audience: list[str]) -> Broadcast:
    """A broadcast the staff member `creator` (added here) scheduled at 12:00 UTC on 23 November 2026 for 12:05."""
    session.add(creator)
    await session.flush()
    return await create_broadcast(session, CreateBroadcast(audience, {"en": "Hello"}, "en", SCHEDULED, creator.id),
                                  SCHEDULED - timedelta(minutes=5), date(2026, 11, 23), "en")


@pytest.mark.parametrize(("zone", "reached"), [("Pacific/Kiritimati", []), ("America/Lima", ["Kathmandu"])])
async def test_a_scheduled_broadcast_reaches_the_audience_of_its_creator_s_day(
        database: Database, zone: str, reached: list[str]) -> None:
    """A review: a scheduled broadcast's audience was read on UTC's date, the composer's count on its creator's. At
    12:00 UTC on 23 November 2026 it is already the 24th at Kiritimati (UTC+14), the day Nepal leaves the LDCs."""
    async with database.uow() as uow:
        entity = Entity(name="Kathmandu", name_key="kathmandu", sector="other", country_iso3="NPL",
                        status="validated")
        uow.session.add(entity)
        await uow.session.flush()
        uow.session.add(Contact(telegram_id=21, chat_id=21, first_name="Kathmandu", role=Role.focal_point,
                                entity_id=entity.id))
        broadcast = await scheduled(uow.session, Contact(telegram_id=22, chat_id=22, first_name="Bea",
                                                         role=Role.staff, timezone=zone), ["group:ldc"])
        assert await start_due_broadcasts(uow.session, SCHEDULED + timedelta(minutes=1), "en") == 1
        rows = (await uow.session.execute(select(Outbox.chat_id).where(
            Outbox.broadcast_id == broadcast.id))).scalars().all()
    assert sorted({21: "Kathmandu"}[chat] for chat in rows) == reached


async def test_a_scheduled_broadcast_to_a_segment_no_longer_known_is_not_sent_and_its_creator_told(
        database: Database) -> None:
    """A review: a scheduled broadcast whose segment a release renamed reached nobody and said "Finished"."""
    async with database.uow() as uow:
        broadcast = await scheduled(uow.session, Contact(telegram_id=22, chat_id=22, first_name="Bea",
                                                         role=Role.staff, language="fr"), ["everyone"])
        broadcast.audience = ["region:africa"]  # as a release that renamed "itu:africa" would find it
        assert await start_due_broadcasts(uow.session, SCHEDULED + timedelta(minutes=1), "en") == 1
        rows = (await uow.session.execute(select(Outbox))).scalars().all()
        assert broadcast.status == "cancelled" and [row.key for row in rows] == [f"bc-unknown:{broadcast.id}"]
        audited = (await uow.session.execute(select(AuditLog.action))).scalars().all()
    assert "broadcast.not_started" in audited
