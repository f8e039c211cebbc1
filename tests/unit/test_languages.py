"""Issue #14, languages: plural forms, Arabic, Russian, French and Spanish wording, times and examples by CLDR."""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path

import pytest

from bot.catalogs import extract, read
from bot.i18n import FSI, PDI, Renderer
from handlers.broadcasts.service import progress_reply
from handlers.commands import help_reply
from handlers.forms.base import Form
from handlers.forms.countries import SHORTCUTS, CountryStep
from handlers.forms.numbers import parse_amount
from handlers.forms.parsing import ParseError
from handlers.forms.steps import ChoiceStep, MultiChoiceStep, parse_error
from handlers.messages import (
    Clock,
    Code,
    Concat,
    CountryName,
    Day,
    Items,
    Label,
    Line,
    Reply,
    Text,
    plural,
    reply_from_json,
    reply_to_json,
    text,
)
from handlers.pledges.form import PLEDGE_FORM
from handlers.reports.cards import period_label, report_card
from models.tables import Pledge, ProgressReport
from models.values import LANGUAGES, Role

ROOT = Path(__file__).resolve().parents[2]
COUNTED = re.compile(r"\{\w+\} (?:people|persons|messages|pledges|characters|minutes|min|seconds|countries|entities|"
                     r"items|reports|days|options|recipients)\b")


def plain(text: str) -> str:
    return text.replace(FSI, "").replace(PDI, "")


def strings(language: str) -> dict[str, str]:
    """Every msgstr of a catalog by msgid (plural entries: their forms joined)."""
    found: dict[str, str] = {}
    for message in read(language):
        if message.id:
            key = message.id if isinstance(message.id, str) else message.id[0]
            found[key] = message.string if isinstance(message.string, str) else " || ".join(message.string)
    return found


# --- 16. plural forms wherever a count is shown -------------------------------------------------

def test_no_singular_message_counts_things() -> None:
    singular = [str(m.id) for m in extract() if m.id and isinstance(m.id, str) and COUNTED.search(str(m.id))]
    assert singular == []


@pytest.mark.parametrize(("locale", "n", "expected"), [
    ("en", 1, "to 1 person."), ("en", 7, "to 7 people."), ("fr", 1, "à 1 personne."), ("es", 1, "a 1 persona."),
    ("ru", 1, "1 получателю."), ("ru", 3, "3 получателям."), ("ru", 21, "21 получателю."),
    ("ar", 1, "إلى شخص واحد."), ("ar", 2, "إلى شخصين."), ("ar", 3, "إلى 3 أشخاص."), ("ar", 11, "إلى 11 شخصًا."),
    ("ar", 100, "إلى 100 شخص."),
])
def test_broadcast_counts_agree(renderer: Renderer, locale: str, n: int, expected: str) -> None:
    message = plural("Broadcast {ref} is on its way to {count} person.",
                     "Broadcast {ref} is on its way to {count} people.", n, ref=Code("#1"))
    assert plain(renderer.label(message, locale)).endswith(expected)


