"""Colleagues of an entity: /invite (a focal point invites a colleague; staff invite anyone to an entity they
choose), /leave (a focal point hands the entity's pledges over) and /reassign (staff choose the focal point an
entity's pledges go to first). Roles are checked here, whatever buttons a person was shown."""

from __future__ import annotations

from dataclasses import dataclass

from handlers import buttons, outbox
from handlers.conversation import Conversation
from handlers.departures import discard_organisation_forms, hand_over, in_progress, left_label
from handlers.inputs import Incoming
from handlers.invites import INVITABLE, create_invite, deep_link
from handlers.lengths import shorten
from handlers.messages import N_, NP_, Button, Code, Concat, CountryName, Items, Label, Reply, Text, plural, text
from handlers.onboarding import folded_key, name_key
from handlers.people import audit, not_allowed, role_of
from handlers.report_reminders import reassigned
from handlers.staff_notices import UNKNOWN_TELEGRAM_ID, described, organisation_label, person_for_staff, told_apart
from handlers.vocabulary import role_label
from models.geography import exact_countries, fold_name
from models.repositories.contacts import Contacts
from models.repositories.entities import Entities
from models.repositories.people import People
from models.repositories.reminders import Reminders
from models.retention import INVITATION_KEY_PREFIX
from models.tables import Contact, Entity, Pledge
from models.values import LANGUAGES, EntityStatus, Role

STAFF = (Role.staff, Role.admin)


def is_staff(contact: Contact) -> bool:
    """True for staff and admins."""
    return role_of(contact) in STAFF


async def _deny(conv: Conversation, attempted: str) -> None:
    await audit(conv.session, conv.contact, "denied", attempted=attempted)
    conv.say(await not_allowed(conv.session, conv.contact))


def _link(conv: Conversation, token: str) -> str:
    return deep_link(conv.deps.bot_username or "p2c_bot", token)


async def invite_command(conv: Conversation, incoming: Incoming) -> None:
    """/invite: a focal point gets a link for a colleague of their entity; staff write `/invite ENTITY [ROLE]`
    (the entity's number or name, role focal_point or coordinator)."""
    contact = conv.contact
    if role_of(contact) is Role.focal_point and contact.entity_id is not None:
        entity = await Entities(conv.session).get(contact.entity_id)
        if entity is not None:
            if incoming.argument.strip() and entity.status != EntityStatus.rejected:
                conv.say(Reply((Text(N_("Only BDT staff choose the organisation and the role of an invitation, so "
                                        "what you wrote after /invite was not used: this invitation is for your own "
                                        "organisation, as focal point.")),)))
            await _issue(conv, entity, Role.focal_point)
            return
    if not is_staff(contact):
        await _deny(conv, "invite")
        return
    words = incoming.argument.split()
    role = Role.focal_point
    named = _role_at_end(conv, words)
    if named is not None and len(words) > named[1]:
        role = named[0]
        del words[-named[1]:]
    elif len(words) > 1 and words[-1].lower() in {r.value for r in Role} \
            and not (await find_organisations(conv, " ".join(words))).exact:  # unless an organisation is so named
        conv.say(Reply((text(N_("An invitation makes someone a focal point or a coordinator, not {role}: the operator "
                                "of the bot gives staff and administrators their role. For example: {example}"),
                             role=role_label(words[-1].lower()),
                             example=Code(f"/invite {shorten(' '.join(words[:-1]), 60)} coordinator")),)))
        return
    wanted = " ".join(words)
    found = await find_organisations(conv, wanted) if wanted else Found((), 0, exact=False)
    if found.exact and found.count == 1:
        await _issue(conv, found.entities[0], role)
    elif found.entities:
        _offer(conv, found, "/invite", role.value if role is not Role.focal_point else "")
    else:
        usage = N_("Write /invite, then the organisation's number or name, and optionally the role: "
                   "focal_point for a focal point, coordinator for a coordinator. For example: {example}")
        note = N_("I found no organisation by that number or name.") if wanted else None
        conv.say(Reply((*((Text(note),) if note else ()), text(usage, example=Code("/invite 12 coordinator")))))


