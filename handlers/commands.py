"""The commands each role can use, for /help and for the command menus Telegram shows."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from handlers.messages import N_, Concat, Label, Reply, Text, text
from models.values import MEMBER_ROLES, Role


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command, what it does, and who may use it (None: everyone)."""

    name: str
    description: str
    roles: frozenset[Role] | None = None
    newcomers: bool = False
    """Offered only to people with no role yet (registered people need not start again)."""


EVERYONE = None
STAFF = frozenset({Role.staff, Role.admin})

FOCAL = frozenset({Role.focal_point})
MEMBERS = MEMBER_ROLES
QUESTIONS = MEMBERS | STAFF
FOLLOWERS = frozenset({Role.coordinator, Role.staff, Role.admin})
"""Who receives digests and exports of their scope."""

COMMANDS: tuple[Command, ...] = (
    Command("start", N_("Start, or register your organisation"), newcomers=True),
    Command("pledge", N_("Register a new pledge"), FOCAL),
    Command("mypledges", N_("Your organisation's pledges"), MEMBERS),
    Command("report", N_("Report progress on a pledge"), FOCAL),
    Command("ask", N_("Ask the P2C team at BDT a question"), MEMBERS),
    Command("questions", N_("Questions to the P2C team and their answers"), QUESTIONS),
    Command("pending", N_("What waits for your decision"), STAFF),
    Command("digest", N_("Your digest: figures and pledges of your scope"), FOLLOWERS),
    Command("export", N_("A spreadsheet of the pledges of your scope"), FOLLOWERS),
    Command("broadcast", N_("Send an announcement"), STAFF),
    Command("broadcasts", N_("Past and running announcements"), STAFF),
    Command("inactive", N_("Pledges with no report for 24 months"), STAFF),
    Command("find", N_("A pledge by its reference, with its reports and how often it reports"), STAFF),
    Command("find", N_("A pledge of your scope by its reference, with its reports"), frozenset({Role.coordinator})),
    Command("scope", N_("Set a coordinator's scope: /scope ID SCOPE"), STAFF),
    Command("invite", N_("Invite a colleague to your organisation"), FOCAL),
    Command("invite", N_("Invite someone to an organisation"), STAFF),
    Command("leave", N_("Leave your organisation, handing its pledges over"), FOCAL),
    Command("reassign", N_("Choose the focal point an organisation's pledges go to first"), STAFF),
    Command("settings", N_("Your time zone, language and reminders")),
    Command("privacy", N_("What is kept about you, and for how long")),
    Command("mydata", N_("See everything kept about you")),
    Command("forget", N_("Erase your personal data")),
    Command("help", N_("What I can do for you")),
    Command("language", N_("Change the language")),
    Command("cancel", N_("Stop the current questions")),
)


def commands_for(role: Role | None) -> tuple[Command, ...]:
    """The commands a person of this role (or with none yet) may use."""
    return tuple(c for c in COMMANDS if not (c.newcomers and role is not None)
                 and (c.roles is None or (role is not None and role in c.roles)))


# Commands are Latin letters (Telegram's rule), so a French or Spanish speaker may type their own word for one:
# those words, and the transliterations people use for Russian and Chinese ones, point to the command.
_OWN_WORDS: dict[str, tuple[str, ...]] = {
    "report": ("rapport", "rapports", "informe", "informes", "reporte", "otchet", "baogao", "taqrir"),
    "pledge": ("engagement", "engagements", "promesse", "compromiso", "compromisos", "promesa", "obyazatelstvo",
               "chengnuo", "taahhud"),
    "mypledges": ("mesengagements", "miscompromisos", "mescompromis"),
    "help": ("aide", "ayuda", "pomoshch", "pomosh", "bangzhu", "musaada", "aiuto"),
    "settings": ("parametres", "reglages", "ajustes", "configuracion", "nastroiki", "nastroyki", "shezhi"),
    "language": ("langue", "idioma", "lengua", "yazyk", "yuyan", "lugha"),
    "cancel": ("annuler", "cancelar", "otmena", "otmenit", "quxiao"),
    "ask": ("question", "pregunta", "preguntar", "demander", "vopros", "tiwen"),
    "privacy": ("confidentialite", "privacidad", "vieprivee"),
}
_WORD_COMMANDS = {word: command for command, words in _OWN_WORDS.items() for word in words}
SIMILAR = 0.75
"""How close a typed command must be to one of the person's to be offered ("/reprot": /report)."""


def meant_command(typed: str, role: Role | None) -> str | None:
    """The person's command that an unknown one most likely meant: a word of their language for it ("/rapport"), or
    a near spelling ("/mypledge"); None when none is close."""
    mine = list(dict.fromkeys(command.name for command in commands_for(role)))
    named = _WORD_COMMANDS.get(typed)
    if named in mine:
        return named
    close = difflib.get_close_matches(typed, mine, n=1, cutoff=SIMILAR)
    return close[0] if close else None


def unknown_command(typed: str, role: Role | None) -> tuple[Label, ...]:
    """What an unknown command is told: so, and the command it may have meant."""
    meant = meant_command(typed, role)
    said: tuple[Label, ...] = (Text(N_("I do not know that command.")),)
    return said if meant is None else (*said, text(N_("Did you mean {command}?"), command=f"/{meant}"))


def help_reply(role: Role | None, *notes: Label) -> Reply:
    """The /help answer: one line per command of the person's role."""
    lines: list[Label] = []
    for command in commands_for(role):
        # the command apart from the dash: in Arabic the command alone reads left to right, the dash between it and
        # the description (one "/mypledges — " left to right put the dash at the line's right-hand start)
        lines.extend(("\n" if lines else "", f"/{command.name}", " — ", Text(command.description)))
    return Reply((*notes, Text(N_("Here is what you can do:")), Concat(tuple(lines))))
