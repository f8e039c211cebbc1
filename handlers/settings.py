"""/settings: the person's time zone (by city, country or UTC offset), language and optional reminders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from handlers import language
from handlers.conversation import Conversation, Journey, begin
from handlers.forms.base import (
    Answer,
    Answers,
    Form,
    FormContext,
    FormState,
    InvalidAnswerError,
    Stay,
    Step,
    StepResult,
)
from handlers.inputs import Incoming
from handlers.messages import N_, Button, Clock, Code, Concat, CountryName, Label, Line, Reply, Text, text
from handlers.own_data import announcements_on
from handlers.people import audit, role_of
from handlers.report_reminders import optional_turned_off
from models import timezones
from models.city_zones import is_place_zone, sole_zone_country
from models.repositories.outbox import OutboxRows
from models.repositories.people import People
from models.repositories.reminders import Reminders
from models.tables import Entity
from models.timezones import ZoneSearch, capital_zones, city_of, is_zone, look_up_zones, offset_label, zone_of
from models.values import LANGUAGE_NAMES

SETTINGS_CODES = frozenset({"st:tz", "st:lang", "st:rem:on", "st:rem:off", "st:show", "st:consent:on",
                            "st:consent:off"})
"""Every code a /settings button carries; anything else is refused (button data is untrusted)."""


def zone_label(zone: str, locale: str, now: datetime) -> Label:
    """A zone as people read it, in /settings and in broadcasts' times: where it is in their language, then the
    IANA name and offset; a zone no place names (Etc/GMT-3, whose sign is the opposite of what people typed) by its
    offset alone: UTC+03:00."""
    if not is_place_zone(zone):
        return Code(offset_label(zone, now))
    return Concat((zone_place(zone, locale), " (", Code(f"{zone}, {offset_label(zone, now)}"), ")"))


def zone_place(zone: str, locale: str) -> Label:
    """Where a zone is: the country whose only zone it is (a tester in Geneva read "Zurich" for Europe/Zurich:
    "Switzerland"), else its city (Denver, one of the United States' zones)."""
    country = sole_zone_country(zone)
    return CountryName(country) if country is not None else city_of(zone, locale)


NOT_FOUND = N_("I could not find that place. Send a city (for example Dakar or Lima), a country, or a UTC offset (for "
               "example UTC+3 or UTC+5:30).")


@dataclass(frozen=True, kw_only=True)
class TimeZoneStep(Step):
    """A city, a country or a UTC offset; when several zones fit, buttons to pick one."""

    def _now(self, ctx: FormContext) -> datetime:
        """The moment of the answer (a typed offset is the time zones keep then), else noon of the person's day."""
        now = ctx.facts.get("now")
        return now if isinstance(now, datetime) else datetime.combine(ctx.today, time(12), UTC)

    def lines(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> tuple[Label, ...]:
        """Ask to choose when several zones fit what was typed, or to confirm the one a partial name or an
        abbreviation fits."""
        zones = scratch.get("zones") or []
        if scratch.get("located") and len(zones) == 1 and is_zone(zones[0]):
            now, zone = self._now(ctx), zones[0]
            return (text(N_("By the location you shared, your time zone is {zone}: it is {time} there now. Press it to "
                            "confirm, or send the name of your city or your UTC offset."),
                         zone=zone_label(zone, ctx.locale, now), time=Clock(now.astimezone(ZoneInfo(zone)).time())),)
        if len(zones) > 1:
            return (Text(N_("Several time zones fit. Which one is yours?")),)
        if zones:
            return (Text(N_("Is this your time zone? Press it to confirm, or send the name of your city.")),)
        return ()

    def buttons(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> list[list[Button]]:
        """One button per zone found."""
        zones = [z for z in scratch.get("zones", []) if isinstance(z, str) and is_zone(z)]
        return [[Button(zone_label(z, ctx.locale, self._now(ctx)), f"f:{self.id}:c:{z}")] for z in zones]

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Look the place or offset up; take it at once only when the text named exactly one zone whole (a city's
        own name, a country, an offset), never a part of a name, an abbreviation, a code ("IN") or another city's
        byname: those are offered to confirm, and a word ("No", "in") is no place."""
        home = ctx.facts.get("country")
        found = ZoneSearch() if value.startswith("/") else \
            look_up_zones(value, self._now(ctx), home if isinstance(home, str) else None)
        if found.offset is not None:
            raise InvalidAnswerError(text(N_("No time zone is {offset}. Send the name of your city, or another "
                                             "UTC offset (for example UTC+3 or UTC+5:30)."), offset=Code(found.offset)))
        if not found.zones:  # an earlier suggestion goes: offered with "not found", it read as this place's
            if scratch.get("zones"):
                return Stay({}, (Text(NOT_FOUND),))
            raise InvalidAnswerError(Text(NOT_FOUND))
        if found.sure and len(found.zones) == 1:
            return Answer(found.zones[0], zone_label(found.zones[0], ctx.locale, self._now(ctx)))
        return Stay({"zones": list(found.zones)})

    def on_location(self, latitude: float, longitude: float, scratch: Mapping[str, Any],
                    ctx: FormContext) -> StepResult:
        """The zone kept where the person is (a location shared from their phone), offered to confirm: the location
        may be another place than their own (a shared pin), and a zone at sea or by a border may not be the one they
        live by."""
        zone = timezones.zone_at(latitude, longitude, self._now(ctx))
        if zone is None:
            raise InvalidAnswerError(Text(NOT_FOUND))
        return Stay({"zones": [zone], "located": True})

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Accept one of the zones offered, and nothing else."""
        verb, _, zone = code.partition(":")
        if verb != "c" or zone not in scratch.get("zones", []) or not is_zone(zone):
            raise InvalidAnswerError(Text(N_("That button belongs to an earlier question. Here is the current one.")))
        return Answer(zone, zone_label(zone, ctx.locale, self._now(ctx)))

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The chosen zone."""
        return zone_label(str(value), ctx.locale, self._now(ctx))


TIMEZONE_FORM = Form(id="timezone", title=N_("Time zone"), summary=False, steps=(
    TimeZoneStep(id="zone", label=N_("Time zone"),
                 question=N_("Where are you? Send the name of your city or country, or your UTC offset (for "
                             "example UTC+3), or share your location (📎 → Location). I send reminders between "
                             "{start} and {end} on working days, your time."),
                 params=lambda _answers: {"start": Clock(time(9)), "end": Clock(time(18))}),
))


async def _save_zone(conv: Conversation, state: FormState) -> None:
    zone = state.answers["zone"]
    conv.contact.timezone = zone
    assert conv.contact.id is not None
    # reminders and notices waiting for the person's working hours: those of the new zone
    await OutboxRows(conv.session).rezone(conv.contact.id, conv.contact.chat_id, zone, conv.now)
    local = conv.now.astimezone(ZoneInfo(zone)).time()
    conv.say(Reply((text(N_("Your time zone is now {zone}. It is {time} there."),
                         zone=zone_label(zone, conv.locale, conv.now), time=Clock(local)),)))


async def _moment(conv: Conversation, _state: FormState) -> dict[str, object]:
    """The conversation's time (the test clock's in tests), which a typed offset is matched at, and the person's
    organisation's country, whose cities a typed name is looked for first."""
    return {"now": conv.now, "country": await current_country(conv)}


TIMEZONE = Journey(TIMEZONE_FORM, _save_zone, facts=_moment)


async def current_zone(conv: Conversation) -> str:
    """The person's zone: chosen, else their organisation's capital's, else the deployment's."""
    return zone_of(conv.contact.timezone, await current_country(conv), conv.deps.timezone)


async def current_country(conv: Conversation) -> str | None:
    """The person's organisation's country (whose working week their reminders keep when their zone is an offset)."""
    entity = await conv.session.get(Entity, conv.contact.entity_id) if conv.contact.entity_id else None
    return entity.country_iso3 if entity else None


async def settings_reply(conv: Conversation, *notes: Label) -> Reply:
    """The person's settings and buttons to change each."""
    country = await current_country(conv)
    zone = zone_of(conv.contact.timezone, country, conv.deps.timezone)
    if conv.contact.timezone and is_zone(conv.contact.timezone):
        where: Label = Concat((zone_label(zone, conv.locale, conv.now), " — ", Text(N_("chosen by you"))))
    elif capital_zones().get(country or ""):
        where = Concat((zone_label(zone, conv.locale, conv.now), " — ",
                        Text(N_("guessed from your organisation's country"))))
    else:  # no organisation, or one of no country: the deployment's default, which nobody chose
        where = text(N_("not set yet (reminders follow {zone} until you choose yours with “🕒 Time zone” below)"),
                     zone=zone_label(zone, conv.locale, conv.now))
    on = conv.contact.optional_reminders
    # as /mydata says it: someone with no role (a newcomer, or after /forget) gets no announcements, consent or not
    news = (Text(N_("on (announcements and digests)")) if announcements_on(conv.contact)
            else Text(N_("off (consent withdrawn)")) if conv.contact.consent_withdrawn_at is not None
            else Text(N_("off (announcements and digests)")))
    lines: list[Label] = [
        *notes, Text(N_("Your settings:")),
        Concat((Line(Text(N_("Time zone")), where), "\n",
                Line(Text(N_("Language")), LANGUAGE_NAMES[conv.locale]), "\n",
                # each field says on and off in its own words: "activés" agrees with reminders, not announcements
                Line(Text(N_("Optional reminders")), Text(N_("on (optional reminders)")) if on
                     else Text(N_("off (optional reminders)"))), "\n",
                Line(Text(N_("Announcements and digests")), news))),
        Text(N_("Reminders of reports that are due or overdue always come. Optional ones are the early "
                "reminder two weeks before a report is due and the reminder of a pledge form left unfinished.")),
    ]
    toggle = (Button(Text(N_("🔕 Turn optional reminders off")), "st:rem:off") if on
              else Button(Text(N_("🔔 Turn optional reminders on")), "st:rem:on"))
    consent = (Button(Text(N_("🚫 Withdraw consent to announcements and digests")), "st:consent:off")
               if conv.contact.consent_withdrawn_at is None
               else Button(Text(N_("✅ Receive announcements and digests again")), "st:consent:on"))
    return Reply(tuple(lines), ((Button(Text(N_("🕒 Time zone")), "st:tz"),
                                 Button(Text(N_("🌐 Language")), "st:lang")), (toggle,),
                                # without a role no announcement comes either way: the consent would change nothing
                                *(((consent,),) if role_of(conv.contact) is not None else ())))


async def settings_command(conv: Conversation, incoming: Incoming | None = None) -> None:
    """/settings: show the settings with buttons to change them."""
    conv.say(await settings_reply(conv))


async def settings_button(conv: Conversation, code: str) -> None:
    """Buttons of /settings: st:tz, st:lang, st:rem:on|off, st:show (strictly these)."""
    if code not in SETTINGS_CODES:
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
    elif code == "st:tz":
        await begin(conv, TIMEZONE)
    elif code == "st:lang":
        conv.say(language.language_menu())
    elif code == "st:show":
        await settings_command(conv)
    elif code in ("st:consent:on", "st:consent:off"):
        await _consent(conv, code == "st:consent:on")
    else:
        conv.contact.optional_reminders = code == "st:rem:on"
        if not conv.contact.optional_reminders and conv.contact.id is not None:  # one already waiting: not sent
            await optional_turned_off(Reminders(conv.session), conv.contact.id)
        note = (Text(N_("Optional reminders are on.")) if conv.contact.optional_reminders
                else Text(N_("Optional reminders are off. Reminders of due reports still come.")))
        conv.say(await settings_reply(conv, note))


async def _consent(conv: Conversation, given: bool) -> None:
    """Withdraw (or give again) the consent to non-essential messages: announcements and digests stop; answers to
    the person's own questions and requests, and reminders of their reports, still come (audited). Someone with no
    role (never registered, left, or forgotten) gets none either way: an old "again" button records nothing."""
    if given and role_of(conv.contact) is None:
        conv.say(await settings_reply(conv, Text(N_("You are not registered, so no announcements or digests are sent "
                                                    "to you, and nothing was changed. To register your organisation, "
                                                    "send /start."))))
        return
    conv.contact.consent_withdrawn_at = None if given else conv.now
    if not given and conv.contact.id is not None:
        await People(conv.session).drop_pending_news(conv.contact.id)
    await audit(conv.session, conv.contact, "consent.given" if given else "consent.withdrawn", "contact",
                conv.contact.id)
    note = (Text(N_("You will receive announcements and digests again.")) if given
            else Text(N_("Your consent is withdrawn: no more announcements or digests. Answers to your own questions "
                         "and requests, and reminders of your reports, still come.")))
    conv.say(await settings_reply(conv, note))
