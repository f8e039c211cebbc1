"""Lists and spacing as each language writes them (exploratory findings g_staff #11): Chinese lists whose items contain
和 are joined by 、, and Chinese text keeps no catalog space beside full-width punctuation or between Han characters."""

from __future__ import annotations

import pytest

from bot.i18n import FSI, PDI, Renderer
from handlers.messages import Code, CountryName, Items, Line, Reply, Text, reply_from_json, reply_to_json, text
from handlers.staff_notices import person_for_staff
from models.tables import Contact

SCHOOLS_AND_RURAL = Items((Text("Schools"), Text("Rural and remote communities")))


def plain(rendered: str) -> str:
    return rendered.replace(FSI, "").replace(PDI, "")


@pytest.mark.parametrize(("locale", "joined"), [
    ("zh", "学校、农村和偏远社区"),
    # labels keep their capital in a running list: it marks where each begins (a label may hold "and" itself), and
    # only the vocabulary, not the renderer, could tell a common noun from a name such as a region or a country
    ("en", "Schools and Rural and remote communities"),
    ("fr", "Écoles et Communautés rurales et isolées"),
])
def test_a_list_whose_item_contains_the_conjunction_reads_as_two_items(renderer: Renderer, locale: str,
                                                                      joined: str) -> None:
    """Regression: the zh staff card read "学校和农村和偏远社区", three groups for two."""
    card = Reply((Line(Text("Beneficiaries"), SCHOOLS_AND_RURAL),))
    assert joined in renderer.reply(reply_from_json(reply_to_json(card)), locale).text  # also after the outbox


@pytest.mark.parametrize(("items", "joined"), [
    ((Text("Schools"), Text("Youth")), "学校和青年"),  # no 和 inside: CLDR's pattern
    ((Text("Schools"), Text("Youth"), Text("Children")), "学校、青年和儿童"),
    ((Text("Schools"), Text("Youth"), Text("Rural and remote communities")), "学校、青年、农村和偏远社区"),
])
def test_chinese_lists_put_he_only_where_it_cannot_be_misread(renderer: Renderer, items: tuple[Text, ...],
                                                              joined: str) -> None:
    assert renderer.label(Items(items), "zh") == joined


def test_a_chinese_choice_containing_or_is_joined_by_the_enumeration_comma(renderer: Renderer) -> None:
    assert renderer.label(Items(("甲或乙", "丙"), choice=True), "zh") == "甲或乙、丙"
    assert renderer.label(Items(("甲", "丙"), choice=True), "zh") == "甲或丙"


def test_a_list_parameter_is_joined_alike(renderer: Renderer) -> None:
    assert renderer.label(Text("{x}", {"x": [Text("Schools"), Text("Rural and remote communities")]}),
                          "zh") == "学校、农村和偏远社区"


def _person(name: str) -> Contact:
    return Contact(telegram_id=1005, chat_id=1005, first_name=name, full_name=name)


@pytest.mark.parametrize(("name", "shown"), [
    ("Ivan Petrov", "已设置 Ivan Petrov（ID 1005）的范围"),  # no space after the full-width bracket
    ("王芳", "已设置王芳（ID 1005）的范围"),  # none between two Chinese characters either
])
def test_no_space_beside_full_width_punctuation_or_between_chinese_characters(renderer: Renderer, name: str,
                                                                              shown: str) -> None:
    """Regression: "已设置 Ivan Petrov（ID 1005） 的范围" and "交由 Awa Diop（ID 1001） 负责"."""
    scope = text("Scope of {name} set: {scope}", name=person_for_staff(_person(name)), scope=Text("All pledges"))
    assert renderer.label(scope, "zh").startswith(shown)


def test_a_latin_value_keeps_its_spaces_and_people_s_words_are_kept_as_written(renderer: Renderer) -> None:
    named = renderer.label(text("Scope of {name} set: {scope}", name="Ivan Petrov", scope=Text("All pledges")), "zh")
    assert named.startswith("已设置 Ivan Petrov 的范围")
    reference = renderer.label(text("Scope of {name} set: {scope}", name=Code("P2C-1"), scope="x"), "zh")
    assert reference.startswith("已设置 P2C-1 的范围")
    written = renderer.label(text("Scope of {name} set: {scope}", name="王 芳（北京） 办公室", scope="x"), "zh")
    assert "王 芳（北京） 办公室的范围" in written  # inside the parameter: untouched; beside it: Chinese spacing


def test_other_languages_keep_their_spaces(renderer: Renderer) -> None:
    scope = text("Scope of {name} set: {scope}", name="王芳", scope=Items((CountryName("KAZ"), CountryName("UZB"))))
    assert plain(renderer.label(scope, "en")) == "Scope of 王芳 set: Kazakhstan and Uzbekistan"


def test_a_link_in_a_chinese_list_is_spaced_off_the_mark_after_it(renderer: Renderer) -> None:
    """A tester's evidence: "…/a.pdf、…/b.pdf和https://…" was taken by Telegram as one link running through the marks
    and the next link. In Chinese a link is followed by a space; other items, and other languages, are as before."""
    links = Items((Code("https://example.org/a.pdf"), Code("www.example.org/b"), Code("https://example.org/c")))
    assert plain(renderer.reply(Reply((links,)), "zh").text) == \
        "https://example.org/a.pdf 、www.example.org/b 和https://example.org/c"
    assert plain(renderer.reply(Reply((links,)), "en").text) == \
        "https://example.org/a.pdf, www.example.org/b, and https://example.org/c"
    mixed = Items((Text("photo"), Code("https://example.org/a.pdf"), Text("photo")))
    assert plain(renderer.reply(Reply((mixed,)), "zh").text) == "照片、https://example.org/a.pdf 和照片"