def _role_at_end(conv: Conversation, words: list[str]) -> tuple[Role, int] | None:
    """The invitable role the last one or two words name, and how many words: its code ("coordinator",
    "focal_point") or its name in any of the six languages ("point focal", "координатор", "协调人")."""
    names: dict[str, Role] = {}
    for role in INVITABLE:
        names[fold_name(role.value.replace("_", " "))] = role
        for locale in LANGUAGES:
            names[fold_name(conv.deps.translate(role_label(role), locale))] = role
    for count in (2, 1):
        if len(words) >= count and (found := names.get(fold_name(" ".join(words[-count:])))) is not None:
            return found, count
    return None


SHOWN = 8
"""How many organisations /invite lists when a name matches several."""


@dataclass(frozen=True, slots=True)
class Found:
    """The organisations a number or name finds (the first SHOWN of `count`): `exact` when the whole name matched
    (accents, case, spacing and punctuation aside), else names that contain it."""

    entities: tuple[Entity, ...]
    count: int
    exact: bool


async def find_organisations(conv: Conversation, wanted: str) -> Found:
    """The organisations staff mean by a number or a name: by its number, its name key (as registration finds a
    name), its name without accents or punctuation, else the names that contain it."""
    entities = Entities(conv.session)
    if wanted.isascii() and wanted.isdigit():
        entity = await entities.get(int(wanted)) if len(wanted) <= 12 else None
        return Found((entity,), 1, exact=True) if entity is not None else Found((), 0, exact=False)
    named = await entities.named(name_key(wanted))  # one a country: "Ministry of ICT" may be several
    if named:
        return Found(tuple(named[:SHOWN]), len(named), exact=True)
    if (in_country := await _in_country(entities, wanted)) is not None:
        return in_country
    key = folded_key(wanted)
    if not key:
        return Found((), 0, exact=False)
    keys = await entities.folded_names()
    same = [entity_id for entity_id, stored in keys if stored == key]
    ids = same or [entity_id for entity_id, stored in keys if key in stored]
    return Found(tuple(await entities.by_ids(ids[:SHOWN])), len(ids), exact=bool(same))


async def _in_country(entities: Entities, wanted: str) -> Found | None:
    """The organisations of a name followed by a country ("Ministry of ICT Senegal", "Ministère des TIC Sénégal"),
    those of that name in that country, the name as registered or without its accents and punctuation, as a name
    alone is found ("ministere de l'economie numerique SEN" found nothing); None when the last words name no country
    or none is there. Fifty ministries of one name were listed eight at a time, with no way to find the one of
    Senegal but its number."""
    words = wanted.split()
    folded: list[tuple[int, str]] | None = None
    for count in (3, 2, 1):
        if len(words) <= count:
            continue
        countries = exact_countries(" ".join(words[-count:]))
        if not countries:
            continue
        name = " ".join(words[:-count])
        there = [entity for entity in await entities.named(name_key(name)) if entity.country_iso3 in countries]
        if not there and (key := folded_key(name)):
            if folded is None:
                folded = await entities.folded_names()
            same = [entity_id for entity_id, stored in folded if stored == key]
            there = [entity for entity in await entities.by_ids(same) if entity.country_iso3 in countries]
        if there:
            return Found(tuple(there[:SHOWN]), len(there), exact=True)
    return None


def _offer(conv: Conversation, found: Found, command: str, rest: str = "") -> None:
    """The organisations a name matched, with their numbers, to choose one by number (`command` number `rest`)."""
    example = Code(f"{command} {found.entities[0].id}" + (f" {rest}" if rest else ""))
    heading = N_("Several organisations have that name. Write {command} and the number of the one you mean, for "
                 "example {example}") if found.exact else \
        N_("No organisation has exactly that name. Write {command} and the number of the one you mean, for example "
           "{example}")
    lines: list[Label] = [Concat(("• ", described(organisation_label(e), *((CountryName(e.country_iso3),)
                                                                          if e.country_iso3 else ()))))
                          for e in found.entities]
    more: tuple[Label, ...] = ()
    if found.count > len(lines):
        more = (plural("… and {count} more.", "… and {count} more.", found.count - len(lines)),)
        first = found.entities[0]
        if found.exact and first.country_iso3:  # its ISO code: a country's name in any of the six languages works too
            more += (text(N_("Or write the name and the organisation's country, for example {example}"),
                          example=Code(f"{command} {shorten(first.name, 60)} {first.country_iso3}"
                                       + (f" {rest}" if rest else ""))),)
    conv.say(Reply((text(heading, command=command, example=example), *lines, *more)))


