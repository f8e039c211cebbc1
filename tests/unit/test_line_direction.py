"""Each line of a message reads in its language's direction, whatever script a person's name is in."""

from __future__ import annotations

from bot.i18n import FSI, LRM, PDI, RLM, Renderer, directed
from handlers.messages import Code, Text, reply

ARABIC_NAME = "مؤسسة الاتصالات"


def test_an_english_sentence_opening_with_an_arabic_name_starts_left_to_right(renderer: Renderer) -> None:
    rendered = renderer.reply(reply(Text("“{entity}” is validated.", {"entity": ARABIC_NAME})), "en").text
    assert rendered == f"{LRM}“{FSI}{ARABIC_NAME}{PDI}” is validated."


def test_an_arabic_name_inside_english_text_is_isolated_but_the_line_is_left_alone(renderer: Renderer) -> None:
    rendered = renderer.reply(reply(Text("Thank you, {name}.", {"name": ARABIC_NAME})), "en").text
    assert rendered == f"Thank you, {FSI}{ARABIC_NAME}{PDI}."


def test_latin_names_in_left_to_right_text_are_written_as_they_are(renderer: Renderer) -> None:
    rendered = renderer.reply(reply(Text("“{entity}” is validated.", {"entity": "Digital Bridge"})), "fr").text
    assert FSI not in rendered and LRM not in rendered


def test_an_arabic_line_opening_with_a_latin_reference_starts_right_to_left(renderer: Renderer) -> None:
    validated = Text("“{entity}” is validated.", {"entity": "Ana"})
    rendered = renderer.reply(reply(Code("P2C-2025-00001"), validated), "ar").text
    first, _, second = rendered.split("\n")
    assert first == f"{RLM}{FSI}P2C-2025-00001{PDI}"
    assert not second.startswith(RLM)  # an Arabic sentence already opens right to left


def test_only_the_lines_that_need_it_get_a_mark() -> None:
    body = f"<b>{ARABIC_NAME}</b>\nPledges: 3\n\n&lt;{ARABIC_NAME}&gt;\n12"
    assert directed(body, "en").split("\n") == [
        f"{LRM}<b>{ARABIC_NAME}</b>", "Pledges: 3", "", f"{LRM}&lt;{ARABIC_NAME}&gt;", "12"]
    assert directed("<b>Budget</b>: ١٢\nالميزانية", "ar") == f"{RLM}<b>Budget</b>: ١٢\nالميزانية"


def test_a_message_s_marks_are_counted_when_it_is_made_to_fit(renderer: Renderer) -> None:
    lines = "\n".join([ARABIC_NAME * 3] * 80)  # 80 lines that each need a mark in English
    rendered = renderer.reply(reply(lines, lines), "en").text
    assert rendered.count(LRM) > 0
    assert len(rendered.encode("utf-16-le")) // 2 <= 4096
