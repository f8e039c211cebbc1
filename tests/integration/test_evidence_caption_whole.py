"""Evidence shown again with 📎 keeps its caption within Telegram's 1,024 characters and offers 📖 to read a long
caption whole. Before, a caption of ~1,000 characters, with the heading and the file's name, went over the limit and
the renderer cut the person's words to about 300, with no way to read the rest."""

from __future__ import annotations

import pytest
from chat_driver import ChatDriver, codes
from sqlmodel import col, select
from test_histories_counted import FOCAL, OUTSIDER, STAFF, contact, people, pledge_with_reports

from bot.i18n import Renderer
from handlers.conversation import Deps
from handlers.lengths import CAPTION_LIMIT, visible_length
from handlers.messages import reply_from_json
from models.database import Database
from models.tables import Outbox, ProgressReport


@pytest.fixture
async def chat(database: Database, deps: Deps, renderer: Renderer) -> ChatDriver:
    return await people(database, deps, renderer)


WORDS = "تم ربط المدارس الريفية بالإنترنت وتدريب المعلمين 🚀 "
CAPTION = (WORDS * 30)[:1000] + "END"


async def with_long_caption(database: Database) -> int:
    """The latest report of the focal point's pledge, with a document whose caption is 1,003 characters long."""
    await pledge_with_reports(database)
    async with database.uow() as uow:
        latest = select(ProgressReport).order_by(col(ProgressReport.id).desc())
        report = (await uow.session.execute(latest)).scalars().first()
        assert report is not None and report.id is not None
        report.evidence = [{"kind": "document", "file_id": "DOC", "name": "تقرير_" * 33 + ".pdf", "caption": CAPTION}]
        await uow.commit()
        return report.id


@pytest.mark.parametrize("reader", [FOCAL, STAFF])
async def test_a_long_caption_fits_and_is_read_whole(chat: ChatDriver, database: Database, renderer: Renderer,
                                                     reader: int) -> None:
    report_id = await with_long_caption(database)
    person = chat.person(reader)
    shown = await chat.press(person, f"rp:ev:{report_id}")
    assert shown[0].attachment == ("document", "DOC")
    assert f"ft:ec:{report_id}:1" in codes(shown[0])
    async with database.uow() as uow:  # the caption the journey wrote, before the renderer's own shortening
        rows = (await uow.session.execute(select(Outbox))).scalars().all()
    sent = [reply_from_json(row.payload["reply"]) for row in rows if "att" in row.payload.get("reply", {})]
    assert sent and all(visible_length(renderer.body(reply, "ar")) <= CAPTION_LIMIT for reply in sent)
    whole = await chat.press(person, f"ft:ec:{report_id}:1")
    assert "END" in "".join(message.text for message in whole) and not any(m.attachment for m in whole)


async def test_another_organisation_cannot_read_the_caption(chat: ChatDriver, database: Database) -> None:
    report_id = await with_long_caption(database)
    refused = await chat.press(chat.person(OUTSIDER), f"ft:ec:{report_id}:1")
    assert "not allowed" in refused[0].text and "END" not in refused[0].text
    assert (await contact(database, OUTSIDER)).entity_id != (await contact(database, FOCAL)).entity_id
