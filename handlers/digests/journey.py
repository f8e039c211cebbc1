"""The chat side: /digest (subscribe, now, off), /export, /scope (staff), and the dg: buttons."""

from __future__ import annotations

from datetime import time

from handlers.buttons import parse, refuse_malformed
from handlers.conversation import Conversation
from handlers.digests.content import scope_label
from handlers.digests.schedule import HOURS, MONTHLY_HOUR, WEEKDAYS
from handlers.digests.service import Made, drop_held, enqueue_digest, enqueue_export, scope_for, scope_name, tell_scope
from handlers.forms.countries import read_countries
from handlers.forms.intents import fold
from handlers.inputs import Incoming
from handlers.lengths import shorten
from handlers.messages import N_, Button, Clock, Code, Concat, CountryName, Items, Label, Reply, Text, plural, text
from handlers.people import audit, find_contact, not_allowed
from handlers.report_reminders import nudge, reminder_waiting
from handlers.settings import current_country, current_zone
from handlers.staff_notices import UNKNOWN_TELEGRAM_ID, person_for_staff
from handlers.vocabulary import SECTOR_LABELS
from models.geography import load_country_table
from models.repositories.digests import PUBLISHED, DigestFigures, pledge_in_scope
from models.repositories.entities import Entities
from models.repositories.outbox import INTERACTIVE
from models.repositories.pledges import Pledges
from models.repositories.reminders import LATER, Reminders
from models.repositories.subscriptions import Scopes, Subscriptions
from models.scope import ScopeError, ScopeKind, parse_scope
from models.tables import Contact, DigestSubscription, Pledge
from models.timezones import zone_of
from models.values import LANGUAGES, PledgeStatus, Role, Sector
from models.working_hours import working_days

DAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday"))
"""The day buttons' labels."""
WEEKLY = (N_("Your digest: weekly, on Mondays at {time} (your time)."),
          N_("Your digest: weekly, on Tuesdays at {time} (your time)."),
          N_("Your digest: weekly, on Wednesdays at {time} (your time)."),
          N_("Your digest: weekly, on Thursdays at {time} (your time)."),
          N_("Your digest: weekly, on Fridays at {time} (your time)."),
          N_("Your digest: weekly, on Saturdays at {time} (your time)."),
          N_("Your digest: weekly, on Sundays at {time} (your time)."))
"""The weekly setting, a sentence a day: the day is not a button's label inside a sentence (where it would keep the
label's capital letter and case)."""


def _say(conv: Conversation, message: str, *buttons: tuple[Button, ...], **params: object) -> None:
    conv.say(Reply((Text(message, dict(params)),), tuple(buttons)))


async def _zone(conv: Conversation) -> str:
    """The reader's zone as /settings shows it and reminders use it: chosen, else their organisation's country's."""
    entity = await Entities(conv.session).get(conv.contact.entity_id) if conv.contact.entity_id else None
    return zone_of(conv.contact.timezone, entity.country_iso3 if entity else None, conv.deps.timezone)


PAUSED = N_("Scheduled digests are paused: you withdrew your consent to announcements and digests. To receive them "
            "again, press the button below or use /settings.")
"""What /digest says to someone who withdrew their consent (/settings): no scheduled digest comes to them."""
CONSENT_AGAIN = Button(Text(N_("✅ Receive announcements and digests again")), "st:consent:on")
"""/settings' own button (handlers.settings): it gives the consent again and shows the settings."""


def _paused(conv: Conversation) -> bool:
    return conv.contact.consent_withdrawn_at is not None


def _paused_menu() -> tuple[tuple[Button, ...], ...]:
    """No cadence buttons while paused: a choice would change nothing the person receives."""
    return ((CONSENT_AGAIN,),
            (Button(Text(N_("Send one now")), "dg:now"), Button(Text(N_("Spreadsheet")), "dg:export")))


def _menu(subscription: DigestSubscription) -> tuple[tuple[Button, ...], ...]:
    """How often, one now, and Stop digests while they come (not once stopped: a tester was offered to stop what
    they had stopped)."""
    stop = (Button(Text(N_("Stop digests")), "dg:off"),) if subscription.cadence != "off" else ()
    return ((Button(Text(N_("Weekly")), "dg:week"), Button(Text(N_("Monthly")), "dg:month")),
            (Button(Text(N_("Send one now")), "dg:now"), *stop),
            (Button(Text(N_("Spreadsheet")), "dg:export"),))