async def _issue(conv: Conversation, entity: Entity, role: Role) -> None:
    """Create a single-use invitation and give its link to the person who asked (audited); none to an organisation
    BDT rejected."""
    if entity.status == EntityStatus.rejected:
        await audit(conv.session, conv.contact, "invite.refused", "entity", entity.id, reason="rejected")
        if is_staff(conv.contact):
            conv.say(Reply((text(N_("“{entity}” was rejected, so nobody can be invited to it."),
                                 entity=entity.name),)))
        else:
            conv.say(Reply((text(N_("BDT could not validate “{entity}”, so nobody can be invited to it. If you think "
                                    "this is a mistake, write to BDT with /ask; to register another organisation, "
                                    "send /start."), entity=entity.name),)))
        return
    issued = await create_invite(conv.session, entity, role, conv.now, created_by=conv.contact.id)
    await audit(conv.session, conv.contact, "invite.created", "invite", issued.invite.id, entity_id=entity.id,
                role=role, via="chat")
    if entity.country_iso3:  # its country too: two organisations may share a name (a ministry in two countries)
        offer = text(N_("Here is an invitation to join “{entity}” ({country}) as {role}. Forward this link to your "
                        "colleague: it works once, for 14 days."),
                     entity=entity.name, country=CountryName(entity.country_iso3), role=role_label(role))
    else:
        offer = text(N_("Here is an invitation to join “{entity}” as {role}. Forward this link to your colleague: it "
                        "works once, for 14 days."), entity=entity.name, role=role_label(role))
    message = Reply((offer, Code(_link(conv, issued.token))))
    # not a reply like others: its row is deleted once sent (models.retention), a stored link being a working one
    await conv.queue_apart(lambda: outbox.enqueue(conv.session, conv.contact, message,
                                                  f"{INVITATION_KEY_PREFIX}{conv.update_key}"))


async def leave_command(conv: Conversation, incoming: Incoming) -> None:
    """/leave: a focal point confirms leaving their organisation."""
    if role_of(conv.contact) is not Role.focal_point or conv.contact.entity_id is None:
        await _deny(conv, "leave")
        return
    entity = await Entities(conv.session).get(conv.contact.entity_id)
    assert entity is not None and conv.contact.id is not None
    # the colleagues hand_over would choose from: with none, the pledges wait for the focal point BDT invites
    people = People(conv.session)
    if not await people.colleagues(conv.contact.entity_id, besides=conv.contact.id):
        question = N_("Do you want to leave “{entity}”? It has no other focal point: BDT will be told and will "
                      "find a new one, to whom its pledges will then go. You will no longer receive its reminders.")
    elif await people.in_charge(conv.contact.entity_id, conv.contact.id):
        question = N_("Do you want to leave “{entity}”? Its pledges will go to another focal point of it, and you "
                      "will no longer receive its reminders.")
    else:  # a tester read that pledges would go to someone when none was in their charge
        question = N_("Do you want to leave “{entity}”? None of its pledges is in your charge, so nothing changes "
                      "hands. You will no longer receive its reminders.")
    conv.say(Reply((text(question, entity=entity.name), *await in_progress(conv)),
                   ((Button(Text(N_("Yes, leave")), f"lv:yes:{buttons.stamp(conv.now)}"),
                     Button(Text(N_("No, stay")), f"lv:no:{buttons.stamp(conv.now)}")),)))


