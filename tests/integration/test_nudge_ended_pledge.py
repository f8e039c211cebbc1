"""The digest's Nudge on a pledge that left the validated ones since the digest was sent (l_trust.md #8): it said
"The report of … is not overdue any more", as if a report had arrived. On both backends."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver
from test_digests import STAFF, _seed, chat  # noqa: F401 (the fixture)

from models.database import Database
from models.tables import Pledge
from models.values import PledgeStatus


@pytest.mark.parametrize(("status", "said"), [(PledgeStatus.withdrawn, "P2C-2025-00002 was withdrawn"),
                                              (PledgeStatus.completed, "P2C-2025-00002 is completed"),
                                              (PledgeStatus.rejected, "P2C-2025-00002 is no longer validated")])
async def test_a_nudge_on_an_ended_pledge_says_what_became_of_it(chat: ChatDriver,  # noqa: F811
                                                                 database: Database, status: PledgeStatus,
                                                                 said: str) -> None:
    ids = await _seed(database)
    async with database.uow() as uow:
        pledge = await uow.session.get(Pledge, ids["p2"])
        assert pledge is not None
        pledge.status = status
        await uow.commit()
    answer = await chat.press(chat.person(STAFF, "Bea"), f"dg:nudge:{ids['p2']}")
    assert said in answer[0].text and "no reminder was sent" in answer[0].text, answer[0].text
    assert "overdue" not in answer[0].text
