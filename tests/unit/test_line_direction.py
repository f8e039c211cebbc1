"""Each line of a message reads in its language's direction, whatever script a person's name is in."""

from __future__ import annotations

import pytest

from bot.i18n import FSI, LRM, OWN, OWN_END, PDI, RLM, Renderer, directed
from handlers.messages import Code, Concat, Line, Markup, Text, reply


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


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
    # 30 lines that each need a mark in English, as long as fits without the marks: with them it would not
    def line(size: int) -> Text:
        return Text("“{entity}” is validated.", {"entity": "م" * size})

    def unmarked(size: int) -> int:
        return 30 * units(renderer.label(line(size), "en")) + 29 * len("\n\n")

    size = max(n for n in range(1, 200) if unmarked(n) <= 4096)
    assert unmarked(size) + 30 > 4096
    rendered = renderer.reply(reply(*[line(size)] * 30), "en").text
    assert units(rendered) <= 4096 and rendered.count(LRM) == 30
    assert "…" in rendered  # shortened to fit, marks and all


def test_a_person_s_lines_keep_the_direction_they_wrote_them_in(renderer: Renderer) -> None:
    # an Arabic answer in an English message: each of its lines reads right to left, its full stops where they were
    answer = f"{ARABIC_NAME}.\n{ARABIC_NAME}."
    rendered = renderer.reply(reply(answer), "en").text
    assert rendered == answer
    steps = renderer.reply(reply(Text("Steps taken: {steps}", {"steps": answer})), "en").text
    assert steps == f"Steps taken: {answer}"
    # an English answer in an Arabic message: its second line is not turned right to left
    english = "We built 12 schools.\nWe trained 40 teachers."
    lines = renderer.reply(reply(english), "ar").text.split("\n")
    assert lines == [f"{FSI}We built 12 schools.", f"We trained 40 teachers.{PDI}"]


def test_a_long_answer_read_in_full_is_not_lengthened_past_the_limit(renderer: Renderer) -> None:
    # 1,167 short Arabic lines: a mark on each would have pushed the part past 4,096 units and cut it
    answer = "\n".join(["مم"] * 1167)
    rendered = renderer.reply(reply(Text("Steps taken"), answer), "en").text
    assert rendered == f"Steps taken\n\n{answer}"


def test_a_formatted_message_is_shown_as_its_writer_wrote_it(renderer: Renderer) -> None:
    # a staff member previews an Arabic announcement with the bot in English: no mark turns its lines left to right,
    # none goes inside its code block or a tag that spans lines, and one that uses the whole limit is not cut
    body = (f"<b>{ARABIC_NAME}</b>\n<pre>{ARABIC_NAME}\n{ARABIC_NAME}</pre>\n"
            f'<a href="https://example.org/a\nb">{ARABIC_NAME}</a>\n<blockquote\nexpandable>{ARABIC_NAME}</blockquote>')
    assert renderer.reply(reply(Markup(body)), "en").text == body
    full = "\n".join([ARABIC_NAME] * 300)[:4096].strip()
    full += "م" * (4096 - len(full))
    assert len(full) == 4096 and renderer.reply(reply(Markup(full)), "en").text == full
    # the lines the bot writes around it still read in the message's direction
    around = renderer.reply(reply(Text("“{entity}” is validated.", {"entity": ARABIC_NAME}), Markup(body)), "en").text
    assert around.startswith(LRM) and around.count(LRM) == 1


def test_the_bot_s_words_after_a_person_s_lines_keep_the_message_s_direction(renderer: Renderer) -> None:
    # a change "old → new" of a multi-line answer: the line where they meet is the bot's, laid left to right in
    # English so that the arrow points from the old text to the new one
    diff = renderer.reply(reply(Line(Text("Description"), Concat(("قديم\nسطر قديم", " → ", "جديد\nسطر جديد")))),
                          "en").text
    assert diff.split("\n") == ["<b>Description</b>: قديم", f"{LRM}سطر قديم → جديد", "سطر جديد"]
    edited = renderer.reply(reply(Concat((f"{ARABIC_NAME}\n{ARABIC_NAME}", " — ", Text("edited")))), "en").text
    assert edited.split("\n") == [ARABIC_NAME, f"{LRM}{ARABIC_NAME} — edited"]
    # a bullet before a person's text makes the line the bot's, as it does before a one-line answer
    bullets = renderer.reply(reply(Concat(("• ", f"{ARABIC_NAME}\n{ARABIC_NAME}")), Concat(("• ", ARABIC_NAME))),
                             "en").text
    assert bullets.split("\n") == [f"{LRM}• {ARABIC_NAME}", ARABIC_NAME, "", f"{LRM}• {FSI}{ARABIC_NAME}{PDI}"]


def test_chinese_spacing_sees_through_a_person_s_lines(renderer: Renderer) -> None:
    assert renderer.reply(reply(Text("已设置 {x} 的范围", {"x": "王芳\n李四"})), "zh").text == "已设置王芳\n李四的范围"
    assert renderer.reply(reply(Text("已设置 {x} 的范围", {"x": Markup("<b>王芳</b>")})), "zh").text == (
        "已设置<b>王芳</b>的范围")


@pytest.mark.parametrize("locale", ["en", "ar", "zh"])
def test_the_marks_of_a_person_s_lines_never_leave_the_renderer(renderer: Renderer, locale: str) -> None:
    person, formatted = f"a\n{ARABIC_NAME}\nb", Markup(f"<b>c</b>\n{ARABIC_NAME}")
    for shown in (renderer.label(Concat((person, formatted)), locale),
                  renderer.label(Concat((person, formatted)), locale, markup=False),
                  renderer.reply(reply(person, formatted, Line(Text("Steps"), person)), locale).text,
                  # too long: what people wrote is shortened, and formatting too long for a cap becomes plain text
                  renderer.reply(reply(person * 900, Markup("<i>x</i>\ny" * 900)), locale).text):
        assert OWN not in shown and OWN_END not in shown


@pytest.mark.parametrize(("line", "locale", "marked"), [
    (f"✓ {FSI}{RLM}250,000 US${LRM}{PDI}", "ar", True),  # no letter outside the isolate: apps lay it out left to right
    (f"✓ {FSI}{RLM}250,000 US${LRM}{PDI}", "en", True),  # a mark of its own direction: harmless
    (f"✓ {FSI}السنغال{PDI}", "en", True),
    (f"الدولة: {FSI}Senegal{PDI}", "ar", False),
    (f"{FSI}Ministry of ICT{PDI} — تمت الموافقة", "ar", True),
    (f"{FSI}وزارة{PDI} validated", "en", True),
])
def test_a_line_whose_letters_are_all_isolated_begins_in_its_language_s_direction(line: str, locale: str,
                                                                                  marked: bool) -> None:
    """Demo tester: in Arabic, a form's "✓ 250,000 US$" line sat at the left edge: its only letters are in an
    isolate, which Unicode's rule (and the page, and Telegram's apps) does not read for a line's direction."""
    mark = RLM if locale == "ar" else LRM
    assert directed(line, locale).startswith(mark) is marked