async def leave_button(conv: Conversation, code: str) -> None:
    """lv:yes:<moment> leaves the organisation (checked again here) if asked within buttons.CONFIRM_WITHIN,
    lv:no:<moment> keeps everything. Either answer replaces the question, so that none of its buttons can be
    pressed later by mistake."""
    if not await buttons.confirmation(conv, code, "lv", declined=Text(N_("Nothing changed.")),
                                      expired=Text(N_("That question has expired, and nothing changed. Send /leave to "
                                                      "be asked again."))):
        return
    contact = conv.contact
    if role_of(contact) is None and contact.entity_id is None:  # left already: a second tap on Yes (a tester)
        conv.say(Reply((Text(N_("You are not a member of any organisation: there is nothing to leave.")),)))
        return
    if role_of(contact) is not Role.focal_point or contact.entity_id is None:
        await _deny(conv, "leave")
        return
    entity = await Entities(conv.session).get(contact.entity_id)
    assert entity is not None
    departure = await hand_over(conv, entity, named=True)  # audited there, as every departure
    await discard_organisation_forms(conv)  # not offered again after this answer
    contact.role, contact.entity_id = None, None
    conv.menu_changed = True
    await conv.say_in_place(Reply((left_label(entity, departure),)))


async def invite_button(conv: Conversation, code: str) -> None:
    """lv:inv:<entity id> (staff): an invitation for a new focal point of that entity."""
    entity_id = code.rsplit(":", 1)[-1]
    if not is_staff(conv.contact):
        await _deny(conv, "invite")
        return
    entity = await Entities(conv.session).get(int(entity_id)) if entity_id.isdigit() else None
    if entity is None:
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return
    await _issue(conv, entity, Role.focal_point)


REASSIGN_USAGE = N_("Write /reassign, the organisation's number or name and the Telegram id of one of its focal "
                    "points. For example: {example}")


async def reassign_command(conv: Conversation, incoming: Incoming) -> None:
    """/reassign ENTITY TELEGRAM_ID (staff): every pledge of the entity goes first to that focal point of it;
    /reassign ENTITY lists its focal points with their Telegram ids."""
    if not is_staff(conv.contact):
        await _deny(conv, "reassign")
        return
    words = incoming.argument.split()
    usage = text(REASSIGN_USAGE, example=Code("/reassign 12 123456789"))
    # the organisation by number or name (as /invite finds it), then a focal point's Telegram id if given
    given = int(words[-1]) if len(words) >= 2 and words[-1].isascii() and words[-1].isdigit() \
        and len(words[-1]) <= 15 else None
    wanted = " ".join(words[:-1] if given is not None else words)
    if not wanted:
        conv.say(Reply((usage,)))
        return
    found = await find_organisations(conv, wanted)
    if not (found.exact and found.count == 1) or found.entities[0].id is None:
        if found.entities:
            _offer(conv, found, "/reassign", str(given) if given is not None else "")
        elif wanted.isascii() and wanted.isdigit():
            conv.say(Reply((text(N_("There is no organisation no. {number}."), number=Code(wanted)), usage)))
        else:
            conv.say(Reply((Text(N_("I found no organisation by that number or name.")), usage)))
        return
    entity = found.entities[0]
    assert entity.id is not None
    numbers = [entity.id, *((given,) if given is not None else ())]
    words = [str(number) for number in numbers]
    focal_points = [m for m in await Contacts(conv.session).members_of(entity.id) if role_of(m) is Role.focal_point]
    person = next((m for m in focal_points if len(numbers) == 2 and m.telegram_id == numbers[1]), None)
    if person is None or person.id is None:
        stranger = await Contacts(conv.session).by_telegram_id(numbers[1]) if len(numbers) == 2 else None
        if stranger is not None:
            not_one: tuple[Label, ...] = (text(N_("{person} is not a focal point of “{entity}” (no. {number})."),
                                               person=person_for_staff(stranger), entity=entity.name,
                                               number=Code(str(entity.id))),)
        elif len(numbers) == 2:
            not_one = (text(UNKNOWN_TELEGRAM_ID, id=Code(words[1])),)
        else:
            not_one = ()
        conv.say(Reply((*not_one, _focal_points_of(entity, focal_points))))
        return
    held = await People(conv.session).reassign(entity.id, person.id)
    before = {holder: len(ids) for holder, ids in held.items()}
    count = sum(before.values())
    await audit(conv.session, conv.contact, "pledges.reassigned", "entity", entity.id, to=person.id, pledges=count,
                previous=[{"contact": holder, "pledges": n} for holder, n in before.items()])
    if not count:  # nothing to move: each pledge it registers goes first to the focal point who registers it
        conv.say(Reply((text(N_("“{entity}” has no pledge yet, so nothing changed: each pledge goes first to the "
                                "focal point who registers it."), entity=entity.name),)))
        return
    if set(before) == {person.id}:  # a colleague's /reassign, or their own pledges: nothing changes
        conv.say(Reply((plural("{count} pledge of “{entity}” already goes first to {colleague}: nothing changed.",
                               "{count} pledges of “{entity}” already go first to {colleague}: nothing changed.",
                               count, entity=entity.name, colleague=person_for_staff(person)),)))
        return
    displaced = {m.id: m for m in focal_points if m.id in before and m.id != person.id}
    conv.say(Reply((plural("{count} pledge of “{entity}” now goes first to {colleague}.",
                           "{count} pledges of “{entity}” now go first to {colleague}.", count,
                           entity=entity.name, colleague=person_for_staff(person)),
                    *_held_before(before, displaced, person))))
    await outbox.enqueue(conv.session, person, Reply((text(
        N_("BDT made you the first focal point to be reminded of the pledges of “{entity}”."), entity=entity.name),)),
        f"reassigned:{conv.update_key}:{person.id}", priority=outbox.NOTICE)
    for holder in displaced.values():
        if holder.blocked:
            continue
        notice = plural("BDT made {colleague} the focal point the reminders of {count} pledge of “{entity}” go to "
                        "first, instead of you.",
                        "BDT made {colleague} the focal point the reminders of {count} pledges of “{entity}” go to "
                        "first, instead of you.", before[holder.id], colleague=told_apart(person, focal_points),
                        entity=entity.name)
        await outbox.enqueue(conv.session, holder, Reply((notice,)), f"displaced:{conv.update_key}:{holder.id}",
                             priority=outbox.NOTICE)
    # the pledges locked by the reassignment first, then the reminders' rows: a report's order
    pledges = {holder: [pledge for pledge_id in ids if (pledge := await conv.session.get(Pledge, pledge_id))]
               for holder, ids in held.items() if holder is not None and holder != person.id}
    assert person.id is not None
    await reassigned(Reminders(conv.session), pledges, person.id, conv.now, conv.deps.timezone)