async def _current(conv: Conversation, *, for_update: bool = False) -> DigestSubscription:
    """The person's subscription, or the default of their role (`for_update`: written and locked, see
    Subscriptions.locked)."""
    assert conv.contact.id is not None
    cadence = "weekly" if conv.contact.role in (Role.staff, Role.admin) else "off"
    default = DigestSubscription(contact_id=conv.contact.id, cadence=cadence, weekday=0, hour=9, updated_at=conv.now)
    if for_update:
        return await Subscriptions(conv.session).locked(default)
    return await Subscriptions(conv.session).of(conv.contact.id) or default


def _setting(subscription: DigestSubscription) -> Label:
    if subscription.cadence == "weekly":
        day = subscription.weekday if subscription.weekday in WEEKDAYS else 0  # as handlers.digests.schedule reads it
        return Text(WEEKLY[day], {"time": Clock(time(subscription.hour))})
    if subscription.cadence == "monthly":
        return Text(N_("Your digest: monthly, on the first working day at {time} (your time)."),
                    {"time": Clock(time(MONTHLY_HOUR))})
    return Text(N_("You receive no digest."))


DIGEST_WORDS = {fold(word): action for action, words in {
    "now": ("now", "maintenant", "ahora", "ya", "сейчас", "الآن", "الان", "现在", "立即"),
    "off": ("off", "stop", "arrêt", "arrêter", "désactiver", "parar", "detener", "desactivar", "выкл", "стоп",
            "отключить", "остановить", "إيقاف", "أوقف", "关闭", "停止"),
}.items() for word in words}
"""What /digest reads after the command, in the six languages: "now" or "off"."""


async def digest_command(conv: Conversation, incoming: Incoming) -> None:
    """/digest shows the setting and its buttons; /digest now sends one; /digest off stops them ("/digest сейчас",
    "/digest 关闭" too). Other words are said not understood, above the menu."""
    argument = incoming.argument.strip()
    action = DIGEST_WORDS.get(fold(argument))
    if action is not None:
        await _act(conv, action)
        return
    scope = await scope_for(conv.session, conv.contact)
    if scope is None:
        conv.say(await not_allowed(conv.session, conv.contact))
        return
    unknown = (text(N_("I did not understand “{words}”: /digest now sends a digest at once, /digest off stops "
                       "them."), words=shorten(argument, 40)),) if argument else ()
    covered = Text(N_("Your digests and /export cover: {scope}"), {"scope": await scope_name(conv.session, scope)})
    if _paused(conv):
        conv.say(Reply((*unknown, Text(PAUSED), covered), _paused_menu()))
        return
    subscription = await _current(conv)
    conv.say(Reply((*unknown, _setting(subscription), covered, Text(N_("Choose how often:"))), _menu(subscription)))


EXPORT_FORMATS = {"": "xlsx", "xlsx": "xlsx", "excel": "xlsx", "csv": "csv"}
"""What /export reads after the command: the file format asked for."""
EXPORT_USAGE = N_("Write /export for a spreadsheet (XLSX), or /export csv for the pledges and the reports as two "
                  "CSV files.")


async def export_command(conv: Conversation, incoming: Incoming) -> None:
    """/export sends the spreadsheet of the person's scope; /export csv its two tables as CSV files."""
    file_format = EXPORT_FORMATS.get(incoming.argument.strip().lower().lstrip("."))
    if file_format is None:
        _say(conv, EXPORT_USAGE)
        return
    await _act(conv, "export", file_format)


TELEGRAM_ID_DIGITS = 16
"""Telegram ids have at most 52 significant bits: a longer number is nobody's (and would not fit the column)."""
SCOPE_USAGE = N_("Write /scope, a coordinator's Telegram id and a scope: everything, region africa, "
                 "countries SEN BOL, sector academia or entity 12.")