@pytest.mark.parametrize(("locale", "seconds", "expected"), [
    ("en", 61, "about 1 minute and 1 second"), ("en", 130, "about 2 minutes and 10 seconds"),
    ("ar", 125, "دقيقتين و5 ثوانٍ"), ("ar", 660, "11 دقيقة و0 ثانية"), ("ar", 62, "دقيقة واحدة وثانيتين"),
    ("ru", 125, "2 минуты и 5 секунд"), ("ru", 61, "1 минута и 1 секунда"), ("fr", 61, "1 minute et 1 seconde"),
])
def test_minutes_and_seconds_agree_with_their_numbers(renderer: Renderer, locale: str, seconds: int,
                                                      expected: str) -> None:
    duration = Items((plural("{count} minute", "{count} minutes", seconds // 60),
                      plural("{count} second", "{count} seconds", seconds % 60)))
    assert expected in plain(renderer.label(Text("about {duration}", {"duration": duration}), locale))


def test_the_broadcast_progress_shows_its_time_left_in_words(renderer: Renderer) -> None:
    from datetime import UTC, datetime, timedelta

    from models.tables import Broadcast
    from models.values import BroadcastStatus

    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    broadcast = Broadcast(id=5, status=BroadcastStatus.sending, started_at=now - timedelta(seconds=60),
                          recipients=120, audience=[], texts={}, fallback="en")
    reply = reply_from_json(reply_to_json(progress_reply(broadcast, {"sent": 30}, now)))
    assert "примерно 3 минуты и 0 секунд" in renderer.reply(reply, "ru").text
    assert "نحو 3 دقائق و0 ثانية" in plain(renderer.reply(reply, "ar").text)


# --- 17. Arabic ----------------------------------------------------------------------------------

def test_arabic_commands_are_isolated_one_by_one(renderer: Renderer) -> None:
    text = renderer.label(Text("Pledges are registered by the focal points of organisations. To register yours, "
                               "send /start."), "ar")
    assert f"{FSI}/start{PDI}." in text
    template = Text("<b>x</b> /pledge — /mypledges, https://www.itu.int/p2c")
    rendered = renderer.label(template, "ar")
    assert f"{FSI}/pledge{PDI} — {FSI}/mypledges{PDI}," in rendered
    assert "</b>" in rendered and "https://www.itu.int/p2c" in rendered  # tags and links untouched
    assert FSI not in renderer.label(template, "fr")


def test_arabic_help_lines_read_command_dash_description(renderer: Renderer) -> None:
    """A tester saw "—" at the right-hand start of each line of /help in Arabic: "/mypledges — " was one left-to-right
    run, the dash at its end; the command alone is isolated, the dash between it and the description."""
    text = renderer.reply(help_reply(Role.focal_point), "ar").text
    line = next(line for line in text.split("\n") if "/mypledges" in line)
    assert f"{FSI}/mypledges{PDI} — " in line, line
    assert "— " + PDI not in text


def test_every_command_in_arabic_running_text_is_isolated(renderer: Renderer) -> None:
    for msgid, string in strings("ar").items():
        if "/" not in string:
            continue
        rendered = renderer.label(Text(msgid, {k: "x" for k in re.findall(r"\{(\w+)\}", msgid)}), "ar")
        bare = re.findall(r"(?<![\u2068\w/<:.])/[a-z][a-z0-9_]*", rendered)
        assert bare == [], msgid


SINGULAR_IMPERATIVE = re.compile(r"(?<!\w)(?:اضغط|أرسل|اكتب|اختر|ألغِ?|احذف|اسحب|أبقِ?|استبدل|أضف|أدخل|حدد|انقر|ابدأ|"
                                 r"أكمل|أعد)(?:ه|ها|هم)?(?!\w)")
"""A singular imperative (اضغط, ألغِه…): the catalog speaks to the reader in the plural (اضغطوا) or with verbal nouns."""


def test_arabic_buttons_address_the_reader_as_the_rest_of_the_catalog() -> None:
    ar = strings("ar")
    for word in ("ألغِه", "احذفها", "اسحبه", "أبقِه", "استبدله"):
        assert not [msgid for msgid, string in ar.items() if word in string], word
    assert not [(msgid, string) for msgid, string in ar.items() if SINGULAR_IMPERATIVE.search(string)]
    assert SINGULAR_IMPERATIVE.search("نعم، ألغِه") and not SINGULAR_IMPERATIVE.search("اضغطوا على ➡️ رجوع")


def test_arabic_back_points_right() -> None:
    ar = strings("ar")
    assert not [msgid for msgid, string in ar.items() if "⬅" in string and not msgid.startswith("➡️")]  # forward only
    assert ar["⬅️ Back"].startswith("➡️")


def test_arabic_focal_point_is_the_un_term() -> None:
    ar = strings("ar")
    assert not [m for m, s in ar.items() if re.search("جه(?:ة|ات) (?:ال)?اتصال", s)]
    assert "تنسيق" in ar["focal point"]


TWO_COLUMN_LIMIT = 30
"""Characters of an Arabic label that fit half the width of a 390-pixel phone screen (Telegram's button font)."""


def _two_column_labels(form: Form) -> list[Label]:
    labels: list[Label] = []
    for step in form.steps:
        if isinstance(step, ChoiceStep | MultiChoiceStep) and step.columns >= 2 and isinstance(step.choices, tuple):
            labels.extend(step.label_of(choice) for choice in step.choices)
        if isinstance(step, CountryStep) and step.multi:  # the groups and regions, two by two under the matches
            labels.extend(Text(label) for label in SHORTCUTS.values())
    return labels


def test_arabic_two_column_buttons_of_the_pledge_form_fit_a_phone(renderer: Renderer) -> None:
    too_long = [label for label in (renderer.label(item, "ar", markup=False)
                                    for item in _two_column_labels(PLEDGE_FORM)) if len(label) > TWO_COLUMN_LIMIT]
    assert too_long == []


# --- 18. Russian ---------------------------------------------------------------------------------

def test_russian_group_names_are_itu_s() -> None:
    ru = strings("ru")
    assert not [m for m, s in ru.items() if "РСНВМ" in s or "МОРАГ" in s]
    assert ru["LLDCs"] == "ЛЛДС" and ru["SIDS"] == "СИДС"
    assert "Северная и Южная Америка" in ru["Americas"] and "Северная и Южная Америка" in ru["ITU region: Americas"]


def test_no_double_full_stop_after_a_date_in_any_message(renderer: Renderer) -> None:
    day = Day(date(2026, 12, 1))
    period = Text("first half of {year}", {"year": Code("2026")})
    for message in extract():
        if not message.id or isinstance(message.id, tuple):
            continue
        names = re.findall(r"\{(\w+)\}", str(message.id))
        params = {k: day if k == "date" else period if k == "period" else "x" for k in names}
        for locale in LANGUAGES:
            rendered = plain(renderer.label(Text(str(message.id), params), locale))
            assert ".." not in rendered.replace("...", ""), (locale, message.id)
    assert renderer.label(Text("This date must not be before {date}.", {"date": day}), "ru").endswith("2026\u202fг.")


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", "Progress report on P2C-2025-00003 “Schools” for 2024."),
    ("zh", "P2C-2025-00003“Schools”在2024年的进展报告。"),
    ("ru", "Отчёт о ходе выполнения P2C-2025-00003 «Schools» за 2024 год."),
    ("ar", "تقرير مرحلي عن P2C-2025-00003 «Schools» لفترة عام 2024."),  # "the period of the year 2024"
])
def test_a_whole_year_reads_as_a_year_in_running_text(renderer: Renderer, locale: str, expected: str) -> None:
    # an annual period was the bare number: "在2024的进展报告" is not Chinese, "за 2024" is clipped Russian
    message = text("Progress report on {ref} “{title}” for {period}.", ref="P2C-2025-00003", title="Schools",
                   period=period_label("2024"))
    assert plain(renderer.label(message, locale, markup=False)) == expected
    assert plain(renderer.label(period_label("2026-H1"), "zh", markup=False)) == "2026年上半年"


