"""Property: a pledge's details naming the colleague who sent each of its five reports (names as long as a contact
keeps them) still fit Telegram's limit in all six languages (test_message_lengths has them without senders)."""

from __future__ import annotations

from hypothesis import given
from test_message_lengths import (
    SETTINGS,
    assert_fits,
    everything_pledge,
    everything_report,
    long_text,
    pledge_of,
    report_of,
)

from bot.i18n import Renderer
from handlers.messages import Label
from handlers.pledges.listing import details_reply
from handlers.reports.cards import SENDER_EXCERPT
from handlers.staff_notices import person_for_staff
from models.clock import utcnow
from models.tables import Contact, Entity


@SETTINGS
@given(title=long_text(200), description=long_text(4000), comment=long_text(4000), name=long_text(200))
def test_pledge_details_naming_every_reports_sender_fit(renderer: Renderer, title: str, description: str,
                                                        comment: str, name: str) -> None:
    pledge = pledge_of(everything_pledge(title, description), comment)
    entity = Entity(id=1, name=name, name_key=name, sector="other")
    history = [report_of(everything_report(description, description, description, "https://x"), n, comment[:1500])
               for n in range(1, 6)]
    senders: dict[int, Label] = {n: name for n in range(1, 6)}
    assert_fits(renderer, details_reply(pledge, entity, history, manages=True, senders=senders), "pledge details")


@SETTINGS
@given(title=long_text(200), description=long_text(4000), comment=long_text(4000), name=long_text(200))
def test_the_staff_view_naming_senders_with_their_ids_fits(renderer: Renderer, title: str, description: str,
                                                           comment: str, name: str) -> None:
    """/find as staff read it: the organisation with its number, each sender with their Telegram id."""
    pledge = pledge_of(everything_pledge(title, description), comment)
    entity = Entity(id=2**31 - 1, name=name, name_key=name, sector="other")
    history = [report_of(everything_report(description, description, description, "https://x"), n, comment[:1500])
               for n in range(1, 6)]
    sender = Contact(telegram_id=2**52, chat_id=2**52, full_name=name[:128], created_at=utcnow())
    senders: dict[int, Label] = {n: person_for_staff(sender, SENDER_EXCERPT) for n in range(1, 6)}
    assert_fits(renderer, details_reply(pledge, entity, history, manages=False, senders=senders, listed=False,
                                        for_staff=True), "pledge details for staff")