SCOPE_FORMS = N_("That is not a scope. Use everything, region (africa, americas, arab_states, asia_pacific, cis, "
                 "europe), countries followed by ISO codes, sector followed by a sector code, or entity followed by "
                 "its number.")
UNKNOWN_COUNTRIES = N_("I do not know these countries: {words}. Write ISO codes such as SEN BOL, or country names "
                       "separated by commas such as Senegal, Bolivia.")


async def scope_command(conv: Conversation, incoming: Incoming) -> None:
    """/scope TELEGRAM_ID SCOPE (staff): set a coordinator's scope, e.g. `/scope 1005 region cis`."""
    if conv.contact.role not in (Role.staff, Role.admin):
        await audit(conv.session, conv.contact, "denied", attempted="scope")
        conv.say(await not_allowed(conv.session, conv.contact))
        return
    head, _, rest = incoming.argument.strip().partition(" ")
    known = head.isascii() and head.isdigit() and len(head) <= TELEGRAM_ID_DIGITS
    target = await find_contact(conv.session, int(head)) if known else None
    if target is None or target.role != Role.coordinator or target.id is None:
        wrong = (not_a_coordinator(target),) if target is not None else \
            (text(UNKNOWN_TELEGRAM_ID, id=Code(head)),) if known else ()
        conv.say(Reply((*wrong, Text(SCOPE_USAGE))))
        return
    kind, _, listed = rest.strip().partition(" ")
    if kind.lower() in ("country", "countries"):  # "country Colombia" as well
        kind = "countries"
        rest = f"{kind} {listed}"
    if kind.lower() == "sector" and (sector := sector_named(conv, listed)) is not None:  # "sector gobierno"
        rest = f"{kind} {sector}"
    if kind.lower() == "countries" and listed.strip():
        codes, unknown, choices = countries_of(listed)
        if unknown or choices:
            _refuse_countries(conv, unknown, choices)
            return
        rest = f"{kind} {' '.join(codes)}"
    try:
        scope = parse_scope(rest, frozenset(load_country_table()))
    except ScopeError:
        conv.say(Reply((Text(SCOPE_FORMS), text(N_("Sector codes: {codes}."),
                                                codes=Code(", ".join(sector.value for sector in Sector))))))
        return
    entity = await Entities(conv.session).get(int(scope.values[0])) if scope.kind is ScopeKind.entity else None
    if scope.kind is ScopeKind.entity and entity is None:
        _say(conv, N_("There is no organisation no. {id}. Write entity followed by the number of an organisation."),
             id=Code(scope.values[0]))
        return
    scopes = Scopes(conv.session)
    changed = await scopes.of(target.id) != scope
    await scopes.set(target.id, scope, conv.contact.id, conv.now)
    await audit(conv.session, conv.contact, "scope.set", "contact", target.id, scope=scope.key)
    if changed:  # what their digests cover changes: they hear it from the bot, not from a different digest
        await tell_scope(conv.session, target, scope, f"scope:{conv.update_key}:{target.id}")
    conv.say(Reply((Text(N_("Scope of {name} set: {scope}"), {
        "name": person_for_staff(target),
        "scope": scope_label(scope, entity.name if entity is not None else None)}),)))


def sector_named(conv: Conversation, words: str) -> str | None:
    """The sector code that words name: the code itself, or its name in any of the six languages ("gobierno",
    "Academia", "政府")."""
    typed = fold(words)
    if not typed:
        return None
    for code, label in SECTOR_LABELS.items():
        names = {fold(code), fold(code.replace("_", " "))} | {fold(conv.deps.translate(Text(label), language))
                                                             for language in LANGUAGES}
        if typed in names:
            return code
    return None


def not_a_coordinator(person: Contact) -> Label:
    """Why /scope refuses someone who wrote to the bot but is not a coordinator (staff read their Telegram id), and
    how a person becomes one."""
    role, named = person.role, person_for_staff(person)
    if role == Role.focal_point and person.entity_id is not None:
        return text(N_("{person} is a focal point, not a coordinator: only a coordinator has a scope. To make them a "
                       "coordinator of their organisation, send them the invitation link that {example} gives."),
                    person=named, example=Code(f"/invite {person.entity_id} coordinator"))
    if role in (Role.staff, Role.admin):
        return text(N_("{person} is BDT staff, not a coordinator: staff follow every pledge, and only a coordinator "
                       "has a scope."), person=named)
    return text(N_("{person} is not a coordinator: only a coordinator has a scope. /invite with the number of an "
                   "organisation and the word coordinator gives an invitation link that makes someone one."),
                person=named)


