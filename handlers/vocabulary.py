"""How the domain's codes are named to people: message ids for sectors, roles and statuses."""

from __future__ import annotations

from collections.abc import Callable

from handlers.forms.intents import fold
from handlers.messages import CAPITAL, N_, Code, Label, Text
from models.values import Role, Sector

SECTOR_LABELS: dict[str, str] = {
    Sector.government: N_("Government"),
    Sector.private_sector: N_("Private sector"),
    Sector.intl_regional_org: N_("International or regional organisation"),
    Sector.un_agency: N_("UN agency"),
    Sector.academia: N_("Academia"),
    Sector.civil_society: N_("Civil society"),
    Sector.ifi: N_("International financial institution"),
    Sector.donor_agency: N_("Donor agency"),
    Sector.other: N_("Other"),
}

ROLE_LABELS: dict[str, str] = {
    Role.focal_point: N_("focal point"),
    Role.coordinator: N_("coordinator"),
    Role.staff: N_("BDT staff"),
    Role.admin: N_("administrator"),
}


def sector_label(code: str) -> Label:
    """The name of a sector."""
    return Text(SECTOR_LABELS.get(code, SECTOR_LABELS[Sector.other]))


def role_label(code: str) -> Label:
    """The name of a role."""
    return Text(ROLE_LABELS.get(code, ROLE_LABELS[Role.focal_point]))


FOCUS_AREA_LABELS: dict[str, str] = {
    "access": N_("Access: connecting people everywhere"),
    "adoption": N_("Adoption: empowering communities"),
    "value_creation": N_("Value creation: digital ecosystems"),
    "accelerate": N_("Accelerate: incentivizing investment"),
}

PILLAR_LABELS: dict[str, str] = {
    "infrastructure": N_("Infrastructure"),
    "affordability": N_("Affordability"),
    "cybersecurity": N_("Cybersecurity"),
    "skills": N_("Digital skills"),
    "digital_inclusion": N_("Digital inclusion"),
    "local_content_and_services": N_("Local content and services"),
    "digital_innovation_and_entrepreneurship": N_("Digital innovation and entrepreneurship"),
    "other": N_("Other"),
    "innovative_financing": N_("Innovative financing"),
    "project_viability": N_("Project viability"),
    "investor_constellation": N_("Investor constellation"),
}

PLEDGE_TYPE_LABELS: dict[str, str] = {
    "financial": N_("Financial"),
    "programmatic": N_("Programmatic"),
    "policy": N_("Policy"),
    "advocacy": N_("Advocacy"),
}

BENEFICIARY_LABELS: dict[str, str] = {
    "women": N_("Women and girls"),
    "youth": N_("Youth"),
    "children": N_("Children"),
    "persons_with_disabilities": N_("Persons with disabilities"),
    "older_persons": N_("Older persons"),
    "indigenous_peoples": N_("Indigenous peoples"),
    "rural_remote": N_("Rural and remote communities"),
    "refugees_displaced": N_("Refugees and displaced people"),
    "msmes": N_("Small businesses (MSMEs)"),
    "schools": N_("Schools"),
    "general_public": N_("General public"),
}

TARGET_UNITS: dict[str, str] = {
    "people": N_("people"),
    "households": N_("households"),
    "schools": N_("schools"),
    "health_facilities": N_("health facilities"),
    "communities": N_("communities"),
    "businesses": N_("businesses"),
    "km_fibre": N_("km of fibre"),
    "sites": N_("network sites"),
    "devices": N_("devices"),
    "trainees": N_("people trained"),
}