@pytest.mark.parametrize(("locale", "reporting", "implementation"), [
    ("ar", "الفترة المشمولة بالتقرير", "فترة التنفيذ"), ("zh", "报告期", "实施期"),
    ("en", "Reporting period", "Period"),
])
def test_a_report_s_period_is_not_called_the_implementation_period(renderer: Renderer, locale: str,
                                                                     reporting: str, implementation: str) -> None:
    # one msgid served both, and Arabic and Chinese called a report's half-year its "implementation period"
    pledge = Pledge(id=1, entity_id=1, title="Schools", ref="P2C-2025-00001", pledge_type="financial")
    report = ProgressReport(pledge_id=1, contact_id=1, period="2025-H2", status="in_progress", percent_complete=40,
                            steps_taken="Connected 120 schools in Kolda.")
    card = "\n".join(plain(renderer.label(line, locale, markup=False)) for line in report_card(report, pledge))
    assert reporting in card and implementation + ":" not in card and implementation + "：" not in card


def test_arabic_lines_are_not_split_by_an_isolate(renderer: Renderer) -> None:
    # a separator between lines was isolated like a person's text: FSI "\n" PDI, whose PDI opened the next line
    summary = Concat((Line(Text("Title"), "Connect 500 schools"), "\n", Line(Text("Description"), "ربط المدارس")))
    rendered = renderer.label(summary, "ar")
    assert f"{FSI}\n" not in rendered and f"\n{PDI}" not in rendered
    assert f"{FSI}Connect 500 schools{PDI}" in rendered  # what the person wrote is still isolated


def test_arabic_arrows_point_the_way_arabic_reads() -> None:
    # a tester saw "➡️ الإبقاء على هذه الإجابة" (keep, forward) beside "➡️ رجوع" (back), and "التالية ▸" (next)
    arabic = strings("ar")
    forward, backward = ("➡️", "▸", "⏭", "⏩", "▶️"), ("⬅️", "⏮")
    ahead = {msgid: arabic[msgid] for msgid in arabic if any(icon in msgid for icon in forward)}
    behind = {msgid: arabic[msgid] for msgid in arabic if any(icon in msgid for icon in backward)}
    assert ahead and behind
    assert [msgid for msgid, string in ahead.items() if any(icon in string for icon in forward)] == []
    assert [msgid for msgid, string in behind.items() if any(icon in string for icon in backward)] == []


def test_french_apostrophes_are_typographic() -> None:
    # the catalog wrote "d’engagement" and "d'engagement" side by side
    assert [msgid for msgid, string in strings("fr").items() if "'" in string] == []


# --- 19. French, and times of day by CLDR ----------------------------------------------------------