def countries_of(listed: str) -> tuple[list[str], list[str], list[str]]:
    """The countries a /scope names, as ISO codes ("SEN BOL") or as names the pledge form reads ("Senegal,
    Bolivia"): their codes, the words that name no country, and the countries that a name could mean."""
    words = listed.replace(",", " ").split()
    if all(len(word) == 3 and word.isascii() and word.isalpha() for word in words):
        table = load_country_table()
        return ([word.upper() for word in words if word.upper() in table],
                [word for word in words if word.upper() not in table], [])
    reading = read_countries(listed)
    return reading.found, [word[:50] for word in reading.unknown], reading.choices


def _refuse_countries(conv: Conversation, unknown: list[str], choices: list[str]) -> None:
    """Name what is not a country, and the countries a name could mean."""
    parts: list[Label] = []
    if unknown:
        parts.append(Text(UNKNOWN_COUNTRIES, {"words": Items(tuple(Code(word) for word in unknown))}))
    if choices:
        named = Items(tuple(Concat((CountryName(code), " ", Code(code))) for code in choices), choice=True)
        parts.append(Text(N_("Did you mean one of these? {countries}") if unknown else
                          N_("Several countries match. Write the ISO code of the one you mean: {countries}."),
                          {"countries": named}))
    conv.say(Reply(tuple(parts)))


