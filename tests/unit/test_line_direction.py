"""Each line of a message reads in its language's direction, whatever script a person's name is in."""

from __future__ import annotations

from bot.i18n import FSI, LRM, OWN, PDI, RLM, Renderer, directed
from handlers.messages import Code, Concat, Markup, Text, reply

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
    validated = Text("“{entity}” is validated.", {"entity": ARABIC_NAME * 20})  # each line needs a mark in English
    rendered = renderer.reply(reply(*[validated] * 30), "en").text
    assert rendered.count(LRM) == 30
    assert len(rendered.encode("utf-16-le")) // 2 <= 4096


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


def test_the_mark_of_a_person_s_lines_never_leaves_the_renderer(renderer: Renderer) -> None:
    assert OWN not in renderer.label(Concat(("a\nb", Markup("<b>c</b>\nd"))), "ar")
    assert OWN not in renderer.reply(reply("x\ny", Markup("p\nq")), "fr").text