def test_french_role_sentences_are_neutral() -> None:
    fr = strings("fr")
    assert not [m for m, s in fr.items() if re.search(r"êtes désormais \{role\}|est désormais \{new_role\}", s)]


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar"])
def test_no_language_named_in_itself_after_a_preposition(language: str, renderer: Renderer) -> None:
    """A tester's English staff read "Send the text in Русский.": each language says "in this language: Русский"."""
    rendered = renderer.label(Text("Send the text in this language: {language}.", {"language": "Русский"}), language)
    assert not re.search(r"\b(?:en|in|باللغة) \u2068?Русский", rendered)


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", "2:30\u202fPM"), ("fr", "14:30"), ("es", "14:30"), ("ru", "14:30"), ("zh", "14:30"), ("ar", "2:30 م"),
])
def test_times_of_day_follow_the_reader_s_locale(renderer: Renderer, locale: str, expected: str) -> None:
    assert plain(renderer.label(Clock(time(14, 30)), locale)) == expected
    assert reply_from_json(reply_to_json(_reply_with(Clock(time(14, 30))))) == _reply_with(Clock(time(14, 30)))


def _reply_with(value: Clock) -> object:
    from handlers.messages import Reply

    return Reply((Text("Your time zone is now {zone}. It is {time} there.", {"zone": "x", "time": value}),))


def test_no_fixed_clock_times_in_messages_nor_in_code() -> None:
    # what to type ("2026-12-01 14:30") and UTC offsets ("UTC−5:30") are not times shown to the reader
    shown_time = re.compile(r"(?<!\d{4}-\d\d-\d\d )(?<![−+\d])\b\d{1,2}:\d\d\b")
    fixed = [str(m.id) for m in extract() if m.id and isinstance(m.id, str) and shown_time.search(str(m.id))]
    assert fixed == []
    formatted = [str(path.relative_to(ROOT)) for path in (ROOT / "handlers").rglob("*.py")
                 if "%H:%M" in path.read_text(encoding="utf-8") or ':02d}:00"' in path.read_text(encoding="utf-8")]
    assert formatted == []


# --- 20. Spanish, and number examples in the reader's format ------------------------------------

def test_spanish_staff_notice_does_not_say_your_and_no_slash_forms() -> None:
    es = strings("es")
    assert not [m for m, s in es.items() if s.startswith("Su punto focal")]
    assert not [m for m, s in es.items() if re.search(r"\w/(?:a|as|o|os|e)\b", re.sub(r"<[^>]+>|https?://\S+", "", s))]


@pytest.mark.parametrize(("locale", "number", "amount"), [
    ("es", "1.500.000", "250.000"), ("en", "1,500,000", "250,000"), ("fr", "1\u202f500\u202f000", "250\u202f000"),
    ("ru", "1\u00a0500\u00a0000", "250\u00a0000"),
])
def test_number_examples_are_in_the_reader_s_format(renderer: Renderer, locale: str, number: str,
                                                   amount: str) -> None:
    assert number in renderer.label(parse_error(ParseError("not_a_number")).message, locale)
    question = next(step for step in PLEDGE_FORM.steps if step.id == "value_usd").ask({})
    assert amount in renderer.label(question, locale)
    assert parse_amount(number, locale) == 1_500_000  # what the example shows is accepted


@pytest.mark.parametrize(("locale", "joined"), [("en", "Niger or Nigeria"), ("fr", "Niger ou Nigeria"),
                                                ("es", "Níger o Nigeria"), ("ru", "Нигер или Нигерия"),
                                                ("zh", "尼日尔或尼日利亚"), ("ar", "أو")])
def test_a_choice_between_items_reads_or_and_survives_the_outbox(renderer: Renderer, locale: str,
                                                                 joined: str) -> None:
    choice = Reply((Text("Did you mean one of these? {countries}",
                         {"countries": Items((CountryName("NER"), CountryName("NGA")), choice=True)}),))
    assert joined in plain(renderer.reply(reply_from_json(reply_to_json(choice)), locale).text)
    both = Reply((Text("{countries}", {"countries": Items((CountryName("NER"), CountryName("NGA")))}),))
    assert joined not in plain(renderer.reply(reply_from_json(reply_to_json(both)), locale).text)


@pytest.mark.parametrize("locale", ["en", "fr", "ru", "zh"])
def test_an_override_in_what_a_person_wrote_stays_inside_it(renderer: Renderer, locale: str) -> None:
    """Limits tester: a pledge titled with a right-to-left override (U+202E) reversed the rest of the line in staff
    notices and /pending; in an isolate it ends with the title."""
    title = "Ministry\u202e TCI fo"
    shown = renderer.label(Text("{ref} “{title}” — {period}", {"ref": "P2C-2026-00001", "title": title,
                                                           "period": "2026"}), locale)
    assert f"{FSI}Ministry\u202e TCI fo{PDI}" in shown
    assert FSI not in renderer.label(Text("{title}", {"title": "Connect 500 schools"}), locale)