async def digest_button(conv: Conversation, data: str) -> None:
    """The dg: buttons: every code is parsed strictly and the role and scope checked again."""
    button = parse(data)
    if button is None or button.prefix != "dg":
        await refuse_malformed(conv, data)
        return
    if await scope_for(conv.session, conv.contact) is None:
        await audit(conv.session, conv.contact, "denied", attempted="digest", code=data)
        conv.say(await not_allowed(conv.session, conv.contact))
        return
    if button.verb == "week":
        days = week_order(working_days(await current_zone(conv), await current_country(conv)))
        conv.say(Reply((Text(N_("On which day?")),), tuple((Button(Text(DAYS[day]), f"dg:day:{day + 1}"),)
                                                             for day in days)))
    elif button.verb == "day" and button.id is not None and button.id - 1 in WEEKDAYS:
        day = button.id
        hours = [Button(Clock(time(hour)), f"dg:at:{day * 100 + hour}") for hour in HOURS]
        # in place of the days: a second day tapped does not ask the time twice
        await conv.say_in_place(Reply((Text(N_("At what time (your time)?")), *await _zone_unknown(conv)),
                                      (tuple(hours[:5]), tuple(hours[5:]))))
    elif button.verb == "at" and button.id is not None and button.id // 100 - 1 in WEEKDAYS \
            and button.id % 100 in HOURS:
        await _subscribe(conv, "weekly", button.id // 100 - 1, button.id % 100, in_place=True)
    elif button.verb == "month":
        await _subscribe(conv, "monthly", 0, 9)
    elif button.verb in ("now", "off", "export"):
        await _act(conv, button.verb)
    elif button.verb == "nudge" and button.id is not None:
        await _nudge(conv, button.id)
    else:
        await refuse_malformed(conv, data)


def week_order(days: frozenset[int]) -> list[int]:
    """Working days in the order of their week: Monday to Friday; Sunday to Thursday in Jordan."""
    ordered = sorted(days)
    first = next((day for day in ordered if (day - 1) % 7 not in days), ordered[0] if ordered else 0)
    return sorted(ordered, key=lambda day: (day - first) % 7)


async def _subscribe(conv: Conversation, cadence: str, weekday: int, hour: int, *, in_place: bool = False) -> None:
    """Save the choice and say it (`in_place`: instead of the hours it was picked from). A digest of the former
    cadence written and waiting for the person's working hours is not sent after it (a tester who chose monthly on
    a Saturday had Friday's weekly on Monday); the next one counts from where it began (`drop_held`). A new day or
    hour keeps it: it is the week's digest they asked for. The subscription is locked first: the digest job writing
    one meanwhile is waited for, and its rows seen (a review)."""
    subscription = await _current(conv, for_update=True)
    if cadence != subscription.cadence:
        await drop_held(conv.session, conv.contact, chosen_at=conv.now)
    subscription.cadence, subscription.weekday, subscription.hour = cadence, weekday, hour
    subscription.updated_at = conv.now
    await Subscriptions(conv.session).save(subscription)
    if cadence != "off" and _paused(conv):  # a button of a /digest shown before the consent was withdrawn
        said = Reply((_setting(subscription), Text(PAUSED)), ((CONSENT_AGAIN,),))
    else:
        said = Reply((_setting(subscription), *(await _zone_unknown(conv) if cadence != "off" else ())))
    if in_place:
        await conv.say_in_place(said)
    else:
        conv.say(said)


async def _zone_unknown(conv: Conversation) -> tuple[Label, ...]:
    """What "your time" means while the person's zone is unknown (none chosen, no organisation's country): the
    deployment's zone, and where to set theirs. A coordinator in Moscow chose 10:00 "your time" and had it at 13:00."""
    if conv.contact.timezone is not None or await current_country(conv) is not None:
        return ()
    return (text(N_("Your time zone is not set yet: these times are {zone} ones until you set yours with /settings."),
                 zone=Code(conv.deps.timezone)),)


async def _act(conv: Conversation, action: str, file_format: str = "xlsx") -> None:
    """Send a digest now, stop digests, or send the spreadsheet (as `file_format`): only within the person's scope."""
    scope = await scope_for(conv.session, conv.contact)
    if scope is None:
        await audit(conv.session, conv.contact, "denied", attempted=f"digest.{action}")
        conv.say(await not_allowed(conv.session, conv.contact))
        return
    if action == "off":
        await _subscribe(conv, "off", 0, 9)
        return
    translate = conv.deps.translate
    # asked for now: in the chat's order with the replies around them (a question asked again after them), which a
    # lower priority than theirs would let overtake them
    if action == "export":
        if not await DigestFigures(conv.session, conv.today).lists_any(scope):  # no sheet of headings alone
            _say(conv, N_("No pledge of your scope has been submitted yet: there is nothing to export. Send "
                          "/export again once the first one is."))
            return
        _say(conv, N_("Your spreadsheet is being prepared; it follows in a moment.") if file_format == "xlsx"
             else N_("Your two CSV files are being prepared; they follow in a moment."))
        await conv.queue_apart(lambda: enqueue_export(conv.session, conv.contact, scope, conv.locale,
                                                      f"ex:{conv.update_key}", conv.now, conv.today, translate,
                                                      INTERACTIVE, file_format))
        return
    subscription = await _current(conv)
    since = subscription.last_sent_at
    zone = await _zone(conv)
    await conv.queue_apart(lambda: enqueue_digest(conv.session, conv.contact, scope, conv.locale,
                                                  f"dgn:{conv.update_key}", since=since, now=conv.now, zone=zone,
                                                  translate=translate, made=Made(), priority=INTERACTIVE))


ENDED = {PledgeStatus.withdrawn: N_("{ref} was withdrawn: no reminder was sent."),
         PledgeStatus.completed: N_("{ref} is completed: no reminder was sent.")}
"""What a nudge says of a pledge that left the validated ones after the digest was sent, by its status."""
NOT_VALIDATED = N_("{ref} is no longer validated: no reminder was sent.")


async def _nudge(conv: Conversation, pledge_id: int) -> None:
    """Remind the focal points of an overdue pledge in the presser's scope (handlers.report_reminders.nudge: their
    working hours, at most one reminder a day shared with the scheduled ones, their "later" and "not mine")."""
    scope = await scope_for(conv.session, conv.contact)
    pledge = await Pledges(conv.session).get(pledge_id)
    if scope is None or pledge is None or not await pledge_in_scope(conv.session, pledge_id, scope):
        await audit(conv.session, conv.contact, "denied", attempted="nudge", pledge=pledge_id)
        # a digest of before their scope changed; a pledge never published is not named (a forged button's number
        # would tell the reference of a pledge BDT has not published, outside the presser's scope)
        if scope is not None and pledge is not None and pledge.ref and pledge.status in PUBLISHED:
            conv.say(Reply((text(N_("{ref} is not among the pledges your digests cover now ({scope}): no reminder "
                                    "was sent."), ref=Code(pledge.ref), scope=await scope_name(conv.session, scope)),)))
            return
        conv.say(await not_allowed(conv.session, conv.contact))
        return
    done = await nudge(Reminders(conv.session), pledge, conv.now, conv.deps.timezone)
    await audit(conv.session, conv.contact, "nudge", "pledge", pledge_id, sent=done.sent)
    if done.period is None and pledge.status != PledgeStatus.validated:  # withdrawn or completed since the digest
        _say(conv, ENDED.get(PledgeStatus(pledge.status), NOT_VALIDATED), ref=Code(pledge.ref or ""))
    elif done.period is None:
        _say(conv, N_("The report of {ref} is not overdue any more: no reminder was sent."), ref=Code(pledge.ref or ""))
    elif done.sent:
        conv.say(Reply((plural("A polite reminder about {ref} goes to its focal point in their working hours.",
                               "A polite reminder about {ref} goes to its {count} focal points in their working "
                               "hours.", done.sent, ref=Code(pledge.ref or "")),)))
    elif done.disowning and not done.following:
        conv.say(Reply((plural("No reminder was sent: the focal point of {ref} told us it is not their pledge any "
                               "more, so nobody receives its reminders now. Please find who follows it now.",
                               "No reminder was sent: the {count} focal points of {ref} told us it is not their "
                               "pledge any more, so nobody receives its reminders now. Please find who follows it now.",
                               done.disowning, ref=Code(pledge.ref or "")),)))
    elif not done.following:
        _say(conv, N_("No reminder was sent: {ref} has no focal point we can reach. Please find who follows it now."),
             ref=Code(pledge.ref or ""))
    elif (postponed := await _postponed(conv, pledge)) >= done.following:
        conv.say(Reply((plural("No reminder was sent: the focal point of {ref} asked to be reminded of it later.",
                               "No reminder was sent: the {count} focal points of {ref} asked to be reminded of it "
                               "later.", done.following, ref=Code(pledge.ref or "")),)))
    elif (waiting := await reminder_waiting(Reminders(conv.session), pledge)) \
            and waiting < done.following - postponed:  # some have it waiting, the others had it (a review)
        conv.say(Reply((plural("No second reminder was sent: the focal point of {ref} already has today's reminder, "
                               "sent or waiting for their working hours.",
                               "No second reminder was sent: each of the {count} focal points of {ref} already has "
                               "today's reminder, sent or waiting for their working hours.",
                               done.following - postponed, ref=Code(pledge.ref or "")),)))
    elif waiting:  # the day's reminder, not sent yet
        conv.say(Reply((plural("No second reminder was sent: a reminder about {ref} already waits to reach its focal "
                               "point in their working hours.",
                               "No second reminder was sent: reminders about {ref} already wait to reach its {count} "
                               "focal points in their working hours.", waiting, ref=Code(pledge.ref or "")),)))
    else:  # the reminder key of their day is taken: one reminder a day, a nudge's or a scheduled one
        conv.say(Reply((plural("No second reminder was sent: the focal point of {ref} already has today's reminder.",
                               "No second reminder was sent: the {count} focal points of {ref} already have today's "
                               "reminder.", done.following - postponed, ref=Code(pledge.ref or "")),)))


async def _postponed(conv: Conversation, pledge: Pledge) -> int:
    """How many of the pledge's reachable focal points asked for its reminders later ("Remind me in 3 days"): a nudge
    skips them, as the scheduled reminders do."""
    reminders = Reminders(conv.session)
    focal_points = {person.id for person in await reminders.focal_points([pledge.entity_id])}
    return sum(1 for hold in await reminders.holds([pledge.id or 0])
               if hold.contact_id in focal_points and hold.reason == LATER and hold.until > conv.now)