TARGET_UNIT_FORMS: dict[str, dict[str, tuple[str, ...]]] = {
    "people": {"en": ("person", "persons", "individuals"), "fr": ("personne",), "es": ("persona",),
               "ru": ("человек", "человека", "людей", "чел"), "ar": ("شخص", "فرد", "أفراد", "نسمة")},
    "households": {"en": ("household",), "fr": ("ménage",), "es": ("hogar",),
                   "ru": ("домохозяйство", "домохозяйств"), "ar": ("أسرة", "أسر", "أسرة معيشية"),
                   "zh": ("户", "家庭")},
    "schools": {"en": ("school",), "fr": ("école",), "es": ("escuela",), "ru": ("школа", "школ"), "ar": ("مدرسة",)},
    "health_facilities": {"en": ("health facility",), "fr": ("établissement de santé",), "es": ("centro de salud",),
                          "ru": ("медицинское учреждение", "медицинских учреждения", "медицинских учреждений"),
                          "ar": ("مرفق صحي",), "zh": ("医疗机构", "卫生机构")},
    "communities": {"en": ("community",), "fr": ("communauté",), "es": ("comunidad",),
                    "ru": ("сообщество", "сообществ"), "ar": ("مجتمع محلي", "مجتمع", "مجتمعات")},
    "businesses": {"en": ("business",), "fr": ("entreprise",), "es": ("empresa",),
                   "ru": ("предприятие", "предприятий"), "ar": ("منشأة أعمال", "منشأة", "منشآت")},
    "km_fibre": {"en": ("km", "km of fiber", "kilometres of fibre", "kilometers of fiber"),
                 "fr": ("km", "kilomètres de fibre"), "es": ("km", "kilómetros de fibra"),
                 "ru": ("км", "километров оптоволокна"), "ar": ("كم", "كيلومتر من الألياف"), "zh": ("公里",)},
    "sites": {"en": ("network site",), "fr": ("site de réseau",), "es": ("emplazamiento de red",),
              "ru": ("объект сети", "объекта сети", "объектов сети"), "ar": ("موقع شبكة",), "zh": ("站点",)},
    "devices": {"en": ("device",), "fr": ("appareil",), "es": ("dispositivo",), "ru": ("устройство", "устройств"),
                "ar": ("جهاز",)},
    "trainees": {"en": ("person trained", "trainee", "trainees"), "fr": ("personne formée",),
                 "es": ("persona capacitada",),
                 "ru": ("обученных", "обученных человек", "человек прошли обучение"),
                 "ar": ("شخص مدرب", "متدرب", "متدربين", "متدربون"), "zh": ("培训人员", "受训人员")},
}
"""Other forms of each target unit's label, by language: the singular beside the plural label ("école",
"مدرسة"), the forms a number governs ("2 млн человек", "500 школ") and the question's own example, so that a
count typed with its unit ("300 écoles", "٥٠٠ مدرسة") answers the unit too."""

WSIS_LABELS: dict[str, str] = {
    "C1": N_("C1 Role of governments"),
    "C2": N_("C2 Infrastructure"),
    "C3": N_("C3 Access to knowledge"),
    "C4": N_("C4 Capacity building"),
    "C5": N_("C5 Trust and security"),
    "C6": N_("C6 Enabling environment"),
    "C7": N_("C7 ICT applications"),
    "C8": N_("C8 Cultural diversity"),
    "C9": N_("C9 Media"),
    "C10": N_("C10 Ethics"),
    "C11": N_("C11 Cooperation"),
}

STATUS_LABELS: dict[str, str] = {
    "draft": N_("draft"),
    "submitted": N_("submitted, awaiting validation"),
    "validated": N_("validated"),
    "changes_requested": N_("changes requested"),
    "rejected": N_("rejected"),
    "completed": N_("completed"),
    "withdrawn": N_("withdrawn"),
}


def labeller(table: dict[str, str]) -> Callable[[str], Label]:
    """A label function for the codes of one table (unknown codes are shown as written)."""

    def label(code: str) -> Label:
        return Text(table[code]) if code in table else code

    return label


def sdg_label(code: str) -> Label:
    """"SDG 4", in the reader's language."""
    return Text(N_("SDG {n}"), {"n": Code(code)})