WENT_FIRST = NP_("Before, {count} went first to {person}.", "Before, {count} went first to {person}.")


def _held_before(before: dict[int | None, int], displaced: dict[int | None, Contact], person: Contact
                 ) -> tuple[Label, ...]:
    """For staff, who an organisation's pledges went first to before /reassign: each focal point displaced, then
    those that went to every focal point alike (no primary, or one who is no longer a focal point of it), then the
    ones already with the person chosen."""
    lines: list[Label] = [plural(*WENT_FIRST, n, person=person_for_staff(displaced[holder]))
                          for holder, n in sorted(before.items(), key=lambda item: -item[1]) if holder in displaced]
    alike = sum(n for holder, n in before.items() if holder not in displaced and holder != person.id)
    if alike:
        lines.append(plural("Before, {count} went to all its focal points alike.",
                            "Before, {count} went to all its focal points alike.", alike))
    if person.id in before:
        lines.append(plural(*WENT_FIRST, before[person.id], person=person_for_staff(person)))
    return tuple(lines)


def _focal_points_of(entity: Entity, focal_points: list[Contact]) -> Label:
    """An organisation's focal points with their Telegram ids, to choose one for /reassign (staff only)."""
    number = Code(str(entity.id))
    if not focal_points:
        return text(N_("“{entity}” (no. {number}) has no focal point: invite one with /invite {number}."),
                    entity=entity.name, number=number)
    return text(N_("The focal points of “{entity}” (no. {number}): {people}. Write /reassign {number} and the "
                   "Telegram id of the one its pledges should go to first."), entity=entity.name, number=number,
                people=Items(tuple(person_for_staff(m) for m in focal_points)))


async def colleagues_button(conv: Conversation, code: str) -> None:
    """lv: buttons: leaving (lv:yes, lv:no) and staff's invitation for an entity left without focal point."""
    if code.startswith("lv:inv:"):
        await invite_button(conv, code)
    else:
        await leave_button(conv, code)
