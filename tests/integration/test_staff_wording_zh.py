"""What staff read in Chinese after /scope and /reassign (exploratory findings g_staff #11): country names joined as a
Chinese list, and no space left between a full-width bracket and the Chinese text after it."""

from __future__ import annotations

from chat_driver import ChatDriver
from test_digests import COORDINATOR, FOCAL_AFRICA, STAFF, _seed, chat  # noqa: F401 (the fixture)

from models.database import Database


async def test_scope_confirmation_in_chinese_names_countries_with_no_stray_space(chat: ChatDriver,  # noqa: F811
                                                                                 database: Database) -> None:
    """Regression: "已设置 Ivan Petrov（ID 1005） 的范围：国家：KAZ, UZB" had a space after the full-width bracket."""
    await _seed(database)
    staff = chat.person(STAFF, "Bea", "zh")
    confirmed = (await chat.send(staff, f"/scope {COORDINATOR} countries KAZ UZB"))[-1].text
    assert f"已设置 Ivan（ID {COORDINATOR}）的范围：国家：哈萨克斯坦和乌兹别克斯坦" in confirmed
    three = (await chat.send(staff, f"/scope {COORDINATOR} countries KAZ UZB SEN"))[-1].text
    assert "国家：哈萨克斯坦、塞内加尔和乌兹别克斯坦" in three


async def test_reassign_in_chinese_leaves_no_space_after_the_bracket(chat: ChatDriver,  # noqa: F811
                                                                     database: Database) -> None:
    """Regression: "… 现在首先交由 Awa Diop（ID 1001） 负责。" had a space after the full-width bracket."""
    ids = await _seed(database)
    done = (await chat.send(chat.person(STAFF, "Bea", "zh"), f"/reassign {ids['sen']} {FOCAL_AFRICA}"))[0].text
    assert f"交由 Awa Diop（ID {FOCAL_AFRICA}）负责。" in done