def status_label(status: str) -> Text:
    """The name of a pledge status, for the middle of a sentence ("{ref} is now validated")."""
    return Text(STATUS_LABELS.get(status, STATUS_LABELS["draft"]))


def status_value(status: str) -> Text:
    """The name of a pledge status shown alone, as a card's value ("Status: Validated"), with a capital as the card's
    other values have (the catalog's word is made for a sentence's middle)."""
    return Text(STATUS_LABELS.get(status, STATUS_LABELS["draft"]), initial=CAPITAL)


YES_NO_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "yes": {"en": ("yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "of course", "correct", "right",
                   "that's right", "that is right", "exactly", "confirm", "confirmed", "it is", "it's right"),
            "fr": ("oui", "ouais", "si", "d'accord", "bien sûr", "tout à fait", "exact", "exactement", "c'est exact",
                   "c'est ça", "c'est juste", "c'est bon", "je confirme", "confirmé", "correct"),
            "es": ("sí", "si", "claro", "vale", "de acuerdo", "por supuesto", "correcto", "exacto", "así es",
                   "es correcto", "confirmo", "está bien"),
            "ru": ("да", "ага", "угу", "конечно", "верно", "хорошо", "ладно", "согласен", "согласна", "всё верно",
                   "все верно", "правильно", "всё правильно", "все правильно", "это так", "именно так", "подтверждаю",
                   "точно"),
            "ar": ("نعم", "أجل", "بلى", "طبعا", "أكيد", "موافق", "ايوه", "صحيح", "هذا صحيح", "أؤكد", "بالضبط"),
            "zh": ("是", "是的", "对", "對", "对的", "好", "好的", "可以", "行", "嗯", "同意", "没错", "當然", "当然",
                   "正确", "正確", "确认", "確認", "没问题", "沒問題", "确定", "確定")},
    "no": {"en": ("no", "n", "nope", "nah", "not at all", "no thanks"),
           "fr": ("non", "nan", "pas du tout", "non merci"),
           "es": ("no", "para nada", "no gracias"),
           "ru": ("нет", "не", "неа", "нет спасибо", "не согласен", "не согласна"),
           "ar": ("لا", "كلا", "لأ", "لا شكرا"),
           "zh": ("不", "不是", "否", "没有", "沒有", "不对", "不對", "不好", "不行", "不要", "不同意", "没")},
}
"""Whole answers meaning yes or no at a yes/no question, by language; they are read in every language (people
switch), folded, so case, accents and punctuation ("Да!", "是的。") do not matter."""

_YES_NO: dict[str, str] = {
    fold(word): answer for answer, languages in YES_NO_WORDS.items() for words in languages.values() for word in words
}


_COURTESY = frozenset(fold(word) for word in (
    "please", "thanks", "thank you", "merci", "s'il vous plaît", "por favor", "gracias", "пожалуйста", "спасибо",
    "من فضلك", "شكرا", "请", "谢谢"))
"""Words that may come with a yes or a no ("yes please", "sí, gracias") without changing it."""


def typed_yes_no(value: str) -> str | None:
    """"yes" or "no" when the whole typed answer is one of their words or phrases in any of our languages, or a few
    of them saying the same, with courtesy around them ("si claro", "Oui, c'est exact", "Да, всё верно", "对，没错",
    "oui merci"); otherwise None."""
    if len(value) > 40:
        return None
    folded = fold(value)
    if folded in _YES_NO:
        return _YES_NO[folded]
    words, said, start = folded.split(), set(), 0
    if len(words) > 6:
        return None
    while start < len(words):  # the longest phrase at each place: "c est exact", then "merci"
        for end in range(min(len(words), start + 4), start, -1):
            phrase = " ".join(words[start:end])
            if phrase in _YES_NO or phrase in _COURTESY:
                if phrase in _YES_NO:
                    said.add(_YES_NO[phrase])
                start = end
                break
        else:
            return None  # a word that is neither: "yes, but…", "是的，金额正确"
    return said.pop() if len(said) == 1 else None
